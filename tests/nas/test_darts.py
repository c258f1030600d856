"""DARTS: the search as a trial, its stored results, determinism, resume, guard and errors."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")

import tiaocan as tc
from tiaocan.nas._darts_steps import Search
from tiaocan.nas.cell import parse_genotype
from tiaocan.nas.darts import DARTS, darts_search, decayed_skip
from tiaocan.nas.ops import is_parametric

OPS = ["none", "skip_connect", "conv_3x3"]
SMALL = {"epochs": 2, "channels": 4, "n_cells": 1}


@pytest.fixture(scope="module")
def space() -> tc.Space:
    return tc.nas.cell_space(3, OPS)


def test_the_search_stores_genotype_alpha_curves_and_parameter_free_count(space, tmp_path) -> None:
    trial = darts_search(space, seed=0, storage=f"sqlite:///{tmp_path}/d.db", name="d", **SMALL)
    attrs = trial.user_attrs
    assert parse_genotype(attrs["genotype"]) == attrs["params"]
    assert all(op != "none" for op in attrs["params"].values())
    assert attrs["parameter_free_ops"] == sum(not is_parametric(op) for op in attrs["params"].values())
    assert set(attrs["alpha_curves"]) == {"edge_0_1", "edge_0_2", "edge_1_2"}
    for per_op in attrs["alpha_curves"].values():
        assert set(per_op) == set(OPS)
        assert all(len(points) == SMALL["epochs"] for points in per_op.values())
        assert sum(points[-1] for points in per_op.values()) == pytest.approx(1.0, abs=1e-4)
    assert [r.step for r in trial.reports] == [1, 2]
    assert trial.params == {"guard": "darts-", "order": 1} and 0.0 <= trial.value <= 1.0
    stored = tc.load_study("d", storage=f"sqlite:///{tmp_path}/d.db").trials[0]
    assert stored.user_attrs["genotype"] == attrs["genotype"]


def test_same_seed_same_genotype_and_curves(space) -> None:
    a = darts_search(space, seed=3, **SMALL).user_attrs
    b = darts_search(space, seed=3, **SMALL).user_attrs
    assert a["genotype"] == b["genotype"] and a["alpha_curves"] == b["alpha_curves"]


def test_second_order_and_published_darts_run(space) -> None:
    trial = darts_search(space, seed=0, order=2, guard="none", **SMALL)
    assert trial.user_attrs["order"] == 2 and trial.user_attrs["guard"] == "none"
    assert parse_genotype(trial.user_attrs["genotype"])


def test_the_guard_decays_to_zero_and_is_off_for_published_darts() -> None:
    assert decayed_skip(0, 10, "darts-") == 1.0
    assert decayed_skip(5, 10, "darts-") == pytest.approx(0.5)
    assert decayed_skip(10, 10, "darts-") == 0.0
    assert decayed_skip(0, 10, "none") == 0.0


def test_interrupted_search_resumes_from_its_checkpoint(space, tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path}/r.db"
    options = {**SMALL, "epochs": 3}
    reference = darts_search(space, seed=1, storage=f"sqlite:///{tmp_path}/ref.db", name="r",
                             **options).user_attrs
    real, calls = Search.run_epoch, []

    def interrupted(self):  # Ctrl-C during the second epoch
        calls.append(self.epoch)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self)

    monkeypatch.setattr(Search, "run_epoch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        darts_search(space, seed=1, storage=url, name="r", **options)
    monkeypatch.setattr(Search, "run_epoch", real)
    resumed = darts_search(space, seed=1, storage=url, name="r", **options)
    study = tc.load_study("r", storage=url)
    assert [t.state for t in study.trials] == [tc.TrialState.FAILED, tc.TrialState.COMPLETE]
    assert [r.step for r in resumed.reports] == [1, 2, 3]
    assert resumed.user_attrs["genotype"] == reference["genotype"]
    for edge, per_op in reference["alpha_curves"].items():
        for op, points in per_op.items():
            assert resumed.user_attrs["alpha_curves"][edge][op] == pytest.approx(points, abs=1e-5)


def test_second_order_with_no_parametric_op_is_a_clear_error() -> None:
    space = tc.nas.cell_space(3, ["none", "skip_connect", "avg_pool_3x3"])
    with pytest.raises(tc.ConfigError, match="second-order DARTS .* have none"):
        DARTS(space, order=2)
    DARTS(space, order=1)  # first order is fine


def test_alpha_stays_put_during_the_warm_up_epochs(space) -> None:
    curves = darts_search(space, seed=0, warmup=1, **SMALL).user_attrs["alpha_curves"]
    moved = darts_search(space, seed=0, **SMALL).user_attrs["alpha_curves"]
    first = [points[0] for per_op in curves.values() for points in per_op.values()]
    assert max(first) - min(first) < 1e-2  # α ~ 1e-3·N(0, 1): softmax ≈ 1/3 after warm-up
    assert any(per_op[op][-1] != pytest.approx(per_op[op][0], abs=1e-4)
               for per_op in curves.values() for op in per_op)  # α moves afterwards
    assert curves != moved


@pytest.mark.parametrize("bad", [{"order": 3}, {"guard": "pc-darts"}, {"epochs": 0},
                                 {"device": "tpu"}, {"warmup": -1}, {"warmup": 15, "epochs": 15}])
def test_bad_options_are_clear_errors(space, bad) -> None:
    with pytest.raises(tc.ConfigError):
        DARTS(space, **bad)


def test_a_space_that_is_not_a_cell_space_is_a_clear_error() -> None:
    with pytest.raises(tc.ConfigError, match="DARTS needs a cell space"):
        DARTS(tc.Space(lr=tc.Float(1e-4, 1e-1, log=True)))


@pytest.mark.parametrize("name", ['tiaocan.nas.darts'])
def test_docstring_examples(name: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
