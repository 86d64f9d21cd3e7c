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
    "parse_fieldwork", "read_header", "lead_inspectors", "clean_person", "looks_like_a_name", "Period",
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
    #: judgements (or fields) the layout expected but did not find
    missing: list[str] = field(default_factory=list)
    #: why a field is blank or doubtful beyond "not found" (:class:`~cscwatch.register.model.ParseWarning`)
    warnings: list = field(default_factory=list)
    #: judgements the report prints as "Not judged" / "Not applicable"
    not_judged: list[str] = field(default_factory=list)


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
_JOIN = re.compile(r"\s*(?:(?:-|to|and|until|&|,|;)\s*)*", re.I)
_RANGE_JOIN = re.compile(r"-|\bto\b|\buntil\b", re.I)
_TOKEN = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\b(?:\s*(" + MONTH + r")\b\.?)?(?:,?\s*(\d{4})\b)?", re.I)
#: A short aside inside a dates line: "(on site)", "(remote)".
_ASIDE = re.compile(r"\([^()]{0,40}\)")

Period = tuple[date, date]


def parse_date(text: str) -> date | None:
    """First "6 March 2023"-style date in the text."""
    m = _SINGLE.search(_squash_digits(text))
    if not m:
        return None
    try:
        return date(int(m.group(3)), _month(m.group(2)), int(m.group(1)))
    except ValueError:
        return None


def parse_fieldwork(text: str) -> list[Period] | None:
    """The periods of fieldwork printed at the start of ``text``, in order, or ``None``.

    "6 to 17 March 2023" is one period; "12 to 16 and 19 to 23 November 2018" and "27 to 29
    November and 4 to 5 December 2023" are two; "6 and 7 March 2019" is two single days. "to",
    "-" and "until" join the ends of one period; "and", "&", "," and ";" start the next. A day
    without a month or year takes the next ones printed; a short aside in brackets ("(on site)")
    is skipped. Words other than these end the dates.
    """
    text = _ASIDE.sub(" ", _squash_digits(text))
    tokens: list[list] = []        # [day, month, year, joins-to-previous-as-range]
    last_end = None
    for m in _TOKEN.finditer(text):
        day = int(m.group(1))
        if not 1 <= day <= 31:
            continue
        between = text[last_end:m.start()] if last_end is not None else ""
        if last_end is not None and not _JOIN.fullmatch(between):
            break  # other words in between: the dates have ended
        tokens.append([day, _month(m.group(2)) if m.group(2) else None, int(m.group(3)) if m.group(3) else None,
                       bool(_RANGE_JOIN.search(between))])
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
        days = [date(t[2], t[1], t[0]) for t in tokens]
    except ValueError:
        return None
    periods: list[list[date]] = []
    for day, tok in zip(days, tokens):
        if tok[3] and periods:
            periods[-1][1] = day
        else:
            periods.append([day, day])
    out: list[Period] = []
    for start, end in periods:
        if start > end and start.year == end.year:  # "29 December - 9 January 2016"
            start = start.replace(year=start.year - 1)
        if start > end:
            return None
        out.append((start, end))
    if any(b[0] < a[1] for a, b in zip(out, out[1:])):
        return None   # periods out of order: not a fieldwork line
    return out


def parse_date_range(text: str) -> Period | None:
    """First and last day of the printed fieldwork: "6 to 17 March 2023", "30 November - 11 December
    2015", "8 - 12 July 2013", "6 July 2015 - 30 July 2015", "12 to 16 and 19 to 23 November 2018".
    A single date gives (d, d). See :func:`parse_fieldwork` for the periods themselves."""
    periods = parse_fieldwork(text)
    return (periods[0][0], periods[-1][1]) if periods else None


@dataclass
class Header:
    """The front page's title block, before the first judgement."""

    lines: list[str]          # normalised lines of page 1 up to (not including) the dates line
    flat: str                 # the same, flattened
    dates_line: str | None    # "Inspection dates: ..." with its continuation
    published_line: str | None
    inspection_dates: tuple[date, date] | None
    publication_date: date | None
    #: the printed fieldwork periods (one for most reports; two for "6 to 8 and 13 to 14 March")
    fieldwork: tuple[Period, ...] = ()


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
    fieldwork = None
    if dates_idx is not None:
        dates_line = _DATES_LINE.match(lines[dates_idx]).group(1)
        probe = _fieldwork_text(dates_line, lines[dates_idx + 1: dates_idx + 4])
        fieldwork = parse_fieldwork(probe)
        inspection_dates = (fieldwork[0][0], fieldwork[-1][1]) if fieldwork else None
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
                  inspection_dates, publication_date, tuple(fieldwork or ()))


_TRAILING_JOIN = re.compile(r"(?:-|\bto|\band|\buntil|&|,|;)\s*$", re.I)
_LEADING_JOIN = re.compile(r"^\s*(?:-|to\b|and\b|until\b|&|,|;|\d{1,2}\b)", re.I)


def _fieldwork_text(first: str, following: list[str]) -> str:
    """The dates line with the lines it runs on to: a range or a second period can wrap
    ("Inspection dates: 30 November -" / "11 December 2015"; "... 8 March 2023 and" / "13 to 14
    March 2023"). A next line is taken while the text so far has no year yet, ends in a joining
    word, or the next line opens with one or with a day that extends the dates read so far."""
    probe = first
    for extra in following:
        read = parse_fieldwork(probe)
        complete = bool(read) and re.search(r"\d{4}", probe)
        if complete and not _TRAILING_JOIN.search(probe) and not _LEADING_JOIN.match(extra):
            break
        longer = parse_fieldwork(f"{probe} {extra}")
        if complete and (not longer or longer[-1][1] <= read[-1][1]):
            break
        probe = f"{probe} {extra}"
    return probe


#: Words of an inspector's role, printed around names: "His Majesty's Inspector", "(HMI)",
#: "On site:", "Lead inspector", "Ofsted Inspector", "Social Care Regulatory Inspector"...
_ROLE = (r"(?:(?:joint\s+|deputy\s+)?lead\s+inspectors?|(?:senior\s+)?(?:her|his)\s+majesty'?s?\s+inspectors?"
         r"(?:\s+of\s+[\w ]+)?|(?:senior\s+)?hmi|ofsted\s+inspectors?|(?:social\s+care\s+)?regulatory\s+inspectors?"
         r"|\boi\b|inspectors?|on[\s-]site|off[\s-]site|remote(?:ly)?|reporting\s+inspectors?)")
_TITLES = re.compile(r"^(?:" + _ROLE + r"[\s,;:/]*)+$", re.I)
_ROLE_ASIDE = re.compile(r"\(\s*" + _ROLE + r"(?:[\s,;/]+" + _ROLE + r")*\s*\)", re.I)
_ROLE_HEAD = re.compile(r"^\s*(?:" + _ROLE + r"\s*(?::|-)\s*)+", re.I)
_ROLE_TAIL = re.compile(r"(?:[\s,;/(-]+" + _ROLE + r"\)?)+[\s,;:/.)-]*$", re.I)
#: A person's name as reports print them: capitalised words ("Máire Atherton", "Paula
#: Thomson-Jones", "Dawn O'Brien", "Nicki McLeod"), lower-case particles allowed between them.
_NAME = re.compile(r"^(?:[A-Z\u00c0-\u024f][\w'.\u00c0-\u024f-]*|de|van|von|der|da|di|le|la|du|bin|al)"
                   r"(?:\s+(?:[A-Z\u00c0-\u024f][\w'.\u00c0-\u024f-]*|de|van|von|der|da|di|le|la|du|bin|al)){1,5}$")


def clean_person(raw: str) -> str:
    """An inspector's name without the role words printed around it: a leading "On site:" or
    "Lead inspector:", a bracketed "(HMI)", a trailing ", His Majesty's Inspector", "HMI" or
    "Lead inspector", and stray punctuation."""
    name = _ROLE_ASIDE.sub(" ", raw.strip())
    for _ in range(3):   # "Lead inspector: On site: Jo Bloggs"
        name = _ROLE_HEAD.sub("", name)
    name = _ROLE_TAIL.sub("", name)
    return " ".join(name.split()).strip(" ,;:/-")


def looks_like_a_name(text: str) -> bool:
    """Whether ``text`` reads as a person's name (two to six capitalised words)."""
    return bool(_NAME.match(text))


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
        if joint or ";" in value or re.search(r"\s(?:and|&)\s", clean_person(value)):
            parts = re.split(r"\s*;\s*|\s+and\s+|\s*&\s*", value)
            # "A, HMI, B, HMI" -> split on commas that follow a title
            parts = [p for chunk in parts for p in re.split(r"(?<=HMI),\s*|(?<=Inspector),\s*", chunk)]
        for part in parts:
            name = clean_person(part)
            if name and name not in names:
                names.append(name)
    return "; ".join(names) if names else None
