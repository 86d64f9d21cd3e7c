"""``cscwatch build``: the register and the warehouse from the bundled data, all or nothing.

Order: check every bundled file against ``MANIFEST.csv``; LA identity (``cscwatch.identity``);
the official Ofsted history (``register.official.load_official``); report folders given with
``reports`` (``register.load.ingest_reports``); the warehouse (``warehouse.load.load_warehouse``).
Any failed part raises :class:`~cscwatch.errors.BuildFailed`: run inside
:func:`cscwatch.store.updating` (as the CLI does) the store a user had stays exactly as it was.
Files in a report folder that are not reports are a batch matter, not a failure: each gets its
ledger row with the reason and the rest go in.

Every step is idempotent and skips itself when its inputs are unchanged (SHA-256 compared with
``source_file``); :func:`up_to_date` answers the same question without writing (:func:`stale_parts`
says which parts would change), so a no-op rebuild never copies the store.
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cscwatch import identity, manifest
from cscwatch.errors import BuildFailed, CscwatchError
from cscwatch.warehouse import geo
from cscwatch.store import Store
from cscwatch.warehouse.load import DATA_DIR, LoadSummary, fingerprint as warehouse_fingerprint, is_current, \
    load_warehouse

Progress = Callable[[str], None]
REGISTER_KEY = "build:register_official"
RISK_KEY = "build:risk"


@dataclass
class BuildSummary:
    identity_written: bool = False
    register_rows: int | None = None          # official rows loaded; None when skipped (unchanged)
    register_skipped: bool = False
    reports: dict[str, Any] | None = None
    warehouse: LoadSummary = field(default_factory=LoadSummary)
    text: dict[str, Any] | None = None        # report text classified (cscwatch.text), when reports exist
    risk: dict[str, Any] | None = None        # early-warning scores published (cscwatch.risk), when refitted
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Always true for a summary that was returned: a failed build raises instead."""
        return True

    @property
    def errors(self) -> list[str]:
        return []

    def as_dict(self) -> dict[str, Any]:
        return {"identity_written": self.identity_written, "register_rows": self.register_rows,
                "register_skipped": self.register_skipped, "reports": self.reports,
                "warehouse": self.warehouse.as_dict(), "text": self.text, "risk": self.risk,
                "seconds": round(self.seconds, 3)}


def register_fingerprint(data_dir: Path = DATA_DIR) -> str:
    """SHA-256 over the register's bundled Ofsted files (names and contents)."""
    h = hashlib.sha256()
    folder = data_dir / "ofsted"
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        if path.is_file():
            h.update(path.relative_to(folder).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def _recorded(store: Store, key: str) -> str | None:
    return store.scalar("SELECT sha256 FROM source_file WHERE source_id = ?", [key]) \
        if store.has_table("source_file") else None


def _register_current(store: Store, data_dir: Path) -> bool:
    return _recorded(store, REGISTER_KEY) == register_fingerprint(data_dir) and bool(
        store.has_table("inspection") and store.scalar("SELECT count(*) FROM inspection"))


def _load_register(store: Store, data_dir: Path, say: Progress, summary: BuildSummary, force: bool) -> None:
    from cscwatch.register.official import load_official

    if not force and _register_current(store, data_dir):
        summary.register_skipped = True
        say("register: bundled Ofsted files unchanged, nothing to do")
        return
    say("register: official Ofsted inspection history and the third-party scrape of later inspections")
    summary.register_rows = load_official(store, data_dir / "ofsted")
    with store.transaction() as con:
        con.execute("DELETE FROM source_file WHERE source_id = ?", [REGISTER_KEY])
        con.execute("INSERT INTO source_file VALUES (?, 'ofsted/', ?, ?, ?, 'loaded', NULL)",
                    [REGISTER_KEY, register_fingerprint(data_dir), datetime.now(), summary.register_rows])


def risk_fingerprint(store: Store) -> str:
    """What the early warning is fitted on, summarised: the register, visits, the statistics and their
    publication dates, and the risk package's own code. A change to any refits the model on build."""
    import cscwatch.risk as risk_package

    h = hashlib.sha256()
    for sql in ("SELECT count(*), max(coalesce(start_date, publication_date)), max(publication_date) FROM inspection",
                "SELECT count(*), string_agg(DISTINCT grade, ',' ORDER BY grade) FROM judgement",
                "SELECT count(*), max(visit_date) FROM visit",
                "SELECT count(*), sum(hash(la, period, measure_id, value)) FROM observation",   # exact, any order
                "SELECT count(*), max(published) FROM release"):
        h.update(repr(store.con.execute(sql).fetchall()).encode())
    for module in sorted(Path(risk_package.__file__).parent.glob("*.py")):
        h.update(module.read_bytes())
    return h.hexdigest()


def _publish_risk(store: Store, say: Progress, summary: BuildSummary, force: bool) -> None:
    from cscwatch.risk.publish import publish_scores
    from cscwatch.risk.scores import DateOutsideData

    digest = risk_fingerprint(store)
    if not force and _recorded(store, RISK_KEY) == digest:
        say("risk: register and statistics unchanged, scores stand")
        return
    try:
        summary.risk = publish_scores(store, progress=say)
        status, error = "loaded", None
    except DateOutsideData as exc:      # too little history to fit (e.g. a small test store): no scores
        say(f"risk: no early-warning scores published ({exc})")
        status, error = "skipped", str(exc)
    with store.transaction() as con:
        con.execute("DELETE FROM source_file WHERE source_id = ?", [RISK_KEY])
        con.execute("INSERT INTO source_file VALUES (?, 'risk', ?, ?, NULL, ?, ?)",
                    [RISK_KEY, digest, datetime.now(), status, error])


def _report_paths(reports: Iterable[str | Path] | None) -> list[Path]:
    paths = [Path(p) for p in (reports or [])]
    for p in paths:
        if not p.exists():
            raise BuildFailed(f"{p}: no such report file or folder")
    return paths


def _ingest(store: Store, paths: list[Path], say: Progress, summary: BuildSummary) -> None:
    from cscwatch.register.load import ingest_reports

    say("register: ingesting reports")

    def report_progress(done: int, total: int, file: str) -> None:
        if done == total or done % 25 == 0:
            say(f"register: {done}/{total} report files")

    summary.reports = ingest_reports(store, paths, progress=report_progress).as_dict()


def statistics_folder(store: Store, data_dir: Path) -> Path:
    """Where the warehouse loads from: the bundled folder, or the folder ``cscwatch fetch statistics``
    keeps (newer fetched files, links to the bundled rest) once it has accepted a new version."""
    from cscwatch.watch.statistics import statistics_data_dir

    return statistics_data_dir(store, data_dir) or data_dir


def build_all(store: Store, reports: Iterable[str | Path] | None = None, progress: Progress | None = None,
              *, force: bool = False, data_dir: Path | None = None, risk: bool = True) -> BuildSummary:
    """Build identity, register, warehouse and report themes from the bundled data (and ``reports``
    folders), then publish the early-warning scores (``risk=False`` leaves them as they are).

    ``data_dir`` is another copy of the bundled data folder (default: the package's). Raises
    :class:`BuildFailed` (or the typed error of the part that failed) when any part fails.
    """
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    folder = Path(data_dir) if data_dir is not None else DATA_DIR
    paths = _report_paths(reports)
    summary = BuildSummary()
    say("checking the bundled data against MANIFEST.csv")
    manifest.verify(folder)
    say("identity: local authorities, names, codes and reorganisations")
    summary.identity_written = identity.load_identity(store, folder, force=force)
    _load_register(store, folder, say, summary, force)
    geo.load_geo(store, folder, say, force=force)
    if paths:
        _ingest(store, paths, say, summary)
    summary.warehouse = load_warehouse(store, statistics_folder(store, folder), progress=say, force=force)
    if store.scalar("SELECT count(*) FROM report_file WHERE status <> 'error'"):
        from cscwatch.text.pipeline import classify_reports

        summary.text = classify_reports(store, force=force, progress=say).as_dict()
    if risk:
        _publish_risk(store, say, summary, force)
    summary.seconds = time.perf_counter() - started
    return summary


def stale_parts(store: Store, reports: Iterable[str | Path] | None = None, *,
                data_dir: Path | None = None) -> list[str]:
    """The parts :func:`build_all` would redo (empty: a build would change nothing). Read-only, so
    safe on a store being served; a part that cannot be checked counts as stale (the real build says
    what is wrong)."""
    from cscwatch.register.load import find_report_files, file_sha256
    from cscwatch.text.pipeline import pending

    folder = Path(data_dir) if data_dir is not None else DATA_DIR
    checks: list[tuple[str, Callable[[], bool]]] = [
        ("identity", lambda: _recorded(store, identity.FINGERPRINT_KEY) == identity.fingerprint(folder)),
        ("register", lambda: _register_current(store, folder)),
        ("warehouse", lambda: is_current(store, warehouse_fingerprint(statistics_folder(store, folder)))),
        ("geo", lambda: geo.is_current(store, folder)),
        ("report text", lambda: not pending(store)),
        ("risk", lambda: _recorded(store, RISK_KEY) == risk_fingerprint(store)),
    ]
    paths = _report_paths(reports)
    if paths:
        def reports_current() -> bool:
            ledger = dict(store.con.execute("SELECT path, sha256 FROM report_file").fetchall())
            return all(ledger.get(str(path)) == file_sha256(path) for path, _display in find_report_files(paths))
        checks.append(("reports", reports_current))
    stale = []
    for name, current in checks:
        try:
            if not current():
                stale.append(name)
        except (OSError, CscwatchError):
            stale.append(name)
    return stale


def up_to_date(store: Store, reports: Iterable[str | Path] | None = None, *, data_dir: Path | None = None) -> bool:
    """Whether :func:`build_all` would change nothing (read-only: safe on a store being served)."""
    return not stale_parts(store, reports, data_dir=data_dir)


def ingest(store: Store, paths: Iterable[str | Path], *, workers: int | None = None,
           progress: Callable[[int, int, str], None] | None = None) -> Any:
    """``cscwatch reports ingest``: new report files into the register, then what is derived from
    report text (themes, recommendations) for them; returns the ingest summary."""
    from cscwatch.register.load import ingest_reports
    from cscwatch.text.pipeline import classify_reports

    summary = ingest_reports(store, paths, workers=workers, progress=progress)
    classify_reports(store)
    return summary
