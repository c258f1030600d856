"""The dashboard screenshots in docs/, taken in headless Chromium from small demo studies.

    python -m benchmarks.dashboard_screenshots [--out docs]

Writes ``dashboard.png`` (an ASHA study: pruned trials, history coloured by budget),
``dashboard-multi.png`` (a two-objective architecture search, accuracy vs latency, with
named metrics) and ``dashboard-trial.png`` (a trial page with its cell drawn).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

import tiaocan as tc
from benchmarks.dashboard import demo_study

OPS = ["none", "skip_connect", "conv_1x1", "conv_3x3", "avg_pool_3x3"]
EDGES = [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]
CELL = tc.Space(lr=tc.Float(1e-4, 1e-1, log=True),
                **{f"edge_{i}_{j}": tc.Categorical(OPS) for i, j in EDGES})
_COST = {"none": 0.0, "skip_connect": 0.1, "conv_1x1": 1.0, "conv_3x3": 3.0, "avg_pool_3x3": 0.4}
_GAIN = {"none": 0.0, "skip_connect": 1.5, "conv_1x1": 2.0, "conv_3x3": 3.5, "avg_pool_3x3": 1.0}


def genotype(params: dict) -> str:
    """The cell in NAS-Bench-201 notation: node j's incoming edges from nodes i < j."""
    nodes = [[f"{params[f'edge_{i}_{j}']}~{i}" for i, jj in EDGES if jj == j] for j in (1, 2, 3)]
    return "+".join("|" + "|".join(n) + "|" for n in nodes)


def nas_study(url: str, n: int = 60) -> tc.Study:
    """Accuracy vs latency on a simulated cell space (the shape of a NAS study)."""
    study = tc.create_study("cell-pareto", space=CELL, storage=url, seed=0, sampler="tpe",
                            directions=["maximize", "minimize"])
    study.set_metric_names(["accuracy", "latency_ms"])
    study.set_note("cell search on a simulated NAS-Bench-201-like table")

    def objective(trial: tc.Trial) -> tuple[float, float]:
        p = trial.params
        rng = np.random.default_rng(trial.seed)
        ops = [p[f"edge_{i}_{j}"] for i, j in EDGES]
        lr_penalty = (np.log10(p["lr"]) + 2.5) ** 2
        accuracy = 60 + 2.2 * sum(_GAIN[o] for o in ops) - 3 * lr_penalty + rng.normal(0, 0.6)
        latency = 1.0 + sum(_COST[o] for o in ops) * (1 + 0.05 * rng.random())
        trial.set_user_attr("genotype", genotype(p))
        return float(min(accuracy, 94.5)), float(latency)

    study.optimize(objective, n_trials=n, show_progress=False)
    return study


def _shoot(driver: object, url: str, path: Path, wait_plots: bool = True) -> None:
    from tests.dashboard._browser import wait_for

    driver.get(url)  # type: ignore[attr-defined]
    if wait_plots:
        wait_for(driver, lambda d: d.execute_script("return document.body.dataset.plotsReady === '1'"), 300)
    time.sleep(1.0)  # let plotly finish its transitions
    driver.save_screenshot(str(path))  # type: ignore[attr-defined]
    print(f"screenshot: {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs", help="folder of the PNG files")
    args = parser.parse_args()
    from tests.dashboard._browser import chromium, dashboard

    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='tiaocan-shots-')) / 'demo.db'}"
    demo_study(url, n=120)
    nas = nas_study(url)
    best = max(nas.best_trials, key=lambda t: t.values[0])
    with dashboard(url) as base:
        with chromium(1400, 2450) as driver:
            _shoot(driver, f"{base}/study?name=cnn-asha", out / "dashboard.png")
        with chromium(1400, 3300) as driver:
            _shoot(driver, f"{base}/study?name=cell-pareto", out / "dashboard-multi.png")
        with chromium(1000, 1250) as driver:
            _shoot(driver, f"{base}/trial?study=cell-pareto&number={best.number}",
                   out / "dashboard-trial.png", wait_plots=False)


if __name__ == "__main__":
    main()
