"""Augmentation (thesaurus, EDA, back-translation) and feature selection."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tiaocan.data.augment import (
    AugmentConfig,
    DictionaryTranslator,
    Thesaurus,
    augment,
    back_translate,
    random_delete,
    random_swap,
    synonym_replace,
)
from tiaocan.data.images import shift_augment
from tiaocan.data.vocab import Vocabulary
from tiaocan.errors import ConfigError

_words = st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta", "eps"]), min_size=1,
                  max_size=12).map(" ".join)


@pytest.fixture(scope="module")
def thesaurus() -> Thesaurus:
    return Thesaurus()


def test_moby_thesaurus_ships_offline(thesaurus: Thesaurus) -> None:
    assert "calamity" in thesaurus.synonyms("disaster")
    assert thesaurus.synonyms("qwertyuiop") == []


def test_synonym_replacement_changes_words_keeps_length(thesaurus: Thesaurus) -> None:
    rng = np.random.default_rng(0)
    text = "the disaster hit the small village"
    out = synonym_replace(text, 2, rng, thesaurus)
    assert out != text and len(out.split()) == len(text.split())


@settings(max_examples=50, deadline=None)
@given(_words, st.integers(0, 4), st.integers(0, 1000))
def test_swap_keeps_the_multiset_of_words(text: str, n: int, seed: int) -> None:
    out = random_swap(text, n, np.random.default_rng(seed))
    assert sorted(out.split()) == sorted(text.split())


@settings(max_examples=50, deadline=None)
@given(_words, st.floats(0, 1), st.integers(0, 1000))
def test_delete_keeps_a_nonempty_subsequence(text: str, p: float, seed: int) -> None:
    out = random_delete(text, p, np.random.default_rng(seed)).split()
    assert 1 <= len(out) <= len(text.split())
    assert set(out) <= set(text.split())


def test_back_translation_through_a_pluggable_translator() -> None:
    tr = DictionaryTranslator({("en", "zh"): {"disaster": "灾难", "big": "大"},
                               ("zh", "en"): {"灾难": "calamity", "大": "large"}})
    assert back_translate(["a big disaster"], tr) == ["a large calamity"]
    with pytest.raises(ConfigError, match="one text per input"):
        back_translate(["a", "b"], lambda t, s, d: t[:1])


def test_augment_adds_labelled_copies_and_is_seeded(thesaurus: Thesaurus) -> None:
    texts, labels = ["the disaster hit the town", "markets rallied strongly today"], [0, 1]
    cfg = AugmentConfig(copies=2, synonyms=1, swaps=1, delete_p=0.1)
    t1, y1 = augment(texts, labels, cfg, seed=1, thesaurus=thesaurus)
    t2, _ = augment(texts, labels, cfg, seed=1, thesaurus=thesaurus)
    assert len(t1) == 6 and y1 == [0, 1, 0, 1, 0, 1] and t1 == t2 and t1[:2] == texts
    assert augment(texts, labels, AugmentConfig())[0] == texts  # switched off
    tr = DictionaryTranslator({("en", "zh"): {"town": "镇"}, ("zh", "en"): {"镇": "township"}})
    out, _ = augment(texts, labels, AugmentConfig(copies=1, back_translate=True), translate=tr)
    assert out[2] == "the disaster hit the township"
    with pytest.raises(ConfigError, match="translate"):
        augment(texts, labels, AugmentConfig(copies=1, back_translate=True))


def test_shift_augment_preserves_mass_inside() -> None:
    X = np.zeros((5, 1, 6, 6))
    X[:, 0, 2:4, 2:4] = 1.0
    Xa, ya = shift_augment(X, np.arange(5), copies=2, max_shift=1, seed=0)
    assert Xa.shape == (15, 1, 6, 6) and ya.tolist() == list(range(5)) * 3
    assert np.allclose(Xa.sum(axis=(1, 2, 3)), 4.0)


def test_chi2_and_mutual_information_pick_the_informative_column() -> None:
    from tiaocan.data.features import select_text_features

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    X = rng.integers(0, 3, (200, 6))
    X[:, 4] = y * 3 + rng.integers(0, 2, 200)
    for method in ("chi2", "mutual_info"):
        sel = select_text_features(X, y, k=1, method=method)
        assert sel.get_support().tolist() == [False] * 4 + [True, False]
    with pytest.raises(ConfigError, match="method"):
        select_text_features(X, y, k=1, method="anova")


def test_model_based_selection_for_tabular() -> None:
    from tiaocan.data.features import select_model_based

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 8))
    y = (X[:, 2] + 0.5 * X[:, 5] > 0).astype(int)
    for model in ("l1", "forest"):
        kept = set(np.flatnonzero(select_model_based(X, y, model=model).get_support()))
        assert 2 in kept and len(kept) < 8


def test_vocabulary_encodes_with_padding_and_unknowns() -> None:
    vocab = Vocabulary.build(["b a a", "a c"], min_freq=1)
    assert vocab.tokens == ("a", "b", "c") and len(vocab) == 5
    assert vocab.encode(["a zz", "c c c c"], max_len=3).tolist() == [[2, 1, 0], [4, 4, 4]]
