"""Export the whole warehouse: a folder of Parquet or CSV files (one per table) or one XLSX workbook.

The workbook is written by the one table writer (:mod:`cscwatch.tables`) and laid out the way LA
analysts expect from Excel: an 'About' sheet, the measure dictionary, the LA list, then one sheet
per topic with one row per area and period and one column per measure (headed by its title and
unit), each with a title block, human headers, number formats by the measure's precision, real
dates, an autofilter and a frozen header. A suppressed cell shows its symbol (c, x, z, low, ...)
as the source did.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
from typing import Any

from cscwatch.errors import CscwatchError
from cscwatch.store import Store
from cscwatch.tables import Column, Table, number_column, unit_style, write_xlsx
from cscwatch.warehouse.benchmark import _require
from cscwatch.warehouse.symbols import STATUS_MEANING

TABLES = ("la", "la_alias", "la_lineage", "la_group", "region", "measure", "observation", "release",
          "stat_neighbour", "source_file", "load_issue")
SOURCE = "DfE, ONS and MHCLG official statistics (see the Measures sheet)"


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
            try:
                with store._lock:
                    store.con.execute(f"COPY (SELECT * FROM {table} ORDER BY ALL) TO $path ({options})",
                                      {"path": str(path)})
            except (duckdb.IOException, duckdb.PermissionException) as exc:
                raise CscwatchError(f"{path}: cannot write ({' '.join(str(exc).split())[:160]})") from None
            written.append(path)
        return written
    if fmt == "xlsx":
        return [write_workbook(store, out)]
    raise CscwatchError(f"unknown export format {fmt!r}: use parquet, csv or xlsx")


def _decimals(measure: dict[str, Any]) -> int:
    return unit_style(measure.get("unit"))[0]


def _topic_rows(store: Store, topic: str, ids: list[str], names: dict[str, str]) -> Iterator[dict[str, Any]]:
    """One row per area and period of a topic, one key per measure (streamed from the store)."""
    cur = store.con.cursor().execute(
        "SELECT o.la, o.period, max(o.period_end) OVER (PARTITION BY o.la, o.period) AS period_end, o.measure_id,"
        " o.value, o.status FROM observation o JOIN measure m USING (measure_id) WHERE coalesce(m.topic, 'Other') = ?"
        " ORDER BY o.period, o.la", [topic])
    row: dict[str, Any] | None = None
    while batch := cur.fetchmany(50_000):
        for la, period, end, mid, value, status in batch:
            if row is None or (row["area_code"], row["period"]) != (la, period):
                if row is not None:
                    yield row
                row = {"area_code": la, "area_name": names.get(la, la), "period": period, "period_end": end}
            row[mid] = value if value is not None else status
    if row is not None:
        yield row


def write_workbook(store: Store, path: Path) -> Path:
    """The whole warehouse as one workbook (see the module docstring)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    measures = store.rows("SELECT * FROM measure ORDER BY topic, measure_id")
    las = store.rows("SELECT * FROM la ORDER BY la_code_old")
    names = {r["la_code_old"]: r["la_name"] for r in las}
    names.update({r["region_code"]: r["region_name"] for r in store.rows("SELECT * FROM region")})
    about = [{"field": "What", "value": "cscwatch warehouse export: every figure of every measure, by area and "
                                        "period"},
             {"field": "Licence", "value": "Open Government Licence v3.0"},
             {"field": "Layout", "value": "One sheet per topic: one row per area (LA code, England E92000001, "
                                          "regions E12...) and period, one column per measure"}]
    about += [{"field": f"Symbol {k}", "value": v} for k, v in STATUS_MEANING.items()]
    tables = [Table("About", "cscwatch warehouse export", [Column("field", "Field", width=20),
                                                            Column("value", "Value", width=110)], about,
                    source=SOURCE, suppression_key=False),
              Table("Measures", "The measure dictionary", [
                  Column("topic", "Topic", width=26), Column("title", "Measure", width=50),
                  Column("unit", "Unit", width=16), Column("polarity", "Better (high / low)"),
                  Column("period_type", "Period type", width=18), Column("source_publication", "Source", width=40),
                  Column("definition", "Definition", width=80), Column("numerator", "Numerator", width=24),
                  Column("denominator", "Denominator", width=24), Column("measure_id", "Measure id", width=30)],
                  measures, source=SOURCE, suppression_key=False),
              Table("LAs", "Children's services authorities", [
                  Column("la_code_old", "DfE LA code"), Column("la_code_new", "ONS code"),
                  Column("la_name", "Local authority", width=36), Column("region_name", "Region", width=26),
                  Column("ofsted_region", "Ofsted region", width=36), Column("la_type", "Type"),
                  Column("valid_from", "Created", "date"), Column("valid_to", "Abolished", "date")],
                  las, suppression_key=False)]
    by_topic: dict[str, list[dict[str, Any]]] = {}
    for m in measures:
        by_topic.setdefault(m["topic"] or "Other", []).append(m)
    for topic, ms in by_topic.items():
        cols = [Column("area_code", "Area code"), Column("area_name", "Area", width=30), Column("period", "Period"),
                Column("period_end", "Period ends", "date")]
        for m in ms:
            unit = f" ({m['unit']})" if m["unit"] and f"({m['unit']})" not in m["title"] else ""
            cols.append(number_column(m["measure_id"], f"{m['title']}{unit}", m["unit"], _decimals(m), width=18))
        tables.append(Table(topic, f"{topic}: every area and period", cols,
                            _topic_rows(store, topic, [m["measure_id"] for m in ms], names), source=SOURCE))
    write_xlsx(tables, path)
    return path
