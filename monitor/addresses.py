"""Whether a page is stored already under another address: the known-URL check before a fetch
and the check of where a redirect landed after it. Run, backfill, ingest and import all ask
here, so one page is one article whichever way it arrives.

A stored article stands for its own URL, that URL's http/https twin, and the addresses recorded
for it (db `article_addresses`): where its page's redirect landed, and old addresses found to
redirect to it. Both kinds are recorded here once an article is stored or reached.
"""

from __future__ import annotations

import sqlite_utils

from db.crawl_state import find_known_urls, record_address, stored_under
from scrapers import Fetched, FetchError, canonicalize_url

__all__ = [
    "REACHED_BY_REDIRECT",
    "SKIP_REASONS",
    "landing_url",
    "remember_addresses",
    "stored_as",
    "stored_landing",
]

# How db.crawl_state.find_known_urls knows a candidate -> the reason `run --json` counts it
# under in `skipped`.
SKIP_REASONS = {
    "stored": "already stored",
    "other scheme": "already stored under the other scheme",
    "other address": "already stored under another address",
}
REACHED_BY_REDIRECT = "already stored (reached by redirect)"


def landing_url(fetched: Fetched) -> str | None:
    """The canonical form of the address a fetch ended at (after redirects); None when unknown
    or unreadable."""
    if not fetched.final_url:
        return None
    try:
        return canonicalize_url(fetched.final_url)
    except FetchError:
        return None


def stored_landing(db: sqlite_utils.Database, url: str, fetched: Fetched) -> str | None:
    """The URL a page fetched for `url` is stored under already, when that is not `url`: where
    its redirect landed (or `url`, had it none) is, under either scheme, a stored article or an
    address recorded for one (an earlier redirect of this very run, too)."""
    landed = landing_url(fetched) or url
    stored = stored_under(db, [landed]).get(landed)
    return stored if stored != url else None


def stored_as(db: sqlite_utils.Database, url: str, fetched: Fetched) -> str:
    """The URL a page fetched for `url` on request (`ingest`, `import`) is stored under: the
    article it already is (`url` itself, its http/https twin, an address recorded for one, or
    where its redirect landed), else `url`."""
    known = find_known_urls(db, [url]).get(url)
    if known is not None:
        return known.stored
    return stored_landing(db, url, fetched) or url


def remember_addresses(
    db: sqlite_utils.Database, url: str, fetched: Fetched | None, stored: str, at: str
) -> None:
    """Record where the fetch of `url` landed, and `url` itself when the page turned out to be
    the article stored under `stored`, as that article's addresses: the next run's known-URL
    check finds either without a fetch."""
    landed = landing_url(fetched) if fetched is not None else None
    if landed is not None:
        record_address(db, landed, stored, "landing", at)
    if url not in (stored, landed):
        record_address(db, url, stored, "redirect", at)
