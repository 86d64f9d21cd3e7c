"""Every workbook the app serves, opened with openpyxl: a title block, human headers, a number format
on every numeric cell, real dates, an autofilter and a frozen header on every sheet."""
from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from openpyxl import load_workbook

DOWNLOADS = [("/", t) for t in ("las", "grade_shares", "recent_inspections")] + \
    [("/la/926", t) for t in ("measures", "inspections", "visits")] + \
    [("/measure/cin_rereferral_pct", t) for t in ("ranking", "distribution", "regions")] + \
    [("/measure/csc_spend_per_child_gbp", "ranking"), ("/measure/population_0_17", "ranking"),
     ("/compare?la=926&la=935&la=201", "comparison"), ("/measures", "measures"), ("/las", "las"),
     ("/search?q=kent", "results"), ("/api/la/201?peers=202,203", "measures")] + \
    [("/risk", t) for t in ("scores", "bands")] + [("/themes", t) for t in ("themes", "by_grade", "separation",
                                                                          "evidence")] + \
    [("/plan", t) for t in ("events", "capacity", "after_horizon")] + \
    [("/returns/851", "files"), ("/returns/851", "provisional"), ("/la/851", "provisional")]
WORKBOOKS = ["/la/926/workbook.xlsx", "/la/201/workbook.xlsx", "/la/835/workbook.xlsx",
             "/la/926/workbook.xlsx?neighbours=2021&average=median",
             "/measure/cin_rereferral_pct/workbook.xlsx", "/measure/csc_spend_per_child_gbp/workbook.xlsx",
             "/la/851/workbook.xlsx", "/la/841/workbook.xlsx", "/plan/workbook.xlsx"]
DATE_HEADERS = re.compile(r"^(Started|Ended|Published|Published by|Period ends|As at|Date|Created|Abolished)$")
CODE_NAME = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


def check_workbook(body: bytes) -> dict[str, list[list]]:
    wb = load_workbook(io.BytesIO(body))
    out = {}
    for ws in wb.worksheets:
        assert ws.freeze_panes, ws.title
        head = int(re.sub(r"\D", "", ws.freeze_panes)) - 1
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith(f"A{head}:"), ws.title
        assert ws["A1"].value and ws["A1"].font.bold, ws.title                     # the title block
        headers = [c.value for c in ws[head]]
        assert all(isinstance(h, str) and h.strip() for h in headers), (ws.title, headers)
        assert not any(CODE_NAME.match(h) for h in headers), (ws.title, headers)
        rows = list(ws.iter_rows(min_row=head + 1))
        for row in rows:
            for h, cell in zip(headers, row):
                if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    assert cell.number_format != "General", (ws.title, h, cell.coordinate, cell.value)
                if DATE_HEADERS.match(h) and cell.value is not None:
                    assert isinstance(cell.value, datetime), (ws.title, h, cell.value)
                    assert "yy" in cell.number_format
        out[ws.title] = [headers] + [[c.value for c in r] for r in rows]
    return out


@pytest.mark.parametrize("path,table", DOWNLOADS)
def test_every_table_download_is_a_proper_workbook(client, path, table):
    sep = "&" if "?" in path else "?"
    r = client.get(f"{path}{sep}format=xlsx&table={table}")
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheets = check_workbook(r.content)
    assert len(sheets) == 1


@pytest.mark.parametrize("path", WORKBOOKS)
def test_workbooks(client, path):
    r = client.get(path)
    assert r.status_code == 200
    sheets = check_workbook(r.content)
    if path.startswith("/plan"):
        assert {"Plan", "Capacity by month", "After the plan", "Simulation"} <= set(sheets)
    elif path.startswith("/la/"):
        assert list(sheets)[:3] == ["Profile", "Measures", "Trends"] and list(sheets)[-1] == "Sources"
        assert {"Inspections", "Visits"} <= set(sheets)
        sources = sheets["Sources"]
        assert any("Ofsted" in str(r[0]) for r in sources[1:])
        assert ("Provisional figures" in sheets) == (path == "/la/851/workbook.xlsx")
        assert ("Recommendations" in sheets) == (path == "/la/841/workbook.xlsx")
    else:
        every = sheets["Every LA and year"]
        header = every[0]
        for h in ("Statistical neighbours (2025 model), mean", "Statistical neighbours (2021 model), median",
                  "England", "Rank (1 = best)", "Quartile band (A = best quarter)"):
            assert any(x.startswith(h) for x in header), (h, header)
        assert len(every) > 1000                              # every LA x every year
        assert len({r[header.index("Period")] for r in every[1:]}) >= 8


def test_spend_is_money_and_counts_are_whole(client):
    wb = load_workbook(io.BytesIO(client.get("/measure/csc_spend_per_child_gbp?format=xlsx").content))
    ws = wb.active
    head = int(re.sub(r"\D", "", ws.freeze_panes)) - 1
    headers = [c.value for c in ws[head]]
    col = headers.index(next(h for h in headers if h.startswith("Value"))) + 1
    assert "£" in ws.cell(head + 1, col).number_format
    wb = load_workbook(io.BytesIO(client.get("/measure/population_0_17?format=xlsx").content))
    ws = wb.active
    head = int(re.sub(r"\D", "", ws.freeze_panes)) - 1
    headers = [c.value for c in ws[head]]
    assert headers[5] == "Value (count)" and ws.cell(head + 1, 6).number_format == "#,##0"


def test_la_workbook_has_the_early_warning_sheet_from_the_published_scores(client):
    panel = client.get("/api/la/926").json()["risk"]
    sheets = check_workbook(client.get("/la/926/workbook.xlsx").content)
    warning = sheets["Early warning"]
    values = {row[0]: row[1] for row in warning if row and row[0]}
    assert values["Band"] == panel["band_label"] and values["Status"] == panel["status"]["label"]
    assert values["Chance of being judged inadequate within 12 months"] == f"{round(100 * panel['p_inadequate_12m'], 1)}%"
    assert any(row[:2] == ["Pushing the chance up", panel["reasons"][0]] for row in warning)
