"""The guide's priors as spaces, and the candidate models."""

from __future__ import annotations

import numpy as np
import pytest

import tiaocan as tc
from tiaocan.errors import ConfigError
from tiaocan.recipe.spaces import LR_PRIORS, default_space, lr_of, optimizer_space, training_space

torch = pytest.importorskip("torch")


def test_lr_is_conditioned_on_the_optimizer_with_the_guides_ranges() -> None:
    space = tc.Space(optimizer_space())
    rng = np.random.default_rng(0)
    for _ in range(50):
        cfg = space.sample(rng)
        lrs = [k for k in cfg if k.startswith("lr_")]
        assert lrs == [f"lr_{cfg['optimizer']}"]
        low, high = LR_PRIORS[cfg["optimizer"]]
        assert low <= cfg[lrs[0]] <= high
    assert space["lr_sgd"].low == 1e-2 and space["lr_momentum"].high == 1e-2


def test_widen_stretches_the_ranges() -> None:
    space = tc.Space(optimizer_space(("adam",), widen=10))
    assert (space["lr_adam"].low, space["lr_adam"].high) == pytest.approx((1e-4, 1e-1))
    with pytest.raises(ConfigError, match="widen"):
        optimizer_space(widen=0.5)
    with pytest.raises(ConfigError, match="optimizers"):
        optimizer_space(("lion",))


def test_training_space_priors() -> None:
    s = training_space(fine_tuning=True)
    assert (s["batch_size"].low, s["batch_size"].high, s["batch_size"].log) == (8, 256, True)
    assert (s["epochs"].low, s["epochs"].high) == (3, 5)
    assert (s["weight_decay"].low, s["weight_decay"].high) == (0.01, 0.1)
    assert (s["label_smoothing"].low, s["label_smoothing"].high) == (0.0, 0.2)
    assert "epochs" not in training_space()  # from scratch: epochs are the fidelity


@pytest.mark.parametrize("task,kind", [("text", "tokens"), ("image", "image"), ("tabular", "dense")])
def test_every_sampled_model_builds_and_trains(task: str, kind: str) -> None:
    from tiaocan.recipe.config import TrainConfig
    from tiaocan.recipe.loop import Trainer
    from tiaocan.recipe.models import Inputs, build_model

    space = default_space(task)
    rng = np.random.default_rng(1)
    seen = set()
    for _ in range(8):
        params = lr_of(space.sample(rng))
        model_name = {"bow_mlp": "mlp", "bow_linear": "linear"}.get(params["model"],
                                                                    params["model"])
        if kind == "tokens" and model_name in ("mlp", "linear"):
            inputs, X = Inputs("dense", (20,), 4), torch.rand(16, 20)
        elif kind == "tokens":
            inputs, X = Inputs("tokens", (12,), 4, vocab_size=30), torch.randint(0, 30, (16, 12))
        elif kind == "image":
            inputs, X = Inputs("image", (1, 8, 8), 4), torch.rand(16, 1, 8, 8)
        else:
            inputs, X = Inputs("dense", (5,), 4), torch.rand(16, 5)
        model = build_model({**params, "model": model_name}, inputs, seed=0)
        cfg = TrainConfig.from_params(params, device="cpu", epochs=1)
        Trainer(model, cfg, X, torch.arange(16) % 4).train_epoch()
        assert model(X).shape == (16, 4)
        seen.add(params["model"])
    assert len(seen) >= (1 if task == "tabular" else 2)


def test_models_are_seeded_and_reject_mismatched_inputs() -> None:
    from tiaocan.recipe.models import Inputs, build_model

    inputs = Inputs("tokens", (10,), 3, vocab_size=20)
    a = build_model({"model": "cnn", "kernel_size": 5}, inputs, seed=4)
    b = build_model({"model": "cnn", "kernel_size": 5}, inputs, seed=4)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert a.conv[0].kernel_size == (5,)
    with pytest.raises(ConfigError, match="does not take"):
        build_model({"model": "lstm"}, Inputs("image", (1, 8, 8), 3))


def test_lstm_ignores_padding() -> None:
    from tiaocan.recipe.models import Inputs, build_model

    m = build_model({"model": "lstm", "bidirectional": False, "dropout": 0.0},
                    Inputs("tokens", (6,), 2, vocab_size=10), seed=0).eval()
    short = torch.tensor([[3, 4, 0, 0, 0, 0]])
    longer_pad = torch.tensor([[3, 4, 0, 0, 0, 0, 0, 0]])
    assert torch.allclose(m(short), m(longer_pad))


def test_text_space_gives_the_linear_head_no_hidden_width_or_dropout() -> None:
    from tiaocan.recipe.spaces import text_model_space

    space = tc.Space(text_model_space(("bow_linear", "bow_mlp", "embbag")))
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(60):
        params = space.sample(rng)
        seen.add(params["model"])
        is_bow = params["model"] in ("bow_linear", "bow_mlp")
        assert ("hidden" in params) == (params["model"] != "bow_linear")
        assert ("dropout" in params) == (params["model"] != "bow_linear")
        assert ("n_features" in params) == is_bow and ("terms" in params) == is_bow
        if is_bow:
            assert params["terms"] in ("words", "bigrams", "chars") and 1000 <= params["n_features"] <= 16000
    assert seen == {"bow_linear", "bow_mlp", "embbag"}


def test_linear_head_is_logistic_regression_trained_by_the_recipe() -> None:
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from tiaocan.recipe.config import TrainConfig
    from tiaocan.recipe.loop import Trainer
    from tiaocan.recipe.models import MLP, Inputs, build_model

    X, y = make_classification(n_samples=600, n_features=20, n_informative=8, n_classes=3,
                               n_clusters_per_class=1, class_sep=0.8, random_state=0)
    X = X.astype(np.float32)
    train, test = np.arange(400), np.arange(400, 600)
    model = build_model({"model": "linear", "hidden": 64, "dropout": 0.5},
                        Inputs("dense", (20,), 3), seed=0)
    assert isinstance(model, MLP) and len(model.body) == 0  # no hidden layer, no dropout
    assert [type(m) for m in model.modules()].count(torch.nn.Linear) == 1
    trainer = Trainer(model, TrainConfig(optimizer="adam", lr=0.05, epochs=30, batch_size=32,
                                         device="cpu"), X[train], y[train])
    for _ in range(30):
        trainer.train_epoch()
    ours = float(np.mean(trainer.predict_proba(X[test]).argmax(1) == y[test]))
    sklearn_acc = LogisticRegression(C=1e4, max_iter=5000).fit(X[train], y[train]).score(
        X[test], y[test])
    assert abs(ours - sklearn_acc) <= 0.03, (ours, sklearn_acc)
    assert ours > 0.6  # well above chance (1/3): the test can fail


def test_mlp_depth_is_validated() -> None:
    from tiaocan.recipe.models import MLP

    with pytest.raises(ConfigError, match="depth must be an int >= 0"):
        MLP(4, 2, depth=-1)
