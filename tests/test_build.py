"""`cscwatch build` end to end with report folders: the register and the warehouse in one go."""
from __future__ import annotations

from datetime import date

from typer.testing import CliRunner

from cscwatch.build import build_all
from cscwatch.cli import app
from cscwatch.fixtures.reports import SAMPLE_GRADES, make_report_pdf
from cscwatch.store import Store


def test_build_with_reports_ingests_them_and_a_rebuild_is_a_no_op(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    make_report_pdf(folder / "a.pdf", layout="ilacs", la_name="Norfolk County Council", judgements=SAMPLE_GRADES,
                    start=date(2022, 11, 7), end=date(2022, 11, 18))
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj")
    messages: list[str] = []
    with Store(tmp_path / "s.duckdb") as store:
        first = build_all(store, reports=[folder], progress=messages.append)
        assert first.ok, first.errors
        assert first.reports["new"] == 1 and len(first.reports["failed"]) == 1
        assert "broken.pdf" in first.reports["failed"][0]["file"]
        assert store.scalar("SELECT count(*) FROM source_inspection WHERE source = 'report'") == 1
        assert store.scalar("SELECT count(*) FROM observation") > 100_000
        counts = store.rows("SELECT (SELECT count(*) FROM inspection) i, (SELECT count(*) FROM judgement) j")
        again = build_all(store, reports=[folder])
        assert again.warehouse.skipped and again.register_skipped
        assert again.reports["unchanged"] == 2 and again.reports["new"] == 0
        assert store.rows("SELECT (SELECT count(*) FROM inspection) i, (SELECT count(*) FROM judgement) j") == counts
    assert any("report files" in m for m in messages)


def test_build_command_prints_report_failures(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "empty.pdf").write_bytes(b"")
    result = CliRunner().invoke(app, ["build", "--db", str(tmp_path / "s.duckdb"), "--reports", str(folder)])
    assert result.exit_code == 0, result.output
    assert "failed empty.pdf" in result.output
