"""Anytime regret: median curves, the tables at 25/50/100 % of the time, time-to-target, PNG."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["format_tables", "format_time_to_target", "format_verdict", "is_peer", "plot", "regret_curve",
           "summarise"]

FRACTIONS = (0.25, 0.5, 1.0)
BASELINE = "random (full budget)"
PEER_PREFIXES = ("optuna", "synetune", "dehb")  # method-name prefixes of the peer libraries


def is_peer(method: str) -> bool:
    return method.startswith(PEER_PREFIXES)


def regret_curve(trace: Sequence[Sequence[float]], optimum: float, grid: np.ndarray) -> np.ndarray:
    """Regret of the incumbent (best full-budget loss so far) at each time of ``grid``
    (inf before the first full-budget evaluation)."""
    out = np.full(len(grid), np.inf)
    if not trace:
        return out
    times = np.array([t for t, _ in trace])
    best = np.minimum.accumulate(np.array([v for _, v in trace]) - optimum)
    idx = np.searchsorted(times, grid, side="right") - 1
    ok = idx >= 0
    out[ok] = best[idx[ok]]
    return np.maximum(out, 0.0)


def _first_time(curve: np.ndarray, grid: np.ndarray, target: float) -> float:
    hit = np.flatnonzero(curve <= target + 1e-12)
    return float(grid[hit[0]]) if hit.size else float("inf")


def summarise(results: dict[tuple[str, int, str], list[np.ndarray]], grid: np.ndarray,
              targets: dict[tuple[str, int], float] | None = None, target_source: str = ""
              ) -> dict[tuple[str, int], dict[str, Any]]:
    """Per (problem, workers): median regret at the fractions, time to the random target
    (random's final median regret here, or ``targets`` from another run, ``target_source``)."""
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for problem, workers in sorted({(p, w) for p, w, _ in results}):
        methods = sorted(m for p, w, m in results if (p, w) == (problem, workers))
        medians = {m: np.median(np.vstack(results[(problem, workers, m)]), axis=0) for m in methods}
        target = float(medians[BASELINE][-1]) if BASELINE in medians else float("nan")
        if targets and (problem, workers) in targets:
            target = targets[(problem, workers)]
        rows = {}
        for m in methods:
            at = [float(medians[m][min(len(grid) - 1, round(f * (len(grid) - 1)))]) for f in FRACTIONS]
            rows[m] = {"regret": at, "time_to_target": _first_time(medians[m], grid, target) / grid[-1],
                       "median_curve": medians[m].tolist()}
        out[(problem, workers)] = {"target": target, "target_source": target_source, "methods": rows}
    return out


def format_tables(summary: dict[tuple[str, int], dict[str, Any]]) -> str:
    lines = []
    for (problem, workers), block in summary.items():
        source = f" in {block['target_source']}" if block.get("target_source") else ""
        lines.append(f"\n### {problem}, {workers} worker(s) — target (random's final median "
                     f"regret{source}) {block['target']:.4g}")
        lines.append("| method | regret @25% | @50% | @100% | time to target (fraction of T) |")
        lines.append("|---|---|---|---|---|")
        rows = block["methods"]
        for m, row in sorted(rows.items(), key=lambda kv: kv[1]["regret"][-1]):
            r = " | ".join(f"{v:.4g}" for v in row["regret"])
            t = row["time_to_target"]
            lines.append(f"| {m} | {r} | {'never' if not np.isfinite(t) else f'{t:.3f}'} |")
    return "\n".join(lines)


def _fmt_t(t: float) -> str:
    return "never" if not np.isfinite(t) else f"{t:.3f}"


def _best(rows: dict[str, Any]) -> tuple[list[float], str, tuple[str, float]]:
    """Best median regret at each fraction, the method best at 100 %, the fastest to target."""
    best = [min(r["regret"][i] for r in rows.values()) for i in range(len(FRACTIONS))]
    final = min(rows, key=lambda m: (rows[m]["regret"][-1], rows[m]["time_to_target"]))
    fastest = min(rows.items(), key=lambda kv: (kv[1]["time_to_target"], kv[1]["regret"][-1]))
    return best, final, (fastest[0], fastest[1]["time_to_target"])


def format_verdict(summary: dict[tuple[str, int], dict[str, Any]]) -> str:
    """The bars: best tiaocan method vs the random target, and tiaocan's BOHB-or-better vs the
    best peer (Optuna, Syne Tune, DEHB) at 25/50/100 % of the time."""
    header = ("| problem | workers | fastest tc to target (≤ 0.333?) | fastest peer to target | "
              "tc best @25/50/100% (best @100%) | peer best @25/50/100% (best @100%) | tc ≤ peer at |")
    lines = ["\n### Bars: best tiaocan vs random target and vs best peer (median regret)",
             header, "|---|---|---|---|---|---|---|"]
    for (problem, workers), block in summary.items():
        rows = block["methods"]
        tc_rows = {m: r for m, r in rows.items() if m.startswith("tc ")}
        peers = {m: r for m, r in rows.items() if is_peer(m)}
        if not tc_rows or not peers:
            continue
        tc_best, tc_final, tc_fast = _best(tc_rows)
        peer_best, peer_final, peer_fast = _best(peers)
        wins = [f"{int(f * 100)}%" for f, a, b in zip(FRACTIONS, tc_best, peer_best) if a <= b + 1e-12]
        lines.append(f"| {problem} | {workers} | {tc_fast[0]}: {_fmt_t(tc_fast[1])} | "
                     f"{peer_fast[0]}: {_fmt_t(peer_fast[1])} | "
                     + " / ".join(f"{v:.3g}" for v in tc_best) + f" ({tc_final}) | "
                     + " / ".join(f"{v:.3g}" for v in peer_best) + f" ({peer_final}) | "
                     + f"{', '.join(wins) or 'none'} |")
    return "\n".join(lines)


def format_time_to_target(summary: dict[tuple[str, int], dict[str, Any]]) -> str:
    """One row per method: the fraction of T it needs to reach random's final median regret,
    per (problem, workers) cell, and in how many cells it gets there at all."""
    cells = list(summary)
    methods = sorted({m for block in summary.values() for m in block["methods"]})
    head = " | ".join(f"{p.removeprefix('mf_')} {w}w" for p, w in cells)
    lines = ["\n### Time to random's final median regret (fraction of T; per method)",
             f"| method | {head} | reached |", "|---" * (len(cells) + 2) + "|"]
    for m in methods:
        ts = [summary[c]["methods"].get(m, {}).get("time_to_target", float("inf")) for c in cells]
        reached = sum(bool(np.isfinite(t)) for t in ts)
        lines.append(f"| {m} | " + " | ".join(_fmt_t(t) for t in ts) + f" | {reached}/{len(cells)} |")
    return "\n".join(lines)


def plot(summary: dict[tuple[str, int], dict[str, Any]], grid: np.ndarray, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = list(summary)
    names = sorted({m for block in summary.values() for m in block["methods"]})
    colors = {m: plt.get_cmap("tab20")(i % 20) for i, m in enumerate(names)}
    problems = sorted({p for p, _ in keys})
    workers = sorted({w for _, w in keys})
    fig, axes = plt.subplots(len(problems), len(workers), figsize=(6 * len(workers), 3.2 * len(problems)),
                             squeeze=False)
    for i, p in enumerate(problems):
        for j, w in enumerate(workers):
            ax = axes[i][j]
            block = summary.get((p, w))
            if block is None:
                continue
            for m, row in sorted(block["methods"].items()):
                curve = np.array(row["median_curve"])
                style = "--" if is_peer(m) else (":" if m == BASELINE else "-")
                ax.plot(grid / grid[-1], np.where(np.isfinite(curve), curve, np.nan), style, label=m,
                        color=colors[m])  # one colour per method across panels (13 > 10 defaults)
            ax.set_yscale("log")
            ax.set_title(f"{p}, {w} worker(s)", fontsize=9)
            ax.set_xlabel("simulated wall-clock time / budget T", fontsize=8)
            ax.set_ylabel("median regret", fontsize=8)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
