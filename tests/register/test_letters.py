"""Visit letters (focused visits, monitoring visits, JTAIs) read into the register as ungraded
events, on generated letters whose wording follows published ones (see docs/register.md)."""
from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from cscwatch.cli import app
from cscwatch.fixtures.reports import make_report_pdf
from cscwatch.register.layouts.letter import letter_kind, priority_actions, visit_theme
from cscwatch.register.load import ingest_reports
from cscwatch.register.official import load_official
from cscwatch.register.parse import parse_report
from cscwatch.register.visits import list_visits

ACTIONS = ["The timeliness of assessments for children in need, which leaves some children waiting too long.",
           "Management oversight of child protection plans that are not progressing."]


def letter(tmp_path, name="letter.pdf", **spec):
    dates = spec.pop("visit", (date(2024, 2, 20), date(2024, 2, 21)))
    la = spec.pop("la_name", "Wokingham Borough Council")
    return make_report_pdf(tmp_path / name, layout="letter", la_name=la, start=dates[0], end=dates[1],
                           lead_inspector="Alex Example", letter=spec)


def test_focused_visit_with_areas_for_priority_action(tmp_path):
    r = parse_report(letter(tmp_path, kind="focused", theme="Children in need/subject to a plan",
                            priority_actions=ACTIONS))
    assert (r.status, r.doc_type, r.visit_type) == ("no_judgements", "other", "focused")
    assert (r.la_name, r.la_code_old) == ("Wokingham", "872")
    assert (r.inspection_start, r.inspection_end) == (date(2024, 2, 20), date(2024, 2, 21))
    assert r.theme == "Children in need/subject to a plan"
    assert r.priority_actions == tuple(ACTIONS) and r.priority_action
    assert r.lead_inspector == "Alex Example" and r.warnings == () and r.judgements == {}
    assert "a focused visit letter" in r.error and "areas for priority action: 2" in r.error


def test_monitoring_visit_letter(tmp_path):
    r = parse_report(letter(tmp_path, kind="monitoring", theme="Front door", visit_number="third",
                            la_name="Norfolk County Council", visit=(date(2023, 6, 7), date(2023, 6, 8))))
    assert (r.visit_type, r.la_code_old, r.theme, r.priority_actions) == ("monitoring", "926", "Front door", ())
    assert not r.priority_action and r.inspection_start == date(2023, 6, 7)


def test_jtai_letter(tmp_path):
    r = parse_report(letter(tmp_path, kind="jtai", theme="children and families who need help",
                            dates="5 to 9 June 2023", la_name="Norfolk County Council"))
    assert (r.visit_type, r.la_code_old) == ("jtai", "926")
    assert (r.inspection_start, r.inspection_end) == (date(2023, 6, 5), date(2023, 6, 9))
    assert r.theme == "children and families who need help"


@pytest.mark.parametrize("text, expected", [
    ("Inspectors looked at the local authority's arrangements for care leavers.", "Care leavers"),
    ("The focus of the monitoring visit was the local authority 'front door' service.", "Front door"),
    ("Inspectors looked at the experiences and progress of children in care.", "Children in care"),
    ("Inspectors examined the local authority's planning for permanence.", "Achieving permanence"),
    ("Inspectors evaluated the arrangements for vulnerable adolescents at risk of exploitation.",
     "Vulnerable adolescents"),
])
def test_themes_in_ofsteds_vocabulary(text, expected):
    assert visit_theme("focused", text) == expected


def test_priority_actions_as_a_sentence_and_when_there_are_none():
    assert priority_actions(["Ofsted has identified an area for priority action.\nMain findings"])[0]
    assert priority_actions(["Areas for priority action\nThere are no areas for priority action."]) == (False, [])
    assert priority_actions(["What needs to improve\nPlans for children."]) == (False, [])


def test_a_letter_is_known_by_its_own_opening():
    assert letter_kind("Dear Ms Smith\nFocused visit to Norfolk children's services\n") == "focused"
    assert letter_kind("This letter summarises the findings of the monitoring visit to X") == "monitoring"
    # a graded report that mentions visits is not a letter
    assert letter_kind("Inspection of Norfolk local authority children's services\nSince the focused visit "
                       "in 2021 and the joint targeted area inspection in 2022, leaders have ...") is None


def test_letters_stored_beside_ofsteds_visits(store, tmp_path):
    load_official(store, reconcile=False)
    folder = tmp_path / "letters"
    folder.mkdir()
    # Wokingham's focused visit of 20 February 2024 is in Ofsted's 2023-24 list
    letter(folder, "listed.pdf", kind="focused", theme="Children in need/subject to a plan", priority_actions=ACTIONS)
    # a 2026 monitoring visit no list has yet
    letter(folder, "new.pdf", kind="monitoring", theme="Children in care", la_name="Norfolk County Council",
           visit=(date(2026, 3, 10), date(2026, 3, 11)))
    summary = ingest_reports(store, [folder], workers=2)
    assert (summary.new, summary.no_judgements, summary.failed, summary.warnings) == (2, 2, [], [])
    stored = store.rows("SELECT * FROM visit WHERE source = 'report' ORDER BY visit_date")
    assert [r["visit_type"] for r in stored] == ["focused", "monitoring"]
    assert stored[0]["same_as"] == "ofsted:872:focused:2024-02-20" and stored[1]["same_as"] is None
    assert stored[0]["priority_actions"].split("\n") == ACTIONS and stored[0]["priority_action"] is True
    assert store.scalar("SELECT count(*) FROM report_file WHERE sha256 = ?", [stored[0]["report_sha256"]]) == 1

    wokingham = [v for v in list_visits(store, "Wokingham") if v["visit_date"] == date(2024, 2, 20)]
    assert len(wokingham) == 1   # one visit, from both sources
    v = wokingham[0]
    assert (v["sources"], v["theme"], v["priority_actions"]) == ("ofsted,report", "Children in need/subject to a plan",
                                                                  ACTIONS)
    norfolk = [v for v in list_visits(store, "926") if v["visit_date"] == date(2026, 3, 10)]
    assert norfolk[0]["sources"] == "report" and norfolk[0]["visit_type"] == "monitoring"

    # the letter's rows go when its file changes, and a re-run is a no-op
    assert ingest_reports(store, [folder], workers=2).unchanged == 2


def test_visits_command(tmp_path):
    from cscwatch.store import Store

    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        load_official(store)
        ingest_reports(store, [letter(tmp_path, kind="focused", priority_actions=ACTIONS)], workers=1)
    result = CliRunner().invoke(app, ["visits", "--la", "Wokingham", "--format", "json", "--db", str(db)])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["visit_date"] for r in rows] == ["2022-04-12", "2024-02-20", "2024-12-11"]
    assert rows[1]["priority_actions"] == ACTIONS and rows[0]["priority_action"] is None
