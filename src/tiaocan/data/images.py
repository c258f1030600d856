"""Image augmentation: shifted copies (label-preserving translations of up to a few pixels).

Simard, Steinkraus & Platt, "Best Practices for Convolutional Neural Networks Applied to
Visual Document Analysis", ICDAR 2003: small translations are the cheapest useful
augmentation for digits.

>>> import numpy as np
>>> X = np.zeros((1, 1, 3, 3)); X[0, 0, 1, 1] = 1
>>> Xa, ya = shift_augment(X, np.array([7]), copies=1, max_shift=1, seed=0)
>>> Xa.shape, ya.tolist(), float(Xa[1].sum())
((2, 1, 3, 3), [7, 7], 1.0)
"""

from __future__ import annotations

import numpy as np

from tiaocan.errors import ConfigError

__all__ = ["shift_augment"]


def shift_augment(X: np.ndarray, y: np.ndarray, copies: int = 1, max_shift: int = 1,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The originals followed by ``copies`` randomly shifted copies, zero-filled at the edges.

    ``X`` is ``(n, channels, height, width)``.
    """
    if X.ndim != 4:
        raise ConfigError(f"X must be (n, channels, height, width), received shape {X.shape}")
    if copies < 0 or max_shift < 0:
        raise ConfigError(f"copies and max_shift must be >= 0, received {copies}, {max_shift}")
    rng = np.random.default_rng(seed)
    out, labels = [X], [y]
    h, w = X.shape[2:]
    for _ in range(copies):
        shifted = np.zeros_like(X)
        for i, (dy, dx) in enumerate(rng.integers(-max_shift, max_shift + 1, size=(len(X), 2))):
            src = X[i, :, max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)]
            shifted[i, :, max(0, dy):max(0, dy) + src.shape[1], max(0, dx):max(0, dx) + src.shape[2]] = src
        out.append(shifted)
        labels.append(y)
    return np.concatenate(out), np.concatenate(labels)
