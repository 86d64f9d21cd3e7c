"""The response cache: a bounded LRU of finished responses per store generation.

Each store generation (see :mod:`cscwatch.web.serving`) has its own cache, so a swapped-in build
is never answered from the old one's responses; a cached entry keeps its body, its gzipped body
(made once, on first demand) and its headers with an ETag.
"""
from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

COMPRESSIBLE = ("text/", "application/json", "application/geo+json", "application/atom+xml",
                "application/xml", "image/svg+xml", "application/javascript")
MIN_GZIP = 1024


@dataclass
class Entry:
    body: bytes
    status: int
    media_type: str
    headers: dict[str, str]
    gzipped: bytes | None = field(default=None, repr=False)

    def gzip_body(self) -> bytes | None:
        """The body gzipped (level 6, once), or None when it is not worth it."""
        if len(self.body) < MIN_GZIP or not self.media_type.startswith(COMPRESSIBLE):
            return None
        if self.gzipped is None:
            self.gzipped = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self.gzipped


def etag(body: bytes, salt: str = "") -> str:
    return '"' + hashlib.blake2b(body + salt.encode(), digest_size=12).hexdigest() + '"'


class ResponseCache:
    """Bounded LRU keyed by (path, sorted query); thread-safe."""

    def __init__(self, maxsize: int = 2048, max_bytes: int = 256 << 20):
        self.maxsize, self.max_bytes = maxsize, max_bytes
        self._data: OrderedDict[Any, Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Any) -> Entry | None:
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: Any, entry: Entry) -> None:
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._data[key] = entry
            self._bytes += len(entry.body)
            while self._data and (len(self._data) > self.maxsize or self._bytes > self.max_bytes):
                _, dropped = self._data.popitem(last=False)
                self._bytes -= len(dropped.body)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._data)


def cache_key(path: str, query: str) -> tuple[str, str]:
    from urllib.parse import parse_qsl

    items = parse_qsl(query, keep_blank_values=True) if query else []
    return path, "&".join(sorted(f"{k}={v}" for k, v in items))
