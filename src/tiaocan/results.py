"""Storing a trial's outcome: ``tell`` with its checks (values, state, constraints, the
parameters a define-by-run trial asked for) and the cheap precheck run before an objective.

A failed trial queues its retry here; a complete trial at a budget keeps its value on its
learning curve, so schedulers can compare trials at that budget.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from tiaocan.errors import ConfigError
from tiaocan.recovery import queue_retry
from tiaocan.trial import FrozenTrial, Trial, TrialState, as_values

if TYPE_CHECKING:
    from tiaocan.loop import TrialRuntime
    from tiaocan.study import Study

__all__ = ["precheck", "tell"]

log = logging.getLogger("tiaocan")


def tell(study: Study, trial: FrozenTrial | Trial | int, values: Any = None, *,
         state: TrialState | str | None = None, error: str | None = None,
         runtime: TrialRuntime | None = None) -> TrialState:
    """Store a trial's outcome. Returns the state it was stored with.

    ``values`` that are not finite numbers fail the trial (the message is kept in ``error``).
    A trial the scheduler stopped is stored as PRUNED with its values.
    """
    record = _resolve(study, trial)
    state = _told_state(state)
    if error is not None and not isinstance(error, str):
        raise ConfigError(f"error must be a string or None, received {type(error).__name__}")
    if state is None and values is None:
        state, error = TrialState.FAILED, error or (
            "the objective returned None (or tell received no value); return a number, or one "
            f"per objective ({len(study.directions)})")
        log.warning("trial %d failed: %s", record.number, error)
    elif state is None:
        state = TrialState.COMPLETE
    stored_values = None
    if values is not None and state is not TrialState.FAILED:
        try:
            stored_values = as_values(values, len(study.directions))
        except ValueError as exc:
            state, error = TrialState.FAILED, str(exc)
            log.warning("trial %d failed: %s", record.number, error)
    if state is TrialState.COMPLETE and stored_values is None:
        raise ConfigError(f"trial {record.number}: a complete trial needs values")
    if state is TrialState.COMPLETE and runtime is not None and runtime.should_stop(record):
        state = TrialState.PRUNED
    _keep_suggested(study, record, runtime)
    checked: dict[str, Any] = {}
    if state is TrialState.COMPLETE and getattr(study, "constraints", None) is not None:
        checked, error = _check_constraints(study, record, stored_values)
        if error is not None:
            state, stored_values = TrialState.FAILED, None
    if not study.storage.update_trial(record.trial_id, expect=[TrialState.RUNNING], state=state,
                                      values=stored_values, error=error, system_attrs=checked):
        current = study.history().trials[record.number].state
        raise ConfigError(f"trial {record.number} is {current.value}, not running; it cannot be told")
    if state is TrialState.FAILED:
        queue_retry(study, record)
    elif state is TrialState.COMPLETE and record.budget is not None:
        _report_at_budget(study, record, stored_values)
    return state


def _told_state(state: Any) -> TrialState | None:
    """The finished state ``tell`` was given (a TrialState or its name), or None."""
    finished = [s.value for s in TrialState if s.is_finished]
    if state is None:
        return None
    if isinstance(state, str):
        try:
            state = TrialState(state.lower())
        except ValueError:
            raise ConfigError(f"state must be one of {finished}, received {state!r}") from None
    if not isinstance(state, TrialState) or not state.is_finished:
        shown = state.value if isinstance(state, TrialState) else state
        raise ConfigError(f"state must be one of {finished}, received {shown!r:.100}")
    return state


def _check_constraints(study: Study, record: FrozenTrial,
                       values: Any) -> tuple[dict[str, Any], str | None]:
    """The study's constraints on a completing trial: ({"constraints": [...]}, None), or
    ({}, the error) when the function raises or returns something else than numbers."""
    import dataclasses

    from tiaocan import constraints

    history = study.history()
    current = dataclasses.replace(history.trials[record.number], values=values,
                                  state=TrialState.COMPLETE)
    try:
        found = constraints.evaluate(study.constraints, current,
                                     constraints.expected_count(history.trials))
    except Exception as exc:
        log.warning("trial %d failed: its constraints could not be evaluated: %s", record.number, exc)
        return {}, f"constraints: {type(exc).__name__}: {exc}"
    return {constraints.KEY: found}, None


def precheck(study: Study, record: FrozenTrial) -> TrialState | None:
    """Run the study's cheap constraints before the objective; a configuration that violates
    one is not run (PRUNED, with the violated constraint as its error). None: run it."""
    if getattr(study, "precheck", None) is None:
        return None
    from tiaocan import constraints

    try:
        found = constraints.evaluate(study.precheck, dict(record.params), name="precheck")
    except Exception as exc:
        log.warning("trial %d failed: its precheck could not be evaluated: %s", record.number, exc)
        state = TrialState.FAILED
        study.storage.update_trial(record.trial_id, expect=[TrialState.RUNNING], state=state,
                                   error=f"precheck: {type(exc).__name__}: {exc}")
        return state
    violated = [f"constraint {i} = {c:g} > 0" for i, c in enumerate(found) if c > 0]
    if not violated:
        return None
    study.storage.update_trial(
        record.trial_id, expect=[TrialState.RUNNING], state=TrialState.PRUNED,
        error="skipped before training: " + ", ".join(violated),
        system_attrs={constraints.KEY: found, "skipped": "precheck"})
    return TrialState.PRUNED


def _keep_suggested(study: Study, record: FrozenTrial, runtime: TrialRuntime | None) -> None:
    """A define-by-run trial keeps the parameters it asked for, not the whole proposal."""
    if runtime is None or not study.define_by_run:
        return
    from tiaocan.suggest import kept_params

    current = study.history().trials[record.number]
    if current.state is not TrialState.RUNNING:
        return
    kept = kept_params(current.params, runtime.suggested.get(record.trial_id), study.space.names)
    if kept is not None:
        study.storage.set_trial_params(record.trial_id, kept)


def _report_at_budget(study: Study, record: FrozenTrial, values: Any) -> None:
    """Keep the value reached at the trial's budget on its curve, so schedulers and samplers
    can compare trials at a budget even when the objective reported nothing (data fraction)."""
    budget = record.budget
    if budget is None:
        return
    reports = study.history().trials[record.number].reports
    if not any(abs(r.step - budget) <= 1e-9 * max(1.0, abs(budget)) for r in reports):
        study.storage.add_report(record.trial_id, budget, values)


def _resolve(study: Study, trial: FrozenTrial | Trial | int) -> FrozenTrial:
    if isinstance(trial, (Trial, FrozenTrial)):
        record = trial.record if isinstance(trial, Trial) else trial
        trials = study.history().trials  # StaleStudyError if this study was deleted
        if record.number < len(trials) and trials[record.number].trial_id == record.trial_id:
            return record
        raise ConfigError(f"trial {record.number} (id {record.trial_id}) is not a trial of study "
                          f"{study.name!r} (id {study.study_id}); tell it to its own study")
    if isinstance(trial, int) and not isinstance(trial, bool):
        trials = study.history().trials
        if 0 <= trial < len(trials):
            return trials[trial]
    raise ConfigError(f"trial must be a Trial, a FrozenTrial or a trial number of study "
                      f"{study.name!r}, received {trial!r}")
