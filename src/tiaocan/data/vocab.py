"""Tokens and a vocabulary: texts to padded id matrices for the token models.

>>> vocab = Vocabulary.build(["the cat sat", "the dog"], min_freq=1)
>>> vocab.encode(["the cat", "a bird"], max_len=3).tolist()
[[2, 3, 0], [1, 1, 0]]
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tiaocan.errors import ConfigError

__all__ = ["Vocabulary", "tokenize"]

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens (letters, digits, and an apostrophe suffix)."""
    return _TOKEN.findall(text.lower())


@dataclass(frozen=True)
class Vocabulary:
    """Token → id; 0 is padding, 1 the unknown token, the rest by decreasing frequency."""

    tokens: tuple[str, ...]

    @classmethod
    def build(cls, texts: Sequence[str], min_freq: int = 2, max_size: int | None = 30000
              ) -> Vocabulary:
        if min_freq < 1:
            raise ConfigError(f"min_freq must be >= 1, received {min_freq!r}")
        counts = Counter(t for text in texts for t in tokenize(text))
        kept = sorted((t for t, c in counts.items() if c >= min_freq),
                      key=lambda t: (-counts[t], t))
        return cls(tuple(kept[:max_size] if max_size else kept))

    def __len__(self) -> int:
        return len(self.tokens) + 2

    def encode(self, texts: Sequence[str], max_len: int) -> np.ndarray:
        """An ``(n, max_len)`` int64 matrix of ids, truncated and right-padded with 0."""
        if max_len < 1:
            raise ConfigError(f"max_len must be >= 1, received {max_len!r}")
        index = {t: i + 2 for i, t in enumerate(self.tokens)}
        out = np.zeros((len(texts), max_len), dtype=np.int64)
        for row, text in enumerate(texts):
            ids = [index.get(t, 1) for t in tokenize(text)[:max_len]]
            out[row, :len(ids)] = ids
        return out
