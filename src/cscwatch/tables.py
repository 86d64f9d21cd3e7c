"""One writer for every table a user downloads: XLSX workbooks and CSV files from one table spec.

A :class:`Table` says what it holds (title, period, source, publication date, how current, the
suppression key) and its :class:`Column` s say how each is headed (words and unit, never a code
name) and written (text, integer, decimal places, money, date). :func:`write_xlsx` lays each table
on its own sheet the way analysts expect from LAIT: a title block, then the header row (bold,
frozen, with an autofilter), real Excel dates, a number format on every numeric cell (never
General), fitted column widths. :func:`write_csv` writes the same headers and values, integers as
integers (``536``, not ``536.0``) and dates as ISO dates. Used by every web download, the LA and
measure workbooks and ``cscwatch export --format xlsx``.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

Kind = Literal["text", "integer", "number", "money", "date", "datetime", "boolean"]

#: What the publishers' symbols mean (DOMAIN.md §3.3), for every title block.
SUPPRESSION_KEY = ("c = suppressed to protect confidentiality; x = not available; z = not applicable; "
                   "low / k = rounds to zero; u = low reliability; blank = no figure published")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
MAX_SHEET_NAME = 31


#: unit (lower case) -> (decimals, prefix, suffix): counts and money whole, percentages and rates one
#: decimal place, scores and proportions as many as they need. One place, so '13' never sits beside
#: '12.1' and a count is never '536.0'.
UNIT_STYLES: dict[str, tuple[int, str, str]] = {
    "%": (1, "", "%"),
    "rate per 10,000": (1, "", ""),
    "count": (0, "", ""),
    "gbp": (0, "£", ""),
    "gbp per child": (0, "£", ""),
    "fte": (1, "", ""),
    "cases": (1, "", ""),
    "working days": (1, "", ""),
    "score": (2, "", ""),
    "proportion": (3, "", ""),
    "proportion of children": (3, "", ""),
    "rank": (0, "", ""),
    "class 1-6": (0, "", ""),
}


def unit_style(unit: str | None) -> tuple[int, str, str]:
    """(decimals, prefix, suffix) for a measure's unit as the dictionary writes it."""
    u = (unit or "").strip().lower()
    if u in UNIT_STYLES:
        return UNIT_STYLES[u]
    if u.startswith("%") or u.startswith("percent"):
        return UNIT_STYLES["%"]
    if "rate" in u:
        return UNIT_STYLES["rate per 10,000"]
    if "number" in u or "count" in u:
        return UNIT_STYLES["count"]
    if u.startswith("gbp") or "spend" in u:
        return UNIT_STYLES["gbp"]
    return (1, "", "")


@dataclass(frozen=True)
class Column:
    """One column: ``key`` in the rows, its ``header`` in words (with the unit), how it is written."""

    key: str
    header: str
    kind: Kind = "text"
    decimals: int = 0
    prefix: str = ""                 # '£' for money
    width: int | None = None
    decimals_key: str | None = None  # mixed measures in one column: each row's own decimal places

    def for_decimals(self, places: int) -> Column:
        return Column(self.key, self.header, "number" if places else "integer", places, self.prefix, self.width)

    @property
    def numeric(self) -> bool:
        return self.kind in ("integer", "number", "money")

    def excel_format(self) -> str | None:
        if self.kind == "integer":
            return "#,##0"
        if self.kind in ("number", "money"):
            body = "#,##0" + ("." + "0" * self.decimals if self.decimals else "")
            return f'"{self.prefix}"{body}' if self.prefix else body
        if self.kind == "date":
            return "d mmm yyyy"
        if self.kind == "datetime":
            return "d mmm yyyy hh:mm"
        return None


@dataclass
class Table:
    """A table with what a reader needs to trust it (the title block) and its columns and rows."""

    name: str                                    # sheet name and file name stem
    title: str                                   # what it is
    columns: Sequence[Column]
    rows: Iterable[dict[str, Any]]
    period: str | None = None                    # 'Year to 31 March 2025'
    source: str | None = None                    # 'DfE Children in need 2024-25'
    published: str | None = None                 # '30 November 2025'
    as_at: str | None = None                     # how current the figures are
    notes: Sequence[str] = field(default_factory=list)
    suppression_key: bool = True

    def title_block(self) -> list[tuple[str, str]]:
        lines = [("", self.title)]
        for label, value in (("Period", self.period), ("Source", self.source), ("Published", self.published),
                             ("As at", self.as_at)):
            if value:
                lines.append((label, value))
        for note in self.notes:
            lines.append(("Note", note))
        if self.suppression_key:
            lines.append(("Symbols", SUPPRESSION_KEY))
        return lines


def _plain(value: Any, col: Column) -> Any:
    """A cell's value as written: numbers as numbers (integers exact), dates as dates, lists joined."""
    if value is None or value == "":
        return None
    if col.kind == "integer":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return int(value) if float(value).is_integer() else round(float(value), 6)
        return value
    if col.kind in ("number", "money"):
        return round(float(value), 6) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
    if col.kind == "date":
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, str):
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                return value
        return value
    if col.kind == "boolean":
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def sheet_name(name: str, used: set[str]) -> str:
    """An Excel-safe, unique sheet name (31 characters, no []:*?/\\)."""
    base = re.sub(r"[\[\]:*?/\\]", " ", name).strip()[:MAX_SHEET_NAME] or "Sheet"
    out, i = base, 2
    while out.lower() in used:
        suffix = f" {i}"
        out = base[:MAX_SHEET_NAME - len(suffix)] + suffix
        i += 1
    used.add(out.lower())
    return out


def write_xlsx(tables: Sequence[Table], path: str | Path | None = None) -> bytes | Path:
    """Write one sheet per table; returns the bytes, or ``path`` when given (streamed to disk)."""
    import xlsxwriter

    buffer = io.BytesIO() if path is None else None
    wb = xlsxwriter.Workbook(buffer if buffer is not None else str(path),
                             {"constant_memory": path is not None, "strings_to_numbers": False,
                              "strings_to_formulas": False, "strings_to_urls": False,
                              "default_date_format": "d mmm yyyy", "in_memory": path is None})
    title_fmt = wb.add_format({"bold": True, "font_size": 14})
    label_fmt = wb.add_format({"bold": True, "font_color": "#505a5f"})
    head_fmt = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bottom": 1, "bg_color": "#f3f2f1"})
    formats: dict[str, Any] = {}

    def fmt(col: Column) -> Any:
        f = col.excel_format()
        if f is None:
            return None
        if f not in formats:
            formats[f] = wb.add_format({"num_format": f})
        return formats[f]

    used: set[str] = set()
    for table in tables:
        ws = wb.add_worksheet(sheet_name(table.name, used))
        block = table.title_block()
        for r, (label, text) in enumerate(block):
            if r == 0:
                ws.write_string(0, 0, text, title_fmt)
            else:
                ws.write_string(r, 0, label, label_fmt)
                ws.write_string(r, 1, text)
        head = len(block) + 1
        cols = list(table.columns)
        widths = [max(len(c.header) // 2 + 2, 8) if c.width is None else c.width for c in cols]
        ws.set_row(head, 32)
        ws.write_row(head, 0, [c.header for c in cols], head_fmt)
        cell_fmt = [fmt(c) for c in cols]
        per_row = [fmt(c) is not None and c.decimals_key is not None for c in cols]
        write_number, write_string, write_datetime = ws.write_number, ws.write_string, ws.write_datetime
        n = 0
        for n, row in enumerate(table.rows, start=1):
            r = head + n
            measure_width = col_width = n <= 500
            for i, col in enumerate(cols):
                value = row.get(col.key)
                if value is None or value == "":
                    continue
                if col.kind != "text":
                    value = _plain(value, col)
                    if value is None:
                        continue
                kind = type(value)
                if kind is float or kind is int:
                    f = cell_fmt[i]
                    if per_row[i] and isinstance(row.get(col.decimals_key), int):
                        f = fmt(col.for_decimals(row[col.decimals_key]))
                    write_number(r, i, value, f)
                elif kind is bool:
                    write_string(r, i, "yes" if value else "no")
                elif kind is date:
                    write_datetime(r, i, datetime(value.year, value.month, value.day), cell_fmt[i])
                elif kind is datetime:
                    write_datetime(r, i, value, cell_fmt[i])
                else:
                    text = value if kind is str else str(_plain(value, col))
                    write_string(r, i, text)
                    if col_width and col.width is None:
                        widths[i] = max(widths[i], min(len(text) + 2, 60))
            if measure_width:
                for i, col in enumerate(cols):
                    if col.numeric and col.width is None:
                        widths[i] = max(widths[i], 12)
        for i, w in enumerate(widths):
            ws.set_column(i, i, w)
        ws.freeze_panes(head + 1, 0)
        ws.autofilter(head, 0, head + max(n, 1), len(cols) - 1)
    wb.close()
    return buffer.getvalue() if buffer is not None else Path(path)  # type: ignore[arg-type]


def csv_value(value: Any, col: Column) -> Any:
    v = _plain(value, col)
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer() and col.kind in ("integer", "money") or (
            isinstance(v, float) and v.is_integer() and col.kind == "number" and col.decimals == 0):
        return int(v)
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    return v


def write_csv(table: Table) -> bytes:
    """The table as CSV: the same human headers, integers as integers, ISO dates, UTF-8."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = list(table.columns)
    w.writerow([c.header for c in cols])
    for row in table.rows:
        w.writerow([csv_value(row.get(c.key), c) for c in cols])
    return buf.getvalue().encode("utf-8")


def number_column(key: str, header: str, unit: str | None, decimals: int, *, width: int | None = None) -> Column:
    """A numeric column written in the measure's own precision ('£' for money, whole numbers for counts)."""
    u = (unit or "").lower()
    if u.startswith("gbp") or "£" in u:
        return Column(key, header, "money", decimals, prefix="£", width=width)
    if decimals == 0:
        return Column(key, header, "integer", width=width)
    return Column(key, header, "number", decimals, width=width)


def slug(text: str) -> str:
    """A file-name-safe version of ``text``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "table"
