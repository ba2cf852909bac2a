"""The scrapers package's exceptions; monitor translates them at its boundary."""


class ScrapeError(Exception):
    """Base of every error the scrapers package raises."""


class FetchError(ScrapeError):
    """One URL could not be fetched; `reason` says why in a few words."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{reason}: {url}")
        self.url = url
        self.reason = reason


class BudgetExhausted(FetchError):
    """A metered API's daily call budget is used up; no request was made."""


class SourceError(ScrapeError):
    """A whole source failed (its feed or listing could not be read)."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class SourceSkipped(SourceError):
    """A source cannot run as configured (e.g. no API credentials); not a failure of the site."""
