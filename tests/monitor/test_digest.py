"""The digest from stored rows: grouping, folding, the header, the formats, hostile text."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from dataclasses import replace
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlite_utils

import db as store
from monitor.config import Config, parse_config
from monitor.digest import Digest, build_digest, excerpt_lines, render_digest
from monitor.periods import KST

CONFIG = """
[database]
path = "unused.db"

[[sources]]
name = "feed"
kind = "rss"
url = "http://news.test/rss.xml"

[[entities]]
id = "lih-g"
name = "룩셈부르크 고양보건연구소"

[[entities]]
id = "ncc"
name = "국립암센터"

[[outlets]]
domain = "news.test"
name = "테스트일보"
tier = "local"
"""

NOW = datetime(2024, 11, 27, 18, tzinfo=KST)
HOSTILE = "<script>alert('x')</script> \"인용\" & 'quote' <img src=x onerror=alert(1)>"


@pytest.fixture
def config() -> Config:
    return parse_config(tomllib.loads(CONFIG), Path("config.toml"))


def _article(
    url: str,
    outlet: str,
    *,
    title: str = "국립암센터, 고양시와 정밀의료 협력",
    medium: str = "online",
    story_id: int | None = None,
    entity: str | None = "ncc",
    topic: str | None = "agreement",
    tone: str | None = "neutral",
    tier: str = "local",
    published_at: str = "2024-11-27T09:30:00+09:00",
    body: str = "국립암센터와 고양시가 협력한다. 두 기관은 공동 연구를 시작한다. 세 번째는 빠진다.",
    relevant: bool = True,
    collected_at: str = "2024-11-27T10:00:00+09:00",
) -> store.ArticleRecord:
    mentions = (store.MentionRecord(entity, "title", 0, 5, "이름", ""),) if entity else ()
    return store.ArticleRecord(
        url=url,
        title=title,
        body="" if medium != "online" else body,
        role="coverage",
        method="manual" if medium != "online" else "generic",
        collected_at=collected_at,
        processed_at=collected_at,
        medium=medium,
        published_at=published_at,
        published_date=published_at[:10],
        date_source="manual" if medium != "online" else "page",
        outlet=outlet,
        tier=tier,
        relevant=relevant,
        topic=topic,
        tone=tone,
        story_id=story_id,
        mentions=mentions,
    )


def _save(database: sqlite_utils.Database, record: store.ArticleRecord) -> int:
    article_id, _ = store.save_article(database, record, None, None)
    return article_id


def _day(database: sqlite_utils.Database) -> dict[str, int]:
    """A day of coverage: a release syndicated by three outlets, a negative story, a lih-g event
    labelled negative by the team, an irrelevant page, and one story the day before."""
    ids: dict[str, int] = {}
    ids["release"] = _save(database, _article("http://news.test/1", "테스트일보"))
    for n, (outlet, tier) in enumerate((("뉴스핌", "internet"), ("연합뉴스", "wire")), 2):
        _save(
            database,
            _article(f"http://news.test/{n}", outlet, tier=tier, story_id=ids["release"]),
        )
    ids["print"] = _save(
        database, _article("manual:abc", "고양신문", medium="print", story_id=ids["release"])
    )
    ids["negative"] = _save(
        database,
        _article(
            "http://news.test/9",
            "경기일보",
            title="일산테크노밸리 착공 또 지연",
            tone="negative",
            topic="infrastructure",
            body="(고양=연합뉴스) 홍길동 기자 = 착공이 다시 미뤄졌다. 주민 반발이 크다.",
            published_at="2024-11-27T08:00:00+09:00",
        ),
    )
    ids["labelled"] = _save(
        database,
        _article(
            "http://news.test/10",
            "뉴스핌",
            title="LIH-G 포럼 개최",
            entity="lih-g",
            topic="event",
            tone="positive",
            tier="internet",
        ),
    )
    store.set_label(database, ids["labelled"], "2024-11-27T12:00:00+09:00", tone="negative")
    ids["lih"] = _save(
        database,
        _article(
            "http://news.test/11",
            "테스트일보",
            title="LIH-G 연구 협약",
            entity="lih-g",
            topic="agreement",
        ),
    )
    _save(database, _article("http://news.test/12", "테스트일보", title="무관", relevant=False))
    _save(
        database,
        _article(
            "http://news.test/0",
            "테스트일보",
            title="전날 기사",
            published_at="2024-11-26T09:00:00+09:00",
        ),
    )
    return ids


def test_copies_fold_into_one_story_with_every_outlet_and_tier(
    memory_db: sqlite_utils.Database,
) -> None:
    ids = _day(memory_db)
    digest = build_digest(memory_db, day=date(2024, 11, 27), entity_order=["lih-g", "ncc"])
    release = next(s for s in digest.stories if s.story_id == ids["release"])
    assert release.outlet_tiers == (
        ("테스트일보", "local"),
        ("뉴스핌", "internet"),
        ("연합뉴스", "wire"),
        ("고양신문", "local"),
    )
    assert release.excerpt == ("국립암센터와 고양시가 협력한다.", "두 기관은 공동 연구를 시작한다.")
    assert release.link == "http://news.test/1"
    assert {s.title for s in digest.stories} == {
        "국립암센터, 고양시와 정밀의료 협력",
        "일산테크노밸리 착공 또 지연",
        "LIH-G 포럼 개최",
        "LIH-G 연구 협약",
    }


def test_negative_first_team_labels_win_then_entity_then_topic(
    memory_db: sqlite_utils.Database,
) -> None:
    ids = _day(memory_db)
    digest = build_digest(memory_db, day=date(2024, 11, 27), entity_order=["lih-g", "ncc"])
    # The team's "negative" label beats the classifier's "positive".
    assert {s.story_id for s in digest.negative} == {ids["negative"], ids["labelled"]}
    assert [(g.entity, [t for t, _ in g.topics]) for g in digest.groups] == [
        ("lih-g", ["agreement"]),
        ("ncc", ["agreement"]),
    ]
    grouped = [s.story_id for g in digest.groups for _, stories in g.topics for s in stories]
    assert grouped == [ids["lih"], ids["release"]]  # each story once; negatives not repeated
    # The configured order decides: ncc first when the file lists it first.
    again = build_digest(memory_db, day=date(2024, 11, 27), entity_order=["ncc", "lih-g"])
    assert [g.entity for g in again.groups] == ["ncc", "lih-g"]


def test_header_counts_against_the_day_before(memory_db: sqlite_utils.Database) -> None:
    _day(memory_db)
    digest = build_digest(memory_db, day=date(2024, 11, 27))
    # Articles: distinct (outlet, story) pairs: 4 copies of the release + 3 single stories.
    assert digest.counts.to_json() == {"articles": 7, "stories": 4, "outlets": 5}
    assert digest.previous is not None and digest.previous.to_json() == {
        "articles": 1,
        "stories": 1,
        "outlets": 1,
    }
    assert digest.change is not None and digest.change.to_json() == {
        "articles": 6,
        "stories": 3,
        "outlets": 4,
    }


def test_markdown_entry_has_every_field(memory_db: sqlite_utils.Database, config: Config) -> None:
    _day(memory_db)
    digest = build_digest(
        memory_db,
        day=date(2024, 11, 27),
        notices=["source naver: failed 3 runs in a row (HTTP 401)"],
        entity_order=["lih-g", "ncc"],
    )
    md = render_digest(digest, "md", config, NOW)
    assert "기사 7건 (+6) · 이야기 4건 (+3) · 매체 5곳 (+4) · 부정 2건" in md
    assert "> 점검 필요: source naver: failed 3 runs in a row (HTTP 401)" in md
    assert (
        md.index("## 부정 보도 2건")
        < md.index("## 룩셈부르크 고양보건연구소")
        < md.index("## 국립암센터")
    )
    assert "### [부정] 일산테크노밸리 착공 또 지연" in md
    assert "  > 착공이 다시 미뤄졌다." in md  # the dateline is not the excerpt
    agreement = next(t.label for t in config.topics if t.id == "agreement")
    meta = f"· 2024-11-27 09:30 · 대상 국립암센터 · 주제 {agreement} · 논조 중립"
    assert f"- 테스트일보 외 3개 매체 {meta}" in md
    assert "  - [연합뉴스·통신사] http://news.test/3" in md
    assert "  - [고양신문·지역지·지면] 국립암센터, 고양시와 정밀의료 협력 (링크 없음)" in md
    assert "manual:abc" not in md
    assert "무관" not in md and "전날 기사" not in md


def test_json_carries_the_same(memory_db: sqlite_utils.Database, config: Config) -> None:
    ids = _day(memory_db)
    digest = build_digest(memory_db, day=date(2024, 11, 27), entity_order=["lih-g", "ncc"])
    data = json.loads(render_digest(digest, "json", config, NOW))
    assert data["date"] == "2024-11-27"
    assert data["counts"] == {"articles": 7, "stories": 4, "outlets": 5}
    assert data["change"] == {"articles": 6, "stories": 3, "outlets": 4}
    sections = data["sections"]
    assert sections[0] == {"kind": "negative", "story_ids": [ids["negative"], ids["labelled"]]}
    assert sections[1]["entity"] == "lih-g" and sections[1]["name"] == "룩셈부르크 고양보건연구소"
    agreement = next(t.label for t in config.topics if t.id == "agreement")
    assert sections[2]["topics"] == [
        {"topic": "agreement", "label": agreement, "story_ids": [ids["release"]]}
    ]
    release = next(s for s in data["stories"] if s["story_id"] == ids["release"])
    assert set(release) >= {"story_id", "title", "entities", "topic", "tone", "articles"}
    assert release["outlets"][2] == {"name": "연합뉴스", "tier": "wire"}
    assert release["excerpt"] == "국립암센터와 고양시가 협력한다.\n두 기관은 공동 연구를 시작한다."
    printed = release["articles"][-1]
    assert (printed["medium"], printed["url"]) == ("print", None)
    assert set(release["articles"][0]) >= {"id", "url", "title", "outlet", "published_at"}


def test_an_empty_day_says_so(memory_db: sqlite_utils.Database, config: Config) -> None:
    digest = build_digest(memory_db, day=date(2024, 11, 27))
    assert "관련 보도가 없습니다." in render_digest(digest, "md", config, NOW)
    assert "관련 보도가 없습니다." in render_digest(digest, "html", config, NOW)
    assert json.loads(render_digest(digest, "json", config, NOW))["stories"] == []


def test_since_last_compares_with_the_previous_window(memory_db: sqlite_utils.Database) -> None:
    _day(memory_db)  # everything collected at 10:00
    _save(
        memory_db,
        _article("http://news.test/20", "새매체", collected_at="2024-11-28T07:00:00+09:00"),
    )
    digest = build_digest(
        memory_db,
        collected_after="2024-11-27T18:00:00+09:00",
        collected_until="2024-11-28T08:00:00+09:00",
        previous_window=(None, "2024-11-27T18:00:00+09:00"),
    )
    assert digest.counts.articles == 1 and digest.previous is not None
    assert digest.previous.articles == 8  # the day before's story was collected then too


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        (
            "(서울=연합뉴스) 홍길동 기자 = 첫 문장이다. 둘째 문장이다. 셋째.",
            ("첫 문장이다.", "둘째 문장이다."),
        ),
        ("【고양=뉴시스】김기자 기자 = 고양시가 발표했다.", ("고양시가 발표했다.",)),
        ("(서울=연합뉴스) 고양시가 바이오 단지를 만든다.", ("고양시가 바이오 단지를 만든다.",)),
        ("", ()),
    ],
)
def test_excerpt_is_two_sentences_without_the_dateline(text: str, lines: tuple[str, ...]) -> None:
    assert excerpt_lines(text) == lines


def test_a_long_sentence_is_cut_to_one_line() -> None:
    (line,) = excerpt_lines("가" * 300)
    assert line.endswith("…") and len(line) < 100


# --- HTML for mail clients ------------------------------------------------------------------------


class _Tags(HTMLParser):
    """Every tag and attribute of a document, and the text outside tags."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _hostile_digest(memory_db: sqlite_utils.Database) -> Digest:
    first = _save(
        memory_db,
        _article(
            'http://news.test/x?a=1&b="><script>alert(2)</script>',
            f"매체 {HOSTILE}",
            title=f"국립암센터 {HOSTILE}",
            body=f"본문 {HOSTILE}. 둘째 & 문장.",
            tone="negative",
        ),
    )
    _save(
        memory_db,
        _article("javascript:alert(3)", "나쁜매체", title="링크 <b>굵게</b>", story_id=first),
    )
    return build_digest(
        memory_db,
        day=date(2024, 11, 27),
        notices=[f"source {HOSTILE}: failed 3 runs in a row"],
    )


def test_html_escapes_every_scraped_string(
    memory_db: sqlite_utils.Database, config: Config
) -> None:
    html = render_digest(_hostile_digest(memory_db), "html", config, NOW)
    parser = _Tags()
    parser.feed(html)
    tags = {tag for tag, _ in parser.tags}
    assert not tags & {"script", "img", "b", "iframe", "object", "style", "link"}
    for _, attrs in parser.tags:
        assert not any(name.startswith("on") for name in attrs)
        href = attrs.get("href")
        if href is not None:
            assert href.startswith(("http://", "https://")) or href == "#"
            assert "javascript" not in href
    text = "".join(parser.text)
    assert "<script>alert('x')</script>" in text  # shown as text, not run
    assert "&lt;script&gt;" in html and "&#34;인용&#34;" in html and "&amp; &#39;quote&#39;" in html


def test_html_is_self_contained_for_mail_clients(
    memory_db: sqlite_utils.Database, config: Config
) -> None:
    _day(memory_db)
    html = render_digest(build_digest(memory_db, day=date(2024, 11, 27)), "html", config, NOW)
    parser = _Tags()
    parser.feed(html)
    assert not {tag for tag, _ in parser.tags} & {"script", "style", "link", "img", "iframe"}
    # Nothing loads from elsewhere: the only URLs are the articles' links.
    assert not re.search(r"\bsrc=|url\(|@import", html)
    assert html.count("<table") >= 2 and 'role="presentation"' in html
    assert "class=" not in html  # inline styles only: many clients drop <style> and classes
    assert "[부정]" in html and "외 3개 매체" in html and "통신사" in html


@pytest.mark.skipif(
    shutil.which("chromium") is None, reason="chromium (Debian package) not installed"
)
def test_html_renders_in_headless_chromium_without_running_anything(
    memory_db: sqlite_utils.Database, config: Config, tmp_path: Path
) -> None:
    digest = _hostile_digest(memory_db)
    _day(memory_db)
    page = tmp_path / "digest.html"
    page.write_text(render_digest(digest, "html", config, NOW), encoding="utf-8")
    done = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--user-data-dir=" + str(tmp_path / "profile"),
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    # A script that ran would have left a trace in the DOM (alert() is a no-op headless, but an
    # injected element would show); the hostile strings are there as text only.
    assert (
        "<script" not in dom
        and "<img" not in dom
        and "onerror" not in dom.replace("onerror=alert(1)&gt;", "")
    )
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in dom
    assert "국립암센터" in dom and "[부정]" in dom


def test_manual_item_keeps_its_day_not_a_time(
    memory_db: sqlite_utils.Database, config: Config
) -> None:
    record = replace(
        _article("manual:only", "고양신문", medium="print"),
        published_at="2024-11-27T00:00:00+09:00",
    )
    _save(memory_db, record)
    (story,) = build_digest(memory_db, day=date(2024, 11, 27)).stories
    assert story.link is None and story.lead.date_only
    assert story.lead.published_at == "2024-11-27T00:00:00+09:00"
    digest = build_digest(memory_db, day=date(2024, 11, 27))
    for fmt in ("md", "html"):
        shown = render_digest(digest, fmt, config, NOW)
        assert "· 2024-11-27 ·" in shown and "00:00" not in shown


ISO_KST = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$")


def test_json_dates_are_full_iso_8601_for_items_without_a_url(
    memory_db: sqlite_utils.Database, config: Config
) -> None:
    ids = _day(memory_db)
    digest = build_digest(memory_db, day=date(2024, 11, 27))
    data = json.loads(render_digest(digest, "json", config, NOW))
    articles = {a["id"]: a for s in data["stories"] for a in s["articles"]}
    printed = articles[ids["print"]]
    assert printed["url"] is None and printed["published_at"] == "2024-11-27T09:30:00+09:00"
    # The same form as the stored value `search --json` and `show --json` print.
    stored = store.get_article(memory_db, ids["print"])["published_at"]
    assert printed["published_at"] == stored
    for story in data["stories"]:
        assert ISO_KST.match(story["published_at"])
        assert all(ISO_KST.match(a["published_at"]) for a in story["articles"])


def test_tier_labels_are_the_same_in_digest_tally_and_report(
    memory_db: sqlite_utils.Database, config: Config
) -> None:
    from monitor.labels import TIER_LABELS, TONE_LABELS
    from monitor.periods import parse_period
    from monitor.report import build_report, render_report
    from monitor.tallies import compute_tally, render_tally

    _save(memory_db, _article("http://news.test/n", "중앙매체", tier="national"))
    digest = build_digest(memory_db, day=date(2024, 11, 27))
    national = TIER_LABELS["national"]
    for fmt in ("md", "html"):
        assert national in render_digest(digest, fmt, config, NOW)
    period = parse_period("2024-11")
    tally = compute_tally(config, memory_db, period, "tier")
    assert [label for _, label, _ in tally.rows] == [national]
    assert national in render_tally(tally, "table")
    report = build_report(config, memory_db, period, "2024-11")
    assert national in render_report(report, "md")
    tones = compute_tally(config, memory_db, period, "tone")
    assert [label for _, label, _ in tones.rows] == [TONE_LABELS["neutral"]]
    assert f"논조 {TONE_LABELS['neutral']}" in render_digest(digest, "md", config, NOW)


def _markdown_html(md: str) -> str:
    """The markdown as a CommonMark renderer (raw HTML allowed, as most viewers do) shows it."""
    markdown_it = pytest.importorskip("markdown_it")
    return str(markdown_it.MarkdownIt("commonmark", {"html": True}).render(md))


def test_markdown_escapes_every_scraped_string(
    memory_db: sqlite_utils.Database, config: Config
) -> None:
    md = render_digest(_hostile_digest(memory_db), "md", config, NOW)
    assert "<script" not in md and "<img" not in md and "<b>" not in md
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in md
    assert "국립암센터" in md and "나쁜매체" in md  # Korean stays as it is
    rendered = _markdown_html(md)
    parser = _Tags()
    parser.feed(rendered)
    assert not {tag for tag, _ in parser.tags} & {"script", "img", "b", "iframe"}
    assert "<script>alert('x')</script>" in "".join(parser.text)  # shown as text


@pytest.mark.parametrize(
    "title",
    [
        "# 가짜 제목",
        "> 인용처럼",
        "1. 목록처럼",
        "- 목록처럼",
        "[클릭](javascript:alert(1))",
        "*강조* _밑줄_ `코드` ~~취소~~",
        "첫 줄\n# 둘째 줄",
        "&lt;b&gt;엔티티&lt;/b&gt; R&D",
        "<고양 바이오 포럼> 개최, 3 < 5",
    ],
)
def test_markdown_control_characters_in_scraped_text_stay_text(
    memory_db: sqlite_utils.Database, config: Config, title: str
) -> None:
    _save(
        memory_db,
        _article("http://news.test/t", title, title=title, body=f"{title}. 둘째 문장."),
    )
    md = render_digest(build_digest(memory_db, day=date(2024, 11, 27)), "md", config, NOW)
    rendered = _markdown_html(md)
    parser = _Tags()
    parser.feed(rendered)
    tags = [tag for tag, _ in parser.tags]
    # The layout is the template's: the title, the entity, the topic in bold, the story, its
    # list and sublist, one quote; nothing the scraped text opened.
    assert [tags.count(t) for t in ("h1", "h2", "strong", "h3")] == [1, 1, 1, 1]
    assert not set(tags) & {"ol", "em", "code", "s", "del", "b", "a"}
    assert tags.count("blockquote") == 1 and tags.count("ul") == 2
    flat = " ".join(title.split())
    text = " ".join("".join(parser.text).split())
    assert flat in text  # every character is shown as written
    if "R&D" in title or "<고양" in title:
        # A bare ampersand starts no entity, a `<` before Hangul opens no tag: left readable.
        assert title.replace("&lt;", "&amp;lt;").replace("&gt;", "&amp;gt;") in md
