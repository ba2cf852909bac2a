"""Records the storage layer accepts: plain values, so db depends on no other package."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageRecord:
    """A fetched raw page and what its source said about it."""

    url: str
    fetched_at: str  # ISO 8601 with offset
    body: bytes
    final_url: str | None = None
    status: int | None = None
    content_type: str | None = None
    source: str | None = None
    role: str = "coverage"
    entry_title: str | None = None
    entry_published_at: str | None = None
    entry_outlet: str | None = None
    entry_summary: str | None = None
    entry_content: str | None = None


@dataclass(frozen=True)
class MentionRecord:
    """One entity mention, offsets into the stored title or body."""

    entity: str
    field: str
    start: int
    end: int
    text: str
    sentence: str = ""


@dataclass(frozen=True)
class ArticleRecord:
    """An analysed article as stored; `url` is the canonical URL and the stable key."""

    url: str
    title: str
    body: str
    role: str
    method: str
    collected_at: str
    processed_at: str
    canonical_url: str | None = None
    medium: str = "online"
    lead: str = ""
    translation: str | None = None
    published_at: str | None = None  # ISO 8601 with +09:00
    published_date: str | None = None  # YYYY-MM-DD in KST
    date_source: str | None = None  # "page", "feed" or "manual"
    updated_at: str | None = None
    authors: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    outlet: str | None = None
    outlet_domain: str | None = None
    tier: str | None = None
    encoding: str | None = None
    language: str | None = None
    relevant: bool = False
    relevance_score: float | None = None
    relevance_reason: str | None = None
    topic: str | None = None
    topic_reason: str | None = None
    tone: str | None = None
    tone_reason: str | None = None
    fingerprint: bytes | None = None
    story_id: int | None = None  # None: a story of its own (its id is the article's id)
    mentions: tuple[MentionRecord, ...] = ()
