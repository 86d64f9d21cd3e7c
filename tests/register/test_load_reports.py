"""Ingesting report files: ledger, page text, source rows; skip by SHA-256, replace, survive crashes."""
from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from cscwatch.grades import JUDGEMENTS, Grade
from cscwatch.register import load
from cscwatch.register.load import ingest_reports
from cscwatch.register.model import ParsedReport

TABLES = ("report_file", "report_page", "source_inspection", "source_judgement", "inspection", "judgement",
          "inspection_source", "discrepancy")


def fake_parse(path: str, display: str, sha256: str, size_bytes: int) -> ParsedReport:
    """Stands in for the PDF parser: each test file holds its ParsedReport fields as JSON."""
    text = Path(path).read_text(encoding="utf-8")
    base = dict(file=display, path=path, sha256=sha256, size_bytes=size_bytes)
    if text.startswith("ERROR "):
        return ParsedReport(**base, status="error", error=text[6:].strip())
    spec = json.loads(text)
    if spec.get("letter"):
        return ParsedReport(**base, status="no_judgements", doc_type="other", pages=("Dear Director",))
    return ParsedReport(
        **base, status="parsed", doc_type="ilacs_standard", framework="ILACS", inspection_type="standard",
        la_name="Norfolk", la_code_old=spec.get("la", "926"), la_code_new="E10000020",
        inspection_start=date.fromisoformat(spec["start"]), lead_inspector="A Inspector",
        judgements={k: Grade(v) for k, v in spec.get("grades", {}).items()},
        pages=tuple(spec.get("pages", ["page 1", "page 2"])),
    )


@pytest.fixture
def parser(monkeypatch):
    calls: list[str] = []

    def parse(path, display, sha256, size_bytes):
        calls.append(display)
        return fake_parse(path, display, sha256, size_bytes)

    def find(paths):
        out = []
        for p in paths:
            p = Path(p)
            files = sorted(p.rglob("*.pdf")) if p.is_dir() else [p]
            out += [(f.resolve(), str(f.relative_to(p)) if p.is_dir() else str(f)) for f in files]
        return out

    monkeypatch.setattr(load, "_parse_file", parse)
    monkeypatch.setattr(load, "find_report_files", find)
    return calls


def write(folder: Path, name: str, content: str | dict) -> Path:
    path = folder / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


@pytest.fixture
def reports(tmp_path) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    write(folder, "a.pdf", {"start": "2019-01-14", "grades": {"overall": "inadequate", "leadership": "inadequate"}})
    write(folder, "b.pdf", {"start": "2022-11-14", "grades": {"overall": "requires_improvement"}})
    write(folder, "c.pdf", {"start": "2025-06-02", "grades": {"overall": "good"}, "pages": ["one", "two", "three"]})
    write(folder, "html.pdf", "ERROR not a PDF: an HTML page ('Report not found') saved with a .pdf name")
    write(folder, "letter.pdf", {"letter": True})
    return folder


def snapshot(store) -> dict[str, list]:
    return {t: store.con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


def test_first_ingest(store, reports, parser):
    progress: list[tuple[int, int, str]] = []
    summary = ingest_reports(store, [reports], workers=1, limits=None, progress=lambda *a: progress.append(a))
    assert (summary.new, summary.unchanged, summary.replaced, summary.no_judgements) == (4, 0, 0, 1)
    assert summary.failed == [("html.pdf", "not a PDF: an HTML page ('Report not found') saved with a .pdf name")]
    assert [p[:2] for p in progress] == [(i, 5) for i in range(1, 6)]
    ledger = {Path(r["path"]).name: (r["status"], r["error"]) for r in store.rows("SELECT * FROM report_file")}
    assert ledger["html.pdf"][0] == "error" and "HTML" in ledger["html.pdf"][1]
    assert ledger["letter.pdf"] == ("no_judgements", None) and ledger["a.pdf"] == ("parsed", None)
    assert store.scalar("SELECT count(*) FROM report_page") == 2 + 2 + 3 + 1
    assert store.scalar("SELECT count(*) FROM source_inspection WHERE source = 'report'") == 3
    assert store.scalar("SELECT count(*) FROM source_judgement") == 4
    # reconciled after the batch: no official data here, so three report-only inspections
    assert summary.reconciled.inspections == 3 and summary.reconciled.report_only == 3
    assert store.scalar("SELECT count(*) FROM inspection WHERE sources = 'report'") == 3


def test_reingest_changes_nothing_and_parses_nothing(store, reports, parser):
    ingest_reports(store, [reports], workers=1, limits=None)
    before = snapshot(store)
    parser.clear()
    summary = ingest_reports(store, [reports], workers=1, limits=None)
    assert parser == []                       # skipped on SHA-256, before any parsing
    assert (summary.new, summary.unchanged, summary.replaced, summary.failed) == (0, 5, 0, [])
    assert snapshot(store) == before


def test_changed_file_replaces_its_rows(store, reports, parser):
    ingest_reports(store, [reports], workers=1, limits=None)
    old_sha = store.scalar("SELECT sha256 FROM report_file WHERE path LIKE '%/c.pdf'")
    write(reports, "c.pdf", {"start": "2025-06-09", "grades": {"overall": "outstanding"}, "pages": ["new"]})
    summary = ingest_reports(store, [reports], workers=1, limits=None)
    assert (summary.new, summary.unchanged, summary.replaced) == (0, 4, 1)
    new_sha = store.scalar("SELECT sha256 FROM report_file WHERE path LIKE '%/c.pdf'")
    assert new_sha != old_sha
    assert store.scalar("SELECT count(*) FROM source_inspection WHERE source_ref = ?", [old_sha]) == 0
    assert store.scalar("SELECT count(*) FROM report_page WHERE sha256 = ?", [old_sha]) == 0
    assert store.rows("SELECT text FROM report_page WHERE sha256 = ?", [new_sha]) == [{"text": "new"}]
    assert store.scalar("SELECT grade FROM judgement WHERE inspection_id = '926:ILACS:2025-06-09'") == "outstanding"
    assert store.scalar("SELECT count(*) FROM inspection WHERE inspection_id = '926:ILACS:2025-06-02'") == 0


def test_crash_mid_batch_keeps_what_was_committed(store, reports, parser, monkeypatch):
    real_write = load.write_report
    written: list[str] = []

    def flaky(store_, report):
        if len(written) == 2:
            raise RuntimeError("disk on fire")
        real_write(store_, report)
        written.append(report.file)

    monkeypatch.setattr(load, "write_report", flaky)
    with pytest.raises(RuntimeError, match="disk on fire"):
        ingest_reports(store, [reports], workers=1, limits=None)
    kept = {Path(p).name for (p,) in store.con.execute("SELECT path FROM report_file").fetchall()}
    assert kept == set(written) and len(kept) == 2
    assert store.scalar("SELECT count(*) FROM report_page WHERE sha256 IN (SELECT sha256 FROM report_file)") > 0
    # the next run picks up where the crash stopped
    monkeypatch.setattr(load, "write_report", real_write)
    summary = ingest_reports(store, [reports], workers=1, limits=None)
    assert (summary.unchanged, summary.new + len(summary.failed)) == (2, 3)
    assert store.scalar("SELECT count(*) FROM report_file") == 5


def test_same_bytes_twice_in_a_batch_are_parsed_once(store, tmp_path, parser):
    one = write(tmp_path, "one.pdf", {"start": "2023-03-06", "grades": {"overall": "good"}})
    two = write(tmp_path, "two.pdf", one.read_text())
    summary = ingest_reports(store, [one, two], workers=1, limits=None)
    assert len(parser) == 1
    assert (summary.new, summary.unchanged) == (2, 0)
    assert store.scalar("SELECT count(*) FROM report_file") == 2
    assert store.scalar("SELECT count(*) FROM source_inspection") == 1
    # a copy under a new name later on: recorded, not parsed
    three = write(tmp_path, "three.pdf", one.read_text())
    parser.clear()
    summary = ingest_reports(store, [three], workers=1, limits=None)
    assert parser == [] and summary.unchanged == 1
    assert store.scalar("SELECT status FROM report_file WHERE path = ?", [str(three.resolve())]) == "parsed"


def test_parsed_report_without_la_is_recorded_as_error(store, tmp_path, parser, monkeypatch):
    path = write(tmp_path, "x.pdf", {"start": "2023-03-06", "la": ""})
    summary = ingest_reports(store, [path], workers=1, limits=None)
    assert summary.failed == [(str(path), "parsed, but no LA code")]
    assert store.scalar("SELECT status FROM report_file") == "error"


def test_parallel_workers_with_the_real_parser(store, tmp_path):
    """Process pool path: files the real parser rejects become ledger errors, never a crash."""
    pytest.importorskip("cscwatch.register.parse")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "html.pdf").write_text("<!DOCTYPE html><html><title>Report not found</title></html>")
    (folder / "junk.pdf").write_bytes(b"%PDF-1.4\n garbage")
    summary = ingest_reports(store, [folder], workers=2)
    assert summary.new == 0 and len(summary.failed) == 3
    assert all(reason for _, reason in summary.failed)
    assert store.scalar("SELECT count(*) FROM report_file WHERE status = 'error' AND error IS NOT NULL") == 3


@pytest.mark.shared
def test_real_reports_reconcile_with_official_data(shared_dir, store):
    """All 132 development files through the real parser, reconciled with the bundled official data."""
    pytest.importorskip("cscwatch.register.parse")
    from cscwatch.register.official import load_official

    load_official(store, reconcile=False)
    summary = ingest_reports(store, [shared_dir / "reports"])
    assert (summary.new, summary.replaced, summary.no_judgements) == (130, 0, 0)
    assert sorted(Path(f).parent.name for f, _ in summary.failed) == ["80490_bromley", "80543_rotherham"]
    assert all("HTML" in reason for _, reason in summary.failed)
    rec = summary.reconciled
    assert (rec.both, rec.report_only, rec.lscb_attached, rec.inspections) == (129, 0, 1, 663 + 44)
    assert (rec.thirdparty_matched, rec.thirdparty_added) == (164, 44)
    # the report warnings (Isles of Scilly 2016's "Not judged" rows) checked against Ofsted's record
    assert rec.warnings_checked == {"also_blank": 3}
    found = set(store.con.execute(
        "SELECT inspection_id, field, report_value, official_value FROM discrepancy").fetchall())
    # Merton 2022 (short in the report and the 2025 edition, standard in the 2023 edition) and the
    # Isles of Scilly 2023 start date (a day earlier in the 2023-24 in-year list) are real disagreements.
    assert {("315:ILACS:2022-02-28", "inspection_type", "short", "standard"),
            ("420:ILACS-2023:2023-07-11", "start_date", "2023-07-11", "2023-07-10")} <= found
    # Any other: a SIF re-inspection whose title does not say so (Darlington, Lambeth 2018), where the
    # parser can only say "first" and Ofsted's table knows better.
    others = found - {("315:ILACS:2022-02-28", "inspection_type", "short", "standard"),
                      ("420:ILACS-2023:2023-07-11", "start_date", "2023-07-11", "2023-07-10")}
    assert {(i.split(":")[0], f, r, o) for i, f, r, o in others} <= {
        ("841", "inspection_type", "first", "reinspection"), ("208", "inspection_type", "first", "reinspection")}
    # every report's pages are stored, and its grades back the register
    assert store.scalar("SELECT count(DISTINCT sha256) FROM report_page") == 130
    with open(shared_dir / "reports" / "labels.csv", encoding="utf-8") as fh:
        labelled = sum(1 for row in csv.DictReader(fh) for key in JUDGEMENTS if row[key])
    assert store.scalar("SELECT count(*) FROM judgement WHERE source = 'report'") == labelled == 679


def test_generated_pdfs_end_to_end(store, tmp_path):
    """Real parser, process pool, official data: generated PDFs of several layouts."""
    pytest.importorskip("reportlab")
    pytest.importorskip("cscwatch.register.parse")
    from cscwatch.fixtures.reports import make_report_pdf
    from cscwatch.register.official import load_official

    load_official(store, reconcile=False)
    folder = tmp_path / "pdfs"
    folder.mkdir()
    # Norfolk's November 2022 standard inspection, as the official data has it (all good)
    make_report_pdf(folder / "a.pdf", layout="ilacs", la_name="Norfolk County Council",
                    judgements={"overall": "good", "leadership": "good", "help_and_protection": "good",
                                "children_in_care": "good"},
                    start=date(2022, 11, 7), end=date(2022, 11, 18))
    # a 2026 inspection: after the official data ends, no overall effectiveness
    make_report_pdf(folder / "b.pdf", layout="ilacs_2026", la_name="Norfolk County Council",
                    judgements={"leadership": "good", "help_and_protection": "good", "children_in_care": "good",
                                "care_leavers": "outstanding"},
                    start=date(2026, 5, 11), end=date(2026, 5, 22))
    make_report_pdf(folder / "c.pdf", layout="letter", la_name="Norfolk County Council")
    (folder / "d.pdf").write_text("<html><title>Report not found</title></html>")
    summary = ingest_reports(store, [folder], workers=2)
    assert (summary.new, summary.no_judgements, len(summary.failed)) == (3, 1, 1)
    rows = {r["start_date"]: r for r in store.rows(
        "SELECT * FROM inspection WHERE la_code_old = '926' AND start_date >= DATE '2022-01-01'")}
    assert rows[date(2022, 11, 7)]["sources"] == "report,ofsted,thirdparty"
    assert rows[date(2026, 5, 11)]["sources"] == "report"
    assert rows[date(2026, 5, 11)]["framework"] == "ILACS-2026"
    assert store.scalar("SELECT count(*) FROM discrepancy") == 0
    assert store.scalar("SELECT count(DISTINCT sha256) FROM report_page") == 3
