"""``fetch reports``: find new LA children's services publications on Ofsted's site, download them
once each, and ingest them into the register.

Three phases, each resumable because each step is recorded as soon as it is done:

1. **Discover**: walk the search pages and every LA's provider page; every publication link is
   upserted into ``watch_report_link`` (one transaction per provider page).
2. **Download** the links of the wanted kinds listed on or after ``since`` that are not held yet:
   each file is checked (status, Content-Type, ``%PDF``, ``%%EOF``) and written via ``.part`` +
   rename, then its ledger row is updated in one transaction. A file already in place from an
   interrupted run (renamed, not yet recorded) is checked and adopted without a request, so a run
   stopped half-way and re-run downloads every file exactly once.
3. **Ingest** every downloaded, not yet ingested file with
   :func:`cscwatch.register.load.ingest_reports` (idempotent by SHA-256), then mark it ingested.
"""
from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import httpx

from cscwatch.errors import FetchError
from cscwatch.store import Store
from cscwatch.watch import runs
from cscwatch.watch.http import Fetcher, HttpSettings, check_pdf, sha256_bytes, write_atomic
from cscwatch.watch.ofsted import (
    CSC_KINDS,
    FILES_HOSTS,
    OFSTED_URL,
    ROWS_PER_PAGE,
    Provider,
    Publication,
    allowed_file_host,
    file_id,
    parse_provider_page,
    parse_search_page,
    search_url,
)

SOURCE = "ofsted_reports"
#: Days before the official record's last publication date that a default run starts from, so
#: reports published around the official cut-off are not missed (known files are not stored twice).
DEFAULT_MARGIN_DAYS = 60
MAX_SEARCH_PAGES = 20

#: ``progress(event, detail)``: events 'provider', 'downloaded', 'reused', 'failed', 'ingest'.
Progress = Callable[[str, str], None]


@dataclass
class ReportsSummary:
    """What one ``fetch_reports`` call did."""

    run_id: str
    since: date | None
    status: str = "running"
    providers: int = 0
    listed: int = 0                      # publication links seen on provider pages this run
    new_links: int = 0                   # of which first seen this run
    downloaded: list[dict[str, Any]] = field(default_factory=list)
    reused: int = 0                      # found complete on disk from an interrupted run: no request
    held: int = 0                        # wanted links already downloaded earlier: no request
    skipped: int = 0                     # outside --since, of another kind, or given up
    failed: list[dict[str, str]] = field(default_factory=list)     # {"url", "reason"}
    requests: int = 0
    waited_seconds: float = 0.0
    ingest: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "since": self.since, "status": self.status, "providers": self.providers,
                "listed": self.listed, "new_links": self.new_links, "downloaded": self.downloaded,
                "reused": self.reused, "held": self.held, "skipped": self.skipped, "failed": self.failed,
                "requests": self.requests, "waited_seconds": round(self.waited_seconds, 3), "ingest": self.ingest}


@lru_cache(maxsize=1)
def urn_la_codes() -> dict[str, str]:
    """Ofsted provider URN -> DfE LA code, from the bundled data-to-insight provider lookup."""
    src = resources.files("cscwatch") / "data" / "lookups" / "d2i_provider_data_lookup.csv"
    with src.open(encoding="utf-8-sig", newline="") as fh:
        return {r["urn"].strip(): r["la_code"].strip() for r in csv.DictReader(fh) if r.get("urn", "").strip()}


def default_since(store: Store) -> date | None:
    """A margin before the last publication date in Ofsted's official record (None: no record)."""
    if not store.has_table("source_inspection"):
        return None
    last = store.scalar("SELECT max(d) FROM (SELECT max(publication_date) AS d FROM source_inspection WHERE "
                        "source = 'ofsted' UNION ALL SELECT max(publication_date) FROM visit WHERE source = 'ofsted')")
    return None if last is None else last - timedelta(days=DEFAULT_MARGIN_DAYS)


def _urns_for(store: Store, las: Sequence[str] | None) -> set[str] | None:
    if not las:
        return None
    from cscwatch.identity import resolve_la

    codes = {resolve_la(store, la)["la_code_old"] for la in las}
    return {urn for urn, code in urn_la_codes().items() if code in codes}


def _target(dest: Path, urn: str, pub: dict[str, Any]) -> Path:
    when = pub["listed_date"].isoformat() if pub["listed_date"] else "undated"
    return dest / urn / f"{when}_{pub['doc_kind']}_{file_id(pub['link'])}.pdf"


class _Run:
    """State shared by the phases of one fetch."""

    def __init__(self, store: Store, fetcher: Fetcher, summary: ReportsSummary, base_url: str,
                 files_hosts: Sequence[str], say: Progress):
        self.store, self.fetcher, self.summary = store, fetcher, summary
        self.base_url, self.files_hosts, self.say = base_url.rstrip("/"), tuple(files_hosts), say

    # -- 1. discover --------------------------------------------------------------------------
    def providers(self, rows: int) -> list[Provider]:
        found: dict[str, Provider] = {}
        start = 0
        for page in range(MAX_SEARCH_PAGES):
            url = search_url(self.base_url, start, rows)
            try:
                html = self.fetcher.page(url)
            except FetchError as exc:
                if page == 0:
                    raise
                self.summary.failed.append({"url": url, "reason": exc.reason})
                break
            batch = parse_search_page(html, url)
            for p in batch:
                found.setdefault(p.urn, p)
            if len(batch) < rows:
                break
            start += rows
        return list(found.values())

    def list_publications(self, provider: Provider) -> list[Publication] | None:
        try:
            html = self.fetcher.page(provider.url)
        except FetchError as exc:
            self.summary.failed.append({"url": provider.url, "reason": exc.reason})
            self.say("failed", f"{provider.name}: {exc.reason}")
            return None
        pubs = parse_provider_page(html, provider.url)
        seen = runs.now()
        la = urn_la_codes().get(provider.urn)
        with self.store.transaction() as con:
            links = [p.link for p in pubs] or [""]
            known = {r[0] for r in con.execute(       # a link can sit on two LA pages: one ledger row
                f"SELECT link FROM watch_report_link WHERE link IN ({', '.join('?' for _ in links)})",
                links).fetchall()}
            for p in pubs:
                if p.link in known:
                    con.execute("UPDATE watch_report_link SET last_seen = ?, title = ?, doc_kind = ?, listed_date = "
                                "coalesce(?, listed_date), event_date = coalesce(?, event_date) WHERE link = ?",
                                [seen, p.title, p.kind, p.listed_date, p.event_date, p.link])
                else:
                    con.execute(
                        "INSERT INTO watch_report_link (link, provider_urn, provider_name, provider_url, la_code_old,"
                        " title, doc_kind, listed_date, event_date, first_seen, last_seen, status)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'listed')",
                        [p.link, provider.urn, provider.name, provider.url, la, p.title, p.kind, p.listed_date,
                         p.event_date, seen, seen])
                    self.summary.new_links += 1
        self.summary.listed += len(pubs)
        self.say("provider", f"{provider.name}: {len(pubs)} publications")
        return pubs

    # -- 2. download ----------------------------------------------------------------------------
    def wanted(self, urns: Iterable[str], kinds: Sequence[str], since: date | None,
               max_attempts: int) -> list[dict[str, Any]]:
        urns = list(urns)
        if not urns:
            return []
        marks = ", ".join("?" for _ in urns)
        rows = self.store.rows(
            f"SELECT * FROM watch_report_link WHERE provider_urn IN ({marks}) ORDER BY provider_urn, "
            f"listed_date NULLS FIRST, link", urns)
        todo = []
        for r in rows:
            in_scope = r["doc_kind"] in kinds and (since is None or r["listed_date"] is None
                                                   or r["listed_date"] >= since)
            if not in_scope:
                self.summary.skipped += 1
            elif r["status"] in ("downloaded", "ingested"):
                self.summary.held += 1
            elif r["status"] == "failed" and r["attempts"] >= max_attempts:
                self.summary.skipped += 1
            else:
                todo.append(r)
        return todo

    def download(self, pub: dict[str, Any], dest: Path) -> None:
        link = pub["link"]
        target = _target(dest, pub["provider_urn"], pub)
        status, http_status, content_type = "stored", None, None
        try:
            content = self._adopt(target, link)
            if content is not None:
                status = "reused"
            else:
                if not allowed_file_host(link, self.base_url, self.files_hosts):
                    raise FetchError(link, "link to another site refused (not Ofsted's site or file host)")
                response = self.fetcher.get(link, accept="application/pdf")
                http_status, content_type = response.status_code, response.headers.get("Content-Type")
                content = response.content
                try:
                    check_pdf(content, content_type, link)
                except FetchError:
                    status = "rejected"
                    raise
                write_atomic(target, content)
        except FetchError as exc:
            self._failed(pub, exc, "rejected" if status == "rejected" else "failed", http_status, content_type)
            return
        sha = sha256_bytes(content)
        with self.store.transaction() as con:
            con.execute("UPDATE watch_report_link SET status = 'downloaded', sha256 = ?, path = ?, downloaded_at = ?,"
                        " attempts = attempts + 1, error = NULL WHERE link = ?", [sha, str(target), runs.now(), link])
            runs.record_file(con, self.summary.run_id, SOURCE, link, status, http_status=http_status,
                             content_type=content_type, size_bytes=len(content), sha256=sha, path=target)
        item = {"url": link, "path": str(target), "kind": pub["doc_kind"], "title": pub["title"],
                "la_code_old": pub["la_code_old"], "provider": pub["provider_name"],
                "listed_date": pub["listed_date"], "sha256": sha}
        if status == "reused":
            self.summary.reused += 1
        else:
            self.summary.downloaded.append(item)
        self.say("reused" if status == "reused" else "downloaded", f"{pub['provider_name']}: {pub['title']} "
                 f"({pub['listed_date'] or 'undated'})")

    def _adopt(self, target: Path, link: str) -> bytes | None:
        """A complete file already at the target (renamed into place, ledger not yet updated)."""
        part = target.with_name(target.name + ".part")
        part.unlink(missing_ok=True)                       # a half-written file from a crash
        if not target.is_file():
            return None
        content = target.read_bytes()
        try:
            check_pdf(content, "application/pdf", link)
        except FetchError:
            target.unlink()
            return None
        return content

    def _failed(self, pub: dict[str, Any], exc: FetchError, status: str, http_status: int | None,
                content_type: str | None) -> None:
        with self.store.transaction() as con:
            con.execute("UPDATE watch_report_link SET status = 'failed', attempts = attempts + 1, error = ? "
                        "WHERE link = ?", [exc.reason, pub["link"]])
            runs.record_file(con, self.summary.run_id, SOURCE, pub["link"], status,
                             http_status=http_status or exc.status,
                             content_type=content_type or exc.content_type, error=exc.reason)
        self.summary.failed.append({"url": pub["link"], "reason": exc.reason})
        self.say("failed", f"{pub['provider_name']}: {pub['title']}: {exc.reason}")

    # -- 3. ingest ----------------------------------------------------------------------------
    def ingest(self, workers: int | None) -> None:
        from cscwatch.register.load import ingest_reports

        rows = self.store.rows("SELECT link, path FROM watch_report_link WHERE status = 'downloaded' ORDER BY path")
        rows = [r for r in rows if r["path"] and Path(r["path"]).is_file()]
        if not rows:
            return
        self.say("ingest", f"{len(rows)} files")
        result = ingest_reports(self.store, [r["path"] for r in rows], workers=workers)
        with self.store.transaction() as con:
            stamp = runs.now()
            for r in rows:
                con.execute("UPDATE watch_report_link SET status = 'ingested', ingested_at = ? WHERE link = ?",
                            [stamp, r["link"]])
        self.summary.ingest = result.as_dict()


def fetch_reports(store: Store, *, since: date | None | str = "default", base_url: str = OFSTED_URL,
                  files_hosts: Sequence[str] = FILES_HOSTS, dest: str | Path | None = None,
                  las: Sequence[str] | None = None, kinds: Sequence[str] = CSC_KINDS,
                  settings: HttpSettings | None = None, transport: httpx.BaseTransport | None = None,
                  ingest: bool = True, workers: int | None = None, rows_per_page: int = ROWS_PER_PAGE,
                  max_attempts: int = 3, progress: Progress | None = None) -> ReportsSummary:
    """Discover, download and ingest new LA children's services publications (see the module doc).

    ``since``: only publications listed on or after this date are downloaded; ``"default"`` is
    :func:`default_since` (60 days before the official record ends), ``None`` means everything.
    ``las`` limits the run to some LAs (names or codes). ``dest`` defaults to ``reports/ofsted``
    beside the store file. A link that failed ``max_attempts`` times is left alone (it stays in the
    ledger with its reason). Raises :class:`FetchError` only when the site itself cannot be read.
    """
    if since == "default":
        since = default_since(store)
    assert since is None or isinstance(since, date)
    dest = Path(dest) if dest is not None else runs.data_dir(store) / "reports" / "ofsted"
    say = progress or (lambda _e, _d: None)
    urns = _urns_for(store, las)
    run_id = runs.start_run(store, SOURCE, base_url, since)
    summary = ReportsSummary(run_id=run_id, since=since)
    fetcher = Fetcher(settings, transport=transport)
    run = _Run(store, fetcher, summary, base_url, files_hosts, say)
    status = "interrupted"
    try:
        providers = [p for p in run.providers(rows_per_page) if urns is None or p.urn in urns]
        summary.providers = len(providers)
        for provider in providers:
            run.list_publications(provider)
        for pub in run.wanted([p.urn for p in providers], kinds, since, max_attempts):
            run.download(pub, dest)
        if ingest:
            run.ingest(workers)
        status = "partial" if summary.failed else "ok"
    except FetchError as exc:
        status = "failed"
        summary.failed.append({"url": exc.url, "reason": exc.reason})
        raise
    finally:
        summary.status = status
        summary.requests = fetcher.requests
        summary.waited_seconds = sum(s for _r, s in fetcher.waits)
        fetcher.close()
        runs.finish_run(store, run_id, status, requests=fetcher.requests,
                        new=len(summary.downloaded) + summary.reused, unchanged=summary.held,
                        failed=len(summary.failed),
                        message="; ".join(f"{f['url']}: {f['reason']}" for f in summary.failed[:5]) or None)
    return summary
