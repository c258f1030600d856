"""Parallel runs: throughput, framework CPU, distinct proposals and utilisation, against Optuna.

    python -m benchmarks.parallel [--quick]

Four tables, one run (about three minutes on two cores):

1. Real workers on one SQLite file, random search on a continuous 2-D space, an objective
   that sleeps 20 ms: trials per second, framework CPU per trial (all processes' CPU time,
   the objective's sleep costs none) and the share of distinct configurations, for tiaocan
   with 2 and 8 processes and Optuna with 2 and 8 threads (``n_jobs``) and processes (each
   ``optuna.load_study`` + ``optimize`` on the same file).
2. A worker process SIGKILLed mid-trial under the default heartbeat settings: the run's
   time against the undisturbed one, and the complete configurations (16 asked for).
3. Simulated workers (tiaocan's virtual clock): utilisation = busy worker-seconds / (workers
   x horizon) over a fixed horizon of virtual time, with 1 s trials and with random
   durations (uniform 0.5-1.5 s), for random search, ASHA and the deterministic mode
   (windows 16 and 32), 32 workers.
4. Simulated 32-256 workers: framework CPU per trial and distinct configurations.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing as mp
import os
import resource
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import tiaocan as tc
from tiaocan.executors.simulated import SimulatedExecutor

SPACE = tc.Space(x=tc.Float(0, 1), y=tc.Float(0, 1))
PAUSE = 0.02


def _cpu() -> float:
    """CPU seconds of this process and of its finished children."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _measure(run: Callable[[], list[tuple[float, float]]]) -> dict[str, float]:
    cpu, wall = _cpu(), time.perf_counter()
    configs = run()
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    return {"trials/s": len(configs) / wall, "CPU ms/trial": 1e3 * cpu / len(configs),
            "distinct": len(set(configs)) / len(configs), "trials": len(configs)}


# 1. Real workers ------------------------------------------------------------------------
def _tiaocan_processes(url: str, n_workers: int, n_trials: int) -> list[tuple[float, float]]:
    study = tc.create_study(f"tc{n_workers}", space=SPACE, storage=url, sampler="random", seed=0)
    study.optimize(lambda t: time.sleep(PAUSE) or t.params["x"], n_trials=n_trials,
                   n_workers=n_workers, show_progress=False)
    return [(t.params["x"], t.params["y"]) for t in study.trials]


def _optuna_objective(trial: Any) -> float:
    x, _ = trial.suggest_float("x", 0, 1), trial.suggest_float("y", 0, 1)
    time.sleep(PAUSE)
    return x


def _optuna_child(url: str, name: str, n: int) -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=name, storage=url, sampler=optuna.samplers.RandomSampler())
    study.optimize(_optuna_objective, n_trials=n)


def _optuna(url: str, n_workers: int, n_trials: int, processes: bool) -> list[tuple[float, float]]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    name = f"op{n_workers}{'p' if processes else 't'}"
    study = optuna.create_study(study_name=name, storage=url,
                                sampler=optuna.samplers.RandomSampler(seed=0))
    if processes:
        ctx = mp.get_context("fork")
        procs = [ctx.Process(target=_optuna_child, args=(url, name, n_trials // n_workers))
                 for _ in range(n_workers)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
    else:
        study.optimize(_optuna_objective, n_trials=n_trials, n_jobs=n_workers)
    return [(t.params["x"], t.params["y"]) for t in study.trials]


def real_workers(folder: Path, quick: bool) -> list[dict[str, Any]]:
    rows = []
    for n_workers in (2, 8):
        n = (30 if quick else 60) * n_workers // 2
        tc_url = f"sqlite:///{folder / f'tc{n_workers}.db'}"
        op_url = f"sqlite:///{folder / f'op{n_workers}.db'}"
        rows.append({"who": "tiaocan processes", "workers": n_workers,
                     **_measure(lambda: _tiaocan_processes(tc_url, n_workers, n))})
        for processes in (False, True):
            kind = "processes" if processes else "threads"
            rows.append({"who": f"Optuna {kind}", "workers": n_workers,
                         **_measure(lambda: _optuna(op_url, n_workers, n, processes))})
    return rows


# 2. and 3. Simulated workers ----------------------------------------------------------
def _simulated(n_workers: int, horizon: float, durations: str, *, scheduler: str | None = None,
               deterministic: int | bool = False) -> dict[str, float]:
    """Run ``horizon`` virtual seconds; utilisation counts busy time inside [0, horizon] (the
    run's last trials end after it, with workers idle: an end effect, not the steady state)."""
    fidelity = tc.Fidelity("epoch", 1, 9) if scheduler else None
    study = tc.create_study(space=SPACE, storage=":memory:", sampler="random", seed=0,
                            scheduler=scheduler, fidelity=fidelity, deterministic=deterministic)
    executor = SimulatedExecutor()
    busy = [0.0]

    def objective(trial: tc.Trial) -> float:
        # 1 s per full-budget trial, or a duration drawn per trial from its own seed
        span = 1.0 if durations == "1 s" else np.random.default_rng(trial.seed).uniform(0.5, 1.5)
        if fidelity is not None:
            span *= trial.budget / fidelity.high
        start = executor.clock.now()
        trial.sleep(span)
        busy[0] += max(0.0, min(start + span, horizon) - start)
        return trial.params["x"]

    cpu = time.process_time()
    study.optimize(objective, timeout=horizon, n_workers=n_workers, executor=executor)
    cpu = time.process_time() - cpu
    trials = study.trials
    return {"utilisation": busy[0] / (n_workers * horizon), "trials": len(trials),
            "CPU ms/trial": 1e3 * cpu / len(trials),
            "distinct": len({(t.params["x"], t.params["y"]) for t in trials}) / len(trials)}


def utilisation(quick: bool) -> list[dict[str, Any]]:
    horizon = 6.0 if quick else 12.0
    rows = []
    for durations in ("1 s", "random"):
        for label, options in (("random search", {}), ("ASHA (eta 3, 1-9 epochs)", {"scheduler": "asha"}),
                               ("deterministic, window 32", {"deterministic": 32}),
                               ("deterministic, window 16", {"deterministic": True})):
            result = _simulated(32, horizon, durations, **options)
            rows.append({"mode": label, "durations": durations, "utilisation": result["utilisation"],
                         "trials": result["trials"]})
    return rows


def many_workers(quick: bool) -> list[dict[str, Any]]:
    rows = []
    for n_workers in (32, 128, 256):
        result = _simulated(n_workers, 2.0 if quick else 4.0, "random")
        rows.append({"workers": n_workers, **result})
    return rows


def _crash_run(url: str, flag: Path | None) -> list[tuple[float, float]]:
    def objective(trial: tc.Trial) -> float:
        if flag is not None and trial.number == 3 and "retry_of" not in trial.record.system_attrs:
            flag.write_text(str(os.getpid()))  # the test kills this process mid-trial
        time.sleep(0.5)
        return trial.params["x"]

    def kill() -> None:
        while flag is not None and not flag.exists():
            time.sleep(0.01)
        time.sleep(0.2)
        os.kill(int(flag.read_text()), signal.SIGKILL)  # type: ignore[union-attr]

    if flag is not None:
        threading.Thread(target=kill, daemon=True).start()
    study = tc.create_study(space=SPACE, storage=url, sampler="random", seed=0)
    study.optimize(objective, n_trials=16, n_workers=4, show_progress=False)
    return [(t.params["x"], t.params["y"]) for t in study.trials if t.state is tc.TrialState.COMPLETE]


def crash_cost(folder: Path) -> list[dict[str, Any]]:
    """16 trials of 0.5 s on 4 processes, undisturbed and with one worker SIGKILLed mid-trial
    (default heartbeat settings: a 30 s grace)."""
    rows = []
    for label, flag in (("undisturbed", None), ("one worker SIGKILLed", folder / "victim")):
        start = time.perf_counter()
        done = _crash_run(f"sqlite:///{folder / f'crash{flag is not None}.db'}", flag)
        rows.append({"run": label, "seconds": time.perf_counter() - start,
                     "complete configurations": len(set(done))})
    return rows


def _table(rows: list[dict[str, Any]]) -> str:
    keys = list(rows[0])
    cells = [[f"{r[k]:.3g}" if isinstance(r[k], float) else str(r[k]) for k in keys] for r in rows]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    lines = ["  ".join(k.ljust(w) for k, w in zip(keys, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer trials (a smoke run)")
    args = parser.parse_args()
    logging.getLogger("tiaocan").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as folder:
        print(f"1. Real workers, one SQLite file, {PAUSE * 1e3:.0f} ms objective "
              f"({os.cpu_count()} CPUs)\n")
        print(_table(real_workers(Path(folder), args.quick)), "\n", flush=True)
        print("2. A worker killed: 4 processes, 16 trials of 0.5 s, default heartbeats\n")
        print(_table(crash_cost(Path(folder))), "\n", flush=True)
    print("3. Utilisation, 32 simulated workers\n")
    print(_table(utilisation(args.quick)), "\n", flush=True)
    print("4. Simulated workers, random durations: framework CPU per trial\n")
    print(_table(many_workers(args.quick)))


if __name__ == "__main__":
    main()
