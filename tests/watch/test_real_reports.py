"""Real Ofsted report files (../shared/reports) served by the fake site as Ofsted lists them: fetched,
checked and parsed into the register as their hand-checked labels say. Skips without ../shared."""
from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

from cscwatch.watch.ofsted import parse_listing
from cscwatch.watch.reports import fetch_reports

from .fakesite import FakeProvider, FakePublication, Reply, serve_ofsted

LAS = {"80490": "London Borough of Bromley", "80418": "Norfolk County Council"}


def _publications(shared: Path, urn: str) -> list[FakePublication]:
    """One publication per file; its listing as the scraper saved it ("<title> - <date>.pdf")."""
    folder = next((shared / "reports" / "export_data" / "inspection_reports").glob(f"{urn}_*"))
    pubs = []
    for i, f in enumerate(sorted(folder.glob("*.pdf"))):
        title, listed = parse_listing(re.sub(r"\s*-\s*(\d)", r", PDF - \1", f.stem.replace(",  pdf", ""), count=1))
        data = f.read_bytes()
        pubs.append(FakePublication(f"{urn}{i:02d}", "Children's services inspection", listed,
                                    [Reply(data, content_type="application/pdf")]))
    return pubs


def test_real_reports_through_the_fake_site(shared_dir, store, site, fast, tmp_path):
    providers = [FakeProvider(urn, name, _publications(shared_dir, urn)) for urn, name in LAS.items()]
    serve_ofsted(site, providers)
    got = fetch_reports(store, since=None, base_url=site.url, settings=fast, workers=1, dest=tmp_path / "r")
    # Bromley 2012 is Ofsted's "Report not found" page saved as .pdf: refused, never stored
    assert [(f["url"].rsplit("/", 1)[1], "HTML page" in f["reason"]) for f in got.failed] == [("8049002", True)]
    assert len(got.downloaded) == sum(len(p.publications) for p in providers) - 1
    labels = {}
    with open(shared_dir / "reports" / "labels.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            labels[row["file"]] = row
    parsed = store.rows("SELECT f.path, f.doc_type, i.start_date, i.la_code_old FROM report_file f "
                        "LEFT JOIN source_inspection i ON i.source_ref = f.sha256")
    assert len(parsed) == len(got.downloaded)
    wanted = {(r["doc_type"], r["inspection_start"]) for k, r in labels.items()
              if k.split("/")[2].split("_")[0] in LAS and r["doc_type"] != "other"}
    have = {(r["doc_type"], r["start_date"].isoformat() if r["start_date"] else "") for r in parsed}
    assert wanted == have
    assert {r["la_code_old"] for r in parsed} == {"305", "926"}
    assert store.scalar("SELECT min(listed_date) FROM watch_report_link") >= date(2012, 1, 1)
