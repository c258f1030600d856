"""Notes on a study or a trial: free text stored with it (``user_attrs["note"]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tiaocan.errors import ConfigError

if TYPE_CHECKING:
    from tiaocan.study import Study

__all__ = ["get_note", "set_note"]


def set_note(study: Study, text: str, trial: int | None = None) -> None:
    """Store ``text`` as the note of the study, or of trial number ``trial``.

    >>> import tiaocan as tc
    >>> s = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:")
    >>> set_note(s, "baseline run"); get_note(s)
    'baseline run'
    """
    if not isinstance(text, str):
        raise ConfigError(f"note must be a string, received {text!r}")
    if trial is None:
        study.set_user_attr("note", text)
        return
    trials = study.trials
    if isinstance(trial, bool) or not isinstance(trial, int) or not 0 <= trial < len(trials):
        raise ConfigError(f"trial must be a trial number in [0, {len(trials) - 1}] of study "
                          f"{study.name!r}, received {trial!r}")
    study.storage.update_trial(trials[trial].trial_id, user_attrs={"note": text})


def get_note(study: Study, trial: int | None = None) -> str | None:
    """The note of the study or of trial number ``trial`` (None when there is none)."""
    if trial is None:
        return study.user_attrs.get("note")
    return study.trials[trial].user_attrs.get("note")
