"""Every knob of the training recipe acts (the tuning guide's list)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn

from tiaocan.errors import ConfigError
from tiaocan.recipe.config import LRScaling, OptimizerName, TrainConfig
from tiaocan.recipe.loop import Trainer, fit
from tiaocan.recipe.optim import (
    build_optimizer,
    freeze_layers,
    frozen_names,
    lr_factor,
    param_groups,
)


def _data(n: int = 32, d: int = 6, k: int = 3, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=g), torch.randint(0, k, (n,), generator=g)


def _net(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 8), nn.LayerNorm(8), nn.ReLU(), nn.Linear(8, 3))


def _params(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def test_optimizer_names_map_to_torch_optimizers() -> None:
    kinds = {"sgd": (torch.optim.SGD, 0), "momentum": (torch.optim.SGD, 0.9),
             "adam": (torch.optim.Adam, None), "adamw": (torch.optim.AdamW, None)}
    for name, (cls, momentum) in kinds.items():
        opt = build_optimizer(_net(), TrainConfig(optimizer=name, lr=0.01, momentum=0.9))
        assert type(opt) is cls
        if momentum is not None:
            assert opt.param_groups[0]["momentum"] == momentum
    with pytest.raises(ConfigError, match="optimizer must be one of"):
        TrainConfig(optimizer="rmsprop")


@pytest.mark.parametrize("rule,expected", [("none", 0.01), ("linear", 0.04), ("sqrt", 0.02)])
def test_lr_moves_with_the_effective_batch(rule: str, expected: float) -> None:
    cfg = TrainConfig(lr=0.01, batch_size=64, accumulation_steps=2, base_batch_size=32,
                      lr_scaling=rule)
    assert cfg.effective_batch_size == 128
    assert cfg.effective_lr == pytest.approx(expected)
    assert build_optimizer(_net(), cfg).param_groups[0]["lr"] == pytest.approx(expected)


def test_weight_decay_skips_biases_and_norms() -> None:
    model = _net()
    groups = {g["name"]: g for g in param_groups(model, 0.1)}
    names = {id(p): n for n, p in model.named_parameters()}
    decayed = sorted(names[id(p)] for p in groups["decay"]["params"])
    assert decayed == ["0.weight", "3.weight"]
    assert groups["no_decay"]["weight_decay"] == 0.0
    # acting: with zero gradients, AdamW shrinks decayed weights only
    cfg = TrainConfig(optimizer="adamw", lr=0.1, weight_decay=0.5)
    opt = build_optimizer(model, cfg)
    before = _params(model)
    for p in model.parameters():
        p.grad = torch.zeros_like(p)
    opt.step()
    after = _params(model)
    assert not torch.equal(before["0.weight"], after["0.weight"])
    for name in ("0.bias", "1.weight", "1.bias", "3.bias"):
        assert torch.equal(before[name], after[name]), name


def test_accumulation_4x8_equals_one_step_of_32() -> None:
    X, y = _data(32)
    big, small = _net(), _net()
    cfg = TrainConfig(optimizer="sgd", lr=0.5, epochs=1, device="cpu", seed=3)
    t_big = Trainer(big, cfg.with_(batch_size=32), X, y)
    t_small = Trainer(small, cfg.with_(batch_size=8, accumulation_steps=4), X, y)
    t_big.train_epoch()
    t_small.train_epoch()
    assert t_big.steps_per_epoch == t_small.steps_per_epoch == 1
    for (name, a), b in zip(big.state_dict().items(), small.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-6), name


def test_accumulation_handles_an_uneven_last_batch() -> None:
    X, y = _data(30)
    big, small = _net(), _net()
    cfg = TrainConfig(optimizer="sgd", lr=0.5, epochs=1, device="cpu")
    Trainer(big, cfg.with_(batch_size=30), X, y).train_epoch()
    Trainer(small, cfg.with_(batch_size=8, accumulation_steps=4), X, y).train_epoch()
    for a, b in zip(big.parameters(), small.parameters()):
        assert torch.allclose(a, b, atol=1e-6)


def test_warmup_then_cosine_values() -> None:
    total, warm = 20, 4
    f = [lr_factor(s, total, warm, cosine=True) for s in range(total)]
    assert f[:4] == pytest.approx([0.25, 0.5, 0.75, 1.0])
    assert f[4] == pytest.approx(1.0)
    assert f[-1] == pytest.approx(0.0)
    mid = warm + (total - warm - 1) / 2  # half-way through the cosine: half the lr
    assert lr_factor(int(mid), total, warm, True) == pytest.approx(
        0.5 * (1 + math.cos(math.pi * (int(mid) - warm) / (total - warm - 1))))
    assert all(a >= b for a, b in itertools.pairwise(f[4:]))
    assert lr_factor(10, 20, 0, cosine=False) == 1.0
    assert lr_factor(19, 20, 0, cosine=True, min_ratio=0.1) == pytest.approx(0.1)


def test_trainer_applies_the_schedule_per_step() -> None:
    X, y = _data(40)
    cfg = TrainConfig(lr=0.1, batch_size=10, epochs=2, warmup_fraction=0.25, cosine=True,
                      device="cpu")
    t = Trainer(_net(), cfg, X, y)
    t.train_epoch()
    t.train_epoch()
    expected = [0.1 * lr_factor(s, 8, 2, True) for s in range(8)]
    assert t.lrs == pytest.approx(expected)


def test_label_smoothing_changes_the_loss_as_the_formula_says() -> None:
    X, y = _data(16)
    model = _net()
    with torch.no_grad():
        logits = model(X)
    eps, k = 0.1, 3
    logp = torch.log_softmax(logits, 1)
    target = torch.full_like(logp, eps / k).scatter_(1, y[:, None], 1 - eps + eps / k)
    expected = float(-(target * logp).sum(1).mean())
    t = Trainer(model, TrainConfig(label_smoothing=eps, device="cpu"), X, y)
    assert float(t.loss_fn(logits, y)) == pytest.approx(expected, rel=1e-6)
    plain = float(nn.functional.cross_entropy(logits, y))
    assert float(t.loss_fn(logits, y)) != pytest.approx(plain)


def test_dropout_is_active_in_training_only() -> None:
    from tiaocan.recipe.models import Inputs, build_model

    m = build_model({"model": "mlp", "hidden": 64, "dropout": 0.5}, Inputs("dense", (6,), 3))
    X, _ = _data(8)
    m.train()
    assert not torch.equal(m(X), m(X))
    m.eval()
    assert torch.equal(m(X), m(X))


def test_frozen_layers_do_not_change_and_unfreeze_later() -> None:
    X, y = _data(32)
    model = _net()
    cfg = TrainConfig(optimizer="adamw", lr=0.1, weight_decay=0.1, freeze=1, unfreeze_epoch=2,
                      batch_size=8, device="cpu")
    t = Trainer(model, cfg, X, y)
    assert frozen_names(model) == ["0.weight", "0.bias"]
    before = _params(model)
    t.train_epoch()
    after = _params(model)
    assert torch.equal(before["0.weight"], after["0.weight"])
    assert not torch.equal(before["3.weight"], after["3.weight"])
    t.train_epoch()  # epoch 2: unfrozen
    assert frozen_names(model) == []
    assert not torch.equal(after["0.weight"], model.state_dict()["0.weight"])


def test_freeze_by_name_prefix() -> None:
    model = _net()
    assert freeze_layers(model, ("3.",)) == ["3.weight", "3.bias"]
    assert not model[3].weight.requires_grad and model[0].weight.requires_grad
    with pytest.raises(ConfigError, match="match no parameter"):
        freeze_layers(_net(), ("encoder.",))


def test_early_stopping_with_patience() -> None:
    X, y = _data(32)
    scores = iter([0.5, 0.6, 0.55, 0.55, 0.58, 0.9])
    result = fit(_net(), TrainConfig(epochs=6, patience=2, device="cpu"), (X, y), (X, y),
                 metric=lambda yt, p: next(scores))
    assert result.stopped_early and result.history == (0.5, 0.6, 0.55, 0.55)
    assert result.best_epoch == 2


class _FakeTrial:
    def __init__(self, stop_at: int) -> None:
        self.reports: list[tuple[float, int]] = []
        self.stop_at = stop_at
        self.saved: object = None

    def report(self, value: float, step: int) -> None:
        self.reports.append((value, step))

    def should_stop(self) -> bool:
        return len(self.reports) >= self.stop_at

    def save_checkpoint(self, obj: object) -> None:
        self.saved = obj

    def load_checkpoint(self) -> object:
        return self.saved


def test_fit_reports_each_epoch_and_obeys_should_stop() -> None:
    X, y = _data(32)
    trial = _FakeTrial(stop_at=2)
    result = fit(_net(), TrainConfig(epochs=5, device="cpu"), (X, y), (X, y), trial=trial)
    assert [s for _, s in trial.reports] == [1, 2]
    assert result.pruned and result.epochs_run == 2


def test_fit_resumes_from_the_trials_checkpoint() -> None:
    X, y = _data(32)
    cfg = TrainConfig(epochs=4, device="cpu", seed=1)
    straight = fit(_net(), cfg, (X, y), (X, y), restore_best=False)
    trial = _FakeTrial(stop_at=99)
    fit(_net(), cfg, (X, y), (X, y), trial=trial, epochs=2, restore_best=False)
    resumed = fit(_net(), cfg, (X, y), (X, y), trial=trial, restore_best=False)
    assert [s for _, s in trial.reports] == [1, 2, 3, 4]
    assert resumed.history == pytest.approx(straight.history)


def test_training_is_deterministic_on_cpu() -> None:
    X, y = _data(48)
    cfg = TrainConfig(batch_size=8, epochs=2, seed=5, device="cpu")
    a, b = _net(1), _net(1)
    fit(a, cfg, (X, y))
    fit(b, cfg, (X, y))
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)
    c = _net(1)
    fit(c, cfg.with_(seed=6), (X, y))
    assert not all(torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters()))


def test_device_auto_picks_cuda_only_when_available() -> None:
    from tiaocan.recipe.loop import resolve_device

    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device("cpu").type == "cpu"


@pytest.mark.parametrize("bad", [{"lr": 0}, {"batch_size": 0}, {"label_smoothing": 1.0},
                                 {"warmup_fraction": 1.5}, {"freeze": -1}, {"lr_scaling": "cube"}])
def test_bad_knobs_name_the_parameter(bad: dict[str, object]) -> None:
    name = next(iter(bad))
    with pytest.raises(ConfigError, match=name):
        TrainConfig(**bad)  # type: ignore[arg-type]


def test_from_params_ignores_model_knobs() -> None:
    cfg = TrainConfig.from_params({"optimizer": "momentum", "lr": 0.005, "hidden": 5,
                                   "cosine": True}, seed=3)
    assert cfg.optimizer is OptimizerName.MOMENTUM and cfg.cosine and cfg.seed == 3
    assert cfg.lr_scaling is LRScaling.NONE
    assert np.isclose(cfg.effective_lr, 0.005)


def test_epochs_and_gradient_clipping_act() -> None:
    X, y = _data(32)
    result = fit(_net(), TrainConfig(epochs=3, device="cpu"), (X, y), (X, y))
    assert result.epochs_run == 3 and len(result.train_losses) == 3
    model = _net()
    t = Trainer(model, TrainConfig(optimizer="sgd", lr=1.0, batch_size=32, max_grad_norm=1e-3,
                                   device="cpu"), X, y)
    before = torch.cat([p.detach().flatten().clone() for p in model.parameters()])
    t.train_epoch()
    after = torch.cat([p.detach().flatten() for p in model.parameters()])
    assert float((after - before).norm()) == pytest.approx(1e-3, rel=1e-3)  # lr × clipped norm
