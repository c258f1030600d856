"""Dashboard speed on a 100k-trial study, in a real headless Chromium.

    python -m benchmarks.dashboard [--trials 100000] [--screenshot docs/dashboard.png]

Writes a study of N trials (with 3-point learning curves) into a SQLite file by bulk insert,
serves the dashboard on 127.0.0.1 and measures, in Chromium: the time from navigation to the
trial table being rendered and to every plot being drawn, on a cold server (first read of the
study) and warm (the cached, incrementally refreshed study). Also times the JSON API
(sorted page, plots) and, as the peer, the time Optuna's own plotting takes to build its
optimization-history figure for the same number of trials (``optuna.visualization``).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np

import tiaocan as tc

SPACE = tc.Space(
    lr=tc.Float(1e-5, 1e-1, log=True),
    dropout=tc.Float(0.0, 0.5),
    layers=tc.Int(1, 8),
    opt=tc.Categorical(["sgd", "momentum", "adam"]),
    momentum=tc.Float(0.5, 0.99, when={"opt": "momentum"}),
)


def _loss(p: dict, rng: np.random.Generator) -> float:
    base = (np.log10(p["lr"]) + 2.5) ** 2 + 0.3 * p["dropout"] + 0.05 * abs(p["layers"] - 4)
    return float(base + (0.2 * (1 - p["momentum"]) if "momentum" in p else 0.1) + 0.05 * rng.random())


def write_study(url: str, n: int, seed: int = 0) -> tc.Study:
    """A study of ``n`` trials, inserted in bulk (one transaction) through the storage schema."""
    import sqlalchemy as sa

    from tiaocan.seeding import trial_seed
    from tiaocan.storage import schema
    from tiaocan.storage.base import to_json

    study = tc.create_study("big", space=SPACE, storage=url, seed=seed)
    rng = np.random.default_rng(seed)
    now = time.time() - n
    rows, reps = [], []
    for i in range(n):
        p = SPACE.sample(rng)
        v = _loss(p, rng)
        state = "complete" if i % 20 else ("pruned" if i % 40 else "failed")
        rows.append({"study_id": study.study_id, "number": i, "state": state, "params": to_json(p),
                         "values_": None if state == "failed" else to_json([v]), "seed": trial_seed(seed, i),
                         "budget": None, "key": None, "user_attrs": "{}", "error": None if state != "failed" else "boom",
                         "system_attrs": to_json({"worker": {"host": "bench", "pid": i % 4, "env": "x"}}),
                         "started_at": now + i, "completed_at": now + i + 0.9, "heartbeat_at": now + i, "seq": i + 1})
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(schema.trials.insert(), rows)
        ids = [r[0] for r in conn.execute(sa.select(schema.trials.c.trial_id).where(
            schema.trials.c.study_id == study.study_id).order_by(schema.trials.c.number))]
        seq = n
        for i, tid in enumerate(ids):
            v = json.loads(rows[i]["values_"] or "[1.0]")[0]
            for step in (1, 2, 3):
                seq += 1
                reps.append({"study_id": study.study_id, "trial_id": tid, "seq": seq, "step": step,
                                 "values_": to_json([v + 1.0 / step]), "at": now + i})
        conn.execute(schema.reports.insert(), reps)
        conn.execute(schema.studies.update().where(schema.studies.c.study_id == study.study_id)
                     .values(n_trials=n, seq=seq))
    engine.dispose()
    return tc.load_study("big", storage=url)


def demo_study(url: str, n: int = 150) -> tc.Study:
    """A small ASHA study with learning curves on two worker threads (for the screenshot)."""
    from tiaocan.executors import ThreadExecutor

    study = tc.create_study("cnn-asha", space=SPACE, storage=url, seed=1, scheduler="asha",
                            fidelity=tc.Fidelity("epoch", low=1, high=27))
    study.set_note("ASHA on a simulated CNN, two worker threads (README demo)")

    def objective(trial: tc.Trial) -> float:
        rng = np.random.default_rng(trial.seed)
        final = _loss(trial.params, rng)
        loss = final
        for epoch in range(1, int(trial.budget) + 1):
            loss = final + 2.0 / epoch
            trial.report(loss, step=epoch)
            if trial.should_stop():
                break
        return loss

    study.optimize(objective, n_trials=n, n_workers=2, executor=ThreadExecutor(), show_progress=False)
    return study


def _page_times(driver: object, url: str) -> tuple[float, float, float]:
    """Seconds from navigation to: the table's rows, the first plot, every plot drawn."""
    from tests.dashboard._browser import wait_for

    marks = []
    start = time.perf_counter()
    driver.get(url)  # type: ignore[attr-defined]
    for flag in ("tableReady", "firstPlotReady", "plotsReady"):
        script = f"return document.body.dataset.{flag} === '1'"
        wait_for(driver, lambda d, js=script: d.execute_script(js), 300)
        marks.append(time.perf_counter() - start)
    return marks[0], marks[1], marks[2]


def _get(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url) as r:
        r.read()
    return time.perf_counter() - start


def _optuna_history_seconds(study: tc.Study) -> float | None:
    try:
        import optuna
        from optuna.visualization import plot_optimization_history
    except ImportError:
        return None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    ostudy = optuna.create_study()
    dist = optuna.distributions.FloatDistribution(1e-5, 1e-1, log=True)
    done = [t for t in study.trials if t.values]
    ostudy.add_trials([optuna.trial.create_trial(params={"lr": t.params["lr"]}, distributions={"lr": dist},
                                                 value=t.values[0]) for t in done])
    start = time.perf_counter()
    plot_optimization_history(ostudy)
    return time.perf_counter() - start


def _tiaocan_history_seconds(study: tc.Study) -> float:
    from tiaocan import viz

    trials = study.trials
    start = time.perf_counter()
    viz.plotly.history_figure(viz.data.history(trials))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100_000)
    parser.add_argument("--screenshot", default=None, help="save a PNG of the study page here")
    args = parser.parse_args()
    from tests.dashboard._browser import chromium, dashboard

    tmp = Path(tempfile.mkdtemp(prefix="tiaocan-bench-"))
    url = f"sqlite:///{tmp / 'big.db'}"
    t0 = time.perf_counter()
    study = write_study(url, args.trials)
    print(f"wrote {args.trials} trials (+{3 * args.trials} reports) in {time.perf_counter() - t0:.1f} s")
    with dashboard(url) as base, chromium() as driver:
        page = f"{base}/study?name=big"
        cold = _page_times(driver, page)
        warm = _page_times(driver, page)
        api_sorted = _get(f"{base}/api/trials?study=big&sort=value&limit=50")
        api_sorted_again = _get(f"{base}/api/trials?study=big&sort=value&limit=50&offset=50")
        api_plots = _get(f"{base}/api/plots?study=big")
        api_filtered = _get(f"{base}/api/trials?study=big&limit=50&q=" + urllib.parse.quote("lr>0.001, value<=1"))
    if args.screenshot:
        demo_url = f"sqlite:///{tmp / 'demo.db'}"
        demo_study(demo_url)
        with dashboard(demo_url) as base, chromium(1400, 2250) as driver:
            _page_times(driver, f"{base}/study?name=cnn-asha")
            time.sleep(1.0)
            driver.save_screenshot(args.screenshot)
        print(f"screenshot: {args.screenshot}")
    ours = _tiaocan_history_seconds(study)
    peer = _optuna_history_seconds(study)
    rows = [
        ("study page: table rendered, cold server", cold[0]),
        ("study page: first plot drawn, cold server", cold[1]),
        ("study page: all plots drawn, cold server", cold[2]),
        ("study page: table rendered, warm", warm[0]),
        ("study page: first plot drawn, warm", warm[1]),
        ("study page: all plots drawn, warm", warm[2]),
        ("API: page sorted by value (first sort)", api_sorted),
        ("API: next page, same sort (cached order)", api_sorted_again),
        ("API: all plots (cached)", api_plots),
        ("API: a page filtered by 'lr>0.001, value<=1'", api_filtered),
        ("history figure, tiaocan.viz (downsampled)", ours),
    ]
    if peer is not None:
        rows.append(("history figure, optuna.visualization (peer)", peer))
    print(f"\n{'dashboard on ' + str(args.trials) + ' trials':<52} seconds")
    for name, sec in rows:
        print(f"{name:<52} {sec:8.3f}")
    if peer is not None:
        print(f"{'ratio optuna / tiaocan (history figure)':<52} {peer / ours:8.1f}x")


if __name__ == "__main__":
    main()
