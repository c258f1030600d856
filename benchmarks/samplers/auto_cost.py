"""``auto``'s cost rule on a real 10 ms objective: its total proposal time over 500 trials.

    python -m benchmarks.samplers.auto_cost [--trials 500] [--objective-ms 10]

The objective is the 10-parameter function of :mod:`benchmarks.samplers.overhead` plus a
10 ms wait (the time of a small model's evaluation), so the objective's time is what the loop
measures. Printed: the total time of ``auto``'s proposals against the objective's total (the
bar: at most ``max_cost_fraction``, 0.25), the samplers it used and where it switched, and
the same study with the cost rule off (``max_cost_fraction=None``) for the price it avoided.
Times are wall-clock, as ``auto`` sees them, on whatever load the machine has.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import tiaocan as tc
from benchmarks.samplers.overhead import SPACE, _objective

__all__ = ["measure_auto_cost"]


def _run(trials: int, objective_s: float, fraction: float | None) -> dict:
    def objective(t: tc.Trial) -> float:
        time.sleep(objective_s)
        return _objective(t.params)

    study = tc.create_study(space=SPACE, storage=":memory:", seed=0,
                            sampler=tc.samplers.AutoSampler(max_cost_fraction=fraction))
    study.optimize(objective, n_trials=trials, show_progress=False)
    done = [t for t in study.trials if t.completed_at is not None and t.started_at is not None]
    propose = sum(float(t.system_attrs.get("propose_seconds", 0.0)) for t in study.trials)
    spent = sum(t.completed_at - t.started_at for t in done)
    chosen = [(t.system_attrs.get("sampler") or {}).get("auto", {}).get("chose", "startup")
              for t in study.trials]
    switches = [f"{chosen[i - 1]}→{c} at trial {i}" for i, c in enumerate(chosen) if i and c != chosen[i - 1]]
    return {"propose": propose, "objective": spent, "fraction": propose / spent, "used": Counter(chosen),
            "switches": switches, "best": study.best_trial.value}


def measure_auto_cost(trials: int = 500, objective_ms: float = 10.0, fraction: float = 0.25) -> str:
    header = ("| auto | trials | objective total (s) | proposals total (s) | proposals / objective | "
              "samplers used | switches | best value |")
    rows = [header, "|---" * 8 + "|"]
    for frac in (fraction, None):
        r = _run(trials, objective_ms / 1e3, frac)
        used = ", ".join(f"{k} {v}" for k, v in r["used"].most_common())
        rows.append(f"| max_cost_fraction={frac} | {trials} | {r['objective']:.2f} | {r['propose']:.2f} | "
                    f"**{r['fraction']:.3f}** | {used} | {'; '.join(r['switches']) or 'none'} | "
                    f"{r['best']:.4g} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.samplers.auto_cost", description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=500)
    ap.add_argument("--objective-ms", type=float, default=10.0)
    args = ap.parse_args(argv)
    print(measure_auto_cost(args.trials, args.objective_ms))


if __name__ == "__main__":
    main()
