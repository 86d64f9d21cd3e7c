"""Ingest returns: read, check, pseudonymise, minimise and store; then refresh the LA's figures.

Each file is one all-or-nothing unit (one transaction): a file that fails a check stores nothing
and is recorded in the ``return_file`` ledger with its one-line error; the rest of the batch goes
on. Files are keyed by SHA-256, so re-ingesting an unchanged file is a no-op and a changed one
replaces the rows of the same LA, year and table.
"""
from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from cscwatch.errors import CscwatchError, ReturnFormatError
from cscwatch.returns.pseudonymise import Pseudonymiser, birth_month, load_secret
from cscwatch.returns.read import CinChild, CinHeader, iter_cin, read_ssda903_csv, sniff
from cscwatch.returns.spec import SSDA903_KEEP
from cscwatch.store import Store

log = logging.getLogger("cscwatch.returns")

CHUNK_CHILDREN = 20_000


@dataclass
class FileOutcome:
    file_name: str
    la_code_old: str
    year: int
    kind: str | None
    status: str                   # loaded / unchanged / error
    n_rows: int = 0
    error: str | None = None


@dataclass
class IngestResult:
    files: list[FileOutcome] = field(default_factory=list)
    measures: int = 0

    @property
    def errors(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_rows(self) -> list[dict[str, Any]]:
        return [f.__dict__ for f in self.files]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def return_files(folder: Path) -> list[Path]:
    """The return files in a folder (SSDA903 .csv tables, CIN .xml), in name order."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in (".csv", ".xml"))


_TREE_LA = re.compile(r"^\d{3}$")
_TREE_YEAR = re.compile(r"^\d{4}$")


def tree_returns(root: Path) -> Iterator[tuple[str, int, Path]]:
    """``root/<la_code_old>/<year>/`` folders (what ``returns synth`` writes)."""
    for la_dir in sorted(p for p in root.iterdir() if p.is_dir() and _TREE_LA.match(p.name)):
        for year_dir in sorted(p for p in la_dir.iterdir() if p.is_dir() and _TREE_YEAR.match(p.name)):
            yield la_dir.name, int(year_dir.name), year_dir


def is_tree(path: Path) -> bool:
    return path.is_dir() and any(True for _ in tree_returns(path))


def _resolve(store: Store, la: str) -> str:
    from cscwatch.identity import resolve_la

    return resolve_la(store, la)["la_code_old"]


def ssda903_frame(table: str, rows: list[dict[str, Any]], la: str, year: int,
                  p: Pseudonymiser) -> tuple[str, pd.DataFrame] | None:
    """The store rows an SSDA903 table gives (pseudonymised, minimised), or None for a table the
    measures do not use (read and checked, never stored)."""
    if table not in SSDA903_KEEP:
        return None
    target, keeps = SSDA903_KEEP[table]
    out = []
    for rec in rows:
        values: list[Any] = [la, year]
        for k in keeps:
            v = rec.get(k.source)
            if k.how == "hmac":
                v = p.child_key(la, v)
            elif k.how == "month":
                v = birth_month(v)
            elif k.how == "code":
                v = v or None
            values.append(v)
        if target == "cla_episode":
            values.append(rec["_row"] - 1)
        out.append(values)
    columns = ["la_code_old", "year", *[k.column for k in keeps], *(["row_no"] if target == "cla_episode" else [])]
    return target, pd.DataFrame(out, columns=columns)


CIN_COLUMNS = {
    "cin_referral": ["la_code_old", "year", "child_key", "cin_id", "referral_date", "referral_nfa", "closure_date",
                     "reason_for_closure", "primary_need"],
    "cin_assessment": ["la_code_old", "year", "child_key", "cin_id", "start_date", "authorised_date"],
    "cin_s47": ["la_code_old", "year", "child_key", "cin_id", "start_date", "icpc_date", "icpc_not_required"],
    "cin_cpp": ["la_code_old", "year", "child_key", "cin_id", "start_date", "end_date", "previous_cpp"],
}


def cin_frames(children: list[CinChild], la: str, year: int, p: Pseudonymiser) -> dict[str, pd.DataFrame]:
    """The store rows of a batch of CIN children: keyed ids, only the dates the measures use."""
    ref, asmt, s47, cpp = [], [], [], []
    for c in children:
        key = p.child_key(la, c.child_id)
        for i, e in enumerate(c.episodes, start=1):
            ref.append((la, year, key, i, e["referral_date"], e["referral_nfa"], e["closure_date"],
                        e["reason_for_closure"], e["primary_need"]))
            asmt += [(la, year, key, i, a["start_date"], a["authorised_date"]) for a in e["assessments"]]
            s47 += [(la, year, key, i, s["start_date"], s["icpc_date"], s["icpc_not_required"]) for s in e["s47"]]
            cpp += [(la, year, key, i, c_["start_date"], c_["end_date"], c_["previous_cpp"]) for c_ in e["cpp"]]
    return {t: pd.DataFrame(rows, columns=CIN_COLUMNS[t])
            for t, rows in (("cin_referral", ref), ("cin_assessment", asmt), ("cin_s47", s47), ("cin_cpp", cpp))}


def insert_frame(con, table: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    cols = ", ".join(frame.columns)
    con.register("_returns_chunk", frame)
    try:
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _returns_chunk")
    finally:
        con.unregister("_returns_chunk")


class Loader:
    """Writes one file's rows; holds the pseudonymiser so the secret is read once per run."""

    def __init__(self, store: Store, pseudonymiser: Pseudonymiser):
        self.store = store
        self.p = pseudonymiser

    def _ledger(self, con, la: str, year: int, kind: str, path: Path, sha: str, status: str,
                error: str | None, n_rows: int) -> None:
        con.execute("DELETE FROM return_file WHERE la_code_old = ? AND year = ? AND kind = ?", [la, year, kind])
        con.execute("INSERT INTO return_file VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [la, year, kind, path.name, sha, status, error, n_rows, datetime.now()])

    def unchanged(self, la: str, year: int, kind: str, sha: str) -> bool:
        return bool(self.store.scalar(
            "SELECT count(*) FROM return_file WHERE la_code_old = ? AND year = ? AND kind = ? AND sha256 = ? "
            "AND status = 'loaded'", [la, year, kind, sha]))

    def ssda903(self, path: Path, la: str, year: int, sha: str) -> FileOutcome:
        parsed = read_ssda903_csv(path, year)
        kind = f"ssda903_{parsed.table}"
        if self.unchanged(la, year, kind, sha):
            return FileOutcome(path.name, la, year, kind, "unchanged", len(parsed.rows))
        made = ssda903_frame(parsed.table, parsed.rows, la, year, self.p)
        with self.store.transaction() as con:
            if made:
                table, frame = made
                con.execute(f"DELETE FROM {table} WHERE la_code_old = ? AND year = ?", [la, year])
                insert_frame(con, table, frame)
            self._ledger(con, la, year, kind, path, sha, "loaded", None, len(parsed.rows))
        return FileOutcome(path.name, la, year, kind, "loaded", len(parsed.rows))

    def cin(self, path: Path, la: str, year: int, sha: str) -> FileOutcome:
        if self.unchanged(la, year, "cin", sha):
            return FileOutcome(path.name, la, year, "cin", "unchanged")
        stream = iter_cin(path, year)
        header = next(stream)
        assert isinstance(header, CinHeader)
        self._check_header(path, header, la, year)
        n = 0
        with self.store.transaction() as con:
            for table in CIN_COLUMNS:
                con.execute(f"DELETE FROM {table} WHERE la_code_old = ? AND year = ?", [la, year])
            batch: list[CinChild] = []
            for child in stream:
                assert isinstance(child, CinChild)
                batch.append(child)
                if len(batch) >= CHUNK_CHILDREN:
                    n += self._write_cin(con, batch, la, year)
                    batch = []
            n += self._write_cin(con, batch, la, year)
            self._ledger(con, la, year, "cin", path, sha, "loaded", None, n)
        return FileOutcome(path.name, la, year, "cin", "loaded", n)

    @staticmethod
    def _check_header(path: Path, h: CinHeader, la: str, year: int) -> None:
        if (h.collection or "").upper() != "CIN":
            raise ReturnFormatError(path, "not a CIN census: Header/CollectionDetails/Collection is not CIN",
                                    row=1, column="Collection")
        if h.la_code_old and h.la_code_old != la:
            raise ReturnFormatError(path, f"the file is LA {h.la_code_old}'s census, not LA {la}'s",
                                    row=1, column="LEA")
        if h.year and h.year != year:
            raise ReturnFormatError(path, f"the file is the {h.year} census, not {year}'s", row=1, column="Year")

    def _write_cin(self, con, children: list[CinChild], la: str, year: int) -> int:
        frames = cin_frames(children, la, year, self.p)
        for table, frame in frames.items():
            insert_frame(con, table, frame)
        return len(frames["cin_referral"])


def _record_error(store: Store, la: str, year: int, path: Path, sha: str, err: CscwatchError) -> FileOutcome:
    kind = "cin" if path.suffix.lower() == ".xml" else f"ssda903_file:{path.name}"
    with store.transaction() as con:
        if not store.scalar("SELECT count(*) FROM return_file WHERE la_code_old = ? AND year = ? AND kind = ? "
                            "AND status = 'loaded'", [la, year, kind]):
            con.execute("DELETE FROM return_file WHERE la_code_old = ? AND year = ? AND kind = ?", [la, year, kind])
            con.execute("INSERT INTO return_file VALUES (?, ?, ?, ?, ?, 'error', ?, 0, ?)",
                        [la, year, kind, path.name, sha, str(err), datetime.now()])
    log.warning("returns: %s", err)
    return FileOutcome(path.name, la, year, None, "error", error=str(err))


def ingest_return(store: Store, files: list[Path], la: str, year: int, loader: Loader) -> list[FileOutcome]:
    """One LA's return for one year: each file on its own; errors recorded, the rest loaded."""
    out = []
    for path in files:
        sha = sha256_file(path)
        try:
            kind = sniff(path)
            outcome = loader.ssda903(path, la, year, sha) if kind == "ssda903" else loader.cin(path, la, year, sha)
            log.info("returns: %s %s %s: %s (%s rows)", la, year, path.name, outcome.status, outcome.n_rows)
        except CscwatchError as err:
            outcome = _record_error(store, la, year, path, sha, err)
        out.append(outcome)
    return out


def ingest(store: Store, path: str | Path, *, la: str | None = None, year: int | None = None,
           secret: bytes | None = None, progress: Callable[[str], None] | None = None,
           refresh: bool = True) -> IngestResult:
    """Ingest one return (a folder or a file, with ``la`` and ``year``) or a tree
    ``PATH/<la_code_old>/<year>/`` (LA and year from the folders); then recompute the provisional
    figures of every LA touched."""
    path = Path(path)
    if not path.exists():
        raise CscwatchError(f"{path}: no such file or folder")
    loader = Loader(store, Pseudonymiser(secret or load_secret()))
    result = IngestResult()
    if la is None and year is None and is_tree(path):
        jobs = [(code, y, return_files(folder)) for code, y, folder in tree_returns(path)]
    elif la is None or year is None:
        raise CscwatchError(f"{path}: give --la and --year for a single return, or a folder laid out as "
                            "<la_code_old>/<year>/ (what `cscwatch returns synth` writes)")
    else:
        if not 2000 <= year <= 2100:
            raise CscwatchError(f"--year {year}: give the year the collection ends (e.g. 2025 for 2024-25)")
        jobs = [(la, year, return_files(path) if path.is_dir() else [path])]
    touched: set[str] = set()
    for code, y, files in jobs:
        try:
            code = _resolve(store, code)
        except CscwatchError as err:
            if len(jobs) == 1:
                raise
            result.files.extend(FileOutcome(f.name, code, y, None, "error", error=f"{f}: {err}") for f in files)
            continue
        if progress:
            progress(f"returns: {code} {y}: {len(files)} files")
        outcomes = ingest_return(store, files, code, y, loader)
        result.files.extend(outcomes)
        if any(o.status == "loaded" for o in outcomes):
            touched.add(code)
    if refresh and touched:
        from cscwatch.returns.provisional import refresh_provisional

        result.measures = refresh_provisional(store, sorted(touched))
    return result


CHILD_TABLES = ("cla_child", "cla_episode", "cla_care_leaver", "cin_referral", "cin_assessment", "cin_s47", "cin_cpp",
                "return_issue", "return_file")


def remove_returns(store: Store, la: str, *, year: int | None = None) -> dict[str, int]:
    """Delete an LA's child-level rows, issues and ledger (one year or all), then recompute or drop
    its provisional figures: for retention schedules, withdrawn files and the demo data."""
    code = _resolve(store, la)
    where, params = "la_code_old = ?", [code]
    if year is not None:
        where += " AND year = ?"
        params.append(year)
    removed = {}
    with store.transaction() as con:
        for table in CHILD_TABLES:
            removed[table] = store.scalar(f"SELECT count(*) FROM {table} WHERE {where}", params)
            con.execute(f"DELETE FROM {table} WHERE {where}", params)
        con.execute("DELETE FROM provisional_observation WHERE la = ?", [code])
    from cscwatch.returns.provisional import refresh_provisional

    refresh_provisional(store, [code])
    return removed
