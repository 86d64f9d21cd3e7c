"""Typed errors: raised inside, translated at the edges (CLI exit codes, HTTP status, ledger rows)."""
from __future__ import annotations

from pathlib import Path


class CscwatchError(Exception):
    """Base of every error cscwatch raises on purpose. ``str(err)`` is a one-line message for users."""


class ReportError(CscwatchError):
    """A report file could not be parsed. Names the file and, where known, the page and field."""

    def __init__(self, path: str | Path, message: str, *, page: int | None = None, field: str | None = None):
        self.path = str(path)
        self.page = page
        self.field = field
        self.reason = message
        where = self.path + (f": page {page}" if page is not None else "") + (f": {field}" if field else "")
        super().__init__(f"{where}: {message}")


class UnknownLocalAuthority(CscwatchError):
    """A name or code that maps to no English children's services authority."""

    def __init__(self, value: str, *, source: str | None = None, suggestions: list[str] | None = None):
        self.value = value
        self.source = source
        self.suggestions = suggestions or []
        hint = f" (did you mean {', '.join(self.suggestions)}?)" if self.suggestions else ""
        where = f"{source}: " if source else ""
        super().__init__(f"{where}unknown local authority {value!r}{hint}")


class SourceFormatError(CscwatchError):
    """A statistics file that does not have the shape its source entry declares."""

    def __init__(self, path: str | Path, message: str, *, row: int | None = None, column: str | None = None):
        self.path = str(path)
        self.row = row
        self.column = column
        where = self.path + (f": row {row}" if row is not None else "") + (f": column {column!r}" if column else "")
        super().__init__(f"{where}: {message}")


class ReturnFormatError(CscwatchError):
    """A child-level return (SSDA903 CSV, CIN XML) that cannot be read."""

    def __init__(self, path: str | Path, message: str, *, row: int | None = None, column: str | None = None,
                 code: str | None = None):
        self.path = str(path)
        self.row = row
        self.column = column
        self.code = code
        where = self.path + (f": row {row}" if row is not None else "") + (f": column {column!r}" if column else "")
        super().__init__(f"{where}: {message}")


class NotFound(CscwatchError):
    """A thing asked for by name or id that the store does not hold (LA, measure, inspection)."""


class StoreNotBuilt(CscwatchError):
    """The store lacks the tables a command needs; the message says which command builds them."""


class StoreBusy(CscwatchError):
    """Another process is updating the store; names its PID so the user knows whom to wait for."""


class StoreUnreadable(CscwatchError):
    """The store path holds something DuckDB cannot open (not a store, damaged, a folder)."""


class BuildFailed(CscwatchError):
    """A part of a build failed; nothing of that build is kept. ``errors`` lists every problem found."""

    def __init__(self, message: str, errors: list[str] | None = None):
        self.errors = errors or [message]
        super().__init__(message)
class FetchError(CscwatchError):
    """A download that failed or was refused (network, HTTP status, or content that is not what the
    URL should serve, e.g. an HTML error page where a PDF belongs). Names the URL and the reason."""

    def __init__(self, url: str, message: str, *, status: int | None = None, content_type: str | None = None):
        self.url = url
        self.reason = message
        self.status = status
        self.content_type = content_type
        super().__init__(f"{url}: {message}")


class CapacityError(CscwatchError):
    """A planner capacity (a CSV file or ``standard=2,short=3`` text) that cannot be read; names the file
    or the item and what is wrong."""

    def __init__(self, where: str, message: str, *, row: int | None = None):
        self.where = where
        self.row = row
        super().__init__(f"{where}" + (f": row {row}" if row is not None else "") + f": {message}")
