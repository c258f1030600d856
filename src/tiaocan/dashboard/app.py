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

from tiaocan.dashboard import pages
from tiaocan.dashboard.state import StudyView, Views
from tiaocan.errors import ConfigError, StudyNotFoundError, require
from tiaocan.storage import Storage, get_storage
from tiaocan.storage.base import to_json
from tiaocan.trial import FrozenTrial, TrialState

__all__ = ["create_app", "serve"]

log = logging.getLogger("tiaocan")
_STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


def create_app(storage: str | Storage, prefetch: bool = True) -> Any:
    """The dashboard app for a storage (URL or object); serve it with any ASGI server.

    With ``prefetch``, a background thread reads every study once at start, so the first
    visitor of a large study does not wait for its first full read.

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
    return Starlette(routes=routes, exception_handlers={
        StudyNotFoundError: _not_found, ConfigError: _bad_request})


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
        storage = self.views.storage
        rows = []
        for record in storage.list_studies():
            counts = storage.count_trials(record.study_id)
            rows.append({"name": record.name, "trials": sum(counts.values()),
                         "complete": counts.get(TrialState.COMPLETE, 0),
                         "running": counts.get(TrialState.RUNNING, 0),
                         "failed": counts.get(TrialState.FAILED, 0),
                         "directions": ", ".join(d.value for d in record.directions),
                         "note": record.attrs.get("user:note")})
        return rows

    async def study(self, request: Any) -> Any:
        from starlette.responses import HTMLResponse

        name = _arg(request, "name")
        record = await _threaded(lambda: self.views.record(name))
        view = self.views.get(name)
        data = {"study": name, "params": list(view.space.names),
                "directions": [d.value for d in record.directions]}
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
        return HTMLResponse(pages.trial_page(name, trial, env, logs, _curve_json(trial)))

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
        body = await _threaded(lambda: view.plots(lambda trials: _plots_json(view, trials)))
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
    counts = view.storage.count_trials(view.record.study_id)
    best = None
    if len(view.directions) == 1:
        sign = view.directions[0].sign
        done = _final(trials)
        best = min((t.values[0] for t in done), key=lambda v: sign * v) if done else None  # type: ignore[index]
    return {"cursor": view.cursor, "counts": {s.value: n for s, n in counts.items()},
            "total": len(trials), "best": best}


def _environment(attrs: Any, trial: FrozenTrial) -> Any:
    env_id = (trial.system_attrs.get("worker") or {}).get("env")
    env = attrs.get(f"env:{env_id}") if env_id else None
    return env if env is not None else attrs.get("manifest")


def _curve_json(trial: FrozenTrial) -> Any:
    if not trial.reports:
        return None
    from tiaocan.viz import data
    from tiaocan.viz.plotly import curves_figure

    fig = curves_figure(data.learning_curves([trial]), title=f"trial {trial.number}")
    return json.loads(fig.to_json())


def _plots_json(view: StudyView, trials: list[FrozenTrial]) -> bytes:
    from tiaocan import viz

    figs = viz.figures(view, trials, _importance(view, trials), max_points=1000)  # type: ignore[arg-type]
    parts = ",".join(f"{json.dumps(k)}:{f.to_json()}" for k, f in figs.items())
    return f'{{"cursor":{view.cursor},"plots":{{{parts}}}}}'.encode()


def _final(trials: list[FrozenTrial]) -> list[FrozenTrial]:
    """Complete trials at the largest budget reached (values at smaller budgets differ)."""
    done = [t for t in trials if t.state is TrialState.COMPLETE and t.values]
    budgets = [t.budget for t in done if t.budget is not None]
    if budgets:
        top = max(budgets)
        done = [t for t in done if t.budget is None or t.budget == top]
    return done


def _importance(view: StudyView, trials: list[FrozenTrial], max_trials: int = 1000) -> Any:
    """fANOVA on at most ``max_trials`` complete trials (None when it cannot be computed)."""
    done = _final(trials)
    if len(view.directions) != 1 or len(done) < 8:
        return None
    step = max(1, len(done) // max_trials)
    try:
        from tiaocan.analysis import fanova, trial_arrays

        data = trial_arrays(view.space, done[::step], 0, view.directions[0].sign)
        return fanova(data.x, data.y, data.bounds, data.names, n_trees=16)
    except (ImportError, ValueError) as exc:
        log.debug("dashboard: no importance plot: %s", exc)
        return None


def serve(storage: str, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Run the dashboard with uvicorn until interrupted."""
    uvicorn = require("uvicorn", "dashboard", "the dashboard")
    uvicorn.run(create_app(storage), host=host, port=port, log_level="warning")  # type: ignore[attr-defined]
