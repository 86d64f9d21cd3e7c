"""Report text -> sections, paragraphs and sentences, each with the page it starts on.

The register keeps every report's text page by page (``report_page``). Inspectors' findings sit
under headings that differ between layouts:

* legacy (2012-13 looked-after-children inspections): "Overall effectiveness ...", "Capacity to
  improve", "Areas for improvement" with "Immediately:" / "Within three months:" lists, "Outcomes ...",
  "Quality of provision", "Leadership and management";
* SIF (2013-18): "Executive summary", "Recommendations" (early reports: "Areas for improvement"),
  "Summary for children and young people", one chapter per judgement, then the LSCB review;
* ILACS (2018 on, 2023 split and 2026 formats alike): front-page judgement table and summary,
  "What needs to improve?", then one chapter per judgement with the grade after a colon.

A heading is recognised only when a whole line (or up to four lines joined) matches one of
:data:`HEADINGS`, so prose that merely starts with "The experiences and progress of" stays prose.
Running headers and page numbers are dropped; paragraphs start at numbered paragraphs, bullets and
short last lines; sentences split at full stops not preceded by a known abbreviation.

Pure functions over plain strings: :func:`segment_pages` is all the store-facing code needs.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from cscwatch.register.text import normalise

__all__ = ["Paragraph", "Sentence", "SegmentedReport", "segment_pages", "layout_for", "split_sentences",
           "SECTIONS", "NARRATIVE_SECTIONS", "LAYOUTS"]

LAYOUTS: tuple[str, ...] = ("legacy", "sif", "ilacs", "lscb", "letter")

#: Section keys, in report order. ``front`` is the title page (judgement table); ``context`` is
#: information about the area and the inspection; ``boilerplate`` Ofsted's closing pages.
SECTIONS: tuple[str, ...] = (
    "front", "summary", "recommendations", "children_summary", "help_and_protection",
    "children_in_care", "adoption", "care_leavers", "leadership", "lscb", "context", "contents", "boilerplate",
)
#: Sections where inspectors evaluate the service (the rest is title, context and boilerplate).
NARRATIVE_SECTIONS: tuple[str, ...] = (
    "summary", "recommendations", "children_summary", "help_and_protection", "children_in_care",
    "adoption", "care_leavers", "leadership", "lscb",
)


def layout_for(framework: str | None, doc_type: str | None = None) -> str:
    """The segmentation layout of a report, from the register's framework (or doc_type)."""
    fw = (framework or "").upper()
    if fw.startswith("ILACS"):
        return "ilacs"
    if fw == "SIF":
        return "sif"
    if fw == "LSCB":
        return "lscb"
    if fw in ("LEGACY", "SLAC", "CPI", "TLAC"):
        return "legacy"
    dt = (doc_type or "").lower()
    if dt.startswith("ilacs"):
        return "ilacs"
    return {"sif": "sif", "legacy": "legacy"}.get(dt, "letter")


# -- headings -----------------------------------------------------------------------------------
_GRADE = (r"(?:outstanding|good|inadequate|adequate|requires? improvement(?: to be good)?|not judged"
          r"|grade [1-4] \((?:outstanding|good|adequate|inadequate)\))")
_TAIL = rf"(?:[:\s]+(?:(?:is|are)(?: that it is)?:?\s*)?{_GRADE})?\.?"

#: (pattern matched against the whole lower-cased candidate heading, section, sticky-lscb?)
HEADINGS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p + r"$"), s) for p, s in (
    (r"contents", "contents"),
    (r"executive summary", "summary"),
    (r"summary of (?:key )?findings", "summary"),
    (r"section 1: the local authority", "summary"),
    (r"progress since the last inspection", "summary"),
    (r"the local authority's strengths", "summary"),
    (r"overall effectiveness of services for looked after children and young people" + _TAIL, "summary"),
    (r"overall effectiveness of services for children and young people" + _TAIL, "summary"),
    (r"capacity to improve" + _TAIL, "leadership"),
    (r"what needs to improve\??", "recommendations"),
    (r"what needs to improve in this area of social work practice\??", "recommendations"),
    (r"what does the local authority need to improve\??", "recommendations"),
    (r"areas for improvement", "recommendations"),
    (r"areas for priority action", "recommendations"),
    (r"recommendations", "recommendations"),
    (r"summary for children and young people", "children_summary"),
    (r"the experiences and progress of children who need help and protection" + _TAIL, "help_and_protection"),
    (r"children who need help and protection" + _TAIL, "help_and_protection"),
    (r"the experiences and progress of children looked after and achieving permanence" + _TAIL, "children_in_care"),
    (r"the experiences and progress of children in care and care leavers" + _TAIL, "children_in_care"),
    (r"the experiences and progress of children in care" + _TAIL, "children_in_care"),
    (r"outcomes for looked after children and young people" + _TAIL, "children_in_care"),
    (r"quality of provision" + _TAIL, "children_in_care"),
    (r"the experiences? and progress of care leavers" + _TAIL, "care_leavers"),
    (r"the experience and progress of children in care(?: and care leavers)?" + _TAIL, "children_in_care"),
    (r"the graded judgement (?:about|for) (?:the )?experiences? and progress of care leavers.*", "care_leavers"),
    (r"the graded judgement (?:about|for) adoption performance.*", "adoption"),
    (r"adoption performance" + _TAIL, "adoption"),
    (r"experiences and progress of care leavers" + _TAIL, "care_leavers"),
    (r"leadership, management and governance" + _TAIL, "leadership"),
    (r"the impact of leaders on social work practice with children and families" + _TAIL, "leadership"),
    (r"leadership and management" + _TAIL, "leadership"),
    (r"(?:section 2: )?(?:the )?(?:review of the )?effectiveness of the local safeguarding children board"
     r"(?: \(lscb\))?" + _TAIL, "lscb"),
    (r"the local safeguarding children board(?: \(lscb\))?", "lscb"),
    (r"[a-z ,&'-]+ safeguarding children board", "lscb"),
    (r"inspection findings - the local safeguarding children board", "lscb"),
    (r"the local authority", "context"),
    (r"information about this (?:local authority )?area", "context"),
    (r"information about this (?:inspection|review)", "context"),
    (r"about this inspection", "context"),
    (r"service information", "context"),
    (r"the inspection judgements and what they mean", "context"),
    (r"record of main findings", "context"),
    (r"what the inspection judg(?:e)?ments mean(?:: the (?:local authority|lscb))?", "context"),
    (r"other information about this area", "context"),
    (r"the inspection team", "context"),
))
#: Sub-headings that keep the current section (their line is dropped).
SUBHEADINGS = re.compile(
    r"(?:summary|inspection findings|immediately:?|within (?:three|six) months:?|previous ofsted inspections"
    r"|local leadership|children living in this area|child protection in this area"
    r"|children looked after in this area|other ofsted inspections|priority and immediate actions?"
    r"|inspection judgements about the local authority)$")
_TIMESCALE = re.compile(r"(immediately|within (?:three|six) months|priority and immediate actions?):?$")
_BOILERPLATE_START = re.compile(
    r"^(?:The Office for Standards in Education, Children's Services and Skills \(Ofsted\) regulates"
    r"|Any complaints about the inspection or the report|If you would like a copy of this document"
    r"|(?:\u00a9|\(c\)) Crown copyright|Ofsted produces this report under its power)")
#: Sections that stay LSCB once the LSCB review has begun (its own summary and recommendations).
_LSCB_INNER = {"summary", "recommendations", "leadership"}

_BULLET = re.compile(r"^[\uf06e\uf02d\u25fc\uf0a7\uf0be\uf0b7\u2022\u25aa\u25a0\u25cf\u25e6\u2023\u2043\u27a2*]\s*")
_NUMBERED = re.compile(r"^(\d{1,3})\.\s?(?=[A-Z'\"(\[])")
_PAGE_NO = re.compile(r"^\d{1,3}$")
_FOOTNOTE_MARK = re.compile(r"(?<=[a-z)])\d{1,2}$")
_TERMINAL = re.compile(r"[.!?:;][\"')\]]*$")
_RECOMMENDATION_TAG = re.compile(r"\s*\((?:Recommendations?|Area for improvement)\)\.?", re.I)


@dataclass(frozen=True)
class Paragraph:
    """One paragraph, numbered item or bullet, with the section and page it starts on."""

    paragraph_no: int
    page: int
    section: str
    kind: str                    # prose | numbered | bullet
    text: str
    subheading: str | None = None  # e.g. "Immediately" (legacy areas for improvement)
    number: int | None = None      # the printed paragraph number, when there is one


@dataclass(frozen=True)
class Sentence:
    sentence_no: int
    paragraph_no: int
    page: int
    section: str
    text: str


@dataclass(frozen=True)
class SegmentedReport:
    layout: str
    paragraphs: tuple[Paragraph, ...]
    sentences: tuple[Sentence, ...]

    def section(self, name: str) -> list[Paragraph]:
        return [p for p in self.paragraphs if p.section == name]

    def sections(self) -> list[str]:
        return list(dict.fromkeys(p.section for p in self.paragraphs))


# -- pages to lines -----------------------------------------------------------------------------
def _header_key(line: str) -> str:
    return re.sub(r"\s*\d{1,3}$", "", line).strip().lower()


def _running_headers(pages: Sequence[list[str]]) -> set[str]:
    """Lines printed at the top of many pages (title, dates), page number removed."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages[1:]:
        counts.update({_header_key(x) for x in lines[:3] if _header_key(x)})
    floor = max(2, int(0.3 * (len(pages) - 1)))
    return {k for k, n in counts.items() if n >= floor}


def _page_lines(pages: Sequence[str]) -> list[list[str]]:
    split = [[ln for ln in normalise(text or "").split("\n")] for text in pages]
    headers = _running_headers([[ln for ln in p if ln] for p in split])
    out: list[list[str]] = []
    for lines in split:
        kept, top = [], True
        for ln in lines:
            if not ln:
                continue
            if top and (_PAGE_NO.match(ln) or _header_key(ln) in headers):
                continue
            top = False
            kept.append(ln)
        out.append(kept)
    return out


_GRADED = re.compile(rf"{_GRADE}\.?$")
#: Sections named after a judgement: inside a recommendations list the same words without a grade
#: are only a category ("Leadership, management and governance" then items 1-3).
_JUDGEMENT_SECTIONS = {"help_and_protection", "children_in_care", "care_leavers", "adoption", "leadership"}


def _match_heading(candidate: str) -> str | None:
    key = _FOOTNOTE_MARK.sub("", candidate.strip().lower().rstrip("?:").strip())
    for pattern, section in HEADINGS:
        if pattern.match(key):
            return section
    return None


def _find_heading(lines: list[str], i: int) -> tuple[str, int, bool] | None:
    """(section, lines used, graded) when a heading starts at ``lines[i]`` (up to four lines joined)."""
    first = lines[i]
    if not first[:1].isupper() and not first[:1].isdigit():
        return None
    best = None
    joined = ""
    for n in range(4):
        if i + n >= len(lines):
            break
        joined = (joined + " " + lines[i + n]).strip()
        if len(joined) > 140:
            break
        section = _match_heading(joined)
        if section:
            best = (section, n + 1, bool(_GRADED.search(joined.lower())))
    return best


_GRADE_LINE = re.compile(rf"^(?:.*\b)?{_GRADE}$|^to be good$|^improvement$", re.I)


def _front_end(lines: list[str], layout: str) -> int:
    """Index just past the title page's judgement table (ILACS: the rest of page 1 is the summary)."""
    if layout != "ilacs":
        return len(lines)
    last = -1
    for i, ln in enumerate(lines[:40]):
        if _GRADE_LINE.match(ln.strip()) or ln.lower().startswith(("inspection dates", "lead inspector", "judgement")):
            last = i
    return last + 1


# -- lines to paragraphs ------------------------------------------------------------------------
@dataclass
class _Open:
    page: int
    section: str
    kind: str
    parts: list[str]
    pages: list[tuple[int, int]]  # (char offset, page) of each line joined
    subheading: str | None
    number: int | None
    absorbing: bool = False   # a "... by:" item taking its bullet sub-points

    def add(self, text: str, page: int) -> None:
        if self.parts:
            prev = self.parts[-1]
            if prev.endswith("-") and len(prev) > 1 and prev[-2].isalpha() and text[:1].islower():
                self.parts[-1] = prev          # "multi-" + "agency": keep the hyphen, no space
                joiner = ""
            else:
                joiner = " "
        else:
            joiner = ""
        offset = sum(len(p) for p in self.parts) + len(joiner)
        self.parts.append(joiner + text)
        self.pages.append((offset, page))

    @property
    def text(self) -> str:
        return "".join(self.parts)


def segment_pages(pages: Sequence[str], layout: str) -> SegmentedReport:
    """Sections, paragraphs and sentences of one report (``pages[0]`` is page 1)."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; expected one of {', '.join(LAYOUTS)}")
    page_lines = _page_lines(pages)
    widths = sorted(len(ln) for lines in page_lines for ln in lines)
    full = widths[int(0.9 * (len(widths) - 1))] if widths else 80
    section = "front" if layout != "letter" else "summary"
    in_lscb = layout == "lscb"
    subheading: str | None = None
    last_number = 0
    paragraphs: list[_Open] = []
    current: _Open | None = None
    prev_line = ""

    def close() -> None:
        nonlocal current
        if current is not None and current.text.strip():
            paragraphs.append(current)
        current = None

    def start(kind: str, page: int, text: str, number: int | None = None) -> None:
        nonlocal current
        close()
        current = _Open(page, section, kind, [], [], subheading, number)
        current.add(text, page)

    for page_no, lines in enumerate(page_lines, start=1):
        if section == "contents":
            section = "context"
        i = 0
        if page_no == 1 and layout != "letter":
            end = _front_end(lines, layout)
            for ln in lines[:end]:
                start("prose", page_no, ln) if current is None else current.add(ln, page_no)
            close()
            i = end
            section = "summary" if layout == "ilacs" else "front"
        while i < len(lines):
            line = lines[i]
            if _BOILERPLATE_START.match(line):
                close()
                section, subheading = "boilerplate", None
            found = _find_heading(lines, i) if section != "contents" else None
            if found and section == "recommendations" and found[0] in _JUDGEMENT_SECTIONS and not found[2]:
                close()
                subheading = " ".join(lines[i:i + found[1]])
                i += found[1]
                prev_line = ""
                continue
            if found:
                close()
                new, used, _graded = found
                if new == "lscb":
                    in_lscb = True
                elif in_lscb and new in _LSCB_INNER:
                    new = "lscb"
                elif new in ("context", "contents", "boilerplate"):
                    pass
                else:
                    in_lscb = in_lscb and layout == "lscb"
                section, subheading = new, None
                i += used
                prev_line = ""
                continue
            low = line.lower()
            if SUBHEADINGS.match(low.rstrip(".")):
                close()
                ts = _TIMESCALE.match(low)
                subheading = ts.group(1).capitalize() if ts else subheading
                i += 1
                prev_line = ""
                continue
            if _is_subheading(lines, i, prev_line):
                close()
                subheading = line
                i += 1
                prev_line = ""
                continue
            bullet = _BULLET.match(line)
            numbered = _NUMBERED.match(line)
            if bullet:
                rest = line[bullet.end():].strip()
                if current is not None and current.kind == "numbered" and section == "recommendations" \
                        and (current.absorbing or current.text.rstrip().endswith(":")):
                    current.add(rest, page_no)      # "... by:" then its sub-points: one recommendation
                    current.absorbing = True
                else:
                    start("bullet", page_no, rest)
            elif numbered and _plausible_number(int(numbered.group(1)), last_number):
                last_number = int(numbered.group(1))
                start("numbered", page_no, line[numbered.end():].strip(), last_number)
            elif current is None:
                start("prose", page_no, line)
            elif _TERMINAL.search(prev_line) and len(prev_line) < 0.8 * full and line[:1].isupper():
                start("prose", page_no, line)
            else:
                current.add(line, page_no)
            prev_line = line
            i += 1
        prev_line = prev_line if current is not None else ""
    close()
    return _finish(layout, paragraphs)


def _is_subheading(lines: list[str], i: int, prev_line: str) -> bool:
    """A short title line between paragraphs ("Thresholds", "Care leavers") that names a topic."""
    line = lines[i]
    if len(line) > 60 or len(line.split()) > 7 or not line[:1].isupper() or _TERMINAL.search(line):
        return False
    if _BULLET.match(line) or _NUMBERED.match(line) or re.search(r"\d", line):
        return False
    if prev_line and not _TERMINAL.search(prev_line):
        return False
    nxt = lines[i + 1] if i + 1 < len(lines) else ""
    return bool(nxt) and bool(_BULLET.match(nxt) or _NUMBERED.match(nxt) or nxt[:1].isupper())


def _plausible_number(n: int, last: int) -> bool:
    """Numbered paragraphs run on through a report; a year or figure at a line start does not."""
    return n == 1 or last < n <= last + 3


def _finish(layout: str, opened: list[_Open]) -> SegmentedReport:
    paragraphs: list[Paragraph] = []
    sentences: list[Sentence] = []
    for p in opened:
        text = _RECOMMENDATION_TAG.sub("", p.text).strip()
        if not re.search(r"[A-Za-z]{2}", text):
            continue
        para = Paragraph(len(paragraphs) + 1, p.page, p.section, p.kind, text, p.subheading, p.number)
        paragraphs.append(para)
        for start, sent in _sentence_spans(p.text):
            sent = _RECOMMENDATION_TAG.sub("", sent).strip()
            if len(re.findall(r"[A-Za-z]+", sent)) < 3:
                continue
            page = p.page
            for offset, pg in p.pages:
                if offset <= start:
                    page = pg
            sentences.append(Sentence(len(sentences) + 1, para.paragraph_no, page, p.section, sent))
    return SegmentedReport(layout, tuple(paragraphs), tuple(sentences))


# -- sentences ----------------------------------------------------------------------------------
_ABBREVIATIONS = {
    "e.g", "i.e", "etc", "mr", "mrs", "ms", "dr", "no", "nos", "st", "vs", "approx", "para", "paras",
    "cf", "ie", "eg", "inc", "ltd", "co", "fig", "sec", "s", "p", "pp", "al",
}
_BOUNDARY = re.compile(r"[.!?][\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9\u25fc])")


def _sentence_spans(text: str) -> list[tuple[int, str]]:
    """(start offset, sentence) pairs; a full stop after an abbreviation or an initial is no boundary."""
    spans: list[tuple[int, str]] = []
    begin = 0
    for m in _BOUNDARY.finditer(text):
        word = re.search(r"([A-Za-z.]+)[.!?][\"')\]]*$", text[begin:m.start() + 1])
        token = (word.group(1) if word else "").lower().rstrip(".")
        if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
            continue
        piece = text[begin:m.end()].strip()
        if piece:
            spans.append((begin + (len(text[begin:m.end()]) - len(text[begin:m.end()].lstrip())), piece))
        begin = m.end()
    tail = text[begin:].strip()
    if tail:
        spans.append((begin + (len(text[begin:]) - len(text[begin:].lstrip())), tail))
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of a paragraph's text (see :data:`_ABBREVIATIONS`)."""
    return [s for _, s in _sentence_spans(" ".join(text.split()))]
