"""What a body or a file name that is no web page holds: documents and media, by magic or suffix."""

from __future__ import annotations

__all__ = ["binary_kind", "binary_suffix", "looks_like_text", "non_html_reason"]

# Links to documents and media: a Korean city board links HWP and PDF attachments beside its
# press releases. They are skipped without a request.
_BINARY_SUFFIXES = (
    ".pdf", ".hwp", ".hwpx", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip",
    ".jpg", ".jpeg", ".png", ".gif", ".webp", ".mp3", ".mp4", ".avi", ".mov", ".wmv",
)  # fmt: skip
# Magic numbers of the same, for servers that send them as text/html or with no type at all.
_MAGIC = (
    (b"%PDF", "application/pdf"),
    (b"\x89PNG", "image/png"),
    (b"GIF8", "image/gif"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"PK\x03\x04", "a zip archive (docx, xlsx, hwpx)"),
    (b"\xd0\xcf\x11\xe0", "an OLE document (hwp, doc, xls)"),
)


def binary_kind(body: bytes) -> str | None:
    """The kind of document or image the body's magic number names, None for anything else."""
    for magic, kind in _MAGIC:
        if body.startswith(magic):
            return kind
    return None


def binary_suffix(name: str) -> str | None:
    """The document or media suffix ("pdf") a URL path or file name ends in, else None."""
    last = name.lower().rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[-1] if last.endswith(_BINARY_SUFFIXES) else None


def looks_like_text(body: bytes) -> bool:
    """Whether an untyped body reads as markup or text rather than binary data."""
    head = body[:2048]
    return b"\0" not in head and (not head.strip() or b"<" in head or head.isascii())


def non_html_reason(body: bytes, name: str) -> str | None:
    """Why a saved file is no web page, in the fetcher's words ("not HTML: application/pdf"),
    or None when it may be one: the bytes decide first, the suffix only for binary bodies."""
    kind = binary_kind(body)
    if kind is not None:
        return f"not HTML: {kind}"
    if looks_like_text(body):
        return None
    suffix = binary_suffix(name)
    return f"not HTML: .{suffix} file" if suffix else "not HTML: binary body"
