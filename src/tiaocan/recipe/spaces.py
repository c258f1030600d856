"""Default search spaces: the tuning guide's priors as :class:`tiaocan.Space` objects.

The guide's ranges, used as priors to search around (``widen`` stretches every log range by
that factor on both sides):

- learning rate, conditioned on the optimizer: SGD [1e-2, 1e-1], SGD + momentum [1e-3, 1e-2],
  Adam/AdamW [1e-3, 1e-2];
- batch size [8, 256] on a log scale, with the lr scaled with it when ``lr_scaling`` says so;
- epochs [3, 5] for fine-tuning (from scratch, epochs are the study's fidelity instead);
- weight decay [0.01, 0.1] when data is small (decoupled, AdamW; a coupled L2 ``l2`` in
  [1e-6, 1e-3] for the others); label smoothing [0, 0.2]; dropout around 0.1;
- warmup fraction, cosine annealing, gradient accumulation steps.

>>> space = training_space(optimizers=("sgd", "adam"))
>>> sorted(space.names)[:3]
['accumulation_steps', 'batch_size', 'cosine']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import tiaocan as tc
from tiaocan.errors import ConfigError

__all__ = [
    "LR_PRIORS",
    "default_space",
    "dense_model_space",
    "image_model_space",
    "lr_of",
    "optimizer_space",
    "text_model_space",
    "training_space",
]

#: The guide's learning-rate ranges per optimizer.
LR_PRIORS: dict[str, tuple[float, float]] = {
    "sgd": (1e-2, 1e-1),
    "momentum": (1e-3, 1e-2),
    "adam": (1e-3, 1e-2),
    "adamw": (1e-3, 1e-2),
}


def _widened(low: float, high: float, widen: float) -> tuple[float, float]:
    if not (isinstance(widen, (int, float)) and math.isfinite(widen) and widen >= 1):
        raise ConfigError(f"widen must be a number >= 1, received {widen!r}")
    return low / widen, high * widen


def optimizer_space(optimizers: Sequence[str] = ("sgd", "momentum", "adam", "adamw"),
                    widen: float = 1.0) -> dict[str, Any]:
    """``optimizer`` plus one learning rate per optimizer (``lr_<name>``), active only with it.

    The loop reads the active one through :func:`lr_of`'s convention: a trial's params hold
    exactly one ``lr_*`` key.
    """
    unknown = [o for o in optimizers if o not in LR_PRIORS]
    if unknown or not optimizers:
        raise ConfigError(f"optimizers must be a non-empty subset of {sorted(LR_PRIORS)}, "
                          f"received {list(optimizers)!r}")
    params: dict[str, Any] = {"optimizer": tc.Categorical(list(optimizers))}
    for name in optimizers:
        low, high = _widened(*LR_PRIORS[name], widen)
        params[f"lr_{name}"] = tc.Float(low, high, log=True, when={"optimizer": name})
    if "momentum" in optimizers:
        params["momentum"] = tc.Float(0.8, 0.99, when={"optimizer": "momentum"})
    return params


def training_space(*, optimizers: Sequence[str] = ("sgd", "momentum", "adam", "adamw"),
                   widen: float = 1.0, batch_size: tuple[int, int] = (8, 256),
                   fine_tuning: bool = False, small_data: bool = True,
                   max_accumulation: int = 4) -> tc.Space:
    """The optimisation and regularisation knobs of the guide.

    Args:
        fine_tuning: add ``epochs`` in [3, 5] and freezing knobs; otherwise epochs are left
            to the study's fidelity (``tc.Fidelity("epoch", ...)``).
        small_data: weight decay in the guide's [0.01, 0.1] (else [1e-5, 1e-1], log).
        max_accumulation: accumulation steps range up to this (1 disables the knob).
    """
    params = optimizer_space(optimizers, widen)
    wd = (0.01, 0.1) if small_data else (1e-5, 1e-1)
    # The guide's [0.01, 0.1] is a decoupled decay (AdamW). As a coupled L2 term it would
    # swamp the data gradient (Adam normalises it away: Loshchilov & Hutter 2019, sec. 2), so
    # the other optimizers get their own, much smaller, L2 range ("l2", folded by lr_of).
    if "adamw" in optimizers:
        params["weight_decay"] = tc.Float(*wd, log=True, when={"optimizer": "adamw"})
    coupled = [o for o in optimizers if o != "adamw"]
    if coupled:
        params["l2"] = tc.Float(1e-6, 1e-3, log=True, when={"optimizer": coupled})
    params.update(
        batch_size=tc.Int(*batch_size, log=True),
        lr_scaling=tc.Categorical(["none", "linear", "sqrt"]),
        label_smoothing=tc.Float(0.0, 0.2),
        warmup_fraction=tc.Float(0.0, 0.2),
        cosine=tc.Categorical([True, False]),
    )
    if max_accumulation > 1:
        params["accumulation_steps"] = tc.Int(1, max_accumulation)
    if fine_tuning:
        params.update(epochs=tc.Int(3, 5), freeze=tc.Int(0, 1), unfreeze_epoch=tc.Int(2, 3, when={"freeze": 1}))
    return tc.Space(params)


def lr_of(params: dict[str, Any]) -> dict[str, Any]:
    """Fold the optimizer-conditioned knobs into what :class:`TrainConfig` reads: the active
    ``lr_<optimizer>`` into ``lr`` and ``l2`` into ``weight_decay``.

    >>> lr_of({"optimizer": "sgd", "lr_sgd": 0.05, "l2": 1e-4})
    {'optimizer': 'sgd', 'weight_decay': 0.0001, 'lr': 0.05}
    """
    out = {k: v for k, v in params.items()
           if (not k.startswith("lr_") or k == "lr_scaling") and k != "l2"}
    if "l2" in params:
        out["weight_decay"] = params["l2"]
    key = f"lr_{params.get('optimizer', '')}"
    if key in params:
        out["lr"] = params[key]
    return out


def _dropout() -> tc.Float:
    return tc.Float(0.0, 0.5)  # the guide's "usually 0.1" sits inside; the study refines it


def text_model_space(models: Sequence[str] = ("bow_linear", "bow_mlp", "embbag", "cnn", "lstm"),
                     max_features: int = 16000) -> dict[str, Any]:
    """Model choice for text with each family's own knobs (conditional sub-spaces).

    ``bow_linear`` (multinomial logistic regression) and ``bow_mlp`` read TF-IDF features of
    words, words + bigrams or character n-grams (``terms``), of which χ² keeps ``n_features``;
    the others read token ids (``max_len`` tokens). The linear model has no hidden layer, so
    no ``hidden`` width and no dropout. ``max_features`` caps ``n_features`` (short texts
    have fewer terms than 16,000).
    """
    m = list(models)
    tokens = [x for x in m if x not in ("bow_linear", "bow_mlp")]
    bow = [x for x in m if x in ("bow_linear", "bow_mlp")]
    params: dict[str, Any] = {"model": tc.Categorical(m)}
    layered = [x for x in m if x != "bow_linear"]
    if layered:
        params["dropout"] = _dropout() if layered == m else tc.Float(0.0, 0.5, when={"model": layered})
    hidden = [x for x in layered if x != "cnn"]
    if hidden:
        params["hidden"] = tc.Int(32, 256, log=True, when={"model": hidden})
    if bow:
        params["terms"] = tc.Categorical(["words", "bigrams", "chars"], when={"model": bow})
        high = min(16000, max_features)
        params["n_features"] = tc.Int(min(1000, high // 2), high, log=True, when={"model": bow})
    if tokens:
        params["embed_dim"] = tc.Int(16, 128, log=True, when={"model": tokens})
        params["max_len"] = tc.Categorical([64, 128, 256], when={"model": tokens})
    if "cnn" in m:
        params["channels"] = tc.Int(16, 128, log=True, when={"model": "cnn"})
        params["kernel_size"] = tc.Categorical([3, 5, 7], when={"model": "cnn"})
    if "lstm" in m:
        params["bidirectional"] = tc.Categorical([True, False], when={"model": "lstm"})
    return params


def image_model_space() -> dict[str, Any]:
    """MLP or small CNN; kernel size, activation and depth are searchable."""
    return {
        "model": tc.Categorical(["mlp", "cnn"]),
        "dropout": _dropout(),
        "activation": tc.Categorical(["relu", "gelu", "tanh"]),
        "depth": tc.Int(1, 3),
        "hidden": tc.Int(32, 512, log=True, when={"model": "mlp"}),
        "channels": tc.Int(8, 64, log=True, when={"model": "cnn"}),
        "kernel_size": tc.Categorical([3, 5], when={"model": "cnn"}),
    }


def dense_model_space() -> dict[str, Any]:
    """An MLP for tabular features: width, depth, activation, dropout."""
    return {
        "model": tc.Categorical(["mlp"]),
        "dropout": _dropout(),
        "activation": tc.Categorical(["relu", "gelu", "tanh"]),
        "depth": tc.Int(1, 3),
        "hidden": tc.Int(16, 256, log=True),
    }


def default_space(task: str, **training: Any) -> tc.Space:
    """Model choice for ``task`` (``"text"``, ``"image"``, ``"tabular"``) plus training knobs.

    Keyword arguments go to :func:`training_space`.

    >>> "model" in default_space("image").names
    True
    """
    models = {"text": text_model_space, "image": image_model_space, "tabular": dense_model_space}
    if task not in models:
        raise ConfigError(f"task must be one of {sorted(models)}, received {task!r}")
    merged = dict(training_space(**training))
    merged.update(models[task]())
    return tc.Space(merged)
