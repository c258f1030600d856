"""Real models on data that ships with scikit-learn (no download): about 0.1 s per evaluation.

- ``hgb_breast_cancer``: histogram gradient boosting, seven knobs (log learning rate, leaves,
  depth, L2, min samples per leaf, bins, max iterations): the usual GBM search;
- ``rf_wine``: a random forest with a nominal criterion and max-features choice;
- ``logreg_digits``: logistic regression, a nominal penalty with a conditional l1 ratio;
- ``knn_breast_cancer``: k nearest neighbours with integer k, nominal weights and a float p.

Each minimises the validation error (log loss for the boosting, for a finer signal) on a
fixed split with a fixed model seed, so a configuration always scores the same; the optimum
is unknown and regret is taken against the best value of the run.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

import tiaocan as tc
from benchmarks.problems.base import Problem

__all__ = ["MODELS"]


@functools.cache
def _split(dataset: str) -> tuple[np.ndarray, ...]:
    from sklearn import datasets
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    x, y = getattr(datasets, f"load_{dataset}")(return_X_y=True)
    x_tr, x_va, y_tr, y_va = train_test_split(x, y, test_size=0.4, random_state=0, stratify=y)
    scaler = StandardScaler().fit(x_tr)
    return scaler.transform(x_tr), scaler.transform(x_va), y_tr, y_va


def _hgb(cfg: Mapping[str, Any]) -> float:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import log_loss

    x_tr, x_va, y_tr, y_va = _split("breast_cancer")
    model = HistGradientBoostingClassifier(
        learning_rate=cfg["learning_rate"], max_leaf_nodes=cfg["max_leaf_nodes"],
        max_depth=cfg["max_depth"], l2_regularization=cfg["l2"], min_samples_leaf=cfg["min_leaf"],
        max_bins=cfg["max_bins"], max_iter=cfg["max_iter"], early_stopping=False, random_state=0)
    return float(log_loss(y_va, model.fit(x_tr, y_tr).predict_proba(x_va)))


def hgb_breast_cancer() -> Problem:
    space = tc.Space(
        learning_rate=tc.Float(1e-3, 1.0, log=True), max_leaf_nodes=tc.Int(2, 64, log=True),
        max_depth=tc.Int(1, 10), l2=tc.Float(1e-6, 10.0, log=True), min_leaf=tc.Int(1, 64, log=True),
        max_bins=tc.Int(8, 255, log=True), max_iter=tc.Int(10, 60, step=10))
    return Problem("hgb_breast_cancer", space, _hgb, None, kind="real")


def _rf(cfg: Mapping[str, Any]) -> float:
    from sklearn.ensemble import RandomForestClassifier

    x_tr, x_va, y_tr, y_va = _split("wine")
    model = RandomForestClassifier(
        n_estimators=cfg["n_estimators"], criterion=cfg["criterion"], max_depth=cfg["max_depth"],
        max_features=cfg["max_features"], min_samples_leaf=cfg["min_leaf"],
        bootstrap=cfg["bootstrap"], random_state=0, n_jobs=1)
    proba = model.fit(x_tr, y_tr).predict_proba(x_va)
    # Brier score: finer than the error rate on 72 validation samples (many ties at 0 errors)
    return float(((proba - np.eye(3)[y_va]) ** 2).sum(axis=1).mean())


def rf_wine() -> Problem:
    space = tc.Space(
        n_estimators=tc.Int(5, 60), criterion=tc.Categorical(["gini", "entropy", "log_loss"]),
        max_depth=tc.Int(1, 12), max_features=tc.Categorical(["sqrt", "log2", None]),
        min_leaf=tc.Int(1, 20, log=True), bootstrap=tc.Categorical([True, False]))
    return Problem("rf_wine", space, _rf, None, kind="real")


def _logreg(cfg: Mapping[str, Any]) -> float:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss

    x_tr, x_va, y_tr, y_va = _split("digits")
    l1 = cfg.get("l1_ratio", 0.0 if cfg["penalty"] == "l2" else 1.0)
    model = LogisticRegression(C=cfg["C"], l1_ratio=l1, solver="saga", max_iter=cfg["max_iter"],
                               tol=1e-3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", FutureWarning)
        model.fit(x_tr, y_tr)
    return float(log_loss(y_va, model.predict_proba(x_va)))


def logreg_digits() -> Problem:
    space = tc.Space(
        C=tc.Float(1e-4, 1e2, log=True), penalty=tc.Categorical(["l2", "l1", "elasticnet"]),
        l1_ratio=tc.Float(0.05, 0.95, when={"penalty": "elasticnet"}),
        max_iter=tc.Int(5, 50, log=True))
    return Problem("logreg_digits", space, _logreg, None, kind="real")


def _knn(cfg: Mapping[str, Any]) -> float:
    from sklearn.metrics import log_loss
    from sklearn.neighbors import KNeighborsClassifier

    x_tr, x_va, y_tr, y_va = _split("breast_cancer")
    model = KNeighborsClassifier(n_neighbors=cfg["k"], weights=cfg["weights"], p=cfg["p"])
    proba = np.clip(model.fit(x_tr, y_tr).predict_proba(x_va), 1e-3, 1 - 1e-3)
    return float(log_loss(y_va, proba))


def knn_breast_cancer() -> Problem:
    space = tc.Space(k=tc.Int(1, 100, log=True), weights=tc.Categorical(["uniform", "distance"]),
                     p=tc.Float(1.0, 4.0))
    return Problem("knn_breast_cancer", space, _knn, None, kind="real")


#: Name → factory.
MODELS: dict[str, Callable[[], Problem]] = {
    "hgb_breast_cancer": hgb_breast_cancer,
    "rf_wine": rf_wine,
    "logreg_digits": logreg_digits,
    "knn_breast_cancer": knn_breast_cancer,
}
