"""Look at the data first: lengths (padding), missing values, duplicates, label balance.

The guide's first step: the text-length (or image-size) distribution decides the padding
length, empty values decide whether to fill or drop, and the label balance decides whether
accuracy alone can be trusted.

>>> report = inspect_text(["a b c", "a b", "", "a b"], [0, 1, 1, 1], percentile=50)
>>> report.missing, report.duplicates, report.imbalance_ratio
(1, 1, 3.0)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tiaocan.data.vocab import tokenize
from tiaocan.errors import ConfigError

__all__ = ["ImageReport", "TextReport", "inspect_images", "inspect_text"]


def _balance(labels: Sequence[Any]) -> tuple[dict[str, int], float]:
    counts = Counter(str(label) for label in labels)
    ratio = max(counts.values()) / max(min(counts.values()), 1) if counts else 1.0
    return dict(sorted(counts.items())), float(ratio)


@dataclass(frozen=True)
class TextReport:
    """What :func:`inspect_text` found."""

    n: int
    length_percentiles: dict[int, float]
    suggested_max_len: int
    percentile: float
    missing: int
    duplicates: int
    label_counts: dict[str, int]
    imbalance_ratio: float

    def summary(self) -> str:
        q = ", ".join(f"p{k}={v:.0f}" for k, v in self.length_percentiles.items())
        return (f"{self.n} texts; tokens per text {q}; pad/truncate to {self.suggested_max_len} "
                f"(p{self.percentile:g}); {self.missing} empty, {self.duplicates} duplicates; "
                f"labels {self.label_counts} (imbalance {self.imbalance_ratio:.2f}:1)")


def inspect_text(texts: Sequence[str | None], labels: Sequence[Any], percentile: float = 95.0
                 ) -> TextReport:
    """Length distribution (tokens), suggested padding length, missing, duplicates, balance."""
    if not 0 < percentile <= 100:
        raise ConfigError(f"percentile must be in (0, 100], received {percentile!r}")
    if len(texts) != len(labels):
        raise ConfigError(f"texts and labels must have the same length, received {len(texts)} "
                          f"and {len(labels)}")
    missing = sum(1 for t in texts if t is None or not str(t).strip())
    lengths = np.array([len(tokenize(t)) if t else 0 for t in texts], dtype=float)
    present = [t.strip() for t in texts if t and t.strip()]
    duplicates = len(present) - len(set(present))
    pct = {p: float(np.percentile(lengths, p)) for p in (50, 90, 95, 99)} if len(texts) else {}
    counts, ratio = _balance(labels)
    suggested = int(np.ceil(np.percentile(lengths, percentile))) if len(texts) else 0
    return TextReport(len(texts), pct, max(suggested, 1), percentile, missing, duplicates,
                      counts, ratio)


@dataclass(frozen=True)
class ImageReport:
    """What :func:`inspect_images` found."""

    n: int
    sizes: dict[str, int]
    channels: dict[int, int]
    missing: int
    duplicates: int
    label_counts: dict[str, int]
    imbalance_ratio: float
    value_range: tuple[float, float]

    def summary(self) -> str:
        return (f"{self.n} images; sizes {self.sizes}; channels {self.channels}; pixel range "
                f"[{self.value_range[0]:g}, {self.value_range[1]:g}]; {self.missing} empty, "
                f"{self.duplicates} duplicates; labels {self.label_counts} "
                f"(imbalance {self.imbalance_ratio:.2f}:1)")


def inspect_images(images: Sequence[np.ndarray], labels: Sequence[Any]) -> ImageReport:
    """Sizes (H×W), channel counts (HW → 1, HWC or CHW with C ≤ 4), empties, duplicates."""
    sizes: Counter[str] = Counter()
    channels: Counter[int] = Counter()
    seen, duplicates, missing = set(), 0, 0
    lo, hi = np.inf, -np.inf
    for img in images:
        a = np.asarray(img)
        if a.size == 0 or np.all(np.isnan(a.astype(float))):
            missing += 1
            continue
        if a.ndim == 2:
            c, (h, w) = 1, a.shape
        elif a.ndim == 3 and a.shape[0] <= 4:
            c, h, w = a.shape
        elif a.ndim == 3:
            h, w, c = a.shape
        else:
            raise ConfigError(f"images must be 2-D or 3-D arrays, received shape {a.shape}")
        sizes[f"{h}x{w}"] += 1
        channels[c] += 1
        key = a.tobytes()
        duplicates += key in seen
        seen.add(key)
        lo, hi = min(lo, float(np.nanmin(a))), max(hi, float(np.nanmax(a)))
    counts, ratio = _balance(labels)
    return ImageReport(len(images), dict(sizes), dict(channels), missing, duplicates, counts,
                       ratio, (float(lo), float(hi)))
