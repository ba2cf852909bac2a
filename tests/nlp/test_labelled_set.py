"""The shipped labelled set (nlp/labelled/*.jsonl): record format, gold entities and coverage."""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
LABELLED = REPO / "nlp" / "labelled"
CONFIG = REPO / "config.toml"

KEYS = (
    "id",
    "title",
    "deck",
    "body",
    "outlet",
    "published",
    "relevant",
    "kind",
    "topic",
    "tone",
    "tone_reason",
    "entities",
    "story",
)
TOPICS = ("agreement", "meeting", "event", "overseas", "infrastructure", "policy", "other")
TONES = ("positive", "neutral", "negative")
NEAR_MISS_KINDS = (
    "ncc_clinical",
    "goyang_nonbio",
    "other_cluster",
    "luxembourg",
    "ambiguous_alias",
    "generic_bio",
)
FIRST_DAY, LAST_DAY = date(2023, 1, 1), date(2026, 11, 30)

# What the labelled set promises (issue 6), per writer: rel- records are the relevant texts,
# nm- records the near misses.
MIN_RELEVANT = 170
MIN_PER_TOPIC = {topic: 15 for topic in TOPICS} | {"other": 8}
MIN_NEGATIVE, MIN_POSITIVE = 30, 40
MIN_TEXTS_PER_ENTITY = 3
MIN_STORIES, STORY_COPIES = 18, range(2, 6)
BODY_CHARS, BODY_PARAGRAPHS = range(250, 1201), range(2, 9)
MIN_PER_NEAR_MISS_KIND = {kind: 25 for kind in NEAR_MISS_KINDS} | {
    "generic_bio": 10,
    "ambiguous_alias": 15,
}

_LATIN = re.compile(r"[A-Za-z]")
_HANGUL = re.compile(r"[가-힣]")
_DOTS = re.compile(r"[·‧ㆍ]")
# Bylines, e-mail addresses and copyright tails belong to the page, not to the article body.
_PAGE_FURNITURE = re.compile(r"기자\s*=|[\w.]+@[\w.]+|무단\s*전재|재배포\s*금지|ⓒ|Copyright")


@dataclass(frozen=True)
class _Alias:
    """One configured surface form of an entity and whether it needs context to count."""

    entity: str
    text: str
    pattern: re.Pattern[str]
    ambiguous: bool


def _normalise(text: str) -> str:
    """The pipeline's normalisation: NFC, one middle dot, plain spaces."""
    text = unicodedata.normalize("NFC", text)
    return _DOTS.sub("·", text).replace("\u00a0", " ").replace("\u3000", " ")


def _compile_alias(form: str) -> re.Pattern[str]:
    """Latin forms case-sensitive on word boundaries; Hangul forms with any spacing."""
    if _LATIN.search(form):
        escaped = re.escape(form)
        return re.compile(rf"(?<![A-Za-z0-9]){escaped}(?![A-Za-z0-9]|-[A-Za-z0-9])")
    return re.compile(r"\s?".join(re.escape(c) for c in form if not c.isspace()))


def _is_ambiguous(form: str, generic: set[str]) -> bool:
    """DESIGN.md: aliases marked generic and Latin acronyms of three letters or fewer."""
    if form in generic:
        return True
    if _HANGUL.search(form) or not _LATIN.search(form):
        return False
    return len(re.sub(r"[^A-Za-z0-9]", "", form)) <= 3


def _load_config_entities() -> list[dict[str, Any]]:
    """The [[entities]] tables of the project's config.toml."""
    with CONFIG.open("rb") as handle:
        entities: list[dict[str, Any]] = tomllib.load(handle)["entities"]
    return entities


ENTITIES = _load_config_entities()
ENTITY_IDS = {spec["id"] for spec in ENTITIES}
CONTEXT = {spec["id"]: tuple(spec.get("context", ())) for spec in ENTITIES}
ALIASES = tuple(
    _Alias(
        spec["id"],
        form,
        _compile_alias(_normalise(form)),
        _is_ambiguous(form, set(spec.get("generic", ()))),
    )
    for spec in ENTITIES
    for form in (spec["name"], *spec.get("aliases", ()))
)


def _alias_matches(text: str) -> list[tuple[int, int, _Alias]]:
    """Alias matches in `text`, longest first at each place, overlapping shorter ones dropped."""
    found = [(m.start(), m.end(), a) for a in ALIASES for m in a.pattern.finditer(text)]
    kept: list[tuple[int, int, _Alias]] = []
    for start, end, alias in sorted(found, key=lambda item: (item[0] - item[1], item[0])):
        if all(end <= s or start >= e for s, e, _ in kept):
            kept.append((start, end, alias))
    return kept


def _load_records(path: Path) -> list[dict[str, Any]]:
    """Every line of one JSONL file as a dict; a line that is not JSON fails with its number."""
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"{path.name}:{number}: blank line"
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as error:
            pytest.fail(f"{path.name}:{number}: not JSON ({error})")
    return records


FILES = sorted(LABELLED.glob("*.jsonl"))


def _text(record: dict[str, Any]) -> str:
    """Title and body, the only fields where entities count."""
    return _normalise(f"{record['title']}\n{record['body']}")


def test_the_labelled_set_exists() -> None:
    assert (LABELLED / "relevant.jsonl").is_file()
    assert FILES


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_records_have_every_key_with_its_type(path: Path) -> None:
    for record in _load_records(path):
        where = record.get("id", "?")
        assert tuple(record) == KEYS, f"{where}: keys {tuple(record)}"
        for key in ("id", "title", "deck", "body", "outlet", "published", "kind", "tone"):
            assert isinstance(record[key], str), f"{where}: {key} is not a string"
        assert isinstance(record["tone_reason"], str), where
        assert isinstance(record["relevant"], bool), where
        assert record["topic"] is None or isinstance(record["topic"], str), where
        assert record["story"] is None or isinstance(record["story"], str), where
        assert isinstance(record["entities"], list), where
        assert all(isinstance(e, str) for e in record["entities"]), where
        assert record["title"].strip() and record["body"].strip() and record["outlet"].strip()


def test_ids_are_unique_across_files_and_prefixed_by_writer() -> None:
    ids = [r["id"] for path in FILES for r in _load_records(path)]
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicates
    assert all(re.fullmatch(r"(rel|nm)-\d{4}", i) for i in ids), ids


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_values_are_allowed(path: Path) -> None:
    for record in _load_records(path):
        where = record["id"]
        assert FIRST_DAY <= date.fromisoformat(record["published"]) <= LAST_DAY, where
        assert record["tone"] in TONES, where
        if record["relevant"]:
            assert record["kind"] == "cluster", where
            assert record["topic"] in TOPICS, where
            assert record["id"].startswith("rel-"), where
        else:
            assert record["kind"] in NEAR_MISS_KINDS, where
            assert record["topic"] is None, f"{where}: topic on an irrelevant record"
            assert record["story"] is None, f"{where}: only relevant copies share a story"
        if record["tone"] != "neutral":
            assert record["tone_reason"].strip(), f"{where}: no reason for a {record['tone']} tone"
        assert record["entities"] == sorted(set(record["entities"])), f"{where}: not sorted/unique"
        assert set(record["entities"]) <= ENTITY_IDS, f"{where}: unknown entity id"
        assert record["story"] is None or re.fullmatch(r"s-\d{3}", record["story"]), where


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_bodies_are_clean_paragraphs(path: Path) -> None:
    for record in _load_records(path):
        paragraphs = record["body"].split("\n")
        assert all(p.strip() for p in paragraphs), f"{record['id']}: empty paragraph"
        assert not _PAGE_FURNITURE.search(record["body"]), f"{record['id']}: byline or copyright"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_gold_entities_are_named_in_title_or_body_with_their_context(path: Path) -> None:
    for record in _load_records(path):
        text = _text(record)
        matches = _alias_matches(text)
        for entity in record["entities"]:
            forms = [alias for _, _, alias in matches if alias.entity == entity]
            assert forms, f"{record['id']}: {entity} in gold but none of its aliases in the text"
            if all(alias.ambiguous for alias in forms):
                assert any(term in text for term in CONTEXT[entity]), (
                    f"{record['id']}: {entity} named only by ambiguous "
                    f"{[a.text for a in forms]} and none of its context terms is present"
                )


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_an_unambiguous_alias_in_the_text_is_in_the_gold(path: Path) -> None:
    for record in _load_records(path):
        if record["kind"] == "ambiguous_alias":
            # These texts exist to show an alias naming something else (동국대학교일산병원).
            continue
        named = {
            alias.entity for _, _, alias in _alias_matches(_text(record)) if not alias.ambiguous
        }
        missing = named - set(record["entities"])
        assert not missing, f"{record['id']}: {sorted(missing)} named but not in gold"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_story_copies_are_relevant_and_from_different_outlets(path: Path) -> None:
    stories: dict[str, list[dict[str, Any]]] = {}
    for record in _load_records(path):
        if record["story"] is not None:
            stories.setdefault(record["story"], []).append(record)
    for story, copies in stories.items():
        assert all(copy["relevant"] for copy in copies), story
        outlets = [copy["outlet"] for copy in copies]
        assert len(set(outlets)) == len(outlets), f"{story}: two copies from one outlet"


def _writer_records(prefix: str) -> list[dict[str, Any]]:
    """Every record of one writer (id prefix) across the files, or a skip when there are none."""
    records = [r for path in FILES for r in _load_records(path) if r["id"].startswith(prefix)]
    if not records:
        pytest.skip(f"no {prefix} records yet")
    return records


def test_relevant_texts_cover_every_topic_and_tone() -> None:
    records = _writer_records("rel-")
    assert len(records) >= MIN_RELEVANT, f"{len(records)} relevant texts"
    topics = Counter(r["topic"] for r in records)
    short = {t: topics[t] for t, floor in MIN_PER_TOPIC.items() if topics[t] < floor}
    assert not short, f"topics below their floor: {short}"
    tones = Counter(r["tone"] for r in records)
    assert tones["negative"] >= MIN_NEGATIVE, tones
    assert tones["positive"] >= MIN_POSITIVE, tones


def test_relevant_texts_name_every_entity() -> None:
    records = _writer_records("rel-")
    counts = Counter(e for r in records for e in r["entities"])
    rare = {e: counts[e] for e in sorted(ENTITY_IDS) if counts[e] < MIN_TEXTS_PER_ENTITY}
    assert not rare, f"entities in fewer than {MIN_TEXTS_PER_ENTITY} texts: {rare}"


def test_relevant_texts_have_realistic_lengths() -> None:
    for record in _writer_records("rel-"):
        assert len(record["body"]) in BODY_CHARS, f"{record['id']}: {len(record['body'])} chars"
        paragraphs = record["body"].count("\n") + 1
        assert paragraphs in BODY_PARAGRAPHS, f"{record['id']}: {paragraphs} paragraphs"


def test_relevant_texts_carry_syndicated_stories() -> None:
    records = _writer_records("rel-")
    sizes = Counter(r["story"] for r in records if r["story"] is not None)
    assert len(sizes) >= MIN_STORIES
    assert all(n in STORY_COPIES for n in sizes.values()), sizes
    # Copies of one press release share their facts, so they share their topic.
    topics: dict[str, set[str]] = {}
    for record in records:
        if record["story"] is not None:
            topics.setdefault(record["story"], set()).add(record["topic"])
    assert all(len(t) == 1 for t in topics.values()), topics


def test_near_misses_cover_every_kind() -> None:
    records = _writer_records("nm-")
    assert not any(r["relevant"] for r in records)
    kinds = Counter(r["kind"] for r in records)
    short = {k: kinds[k] for k, floor in MIN_PER_NEAR_MISS_KIND.items() if kinds[k] < floor}
    assert not short, f"near-miss kinds below their floor: {short}"
