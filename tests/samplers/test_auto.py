"""The automatic default: its rules, the stored reason, conformance."""

from __future__ import annotations

import tiaocan as tc
from tiaocan.samplers import DEFAULT_SAMPLER, SAMPLERS, get_sampler
from tiaocan.samplers.auto import AutoSampler
from tiaocan.samplers.base import History
from tiaocan.testing import CONFORMANCE_SPACES, check_sampler
from tiaocan.trial import Direction, FrozenTrial, TrialState


def test_conformance():
    # proposal times are measured, so the cost rule's switch point can differ between runs:
    # same seed, same study is checked with it off
    check_sampler(lambda: AutoSampler(max_cost_fraction=None), n_trials=16)
    check_sampler(AutoSampler, n_trials=16, deterministic=False)


def test_is_the_default_and_all_names_are_registered():
    assert DEFAULT_SAMPLER == "auto" and isinstance(get_sampler(None), AutoSampler)
    assert {"tpe", "gp", "cmaes", "evolution", "auto"} <= set(SAMPLERS)


def _history(n, directions=(Direction.MINIMIZE,)):
    trials = [FrozenTrial(i, i, TrialState.COMPLETE, {"x": 0.5}, 0, values=(1.0,) * len(directions))
              for i in range(n)]
    return History(tuple(trials), tuple(directions))


def test_rules():
    auto = AutoSampler(gp_max_trials=50)
    small = tc.Space(x=tc.Float(0, 1), y=tc.Float(0, 1))
    assert auto.choose(small, _history(10))[0] == "gp"
    assert auto.choose(small, _history(60))[0] == "cmaes"
    conditional = CONFORMANCE_SPACES["conditional"]  # 2 of 5 categorical: GP, then TPE
    assert auto.choose(conditional, _history(5))[0] == "gp"
    assert auto.choose(conditional, _history(60))[0] == "tpe"
    assert auto.choose(tc.Space(**{f"x{i}": tc.Float(0, 1) for i in range(50)}), _history(5))[0] == "gp"
    assert auto.choose(tc.Space(**{f"x{i}": tc.Float(0, 1) for i in range(80)}), _history(5))[0] == "tpe"
    two = _history(5, (Direction.MINIMIZE, Direction.MAXIMIZE))
    assert auto.choose(small, two) == ("tpe", "2 objectives: TPE splits by non-dominated rank")
    mixed = tc.Space(x=tc.Float(0, 1), y=tc.Float(0, 1), c=tc.Categorical(["a", "b"]))
    assert auto.choose(mixed, _history(60))[0] == "tpe"


def test_reason_is_stored_with_the_trial():
    # an objective of microseconds would rightly send auto to random search for cost
    study = tc.create_study(space=tc.Space(x=tc.Float(0, 1), y=tc.Float(0, 1)), seed=0,
                            storage=":memory:", sampler=AutoSampler(max_cost_fraction=None))
    study.optimize(lambda t: t.params["x"] + t.params["y"], n_trials=8, show_progress=False)
    info = study.trials[-1].system_attrs["sampler"]
    assert info["auto"]["chose"] == "gp" and "GP" in info["auto"]["why"]


def test_auto_models_one_budget_in_multi_fidelity_studies() -> None:
    import numpy as np

    import tiaocan as tc
    from tiaocan.samplers.auto import AutoSampler

    space = tc.Space(x=tc.Float(0, 1), y=tc.Float(0, 1))
    study = tc.create_study(space=space, storage=":memory:", seed=0, sampler="random",
                            fidelity=tc.Fidelity("epoch", 1, 9))
    for i in range(12):
        trial = study.ask()
        # five trials reached the full budget; seven stopped at 1 with (misleadingly) low loss
        budget, value = (9, 1.0 + i) if i < 5 else (1, 0.001)
        for step in range(1, budget + 1):
            trial.report(value, step=step)
        study.tell(trial, value, state="complete" if budget == 9 else "pruned")
    seen: list = []

    class Recorder:
        def sample(self, space, history, rng):
            seen.append(history)
            return space.sample(rng)

    auto = AutoSampler(max_cost_fraction=None)  # ask/tell in microseconds: no cost rule here
    auto._samplers = {"gp": Recorder(), "tpe": Recorder()}
    auto.sample(space, study.history(), np.random.default_rng(0))
    view = seen[0]
    assert {t.budget for t in view.complete} == {9}  # modelled at the full budget
    full = [t.values[0] for t in view.complete if t.number < 5]
    stopped = [t.values[0] for t in view.complete if t.number >= 5]
    assert sorted(full) == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert min(stopped) > max(full)  # stopped early counts as worse, not as 0.001


def test_numeric_choices_in_order_go_to_the_gp():
    auto = AutoSampler()
    grid = tc.Space(width=tc.Categorical([16, 32, 64, 128]), lr=tc.Categorical([1e-1, 1e-2, 1e-3]),
                    act=tc.Categorical(["relu", "tanh"]))
    name, why = auto.choose(grid, _history(5))
    assert name == "gp" and "(1 nominal)" in why  # width and lr are ordinal
    shuffled = tc.Space(a=tc.Categorical([3, 1, 2]), b=tc.Categorical(["x", "y", "z"]), x=tc.Float(0, 1),
                        c=tc.Categorical([1, 5, 2]))
    name, why = auto.choose(shuffled, _history(5))
    assert name == "gp" and "(3 nominal)" in why


def test_nominal_spaces_go_to_the_gp_before_the_long_run():
    # broad.md: on NAS-Bench-201 (6 nominal operations) GP reached a median regret of 0.25 at
    # 25 evaluations, TPE 0.64; nominal spaces are no longer sent to TPE up front
    auto = AutoSampler(gp_max_trials=50)
    cell = tc.Space(**{f"op{i}": tc.Categorical(["none", "skip", "conv1", "conv3", "pool"]) for i in range(6)})
    name, why = auto.choose(cell, _history(10))
    assert name == "gp" and "(6 nominal)" in why and "broad.md" in why
    assert auto.choose(cell, _history(60))[0] == "tpe"  # the long run with categoricals


def _timed_history(n, objective_s, propose_s, chose="gp", cheap_before=0, first=0):
    """Complete trials with recorded durations, as the loop stores them.

    ``cheap_before`` start-up trials come first, each proposed in 0.1 ms, so the study's
    total stays within its cost fraction and only the per-model rule decides."""
    def trial(i, propose, phase):
        info = {"sampler": chose, "auto": {"chose": chose}, **({"phase": phase} if phase else {})}
        return FrozenTrial(i, i, TrialState.COMPLETE, {"x": 0.5}, 0, values=(1.0,),
                           started_at=10.0 * i, completed_at=10.0 * i + objective_s,
                           system_attrs={"propose_seconds": propose, "sampler": info})
    trials = [trial(first + i, 1e-4, "startup") for i in range(cheap_before)]
    trials += [trial(first + cheap_before + i, propose_s, None) for i in range(n)]
    return History(tuple(trials), (Direction.MINIMIZE,))


def test_moves_to_a_cheaper_model_when_proposals_cost_too_much():
    space = tc.Space(x=tc.Float(0, 1), y=tc.Float(0, 1))
    auto = AutoSampler(max_cost_fraction=0.25, gp_max_trials=10_000)  # long cheap histories below
    assert auto.choose(space, _timed_history(20, objective_s=10.0, propose_s=0.05))[0] == "gp"
    name, why = auto.choose(space, _timed_history(20, objective_s=0.01, propose_s=0.05, cheap_before=500))
    assert name == "tpe" and "max_cost_fraction=0.25" in why and "gp proposals took 50 ms" in why
    # after the GP, TPE itself too slow for the objective: random search
    gp = _timed_history(5, 0.001, 0.05, cheap_before=2000)
    tpe = _timed_history(5, 0.001, 0.005, chose="tpe", first=len(gp.trials))
    both = History(gp.trials + tpe.trials, gp.directions)
    name, why = auto.choose(space, both)
    assert name == "random" and "tpe proposals took 5 ms" in why
    # the user fixes the choice
    assert AutoSampler(max_cost_fraction=None).choose(
        space, _timed_history(20, objective_s=0.01, propose_s=0.05))[0] == "gp"


def test_start_up_proposals_do_not_count_as_model_cost():
    space = tc.Space(x=tc.Float(0, 1), y=tc.Float(0, 1))
    h = _timed_history(20, objective_s=0.01, propose_s=0.05)
    for t in h.trials:
        t.system_attrs["sampler"]["phase"] = "startup"
    assert AutoSampler().choose(space, h)[0] == "random"  # but they count in the study's total
    h = _timed_history(0, objective_s=0.01, propose_s=0.05, cheap_before=20)
    assert AutoSampler().choose(space, h)[0] == "gp"
    # nor do fewer than five model proposals
    assert AutoSampler().choose(space, _timed_history(4, objective_s=0.01, propose_s=0.05))[0] == "gp"


def test_max_cost_fraction_is_checked():
    import pytest

    from tiaocan.errors import ConfigError

    for bad in (0, -1.0, "0.1", True):
        with pytest.raises(ConfigError, match="max_cost_fraction"):
            AutoSampler(max_cost_fraction=bad)


def test_total_proposal_time_is_kept_within_the_fraction():
    space = tc.Space(x=tc.Float(0, 1), y=tc.Float(0, 1))
    # 10 proposals of 0.1 s (an import, a slow first model) against 10 ms objective calls
    h = _timed_history(10, objective_s=0.01, propose_s=0.1)
    name, why = AutoSampler(max_cost_fraction=0.25).choose(space, h)
    assert name == "random" and "proposals so far took 1 s against 0.1 s" in why
    # once the objective's time has caught up (400 cheap trials: 4 s), the model is back
    caught_up = _timed_history(2, 0.01, 0.1, cheap_before=400)
    assert AutoSampler(max_cost_fraction=0.25, gp_max_trials=10_000).choose(space, caught_up)[0] == "gp"
    assert AutoSampler(max_cost_fraction=None).choose(space, h)[0] == "gp"
    # a short study decides nothing
    assert AutoSampler().choose(space, _timed_history(3, 0.01, 0.1))[0] == "gp"


def test_a_move_for_cost_is_logged_once(caplog):
    import logging

    space = tc.Space(x=tc.Float(0, 1), y=tc.Float(0, 1))
    auto = AutoSampler(max_cost_fraction=0.25)
    with caplog.at_level(logging.WARNING, logger="tiaocan"):
        auto.choose(space, _timed_history(3, 0.01, 0.1))  # a short study: no move, no warning
        assert not caplog.records
        for _ in range(3):
            assert auto.choose(space, _timed_history(10, objective_s=0.01, propose_s=0.1))[0] == "random"
    moves = [r for r in caplog.records if "for cost" in r.getMessage()]
    assert len(moves) == 1 and "max_cost_fraction=None" in moves[0].getMessage()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="tiaocan"):  # the user fixed the choice: silent
        AutoSampler(max_cost_fraction=None).choose(space, _timed_history(10, 0.01, 0.1))
    assert not caplog.records
