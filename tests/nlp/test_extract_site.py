"""Per-site selectors (config.toml `[[outlets]]`) as a named strategy of extract_article."""

from __future__ import annotations

from datetime import datetime

import pytest

from nlp import ExtractionError, SiteRules
from nlp._dates import KST
from nlp.extract import extract_article

URL = "https://www.goyangnews.example.kr/news/read.php?no=4412"
STORY = (
    "고양특례시가 일산테크노밸리 바이오 기업 입주를 앞두고 임상 협력 창구를 새로 연다고 "
    "3일 밝혔다.",
    "창구에는 국립암센터와 동국대 일산병원 연구진이 참여해 기업의 임상시험 설계와 "
    "데이터 활용을 돕는다.",
    '시 관계자는 "기업이 병원을 찾아다니지 않아도 되도록 한곳에서 상담을 받게 하겠다"고 말했다.',
)
# A site's own in-body notice that no general rule knows as boilerplate.
NOTE = "고양 소식 종이신문은 매주 월요일 아침 시청 민원실과 각 행정복지센터에 비치됩니다."
# An unusual layout: the story sits in <div class="cnt"> paragraphs, and a "오늘의 추천" box of
# long teaser paragraphs next to it outweighs the story for the generic scorer.
TEASERS = "".join(
    f"<p>{text} 이 기사는 다른 사안을 다루며 본문과 관계가 없는 추천 기사 요약문이다, "
    "길게 쓰였다.</p>"
    for text in (
        "킨텍스 제3전시장 착공이 또 늦어져 지역 상권의 불만이 커지고 있다.",
        "고양시의회가 내년 예산안 심사에서 도로 정비 예산을 대폭 깎았다.",
        "일산 호수공원 꽃박람회가 역대 최다 관람객을 기록하며 폐막했다.",
        "덕양구 원도심 재개발 사업이 주민 반대로 다시 표류하고 있다.",
        "고양 도시철도 노선 확정이 미뤄지며 주민 설명회가 연기됐다.",
    )
)
PAGE = f"""<html lang="ko"><head><meta charset="utf-8">
<title>고양 소식 :: 고양시, 바이오 기업 임상 협력 창구 연다</title></head><body>
<div class="top"><span class="hd">고양시, 바이오 기업 임상 협력 창구 연다</span>
<span class="when">2025.03.03 09:40</span></div>
<div class="cnt"><p>{STORY[0]}</p><div class="cnt-extra">{NOTE}</div>
<p>{STORY[1]}</p><p>{STORY[2]}</p></div>
<div class="pick">{TEASERS}</div>
</body></html>"""
RULES = SiteRules(
    domain="goyangnews.example.kr",
    body_selector="div.cnt",
    title_selector=".top .hd",
    date_selector=".top .when",
    drop_selectors=(".cnt-extra",),
)


def test_without_rules_the_generic_scorer_reads_the_teaser_box() -> None:
    article = extract_article(PAGE, URL)
    assert article.method == "generic"
    assert STORY[1] not in article.paragraphs


def test_site_rules_pick_body_title_and_date() -> None:
    article = extract_article(PAGE, URL, RULES)
    assert article.method == "site:goyangnews.example.kr"
    assert article.paragraphs == STORY
    assert article.title == "고양시, 바이오 기업 임상 협력 창구 연다"
    assert article.published_at == datetime(2025, 3, 3, 9, 40, tzinfo=KST)


def test_a_known_cms_container_still_wins_over_site_rules() -> None:
    page = PAGE.replace('<div class="cnt">', '<div class="cnt"><div id="article-view-content-div">')
    page = page.replace('</p></div>\n<div class="pick">', '</p></div></div>\n<div class="pick">')
    article = extract_article(page, URL, RULES)
    assert article.method == "cms:ndsoft"
    assert article.paragraphs == STORY


def test_site_rules_fall_back_when_the_selector_finds_nothing() -> None:
    # After a redesign the configured container is gone: the cascade goes on as without rules.
    redesigned = SiteRules(domain=RULES.domain, body_selector="div.article-text-gone")
    assert extract_article(PAGE, URL, redesigned).method == "generic"


def test_drop_selectors_remove_elements_before_extraction() -> None:
    kept = extract_article(PAGE, URL, SiteRules(domain=RULES.domain, body_selector="div.cnt"))
    assert NOTE in kept.paragraphs
    assert NOTE not in extract_article(PAGE, URL, RULES).paragraphs


def test_date_selector_reads_a_datetime_attribute() -> None:
    page = PAGE.replace(
        '<span class="when">2025.03.03 09:40</span>',
        '<time class="when" datetime="2025-03-03T00:40:00Z">3월 3일</time>',
    )
    article = extract_article(page, URL, RULES)
    assert article.published_at == datetime(2025, 3, 3, 9, 40, tzinfo=KST)


def test_a_bad_selector_is_an_extraction_error() -> None:
    with pytest.raises(ExtractionError):
        extract_article(PAGE, URL, SiteRules(domain=RULES.domain, body_selector="div[[["))
