"""The dashboard: a read-only ASGI app (Starlette) over a storage URL.

Pages are rendered on the server with every user string escaped; the study page's table and
plots come from a small JSON API (server-side sorting, filtering and paging; downsampled
plots) and are refreshed live by polling the study's change cursor. plotly.js is served from
the installed plotly package, so the dashboard works offline. Only GET routes exist.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from importlib import resources
from typing import Any

from tiaocan.dashboard import alphas, pages
from tiaocan.dashboard.state import StudyView, Views
from tiaocan.errors import ConfigError, StudyNotFoundError, TiaocanError, require
from tiaocan.outcome import shown_state
from tiaocan.space import Categorical
from tiaocan.storage import Storage, get_storage
from tiaocan.storage.base import to_json
from tiaocan.trial import FrozenTrial, TrialState

__all__ = ["create_app", "serve"]

log = logging.getLogger("tiaocan")
_STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


def create_app(storage: str | Storage, prefetch: bool = True,
               allowed_hosts: list[str] | None = None) -> Any:
    """The dashboard app for a storage (URL or object); serve it with any ASGI server.

    With ``prefetch``, a background thread reads every study once at start, so the first
    visitor of a large study does not wait for its first full read. With ``allowed_hosts``,
    a request whose ``Host`` header names another host gets 400 (a page from another site
    reached through DNS rebinding cannot read the studies).

    >>> app = create_app(":memory:")  # doctest: +SKIP
    """
    require("starlette", "dashboard", "the dashboard")
    from starlette.applications import Starlette
    from starlette.routing import Route

    views = Views(get_storage(storage))
    if prefetch:
        threading.Thread(target=_prefetch, args=(views,), daemon=True, name="tiaocan-prefetch").start()
    handlers = _Handlers(views)
    routes = [Route("/", handlers.studies), Route("/study", handlers.study),
              Route("/trial", handlers.trial), Route("/api/studies", handlers.api_studies),
              Route("/api/summary", handlers.api_summary), Route("/api/trials", handlers.api_trials),
              Route("/api/plots", handlers.api_plots),
              Route("/static/{file}", handlers.static)]
    middleware = []
    if allowed_hosts is not None:  # our own check: IPv6 hosts compare alike on every starlette
        from starlette.middleware import Middleware

        from tiaocan.dashboard.hosts import HostCheck

        middleware.append(Middleware(HostCheck, allowed=list(allowed_hosts)))
    return Starlette(routes=routes, middleware=middleware, exception_handlers={
        StudyNotFoundError: _not_found, ConfigError: _bad_request,
        TiaocanError: _bad_request})  # a malformed database: its message, not a crash


def _prefetch(views: Views) -> None:
    try:
        for record in views.storage.list_studies():
            views.get(record.name).refresh()
    except Exception as exc:  # noqa: BLE001 - a failed warm-up only costs the first visitor time
        log.debug("dashboard prefetch stopped: %s", exc)


def _not_found(request: Any, exc: Exception) -> Any:
    from starlette.responses import PlainTextResponse

    return PlainTextResponse(f"not found: {exc}", status_code=404)


def _bad_request(request: Any, exc: Exception) -> Any:
    from starlette.responses import JSONResponse

    return JSONResponse({"error": str(exc)}, status_code=400)


def _arg(request: Any, name: str, cast: Callable[[str], Any] = str, default: Any = None) -> Any:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        if default is None and cast is str and name in ("name", "study"):
            raise ConfigError(f"query parameter {name!r} is required")
        return default
    try:
        return cast(raw)
    except ValueError:
        raise ConfigError(f"query parameter {name!r} must be a {cast.__name__}, received {raw!r}") from None


class _Handlers:
    def __init__(self, views: Views) -> None:
        self.views = views

    # Pages -----------------------------------------------------------------------------
    async def studies(self, request: Any) -> Any:
        return await _threaded(self._studies_html)

    def _studies_html(self) -> Any:
        from starlette.responses import HTMLResponse

        return HTMLResponse(pages.studies_page(self._study_rows()))

    def _study_rows(self) -> list[dict[str, Any]]:
        rows = []
        for record in self.views.storage.list_studies():
            view = self.views.get(record.name)
            view.record = record  # fresh attributes (notes, metric names)
            rows.append(_study_row(view))
        return rows

    async def study(self, request: Any) -> Any:
        from starlette.responses import HTMLResponse

        name = _arg(request, "name")
        record = await _threaded(lambda: self.views.record(name))
        view = self.views.get(name)
        data = {"study": name, "params": list(view.space.names),
                "numeric": [n for n in view.space.names if not isinstance(view.space[n], Categorical)],
                "directions": [d.value for d in record.directions], "metrics": view.metric_names}
        return HTMLResponse(pages.study_page(name, data, record.attrs.get("user:note"), None))

    async def trial(self, request: Any) -> Any:
        name, number = _arg(request, "study"), _arg(request, "number", int)
        return await _threaded(lambda: self._trial_html(name, number))

    def _trial_html(self, name: str, number: int | None) -> Any:
        from starlette.responses import HTMLResponse

        from tiaocan.tracking.logs import STREAMS, read_log

        record = self.views.record(name)
        trials = self.views.get(name).refresh()
        found = [t for t in trials if t.number == number] if number is not None else []
        if not found:
            raise StudyNotFoundError(f"study {name!r} has no trial {number!r}")
        trial = found[0]
        logs = {s: read_log(self.views.storage, name, trial.number, s) for s in STREAMS}
        env = _environment(record.attrs, trial)
        view = self.views.get(name)
        return HTMLResponse(pages.trial_page(name, trial, env, logs, _curve_json(trial, view),
                                             view.full, view.metric_names,
                                             alphas.figure_json(trial.user_attrs)))

    # JSON API --------------------------------------------------------------------------
    async def api_studies(self, request: Any) -> Any:
        from starlette.responses import JSONResponse

        return JSONResponse(await _threaded(self._study_rows))

    async def api_summary(self, request: Any) -> Any:
        from starlette.responses import JSONResponse

        view = self.views.get(_arg(request, "study"))
        return JSONResponse(await _threaded(lambda: _summary(view)))

    async def api_trials(self, request: Any) -> Any:
        from starlette.responses import Response

        view = self.views.get(_arg(request, "study"))
        args = {"offset": _arg(request, "offset", int, 0), "limit": _arg(request, "limit", int, 50),
                    "sort": _arg(request, "sort", str, "number"),
                    "descending": _arg(request, "desc", str, "0") in ("1", "true"),
                    "state": _arg(request, "state", str, None), "query": _arg(request, "q", str, None)}
        page = await _threaded(lambda: view.page(**args))
        return Response(to_json(page), media_type="application/json")  # NaN/inf become null

    async def api_plots(self, request: Any) -> Any:
        from starlette.responses import Response

        view = self.views.get(_arg(request, "study"))
        choice = _choice(request, view)
        body = await _threaded(lambda: view.plots(lambda trials: _plots_json(view, trials, choice),
                                                  key=choice))
        return Response(body, media_type="application/json")

    async def static(self, request: Any) -> Any:
        from starlette.responses import FileResponse, Response

        file = request.path_params["file"]
        if file == "plotly.min.js":
            from tiaocan.viz.plotly import plotly_js_path

            return FileResponse(plotly_js_path(), media_type="text/javascript")
        suffix = file[file.rfind("."):] if "." in file else ""
        if "/" in file or suffix not in _STATIC_TYPES:
            return Response("not found", status_code=404)
        asset = resources.files("tiaocan.dashboard").joinpath("static", file)
        if not asset.is_file():
            return Response("not found", status_code=404)
        return Response(asset.read_bytes(), media_type=_STATIC_TYPES[suffix])


async def _threaded(fn: Callable[[], Any]) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn)


def _summary(view: StudyView) -> dict[str, Any]:
    trials = view.refresh()
    full = view.full
    counts = dict.fromkeys((s.value for s in TrialState), 0)
    for t in trials:
        counts[shown_state(t, full)] += 1
    return {"cursor": view.cursor, "counts": counts, "total": len(trials),
            "best": _best(view, trials), "metrics": view.metric_names,
            "search": _search_line(view.record.attrs, trials)}


def _search_line(attrs: Any, trials: list[FrozenTrial]) -> str:
    """The sampler (``auto``'s latest pick and its reason, the picks so far), the scheduler
    and the fidelity, as the trials recorded them."""
    from tiaocan.study_config import auto_choices

    text = f"sampler {_role(attrs, 'sampler') or '?'}"
    latest = next((a for t in reversed(trials)
                   if isinstance(a := (t.system_attrs.get("sampler") or {}).get("auto"), dict)), None)
    if latest:
        text += f": auto chose {latest.get('chose')}: {latest.get('why')}"
        text += " (so far: " + ", ".join(f"{n} {k}" for k, n in auto_choices(trials).items()) + ")"
    scheduler = _role(attrs, "scheduler")
    if scheduler and scheduler != "FIFOScheduler":
        text += f"; scheduler {scheduler}"
    fid = attrs.get("fidelity")
    if isinstance(fid, dict):
        text += f"; fidelity {fid.get('name')} from {fid.get('low')} to {fid.get('high')}"
    return text


def _best(view: StudyView, trials: list[FrozenTrial]) -> float | None:
    """The best value at the full budget (single-objective studies)."""
    if len(view.directions) != 1:
        return None
    from tiaocan.viz.data import final

    sign = view.directions[0].sign
    done = final(trials, view.full)
    return min((t.values[0] for t in done), key=lambda v: sign * v) if done else None  # type: ignore[index]


def _study_row(view: StudyView) -> dict[str, Any]:
    """A row of the study list: counts by shown state, best value, sampler, scheduler, dates."""
    summary = _summary(view)
    trials = view.refresh()
    record = view.record
    last = max((t.completed_at or t.started_at or 0.0 for t in trials), default=0.0)
    return {"name": record.name, "trials": summary["total"], **summary["counts"],
            "best": summary["best"], "metrics": ", ".join(view.metric_names),
            "directions": ", ".join(d.value for d in record.directions),
            "sampler": _role(record.attrs, "sampler"), "scheduler": _role(record.attrs, "scheduler"),
            "created": record.created_at, "last": last or None,
            "note": record.attrs.get("user:note")}


def _role(attrs: Any, role: str) -> str | None:
    """A stored sampler/scheduler as its class name (what a user recognises)."""
    description = attrs.get(role)
    cls = description.get("class") if isinstance(description, dict) else None
    return cls.rsplit(".", 1)[-1] if isinstance(cls, str) else None


def _names(request: Any, key: str, view: StudyView) -> tuple[str, ...] | None:
    raw = _arg(request, key, str, None)
    if raw is None:
        return None
    names = tuple(n for n in raw.split(",") if n)
    unknown = [n for n in names if n not in view.space.names]
    if unknown:
        raise ConfigError(f"query parameter {key!r}: names must be among {list(view.space.names)}, "
                          f"received {unknown!r}")
    return names or None


def _choice(request: Any, view: StudyView) -> Any:
    """The plot choice of the study page's selectors (objective, contour pair, parameters)."""
    from tiaocan.viz import Choice

    objective = _arg(request, "objective", int, 0)
    if not 0 <= objective < len(view.directions):
        raise ConfigError(f"objective must be in [0, {len(view.directions) - 1}], received {objective!r}")
    pair = _names(request, "contour", view)
    if pair is not None and (len(pair) != 2 or pair[0] == pair[1]):
        raise ConfigError(f"query parameter 'contour' must name two different parameters, received {pair!r}")
    return Choice(objective, pair, _names(request, "slice", view),  # type: ignore[arg-type]
                  _names(request, "parallel", view))


def _environment(attrs: Any, trial: FrozenTrial) -> Any:
    env_id = (trial.system_attrs.get("worker") or {}).get("env")
    env = attrs.get(f"env:{env_id}") if env_id else None
    return env if env is not None else attrs.get("manifest")


def _curve_json(trial: FrozenTrial, view: StudyView) -> Any:
    if not trial.reports:
        return None
    from tiaocan.viz import data
    from tiaocan.viz.plotly import curves_figure

    fig = curves_figure(data.learning_curves([trial], full=view.full), title=f"trial {trial.number}",
                        metric=view.metric_names[0])
    return json.loads(fig.to_json())


def _plots_json(view: StudyView, trials: list[FrozenTrial], choice: Any) -> bytes:
    from tiaocan import viz

    figs = viz.figures(view, trials, _importances(view, trials), max_points=1000,  # type: ignore[arg-type]
                       choice=choice)
    parts = ",".join(f"{json.dumps(k)}:{f.to_json()}" for k, f in figs.items())
    return f'{{"cursor":{view.cursor},"plots":{{{parts}}}}}'.encode()


def _importances(view: StudyView, trials: list[FrozenTrial], max_trials: int = 1000) -> dict[int, Any]:
    """fANOVA per objective on at most ``max_trials`` trials at the full budget (objectives
    where it cannot be computed are left out)."""
    from tiaocan.viz.data import final

    done = final(trials, view.full)
    if len(done) < 8:
        return {}
    step = max(1, len(done) // max_trials)
    out = {}
    for i, direction in enumerate(view.directions):
        try:
            from tiaocan.analysis import fanova, trial_arrays

            data = trial_arrays(view.space, done[::step], i, direction.sign)
            out[i] = fanova(data.x, data.y, data.bounds, data.names, n_trees=16)
        except (ImportError, ValueError) as exc:
            log.debug("dashboard: no importance plot: %s", exc)
    return out


def serve(storage: str | Storage, host: str = "127.0.0.1", port: int = 8080,
          allow_hosts: tuple[str, ...] = ()) -> None:
    """Run the dashboard with uvicorn until interrupted; only requests addressed to ``host``
    (or one of ``allow_hosts``) are answered."""
    from tiaocan.dashboard.hosts import hosts_for

    uvicorn = require("uvicorn", "dashboard", "the dashboard")
    app = create_app(storage, allowed_hosts=hosts_for(host, allow_hosts))
    uvicorn.run(app, host=host.strip().strip("[]"), port=port,  # type: ignore[attr-defined]
                log_level="warning")  # ([::1] binds ::1)
