"""Studies: a named search, its trials in a storage, and the functions that open one.

>>> import tiaocan as tc
>>> study = tc.create_study(space=tc.Space(x=tc.Float(-5, 5)), storage=":memory:", seed=0)
>>> study.optimize(lambda t: (t.params["x"] - 1) ** 2, n_trials=20)
>>> abs(study.best_params["x"] - 1) < 2
True
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tiaocan import loop
from tiaocan._numeric.pareto import non_dominated_mask
from tiaocan.constraints import check_function, is_feasible
from tiaocan.errors import (
    ConfigError,
    DuplicateStudyError,
    StaleStudyError,
    StudyNotFoundError,
    UnregisteredClassError,
    check_int,
)
from tiaocan.executors.base import Executor
from tiaocan.fidelity import Fidelity
from tiaocan.samplers import describe, get_sampler, rebuild
from tiaocan.samplers.base import History, Sampler
from tiaocan.schedulers import get_scheduler
from tiaocan.schedulers.base import Scheduler
from tiaocan.seeding import new_study_seed
from tiaocan.space import Space
from tiaocan.storage import Storage, TrialCache, get_storage
from tiaocan.storage import decode
from tiaocan.storage.base import StudyRecord
from tiaocan.study_config import check_plan, check_same_study, describe_search, settings_of
from tiaocan.trial import Direction, FrozenTrial, Trial, TrialState

__all__ = ["Study", "create_study", "delete_study", "list_studies", "load_study"]

log = logging.getLogger("tiaocan")


class Study:
    """A search over a space, stored in a storage. Open one with :func:`create_study`."""

    def __init__(self, storage: Storage, record: StudyRecord, sampler: Any, scheduler: Any, *,
                 max_retries: int = 0, heartbeat_interval: float = 10.0,
                 heartbeat_grace: float | None = None, constraints: Any = None,
                 precheck: Any = None) -> None:
        self.storage = storage
        # tiaocan.constraints: run when a trial completes / before its objective
        self.constraints = check_function("constraints", constraints)
        self.precheck = check_function("precheck", precheck)
        self.record = record
        self.sampler = sampler
        self.scheduler = scheduler
        self.space = Space.from_json(record.space)
        # Define-by-run: the space grows as trials call trial.suggest_* (tiaocan.suggest).
        self.define_by_run = bool(record.attrs.get("define_by_run"))
        fidelity = record.attrs.get("fidelity")
        self.fidelity = Fidelity.from_json(fidelity) if fidelity else None
        self.max_retries = _non_negative_int("max_retries", max_retries)
        self.heartbeat_interval = _positive("heartbeat_interval", heartbeat_interval)
        self.heartbeat_grace = _positive("heartbeat_grace", heartbeat_grace
                                         if heartbeat_grace is not None else 3 * heartbeat_interval)
        self.poll_interval = min(1.0, self.heartbeat_interval)
        # deterministic mode: trial k's sampler sees the finished trials below k - window
        self.window: int | None = record.attrs.get("window")
        self._cache = TrialCache(storage, record.study_id,
                                 check=decode.trial_check(self.space, len(record.directions)))
        self._registered_envs: set[str] = set()
        self._last_stale_check = -float("inf")
        self._wall_clock = time.time
        self._check_stale = True  # False on executors whose workers cannot die alone
        self.trackers: list[Any] = []  # tiaocan.tracking.trackers: told about finished trials

    def __repr__(self) -> str:
        from tiaocan.storage import shown_url

        return f"Study(name={self.name!r}, storage={shown_url(self.storage.url)!r})"

    def set_space(self, data: Mapping[str, Any]) -> Space:
        """Use the space stored as ``data`` (JSON); the same object while it is unchanged, so
        samplers' caches keyed on the space survive."""
        if self.space.to_json() != data:
            self.space = Space.from_json(data)
        return self.space

    def refresh_space(self) -> Space:
        """The study's space, re-read when define-by-run trials may have added parameters."""
        if self.define_by_run:
            self.record = self.storage.get_study(self.name)
            self.set_space(self.record.space)
        return self.space

    # Identity --------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.record.name

    @property
    def study_id(self) -> int:
        return self.record.study_id

    @property
    def seed(self) -> int:
        return self.record.seed

    @property
    def directions(self) -> tuple[Direction, ...]:
        return self.record.directions

    @property
    def direction(self) -> Direction:
        if len(self.directions) != 1:
            raise ConfigError(f"study {self.name!r} has {len(self.directions)} objectives; "
                              "use study.directions")
        return self.directions[0]

    @property
    def attrs(self) -> Mapping[str, Any]:
        """The study's stored attributes (manifest, sampler, notes, …), freshly read."""
        self.record = self.storage.get_study(self.name)
        return self.record.attrs

    # Trials ----------------------------------------------------------------------------
    def history(self) -> History:
        """The trials so far, for samplers and schedulers (incremental read)."""
        trials = self._cache.refresh()
        return History(tuple(trials), self.directions, self.seed, len(trials), None, self.fidelity)

    @property
    def trials(self) -> list[FrozenTrial]:
        return list(self.history().trials)

    def get_trials(self, states: Sequence[TrialState] | None = None) -> list[FrozenTrial]:
        trials = self.history().trials
        return [t for t in trials if states is None or t.state in states]

    def _final_trials(self) -> list[FrozenTrial]:
        complete = [t for t in self.get_trials([TrialState.COMPLETE]) if is_feasible(t)]
        if self.fidelity is None or not complete:
            return complete
        # Values at different budgets are not comparable: keep the largest budget reached.
        top = max(t.budget if t.budget is not None else self.fidelity.high for t in complete)
        return [t for t in complete if (t.budget if t.budget is not None else self.fidelity.high) == top]

    @property
    def best_trial(self) -> FrozenTrial:
        """The best complete trial (single-objective studies)."""
        direction = self.direction
        trials = self._final_trials()
        if not trials:
            raise ConfigError(f"study {self.name!r} has no complete trial yet")
        key = (lambda t: t.values[0]) if direction is Direction.MINIMIZE else (lambda t: -t.values[0])
        return min(trials, key=key)

    @property
    def best_value(self) -> float:
        return float(self.best_trial.values[0])  # type: ignore[index]

    @property
    def best_params(self) -> dict[str, Any]:
        return dict(self.best_trial.params)

    def best_value_or_none(self) -> float | None:
        if len(self.directions) != 1 or not self._final_trials():
            return None
        return self.best_value

    @property
    def best_trials(self) -> list[FrozenTrial]:
        """The Pareto front: complete trials that no other complete trial dominates."""
        trials = self._final_trials()
        if not trials:
            return []
        losses = self.history().losses(trials)
        mask = non_dominated_mask(losses)
        return [t for t, keep in zip(trials, mask) if keep]

    # Running ---------------------------------------------------------------------------
    def ask(self) -> Trial:
        """Start a trial for a loop you own; finish it with :meth:`tell`."""
        while True:
            record = loop.ask(self)
            if record is not None:
                return Trial(record, loop.TrialRuntime(self))
            time.sleep(self.poll_interval)  # the scheduler waits for running trials

    def tell(self, trial: Trial | FrozenTrial | int, values: Any = None, *,
             state: TrialState | str | None = None, error: str | None = None) -> TrialState:
        """Store a trial's outcome: ``tell(t, 0.42)``, ``tell(t, state="failed")``."""
        runtime = trial._runtime if isinstance(trial, Trial) else None
        return loop.tell(self, trial, values, state=state, error=error, runtime=runtime)

    def enqueue(self, params: Mapping[str, Any], budget: float | None = None) -> FrozenTrial:
        """Queue a configuration to run before any proposal of the sampler (in a define-by-run
        study it may name parameters not asked yet; ``suggest_*`` uses the values that fit)."""
        checked = dict(params) if self.define_by_run else self.space.validate(params)
        return self.storage.create_trial(self.study_id, params=checked, state=TrialState.WAITING,
                                         budget=budget, system_attrs={"enqueued": True})

    def optimize(self, objective: Any, n_trials: int | None = None, timeout: float | None = None,
                 n_workers: int = 1, *, executor: Executor | None = None,
                 show_progress: bool | None = None, capture_logs: bool | None = None) -> None:
        """Run ``objective(trial)`` on new trials until ``n_trials`` or ``timeout`` is reached.

        Args:
            objective: returns a number (or one per direction); exceptions, NaN and inf fail
                the trial, never the study.
            n_trials: new trials to run in this call, over all workers (None: no limit).
            timeout: stop starting trials after this many seconds.
            n_workers: workers in parallel (processes for a database storage).
            executor: where workers run (default: inline, threads or processes).
            show_progress: draw a progress bar (default: in a terminal or Jupyter, see
                :mod:`tiaocan.progress`).
            capture_logs: tee each trial's stdout/stderr to its artifact directory (stored
                with the study, so workers and later runs follow it; None keeps the setting).
        """
        if n_trials is None and timeout is None:
            raise ConfigError("optimize needs n_trials or timeout (or both); received neither")
        if capture_logs is not None:
            self.storage.set_study_attrs(self.study_id, {"capture_logs": bool(capture_logs)})
            self.record = self.storage.get_study(self.name)
        if log.isEnabledFor(logging.INFO):  # the first line says what will propose, and why
            log.info("study %r: %s", self.name, describe_search(self))
        loop.optimize(self, objective, n_trials=n_trials, timeout=timeout, n_workers=n_workers,
                      executor=executor, show_progress=show_progress)
        self.refresh_space()  # parameters that workers' suggest_* calls added

    def __getstate__(self) -> dict[str, Any]:
        """Pickled by reference (storage URL and name), so workers on other machines reopen it."""
        if self.storage.url == ":memory:":
            raise ConfigError("an in-memory study cannot be sent to another process; use a "
                              "'sqlite:///FILE' or 'postgresql://…' storage")
        return {"url": self.storage.url, "name": self.name, "sampler": self.sampler,
                "scheduler": self.scheduler, "max_retries": self.max_retries,
                "heartbeat_interval": self.heartbeat_interval,
                "heartbeat_grace": self.heartbeat_grace, "constraints": self.constraints,
                "precheck": self.precheck}

    def __setstate__(self, state: dict[str, Any]) -> None:
        storage = get_storage(state["url"])
        Study.__init__(self, storage, storage.get_study(state["name"]), state["sampler"],
                       state["scheduler"], max_retries=state["max_retries"],
                       heartbeat_interval=state["heartbeat_interval"],
                       heartbeat_grace=state["heartbeat_grace"],
                       constraints=state.get("constraints"), precheck=state.get("precheck"))

    def reopen(self) -> Study:
        """The same study over a fresh connection (for a worker process)."""
        storage = get_storage(self.storage.url) if self.storage.url != ":memory:" else self.storage
        try:
            record = storage.get_study(self.name)
        except StudyNotFoundError as exc:  # deleted between the run's start and this worker's
            raise StaleStudyError(f"study {self.name!r} was deleted under this run") from exc
        if record.study_id != self.study_id:  # re-created under the same name: not this run's
            raise StaleStudyError(f"study {self.name!r} was re-created under this run")
        return Study(storage, record, self.sampler, self.scheduler,
                     max_retries=self.max_retries, heartbeat_interval=self.heartbeat_interval,
                     heartbeat_grace=self.heartbeat_grace, constraints=self.constraints,
                     precheck=self.precheck)

    # Notes -----------------------------------------------------------------------------
    def set_user_attr(self, key: str, value: Any) -> None:
        """Store a JSON value with the study (e.g. a note)."""
        self.storage.set_study_attrs(self.study_id, {f"user:{key}": value})

    @property
    def user_attrs(self) -> dict[str, Any]:
        return {k[5:]: v for k, v in self.attrs.items() if k.startswith("user:")}

    def set_note(self, text: str, trial: int | None = None) -> None:
        """Write a note on the study, or on trial number ``trial`` (shown in the dashboard)."""
        from tiaocan.tracking.notes import set_note

        set_note(self, text, trial)

    def set_metric_names(self, names: Sequence[str]) -> None:
        """Name the objectives (one distinct name per direction), stored with the study and
        used by every plot, table and export in place of "objective 0", "objective 1".

        >>> # study.set_metric_names(["accuracy", "latency_ms"])
        """
        from tiaocan.viz.meta import METRIC_NAMES_KEY, check_metric_names

        checked = check_metric_names(names, len(self.directions))
        self.storage.set_study_attrs(self.study_id, {METRIC_NAMES_KEY: checked})
        self.record = self.storage.get_study(self.name)

    @property
    def metric_names(self) -> list[str] | None:
        """The names given with :meth:`set_metric_names` (None when unset)."""
        from tiaocan.viz.meta import METRIC_NAMES_KEY

        names = self.attrs.get(METRIC_NAMES_KEY)
        return list(names) if names is not None else None

    def stopped_early(self) -> list[FrozenTrial]:
        """Trials stopped before the full budget: stored PRUNED, or left at a low rung by a
        promotion scheduler (shown as pruned everywhere; see :mod:`tiaocan.outcome`)."""
        from tiaocan.outcome import full_budget, is_stopped_early

        full = full_budget(self.record.attrs)
        return [t for t in self.trials if is_stopped_early(t, full)]

    def add_tracker(self, tracker: Any) -> None:
        """Tell ``tracker.on_trial_complete(study, trial)`` about every trial this process runs."""
        if not callable(getattr(tracker, "on_trial_complete", None)):
            raise ConfigError(f"tracker must have an on_trial_complete(study, trial) method, "
                              f"received {tracker!r}")
        self.trackers.append(tracker)


def create_study(
    name: str | None = None, *, space: Space | Mapping[str, Any] | None = None, storage: str | Storage | None = None,
    sampler: str | Sampler | None = None, scheduler: str | Scheduler | None = None,
    direction: str | Direction | None = None,
    directions: Sequence[str | Direction] | Mapping[str, str | Direction] | None = None,
    seed: int | None = None, load_if_exists: bool = False, fidelity: Fidelity | None = None,
    max_retries: int = 0, heartbeat_interval: float = 10.0, heartbeat_grace: float | None = None,
    deterministic: bool | int = False, constraints: Any = None, precheck: Any = None,
) -> Study:
    """Create a study (or open it with ``load_if_exists=True``).

    Args:
        name: unique within the storage (default: a generated name).
        space: the search space; None learns it from the objective's ``trial.suggest_*``
            calls (define-by-run, see :mod:`tiaocan.suggest`).
        storage: ``"sqlite:///tiaocan.db"`` (default), ``":memory:"``, ``"postgresql://…"``.
        sampler: a name (``"random"``, ``"grid"``, ``"sobol"``, …) or a sampler object.
        scheduler: a name or a scheduler object (default: no early stopping).
        direction: ``"minimize"`` or ``"maximize"``; ``directions`` for several objectives,
            a list, or a dict from metric name to direction (``{"accuracy": "maximize",
            "latency_ms": "minimize"}``: the names are stored as by ``set_metric_names``).
        seed: makes the study repeatable (drawn and stored when None).
        fidelity: the budget axis of a multi-fidelity study.
        max_retries: times a failed configuration is run again.
        heartbeat_interval: seconds between a running trial's heartbeats.
        heartbeat_grace: a trial silent this long is failed (default 3 intervals).
        deterministic: the same seed gives the same study with any number of workers
            (see :mod:`tiaocan.determinism`): trial k's configuration depends only on the
            seed and the finished trials below k − window. ``True`` uses a window of
            16 trials; an int sets it (up to that many workers rarely wait).
        constraints: ``fn(trial) -> [c1, c2, ...]`` called when a trial completes; a value
            <= 0 is satisfied. Infeasible trials are stored with their values, never
            returned as best, and ranked last by the samplers (:mod:`tiaocan.constraints`).
        precheck: ``fn(params) -> [c1, ...]`` called before the objective (cheap limits such
            as a parameter count); a configuration it rejects is not run and its trial says why.
    """
    define_by_run = space is None
    if space is None:
        space = Space()
    elif not isinstance(space, Space):
        if isinstance(space, Mapping):
            space = Space(space)
        else:
            raise ConfigError(f"space must be a tc.Space, received {space!r}")
    named: dict[str, Any] = {}
    if directions is not None and direction is not None:
        raise ConfigError("give direction (one objective) or directions (one per objective), "
                          f"not both; received direction={direction!r}, directions={directions!r:.100}")
    if isinstance(directions, (str, bytes, Direction)):
        raise ConfigError(f"directions must be a list such as ['minimize', 'maximize'], received "
                          f"{directions!r:.100}; for one objective pass direction={directions!r:.20}")
    if isinstance(directions, Mapping):  # metric name -> direction
        from tiaocan.viz.meta import METRIC_NAMES_KEY, check_metric_names

        named = {METRIC_NAMES_KEY: check_metric_names(list(directions), len(directions))}
        directions = list(directions.values())
    dirs = tuple(Direction.parse(d, "directions") for d in directions) if directions else (
        Direction.parse(direction if direction is not None else "minimize"),)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                             or not 0 <= seed < 2**63):  # stored in a 64-bit signed column
        raise ConfigError(f"seed must be an int in [0, 2**63) or None, received {seed!r:.80}")
    if fidelity is not None and not isinstance(fidelity, Fidelity):
        raise ConfigError(f"fidelity must be a tc.Fidelity or None, received {fidelity!r}")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ConfigError(f"name must be a non-empty string or None, received {name!r}")
    scheduler_obj = get_scheduler(scheduler)
    # Named compositions (BOHB = Hyperband + TPE): the scheduler may bring its sampler.
    default = getattr(scheduler_obj, "default_sampler", None)
    sampler_obj = default() if callable(default) and sampler is None else get_sampler(sampler)
    if callable(getattr(sampler_obj, "with_default", None)):  # a wrapper asking for the default
        sampler_obj = sampler_obj.with_default(default() if callable(default) else get_sampler(None))
    check_plan(space, sampler_obj, scheduler_obj, fidelity)
    store = get_storage(storage)
    name = name or f"study-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    options: dict[str, Any] = {"max_retries": max_retries, "heartbeat_interval": heartbeat_interval,
                               "heartbeat_grace": heartbeat_grace}
    # checked before anything is stored: a refused option must not leave a study behind
    _non_negative_int("max_retries", max_retries)
    _positive("heartbeat_interval", heartbeat_interval)
    if heartbeat_grace is not None:
        _positive("heartbeat_grace", heartbeat_grace)
    from tiaocan.tracking.manifest import environment

    attrs = {"sampler": describe(sampler_obj), "scheduler": describe(scheduler_obj),
             "fidelity": fidelity.to_json() if fidelity else None, "options": options,
             "manifest": environment(), **({"define_by_run": True} if define_by_run else {}),
             **_window_attrs(deterministic), **named}
    try:
        record = store.create_study(name, directions=dirs, space=space.to_json(),
                                    seed=int(seed) if seed is not None else new_study_seed(),
                                    attrs=attrs)
    except DuplicateStudyError:
        if not load_if_exists:
            raise DuplicateStudyError(f"a study named {name!r} already exists in {store.url}; "
                                      "pass load_if_exists=True to resume it") from None
        record = store.get_study(name)
        check_same_study(record, store.url, settings_of(
            Space.from_json(record.space) if define_by_run else space, dirs, seed, fidelity,
            attrs["sampler"] if sampler is not None else None,
            attrs["scheduler"] if scheduler is not None else None,
            **_window_attrs(deterministic), **named))  # each compared when given
    return Study(store, record, sampler_obj, scheduler_obj, **options, constraints=constraints,
                 precheck=precheck)


def load_study(name: str, *, storage: str | Storage | None = None, sampler: Any = None,
               scheduler: Any = None, constraints: Any = None, precheck: Any = None) -> Study:
    """Open an existing study; its sampler and scheduler are rebuilt from what was stored."""
    store = get_storage(storage)
    record = store.get_study(name)
    sampler_obj = get_sampler(sampler) if sampler is not None else _rebuilt(record, "sampler")
    scheduler_obj = get_scheduler(scheduler) if scheduler is not None else _rebuilt(record, "scheduler")
    options: Any = _stored_options(record)
    return Study(store, record, sampler_obj, scheduler_obj, **options, constraints=constraints,
                 precheck=precheck)


def _stored_options(record: StudyRecord) -> dict[str, Any]:
    """The keyword options stored at creation (each checked again by Study)."""
    options = record.attrs.get("options") or {}
    known = {"max_retries", "heartbeat_interval", "heartbeat_grace"}
    if not isinstance(options, dict) or not set(options) <= known:
        raise ConfigError(f"study {record.name!r}: the stored options {options!r:.100} are not "
                          f"a JSON object with keys among {sorted(known)}")
    return dict(options)


def _rebuilt(record: StudyRecord, role: str) -> Any:
    """The stored sampler/scheduler, rebuilt through the registry (never by importing a name).

    A class outside the registry gives a stand-in that refuses to run (reading the study
    still works); a registered class whose stored params it refuses gives the default.
    """
    description = record.attrs.get(role)
    default = get_sampler(None) if role == "sampler" else get_scheduler(None)
    if not description:
        return default
    try:
        return rebuild(description, role)
    except UnregisteredClassError as exc:
        log.warning("study %r: %s", record.name, exc)
        return Unregistered(role, str(exc))
    except ConfigError as exc:
        log.warning("study %r: %s; using the default %s", record.name, exc, role)
        return default


class Unregistered:
    """Stands for a stored sampler/scheduler that is not registered: refuses to be used."""

    def __init__(self, role: str, reason: str) -> None:
        self.role = role
        self.reason = reason

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise UnregisteredClassError(self.reason)

    sample = next_job = on_report = _refuse


def delete_study(name: str, *, storage: str | Storage | None = None) -> None:
    get_storage(storage).delete_study(name)


def list_studies(storage: str | Storage | None = None) -> list[StudyRecord]:
    return get_storage(storage).list_studies()


def _window_attrs(deterministic: Any) -> dict[str, int]:
    from tiaocan.determinism import window_of

    window = window_of(deterministic)
    return {} if window is None else {"window": window}


def _non_negative_int(name: str, value: Any) -> int:
    return check_int(name, value, 0)


def _positive(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigError(f"{name} must be a positive number, received {value!r}")
    return float(value)

