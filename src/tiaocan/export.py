"""Trials as flat records, written as CSV or JSON."""

from __future__ import annotations

import csv
import json
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tiaocan.study import Study

__all__ = ["format_value", "trial_records", "write_csv", "write_json"]


def format_value(v: Any, sep: str = ",", missing: str = "-") -> str:
    """A value as a short text for tables: floats to 6 significant digits, lists joined."""
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, (list, tuple)):
        return sep.join(format_value(x, sep, missing) for x in v)
    return missing if v is None else str(v)


def trial_records(study: Study) -> list[dict[str, Any]]:
    """One flat dict per trial: number, state, values, budget, seed, times, ``params_<name>``.

    ``state`` is the state a user reads (``pruned`` also for a trial a promotion scheduler
    left at a low rung, see :mod:`tiaocan.outcome`) and ``stopped_at`` the budget it stopped
    at; values are ``value`` (one objective), ``value_<i>``, or ``value_<name>`` once
    ``study.set_metric_names`` named them."""
    from tiaocan.outcome import full_budget, shown_state, stopped_at
    from tiaocan.study_config import auto_pick
    from tiaocan.viz.meta import METRIC_NAMES_KEY, metric_names

    out = []
    attrs = study.attrs
    full = full_budget(attrs)
    n_obj = len(study.directions)
    named = metric_names(attrs, n_obj) if attrs.get(METRIC_NAMES_KEY) else None
    for t in study.trials:
        row: dict[str, Any] = {"number": t.number, "state": shown_state(t, full),
                               "stopped_at": stopped_at(t, full)}
        for i in range(n_obj):
            key = f"value_{named[i]}" if named else "value" if n_obj == 1 else f"value_{i}"
            row[key] = t.values[i] if t.values else None
        row.update(budget=t.budget, seed=t.seed, started_at=t.started_at,
                   completed_at=t.completed_at, duration=t.duration, n_reports=len(t.reports))
        row.update(auto_chose=auto_pick(t),  # auto's pick, and what proposing cost
                   propose_seconds=t.system_attrs.get("propose_seconds"))
        for name in study.space.names:
            row[f"params_{name}"] = t.params.get(name)
        row["error"] = t.error.strip().splitlines()[-1] if t.error else None
        out.append(row)
    return out


def write_csv(records: list[dict[str, Any]], out: IO[str]) -> None:
    if not records:
        return
    writer = csv.DictWriter(out, fieldnames=list(records[0]))
    writer.writeheader()
    writer.writerows(records)


def write_json(records: list[dict[str, Any]], out: IO[str]) -> None:
    json.dump(records, out, indent=2)
    out.write("\n")
