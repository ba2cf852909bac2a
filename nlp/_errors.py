"""The nlp package's exceptions; monitor translates them at its boundary."""


class NlpError(Exception):
    """Base of every error the nlp package raises."""


class DecodeError(NlpError):
    """The page's bytes cannot be decoded to text without mojibake."""


class ExtractionError(NlpError):
    """No article could be extracted from the page."""


class NoArticleError(ExtractionError):
    """The page is not an article (a section front, a login wall, an index)."""


class ModelError(NlpError):
    """A stored model cannot be read, or the examples cannot train one."""
