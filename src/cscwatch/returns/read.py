"""Readers: SSDA903 CSVs and the CIN census XML -> plain rows, or a ReturnFormatError.

Readers check what a file must be to be read at all (text encoding, XML well-formedness, required
columns, real calendar dates, the right collection year and LA) and nothing of DfE's validation
rules, which the validators own (``cscwatch.returns.validate``). Every error names the file, the
row (SSDA903: the spreadsheet row, header = row 1; CIN: the n-th ``<Child>``) and the field, and
never quotes a value: values are children's data.
"""
from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cscwatch.errors import ReturnFormatError
from cscwatch.returns.spec import SSDA903_COLUMNS, SSDA903_DATES, SSDA903_REQUIRED_VALUES


def collection_start(year: int) -> date:
    return date(year - 1, 4, 1)


def collection_end(year: int) -> date:
    return date(year, 3, 31)


# -- SSDA903 CSV ------------------------------------------------------------------------------

@dataclass
class Ssda903File:
    path: Path
    table: str                                   # key of SSDA903_COLUMNS
    rows: list[dict[str, Any]] = field(default_factory=list)   # normalised values + '_row'


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        raise ReturnFormatError(path, "not UTF-8 text; save the file as 'CSV UTF-8' and try again",
                                row=row) from None


def _parse_date(text: str, path: Path, row: int, column: str, *, iso: bool = False) -> date:
    for fmt in (("%Y-%m-%d",) if iso else ("%d/%m/%Y", "%Y-%m-%d")):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ReturnFormatError(path, "not a real date" + (" (YYYY-MM-DD)" if iso else " (dd/mm/YYYY)"),
                            row=row, column=column)


def identify_table(path: Path, header: list[str]) -> str:
    """The SSDA903 table whose columns the header holds (the widest match wins: Header over UASC)."""
    have = set(header)
    full = [t for t, cols in SSDA903_COLUMNS.items() if set(cols) <= have]
    if full:
        return max(full, key=lambda t: len(SSDA903_COLUMNS[t]))
    best = max(SSDA903_COLUMNS, key=lambda t: (len(have & set(SSDA903_COLUMNS[t])), -len(SSDA903_COLUMNS[t])))
    missing = [c for c in SSDA903_COLUMNS[best] if c not in have]
    if len(have & set(SSDA903_COLUMNS[best])) < 2:
        raise ReturnFormatError(path, "not an SSDA903 table: its header matches none of DfE's tables", row=1)
    raise ReturnFormatError(path, f"missing required column(s) {', '.join(missing)} "
                            f"(the file looks like the SSDA903 {best} table)", row=1, column=missing[0])


def read_ssda903_csv(path: str | Path, year: int | None = None) -> Ssda903File:
    """One SSDA903 CSV: column order, case and surrounding spaces do not matter; values are
    stripped, codes upper-cased and dates parsed. ``year`` checks no date lies past its 31 March."""
    path = Path(path)
    text = _decode(path, path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        raw_header = next(reader)
    except StopIteration:
        raise ReturnFormatError(path, "empty file: no header row") from None
    except csv.Error as exc:
        raise ReturnFormatError(path, f"not CSV ({exc})", row=1) from None
    header = [h.strip().upper() for h in raw_header]
    table = identify_table(path, header)
    required = SSDA903_REQUIRED_VALUES.get(table, ())
    end = collection_end(year) if year else None
    out = Ssda903File(path, table)
    try:
        for line_no, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                raise ReturnFormatError(path, f"has {len(values)} fields where the header has {len(header)}",
                                        row=line_no)
            rec: dict[str, Any] = {"_row": line_no}
            for name, value in zip(header, values):
                value = value.strip()
                if name in SSDA903_DATES:
                    rec[name] = _parse_date(value, path, line_no, name) if value else None
                    if end and rec[name] and rec[name] > end:
                        raise ReturnFormatError(path, f"date after the end of the {year - 1}-{str(year)[2:]} "
                                                "collection year (31 March): is this another year's file?",
                                                row=line_no, column=name)
                else:
                    rec[name] = value.upper() if name != "CHILD" else value
            for name in required:
                if not rec.get(name):
                    raise ReturnFormatError(path, "required value is blank", row=line_no, column=name)
            out.rows.append(rec)
    except csv.Error as exc:
        raise ReturnFormatError(path, f"not CSV ({exc})", row=reader.line_num) from None
    if table == "episodes" and year and out.rows:
        start = collection_start(year)
        if not any(r["DEC"] is None or r["DEC"] >= start for r in out.rows):
            raise ReturnFormatError(path, f"no episode is open in the {year - 1}-{str(year)[2:]} collection "
                                    "year: is this another year's file?", column="DEC")
    return out


# -- CIN census XML ----------------------------------------------------------------------------

@dataclass
class CinHeader:
    collection: str | None
    year: int | None
    la_code_old: str | None


@dataclass
class CinChild:
    index: int                                  # 1-based position among <Child> elements
    child_id: str
    birth_date: date | None
    episodes: list[dict[str, Any]]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(el: ET.Element | None, name: str) -> str | None:
    if el is None:
        return None
    for child in el:
        if _local(child.tag) == name:
            t = (child.text or "").strip()
            return t or None
    return None


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == name]


def _bool(text: str | None) -> bool | None:
    if text is None:
        return None
    return text.strip().lower() in ("true", "1", "yes", "y")


def _int(text: str | None, path: Path, row: int, column: str) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise ReturnFormatError(path, "not a whole number", row=row, column=column) from None


def _episode(el: ET.Element, path: Path, row: int, end: date | None) -> dict[str, Any]:
    def d(parent: ET.Element, name: str, column: str) -> date | None:
        t = _text(parent, name)
        if t is None:
            return None
        value = _parse_date(t[:10], path, row, column, iso=True)
        if end and value > end:
            raise ReturnFormatError(path, "date after the end of the collection year (31 March): "
                                    "is this another year's file?", row=row, column=column)
        return value

    referral = d(el, "CINreferralDate", "CINreferralDate")
    if referral is None:
        raise ReturnFormatError(path, "CINdetails without a CINreferralDate", row=row, column="CINreferralDate")
    return {
        "referral_date": referral,
        "referral_nfa": _bool(_text(el, "ReferralNFA")),
        "closure_date": d(el, "CINclosureDate", "CINclosureDate"),
        "reason_for_closure": _text(el, "ReasonForClosure"),
        "primary_need": _text(el, "PrimaryNeedCode"),
        "assessments": [{"start_date": d(a, "AssessmentActualStartDate", "AssessmentActualStartDate"),
                         "authorised_date": d(a, "AssessmentAuthorisationDate", "AssessmentAuthorisationDate")}
                        for a in _children(el, "Assessments")],
        "s47": [{"start_date": d(s, "S47ActualStartDate", "S47ActualStartDate"),
                 "icpc_date": d(s, "DateOfInitialCPC", "DateOfInitialCPC"),
                 "icpc_not_required": _bool(_text(s, "ICPCnotRequired"))}
                for s in _children(el, "Section47")],
        "cpp": [{"start_date": d(p, "CPPstartDate", "CPPstartDate"),
                 "end_date": d(p, "CPPendDate", "CPPendDate"),
                 "previous_cpp": _int(_text(p, "NumberOfPreviousCPP"), path, row, "NumberOfPreviousCPP")}
                for p in _children(el, "ChildProtectionPlans")],
    }


def _xml_error(path: Path, exc: ET.ParseError) -> ReturnFormatError:
    line, col = getattr(exc, "position", (None, None))
    what = str(exc).split(":")[0]
    if "no element found" in str(exc) or "unclosed token" in str(exc):
        reason = "the XML ends early (truncated file?)"
    elif "invalid token" in str(exc) or "encoding" in str(exc):
        reason = f"not well-formed XML ({what}): wrong text encoding or a stray character?"
    else:
        reason = f"not well-formed XML ({what})"
    return ReturnFormatError(path, f"{reason} at line {line}, column {col}", row=line)


def iter_cin(path: str | Path, year: int | None = None) -> Iterator[CinHeader | CinChild]:
    """Stream a CIN census file: first its :class:`CinHeader`, then one :class:`CinChild` per
    ``<Child>``, each element freed once read, so a national file never sits in memory whole."""
    path = Path(path)
    end = collection_end(year) if year else None
    header_sent = False
    index = 0
    stack: list[str] = []
    try:
        for event, el in ET.iterparse(path, events=("start", "end")):
            name = _local(el.tag)
            if event == "start":
                stack.append(name)
                if len(stack) == 1 and name != "Message":
                    raise ReturnFormatError(path, f"not a CIN census file: root element is <{name}>", row=1)
                continue
            stack.pop()
            if name == "Header" and len(stack) == 1:
                details = next((c for c in el if _local(c.tag) == "CollectionDetails"), None)
                source = next((c for c in el if _local(c.tag) == "Source"), None)
                y = _text(details, "Year")
                yield CinHeader(_text(details, "Collection"), int(y) if y and y.isdigit() else None,
                                _text(source, "LEA"))
                header_sent = True
                el.clear()
            elif name == "Child":
                index += 1
                if not header_sent:
                    raise ReturnFormatError(path, "no <Header> before the first <Child>", row=index)
                ids = next((c for c in el if _local(c.tag) == "ChildIdentifiers"), None)
                child_id = _text(ids, "LAchildID")
                if not child_id:
                    raise ReturnFormatError(path, "child without an LAchildID", row=index, column="LAchildID")
                dob_text = _text(ids, "PersonBirthDate")
                dob = _parse_date(dob_text[:10], path, index, "PersonBirthDate", iso=True) if dob_text else None
                episodes = [_episode(e, path, index, end) for e in _children(el, "CINdetails")]
                yield CinChild(index, child_id, dob, episodes)
                el.clear()
    except ET.ParseError as exc:
        raise _xml_error(path, exc) from None
    if not header_sent:
        raise ReturnFormatError(path, "no <Header>: not a CIN census file")


def sniff(path: Path) -> str:
    """'ssda903' for a CSV, 'cin' for an XML file; anything else is not a return file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "ssda903"
    if suffix == ".xml":
        return "cin"
    raise ReturnFormatError(path, "not a return file: expected SSDA903 .csv tables or a CIN census .xml")
