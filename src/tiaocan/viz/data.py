"""Plot data as pure functions of trials: no plotting library, plain lists and dataclasses.

Each function takes stored trials (and the space or directions it needs) and returns what a
renderer draws, already downsampled, so a study of 100k trials stays cheap to draw.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tiaocan.errors import ConfigError
from tiaocan.outcome import is_stopped_early
from tiaocan.space import Categorical, Space
from tiaocan.trial import Direction, FrozenTrial, TrialState

__all__ = [
    "Contour",
    "Curve",
    "Edf",
    "History",
    "Parallel",
    "Pareto",
    "Rungs",
    "Slice",
    "Span",
    "contour",
    "downsample",
    "edf",
    "final",
    "history",
    "learning_curves",
    "parallel",
    "pareto",
    "rungs",
    "slices",
    "timeline",
]


def downsample(n: int, max_points: int, keep: Sequence[int] = ()) -> list[int]:
    """Indices of at most ~``max_points`` of ``n`` items, evenly spread, plus ``keep``.

    >>> downsample(10, 3)
    [0, 4, 9]
    """
    if n <= max_points:
        return list(range(n))
    even = np.unique(np.linspace(0, n - 1, max(2, max_points)).round().astype(int))
    return sorted(set(even.tolist()) | set(keep))


def _complete(trials: Sequence[FrozenTrial]) -> list[FrozenTrial]:
    return [t for t in trials if t.state is TrialState.COMPLETE and t.values is not None]


def final(trials: Sequence[FrozenTrial], full: float | None = None) -> list[FrozenTrial]:
    """Complete trials that ran to the full budget (none stopped at a low rung); while no
    trial has reached it yet, those at the largest budget reached. Values at different
    budgets are not comparable, so the analysis plots read only these."""
    done = [t for t in _complete(trials) if not is_stopped_early(t, full)]
    if done or full is None:
        return done
    reached = _complete(trials)
    top = max((t.budget for t in reached if t.budget is not None), default=None)
    return [t for t in reached if t.budget is None or t.budget == top]


@dataclass(frozen=True)
class History:
    """Objective value per trial number (with its budget, and whether it was stopped early),
    and the best so far among the trials that ran to the full budget."""

    numbers: list[int]
    values: list[float]
    best_numbers: list[int]
    best_values: list[float]
    n_total: int
    budgets: list[float | None] = field(default_factory=list)
    stopped: list[bool] = field(default_factory=list)
    n_stopped: int = 0


def history(trials: Sequence[FrozenTrial], direction: Direction = Direction.MINIMIZE,
            objective: int = 0, max_points: int = 4000, full: float | None = None) -> History:
    """The optimization history with the best-so-far staircase.

    Every finished trial with a value is a point (trials stopped early too, flagged); the
    best-so-far line is computed only over trials that ran to the ``full`` budget, since a
    value at a small budget is not a result at the budget the study is for.

    >>> t = [FrozenTrial(i, i, TrialState.COMPLETE, {}, 0, values=(v,)) for i, v in enumerate([3., 1., 2.])]
    >>> history(t).best_values
    [3.0, 1.0, 1.0]
    """
    done = [t for t in trials if t.values is not None
            and t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    stopped = [is_stopped_early(t, full) for t in done]
    values = np.asarray([t.values[objective] for t in done], dtype=np.float64)  # type: ignore[index]
    at_full = [i for i, s in enumerate(stopped) if not s]
    signed = values[at_full] * direction.sign
    best = np.minimum.accumulate(signed) * direction.sign if len(signed) else signed
    improved = [k for k in range(len(at_full)) if k == 0 or signed[k] < signed[:k].min()]
    keep = downsample(len(done), max_points, [at_full[k] for k in improved] + [len(done) - 1]
                      if done else [])
    best_keep = downsample(len(at_full), max_points, improved + [len(at_full) - 1] if at_full else [])
    return History([done[i].number for i in keep], [float(values[i]) for i in keep],
                   [done[at_full[k]].number for k in best_keep], [float(best[k]) for k in best_keep],
                   len(done), [done[i].budget for i in keep], [stopped[i] for i in keep],
                   sum(stopped))


@dataclass(frozen=True)
class Edf:
    """Empirical distribution of the objective: per budget level (None: one level), the
    sorted values and the fraction of trials at or below each."""

    levels: list[float | None]
    values: list[list[float]]
    fractions: list[list[float]]


def edf(trials: Sequence[FrozenTrial], objective: int = 0, max_points: int = 2000) -> Edf:
    """The EDF of the objective over complete trials, one curve per budget they ran at
    (in a multi-fidelity study the distribution moves as the budget grows)."""
    done = _complete(trials)
    levels = sorted({t.budget for t in done if t.budget is not None})
    groups: list[float | None] = list(levels) if levels else [None]
    out_v, out_f = [], []
    for level in groups:
        vals = np.sort([t.values[objective] for t in done  # type: ignore[index]
                        if level is None or t.budget == level])
        keep = downsample(len(vals), max_points, [len(vals) - 1] if len(vals) else [])
        out_v.append([float(vals[i]) for i in keep])
        out_f.append([(i + 1) / len(vals) for i in keep])
    return Edf(groups, out_v, out_f)


@dataclass(frozen=True)
class Axis:
    """One axis of a parallel-coordinates plot: values, and tick labels for a categorical."""

    name: str
    values: list[float]
    log: bool = False
    ticks: list[tuple[float, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Parallel:
    """``objective`` colours the lines; ``values`` holds every objective of each line."""

    axes: list[Axis]
    objective: list[float]
    numbers: list[int]
    values: list[list[float]] = field(default_factory=list)


def chosen(space: Space, params: Sequence[str] | None, what: str) -> list[str]:
    """``params`` checked against the space (all of the space's names when None)."""
    if params is None:
        return list(space.names)
    unknown = [p for p in params if p not in space.names]
    if unknown:
        raise ConfigError(f"{what}: parameters must be among {list(space.names)}, "
                          f"received {unknown!r}")
    return list(params)


def _axis_values(space: Space, name: str, trials: Sequence[FrozenTrial]) -> Axis:
    p = space[name]
    if isinstance(p, Categorical):
        ticks = [(float(i), str(c)) for i, c in enumerate(p.choices)]
        vals = [float(p.index(t.params[name])) if name in t.params else math.nan for t in trials]
        return Axis(name, vals, False, ticks)
    log = bool(getattr(p, "log", False))
    vals = [float(t.params[name]) if name in t.params else math.nan for t in trials]
    return Axis(name, [math.log10(v) if log and v > 0 else v for v in vals], log)


def parallel(trials: Sequence[FrozenTrial], space: Space, objective: int = 0,
             max_points: int = 2000, params: Sequence[str] | None = None) -> Parallel:
    """One line per complete trial through its parameters (``params``, default all; log axes
    as log10), colored by the objective."""
    done = _complete(trials)
    done = [done[i] for i in downsample(len(done), max_points)]
    axes = [_axis_values(space, n, done) for n in chosen(space, params, "parallel")]
    return Parallel(axes, [float(t.values[objective]) for t in done], [t.number for t in done],  # type: ignore[index]
                    [[float(v) for v in t.values] for t in done])  # type: ignore[union-attr]


@dataclass(frozen=True)
class Slice:
    name: str
    x: list[Any]
    y: list[float]
    numbers: list[int]
    log: bool
    categorical: bool


def slices(trials: Sequence[FrozenTrial], space: Space, objective: int = 0,
           max_points: int = 2000, params: Sequence[str] | None = None) -> list[Slice]:
    """Objective against each parameter of ``params`` (default all; trials where it is active)."""
    done = _complete(trials)
    done = [done[i] for i in downsample(len(done), max_points)]
    out = []
    for name in chosen(space, params, "slice"):
        active = [t for t in done if name in t.params]
        p = space[name]
        out.append(Slice(name, [t.params[name] for t in active],
                         [float(t.values[objective]) for t in active],  # type: ignore[index]
                         [t.number for t in active], bool(getattr(p, "log", False)),
                         isinstance(p, Categorical)))
    return out


@dataclass(frozen=True)
class Contour:
    """Mean objective on a ``bins`` × ``bins`` grid of two parameters (NaN where empty)."""

    x_name: str
    y_name: str
    x_edges: list[float]
    y_edges: list[float]
    z: list[list[float | None]]
    points_x: list[Any]
    points_y: list[Any]


def contour(trials: Sequence[FrozenTrial], space: Space, x: str, y: str, objective: int = 0,
            bins: int = 20, max_points: int = 2000) -> Contour:
    """Binned mean of the objective over two parameters, on their unit-cube scale."""
    for name in (x, y):
        if name not in space.names:
            raise ConfigError(f"contour: parameter must be one of {list(space.names)}, received {name!r}")
    done = [t for t in _complete(trials) if x in t.params and y in t.params]
    ux = np.array([space[x].to_unit(t.params[x]) for t in done])
    uy = np.array([space[y].to_unit(t.params[y]) for t in done])
    v = np.asarray([t.values[objective] for t in done], dtype=np.float64)  # type: ignore[index]
    ix = np.clip((ux * bins).astype(int), 0, bins - 1) if len(done) else ux.astype(int)
    iy = np.clip((uy * bins).astype(int), 0, bins - 1) if len(done) else uy.astype(int)
    sums, counts = np.zeros((bins, bins)), np.zeros((bins, bins))
    np.add.at(sums, (iy, ix), v)
    np.add.at(counts, (iy, ix), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sums / counts
    z = [[None if c == 0 else float(m) for m, c in zip(mr, cr)] for mr, cr in zip(mean, counts)]
    edges = [space[x].from_unit((i + 0.5) / bins) for i in range(bins)]
    yedges = [space[y].from_unit((i + 0.5) / bins) for i in range(bins)]
    keep = downsample(len(done), max_points)
    return Contour(x, y, edges, yedges, z, [done[i].params[x] for i in keep],
                   [done[i].params[y] for i in keep])


@dataclass(frozen=True)
class Curve:
    number: int
    steps: list[float]
    values: list[float]
    state: TrialState


def learning_curves(trials: Sequence[FrozenTrial], objective: int = 0,
                    max_curves: int = 200, full: float | None = None) -> list[Curve]:
    """Reported values by step for trials with reports (pruned ones included, and those
    stopped below the ``full`` budget marked PRUNED), at most ``max_curves`` (evenly chosen
    by trial number)."""
    with_reports = [t for t in trials if t.reports]
    picked = [with_reports[i] for i in downsample(len(with_reports), max_curves)]
    return [Curve(t.number, [r.step for r in t.reports], [r.values[objective] for r in t.reports],
                  _shown(t, full)) for t in picked]


def _shown(t: FrozenTrial, full: float | None) -> TrialState:
    return TrialState.PRUNED if is_stopped_early(t, full) else t.state


@dataclass(frozen=True)
class Rungs:
    """Per budget level, the trials that reached it: ``points[i] = (budget, value, number,
    bracket)``; ``counts[budget]`` trials at each level."""

    points: list[tuple[float, float, int, int]]
    counts: dict[float, int]


def rungs(trials: Sequence[FrozenTrial], objective: int = 0, max_points: int = 5000) -> Rungs:
    """Hyperband/ASHA rungs: each trial's value at every budget level it reached.

    The levels are the distinct budgets trials were run with (``trial.budget``); the value at
    a level is the last report at or below it; the bracket comes from ``system_attrs["job"]``.
    """
    ran = [t for t in trials if t.budget is not None and t.state.is_finished]
    levels = sorted({float(t.budget) for t in ran})  # type: ignore[arg-type]
    points: list[tuple[float, float, int, int]] = []
    counts = dict.fromkeys(levels, 0)
    for t in ran:
        bracket = int((t.system_attrs.get("job") or {}).get("bracket", 0) or 0)
        for level in levels:
            if level > float(t.budget):  # type: ignore[arg-type]
                break
            at = [r.values[objective] for r in t.reports if r.step <= level]
            value = at[-1] if at else (t.values[objective] if t.values and level == t.budget else None)
            if value is not None:
                counts[level] += 1
                points.append((level, float(value), t.number, bracket))
    keep = downsample(len(points), max_points)
    return Rungs([points[i] for i in keep], counts)


@dataclass(frozen=True)
class Pareto:
    """All complete trials' objective vectors and which of them are on the front."""

    values: list[list[float]]
    on_front: list[bool]
    numbers: list[int]


def pareto(trials: Sequence[FrozenTrial], directions: Sequence[Direction],
           max_points: int = 4000, objectives: Sequence[int] | None = None) -> Pareto:
    """The Pareto front of a multi-objective study (front points always kept), over the
    ``objectives`` given (default all; a pair draws one plane of a 3+-objective study)."""
    from tiaocan._numeric.pareto import non_dominated_mask

    done = _complete(trials)
    if not done:
        return Pareto([], [], [])
    picked = list(range(len(directions))) if objectives is None else list(objectives)
    vals = np.array([t.values for t in done], dtype=float)[:, picked]
    losses = vals * np.array([directions[i].sign for i in picked])
    mask = non_dominated_mask(losses)
    keep = downsample(len(done), max_points, [i for i, m in enumerate(mask) if m])
    return Pareto([vals[i].tolist() for i in keep], [bool(mask[i]) for i in keep],
                  [done[i].number for i in keep])


@dataclass(frozen=True)
class Span:
    """One trial's run on one worker, from start to completion (or now while running)."""

    worker: str
    number: int
    start: float
    end: float
    state: TrialState


def timeline(trials: Sequence[FrozenTrial], now: float | None = None,
             max_spans: int = 3000, full: float | None = None) -> list[Span]:
    """Which worker ran which trial when (``system_attrs["worker"]``, started/completed);
    the last ``max_spans`` trials to start."""
    started = [t for t in trials if t.started_at is not None]
    started = started[-max_spans:]  # the most recent: where a running study is now
    out = []
    for t in started:
        w = t.system_attrs.get("worker") or {}
        label = f"{w.get('host', '?')}:{w.get('pid', '?')}" if w else "unknown"
        end = t.completed_at if t.completed_at is not None else (now or t.started_at)
        out.append(Span(label, t.number, float(t.started_at), float(end), _shown(t, full)))  # type: ignore[arg-type]
    return out
