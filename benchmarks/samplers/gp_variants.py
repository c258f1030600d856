"""The GP-fit variants of ``gp_variants.md`` ("C and D on 10 seeds"), from stored runs.

    python -m benchmarks.samplers.gp_variants

Each variant's runs of ``auto`` (``gp_variants_runs.json``: seeds 0..9 at 50 evaluations,
seeds 0..2 at 100) replace the stored ones in the broad suite's tables, the peers' runs
unchanged; the adopted fit is ``auto`` as stored (``auto10_runs.json``, ``broad100_runs.json``).
Counted as in ``broad.md``: ranks among the optimizers run on all ten seeds.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.problems import BROAD, HELD_OUT
from benchmarks.samplers.broad import OPTUNA, RESULTS, TEN_SEED_FILES, TEN_SEEDS, _no_worse, _ranks, load
from benchmarks.samplers.runner import load_runs

__all__ = ["variant_table"]

#: label → (runs at 50 evaluations, runs at 100) in gp_variants_runs.json; None: as stored.
VARIANTS = {"one start, noise 0.01": ("one start, 50", "one start, 100"),
            "two starts (adopted)": (None, None),
            "one start, noise 1": ("noise-1 start, 50", "noise-1 start, 100")}


def _counts(curves: dict, problems: list[str], evals: int, peers: list[str]) -> int:
    return sum(_no_worse(curves, p, evals, peers) for p in problems)


def variant_table(results: Path = RESULTS) -> str:
    stored = load_runs(results / "gp_variants_runs.json")
    lines = ["| auto's GP fit | rank @25 | ≤ Optuna GP @25 | rank @50 | ≤ Optuna GP @50 | "
             "≤ every Optuna sampler @50 | held-out ≤ every Optuna sampler @50 | rank @100 | "
             "≤ Optuna GP @100 |", "|---" * 9 + "|"]
    for label, (at50, at100) in VARIANTS.items():
        ten = load(results, 10, BROAD, TEN_SEED_FILES, stored.get(at50) if at50 else None)
        ten = {p: {o: c for o, c in per.items() if o in TEN_SEEDS and c.shape[0] == 10}
               for p, per in ten.items()}
        probs = [p for p in BROAD if len(ten.get(p, {})) == len(TEN_SEEDS)]
        three = load(results, 3, BROAD, (), stored.get(at100) if at100 else None)
        row = []
        for evals in (25, 50):
            row += [f"{_ranks(ten, probs, TEN_SEEDS, evals)['tiaocan_auto']:.2f}",
                    f"{_counts(ten, probs, evals, ['optuna_gp'])}/{len(probs)}"]
        held = [p for p in probs if p in HELD_OUT]
        row += [f"{_counts(ten, probs, 50, OPTUNA)}/{len(probs)}",
                f"{_counts(ten, held, 50, OPTUNA)}/{len(held)}",
                f"{_ranks(three, BROAD, TEN_SEEDS, 100)['tiaocan_auto']:.2f}",
                f"{_counts(three, BROAD, 100, ['optuna_gp'])}/{len(BROAD)}"]
        lines.append(f"| {label} | " + " | ".join(row) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(variant_table())
