"""Manual items: a print or broadcast piece (or a clipping-sheet row whose page could not be
fetched) stored as an article without a page, so it counts like any other.

One place makes them, for `monitor add` and `monitor import` alike:

- the key is a stable synthetic URL, `manual:<hash of date|outlet|headline key|medium>`, so
  adding or importing the same item again updates it in place (same id) instead of adding one;
  a sheet row kept after a failed fetch keeps the sheet's own URL instead (method "sheet");
- the outlet and its tier come from the registry (`[[outlets]]`) by name (spaces, case and a
  "(주)" do not matter) or by domain; an outlet the registry does not know keeps the name as
  written, with no tier, and the result says so;
- `published_at` is KST midnight of the day (`date_source` "manual");
- entities are what the Analyser finds in the headline plus the ids given explicitly (stored as
  mentions of field "manual", since they have no offsets in the text); relevance is the team's
  own verdict, so the item is relevant and carries a team label saying so (with the topic and
  tone given), which wins over every classifier and survives `reprocess`;
- the topic is the one given, else the classifier's reading of the headline;
- the story: the same outlet's same headline within three days (an online copy already stored,
  or another medium's copy) is joined, so a print copy of an online article counts once as an
  (outlet, story) pair; there is no body, so matching by text fingerprint does not apply.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlite_utils

import db as store
from monitor.analyse import Analyser
from monitor.config import Config, OutletSpec
from monitor.errors import UsageError, translate_errors
from monitor.outlets import Outlet, resolve_outlet
from monitor.periods import KST
from monitor.pipeline import find_story
from nlp import EntitySpec, TopicSpec, normalize_text, title_key
from nlp.stories import StoryEvidence

__all__ = [
    "MANUAL_MEDIA",
    "MEDIA",
    "TONES",
    "ManualItem",
    "ManualResult",
    "add_manual_item",
    "check_topic",
    "label_team_item",
    "manual_url",
    "match_entities",
    "outlet_by_name",
    "outlet_key",
    "parse_item_date",
    "read_date",
    "resolve_entity_ids",
]

Clock = Callable[[], datetime]

MEDIA = ("online", "print", "broadcast")
MANUAL_MEDIA = ("print", "broadcast")
TONES = ("positive", "neutral", "negative")

# A company suffix and spacing differ between how the team writes an outlet and the registry.
_COMPANY = re.compile(r"\(주\)|㈜|주식회사")
_SPACE = re.compile(r"\s+")

# The ways Korean clipping sheets write a day. A two-digit year is 20YY; a day without a year
# (11.27) or in another order (11/27/2024) is not guessed.
_DATE_FORMS = (
    re.compile(r"(\d{4})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{1,2})\.?"),
    re.compile(r"(\d{4})\s*년\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일"),
    re.compile(r"(\d{4})(\d{2})(\d{2})(?!\d)"),
    re.compile(r"(\d{2})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{1,2})\.?"),
)
# What may follow the day: a weekday and a time of day (ignored: counting is by KST day, and a
# fetched page's own time wins).
_DATE_TAIL = re.compile(
    r"\s*(?:\(\s*[월화수목금토일]\s*\)|[월화수목금토일]요일)?\s*"
    r"(?:(?:오전|오후|AM|PM|am|pm)?\s*\d{1,2}\s*[:시]\s*(?:\d{1,2}\s*분?)?(?::\d{2})?\s*"
    r"(?:AM|PM|am|pm)?)?\s*"
)
DATE_FORMS_HINT = "2024-11-27, 2024.11.27, 2024/11/27, 20241127, 24.11.27 or 2024년 11월 27일"
# Excel counts days from 1899-12-30; serials of 1990..2100 are plausible clipping dates.
_EXCEL_EPOCH = date(1899, 12, 30)
_SERIALS = range(32874, 73051)
_EARLIEST = date(1990, 1, 1)


@dataclass(frozen=True)
class ManualItem:
    """One item the team knows of without a page: what `monitor add` or a sheet row says."""

    day: date | None  # None only for a sheet row kept after a failed fetch that had no date
    outlet: str
    title: str
    medium: str  # print or broadcast; online for a sheet row kept after a failed fetch
    entities: tuple[str, ...] = ()  # configured entity ids, validated by the caller
    topic: str | None = None  # a configured topic id
    tone: str | None = None  # positive, neutral or negative
    note: str | None = None
    authors: tuple[str, ...] = ()
    url: str | None = None  # a sheet row's own (canonical) URL; None: a synthetic manual: URL
    method: str = "manual"  # "manual", or "sheet" for a URL row kept from the sheet
    reason: str = "added by the team"  # why it is relevant, as stored in relevance_reason


@dataclass(frozen=True)
class ManualResult:
    """What storing a manual item did."""

    article_id: int
    created: bool
    url: str
    outlet: str
    tier: str | None
    outlet_known: bool  # False: not in the registry (counted under its name, tier unknown)
    story_id: int  # the effective story; another article's id when it joined that story
    joined: bool  # True when it joined the story of an article already stored
    entities: tuple[str, ...]
    topic: str | None
    tone: str | None
    medium: str
    published_date: str | None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The `add --json` object."""
        return {
            "id": self.article_id,
            "created": self.created,
            "url": self.url,
            "outlet": self.outlet,
            "tier": self.tier,
            "outlet_known": self.outlet_known,
            "medium": self.medium,
            "published_date": self.published_date,
            "story_id": self.story_id,
            "joined_story": self.joined,
            "entities": list(self.entities),
            "topic": self.topic,
            "tone": self.tone,
            "note": self.note,
            "relevant": True,
        }


def read_date(value: object, *, today: date) -> tuple[date | None, str | None]:
    """A sheet's or the command line's day: (the day, None), (None, None) when empty, or
    (None, why it cannot be read). Excel date cells and serial numbers are days too; a day
    after tomorrow or before 1990 is a typo, not a clipping."""
    day: date | None = None
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, datetime):
        day = value.astimezone(KST).date() if value.tzinfo else value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and int(value) in _SERIALS:
            day = _EXCEL_EPOCH + timedelta(days=int(value))
        else:
            value = str(int(value)) if float(value).is_integer() else str(value)
    if day is None:
        text = normalize_text(str(value)).strip()
        if text.isdigit() and int(text) in _SERIALS and len(text) == 5:
            day = _EXCEL_EPOCH + timedelta(days=int(text))
        for form in _DATE_FORMS if day is None else ():
            match = form.match(text)
            if match is None or not _DATE_TAIL.fullmatch(text[match.end() :]):
                continue
            year, month, mday = (int(g) for g in match.groups())
            year += 2000 if year < 100 else 0
            try:
                day = date(year, month, mday)
            except ValueError:
                return None, f"no such date {text!r}"
            break
        if day is None:
            return None, f"cannot read the date {text!r} (expected {DATE_FORMS_HINT})"
    if day > today + timedelta(days=1):
        return None, f"the date {day.isoformat()} is in the future"
    if day < _EARLIEST:
        return None, f"the date {day.isoformat()} is before 1990"
    return day, None


def parse_item_date(text: str, *, today: date) -> date:
    """`monitor add --date`: one of the sheet's date forms, or a UsageError."""
    day, error = read_date(text, today=today)
    if day is None:
        raise UsageError(error or "--date is empty")
    return day


def outlet_key(name: str | None) -> str:
    """An outlet name reduced for comparison: NFC, no spaces, no "(주)", case folded."""
    if not name:
        return ""
    return _SPACE.sub("", _COMPANY.sub("", normalize_text(name))).casefold()


def outlet_by_name(name: str, outlets: Sequence[OutletSpec]) -> Outlet | None:
    """The registry's outlet written as `name` (or as its domain), or None when unknown."""
    key = outlet_key(name)
    if not key:
        return None
    for spec in outlets:
        if outlet_key(spec.name) == key or spec.domain.lower() == key:
            return Outlet(spec.name, spec.domain, spec.tier)
    return None


# The longest Korean headlines run to ~120 characters; a cell far longer is a pasted body.
MAX_TITLE_CHARS = 300


def manual_url(day: date, outlet: str, title: str, medium: str) -> str:
    """The stable key of a manual item: the same day, outlet, headline and medium give the
    same URL, however the headline's labels, spacing or punctuation were written."""
    basis = "|".join((day.isoformat(), outlet_key(outlet), title_key(title), medium))
    return "manual:" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:20]


def resolve_entity_ids(
    values: Iterable[str], entities: Sequence[EntitySpec], *, exact: bool = False
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Map entity ids, names or aliases to configured ids; (ids found, values not matched)."""
    found: list[str] = []
    unknown: list[str] = []
    for value in values:
        matched = match_entities(value, entities, exact=exact)
        if matched:
            found.extend(m for m in matched if m not in found)
        elif value.strip():
            unknown.append(value.strip())
    return tuple(found), tuple(unknown)


def match_entities(
    value: str, entities: Sequence[EntitySpec], *, exact: bool = False
) -> tuple[str, ...]:
    """The configured entities one value names: its id, name or an alias, exactly (spaces and
    case aside); unless `exact`, a longer text counts when it contains an entity's full name."""
    key = outlet_key(value)
    if not key:
        return ()
    found_exact = [
        e.id
        for e in entities
        if key == e.id.casefold() or any(outlet_key(n) == key for n in e.names)
    ]
    if found_exact or exact:
        return tuple(found_exact)
    # Only the full name inside a longer text: short aliases would match by accident.
    return tuple(
        e.id for e in entities if len(outlet_key(e.name)) >= 3 and outlet_key(e.name) in key
    )


def check_topic(topic: str, topics: Sequence[TopicSpec]) -> str:
    """A configured topic id, or a UsageError listing the ones there are."""
    ids = [t.id for t in topics]
    if topic not in ids:
        raise UsageError(f"unknown topic {topic!r} (one of: {', '.join(ids)})")
    return topic


def label_team_item(
    db: sqlite_utils.Database,
    article_id: int,
    at: str,
    *,
    topic: str | None,
    tone: str | None,
    keep_existing: bool,
) -> list[str]:
    """Label an item the team listed as relevant, with its topic and tone when given.

    With `keep_existing` (an import merging into a stored article) a label the team set before
    wins over the sheet: nothing is overwritten, and the returned warnings say what was kept."""
    given: dict[str, Any] = {"relevant": True}
    if topic:
        given["topic"] = topic
    if tone:
        given["tone"] = tone
    warnings: list[str] = []
    if keep_existing:
        before = store.get_article(db, article_id)["labels"]
        for key in list(given):
            if before.get(key) is not None:
                if before[key] != given[key]:
                    shown = "not relevant" if key == "relevant" else before[key]
                    warnings.append(f"kept the team's earlier {key} label ({shown})")
                del given[key]
    if given:
        store.set_label(db, article_id, at, **given)
    return warnings


def _iso(moment: datetime) -> str:
    return moment.astimezone(KST).isoformat(timespec="seconds")


def add_manual_item(
    config: Config,
    db: sqlite_utils.Database,
    analyser: Analyser,
    item: ManualItem,
    *,
    clock: Clock,
    run_id: int | None = None,
    page_id: int | None = None,
) -> ManualResult:
    """Store one manual item (or update it in place when it is there already), label it as the
    team's, and join the story of the same outlet's same headline; what was stored."""
    # A sheet cell may hold Alt+Enter line breaks and doubled spaces: a title is one line.
    title = " ".join(normalize_text(item.title).split())
    if len(title) > MAX_TITLE_CHARS:
        raise UsageError(
            f"a title of {len(title)} characters is not a headline (at most {MAX_TITLE_CHARS})"
        )
    outlet_name = " ".join(normalize_text(item.outlet).split())
    if not title:
        raise UsageError("a manual item needs a title")
    if not outlet_name and item.url is None:
        raise UsageError("a manual item needs an outlet")
    if item.day is None and item.url is None:
        raise UsageError("a manual item needs a date")
    if item.medium not in MEDIA:
        raise UsageError(f"unknown medium {item.medium!r} (one of: {', '.join(MEDIA)})")
    if item.url is not None:
        outlet = resolve_outlet(item.url, config.outlets, None, outlet_name or None)
        known = outlet.tier is not None
    else:
        found = outlet_by_name(outlet_name, config.outlets)
        known = found is not None
        outlet = found or Outlet(outlet_name, None, None)
    now = clock()
    day = item.day
    if item.url is not None:
        url = item.url
    else:
        assert day is not None
        url = manual_url(day, outlet.name or outlet_name, title, item.medium)
    published = datetime.combine(day, time(0, 0), tzinfo=KST) if day else None
    with translate_errors("analyse", url):
        analysis = analyser.analyse(title, "")
    mentions = [
        store.MentionRecord(m.entity, m.field, m.start, m.end, m.text, m.sentence)
        for m in analysis.mentions
    ]
    tagged = {m.entity for m in mentions}
    names = {e.id: e.name for e in config.entities}
    for entity in item.entities:
        if entity not in tagged:
            # Named by the team, not in the headline: no offsets to point at.
            mentions.append(store.MentionRecord(entity, "manual", 0, 0, names.get(entity, entity)))
            tagged.add(entity)
    story = (
        find_story(
            db,
            StoryEvidence(
                url, day, None, outlet.name or outlet.domain, title, None, frozenset(), frozenset()
            ),
            analyser.story_weights,
        )
        if day
        else None
    )
    record = store.ArticleRecord(
        url=url,
        title=title,
        body="",
        role="coverage",
        method=item.method,
        collected_at=_iso(now),
        processed_at=_iso(now),
        medium=item.medium,
        published_at=_iso(published) if published else None,
        published_date=day.isoformat() if day else None,
        date_source="manual" if day else None,
        authors=item.authors,
        outlet=outlet.name,
        outlet_domain=outlet.domain,
        tier=outlet.tier,
        relevant=True,
        relevance_score=1.0,
        relevance_reason=item.reason,
        topic=item.topic or analysis.topic.value,
        topic_reason="given by the team" if item.topic else analysis.topic.reason,
        tone=item.tone or analysis.tone.value,
        tone_reason="given by the team" if item.tone else analysis.tone.reason,
        story_id=story,
        mentions=tuple(mentions),
    )
    with translate_errors("store", url):
        article_id, created = store.save_article(db, record, page_id, run_id)
        label_team_item(
            db, article_id, _iso(now), topic=item.topic, tone=item.tone, keep_existing=False
        )
        if item.note:
            store.set_article_note(db, article_id, normalize_text(item.note).strip() or None)
        row = store.get_article(db, article_id)
        note = db.execute("SELECT note FROM articles WHERE id = ?", [article_id]).fetchone()[0]
    return ManualResult(
        article_id=article_id,
        created=created,
        url=url,
        outlet=outlet.name or outlet.domain or outlet_name,
        tier=outlet.tier,
        outlet_known=known,
        story_id=int(row["story_id"]),
        joined=story is not None,
        entities=tuple(row["entities"]),
        topic=row["topic"],
        tone=row["tone"],
        medium=item.medium,
        published_date=day.isoformat() if day else None,
        note=note,
    )
