"""``cscwatch build``: the register and the warehouse from the bundled data, in one go.

Order: the official Ofsted history (``register.official.load_official``), report folders given
with ``reports`` (``register.load.ingest_reports``), then the warehouse loaders. Every step is
idempotent; a rebuild whose bundled files are unchanged skips the loads (SHA-256 compared with
``source_file``), so it costs well under a second.
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cscwatch.store import Store
from cscwatch.warehouse.load import DATA_DIR, LoadSummary, load_warehouse

Progress = Callable[[str], None]
REGISTER_KEY = "build:register_official"


@dataclass
class BuildSummary:
    register_rows: int | None = None          # official rows loaded; None when skipped (unchanged)
    register_skipped: bool = False
    reports: dict[str, Any] | None = None
    warehouse: LoadSummary = field(default_factory=LoadSummary)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"register_rows": self.register_rows, "register_skipped": self.register_skipped,
                "reports": self.reports, "warehouse": self.warehouse.as_dict(), "errors": self.errors,
                "seconds": round(self.seconds, 3)}


def _register_fingerprint() -> str:
    """SHA-256 over the register's bundled Ofsted files (names and contents)."""
    h = hashlib.sha256()
    folder = DATA_DIR / "ofsted"
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        if path.is_file():
            h.update(path.relative_to(folder).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def _load_register(store: Store, say: Progress, summary: BuildSummary, force: bool) -> None:
    try:
        from cscwatch.register.official import load_official
    except ImportError as exc:          # the register package is developed alongside
        summary.errors.append(f"register: official loader unavailable ({exc})")
        return
    digest = _register_fingerprint()
    recorded = store.scalar("SELECT sha256 FROM source_file WHERE source_id = ?", [REGISTER_KEY]) \
        if store.has_table("source_file") else None
    if not force and recorded == digest and store.has_table("inspection") \
            and store.scalar("SELECT count(*) FROM inspection"):
        summary.register_skipped = True
        say("register: bundled Ofsted files unchanged, nothing to do")
        return
    say("register: official Ofsted inspection history")
    summary.register_rows = load_official(store)
    with store.transaction() as con:
        con.execute("DELETE FROM source_file WHERE source_id = ?", [REGISTER_KEY])
        con.execute("INSERT INTO source_file VALUES (?, 'ofsted/', ?, ?, ?, 'loaded', NULL)",
                    [REGISTER_KEY, digest, datetime.now(), summary.register_rows])


def build_all(store: Store, reports: Iterable[str | Path] | None = None, progress: Progress | None = None,
              *, force: bool = False) -> BuildSummary:
    """Build register + warehouse from the bundled data (and ``reports`` folders, if given)."""
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    summary = BuildSummary()
    _load_register(store, say, summary, force)
    if reports:
        from cscwatch.register.load import ingest_reports

        say("register: ingesting reports")

        def report_progress(done: int, total: int, file: str) -> None:
            if done == total or done % 25 == 0:
                say(f"register: {done}/{total} report files")

        result = ingest_reports(store, list(reports), progress=report_progress)
        summary.reports = result.as_dict()
    summary.warehouse = load_warehouse(store, progress=say, force=force)
    summary.errors += summary.warehouse.errors
    if store.scalar("SELECT count(*) FROM report_file WHERE status <> 'error'"):
        from cscwatch.text.pipeline import classify_reports

        text = classify_reports(store, force=force, progress=say)
        summary.errors += [f"text: {e}" for e in text.errors]
    summary.seconds = time.perf_counter() - started
    return summary
