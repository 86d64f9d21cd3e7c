"""A polite, checked HTTP fetcher: httpx with httpx-retries, a minimum gap between requests, and
content checks that refuse anything that is not what the URL should serve.

Why each piece:

* **Retries with exponential backoff** (httpx-retries' ``RetryTransport``) on timeouts, dropped
  connections, truncated bodies and 429/500/502/503/504. A ``Retry-After`` header is honoured (up
  to ``max_wait``), so a rate-limited server sets the pace.
* **Bodies are read inside the retry loop** (``validate_response``), so a response cut short
  (fewer bytes than its ``Content-Length``) is retried like a dropped connection instead of
  reaching the caller as a half file.
* **A minimum interval between requests** (``min_interval``), counted across retries too: the
  fetcher never hammers a public site.
* **Every wait goes through ``HttpSettings.sleep``**, and is recorded in ``Fetcher.waits``; tests
  pass a recorder and so never sleep.
* **Content checks** (:func:`check_pdf`, :func:`check_csv`, :func:`check_html`) are pure functions
  over the bytes and the ``Content-Type``: an HTML "Report not found" page saved as ``.pdf`` is the
  failure the community scrapers shipped, and it is refused here before anything is written.
* **Nothing half-written**: :meth:`Fetcher.download` writes to ``<name>.part`` in the target
  folder, flushes it to disk and renames it into place (atomic on one file system).
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from httpx_retries import Retry, RetryTransport

from cscwatch import __version__
from cscwatch.errors import FetchError

DEFAULT_USER_AGENT = (f"cscwatch/{__version__} (open-source early warning for children's social care; "
                      "polite fetcher: one request at a time)")
RETRY_STATUSES = (429, 500, 502, 503, 504)
PDF_TYPES = {"application/pdf", "application/x-pdf", "application/octet-stream", "binary/octet-stream"}
CSV_TYPES = {"text/csv", "application/csv", "text/plain", "application/octet-stream", "application/vnd.ms-excel"}
JSON_TYPES = {"application/json", "application/problem+json", "text/json"}
HTML_TYPES = {"text/html", "application/xhtml+xml"}


@dataclass(frozen=True)
class HttpSettings:
    """How to fetch: timeouts, retries, politeness. Defaults suit a public site at night."""

    timeout: float = 60.0              # seconds to wait for each read (and write)
    connect_timeout: float = 15.0
    retries: int = 4                   # retries after the first attempt
    backoff: float = 2.0               # first backoff wait is 2 x this; doubles each retry
    jitter: float = 0.5                # random share taken off each backoff wait (0 = none)
    max_wait: float = 300.0            # the longest single wait, Retry-After included
    min_interval: float = 1.0          # at least this many seconds between two requests
    user_agent: str = DEFAULT_USER_AGENT
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, compare=False, repr=False)


@dataclass(frozen=True)
class Downloaded:
    """A file accepted and moved into place."""

    url: str
    path: Path
    sha256: str
    size_bytes: int
    content_type: str | None
    http_status: int


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _looks_like_html(content: bytes) -> bool:
    head = content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")) or b"<html" in head[:512]


def check_pdf(content: bytes, content_type: str | None, url: str) -> None:
    """Refuse anything but a complete PDF: HTML error pages, other types, truncated files."""
    media = _media_type(content_type)
    if media in HTML_TYPES or _looks_like_html(content):
        raise FetchError(url, f"an HTML page, not a PDF (error page?; Content-Type {media or 'none'})",
                         content_type=content_type)
    if media and media not in PDF_TYPES:
        raise FetchError(url, f"unexpected Content-Type {media!r} for a PDF", content_type=content_type)
    if not content.lstrip(b"\x00\t\r\n ").startswith(b"%PDF-"):
        raise FetchError(url, "does not start with %PDF- (not a PDF)", content_type=content_type)
    if b"%%EOF" not in content[-2048:]:
        raise FetchError(url, "no %%EOF marker at the end (truncated PDF)", content_type=content_type)


def check_csv(content: bytes, content_type: str | None, url: str,
              required: Iterable[str] = ("time_period",)) -> str:
    """The decoded text of a CSV whose header has the ``required`` columns; refuses HTML and binary."""
    media = _media_type(content_type)
    if media in HTML_TYPES or media in JSON_TYPES or _looks_like_html(content):
        raise FetchError(url, f"not a CSV (Content-Type {media or 'none'})", content_type=content_type)
    if media and media not in CSV_TYPES:
        raise FetchError(url, f"unexpected Content-Type {media!r} for a CSV", content_type=content_type)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FetchError(url, f"not UTF-8 text at byte {exc.start}", content_type=content_type) from None
    header = text.split("\n", 1)[0].strip("\r")
    columns = {c.strip().strip('"') for c in header.split(",")}
    missing = [c for c in required if c not in columns]
    if missing:
        raise FetchError(url, f"CSV header lacks column {missing[0]!r}", content_type=content_type)
    if not text.split("\n", 1)[1:] or not text.split("\n", 1)[1].strip():
        raise FetchError(url, "a header and no rows", content_type=content_type)
    return text


def check_html(content: bytes, content_type: str | None, url: str) -> str:
    """The decoded text of an HTML page."""
    media = _media_type(content_type)
    if media and media not in HTML_TYPES:
        raise FetchError(url, f"unexpected Content-Type {media!r} for a web page", content_type=content_type)
    return content.decode("utf-8", errors="replace")


def sha256_bytes(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def write_atomic(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` via ``<path>.part``, flushed and renamed: never a half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    with open(part, "wb") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(part, path)


class _PoliteTransport(httpx.BaseTransport):
    """Keeps at least ``min_interval`` seconds between the starts of two requests."""

    def __init__(self, inner: httpx.BaseTransport, fetcher: Fetcher):
        self._inner = inner
        self._fetcher = fetcher
        self._last: float | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        s = self._fetcher.settings
        if self._last is not None and s.min_interval > 0:
            gap = s.min_interval - (s.clock() - self._last)
            if gap > 0:
                self._fetcher.wait(gap, "polite")
        self._last = s.clock()
        self._fetcher.requests += 1
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def _read_body(response: httpx.Response) -> None:
    """Read the body inside the retry loop: a truncated body raises, and is retried."""
    response.read()


def _retry_policy(settings: HttpSettings, fetcher: Fetcher) -> Retry:
    class _Retry(Retry):
        """httpx-retries' policy, waiting through the fetcher so waits are recorded (and fakeable)."""

        def sleep(self, response: httpx.Response | Exception) -> None:
            headers = response.headers if isinstance(response, httpx.Response) else {}
            seconds = self._calculate_sleep(headers)
            reason = "retry-after" if headers.get("Retry-After") else "backoff"
            fetcher.wait(seconds, reason)
            self.elapsed_sleep += seconds

    return _Retry(total=settings.retries, backoff_factor=settings.backoff, backoff_jitter=settings.jitter,
                  max_backoff_wait=settings.max_wait, respect_retry_after_header=True,
                  status_forcelist=RETRY_STATUSES, validate_response=_read_body)


class Fetcher:
    """One site's HTTP session. Use as a context manager; ``requests`` counts what went out.

    ``transport`` replaces the network (tests use loopback servers; ``httpx.MockTransport`` also works).
    """

    def __init__(self, settings: HttpSettings | None = None, *, transport: httpx.BaseTransport | None = None):
        self.settings = settings or HttpSettings()
        self.requests = 0
        self.waits: list[tuple[str, float]] = []     # (reason, seconds) for every wait made
        polite = _PoliteTransport(transport or httpx.HTTPTransport(), self)
        self.client = httpx.Client(
            transport=RetryTransport(transport=polite, retry=_retry_policy(self.settings, self)),
            timeout=httpx.Timeout(self.settings.timeout, connect=self.settings.connect_timeout),
            headers={"User-Agent": self.settings.user_agent}, follow_redirects=True)

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def wait(self, seconds: float, reason: str) -> None:
        if seconds > 0:
            self.waits.append((reason, seconds))
            self.settings.sleep(seconds)

    # -- requests ---------------------------------------------------------------------------
    def get(self, url: str, *, accept: str = "*/*") -> httpx.Response:
        """GET with retries; raises :class:`FetchError` for network errors and non-2xx answers."""
        try:
            response = self.client.get(url, headers={"Accept": accept})
            response.read()
        except httpx.TimeoutException:
            raise FetchError(url, f"timed out after {self.settings.retries + 1} attempts") from None
        except httpx.HTTPError as exc:
            raise FetchError(url, f"{type(exc).__name__}: {exc} (after {self.settings.retries + 1} attempts)") from None
        if response.status_code >= 400 or response.status_code < 200:
            tries = f" after {self.settings.retries + 1} attempts" if response.status_code in RETRY_STATUSES else ""
            raise FetchError(url, f"HTTP {response.status_code}{tries}", status=response.status_code,
                             content_type=response.headers.get("Content-Type"))
        return response

    def page(self, url: str) -> str:
        response = self.get(url, accept="text/html")
        return check_html(response.content, response.headers.get("Content-Type"), url)

    def json(self, url: str) -> Any:
        response = self.get(url, accept="application/json")
        media = _media_type(response.headers.get("Content-Type"))
        if media not in JSON_TYPES:
            raise FetchError(url, f"expected JSON, got Content-Type {media or 'none'}",
                             content_type=response.headers.get("Content-Type"))
        try:
            return json.loads(response.content)
        except ValueError as exc:
            raise FetchError(url, f"invalid JSON: {exc}") from None

    def download(self, url: str, path: Path, check: Callable[[bytes, str | None, str], object]) -> Downloaded:
        """GET ``url``, run ``check(content, content_type, url)``, then write ``path`` atomically."""
        response = self.get(url, accept="application/pdf,text/csv,*/*;q=0.5")
        content_type = response.headers.get("Content-Type")
        check(response.content, content_type, url)
        write_atomic(path, response.content)
        return Downloaded(url, path, sha256_bytes(response.content), len(response.content), content_type,
                          response.status_code)
