"""Cleaning steps, each switchable so cross-validation measures whether it helps.

The guide: remove HTML tags, garbled text and spelling mistakes — but "sometimes the context
is needed and cleaning lowers the score". So every step is a boolean of :class:`CleanConfig`
and :data:`CLEAN_SPACE` puts them in a study. HTML goes through a real parser (Beautiful
Soup), mojibake through ftfy (Speer 2019), spelling through pyspellchecker's bundled English
word-frequency dictionary (Norvig's edit-distance corrector).

>>> strip_html("<p>Hello&nbsp;<b>world</b></p>")
'Hello world'
>>> clean_texts(["Visit https://x.org @bob  now"], CleanConfig(urls=True, mentions=True))[0]
['Visit <url> <user> now']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any

import tiaocan as tc
from tiaocan.errors import require

__all__ = [
    "CLEAN_SPACE",
    "CleanConfig",
    "CleanStats",
    "SpellCorrector",
    "clean_texts",
    "fix_mojibake",
    "normalize_whitespace",
    "replace_mentions",
    "replace_urls",
    "strip_html",
]

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w+")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[A-Za-z]+")
_MARKUP = re.compile(r"<[A-Za-z/!][^>]*>|&#?\w+;")
# "&#" that starts no well-formed character reference ("&#", "&#0A"): Python's html.parser
# takes everything after it, tags included, as text ("<p>&#</p>" -> "&#</p>"); escaped first
_BARE_CHARREF = re.compile(r"&#(?!(?:[0-9]+|[xX][0-9a-fA-F]+)(?:;|(?![0-9A-Za-z])))")


def strip_html(text: str) -> str:
    """The visible text of an HTML fragment (tags dropped, entities decoded, scripts removed)."""
    if not _MARKUP.search(text):
        return text
    bs4 = require("bs4", "data", "HTML stripping")
    soup = bs4.BeautifulSoup(_BARE_CHARREF.sub("&amp;#", text), "html.parser")  # type: ignore[attr-defined]
    for tag in soup(["script", "style"]):
        tag.decompose()
    return normalize_whitespace(soup.get_text(" "))


def fix_mojibake(text: str) -> str:
    """Undo encoding mix-ups such as ``'cafÃ©'`` → ``'café'`` with ftfy."""
    ftfy = require("ftfy", "data", "mojibake repair")
    return str(ftfy.fix_text(text))  # type: ignore[attr-defined]


def normalize_whitespace(text: str) -> str:
    """Unicode NFKC (full-width forms, ligatures, non-breaking spaces) and single spaces."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def replace_urls(text: str, token: str = "<url>") -> str:
    return _URL.sub(token, text)


def replace_mentions(text: str, token: str = "<user>") -> str:
    return _MENTION.sub(token, text)


class SpellCorrector:
    """Corrects lower-case words unknown to pyspellchecker's shipped English dictionary.

    Capitalised words (names) are left alone; corrections are cached per word, and only
    edit distance 1 is tried so a corpus is corrected in seconds.

    >>> SpellCorrector().correct("the goverment said")
    'the government said'
    """

    def __init__(self, language: str = "en", distance: int = 1) -> None:
        module = require("spellchecker", "data", "spelling correction")
        self._checker = module.SpellChecker(language=language, distance=distance)  # type: ignore[attr-defined]
        self._fix = lru_cache(maxsize=None)(self._lookup)

    def _lookup(self, word: str) -> str:
        if word in self._checker:
            return word
        return str(self._checker.correction(word) or word)

    def correct(self, text: str) -> str:
        return _WORD.sub(lambda m: self._fix(m.group()) if m.group().islower() else m.group(), text)


@dataclass(frozen=True)
class CleanConfig:
    """Which cleaning steps run (each a hyperparameter)."""

    html: bool = True
    mojibake: bool = True
    normalize: bool = True
    urls: bool = False
    mentions: bool = False
    spelling: bool = False

    @classmethod
    def from_params(cls, params: dict[str, Any], prefix: str = "clean_") -> CleanConfig:
        """Read ``clean_html``, ``clean_spelling``… from a trial's parameters."""
        names = {f.name for f in fields(cls)}
        return cls(**{k[len(prefix):]: bool(v) for k, v in params.items()
                      if k.startswith(prefix) and k[len(prefix):] in names})


#: The steps as a search space (merge into a study's space).
CLEAN_SPACE: dict[str, tc.Categorical] = {
    f"clean_{f.name}": tc.Categorical([True, False]) for f in fields(CleanConfig)
}


@dataclass(frozen=True)
class CleanStats:
    """How many texts each step changed."""

    changed: dict[str, int]

    def summary(self) -> str:
        return ", ".join(f"{k}: {v} texts changed" for k, v in self.changed.items()) or "no step"


def clean_texts(texts: Sequence[str], cfg: CleanConfig = CleanConfig(),
                speller: SpellCorrector | None = None) -> tuple[list[str], CleanStats]:
    """Apply the enabled steps in a fixed order; returns the texts and per-step counts."""
    steps = [("html", strip_html), ("mojibake", fix_mojibake),
             ("normalize", normalize_whitespace), ("urls", replace_urls),
             ("mentions", replace_mentions)]
    out = [t or "" for t in texts]
    changed: dict[str, int] = {}
    for name, step in steps:
        if getattr(cfg, name):
            new = [step(t) for t in out]
            changed[name] = sum(a != b for a, b in zip(out, new))
            out = new
    if cfg.spelling:
        fixer = speller or SpellCorrector()
        new = [fixer.correct(t) for t in out]
        changed["spelling"] = sum(a != b for a, b in zip(out, new))
        out = new
    return out, CleanStats(changed)
