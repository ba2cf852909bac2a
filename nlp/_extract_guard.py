"""Input checks that keep the HTML parser out of its slow paths on hostile pages."""

from __future__ import annotations

import re

from nlp._errors import ExtractionError

# lexbor's tree builder slows down quadratically with element depth (32k nested divs take
# seconds); real pages stay below a few hundred levels even with unclosed wrappers.
MAX_DEPTH = 3000
# Only the tag name is read: the parser ignores "/>" on non-void elements too.
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")
# Elements that do not nest: void ones, and those the parser closes implicitly when a sibling
# opens, so a run of them never deepens the tree.
_FLAT = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "p",
        "li",
        "dt",
        "dd",
        "tr",
        "td",
        "th",
        "option",
        "optgroup",
        "thead",
        "tbody",
        "tfoot",
        "rt",
        "rp",
        "html",
        "head",
        "body",
    ]
)


def check_nesting(html: str, max_depth: int = MAX_DEPTH, encoded: bytes | None = None) -> None:
    """Raise ExtractionError when the markup nests elements deeper than max_depth.

    encoded: the page as UTF-8, when the caller has it; "<" is counted faster there.
    """
    # UTF-8 writes "<" as its one ASCII byte and no other character with it.
    if (html.count("<") if encoded is None else encoded.count(b"<")) <= max_depth:
        return
    depth = 0
    for closing, name in _TAG.findall(html):
        if name.lower() in _FLAT:
            continue
        if closing:
            depth = depth - 1 if depth else 0
            continue
        depth += 1
        if depth > max_depth:
            raise ExtractionError(f"markup nested deeper than {max_depth} elements")
