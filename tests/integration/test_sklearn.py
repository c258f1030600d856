"""SearchCV against the real scikit-learn: its estimator checks, its result format, pipelines,
multi-fidelity budgets and bad input."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")

from scipy.stats import loguniform, norm, randint, uniform
from sklearn.base import clone
from sklearn.datasets import load_iris, make_classification
from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier
from sklearn.model_selection import RandomizedSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

import tiaocan as tc
from tiaocan.integration.sklearn import SearchCV

# Fits on tiny or degenerate data inside the checks warn (convergence, failed fits).
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::RuntimeWarning",
                                        "ignore::FutureWarning")


# Every check applies to a search over these estimators, and all pass: none is skipped.
@parametrize_with_checks(
    [SearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, n_trials=2, cv=2, random_state=0),
     SearchCV(Ridge(), {"alpha": tc.Float(0.1, 10.0, log=True)}, n_trials=2, cv=2,
              random_state=0, sampler="random")],
)
def test_sklearn_estimator_checks(estimator, check):  # type: ignore[no-untyped-def]
    check(estimator)


@pytest.fixture(scope="module")
def iris():  # type: ignore[no-untyped-def]
    return load_iris(return_X_y=True)


def test_results_have_scikit_learns_format_and_best_is_the_best(iris) -> None:  # type: ignore[no-untyped-def]
    X, y = iris
    search = SearchCV(LogisticRegression(max_iter=300), {"C": loguniform(1e-3, 1e2)},
                      n_trials=5, cv=3, random_state=0).fit(X, y)
    peer = RandomizedSearchCV(LogisticRegression(max_iter=300), {"C": loguniform(1e-3, 1e2)},
                              n_iter=5, cv=3, random_state=0).fit(X, y)
    assert set(peer.cv_results_) <= set(search.cv_results_)
    results = search.cv_results_
    assert len(results["params"]) == 5 and list(results["trial_number"]) == [0, 1, 2, 3, 4]
    assert search.best_score_ == pytest.approx(np.max(results["mean_test_score"]))
    assert search.best_params_ == results["params"][search.best_index_]
    assert search.best_estimator_.C == search.best_params_["C"]
    assert search.study_.best_value == pytest.approx(search.best_score_)
    assert search.predict(X).shape == y.shape and 0.0 <= search.score(X, y) <= 1.0


def test_same_random_state_same_candidates(iris) -> None:  # type: ignore[no-untyped-def]
    X, y = iris
    make = lambda: SearchCV(LogisticRegression(max_iter=300),  # noqa: E731
                            {"C": tc.Float(1e-3, 1e2, log=True), "fit_intercept": [True, False]},
                            n_trials=4, cv=2, random_state=7, sampler="tpe")
    assert make().fit(X, y).cv_results_["params"] == make().fit(X, y).cv_results_["params"]


def test_inside_a_pipeline_and_cloned(iris) -> None:  # type: ignore[no-untyped-def]
    X, y = iris
    search = SearchCV(LogisticRegression(max_iter=300), {"C": uniform(0.1, 10)}, n_trials=3, cv=2,
                      random_state=0)
    pipe = make_pipeline(StandardScaler(), search).fit(X, y)
    assert pipe.predict(X).shape == y.shape
    copy = clone(search)
    assert copy.get_params(deep=False).keys() == search.get_params(deep=False).keys()
    assert copy.n_trials == 3 and copy.param_distributions.keys() == {"C"}
    assert not hasattr(copy, "best_params_")
    # and a pipeline searched, over a step's parameters and over the step itself
    inner = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    tree, linear = DecisionTreeClassifier(random_state=0), LogisticRegression(max_iter=300)
    found = SearchCV(inner, {"clf": [tree, linear]}, n_trials=4, cv=2, random_state=0,
                     sampler="random").fit(X, y)
    assert found.best_params_["clf"] in (tree, linear)
    assert type(found.best_estimator_.named_steps["clf"]) in (DecisionTreeClassifier, LogisticRegression)
    assert found.study_.trials[0].params["clf"] in (repr(tree), repr(linear))  # stored as JSON


def test_max_iter_budgets_promote_and_the_best_is_at_full_budget() -> None:
    X, y = make_classification(n_samples=240, n_features=8, random_state=0)
    estimator = SGDClassifier(max_iter=27, tol=None, random_state=0)
    search = SearchCV(estimator, {"alpha": loguniform(1e-6, 1e-1)}, n_trials=12, cv=2,
                      random_state=0, resource="auto").fit(X, y)
    budgets = np.asarray(search.cv_results_["n_resources"])
    assert set(budgets) <= {3, 9, 27} and budgets.min() == 3 and budgets.max() == 27
    numbers = list(search.cv_results_["trial_number"])
    assert len(numbers) > len(set(numbers))  # promoted trials are evaluated again
    assert search.best_params_["max_iter"] == 27
    assert budgets[search.best_index_] == 27
    assert search.best_estimator_.max_iter == 27


def test_data_fraction_budgets(iris) -> None:  # type: ignore[no-untyped-def]
    X, y = iris
    search = SearchCV(LogisticRegression(max_iter=300), {"C": loguniform(1e-3, 1e2)}, n_trials=9,
                      cv=3, random_state=0, resource="n_samples", scheduler="hyperband").fit(X, y)
    fractions = np.asarray(search.cv_results_["n_resources"], dtype=float)
    assert fractions.min() == pytest.approx(1 / 9) and fractions.max() == pytest.approx(1.0)
    assert fractions[search.best_index_] == pytest.approx(1.0)
    assert "max_iter" not in search.best_params_ or search.best_params_["max_iter"] == 300


def test_a_failing_candidate_fails_its_trial_only(iris) -> None:  # type: ignore[no-untyped-def]
    X, y = iris
    # l1 with lbfgs cannot be fitted: that candidate's trial fails, the search goes on.
    search = SearchCV(LogisticRegression(solver="lbfgs", max_iter=300),
                      {"l1_ratio": [1.0, 0.0]}, n_trials=2, cv=2, sampler="grid").fit(X, y)
    states = sorted(t.state.value for t in search.study_.trials)
    assert states == ["complete", "failed"]
    assert search.best_params_ == {"l1_ratio": 0.0}


def test_every_candidate_failing_raises_the_fit_error(iris) -> None:  # type: ignore[no-untyped-def]
    X, y = iris
    y = y.astype(float)
    y[0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        SearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, n_trials=2, cv=2).fit(X, y)


def test_study_kept_in_a_storage(tmp_path, iris) -> None:  # type: ignore[no-untyped-def]
    X, y = iris
    url = f"sqlite:///{tmp_path / 'search.db'}"
    SearchCV(LogisticRegression(max_iter=300), {"C": randint(1, 20)}, n_trials=3, cv=2,
             storage=url, study_name="iris", random_state=0).fit(X, y)
    study = tc.load_study("iris", storage=url)
    assert len(study.trials) == 3 and study.direction is tc.Direction.MAXIMIZE
    assert all(1 <= t.params["C"] <= 19 for t in study.trials)


def test_optuna_distributions() -> None:
    distributions = pytest.importorskip("optuna.distributions")
    X, y = make_classification(n_samples=80, n_features=4, random_state=0)
    search = SearchCV(LogisticRegression(max_iter=300), {
        "C": distributions.FloatDistribution(1e-3, 1e2, log=True),
        "fit_intercept": distributions.CategoricalDistribution([True, False])},
        n_trials=3, cv=2, random_state=0).fit(X, y)
    assert 1e-3 <= search.best_params_["C"] <= 1e2


@pytest.mark.slow  # joblib starts its worker processes: ~20 s on 2 busy cores
def test_parallel_candidates(iris) -> None:  # type: ignore[no-untyped-def]
    X, y = iris
    search = SearchCV(LogisticRegression(max_iter=300), {"C": loguniform(1e-3, 1e2)}, n_trials=4,
                      cv=2, n_workers=2, random_state=0, sampler="random").fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert len({p["C"] for p in search.cv_results_["params"]}) == 4


def test_timeout_stops_starting_candidates(iris) -> None:  # type: ignore[no-untyped-def]
    X, y = iris
    search = SearchCV(LogisticRegression(max_iter=300), {"C": loguniform(1e-3, 1e2)}, n_trials=50,
                      cv=2, timeout=1e-6, random_state=0).fit(X, y)
    assert len(search.cv_results_["params"]) == 1  # the first candidate only, then refit
    assert hasattr(search, "best_estimator_")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"estimator": "LogisticRegression"}, "estimator must be a scikit-learn estimator"),
    ({"estimator": LogisticRegression}, "estimator must be a scikit-learn estimator"),
    ({"param_distributions": {"C": 3.0}}, "parameter 'C'"),
    ({"param_distributions": {"not_a_param": [1, 2]}}, "not_a_param"),
    ({"param_distributions": {"C": norm(1, 0.1)}}, "scipy.stats distribution 'norm' has no tiaocan form"),
    ({"param_distributions": {"C": []}}, "the list of choices is empty"),
    ({"n_trials": 0}, "n_trials must be an int >= 1, received 0"),
    ({"resource": "nope"}, "resource must be"),
    ({"timeout": -1}, "timeout"),
])
def test_bad_input_is_one_clear_error(iris, kwargs, message) -> None:  # type: ignore[no-untyped-def]
    X, y = iris
    options = {"estimator": LogisticRegression(), "param_distributions": {"C": [1.0]}, **kwargs}
    with pytest.raises(tc.ConfigError, match=message):
        SearchCV(options.pop("estimator"), options.pop("param_distributions"), **options).fit(X, y)


def test_docstring_examples() -> None:
    import doctest

    from tiaocan.integration import _distributions, sklearn

    for module in (sklearn, _distributions):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__
