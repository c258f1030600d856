"""Ask+tell overhead per trial: tiaocan against Optuna, same space, same storage kinds.

    python -m benchmarks.overhead [--sizes 1000 10000] [--no-postgres]

Random sampler, five parameters, a trivial objective: what is left is the framework's own
cost of proposing and recording a trial. For each storage (in memory, a SQLite file, a
PostgreSQL server started for the run) and study size N, it reports the mean milliseconds
per ask+tell over a whole run of N trials, and over the last 100 (the marginal cost at N).
Runs longer than ``--prefill-above`` trials start from a study pre-filled with N - 100
complete trials through each library's bulk path (tiaocan's storage, Optuna's
``add_trials``) and read once, so only the marginal cost is measured there.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import tiaocan as tc

SPACE = tc.Space(
    lr=tc.Float(1e-5, 1e-1, log=True),
    dropout=tc.Float(0.0, 0.5),
    layers=tc.Int(1, 8),
    batch=tc.Int(8, 256, log=True),
    opt=tc.Categorical(["sgd", "momentum", "adam"]),
)


def _time_loop(step: Callable[[int], None], n: int) -> tuple[float, float]:
    marks = []
    start = time.perf_counter()
    for i in range(n):
        if i == n - 100:
            marks.append(time.perf_counter())
        step(i)
    end = time.perf_counter()
    tail_start = marks[0] if marks else start
    return (end - start) / n * 1e3, (end - tail_start) / min(100, n) * 1e3


def run_tiaocan(url: str, n: int, prefill: int = 0) -> tuple[float, float]:
    study = tc.create_study(space=SPACE, storage=url, sampler="random", seed=0)
    rng = np.random.default_rng(1)
    for _ in range(prefill):
        params = SPACE.sample(rng)
        t = study.storage.create_trial(study.study_id, params=params, state=tc.TrialState.RUNNING)
        study.storage.update_trial(t.trial_id, state=tc.TrialState.COMPLETE, values=(params["lr"],))
    n -= prefill
    _ = study.trials  # both libraries read a pre-filled study once before the timing starts

    def step(i: int) -> None:
        trial = study.ask()
        study.tell(trial, trial.params["lr"])

    return _time_loop(step, n)


def run_optuna(url: str | None, n: int, prefill: int = 0) -> tuple[float, float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    dists = {
        "lr": optuna.distributions.FloatDistribution(1e-5, 1e-1, log=True),
        "dropout": optuna.distributions.FloatDistribution(0.0, 0.5),
        "layers": optuna.distributions.IntDistribution(1, 8),
        "batch": optuna.distributions.IntDistribution(8, 256, log=True),
        "opt": optuna.distributions.CategoricalDistribution(["sgd", "momentum", "adam"]),
    }
    storage = optuna.storages.RDBStorage(url) if url else None
    study = optuna.create_study(storage=storage, sampler=optuna.samplers.RandomSampler(seed=0))
    rng = np.random.default_rng(1)
    filled = []
    for _ in range(prefill):
        params = SPACE.sample(rng)
        filled.append(optuna.trial.create_trial(params=params, distributions=dists, value=params["lr"]))
    if filled:
        study.add_trials(filled)
    n -= prefill
    _ = study.trials

    def step(i: int) -> None:
        trial = study.ask(dists)
        study.tell(trial, trial.params["lr"])

    return _time_loop(step, n)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--prefill-above", type=int, default=2000,
                        help="pre-fill studies larger than this, then time the last 100 trials")
    args = parser.parse_args(argv)
    logging.getLogger("tiaocan").setLevel(logging.ERROR)
    tmp = Path(tempfile.mkdtemp(prefix="tiaocan-bench-"))
    server = None
    kinds: list[tuple[str, Callable[[], str], Callable[[], str | None]]] = [
        ("in-memory", lambda: ":memory:", lambda: None),
    ]
    counter = iter(range(10**6))

    def sqlite_url() -> str:
        return f"sqlite:///{tmp / f'b{next(counter)}.db'}"

    kinds.append(("sqlite", sqlite_url, sqlite_url))
    if not args.no_postgres:
        try:
            from tests._services import PostgresServer

            server = PostgresServer()
            kinds.append(("postgresql", server.new_database, server.new_database))
        except BaseException as exc:  # pytest's skip is a BaseException
            print(f"(PostgreSQL rows skipped: {exc})")
    rows = []
    try:
        for kind, ours, theirs in kinds:
            for n in args.sizes:
                prefill = n - 100 if n > args.prefill_above else 0
                t_mean, t_tail = run_tiaocan(ours(), n, prefill)
                o_mean, o_tail = run_optuna(theirs(), n, prefill)
                rows.append((kind, n, t_mean, o_mean, o_mean / t_mean, t_tail, o_tail, o_tail / t_tail))
                print(f"  {kind:<10} {n:>6}: tiaocan {t_mean:.3f} ms, optuna {o_mean:.3f} ms", flush=True)
    finally:
        if server is not None:
            server.stop()
    header = ("| storage | trials | tiaocan ms/trial | Optuna ms/trial | speed-up | "
              "tiaocan last-100 | Optuna last-100 | speed-up |")
    lines = [header, "|" + "---|" * 8]
    for kind, n, tm, om, r, tt, ot, rt in rows:
        whole = f"{tm:.3f} | {om:.3f} | {r:.1f}×" if n <= args.prefill_above else "(pre-filled) | | "
        lines.append(f"| {kind} | {n} | {whole} | {tt:.3f} | {ot:.3f} | {rt:.1f}× |")
    table = "\n".join(lines)
    print()
    print(table)
    out = Path(__file__).parent / "results" / "overhead.md"
    out.write_text("# ask+tell overhead (random sampler, 5 parameters)\n\n" + table + "\n")


if __name__ == "__main__":
    main()
