"""Importing a large Optuna study: ``tiaocan import-optuna`` against Optuna's own copy.

    python -m benchmarks.optuna_import                 # 10,000 trials
    python -m benchmarks.optuna_import --trials 2000   # a quicker look

Writes an Optuna SQLite study (four parameters, one conditional; five intermediate values per
trial; a fifth of the trials pruned, a few failed), then times, in the same run and on the
same file: tiaocan's import into a fresh SQLite storage, and ``optuna.copy_study`` (Optuna
copying the same study into a fresh SQLite storage of its own, the peer's way to move a
study). It then opens the imported study in the dashboard app (starlette's TestClient) and
times its study page and a page of its trial table. Prints a table with the ratio.
"""

from __future__ import annotations

import argparse
import datetime
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np


def write_optuna_study(url: str, n_trials: int, seed: int = 0) -> None:
    """An Optuna study of ``n_trials`` finished trials, written through Optuna's storage."""
    import optuna
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )
    from optuna.trial import TrialState, create_trial

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rng = np.random.default_rng(seed)
    dists = {"lr": FloatDistribution(1e-5, 1e-1, log=True),
             "layers": IntDistribution(1, 8),
             "optimizer": CategoricalDistribution(["sgd", "momentum", "adam"]),
             "momentum": FloatDistribution(0.5, 0.99)}
    start = datetime.datetime(2025, 1, 1)
    trials = []
    for i in range(n_trials):
        params = {"lr": float(10 ** rng.uniform(-5, -1)), "layers": int(rng.integers(1, 9)),
                  "optimizer": str(rng.choice(["sgd", "momentum", "adam"]))}
        if params["optimizer"] == "momentum":
            params["momentum"] = float(rng.uniform(0.5, 0.99))
        loss = abs(np.log10(params["lr"]) + 3) + 0.1 * params["layers"] + rng.normal(0, 0.05)
        curve = {step: float(loss + 1.0 / (step + 1)) for step in range(5)}
        state = TrialState.PRUNED if rng.random() < 0.2 else TrialState.COMPLETE
        if rng.random() < 0.02:
            state = TrialState.FAIL
        trials.append(create_trial(
            state=state, value=float(loss) if state is TrialState.COMPLETE else None,
            params=params, distributions={k: dists[k] for k in params},
            intermediate_values=curve if state is not TrialState.FAIL else {},
            user_attrs={"host": f"node{i % 4}"}))
        object.__setattr__(trials[-1], "datetime_start", start + datetime.timedelta(minutes=i))
        trials[-1].datetime_complete = start + datetime.timedelta(minutes=i, seconds=50)
    study = optuna.create_study(study_name="large", storage=url)
    study.add_trials(trials)


def timed(fn: Any) -> tuple[Any, float]:
    began = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - began


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.optuna_import",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=10_000)
    ap.add_argument("--workdir", type=Path, default=None,
                    help="keep the files here; an Optuna study written there before is reused")
    args = ap.parse_args(argv)
    # in memory-backed files where the system has them: Optuna commits every trial on its own,
    # and a disk's flush per commit would time the disk, not the two programs
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as tmp:
        run(args.workdir or Path(tmp), args.trials)


def run(folder: Path, n_trials: int) -> None:
    import optuna
    from starlette.testclient import TestClient

    import tiaocan as tc
    from tiaocan.dashboard import create_app
    from tiaocan.integration.optuna import import_optuna

    folder.mkdir(parents=True, exist_ok=True)
    for name in ("tiaocan.db", "optuna-copy.db"):
        (folder / name).unlink(missing_ok=True)
    source = f"sqlite:///{folder / f'optuna-{n_trials}.db'}"
    if not (folder / f"optuna-{n_trials}.db").exists():
        _, t_write = timed(lambda: write_optuna_study(source, n_trials))
        print(f"Optuna study of {n_trials} trials written by Optuna in {t_write:.1f} s")
    print()
    print("| step | seconds |")
    print("|---|---|")
    target = f"sqlite:///{folder / 'tiaocan.db'}"
    _, t_import = timed(lambda: import_optuna(source, target))
    print(f"| tiaocan import-optuna, {n_trials} trials (one transaction) | {t_import:.1f} |",
          flush=True)
    assert len(tc.load_study("large", storage=target).trials) == n_trials
    with TestClient(create_app(target)) as client:
        page, t_page = timed(lambda: client.get("/study", params={"name": "large"}))
        rows, t_rows = timed(lambda: client.get("/api/trials", params={
            "study": "large", "limit": 50, "sort": "value"}))
    assert page.status_code == 200 and rows.status_code == 200
    assert rows.json()["total"] == n_trials
    print(f"| dashboard: study page (first load) | {t_page:.2f} |")
    print(f"| dashboard: 50 best trials of the table | {t_rows:.2f} |", flush=True)
    copy = f"sqlite:///{folder / 'optuna-copy.db'}"
    _, t_copy = timed(lambda: optuna.copy_study(from_study_name="large", from_storage=source,
                                                to_storage=copy))
    print(f"| optuna.copy_study, same study (peer) | {t_copy:.1f} |")
    print(f"| ratio tiaocan / Optuna copy | {t_import / t_copy:.3f} |")


if __name__ == "__main__":
    main()
