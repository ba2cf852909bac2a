"""Per-site selectors (config.toml `[[outlets]]`) as a named strategy of extract_article."""

from __future__ import annotations

from datetime import datetime

import pytest
from testkit import SITE_NOTE, SITE_STORY, SITE_TITLE, site_selector_page

from nlp import ExtractionError, SiteRules
from nlp._dates import KST
from nlp.extract import extract_article

URL = "https://www.goyangnews.example.kr/news/read.php?no=4412"
STORY, NOTE = SITE_STORY, SITE_NOTE
PAGE = site_selector_page()
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
    assert article.title == SITE_TITLE
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
