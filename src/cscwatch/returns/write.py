"""Writers for return files in DfE's formats: SSDA903 CSV tables and the CIN census XML.

Used by the synthetic generator and by tests that hand-build known cases; they take the same
shapes the readers give back (SSDA903 rows keyed by DfE column names, CIN children with nested
episodes), so a write-then-read round trip is the identity on what the measures use.
"""
from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cscwatch.returns.spec import SSDA903_COLUMNS

#: File name per SSDA903 table (LAs' own names vary: the reader goes by the header).
FILE_NAMES = {t: f"ssda903_{t}.csv" for t in SSDA903_COLUMNS}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def write_ssda903_table(path: Path, table: str, rows: Iterable[dict[str, Any]]) -> Path:
    columns = SSDA903_COLUMNS[table]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for r in rows:
            w.writerow([_cell(r.get(c)) for c in columns])
    return path


def write_ssda903(folder: Path, tables: dict[str, list[dict[str, Any]]]) -> list[Path]:
    """One CSV per table, as LAs submit them."""
    return [write_ssda903_table(folder / FILE_NAMES[t], t, rows) for t, rows in tables.items()]


def _sub(parent: ET.Element, tag: str, value: Any = None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if value is not None:
        el.text = value.isoformat() if isinstance(value, date) else ("true" if value is True else
                                                                       "false" if value is False else str(value))
    return el


def _opt(parent: ET.Element, tag: str, value: Any) -> None:
    if value is not None:
        _sub(parent, tag, value)


def child_element(child: dict[str, Any]) -> ET.Element:
    """One ``<Child>`` in the census layout (DOMAIN.md §4.2)."""
    el = ET.Element("Child")
    ids = _sub(el, "ChildIdentifiers")
    _sub(ids, "LAchildID", child["id"])
    _sub(ids, "UPNunknown", child.get("upn_unknown", "UN1"))
    _opt(ids, "PersonBirthDate", child.get("dob"))
    _sub(ids, "Sex", child.get("sex", "U"))
    chars = _sub(el, "ChildCharacteristics")
    _sub(chars, "Ethnicity", child.get("ethnicity", "NOBT"))
    _sub(_sub(chars, "Disabilities"), "Disability", child.get("disability", "NONE"))
    for e in child["episodes"]:
        d = _sub(el, "CINdetails")
        _sub(d, "CINreferralDate", e["referral_date"])
        _sub(d, "ReferralSource", e.get("referral_source", "1A"))
        _sub(d, "PrimaryNeedCode", e.get("primary_need") or "N1")
        _opt(d, "CINclosureDate", e.get("closure_date"))
        _opt(d, "ReasonForClosure", e.get("reason_for_closure"))
        _sub(d, "ReferralNFA", bool(e.get("referral_nfa")))
        for a in e.get("assessments", ()):
            x = _sub(d, "Assessments")
            _opt(x, "AssessmentActualStartDate", a.get("start_date"))
            _opt(x, "AssessmentAuthorisationDate", a.get("authorised_date"))
            if a.get("authorised_date"):
                _sub(_sub(x, "FactorsIdentifiedAtAssessment"), "AssessmentFactors", a.get("factor", "21"))
        for p in e.get("cin_plans", ()):
            x = _sub(d, "CINPlanDates")
            _sub(x, "CINPlanStartDate", p["start_date"])
            _opt(x, "CINPlanEndDate", p.get("end_date"))
        for s in e.get("s47", ()):
            x = _sub(d, "Section47")
            _opt(x, "S47ActualStartDate", s.get("start_date"))
            _opt(x, "DateOfInitialCPC", s.get("icpc_date"))
            _sub(x, "ICPCnotRequired", bool(s.get("icpc_not_required")))
        for c in e.get("cpp", ()):
            x = _sub(d, "ChildProtectionPlans")
            _opt(x, "CPPstartDate", c.get("start_date"))
            _opt(x, "CPPendDate", c.get("end_date"))
            _sub(x, "InitialCategoryOfAbuse", c.get("category", "NEG"))
            _sub(x, "LatestCategoryOfAbuse", c.get("category", "NEG"))
            _opt(x, "NumberOfPreviousCPP", c.get("previous_cpp"))
            for rv in c.get("reviews", ()):
                _sub(_sub(x, "Reviews"), "CPPreviewDate", rv)
    return el


def write_cin_xml(path: Path, la_code_old: str, year: int, children: Iterable[dict[str, Any]]) -> Path:
    """A census file written child by child (no whole-document tree), like the reader reads it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = ET.Element("Header")
    cd = _sub(header, "CollectionDetails")
    _sub(cd, "Collection", "CIN")
    _sub(cd, "Year", year)
    _sub(cd, "ReferenceDate", date(year, 3, 31))
    src = _sub(header, "Source")
    for tag, value in (("SourceLevel", "L"), ("LEA", la_code_old), ("SoftwareCode", "cscwatch synthetic"),
                       ("Release", "1"), ("SerialNo", "001"),
                       ("DateTime", datetime(year, 5, 1, 12, 0).isoformat())):
        _sub(src, tag, value)
    with path.open("w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="utf-8"?>\n<Message>')
        fh.write(ET.tostring(header, encoding="unicode"))
        fh.write("<Children>")
        for child in children:
            fh.write(ET.tostring(child_element(child), encoding="unicode"))
            fh.write("\n")
        fh.write("</Children></Message>\n")
    return path
