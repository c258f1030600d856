"""Trials stopped early read as pruned everywhere a user looks: CLI, export, the flag itself."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tiaocan as tc
from tiaocan.cli import main
from tiaocan.outcome import full_budget, is_stopped_early, shown_state, stopped_at
from tiaocan.trial import FrozenTrial, TrialState


def _objective(trial):
    for epoch in range(1, int(trial.budget) + 1):
        trial.report(trial.params["x"] + 1 / epoch, step=epoch)
    return trial.params["x"] + 1 / trial.budget


@pytest.fixture()
def url(sqlite_url):
    s = tc.create_study("sha", space=tc.Space(x=tc.Float(0, 1)), storage=sqlite_url, seed=0,
                        scheduler="successive_halving", fidelity=tc.Fidelity("epoch", low=1, high=9),
                        sampler="random")
    s.optimize(_objective, n_trials=20)
    return sqlite_url


def test_cli_trials_and_export_show_trials_left_at_a_low_rung_as_pruned(url, capsys, tmp_path):
    study = tc.load_study("sha", storage=url)
    low = {t.number for t in study.trials if t.budget < 9}
    assert low and all(t.state is TrialState.COMPLETE for t in study.trials)  # stored as measured
    assert {t.number for t in study.stopped_early()} == low
    capsys.readouterr()
    assert main(["trials", "sha", "--storage", url, "--state", "pruned"]) == 0
    out_lines = capsys.readouterr().out.splitlines()
    lines = out_lines[[line.split()[:2] for line in out_lines].index(["#", "state"]) + 1:]
    assert {int(line.split()[0]) for line in lines} == low
    assert all(line.split()[1] == "pruned" for line in lines)
    out = tmp_path / "trials.csv"
    assert main(["export", "sha", "--storage", url, "-o", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert {int(r["number"]) for r in rows if r["state"] == "pruned"} == low
    assert all(r["stopped_at"] == (r["budget"] if int(r["number"]) in low else "") for r in rows)


def test_metric_names_head_the_cli_table_and_the_export(sqlite_url, capsys, tmp_path):
    s = tc.create_study("mo", space=tc.Space(a=tc.Float(0, 1)), storage=sqlite_url, seed=0,
                        directions={"accuracy": "maximize", "latency_ms": "minimize"})
    assert [d.value for d in s.directions] == ["maximize", "minimize"]
    s.optimize(lambda t: (t.params["a"], 2 * t.params["a"]), n_trials=3)
    assert tc.load_study("mo", storage=sqlite_url).metric_names == ["accuracy", "latency_ms"]
    capsys.readouterr()
    assert main(["trials", "mo", "--storage", sqlite_url]) == 0
    header = [line.split() for line in capsys.readouterr().out.splitlines() if line.startswith("#")]
    assert header == [["#", "state", "accuracy", "latency_ms", "budget", "a"]]
    out = tmp_path / "mo.json"
    assert main(["export", "mo", "--storage", sqlite_url, "--format", "json", "-o", str(out)]) == 0
    record = json.loads(out.read_text())[0]
    assert record["value_accuracy"] == pytest.approx(s.trials[0].values[0])
    assert record["value_latency_ms"] == pytest.approx(s.trials[0].values[1])
    for bad in (["accuracy"], ["a", "a"], "accuracy,latency", ["a", ""]):
        with pytest.raises(tc.ConfigError, match="metric names"):
            s.set_metric_names(bad)
    assert s.metric_names == ["accuracy", "latency_ms"]  # a refused call changes nothing
    s.set_metric_names(["acc", "ms"])
    assert tc.load_study("mo", storage=sqlite_url).metric_names == ["acc", "ms"]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(list(TrialState)), st.one_of(st.none(), st.integers(1, 27)), st.integers(1, 27))
def test_a_trial_is_stopped_early_exactly_when_pruned_or_finished_below_the_full_budget(state, budget, full):
    t = FrozenTrial(0, 0, state, {}, 0, values=(1.0,), budget=budget)
    stopped = state is TrialState.PRUNED or (state is TrialState.COMPLETE and budget is not None
                                             and budget < full)
    assert is_stopped_early(t, full) is stopped
    assert shown_state(t, full) == ("pruned" if stopped else state.value)
    assert (stopped_at(t, full) is not None) == (stopped and (budget is not None))
    assert not is_stopped_early(t, None) or state is TrialState.PRUNED


def test_full_budget_is_the_schedulers_max_budget_when_it_narrows_the_fidelity():
    fidelity = {"name": "epoch", "low": 1, "high": 81}
    assert full_budget({"fidelity": fidelity}) == 81
    assert full_budget({"fidelity": fidelity, "scheduler": {"params": {"max_budget": 27}}}) == 27
    assert full_budget({"scheduler": {"params": {"max_budget": 27}}}) is None
