"""No raw child id or date of birth from the input reaches any table, log, output or export."""
from __future__ import annotations

import csv
import logging
import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cscwatch.cli import app

VALIDATORS = Path(sys.prefix).parent / ".venv-validators" / "bin" / "python"
DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4}")


def raw_identifiers(tree: Path) -> tuple[set[str], set[str]]:
    """Child ids and dates of birth (as written, and in ISO form) in every input file; DOBs that are
    also some event's date in the input are left out, since their presence could not be told apart."""
    ids, dobs, events = set(), set(), set()
    for path in tree.rglob("*.csv"):
        for row in csv.DictReader(path.open()):
            ids.add(row["CHILD"])
            for col, value in row.items():
                if value and DATE.fullmatch(value):
                    (dobs if col in ("DOB", "MC_DOB") else events).add(value)
    for path in tree.rglob("*.xml"):
        text = path.read_text()
        ids |= set(re.findall(r"<LAchildID>([^<]+)</LAchildID>", text))
        dobs |= set(re.findall(r"<PersonBirthDate>([^<]+)</PersonBirthDate>", text))
        events |= set(re.findall(r">(\d{4}-\d{2}-\d{2})<", text)) - dobs
    iso = {f"{v[6:]}-{v[3:5]}-{v[:2]}" if "/" in v else v for v in dobs}
    uk = {f"{v[8:]}/{v[5:7]}/{v[:4]}" for v in iso}
    events_iso = {f"{v[6:]}-{v[3:5]}-{v[:2]}" if "/" in v else v for v in events}
    return ids, {v for v in iso | uk if v not in events_iso and v not in events}


def scan(texts: dict[str, str], ids: set[str], dobs: set[str]) -> list[str]:
    found = []
    for where, text in texts.items():
        found += [f"{where}: id {i}" for i in ids if i in text]
        found += [f"{where}: dob {v}" for v in dobs if v in text]
    return found


def test_no_raw_id_or_dob_reaches_the_store_logs_outputs_or_exports(rstore, tmp_path, caplog, monkeypatch):
    from cscwatch.returns.accounts import add_user, authenticate
    from cscwatch.returns.provisional import latest_provisional, provisional_beside_published
    from cscwatch.returns.synth import synth
    from cscwatch.returns.views import child_issues_context, returns_overview

    tree = tmp_path / "tree"
    synth(rstore, tree, n_las=1, n_years=2, seed=3, last_year=2025, scale=0.03)
    ids, dobs = raw_identifiers(tree)
    assert len(ids) > 100 and len(dobs) > 50
    la = next(tree.iterdir()).name
    db = str(rstore.path)
    rstore.close()
    caplog.set_level(logging.DEBUG)
    runner = CliRunner()
    outputs: dict[str, str] = {}
    xlsx = tmp_path / "issues.xlsx"
    commands = {
        "ingest": ["returns", "ingest", str(tree), "--db", db],
        "measures json": ["returns", "measures", "--format", "json", "--db", db],
        "measures csv": ["returns", "measures", "--la", la, "--format", "csv", "--db", db],
        "compare": ["returns", "compare", la, "--format", "json", "--db", db],
    }
    if VALIDATORS.exists():
        commands["validate"] = ["returns", "validate", str(tree / la / "2025"), "--xlsx", str(xlsx), "--format",
                                "json", "--db", db]
    for name, argv in commands.items():
        out = runner.invoke(app, argv)
        assert out.exit_code == 0, (name, out.output)
        outputs[f"cli {name}"] = out.output
    from cscwatch.store import Store

    with Store(db) as store:
        add_user(store, "analyst", "a long enough password", la=la)
        account = authenticate(store, "analyst", "a long enough password")
        for name, value in {
            "beside published": provisional_beside_published(store, la),
            "latest": latest_provisional(store),
            "child issues": child_issues_context(store, account, la, 2025),
            "overview": returns_overview(store, la),
        }.items():
            outputs[f"context {name}"] = repr(value)
        tables = [r["table_name"] for r in store.rows("SELECT table_name FROM information_schema.tables")]
        for table in tables:
            outputs[f"table {table}"] = repr(store.rows(f"SELECT * FROM {table}"))
        assert store.scalar("SELECT count(*) FROM cla_episode") > 0 and store.scalar("SELECT count(*) FROM cin_referral") > 0
        if VALIDATORS.exists():
            assert store.scalar("SELECT count(*) FROM return_issue") > 0
    outputs["store file bytes"] = Path(db).read_bytes().decode("latin-1")
    outputs["logs"] = "\n".join(r.getMessage() for r in caplog.records)
    if xlsx.exists():
        from openpyxl import load_workbook

        outputs["xlsx"] = repr([c.value for ws in load_workbook(xlsx) for row in ws.iter_rows() for c in row])
    leaks = scan(outputs, ids, dobs)
    assert not leaks, leaks[:20]
    assert "table cla_episode" in outputs and "table return_issue" in outputs


def test_the_scan_would_see_a_leak(tmp_path):
    """The scanner itself: a planted id and date of birth are found."""
    ids, dobs = {"ABCD2345"}, {"2012-05-17", "17/05/2012"}
    assert scan({"x": "child ABCD2345 born 17/05/2012"}, ids, dobs) == ["x: id ABCD2345", "x: dob 17/05/2012"]
