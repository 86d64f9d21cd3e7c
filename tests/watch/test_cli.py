"""The watch commands are thin wrappers: options in, one API call, a table/CSV/JSON out, exit codes."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

from typer.testing import CliRunner

from cscwatch.cli import app
from cscwatch.store import Store

from .fakesite import FakeProvider, FakePublication, Reply, report_not_found, serve_ofsted
from .conftest import WINDOW

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_fetch_reports_downloads_ingests_and_reports_failures(site, tmp_path, make_pdf):
    serve_ofsted(site, [
        FakeProvider("80418", "Norfolk County Council", [
            FakePublication("501", "Children's services inspection", date(2025, 7, 20), make_pdf("Norfolk County Council")),
            FakePublication("502", "Children's services focused visit", date(2025, 7, 25),
                            [Reply(report_not_found(), content_type="text/html")])])])
    db = tmp_path / "s.duckdb"
    out = run("fetch", "reports", "--all", "--base-url", site.url, "--rate", "0", "--retries", "0",
              "--format", "json", "--db", db)
    assert out.exit_code == 1, out.output                    # one file refused: say so to cron
    got = json.loads(out.stdout)
    assert [d["url"].rsplit("/", 1)[1] for d in got["downloaded"]] == ["501"]
    assert "502" in got["failed"][0]["url"] and "HTML page" in out.stderr
    assert (tmp_path / "reports" / "ofsted" / "80418" / "2025-07-20_inspection_501.pdf").is_file()
    with Store(db) as s:
        assert s.scalar("SELECT count(*) FROM report_file") == 1
        assert s.scalar("SELECT base_url FROM watch_run") == site.url


def test_fetch_reports_from_an_unreachable_site_is_one_line_and_exit_1(site, tmp_path):
    site.route("/search", Reply(b"", status=503))
    out = run("fetch", "reports", "--base-url", site.url, "--rate", "0", "--retries", "0", "--db", tmp_path / "s.duckdb")
    assert out.exit_code == 1 and "Error:" in out.stderr and "HTTP 503" in out.stderr and "Traceback" not in out.output


def test_fetch_statistics_options(tmp_path):
    db = tmp_path / "s.duckdb"
    out = run("fetch", "statistics", "--data-set", "nonsense", "--db", db)
    assert out.exit_code == 2 and "SOURCE=DATA_SET_ID" in out.output
    out = run("fetch", "statistics", "--data-set", "cin_zz=abc", "--db", db)
    assert out.exit_code == 1 and "no source 'cin_zz'" in out.stderr
    out = run("fetch", "statistics", "--base-url", "http://127.0.0.1:9", "--db", db)
    assert out.exit_code == 0 and "no EES data set ids configured" in out.stderr


def test_changes_table_csv_json_and_digest(tiny, fake_scores, tmp_path):
    db = tiny.path
    tiny.close()
    since, until = (d.isoformat() for d in WINDOW)
    got = json.loads(run("changes", "--since", since, "--until", until, "-f", "json", "--db", db).stdout)
    assert got["counts"]["inspection"] == 2 and got["las"] is None
    rows = list(csv.DictReader(io.StringIO(run("changes", "--since", since, "--until", until, "--la", "LA 1",
                                               "--kind", "inspection", "-f", "csv", "--db", db).stdout)))
    assert [(r["kind"], r["la_code_old"]) for r in rows] == [("inspection", "801")]
    table = run("changes", "--since", since, "--until", until, "--db", db)
    assert table.exit_code == 0 and "Changes 2024-10-01 to 2024-11-30" in table.stdout
    out = run("changes", "--until", until, "--digest", tmp_path / "d", "--db", db)
    assert out.exit_code == 0 and (tmp_path / "d" / "digest-2024-11-30.md").is_file()
    bad = run("changes", "--since", "yesterday", "--db", db)
    assert bad.exit_code == 2 and "--since" in bad.output
    unknown = run("changes", "--la", "Atlantis", "--db", db)
    assert unknown.exit_code == 1 and "unknown local authority 'Atlantis'" in unknown.stderr
