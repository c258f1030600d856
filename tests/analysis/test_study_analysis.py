from __future__ import annotations

import pytest

import tiaocan as tc
from tiaocan import analysis

pytest.importorskip("sklearn")

SPACE = tc.Space(
    lr=tc.Float(1e-4, 1e-1, log=True),
    optimizer=tc.Categorical(["sgd", "momentum", "adam"]),
    momentum=tc.Float(0.5, 0.99, when={"optimizer": "momentum"}),
    wd=tc.Float(0.0, 0.1),
)


def _loss(p):
    import math

    loss = 10 * (math.log10(p["lr"]) + 2) ** 2 + 0.5 * p["wd"]
    return loss + (0.3 * (1 - p["momentum"]) if "momentum" in p else 0.0)


@pytest.fixture(scope="module")
def study():
    # TPE gives the analysis a realistic, model-guided history at a fraction of the GP's cost
    s = tc.create_study("a", space=SPACE, storage=":memory:", seed=0, sampler="tpe")
    s.optimize(lambda t: _loss(t.params), n_trials=120)
    return s


def test_importance_handles_conditional_parameters(study):
    imp = analysis.importance(study, n_trees=16)
    assert imp.ranked()[0][0] == "lr"
    assert imp.main["lr"] > 0.7
    assert set(imp.main) == set(SPACE.names)
    assert imp.n_trials == 120


def test_maximised_objective_gives_the_same_ranking():
    s = tc.create_study(space=SPACE, storage=":memory:", seed=0, direction="maximize",
                        sampler="tpe")
    s.optimize(lambda t: -_loss(t.params), n_trials=60)
    assert analysis.importance(s, n_trees=8).ranked()[0][0] == "lr"


def test_good_ranges_hold_the_best_trials(study):
    ranges = analysis.good_ranges(study, top=0.1)
    assert 1e-3 < ranges["lr"].low <= 1e-2 <= ranges["lr"].high < 1e-1
    assert ranges["lr"].n == 12
    assert sum(n for _, n in ranges["optimizer"].choices) == 12
    assert ranges["momentum"].n <= 12
    with pytest.raises(tc.ConfigError, match="top"):
        analysis.good_ranges(study, top=0)


def test_summary_names_the_dominant_parameter(study):
    text = analysis.summary(study, n_trees=8)
    first = text.splitlines()[0]
    assert first.startswith("lr matters most (") and "good range [" in first
    assert "optimizer" in text and "trials" in text


def test_importance_needs_complete_trials():
    s = tc.create_study(space=SPACE, storage=":memory:")
    with pytest.raises(tc.ConfigError, match="complete trial"):
        analysis.importance(s)


def test_sweep_moves_one_parameter_at_a_time(sqlite_url):
    baseline = {"lr": 1e-2, "optimizer": "adam", "wd": 0.05}
    seen = []

    def objective(trial):
        seen.append(trial.params)
        return _loss(trial.params)

    result = analysis.sweep(objective, SPACE, baseline, storage=sqlite_url, points=3, name="sw")
    assert seen[0] == baseline
    for params in seen[1:]:
        changed = [k for k in baseline if params.get(k) != baseline[k]]
        assert len(changed) == 1
    momentum = [p for p in seen if p["optimizer"] == "momentum"]
    assert momentum and all("momentum" in p for p in momentum)  # activated child is filled in
    assert next(iter(result.sensitivity)) == "lr"
    assert set(result.effects) == {"lr", "optimizer", "wd"}
    again = tc.load_study("sw", storage=sqlite_url)
    assert len(again.trials) == len(seen) and again.attrs["sweep"]["baseline"] == baseline


def test_sweep_rejects_a_bad_baseline():
    with pytest.raises(tc.ConfigError, match="outside"):
        analysis.sweep(lambda t: 0.0, SPACE, {"lr": 5.0, "optimizer": "sgd", "wd": 0.0})
