"""The one exception tree the user surface knows; package errors are translated into it here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from db import StorageError
from nlp import DecodeError, NlpError, NoArticleError
from scrapers import FetchError, ScrapeError, SourceError


class MonitorError(Exception):
    """Base of every error the CLI reports as a one-line message."""


class ConfigError(MonitorError):
    """The configuration file is missing, unreadable or invalid; the message names the key."""


class UsageError(MonitorError):
    """A command was given arguments it cannot act on (an unknown id, a bad period)."""


class StageError(MonitorError):
    """One item failed at one pipeline stage; recorded, counted, and the run goes on."""

    def __init__(self, stage: str, url: str, reason: str) -> None:
        super().__init__(f"{stage}: {reason} ({url})")
        self.stage = stage
        self.url = url
        self.reason = reason


def describe_error(exc: BaseException) -> str:
    """A short reason for any package error, the way it is stored in `errors.error`."""
    if isinstance(exc, FetchError | SourceError):
        return exc.reason
    if isinstance(exc, NoArticleError):
        return f"no article: {exc}" if str(exc) else "no article on the page"
    if isinstance(exc, DecodeError):
        return f"undecodable: {exc}"
    return str(exc) or type(exc).__name__


@contextmanager
def translate_errors(stage: str, url: str) -> Iterator[None]:
    """Turn the packages' own errors raised inside the block into a StageError for `stage`."""
    try:
        yield
    except (ScrapeError, NlpError, StorageError) as exc:
        raise StageError(stage, url, describe_error(exc)) from exc
