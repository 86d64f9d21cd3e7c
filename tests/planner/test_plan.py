"""The plan, its context and workbook, and the commands, on a generated register and on the bundled data."""
from __future__ import annotations

import io
import json
import shutil
from datetime import date

import pytest
from typer.testing import CliRunner

from cscwatch.cli import app
from cscwatch.contexts.plan import plan_context
from cscwatch.planner.plan import PlanInputError, plan
from cscwatch.planner.xlsx import plan_workbook

runner = CliRunner()
RISK = {"901": 0.40, "902": 0.05, "903": 0.30, "904": 0.25, "905": 0.10}


def test_plan_on_a_generated_register(register):
    result = plan(register, date(2025, 1, 1), 24, "standard=1,short=1", risk=RISK)
    assert result.feasible and result.n_las == 5
    by = {(e["la_code_old"], e["event_type"]): e for e in result.events if not e["instance"]}
    assert by[("905", "standard")]["status"] == "overdue" and by[("905", "standard")]["month"] <= "2025-03"
    assert by[("901", "focused")]["month"] == "2025-01"                   # its usual month has passed: at once
    assert by[("901", "short")]["status"] == "brought_forward"            # 40%: pulled to its window's start
    assert by[("901", "short")]["month"] == "2025-07" and "by risk" in by[("901", "short")]["reason"]
    mv = [e for e in result.events if e["la_code_old"] == "904" and e["event_type"] == "monitoring"]
    assert mv and mv[0]["month"] <= "2025-04"
    for m in result.month_summary:
        assert m["standard"] <= 1 and m["short"] <= 1
    assert any("not limited" in w for w in result.warnings)


def test_rule_based_plan_keeps_usual_months(register):
    result = plan(register, date(2025, 1, 1), 24, "standard=3,short=3", policy="rule_based")
    shifted = {(e["la_code_old"], e["event_type"]) for e in result.events
               if e["status"] in ("brought_forward", "later_than_usual")}
    assert shifted == {("903", "standard")}          # 6 months after its overdue focused visit, not at its usual month


def test_infeasible_plan_names_las_and_capacity(register):
    result = plan(register, date(2025, 1, 1), 12, "standard=0", risk=RISK)
    assert not result.feasible
    assert {u["la_code_old"] for u in result.unfitted} >= {"905"}
    assert result.capacity_needed.text() == "standard=1"


def test_a_plan_past_the_visit_record_says_so(tmp_path):
    from tests.planner.conftest import make_register

    s = make_register(tmp_path / "r.duckdb", {"901": ("Goodshire", [(date(2025, 6, 2), "short", "good")],
                                                      [(date(2024, 10, 7), "focused")])})
    result = plan(s, date(2025, 7, 1), 12, "4,6", policy="rule_based")
    s.close()
    assert any("visit record's newest visit is 2024-10-07" in w for w in result.warnings)


def test_bad_plan_arguments(register):
    with pytest.raises(PlanInputError, match="months"):
        plan(register, date(2025, 1, 1), 0, "4,6", policy="rule_based")
    with pytest.raises(PlanInputError, match="policy"):
        plan(register, date(2025, 1, 1), 12, "4,6", policy="lottery")


def test_context_and_workbook(register):
    ctx = plan_context(register, start=date(2025, 1, 1), months=12, capacity="4,6", risk=RISK)
    json.dumps(ctx, default=str)
    assert ctx["timeline"]["months"][0] == "2025-01" and ctx["timeline"]["las"][0]["la_code_old"] == "901"
    assert not ctx["simulation"]["available"] and "plan simulate" in ctx["simulation"]["paragraph"]
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(plan_workbook(ctx)))
    ws = wb["Plan"]
    assert ws.freeze_panes and ws.auto_filter.ref
    headers = [c.value for c in ws[ws.freeze_panes[1:] and int(ws.freeze_panes[1:]) - 1]]
    assert "Local authority" in headers and "Why" in headers
    assert "Capacity by month" in wb.sheetnames


@pytest.fixture
def register_db(tmp_path):
    """A generated register on disk, closed (the commands open it themselves)."""
    from tests.planner.conftest import make_register

    make_register(tmp_path / "closed.duckdb").close()
    return str(tmp_path / "closed.duckdb")


@pytest.fixture(scope="module")
def bundled_db(built_store, tmp_path_factory):
    """A copy of the session's built store that the commands may open (and the simulation update)."""
    built_store.con.execute("CHECKPOINT")
    path = tmp_path_factory.mktemp("plan") / "copy.duckdb"
    shutil.copy(built_store.path, path)
    return path


def test_cli_plan_formats(register_db, tmp_path):
    db = register_db
    base = ["plan", "--start", "2025-01-01", "--months", "12", "--capacity", "4,6", "--policy", "rule_based", "--db", db]
    out = runner.invoke(app, base + ["--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["feasible"] and data["events"] and data["months_summary"]
    csv_out = runner.invoke(app, base + ["--format", "csv"])
    assert csv_out.exit_code == 0 and csv_out.stdout.startswith("month,la_code_old,la_name")
    xlsx = tmp_path / "plan.xlsx"
    assert runner.invoke(app, base + ["--format", "xlsx", "--out", str(xlsx)]).exit_code == 0
    assert xlsx.read_bytes()[:2] == b"PK"
    table = runner.invoke(app, base)
    assert table.exit_code == 0 and "Capacity used per month" in table.stdout


def test_cli_infeasible_exits_1_with_the_report(register_db):
    out = runner.invoke(app, ["plan", "--start", "2025-01-01", "--months", "12", "--capacity", "standard=0",
                              "--policy", "rule_based", "--db", register_db])
    assert out.exit_code == 1
    assert "cannot keep every window" in out.output and "standard=1" in out.output and "Latebury" in out.output


def test_risk_based_plan_on_the_bundled_data(bundled_db):
    out = runner.invoke(app, ["plan", "--start", "2025-04-01", "--months", "36", "--capacity", "4,6",
                              "--format", "json", "--db", str(bundled_db)])
    assert out.exit_code == 0, out.output[-2000:]
    data = json.loads(out.stdout)
    assert data["feasible"] and data["n_las"] == 153
    assert any(e["status"] == "brought_forward" and "by risk" in e["reason"] for e in data["events"])
    bands = {e["la_code_old"]: e["risk_band"] for e in data["events"]}          # the early warning's own bands
    assert set(bands.values()) <= {"high", "raised", "medium", "low", "inadequate"}
    assert all(bands[e["la_code_old"]] == "inadequate" for e in data["events"] if e["standing"] == "inadequate")


def test_simulation_end_to_end_on_the_bundled_data(bundled_db, tmp_path):
    """A two-year replay with yearly decisions (the full replay is `plan simulate`, minutes)."""
    db = bundled_db
    out_json = tmp_path / "sim.json"
    out = runner.invoke(app, ["plan", "simulate", "--start", "2023-01-01", "--end", "2024-12-31", "--every", "12",
                              "--json", str(out_json), "--db", str(db)])
    assert out.exit_code == 0, out.output[-2000:]
    result = json.loads(out_json.read_text())
    assert set(result) >= {"capacity", "policies", "definition"}
    assert [p["name"] for p in result["policies"]] == ["rule_based", "risk_based"]
    for p in result["policies"]:
        assert set(p) == {"name", "events", "inadequate_found", "median_detection_delay_months",
                          "mean_detection_delay_months"}
        assert p["events"] > 0 and 0 <= p["inadequate_found"] <= len(result["cohort"])
    rule, risk = result["policies"]
    assert abs(rule["events"] - risk["events"]) <= 3         # equal capacity: the same work, differently ordered
    from cscwatch.store import Store

    with Store(db, read_only=True) as s:
        ctx = plan_context(s, start=date(2025, 4, 1), months=12, capacity="4,6", risk={})
        assert ctx["simulation"]["available"] and "months" in ctx["simulation"]["paragraph"]
