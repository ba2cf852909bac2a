"""Scraped text made inert for markdown outputs (the digest's text part, `report --format md`).

Text from the web is untrusted: in markdown it could open raw HTML (`<script>`), a link to a
`javascript:` URL, emphasis, or a heading, list or quote when it starts a line. Escaping keeps
every character visible as written in any markdown viewer and leaves Korean untouched.
"""

from __future__ import annotations

import re

__all__ = ["MarkdownText", "escape_markdown", "markdown_url"]


class MarkdownText(str):
    """Markdown already made safe (an escaped string or a checked URL): not escaped again."""


# HTML-significant characters become entities: every markdown dialect shows an entity as the
# character, while a backslash before `<` is not an escape in all of them (Python-Markdown).
# A `<` opens markup only before an ASCII letter, `/`, `!` or `?` (a tag, comment, autolink):
# Korean angle quotes (<소식>) stay as written. Where one is escaped, so is every `>`.
_MARKUP_OPEN = re.compile(r"<(?=[A-Za-z/!?])")
# A `&` is escaped only where it would start a character reference (`&lt;`, `&#60;`): a bare
# one (R&D) is shown as written everywhere and stays readable in a plain-text mail.
_ENTITY_LIKE = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9A-Fa-f]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)")
# Inline markup: code, emphasis, strikethrough, links and images, table cells, escapes.
_INLINE = re.compile(r"([\\`*_\[\]|~])")
# What opens a block at the start of a line (after the template's own `- ` or `> ` too):
# headings, setext underlines, list items (bullets and numbers); a quote's `>` is above.
_BLOCK_START = re.compile(r"^(?:(#)|(=)|([-+])(?=\s|$|-)|(\d{1,9})([.)])(?=\s|$))")
_URL_ESCAPES = {ch: f"%{ord(ch):02X}" for ch in ' "<>\\^`{|}[]()*'}


def escape_markdown(text: str | None) -> MarkdownText:
    """One line of scraped text, safe inside a markdown line and at its start."""
    if not text:
        return MarkdownText("")
    # One line: a newline in a title could otherwise start a heading or a list of its own.
    flat = " ".join(text.split())
    flat = _ENTITY_LIKE.sub("&amp;", flat)
    if _MARKUP_OPEN.search(flat):
        flat = _MARKUP_OPEN.sub("&lt;", flat).replace(">", "&gt;")
    if flat.startswith(">"):
        flat = "&gt;" + flat[1:]  # a quote
    flat = _INLINE.sub(r"\\\1", flat)
    flat = _BLOCK_START.sub(_escape_block_start, flat, count=1)
    return MarkdownText(flat)


def _escape_block_start(match: re.Match[str]) -> str:
    heading, underline, bullet, number, delimiter = match.groups()
    if number is not None:
        return f"{number}\\{delimiter}"
    return "\\" + (heading or underline or bullet)


def markdown_url(url: str) -> MarkdownText:
    """An http(s) URL shown as text: characters that could end it or open markup are
    percent-encoded (the address stays the same). Anything else is not a link: escaped text."""
    if not url.startswith(("http://", "https://")):
        return escape_markdown(url)
    return MarkdownText("".join(_URL_ESCAPES.get(ch, ch) for ch in "".join(url.split())))
