"""URL canonicalisation: one key per article, whatever form a source gives it in."""

from __future__ import annotations

import base64

import pytest

from scrapers import canonicalize_url, is_google_news_link
from scrapers._google import split_google_title
from scrapers.urls import registrable_domain, scheme_twin


def _token(payload: bytes) -> str:
    """A Google News article token around a protobuf field 4 holding `payload`."""
    message = b"\x08\x13\x22" + bytes([len(payload)]) + payload + b"\xd2\x01\x05extra"
    return base64.urlsafe_b64encode(message).decode().rstrip("=")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Mobile twins directly under a registrable domain are the www site.
        ("https://m.yna.co.kr/view/AKR20241127?section=x", "https://www.yna.co.kr/view/AKR20241127?section=x"),
        ("http://mobile.newsis.com/view/NISX2024", "http://www.newsis.com/view/NISX2024"),
        ("https://m.mygoyang.com/news/articleView.html?idxno=1", "https://www.mygoyang.com/news/articleView.html?idxno=1"),
        ("https://M.Hani.Co.Kr:443/arti/1.html", "https://www.hani.co.kr/arti/1.html"),
        # Deeper hosts are other sites of the same company, and stay.
        ("https://m.sports.naver.com/article/1", "https://m.sports.naver.com/article/1"),
        ("https://m.news.kbs.co.kr/a", "https://m.news.kbs.co.kr/a"),
        ("https://m.kr/a", "https://m.kr/a"),
        ("https://v.daum.net/v/20241127093012345", "https://v.daum.net/v/20241127093012345"),
        # www and bare hosts are left as they are: a bare host may not answer at all.
        ("https://www.goyang.go.kr/news/1", "https://www.goyang.go.kr/news/1"),
        # Naver's forms of one article, mobile included.
        ("https://m.news.naver.com/read.nhn?oid=001&aid=0014", "https://n.news.naver.com/mnews/article/001/0014"),
        ("https://n.news.naver.com/article/001/0014?cds=news_edit", "https://n.news.naver.com/mnews/article/001/0014"),
        # IP literals keep their form.
        ("http://[::1]:8080/a#x", "http://[::1]:8080/a"),
        ("http://127.0.0.1:80/a?utm_medium=rss", "http://127.0.0.1/a"),
    ],
)  # fmt: skip
def test_canonical_forms(raw: str, expected: str) -> None:
    assert canonicalize_url(raw) == expected


def test_canonical_form_is_a_fixed_point() -> None:
    for raw in ("https://m.yna.co.kr/view/A?b=1&a=2#f", "http://mobile.x.co.kr:80/p?utm_x=1"):
        once = canonicalize_url(raw)
        assert canonicalize_url(once) == once


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("www.yna.co.kr", "yna.co.kr"),
        ("m.sports.naver.com", "naver.com"),
        ("www.goyang.go.kr", "goyang.go.kr"),
        ("news.bbc.co.uk", "bbc.co.uk"),
        ("mygoyang.com", "mygoyang.com"),
    ],
)
def test_registrable_domain(host: str, domain: str) -> None:
    assert registrable_domain(host) == domain


def test_google_news_tokens_with_an_embedded_url_resolve_to_the_publisher() -> None:
    token = _token(b"https://m.kyeonggi.com/article/20241127580123?utm_source=google")
    publisher = "https://www.kyeonggi.com/article/20241127580123"
    for form in (
        f"https://news.google.com/rss/articles/{token}?oc=5",
        f"https://news.google.com/articles/{token}?hl=ko&gl=KR&ceid=KR:ko",
        f"https://news.google.com/read/{token}",
    ):
        assert canonicalize_url(form) == publisher


def test_opaque_google_news_tokens_collapse_into_one_form() -> None:
    token = _token(b"AU_yqLPbN4x3d_6a9R0k1Qz-opaque-id-without-a-url")
    forms = {
        canonicalize_url(f"https://news.google.com/rss/articles/{token}?oc=5"),
        canonicalize_url(f"https://news.google.com/articles/{token}?hl=ko"),
        canonicalize_url(f"https://news.google.com/read/{token}"),
    }
    assert forms == {f"https://news.google.com/rss/articles/{token}"}
    assert is_google_news_link(forms.pop())
    assert not is_google_news_link("https://news.google.com/search?q=고양")
    assert not is_google_news_link("https://www.kyeonggi.com/articles/CBMiAAAAAAAA")


@pytest.mark.parametrize(
    ("title", "source", "expected"),
    [
        ("고양시 새 정책 발표 - 경기일보", "경기일보", ("고양시 새 정책 발표", "경기일보")),
        ("고양시 새 정책 발표 - 경기일보", None, ("고양시 새 정책 발표", "경기일보")),
        # A dash inside the headline stays when the source names someone else.
        ("LIH-G - 고양 협력 확대", "뉴스핌", ("LIH-G - 고양 협력 확대", "뉴스핌")),
        ("국립암센터 - 고양시 협약 | 뉴시스", "뉴시스", ("국립암센터 - 고양시 협약", "뉴시스")),
        (
            "고양시 - 이 꼬리는 매체 이름이라기엔 너무 길어서 제목의 일부로 남는다",
            None,
            ("고양시 - 이 꼬리는 매체 이름이라기엔 너무 길어서 제목의 일부로 남는다", None),
        ),
    ],
)
def test_google_titles_lose_their_outlet_tail(
    title: str, source: str | None, expected: tuple[str | None, str | None]
) -> None:
    assert split_google_title(title, source) == expected


def test_scheme_twin_is_the_same_address_under_the_other_scheme() -> None:
    assert scheme_twin("http://news.test/a?b=1") == "https://news.test/a?b=1"
    assert scheme_twin("https://news.test/a") == "http://news.test/a"
    assert scheme_twin("ftp://news.test/a") is None
