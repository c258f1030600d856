"""The broad suite's report: regret and mean rank at 25/50/100 evaluations, auto against Optuna.

    python -m benchmarks.samplers --suite broad --budget 50 --seeds 3 --no-overhead \\
        --runs benchmarks/results/samplers/broad_runs.json     # run (resumes; splittable by seed)
    python -m benchmarks.samplers.broad                         # write broad.md from stored runs

Runs come from ``runs.json`` (the classic suite, 100 evaluations), ``broad_runs.json`` (the
problems added by the broad suite, and tiaocan's GP and auto on all, 50 evaluations) and
``broad100_runs.json`` (the same at 100 evaluations), a later file replacing a key of an
earlier one; seeds 3..9 at 50 evaluations in ``heldout10_runs.json`` (held-out problems) and
``broad10_runs.json`` (the others) for the ten-seed tables; the held-out problems to 200
evaluations, every optimizer rerun, in ``heldout200_runs.json``. Ranks count only the problems on
which every optimizer of the table has runs;
an optimizer with no run that long anywhere (tiaocan's GP at 100: ``auto`` *is* that GP up
to 200 trials, and their values were identical on all 111 runs at 50) leaves that column.
Problems in :data:`~benchmarks.problems.HELD_OUT` were not looked at when ``auto``'s rules
were set and are reported apart. The "shape" table is the evidence
behind those rules: which of tiaocan's own samplers wins on which kind of space.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import tiaocan as tc
from benchmarks.problems import BROAD, HELD_OUT, get_problem
from benchmarks.samplers.report import regret_curves, regret_table
from benchmarks.samplers.runner import load_runs

__all__ = ["main", "shape"]

#: The optimizers of the tables, tiaocan's first.
RANKED = ["tiaocan_auto", "tiaocan_gp", "tiaocan_tpe", "tiaocan_random", "optuna_gp", "optuna_tpe",
          "optuna_cmaes", "nevergrad_ngopt", "smac_hpo"]
OPTUNA = ["optuna_gp", "optuna_tpe", "optuna_cmaes"]
OURS = ["tiaocan_gp", "tiaocan_tpe", "tiaocan_cmaes", "tiaocan_random"]
RESULTS = Path("benchmarks/results/samplers")


def shape(problem_name: str) -> str:
    """The space's shape in the terms ``auto`` can see (plus noise, which it cannot)."""
    from tiaocan.samplers.gp import is_ordinal

    p = get_problem(problem_name)
    kinds = {"float": 0, "int": 0, "ordinal": 0, "nominal": 0}
    for par in p.space.values():
        if isinstance(par, tc.Categorical):
            kinds["ordinal" if is_ordinal(par.choices) else "nominal"] += 1
        else:
            kinds["int" if isinstance(par, tc.Int) else "float"] += 1
    parts = [f"{n} {k}" for k, n in kinds.items() if n]
    extra = (["conditional"] if p.space.is_conditional else []) + (["noisy"] if p.noise else [])
    return f"{len(p.space)}-D: " + ", ".join(parts + extra)


def _median(curves: dict, pname: str, opt: str, evals: int) -> float:
    c = curves[pname][opt]
    return float(np.median(c[:, min(evals, c.shape[1]) - 1]))


def _complete(curves: dict, problems: list[str], opts: list[str], evals: int) -> list[str]:
    return [p for p in problems if p in curves and all(
        o in curves[p] and curves[p][o].shape[1] >= evals for o in opts)]


def _ranks(curves: dict, problems: list[str], opts: list[str], evals: int) -> dict[str, float]:
    from scipy.stats import rankdata

    per = {o: [] for o in opts}
    for p in problems:
        for o, r in zip(opts, rankdata([_median(curves, p, o, evals) for o in opts])):
            per[o].append(float(r))
    return {o: float(np.mean(v)) if v else float("nan") for o, v in per.items()}


def _no_worse(curves: dict, p: str, evals: int, peers: list[str]) -> bool:
    mine = _median(curves, p, "tiaocan_auto", evals)
    return all(mine <= _median(curves, p, o, evals) * (1 + 1e-9) + 1e-12 for o in peers)


def rank_section(curves: dict, problems: list[str], title: str, checkpoints: list[int],
                 optimizers: list[str] = RANKED) -> str:
    lines = [f"### {title}\n"]
    table, used = {}, {}
    ranked = {}
    for cp in checkpoints:
        ranked[cp] = [o for o in optimizers if any(
            o in curves.get(p, {}) and curves[p][o].shape[1] >= cp for p in problems)]
        used[cp] = _complete(curves, problems, ranked[cp], cp)
        table[cp] = _ranks(curves, used[cp], ranked[cp], cp)
    checkpoints = [cp for cp in checkpoints if used[cp]] or checkpoints[:1]  # runs that stop at 50
    header = "| optimizer | " + " | ".join(f"@{cp}" for cp in checkpoints) + " |"
    lines += [" ".join(f"@{cp}: {len(used[cp])} problems." for cp in checkpoints) + "\n", header,
              "|---" * (len(checkpoints) + 1) + "|"]
    order = sorted(optimizers, key=lambda o: table[checkpoints[min(1, len(checkpoints) - 1)]][o])
    for o in order:
        lines.append(f"| {o} | " + " | ".join(f"{table[cp][o]:.2f}" if o in table[cp] else "–"
                                              for cp in checkpoints) + " |")
    for cp in checkpoints:
        ps = used[cp]
        if not ps or "tiaocan_auto" not in ranked[cp]:
            continue
        gp = [p for p in ps if _no_worse(curves, p, cp, ["optuna_gp"])]
        every = [p for p in ps if _no_worse(curves, p, cp, OPTUNA)]
        lines.append(f"\n@{cp}: auto ≤ Optuna GP on {len(gp)}/{len(ps)} ({100 * len(gp) / len(ps):.0f} %); "
                     f"≤ every Optuna sampler on {len(every)}/{len(ps)} ({100 * len(every) / len(ps):.0f} %)."
                     f" Worse than Optuna GP on: {', '.join(sorted(set(ps) - set(gp))) or 'none'}.")
    return "\n".join(lines) + "\n"


def shape_section(curves: dict, problems: list[str], evals: int) -> str:
    """Per problem: its shape, tiaocan's own samplers' median regret and which one wins."""
    opts = [o for o in OURS if all(o in curves.get(p, {}) for p in problems)]
    lines = ["| problem | shape | " + " | ".join(opts) + " | best of ours | auto |",
             "|---" * (len(opts) + 4) + "|"]
    for p in problems:
        if p not in curves or not all(o in curves[p] for o in opts + ["tiaocan_auto"]):
            continue
        meds = {o: _median(curves, p, o, evals) for o in opts}
        best = min(meds, key=meds.get)
        lines.append(f"| {p} | {shape(p)} | " + " | ".join(f"{meds[o]:.3g}" for o in opts)
                     + f" | {best} | {_median(curves, p, 'tiaocan_auto', evals):.3g} |")
    return "\n".join(lines) + "\n"


def load(results: Path = RESULTS, seeds: int = 3, problems: list[str] = BROAD,
         extra: tuple[str, ...] = (), override: dict[str, dict] | None = None
         ) -> dict[str, dict[str, np.ndarray]]:
    """Curves of seeds 0..seeds-1; a run in ``broad_runs.json`` replaces the same key in
    ``runs.json`` (tiaocan's GP and auto rerun at the commit measured), and so on down;
    ``override`` (runs keyed alike) last."""
    runs: dict[str, dict] = {}
    for name in ("runs.json", "broad_runs.json", "broad100_runs.json", *extra):
        runs.update(load_runs(results / name))
    runs.update(override or {})
    runs = {k: v for k, v in runs.items() if k.split("/")[0] in problems and int(k.split("/")[2]) < seeds}
    return regret_curves(runs)


#: Seeds 3..9 at 50 evaluations (seeds 0..2 are in the files above): the held-out problems,
#: then the problems shown; last, ``auto`` on all ten seeds rerun at the commit measured
#: (exact search over every integer's values), which replaces its earlier runs.
TEN_SEED_FILES = ("heldout10_runs.json", "broad10_runs.json", "auto10_runs.json")
#: The optimizers run on all ten; tiaocan's GP is ``auto`` below 200 trials.
TEN_SEEDS = [o for o in RANKED if o != "tiaocan_gp"]


def ten_seeds(results: Path = RESULTS) -> str:
    """Every problem stored on ten seeds, at 25 and 50 evaluations; HEBO where it was run."""
    files = tuple(f for f in TEN_SEED_FILES if (results / f).exists())
    if not files:
        return ""
    curves = load(results, 10, BROAD, files)
    curves = {p: {o: c for o, c in per.items() if o in TEN_SEEDS and c.shape[0] == 10} for p, per in curves.items()}
    ten = [p for p in BROAD if len(curves.get(p, {})) == len(TEN_SEEDS)]
    curves = {p: curves[p] for p in ten}
    text = rank_section(curves, ten, "All problems, 10 seeds", [25, 50], TEN_SEEDS) + "\n"
    for title, group in (("Problems shown when the rules were set", [p for p in ten if p not in HELD_OUT]),
                         ("Held-out problems", [p for p in ten if p in HELD_OUT])):
        text += rank_section(curves, group, f"{title}, 10 seeds", [25, 50], TEN_SEEDS) + "\n"
    text += f"#### Median regret [Q1, Q3] at 50 evaluations, 10 seeds\n\n{regret_table(curves, 50)}\n"
    hebo = load(results, 3, HELD_OUT, ("hebo_runs.json",))
    if any("hebo" in per for per in hebo.values()):
        opts = TEN_SEEDS + ["hebo"]
        text += "\n" + rank_section(hebo, HELD_OUT, "Held-out problems with HEBO, seeds 0-2", [25, 50], opts)
        sub = {p: {o: c for o, c in per.items() if o in opts} for p, per in hebo.items()}
        text += f"\n#### Median regret at 50 evaluations, seeds 0-2\n\n{regret_table(sub, 50)}\n"
    return text


#: The held-out problems run to 200 evaluations (seeds 0..2), every optimizer in one file.
LONG_FILE = "heldout200_runs.json"


def held_out_long(results: Path = RESULTS) -> str:
    """The held-out problems at 25 to 200 evaluations, from their own 200-evaluation runs."""
    if not (results / LONG_FILE).exists():
        return ""
    curves = regret_curves(load_runs(results / LONG_FILE))
    problems = [p for p in HELD_OUT if p in curves]
    opts = [o for o in TEN_SEEDS if all(o in curves[p] for p in problems)]
    text = rank_section(curves, problems, "Held-out problems to 200 evaluations, seeds 0-2",
                        [25, 50, 100, 200], opts)
    sub = {p: {o: c for o, c in per.items() if o in opts} for p, per in curves.items()}
    return text + f"\n#### Median regret [Q1, Q3] at 200 evaluations, seeds 0-2\n\n{regret_table(sub, 200)}\n"


def main(argv: list[str] | None = None) -> str:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.samplers.broad", description=__doc__.split("\n")[0])
    ap.add_argument("--results", type=Path, default=RESULTS)
    ap.add_argument("--seeds", type=int, default=3, help="seeds 0..n-1 of every problem")
    ap.add_argument("--cost", action="store_true",
                    help="also measure auto's cost rule on a 10 ms objective (a minute or two)")
    ap.add_argument("--note", default="", help="a line added under the title (e.g. the commit measured)")
    args = ap.parse_args(argv)
    curves = load(args.results, args.seeds)
    shown = [p for p in BROAD if p not in HELD_OUT]
    parts = [f"# Broad suite: {len(BROAD)} problems\n", args.note + "\n" if args.note else "",
             ("Median regret of the seeds stored (see the counts below); ranks by median regret, "
              "ties share the mean rank; ≤ means a median regret no larger.\n"),
             "## Mean rank\n",
             rank_section(curves, BROAD, "All problems", [25, 50, 100]),
             rank_section(curves, shown, "Problems shown when the rules were set", [25, 50, 100]),
             rank_section(curves, HELD_OUT, "Held-out problems (never shown)", [25, 50, 100]),
             ten_seeds(args.results), held_out_long(args.results)]
    seeds = {p: min((per[o].shape[0] for o in per), default=0) for p, per in curves.items()}
    parts.append("Seeds per problem: " + ", ".join(f"{p} {n}" for p, n in seeds.items()) + "\n")
    for cp in (25, 50, 100):
        sub = {p: {o: c for o, c in per.items() if o in RANKED and c.shape[1] >= cp}
               for p, per in curves.items()}
        sub = {p: per for p, per in sub.items() if per}
        parts.append(f"## Median regret [Q1, Q3] at {cp} evaluations\n\n{regret_table(sub, cp)}\n")
    parts.append("## Evidence for auto's rules: tiaocan's samplers by space shape, 50 evaluations "
                 "(problems shown)\n\n" + shape_section(curves, shown, 50))
    parts.append("## Same, at 25 evaluations\n\n" + shape_section(curves, shown, 25))
    if args.cost:
        from benchmarks.samplers.auto_cost import measure_auto_cost

        parts.append("## auto's cost rule: a 10 ms objective, 500 trials (wall-clock, this machine's "
                     "load)\n\n" + measure_auto_cost(500, 10.0) + "\n")
    report = "\n".join(parts)
    (args.results / "broad.md").write_text(report)
    print(report)
    return report


if __name__ == "__main__":
    main()
