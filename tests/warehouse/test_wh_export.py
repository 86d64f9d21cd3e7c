"""Exports: XLSX laid out for analysts (sheets per topic, frozen headers, formats, widths), Parquet/CSV."""
from __future__ import annotations

import csv

import openpyxl

from cscwatch.tables import Column, sheet_name
from cscwatch.warehouse.export import TABLES, export_warehouse


def test_xlsx_one_sheet_per_topic_with_title_block_headers_and_formats(small_store, tmp_path):
    (path,) = export_warehouse(small_store, tmp_path / "out" / "warehouse.xlsx", "xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["About", "Measures", "LAs", "Children in Need", "Context"]
    ws = wb["Children in Need"]
    assert ws["A1"].value == "Children in Need: every area and period"
    head = next(r for r in range(1, 12) if ws.cell(r, 1).value == "Area code")
    assert ws.freeze_panes == f"A{head + 1}" and ws.auto_filter.ref.startswith(f"A{head}")
    header = [c.value for c in ws[head]]
    assert header == ["Area code", "Area", "Period", "Period ends", "Re-referrals (%)"]
    assert ws[head][0].font.bold
    rows = {(r[0], r[2]): r for r in ws.iter_rows(min_row=head + 1, values_only=True)}
    assert rows[("101", "2024")][4] == 20 and rows[("105", "2024")][4] == "c" and rows[("099", "2024")][4] == "z"
    assert rows[("101", "2024")][3].year == 2024          # a real date
    cell = next(c for row in ws.iter_rows(min_row=head + 1) for c in row if c.column == 5
                and isinstance(c.value, (int, float)))
    assert cell.number_format == "#,##0.0"
    assert ws.column_dimensions["B"].width > 20
    assert ("E92000001", "2024") in rows and rows[("E92000001", "2024")][1] == "England"


def test_parquet_and_csv_one_file_per_table(small_store, tmp_path):
    written = export_warehouse(small_store, tmp_path / "csv", "csv")
    assert [p.stem for p in written] == list(TABLES)
    with open(tmp_path / "csv" / "observation.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 30 and {"la", "period", "measure_id", "value", "status"} <= set(rows[0])
    assert len(export_warehouse(small_store, tmp_path / "pq", "parquet")) == len(TABLES)


def test_formats_and_sheet_names():
    from cscwatch.tables import number_column, unit_style

    assert number_column("v", "V", "%", unit_style("%")[0]).excel_format() == "#,##0.0"
    assert number_column("v", "V", "GBP", unit_style("GBP")[0]).excel_format() == '"£"#,##0'
    assert number_column("v", "V", "count", unit_style("count")[0]).excel_format() == "#,##0"
    assert Column("d", "D", "date").excel_format() == "d mmm yyyy"
    used: set[str] = set()
    assert sheet_name("Contextual\\Other", used) == "Contextual Other"
    assert sheet_name("Child protection", used) == "Child protection"
    assert sheet_name("Child Protection", used) == "Child Protection 2"
    assert len(sheet_name("x" * 40, used)) == 31
