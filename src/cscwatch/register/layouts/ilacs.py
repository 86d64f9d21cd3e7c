"""ILACS standard and short inspections (January 2018 on), including the April-2026 format.

Page 1 carries a "Judgement | Grade" table. Its rows, in the order most reports print them:
the impact of leaders; help and protection; children in care *and care leavers* (one combined
judgement, inspections before 2023) or children in care and care leavers as two rows (2023 on);
overall effectiveness (dropped from April 2026). Which set applies is read from the table itself,
never from the date. Rows can come in another order (Wakefield 2018 lists leaders last) and grades
wrap over lines, so each row is found by its label with the grade right after it.

The table is read twice: in text order (a row's label, then its grade) and by position on the page
(:mod:`~cscwatch.register.layouts.table`), which puts back a grade cell the text layer gives before,
between or apart from its label's lines. Rows either reading found are kept; where they disagree
the report carries a ``conflict`` warning (see :func:`~cscwatch.register.layouts.table.merge_readings`
for which is kept).

The report never says "short" or "standard": the fieldwork does. A short inspection has one week of
fieldwork on site (sometimes only three days), a standard one two weeks, so at most five weekdays on
site means short. The weekdays are counted inside the printed periods, so a short inspection
printed as two periods ("27 to 29 November and 4 to 5 December 2023") is short, and its end date
is the last day of the last period.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta

from cscwatch.grades import parse_grade
from cscwatch.register.layouts.common import (
    GRADE, Header, LayoutResult, Period, find_row, lead_inspectors)
from cscwatch.register.layouts.table import TableReading, merge_readings, read_rows
from cscwatch.register.text import ReportDocument, flatten

_EP = r"(?:the\s+)?experiences? and progress of "
ROWS: dict[str, str] = {
    "leadership": r"(?:the\s+)?impact of leaders on social work practice with children and (?:their\s+)?families",
    "help_and_protection": _EP + r"children (?:who need|in need of) help and protection",
    "care_combined": _EP + r"children in care and care leavers",
    "children_in_care": _EP + r"children in care(?!\s+and\s+care\s+leavers)",
    "care_leavers": _EP + r"care leavers",
}
OVERALL = r"overall effectiveness"
_TABLE_HEAD = re.compile(r"\bjudgements?\s+grades?\b", re.I)

#: Most weekdays of fieldwork a short inspection has.
SHORT_MAX_WEEKDAYS = 5


def weekdays(start: date, end: date) -> int:
    """Weekdays from start to end inclusive."""
    n, d = 0, start
    while d <= end:
        n += d.weekday() < 5
        d += timedelta(days=1)
    return n


#: The first inspections without an overall effectiveness judgement (DOMAIN.md section 1.1).
NO_OVERALL_FROM = date(2026, 4, 1)


def inspection_kind(start: date, end: date | None = None, *, periods: Sequence[Period] = ()) -> str:
    """``short`` for up to one week of fieldwork on site, else ``standard``.

    With ``periods`` (the printed fieldwork periods) only the weekdays inside them count, so a
    short inspection printed as two periods is still short.
    """
    spans = list(periods) or [(start, end or start)]
    days = {d for a, b in spans for d in _days(a, b) if d.weekday() < 5}
    return "short" if len(days) <= SHORT_MAX_WEEKDAYS else "standard"


def _days(start: date, end: date):
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)


def looks_like(header: Header, page1_flat: str) -> bool:
    title = header.flat.lower()
    if re.search(r"inspection of .*children'?s (?:social care )?services", title):
        return True
    return bool(_TABLE_HEAD.search(page1_flat) and re.search(ROWS["help_and_protection"], page1_flat, re.I))


def _read_table(text: str) -> tuple[dict, int]:
    """Each row label with its grade right after it: {row key: match}, and where the last one ends."""
    head = _TABLE_HEAD.search(text)
    start = head.end() if head else 0
    found: dict[str, str] = {}
    last_end = start
    for key, label in ROWS.items():
        row = find_row(label, text, start)
        if row:
            found[key] = row[0]
            last_end = max(last_end, row[1])
    return found, last_end


def _read_columns(text: str) -> tuple[dict, int]:
    """Fallback for a table whose text layer gives all row labels first and then all grades."""
    head = _TABLE_HEAD.search(text)
    start = head.end() if head else 0
    labels = []
    for key, label in list(ROWS.items()) + [("overall", OVERALL)]:
        m = re.compile(label, re.I).search(text, start)
        if m:
            labels.append((m.start(), m.end(), key))
    labels.sort()
    if any(k == "care_combined" for _, _, k in labels):  # its prefix is not a row of its own
        labels = [x for x in labels if x[2] != "children_in_care"]
    if not labels:
        return {}, start
    grades = list(re.finditer(r"\s*" + GRADE + r"\b", text[labels[-1][1]:labels[-1][1] + 400], re.I))
    # the grades must follow one another directly after the last label
    run, pos = [], 0
    for g in grades:
        if g.start() != pos:
            break
        run.append(g)
        pos = g.end()
    if len(run) != len(labels):
        return {}, start
    return {key: g.group("grade") for (_, _, key), g in zip(labels, run)}, labels[-1][1] + pos


#: Every row the layout reads, overall effectiveness last.
TABLE_ROWS: dict[str, str] = {**ROWS, "overall": OVERALL}


def _text_order_rows(doc: ReportDocument) -> dict[str, str]:
    """The table read in text order: {row key: grade text}, overall included when found."""
    text = flatten(doc.first_page)
    rows, table_end = _read_table(text)
    if not rows:
        rows, _ = _read_columns(text)
        if rows:
            return rows
    if not _complete(rows) and doc.n_pages > 1:  # the table runs on to page 2
        text = text + " " + flatten(doc.page(1))
        rows, table_end = _read_table(text)
    head = _TABLE_HEAD.search(text)
    overall = find_row(OVERALL, text[(head.end() if head else 0): table_end + 120])
    if overall:
        rows["overall"] = overall[0]
    return rows


def _layout_rows(doc: ReportDocument) -> TableReading:
    """The table read by position on the page (page 2 too when the table runs on)."""
    rows = read_rows(doc.segments(0), TABLE_ROWS)
    if not (_complete(rows) and "overall" in rows) and doc.n_pages > 1:
        more = read_rows(doc.segments(1), TABLE_ROWS)
        for key, grade in more.items():
            if key not in rows:
                rows[key] = grade
                rows.beside[key] = more.beside.get(key, [])
    return rows


def _complete(rows) -> bool:
    return {"leadership", "help_and_protection"} <= rows.keys() and (
        "care_combined" in rows or {"children_in_care", "care_leavers"} <= rows.keys())


def parse(doc: ReportDocument, header: Header) -> LayoutResult:
    rows, conflicts = merge_readings(_text_order_rows(doc), _layout_rows(doc))
    overall_text = rows.pop("overall", None)
    result = _result(doc, header, rows, (parse_grade(overall_text), True) if overall_text else (None, False))
    for key, text_order, layout, kept in conflicts:
        name = "children_in_care" if key == "care_combined" else key
        result.warnings.append((name, "conflict", f"read in text order the grade is {text_order!r}, by its place"
                                f" on the page {layout!r}: the {kept} reading is kept"))
    return result


def _result(doc: ReportDocument, header: Header, rows: dict, overall_found: tuple) -> LayoutResult:
    overall, has_overall = overall_found

    def g(key):
        return parse_grade(rows[key]) if key in rows else None

    not_judged = [("children_in_care" if k == "care_combined" else k) for k in rows if g(k) is None]
    if has_overall and overall is None:
        not_judged.append("overall")
    judgements = {"leadership": g("leadership"), "help_and_protection": g("help_and_protection")}
    missing = [k for k in ("leadership", "help_and_protection") if k not in rows]
    if "care_combined" in rows:
        care_split = False
        judgements["children_in_care"] = g("care_combined")
    elif "children_in_care" in rows or "care_leavers" in rows:
        care_split = True
        judgements["children_in_care"] = g("children_in_care")
        judgements["care_leavers"] = g("care_leavers")
        missing += [k for k in ("children_in_care", "care_leavers") if k not in rows]
    else:
        care_split = None
        missing.append("children_in_care")
    warnings: list[tuple[str, str, str]] = []
    start = header.inspection_dates[0] if header.inspection_dates else None
    if has_overall:
        judgements["overall"] = overall
        framework = "ILACS-2023" if care_split else "ILACS"
    elif care_split and (start is None or start >= NO_OVERALL_FROM):
        framework = "ILACS-2026"  # the same four judgements and, from April 2026, no overall row
    elif care_split:
        # four rows and no overall one, for fieldwork before April 2026: a row not read, not a new format
        framework = "ILACS-2023"
        warnings.append(("overall", "inconsistent", f"the table has no overall effectiveness row, but the"
                         f" fieldwork began {start.isoformat()}, before overall effectiveness was dropped"
                         f" ({NO_OVERALL_FROM.isoformat()})"))
    else:
        framework = "ILACS"
        missing.append("overall")

    kind = None
    if header.inspection_dates:
        kind = inspection_kind(*header.inspection_dates, periods=header.fieldwork)
    return LayoutResult(
        doc_type=f"ilacs_{kind}" if kind else "ilacs_standard",
        framework=framework,
        inspection_type=kind,
        judgements=judgements,
        care_split=care_split,
        lead_inspector=lead_inspectors(doc.first_page),
        missing=missing if kind else missing + ["inspection dates"],
        warnings=warnings,
        not_judged=not_judged,
    )
