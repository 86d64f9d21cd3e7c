"""Unattended parsing: every parsed report carries every field its framework requires, or a typed
warning naming what is missing and why. The formats behind the misreadings found on unseen reports
(two fieldwork periods, role words around the lead inspector, grades split from their labels by the
text layer) are fixed for the format, and each is tested on generated PDFs."""
from __future__ import annotations

import csv
from datetime import date

import pytest
from typer.testing import CliRunner

from cscwatch.cli import app
from cscwatch.fixtures.reports import SAMPLE_GRADES as GRADES
from cscwatch.register.layouts.common import clean_person, parse_fieldwork, read_header
from cscwatch.register.layouts.ilacs import inspection_kind
from cscwatch.register.model import PARSE_CSV_COLUMNS, ParseWarning
from cscwatch.register.parse import parse_report
from cscwatch.register.text import normalise

SPLIT = {k: GRADES[k] for k in ("overall", "leadership", "help_and_protection", "children_in_care", "care_leavers")}


def grades(report):
    return {k: g.value for k, g in report.judgements.items()}


def codes(report):
    return {(w.field, w.code) for w in report.warnings}


# -- grades split from their labels by the text layer -------------------------------------------------

@pytest.mark.parametrize("split", [False, True])
def test_grade_cells_drawn_before_their_labels(report_pdf, split):
    """The text layer lists each grade ahead of its row: read in text order, every row would take
    the next row's grade. Read by position, each grade is back in its row."""
    path = report_pdf(layout="ilacs_split", judgements=SPLIT, grades_drawn="before", split_grades=split,
                      start=date(2023, 9, 11), end=date(2023, 9, 22))
    r = parse_report(path)
    assert r.status == "parsed", r.error
    assert grades(r) == SPLIT
    # where the text order would have read another grade, the report says so
    assert {c for _, c in codes(r)} <= {"conflict"} and ("leadership", "conflict") in codes(r)
    assert all("the page reading is kept" in w.message for w in r.warnings)


def test_text_order_and_layout_agree_on_an_ordinary_table(report_pdf):
    r = parse_report(report_pdf(layout="ilacs_split", judgements=SPLIT, split_grades=True,
                                start=date(2023, 9, 11), end=date(2023, 9, 22)))
    assert grades(r) == SPLIT and r.warnings == ()


# -- two fieldwork periods ----------------------------------------------------------------------------

@pytest.mark.parametrize("printed, periods", [
    ("6 to 17 March 2023", [(date(2023, 3, 6), date(2023, 3, 17))]),
    ("12 to 16 and 19 to 23 November 2018", [(date(2018, 11, 12), date(2018, 11, 16)),
                                             (date(2018, 11, 19), date(2018, 11, 23))]),
    ("27 to 29 November and 4 to 5 December 2023", [(date(2023, 11, 27), date(2023, 11, 29)),
                                                     (date(2023, 12, 4), date(2023, 12, 5))]),
    ("6 and 7 March 2019", [(date(2019, 3, 6), date(2019, 3, 6)), (date(2019, 3, 7), date(2019, 3, 7))]),
    ("4 to 6 March 2024 (on site) and 11 to 12 March 2024 (on site)",
     [(date(2024, 3, 4), date(2024, 3, 6)), (date(2024, 3, 11), date(2024, 3, 12))]),
])
def test_fieldwork_periods(printed, periods):
    assert parse_fieldwork(normalise(printed)) == periods


def test_short_inspection_printed_as_two_periods_is_short_and_ends_on_its_last_day(report_pdf):
    r = parse_report(report_pdf(layout="ilacs_split", judgements=SPLIT,
                                fieldwork="27 to 29 November and 4 to 5 December 2023"))
    assert r.status == "parsed", r.error
    assert (r.doc_type, r.inspection_type) == ("ilacs_short", "short")          # 5 weekdays on site
    assert (r.inspection_start, r.inspection_end) == (date(2023, 11, 27), date(2023, 12, 5))
    # the span from first to last day is seven weekdays: only the days on site count
    assert inspection_kind(date(2023, 11, 27), date(2023, 12, 5)) == "standard"
    standard = parse_report(report_pdf("std.pdf", layout="ilacs_split", judgements=SPLIT,
                                       fieldwork="12 to 16 and 19 to 23 November 2023"))
    assert standard.doc_type == "ilacs_standard"


def test_second_period_wrapped_on_to_the_next_line_sets_the_end_date():
    page = normalise("Inspection of Norfolk local authority children's services\n"
                     "Inspection dates: 6 to 8 March 2023 and\n13 to 14 March 2023\n"
                     "Lead inspector: Alex Example, His Majesty's Inspector")
    h = read_header(page)
    assert h.inspection_dates == (date(2023, 3, 6), date(2023, 3, 14))
    assert len(h.fieldwork) == 2 and inspection_kind(*h.inspection_dates, periods=h.fieldwork) == "short"
    one = read_header(normalise("Inspection dates: 6 to 17 March 2023\nLead inspector: Alex Example"))
    assert one.inspection_dates == (date(2023, 3, 6), date(2023, 3, 17)) and len(one.fieldwork) == 1


# -- role words around the lead inspector's name ------------------------------------------------------

@pytest.mark.parametrize("printed", [
    "On site: Jane Smith", "Jane Smith (HMI)", "Jane Smith, Her Majesty's Inspector", "Jane Smith HMI",
    "Jane Smith, Lead inspector", "Lead inspector: Jane Smith", "Jane Smith (Lead inspector)",
    "On-site: Jane Smith (HMI)", "Jane Smith, Senior HMI", "Jane Smith, Ofsted Inspector",
    "Jane Smith, His Majesty's Inspector (on site)",
])
def test_role_words_around_the_name(printed):
    assert clean_person(normalise(printed)) == "Jane Smith"


@pytest.mark.parametrize("line", ["On site: Máire Atherton (HMI)", "Máire Atherton HMI Lead inspector",
                                  "Máire Atherton, His Majesty's Inspector"])
def test_lead_inspector_read_without_role_words(report_pdf, line):
    r = parse_report(report_pdf(layout="ilacs_split", judgements=SPLIT, lead_line=line,
                                start=date(2023, 9, 11), end=date(2023, 9, 22)))
    assert r.lead_inspector == "Máire Atherton" and r.warnings == ()


def test_lead_inspector_that_is_not_a_name_is_a_warning(report_pdf):
    r = parse_report(report_pdf(layout="ilacs_split", judgements=SPLIT, lead_line="to be confirmed",
                                start=date(2023, 9, 11), end=date(2023, 9, 22)))
    assert r.status == "parsed" and ("lead_inspector", "unreadable") in codes(r)


# -- blanks always say why ----------------------------------------------------------------------------

def test_a_row_not_found_is_parsed_with_a_warning(report_pdf):
    r = parse_report(report_pdf(layout="ilacs_split", judgements=SPLIT, omit_rows=("help_and_protection",),
                                start=date(2023, 9, 11), end=date(2023, 9, 22)))
    assert r.status == "parsed" and "help_and_protection" not in r.judgements
    assert codes(r) == {("help_and_protection", "not_found")}
    assert r.as_row()["warnings"].startswith("not_found(help_and_protection): no grade found")


def test_no_overall_row_before_april_2026_is_not_the_2026_format(report_pdf):
    """Four rows and no overall one, for an inspection of 2024: a row the parser missed, not the
    April 2026 format. The framework stays ILACS-2023 and the report says the overall is missing."""
    early = parse_report(report_pdf(layout="ilacs_2026", judgements=SPLIT, start=date(2024, 5, 13),
                                    end=date(2024, 5, 24)))
    assert early.framework == "ILACS-2023" and "overall" not in early.judgements
    assert codes(early) == {("overall", "inconsistent")}
    late = parse_report(report_pdf("late.pdf", layout="ilacs_2026", judgements=SPLIT, start=date(2026, 5, 11),
                                   end=date(2026, 5, 22)))
    assert late.framework == "ILACS-2026" and late.warnings == ()


def test_not_judged_rows_say_so(report_pdf):
    r = parse_report(report_pdf(layout="sif", judgements=dict(GRADES, adoption=None), start=date(2016, 4, 11),
                                end=date(2016, 4, 28), published=date(2016, 6, 27), la_name="Isles of Scilly"))
    assert r.status == "parsed" and codes(r) == {("adoption", "not_judged")}


def test_no_la_name_is_an_error_with_a_typed_warning(tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "r.pdf"
    c = canvas.Canvas(str(path))
    for i, line in enumerate(["Inspection of local authority children's services", "Inspection dates: 6 to 17 March 2023",
                              "Lead inspector: Alex Example", "Judgement Grade",
                              "The impact of leaders on social work practice with children and families Good"]):
        c.drawString(60, 760 - 20 * i, line)
    c.save()
    r = parse_report(path)
    assert r.status == "error" and "no local authority name" in r.error
    assert ("la_code_old", "not_found") in codes(r)


def test_unknown_la_is_an_error_with_a_typed_warning(report_pdf):
    r = parse_report(report_pdf(layout="ilacs", la_name="Atlantis Borough Council"))
    assert r.status == "error" and ("la_code_old", "unknown_la") in codes(r)


def test_a_graded_report_that_mentions_a_focused_visit_is_not_a_letter(tmp_path):
    """A report whose table cannot be read stays a report with an error, even though its summary
    mentions the focused visit since the last inspection."""
    from reportlab.pdfgen import canvas

    path = tmp_path / "r.pdf"
    c = canvas.Canvas(str(path))
    for i, line in enumerate(["Inspection of Norfolk local authority children's services",
                              "Inspection dates: 6 to 17 March 2023",
                              "Lead inspector: Alex Example, His Majesty's Inspector",
                              "Since the focused visit in July 2021, leaders have made progress."]):
        c.drawString(60, 760 - 20 * i, line)
    c.save()
    r = parse_report(path)
    assert r.status == "error" and r.visit_type is None
    assert "judgement table not read" in r.error


def test_parse_csv_has_every_column_and_warnings_last(report_pdf, tmp_path):
    report_pdf("a.pdf", layout="ilacs_split", judgements=SPLIT, omit_rows=("care_leavers",),
               start=date(2023, 9, 11), end=date(2023, 9, 22))
    report_pdf("b.pdf", layout="ilacs_split", judgements=SPLIT, start=date(2023, 9, 11), end=date(2023, 9, 22))
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["reports", "parse", str(report_pdf("c.pdf").parent), "--csv", str(out)])
    with open(out, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == list(PARSE_CSV_COLUMNS) and reader.fieldnames[-1] == "warnings"
        rows = {r["file"]: r for r in reader}
    assert rows["a.pdf"]["warnings"].startswith("not_found(care_leavers)")
    assert rows["b.pdf"]["warnings"] == ""
    assert result.exit_code == 0   # warnings are not failures


def test_warning_codes_are_checked():
    with pytest.raises(ValueError):
        ParseWarning("overall", "oops", "an unknown code")
