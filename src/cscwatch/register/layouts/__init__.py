"""Report layouts: recognise which kind of report a PDF is from its front page, then read it.

One module per layout (``legacy``, ``sif`` (with LSCB reviews), ``ilacs``); ``common`` holds the shared
pieces. :func:`read_layout` is the single entry point the parser uses.
"""
from __future__ import annotations

import re

from cscwatch.register.layouts import ilacs, legacy, sif
from cscwatch.register.layouts.common import Header, LayoutResult, read_header
from cscwatch.register.layouts.letter import letter_kind
from cscwatch.register.text import ReportDocument, flatten

__all__ = ["read_layout", "printed_la_name", "visited_la_name", "LETTER", "Header", "LayoutResult"]

#: Ungraded letters and visits: real Ofsted documents with no judgement table.
LETTER = re.compile(
    r"\b(?:focused visit|monitoring visit|joint targeted area inspection|dear\s+(?:mr|mrs|ms|miss|dr|sir|madam)\b"
    r"|this letter summarises)", re.I)

_TITLE_PARTS = [
    r"(?:\bre-?\s?)?inspection of services for children in need of help and protection,?\s*children looked after and care leavers",
    r"(?:\band\s+)?(?:review|inspection) of the effectiveness of the local safeguarding children'?s? board\s*\d*",
    r"(?:\bre-?\s?)?inspection of (?:the\s+)?(?:local authority\s+)?children'?s (?:social care )?services",
    r"inspection of (?:safeguarding and )?looked after children(?:'s)? services",
    r"inspection of local authority arrangements for the protection of children",
    r"\bage group:.*$",
]
_LOCAL_AUTHORITY_TITLE = re.compile(r"local authority children'?s services", re.I)
_ANY_SERVICES_TITLE = re.compile(
    r"\binspection of (?:the\s+)?(?!services\b|children'?s\b|local authority\b|looked after\b)"
    r"((?:(?!\binspection of\b).){2,80}?) children'?s (?:social care )?services", re.I)
_VISIT_TO = re.compile(
    r"(?:focused|monitoring) visit (?:to|of) (?:the\s+)?(.{2,80}?)(?: local authority)? children'?s services", re.I)


def visited_la_name(page1: str) -> str | None:
    """The LA a focused or monitoring visit letter is addressed about, as printed."""
    m = _VISIT_TO.search(flatten(page1))
    return m.group(1).strip() if m else None


def printed_la_name(header: Header, page1: str) -> list[str]:
    """Candidate LA names as printed on the front page, best first."""
    flat = header.flat
    found: list[str] = []
    titles = list(_LOCAL_AUTHORITY_TITLE.finditer(flat))
    if titles:  # "Inspection of [the] X local authority children's services" (2019 on)
        before = flat[: titles[-1].start()]
        j = before.lower().rfind("inspection of ")
        if j != -1:
            name = re.sub(r"^the\s+", "", before[j + len("inspection of "):].strip(), flags=re.I)
            if name:
                found.append(name)
    m = _ANY_SERVICES_TITLE.search(flat)
    if m and not titles:  # "Inspection of London Borough of X children's services"
        found.append(m.group(1).strip())
    rest = re.sub(r"^\d{1,3}\s+", "", flat)
    for pat in _TITLE_PARTS:
        rest = re.sub(pat, " | ", rest, flags=re.I)
    for part in rest.split("|"):
        part = part.strip(" ,:;-")
        part = re.sub(r"^\d{1,3}\s+|\s+\d{1,3}$", "", part).strip(" ,:;-")
        if part and not re.fullmatch(r"and|\d+", part, re.I):
            found.append(part)
            # a running header glued on ("... board: Hull 1 Kingston upon Hull Safeguarding ...")
            found += [p.strip(" ,:;-") for p in re.split(r"\s\d{1,3}\s|:", part) if p.strip(" ,:;-") != part]
    return [f for f in found if f]


def read_layout(doc: ReportDocument) -> tuple[Header, LayoutResult | None]:
    """The front-page header and, for a graded report, what its layout reads (``None``: no judgements)."""
    page1 = doc.first_page
    header = read_header(page1)
    flat1 = flatten(page1)
    if sif.looks_like(header):
        return header, sif.parse(doc, header)
    if sif.is_lscb_only(header):
        return header, sif.parse_lscb_only(doc, header)
    if legacy.looks_like(header):
        return header, legacy.parse(doc, header)
    if ilacs.looks_like(header, flat1):
        result = ilacs.parse(doc, header)
        graded = any(g is not None for g in result.judgements.values())
        if graded or not letter_kind(page1):   # a letter by its own opening, not a mention of a visit
            return header, result
    return header, None  # a letter, a visit, or something else without a judgement table
