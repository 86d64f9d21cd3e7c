"""The parser's pure pieces: text normalisation, dates, inspectors, LA names, the short/standard rule."""
from __future__ import annotations

from datetime import date

import pytest

from cscwatch.errors import UnknownLocalAuthority
from cscwatch.register.la_names import match_la
from cscwatch.register.layouts.common import clean_person, grade_after, lead_inspectors, parse_date_range, read_header
from cscwatch.register.layouts.ilacs import inspection_kind, weekdays
from cscwatch.register.text import flatten, normalise, sniff_bytes


def test_normalise_plain_ascii_punctuation():
    raw = "Children\u2019s  services\u00a0in \ufb01ve \u201cplaces\u201d \u2013 6\u201317 March\r\nnext\u00ad line "
    assert normalise(raw) == "Children's services in five \"places\" - 6-17 March\nnext line"
    assert flatten("Requires improvement\n to be good") == "Requires improvement to be good"


@pytest.mark.parametrize("text, expected", [
    ("6 to 17 March 2023", (date(2023, 3, 6), date(2023, 3, 17))),
    ("28 February to 4 March 2022", (date(2022, 2, 28), date(2022, 3, 4))),
    ("30 November \u2013 11 December 2015", (date(2015, 11, 30), date(2015, 12, 11))),
    ("6 July 2015 \u2013 30 July 2015", (date(2015, 7, 6), date(2015, 7, 30))),
    ("8 \u2013 12 July 2013", (date(2013, 7, 8), date(2013, 7, 12))),
    ("05 July 2016\u201327 July 2016", (date(2016, 7, 5), date(2016, 7, 27))),
    ("19 November\u201330 November 2018", (date(2018, 11, 19), date(2018, 11, 30))),
    ("18 November 2014 - 10 December 2014", (date(2014, 11, 18), date(2014, 12, 10))),
    ("29 December 2014 to 9 January 2015", (date(2014, 12, 29), date(2015, 1, 9))),
    ("29 December to 9 January 2015", (date(2014, 12, 29), date(2015, 1, 9))),
    ("1 7 March to 2 8 March 20 17", (date(2017, 3, 17), date(2017, 3, 28))),  # stray spaces
    ("11 to 13 July 2023", (date(2023, 7, 11), date(2023, 7, 13))),
])
def test_parse_date_range(text, expected):
    assert parse_date_range(normalise(text)) == expected


def test_header_reads_dates_publication_and_wrapped_range():
    page = normalise("1\nHalton\nInspection of services for children in need of help and\nprotection\n"
                     "Inspection date: 30 November \u2013\n11 December 2015\nReport published: 3 February 2016\n"
                     "Children's services in Halton are good")
    h = read_header(page)
    assert h.inspection_dates == (date(2015, 11, 30), date(2015, 12, 11))
    assert h.publication_date == date(2016, 2, 3)
    assert h.lines[:2] == ["1", "Halton"]


@pytest.mark.parametrize("text, expected", [
    ("Lead inspector: Margaret Burke, His Majesty's Inspector", "Margaret Burke"),
    ("Lead inspector: Tara Geere\nHer Majesty's Inspector", "Tara Geere"),
    ("Lead inspector: Neil Penswick HMI", "Neil Penswick"),
    ("Lead inspector: Dominic Stevens, HMI\nDeputy lead inspector: Lynn Radley, HMI", "Dominic Stevens"),
    ("Deputy lead inspector: Lynn Radley", None),
    ("Joint lead inspectors: Ann Able, HMI and Ben Baker, HMI", "Ann Able; Ben Baker"),
    ("Lead inspector: Ann Able, HMI\nLead inspector: Ben Baker, HMI", "Ann Able; Ben Baker"),
    ("Lead inspector:\nM\u00e1ire Atherton, His Majesty's Inspector", "M\u00e1ire Atherton"),
])
def test_lead_inspectors(text, expected):
    assert lead_inspectors(normalise(text)) == expected


def test_reporting_inspector_only_for_legacy():
    text = "Reporting inspector Gary Lamb HMI"
    assert lead_inspectors(text) is None
    assert lead_inspectors(text, reporting=True) == "Gary Lamb"
    assert clean_person("Jo Bloggs, Senior HMI") == "Jo Bloggs"


def test_grade_after_distinguishes_not_judged_from_absent():
    text = "2.1 Adoption performance Not Judged 2.2 Experiences and progress of care leavers Require improvement"
    assert grade_after(r"2\.1 adoption performance", text) == (None, True)
    assert grade_after(r"2\.2 experiences and progress of care leavers", text)[0].value == "requires_improvement"
    assert grade_after(r"3\. leadership", text) == (None, False)


@pytest.mark.parametrize("printed, name, old, new", [
    ("London Borough of Merton Council", "Merton", "315", "E09000024"),
    ("Metropolitan Borough of Rotherham", "Rotherham", "372", "E08000018"),
    ("Council of the Isles of Scilly", "Isles of Scilly", "420", "E06000053"),
    ("Kingston Upon Hull City Council", "Kingston Upon Hull, City of", "810", "E06000010"),
    ("Hull", "Kingston Upon Hull, City of", "810", "E06000010"),
    ("St Helens Metropolitan Borough Council", "St. Helens", "342", "E08000013"),
    ("Royal Borough of Kingston upon Thames Council", "Kingston upon Thames", "314", "E09000021"),
    ("Telford & Wrekin Council", "Telford and Wrekin", "894", "E06000020"),
    ("City of Bristol", "Bristol, City of", "801", "E06000023"),
    ("City of London Corporation", "City of London", "201", "E09000001"),
    ("Bedford Borough Council", "Bedford Borough", "822", "E06000055"),
    ("Wakefield District Metropolitan Council", "Wakefield", "384", "E08000036"),
    ("Surrey Safeguarding Children Board", "Surrey", "936", "E10000030"),
    ("Northamptonshire County Council", "Northamptonshire", "928", ""),
    ("Cumbria County Council", "Cumbria", "909", ""),
    ("Borough of Poole", "Poole", "836", ""),
    ("Bournemouth Borough Council", "Bournemouth", "837", ""),
    ("Bournemouth, Christchurch and Poole Council", "Bournemouth, Christchurch and Poole", "839", "E06000058"),
    ("Dorset County Council", "Dorset", "838", "E06000059"),
    ("County Durham", "Durham", "840", "E06000047"),
    ("Corporation of London", "City of London", "201", "E09000001"),
    ("City of London Corporation", "City of London", "201", "E09000001"),
])
def test_match_la(printed, name, old, new):
    la = match_la(printed)
    assert (la.name, la.code_old, la.code_new) == (name, old, new)


@pytest.mark.parametrize("printed", ["Atlantis Borough Council", "Council", "Kingston", "Testshire"])
def test_unmappable_la_names_fail_loudly(printed):
    with pytest.raises(UnknownLocalAuthority, match="unknown local authority"):
        match_la(printed)


@pytest.mark.parametrize("start, end, kind", [
    (date(2023, 9, 11), date(2023, 9, 15), "short"),      # one week
    (date(2023, 7, 11), date(2023, 7, 13), "short"),      # 3-day short (Isles of Scilly 2023)
    (date(2022, 2, 28), date(2022, 3, 4), "short"),       # across a month end (Merton 2022)
    (date(2024, 3, 13), date(2024, 3, 19), "short"),      # Wednesday to Tuesday: still five weekdays
    (date(2023, 3, 6), date(2023, 3, 17), "standard"),    # two weeks
    (date(2019, 6, 3), date(2019, 6, 19), "standard"),    # a long standard (Wiltshire 2019)
    (date(2018, 6, 4), date(2018, 6, 13), "standard"),
])
def test_short_or_standard_from_fieldwork(start, end, kind):
    assert inspection_kind(start, end) == kind
    assert weekdays(date(2023, 3, 6), date(2023, 3, 17)) == 10


def test_sniff_bytes():
    assert sniff_bytes(b"%PDF-1.7\n", 9) is None
    assert sniff_bytes(b"", 0) == "empty file (0 bytes)"
    assert "HTML page" in sniff_bytes(b"<!DOCTYPE html><html><title>Oops</title>", 40)


def test_ilacs_rows_read_in_any_text_order():
    """Grades after their label, inside a wrapped label, or all labels first and all grades after."""
    from cscwatch.register.layouts.ilacs import _read_columns, _read_table

    inline = ("Judgement Grade The experiences and progress of children who need help and protection Good "
              "The experiences and progress of children in care and care leavers Inadequate The impact of "
              "leaders on social work practice with children and families Outstanding Overall effectiveness Good")
    assert _read_table(inline)[0] == {"help_and_protection": "Good", "care_combined": "Inadequate",
                                      "leadership": "Outstanding"}
    interleaved = ("Judgement Grade The impact of leaders on social work practice with Good children and "
                   "families The experiences and progress of children who need help and Requires improvement "
                   "to be good protection")
    assert _read_table(interleaved)[0] == {"leadership": "Good",
                                           "help_and_protection": "Requires improvement to be good"}
    columns = ("Judgement Grade The impact of leaders on social work practice with children and families "
               "The experiences and progress of children who need help and protection The experiences and "
               "progress of children in care The experiences and progress of care leavers Overall "
               "effectiveness Good Inadequate Outstanding Requires improvement to be good Good")
    assert _read_columns(columns)[0] == {"leadership": "Good", "help_and_protection": "Inadequate",
                                         "children_in_care": "Outstanding",
                                         "care_leavers": "Requires improvement to be good", "overall": "Good"}
    prose = "The impact of leaders on social work practice with children and families is good."
    assert _read_table(prose)[0] == {}
