"""Report text: open a report file safely and read its pages' text layer, normalised for matching.

Ofsted's PDFs spell the same words many ways in their text layer: non-breaking spaces, en and em
dashes, curly quotes, ligatures, soft hyphens, and words or grades broken over lines. Everything the
layouts match runs on :func:`normalise` output, so their patterns only ever see plain ASCII
punctuation and single spaces.
"""
from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pypdfium2 as pdfium

__all__ = ["ReportFileError", "ReportDocument", "Segment", "normalise", "flatten", "sniff_bytes",
           "read_regular_file", "display_path", "MAX_REPORT_BYTES"]

#: Largest file read as a report. Real reports are under 10 MB; anything far bigger is not one, and
#: reading it whole would cost its size in memory before the parser's own bound applies.
MAX_REPORT_BYTES = 200 * 1024 * 1024

_FILE_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
               (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
               (stat.S_ISBLK, "a block device"))
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


def display_path(path: str | os.PathLike) -> str:
    """A path as text that can always be written (CSV, terminal, store): bytes of a file name that
    are not valid UTF-8 are shown as ``\\xNN`` escapes instead of failing every write that follows."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def read_regular_file(path: str | os.PathLike, max_bytes: int = MAX_REPORT_BYTES) -> bytes:
    """The bytes of a regular file, or ReportFileError naming why not.

    Opened without blocking and checked with ``fstat`` on the open descriptor, so a FIFO, socket or
    device named as a report gets an error instead of hanging the batch (and a file swapped for one
    between listing and reading is caught too).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        if err.errno == errno.ENXIO:   # a FIFO or socket with nothing at the other end
            raise ReportFileError("not a regular file: a FIFO or socket") from None
        raise ReportFileError(f"cannot read file: {err.strerror or err}") from None
    try:
        info = os.fstat(fd)
        kind = next((name for test, name in _FILE_KINDS if test(info.st_mode)), None)
        if kind or not stat.S_ISREG(info.st_mode):
            raise ReportFileError(f"not a regular file: {kind or 'a special file'}")
        if info.st_size > max_bytes:
            raise ReportFileError(f"file too large for a report: {info.st_size / 2**20:.0f} MB"
                                  f" (limit {max_bytes / 2**20:.0f} MB)")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(min(info.st_size, max_bytes) + 1)
    except OSError as err:
        raise ReportFileError(f"cannot read file: {err.strerror or err}") from None
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Segment:
    """A run of text on one line of a page, with its box in PDF units (origin bottom left)."""

    left: float
    bottom: float
    right: float
    top: float
    text: str

    @property
    def middle(self) -> float:
        return (self.bottom + self.top) / 2

    @property
    def height(self) -> float:
        return self.top - self.bottom


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


def _runs(textpage) -> list[Segment]:
    """Characters of a text page grouped into :class:`Segment` runs (see ReportDocument.segments)."""
    n = textpage.count_chars()
    text = textpage.get_text_range(0, n) if n else ""
    if len(text) != n:   # characters outside the BMP: index one by one
        text = "".join(textpage.get_text_range(i, 1)[:1] or " " for i in range(n))
    runs: list[Segment] = []
    chars: list[str] = []
    box: list[float] = []
    space = False

    def close() -> None:
        nonlocal chars, box, space
        if chars:
            runs.append(Segment(box[0], box[1], box[2], box[3],
                                _SPACES.sub(" ", "".join(chars).translate(_CHAR_MAP))))
        chars, box, space = [], [], False

    for i, ch in enumerate(text):
        if ch in "\r\n":
            close()
            continue
        left, bottom, right, top = textpage.get_charbox(i, loose=True)
        if ch.isspace() or right <= left:
            space = bool(chars)
            continue
        height = max(top - bottom, 1.0)
        if chars:
            same_line = box[1] <= (bottom + top) / 2 <= box[3] or bottom <= (box[1] + box[3]) / 2 <= top
            if not same_line or not -height <= left - box[2] <= height:
                close()
        if chars:
            if space:
                chars.append(" ")
            box = [min(box[0], left), min(box[1], bottom), max(box[2], right), max(box[3], top)]
        else:
            box = [left, bottom, right, top]
        chars.append(ch)
        space = False
    close()
    return [r for r in runs if _CONTROL.sub("", r.text).strip()]


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
        self._segments: dict[int, tuple[Segment, ...]] = {}

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

    def segments(self, index: int) -> tuple[Segment, ...]:
        """Text runs of page ``index`` with their boxes, in the order of the text layer.

        The text layer gives text in the order the PDF draws it, which is not always reading
        order: a table's grade cell can be drawn before or between its label's lines. Layouts that
        read tables use these boxes to put each cell back in its row. A run is consecutive
        characters on one line; it ends at a line break or a gap wider than a character's height
        (the space between two table columns).
        """
        if index < 0 or index >= self.n_pages:
            return ()
        if index not in self._segments:
            try:
                page = self._doc[index]
                textpage = page.get_textpage()
                self._segments[index] = tuple(_runs(textpage))
                textpage.close()
                page.close()
            except pdfium.PdfiumError as err:
                raise ReportFileError(f"page {index + 1}: text cannot be read ({err})") from None
        return self._segments[index]

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
