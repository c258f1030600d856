"""What defines a study: plans refused at ``create_study``, and the comparison on resume.

A configuration that cannot run (a scheduler that needs a fidelity without one, grid values
for a parameter the space lacks, a scheduler budget outside the fidelity) is refused when the
study is created, in one line that names the fix, instead of failing in every worker at the
first ``ask``. ``load_if_exists=True`` resumes a stored study only when everything that
defines it matches, and otherwise says what differs and how to proceed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tiaocan.errors import ConfigError
from tiaocan.fidelity import Fidelity
from tiaocan.space import Space
from tiaocan.storage.base import StudyRecord
from tiaocan.trial import Direction, FrozenTrial

if TYPE_CHECKING:
    from tiaocan.study import Study

__all__ = ["auto_choices", "auto_pick", "check_plan", "check_same_study", "describe_search",
           "settings_of"]

_FIDELITY_EXAMPLE = 'fidelity=tc.Fidelity("epoch", low=1, high=81)'


def check_plan(space: Space, sampler: Any, scheduler: Any, fidelity: Fidelity | None) -> None:
    """Refuse a sampler/scheduler/fidelity combination that cannot run (:class:`ConfigError`)."""
    who = _name(scheduler)
    if fidelity is None and getattr(scheduler, "needs_fidelity", False):
        raise ConfigError(
            f"scheduler {who} needs a fidelity (the budget it allots to trials): pass "
            f"{_FIDELITY_EXAMPLE} to create_study, or use scheduler=\"median\", which stops "
            "trials early from their reported steps without one")
    if fidelity is not None:
        for option in ("min_budget", "max_budget"):
            value = getattr(scheduler, option, None)
            if value is not None and not fidelity.low <= value <= fidelity.high:
                raise ConfigError(
                    f"scheduler {who}: {option}={value!r} is outside the fidelity's range "
                    f"[{fidelity.low}, {fidelity.high}]; pass a {option} inside it, or None "
                    "to use the fidelity's bound")
    check = getattr(sampler, "check_space", None)
    if callable(check) and list(space.names):  # an empty space grows by define-by-run
        check(space)  # grid values and candidate lists name points of the space


def check_same_study(record: StudyRecord, url: str, given: Mapping[str, Any]) -> None:
    """Raise unless the stored study matches what ``create_study`` was given.

    ``given`` maps a setting's name to its new value; settings given as None (seed, sampler,
    scheduler, constraints) keep the stored value and are not compared. A name that is not a
    column of the study (``constraints``) is compared with the study attribute of that name.
    """
    stored = {**record.attrs, **_stored_settings(record)}
    differences = []
    for key, value in given.items():
        if value is None and key != "fidelity":  # no fidelity is a setting of its own
            continue
        if _normal(stored.get(key)) == _normal(value):
            continue
        if key == "space":
            differences.append(f"space ({_space_difference(stored['space'], value)})")
        elif _is_description(value) and _is_description(stored.get(key)):
            differences.append(f"{key} ({_description_difference(stored[key], value)})")
        else:
            differences.append(f"{key} (stored {_show(stored.get(key))}, given {_show(value)})")
    if differences:
        url = re.sub(r"://([^:/@]*):[^@/]*@", r"://\1:***@", url)  # never print a password
        raise ConfigError(
            f"study {record.name!r} exists in {url} with other settings: "
            f"{'; '.join(differences)}. To proceed: pick another name, delete the stored "
            f"study (`tiaocan delete {record.name} --storage {url} --yes`), or open it with "
            f"tc.load_study({record.name!r}, storage=...) to keep its stored settings")


def settings_of(space: Space, directions: Sequence[Direction], seed: int | None,
                fidelity: Fidelity | None, sampler: Any, scheduler: Any,
                **attrs: Any) -> dict[str, Any]:
    """The settings ``create_study`` compares, as JSON-like values (None: not given).

    ``attrs``: further settings stored as study attributes of the same names, in the form
    they are stored (e.g. ``constraints=...``).
    """
    return {**attrs,
        "space": space.to_json(),
        "directions": [d.value for d in directions],
        "seed": None if seed is None else int(seed),
        "fidelity": fidelity.to_json() if fidelity is not None else None,
        "sampler": sampler,
        "scheduler": scheduler,
    }


def describe_search(study: Study) -> str:
    """One line: the sampler now (``auto``'s pick and why), the scheduler and the fidelity."""
    from tiaocan.samplers.auto import explain

    history = study.history()
    text = f"sampler {explain(study.sampler, study.space, history)}"
    used = auto_choices(history.trials)
    if used:
        text += " (so far: " + ", ".join(f"{n} {name}" for name, n in used.items()) + ")"
    scheduler = type(study.scheduler).__name__
    if scheduler != "FIFOScheduler":
        text += f"; scheduler {scheduler}"
    if study.fidelity is not None:
        f = study.fidelity
        text += f"; fidelity {f.name} from {f.low} to {f.high}"
    return text


def auto_choices(trials: Sequence[FrozenTrial]) -> dict[str, int]:
    """How many trials each sampler ``auto`` chose proposed (from the trials' records)."""
    counts: dict[str, int] = {}
    for t in trials:
        chose = auto_pick(t)
        if chose:
            counts[chose] = counts.get(chose, 0) + 1
    return counts


def auto_pick(trial: FrozenTrial) -> str | None:
    """The sampler ``auto`` chose for this trial's proposal (None: not proposed by auto)."""
    proposal = trial.system_attrs.get("sampler")
    auto = proposal.get("auto") if isinstance(proposal, Mapping) else None
    chose = auto.get("chose") if isinstance(auto, Mapping) else None
    return chose if isinstance(chose, str) else None


def _stored_settings(record: StudyRecord) -> dict[str, Any]:
    attrs = record.attrs
    return {
        "space": record.space,
        "directions": [d.value for d in record.directions],
        "seed": record.seed,
        "fidelity": attrs.get("fidelity"),
        "sampler": attrs.get("sampler"),
        "scheduler": attrs.get("scheduler"),
    }


def _normal(value: Any) -> Any:
    """A JSON round trip, so tuples and lists, ints and equal floats compare alike."""
    if isinstance(value, Space):
        value = value.to_json()
    try:
        return json.loads(json.dumps(value, sort_keys=True, default=repr))
    except (TypeError, ValueError):
        return repr(value)


def _space_difference(stored: Mapping[str, Any], given: Mapping[str, Any]) -> str:
    old = {p["name"]: p for p in _normal(stored)["params"]}
    new = {p["name"]: p for p in _normal(given)["params"]}
    parts = [f"{n!r} only stored" for n in old if n not in new]
    parts += [f"{n!r} only given" for n in new if n not in old]
    parts += [f"{n!r} stored {_param(old[n])}, given {_param(new[n])}"
              for n in old if n in new and old[n] != new[n]]
    return ", ".join(parts) or "parameter order"


def _is_description(value: Any) -> bool:
    return isinstance(value, Mapping) and "class" in value


def _description_difference(stored: Mapping[str, Any], given: Mapping[str, Any]) -> str:
    """Class names when they differ, else only the options that differ."""
    old, new = _normal(stored), _normal(given)
    short_old, short_new = (str(d["class"]).rpartition(".")[2] for d in (old, new))
    if old["class"] != new["class"]:
        return f"stored {short_old}, given {short_new}"
    old_p, new_p = old.get("params") or {}, new.get("params") or {}
    keys = [k for k in {**old_p, **new_p} if old_p.get(k) != new_p.get(k)]
    return (f"stored {short_old}({', '.join(f'{k}={old_p.get(k)!r}' for k in keys)}), "
            f"given {short_new}({', '.join(f'{k}={new_p.get(k)!r}' for k in keys)})")


def _param(spec: Mapping[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {v!r}" for k, v in spec.items() if k != "name") + "}"


def _show(value: Any) -> str:
    if _is_description(value):  # a sampler/scheduler description
        return str(value["class"]).rpartition(".")[2]
    if isinstance(value, Mapping) and {"name", "low", "high"} <= set(value):
        return f"Fidelity({value['name']!r}, low={value['low']}, high={value['high']})"
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _name(scheduler: Any) -> str:
    return type(scheduler).__name__
