"""What the text and image demos share: scheduler choice, prediction files, the ensemble
step and the printed report."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import tiaocan as tc
from tiaocan.recipe.cv import accuracy_score, log_loss
from tiaocan.recipe.ensemble import EnsembleFit, error_rate, greedy_ensemble

__all__ = [
    "DemoReport",
    "EnsembleOutcome",
    "PredictionStore",
    "choose_methods",
    "ensemble_best",
    "ensemble_candidates",
    "study_storage_root",
]


def choose_methods() -> tuple[str | None, str, str]:
    """(sampler, scheduler, note): BOHB when registered (with its own budget-aware TPE),
    else Hyperband with TPE or random, else FIFO."""
    from tiaocan.samplers import SAMPLERS
    from tiaocan.schedulers import SCHEDULERS

    sampler = "tpe" if "tpe" in SAMPLERS else "random"
    if "bohb" in SCHEDULERS:
        return None, "bohb", "BOHB (Hyperband + budget-aware multivariate TPE)"
    if "hyperband" in SCHEDULERS:
        return sampler, "hyperband", f"Hyperband scheduler, {sampler} sampler"
    return sampler, "fifo", f"FIFO scheduler (no Hyperband registered), {sampler} sampler"


def study_storage_root(study: tc.Study) -> Path:
    from tiaocan.storage import artifact_root

    return artifact_root(study.storage) / study.name


class PredictionStore:
    """Out-of-fold and test probabilities of each trial, as ``.npz`` files beside the study
    (worker processes write them; the ensemble step reads them)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def save(self, number: int, oof: np.ndarray, test: np.ndarray) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f"trial-{number}.tmp.npz"
        np.savez_compressed(tmp, oof=oof, test=test)
        tmp.replace(self.root / f"trial-{number}.npz")

    def load(self, number: int) -> tuple[np.ndarray, np.ndarray] | None:
        path = self.root / f"trial-{number}.npz"
        if not path.exists():
            return None
        with np.load(path) as data:
            return data["oof"], data["test"]


@dataclass(frozen=True)
class EnsembleOutcome:
    """The ensemble of the best trials against the best single trial, on held-out data."""

    members: tuple[int, ...]
    fit: EnsembleFit
    single_test_acc: float
    ensemble_test_acc: float
    single_test_loss: float
    ensemble_test_loss: float
    best_number: int
    member_tests: tuple[np.ndarray, ...] = ()  # each member's held-out probabilities


def ensemble_best(study: tc.Study, store: PredictionStore, y_dev: np.ndarray, y_test: np.ndarray,
                  top_k: int = 10) -> EnsembleOutcome | None:
    """Greedy ensemble selection (Caruana et al. 2004, 2006) over the ``top_k`` trials by CV
    score plus the best trial of every other model family (diverse members are what an
    ensemble gains from), starting from the average of the five best, weights fitted on
    out-of-fold predictions, judged on the held-out test set."""
    members, oofs, tests = [], [], []
    for number in ensemble_candidates(study.trials, top_k):
        loaded = store.load(number)
        if loaded is not None:
            members.append(number)
            oofs.append(loaded[0])
            tests.append(loaded[1])
    if not members:
        return None
    # start from the average of the 5 best (Caruana et al. 2006's sorted initialisation): with
    # CV accuracies a few samples apart, which single trial ranks first is largely chance
    fit = greedy_ensemble(oofs, y_dev, loss=error_rate, init_size=min(5, len(oofs)))
    ens = fit.predict(tests)
    best = tests[0]  # the best trial by CV accuracy
    return EnsembleOutcome(tuple(members), fit, accuracy_score(y_test, best),
                           accuracy_score(y_test, ens), log_loss(y_test, best),
                           log_loss(y_test, ens), members[0], tuple(tests))


def ensemble_candidates(trials: Sequence[tc.FrozenTrial], top_k: int = 10) -> list[int]:
    """Trial numbers: the ``top_k`` by CV score (best first), then the best of each model
    family not among them, so every family that finished a trial can enter the ensemble.

    >>> from types import SimpleNamespace as T
    >>> done = tc.TrialState.COMPLETE
    >>> trials = [T(number=i, value=v, state=done, params={"model": m})
    ...           for i, (v, m) in enumerate([(.9, "a"), (.8, "a"), (.7, "b"), (.6, "b")])]
    >>> ensemble_candidates(trials, top_k=1)
    [0, 2]
    """
    finished = [t for t in trials if t.value is not None
                and t.state in (tc.TrialState.COMPLETE, tc.TrialState.PRUNED)]
    ranked = sorted(finished, key=lambda t: -float(t.value or 0.0))
    chosen = ranked[:top_k]
    families = {t.params.get("model") for t in chosen}
    for t in ranked[top_k:]:
        if t.params.get("model") not in families:
            families.add(t.params.get("model"))
            chosen.append(t)
    return [t.number for t in chosen]


@dataclass
class DemoReport:
    """Lines of the final report, printed in one block."""

    title: str
    lines: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.time)

    def add(self, text: str = "") -> None:
        self.lines.append(text)

    def print(self) -> None:
        bar = "=" * 72
        print(f"\n{bar}\n{self.title}  ({time.time() - self.started:.0f} s)\n{bar}")
        for line in self.lines:
            print(line)


def format_params(params: Mapping[str, Any], keys: Sequence[str] | None = None) -> str:
    items = [(k, v) for k, v in params.items() if keys is None or k in keys]
    return ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in items)


def save_summary(root: Path, summary: dict[str, Any]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    path = root / "summary.json"
    path.write_text(json.dumps(summary, indent=2, default=float))
    return path
