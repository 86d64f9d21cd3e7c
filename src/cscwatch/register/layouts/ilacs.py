"""ILACS standard and short inspections (January 2018 on), including the April-2026 format.

Page 1 carries a "Judgement | Grade" table. Its rows, in the order most reports print them:
the impact of leaders; help and protection; children in care *and care leavers* (one combined
judgement, inspections before 2023) or children in care and care leavers as two rows (2023 on);
overall effectiveness (dropped from April 2026). Which set applies is read from the table itself,
never from the date. Rows can come in another order (Wakefield 2018 lists leaders last) and grades
wrap over lines, so each row is found by its label with the grade right after it.

The report never says "short" or "standard": the fieldwork length does. A short inspection has one
week of fieldwork (sometimes only three days), a standard one two weeks, so at most five weekdays
from first to last day means short.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from cscwatch.grades import parse_grade
from cscwatch.register.layouts.common import GRADE, Header, LayoutResult, find_row, grade_after, lead_inspectors
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


def inspection_kind(start: date, end: date) -> str:
    """``short`` for up to one week of fieldwork, else ``standard``."""
    return "short" if weekdays(start, end) <= SHORT_MAX_WEEKDAYS else "standard"


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


def parse(doc: ReportDocument, header: Header) -> LayoutResult:
    text = flatten(doc.first_page)
    rows, table_end = _read_table(text)
    if not rows:
        rows, _ = _read_columns(text)
        if rows:
            overall_text = rows.pop("overall", None)
            overall = (parse_grade(overall_text), True) if overall_text else (None, False)
            return _result(doc, header, rows, overall)
    sub_keys = {"leadership", "help_and_protection"}
    complete = sub_keys <= rows.keys() and ("care_combined" in rows or {"children_in_care", "care_leavers"} <= rows.keys())
    overall_region_end = table_end + 120
    if not complete and doc.n_pages > 1:  # the table runs on to page 2
        text = text + " " + flatten(doc.page(1))
        rows, table_end = _read_table(text)
        overall_region_end = table_end + 120
    head = _TABLE_HEAD.search(text)
    region = text[(head.end() if head else 0): overall_region_end]
    return _result(doc, header, rows, grade_after(OVERALL, region))


def _result(doc: ReportDocument, header: Header, rows: dict, overall_found: tuple) -> LayoutResult:
    overall, has_overall = overall_found

    def g(key):
        return parse_grade(rows[key]) if key in rows else None

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
    if has_overall:
        judgements["overall"] = overall
        framework = "ILACS-2023" if care_split else "ILACS"
    elif care_split:
        framework = "ILACS-2026"  # the same four judgements and, from April 2026, no overall row
    else:
        framework = "ILACS"
        missing.append("overall")

    kind = inspection_kind(*header.inspection_dates) if header.inspection_dates else None
    return LayoutResult(
        doc_type=f"ilacs_{kind}" if kind else "ilacs_standard",
        framework=framework,
        inspection_type=kind,
        judgements=judgements,
        care_split=care_split,
        lead_inspector=lead_inspectors(doc.first_page),
        missing=missing if kind else missing + ["inspection dates"],
    )
