"""HTML pages of the dashboard and the static report. Every user string goes through
:func:`html.escape` (text and attributes) or :func:`json_for_script` (data for scripts)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any
from urllib.parse import quote

from tiaocan.dashboard import genotype
from tiaocan.export import format_value
from tiaocan.outcome import shown_state, stopped_at
from tiaocan.trial import FrozenTrial

__all__ = [
    "base",
    "json_for_script",
    "studies_page",
    "study_page",
    "study_url",
    "trial_page",
    "trial_url",
]


def json_for_script(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">`` (no ``</script>`` can end it).

    >>> json_for_script({"n": "</script><b>"})
    '{"n": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e"}'
    """
    text = json.dumps(data, default=str, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def study_url(name: str) -> str:
    return f"/study?name={quote(name, safe='')}"


def trial_url(name: str, number: int) -> str:
    return f"/trial?study={quote(name, safe='')}&number={int(number)}"


def base(title: str, body: str, scripts: Sequence[str] = (), inline_js: str | None = None,
         inline_css: str | None = None, preload: Sequence[str] = ()) -> str:
    """A page; ``scripts`` are URLs, or ``inline_js`` is embedded (for the offline report)."""
    head_css = f"<style>{inline_css}</style>" if inline_css is not None else \
        '<link rel="stylesheet" href="/static/style.css">'
    tags = "".join(f'<script src="{escape(s)}"></script>' for s in scripts)
    head_css += "".join(f'<link rel="preload" href="{escape(p)}" as="script">' for p in preload)
    if inline_js is not None:
        tags += f"<script>{inline_js}</script>"
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title>{head_css}</head><body>"
            f'<header><a href="/" class="brand">tiaocan</a></header><main>{body}</main>'
            f"{tags}</body></html>")


def _fmt(v: Any) -> str:
    return format_value(v, sep=", ", missing="–")


_STUDY_COLUMNS = ("trials", "complete", "pruned", "running", "failed", "best", "metrics",
                  "directions", "sampler", "scheduler", "created", "last", "note")


def _date(ts: Any) -> str:
    if not isinstance(ts, (int, float)) or not ts:
        return "–"
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ts))


def studies_page(rows: Sequence[Mapping[str, Any]]) -> str:
    """The list of studies: ``rows`` of name, counts by state, best value, metric names,
    directions, sampler, scheduler, creation and last-activity dates (UTC), note."""
    body = ["<h1>Studies</h1>"]
    if not rows:
        body.append("<p>No studies in this storage yet.</p>")
    else:
        head = "".join(f"<th>{c if c != 'last' else 'last activity'}</th>" for c in _STUDY_COLUMNS)
        body.append(f'<table class="grid" id="studies"><thead><tr><th>study</th>{head}'
                    "</tr></thead><tbody>")
        for r in rows:
            cells = [_date(r.get(c)) if c in ("created", "last") else _fmt(r.get(c))
                     for c in _STUDY_COLUMNS]
            body.append(f'<tr><td><a href="{escape(study_url(r["name"]))}">{escape(r["name"])}</a></td>'
                        + "".join(f'<td class="c-{c}">{escape(v)}</td>'
                                  for c, v in zip(_STUDY_COLUMNS, cells)) + "</tr>")
        body.append("</tbody></table><p class=\"counts\">dates in UTC; pruned: stopped early by "
                    "the scheduler (also trials left at a low rung)</p>")
    return base("tiaocan — studies", "".join(body))


def study_page(name: str, data: Mapping[str, Any], note: str | None, summary: str | None) -> str:
    """The study page: plots and the trial table are filled (and kept live) by dashboard.js."""
    note_html = f'<p class="note" id="study-note">{escape(note)}</p>' if note else ""
    summary_html = f'<pre class="summary">{escape(summary)}</pre>' if summary else ""
    body = f"""
<h1 id="study-name">{escape(name)}</h1>{note_html}
<p id="counts" class="counts">loading…</p><p id="search" class="counts"></p>{summary_html}
<section class="controls" id="plot-controls">
  <label>objective <select id="c-objective"></select></label>
  <label>contour <select id="c-contour-x"></select> × <select id="c-contour-y"></select></label>
  <label>slice <select id="c-slice" multiple size="3"></select></label>
  <label>parallel <select id="c-parallel" multiple size="3"></select></label>
</section>
<section id="plots" class="plots"></section>
<section class="table">
  <div class="controls">
    <label>state <select id="f-state"><option value="">all</option>
      <option>complete</option><option>pruned</option><option>failed</option>
      <option>running</option><option>waiting</option></select></label>
    <label>filter <input id="f-query" type="search" size="34"
      placeholder="lr&gt;0.01, value&lt;=0.3, budget=27, note text…"></label>
    <label>rows <select id="f-limit"><option>25</option><option selected>50</option>
      <option>100</option><option>500</option></select></label>
    <span id="pager"><button id="prev">‹ prev</button> <span id="page-info"></span>
      <button id="next">next ›</button></span>
  </div>
  <table class="grid" id="trials"><thead></thead><tbody></tbody></table>
</section>
<script type="application/json" id="tc-data">{json_for_script(data)}</script>"""
    # dashboard.js runs plotly.js after the table is drawn; the download starts at once
    return base(f"tiaocan — {name}", body, ["/static/dashboard.js"],
                preload=["/static/plotly.min.js"])


def _kv_table(items: Mapping[str, Any], table_id: str) -> str:
    rows = "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(_fmt(v))}</td></tr>"
                   for k, v in items.items())
    return f'<table class="kv" id="{table_id}">{rows}</table>'


def trial_page(study: str, trial: FrozenTrial, env: Mapping[str, Any] | None,
               logs: Mapping[str, str | None], curve: Any | None, full: float | None = None,
               metrics: Sequence[str] | None = None, alphas: Any | None = None) -> str:
    """Parameters, state, values (by metric name), learning curve, the cell genotype drawn
    (a ``genotype`` user attribute), a DARTS search's α trajectories (``alphas``, a plotly
    figure as JSON), traceback, logs and environment of a trial."""
    facts: dict[str, Any] = {"state": shown_state(trial, full)}
    where = stopped_at(trial, full)
    if where is not None:
        facts["stopped at budget"] = where
    names = list(metrics) if metrics else (["value"] if trial.values and len(trial.values) == 1
                                           else [f"value {i}" for i in range(len(trial.values or ()))])
    facts.update(zip(names, trial.values) if trial.values else {"value": None})
    facts.update({"budget": trial.budget, "seed": trial.seed, "duration (s)": trial.duration,
                  "reports": len(trial.reports), "worker": _worker(trial),
                  "note": trial.user_attrs.get("note")})
    user = {k: v for k, v in trial.user_attrs.items() if k != "note"}
    parts = [f'<p><a href="{escape(study_url(study))}">← {escape(study)}</a></p>',
             f"<h1>trial {trial.number}</h1>", _kv_table(facts, "facts"),
             "<h2>parameters</h2>", _kv_table(dict(trial.params), "params")]
    edges = genotype.cell_edges(trial.user_attrs, trial.params)
    if edges:
        parts.append(f'<h2>cell</h2><figure id="genotype">{genotype.svg(edges)}</figure>')
    if user:
        parts += ["<h2>user attributes</h2>", _kv_table(user, "user-attrs")]
    if curve is not None:
        parts.append('<h2>learning curve</h2><div id="curve" class="plot"></div>'
                     f'<script type="application/json" id="curve-data">{json_for_script(curve)}</script>')
    if alphas is not None:
        parts.append('<h2>architecture weights (softmax α per edge)</h2><div id="alphas" class="plot">'
                     f'</div><script type="application/json" id="alphas-data">{json_for_script(alphas)}'
                     "</script>")
    if trial.error:
        parts.append(f'<h2>error</h2><pre id="traceback">{escape(trial.error)}</pre>')
    for stream, text in logs.items():
        if text is not None:
            parts.append(f'<h2>{stream}</h2><pre class="log" id="log-{stream}">{escape(text)}</pre>')
    if env:
        pretty = json.dumps(env, indent=2, sort_keys=True, default=str)
        parts.append(f'<h2>environment</h2><pre id="environment">{escape(pretty)}</pre>')
    return base(f"tiaocan — {study} #{trial.number}", "".join(parts),
                ["/static/plotly.min.js", "/static/dashboard.js"])


def _worker(trial: FrozenTrial) -> str | None:
    w = trial.system_attrs.get("worker")
    if not isinstance(w, Mapping):
        return None
    return f"{w.get('host')}:{w.get('pid')} (env {w.get('env')})"
