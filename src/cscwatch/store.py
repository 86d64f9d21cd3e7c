"""The DuckDB store: one embedded file, schema created and migrated by the code.

Each capability package owns its tables in a ``schema`` module holding an append-only list
``MIGRATIONS`` of SQL scripts; a script's position in the list is its version. ``Store.migrate``
applies the pending scripts of every package, each in its own transaction, and records them in
``schema_migration``. Never edit a released script: append a new one.
"""
from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

#: Packages that own tables, in dependency order: each has a ``schema`` module with ``MIGRATIONS``
#: (named, not imported, so the core never imports the packages built on it; like Django's apps).
COMPONENTS: tuple[str, ...] = ("register", "warehouse", "returns")

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
        self.con = duckdb.connect(target, read_only=read_only)
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


def open_store(path: str | Path | None = None, *, read_only: bool = False) -> Store:
    """Open (and migrate) the store at ``path``, ``$CSCWATCH_DB`` or the default data dir."""
    return Store(path, read_only=read_only)
