"""Serve one store file while it is rebuilt: generations of read-only stores, swapped atomically.

``cscwatch build`` and ``reports ingest`` never write the file the dashboard reads: they write a
copy and rename it over the store (:func:`cscwatch.store.updating`). The server never holds a write
lock (it opens read-only) and notices the rename by the path's inode changing (a cheap ``stat``
from a watcher thread). It then opens the new file in the background while the old one keeps
answering, warms it (loads every figure the pages read), and swaps it in with one assignment; then
a background thread makes what takes seconds (the default inspection plan). The old generation is
closed once its last request finished and a grace period passed.

DuckDB keeps one database instance per path inside a process, so reconnecting to the same path
after the file was replaced would return the *old* data. Each generation therefore opens a fresh
hard link to the new inode (``.<name>.serving-<inode>`` beside the store); links left by a killed
server are removed at start. Unlinking a name never disturbs a file that is open.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cscwatch.store import Store
from cscwatch.web.cache import ResponseCache

log = logging.getLogger("cscwatch.web")
GRACE_SECONDS = 30.0
POLL_SECONDS = 0.5


class CursorPerCall:
    """A served store's connection, safe from any thread: each ``execute`` runs on its own DuckDB
    cursor (a connection to the same database), so code that queries ``store.con`` directly from a
    request thread never meets another thread's query ("connection is busy")."""

    def __init__(self, con: Any):
        self._con = con

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        return self._con.cursor().execute(*args, **kwargs)

    def cursor(self) -> Any:
        return self._con.cursor()

    def close(self) -> None:
        self._con.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def serve_store(store: Store) -> Store:
    """Make a read-only store safe to query from many threads at once."""
    if store.read_only and not isinstance(store.con, CursorPerCall):
        store.con = CursorPerCall(store.con)  # type: ignore[assignment]
    return store


class Generation:
    """One opened store file with everything built from it: its response cache and warm state."""

    def __init__(self, store: Store, *, ident: str, link: Path | None = None):
        self.store = serve_store(store)
        self.id = ident
        self.link = link
        self.opened = time.time()
        self.cache = ResponseCache()
        self.warm_state = "cold"
        self.background_state = "pending"
        self._active = 0
        self._lock = threading.Lock()
        self.retired_at: float | None = None

    @contextmanager
    def use(self) -> Iterator[Generation]:
        with self._lock:
            self._active += 1
        try:
            yield self
        finally:
            with self._lock:
                self._active -= 1

    @property
    def idle(self) -> bool:
        return self._active == 0

    def warm(self, extra: Callable[[Generation], None] | None = None) -> None:
        """Load what every page reads (benchmark arrays, directory, overview, lists)."""
        from cscwatch.contexts.snapshot import snapshot
        from cscwatch.identity import directory

        self.warm_state = "warming"
        snapshot(self.store).warm()
        directory(self.store)
        if extra is not None:
            extra(self)
        self.warm_state = "warm"

    def warm_background(self, work: Callable[[Generation], None] | None) -> None:
        """What takes seconds and no page should wait for at start (a page asking for it meanwhile
        waits for this same computation, never starts a second one)."""
        if work is None:
            self.background_state = "done"
            return
        self.background_state = "running"
        try:
            work(self)
        except Exception as exc:                         # the page computes it (and reports) when asked
            log.warning("cscwatch: background warm-up failed: %s: %s", type(exc).__name__, exc)
            self.background_state = "failed"
            return
        self.background_state = "done"

    def close(self) -> None:
        try:
            self.store.close()
        finally:
            if self.link is not None:
                _unlink(self.link)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _identity(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def serving_links(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f".{path.name}.serving-*"))


class Generations:
    """The current generation of a served store, and the machinery that replaces it.

    ``Generations.fixed(store)`` serves one store object as it is (tests, ``--get``);
    ``Generations.watching(path)`` serves a store file and follows its rebuilds.
    """

    def __init__(self, *, warm_extra: Callable[[Generation], None] | None = None,
                 background: Callable[[Generation], None] | None = None):
        self.path: Path | None = None
        self.warm_extra = warm_extra
        self.background = background
        self._current: Generation | None = None
        self._seen: tuple[int, int, int] | None = None
        self._retired: list[Generation] = []
        self._lock = threading.Lock()
        self._opening = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.swaps = 0
        self.last_error: str | None = None

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def fixed(cls, store: Store, *, warm_extra: Callable[[Generation], None] | None = None,
              background: Callable[[Generation], None] | None = None) -> Generations:
        g = cls(warm_extra=warm_extra, background=background)
        g._current = Generation(store, ident="fixed")
        return g

    @classmethod
    def watching(cls, path: str | Path, *, warm_extra: Callable[[Generation], None] | None = None,
                 background: Callable[[Generation], None] | None = None) -> Generations:
        g = cls(warm_extra=warm_extra, background=background)
        g.path = Path(path).resolve()
        for stale in serving_links(g.path):            # links of a server that was killed
            _unlink(stale)
        g._current = g._open()
        return g

    # -- the current generation ------------------------------------------------------------
    @property
    def current(self) -> Generation:
        assert self._current is not None
        return self._current

    def _open(self) -> Generation:
        """Open the file now at ``path`` through a fresh hard link named after its inode."""
        from cscwatch.errors import StoreNotBuilt

        assert self.path is not None
        seen = _identity(self.path)
        if seen is None:
            raise StoreNotBuilt(f"{self.path}: no store here yet; run `cscwatch build` first")
        link = self.path.with_name(f".{self.path.name}.serving-{seen[0]}-{time.monotonic_ns()}")
        try:
            os.link(self.path, link)
        except OSError:                                # no hard links here: open the path itself
            link = None
        target = link or self.path
        ino = target.stat().st_ino
        try:
            store = Store(target, read_only=True)
        except BaseException:
            if link is not None:
                _unlink(link)
            raise
        self._seen = seen if seen[0] == ino else _identity(self.path)
        return Generation(store, ident=f"{ino}-{seen[1]}", link=link)

    def warm_current(self, *, background: bool = True) -> None:
        """Warm the current generation, then (``background``) do its slow work in this thread too."""
        self.current.warm(self.warm_extra)
        if background:
            self.current.warm_background(self.background)

    # -- following rebuilds ----------------------------------------------------------------
    def changed(self) -> bool:
        return self.path is not None and _identity(self.path) not in (None, self._seen)

    def check(self, *, wait: bool = False) -> bool:
        """Start opening the new file if the path changed; True when a swap happened (``wait``)."""
        if not self.changed():
            self._reap()
            return False
        with self._lock:
            if self._opening:
                return False
            self._opening = True
        if wait:
            return self._replace()
        threading.Thread(target=self._replace, name="cscwatch-swap", daemon=True).start()
        return False

    def _replace(self) -> bool:
        try:
            new = self._open()
            new.warm(self.warm_extra)
        except Exception as exc:                        # a half-written or foreign file: keep serving
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.warning("cscwatch: could not open the new store (%s); still serving the old one", self.last_error)
            with self._lock:
                self._opening = False
            return False
        with self._lock:
            old, self._current = self._current, new
            self._opening = False
            self.swaps += 1
            if old is not None:
                old.retired_at = time.monotonic()
                self._retired.append(old)
        threading.Thread(target=new.warm_background, args=(self.background,), name="cscwatch-background",
                         daemon=True).start()
        self._reap()
        return True

    def _reap(self, *, force: bool = False) -> None:
        now = time.monotonic()
        with self._lock:
            done = [g for g in self._retired if force or (g.idle and now - (g.retired_at or now) >= GRACE_SECONDS)]
            self._retired = [g for g in self._retired if g not in done]
        for g in done:
            g.close()

    def start(self) -> None:
        """Watch the path from a background thread."""
        if self.path is None or self._thread is not None:
            return

        def loop() -> None:
            while not self._stop.wait(POLL_SECONDS):
                try:
                    self.check()
                except Exception as exc:                # never let the watcher die
                    self.last_error = f"{type(exc).__name__}: {exc}"

        self._thread = threading.Thread(target=loop, name="cscwatch-watch", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._reap(force=True)
        if self.path is not None and self._current is not None:
            self._current.close()

    def describe(self) -> dict[str, Any]:
        g = self.current
        return {"id": g.id, "opened": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(g.opened)),
                "swaps": self.swaps, "warm": g.warm_state == "warm", "last_error": self.last_error}
