"""Plain test helpers shared across test folders: small configs, a stored-article template,
prose for synthetic pages and the from-scratch recount that every tally is checked against.

A module of its own, not conftest.py: each test folder may have a conftest of its own, and
`from conftest import ...` would then find whichever was imported last.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlite_utils

import db as store
from nlp.classify import Classifiers, fit_linear_model


def rss_source(name: str, url: str) -> str:
    """One `[[sources]]` table of a test configuration: an RSS feed."""
    return f'\n[[sources]]\nname = "{name}"\nkind = "rss"\nurl = "{url}"\n'


# A database beside the config file and one feed nobody serves (runs are never started).
_DATABASE = '[database]\npath = "monitor.db"\n'
FEED_SOURCE = rss_source("feed", "http://127.0.0.1:9/rss.xml")
# The loopback test outlet's feed and its registry entry (domain, name, tier).
NEWS_TEST_FEED = rss_source("feed", "http://news.test/rss.xml")
NEWS_TEST = ("news.test", "테스트일보", "local")
NEWSPIM = ("newspim.com", "뉴스핌", "internet")
# Fetching for tests against loopback servers: no politeness delay, no robots.txt, no retries.
QUICK_FETCH = "\n[fetch]\nper_host_delay_s = 0\nrespect_robots = false\nretries = 0\n"
# The loopback collection tests' one core entity and their one outlet, at a config's end.
TECHNO_VALLEY_AT_NEWS_TEST = """
[[entities]]
id = "ilsan-techno-valley"
name = "일산테크노밸리"
core = true

[[outlets]]
domain = "news.test"
name = "테스트일보"
tier = "local"
"""


def entity_block(entity_id: str, name: str, *aliases: str) -> str:
    """One `[[entities]]` table of a test configuration."""
    listed = ", ".join(f'"{alias}"' for alias in aliases)
    return f'\n[[entities]]\nid = "{entity_id}"\nname = "{name}"\n' + (
        f"aliases = [{listed}]\n" if aliases else ""
    )


def mini_config(
    *entities: str,
    source: str = FEED_SOURCE,
    outlets: tuple[tuple[str, str, str], ...] = (NEWSPIM,),
) -> str:
    """A small config.toml text: the database, one source, the entities and outlets given."""
    registry = "".join(outlet_block(*outlet) for outlet in outlets)
    return _DATABASE + source + "".join(entities) + registry


def outlet_block(domain: str, name: str, tier: str) -> str:
    """One `[[outlets]]` table of a test configuration."""
    return f'\n[[outlets]]\ndomain = "{domain}"\nname = "{name}"\ntier = "{tier}"\n'


def loopback_config(
    *sources: str, registry: str = TECHNO_VALLEY_AT_NEWS_TEST, database: str = "unused.db"
) -> str:
    """A config.toml text for collection runs against loopback servers: the database, QUICK_FETCH,
    the `[[sources]]` tables given, then `registry` (the entity and outlet tables)."""
    return f'[database]\npath = "{database}"\n' + QUICK_FETCH + "".join(sources) + registry


# Three Korean sentences with real endings, the prose of the synthetic extraction pages.
PROSE = (
    "서울시는 내년부터 심야버스 노선을 두 배로 늘리고, 배차 간격도 평균 20분에서 "
    "12분으로 줄이기로 했다고 27일 밝혔다.",
    "이번 조치로 야간 근무자와 자영업자, 대리운전 기사의 귀갓길 불편이 크게 줄어들 "
    "것으로 기대된다고 시 관계자는 설명했다.",
    "다만 운전기사 확보와 연간 150억원 규모의 예산 마련이 과제로 남아 있어, 다음 달 "
    "시의회 예산 심사 결과가 주목된다.",
)

# A relevant online article published 2024-11-27 10:00 KST; tests replace() what they need.
BASE_ARTICLE = store.ArticleRecord(
    url="",
    title="",
    body="",
    role="coverage",
    method="generic",
    collected_at="2024-11-27T09:00:00+09:00",
    processed_at="2024-11-27T09:00:00+09:00",
    published_at="2024-11-27T10:00:00+09:00",
    published_date="2024-11-27",
    relevant=True,
    topic="agreement",
    tone="positive",
)


# --- the recount every tally is checked against --------------------------------------------------

Recount = Callable[[sqlite_utils.Database, str, str, str], dict[str, tuple[int, int, int]]]


def recount_tally(
    database: sqlite_utils.Database, start: str, end: str, by: str = "entity"
) -> dict[str, tuple[int, int, int]]:
    """A tally recounted from scratch in Python, apart from the SQL that `monitor tally` runs:
    key -> (articles = distinct (outlet, story) pairs, outlets, stories), plus "total"."""
    labels = {
        r[0]: r[1:]
        for r in database.execute("SELECT article_id, relevant, topic, tone FROM labels")
    }
    overrides = dict(
        database.execute("SELECT article_id, story_id FROM story_overrides").fetchall()
    )
    entities: dict[int, set[str]] = {}
    for article_id, entity in database.execute("SELECT article_id, entity FROM mentions"):
        entities.setdefault(article_id, set()).add(entity)
    groups: dict[str, tuple[set[tuple[str, int]], set[str], set[int]]] = {}
    # One outlet's article in a story has one topic, tone, tier and month: its first online copy's.
    first: dict[tuple[str, int], tuple[bool, int, dict[str, str]]] = {}
    counted: list[tuple[int, str, int]] = []
    for row in database.execute(
        "SELECT id, url, outlet, outlet_domain, story_id, relevant, role, published_date, topic, "
        "tone, tier, medium FROM articles ORDER BY id"
    ):
        article_id, url, outlet, domain, story, relevant, role, day, topic, tone, tier, medium = row
        label = labels.get(article_id, (None, None, None))
        relevant = label[0] if label[0] is not None else relevant
        if not relevant or role != "coverage" or day is None or not start <= day <= end:
            continue
        story = overrides.get(article_id) or story or article_id
        outlet_key = outlet or domain or url
        values = {
            "topic": label[1] or topic or "unknown",
            "tone": label[2] or tone or "unknown",
            "tier": tier or "unknown",
            "month": day[:7],
        }
        rank = (medium != "online", article_id, values)
        if (outlet_key, story) not in first or rank[:2] < first[(outlet_key, story)][:2]:
            first[(outlet_key, story)] = rank
        counted.append((article_id, outlet_key, story))
    for article_id, outlet_key, story in counted:
        if by == "entity":
            keys = entities.get(article_id, set())
        elif by == "outlet":
            keys = {outlet_key}
        else:
            keys = {first[(outlet_key, story)][2][by]}
        for key in [*keys, "total"]:
            pairs, outlets, stories = groups.setdefault(key, (set(), set(), set()))
            pairs.add((outlet_key, story))
            outlets.add(outlet_key)
            stories.add(story)
    return {k: (len(p), len(o), len(s)) for k, (p, o, s) in groups.items()}


def stored_tally(
    database: sqlite_utils.Database, by: str, start: str, end: str
) -> dict[str, tuple[int, int, int]]:
    """What `monitor tally` counts (db.tally), in the shape of recount_tally."""
    from db import tally

    rows, total = tally(database, by, start, end)
    found = {r.key: (r.articles, r.outlets, r.stories) for r in rows}
    found["total"] = (total.articles, total.outlets, total.stories)
    return found


def assert_tally_is_recount(database: sqlite_utils.Database, start: str, end: str) -> None:
    """Every tally dimension over start..end equals a recount from scratch."""
    from db import TALLY_DIMENSIONS

    for by in TALLY_DIMENSIONS:
        assert stored_tally(database, by, start, end) == recount_tally(database, start, end, by), by


# Six tiny rows for fitting models in milliseconds: every feature occurs in two or more rows, so
# the document-frequency cut keeps them all.
MODEL_ROWS = [
    {"바이오": 2.0, "협약": 1.0, "e:@any": 1.0},
    {"바이오": 1.0, "고양": 1.0, "e:@any": 1.0},
    {"협약": 1.0, "고양": 3.0, "e:@any": 1.0},
    {"교통": 1.0, "재건축": 2.0},
    {"교통": 2.0, "축제": 1.0},
    {"재건축": 1.0, "축제": 1.0, "고양": 1.0},
]
MODEL_LABELS = ["relevant", "relevant", "relevant", "irrelevant", "irrelevant", "irrelevant"]
MODEL_TONES = ["positive", "neutral", "negative", "negative", "positive", "neutral"]


def tiny_classifiers(version: int, labelled_digest: str = "") -> Classifiers:
    """A model version fitted on MODEL_ROWS: real numbers, no labelled set, no Kiwi."""
    return Classifiers(
        version=version,
        trained_at=datetime(2024, 11, 27, 9, 0, tzinfo=ZoneInfo("Asia/Seoul")),
        relevance=fit_linear_model(f"relevance v{version}", MODEL_ROWS, MODEL_LABELS),
        topic=fit_linear_model(
            "topic", MODEL_ROWS[:3], ["agreement", "meeting", "agreement"], min_df=1
        ),
        tone=fit_linear_model(f"tone v{version}", MODEL_ROWS, MODEL_TONES),
        scores={},
        examples={"labelled": 6},
        labelled_digest=labelled_digest,
    )


# A page of an unusual layout for the per-site selector tests: the story sits in <div class="cnt">
# paragraphs beside a site notice no general rule knows as boilerplate (.cnt-extra), and a box
# of long teaser paragraphs ("오늘의 추천") outweighs the story for the generic scorer.
SITE_STORY = (
    "고양특례시가 일산테크노밸리 바이오 기업 입주를 앞두고 임상 협력 창구를 새로 연다고 "
    "3일 밝혔다.",
    "창구에는 국립암센터와 동국대 일산병원 연구진이 참여해 기업의 임상시험 설계와 "
    "데이터 활용을 돕는다.",
    '시 관계자는 "기업이 병원을 찾아다니지 않아도 되도록 한곳에서 상담을 받게 하겠다"고 말했다.',
)
SITE_NOTE = "고양 소식 종이신문은 매주 월요일 아침 시청 민원실과 각 행정복지센터에 비치됩니다."
SITE_TITLE = "고양시, 바이오 기업 임상 협력 창구 연다"
_TEASERS = "".join(
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


def site_selector_page(canonical: str = "") -> str:
    """The selector tests' page (title in .top .hd, date in .top .when, body in div.cnt)."""
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return f"""<html lang="ko"><head><meta charset="utf-8">{link}
<title>고양 소식 :: 다른 제목</title></head><body>
<div class="top"><span class="hd">{SITE_TITLE}</span>
<span class="when">2025.03.03 09:40</span></div>
<div class="cnt"><p>{SITE_STORY[0]}</p><div class="cnt-extra">{SITE_NOTE}</div>
<p>{SITE_STORY[1]}</p><p>{SITE_STORY[2]}</p></div>
<div class="pick">{_TEASERS}</div>
</body></html>"""
