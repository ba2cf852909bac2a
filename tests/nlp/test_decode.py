"""decode_page on real legacy Korean bytes and hand-made edge cases."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from nlp._errors import DecodeError
from nlp.decode import decode_page

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"
HANGUL = re.compile(r"[\uac00-\ud7a3]")


@pytest.mark.parametrize(
    "name",
    [
        "cp949_ricanet_rss_4.xml",
        "eucKR_acnnewswire_rss_3.xml",
        "eucKR_blog.empas_rss_1.xml",
        "eucKR_chromium949_snippet_1.html",
        "eucKR_egloos_rss_2.xml",
        "chosun_rss_1.xml",
    ],
)
def test_real_korean_encodings_decode_to_hangul(shared_data: Path, name: str) -> None:
    body = (shared_data / "encodings" / name).read_bytes()
    decoded = decode_page(body, None)
    assert "\ufffd" not in decoded.text
    assert len(HANGUL.findall(decoded.text)) > 20
    expected = "utf-8" if name.startswith("chosun") else "cp949"
    assert decoded.encoding == expected


def test_declared_euc_kr_that_needs_cp949_still_decodes(shared_data: Path) -> None:
    body = (shared_data / "encodings" / "cp949_ricanet_rss_4.xml").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        body.decode("euc-kr")
    assert decode_page(body, "text/xml; charset=euc-kr").encoding == "cp949"


def test_header_charset_wins_and_aliases_map_to_cp949() -> None:
    body = "<p>한국어 기사 본문입니다</p>".encode("cp949")
    decoded = decode_page(body, "text/html; charset=ks_c_5601-1987")
    assert decoded.method == "header"
    assert decoded.encoding == "cp949"
    assert "기사 본문" in decoded.text


def test_wrong_header_falls_through_to_meta() -> None:
    body = '<meta charset="euc-kr"><p>서울 시내 교통 혼잡이 이어졌다</p>'.encode("cp949")
    decoded = decode_page(body, "text/html; charset=utf-8")
    assert decoded.method == "meta"
    assert "교통 혼잡" in decoded.text


def test_bom_is_honoured() -> None:
    decoded = decode_page("\ufeff<p>안녕하세요</p>".encode("utf-8"), None)
    assert decoded.method == "bom"
    assert decoded.text.startswith("<p>안녕")


def test_undeclared_euc_kr_page_is_detected() -> None:
    decoded = decode_page(
        (PAGES / "euckr.html").read_bytes().replace(b'charset="euc-kr"', b""), None
    )
    assert decoded.encoding == "cp949"
    assert "고양시의회" in decoded.text


def test_mojibake_from_a_wrong_latin1_declaration_is_rejected() -> None:
    body = '<meta charset="iso-8859-1"><p>대통령이 국회에서 시정연설을 했다</p>'.encode()
    decoded = decode_page(body, None)
    assert "시정연설" in decoded.text


def test_undecodable_bytes_raise() -> None:
    with pytest.raises(DecodeError):
        decode_page(bytes(range(128, 256)) * 40, "text/html; charset=utf-8")


# Valid UTF-8 Portuguese pages of the ScrapingHub set, full of "ÇÃO" and "ÓRGÃOS".
PORTUGUESE = ["11ea381a", "23aaecd1", "3252222e", "f6ac15a4"]
CP949_SAMPLES = [
    "cp949_ricanet_rss_4.xml",
    "eucKR_acnnewswire_rss_3.xml",
    "eucKR_blog.empas_rss_1.xml",
    "eucKR_chromium949_snippet_1.html",
    "eucKR_egloos_rss_2.xml",
]


def _scrapinghub_page(shared_data: Path, prefix: str) -> bytes:
    """The bytes of one ScrapingHub page, found by the start of its id."""
    (path,) = (shared_data / "scrapinghub-benchmark" / "html").glob(f"{prefix}*.html.gz")
    return gzip.decompress(path.read_bytes())


@pytest.mark.parametrize("prefix", PORTUGUESE)
def test_valid_utf8_latin_pages_are_not_taken_for_mojibake(shared_data: Path, prefix: str) -> None:
    body = _scrapinghub_page(shared_data, prefix)
    decoded = decode_page(body, None)
    assert decoded.encoding == "utf-8"
    assert decoded.text == body.decode("utf-8")


def test_accented_capitals_and_latin_punctuation_are_clean_text() -> None:
    text = (
        "<p>ATENÇÃO: ÓRGÃOS PÚBLICOS, AÇÕES E INSCRIÇÃO. Été à Paris, «café» · ½ °C. "
        "Größe ÄÖÜ, año ÑANDÚ, señal ¿qué? ¡sí! ÞJÓÐ ··· »»» — “quoted” …</p>"
    )
    decoded = decode_page(text.encode(), "text/html; charset=utf-8")
    assert decoded.method == "header"
    assert decoded.text == text


@pytest.mark.parametrize("prefix", PORTUGUESE[:2])
def test_utf8_latin_page_read_as_cp1252_is_rejected(shared_data: Path, prefix: str) -> None:
    # A wrong header turns "ção" into "Ã§Ã£o"; the meta charset (UTF-8) must win instead.
    body = _scrapinghub_page(shared_data, prefix)
    decoded = decode_page(body, "text/html; charset=windows-1252")
    assert decoded.method == "meta"
    assert decoded.text == body.decode("utf-8")


@pytest.mark.parametrize("label", ["iso-8859-1", "windows-1252"])
def test_utf8_korean_read_as_western_is_rejected(shared_data: Path, label: str) -> None:
    body = (shared_data / "encodings" / "chosun_rss_1.xml").read_bytes()
    decoded = decode_page(body, f"text/xml; charset={label}")
    assert decoded.encoding == "utf-8"
    assert len(HANGUL.findall(decoded.text)) > 1000


@pytest.mark.parametrize("name", CP949_SAMPLES)
def test_euc_kr_read_as_latin1_is_rejected(shared_data: Path, name: str) -> None:
    decoded = decode_page(
        (shared_data / "encodings" / name).read_bytes(), "text/html; charset=latin-1"
    )
    assert decoded.encoding == "cp949"
    assert decoded.method != "header"


@pytest.mark.parametrize("name", CP949_SAMPLES)
def test_cp949_saved_through_utf8_with_replacements_is_an_error(
    shared_data: Path, name: str
) -> None:
    damaged = (shared_data / "encodings" / name).read_bytes().decode("utf-8", "replace")
    with pytest.raises(DecodeError):
        decode_page(damaged.encode(), None)
