"""The data workflow of the tuning guide (extra ``data``): look, clean, augment, select.

- :mod:`~tiaocan.data.inspect`: length/size distributions, suggested padding, missing values,
  duplicates, label balance;
- :mod:`~tiaocan.data.clean`: HTML, mojibake, unicode/whitespace, URLs/mentions, spelling —
  each step a switch (:data:`~tiaocan.data.clean.CLEAN_SPACE`);
- :mod:`~tiaocan.data.augment`: synonyms (Moby thesaurus, offline), random swap/deletion,
  back-translation through any ``translate(texts, src, dst)``;
  :mod:`~tiaocan.data.images`: shifted copies;
- :mod:`~tiaocan.data.features`: χ²/mutual-information and model-based feature selection;
- :mod:`~tiaocan.data.vocab`: tokens to padded id matrices.

>>> from tiaocan.data import inspect_text
>>> inspect_text(["a b", "c"], [0, 1]).imbalance_ratio
1.0
"""

from __future__ import annotations

from tiaocan.data.augment import (
                                  AUGMENT_SPACE,
                                  AugmentConfig,
                                  DictionaryTranslator,
                                  Thesaurus,
                                  augment,
                                  back_translate,
)
from tiaocan.data.clean import CLEAN_SPACE, CleanConfig, SpellCorrector, clean_texts
from tiaocan.data.inspect import ImageReport, TextReport, inspect_images, inspect_text
from tiaocan.data.vocab import Vocabulary, tokenize

__all__ = [
                                  "AUGMENT_SPACE",
                                  "CLEAN_SPACE",
                                  "AugmentConfig",
                                  "CleanConfig",
                                  "DictionaryTranslator",
                                  "ImageReport",
                                  "SpellCorrector",
                                  "TextReport",
                                  "Thesaurus",
                                  "Vocabulary",
                                  "augment",
                                  "back_translate",
                                  "clean_texts",
                                  "inspect_images",
                                  "inspect_text",
                                  "tokenize",
]
