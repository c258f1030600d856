"""The demo's study: tune model choice and knobs with k-fold CV under Hyperband/BOHB, keep
each trial's out-of-fold and test predictions, ensemble, and compare with baselines.

A task (text or images) supplies the space, per-fold data, model inputs and its baselines;
this module owns the objective and the order of the steps.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

import tiaocan as tc
from tiaocan.demos.common import (
    DemoReport,
    EnsembleOutcome,
    PredictionStore,
    choose_methods,
    ensemble_best,
    format_params,
    save_summary,
    study_storage_root,
)
from tiaocan.recipe.config import TrainConfig
from tiaocan.recipe.cv import accuracy_score
from tiaocan.recipe.kfold import FoldData, FoldsFit, fit_folds
from tiaocan.recipe.models import Inputs, build_model
from tiaocan.recipe.spaces import lr_of

__all__ = ["Baseline", "DemoTask", "make_objective", "refit_single", "run_config", "run_study"]


class DemoTask(Protocol):
    name: str
    k: int
    y_dev: np.ndarray
    y_test: np.ndarray

    def space(self) -> tc.Space: ...
    def fold_data(self, params: dict[str, Any]) -> list[FoldData]: ...
    def refit_data(self, params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...
    def inputs(self, params: dict[str, Any], fold: int) -> Inputs: ...
    def model_params(self, params: dict[str, Any]) -> dict[str, Any]: ...
    def defaults(self, model: str) -> dict[str, Any]: ...
    def baseline_models(self, best_model: str) -> tuple[str, ...]: ...
    def priors(self) -> list[dict[str, Any]]: ...
    def describe_data(self) -> list[str]: ...
    def extra_baselines(self) -> list[Baseline]: ...


@dataclass(frozen=True)
class Baseline:
    """An untuned model scored on the held-out rows. A ``reference`` is a different, strong
    model family shown for context; the verdict is against the baselines proper."""

    name: str
    test_accuracy: float
    reference: bool = False


def run_config(task: DemoTask, params: dict[str, Any], *, seed: int, epochs: int,
               trial: Any = None, deadline: float | None = None) -> FoldsFit:
    """k-fold training of one configuration (all folds in lockstep)."""
    flat = lr_of(params)
    cfg = TrainConfig.from_params(flat, seed=seed, device="cpu", epochs=epochs)
    folds = task.fold_data(params)
    model_params = task.model_params(flat)

    def build(i: int) -> Any:
        return build_model(model_params, task.inputs(params, i), seed=seed + 1000 * i)

    budget = int(trial.budget) if trial is not None and trial.budget else epochs
    return fit_folds(build, cfg, folds, trial=trial, epochs=budget, metric=accuracy_score,
                     deadline=deadline)


def refit_single(task: DemoTask, params: dict[str, Any], *, seed: int, max_epochs: int,
                 epochs: int) -> np.ndarray:
    """The configuration as one model: trained on every development row for ``epochs`` (the
    epoch its CV curve peaked at, under the same schedule as the fold models), returning its
    held-out class probabilities."""
    from tiaocan.recipe.loop import Trainer

    flat = lr_of(params)
    cfg = TrainConfig.from_params(flat, seed=seed, device="cpu", epochs=max_epochs)
    X, y, X_test = task.refit_data(params)
    model = build_model(task.model_params(flat), task.inputs(params, 0), seed=seed)
    trainer = Trainer(model, cfg, X, y)
    for _ in range(epochs):
        trainer.train_epoch()
    return np.asarray(trainer.predict_proba(X_test))


def make_objective(task: DemoTask, store: PredictionStore, max_epochs: int,
                   deadline: float | None = None) -> Callable[[tc.Trial], float]:
    def objective(trial: tc.Trial) -> float:
        import torch

        torch.set_num_threads(1)  # one core per worker
        out = run_config(task, trial.params, seed=trial.seed, epochs=max_epochs, trial=trial,
                         deadline=deadline)
        if out.test_proba is not None:
            store.save(trial.number, out.cv.oof, out.test_proba)
        trial.set_user_attr("cv_std", out.cv.std)
        trial.set_user_attr("best_epoch", out.best_epoch)
        return out.cv.mean

    return objective


def run_study(task: DemoTask, *, storage: str, seed: int, n_workers: int, timeout: float,
              max_epochs: int, n_trials: int | None = None, min_epochs: int = 1,
              show_progress: bool | None = None) -> dict[str, Any]:
    """Every step of the demo; prints the report and returns its numbers."""
    import torch

    torch.set_num_threads(1)
    report = DemoReport(f"tiaocan demo: {task.name}")
    print(f"{task.name}: inspecting, cleaning, augmenting, building features…", flush=True)
    for line in task.describe_data():
        report.add(line)
    sampler, scheduler, note = choose_methods()
    study = tc.create_study(
        name=f"demo-{task.name}-{time.strftime('%Y%m%d-%H%M%S')}", space=task.space(),
        storage=storage, sampler=sampler, scheduler=scheduler, direction="maximize", seed=seed,
        fidelity=tc.Fidelity("epoch", min_epochs, max_epochs))
    store = PredictionStore(study_storage_root(study) / "predictions")
    priors = task.priors()
    for params in priors:  # "start from a good baseline": the guide's priors first
        study.enqueue(params)
    print(f"tuning {task.name}: {note}, {task.k}-fold CV per trial, up to {timeout:.0f} s on "
          f"{n_workers} worker(s)…", flush=True)
    started = time.time()
    # trials still running at the time limit finish their current epoch and stop there
    deadline = time.monotonic() + timeout
    study.optimize(make_objective(task, store, max_epochs, deadline), n_trials=n_trials,
                   timeout=timeout,
                   n_workers=n_workers, show_progress=show_progress)
    tuned_s = time.time() - started
    return _finish(task, study, store, report, note, tuned_s, seed, max_epochs, len(priors))


def _finish(task: DemoTask, study: tc.Study, store: PredictionStore, report: DemoReport,
            note: str, tuned_s: float, seed: int, max_epochs: int, n_priors: int
            ) -> dict[str, Any]:
    storage = study.storage.url
    trials = study.trials
    states = {s.value: sum(t.state is s for t in trials) for s in tc.TrialState}
    # the best cross-validated accuracy at any budget (a multi-fidelity study's best_trial
    # compares trials at the highest budget only)
    best = max((t for t in trials if t.value is not None), key=lambda t: float(t.value or 0.0))
    report.add(f"study: {len(trials)} trials in {tuned_s:.0f} s ({note}); "
               + ", ".join(f"{v} {k}" for k, v in states.items() if v)
               + ("; trial 0 is the guide's prior configuration" if n_priors == 1 else
                  f"; trials 0-{n_priors - 1} are the guide's prior configurations")
               + f" at the full {max_epochs} epochs")
    report.add(f"best configuration (trial {best.number}, {best.budget or max_epochs} epochs):")
    report.add("  " + format_params(best.params))
    std = float(best.user_attrs.get("cv_std", float("nan")))
    report.add(f"{task.k}-fold CV accuracy of the best: {best.value:.4f} ± {std:.4f}")
    for line in _effects(trials, ("model", "terms", "clean", "augment")):
        report.add(line)
    outcome = ensemble_best(study, store, task.y_dev, task.y_test)
    baselines = _baselines(task, best, seed)
    final = _with_refits(task, study, outcome, seed, max_epochs)
    _ensemble_lines(report, outcome, baselines, final, len(task.y_dev))
    root = study_storage_root(study)
    summary = {"study": study.name, "storage": storage, "best_params": best.params,
               "cv_mean": best.value, "cv_std": std,
               "single_test_acc": final[0] if final else None,
               "ensemble_test_acc": final[1] if final else None,
               "fold_models_only": {"single_test_acc": outcome.single_test_acc,
                                    "ensemble_test_acc": outcome.ensemble_test_acc}
               if outcome else None,
               "baselines": {b.name: b.test_accuracy for b in baselines},
               "n_trials": len(trials), "seconds": time.time() - report.started}
    path = save_summary(root, summary)
    report.add(f"stored in {storage} as study {study.name!r}; predictions and summary in {path.parent}")
    report.add(f"look at it:  tiaocan trials {study.name} --storage {storage}")
    report.add(f"             tiaocan best {study.name} --storage {storage}")
    report.print()
    return summary


def _effects(trials: Sequence[tc.FrozenTrial], names: Sequence[str]) -> list[str]:
    """What each choice did: best CV accuracy (and trials) per value, e.g. cleaning on/off."""
    lines = []
    for name in names:
        groups: dict[str, list[float]] = {}
        for t in trials:
            if t.value is not None and name in t.params:
                groups.setdefault(str(t.params[name]), []).append(float(t.value))
        if len(groups) > 1:
            parts = [f"{k}: {max(v):.4f} ({len(v)})" for k, v in sorted(groups.items())]
            lines.append(f"effect of '{name}' (best CV accuracy, trials): " + ", ".join(parts))
    return lines


def delivered(folds_test: np.ndarray, refit_test: np.ndarray) -> np.ndarray:
    """A configuration's held-out prediction as delivered: the mean of its k fold models'
    average and one model refitted on every development row (the refit sees all the data;
    the fold models add variance reduction)."""
    return np.asarray((np.asarray(folds_test) + np.asarray(refit_test)) / 2)


def _with_refits(task: DemoTask, study: tc.Study, outcome: EnsembleOutcome | None, seed: int, max_epochs: int
                 ) -> tuple[float, float] | None:
    """Held-out accuracy of the best trial and of the ensemble when every member is
    delivered with its refit (weights unchanged: they were fitted on out-of-fold data)."""
    if outcome is None:
        return None
    trials = {t.number: t for t in study.trials}
    preds = {}
    for number, weight, test in zip(outcome.members, outcome.fit.weights, outcome.member_tests):
        if weight > 0 or number == outcome.best_number:
            t = trials[number]
            epochs = int(t.user_attrs.get("best_epoch") or t.budget or max_epochs)
            preds[number] = delivered(test, refit_single(
                task, dict(t.params), seed=seed, max_epochs=max_epochs, epochs=epochs))
    ensemble = sum(w * preds[n] for n, w in zip(outcome.members, outcome.fit.weights) if w > 0)
    return (accuracy_score(task.y_test, preds[outcome.best_number]),
            accuracy_score(task.y_test, np.asarray(ensemble)))


def _baselines(task: DemoTask, best: tc.FrozenTrial, seed: int) -> list[Baseline]:
    """Untuned models at sensible defaults, delivered as the tuned ones are (the same folds'
    models averaged with one refit on every development row, the same held-out rows): the
    tuned family and any other the task names, plus the task's own baselines."""
    out = []
    for model in task.baseline_models(str(best.params["model"])):
        params = task.defaults(model)
        epochs = int(params.get("epochs", 5))
        fit = run_config(task, params, seed=seed, epochs=epochs)
        refit = refit_single(task, params, seed=seed, max_epochs=epochs, epochs=epochs)
        acc = (accuracy_score(task.y_test, delivered(fit.test_proba, refit))
               if fit.test_proba is not None else float("nan"))
        shown = format_params(params, ("optimizer", "lr_adam", "batch_size", "dropout"))
        out.append(Baseline(f"{model} at defaults ({shown})", acc))
    return [*out, *task.extra_baselines()]


def _ensemble_lines(report: DemoReport, outcome: EnsembleOutcome | None,
                    baselines: Sequence[Baseline], final: tuple[float, float] | None,
                    n_dev: int) -> None:
    report.add("held-out test accuracy (never used for tuning):")
    for b in baselines:
        kind = "reference" if b.reference else "baseline "
        report.add(f"  {kind} {b.name:<58} {b.test_accuracy:.4f}")
    if outcome is None or final is None:
        report.add("  no trial finished with predictions; nothing to ensemble")
        return
    single, ens = final
    weights = ", ".join(f"#{n}:{w:.2f}" for n, w in zip(outcome.members, outcome.fit.weights) if w > 0)
    n_used = sum(w > 0 for w in outcome.fit.weights)
    report.add(f"  tuned     {f'best single trial #{outcome.best_number}':<58} {single:.4f}")
    report.add(f"  tuned     {f'ensemble of {n_used} trials (weights below)':<58} {ens:.4f}")
    report.add(f"            each: its fold models' average and one refit on "
               f"all {n_dev} dev rows, averaged (fold models alone: single "
               f"{outcome.single_test_acc:.4f}, ensemble {outcome.ensemble_test_acc:.4f})")
    report.add(f"            weights fitted on out-of-fold predictions: {weights}")
    best_base = max(b.test_accuracy for b in baselines if not b.reference)
    best_tuned = ens  # the pipeline's output: the ensemble chosen on OOF
    verdict = "beats" if best_tuned > best_base else ("ties" if best_tuned == best_base else "LOSES TO")
    report.add(f"tuned ensemble {verdict} the best baseline ({best_tuned:.4f} vs {best_base:.4f}); "
               f"ensemble {'≥' if ens >= single else '<'} best single ({ens:.4f} vs {single:.4f}); "
               f"OOF error {outcome.fit.loss:.4f} vs {min(outcome.fit.single_losses):.4f}")
    for ref in (b for b in baselines if b.reference):
        report.add(f"reference {ref.name}: {ref.test_accuracy:.4f} vs tuned {best_tuned:.4f}")
