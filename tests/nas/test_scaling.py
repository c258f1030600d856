"""Compound scaling: the FLOPs constraint measured, φ scaling, equal-FLOPs matching, errors."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")

import tiaocan as tc
from tiaocan.nas._training import digits_split
from tiaocan.nas.scaling import (
    CNNShape,
    compare_at_equal_flops,
    compound_grid,
    match_flops,
    measure_flops,
    scale,
    search_coefficients,
)

BASE = CNNShape(depth=2, width=8, resolution=8)


def test_every_grid_point_is_within_tolerance_of_the_target_in_measured_flops() -> None:
    points = compound_grid([1.0, 1.5, 2.0], [1.0, 1.2], base=BASE)
    assert points
    base = measure_flops(BASE)
    for p in points:
        assert p.alpha * p.beta ** 2 * p.gamma ** 2 == pytest.approx(2.0, rel=0.3)
        assert abs(measure_flops(p.shape) / base - 2.0) <= 0.3
        assert p.flops_ratio == pytest.approx(measure_flops(p.shape) / base)


def test_flops_grow_with_each_dimension() -> None:
    f = measure_flops(BASE)
    assert measure_flops(CNNShape(3, 8, 8)) > f
    assert measure_flops(CNNShape(2, 12, 8)) > f
    assert measure_flops(CNNShape(2, 8, 12)) > f


def test_scale_by_phi_and_phi_zero_is_the_base() -> None:
    assert scale(BASE, 1.5, 1.2, 1.1, 0) == BASE
    assert scale(BASE, 1.5, 1.2, 1.1, 2) == CNNShape(round(2 * 2.25), round(8 * 1.44), round(8 * 1.21))


@pytest.mark.parametrize("phi", [-1, -0.5, float("nan"), "2", True])
def test_a_bad_phi_is_a_clear_error(phi: object) -> None:
    with pytest.raises(tc.ConfigError, match="phi must be a finite number >= 0"):
        scale(BASE, 1.2, 1.1, 1.1, phi)  # type: ignore[arg-type]


@pytest.mark.parametrize("grid", [[2.5], [0.8, 1.2], [], "1.2"])
def test_an_alpha_grid_that_cannot_satisfy_the_constraint_is_a_clear_error(grid: object) -> None:
    with pytest.raises(tc.ConfigError, match="alpha_grid must be"):
        compound_grid(grid, [1.0], base=BASE)  # type: ignore[arg-type]


def test_a_grid_with_no_point_within_tolerance_is_a_clear_error() -> None:
    # α = 2 and β = 1.4: α·β² ≈ 3.9 > 2, no γ >= 1 brings it back to 2
    with pytest.raises(tc.ConfigError, match="no point whose measured FLOPs ratio"):
        compound_grid([2.0], [1.4], base=BASE)


def test_single_dimension_matching_lands_near_the_requested_flops() -> None:
    target = measure_flops(CNNShape(4, 11, 11))
    for dim in ("depth", "width", "resolution"):
        shape = match_flops(BASE, dim, target)
        others = {d for d in ("depth", "width", "resolution") if d != dim}
        assert all(getattr(shape, d) == getattr(BASE, d) for d in others)
        assert measure_flops(shape) == pytest.approx(target, rel=0.35)


def test_the_grid_search_is_a_study_with_one_trial_per_point(tmp_path) -> None:
    split = digits_split(0)
    points = compound_grid([1.0, 2.0], [1.0], base=BASE)
    study = search_coefficients(points, split, epochs=1, seed=0,
                                storage=f"sqlite:///{tmp_path}/s.db", name="grid")
    trials = study.get_trials([tc.TrialState.COMPLETE])
    assert len(trials) == len(points)
    for t in trials:
        assert {"gamma", "flops_ratio", "depth", "width", "resolution"} <= set(t.user_attrs)
        assert len(t.reports) == 1 and 0.0 <= t.value <= 1.0
    again = search_coefficients(points, split, epochs=1, seed=0,
                                storage=f"sqlite:///{tmp_path}/s.db", name="grid")
    assert len(again.trials) == len(points)  # resumed: nothing retrained


def test_compare_at_equal_flops_returns_every_method() -> None:
    rows = compare_at_equal_flops(BASE, 1.5, 1.1, 1.1, 1.0, digits_split(0), epochs=1, seeds=[0])
    assert [r["method"] for r in rows] == ["compound", "base", "depth only", "width only",
                                           "resolution only"]
    compound = rows[0]["flops_ratio"]
    for r in rows[2:]:
        assert r["flops_ratio"] == pytest.approx(compound, rel=0.35)
        assert 0.0 <= r["test_accuracy"] <= 1.0


def test_cuda_without_a_gpu_is_a_clear_error() -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(tc.ConfigError, match="no CUDA GPU"):
        compare_at_equal_flops(BASE, 1.5, 1.1, 1.1, 1.0, digits_split(0), epochs=1, device="cuda")


@pytest.mark.parametrize("name", ['tiaocan.nas.scaling'])
def test_docstring_examples(name: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
