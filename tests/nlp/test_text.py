"""Text normalisation: applied once, before matching, hashing and indexing."""

from __future__ import annotations

import unicodedata

import pytest

from nlp.text import normalize_text, title_key


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("바이오‧헬스", "바이오·헬스"),
        ("협약ㆍ투자", "협약·투자"),
        ("A・B", "A·B"),
        ("고양\u00a0시", "고양 시"),
        ("고양\u3000시", "고양 시"),
        ("일산\u200b테크노밸리", "일산테크노밸리"),
    ],
)
def test_one_middle_dot_plain_spaces_no_zero_width(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_decomposed_hangul_becomes_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "국립암센터")
    assert decomposed != "국립암센터"
    assert normalize_text(decomposed) == "국립암센터"


def test_normalising_twice_changes_nothing() -> None:
    text = "LIH-G\u00a0룩셈부르크ㆍ고양"
    assert normalize_text(normalize_text(text)) == normalize_text(text)


@pytest.mark.parametrize(
    "variant",
    [
        "[속보] 고양시, 국립암센터와 정밀의료 협약",
        "고양시, 국립암센터와 정밀의료 협약(종합)",
        "고양시, 국립암센터와 정밀의료 협약 (2보)",
        "【단독】고양시‧국립암센터와 정밀의료 협약",
        "고양시 국립암센터와 정밀의료  협약",
    ],
)
def test_title_key_ignores_labels_versions_and_punctuation(variant: str) -> None:
    assert title_key(variant) == title_key("고양시, 국립암센터와 정밀의료 협약")


def test_title_key_keeps_different_headlines_apart() -> None:
    assert title_key("고양시, 국립암센터와 협약") != title_key("고양시, 국립암센터와 협약 해지")
