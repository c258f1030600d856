"""Macro spaces, export round trip, hardware measurement, and the table's parameter counts."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tiaocan as tc
from tiaocan.nas.hardware import count_flops, count_params, measure_latency, record

torch = pytest.importorskip("torch")


def test_macro_layers_are_active_only_up_to_the_stage_depth() -> None:
    space = tc.nas.macro_space(n_stages=2, depths=(1, 2, 3))
    config = {"stage0_depth": 1, "stage0_width": 8, "stage0_layer1_kernel": 3,
              "stage0_layer1_expansion": 1, "stage1_depth": 2, "stage1_width": 16,
              "stage1_layer1_kernel": 5, "stage1_layer1_expansion": 3,
              "stage1_layer2_kernel": 3, "stage1_layer2_expansion": 6}
    assert space.validate(config) == config
    assert "stage0_layer2_kernel" not in space.active_names(config)
    assert space["stage1_layer3_kernel"].condition == {"stage1_depth": (3,)}


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**31))
def test_every_macro_configuration_builds_with_the_blocks_it_names(seed: int) -> None:
    space = tc.nas.macro_space(n_stages=2)
    config = space.sample(np.random.default_rng(seed))
    model = tc.nas.build_macro(config)
    assert model(torch.zeros(2, 1, 8, 8)).shape == (2, 10)
    assert len(model.blocks) == config["stage0_depth"] + config["stage1_depth"]
    assert set(model.build_spec["params"]) == set(config)


def test_macro_space_and_training_parameters_search_jointly() -> None:
    space = tc.Space({**tc.nas.macro_space(n_stages=1), "lr": tc.Float(1e-3, 1e-1, log=True)})
    study = tc.create_study(space=space, storage=":memory:", sampler="evolution", seed=0)
    study.optimize(lambda t: count_params(tc.nas.build_macro(t.params)) * t.params["lr"],
                   n_trials=6, show_progress=False)
    assert all("lr" in t.params and "stage0_depth" in t.params for t in study.trials)


def test_bad_macro_spaces_are_named() -> None:
    with pytest.raises(tc.ConfigError, match="kernels must be a non-empty list of distinct odd"):
        tc.nas.macro_space(kernels=(3, 4))
    with pytest.raises(tc.ConfigError, match="n_stages must be an int >= 1"):
        tc.nas.macro_space(n_stages=0)
    with pytest.raises(tc.ConfigError, match="misses 'stage0_layer1_kernel'"):
        tc.nas.build_macro({"stage0_depth": 1})


def test_hardware_measurements_and_their_errors() -> None:
    model = tc.nas.build(tc.nas.parse_genotype("|conv_3x3~0|+|skip_connect~0|conv_1x1~1|"),
                         channels=4, n_cells=1)
    # stem 3x3 conv (1->4) and one 3x3 and one 1x1 ReLU-Conv-BN on 8x8, 2 FLOPs per MAC,
    # plus the 4->10 head
    assert count_flops(model, (1, 8, 8)) == 2 * 64 * (4 * 9 + 16 * 9 + 16) + 2 * 40
    found = measure_latency(model, (1, 8, 8), repeats=3, warmup=1, threads=1, batch_size=2)
    assert found["latency_ms"] > 0 and found["threads"] == 1 and found["device"] == "cpu"
    assert found["repeats"] == 3 and found["dtype"] == "float32"
    with pytest.raises(tc.ConfigError, match="repeats must be an int >= 1, received 0"):
        measure_latency(model, (1, 8, 8), repeats=0)
    with pytest.raises(tc.ConfigError, match="dtype must be a floating torch dtype"):
        measure_latency(model, (1, 8, 8), dtype="int8")
    with pytest.raises(tc.ConfigError, match="input_shape must be"):
        count_flops(model, (0, 8))


def test_record_stores_genotype_and_measurements_with_the_trial() -> None:
    study = tc.create_study(space=tc.nas.cell_space(n_nodes=3), storage=":memory:", seed=0)

    def objective(trial: tc.Trial) -> float:
        model = tc.nas.build(trial.params, channels=4, n_cells=1)
        return float(record(trial, model, (1, 8, 8), repeats=2)["hw_params"])

    study.optimize(objective, n_trials=2, show_progress=False)
    for t in study.trials:
        assert t.user_attrs["genotype"] == tc.nas.genotype(t.params)
        assert t.user_attrs["hw_params"] == t.value and t.user_attrs["hw_repeats"] == 2


def test_export_round_trip_loads_with_weights_only(tmp_path) -> None:
    space = tc.Space({**tc.nas.cell_space(n_nodes=3), "lr": tc.Float(1e-3, 1e-1, log=True)})
    study = tc.create_study(space=space, storage=":memory:", seed=0)
    trial = study.ask()
    model = tc.nas.build(trial.params, channels=4, n_cells=2)
    torch.nn.init.normal_(model.head[-1].weight)  # weights that differ from a fresh build
    study.tell(trial, 0.5)
    folder = tc.nas.export(study.trials[0], tmp_path / "model", model)
    spec = json.loads((folder / "architecture.json").read_text())
    assert spec["genotype"] == tc.nas.genotype(trial.params) and spec["params"]["lr"] == trial.params["lr"]
    assert spec["trial"]["values"] == [0.5]
    x = torch.randn(3, 1, 8, 8)
    model.eval()
    assert torch.equal(tc.nas.load(folder)(x), model(x))
    # the loader needs only the build function and torch
    code = (f"import json, torch; from tiaocan.nas.cell import build; "
            f"s = json.load(open({str(folder / 'architecture.json')!r})); "
            f"m = build(s['params'], **s['options']); "
            f"m.load_state_dict(torch.load({str(folder / 'weights.pt')!r}, weights_only=True)); "
            f"print(sum(p.numel() for p in m.parameters()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(out.stdout) == count_params(model)


def test_export_refuses_foreign_models_and_load_bad_folders(tmp_path) -> None:
    study = tc.create_study(space=tc.nas.cell_space(n_nodes=2), storage=":memory:", seed=0)
    trial = study.ask()
    with pytest.raises(tc.ConfigError, match="made by tc.nas.build"):
        tc.nas.export(trial, tmp_path, torch.nn.Linear(2, 2))
    other = tc.nas.build({"edge_0_1": "none" if trial.params["edge_0_1"] != "none" else "conv_3x3"})
    with pytest.raises(tc.ConfigError, match="differs from trial 0's parameters"):
        tc.nas.export(trial, tmp_path, other)
    with pytest.raises(tc.ConfigError, match="no readable architecture.json"):
        tc.nas.load(tmp_path / "nothing")


@pytest.mark.parametrize("task", ["digits", "mnist1d"])
def test_build_parameter_counts_match_the_stored_table(task: str) -> None:
    table = pytest.importorskip("benchmarks.nas.digits_table")
    spec = table.TASKS[task]
    rows = list(table.load_table(spec.path).values())
    assert len(rows) == len(table.OPS) ** 6   # every cell of the space, each trained per seed
    assert all(len(row["valid"]) == len(spec.seeds) for row in rows)
    for row in rows[:: max(1, len(rows) // 40)]:
        model = tc.nas.build(tc.nas.parse_genotype(row["genotype"]),
                             channels=spec.training["channels"], n_cells=spec.training["n_cells"])
        assert count_params(model) == row["params"], row["genotype"]
        assert count_flops(model, spec.input_shape) == row["flops"], row["genotype"]
