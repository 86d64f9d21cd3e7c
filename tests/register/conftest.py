"""Fixtures for the register tests: synthetic report PDFs generated on the fly (no real data)."""
from __future__ import annotations

from datetime import date

import pytest

from cscwatch.fixtures.reports import SAMPLE_GRADES as GRADES
from cscwatch.fixtures.reports import make_report_pdf


@pytest.fixture
def report_pdf(tmp_path):
    """``report_pdf(name, layout=..., **options)`` writes a synthetic report into tmp_path."""

    def make(name: str = "report.pdf", **kwargs):
        kwargs.setdefault("judgements", GRADES)
        return make_report_pdf(tmp_path / name, **kwargs)

    return make


@pytest.fixture
def odd_files(tmp_path):
    """A folder of files that are not parseable reports, keyed by what is wrong with them."""
    folder = tmp_path / "odd"
    folder.mkdir()
    files = {}
    files["html"] = folder / "html.pdf"
    files["html"].write_text("<!DOCTYPE html>\n<html><head><title>Report not found - Find an Inspection "
                             "Report - Ofsted</title></head><body>Sorry</body></html>", encoding="utf-8")
    files["empty"] = folder / "empty.pdf"
    files["empty"].write_bytes(b"")
    files["bytes"] = folder / "bytes.pdf"
    files["bytes"].write_bytes(b"PK\x03\x04 this is a zip archive, not a report")
    good = make_report_pdf(tmp_path / "whole.pdf", layout="ilacs", judgements=GRADES)
    files["truncated"] = folder / "truncated.pdf"
    files["truncated"].write_bytes(good.read_bytes()[:700])
    files["encrypted"] = make_report_pdf(folder / "encrypted.pdf", layout="ilacs", judgements=GRADES,
                                         encrypt="s3cret")
    files["no_text"] = folder / "scan.pdf"
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(files["no_text"]))
    c.rect(100, 100, 300, 500, fill=1)  # a page with marks but no text layer, like a scan
    c.save()
    files["letter"] = make_report_pdf(folder / "letter.pdf", layout="letter", start=date(2024, 5, 8),
                                      end=date(2024, 5, 9))
    files["unknown_la"] = make_report_pdf(folder / "atlantis.pdf", layout="ilacs", judgements=GRADES,
                                          la_name="Atlantis Borough Council")
    return files
