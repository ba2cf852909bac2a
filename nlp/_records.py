"""Records that cross the nlp boundary: extracted articles, entity specs and mentions, labels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Decoded:
    """A page's text and how its encoding was decided."""

    text: str
    encoding: str  # codec actually used, e.g. "utf-8", "cp949"
    method: str  # "header", "bom", "meta", "detected"


@dataclass(frozen=True)
class Article:
    """The article a page holds, boilerplate removed; text already normalised."""

    url: str
    title: str
    paragraphs: tuple[str, ...]
    method: str  # the extraction strategy that won, e.g. "jsonld", "ndsoft", "generic"
    canonical_url: str | None = None
    lead: tuple[str, ...] = ()  # deck / sub-headlines, kept apart from the body
    subheadings: tuple[str, ...] = ()  # mid-body subheadings (소제목), kept apart from paragraphs
    published_at: datetime | None = None  # aware
    updated_at: datetime | None = None  # aware
    authors: tuple[str, ...] = ()
    outlet: str | None = None
    language: str | None = None
    flags: tuple[str, ...] = ()  # labels such as "기획", "AD", "포토"
    translation: str | None = None  # machine-translated copy appended to the article

    @property
    def body(self) -> str:
        """Body paragraphs joined by blank lines (offsets of body mentions refer to this)."""
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class SiteRules:
    """Per-site CSS selectors (config.toml `[[outlets]]`) for a site the cascade reads wrongly."""

    domain: str  # names the strategy: Article.method is "site:<domain>"
    body_selector: str | None = None  # the article container, tried after the known CMSs
    title_selector: str | None = None
    date_selector: str | None = None  # element text or its datetime/content attribute
    drop_selectors: tuple[str, ...] = ()  # removed from the page before extraction


@dataclass(frozen=True)
class EntitySpec:
    """One tracked entity (`[[entities]]`)."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    parent: str | None = None
    context: tuple[str, ...] = ()  # terms one of which must appear for an ambiguous alias to count
    generic: tuple[str, ...] = ()  # aliases marked generic: they always need context
    core: bool = False  # about the cluster by itself: a mention alone makes an article relevant

    @property
    def names(self) -> tuple[str, ...]:
        """The name followed by every alias, without repeats."""
        return tuple(dict.fromkeys((self.name, *self.aliases)))


@dataclass(frozen=True)
class TopicSpec:
    """One topic category (`[[topics]]`)."""

    id: str
    label: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mention:
    """One occurrence of a tracked entity in an article's own title or body."""

    entity: str
    field: str  # "title" or "body"
    start: int  # character offsets into Article.title or Article.body
    end: int
    text: str
    sentence: str = ""


@dataclass(frozen=True)
class Judgement:
    """A classifier's or rule's verdict with the reason that decided it."""

    value: str  # "relevant"/"irrelevant", a topic id, or a tone
    score: float
    reason: str
