"""scikit-learn: SearchCV in place of RandomizedSearchCV, on a pipeline, with the same number of
fits; then a multi-fidelity search over SGD's max_iter (Hyperband promotes the promising
candidates). A few seconds on one core.

    python examples/sklearn_searchcv.py
"""

from __future__ import annotations

from scipy.stats import loguniform
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import RandomizedSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

import tiaocan as tc
from tiaocan.integration.sklearn import SearchCV

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
# One parameter as scipy.stats (as RandomizedSearchCV takes it), one as a tiaocan parameter.
SPACE = {"svc__C": loguniform(1e-2, 1e3), "svc__gamma": tc.Float(1e-5, 1e-1, log=True)}
PEER_SPACE = {"svc__C": loguniform(1e-2, 1e3), "svc__gamma": loguniform(1e-5, 1e-1)}


def main() -> None:
    pipe = make_pipeline(StandardScaler(), SVC())
    search = SearchCV(pipe, SPACE, n_trials=20, cv=3, random_state=0).fit(X_train, y_train)
    peer = RandomizedSearchCV(pipe, PEER_SPACE, n_iter=20, cv=3, random_state=0).fit(X_train, y_train)
    print(f"SearchCV            CV accuracy {search.best_score_:.4f}  test {search.score(X_test, y_test):.4f}"
          f"  {search.best_params_}")
    print(f"RandomizedSearchCV  CV accuracy {peer.best_score_:.4f}  test {peer.score(X_test, y_test):.4f}")
    print(f"the study behind it: {len(search.study_.trials)} trials, sampler "
          f"{type(search.study_.sampler).__name__}")

    sgd = make_pipeline(StandardScaler(), SGDClassifier(max_iter=81, tol=None, random_state=0))
    multi = SearchCV(sgd, {"sgdclassifier__alpha": loguniform(1e-6, 1e-1),
                           "sgdclassifier__loss": ["hinge", "log_loss", "modified_huber"]},
                     n_trials=18, cv=3, resource="auto", random_state=0).fit(X_train, y_train)
    budgets = [int(b) for b in multi.cv_results_["n_resources"]]
    print(f"multi-fidelity over max_iter: {len(budgets)} fits at budgets "
          f"{ {b: budgets.count(b) for b in sorted(set(budgets))} }, best CV accuracy "
          f"{multi.best_score_:.4f} at max_iter={multi.best_params_['sgdclassifier__max_iter']}")


if __name__ == "__main__":
    with threadpool_limits(limits=1):  # tiny fits: one BLAS thread each is fastest
        main()
