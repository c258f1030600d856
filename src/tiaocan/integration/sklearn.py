"""scikit-learn: :class:`SearchCV`, a hyperparameter search estimator driven by a tiaocan study.

``SearchCV`` is a drop-in for ``RandomizedSearchCV``: scikit-learn's search base class does the
cross-validation, the refit and ``cv_results_``; a tiaocan study chooses the candidates (TPE,
GP, CMA-ES, … and the ``auto`` sampler), one trial per candidate. With a ``resource`` it is
multi-fidelity: a scheduler (Hyperband by default) runs candidates at a budget of an estimator
parameter (``max_iter``, ``n_estimators``) or of a fraction of the training data
(``"n_samples"``) and promotes the promising ones. Needs ``pip install "tiaocan[sklearn]"``.

>>> from sklearn.datasets import load_iris
>>> from sklearn.linear_model import LogisticRegression
>>> import tiaocan as tc
>>> X, y = load_iris(return_X_y=True)
>>> search = SearchCV(LogisticRegression(max_iter=500), {"C": tc.Float(1e-3, 1e2, log=True)},
...                   n_trials=6, cv=3, random_state=0).fit(X, y)
>>> len(search.cv_results_["params"]), bool(search.best_score_ > 0.9)
(6, True)
"""

from __future__ import annotations

import copy
import math
import numbers
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from tiaocan.errors import ConfigError, GridExhaustedError, require

require("sklearn", "sklearn", "tiaocan.integration.sklearn")

from sklearn.base import is_classifier  # noqa: E402 - after the extra check
from sklearn.model_selection._search import BaseSearchCV  # noqa: E402
from sklearn.utils import check_random_state, get_tags, resample  # noqa: E402

from tiaocan.executors.base import LocalTickets  # noqa: E402
from tiaocan.fidelity import Fidelity  # noqa: E402
from tiaocan.integration._distributions import to_space  # noqa: E402

__all__ = ["SearchCV"]

_SAMPLES = "n_samples"


class SearchCV(BaseSearchCV):  # type: ignore[misc]
    """Search ``estimator``'s hyperparameters with a tiaocan study, scored by cross-validation.

    Args:
        estimator: a scikit-learn estimator (or ``Pipeline``); it is cloned, never changed.
        param_distributions: a :class:`tiaocan.Space`, or a dict from parameter name (``"C"``,
            ``"clf__alpha"`` in a pipeline) to a tiaocan parameter, a list of choices, an
            Optuna distribution or a scipy.stats ``uniform``/``loguniform``/``randint``.
        n_trials: candidates to try (new trials; promotions to larger budgets come on top).
        cv, scoring, refit, error_score, return_train_score, verbose: as in
            ``RandomizedSearchCV``.
        timeout: stop starting candidates after this many seconds.
        n_workers: candidates evaluated in parallel (joblib processes over candidates × folds).
        random_state: seeds the study (an int reproduces the search).
        sampler: a tiaocan sampler name or object (default: ``"auto"``).
        scheduler: a tiaocan scheduler name or object; with a ``resource`` it defaults to
            ``"hyperband"``.
        resource: the budget of a multi-fidelity search: the name of an integer estimator
            parameter (``"max_iter"``, ``"n_estimators"``), ``"n_samples"`` (a fraction of each
            training fold), or ``"auto"`` (``max_iter`` when the estimator has one, as
            ``partial_fit`` learners do, else ``n_samples``). None: every fit at full budget.
        min_resource, max_resource: the budget range (defaults: the parameter's current value
            as the maximum and 1/9 of it as the minimum; fractions 1/9 to 1 for n_samples).
        storage, study_name: keep the study (default: in memory, a fresh one per fit).

    Attributes:
        best_params_, best_score_, best_estimator_, best_index_, cv_results_, scorer_,
        n_splits_, refit_time_: as in ``RandomizedSearchCV``; ``cv_results_`` has a
        ``trial_number`` column (and ``n_resources`` in a multi-fidelity search).
        study_: the :class:`tiaocan.Study` that chose the candidates.
    """

    _parameter_constraints: dict[str, Any] = {
        key: value for key, value in BaseSearchCV._parameter_constraints.items()
        if key not in ("n_jobs", "pre_dispatch")
    }

    def __init__(self, estimator: Any, param_distributions: Any, *, n_trials: int = 20,
                 cv: Any = None, scoring: Any = None, refit: Any = True,
                 timeout: float | None = None, n_workers: int = 1, random_state: Any = None,
                 sampler: Any = None, scheduler: Any = None, resource: str | None = None,
                 min_resource: float | None = None, max_resource: float | None = None,
                 storage: str | None = None, study_name: str | None = None,
                 error_score: Any = np.nan, return_train_score: bool = False,
                 verbose: int = 0) -> None:
        # scikit-learn's contract: store the arguments unchanged, check them in fit.
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.n_trials = n_trials
        self.cv = cv
        self.scoring = scoring
        self.refit = refit
        self.timeout = timeout
        self.n_workers = n_workers
        self.random_state = random_state
        self.sampler = sampler
        self.scheduler = scheduler
        self.resource = resource
        self.min_resource = min_resource
        self.max_resource = max_resource
        self.storage = storage
        self.study_name = study_name
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.verbose = verbose

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        # A search over a multi-output estimator fits multi-output targets as it does.
        tags.target_tags = copy.deepcopy(get_tags(self.estimator).target_tags)
        return tags

    # What BaseSearchCV reads under its own names.
    @property
    def n_jobs(self) -> int:
        return int(self.n_workers)

    @property
    def pre_dispatch(self) -> str:
        return "2*n_jobs"

    def fit(self, X: Any, y: Any = None, **params: Any) -> SearchCV:
        """Search, then refit the best candidate on all of ``X`` (when ``refit``)."""
        self._check_options()
        if y is None and get_tags(self.estimator).target_tags.required:
            raise ConfigError(f"{type(self.estimator).__name__} requires y to be passed, but the "
                              "target y is None")
        self._space, self._decoders = to_space(self.param_distributions)
        self._check_names()
        self._fidelity = self._fidelity_for(X)
        self._y = y
        try:
            super().fit(X, y, **params)
        finally:
            del self._y
        return self

    def _check_options(self) -> None:
        est = self.estimator
        if isinstance(est, type) or not all(callable(getattr(est, m, None))
                                            for m in ("fit", "get_params", "set_params")):
            raise ConfigError("estimator must be a scikit-learn estimator instance (with fit, "
                              f"get_params and set_params), received {est!r}")
        for name in ("n_trials", "n_workers"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ConfigError(f"{name} must be an int >= 1, received {value!r}")
        t = self.timeout
        if t is not None and (isinstance(t, bool) or not isinstance(t, numbers.Real) or not t > 0):
            raise ConfigError(f"timeout must be a positive number of seconds or None, received {t!r}")

    def _check_names(self) -> None:
        known = set(self.estimator.get_params(deep=True))
        unknown = [n for n in self._space.names if n not in known]
        if unknown:
            raise ConfigError(f"param_distributions names {unknown} that {type(self.estimator).__name__} "
                              f"does not have; accepted: {sorted(known)}")

    # Multi-fidelity ------------------------------------------------------------------------
    def _fidelity_for(self, X: Any) -> Fidelity | None:
        resource = self.resource
        if resource is None:
            if self.scheduler is None:
                return None
            resource = "auto"
        known = self.estimator.get_params(deep=True)
        if resource == "auto":  # max_iter, also a pipeline step's (clf__max_iter)
            found = [k for k in known if k == "max_iter" or k.endswith("__max_iter")]
            resource = found[0] if len(found) == 1 else _SAMPLES
        if resource == _SAMPLES:
            return Fidelity(_SAMPLES, float(self.min_resource or 1 / 9), float(self.max_resource or 1.0))
        if not isinstance(resource, str) or resource not in known:
            raise ConfigError(f"resource must be None, 'auto', 'n_samples' or an integer parameter "
                              f"of the estimator, received {resource!r}")
        if resource in self._space.names:
            raise ConfigError(f"resource {resource!r} is the budget; remove it from param_distributions")
        high = self.max_resource if self.max_resource is not None else known[resource]
        if isinstance(high, bool) or not isinstance(high, numbers.Integral) or high < 2:
            raise ConfigError(f"max_resource must be an int >= 2 (the largest {resource}), received "
                              f"{high!r}; set max_resource or the estimator's {resource}")
        low = self.min_resource if self.min_resource is not None else max(1, int(high) // 9)
        return Fidelity(resource, int(low), int(high))

    def _split_for(self, budget: float) -> Any:
        if self._fidelity is None or self._fidelity.name != _SAMPLES or budget >= 1.0:
            return None
        y = self._y if is_classifier(self.estimator) else None
        return _Fraction(self._checked_cv_orig, budget, y, self._seed)

    # The search ------------------------------------------------------------------------------
    def _new_study(self) -> Any:
        import tiaocan as tc

        rs = self.random_state
        seed = rs if isinstance(rs, numbers.Integral) and not isinstance(rs, bool) else (
            None if rs is None else int(check_random_state(rs).randint(2**31 - 1)))
        sampler = copy.deepcopy(self.sampler) if self.sampler is not None else None
        scheduler = self.scheduler
        if scheduler is None and self._fidelity is not None:
            scheduler = "hyperband"
        scheduler = copy.deepcopy(scheduler)
        study = tc.create_study(name=self.study_name, space=self._space, storage=self.storage or ":memory:",
                                sampler=sampler, scheduler=scheduler, direction="maximize",
                                seed=None if seed is None else int(seed), fidelity=self._fidelity,
                                load_if_exists=self.study_name is not None)
        self._seed = study.seed
        return study

    def _run_search(self, evaluate_candidates: Callable[..., dict[str, Any]]) -> None:
        from tiaocan import TrialState, loop

        study = self.study_ = self._new_study()
        self._failure: ValueError | None = None
        tickets = LocalTickets(int(self.n_trials))
        deadline = None if self.timeout is None else time.monotonic() + float(self.timeout)
        first = True  # one batch at least, so even a tiny timeout leaves a candidate to refit
        while first or deadline is None or time.monotonic() < deadline:
            first, batch = False, []
            try:
                # Asked together, so the sampler sees the batch's first members as pending.
                for _ in range(int(self.n_workers)):
                    record = loop.ask(study, tickets)
                    if record is None:
                        break
                    batch.append(record)
            except GridExhaustedError:
                pass
            if not batch:
                break
            self._evaluate(study, batch, evaluate_candidates)
        self._finish_at_full_budget(study, evaluate_candidates)
        if self._failure is not None and not study.get_trials([TrialState.COMPLETE]):
            raise self._failure  # no candidate could be fitted: the data is the problem

    def _finish_at_full_budget(self, study: Any, evaluate: Callable[..., dict[str, Any]]) -> None:
        """When no candidate reached the full budget (few trials, or a timeout), evaluate the
        best one at it, so ``best_params_`` and the refit use the full budget."""
        from tiaocan import TrialState, loop

        fidelity = self._fidelity
        done = study.get_trials([TrialState.COMPLETE, TrialState.PRUNED])
        if fidelity is None or not done or any(t.budget is None or t.budget >= fidelity.high
                                               for t in done):
            return
        top = max(t.budget for t in done)
        best = max((t for t in done if t.budget == top and t.values), key=lambda t: t.values[0])
        study.enqueue(best.params, budget=fidelity.high)
        record = loop.ask(study)
        if record is not None:
            self._evaluate(study, [record], evaluate)

    def _evaluate(self, study: Any, batch: list[Any], evaluate: Callable[..., dict[str, Any]]) -> None:
        fidelity = self._fidelity
        budgets = [t.budget if t.budget is not None else (fidelity.high if fidelity else None)
                   for t in batch]
        more: dict[str, list[Any]] = {"trial_number": [t.number for t in batch]}
        if fidelity is not None:
            more["n_resources"] = budgets
        # Trials at different data fractions need different splits: one call per budget.
        groups: dict[Any, list[int]] = {}
        for i, b in enumerate(budgets):
            groups.setdefault(b if fidelity and fidelity.name == _SAMPLES else None, []).append(i)
        metric = self._metric()
        for budget, members in groups.items():
            candidates = [self._candidate(batch[i], budgets[i]) for i in members]
            try:
                results = evaluate(candidates, cv=self._split_for(budget) if budget is not None else None,
                                   more_results={k: [v[i] for i in members] for k, v in more.items()})
            except ValueError as exc:
                if "fits failed" not in str(exc):
                    raise
                # Every fit of these candidates failed: fail their trials, search on.
                self._failure = exc
                for i in members:
                    study.tell(batch[i], state="failed", error=str(exc))
                continue
            scores = results[f"mean_test_{metric}"][-len(members):]
            for i, score in zip(members, scores):
                if math.isfinite(float(score)):
                    study.tell(batch[i], float(score))
                else:
                    study.tell(batch[i], state="failed", error="the cross-validated score is not finite")

    def _metric(self) -> str:
        if callable(self.scoring) or not isinstance(self.scoring, (dict, list, tuple)):
            return "score"
        if not isinstance(self.refit, str):
            raise ConfigError("with several scorers, refit must name the scorer the search "
                              f"maximises (one of {list(self.scoring)}), received {self.refit!r}")
        return self.refit

    def _candidate(self, record: Any, budget: Any) -> dict[str, Any]:
        params = {name: self._decoders[name](v) if name in self._decoders else v
                  for name, v in record.params.items()}
        if self._fidelity is not None and self._fidelity.name != _SAMPLES:
            params[self._fidelity.name] = int(budget)
        return params

    @staticmethod
    def _select_best_index(refit: Any, refit_metric: str, results: dict[str, Any]) -> int:
        """The best candidate at the largest budget reached (scores at smaller budgets are not
        comparable with it)."""
        if callable(refit) or "n_resources" not in results:
            return int(BaseSearchCV._select_best_index(refit, refit_metric, results))
        budgets = np.asarray(results["n_resources"], dtype=float)
        top = np.flatnonzero(budgets == budgets.max())
        ranks = np.asarray(results[f"rank_test_{refit_metric}"])
        return int(top[np.argmin(ranks[top])])

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without an in-memory study (it cannot leave this process); the results
        stay in ``cv_results_``."""
        state = dict(super().__getstate__())
        study = state.get("study_")
        if study is not None and study.storage.url == ":memory:":
            del state["study_"]
        return state


class _Fraction:
    """A CV splitter that keeps a seeded fraction of each training fold (stratified for
    classifiers); the test folds are unchanged, so scores stay comparable across budgets."""

    def __init__(self, cv: Any, fraction: float, y: Any, seed: int) -> None:
        self.cv, self.fraction, self.y, self.seed = cv, fraction, y, seed

    def split(self, X: Any, y: Any = None, groups: Any = None) -> Any:
        for k, (train, test) in enumerate(self.cv.split(X, y, groups)):
            n = max(2, int(round(len(train) * self.fraction)))
            strata = None if self.y is None else np.asarray(self.y)[train]
            try:
                kept = resample(train, n_samples=n, replace=False, stratify=strata,
                                random_state=(self.seed + k) % 2**32)
            except ValueError:  # too few samples for every class: plain subsample
                kept = resample(train, n_samples=n, replace=False, random_state=(self.seed + k) % 2**32)
            yield np.sort(kept), test

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return int(self.cv.get_n_splits(X, y, groups))

