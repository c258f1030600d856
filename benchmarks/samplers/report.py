"""Regret tables, mean ranks and anytime-regret plots from the stored runs."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from benchmarks.problems import get_problem

__all__ = ["plot_curves", "rank_table", "regret_curves", "regret_table"]

FLOOR = 1e-12  # regrets below this count as solved


def regret_curves(runs: dict[str, dict]) -> dict[str, dict[str, np.ndarray]]:
    """problem → optimizer → (seeds, budget) best-so-far regret."""
    by_problem: dict[str, dict[str, list[list[float]]]] = defaultdict(lambda: defaultdict(list))
    for key, run in runs.items():
        pname, opt, _ = key.split("/")
        by_problem[pname][opt].append(run["values"])
    out: dict[str, dict[str, np.ndarray]] = {}
    for pname, per_opt in by_problem.items():
        optimum = get_problem(pname).optimum
        if optimum is None:  # unknown optimum: the best value any optimizer found in this run
            optimum = min(min(v) for vals in per_opt.values() for v in vals if v)
        out[pname] = {}
        for opt, vals in per_opt.items():
            n = min(len(v) for v in vals)
            arr = np.array([np.minimum.accumulate(v[:n]) for v in vals])
            out[pname][opt] = np.maximum(arr - optimum, FLOOR)
    return out


def _at(curve: np.ndarray, evals: int) -> np.ndarray:
    return curve[:, min(evals, curve.shape[1]) - 1]


def regret_table(curves: dict[str, dict[str, np.ndarray]], evals: int) -> str:
    """Markdown: median [Q1, Q3] final regret per problem (rows) and optimizer (columns)."""
    opts = sorted({o for per in curves.values() for o in per}, key=_order)
    lines = [f"| problem (regret at {evals}) | " + " | ".join(opts) + " |",
             "|---" * (len(opts) + 1) + "|"]
    for pname, per in curves.items():
        cells = []
        best = min(np.median(_at(c, evals)) for c in per.values())
        for o in opts:
            if o not in per:
                cells.append("–")
                continue
            r = _at(per[o], evals)
            q1, med, q3 = np.percentile(r, [25, 50, 75])
            mark = "**" if med <= best * (1 + 1e-9) else ""
            cells.append(f"{mark}{med:.3g}{mark} [{q1:.2g}, {q3:.2g}]")
        lines.append(f"| {pname} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def mean_ranks(curves: dict[str, dict[str, np.ndarray]], evals: int) -> dict[str, float]:
    """Mean over problems of each optimizer's rank by median regret (ties share the mean rank).

    Only problems on which every optimizer has runs count: a rank among fewer optimizers
    would flatter the ones present."""
    from scipy.stats import rankdata

    opts = sorted({o for per in curves.values() for o in per}, key=_order)
    ranks = defaultdict(list)
    for per in complete_problems(curves).values():
        meds = [np.median(_at(per[o], evals)) for o in opts]
        for o, r in zip(opts, rankdata(meds)):
            ranks[o].append(float(r))
    return {o: float(np.mean(ranks[o])) if ranks[o] else float("nan") for o in opts}


def complete_problems(curves: dict[str, dict[str, np.ndarray]]) -> dict[str, dict[str, np.ndarray]]:
    """The problems on which every optimizer of the run has runs."""
    opts = {o for per in curves.values() for o in per}
    return {p: per for p, per in curves.items() if opts <= set(per)}


def rank_table(curves: dict[str, dict[str, np.ndarray]], checkpoints: list[int]) -> str:
    per_cp = {cp: mean_ranks(curves, cp) for cp in checkpoints}
    opts = sorted(per_cp[checkpoints[-1]], key=lambda o: per_cp[checkpoints[-1]][o])
    used = sorted(complete_problems(curves))
    left = sorted(set(curves) - set(used))
    lines = [f"Over {len(used)} problems ({', '.join(used)})"
             + (f"; left out, some optimizer has no runs: {', '.join(left)}" if left else "") + ".\n",
             "| optimizer | " + " | ".join(f"mean rank @{cp}" for cp in checkpoints) + " |",
             "|---" * (len(checkpoints) + 1) + "|"]
    for o in opts:
        lines.append(f"| {o} | " + " | ".join(f"{per_cp[cp][o]:.2f}" for cp in checkpoints) + " |")
    return "\n".join(lines)


def random_check(curves: dict[str, dict[str, np.ndarray]], evals: int, who: str = "tiaocan_auto") -> str:
    """Problems where ``who``'s median regret is worse than a random search's."""
    worse = []
    for pname, per in curves.items():
        if who not in per:
            continue
        mine = np.median(_at(per[who], evals))
        for rnd in ("tiaocan_random", "optuna_random"):
            if rnd in per and mine > np.median(_at(per[rnd], evals)):
                worse.append(f"{pname} (vs {rnd})")
    return ", ".join(worse) if worse else "none"


def plot_curves(curves: dict[str, dict[str, np.ndarray]], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    for pname, per in curves.items():
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for o in sorted(per, key=_order):
            c = per[o]
            x = np.arange(1, c.shape[1] + 1)
            style = "-" if o.startswith("tiaocan") else "--"
            ax.plot(x, np.median(c, axis=0), style, label=o, lw=2 if o == "tiaocan_auto" else 1)
        ax.set(yscale="log", xlabel="evaluations", ylabel="regret (median over seeds)", title=pname)
        ax.legend(fontsize=6, ncol=2)
        fig.tight_layout()
        path = out / f"regret_{pname}.png"
        fig.savefig(path, dpi=90)
        plt.close(fig)
        paths.append(path)
    return paths


def _order(name: str) -> tuple[int, str]:
    return (0 if name == "tiaocan_auto" else 1 if name.startswith("tiaocan") else 2, name)
