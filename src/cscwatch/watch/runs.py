"""The fetch ledger: one ``watch_run`` row per fetch, one ``watch_file`` row per file fetched or refused.

The lead's freshness report reads these: when each source was last fetched, from where, and
whether that run finished. A run interrupted before it finishes stays ``running`` until the next
run of the same source marks it ``interrupted``.
"""
from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import duckdb

from cscwatch.store import Store

SOURCES = ("ofsted_reports", "ees")


def now() -> datetime:
    """Local wall-clock time to the second (what every ledger timestamp uses)."""
    return datetime.now().replace(microsecond=0)


def data_dir(store: Store) -> Path:
    """Where fetched files live: beside the store file, else ``$CSCWATCH_DATA_DIR`` (default ``./var``)."""
    if store.path is not None:
        return store.path.resolve().parent
    return Path(os.environ.get("CSCWATCH_DATA_DIR", "var")).resolve()


def start_run(store: Store, source: str, base_url: str, since: date | None = None) -> str:
    """Open a run (marking any earlier unfinished run of this source ``interrupted``); returns its id."""
    started = now()
    run_id = f"{source}:{started.isoformat()}"
    with store.transaction() as con:
        con.execute("UPDATE watch_run SET status = 'interrupted', message = coalesce(message, "
                    "'stopped before it finished') WHERE source = ? AND status = 'running'", [source])
        n = con.execute("SELECT count(*) FROM watch_run WHERE run_id LIKE ?", [run_id + "%"]).fetchone()[0]
        if n:                                   # two runs in one second (tests): keep ids unique
            run_id = f"{run_id}#{n}"
        con.execute("INSERT INTO watch_run (run_id, source, base_url, started_at, status, since) "
                    "VALUES (?, ?, ?, ?, 'running', ?)", [run_id, source, base_url, started, since])
    return run_id


def finish_run(store: Store, run_id: str, status: str, *, requests: int, new: int, unchanged: int, failed: int,
               message: str | None = None) -> None:
    with store.transaction() as con:
        con.execute("UPDATE watch_run SET finished_at = ?, status = ?, n_requests = ?, n_new = ?, n_unchanged = ?, "
                    "n_failed = ?, message = ? WHERE run_id = ?",
                    [now(), status, requests, new, unchanged, failed, message, run_id])


def record_file(con: duckdb.DuckDBPyConnection, run_id: str, source: str, url: str, status: str, *,
                http_status: int | None = None, content_type: str | None = None, size_bytes: int | None = None,
                sha256: str | None = None, path: str | Path | None = None, error: str | None = None) -> None:
    """One ``watch_file`` row; call inside the transaction that records what the file changed."""
    con.execute("INSERT INTO watch_file VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, url, source, now(), status, http_status, content_type, size_bytes, sha256,
                 None if path is None else str(path), error])


def last_runs(store: Store) -> list[dict]:
    """The latest run of each source, and the latest that finished ``ok`` (for freshness reports)."""
    return store.rows("""
        SELECT source,
               arg_max(run_id, started_at) AS last_run, max(started_at) AS last_started,
               arg_max(status, started_at) AS last_status,
               max(finished_at) FILTER (WHERE status IN ('ok', 'partial')) AS last_completed
        FROM watch_run GROUP BY source ORDER BY source""")
