"""Small training helpers shared by the weight-sharing searches (DARTS, supernet, scaling).

Data are tensors held in memory (8×8 digits fit easily); mini-batches are drawn with a
seeded ``torch.Generator`` so one seed repeats a run bit for bit on the CPU.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tiaocan.errors import ConfigError, require

__all__ = ["Split", "accuracy", "batches", "digits_split", "mean_loss", "resolve_device",
           "train_epoch"]


@dataclass(frozen=True)
class Split:
    """Train / validation / test tensors (images ``(N, C, H, W)``, integer labels)."""

    x_train: Any
    y_train: Any
    x_valid: Any
    y_valid: Any
    x_test: Any
    y_test: Any

    @property
    def in_channels(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def n_classes(self) -> int:
        return int(max(int(self.y_train.max()), int(self.y_valid.max()), int(self.y_test.max())) + 1)


def digits_split(seed: int = 0, valid: float = 0.2, test: float = 0.2) -> Split:
    """scikit-learn's 8×8 digits (shipped with the package, no download) as a seeded split."""
    torch = require("torch", "nas", "architecture search")
    datasets = require("sklearn.datasets", "nas", "the digits data")
    x, y = datasets.load_digits(return_X_y=True)  # type: ignore[attr-defined]
    images = torch.tensor(x, dtype=torch.float32).reshape(-1, 1, 8, 8) / 16.0
    labels = torch.tensor(y, dtype=torch.long)
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
    n_test, n_valid = int(len(order) * test), int(len(order) * valid)
    te, va, tr = order[:n_test], order[n_test:n_test + n_valid], order[n_test + n_valid:]
    return Split(images[tr], labels[tr], images[va], labels[va], images[te], labels[te])


def resolve_device(device: Any) -> Any:
    """A ``torch.device`` for ``"cpu"``, ``"cuda"``, ``"cuda:1"``…; a clear error without a GPU."""
    torch = require("torch", "nas", "architecture search")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ConfigError(f"device must be 'cpu', 'cuda' or 'cuda:N', received {device!r}") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device={device!r} asked for, but torch sees no CUDA GPU; use device='cpu'")
    return dev


def batches(n: int, batch_size: int, generator: Any) -> Iterator[Any]:
    """Index tensors of a seeded random permutation of ``range(n)``, ``batch_size`` at a time."""
    torch = require("torch", "nas", "architecture search")
    order = torch.randperm(n, generator=generator)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def train_epoch(model: Any, optimizer: Any, x: Any, y: Any, *, batch_size: int, generator: Any,
                device: Any) -> float:
    """One pass over ``(x, y)``; the mean training loss."""
    torch = require("torch", "nas", "architecture search")
    model.train()
    total, seen = 0.0, 0
    for idx in batches(len(y), batch_size, generator):
        xb, yb = x[idx].to(device), y[idx].to(device)
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += float(loss.detach()) * len(idx)
        seen += len(idx)
    return total / max(seen, 1)


def accuracy(model: Any, x: Any, y: Any, *, device: Any, batch_size: int = 512) -> float:
    """Top-1 accuracy of ``model`` in eval mode."""
    torch = require("torch", "nas", "architecture search")
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(y), batch_size):
            out = model(x[start:start + batch_size].to(device))
            correct += int((out.argmax(1).cpu() == y[start:start + batch_size]).sum())
    return correct / max(len(y), 1)


def mean_loss(model: Any, x: Any, y: Any, *, device: Any, batch_size: int = 512) -> float:
    """Mean cross-entropy of ``model`` in eval mode."""
    torch = require("torch", "nas", "architecture search")
    model.eval()
    total = 0.0
    with torch.no_grad():
        for start in range(0, len(y), batch_size):
            out = model(x[start:start + batch_size].to(device))
            total += float(torch.nn.functional.cross_entropy(
                out.cpu(), y[start:start + batch_size], reduction="sum"))
    return total / max(len(y), 1)
