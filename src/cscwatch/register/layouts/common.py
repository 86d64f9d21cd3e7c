"""Pieces every report layout shares: grade phrases, printed dates, the front-page header, inspectors.

All functions take text already passed through :func:`cscwatch.register.text.normalise` (ASCII
dashes and quotes, single spaces) and are pure, so each is unit-testable on a string.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from cscwatch.grades import Grade, parse_grade

__all__ = [
    "GRADE", "LayoutResult", "Header", "grade_after", "find_row", "parse_date", "parse_date_range",
    "read_header", "lead_inspectors", "clean_person",
]

#: A grade as printed in a judgement table or headline (after flatten()).
GRADE = (r"(?P<grade>requires? improvement(?: to be good)?|outstanding|good|inadequate|adequate"
         r"|not judged|not applicable)")

_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}
MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"


@dataclass
class LayoutResult:
    """What a layout reads beyond the shared header."""

    doc_type: str
    framework: str
    inspection_type: str | None
    judgements: dict[str, Grade | None] = field(default_factory=dict)
    care_split: bool | None = None
    lead_inspector: str | None = None
    #: judgements the layout expected but did not find: a non-empty list makes the file an error
    missing: list[str] = field(default_factory=list)


_GRADE_WORDS = GRADE.replace("(?P<grade>", "(?:")


def _top_level_words(pattern: str) -> list[str]:
    """Split a label regex at the spaces that are not inside a group."""
    words, depth, current = [], 0, ""
    for ch in pattern:
        depth += ch == "("
        depth -= ch == ")"
        if ch == " " and depth == 0:
            words.append(current)
            current = ""
        else:
            current += ch
    return words + [current]


def find_row(label: str, text: str, start: int = 0) -> tuple[str, int] | None:
    """The grade text printed for a table row and where the row ends, or ``None``.

    The grade normally follows the label ("Overall effectiveness Good"). When a wrapped label's
    grade cell comes out of the text layer between the label's lines ("The impact of leaders on
    social work practice with Good children and families"), a grade inside the label is accepted
    instead, as long as there is exactly one.
    """
    m = re.compile(label + r"\s*:?\s*" + GRADE + r"\b", re.I).search(text, start)
    if m:
        return m.group("grade"), m.end()
    words = _top_level_words(label)
    if len(words) < 2:
        return None
    pattern = words[0] + "".join(
        rf"\s+(?:(?P<g{i}>{_GRADE_WORDS})\s+)?" + w for i, w in enumerate(words[1:]))
    m = re.compile(pattern + r"\b", re.I).search(text, start)
    if not m:
        return None
    inside = [v for k, v in m.groupdict().items() if v]
    return (inside[0], m.end()) if len(inside) == 1 else None


def grade_after(label: str, text: str, *, start: int = 0) -> tuple[Grade | None, bool]:
    """The grade printed for the row ``label`` (a regex whose words are separated by single spaces).

    Returns ``(grade, found)``: ``found`` is False when the row with a grade is not in the text;
    a "Not judged" grade is ``(None, True)``.
    """
    row = find_row(label, text, start)
    if row is None:
        return None, False
    return parse_grade(row[0]), True


def _month(word: str) -> int:
    w = word.lower()
    for name, num in _MONTHS.items():
        if name.startswith(w[:3]):
            return num
    raise ValueError(word)


def _squash_digits(text: str) -> str:
    """Undo stray spaces inside numbers of a date: "20 15" -> "2015", "1 7 March" -> "17 March"."""
    text = re.sub(r"\b((?:1|2)\s?(?:9|0)\s?\d\s?\d)\b",
                  lambda m: m.group(1).replace(" ", ""), text)
    text = re.sub(r"\b(\d)\s(\d)(?=\s*(?:st|nd|rd|th)?\s*" + MONTH + r"\b)", r"\1\2", text, flags=re.I)
    return text


_SINGLE = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s*(" + MONTH + r")\.?,?\s*(\d{4})\b", re.I)
_JOIN = re.compile(r"\s*(?:(?:-|to|and|until|&|,)\s*)*", re.I)
_TOKEN = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\b(?:\s*(" + MONTH + r")\b\.?)?(?:,?\s*(\d{4})\b)?", re.I)


def parse_date(text: str) -> date | None:
    """First "6 March 2023"-style date in the text."""
    m = _SINGLE.search(_squash_digits(text))
    if not m:
        return None
    try:
        return date(int(m.group(3)), _month(m.group(2)), int(m.group(1)))
    except ValueError:
        return None


def parse_date_range(text: str) -> tuple[date, date] | None:
    """First and last day of the printed fieldwork: "6 to 17 March 2023", "30 November - 11 December
    2015", "8 - 12 July 2013", "6 July 2015 - 30 July 2015", "12 to 16 and 19 to 23 November 2018".
    Days without a month or year take the next ones printed; a single date gives (d, d)."""
    text = _squash_digits(text)
    tokens = []
    last_end = None
    for m in _TOKEN.finditer(text):
        day = int(m.group(1))
        if not 1 <= day <= 31:
            continue
        if last_end is not None and not _JOIN.fullmatch(text[last_end:m.start()]):
            break  # other words in between: the range has ended
        tokens.append([day, _month(m.group(2)) if m.group(2) else None, int(m.group(3)) if m.group(3) else None])
        last_end = m.end()
    if not tokens or tokens[-1][1] is None or tokens[-1][2] is None:
        return None
    month, year = tokens[-1][1], tokens[-1][2]
    for tok in reversed(tokens):
        if tok[2] is not None:
            year = tok[2]
        if tok[1] is not None:
            month = tok[1]
        tok[1], tok[2] = month, year
    try:
        start, end = date(tokens[0][2], tokens[0][1], tokens[0][0]), date(tokens[-1][2], tokens[-1][1], tokens[-1][0])
    except ValueError:
        return None
    if start > end and start.year == end.year:  # "29 December - 9 January 2016"
        start = start.replace(year=start.year - 1)
    return (start, end) if start <= end else None


@dataclass
class Header:
    """The front page's title block, before the first judgement."""

    lines: list[str]          # normalised lines of page 1 up to (not including) the dates line
    flat: str                 # the same, flattened
    dates_line: str | None    # "Inspection dates: ..." with its continuation
    published_line: str | None
    inspection_dates: tuple[date, date] | None
    publication_date: date | None


_DATES_LINE = re.compile(
    r"^(?:(?:inspection|review|visit|fieldwork)\s+dates?|dates?\s+of\s+(?:the\s+)?(?:inspection|review))\b\s*:?\s*(.*)$",
    re.I)
_PUBLISHED = re.compile(r"^(?:report\s+|date\s+)?published\s*:?\s*(.*)$", re.I)


def read_header(page1: str) -> Header:
    """Split page 1 at its "Inspection date(s):" line and read the printed dates there."""
    lines = [ln for ln in page1.split("\n")]
    dates_idx = next((i for i, ln in enumerate(lines) if _DATES_LINE.match(ln)), None)
    head = [ln for ln in (lines[:dates_idx] if dates_idx is not None else lines[:12]) if ln]
    dates_line = None
    inspection_dates = None
    if dates_idx is not None:
        dates_line = _DATES_LINE.match(lines[dates_idx]).group(1)
        # a range can wrap: "Inspection dates: 30 November -" / "11 December 2015"
        probe = dates_line
        for extra in lines[dates_idx + 1: dates_idx + 3]:
            if parse_date_range(probe) and re.search(r"\d{4}", probe):
                break
            probe = f"{probe} {extra}"
        inspection_dates = parse_date_range(probe)
        dates_line = probe if inspection_dates else dates_line
    published_line = None
    publication_date = None
    window = lines[dates_idx: dates_idx + 8] if dates_idx is not None else lines[:20]
    for i, ln in enumerate(window):
        m = _PUBLISHED.match(ln)
        if m:
            published_line = m.group(1) or (window[i + 1] if i + 1 < len(window) else "")
            publication_date = parse_date(published_line)
            break
    return Header(head, " ".join(" ".join(head).split()), dates_line, published_line,
                  inspection_dates, publication_date)


_TITLES = re.compile(
    r"^(?:Her|His) Majesty'?s Inspector(?:s)?(?: of [\w ]+)?$|^HMI$|^Ofsted Inspector$|^Senior HMI$", re.I)
_PERSON_TAIL = re.compile(
    r"\s*(?:,\s*|\s+)(?:(?:Senior\s+)?(?:Her|His) Majesty'?s Inspector(?:s)?|(?:Senior\s+)?HMI|"
    r"Ofsted Inspector|OI)\b.*$", re.I)


def clean_person(raw: str) -> str:
    """An inspector's name without the "His Majesty's Inspector"/"HMI" title and stray commas."""
    name = _PERSON_TAIL.sub("", raw.strip())
    return name.strip(" ,;:/")


_LEAD = re.compile(r"^(joint\s+)?lead\s+inspector(s)?\b\s*:?\s*(.*)$", re.I)
_REPORTING = re.compile(r"^(joint\s+)?reporting\s+inspector(s)?\b\s*:?\s*(.*)$", re.I)


def lead_inspectors(text: str, *, reporting: bool = False) -> str | None:
    """The lead inspector(s) as printed, joint leads joined with "; "; ``None`` when not printed.

    Only lines that *start* with "Lead inspector" count, so "Deputy lead inspector" never does.
    ``reporting=True`` also accepts the legacy "Reporting inspector".
    """
    pattern = [_LEAD] + ([_REPORTING] if reporting else [])
    lines = text.split("\n")
    names: list[str] = []
    for i, line in enumerate(lines):
        m = next((p.match(line) for p in pattern if p.match(line)), None)
        if not m:
            continue
        joint = bool(m.group(1) or m.group(2))
        value = m.group(3).strip()
        if not value and i + 1 < len(lines):
            value = lines[i + 1].strip()
        if not value or _TITLES.match(value):
            continue
        parts = [value]
        if joint or ";" in value:
            parts = re.split(r"\s*;\s*|\s+and\s+|\s*&\s*", value)
            # "A, HMI, B, HMI" -> split on commas that follow a title
            parts = [p for chunk in parts for p in re.split(r"(?<=HMI),\s*|(?<=Inspector),\s*", chunk)]
        for part in parts:
            name = clean_person(part)
            if name and name not in names:
                names.append(name)
    return "; ".join(names) if names else None
