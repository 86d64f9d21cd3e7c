"""Ungraded letters: ILACS focused visits, monitoring visits of inadequate LAs, and JTAI letters.

A letter has no judgement table. What the register keeps from it (an ungraded event): its type,
the LA, the days of the visit, the theme and any "areas for priority action", the signal
inspectors themselves act on.

What the letters say, and how sure we are of it (see docs/register.md, "Visit letters"):

* Confirmed from published letters: a monitoring visit letter opens "This letter summarises the
  findings of the monitoring visit to <LA> children's services on 7 and 8 June 2022. This was the
  first monitoring visit since the local authority was judged inadequate in ...", names "Her
  Majesty's inspectors for this visit", and has a heading "Areas covered by the visit" with "The
  focus of the monitoring visit was ...". Focused visits look at one theme of Ofsted's list (front
  door; children in need or subject to a plan; children in care; achieving permanence; care
  leavers; vulnerable adolescents / extra-familial risk; placement decisions for older children;
  Covid-19 arrangements in 2020-21), worded "to look at / examine the local authority's
  arrangements for children in need, including those children who are subject to a child
  protection plan".
* Assumed (from the framework's wording, no letter with priority actions was at hand): the
  heading "Areas for priority action" (or a sentence "Ofsted has identified ... area(s) for
  priority action"), followed by the actions as bullet points or sentences until the next heading;
  a JTAI letter names "joint targeted area inspection (JTAI) of the multi-agency response to
  <theme> in <LA>".

Pure functions over the letter's page texts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from cscwatch.register.layouts.common import Period, clean_person, looks_like_a_name, parse_fieldwork
from cscwatch.register.text import flatten

__all__ = ["LetterResult", "letter_kind", "parse_letter", "THEMES", "VISIT_TYPES"]

#: Visit types, in the vocabulary of ``visit.visit_type``.
VISIT_TYPES = ("focused", "monitoring", "jtai")

_KIND_WORDS = {"focused visit": "focused", "focussed visit": "focused", "monitoring visit": "monitoring",
               "joint targeted area inspection": "jtai"}
_KIND = r"(focus?sed visit|monitoring visit|joint targeted area inspection)"
_SUMMARY = re.compile(r"this letter (?:summarises|sets out) the (?:main )?findings of (?:the|a|our) " + _KIND, re.I)
_TITLE_LINE = re.compile(r"^" + _KIND + r"\s+(?:to|of)\b", re.I)
_DEAR = re.compile(r"^dear\b", re.I)

#: Official focused/monitoring visit themes (Ofsted's in-year lists) and the words that name them.
THEMES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Covid-19 arrangements", re.compile(r"covid|coronavirus|pandemic", re.I)),
    ("Placement decision making for older children",
     re.compile(r"placement decision[- ]making for (?:older )?children|older children.{0,40}placement", re.I)),
    ("Vulnerable adolescents", re.compile(r"vulnerable adolescents|extra[- ]familial|exploitation|missing from", re.I)),
    ("Front door", re.compile(r"front door|contact and referral|initial response|first contact|multi[- ]agency"
                              r" safeguarding hub|\bMASH\b|children at the front door", re.I)),
    ("Achieving permanence", re.compile(r"permanence|permanency", re.I)),
    ("Care leavers", re.compile(r"care leavers|leaving care", re.I)),
    ("Children in need/subject to a plan", re.compile(
        r"children in need|child protection plan|help and protection|subject to a plan", re.I)),
    ("Children in care", re.compile(r"children in care|looked[- ]after|children who are in care", re.I)),
)

_THEME_SENTENCE = re.compile(
    r"(?:inspectors (?:looked at|examined|reviewed|evaluated|considered)|to (?:look at|examine|evaluate|review)"
    r"|the focus of (?:the|this) (?:monitoring |focused )?visit was|this visit (?:looked at|focused on)"
    r"|areas covered by the visit|multi-agency response to)\s+([^.]{5,400})", re.I)
_JTAI_THEME = re.compile(r"multi-agency response to\s+(.{5,160}?)\s+in\s+(?:the\s+)?[A-Z]", re.I)

_DATES_AFTER = re.compile(
    r"\b(?:on|from|between|took place (?:on|from|between))\s+(\d{1,2}(?:st|nd|rd|th)?\s+(?:[A-Za-z]+\s+)?"
    r"(?:(?:\d{4}\s+)?(?:and|to|-|&)\s+)?\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]+\s+\d{4})", re.I)
_VISIT_TO = re.compile(
    r"(?:focus?sed|monitoring) visit (?:to|of) (?:the\s+)?(.{2,80}?)(?:'s)?(?: local authority)? children'?s services", re.I)
_JTAI_IN = re.compile(r"joint targeted area inspection(?: \(JTAI\))? of .{0,200}? in (?:the\s+)?(.{2,60}?)"
                      r"(?:\.|,| this| the | took| from| on\b| between)", re.I)

_PRIORITY_HEAD = re.compile(r"^(?:the\s+)?areas? for priority action\b:?\s*(.*)$", re.I)
_PRIORITY_SENTENCE = re.compile(r"identified (?:an |the following |\w+ )?areas? for priority action", re.I)
_NO_PRIORITY = re.compile(r"\bno (?:areas? for )?priority actions?\b|\bnot (?:identified|found) any (?:areas? for )?"
                          r"priority action", re.I)
_NEXT_HEAD = re.compile(
    r"^(?:what needs to improve|areas? for improvement|headline findings|main findings|findings\b|next steps"
    r"|yours sincerely|yours faithfully|the local authority'?s? strengths|summary|ofsted will|inspectors will"
    r"|this letter will be published|if you have any questions)", re.I)
_BULLET = re.compile(r"^\s*(?:[\u2022\u25aa\u25a0\u25cf\u2023\u2043\u25e6\u2219\uf0a7\uf0b7\u00b7*\-]|\d{1,2}[.)]|\(?[a-z][.)])\s+")
_SIGNED = re.compile(r"^yours (?:sincerely|faithfully)\b", re.I)


@dataclass
class LetterResult:
    """What a letter says: an ungraded event."""

    visit_type: str
    la_printed: str | None = None
    fieldwork: tuple[Period, ...] = ()
    theme: str | None = None
    priority_actions: list[str] = field(default_factory=list)
    priority_action: bool = False
    lead_inspector: str | None = None

    @property
    def start(self) -> date | None:
        return self.fieldwork[0][0] if self.fieldwork else None

    @property
    def end(self) -> date | None:
        return self.fieldwork[-1][1] if self.fieldwork else None


def letter_kind(page1: str) -> str | None:
    """``focused``, ``monitoring`` or ``jtai`` when page 1 is such a letter, else ``None``.

    Only the letter's own opening counts ("This letter summarises the findings of the focused
    visit ...", a title line "Monitoring visit to ...", or a "Dear ..." letter naming the visit),
    never a mention in a graded report ("the focused visit in July 2018 found ...").
    """
    m = _SUMMARY.search(flatten(page1))
    if m:
        return _kind(m.group(1))
    lines = [ln.strip() for ln in page1.split("\n")[:30]]
    for ln in lines:
        t = _TITLE_LINE.match(ln)
        if t:
            return _kind(t.group(1))
    if any(_DEAR.match(ln) for ln in lines):
        m = re.search(_KIND, flatten("\n".join(page1.split("\n")[:40])), re.I)
        if m:
            return _kind(m.group(1))
    return None


def _kind(words: str) -> str:
    return _KIND_WORDS[" ".join(words.lower().split()).replace("focussed", "focused")]


def visited_la(kind: str, text: str) -> str | None:
    """The LA the letter is about, as printed."""
    flat = flatten(text)
    m = (_JTAI_IN if kind == "jtai" else _VISIT_TO).search(flat)
    if not m and kind == "jtai":
        m = _VISIT_TO.search(flat)
    return m.group(1).strip(" ,.") if m else None


def visit_fieldwork(text: str) -> tuple[Period, ...]:
    """The visit's days from the letter's summary sentence ("... on 6 and 7 March 2019", "... from 5
    to 9 June 2023", "... on 31 January and 1 February 2024")."""
    flat = flatten(text)
    start = _SUMMARY.search(flat)
    for m in _DATES_AFTER.finditer(flat, start.start() if start else 0):
        periods = parse_fieldwork(m.group(1))
        if periods:
            return tuple(periods)
    return ()


def visit_theme(kind: str, text: str) -> str | None:
    """The visit's theme: one of :data:`THEMES` for focused and monitoring visits, the JTAI's
    "multi-agency response to ..." words as printed for a JTAI."""
    flat = flatten(text)
    if kind == "jtai":
        m = _JTAI_THEME.search(flat)
        return m.group(1).strip() if m else None
    for m in _THEME_SENTENCE.finditer(flat):
        for name, pattern in THEMES:
            if pattern.search(m.group(1)):
                return name
    return None


def priority_actions(pages: list[str]) -> tuple[bool, list[str]]:
    """(whether the letter sets areas for priority action, the actions as printed)."""
    lines = [ln.strip() for page in pages for ln in page.split("\n")]
    actions: list[str] = []
    flagged = False
    for i, line in enumerate(lines):
        m = _PRIORITY_HEAD.match(line)
        if not m:
            continue
        flagged = True
        items: list[str] = []
        rest = [m.group(1)] if m.group(1).strip() else []
        for nxt in rest + lines[i + 1: i + 60]:
            if not nxt:
                continue
            if _NEXT_HEAD.match(nxt) or _PRIORITY_HEAD.match(nxt):
                break
            if _BULLET.match(nxt) or not items:
                items.append(_BULLET.sub("", nxt).strip())
            else:
                items[-1] = f"{items[-1]} {nxt}"
        actions += [" ".join(it.split()) for it in items if it.strip()]
        break
    text = flatten("\n".join(pages))
    if not flagged and _PRIORITY_SENTENCE.search(text) and not _NO_PRIORITY.search(text):
        flagged = True
    if actions and all(_NO_PRIORITY.search(a) for a in actions):
        return False, []
    return flagged, actions


def signatory(pages: list[str]) -> str | None:
    """The inspector who signs the letter ("Yours sincerely" / name / "His Majesty's Inspector")."""
    for page in reversed(pages):
        lines = [ln.strip() for ln in page.split("\n")]
        for i, line in enumerate(lines):
            if _SIGNED.match(line):
                for nxt in lines[i + 1: i + 5]:
                    name = clean_person(nxt)
                    if name and looks_like_a_name(name):
                        return name
    return None


def parse_letter(kind: str, pages: list[str]) -> LetterResult:
    """Read a letter of ``kind`` from its pages' texts (normalised)."""
    text = "\n".join(pages)
    has_priority, actions = priority_actions(pages)
    return LetterResult(
        visit_type=kind,
        la_printed=visited_la(kind, "\n".join(pages[:1])) or visited_la(kind, text),
        fieldwork=visit_fieldwork(text),
        theme=visit_theme(kind, text),
        priority_actions=actions,
        priority_action=has_priority or bool(actions),
        lead_inspector=signatory(pages),
    )
