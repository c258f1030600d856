from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

import tiaocan as tc
from tiaocan.trial import Direction, FrozenTrial, Report, TrialState
from tiaocan.viz import data as D

SPACE = tc.Space(lr=tc.Float(1e-4, 1e-1, log=True), opt=tc.Categorical(["sgd", "adam"]),
                 m=tc.Float(0.5, 0.9, when={"opt": "sgd"}))


def _t(n, value, state=TrialState.COMPLETE, params=None, **kw):
    return FrozenTrial(n, n, state, params or {"lr": 1e-2, "opt": "adam"}, 0,
                       values=None if value is None else (value,), **kw)


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=60))
def test_history_best_so_far_is_the_running_minimum(values):
    h = D.history([_t(i, v) for i, v in enumerate(values)])
    assert h.best_values == [min(values[: n + 1]) for n in h.numbers]
    assert h.n_total == len(values)


def test_history_maximize_and_downsampling_keep_every_improvement():
    values = [float(i % 97) for i in range(10_000)]
    h = D.history([_t(i, v) for i, v in enumerate(values)], Direction.MAXIMIZE, max_points=100)
    assert len(h.numbers) < 200 and h.numbers[-1] == 9999
    assert h.best_values[-1] == 96.0
    assert 96 in h.numbers  # the trial that reached the maximum is kept


def test_parallel_uses_log10_and_category_ticks():
    trials = [_t(0, 1.0, params={"lr": 1e-3, "opt": "sgd", "m": 0.6}), _t(1, 2.0), _t(2, None, TrialState.FAILED)]
    p = D.parallel(trials, SPACE)
    lr, opt, m = p.axes
    assert lr.log and lr.values == [-3.0, -2.0]
    assert opt.values == [0.0, 1.0] and opt.ticks == [(0.0, "sgd"), (1.0, "adam")]
    assert m.values[0] == 0.6 and math.isnan(m.values[1])
    assert p.objective == [1.0, 2.0]


def test_slices_only_hold_trials_where_the_parameter_is_active():
    trials = [_t(0, 1.0, params={"lr": 1e-3, "opt": "sgd", "m": 0.6}), _t(1, 2.0)]
    by_name = {s.name: s for s in D.slices(trials, SPACE)}
    assert by_name["m"].x == [0.6] and by_name["lr"].log and by_name["opt"].categorical


def test_contour_bins_the_mean():
    trials = [_t(0, 1.0, params={"lr": 1e-4, "opt": "sgd", "m": 0.5}),
              _t(1, 3.0, params={"lr": 1e-4, "opt": "sgd", "m": 0.5})]
    c = D.contour(trials, SPACE, "lr", "m", bins=4)
    assert c.z[0][0] == 2.0
    assert sum(v is not None for row in c.z for v in row) == 1


def test_learning_curves_include_pruned_trials():
    reps = (Report(1, (3.0,)), Report(2, (2.0,)))
    trials = [_t(0, 2.0, reports=reps), _t(1, 3.0, TrialState.PRUNED, reports=reps[:1]), _t(2, 1.0)]
    curves = D.learning_curves(trials)
    assert [(c.number, c.state) for c in curves] == [(0, TrialState.COMPLETE), (1, TrialState.PRUNED)]
    assert curves[0].steps == [1, 2] and curves[0].values == [3.0, 2.0]


def test_rungs_place_each_trial_at_every_budget_it_reached():
    reps = (Report(1, (5.0,)), Report(3, (4.0,)), Report(9, (1.0,)))
    job = {"job": {"bracket": 1}}
    trials = [_t(0, 1.0, budget=9, reports=reps, system_attrs=job),
              _t(1, 6.0, TrialState.PRUNED, budget=1, reports=(Report(1, (6.0,)),)),
              _t(2, 4.5, budget=3, reports=(Report(1, (5.5,)), Report(3, (4.5,))))]
    r = D.rungs(trials)
    assert r.counts == {1.0: 3, 3.0: 2, 9.0: 1}
    assert (9.0, 1.0, 0, 1) in r.points and (3.0, 4.5, 2, 0) in r.points


def test_pareto_marks_the_front():
    trials = [FrozenTrial(i, i, TrialState.COMPLETE, {}, 0, values=v)
              for i, v in enumerate([(1.0, 5.0), (2.0, 2.0), (3.0, 3.0), (5.0, 1.0)])]
    p = D.pareto(trials, [Direction.MINIMIZE, Direction.MINIMIZE])
    assert p.on_front == [True, True, False, True]
    p = D.pareto(trials, [Direction.MINIMIZE, Direction.MAXIMIZE])
    assert p.on_front == [True, False, False, False]


def test_timeline_labels_workers():
    w = {"worker": {"host": "h", "pid": 7, "env": "e"}}
    trials = [_t(0, 1.0, started_at=10.0, completed_at=12.0, system_attrs=w),
              _t(1, None, TrialState.RUNNING, started_at=11.0), _t(2, None, TrialState.WAITING)]
    spans = D.timeline(trials, now=20.0)
    assert [(s.worker, s.start, s.end) for s in spans] == [("h:7", 10.0, 12.0), ("unknown", 11.0, 20.0)]


def test_rungs_of_a_real_hyperband_study():
    study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0,
                            scheduler="hyperband", fidelity=tc.Fidelity("epoch", low=1, high=9),
                            sampler="random")  # the rungs are the scheduler's; any sampler fills them

    def objective(trial):
        for epoch in range(1, int(trial.budget) + 1):
            trial.report(trial.params["x"] + 1 / epoch, step=epoch)
        return trial.params["x"] + 1 / trial.budget

    study.optimize(objective, n_trials=25)
    r = D.rungs(study.trials)
    levels = sorted(r.counts)
    assert levels[0] == 1 and levels[-1] == 9
    assert r.counts[levels[0]] > r.counts[levels[-1]]  # fewer trials reach larger budgets
    assert len({p[3] for p in r.points}) >= 2  # several brackets


def test_history_best_so_far_reads_only_full_budget_trials():
    trials = [_t(0, 0.1, budget=1), _t(1, 0.5, budget=9), _t(2, 0.05, budget=3),
              _t(3, 0.4, budget=9), _t(4, 0.2, TrialState.PRUNED, budget=9)]
    h = D.history(trials, full=9)
    assert h.numbers == [0, 1, 2, 3, 4] and h.budgets == [1, 9, 3, 9, 9]
    assert h.stopped == [True, False, True, False, True] and h.n_stopped == 3
    assert h.best_numbers == [1, 3] and h.best_values == [0.5, 0.4]


def test_final_falls_back_to_the_largest_budget_reached():
    trials = [_t(0, 0.1, budget=1), _t(1, 0.5, budget=3)]
    assert [t.number for t in D.final(trials, full=9)] == [1]
    assert [t.number for t in D.final(trials + [_t(2, 0.9, budget=9)], full=9)] == [2]


@given(st.lists(st.tuples(st.floats(-1e6, 1e6), st.sampled_from([1, 3, 9])), min_size=1, max_size=40))
def test_edf_is_a_distribution_per_budget(points):
    e = D.edf([_t(i, v, budget=b) for i, (v, b) in enumerate(points)])
    assert e.levels == sorted({b for _, b in points})
    for level, xs, fs in zip(e.levels, e.values, e.fractions):
        assert xs == sorted(v for v, b in points if b == level)
        assert fs[-1] == 1.0 and fs == sorted(fs)
