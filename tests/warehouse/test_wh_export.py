"""Exports: XLSX laid out for analysts (sheets per topic, frozen headers, formats, widths), Parquet/CSV."""
from __future__ import annotations

import csv

import openpyxl

from cscwatch.warehouse.export import TABLES, export_warehouse, number_format, sheet_name


def test_xlsx_one_sheet_per_topic_with_frozen_headers_and_formats(small_store, tmp_path):
    (path,) = export_warehouse(small_store, tmp_path / "out" / "warehouse.xlsx", "xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Read me", "Measures", "LAs", "Children in Need", "Context"]
    ws = wb["Children in Need"]
    assert ws.freeze_panes == "D2" and wb["Measures"].freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header == ["area_code", "area_name", "period", "rr"]
    assert ws[1][0].font.bold
    rows = {(r[0], r[2]): r[3] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows[("101", "2024")] == 20 and rows[("105", "2024")] == "c" and rows[("099", "2024")] == "z"
    cell = next(c for row in ws.iter_rows(min_row=2) for c in row if c.column == 4 and isinstance(c.value, (int, float)))
    assert cell.number_format == "0.0"
    assert ws.column_dimensions["B"].width > 20
    assert ("E92000001", "2024") in rows and ws.cell(2, 2).value


def test_parquet_and_csv_one_file_per_table(small_store, tmp_path):
    written = export_warehouse(small_store, tmp_path / "csv", "csv")
    assert [p.stem for p in written] == list(TABLES)
    with open(tmp_path / "csv" / "observation.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 30 and {"la", "period", "measure_id", "value", "status"} <= set(rows[0])
    assert len(export_warehouse(small_store, tmp_path / "pq", "parquet")) == len(TABLES)


def test_formats_and_sheet_names():
    assert number_format("%") == "0.0" and number_format("rate per 10,000") == "#,##0.0"
    assert number_format("GBP") == "£#,##0" and number_format("count") == "#,##0"
    used: set[str] = set()
    assert sheet_name("Contextual\\Other", used) == "Contextual Other"
    assert sheet_name("Child protection", used) == "Child protection"
    assert sheet_name("Child Protection", used) == "Child Protection 2"
    assert len(sheet_name("x" * 40, used)) == 31
