from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tiaocan as tc
from tiaocan.nas.cell import build, cell_space, genotype, parse_genotype
from tiaocan.nas.ops import OPS, is_parametric, register_op

torch = pytest.importorskip("torch")


def test_importing_nas_does_not_import_torch() -> None:
    code = ("import sys, tiaocan as tc; s = tc.nas.cell_space(4); "
            "print('torch' in sys.modules, len(s))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "6"]


def test_cell_space_has_one_categorical_per_edge() -> None:
    space = cell_space(n_nodes=4, ops=("none", "conv_3x3"))
    assert list(space) == ["edge_0_1", "edge_0_2", "edge_1_2", "edge_0_3", "edge_1_3",
                           "edge_2_3"]
    assert all(isinstance(p, tc.Categorical) and p.choices == ("none", "conv_3x3")
               for p in space.values())


@settings(max_examples=30, deadline=None)
@given(n_nodes=st.integers(2, 5), seed=st.integers(0, 2**31))
def test_genotype_round_trip(n_nodes: int, seed: int) -> None:
    space = cell_space(n_nodes=n_nodes)
    params = space.sample(np.random.default_rng(seed))
    text = genotype(params)
    assert text.count("+") == n_nodes - 2
    assert parse_genotype(text) == params


def test_nas_bench_201_genotype_format() -> None:
    text = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
    with pytest.raises(tc.ConfigError, match="unknown op 'nor_conv_3x3'"):
        parse_genotype(text)
    ours = text.replace("nor_conv", "conv")
    assert genotype(parse_genotype(ours)) == ours


@pytest.mark.parametrize("bad, match", [
    ("", "must be a string like"),
    ("none~0", "must start and end with '|'"),
    ("|none~0|+|none~0|", "must list 2 op"),
    ("|none~0|+|none~1|none~0|", "must read 'op~0'"),
    ("|conv_9x9~0|", "unknown op 'conv_9x9'"),
])
def test_bad_genotypes_are_named(bad: str, match: str) -> None:
    with pytest.raises(tc.ConfigError, match=match):
        parse_genotype(bad)


def test_bad_cell_spaces_are_named() -> None:
    with pytest.raises(tc.ConfigError, match="n_nodes must be an int >= 2"):
        cell_space(n_nodes=1)
    with pytest.raises(tc.ConfigError, match="unknown op 'sep_conv'"):
        cell_space(ops=("none", "sep_conv"))
    with pytest.raises(tc.ConfigError, match="missing"):
        build({"edge_0_1": "none", "edge_1_2": "conv_3x3"})


def test_build_runs_and_ignores_training_parameters() -> None:
    params = {**parse_genotype("|conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|"), "lr": 0.1}
    model = build(params, channels=8, n_cells=2, n_classes=10, in_channels=1)
    assert model(torch.zeros(3, 1, 8, 8)).shape == (3, 10)
    assert model.build_spec["options"]["channels"] == 8
    assert "lr" not in model.build_spec["params"]


def test_parameter_count_follows_the_ops() -> None:
    def count(text: str) -> int:
        return sum(p.numel() for p in build(parse_genotype(text), channels=4, n_cells=1).parameters())

    base = count("|none~0|+|none~0|none~1|")
    # A ReLU-Conv-BN op adds C*C*k*k weights and 2*C batch-norm parameters.
    assert count("|conv_3x3~0|+|none~0|none~1|") - base == 4 * 4 * 9 + 8
    assert count("|conv_1x1~0|+|none~0|none~1|") - base == 4 * 4 + 8
    assert count("|skip_connect~0|+|avg_pool_3x3~0|none~1|") == base


def test_registered_ops_can_be_searched_and_built() -> None:
    register_op("max_pool_3x3", lambda c, s: torch.nn.MaxPool2d(3, s, 1), parametric=False,
                replace=True)
    try:
        space = cell_space(n_nodes=2, ops=("max_pool_3x3", "conv_3x3"))
        model = build({"edge_0_1": "max_pool_3x3"}, n_cells=1)
        assert model(torch.zeros(1, 1, 8, 8)).shape == (1, 10)
        assert not is_parametric("max_pool_3x3") and len(space) == 1
        with pytest.raises(tc.ConfigError, match="already registered"):
            register_op("max_pool_3x3", lambda c, s: None, parametric=False)
        with pytest.raises(tc.ConfigError, match="op name"):
            register_op("a|b", lambda c, s: None, parametric=False)
    finally:
        OPS.pop("max_pool_3x3", None)


def test_every_public_name_of_tiaocan_nas_resolves() -> None:
    for name in tc.nas.__all__:
        assert getattr(tc.nas, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        tc.nas.Nothing  # noqa: B018
