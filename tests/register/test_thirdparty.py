"""The third source: data-to-insight's ILACS scrape, bundled, flagged as third party, at the lowest
precedence, reconciled like the others; the register runs to mid-2026 out of the box."""
from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import date

import pytest
from typer.testing import CliRunner

from cscwatch.cli import app
from cscwatch.errors import SourceFormatError
from cscwatch.register.national import national_stats
from cscwatch.register.official import bundled_dir, load_official
from cscwatch.register.reconcile import reconcile
from cscwatch.register.thirdparty import THIRDPARTY_FILE, load_thirdparty, read_thirdparty


@pytest.fixture(scope="module")
def register(tmp_path_factory):
    from cscwatch.store import Store

    store = Store(tmp_path_factory.mktemp("tp") / "tp.duckdb")
    load_official(store)
    yield store
    store.close()


def test_reads_every_row_in_the_stores_vocabulary():
    rows = read_thirdparty(bundled_dir() / THIRDPARTY_FILE)
    assert len(rows) == 208 and len({r.la_code_old for r in rows}) == 153
    frameworks = Counter(r.framework for r in rows)
    assert frameworks["ILACS-2026"] == 2                       # Brent and Somerset, April 2026
    assert all("overall" not in r.judgements for r in rows if r.framework == "ILACS-2026")
    assert all("care_leavers" not in r.judgements for r in rows if r.framework == "ILACS")
    assert all(r.start_date is None or r.end_date >= r.start_date for r in rows)
    assert sum(r.start_date is None for r in rows) == 3       # matched by publication date instead


def test_matched_added_and_conflicting(register):
    summary = reconcile(register)
    assert (summary.thirdparty_matched, summary.thirdparty_added, summary.thirdparty_conflicts) == (164, 44, 3)
    # the three disagreements: St Helens 2023, where the scrape misread three sub-judgements (the
    # development set's README names it); Ofsted's grade stays in the register
    rows = register.rows("SELECT * FROM thirdparty_discrepancy ORDER BY field")
    assert {r["inspection_id"] for r in rows} == {"342:ILACS-2023:2023-07-10"}
    assert [r["field"] for r in rows] == ["care_leavers", "children_in_care", "help_and_protection"]
    assert all(r["register_source"] == "ofsted" for r in rows)
    held = dict(register.con.execute("SELECT judgement, grade FROM judgement WHERE inspection_id = "
                                     "'342:ILACS-2023:2023-07-10'").fetchall())
    assert held["children_in_care"] == "good" and held["help_and_protection"] == "requires_improvement"


def test_flagged_as_third_party_and_lowest_precedence(register):
    sources = dict(register.con.execute("SELECT sources, count(*) FROM inspection GROUP BY 1").fetchall())
    assert sources == {"ofsted": 663 - 164, "ofsted,thirdparty": 164, "thirdparty": 44}
    # it fills only what Ofsted's lists leave blank: the end dates, never a grade Ofsted gives
    assert register.scalar("SELECT count(*) FROM judgement j JOIN inspection i USING (inspection_id)"
                           " WHERE j.source = 'thirdparty' AND i.sources <> 'thirdparty'") == 0
    assert register.scalar("SELECT count(*) FROM inspection WHERE sources = 'ofsted,thirdparty'"
                           " AND end_date IS NOT NULL") == 161
    # an inspection it alone knows takes the register's spelling of the LA
    assert register.scalar("SELECT la_name FROM inspection WHERE la_code_old = '384' AND sources = 'thirdparty'") \
        == "Wakefield"


def test_a_report_outranks_the_third_party(store, tmp_path):
    pytest.importorskip("reportlab")
    from cscwatch.fixtures.reports import make_report_pdf
    from cscwatch.register.load import ingest_reports

    load_official(store, reconcile=False)
    # Brent's April 2026 short inspection: the scrape says all four good; the report differs on one
    make_report_pdf(tmp_path / "brent.pdf", layout="ilacs_2026", la_name="London Borough of Brent",
                    judgements={"leadership": "good", "help_and_protection": "good", "children_in_care": "outstanding",
                                "care_leavers": "good"}, start=date(2026, 4, 27), end=date(2026, 5, 1))
    ingest_reports(store, [tmp_path / "brent.pdf"], workers=1)
    row = store.rows("SELECT * FROM inspection WHERE la_code_old = '304' AND start_date = DATE '2026-04-27'")[0]
    assert row["sources"] == "report,thirdparty" and row["framework"] == "ILACS-2026"
    grade = store.rows("SELECT grade, source FROM judgement WHERE inspection_id = ? AND judgement = 'children_in_care'",
                       [row["inspection_id"]])[0]
    assert grade == {"grade": "outstanding", "source": "report"}
    disc = store.rows("SELECT * FROM thirdparty_discrepancy WHERE inspection_id = ?", [row["inspection_id"]])
    assert [(d["field"], d["thirdparty_value"], d["register_value"], d["register_source"]) for d in disc] == [
        ("children_in_care", "good", "outstanding", "report")]


def test_national_count_at_30_june_2026(register):
    """Includes the inspections published after 31 March 2025, each with its sources; an LA whose
    latest inspection has no overall grade is listed, not given one."""
    a = national_stats(register, as_at=date(2026, 6, 30))["as_at"]
    assert (a["n_latest"], a["n_las"], a["n_existing"]) == (153, 151, 153)
    assert a["no_overall_grade"] == ["304", "933"]            # Brent, Somerset: April 2026 format
    assert a["counts"] == {"outstanding": 46, "good": 63, "requires_improvement": 29, "inadequate": 13}
    assert a["by_source"] == {"ofsted,thirdparty": 109, "thirdparty": 44}
    later = [x for x in a["latest"] if x["publication_date"] > date(2025, 3, 31)]
    assert len(later) == 53 and {x["sources"] for x in later} == {"ofsted,thirdparty", "thirdparty"}
    brent = next(x for x in a["latest"] if x["la_code_old"] == "304")
    assert brent["overall"] is None and brent["framework"] == "ILACS-2026" and brent["sources"] == "thirdparty"
    assert a["sub_judgements"]["leadership"]["not_graded"] == 0      # its sub-judgements still count


def test_31_march_2025_unchanged_by_the_scrape(register):
    """Wakefield's inspection began 24 March 2025 but was published on 18 July: after Ofsted's table
    was drawn up, so (as in Ofsted's count) its previous inspection stands."""
    a = national_stats(register, as_at=date(2025, 3, 31))["as_at"]
    assert a["counts"] == {"outstanding": 36, "good": 67, "requires_improvement": 31, "inadequate": 19}
    assert a["sub_judgements"]["leadership"]["outstanding"] == 45
    hindsight = national_stats(register, as_at=date(2025, 3, 31), publication_window=None)["as_at"]
    assert hindsight["sub_judgements"]["leadership"]["outstanding"] == 44   # Wakefield's March 2025 inspection


def test_cli_shows_sources_and_the_no_overall_las(tmp_path):
    from cscwatch.store import Store

    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        load_official(store)
    result = CliRunner().invoke(app, ["stats", "national", "--as-at", "2026-06-30", "--format", "json",
                                      "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["as_at"]["no_overall_grade"] == ["304", "933"]
    table = CliRunner().invoke(app, ["stats", "national", "--as-at", "2026-06-30", "--db", str(db)])
    assert "no overall grade" in table.stdout and "thirdparty 44" in table.stdout


def test_bad_scrape_rows_name_row_and_column(tmp_path, store):
    path = tmp_path / THIRDPARTY_FILE
    shutil.copy(bundled_dir() / THIRDPARTY_FILE, path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].replace(",outstanding,", ",splendid,", 1)
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(SourceFormatError) as err:
        load_thirdparty(store, path)
    assert err.value.row == 3 and "splendid" in str(err.value)
    assert store.scalar("SELECT count(*) FROM source_inspection") == 0
