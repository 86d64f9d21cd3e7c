"""The DuckDB store: one embedded file, schema created and migrated by the code.

Readers and writers never meet: ``cscwatch serve`` opens the file read-only, and every command that
writes goes through :func:`updating`, which takes the writer lock, copies the store, writes the
copy and swaps it in with one atomic rename only when everything succeeded. A failed or killed
update leaves the store exactly as it was; the dashboard notices the new file and reopens it.

Each capability package owns its tables in a ``schema`` module holding an append-only list
``MIGRATIONS`` of SQL scripts; a script's position in the list is its version. ``Store.migrate``
applies the pending scripts of every package, each in its own transaction, and records them in
``schema_migration``. Never edit a released script: append a new one.
"""
from __future__ import annotations

import errno
import fcntl
import importlib
import os
import shutil
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

#: Packages that own tables, in dependency order: each has a ``schema`` module with ``MIGRATIONS``
#: (named, not imported, so the core never imports the packages built on it; like Django's apps).
COMPONENTS: tuple[str, ...] = ("register", "warehouse", "risk", "watch", "text", "planner", "returns")

DEFAULT_DATA_DIR = Path("var")
DEFAULT_DB_NAME = "cscwatch.duckdb"


def default_db_path() -> Path:
    """``$CSCWATCH_DB`` if set, else ``$CSCWATCH_DATA_DIR/cscwatch.duckdb`` (data dir default ``./var``)."""
    if os.environ.get("CSCWATCH_DB"):
        return Path(os.environ["CSCWATCH_DB"])
    return Path(os.environ.get("CSCWATCH_DATA_DIR", DEFAULT_DATA_DIR)) / DEFAULT_DB_NAME


def component_migrations(component: str) -> Sequence[str]:
    """The append-only list of SQL scripts of one component (see the module docstring)."""
    return tuple(importlib.import_module(f"cscwatch.{component}.schema").MIGRATIONS)


class Store:
    """A connection to the store file with a transaction helper.

    Open read-only for serving (many readers, no writer lock); read-write for builds.
    ``path=":memory:"`` gives a throwaway store for tests.
    """

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False, migrate: bool = True):
        self.path = Path(path) if path not in (None, ":memory:") else (default_db_path() if path is None else None)
        self.read_only = read_only
        if self.path is not None and not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path is not None and read_only and not self.path.exists():
            from cscwatch.errors import StoreNotBuilt

            raise StoreNotBuilt(f"{self.path}: no store here yet; run `cscwatch build` first")
        target = ":memory:" if self.path is None else str(self.path)
        self.con = _connect(target, read_only)
        self._lock = threading.RLock()
        self._depth = 0
        if migrate and not read_only:
            self.migrate()

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions ----------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All-or-nothing block. Nested calls join the outer transaction."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.con
                finally:
                    self._depth -= 1
                return
            self.con.execute("BEGIN TRANSACTION")
            self._depth = 1
            try:
                yield self.con
            except BaseException:
                self._depth = 0
                self.con.execute("ROLLBACK")
                raise
            else:
                self._depth = 0
                self.con.execute("COMMIT")

    # -- schema ----------------------------------------------------------------------------
    def migrate(self) -> list[tuple[str, int]]:
        """Apply pending migrations; returns the (component, version) pairs applied."""
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migration ("
            " component TEXT NOT NULL, version INTEGER NOT NULL, applied_at TIMESTAMP DEFAULT now(),"
            " PRIMARY KEY (component, version))"
        )
        applied: list[tuple[str, int]] = []
        for component in COMPONENTS:
            done = {
                v for (v,) in self.con.execute(
                    "SELECT version FROM schema_migration WHERE component = ?", [component]
                ).fetchall()
            }
            for version, script in enumerate(component_migrations(component), start=1):
                if version in done:
                    continue
                with self.transaction() as con:
                    con.execute(script)
                    con.execute("INSERT INTO schema_migration (component, version) VALUES (?, ?)",
                                [component, version])
                applied.append((component, version))
        return applied

    # -- reading ---------------------------------------------------------------------------
    def has_table(self, name: str) -> bool:
        row = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchone()
        return bool(row and row[0])

    def rows(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a query and return plain dicts (thread-safe: serialised on this connection)."""
        with self._lock:
            rel = self.con.execute(sql, params or [])
            cols = [d[0] for d in rel.description]
            return [dict(zip(cols, r)) for r in rel.fetchall()]

    def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        with self._lock:
            row = self.con.execute(sql, params or []).fetchone()
        return row[0] if row else None

    def df(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None):
        """Query result as a pandas DataFrame."""
        with self._lock:
            return self.con.execute(sql, params or []).df()


def _connect(target: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    """Open DuckDB, turning its low-level failures into one-line errors that name the file."""
    from cscwatch.errors import StoreBusy, StoreUnreadable

    try:
        return duckdb.connect(target, read_only=read_only)
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            pid = _lock_holder(text)
            raise StoreBusy(f"{target}: the store is being updated by {pid or 'another process'}; "
                            "try again when it finishes") from None
        raise StoreUnreadable(f"{target}: cannot open the store ({_first_line(text)})") from None
    except duckdb.Error as exc:
        raise StoreUnreadable(f"{target}: not a cscwatch store ({_first_line(str(exc))})") from None


def _first_line(text: str) -> str:
    return " ".join(text.strip().splitlines()[0].split())[:200] if text.strip() else "unknown error"


def _lock_holder(text: str) -> str | None:
    import re

    m = re.search(r"PID (\d+)", text)
    return f"PID {m.group(1)}" if m else None


# ---------------------------------------------------------------------------------------------
# Updating without disturbing readers: writer lock, copy, write, atomic swap
# ---------------------------------------------------------------------------------------------

def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def _work_path(path: Path, pid: int) -> Path:
    return path.with_name(f".{path.name}.{pid}.updating")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _take_lock(path: Path) -> int:
    """Hold the writer lock (an flock on ``<store>.lock``, released by the kernel if we die)."""
    from cscwatch.errors import StoreBusy

    fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno not in (errno.EAGAIN, errno.EACCES):
            os.close(fd)
            raise
        holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
        os.close(fd)
        raise StoreBusy(f"{path}: the store is being updated by {holder}; try again when it finishes") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"PID {os.getpid()} ({' '.join(Path(a).name if i == 0 else a for i, a in enumerate(sys.argv))[:120]})"
              .encode(), 0)
    return fd


def _remove(*paths: Path) -> None:
    for p in paths:
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def _clear_abandoned(path: Path) -> None:
    """Copies left by updates that were killed (their PID is gone) are deleted."""
    for leftover in path.parent.glob(f".{path.name}.*.updating*"):
        parts = leftover.name.split(".")
        pid = next((int(x) for x in parts if x.isdigit()), None)
        if pid is None or not _pid_alive(pid) or pid == os.getpid():
            _remove(leftover)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def updating(path: str | Path | None = None) -> Iterator[Store]:
    """A writable copy of the store at ``path``; swapped in atomically if the block succeeds.

    Two writers at once: the second gets :class:`~cscwatch.errors.StoreBusy` naming the first's
    PID. Readers (the dashboard) keep reading the old file until the rename, then reopen.
    """
    target = Path(path) if path is not None else default_db_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = _take_lock(target)
    try:
        _clear_abandoned(target)
        work = _work_path(target, os.getpid())
        wal = Path(str(target) + ".wal")
        if target.exists():
            shutil.copyfile(target, work)
            if wal.exists():                     # an older writer did not checkpoint: keep its data
                shutil.copyfile(wal, Path(str(work) + ".wal"))
        try:
            store = Store(work)
        except BaseException:
            _remove(work, Path(str(work) + ".wal"))
            raise
        try:
            yield store
            store.con.execute("CHECKPOINT")
        except BaseException:
            store.close()
            _remove(work, Path(str(work) + ".wal"))
            raise
        store.close()
        _remove(Path(str(work) + ".wal"))
        _fsync(work)
        _remove(wal)
        os.replace(work, target)
        _fsync(target.parent)
    finally:
        os.close(fd)


def open_store(path: str | Path | None = None, *, read_only: bool = False) -> Store:
    """Open (and migrate) the store at ``path``, ``$CSCWATCH_DB`` or the default data dir."""
    return Store(path, read_only=read_only)
