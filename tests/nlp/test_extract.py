"""extract_article on the real Korean pages and on small hand-written pages per strategy."""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from testkit import PROSE

from nlp._dates import KST
from nlp._errors import ExtractionError, NoArticleError
from nlp._extract_guard import check_nesting
from nlp.decode import decode_page
from nlp.extract import extract_article, extract_fragment
from nlp.text import normalize_text

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"
REAL = [
    "hankookilbo-2025-05-15",
    "hankookilbo-2026-07-12",
    "mk-2025-05-27",
    "mk-2025-05-28",
    "mk-2025-06-03",
]
SIDEBAR_MARKERS = ("많이 본 뉴스", "인기뉴스", "많이 본", "관련기사", "무단전재")


def token_f1(found: str, gold: str) -> float:
    """Bag-of-\\w+-tokens F1 between two texts."""
    a, b = Counter(re.findall(r"\w+", found)), Counter(re.findall(r"\w+", gold))
    tp = sum((a & b).values())
    if tp == 0:
        return 0.0
    precision, recall = tp / sum(a.values()), tp / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def words(text: str) -> list[str]:
    """\\w+ tokens of the normalised text, the form titles are compared under."""
    return re.findall(r"\w+", normalize_text(text))


def load(name: str) -> str:
    """Decode a hand-written test page."""
    return decode_page((PAGES / name).read_bytes(), None).text


@pytest.mark.parametrize("name", REAL)
def test_real_pages_match_gold(shared_data: Path, name: str) -> None:
    folder = shared_data / "korean-pages"
    gold = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    html = decode_page((folder / f"{name}.html").read_bytes(), "text/html").text
    article = extract_article(html, gold["url"])
    assert words(article.title) == words(gold["title"])
    assert token_f1(article.body, "\n".join(gold["paragraphs"])) >= 0.9
    assert article.published_at == datetime.fromisoformat(gold["published"])
    assert set(gold["authors"]) <= set(article.authors) or article.authors
    assert not any(marker in article.body for marker in SIDEBAR_MARKERS)
    assert article.language == "ko"


def test_ndsoft_page_drops_boilerplate_and_keeps_metadata() -> None:
    article = extract_article(load("ndsoft.html"), "https://example.kr/1")
    assert article.method == "cms:ndsoft"
    assert article.title == "시의회, 내년 예산안 심사 착수"
    assert article.paragraphs[0].startswith("고양시의회가 27일")
    assert article.authors == ("최환금",)
    body = article.body
    for junk in ("사진=", "▲", "관련기사", "@newspim.com", "무단전재", "많이 본 뉴스"):
        assert junk not in body
    assert len(article.paragraphs) == 3
    assert article.published_at == datetime(2024, 11, 27, 11, 39, tzinfo=KST)
    assert article.updated_at == datetime(2024, 11, 28, 9, 5, tzinfo=KST)
    assert article.canonical_url == "https://example.kr/news/articleView.html?idxno=1"
    assert article.outlet == "경기신문"


def test_euc_kr_page_extracts_like_its_utf8_twin() -> None:
    twin = extract_article(load("ndsoft.html"), "u")
    article = extract_article(load("euckr.html"), "u")
    assert article.paragraphs == twin.paragraphs


def test_jsonld_graph_body_and_distrusted_z_stamp() -> None:
    article = extract_article(load("jsonld.html"), "u")
    assert article.method == "jsonld"
    assert article.title == "정부, 반도체 지원책 발표"
    assert len(article.paragraphs) == 3
    assert article.outlet == "예시일보"
    assert article.authors == ("홍길동",)
    # The stamp says 11:35Z while the page shows 입력 11:35: a KST time mislabelled as UTC.
    assert article.published_at == datetime(2024, 11, 27, 11, 35, tzinfo=KST)


def test_generic_scorer_with_flag_byline_and_translation() -> None:
    article = extract_article(load("generic.html"), "u")
    assert article.method == "generic"
    assert article.title == "지역 소멸 위기, 해법은 어디에"
    assert "기획" in article.flags
    assert article.authors == ("주기범",)
    assert article.paragraphs[0].startswith("인구 감소가")
    assert "Population" not in article.body
    assert article.translation is not None and article.translation.startswith("Population")
    assert "정치" not in article.body


def test_section_front_is_not_an_article() -> None:
    with pytest.raises(NoArticleError):
        extract_article(load("section.html"), "u")


def test_dateline_with_agency_moves_reporter_to_authors() -> None:
    body = "".join(
        f"<p>{text}</p>"
        for text in (
            "(서울=연합뉴스) 홍길동 김철수 기자 = 기획재정부는 27일 내년 경제정책방향을 "
            "발표했다. 성장률 전망치는 2.1%로 제시됐다.",
            "정부는 내수 회복을 위해 상반기 재정 집행을 앞당기기로 했다. 소상공인 지원도 확대된다.",
            "다만 대외 불확실성이 커지고 있어 하방 위험이 크다는 지적도 나왔다. "
            "정부는 분기마다 전망을 점검하기로 했다.",
            "hong@yna.co.kr",
        )
    )
    article = extract_article(f'<html><body><div id="articleBody">{body}</div></body></html>', "u")
    assert article.paragraphs[0].startswith("기획재정부는")
    assert article.method == "cms:common"
    assert "@" not in article.body
    assert article.authors == ("홍길동", "김철수")


def test_nextjs_flight_payload_body() -> None:
    article = extract_article(load("nextjs.html"), "u")
    assert article.method == "nextjs"
    assert article.title == "서울 심야버스 두 배로"
    assert article.lead == ("부제 한 줄", "부제 두 줄")
    assert len(article.paragraphs) == 3
    assert article.paragraphs[0].startswith("서울시가 내년부터")
    assert article.published_at == datetime(2024, 11, 12, 9, 30, tzinfo=KST)


@pytest.mark.parametrize("name", REAL)
def test_real_pages_keep_the_deck_out_of_the_body(shared_data: Path, name: str) -> None:
    folder = shared_data / "korean-pages"
    gold = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    article = extract_article((folder / f"{name}.html").read_text(encoding="utf-8"), gold["url"])
    if gold["deck"]:
        assert article.lead
        assert words(article.lead[0])[:3] == words(gold["deck"][0])[:3]
        assert not article.body.startswith(article.lead[0])


def test_a_date_in_a_sidebar_is_not_the_articles_date() -> None:
    article = extract_article(load("sidebar_first.html"), "u")
    assert article.published_at == datetime(2024, 11, 27, 11, 39, tzinfo=KST)
    assert "많이 본 뉴스" not in article.body


def test_machine_translation_tail_deck_and_byline_with_stamp() -> None:
    article = extract_article(load("translated.html"), "u")
    assert article.authors == ("박정호",)
    assert len(article.lead) == 2 and "룩셈부르크" in article.lead[0]
    assert article.paragraphs[0].startswith("고양특례시는")
    assert len(article.paragraphs) == 3
    assert article.translation is not None and "Gyeonggi Province" in article.translation
    assert article.published_at == datetime(2024, 11, 27, 13, 35, tzinfo=KST)


def test_naver_portal_copy_with_br_paragraphs() -> None:
    article = extract_article(load("naver.html"), "u")
    assert article.method == "cms:naver"
    assert article.authors == ("홍길동",)
    assert article.paragraphs[0].startswith("한국은행 금융통화위원회가")
    assert len(article.paragraphs) == 3
    assert "자료사진" not in article.body and "@" not in article.body
    assert article.canonical_url == "https://n.news.naver.com/article/001/0000000001"
    assert article.published_at == datetime(2024, 11, 28, 10, 12, tzinfo=KST)
    assert article.updated_at == datetime(2024, 11, 28, 11, 40, tzinfo=KST)


def test_legacy_table_layout_in_euc_kr_with_bare_text_body() -> None:
    raw = (PAGES / "legacy_table_euckr.html").read_bytes()
    decoded = decode_page(raw, "text/html")
    assert decoded.encoding == "cp949"
    article = extract_article(decoded.text, "u")
    assert article.method == "generic"
    assert article.title == "지역 축제 관광객 몰려"
    assert len(article.paragraphs) == 3
    assert article.paragraphs[0].startswith("올해로 열 번째를")
    assert article.authors == ("김옛날",)
    assert "무단전재" not in article.body and "다른 기사" not in article.body
    assert article.published_at == datetime(2018, 8, 25, 15, 24, tzinfo=KST)


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   \n\t",
        bytes(range(256)).decode("latin-1") * 40,
        "\x00" * 500 + "<p>" + "\x00" * 50,
        "<div>" * 100_000 + "본문" * 200 + "</div>" * 100_000,
        "<b>" * 60_000 + "본문" * 200,
        "<ul><li>" * 5_000 + "본문" * 200,
        '<script type="application/ld+json">' + "[" * 100_000 + "</script><p>짧다</p>",
        '<script id="__NEXT_DATA__">' + "[" * 100_000 + "]" * 100_000 + "</script>",
        "<!--" + "주석" * 500,
        "<div " + 'a="b" ' * 50_000 + ">본문</div>",
        "<p>\ud800깨진 글자</p>" * 50,
    ],
    ids=[
        "empty",
        "whitespace",
        "binary",
        "nul-bytes",
        "nested-divs",
        "nested-inline",
        "nested-lists",
        "deep-jsonld",
        "deep-next-data",
        "open-comment",
        "huge-tag",
        "lone-surrogate",
    ],
)
def test_malformed_input_raises_only_extraction_errors(html: str) -> None:
    with pytest.raises(ExtractionError):
        extract_article(html, "u")
    # Declining is fine; any other exception is the defect.
    with contextlib.suppress(ExtractionError):
        extract_fragment(html, "u", "제목")


def test_five_megabyte_page_extracts_in_bounded_time() -> None:
    # Thousands of same-class boxes holding prose stress the merging of split bodies.
    filler = "".join(f'<div class="box"><p>{PROSE[i % 3]}</p></div>' for i in range(6_000))
    filler += '<div class="box"><p>목록 항목</p></div>' * 40_000
    body = "".join(f"<p>{text}</p>" for text in PROSE * 2)
    html = f"<html><body>{filler}<div class='box'>{body}</div>{filler}</body></html>"
    assert len(html.encode("utf-8")) > 5_000_000
    start = time.perf_counter()
    article = extract_article(html, "u")
    assert time.perf_counter() - start < 10
    assert article.paragraphs


def test_nesting_guard_passes_real_depths_and_stops_hostile_ones() -> None:
    check_nesting("<div>" * 500 + "</div>" * 500)
    # Paragraphs and list items close implicitly, so runs of them never deepen the tree.
    check_nesting("<p>" * 10_000 + "<li>" * 10_000)
    with pytest.raises(ExtractionError):
        check_nesting("<section>" * 3_001)


def test_generic_joins_paragraphs_held_in_inline_spans() -> None:
    # Blog editors wrap each paragraph in <div><span style>…</span></div>.
    paragraphs = "".join(
        f'<div><span style="font-size:small"><span>{text}</span></span></div>' for text in PROSE
    )
    html = (
        "<html><body><div class='menu'><a href='/'>홈</a></div>"
        f"<div class='post-body'>{paragraphs}</div></body></html>"
    )
    article = extract_article(html, "u")
    assert article.method == "generic"
    assert article.paragraphs == PROSE


def test_cms_id_on_body_element_falls_through_to_generic() -> None:
    links = "".join(f"<p><a href='/{i}'>계열사 링크 {i}번 바로가기 안내</a></p>" for i in range(40))
    story = "".join(f"<p>{text}</p>" for text in PROSE)
    html = (
        f"<html><body id='article_body'><div class='corp'>{links}</div>"
        f"<div class='story'>{story}</div></body></html>"
    )
    article = extract_article(html, "u")
    assert article.method == "generic"
    assert "계열사" not in article.body
    assert len(article.paragraphs) == 3


def test_cookie_consent_banner_is_not_the_article() -> None:
    banner = (
        "<div class='privacy-consent'><p>We use cookies and other tracking technologies to "
        "improve your browsing experience, show personalized content, analyze site traffic, "
        "and understand where our audience is coming from. To find out more, please read our "
        "Cookie Policy and Privacy Policy, which have been updated.</p><p>By choosing I Accept, "
        "you consent to our use of cookies, trackers, and other technologies.</p></div>"
    )
    story = "".join(f"<p>{text}</p>" for text in PROSE)
    article = extract_article(f"<html><body>{banner}<div>{story}</div></body></html>", "u")
    assert "cookies" not in article.body
    assert article.paragraphs == PROSE


def test_layout_wrapper_named_sidebar_does_not_sink_the_article_but_comments_do() -> None:
    story = "".join(f"<p>{text}</p>" for text in PROSE)
    comments = "".join(
        f"<div class='comment'><div class='content'><p>{text} 댓글 {i}</p></div></div>"
        for i, text in enumerate(PROSE * 3)
    )
    # An unlabelled box of two paragraphs beats the article only if the wrapper's hint sinks it.
    about = "".join(f"<p>{text} 필자 소개.</p>" for text in PROSE[:2])
    html = (
        "<html><body><div class='l-sidebar-fixed'><div class='main-col'>"
        f"<div class='entry-body'>{story}</div></div></div>"
        f"<div class='comments'>{comments}</div><div class='box'>{about}</div></body></html>"
    )
    article = extract_article(html, "u")
    assert article.paragraphs == PROSE


def test_single_long_paragraph_notice_is_an_article() -> None:
    text = " ".join(PROSE * 3)
    nav = "".join(f"<li><a href='/{i}'>메뉴 {i}</a></li>" for i in range(20))
    html = (
        f"<html><body><ul>{nav}</ul><div class='col'><p class='title'>공지</p>"
        f"<small>2024-11-27</small><br>{text}<br><br></div></body></html>"
    )
    article = extract_article(html, "u")
    assert article.paragraphs == (text,)


def test_body_split_across_same_class_sections_is_joined_in_order() -> None:
    first = "".join(f"<p>{text}</p>" for text in PROSE)
    second = "".join(f"<p>{text} 후속 문단이다.</p>" for text in PROSE[:2])
    teaser = "<p><a href='/x'>다른 기사 제목이 길게 이어지는 추천 목록 항목이다.</a></p>"
    html = (
        f"<html><body><div class='grid'><div class='story-part'>{first}</div></div>"
        "<div class='ad-slot'>광고</div>"
        f"<div class='grid'><div class='story-part'>{second}</div></div>"
        f"<div class='story-part'>{teaser * 3}</div></body></html>"
    )
    article = extract_article(html, "u")
    assert article.paragraphs[:3] == PROSE
    assert article.paragraphs[3:] == tuple(f"{text} 후속 문단이다." for text in PROSE[:2])


def test_camel_case_caption_and_link_only_teasers_leave_the_body() -> None:
    caption = "<span class='newsCaption'>시민들이 심야버스를 기다리고 있다</span>"
    rest = "".join(f"<p>{text}</p>" for text in PROSE[1:])
    html = (
        "<html><body><div class='text-description'>"
        f"<p>{PROSE[0]}</p><div class='photo'>{caption}</div>{rest}"
        "<p><a href='/a'>다른 기사: 지하철 막차 연장 검토</a></p>"
        "<ul><li><a href='/b'>심야 택시 호출료 인상</a></li></ul>"
        "</div></body></html>"
    )
    article = extract_article(html, "u")
    assert article.paragraphs == PROSE


@pytest.mark.parametrize(
    "escape",
    [
        lambda text: f"&lt;p&gt;{text}&lt;/p&gt;",
        lambda text: text.replace("다.", "다.&amp;quot;") + "\n",
    ],
    ids=["escaped-markup", "double-escaped-quotes"],
)
def test_jsonld_body_with_entity_escapes_is_unescaped(escape: Callable[[str], str]) -> None:
    body = "".join(escape(text) for text in PROSE)
    data = {"@type": "NewsArticle", "headline": "심야버스 확대", "articleBody": body}
    html = (
        f'<html><head><script type="application/ld+json">{json.dumps(data)}</script></head>'
        "<body><p>요약</p></body></html>"
    )
    article = extract_article(html, "u")
    assert article.method == "jsonld"
    assert "&" not in article.body and "<" not in article.body
    assert [words(p) for p in article.paragraphs] == [words(p) for p in PROSE]


@pytest.mark.parametrize("layout", ["heading-and-paragraph", "link-and-div"])
def test_section_front_with_summaries_is_not_an_article(layout: str) -> None:
    cards = []
    for index, summary in enumerate(PROSE * 3):
        title = f"<a href='/news/{index}'>오늘의 주요 기사 제목 {index}</a>"
        if layout == "heading-and-paragraph":
            cards.append(
                f"<div class='card'><h3>{title}</h3><p class='summary'>{summary}</p></div>"
            )
        else:
            cards.append(f"<div class='card'>{title}<div class='summary'>{summary}</div></div>")
    html = f"<html><body><h1>사회</h1><div class='list'>{''.join(cards)}</div></body></html>"
    with pytest.raises(NoArticleError):
        extract_article(html, "u")


def test_story_cut_into_cards_without_titles_is_joined() -> None:
    cards = "".join(f"<div class='card-content'><p>{text}</p></div>" for text in PROSE)
    html = (
        f"<html><body><h1>심야버스</h1><main>{cards}<div class='ad'>광고</div></main></body></html>"
    )
    article = extract_article(html, "u")
    assert article.paragraphs == PROSE


def test_widget_labels_anywhere_in_a_short_line_are_dropped() -> None:
    widgets = "<p>기사 URL이 복사되었습니다.</p><p>당신이 관심 있을 만한 이슈</p>"
    story = "".join(f"<p>{text}</p>" for text in PROSE)
    html = f"<html><body><div id='articleBody'>{story}{widgets}</div></body></html>"
    article = extract_article(html, "u")
    assert article.paragraphs == PROSE


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        # Naver: the portal in og:site_name, the office in og:article:author / twitter:creator.
        (
            '<meta property="og:site_name" content="네이버 뉴스">'
            '<meta property="og:article:author" content="연합뉴스 | 네이버">',
            "연합뉴스",
        ),
        (
            '<meta property="og:site_name" content="네이버뉴스">'
            '<meta name="twitter:creator" content="한국경제">',
            "한국경제",
        ),
        # Daum: article:media_name; a handle or a URL is never an outlet name.
        (
            '<meta property="og:site_name" content="다음뉴스">'
            '<meta name="twitter:creator" content="@daumnews">'
            '<meta name="article:media_name" content="경기일보">',
            "경기일보",
        ),
        ('<meta property="og:site_name" content="다음뉴스">', "다음뉴스"),  # nothing better said
        # An outlet's own page keeps its own name even with an author tag.
        (
            '<meta property="og:site_name" content="고양신문">'
            '<meta property="og:article:author" content="김기자">',
            "고양신문",
        ),
    ],
)
def test_portal_copies_are_named_after_the_outlet_that_wrote_them(head: str, expected: str) -> None:
    body = "".join(
        f"<p>고양특례시는 {n}일 바이오 클러스터 조성 계획을 발표했다고 밝혔다. 시는 국립암센터와 "
        "협력해 정밀의료 연구 거점을 만들 계획이다.</p>"
        for n in range(1, 5)
    )
    html = (
        f'<html><head><meta property="og:type" content="article">{head}'
        '<meta property="og:title" content="고양시, 바이오 클러스터 계획 발표"></head>'
        f"<body><article><h1>고양시, 바이오 클러스터 계획 발표</h1>{body}</article></body></html>"
    )
    assert extract_article(html, "https://v.daum.net/v/20241203162012345").outlet == expected
