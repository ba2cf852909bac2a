"""`monitor entities`: the configured entities' coverage, and new names worth configuring.

New-name discovery runs Kiwi over the title and body of stored relevant articles and keeps what
Kiwi tags as a proper noun or marks as an unknown word (organisation names it has never seen),
and Latin names (BOIMA, ROKIT Healthcare). Glued pieces form one name; configured names, places,
generic words and people are left out; what remains is counted by the distinct relevant
articles it appears in.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import sqlite_utils

from db.discovery import EntityCount, RelevantText, entity_article_counts, relevant_texts
from monitor.errors import ConfigError
from nlp import EntitySpec
from nlp.entities import build_tagger, sentence_at
from nlp.kiwi import Kiwi

__all__ = [
    "EntityUsage",
    "NameCandidate",
    "Stoplist",
    "entity_usage",
    "find_names",
    "load_stoplist",
    "strip_particle",
    "suggest_from_database",
    "suggest_names",
]

_HANGUL = re.compile(r"[가-힣]")
_LATIN = re.compile(r"[A-Za-z]")
# Tokens that can start or continue a name: proper nouns, Latin words, Hanja.
_NAME_TAGS = frozenset({"NNP", "SL", "SH"})
# Glue inside a Latin name: LIH-G, R&D, A*STAR, Bio.Med.
_LATIN_GLUE = frozenset({"-", "&", "*", "."})
# Nouns that may make up a compound organisation name, and how many parts make one.
_NOUN_TAGS = frozenset({"NNG", "NNP"})
_MIN_COMPOUND_PARTS = 3
# A person cue is looked for this many tokens after the name.
_PERSON_WINDOW = 3
# Particles (josa) Kiwi leaves glued to a word it does not know ("본원서", "메디젠을"), longest
# first, each with the final sound it follows: "consonant" (은, 이, 을, 과, 으로), "vowel" (는,
# 가, 를, 와; 로 also after ㄹ: "vowel_or_l") or "any". The alternation keeps a name's own last
# syllable: 케이 (no final consonant) does not end in the particle 이.
_PARTICLES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        (
            *((p, "consonant") for p in ("은", "이", "을", "과", "과의", "으로", "으로는")),
            *((p, "consonant") for p in ("으로도", "으로서", "으로써", "이나", "이라는", "이라고")),
            *((p, "vowel") for p in ("는", "가", "를", "와", "와의", "나", "라는", "라고")),
            *((p, "vowel_or_l") for p in ("로", "로는", "로도", "로서", "로써")),
            *((p, "any") for p in ("의", "에", "에서", "서", "도", "만", "에게", "께서", "부터")),
            *((p, "any") for p in ("까지", "보다", "처럼", "에는", "에도", "에서는", "에서도")),
            *((p, "any") for p in ("에서의", "에게서", "하고", "마저", "조차")),
        ),
        key=lambda pair: -len(pair[0]),
    )
)
_MIN_NAME_SYLLABLES = 2


@dataclass(frozen=True)
class Stoplist:
    """What discovery never proposes and the cues it reads (monitor/suggest_stoplist.toml)."""

    words: frozenset[str]  # places and generic words, spaces removed, casefolded
    places: frozenset[str]  # the places alone: a name right after one is a place (독일 뮌헨)
    place_suffixes: tuple[str, ...]
    place_suffix_max_len: int
    person_titles: frozenset[str]
    org_suffixes: frozenset[str]


@dataclass(frozen=True)
class NameOccurrence:
    """One name found in one text, with its sentence and whether a person title sat beside it."""

    name: str
    sentence: str
    person_cue: bool
    place_cue: bool = False


@dataclass(frozen=True)
class NameCandidate:
    """A name seen in several relevant articles that no configured entity covers."""

    name: str
    articles: int
    stories: int
    article_ids: tuple[int, ...]
    example: str
    example_article_id: int
    spellings: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The candidate as `entities --suggest --json` prints it."""
        return {
            "name": self.name,
            "articles": self.articles,
            "stories": self.stories,
            "article_ids": list(self.article_ids),
            "example": self.example,
            "example_article_id": self.example_article_id,
            "spellings": list(self.spellings),
        }


@dataclass(frozen=True)
class EntityUsage:
    """A configured entity with its aliases and the stored articles that mention it."""

    id: str
    name: str
    aliases: tuple[str, ...]
    articles: int
    relevant: int

    def to_json(self) -> dict[str, Any]:
        """The entity as `entities --json` prints it."""
        return {
            "id": self.id,
            "name": self.name,
            "aliases": list(self.aliases),
            "articles": self.articles,
            "relevant_articles": self.relevant,
        }


def _squeeze(text: str) -> str:
    """The comparison key of a name: no spaces, Latin letters casefolded."""
    return "".join(text.split()).casefold()


def load_stoplist(path: Path | None = None) -> Stoplist:
    """Read the stoplist shipped with the package, or the file at `path`."""
    source = (
        Path(str(resources.files("monitor") / "suggest_stoplist.toml")) if path is None else path
    )
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {source}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    try:
        return Stoplist(
            words=frozenset(_squeeze(w) for w in [*data["places"], *data["generic"]]),
            places=frozenset(_squeeze(w) for w in data["places"]),
            # Longest first, so 특례시 is tried before 시.
            place_suffixes=tuple(sorted(data["place_suffixes"], key=len, reverse=True)),
            place_suffix_max_len=int(data["place_suffix_max_len"]),
            person_titles=frozenset(data["person_titles"]),
            org_suffixes=frozenset(data["org_suffixes"]),
        )
    except KeyError as exc:
        raise ConfigError(f"{source}: missing key {exc.args[0]}") from None


def _is_name_token(token: Any) -> bool:
    """A token that can start a name: a proper noun, an unknown word, a Latin word or Hanja."""
    return token.tag in _NAME_TAGS or bool(getattr(token, "oov", False))


def _joins(text: str, last: Any, token: Any, stoplist: Stoplist) -> bool:
    """Whether `token` continues the name that ends with `last`."""
    gap = text[last.end : token.start]
    latin = last.tag == "SL"
    if gap == "":
        if latin:
            return bool(token.tag in {"SL", "SN"} or token.form in _LATIN_GLUE)
        if last.form in _LATIN_GLUE:
            return bool(token.tag == "SL")
        # 바이오 + 헬스 + 센터, 젠큐릭스 + 연구소: glued nouns that complete a proper noun.
        if token.form in stoplist.org_suffixes:
            return True
        return _is_name_token(token) and token.tag != "SL"
    # ROKIT Healthcare, Bio Open Innovation: capitalised Latin words separated by one space.
    return latin and gap == " " and token.tag == "SL" and token.form[:1].isupper()


def _person_cue(tokens: Sequence[Any], first: int, last: int, stoplist: Stoplist) -> bool:
    """A title next to the name: 이동환 고양특례시장, 센터장 김민수."""
    before = tokens[first - 1].form if first > 0 else ""
    after = [t.form for t in tokens[last + 1 : last + 1 + _PERSON_WINDOW]]
    # Three tokens: 고양특례시장 comes out as 고양 + 특례 + 시장.
    return before in stoplist.person_titles or any(f in stoplist.person_titles for f in after)


def _place_cue(text: str, tokens: Sequence[Any], first: int, stoplist: Stoplist) -> bool:
    """A province or country right before the name: 경기 시흥, 독일 뮌헨 (how Korean news
    introduces a place)."""
    if first == 0:
        return False
    before = tokens[first - 1]
    return text[before.end : tokens[first].start] == " " and (
        _squeeze(before.form) in stoplist.places
    )


def _is_place(name: str, stoplist: Stoplist) -> bool:
    """A short Hangul name ending in an administrative unit (파주시, 강남구, 충청북도)."""
    return (
        bool(_HANGUL.search(name))
        and len(name) <= stoplist.place_suffix_max_len
        and len(name) > 1
        and any(name.endswith(s) and len(name) > len(s) for s in stoplist.place_suffixes)
    )


def _acceptable(name: str, stoplist: Stoplist) -> bool:
    """Long enough to be a name and neither a stoplisted word nor a place."""
    key = _squeeze(name)
    if key in stoplist.words:
        return False
    if _HANGUL.search(name):
        return len(key) >= 2 and not _is_place(key, stoplist)
    if _LATIN.search(name):
        # A proper Latin name has a capital and at least three letters (AI, IT are words).
        letters = re.sub(r"[^A-Za-z]", "", name)
        return len(letters) >= 3 and any(c.isupper() for c in letters)
    # Hanja alone (中, 韓) abbreviates countries; longer runs are rare in Korean news.
    return len(key) >= 3


def _compound_end(text: str, tokens: Sequence[Any], first: int, stoplist: Stoplist) -> int | None:
    """Where a glued run of common nouns that ends in an organisation head ends, if it does.

    Before another noun Kiwi splits a name it has never seen into common nouns (바이오 + 헬스 +
    혁신 + 센터 관계자), while the same name before a particle is one unknown word.
    """
    last = first
    end: int | None = None
    while last < len(tokens) and tokens[last].tag in _NOUN_TAGS:
        if last > first and text[tokens[last - 1].end : tokens[last].start] != "":
            break
        if last - first + 1 >= _MIN_COMPOUND_PARTS and tokens[last].form in stoplist.org_suffixes:
            end = last
        last += 1
    return end


def _final_consonant(syllable: str) -> int:
    """The final consonant (jongseong) index of a Hangul syllable: 0 for none, 8 for ㄹ."""
    return (ord(syllable) - 0xAC00) % 28


def strip_particle(name: str) -> str:
    """The name without a trailing particle (see _PARTICLES); unchanged when what would remain
    is shorter than two Hangul syllables or does not end in a sound the particle follows."""
    for particle, follows in _PARTICLES:
        stem = name[: -len(particle)]
        if not name.endswith(particle) or len(stem) < _MIN_NAME_SYLLABLES:
            continue
        last = stem[-1]
        if not "가" <= last <= "힣" or len(_HANGUL.findall(stem[-_MIN_NAME_SYLLABLES:])) < 2:
            continue
        final = _final_consonant(last)
        if (
            follows == "any"
            or (follows == "consonant" and final != 0)
            or (follows == "vowel" and final == 0)
            or (follows == "vowel_or_l" and final in (0, 8))
        ):
            return stem
    return name


def find_names(kiwi: Kiwi, text: str, stoplist: Stoplist) -> list[NameOccurrence]:
    """Proper-noun and unknown-word runs in one text, each with its sentence and person cue."""
    if not text.strip():
        return []
    tokens = list(kiwi.tokenize(text))
    found: list[NameOccurrence] = []
    i = 0
    while i < len(tokens):
        if _is_name_token(tokens[i]):
            j = i
            while j + 1 < len(tokens) and _joins(text, tokens[j], tokens[j + 1], stoplist):
                j += 1
        else:
            compound = _compound_end(text, tokens, i, stoplist)
            if compound is None:
                i += 1
                continue
            j = compound
        # A trailing glue mark (LIH-) is not part of the name.
        while j > i and tokens[j].form in _LATIN_GLUE:
            j -= 1
        start, end = tokens[i].start, tokens[j].end
        name = " ".join(text[start:end].split())
        if getattr(tokens[j], "oov", False) and _HANGUL.search(tokens[j].form):
            # Kiwi keeps an unknown word's particle on it: 본원서 is 본원 + 서 (에서).
            whole = name
            name = strip_particle(name)
            end -= len(whole) - len(name)  # the particle holds no spaces
        if _acceptable(name, stoplist):
            found.append(
                NameOccurrence(
                    name,
                    sentence_at(text, start, end),
                    person_cue=_person_cue(tokens, i, j, stoplist),
                    place_cue=_place_cue(text, tokens, i, stoplist),
                )
            )
        i = j + 1
    return found


def _covered_keys(entities: Sequence[EntitySpec]) -> set[str]:
    """Every configured name and alias, spaces removed (so spacing variants compare equal)."""
    return {_squeeze(name) for spec in entities for name in spec.names}


def _is_covered(key: str, covered: set[str]) -> bool:
    """Equal to, part of, or containing a configured name (암센터 of 국립암센터, LIH of LIH-G)."""
    return any(key == c or key in c or (len(c) >= 3 and c in key) for c in covered)


def _looks_like_person_or_place(name: str, occurrences: Sequence[NameOccurrence]) -> bool:
    """A place introduced by a province or country in at least half its occurrences, or a
    2-4 syllable Hangul name with a title beside it in at least half its occurrences."""
    if sum(o.place_cue for o in occurrences) * 2 >= len(occurrences):
        return True
    if not (_HANGUL.search(name) and 2 <= len(name) <= 4):
        return False
    return sum(o.person_cue for o in occurrences) * 2 >= len(occurrences)


def suggest_names(
    kiwi: Kiwi,
    entities: Sequence[EntitySpec],
    articles: Iterable[RelevantText],
    stoplist: Stoplist,
    *,
    min_articles: int = 3,
) -> list[NameCandidate]:
    """Names in at least `min_articles` of the given articles that no configured entity covers.

    Every configured name is registered with Kiwi first, so a tracked name comes out whole and is
    recognised as covered rather than proposed in pieces.
    """
    build_tagger(kiwi, entities)
    covered = _covered_keys(entities)
    seen: dict[str, list[tuple[RelevantText, NameOccurrence]]] = {}
    for article in articles:
        per_article: dict[str, NameOccurrence] = {}
        for text in (article.title, article.body):
            for occurrence in find_names(kiwi, text, stoplist):
                per_article.setdefault(_squeeze(occurrence.name), occurrence)
        for key, occurrence in per_article.items():
            seen.setdefault(key, []).append((article, occurrence))
    candidates: list[NameCandidate] = []
    for key, hits in seen.items():
        if len(hits) < max(min_articles, 1) or _is_covered(key, covered):
            continue
        spellings = Counter(o.name for _, o in hits)
        name = spellings.most_common(1)[0][0]
        if _looks_like_person_or_place(name, [o for _, o in hits]):
            continue
        example_article, example = hits[0]
        candidates.append(
            NameCandidate(
                name=name,
                articles=len(hits),
                stories=len({a.story for a, _ in hits}),
                article_ids=tuple(sorted(a.id for a, _ in hits)),
                example=example.sentence,
                example_article_id=example_article.id,
                spellings=tuple(s for s, _ in spellings.most_common()),
            )
        )
    candidates.sort(key=lambda c: (-c.articles, -c.stories, c.name))
    return candidates


def suggest_from_database(
    db: sqlite_utils.Database,
    kiwi: Kiwi,
    entities: Sequence[EntitySpec],
    *,
    since: str | None = None,
    min_articles: int = 3,
    stoplist: Stoplist | None = None,
) -> list[NameCandidate]:
    """New-name candidates over the stored relevant articles (the team's labels win)."""
    return suggest_names(
        kiwi,
        entities,
        relevant_texts(db, since),
        stoplist or load_stoplist(),
        min_articles=min_articles,
    )


def entity_usage(db: sqlite_utils.Database, entities: Sequence[EntitySpec]) -> list[EntityUsage]:
    """Each configured entity, in config order, with the stored articles that mention it."""
    counts = entity_article_counts(db)
    empty = EntityCount("", 0, 0)
    return [
        EntityUsage(
            id=spec.id,
            name=spec.name,
            aliases=spec.aliases,
            articles=counts.get(spec.id, empty).articles,
            relevant=counts.get(spec.id, empty).relevant,
        )
        for spec in entities
    ]
