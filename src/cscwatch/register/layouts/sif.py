"""Single Inspection Framework reports (November 2013 - 2018), re-inspections, and LSCB reviews.

Page 1 gives the overall judgement as a headline ("The overall judgement is that children's services
are good", "Children's services in Norfolk are inadequate") and a numbered table: 1 help and
protection, 2 children looked after and achieving permanence, 2.1 adoption performance, 2.2
experiences and progress of care leavers, 3 leadership, management and governance. The table can
run on to page 2 (Oldham 2015). "Not judged" rows are blank.

The LSCB review grade is in the file when the title says so ("... and Review of the effectiveness
of the Local Safeguarding Children Board") or when a separate LSCB report is appended to the PDF
(Kingston upon Hull 2015); a review can also be published alone (Surrey 2015: framework ``LSCB``).
The lead inspector is printed near the end, under "The inspection team"; the contents page says
where, so only a handful of pages are read.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from cscwatch.grades import Grade, parse_grade
from cscwatch.register.layouts.common import GRADE, Header, LayoutResult, find_row, lead_inspectors
from cscwatch.register.layouts.table import merge_readings, read_rows
from cscwatch.register.text import ReportDocument, flatten

TITLE = re.compile(r"(re-?\s?)?inspection of services for children in need of help and protection", re.I)
LSCB_TITLE = re.compile(
    r"(?:review|inspection) of the effectiveness of the local safeguarding children'?s? board", re.I)

ROWS: dict[str, str] = {
    "help_and_protection": r"\b1\.?\s*children who need help and protection",
    "children_in_care": r"\b2\.?\s*children looked after and achieving permanence",
    "adoption": r"\b2\.1\.?\s*adoption performance",
    "care_leavers": r"\b2\.2\.?\s*experiences and progress of care leavers",
    "leadership": r"\b3\.?\s*leadership,?\s*management,? and governance",
}
OVERALL = re.compile(
    r"(?:overall judgement is(?: that)?(?: the)?(?: children'?s services)?(?: in (?:St\.|[^.]){1,80}?)?"
    r"|children'?s services(?: in (?:St\.|[^.]){1,80}?)?|overall effectiveness(?: of children'?s services)?)"
    r"\s+(?:are\s+|is\s+|were\s+)?(?:judged\s+(?:to\s+be\s+)?|rated\s+)?" + GRADE, re.I)
LSCB_GRADE = re.compile(
    r"\bthe\s+(?:effectiveness\s+of\s+the\s+)?(?:local\s+safeguarding\s+children'?s?\s+board|lscb)"
    r"(?:\s*\(lscb\))?\s+(?:is\s+|are\s+)?(?:judged\s+(?:to\s+be\s+)?)?" + GRADE + r"\b", re.I)
_REINSPECTION = re.compile(r"\bthis (?:is a )?re-?\s?inspection\b", re.I)
_DATES_AT_TOP = re.compile(r"^(?:inspection|review) dates?\b", re.I | re.M)


def looks_like(header: Header) -> bool:
    return bool(TITLE.search(header.flat))


def is_lscb_only(header: Header) -> bool:
    return bool(LSCB_TITLE.search(header.flat)) and not TITLE.search(header.flat)


def is_report_start(text: str) -> bool:
    """A page that opens a report (SIF or LSCB): a dates line and a report title near its top."""
    top = "\n".join(text.split("\n")[:14])
    return bool(_DATES_AT_TOP.search(top) and (LSCB_TITLE.search(flatten(top)) or TITLE.search(flatten(top))))


def lscb_grade(pages: Iterable[str]) -> tuple[Grade | None, bool]:
    for text in pages:
        m = LSCB_GRADE.search(flatten(text))
        if m:
            return parse_grade(m.group("grade")), True
    return None, False


_CONTENTS_LINE = re.compile(r"^(.*?\D)\s*(\d{1,3})$")


def read_contents(doc: ReportDocument) -> dict[str, int]:
    """Printed page numbers from the contents page (pages 2-5): ``info`` (Information about this
    inspection, where the inspection team is listed), ``lscb`` (the LSCB section) and ``last``.

    SIF reports number page 1 as 1, so a printed number is the 1-based PDF page.
    """
    for i in range(1, min(doc.n_pages, 5)):
        text = doc.page(i)
        if not re.search(r"^contents$", text, re.I | re.M):
            continue
        out: dict[str, int] = {}
        for line in text.split("\n"):
            m = _CONTENTS_LINE.match(line)
            if not m:
                continue
            title, num = m.group(1).lower(), int(m.group(2))
            out["last"] = max(out.get("last", 0), num)
            if "information about this inspection" in title:
                out.setdefault("info", num)
            if "safeguarding children board" in title or "lscb" in title:
                out.setdefault("lscb", num)
        return out
    return {}


def _near(doc: ReportDocument, printed: int | None) -> list[int]:
    """0-based indices to try for a printed page number: the page, then its neighbours."""
    if not printed:
        return []
    return [i for i in (printed - 1, printed, printed - 2) if 0 <= i < doc.n_pages]


def _lead(doc: ReportDocument, hint: list[int], first_report_end: int) -> str | None:
    """Lead inspector: on the hinted pages, else the first report read from its end, else anywhere."""
    order = hint + list(range(first_report_end - 1, -1, -1)) + list(range(first_report_end, doc.n_pages))
    for i in dict.fromkeys(order):
        lead = lead_inspectors(doc.page(i))
        if lead:
            return lead
    return None


def parse(doc: ReportDocument, header: Header) -> LayoutResult:
    contents = read_contents(doc)
    front = flatten(doc.page(0)) + " " + flatten(doc.page(1))

    text_order = {key: row[0] for key, label in ROWS.items() if (row := find_row(label, front))}
    layout = read_rows(doc.segments(0), ROWS)
    if len(layout) < len(ROWS):   # the table runs on to page 2 (Oldham 2015)
        more = read_rows(doc.segments(1), ROWS)
        for key, grade in more.items():
            if key not in layout:
                layout[key] = grade
                layout.beside[key] = more.beside.get(key, [])
    rows, conflicts = merge_readings(text_order, layout)
    judgements: dict[str, Grade | None] = {}
    missing: list[str] = []
    not_judged: list[str] = []
    for key in ROWS:
        judgements[key] = parse_grade(rows[key]) if key in rows else None
        if key not in rows:
            missing.append(key)
        elif judgements[key] is None:
            not_judged.append(key)
    warnings = [(key, "conflict", f"read in text order the grade is {a!r}, by its place on the page {b!r}:"
                 f" the {kept} reading is kept") for key, a, b, kept in conflicts]
    m = OVERALL.search(flatten(doc.page(0)))
    if m:
        judgements["overall"] = parse_grade(m.group("grade"))
    else:
        missing.append("overall")

    # pages past the contents' last entry (plus the back cover) may hold another report
    tail_from = contents["last"] if "last" in contents else 1  # 0-based index of the page after it
    starts = [i for i in range(max(tail_from, 1), doc.n_pages) if is_report_start(doc.page(i))]
    first_end = starts[0] if starts else doc.n_pages

    title = header.flat
    if LSCB_TITLE.search(title):
        hint = _near(doc, contents.get("lscb"))
        order = [0] + hint + list(range(1, first_end))
        grade, found = lscb_grade(doc.page(i) for i in dict.fromkeys(order))
        judgements["lscb"] = grade
        if not found:
            missing.append("lscb")
    else:  # a separate LSCB report appended to the file (Kingston upon Hull 2015)
        bounds = starts + [doc.n_pages]
        for s, e in zip(bounds, bounds[1:]):
            if LSCB_TITLE.search(flatten("\n".join(doc.page(s).split("\n")[:14]))):
                grade, found = lscb_grade(doc.page(i) for i in range(s, e))
                if found:
                    judgements["lscb"] = grade
                    break
    lead = _lead(doc, _near(doc, contents.get("info")), first_end)
    # the title says "Re-inspection" on most re-inspections; others say so in their summary
    reinspection = bool(re.search(r"\bre-?\s?inspection of services", title, re.I)) or any(
        _REINSPECTION.search(flatten(text)) for i, text in doc.read_so_far().items() if i < first_end)
    return LayoutResult(
        doc_type="sif",
        framework="SIF",
        inspection_type="reinspection" if reinspection else None,  # absence of the words proves nothing
        judgements=judgements,
        lead_inspector=lead,
        missing=missing,
        warnings=warnings,
        not_judged=not_judged,
    )


def parse_lscb_only(doc: ReportDocument, header: Header) -> LayoutResult:
    """A review of the LSCB published on its own: one grade, framework ``LSCB``."""
    grade, found = lscb_grade(doc.page(i) for i in range(doc.n_pages))
    return LayoutResult(
        doc_type="other",
        framework="LSCB",
        inspection_type="lscb_review",
        judgements={"lscb": grade},
        lead_inspector=_lead(doc, [], doc.n_pages),
        missing=[] if found else ["lscb"],
    )
