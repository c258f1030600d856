"""``tiaocan report``: one self-contained HTML file (plotly.js inlined) that opens offline."""

from __future__ import annotations

import os
from html import escape
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tiaocan.dashboard.pages import base, json_for_script
from tiaocan.outcome import full_budget, shown_state
from tiaocan.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from tiaocan.study import Study

__all__ = ["report_html", "write_report"]

_DRAW = """
for (const node of document.querySelectorAll("script.figure")) {
  const fig = JSON.parse(node.textContent);
  const div = document.createElement("div"); div.className = "plot";
  node.parentNode.insertBefore(div, node);
  Plotly.newPlot(div, fig.data, fig.layout, {displaylogo: false});
}
"""


def _best_rows(study: Study, trials: list[FrozenTrial], limit: int) -> str:
    from tiaocan.viz import data
    from tiaocan.viz.meta import study_meta

    meta = study_meta(study)
    done = data.final(trials, meta.full)  # values at a low rung are not results
    sign = study.directions[0].sign
    done.sort(key=lambda t: sign * t.values[0])  # type: ignore[index]
    names = list(study.space.names)
    head = "".join(f"<th>{escape(h)}</th>" for h in ["#", meta.names[0], "budget", "objective s",
                                                     "proposal s", *names, "note"])
    rows = []
    for t in done[:limit]:
        cells = [str(t.number), ", ".join(f"{v:.6g}" for v in t.values or ()),
                 "–" if t.budget is None else f"{t.budget:g}", _fmt(t.duration),
                 _fmt(t.system_attrs.get("propose_seconds"))]
        cells += [_fmt(t.params.get(n)) for n in names] + [_fmt(t.user_attrs.get("note"))]
        rows.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    return f'<table class="grid"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _time_line(trials: list[FrozenTrial]) -> str:
    """The sampler's proposal time beside the objective's, per trial and in total."""
    propose = [float(t.system_attrs["propose_seconds"]) for t in trials
               if isinstance(t.system_attrs.get("propose_seconds"), (int, float))]
    run = [t.duration for t in trials if t.duration is not None]
    if not propose or not run:
        return ""
    med = sorted(propose)[len(propose) // 2], sorted(run)[len(run) // 2]
    share = sum(propose) / max(sum(propose) + sum(run), 1e-12)
    return (f"time per trial (median): proposal {med[0]:.3g} s, objective {med[1]:.3g} s; "
            f"proposals took {share:.0%} of the time spent in proposals and objectives")


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return "–" if v is None else str(v)


def _analysis(study: Study) -> tuple[str, Any] | None:
    """The text summary and the importance, or None (no scikit-learn, too few trials)."""
    try:
        from tiaocan.analysis import format_summary, good_ranges, importance

        imp = importance(study, n_trees=16, pairs=3)
        return format_summary(imp, good_ranges(study)), imp
    except (ImportError, ValueError):
        return None


def _importances(study: Study) -> dict[int, Any]:
    """fANOVA per objective of a multi-objective study (those it can compute)."""
    out = {}
    for i in range(len(study.directions)):
        try:
            from tiaocan.analysis import importance

            out[i] = importance(study, objective=i, n_trees=16)
        except (ImportError, ValueError):
            pass
    return out


def report_html(study: Study, top: int = 50) -> str:
    """The report of a study as one HTML string (plots, summary, best trials, notes)."""
    from tiaocan import viz
    from tiaocan.viz.plotly import plotly_js_path

    trials = study.trials
    analysed = _analysis(study) if len(study.directions) == 1 else None
    text, imp = analysed if analysed else (None, _importances(study))
    figs = viz.figures(study, trials, imp)
    full = full_budget(study.attrs)
    counts = {s.value: sum(1 for t in trials if shown_state(t, full) == s.value) for s in TrialState}
    parts = [f"<h1>{escape(study.name)}</h1>"]
    note = study.user_attrs.get("note")
    if note:
        parts.append(f'<p class="note">{escape(str(note))}</p>')
    parts.append('<p class="counts">' + escape(f"{len(trials)} trials — " + " · ".join(
        f"{n} {k}" for k, n in counts.items() if n)) + "</p>")
    from tiaocan.study_config import describe_search

    parts.append(f'<p class="search">{escape(describe_search(study))}</p>')
    timing = _time_line(trials)
    if timing:
        parts.append(f'<p class="timing">{escape(timing)}</p>')
    if text:
        parts.append(f'<pre class="summary">{escape(text)}</pre>')
    parts.append('<section class="plots">')
    parts += [f'<script type="application/json" class="figure">{json_for_script(_fig(f))}</script>'
              for f in figs.values()]
    parts.append("</section>")
    if len(study.directions) == 1:
        parts.append(f"<h2>best {top} trials</h2>{_best_rows(study, trials, top)}")
    css = resources.files("tiaocan.dashboard").joinpath("static", "style.css").read_text()
    js = plotly_js_path().read_text(encoding="utf-8") + "\n" + _DRAW
    return base(f"tiaocan report — {study.name}", "".join(parts), inline_js=js, inline_css=css)


def _fig(fig: Any) -> Any:
    import json

    return json.loads(fig.to_json())


def write_report(study: Study, path: str | os.PathLike[str], top: int = 50) -> Path:
    """Write :func:`report_html` to ``path``.

    >>> # write_report(tc.load_study("demo", storage=url), "report.html")
    """
    out = Path(path)
    out.write_text(report_html(study, top), encoding="utf-8")
    return out
