"""The main job on text: BBC News topic classification, every step of the tuning guide.

Inspect → clean (a choice: none / basic / + spelling) → augment (a choice) → select features
(χ² for the TF-IDF model) → choose a model (TF-IDF MLP or bag of embeddings; 1-D CNN and
BiLSTM on request) → tune its
knobs with the guide's priors under Hyperband/BOHB and 5-fold CV → ensemble the best trials →
compare with an untuned model of the same family and TF-IDF + logistic regression.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import tiaocan as tc
from tiaocan.demos.runner import Baseline, run_study
from tiaocan.demos.text_data import CLEAN_VARIANTS, TextDataset, load_bbc
from tiaocan.recipe.cv import accuracy_score
from tiaocan.recipe.kfold import FoldData
from tiaocan.recipe.models import Inputs
from tiaocan.recipe.spaces import text_model_space, training_space

__all__ = ["TextTask", "run_text_demo"]


class TextTask:
    """The BBC News task for :func:`~tiaocan.demos.runner.run_study`."""

    name = "bbc-news"

    def __init__(self, data: TextDataset, models: tuple[str, ...] = ("bow_mlp", "embbag")
                 ) -> None:
        self.data, self.models, self.k = data, models, data.k
        self.y_dev, self.y_test = data.y_dev, data.y_test
        self.n_classes = len(data.classes)

    def space(self) -> tc.Space:
        params = dict(training_space(optimizers=("sgd", "momentum", "adam", "adamw"), widen=3.0,
                                     batch_size=(8, 128), max_accumulation=2))
        params.update(text_model_space(self.models))
        params["clean"] = tc.Categorical(list(CLEAN_VARIANTS))
        params["augment"] = tc.Categorical([False, True])
        return tc.Space(params)

    def fold_data(self, params: dict[str, Any]) -> list[FoldData]:
        return self.data.fold_data(params)

    def inputs(self, params: dict[str, Any], fold: int) -> Inputs:
        if params["model"] == "bow_mlp":
            return Inputs("dense", (int(params["n_features"]),), self.n_classes)
        return Inputs("tokens", (int(params["max_len"]),), self.n_classes,
                      self.data.vocab_size(params, fold))

    def model_params(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**params, "model": "mlp" if params["model"] == "bow_mlp" else params["model"],
                "depth": 1}

    def defaults(self, model: str) -> dict[str, Any]:
        """Sensible untuned settings: Adam 1e-3, batch 32, dropout 0.1, 5 epochs, basic
        cleaning, no augmentation, no regularisation beyond dropout."""
        base: dict[str, Any] = {"model": model, "optimizer": "adam", "lr_adam": 1e-3,
                                "batch_size": 32, "dropout": 0.1, "epochs": 5, "clean": "basic",
                                "augment": False, "hidden": 64}
        extra = {"bow_mlp": {"n_features": 2000}, "embbag": {"embed_dim": 64, "max_len": 256},
                 "cnn": {"embed_dim": 64, "max_len": 256, "channels": 64, "kernel_size": 3},
                 "lstm": {"embed_dim": 64, "max_len": 256, "bidirectional": True}}
        return {**base, **extra[model]}

    def priors(self) -> list[dict[str, Any]]:
        """The guide's priors as a first trial: AdamW in the middle of [1e-3, 1e-2], batch 32,
        weight decay for small data, label smoothing 0.1, dropout 0.1, warmup, cosine."""
        return [{"optimizer": "adamw", "lr_adamw": 3e-3, "batch_size": 32, "lr_scaling": "none",
                 "weight_decay": 0.05, "label_smoothing": 0.1, "warmup_fraction": 0.1,
                 "cosine": True, "accumulation_steps": 1, "model": "bow_mlp", "dropout": 0.1,
                 "hidden": 128, "n_features": 4000, "clean": "basic", "augment": False}]

    def describe_data(self) -> list[str]:
        d = self.data
        d.prepare()  # every variant's features, built once before the workers fork
        lines = [(f"data: BBC News ({len(d.texts)} articles, {len(d.classes)} topics: "
                  f"{', '.join(d.classes)}); {len(d.dev)} for {d.k}-fold CV, {len(d.test)} held out"),
                 "inspect: " + d.report.summary()]
        for name, stats in d.clean_stats.items():
            lines.append(f"clean '{name}': {stats.summary()}")
        lines.append("augment: one EDA copy per training text (3 Moby-thesaurus synonyms, 1 swap,"
                     " 10% deletion) when the trial's 'augment' is True")
        return lines

    def extra_baselines(self) -> list[Baseline]:
        """TF-IDF (uni+bigrams, sublinear tf) + logistic regression, fitted on all dev rows."""
        from sklearn.linear_model import LogisticRegression

        from tiaocan.data.features import tfidf_features

        texts = self.data.cleaned("basic")
        dev = [texts[i] for i in self.data.dev]
        test = [texts[i] for i in self.data.test]
        X, (Xt,), _ = tfidf_features(dev, [test], ngram_range=(1, 2))
        clf = LogisticRegression(max_iter=2000).fit(X, self.y_dev)
        return [Baseline("TF-IDF + logistic regression (sklearn defaults)",
                         accuracy_score(self.y_test, clf.predict_proba(Xt)))]


def run_text_demo(storage: str, *, seed: int = 0, n_workers: int = 2, timeout: float = 150.0,
                  n_trials: int | None = None, max_epochs: int = 9, subsample: int | None = None,
                  models: tuple[str, ...] = ("bow_mlp", "embbag"),
                  show_progress: bool | None = None) -> dict[str, Any]:
    """Run the text demo end to end and print its report.

    ``models`` may add ``"cnn"`` and ``"lstm"``; they are left out by default because on two
    CPU cores neither trains to a competitive accuracy within the demo's time limit.
    """
    data = load_bbc(seed=seed, subsample=subsample)
    task = TextTask(data, models)
    np.seterr(all="ignore")
    return run_study(task, storage=storage, seed=seed, n_workers=n_workers, timeout=timeout,
                     max_epochs=max_epochs, n_trials=n_trials, show_progress=show_progress)
