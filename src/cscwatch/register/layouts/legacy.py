"""Pre-November-2013 reports: the 2012-13 "Inspection of looked after children services" and
the similar child-protection and safeguarding-and-looked-after-children inspections.

Only the overall effectiveness grade is recorded. It is printed under its heading as "Grade 4
(inadequate)" on the 1-4 scale where grade 3 is "Adequate", which the register maps to
requires_improvement as Ofsted's official table does. The lead is the "Reporting inspector".
"""
from __future__ import annotations

import re

from cscwatch.grades import parse_grade
from cscwatch.register.layouts.common import GRADE, Header, LayoutResult, lead_inspectors
from cscwatch.register.text import ReportDocument, flatten

TITLE = re.compile(
    r"inspection of (?:safeguarding and )?looked after children(?:'s)? services"
    r"|inspection of local authority arrangements for the protection of children", re.I)
OVERALL = (
    re.compile(r"overall effectiveness\b[^.]{0,160}?\bgrade\s*\d\s*[(:-]?\s*" + GRADE, re.I),
    re.compile(r"\boverall effectiveness (?:of [^.]{0,120}?|for [^.]{0,120}?)?is (?:judged to be )?" + GRADE, re.I),
    re.compile(r"\boverall effectiveness:?\s+" + GRADE + r"\b", re.I),  # "Record of main findings" table
)


def looks_like(header: Header) -> bool:
    return bool(TITLE.search(header.flat))


def parse(doc: ReportDocument, header: Header) -> LayoutResult:
    title = header.flat.lower()
    kind = "child_protection" if "protection of children" in title else "looked_after"
    judgements = {}
    missing = ["overall"]
    for i in range(doc.n_pages):
        text = flatten(doc.page(i))
        m = next((p.search(text) for p in OVERALL if p.search(text)), None)
        if m:
            judgements["overall"] = parse_grade(m.group("grade"))
            missing = []
            break
    return LayoutResult(
        doc_type="legacy",
        framework="legacy",
        inspection_type=kind,
        judgements=judgements,
        lead_inspector=lead_inspectors(doc.first_page, reporting=True),
        missing=missing,
    )
