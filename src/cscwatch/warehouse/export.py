"""Export the whole warehouse: a folder of Parquet or CSV files (one per table) or one XLSX workbook.

The workbook is laid out the way LA analysts expect from Excel: a 'Read me' sheet, the measure
dictionary, the LA list, then one sheet per topic with one row per area and period and one
column per measure, frozen header row and key columns, number formats by unit and set column
widths. A suppressed cell shows its symbol (c, x, z, low, ...) as the source did.
"""
from __future__ import annotations

import re
from pathlib import Path

import duckdb
from typing import Any

from cscwatch.errors import CscwatchError
from cscwatch.store import Store
from cscwatch.warehouse.benchmark import _require
from cscwatch.warehouse.symbols import STATUS_MEANING

TABLES = ("la", "la_alias", "la_lineage", "la_group", "region", "measure", "observation", "release",
          "stat_neighbour", "source_file", "load_issue")
KEY_COLUMNS = ("area_code", "area_name", "period")


def export_warehouse(store: Store, out: str | Path, fmt: str) -> list[Path]:
    """Write the warehouse to ``out`` as ``parquet``, ``csv`` (folders) or ``xlsx`` (a file)."""
    _require(store)
    out = Path(out)
    if fmt in ("parquet", "csv"):
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CscwatchError(f"{out}: cannot create the export folder ({exc.strerror or exc})") from None
        written = []
        for table in TABLES:
            path = out / f"{table}.{fmt}"
            options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT csv, HEADER true"
            quoted = "'" + str(path).replace("'", "''") + "'"          # folder names may hold quotes
            try:
                store.con.execute(f"COPY (SELECT * FROM {table} ORDER BY ALL) TO {quoted} ({options})")
            except (duckdb.IOException, duckdb.PermissionException) as exc:
                raise CscwatchError(f"{path}: cannot write ({' '.join(str(exc).split())[:160]})") from None
            written.append(path)
        return written
    if fmt == "xlsx":
        return [write_xlsx(store, out)]
    raise CscwatchError(f"unknown export format {fmt!r}: use parquet, csv or xlsx")


def number_format(unit: str | None) -> str:
    u = (unit or "").lower()
    if "gbp" in u or "spend" in u or "cost" in u:
        return "£#,##0"
    if u.startswith("%") or "percent" in u or u in ("%",) or "rate" in u and "per" not in u:
        return "0.0"
    if "per 10,000" in u or "per 10k" in u or "per 100,000" in u or "per 1000" in u or "score" in u:
        return "#,##0.0"
    if "number" in u or u in ("count", "fte") or "rank" in u:
        return "#,##0"
    return "General"


def sheet_name(topic: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", topic or "Other").strip()[:31] or "Other"
    base, i = name, 2
    while name.lower() in used:
        name = f"{base[:28]} {i}"
        i += 1
    used.add(name.lower())
    return name


class _Book:
    """Thin XlsxWriter wrapper (constant memory: rows are streamed in order)."""

    def __init__(self, path: Path):
        import xlsxwriter

        self.wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
        self.head = self.wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bottom": 1})
        self._formats: dict[str, Any] = {}

    def fmt(self, num_format: str):
        if num_format == "General":
            return None
        if num_format not in self._formats:
            self._formats[num_format] = self.wb.add_format({"num_format": num_format})
        return self._formats[num_format]

    def sheet(self, title: str, header: list[str], rows: list[list[Any]], widths: list[int],
              formats: list[str] | None = None, freeze: tuple[int, int] = (1, 0)) -> None:
        ws = self.wb.add_worksheet(title)
        ws.freeze_panes(*freeze)
        cell_formats = [self.fmt(f) for f in formats] if formats else [None] * len(header)
        for i, w in enumerate(widths):
            ws.set_column(i, i, w)
        ws.write_row(0, 0, header, self.head)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, (int, float)):
                    ws.write_number(r, c, value, cell_formats[c])
                else:
                    ws.write_string(r, c, str(value))
        if rows:
            ws.autofilter(0, 0, len(rows), len(header) - 1)

    def close(self) -> None:
        self.wb.close()


def write_xlsx(store: Store, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = _Book(path)
    measures = store.rows("SELECT * FROM measure ORDER BY topic, measure_id")
    readme = [["cscwatch warehouse export: DfE/ONS/MHCLG official statistics, Open Government Licence v3.0."],
              ["One sheet per topic: one row per area (LA code, England E92000001, regions E12...) and period, "
               "one column per measure (ids explained on the Measures sheet)."],
              ["Suppressed or unavailable cells show the publisher's symbol:"]]
    readme += [[f"  {k}: {v}"] for k, v in STATUS_MEANING.items()]
    book.sheet("Read me", ["About this workbook"], readme, [120])
    mcols = ["measure_id", "title", "unit", "topic", "polarity", "period_type", "source_publication", "definition",
             "numerator", "denominator", "sources"]
    book.sheet("Measures", mcols, [[m[c] for c in mcols] for m in measures],
               [34, 50, 18, 24, 9, 18, 40, 80, 24, 24, 30])
    lcols = ["la_code_old", "la_code_new", "la_name", "region_name", "ofsted_region", "la_type", "valid_from",
             "valid_to"]
    las = store.rows("SELECT * FROM la ORDER BY la_code_old")
    book.sheet("LAs", lcols, [[None if r[c] is None else str(r[c]) for c in lcols] for r in las],
               [12, 12, 36, 26, 36, 14, 12, 12])
    names = {r["la_code_old"]: r["la_name"] for r in las}
    names.update({r["region_code"]: r["region_name"] for r in store.rows("SELECT * FROM region")})
    used = {"read me", "measures", "las"}
    by_topic: dict[str, list[dict]] = {}
    for m in measures:
        by_topic.setdefault(m["topic"] or "Other", []).append(m)
    data = store.con.execute(
        "SELECT m.topic, o.la, o.period, o.measure_id, o.value, o.status FROM observation o "
        "JOIN measure m USING (measure_id) ORDER BY m.topic, o.period_end, o.la").fetchall()
    grids: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
    for topic, la, period, mid, value, status in data:
        grids.setdefault(topic or "Other", {}).setdefault((la, period), {})[mid] = value if value is not None \
            else status
    for topic, ms in by_topic.items():
        ids = [m["measure_id"] for m in ms]
        header = list(KEY_COLUMNS) + ids
        formats = ["General"] * len(KEY_COLUMNS) + [number_format(m["unit"]) for m in ms]
        rows = [[la, names.get(la, la), period] + [cells.get(i) for i in ids]
                for (la, period), cells in grids.get(topic, {}).items()]
        widths = [11, 30, 10] + [max(10, min(24, len(i) + 2)) for i in ids]
        book.sheet(sheet_name(topic, used), header, rows, widths, formats, freeze=(1, 3))
    book.close()
    return path
