"""Ingest parsed report files into the store: file ledger, page text and the report source layer.

Files whose SHA-256 is already in the ledger are skipped before any parsing (hashing is cheap,
parsing is not). The rest are parsed in parallel, one process per core, and each file is written
in its own transaction as soon as its result arrives, so a crash mid-batch loses only the files
not yet written, and a re-run picks up where it stopped. A file whose content changed (same path,
new SHA-256) has its old rows replaced inside that one transaction. Files that cannot be parsed
get a ledger row with the reason; the rest of the batch still goes in. After the batch the
reconciled register is rebuilt (:func:`cscwatch.register.reconcile.reconcile`).
"""
from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import duckdb

from cscwatch.register.model import ParsedReport
from cscwatch.register.reconcile import ReconcileSummary, insert_rows, reconcile
from cscwatch.register.text import MAX_REPORT_BYTES, ReportFileError, display_path
from cscwatch.register.worker import DEFAULT_LIMITS, ParseLimits, limit_message, run_bounded
from cscwatch.store import Store

#: ``progress(done, total, file)`` is called once per file handled (skipped files included).
Progress = Callable[[int, int, str], None]

#: Report doc_type -> framework, for parser results that leave the framework open.
DOC_TYPE_FRAMEWORK = {"legacy": "legacy", "sif": "SIF"}


@dataclass
class IngestSummary:
    """What one ``ingest_reports`` call did, file by file."""

    new: int = 0                 # files stored for the first time (parsed or no judgements)
    unchanged: int = 0           # skipped: their SHA-256 was already stored
    replaced: int = 0            # known path, new content: old rows replaced
    failed: list[tuple[str, str]] = field(default_factory=list)   # (file, reason)
    no_judgements: int = 0       # of new + replaced: real reports without grades (letters)
    #: (file, warning) for every typed parse warning of the files parsed in this batch
    warnings: list[tuple[str, str]] = field(default_factory=list)
    reconciled: ReconcileSummary | None = None

    @property
    def total(self) -> int:
        return self.new + self.unchanged + self.replaced + len(self.failed)

    def as_dict(self) -> dict[str, object]:
        return {
            "new": self.new, "unchanged": self.unchanged, "replaced": self.replaced,
            "no_judgements": self.no_judgements,
            "failed": [{"file": f, "reason": r} for f, r in self.failed],
            "warnings": [{"file": f, "warning": w} for f, w in self.warnings],
        }


@dataclass(frozen=True)
class _Candidate:
    path: str          # resolved absolute path as text (undecodable bytes escaped): the ledger key
    display: str       # as the user sees it
    sha256: str
    size_bytes: int
    fs_path: str = ""  # the path to open (may hold bytes that are not UTF-8)


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a regular file's bytes; ReportFileError for a FIFO, socket or device (never blocks)."""
    h = hashlib.sha256()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        raise ReportFileError(f"cannot read file: {err.strerror or err}") from None
    with open(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ReportFileError("not a regular file (a FIFO, socket, device or directory)")
        if info.st_size > MAX_REPORT_BYTES:
            raise ReportFileError(f"file too large for a report: {info.st_size / 2**20:.0f} MB")
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def find_report_files(paths: Iterable[str | Path]) -> list[tuple[Path, str]]:
    """Files to ingest, as the parser finds them: (resolved path, display name)."""
    from cscwatch.register.parse import iter_report_files

    return list(iter_report_files(list(paths)))


def _parse_file(path: str, display: str, sha256: str, size_bytes: int) -> ParsedReport:
    """Parse one file in a worker; any unexpected failure becomes an error result, never a crash.

    ``path`` is the path to open; the caller re-keys the result by its ledger path.
    """
    from cscwatch.register.parse import parse_report

    try:
        report = parse_report(path, display, keep_text=True)
    except MemoryError:
        raise   # the worker pool names the memory limit
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the batch
        reason = getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}"
        return ParsedReport(file=display, path=path, sha256=sha256, size_bytes=size_bytes, status="error",
                            error=str(reason))
    return replace(report, file=display)


def _framework(report: ParsedReport) -> str | None:
    if report.framework:
        return report.framework
    if report.doc_type in DOC_TYPE_FRAMEWORK:
        return DOC_TYPE_FRAMEWORK[report.doc_type]
    if report.doc_type and report.doc_type.startswith("ilacs"):
        return "ILACS-2023" if report.care_split else "ILACS"
    return None


def _checked(report: ParsedReport) -> ParsedReport:
    """A parsed report must name its LA and framework to enter the source layer."""
    if report.status != "parsed":
        return report
    if not report.la_code_old:
        return replace(report, status="error", error=report.error or "parsed, but no LA code")
    if not _framework(report):
        return replace(report, status="error", error=report.error or "parsed, but no inspection framework")
    return report


def _drop_content(con: duckdb.DuckDBPyConnection, sha256: str) -> None:
    sid = f"report:{sha256}"
    con.execute("DELETE FROM source_judgement WHERE source_id = ?", [sid])
    con.execute("DELETE FROM source_inspection WHERE source_id = ?", [sid])
    con.execute("DELETE FROM report_page WHERE sha256 = ?", [sha256])
    con.execute("DELETE FROM report_warning WHERE sha256 = ?", [sha256])
    con.execute("DELETE FROM visit WHERE visit_id = ?", [sid])


def _write_visit(con: duckdb.DuckDBPyConnection, report: ParsedReport) -> None:
    """A letter (focused visit, monitoring visit, JTAI) as an ungraded event beside Ofsted's list."""
    if not (report.visit_type and report.la_code_old and report.inspection_start):
        return
    con.execute(
        "INSERT INTO visit (visit_id, la_code_old, la_code_new, visit_type, visit_date, publication_date, theme,"
        " source, end_date, la_name, lead_inspector, priority_action, priority_actions, report_sha256)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 'report', ?, ?, ?, ?, ?, ?)",
        [f"report:{report.sha256}", report.la_code_old, report.la_code_new, report.visit_type,
         report.inspection_start, report.publication_date, report.theme, report.inspection_end, report.la_name,
         report.lead_inspector, report.priority_action or bool(report.priority_actions),
         "\n".join(report.priority_actions) or None, report.sha256])


def write_report(store: Store, report: ParsedReport) -> None:
    """Store one file's ledger row, page text and (when parsed) its source inspection, atomically.

    Replaces whatever the ledger held for the same path; content rows of an old version are
    dropped unless another path still holds the same bytes.
    """
    report = _checked(report)
    sha = report.sha256
    with store.transaction() as con:
        old = con.execute("SELECT sha256 FROM report_file WHERE path = ?", [report.path]).fetchone()
        con.execute("DELETE FROM report_file WHERE path = ?", [report.path])
        if old and old[0] != sha:
            others = con.execute("SELECT count(*) FROM report_file WHERE sha256 = ?", [old[0]]).fetchone()[0]
            if not others:
                _drop_content(con, old[0])
        _drop_content(con, sha)
        con.execute(
            "INSERT INTO report_file (path, sha256, size_bytes, status, error, doc_type, n_pages, ingested_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [report.path, sha, report.size_bytes, report.status, report.error, report.doc_type,
             len(report.pages) if report.pages else None, datetime.now().replace(microsecond=0)],
        )
        insert_rows(con, "report_page", ("sha256", "page", "text"),
                    [(sha, i, text) for i, text in enumerate(report.pages, start=1)])
        if sha:
            insert_rows(con, "report_warning", ("sha256", "field", "code", "message"),
                        [(sha, w.field, w.code, w.message) for w in report.warnings])
        if report.status == "no_judgements":
            _write_visit(con, report)
        if report.status != "parsed":
            return
        sid = f"report:{sha}"
        con.execute(
            "INSERT INTO source_inspection (source_id, source, source_ref, la_code_old, la_code_new, la_name,"
            " framework, inspection_type, doc_type, start_date, end_date, publication_date, lead_inspector,"
            " care_split) VALUES (?, 'report', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [sid, sha, report.la_code_old, report.la_code_new, report.la_name, _framework(report),
             report.inspection_type, report.doc_type, report.inspection_start, report.inspection_end,
             report.publication_date, report.lead_inspector, report.care_split],
        )
        insert_rows(con, "source_judgement", ("source_id", "judgement", "grade"),
                    [(sid, key, grade.value) for key, grade in sorted(report.judgements.items())])


def _copy_ledger_row(store: Store, cand: _Candidate) -> None:
    """Record a new path for bytes already stored (a copy or a rename): no parsing needed."""
    with store.transaction() as con:
        old = con.execute("SELECT sha256 FROM report_file WHERE path = ?", [cand.path]).fetchone()
        con.execute("DELETE FROM report_file WHERE path = ?", [cand.path])
        if old and old[0] != cand.sha256:
            others = con.execute("SELECT count(*) FROM report_file WHERE sha256 = ?", [old[0]]).fetchone()[0]
            if not others:
                _drop_content(con, old[0])
        con.execute(
            "INSERT INTO report_file (path, sha256, size_bytes, status, error, doc_type, n_pages, ingested_at)"
            " SELECT ?, sha256, size_bytes, status, error, doc_type, n_pages, ? FROM report_file"
            " WHERE sha256 = ? ORDER BY path LIMIT 1",
            [cand.path, datetime.now().replace(microsecond=0), cand.sha256],
        )


def _parse_all(todo: Sequence[_Candidate], workers: int | None, limits: ParseLimits | None,
               on_result: Callable[[_Candidate, ParsedReport], None]) -> None:
    """Parse candidates in bounded worker processes, handing each result over as soon as it is ready.

    ``limits=None`` parses in this process, unbounded (for tests with a stand-in parser).
    """
    if limits is None:
        for cand in todo:
            on_result(cand, _parse_file(cand.fs_path or cand.path, cand.display, cand.sha256, cand.size_bytes))
        return

    def done(index: int, report: ParsedReport | None, error: BaseException | None) -> None:
        cand = todo[index]
        if report is None:   # the worker timed out, died or ran out of memory
            report = ParsedReport(file=cand.display, path=cand.path, sha256=cand.sha256,
                                  size_bytes=cand.size_bytes, status="error", error=limit_message(error, limits))
        on_result(cand, report)

    run_bounded(_parse_file, [(c.fs_path or c.path, c.display, c.sha256, c.size_bytes) for c in todo],
                workers=max(1, workers or os.cpu_count() or 1), limits=limits, on_result=done)


def ingest_reports(store: Store, paths: Iterable[str | Path], *, workers: int | None = None,
                   progress: Progress | None = None,
                   limits: ParseLimits | None = DEFAULT_LIMITS) -> IngestSummary:
    """Parse report files or folders into the store and rebuild the reconciled register.

    Returns what happened to each file: new, unchanged (SHA-256 already stored: not parsed),
    replaced (same path, new content), failed (with the reason, also kept in the ledger), how
    many stored files were real reports without judgements, and every typed warning of the files
    parsed. Each file is parsed in a worker process within ``limits`` (time and memory per file);
    ``limits=None`` parses in this process (tests with a stand-in parser).
    """
    summary = IngestSummary()
    files = find_report_files(paths)
    total = len(files)
    done = 0

    def tick(display: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, display)

    ledger = dict(store.con.execute("SELECT path, sha256 FROM report_file").fetchall())
    stored = set(ledger.values())
    todo: list[_Candidate] = []
    queued: dict[str, _Candidate] = {}
    duplicates: list[_Candidate] = []
    for path, display in files:
        key = display_path(path)
        try:
            cand = _Candidate(key, display, file_sha256(path), os.path.getsize(path), fs_path=str(path))
        except ReportFileError as exc:
            summary.failed.append((display, str(exc)))
            tick(display)
            continue
        except OSError as exc:
            summary.failed.append((display, f"cannot read file: {exc.strerror or exc}"))
            tick(display)
            continue
        if cand.sha256 in stored:
            if ledger.get(key) != cand.sha256:
                _copy_ledger_row(store, cand)
            summary.unchanged += 1
            tick(display)
        elif cand.sha256 in queued:
            duplicates.append(cand)     # same bytes twice in this batch: parse once
        else:
            queued[cand.sha256] = cand
            todo.append(cand)

    outcome: dict[str, ParsedReport] = {}

    def count(cand: _Candidate, checked: ParsedReport) -> None:
        if checked.status == "error":
            summary.failed.append((cand.display, checked.error or "unknown error"))
        elif ledger.get(cand.path) is not None:
            summary.replaced += 1
        else:
            summary.new += 1
        if checked.status == "no_judgements":
            summary.no_judgements += 1
        tick(cand.display)

    def on_result(cand: _Candidate, report: ParsedReport) -> None:
        # The ledger is keyed by the path as listed; the parser's SHA-256 is kept (it read the bytes).
        report = replace(report, path=cand.path, file=cand.display)
        write_report(store, report)
        outcome[cand.sha256] = _checked(report)
        summary.warnings.extend((cand.display, str(w)) for w in report.warnings)
        count(cand, outcome[cand.sha256])

    _parse_all(todo, workers, limits, on_result)
    for cand in duplicates:     # same bytes as a file parsed above: same outcome, no second parse
        _copy_ledger_row(store, cand)
        count(cand, outcome[cand.sha256])
    summary.reconciled = reconcile(store)
    return summary
