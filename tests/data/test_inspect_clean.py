"""Inspection report and cleaning steps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tiaocan.data.clean import (
    CLEAN_SPACE,
    CleanConfig,
    SpellCorrector,
    clean_texts,
    fix_mojibake,
    normalize_whitespace,
    replace_mentions,
    replace_urls,
    strip_html,
)
from tiaocan.data.inspect import inspect_images, inspect_text
from tiaocan.errors import ConfigError


def test_text_report_lengths_padding_missing_duplicates_balance() -> None:
    texts = ["one two three four", "one two", None, "  ", "one two", "a b c d e f g h"]
    labels = [0, 0, 0, 0, 1, 1]
    r = inspect_text(texts, labels, percentile=90)
    assert r.missing == 2 and r.duplicates == 1
    assert r.label_counts == {"0": 4, "1": 2} and r.imbalance_ratio == 2.0
    assert r.suggested_max_len == int(np.ceil(np.percentile([4, 2, 0, 0, 2, 8], 90)))
    assert "imbalance 2.00:1" in r.summary()
    with pytest.raises(ConfigError, match="percentile"):
        inspect_text(texts, labels, percentile=0)


def test_image_report_sizes_and_channels() -> None:
    imgs = [np.zeros((8, 8)), np.ones((3, 16, 16)), np.ones((3, 16, 16)), np.ones((10, 12, 3))]
    r = inspect_images(imgs, [0, 1, 1, 1])
    assert r.sizes == {"8x8": 1, "16x16": 2, "10x12": 1}
    assert r.channels == {1: 1, 3: 3}
    assert r.duplicates == 1 and r.imbalance_ratio == 3.0


def test_strip_html_uses_a_parser() -> None:
    html = '<div><script>var x = "<b>";</script><p>Tom &amp; Jerry&#39;s <i>show</i></p></div>'
    assert strip_html(html) == "Tom & Jerry's show"
    assert strip_html("a < b and c > d") == "a < b and c > d"  # not markup: untouched


def test_mojibake_unicode_urls_mentions() -> None:
    assert fix_mojibake("cafÃ©") == "café"
    assert normalize_whitespace("ｆｕｌｌ\u00a0width \n\t x") == "full width x"
    assert replace_urls("see https://a.b/c?d=1 and www.x.org.") == "see <url> and <url>"
    assert replace_mentions("hi @bob, mail a@b.com") == "hi <user>, mail a@b.com"


def test_spelling_uses_the_shipped_dictionary_and_spares_names() -> None:
    fixer = SpellCorrector()
    assert fixer.correct("the goverment of Londn") == "the government of Londn"


def test_clean_texts_switches_and_counts() -> None:
    texts = ["<b>Hello</b>  world", "plain text"]
    out, stats = clean_texts(texts, CleanConfig(html=True, normalize=True))
    assert out == ["Hello world", "plain text"]
    assert stats.changed["html"] == 1
    off, stats = clean_texts(texts, CleanConfig(html=False, mojibake=False, normalize=False))
    assert off == texts and stats.changed == {}
    assert set(CLEAN_SPACE) == {f"clean_{n}" for n in
                                ("html", "mojibake", "normalize", "urls", "mentions", "spelling")}
    assert CleanConfig.from_params({"clean_html": False, "clean_spelling": True, "lr": 1}) == \
        CleanConfig(html=False, spelling=True)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80))
def test_normalisation_is_idempotent_and_trimmed(text: str) -> None:
    once = normalize_whitespace(text)
    assert normalize_whitespace(once) == once
    assert once == once.strip() and "  " not in once


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
@example("&#")    # html.parser reads the rest of a bare "&#", tags included, as text
@example("&#0A")
def test_strip_html_leaves_no_tags(text: str) -> None:
    out = strip_html(f"<p>{text}</p>")
    assert "<p>" not in out and "</p>" not in out
