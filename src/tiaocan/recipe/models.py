"""Candidate models for the guide's "model selection" step, each with dropout.

Text (token ids, 0 = padding): a bag-of-embeddings MLP (Joulin et al. 2017, fastText), a 1-D
CNN (Kim 2014) and a (Bi)LSTM (Hochreiter & Schmidhuber 1997) with max-pooling over time.
Dense features (TF-IDF, tabular, flattened images): an MLP, or with no hidden layer a linear
head, i.e. multinomial logistic regression trained by the recipe (on TF-IDF a strong topic
classifier: Joachims 1998; Wang & Manning 2012). Small images: a CNN whose depth,
kernel size and activation are the guide's "network parameters".

Every model lists its ``layers()`` in order, so ``freeze=N`` freezes the first N of them
(the embedding first, the classifier head last).

>>> model = build_model({"model": "mlp", "hidden": 16, "depth": 1, "dropout": 0.1},
...                     Inputs(kind="dense", shape=(8,), n_classes=3), seed=0)
>>> tuple(model(torch.zeros(2, 8)).shape)
(2, 3)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from tiaocan.errors import ConfigError

__all__ = [
    "ACTIVATIONS",
    "MLP",
    "BagOfEmbeddings",
    "Inputs",
    "LSTMClassifier",
    "SmallCNN",
    "TextCNN",
    "build_model",
]

ACTIVATIONS: dict[str, type[nn.Module]] = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh,
                                           "silu": nn.SiLU}


def _activation(name: str) -> nn.Module:
    if name not in ACTIVATIONS:
        raise ConfigError(f"activation must be one of {sorted(ACTIVATIONS)}, received {name!r}")
    return ACTIVATIONS[name]()


@dataclass(frozen=True)
class Inputs:
    """What the data looks like: ``kind`` is ``"tokens"``, ``"dense"`` or ``"image"``.

    ``shape`` is per sample: ``(max_len,)`` for tokens, ``(n_features,)`` for dense,
    ``(channels, height, width)`` for images; ``vocab_size`` counts ids including padding 0.
    """

    kind: str
    shape: tuple[int, ...]
    n_classes: int
    vocab_size: int = 0


class _Layered(nn.Module):
    def layers(self) -> list[tuple[str, nn.Module]]:
        return list(self.named_children())


class MLP(_Layered):
    """Flatten → ``depth`` × (Linear → activation → Dropout) → Linear.

    ``depth=0`` is the linear head: logits = W·x + b, nothing else.
    """

    def __init__(self, n_in: int, n_classes: int, hidden: int = 128, depth: int = 1,
                 dropout: float = 0.1, activation: str = "relu") -> None:
        super().__init__()
        if isinstance(depth, bool) or not hasattr(depth, "__index__") or int(depth) < 0:
            raise ConfigError(f"depth must be an int >= 0 (0: linear head), received {depth!r}")
        depth = int(depth)
        blocks: list[nn.Module] = []
        width = n_in
        for _ in range(depth):
            blocks.append(nn.Sequential(nn.Linear(width, hidden), _activation(activation),
                                        nn.Dropout(dropout)))
            width = hidden
        self.body = nn.Sequential(*blocks)
        self.head = nn.Linear(width, n_classes)

    def layers(self) -> list[tuple[str, nn.Module]]:
        return [*((f"body.{i}", b) for i, b in enumerate(self.body)), ("head", self.head)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.head(self.body(x.flatten(1)))
        return out


class BagOfEmbeddings(_Layered):
    """Mean of the token embeddings (padding ignored) → hidden layer → classes."""

    def __init__(self, vocab_size: int, n_classes: int, embed_dim: int = 64, hidden: int = 64,
                 dropout: float = 0.1, activation: str = "relu") -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.hidden = nn.Sequential(nn.Dropout(dropout), nn.Linear(embed_dim, hidden),
                                    _activation(activation), nn.Dropout(dropout))
        self.head = nn.Linear(hidden, n_classes)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        mask = (tokens != 0).unsqueeze(-1).float()
        summed = (self.embedding(tokens) * mask).sum(1)
        out: torch.Tensor = self.head(self.hidden(summed / mask.sum(1).clamp(min=1.0)))
        return out


class TextCNN(_Layered):
    """Embedding → Conv1d(kernel) → activation → max over time → Dropout → classes."""

    def __init__(self, vocab_size: int, n_classes: int, embed_dim: int = 64, channels: int = 64,
                 kernel_size: int = 3, dropout: float = 0.1, activation: str = "relu") -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.conv = nn.Sequential(nn.Conv1d(embed_dim, channels, kernel_size,
                                            padding=kernel_size // 2), _activation(activation))
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(channels, n_classes))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        h = self.conv(self.embedding(tokens).transpose(1, 2))  # (N, C, L)
        out: torch.Tensor = self.head(h.max(dim=2).values)
        return out


class LSTMClassifier(_Layered):
    """Embedding → (Bi)LSTM → max over time of the outputs → Dropout → classes."""

    def __init__(self, vocab_size: int, n_classes: int, embed_dim: int = 64, hidden: int = 64,
                 bidirectional: bool = True, dropout: float = 0.1) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.lstm = nn.LSTM(embed_dim, hidden, batch_first=True, bidirectional=bidirectional)
        self.head = nn.Sequential(nn.Dropout(dropout),
                                  nn.Linear(hidden * (2 if bidirectional else 1), n_classes))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(self.embedding(tokens))
        pad = (tokens == 0).unsqueeze(-1)
        logits: torch.Tensor = self.head(out.masked_fill(pad, -1e4).max(dim=1).values)
        return logits


class SmallCNN(_Layered):
    """``depth`` × (Conv2d → activation → MaxPool(2) when the map is large) → Dropout → classes."""

    def __init__(self, shape: tuple[int, ...], n_classes: int, channels: int = 16, depth: int = 2,
                 kernel_size: int = 3, dropout: float = 0.1, activation: str = "relu") -> None:
        super().__init__()
        c, h, w = shape
        blocks: list[nn.Module] = []
        for i in range(depth):
            out = channels * 2 ** i
            pool = min(h, w) >= 4
            blocks.append(nn.Sequential(nn.Conv2d(c, out, kernel_size, padding=kernel_size // 2),
                                        _activation(activation),
                                        nn.MaxPool2d(2) if pool else nn.Identity()))
            c, h, w = out, (h // 2 if pool else h), (w // 2 if pool else w)
        self.features = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(c * h * w, n_classes))

    def layers(self) -> list[tuple[str, nn.Module]]:
        return [*((f"features.{i}", b) for i, b in enumerate(self.features)), ("head", self.head)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.head(self.features(x))
        return out


def _pick(params: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {k: params[k] for k in names if k in params}


def build_model(params: Mapping[str, Any], inputs: Inputs, seed: int = 0) -> nn.Module:
    """The model ``params["model"]`` names, sized for ``inputs``, initialised from ``seed``.

    Accepted names: ``"mlp"`` and ``"linear"`` (an MLP with no hidden layer) for dense or
    image inputs, ``"embbag"``, ``"cnn"`` (token or image inputs), ``"lstm"`` (tokens).
    """
    name = params.get("model", "mlp")
    torch.manual_seed(seed)
    common = ("dropout", "activation")
    if name in ("mlp", "linear") and inputs.kind in ("dense", "image"):
        n_in = 1
        for d in inputs.shape:
            n_in *= d
        if name == "linear":
            return MLP(n_in, inputs.n_classes, depth=0)
        return MLP(n_in, inputs.n_classes, **_pick(params, ("hidden", "depth", *common)))
    if name == "cnn" and inputs.kind == "image":
        return SmallCNN(inputs.shape, inputs.n_classes,
                        **_pick(params, ("channels", "depth", "kernel_size", *common)))
    if inputs.kind == "tokens" and name in ("embbag", "cnn", "lstm"):
        v, k = inputs.vocab_size, inputs.n_classes
        if name == "embbag":
            return BagOfEmbeddings(v, k, **_pick(params, ("embed_dim", "hidden", *common)))
        if name == "cnn":
            return TextCNN(v, k, **_pick(params, ("embed_dim", "channels", "kernel_size", *common)))
        return LSTMClassifier(v, k, **_pick(params, ("embed_dim", "hidden", "bidirectional",
                                                     "dropout")))
    raise ConfigError(f"model {name!r} does not take {inputs.kind!r} inputs; accepted: 'mlp' "
                      "and 'linear' (dense, image), 'cnn' (image, tokens), 'embbag' and 'lstm' "
                      "(tokens)")
