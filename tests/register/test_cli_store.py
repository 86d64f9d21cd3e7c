"""The register's store commands: ``reports ingest``, ``inspections``, ``stats national``."""
from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from cscwatch.cli import app
from cscwatch.register.official import load_official
from cscwatch.store import Store

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "store.duckdb"
    with Store(path) as store:
        load_official(store)
    return path


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_inspections_json_for_one_la(db):
    result = run("inspections", "--la", "merton", "--format", "json", "--db", str(db))
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["framework"] for r in rows] == ["SLAC", "SIF", "ILACS", "ILACS-2023"]
    ilacs = rows[2]
    assert ilacs["inspection_type"] == "short" and ilacs["sources"] == "ofsted,thirdparty"
    assert ilacs["start_date"] == "2022-02-28" and ilacs["overall"] == "outstanding"
    assert ilacs["end_date"] == "2022-03-04"            # only the third-party scrape prints end dates
    latest = rows[3]                                    # published after Ofsted's lists end
    assert (latest["sources"], latest["start_date"], latest["la_name"]) == ("thirdparty", "2025-07-14", "Merton")
    assert set(ilacs) >= {"inspection_id", "la_code_old", "la_code_new", "publication_date", "help_and_protection",
                          "children_in_care", "care_leavers", "adoption", "leadership", "lscb",
                          "slac_safeguarding", "slac_looked_after"}
    assert rows[0]["slac_safeguarding"] == "good"


@pytest.mark.parametrize("la", ["315", "E09000024", "MERTON", " Merton "])
def test_la_by_code_or_name(db, la):
    result = run("inspections", "--la", la, "--format", "csv", "--db", str(db))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 4 and {r["la_code_old"] for r in rows} == {"315"}


def test_la_name_variants(db):
    for la, code in [("St Helens", "342"), ("st. helens", "342"), ("Brighton & Hove", "846"),
                     ("Windsor and Maidenhead", "868"), ("city of bristol", "801")]:
        result = run("inspections", "--la", la, "--format", "json", "--db", str(db))
        assert result.exit_code == 0, (la, result.output)
        assert {r["la_code_old"] for r in json.loads(result.stdout)} == {code}, la


def test_successor_history_includes_predecessor(db):
    rows = json.loads(run("inspections", "--la", "Dorset", "--format", "json", "--db", str(db)).stdout)
    assert {r["la_code_old"] for r in rows} == {"835", "838"}


def test_unknown_la_suggests(db):
    result = runner.invoke(app, ["inspections", "--la", "Mertonshire", "--db", str(db)])
    assert result.exit_code == 1
    assert "Merton" in result.output and "did you mean" in result.output


def test_one_letter_typo_resolves(db):
    rows = json.loads(run("inspections", "--la", "Mertonn", "--format", "json", "--db", str(db)).stdout)
    assert {r["la_code_old"] for r in rows} == {"315"}


def test_inspections_table_and_all(db):
    result = run("inspections", "--db", str(db), "--format", "csv")
    assert result.exit_code == 0
    assert len(result.stdout.strip().splitlines()) == 1 + 663 + 44   # official + third party only
    assert run("inspections", "--la", "Norfolk", "--db", str(db)).exit_code == 0


def test_stats_national_json(db):
    result = run("stats", "national", "--as-at", "2025-03-31", "--format", "json", "--db", str(db))
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert {"las_inspected", "by_year", "as_at", "transitions"} <= set(stats)
    assert stats["as_at"]["date"] == "2025-03-31" and stats["as_at"]["n_las"] == 153
    assert stats["as_at"]["counts"] == {"outstanding": 36, "good": 67, "requires_improvement": 31, "inadequate": 19}
    assert stats["as_at"]["sub_judgements"]["care_leavers"]["not_graded"] == 50
    assert set(stats["transitions"]) >= {"matrix", "improved_share", "declined_share", "n"}
    by_fw = json.loads(run("stats", "national", "--by", "framework", "--format", "json", "--db", str(db)).stdout)
    assert "by_framework" in by_fw and "by_year" not in by_fw


def test_stats_national_csv_and_table(db):
    result = run("stats", "national", "--by", "framework", "--format", "csv", "--db", str(db))
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["framework"] for r in rows} >= {"SIF", "ILACS", "ILACS-2023"}
    assert "share_good_or_better" in rows[0]
    table = run("stats", "national", "--as-at", "2025-03-31", "--db", str(db))
    assert table.exit_code == 0 and "153" in table.stdout


def test_bad_date_and_missing_store(db, tmp_path):
    result = runner.invoke(app, ["stats", "national", "--as-at", "31/03/2025", "--db", str(db)])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output  # a usage error, as for every option
    result = runner.invoke(app, ["inspections", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1 and "cscwatch build" in result.output


def test_reports_ingest_reports_failures(tmp_path):
    pytest.importorskip("cscwatch.register.parse")
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "page.pdf").write_text("<html><title>Report not found</title></html>")
    store = tmp_path / "s.duckdb"
    result = runner.invoke(app, ["reports", "ingest", str(folder), "--db", str(store)])
    assert result.exit_code == 1                      # nothing could be ingested
    assert "1 failed" in result.stdout and "page.pdf" in result.output
    result = runner.invoke(app, ["reports", "ingest", str(folder), "--db", str(store)])
    assert "1 unchanged" in result.stdout and result.exit_code == 0
