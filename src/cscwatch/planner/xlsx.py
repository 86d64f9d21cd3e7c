"""The plan as tables and as an Excel workbook, written by the one table writer (:mod:`cscwatch.tables`:
title block, human headers, number formats, autofilter, frozen header), so the dashboard's
downloads of ``/plan`` and ``cscwatch plan --format xlsx`` are the same tables."""
from __future__ import annotations

from typing import Any

from cscwatch.tables import Column, Table, write_xlsx

MONTH = "Month (YYYY-MM)"


def _limit(value: float | None) -> str:
    return "no limit" if value is None else f"{value:g}"


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _notes(context: dict[str, Any]) -> list[str]:
    fits = "fits every window" if context["feasible"] else "does NOT fit every window: see Cannot be fitted"
    return [f"Policy {context['policy']}; capacity {context['capacity']['text']}; {fits}",
            *(f"Warning: {w}" for w in context.get("warnings", []))]


def _event_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "risk_pct": _pct(r.get("risk"))} for r in rows]


def plan_tables(context: dict[str, Any]) -> dict[str, Table]:
    """The plan context (:func:`cscwatch.contexts.plan.plan_context`) as its downloadable tables:
    ``events``, ``capacity``, ``after_horizon`` and (when the capacity does not fit) ``unfitted``."""
    title = context.get("title") or "Inspection plan"
    period = f"{context['first_month']} to {context['last_month']}"
    as_at = ((context.get("freshness") or {}).get("summary")) or None
    common = {"period": period, "source": "cscwatch planner (Ofsted's scheduling rules, the register and the "
                                          "early-warning scores)", "as_at": as_at, "notes": _notes(context),
              "suppression_key": False}
    window = [Column("earliest", "Window opens"), Column("usual", "Usual month"), Column("latest", "Window closes")]
    events = [Column("month", MONTH), Column("la_name", "Local authority", width=28), Column("la_code_old", "DfE LA code"),
              Column("event", "Event", width=20), Column("status", "Status", width=17),
              Column("risk_pct", "Chance of an inadequate judgement if inspected (%)", "number", 1),
              Column("risk_band", "Early-warning band", width=22), *window,
              Column("months_from_usual", "Months from usual", "integer"), Column("reason", "Why", width=60),
              Column("last_grade", "Last overall grade", width=14), Column("rule_id", "Rule", width=26),
              Column("certainty", "Rule certainty")]
    months = [{**m, "limits_text": "; ".join(f"{k} {v['used']:g}/{_limit(v['capacity'])}"
                                             for k, v in m["limits"].items())} for m in context["months_summary"]]
    tables = {
        "events": Table("Plan", title, events, _event_rows(context["events"]), **common),
        "capacity": Table("Capacity by month", f"{title}: events and capacity used each month", [
            Column("month", MONTH), Column("standard", "Standard inspections", "integer"),
            Column("short", "Short inspections", "integer"), Column("focused", "Focused visits", "integer"),
            Column("monitoring", "Monitoring visits", "integer"), Column("events", "All events", "integer"),
            Column("limits_text", "Capacity used / limit", width=40)], months, **common),
        "after_horizon": Table("After the plan", f"{title}: events whose window runs past the plan", [
            Column("la_name", "Local authority", width=28), Column("event", "Event", width=20), *window,
            Column("reason", "Why", width=50)], context.get("after_horizon") or [], **common),
    }
    if context.get("unfitted"):
        tables["unfitted"] = Table("Cannot be fitted", f"{title}: events the capacity cannot fit in their window", [
            Column("la_name", "Local authority", width=28), Column("event", "Event", width=20),
            Column("earliest", "Window opens"), Column("latest", "Window closes"), Column("reason", "Why", width=60)],
            context["unfitted"], **common)
    return tables


def plan_workbook(context: dict[str, Any]) -> bytes:
    """The plan context as an .xlsx file's bytes: one sheet per table, then the simulation's paragraph."""
    tables = list(plan_tables(context).values())
    sim = (context.get("simulation") or {}).get("paragraph")
    if sim:
        tables.append(Table("Simulation", "Retrospective simulation", [Column("text", "Result", width=120)],
                            [{"text": sim}], suppression_key=False))
    return write_xlsx(tables)  # type: ignore[return-value]
