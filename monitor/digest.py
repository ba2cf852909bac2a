"""The morning digest and the same-day alert.

The digest covers one KST day (or what was collected since the last digest sent): a header with
the day's articles, stories and outlets against the day before, the notices (failing sources,
shifted extraction), the negative stories first, then the rest grouped by entity and topic.
One entry per story, its syndicated copies folded ("외 N개 매체").

The alert mails relevant negative coverage right after a collection. What was alerted is kept as
rows of kind "alert" in the `digests` table: an alert covers the articles collected after the
last alert's `covered_until`, published within `[digest] alert_window_days` KST days (a backfill
of last year's coverage is not news), and a failed mailing records nothing, so the next
collection tries the same articles again.
"""

from __future__ import annotations

import json
import re
import sqlite3
import ssl
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import jinja2
import sqlite_utils

import db as store
from db import StorageError
from monitor.config import Config
from monitor.labels import MEDIUM_LABELS, TIER_LABELS, TONE_LABELS, UNKNOWN_LABEL, topic_labels
from monitor.locks import CollectionBusy, collection_lock
from monitor.mail import MailError, MailOutcome, compose_mail, send_mail, smtp_password
from monitor.md_escape import MarkdownText, escape_markdown, markdown_url
from monitor.periods import KST

__all__ = [
    "ALERT",
    "DATE",
    "DIGEST_FORMATS",
    "SINCE_LAST",
    "TIER_LABELS",
    "AlertOutcome",
    "Digest",
    "DigestArticle",
    "DigestCounts",
    "DigestGroup",
    "DigestStory",
    "build_digest",
    "digest_subject",
    "last_sent",
    "mail_digest",
    "record_sent",
    "render_digest",
    "send_alerts",
]

DIGEST_FORMATS = ("md", "html", "json")
# The `digests.kind` of each: only a sent since-last digest moves `--since-last` forward.
SINCE_LAST = "since-last"
DATE = "date"
ALERT = "alert"

_TONE_ORDER = {"negative": 0, "neutral": 1, "positive": 2}
_LINE_CHARS = 90  # one excerpt line: about what a mail client shows on one line
_EXCERPT_LINES = 2
# A dateline or byline that opens a Korean wire or newspaper lead: "(서울=연합뉴스) 홍길동 기자 =",
# "[고양=뉴스핌] 홍길동 기자 =", "【고양=뉴시스】". The excerpt starts after it.
_DATELINE = re.compile(
    r"^\s*[\[(【][^\])】]{1,30}=[^\])】]{1,30}[\])】]\s*(?:(?:[^=\s]{1,12}\s*){1,3}=\s*)?"
)
_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+")


@dataclass(frozen=True)
class DigestArticle:
    """One outlet's copy inside a digest story."""

    id: int
    url: str
    title: str
    outlet: str
    tier: str | None
    published_at: str | None  # ISO 8601 with +09:00, as every JSON output gives it
    medium: str = "online"  # print and broadcast items are the team's manual entries
    date_only: bool = False  # a hand-entered item knows its day, not its time (00:00 KST)

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
    excerpt: tuple[str, ...]  # at most two lines: the lead's first sentences
    articles: tuple[DigestArticle, ...]

    @property
    def outlets(self) -> tuple[str, ...]:
        """Distinct outlets in the order their copies appeared."""
        return tuple(dict.fromkeys(a.outlet for a in self.articles))

    @property
    def outlet_tiers(self) -> tuple[tuple[str, str | None], ...]:
        """Each distinct outlet with its tier."""
        tiers: dict[str, str | None] = {}
        for article in self.articles:
            tiers.setdefault(article.outlet, article.tier)
        return tuple(tiers.items())

    @property
    def negative(self) -> bool:
        """A story the city may have to answer."""
        return self.tone == "negative"

    @property
    def lead(self) -> DigestArticle:
        """The copy the entry shows: the first online one (it has a time and a link)."""
        return self.articles[0]

    @property
    def link(self) -> str | None:
        """The lead copy's address, or the first copy with one; None for print/broadcast only."""
        return next((a.url for a in self.articles if a.has_link), None)


@dataclass(frozen=True)
class DigestCounts:
    """Articles (distinct outlet and story pairs), stories and outlets, by the counting rules."""

    articles: int
    stories: int
    outlets: int

    def to_json(self) -> dict[str, int]:
        """`{"articles", "stories", "outlets"}`."""
        return {"articles": self.articles, "stories": self.stories, "outlets": self.outlets}


@dataclass(frozen=True)
class DigestGroup:
    """One entity's stories (None: stories naming no tracked entity), by topic."""

    entity: str | None
    topics: tuple[tuple[str | None, tuple[DigestStory, ...]], ...]


@dataclass(frozen=True)
class Digest:
    """What one digest covers: a KST day, or what was collected in (covered_from, until]."""

    date: str | None
    covered_from: str | None
    covered_until: str | None
    stories: tuple[DigestStory, ...]
    notices: tuple[str, ...] = ()  # failing sources, outlets whose extraction shifted
    previous: DigestCounts | None = None  # the day before, or the previous digest's window
    entity_order: tuple[str, ...] = ()  # configured entity ids: the order of the groups

    @property
    def article_count(self) -> int:
        """Articles by the counting rules: distinct (outlet, story) pairs."""
        return sum(len(s.outlets) for s in self.stories)

    @property
    def outlet_count(self) -> int:
        """Distinct outlets across all stories."""
        return len({o for s in self.stories for o in s.outlets})

    @property
    def counts(self) -> DigestCounts:
        """The header's figures."""
        return DigestCounts(self.article_count, len(self.stories), self.outlet_count)

    @property
    def change(self) -> DigestCounts | None:
        """The header's figures minus the previous ones (None: nothing to compare with)."""
        if self.previous is None:
            return None
        now, before = self.counts, self.previous
        return DigestCounts(
            now.articles - before.articles,
            now.stories - before.stories,
            now.outlets - before.outlets,
        )

    @property
    def negative(self) -> tuple[DigestStory, ...]:
        """The negative stories: shown first, before every group."""
        return tuple(s for s in self.stories if s.negative)

    @property
    def groups(self) -> tuple[DigestGroup, ...]:
        """The other stories by entity (configured order; a story sits under its first entity
        in that order and names the others), then topic."""
        rank = {e: i for i, e in enumerate(self.entity_order)}
        by_entity: dict[str | None, list[DigestStory]] = {}
        for story in self.stories:
            if story.negative:
                continue
            ordered = sorted(story.entities, key=lambda e: rank.get(e, len(rank)))
            by_entity.setdefault(ordered[0] if ordered else None, []).append(story)
        groups = []
        for entity in sorted(
            by_entity, key=lambda e: (e is None, rank.get(e or "", len(rank)), e or "")
        ):
            by_topic: dict[str | None, list[DigestStory]] = {}
            for story in by_entity[entity]:
                by_topic.setdefault(story.topic, []).append(story)
            topics = sorted(by_topic.items(), key=lambda kv: (-len(kv[1]), kv[0] is None, kv[0]))
            groups.append(DigestGroup(entity, tuple((t, tuple(s)) for t, s in topics)))
        return tuple(groups)

    def to_json(
        self,
        entity_names: Mapping[str, str] | None = None,
        topic_labels: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """The `digest --format json` object of DESIGN.md, with the header, the notices and the
        sections (negative first, then entity and topic) as story ids."""
        names = entity_names or {}
        labels = topic_labels or {}
        change = self.change
        return {
            "date": self.date,
            "covered_from": self.covered_from,
            "covered_until": self.covered_until,
            "counts": self.counts.to_json(),
            "previous": self.previous.to_json() if self.previous else None,
            "change": change.to_json() if change else None,
            "notices": list(self.notices),
            "sections": [
                {"kind": "negative", "story_ids": [s.story_id for s in self.negative]},
                *(
                    {
                        "kind": "entity",
                        "entity": g.entity,
                        "name": names.get(g.entity, g.entity) if g.entity else None,
                        "topics": [
                            {
                                "topic": topic,
                                "label": labels.get(topic, topic) if topic else None,
                                "story_ids": [s.story_id for s in stories],
                            }
                            for topic, stories in g.topics
                        ],
                    }
                    for g in self.groups
                ),
            ],
            "stories": [
                {
                    "story_id": s.story_id,
                    "title": s.title,
                    "entities": list(s.entities),
                    "topic": s.topic,
                    "tone": s.tone,
                    "negative": s.negative,
                    "published_at": s.lead.published_at,
                    "excerpt": "\n".join(s.excerpt),
                    "url": s.link,
                    "outlets": [{"name": o, "tier": t} for o, t in s.outlet_tiers],
                    "articles": [
                        {
                            "id": a.id,
                            "url": a.url if a.has_link else None,
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


# --- building -------------------------------------------------------------------------------------


def build_digest(
    db: sqlite_utils.Database,
    *,
    day: date | None = None,
    collected_after: str | None = None,
    collected_until: str | None = None,
    notices: Sequence[str] = (),
    entity_order: Sequence[str] = (),
    previous_window: tuple[str | None, str] | None = None,
) -> Digest:
    """Relevant stories published on `day`, or first collected in (collected_after, until],
    with the notices to print above them. The header compares with the day before `day`, or
    with `previous_window` (the previous digest's collection window) when given."""
    rows = store.digest_articles(
        db,
        date=day.isoformat() if day else None,
        collected_after=collected_after,
        collected_until=collected_until,
    )
    previous: DigestCounts | None = None
    if day is not None:
        previous = _count(store.digest_articles(db, date=(day - timedelta(days=1)).isoformat()))
    elif previous_window is not None:
        after, until = previous_window
        previous = _count(store.digest_articles(db, collected_after=after, collected_until=until))
    return Digest(
        date=day.isoformat() if day else None,
        covered_from=collected_after,
        covered_until=collected_until,
        stories=_stories(rows),
        notices=tuple(notices),
        previous=previous,
        entity_order=tuple(entity_order),
    )


def _stories(rows: Sequence[dict[str, Any]]) -> tuple[DigestStory, ...]:
    """One story per effective story id, negative first, then the widest coverage."""
    by_story: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_story.setdefault(int(row["story_id"]), []).append(row)
    stories = [_story(story_id, items) for story_id, items in by_story.items()]
    stories.sort(
        key=lambda s: (
            _TONE_ORDER.get(s.tone or "neutral", 1),
            -len(s.outlets),
            s.lead.published_at or "",
        )
    )
    return tuple(stories)


def _count(rows: Sequence[dict[str, Any]]) -> DigestCounts:
    pairs = {(r["outlet"] or r["outlet_domain"] or "?", r["story_id"]) for r in rows}
    return DigestCounts(
        articles=len(pairs),
        stories=len({story for _, story in pairs}),
        outlets=len({outlet for outlet, _ in pairs}),
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
    entities = tuple(dict.fromkeys(e for r in items for e in r["entities"]))
    return DigestStory(
        story_id=story_id,
        title=items[0]["title"],
        entities=entities,
        topic=topics.most_common(1)[0][0] if topics else None,
        tone=tone,
        excerpt=excerpt_lines(lead["lead"] or lead["body"] or lead["note"] or ""),
        articles=tuple(
            DigestArticle(
                id=r["id"],
                url=r["url"],
                title=r["title"],
                outlet=r["outlet"] or r["outlet_domain"] or "?",
                tier=r["tier"],
                published_at=_published_at(r),
                medium=r["medium"] or "online",
                date_only=r["date_source"] == "manual",
            )
            for r in items
        ),
    )


def _published_at(row: Mapping[str, Any]) -> str | None:
    """The stored ISO 8601 time; a day without one is KST midnight (as `monitor add` stores)."""
    if row["published_at"]:
        return str(row["published_at"])
    if row["published_date"]:
        return f"{row['published_date']}T00:00:00+09:00"
    return None


def excerpt_lines(text: str) -> tuple[str, ...]:
    """The first two sentences of a lead or body, each cut to one mail line, dateline dropped."""
    flat = " ".join(text.split())
    flat = _DATELINE.sub("", flat, count=1)
    lines = []
    for sentence in _SENTENCE_END.split(flat):
        sentence = sentence.strip()
        if not sentence:
            continue
        if len(sentence) > _LINE_CHARS:
            sentence = sentence[:_LINE_CHARS].rstrip() + "…"
        lines.append(sentence)
        if len(lines) == _EXCERPT_LINES:
            break
    return tuple(lines)


# --- rendering ------------------------------------------------------------------------------------


def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("monitor", "templates"),
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        # Markdown's counterpart of autoescape: every string a template prints is escaped
        # unless marked as markdown already (`| markdown`: a macro's output, a checked URL).
        finalize=None if autoescape else _escape_printed,
    )
    env.filters["markdown"] = MarkdownText
    return env


def _escape_printed(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, MarkdownText):
        return escape_markdown(value)
    return value


# Built once: templates are compiled on first use and cached by the environment (no state
# that changes what a render gives).
_HTML_ENV = _environment(autoescape=True)
_MD_ENV = _environment(autoescape=False)  # markdown for a terminal or the text part of a mail


def render_digest(
    digest: Digest,
    fmt: str,
    config: Config,
    generated_at: datetime,
    *,
    alert: bool = False,
) -> str:
    """The digest (or, with `alert`, the alert) as markdown, a self-contained HTML mail body,
    or JSON."""
    names = {e.id: e.name for e in config.entities}
    topics = topic_labels(config)
    if fmt == "json":
        return json.dumps(digest.to_json(names, topics), ensure_ascii=False, indent=2) + "\n"
    context = {
        "digest": digest,
        "alert": alert,
        # What the helpers make from dates and counts is markdown already; names are escaped.
        "title": MarkdownText(_title(digest, alert)),
        "names_of": lambda ids: MarkdownText(
            ", ".join(escape_markdown(names.get(i, i)) for i in ids) or "-"
        ),
        "name_of": lambda entity: names.get(entity, entity) if entity else "기타",
        "link": _link,
        "url_text": markdown_url,
        "topics": topics,
        "topic_of": lambda topic: topics.get(topic, topic) if topic else UNKNOWN_LABEL,
        "tones": TONE_LABELS,
        "tiers": TIER_LABELS,
        "media": {k: v for k, v in MEDIUM_LABELS.items() if k != "online"},
        "generated_at": generated_at.astimezone(KST).strftime("%Y-%m-%d %H:%M"),
        "when": lambda article: MarkdownText(_when(article)),
        "signed": _signed,
    }
    env = _HTML_ENV if fmt == "html" else _MD_ENV
    return env.get_template(f"digest.{fmt}.j2").render(context)


def _title(digest: Digest, alert: bool) -> str:
    if alert:
        return f"부정 보도 알림 {_time_of(digest.covered_until)}"
    if digest.date:
        return f"언론 보도 일일 브리핑 {digest.date}"
    start = _time_of(digest.covered_from) if digest.covered_from else "처음"
    return f"언론 보도 브리핑 (수집 {start} ~ {_time_of(digest.covered_until)})"


def _link(url: str) -> str:
    """Only http(s) links reach a mail body: a scraped `javascript:` URL becomes inert."""
    return url if url.startswith(("http://", "https://")) else "#"


def _when(article: DigestArticle) -> str:
    """An article's time as an entry shows it; a hand-entered item shows its day only."""
    if article.date_only and article.published_at:
        return article.published_at[:10]
    return _time_of(article.published_at)


def _time_of(published_at: str | None) -> str:
    if not published_at:
        return "시각 미상"
    return published_at[:16].replace("T", " ")


def _signed(n: int) -> str:
    """`+3`, `-2`, `±0`: a change in the header."""
    return f"+{n}" if n > 0 else ("±0" if n == 0 else str(n))


def digest_subject(digest: Digest, *, alert: bool = False) -> str:
    """The mail subject: the day and its figures, the negative stories named."""
    negative = len(digest.negative)
    if alert:
        first = digest.negative[0].title if digest.negative else ""
        more = f" 외 {negative - 1}건" if negative > 1 else ""
        return f"[언론 모니터링] 부정 보도 알림: {first}{more}"
    when = digest.date or _time_of(digest.covered_until)[:10]
    if not digest.stories:
        return f"[언론 모니터링] {when} 관련 보도 없음"
    counts = digest.counts
    line = f"[언론 모니터링] {when} 브리핑: 기사 {counts.articles}건, 이야기 {counts.stories}건"
    return line + (f" (부정 {negative}건)" if negative else "")


# --- mailing --------------------------------------------------------------------------------------


def mail_digest(
    digest: Digest,
    config: Config,
    now: datetime,
    environ: Mapping[str, str],
    *,
    alert: bool = False,
    ssl_context: ssl.SSLContext | None = None,
) -> MailOutcome:
    """Mail the digest (markdown as the text part, HTML as the alternative) to `[smtp]
    recipients`; a MailError when nothing was sent."""
    smtp = config.smtp
    if smtp is None:
        raise MailError(f"no [smtp] table in {config.path}: nowhere to send the digest")
    password = smtp_password(smtp, environ)
    message = compose_mail(
        subject=digest_subject(digest, alert=alert),
        text=render_digest(digest, "md", config, now, alert=alert),
        html=render_digest(digest, "html", config, now, alert=alert),
        sender=smtp.sender,
        recipients=smtp.recipients,
        now=now,
    )
    return send_mail(smtp, message, password=password, ssl_context=ssl_context)


def last_sent(db: sqlite_utils.Database, kind: str) -> dict[str, Any] | None:
    """The most recent sent digest (or alert) of `kind`; None when none was sent yet."""
    try:
        row = db.execute(
            "SELECT id, created_at, kind, date, covered_from, covered_until FROM digests "
            "WHERE sent = 1 AND kind = ? ORDER BY id DESC LIMIT 1",
            [kind],
        ).fetchone()
    except sqlite3.Error as exc:
        raise StorageError(f"cannot read the digests table: {exc}") from None
    if row is None:
        return None
    keys = ("id", "created_at", "kind", "date", "covered_from", "covered_until")
    return dict(zip(keys, row, strict=True))


def record_sent(db: sqlite_utils.Database, digest: Digest, kind: str, at: str) -> None:
    """Remember a digest (or alert) that was mailed or delivered as files."""
    store.record_digest(
        db, at, kind, digest.date, digest.covered_from, digest.covered_until or at, sent=True
    )


@dataclass(frozen=True)
class AlertOutcome:
    """What one alert check found and sent."""

    digest: Digest
    mail: MailOutcome | None  # None: nothing to alert (or `busy`)
    busy: bool = False  # a collection held the lock: nothing was looked at

    @property
    def articles(self) -> int:
        """Negative articles in the alert."""
        return self.digest.article_count

    def describe(self) -> str:
        """`alert: 2 negative articles (1 story) sent to 3 of 3 recipients`."""
        if self.busy:
            return "alert: a collection is running; its articles wait for the next alert"
        if self.mail is None:
            return "alert: no new negative coverage"
        return (
            f"alert: {self.articles} negative articles ({len(self.digest.stories)} stories) "
            + self.mail.describe()
        )


def send_alerts(
    config: Config,
    db: sqlite_utils.Database,
    *,
    clock: Callable[[], datetime],
    environ: Mapping[str, str],
    ssl_context: ssl.SSLContext | None = None,
) -> AlertOutcome | None:
    """Mail the relevant negative articles collected since the last alert in one message.
    None when alerts are off or there is no `[smtp]`; a MailError leaves them for next time.

    It holds the collection lock: an article another collection is storing meanwhile could
    otherwise fall before this alert's cut-off unseen. When a collection holds the lock this
    check is skipped; the cut-off stays, so the next alert covers the same articles."""
    if config.smtp is None or not config.digest.alerts:
        return None
    try:
        with collection_lock(config.database_path, what="alert", clock=clock):
            return _send_alert(config, db, clock(), environ, ssl_context)
    except CollectionBusy:
        return AlertOutcome(Digest(None, None, None, ()), None, busy=True)


def _send_alert(
    config: Config,
    db: sqlite_utils.Database,
    now: datetime,
    environ: Mapping[str, str],
    ssl_context: ssl.SSLContext | None,
) -> AlertOutcome:
    until = now.astimezone(KST).isoformat(timespec="seconds")
    last = last_sent(db, ALERT)
    after: str | None = last["covered_until"] if last else None
    first_day = now.astimezone(KST).date() - timedelta(days=config.digest.alert_window_days - 1)
    rows = [
        r
        for r in store.digest_articles(db, collected_after=after, collected_until=until)
        if r["tone"] == "negative"
        and (r["published_date"] is None or r["published_date"] >= first_day.isoformat())
    ]
    digest = Digest(
        date=None,
        covered_from=after,
        covered_until=until,
        stories=_stories(rows),
        entity_order=tuple(e.id for e in config.entities),
    )
    if not digest.stories:
        return AlertOutcome(digest, None)
    outcome = mail_digest(digest, config, now, environ, alert=True, ssl_context=ssl_context)
    record_sent(db, digest, ALERT, until)
    return AlertOutcome(digest, outcome)
