"""Tracked-entity tagging: aliases as Kiwi user words, Latin aliases by case-sensitive regex."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from nlp._records import EntitySpec, Mention
from nlp.kiwi import Kiwi

__all__ = ["EntityTagger", "build_tagger", "names_any_alias", "sentence_at", "tag_entities"]

# High enough that a registered name beats Kiwi's own split (국립/암/센터).
_USER_WORD_SCORE = 10.0
_LATIN = re.compile(r"[A-Za-z]")
_HANGUL = re.compile(r"[가-힣]")
_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+|\n+")
# A university's hospital carries the university's name glued in front (동국대학교일산병원,
# 동국대일산병원, 인제대일산백병원): that is another institution than the bare name (일산병원).
_UNIVERSITY_BEFORE = re.compile(r"[가-힣]+(?:대학교|대학|대)$")
_GLUED_RUN_CHARS = 12


@dataclass(frozen=True)
class _Form:
    """One surface form of an entity and how it must be matched."""

    entity: str
    text: str
    pattern: re.Pattern[str]
    latin: bool
    ambiguous: bool


@dataclass(frozen=True)
class EntityTagger:
    """The kiwi (with every alias registered) and the alias table; built once per process."""

    kiwi: Kiwi
    forms: tuple[_Form, ...]
    context: dict[str, tuple[str, ...]]
    # Every alias with its spaces squeezed out: a plain substring screen that no real match can
    # slip past (each pattern matches only text whose squeezed form contains the squeezed alias).
    screen: tuple[str, ...] = ()


def _is_ambiguous(form: str, spec: EntitySpec) -> bool:
    """Short Latin acronyms and aliases marked generic need corroboration in the article."""
    if form in spec.generic:
        return True
    # "동국대 BMC" is specific; only a bare Latin acronym ("NCC", "LIH") is ambiguous.
    if _HANGUL.search(form) or not _LATIN.search(form):
        return False
    return len(re.sub(r"[^A-Za-z0-9]", "", form)) <= 3


def _compile_form(form: str) -> re.Pattern[str]:
    """A pattern for one form: Latin on word boundaries, Hangul tolerant of spacing variants."""
    if _LATIN.search(form):
        # "LIH" must not match inside "LIH-G" or "NCCN"; case stays significant.
        return re.compile(r"(?<![A-Za-z0-9])" + re.escape(form) + r"(?![A-Za-z0-9]|-[A-Za-z0-9])")
    chars = [c for c in form if not c.isspace()]
    # "국립 암센터" and "국립암센터" are the same name: allow optional spaces between characters.
    return re.compile(r"\s?".join(re.escape(c) for c in chars))


def build_tagger(kiwi: Kiwi, entities: Sequence[EntitySpec]) -> EntityTagger:
    """Register every entity name and alias with Kiwi and compile the alias table."""
    forms: list[_Form] = []
    for spec in entities:
        for name in spec.names:
            latin = bool(_LATIN.search(name))
            if not latin:
                kiwi.add_user_word(name, "NNP", _USER_WORD_SCORE)
                squeezed = name.replace(" ", "")
                if squeezed != name:
                    kiwi.add_user_word(squeezed, "NNP", _USER_WORD_SCORE)
            forms.append(
                _Form(spec.id, name, _compile_form(name), latin, _is_ambiguous(name, spec))
            )
    context = {spec.id: spec.context for spec in entities}
    screen = tuple(sorted({"".join(form.text.split()) for form in forms}, key=len))
    return EntityTagger(kiwi, tuple(forms), context, screen)


def names_any_alias(tagger: EntityTagger, text: str) -> bool:
    """Whether `text` may name a tracked entity: the cheap prefilter run before any pattern."""
    squeezed = "".join(text.split())
    return any(name in squeezed for name in tagger.screen)


def _token_starts(kiwi: Kiwi, text: str) -> set[int]:
    """Character offsets where Kiwi starts a token (a Hangul match must begin at one)."""
    if not text:
        return set()
    return {token.start for token in kiwi.tokenize(text)}


def sentence_at(text: str, start: int, end: int) -> str:
    """The sentence of `text` that contains the span start..end."""
    left = 0
    for boundary in _SENTENCE_END.finditer(text):
        if boundary.start() >= end:
            return text[left : boundary.start()].strip()
        left = boundary.end()
    return text[left:].strip()


def _candidates(tagger: EntityTagger, field: str, text: str) -> list[tuple[int, int, _Form]]:
    """Every raw alias match in one field, before overlap and ambiguity are resolved."""
    starts: set[int] | None = None  # tokenised only when a glued match needs checking
    found: list[tuple[int, int, _Form]] = []
    for form in tagger.forms:
        for match in form.pattern.finditer(text):
            start = match.start()
            glued = not form.latin and start > 0 and bool(_HANGUL.match(text[start - 1]))
            # Glued to a preceding syllable: accept only where Kiwi sees a word start.
            if glued:
                if _UNIVERSITY_BEFORE.search(text[max(0, start - _GLUED_RUN_CHARS) : start]):
                    continue
                if starts is None:
                    starts = _token_starts(tagger.kiwi, text)
                if start not in starts:
                    continue
            found.append((start, match.end(), form))
    return found


def _non_overlapping(found: list[tuple[int, int, _Form]]) -> list[tuple[int, int, _Form]]:
    """Keep the longest alias at each position and drop anything overlapping a kept one."""
    kept: list[tuple[int, int, _Form]] = []
    for start, end, form in sorted(found, key=lambda item: (-(item[1] - item[0]), item[0])):
        if all(end <= s or start >= e for s, e, _ in kept):
            kept.append((start, end, form))
    return sorted(kept, key=lambda item: item[0])


def tag_entities(
    tagger: EntityTagger, title: str, body: str, *, prefilter: bool = True
) -> tuple[Mention, ...]:
    """Find tracked entities in an article's title and body, ambiguous aliases only with context.

    Most collected articles name no tracked entity; the substring prefilter turns those away
    before the alias patterns and Kiwi run (`prefilter=False` exists to show it changes nothing).
    """
    if prefilter and not names_any_alias(tagger, f"{title}\n{body}"):
        return ()
    fields = (("title", title), ("body", body))
    spans = {field: _non_overlapping(_candidates(tagger, field, text)) for field, text in fields}
    whole = f"{title}\n{body}"
    corroborated = {
        form.entity for items in spans.values() for _, _, form in items if not form.ambiguous
    }
    corroborated |= {
        entity for entity, terms in tagger.context.items() if any(t and t in whole for t in terms)
    }
    mentions: list[Mention] = []
    for field, text in fields:
        for start, end, form in spans[field]:
            if form.ambiguous and form.entity not in corroborated:
                continue
            sentence = sentence_at(text, start, end)
            mentions.append(Mention(form.entity, field, start, end, text[start:end], sentence))
    return tuple(mentions)
