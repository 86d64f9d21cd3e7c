"""Report text: open a report file safely and read its pages' text layer, normalised for matching.

Ofsted's PDFs spell the same words many ways in their text layer: non-breaking spaces, en and em
dashes, curly quotes, ligatures, soft hyphens, and words or grades broken over lines. Everything the
layouts match runs on :func:`normalise` output, so their patterns only ever see plain ASCII
punctuation and single spaces.
"""
from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

import pypdfium2 as pdfium

__all__ = ["ReportFileError", "ReportDocument", "normalise", "flatten", "sniff_bytes"]

_CHAR_MAP = str.maketrans({
    "\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u202f": " ", "\u200b": "", "\ufeff": "",
    "\u00ad": "", "\x02": "", "\ufffe": "",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"',
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st",
    "\t": " ", "\f": "\n", "\v": "\n",
})
_SPACES = re.compile(r"[ ]{2,}")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


class ReportFileError(Exception):
    """The file is not a readable report PDF; ``str()`` is a one-line reason for the ledger."""


def normalise(text: str) -> str:
    """Plain-ASCII punctuation, one space between words, stripped lines, ``\\n`` line ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_CHAR_MAP)
    text = _CONTROL.sub("", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(lines)


def flatten(text: str) -> str:
    """One line: normalised text with every line break turned into a space.

    Table cells and grades wrap unpredictably ("Requires improvement" / "to be good"), so
    judgements are matched on the flattened text.
    """
    return " ".join(normalise(text).split())


def sniff_bytes(head: bytes, size: int) -> str | None:
    """Why these leading bytes cannot be a PDF, or ``None`` when they look like one."""
    if size == 0:
        return "empty file (0 bytes)"
    if b"%PDF-" in head[:1024]:
        return None
    lowered = head[:4096].lower()
    if b"<html" in lowered or b"<!doctype html" in lowered:
        m = re.search(rb"<title[^>]*>(.*?)</title>", head, re.I | re.S)
        title = " ".join(m.group(1).decode("utf-8", "replace").split()) if m else ""
        title = title.split(" - ")[0] if title else ""
        what = f"an HTML page ({title!r})" if title else "an HTML page"
        return f"not a PDF: {what} saved with a .pdf name"
    preview = head[:8]
    return f"not a PDF: the file starts with {preview!r}, not %PDF"


class ReportDocument:
    """An open report PDF whose page texts are extracted lazily and cached.

    Most fields sit on page 1, so a parse reads only the pages it needs; :meth:`all_pages` reads
    the rest when the caller keeps the full text.
    """

    def __init__(self, path: str | Path, data: bytes):
        self.path = Path(path)
        reason = sniff_bytes(data[:4096], len(data))
        if reason:
            raise ReportFileError(reason)
        try:
            self._doc = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as err:
            msg = str(err)
            if "password" in msg.lower():
                raise ReportFileError("encrypted PDF: it needs a password to open") from None
            raise ReportFileError(f"damaged or truncated PDF ({msg.rstrip('.')})") from None
        self.n_pages = len(self._doc)
        if self.n_pages == 0:
            self.close()
            raise ReportFileError("PDF has no pages")
        self._pages: dict[int, str] = {}

    def __enter__(self) -> "ReportDocument":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        doc = getattr(self, "_doc", None)
        if doc is not None:
            doc.close()
            self._doc = None

    def page(self, index: int) -> str:
        """Normalised text of page ``index`` (0-based); empty string past the last page."""
        if index < 0 or index >= self.n_pages:
            return ""
        if index not in self._pages:
            try:
                page = self._doc[index]
                textpage = page.get_textpage()
                raw = textpage.get_text_bounded()
                textpage.close()
                page.close()
            except pdfium.PdfiumError as err:
                raise ReportFileError(f"page {index + 1}: text cannot be read ({err})") from None
            self._pages[index] = normalise(raw)
        return self._pages[index]

    def pages(self, indices) -> list[str]:
        return [self.page(i) for i in indices]

    def read_so_far(self) -> dict[int, str]:
        """The pages already extracted, 0-based index -> text, in page order (no new extraction)."""
        return {i: self._pages[i] for i in sorted(self._pages)}

    def all_pages(self) -> tuple[str, ...]:
        return tuple(self.page(i) for i in range(self.n_pages))

    @cached_property
    def first_page(self) -> str:
        return self.page(0)
