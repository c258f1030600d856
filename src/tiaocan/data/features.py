"""Feature selection: hand the model good features (the guide's step 3).

Sparse text features are ranked by the χ² statistic or mutual information with the label
(Yang & Pedersen, ICML 1997); tabular features by a model's importances (an L1 logistic
regression or a random forest, scikit-learn's ``SelectFromModel``). Selection is fitted on
training rows only; ``k`` / ``threshold`` are hyperparameters.

>>> import numpy as np
>>> X = np.array([[1, 0, 5], [2, 0, 4], [0, 3, 5], [0, 4, 4]])
>>> select_text_features(X, np.array([0, 0, 1, 1]), k=2).get_support().tolist()
[True, True, False]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tiaocan.errors import ConfigError, require

__all__ = ["select_model_based", "select_text_features", "tfidf_features"]


def select_text_features(X: Any, y: np.ndarray, k: int, method: str = "chi2") -> Any:
    """A fitted ``SelectKBest`` keeping the ``k`` best columns by ``"chi2"`` or ``"mutual_info"``."""
    require("sklearn", "sklearn", "feature selection")
    from sklearn.feature_selection import SelectKBest, chi2, mutual_info_classif

    scores = {"chi2": chi2,
              "mutual_info": lambda X, y: mutual_info_classif(X, y, discrete_features=True,
                                                              random_state=0)}
    if method not in scores:
        raise ConfigError(f"method must be one of {sorted(scores)}, received {method!r}")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ConfigError(f"k must be a positive int, received {k!r}")
    return SelectKBest(scores[method], k=min(k, X.shape[1])).fit(X, y)


def select_model_based(X: np.ndarray, y: np.ndarray, model: str = "l1", threshold: str | float
                       = "mean", seed: int = 0) -> Any:
    """A fitted ``SelectFromModel`` over an L1 logistic regression (``"l1"``) or a random
    forest (``"forest"``); features whose importance is below ``threshold`` are dropped."""
    require("sklearn", "sklearn", "feature selection")
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.feature_selection import SelectFromModel
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    if model == "l1":
        estimator: Any = LogisticRegression(l1_ratio=1.0, solver="saga", C=0.5, max_iter=2000,
                                            random_state=seed)
        X = StandardScaler().fit_transform(X)
    elif model == "forest":
        estimator = RandomForestClassifier(n_estimators=100, random_state=seed)
    else:
        raise ConfigError(f"model must be 'l1' or 'forest', received {model!r}")
    return SelectFromModel(estimator, threshold=threshold).fit(X, y)


def tfidf_features(train_texts: list[str], other: list[list[str]], max_features: int = 30000,
                   ngram_range: tuple[int, int] = (1, 2), analyzer: str = "word"
                   ) -> tuple[Any, list[Any], Any]:
    """TF-IDF fitted on ``train_texts`` (sublinear tf); returns train, transformed others, and
    the vectoriser. ``analyzer``: ``"word"``, or ``"char_wb"`` for character n-grams inside
    word boundaries."""
    require("sklearn", "sklearn", "TF-IDF features")
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(sublinear_tf=True, min_df=2, max_features=max_features,
                          ngram_range=ngram_range, analyzer=analyzer)
    X = vec.fit_transform(train_texts)
    return X, [vec.transform(t) for t in other], vec
