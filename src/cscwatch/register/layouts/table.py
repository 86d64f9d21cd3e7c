"""Read a judgement table by where its cells sit on the page, not by the order the text layer gives.

A PDF's text layer lists text in drawing order. In most reports that is reading order, and the
layouts read a table row as "label, then its grade" in the flattened text. But a table cell can be
drawn before its row's label, between the label's lines, or with its grade broken over lines
("Requires improvement" / "to be good") that the text layer splits from the label. Read in text
order, such a table gives the next row's grade to this row, without any sign of trouble.

:func:`read_rows` reads the same table from the text runs' boxes (:class:`~cscwatch.register.text.Segment`):
each row label's vertical band on the page, and each grade cell (the grade's words, merged across
the lines of one cell) assigned to the row whose band it overlaps most. Layouts read both ways and
compare (:func:`merge_readings`): when the readings disagree, the text order's grade is kept only
if a cell with that grade sits beside the row on the page, else the page's; either way the report
carries a ``conflict`` warning naming both values and the one kept.

Pure functions over segments: testable without a PDF.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cscwatch.register.layouts.common import GRADE
from cscwatch.register.text import Segment

__all__ = ["read_rows", "merge_readings", "GradeCell", "TableReading"]

_GRADE_WORD = re.compile(
    r"^(?:requires?|improvement|to|be|good|outstanding|inadequate|adequate|not|judged|applicable)$", re.I)
_FULL_GRADE = re.compile(r"^" + GRADE + r"$", re.I)
#: Every grade phrase a cell can hold, to tell a cell's first line from a whole cell.
_PHRASES = ("requires improvement to be good", "require improvement to be good", "requires improvement",
            "require improvement", "outstanding", "good", "inadequate", "adequate", "not judged",
            "not applicable")


@dataclass(frozen=True)
class GradeCell:
    """The words of one grade cell, possibly over several lines, and the box around them."""

    text: str
    left: float
    bottom: float
    top: float


def _is_grade_fragment(text: str) -> bool:
    words = text.split()
    return bool(words) and all(_GRADE_WORD.match(w) for w in words)


def _could_grow(text: str) -> bool:
    """Whether more words could follow ``text`` inside one grade cell."""
    t = " ".join(text.lower().split())
    return any(p.startswith(t + " ") for p in _PHRASES)


def _is_prefix(text: str) -> bool:
    t = " ".join(text.lower().split())
    return any(p == t or p.startswith(t + " ") for p in _PHRASES)


def _lines(segments: Sequence[Segment]) -> list[list[Segment]]:
    """Segments grouped into lines (a segment joins a line its middle falls within), top down, left to right."""
    lines: list[list[Segment]] = []
    for seg in sorted(segments, key=lambda s: -s.middle):
        line = lines[-1] if lines else None
        if line and min(s.bottom for s in line) <= seg.middle <= max(s.top for s in line):
            line.append(seg)
        else:
            lines.append([seg])
    return [sorted(line, key=lambda s: s.left) for line in lines]


def grade_cells(segments: Sequence[Segment]) -> list[GradeCell]:
    """Grade words merged into cells: words side by side on one line, then the cell's next lines."""
    pieces: list[GradeCell] = []
    for line in _lines([s for s in segments if _is_grade_fragment(s.text)]):
        current: list[Segment] = []
        for seg in line:  # side by side: "Requires " "improvement " in separate runs
            if current and seg.left - current[-1].right > 2 * seg.height:
                pieces.append(_cell(current))
                current = []
            current.append(seg)
        pieces.append(_cell(current))
    cells: list[GradeCell] = []
    for piece in sorted(pieces, key=lambda c: -c.top):
        prev = next((c for c in reversed(cells) if abs(c.left - piece.left) < 40), None)
        height = piece.top - piece.bottom
        joined = f"{prev.text} {piece.text}" if prev else ""
        if (prev is not None and _could_grow(prev.text) and _is_prefix(joined)
                and -0.5 * height <= prev.bottom - piece.top <= 0.8 * height + 2):
            cells[cells.index(prev)] = GradeCell(joined, min(prev.left, piece.left), piece.bottom, prev.top)
        else:
            cells.append(piece)
    return [c for c in cells if _FULL_GRADE.match(c.text)]


def _cell(segs: list[Segment]) -> GradeCell:
    return GradeCell(" ".join(" ".join(s.text.split()) for s in segs), segs[0].left,
                     min(s.bottom for s in segs), max(s.top for s in segs))


def _label_text(segments: Sequence[Segment]) -> tuple[str, list[tuple[int, int, Segment]]]:
    """Non-grade text in reading order as one flat string, with each segment's span in it."""
    text = ""
    spans: list[tuple[int, int, Segment]] = []
    for line in _lines([s for s in segments if not _is_grade_fragment(s.text)]):
        prev: Segment | None = None
        for seg in line:
            piece = " ".join(seg.text.split())
            if not piece:
                continue
            if text:
                text += " "
            spans.append((len(text), len(text) + len(piece), seg))
            text += piece
            prev = seg
    return text, spans


class TableReading(dict):
    """{row key: grade text} read by position, plus ``beside``: every grade cell touching each row's band."""

    def __init__(self, rows: Mapping[str, str] = (), beside: Mapping[str, list[str]] | None = None):
        super().__init__(rows)
        self.beside: dict[str, list[str]] = dict(beside or {})


def read_rows(segments: Sequence[Segment], rows: Mapping[str, str]) -> TableReading:
    """{row key: grade text} for the rows whose label (a regex) is on the page with a grade cell beside it.

    A row's band runs from the top of its label's first line to the bottom of its last. A grade
    cell belongs to the row whose band it overlaps most (ties: nearest middle); each cell serves one
    row. A row whose band no grade cell touches is left out, never guessed. ``.beside`` keeps, per
    row, the text of every grade cell touching its band, to check a text-order reading against.
    """
    text, spans = _label_text(segments)
    bands: dict[str, tuple[float, float, float]] = {}   # key -> (bottom, top, left)
    taken: list[tuple[int, int]] = []
    for key, label in rows.items():
        for m in re.finditer(label, text, re.I):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue   # the text of another row's label ("children in care" in "... and care leavers")
            inside = [seg for s, e, seg in spans if s < m.end() and m.start() < e]
            if inside:
                bands[key] = (min(s.bottom for s in inside), max(s.top for s in inside), min(s.left for s in inside))
                taken.append((m.start(), m.end()))
            break
    cells = grade_cells(segments)
    scored: list[tuple[float, float, str, int]] = []
    for key, (bottom, top, left) in bands.items():
        for i, cell in enumerate(cells):
            if cell.left <= left:
                continue
            overlap = min(top, cell.top) - max(bottom, cell.bottom)
            if overlap > 0:
                middle_gap = abs((bottom + top) / 2 - (cell.bottom + cell.top) / 2)
                scored.append((-overlap, middle_gap, key, i))
    out: dict[str, str] = {}
    beside: dict[str, list[str]] = {}
    used: set[int] = set()
    for _, _, key, i in sorted(scored):
        beside.setdefault(key, []).append(cells[i].text)
        if key not in out and i not in used:
            out[key] = cells[i].text
            used.add(i)
    return TableReading(out, beside)


def merge_readings(text_order: Mapping[str, str],
                   layout: Mapping[str, str]) -> tuple[dict[str, str], list[tuple[str, str, str, str]]]:
    """One reading from the text-order and the page-layout readings of a table.

    Rows only one reading found are kept. Where both found a row and disagree, the text order's
    grade is kept if a cell with that grade touches the row's band on the page (the text order is
    plausible there, and a damaged file can shift boxes), else the page layout's (the text layer put
    the grade apart from its row). ``(key, text-order grade, layout grade, kept)`` is returned for
    each disagreement so the report can say so.
    """
    beside = getattr(layout, "beside", {})
    merged = dict(text_order)
    conflicts: list[tuple[str, str, str, str]] = []
    for key, grade in layout.items():
        old = merged.get(key)
        if old is None or _norm(old) == _norm(grade):
            merged[key] = grade if old is None else old
            continue
        plausible = any(_norm(text) == _norm(old) for text in beside.get(key, []))
        merged[key] = old if plausible else grade
        conflicts.append((key, old, grade, "text order" if plausible else "page"))
    return merged, conflicts


def _norm(grade: str) -> str:
    from cscwatch.grades import parse_grade

    try:
        g = parse_grade(grade)
    except ValueError:
        return grade.lower()
    return g.value if g else ""
