"""The morning digest: one entry per story, its syndicated copies folded, negative items first."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import jinja2
import sqlite_utils

import db as store
from monitor.config import Config

__all__ = [
    "DIGEST_FORMATS",
    "Digest",
    "DigestArticle",
    "DigestStory",
    "build_digest",
    "render_digest",
]

DIGEST_FORMATS = ("md", "html", "json")
_TONE_ORDER = {"negative": 0, "neutral": 1, "positive": 2}
_EXCERPT_CHARS = 160


@dataclass(frozen=True)
class DigestArticle:
    """One outlet's copy inside a digest story."""

    id: int
    url: str
    title: str
    outlet: str
    tier: str | None
    published_at: str | None
    medium: str = "online"  # print and broadcast items are the team's manual entries

    @property
    def has_link(self) -> bool:
        """False for a manual print or broadcast item: it has no page to open."""
        return self.url.startswith(("http://", "https://"))


@dataclass(frozen=True)
class DigestStory:
    """One event's coverage: the copies of every outlet that ran it."""

    story_id: int
    title: str
    entities: tuple[str, ...]
    topic: str | None
    tone: str | None
    excerpt: str
    articles: tuple[DigestArticle, ...]

    @property
    def outlets(self) -> tuple[str, ...]:
        """Distinct outlets in the order their copies appeared."""
        return tuple(dict.fromkeys(a.outlet for a in self.articles))


@dataclass(frozen=True)
class Digest:
    """What one digest covers: a KST day, or what was collected since the last digest sent."""

    date: str | None
    covered_from: str | None
    covered_until: str | None
    stories: tuple[DigestStory, ...]
    notices: tuple[str, ...] = ()  # failing sources, outlets whose extraction shifted

    @property
    def article_count(self) -> int:
        """Articles by the counting rules: distinct (outlet, story) pairs."""
        return sum(len(s.outlets) for s in self.stories)

    @property
    def outlet_count(self) -> int:
        """Distinct outlets across all stories."""
        return len({o for s in self.stories for o in s.outlets})

    def to_json(self) -> dict[str, Any]:
        """The `digest --format json` object of DESIGN.md."""
        return {
            "date": self.date,
            "covered_from": self.covered_from,
            "covered_until": self.covered_until,
            "notices": list(self.notices),
            "stories": [
                {
                    "story_id": s.story_id,
                    "title": s.title,
                    "entities": list(s.entities),
                    "topic": s.topic,
                    "tone": s.tone,
                    "excerpt": s.excerpt,
                    "articles": [
                        {
                            "id": a.id,
                            "url": a.url,
                            "title": a.title,
                            "outlet": a.outlet,
                            "tier": a.tier,
                            "published_at": a.published_at,
                            "medium": a.medium,
                        }
                        for a in s.articles
                    ],
                }
                for s in self.stories
            ],
        }


def build_digest(
    db: sqlite_utils.Database,
    *,
    day: date | None = None,
    collected_after: str | None = None,
    collected_until: str | None = None,
    notices: Sequence[str] = (),
) -> Digest:
    """Relevant stories published on `day`, or first collected in (collected_after, until],
    with the notices (failing sources, extraction shifts) to print above them."""
    rows = store.digest_articles(
        db,
        date=day.isoformat() if day else None,
        collected_after=collected_after,
        collected_until=collected_until,
    )
    by_story: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_story.setdefault(int(row["story_id"]), []).append(row)
    stories = [_story(story_id, items) for story_id, items in by_story.items()]
    stories.sort(
        key=lambda s: (
            _TONE_ORDER.get(s.tone or "neutral", 1),
            -len(s.outlets),
            s.articles[0].published_at or "",
        )
    )
    return Digest(
        date=day.isoformat() if day else None,
        covered_from=collected_after,
        covered_until=collected_until,
        stories=tuple(stories),
        notices=tuple(notices),
    )


def _story(story_id: int, items: list[dict[str, Any]]) -> DigestStory:
    # The online copies lead (they carry a time, a body and a link); a print or broadcast item
    # entered by hand has a date only.
    items.sort(
        key=lambda r: (
            (r["medium"] or "online") != "online",
            r["published_at"] or r["collected_at"],
            r["id"],
        )
    )
    lead = next((r for r in items if r["body"] or r["lead"]), items[0])
    tones = Counter(r["tone"] for r in items if r["tone"])
    topics = Counter(r["topic"] for r in items if r["topic"])
    # A negative copy makes the story negative: those are the items a city must answer.
    tone = "negative" if tones["negative"] else (tones.most_common(1)[0][0] if tones else None)
    excerpt_source = lead["lead"] or lead["body"] or ""
    excerpt = " ".join(excerpt_source.split())
    if len(excerpt) > _EXCERPT_CHARS:
        excerpt = excerpt[:_EXCERPT_CHARS].rstrip() + "…"
    entities = tuple(dict.fromkeys(e for r in items for e in r["entities"]))
    return DigestStory(
        story_id=story_id,
        title=items[0]["title"],
        entities=entities,
        topic=topics.most_common(1)[0][0] if topics else None,
        tone=tone,
        excerpt=excerpt,
        articles=tuple(
            DigestArticle(
                id=r["id"],
                url=r["url"],
                title=r["title"],
                outlet=r["outlet"] or r["outlet_domain"] or "?",
                tier=r["tier"],
                # A hand-entered item knows its day, not its time.
                published_at=(
                    r["published_date"] if r["date_source"] == "manual" else r["published_at"]
                ),
                medium=r["medium"] or "online",
            )
            for r in items
        ),
    )


_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("monitor", "templates"),
    autoescape=jinja2.select_autoescape(["html", "md.j2", "html.j2"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
_MD_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("monitor", "templates"),
    autoescape=False,  # markdown for a terminal or a text mail; the HTML template escapes
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)


def render_digest(digest: Digest, fmt: str, config: Config, generated_at: datetime) -> str:
    """The digest as markdown, a self-contained HTML mail body, or JSON."""
    if fmt == "json":
        return json.dumps(digest.to_json(), ensure_ascii=False, indent=2) + "\n"
    names = {e.id: e.name for e in config.entities}
    topics = {t.id: t.label for t in config.topics}
    context = {
        "digest": digest,
        "names_of": lambda ids: ", ".join(names.get(i, i) for i in ids) or "-",
        "link": _link,
        "topics": topics,
        "tones": {"positive": "긍정", "neutral": "중립", "negative": "부정"},
        "media": {"print": "지면", "broadcast": "방송"},
        "generated_at": generated_at.isoformat(timespec="minutes"),
        "time_of": _time_of,
    }
    if fmt == "html":
        return _ENV.get_template("digest.html.j2").render(context)
    return _MD_ENV.get_template("digest.md.j2").render(context)


def _link(url: str) -> str:
    """Only http(s) links reach a mail body: a scraped `javascript:` URL becomes inert."""
    return url if url.startswith(("http://", "https://")) else "#"


def _time_of(published_at: str | None) -> str:
    if not published_at:
        return "시각 미상"
    return published_at[:16].replace("T", " ")
