"""Short real stories (flashes, brief notices, bare-text bodies) against pages with no article."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp._errors import NoArticleError
from nlp.decode import decode_page
from nlp.extract import extract_article

NDSOFT_URL = "https://www.goyangnews.example.kr/news/articleView.html?idxno=20451"


def _page(head: str, body: str) -> str:
    """A page with a menu, the given head tags and body, and a most-read sidebar."""
    return (
        f'<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8">{head}</head><body>'
        '<header id="header"><nav><ul><li><a href="/">홈</a></li>'
        '<li><a href="/news/articleList.html?sc_section_code=S1N1">정치</a></li>'
        "</ul></nav></header>"
        f'<div id="user-container">{body}'
        '<aside><section class="most-read"><h2>많이 본 뉴스</h2><ul>'
        '<li><a href="/news/articleView.html?idxno=900">국립암센터, 암 빅데이터 구축</a></li>'
        '<li><a href="/news/articleView.html?idxno=901">일산테크노밸리 1차 분양 흥행</a></li>'
        "</ul></section></aside></div></body></html>"
    )


def _ndsoft_flash(sentence: str, head: str = "") -> str:
    """An ndsoft article page whose styled articleBody container holds one sentence."""
    return _page(
        f"<title>[1보] 고양시, 국립암센터와 정밀의료 협약 - 고양신문</title>{head}",
        '<div class="article-head-title">[1보] 고양시, 국립암센터와 정밀의료 협약</div>'
        '<ul class="infomation"><li>홍길동 기자</li><li>입력 2025.03.28 10:02</li></ul>'
        '<article id="article-view-content-div" class="article-veiw-body view-page font-size17" '
        f'itemprop="articleBody"><p>{sentence}</p></article>',
    )


@pytest.mark.parametrize(
    "sentence",
    [
        "고양시가 28일 국립암센터와 정밀의료 공동연구 협약을 맺었다.",
        "고양시, 국립암센터와 협약 체결했다.",
    ],
    ids=["one-sentence", "shorter-than-a-flash"],
)
@pytest.mark.parametrize(
    "head", ["", '<meta property="og:type" content="article">'], ids=["bare", "og-article"]
)
def test_one_sentence_flash_in_an_ndsoft_container_is_an_article(sentence: str, head: str) -> None:
    article = extract_article(_ndsoft_flash(sentence, head), NDSOFT_URL)
    assert article.paragraphs == (sentence,)
    assert article.method.startswith("cms:")
    assert article.published_at is not None
    assert article.published_at.isoformat() == "2025-03-28T10:02:00+09:00"


def test_flash_container_without_any_article_signal_is_not_guessed() -> None:
    html = _ndsoft_flash("고양시가 28일 국립암센터와 정밀의료 공동연구 협약을 맺었다.").replace(
        "<li>입력 2025.03.28 10:02</li>", ""
    )
    with pytest.raises(NoArticleError):
        extract_article(html, "https://www.goyangnews.example.kr/index.html")


BRIEF = [
    "고양시 일산테크노밸리에 바이오 기업들이 입주를 시작했다.",
    "시는 올해 20여 개 기업이 입주할 것으로 내다봤다.",
    "입주 기업에는 임대료 감면 혜택이 주어진다고 시는 설명했다.",
]


@pytest.mark.parametrize(
    "markup",
    [
        "".join(f"<p>{p}</p>" for p in BRIEF),
        "\n" + "\n\n".join(BRIEF) + "\n",
    ],
    ids=["paragraphs", "bare-text"],
)
def test_brief_story_in_the_pages_one_article_element_is_an_article(markup: str) -> None:
    html = _page(
        "<title>일산테크노밸리 입주 시작 | 경기일보</title>"
        '<meta property="og:title" content="일산테크노밸리 입주 시작">',
        f"<main><h1>일산테크노밸리 입주 시작</h1><article>{markup}</article></main>",
    )
    article = extract_article(html, "https://www.kyeonggi.example.kr/news/2025/04/02/brief")
    assert article.paragraphs == tuple(BRIEF)


def test_bare_text_story_typed_into_body_keeps_its_paragraphs(shared_data: Path) -> None:
    raw = (shared_data / "encodings" / "eucKR_chromium949_snippet_1.html").read_bytes()
    article = extract_article(decode_page(raw, None).text, "file:///snippet.html")
    assert len(article.paragraphs) == 3
    assert article.paragraphs[0].startswith("한나라당은 2월 임시국회에서")
    assert article.paragraphs[-1].endswith("공문을 각각 발송했다.")


SECTION_HEAD = (
    '<title>바이오 - 고양신문</title><meta property="og:type" content="article">'
    '<meta property="og:title" content="바이오 - 고양신문">'
)


@pytest.mark.parametrize(
    "body",
    [
        "".join(
            f'<article class="item"><h2><a href="/news/articleView.html?idxno={i}">'
            f"고양시 바이오 소식 {i}번째 제목</a></h2>"
            f"<p>고양시가 바이오 산업 육성을 위한 {i}번째 사업을 시작했다.</p></article>"
            for i in range(6)
        ),
        '<article class="list"><ul>'
        + "".join(
            f'<li><a href="/news/articleView.html?idxno={i}">고양시 바이오 소식 {i}번째 제목</a>'
            f"<p>입력 2024.11.2{i} 10:00</p></li>"
            for i in range(6)
        )
        + "</ul></article>",
    ],
    ids=["article-cards", "list-in-one-article"],
)
def test_section_front_built_of_article_elements_is_not_an_article(body: str) -> None:
    with pytest.raises(NoArticleError):
        extract_article(_page(SECTION_HEAD, body), "https://x.example.kr/news/articleList.html")


@pytest.mark.parametrize(
    "notice",
    [
        "<p>이 기사는 유료 회원 전용 콘텐츠입니다. 로그인 후 이용해 주세요.</p>"
        '<a href="/member/login.html">로그인</a>',
        "<p>이 기사는 유료회원만 볼 수 있습니다.</p>"
        "<p>회원가입 후 구독을 신청하시면 전체 기사를 읽을 수 있습니다.</p>",
    ],
)
def test_login_wall_inside_the_article_container_is_not_an_article(notice: str) -> None:
    html = _page(
        "<title>고양시, 정밀의료 협약 - 고양신문</title>"
        '<meta property="og:type" content="article">',
        '<article id="article-view-content-div" class="article-veiw-body font-size17" '
        f'itemprop="articleBody">{notice}</article>',
    )
    with pytest.raises(NoArticleError):
        extract_article(html, NDSOFT_URL)
