"""``fetch statistics``: new versions of the warehouse's data sets from the EES public API, checked
against the loader before anything is kept, then one warehouse rebuild if anything changed.

For each source in ``sources.SOURCES`` with an EES data set id (``Source.ees_data_set``, or one given
with ``data_sets``):

1. list the data set's versions (``/versions``) and record each in ``watch_dataset_version``;
2. compare the newest live version with the one the warehouse holds (the last ``loaded`` row, else
   ``Source.ees_version`` for the bundled copy); equal means nothing to do;
3. fetch its ``/changes`` (kept as JSON) and its CSV (``/csv?dataSetVersion=``), checked like every
   download (status, Content-Type, not HTML, UTF-8, a ``time_period`` header);
4. **shape check with the real loader**: the CSV is loaded on its own into a throwaway in-memory
   store with :func:`cscwatch.warehouse.load.load_warehouse`; any column, symbol or period the
   source entry does not expect fails it with the loader's own message (file, row, column), and
   the file is dropped: nothing is stored but the refusal in the fetch ledger;
5. accepted files are gzipped (deterministic bytes) into ``statistics/data/`` beside the store,
   at the bundled file's relative path, and that folder (every other file a symlink to the bundled
   copy) is what the warehouse is rebuilt from.

"Rebuild only what changed": the warehouse is reloaded only when at least one file was accepted;
the register is not touched. The warehouse reloads as a whole (source precedence spans files), and
the loader's own SHA-256 fingerprint makes a reload with unchanged files a no-op.
"""
from __future__ import annotations

import gzip
import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from cscwatch.errors import BuildFailed, FetchError, SourceFormatError
from cscwatch.store import Store
from cscwatch.warehouse.load import DATA_DIR, bundled_files, load_warehouse
from cscwatch.warehouse.sources import LOOKUPS, SOURCES, Source
from cscwatch.watch import ees, runs
from cscwatch.watch.http import Fetcher, HttpSettings, check_csv, sha256_bytes, write_atomic

SOURCE = "ees"
Progress = Callable[[str, str], None]


@dataclass
class StatisticsSummary:
    """What one ``fetch_statistics`` call did, data set by data set."""

    run_id: str
    status: str = "running"
    data_sets: list[dict[str, Any]] = field(default_factory=list)   # one dict per data set checked
    rebuilt: bool = False
    warehouse: dict[str, Any] | None = None
    requests: int = 0
    message: str | None = None

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [d for d in self.data_sets if d["action"] in ("rejected", "failed")]

    def as_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "status": self.status, "data_sets": self.data_sets, "rebuilt": self.rebuilt,
                "warehouse": self.warehouse, "requests": self.requests, "message": self.message}


def statistics_dir(store: Store) -> Path:
    """``statistics/`` beside the store file: fetched files live in its ``data/`` folder."""
    return runs.data_dir(store) / "statistics"


def statistics_data_dir(store: Store, bundled_dir: Path = DATA_DIR,
                        sources: Sequence[Source] = SOURCES) -> Path | None:
    """The folder ``cscwatch build`` should load the warehouse from once statistics were fetched
    (fetched files plus links to the bundled rest), or None when nothing was ever fetched."""
    if not store.has_table("watch_dataset_version") or not store.scalar(
            "SELECT count(*) FROM watch_dataset_version WHERE state = 'loaded'"):
        return None
    return sync_data_dir(statistics_dir(store) / "data", bundled_dir, sources)


def sync_data_dir(folder: Path, bundled_dir: Path = DATA_DIR, sources: Sequence[Source] = SOURCES) -> Path:
    """Make ``folder`` hold every file the warehouse reads: fetched files (real files, kept) and a
    symlink to the bundled copy for everything else (re-pointed if the bundle moved)."""
    for path in bundled_files(bundled_dir, sources).values():
        target = folder / path.relative_to(bundled_dir)
        if target.is_symlink():
            if Path(os.readlink(target)) == path:
                continue
            target.unlink()
        elif target.exists():
            continue                                   # a fetched file: it wins over the bundle
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(path)
    return folder


def check_with_loader(content: bytes, src: Source, label: str, bundled_dir: Path = DATA_DIR) -> int:
    """Load ``content`` as ``src`` alone into a throwaway store; the loader's first complaint (file,
    row, column) becomes a :class:`SourceFormatError` naming ``label``. Returns the rows staged."""
    with tempfile.TemporaryDirectory(prefix="cscwatch-check-") as tmp:
        folder = Path(tmp)
        for bundled, _original, _publication in LOOKUPS.values():
            link = folder / bundled
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(bundled_dir / bundled)
        candidate = folder / src.path
        candidate.parent.mkdir(parents=True, exist_ok=True)
        candidate.write_bytes(gzip.compress(content, mtime=0) if src.path.endswith(".gz") else content)
        with Store(":memory:") as trial:
            try:
                summary = load_warehouse(trial, data_dir=folder, sources=(src,), force=True)
            except BuildFailed as exc:
                raise SourceFormatError(label, exc.errors[0].replace(str(candidate) + ": ", "", 1)) from None
        return summary.sources.get(src.source_id, 0)


def _held_version(store: Store, data_set_id: str, src: Source) -> str | None:
    rows = store.rows("SELECT version FROM watch_dataset_version WHERE data_set_id = ? "
                      "AND state IN ('loaded', 'fetched')", [data_set_id])
    if rows:
        return max((r["version"] for r in rows), key=ees.version_key)
    return src.ees_version


def _record_versions(store: Store, src: Source, data_set_id: str, title: str | None,
                     items: list[dict[str, Any]]) -> None:
    with store.transaction() as con:
        for v in items:
            periods = v.get("timePeriods") or {}
            con.execute(
                "INSERT INTO watch_dataset_version (data_set_id, version, source_id, title, version_type, api_status,"
                " published, release_title, time_period_start, time_period_end, total_results, notes, state)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'listed')"
                " ON CONFLICT (data_set_id, version) DO UPDATE SET source_id = excluded.source_id,"
                " title = excluded.title, version_type = excluded.version_type, api_status = excluded.api_status,"
                " published = excluded.published, release_title = excluded.release_title,"
                " time_period_start = excluded.time_period_start, time_period_end = excluded.time_period_end,"
                " total_results = excluded.total_results, notes = excluded.notes",
                [data_set_id, str(v["version"]), src.source_id, title, v.get("type"), v.get("status"),
                 ees.parse_time(v.get("published")), (v.get("release") or {}).get("title"), periods.get("start"),
                 periods.get("end"), v.get("totalResults"), v.get("notes")])


class _Run:
    def __init__(self, store: Store, fetcher: Fetcher, summary: StatisticsSummary, base_url: str,
                 bundled_dir: Path, data_folder: Path, say: Progress):
        self.store, self.fetcher, self.summary = store, fetcher, summary
        self.base_url, self.bundled_dir, self.data_folder, self.say = base_url, bundled_dir, data_folder, say

    def check(self, src: Source, data_set_id: str) -> tuple[dict[str, Any], str | None]:
        """Look at one data set; returns its report and the version accepted (None: nothing new)."""
        report: dict[str, Any] = {"source_id": src.source_id, "data_set_id": data_set_id, "title": None,
                                  "held_version": None, "latest_version": None, "published": None,
                                  "action": "unchanged", "message": None}
        try:
            meta = ees.data_set(self.fetcher, self.base_url, data_set_id)
            report["title"] = meta.get("title")
            if meta.get("supersedingDataSetId"):
                report["message"] = (f"data set is {meta.get('status', 'superseded').lower()}; superseded by "
                                     f"{meta['supersedingDataSetId']}: point source {src.source_id} at it")
            items = ees.versions(self.fetcher, self.base_url, data_set_id)
            _record_versions(self.store, src, data_set_id, meta.get("title"), items)
            latest = ees.latest_live(items)
            held = _held_version(self.store, data_set_id, src)
            report["held_version"] = held
            if latest is None:
                report["message"] = "no published version"
                return report, None
            version = str(latest["version"])
            report.update(latest_version=version, published=ees.parse_time(latest.get("published")))
            if held is not None and ees.version_key(version) <= ees.version_key(held):
                return report, None
            return report, self._fetch_version(src, data_set_id, version, report)
        except FetchError as exc:
            report.update(action="failed", message=str(exc))
            with self.store.transaction() as con:
                runs.record_file(con, self.summary.run_id, SOURCE, exc.url, "failed", http_status=exc.status,
                                 content_type=exc.content_type, error=exc.reason)
            self.say("failed", f"{src.source_id}: {exc}")
            return report, None

    def _fetch_version(self, src: Source, data_set_id: str, version: str, report: dict[str, Any]) -> str | None:
        try:
            change_set = json.dumps(ees.changes(self.fetcher, self.base_url, data_set_id, version))
        except FetchError as exc:                     # the changes are a courtesy; the data is what counts
            change_set = None
            report["message"] = f"changes unavailable: {exc.reason}"
        url = ees.csv_url(self.base_url, data_set_id, version)
        response = self.fetcher.get(url, accept="text/csv")
        content_type = response.headers.get("Content-Type")
        label = f"EES data set {data_set_id} version {version} (source {src.source_id})"
        try:
            required = ("time_period",) if src.kind == "ees" and "time_period" in src.geo else ()
            check_csv(response.content, content_type, url, required)
            rows = check_with_loader(response.content, src, label, self.bundled_dir)
        except (FetchError, SourceFormatError) as exc:
            reason = exc.reason if isinstance(exc, FetchError) else str(exc)
            report.update(action="rejected", message=reason)
            with self.store.transaction() as con:
                con.execute("UPDATE watch_dataset_version SET state = 'rejected', fetched_at = ?, error = ?,"
                            " changes = coalesce(?, changes) WHERE data_set_id = ? AND version = ?",
                            [runs.now(), reason, change_set, data_set_id, version])
                runs.record_file(con, self.summary.run_id, SOURCE, url, "rejected", http_status=response.status_code,
                                 content_type=content_type, size_bytes=len(response.content),
                                 sha256=sha256_bytes(response.content), error=reason)
            self.say("rejected", reason)
            return None
        target = self.data_folder / src.path
        data = gzip.compress(response.content, compresslevel=9, mtime=0) if src.path.endswith(".gz") \
            else response.content
        write_atomic(target, data)
        sha = sha256_bytes(response.content)
        with self.store.transaction() as con:
            con.execute("UPDATE watch_dataset_version SET state = 'fetched', fetched_at = ?, sha256 = ?, path = ?,"
                        " changes = ?, error = NULL WHERE data_set_id = ? AND version = ?",
                        [runs.now(), sha, str(target), change_set, data_set_id, version])
            runs.record_file(con, self.summary.run_id, SOURCE, url, "stored", http_status=response.status_code,
                             content_type=content_type, size_bytes=len(response.content), sha256=sha, path=target)
        report.update(action="fetched", rows=rows)
        self.say("fetched", f"{src.source_id}: version {version} ({rows:,} cells)")
        return version


def fetch_statistics(store: Store, *, base_url: str = ees.EES_API_URL, data_sets: Mapping[str, str] | None = None,
                     sources: Sequence[Source] = SOURCES, bundled_dir: Path = DATA_DIR,
                     dest: str | Path | None = None, settings: HttpSettings | None = None,
                     transport: httpx.BaseTransport | None = None, rebuild: bool = True,
                     progress: Progress | None = None) -> StatisticsSummary:
    """Fetch and load new versions of the warehouse's EES data sets (see the module doc).

    ``data_sets`` maps source ids to EES data set ids, over ``Source.ees_data_set``; a source
    without an id is not checked. ``dest`` defaults to ``statistics/`` beside the store.
    """
    ids = {s.source_id: s.ees_data_set for s in sources if s.ees_data_set}
    unknown = sorted(set(data_sets or {}) - {s.source_id for s in sources})
    if unknown:
        raise SourceFormatError("--data-set", f"no source {unknown[0]!r} in the source list (sources.py)")
    ids.update(data_sets or {})
    dest = Path(dest) if dest is not None else statistics_dir(store)
    data_folder = dest / "data"
    say = progress or (lambda _e, _d: None)
    run_id = runs.start_run(store, SOURCE, base_url)
    summary = StatisticsSummary(run_id=run_id)
    fetcher = Fetcher(settings or HttpSettings(min_interval=0.5), transport=transport)
    run = _Run(store, fetcher, summary, base_url, bundled_dir, data_folder, say)
    by_id = {s.source_id: s for s in sources}
    accepted: list[tuple[str, str]] = []        # (data set id, version) fetched in this run
    status = "interrupted"
    try:
        if not ids:
            summary.message = ("no EES data set ids configured: give them with --data-set SOURCE=ID "
                               "(or Source.ees_data_set in sources.py)")
        for source_id, data_set_id in ids.items():
            report, version = run.check(by_id[source_id], data_set_id)
            summary.data_sets.append(report)
            if version is not None:
                accepted.append((data_set_id, version))
        pending = store.rows("SELECT data_set_id, version FROM watch_dataset_version WHERE state = 'fetched'")
        if pending and rebuild:                  # this run's files and any an earlier --no-rebuild left
            say("rebuild", "warehouse")
            loaded = load_warehouse(store, data_dir=sync_data_dir(data_folder, bundled_dir, sources),
                                    sources=sources)
            summary.rebuilt, summary.warehouse = True, loaded.as_dict()
            with store.transaction() as con:
                for r in pending:
                    con.execute("UPDATE watch_dataset_version SET state = 'loaded', loaded_at = ? "
                                "WHERE data_set_id = ? AND version = ?", [runs.now(), r["data_set_id"], r["version"]])
            for d in summary.data_sets:
                if d["action"] == "fetched":
                    d["action"] = "loaded"
        status = "partial" if summary.failed else "ok"
    finally:
        summary.status = status
        summary.requests = fetcher.requests
        fetcher.close()
        runs.finish_run(store, run_id, status, requests=fetcher.requests, new=len(accepted),
                        unchanged=sum(1 for d in summary.data_sets if d["action"] == "unchanged"),
                        failed=len(summary.failed),
                        message=summary.message or "; ".join(d["message"] for d in summary.failed if d["message"])
                        or None)
    return summary

