"""Planner commands: ``plan`` (a plan for N months) and ``plan simulate`` (the retrospective replay).

``plan`` is both a command and a group: ``cscwatch plan --start … --months … --capacity …`` plans;
``cscwatch plan simulate`` replays 2018 onwards. Thin wrappers over ``contexts.plan.plan_context``
and ``planner.simulate.simulate``.
"""
from __future__ import annotations

import sys
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from cscwatch.cli.common import (
    DbOption, OutputFormat, built_db_path, dumps, emit_rows, err_console, friendly_errors, open_db,
    parse_date_option, progress_printer,
)
from cscwatch.store import updating


class PlanFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


class Policy(str, Enum):
    risk_based = "risk_based"
    rule_based = "rule_based"


plan_app = typer.Typer(help="Plan Ofsted's inspections of LAs under the rules' windows, a capacity and the risk "
                            "scores; `plan simulate` replays 2018 onwards.", invoke_without_command=True)

_TABLE = ["month", "la_name", "la_code_old", "event", "status", "risk", "earliest", "latest", "reason"]
_CSV = ["month", "la_code_old", "la_name", "event_type", "event", "status", "months_from_usual", "risk", "risk_band",
        "earliest", "usual", "latest", "reason", "last_inspection_date", "last_grade", "standing", "rule_id",
        "certainty", "sequence", "instance"]


@plan_app.callback()
def plan_cmd(
    ctx: typer.Context,
    start: Annotated[str | None, typer.Option("--start", help="First month of the plan (YYYY-MM-DD; its month).")] = None,
    months: Annotated[int, typer.Option("--months", help="How many months to plan (1-120).")] = 36,
    capacity: Annotated[str | None, typer.Option(
        "--capacity", help="A CSV file (limit,month,value) or NUMBERS: 'standard=2,short=3,monitoring=5', "
                           "'weeks=40,cost:standard=10', or bare numbers in the order standard,short,focused,"
                           "monitoring ('4,6'). Event types no limit names are not limited.")] = None,
    policy: Annotated[Policy, typer.Option("--policy", help="risk_based: higher risk earlier within the windows; "
                                                            "rule_based: the calendar.")] = Policy.risk_based,
    fmt: Annotated[PlanFormat, typer.Option("--format", "-f", help="Output format.")] = PlanFormat.table,
    out: Annotated[Path | None, typer.Option("--out", help="File for --format xlsx (default: standard output "
                                                           "when it is redirected).")] = None,
    db: DbOption = None,
) -> None:
    """A month-by-month inspection plan that keeps every rule window and the capacity and brings higher-risk
    LAs earlier. Exits 1, naming the LAs that cannot be fitted and the smallest capacity that fits them,
    when the capacity is too small."""
    if ctx.invoked_subcommand is not None:
        return
    if start is None or capacity is None:
        raise typer.BadParameter("give both --start DATE and --capacity FILE|NUMBERS",
                                 param_hint="--start/--capacity")
    if fmt is PlanFormat.xlsx and out is None and sys.stdout.isatty():
        raise typer.BadParameter("an .xlsx file is binary: give --out FILE or redirect the output", param_hint="--out")
    from cscwatch.contexts.plan import plan_context

    with friendly_errors():
        day = parse_date_option(start, "--start")
        context = plan_context(open_db(db, read_only=True), start=day, months=months, capacity=capacity,
                               policy=policy.value)
        _emit(context, fmt, out)
    for warning in context["warnings"]:
        err_console.print(f"Note: {warning}", highlight=False, soft_wrap=True)
    if not context["feasible"]:
        _report_infeasible(context)
        raise typer.Exit(1)


def _emit(context: dict, fmt: PlanFormat, out: Path | None) -> None:
    if fmt is PlanFormat.json:
        sys.stdout.write(dumps(context) + "\n")
    elif fmt is PlanFormat.xlsx:
        from cscwatch.planner.xlsx import plan_workbook

        body = plan_workbook(context)
        if out is None:
            sys.stdout.buffer.write(body)
            sys.stdout.flush()
        else:
            _write(out, body)
            err_console.print(f"wrote {out}", highlight=False)
    elif fmt is PlanFormat.csv:
        emit_rows(context["events"], OutputFormat.csv, columns=_CSV)
    else:
        rows = [{**e, "risk": None if e["risk"] is None else f"{e['risk']:.0%}"} for e in context["events"]]
        emit_rows(rows, OutputFormat.table, columns=_TABLE, title=f"{context['title']} ({context['policy']}, "
                                                                 f"capacity {context['capacity']['text']})")
        summary = [{"month": m["month"], **{t: m[t] for t in ("standard", "short", "focused", "monitoring")},
                    **{f"{k} used/limit": f"{v['used']:g}/{'-' if v['capacity'] is None else format(v['capacity'], 'g')}"
                       for k, v in m["limits"].items()}} for m in context["months_summary"]]
        emit_rows(summary, OutputFormat.table, title="Capacity used per month")


def _write(path: Path, body: bytes) -> None:
    from cscwatch.errors import CscwatchError

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    except OSError as exc:
        raise CscwatchError(f"{path}: cannot write ({exc.strerror or exc.__class__.__name__})") from None


def _report_infeasible(context: dict) -> None:
    needed = context["capacity_needed"]
    err_console.print(
        f"Error: capacity {context['capacity']['text']} cannot keep every window: {len(context['unfitted'])} "
        f"event(s) cannot be fitted; the smallest capacity that fits them all is "
        f"{needed['text'] if needed else 'none (a conflict between rules)'}", highlight=False, soft_wrap=True)
    for u in context["unfitted"]:
        err_console.print(f"  {u['la_name']} ({u['la_code_old']}): {u['event']}, window {u['earliest']} to "
                          f"{u['latest']}: {u['reason']}", highlight=False, soft_wrap=True)


@plan_app.command("simulate")
def simulate_cmd(
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the result as JSON to this file "
                                                                 "('-' for standard output).")] = None,
    start: Annotated[str, typer.Option("--start", help="First month replayed (YYYY-MM-DD).")] = "2018-01-01",
    end: Annotated[str | None, typer.Option("--end", help="Last month replayed (default: the register's last "
                                                          "inspection).")] = None,
    every: Annotated[int, typer.Option("--every", help="Months between decisions (each re-plans with the scores "
                                                       "of that date).", min=1, max=12)] = 3,
    lookahead: Annotated[int, typer.Option("--lookahead", help="Months each decision plans ahead.",
                                           min=1, max=36)] = 12,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Keep the result in the store for the plan "
                                                                "page.")] = True,
    db: DbOption = None,
) -> None:
    """Replay 2018 onwards with the rules' calendar and with the risk-based plan at the capacity actually used;
    report how much sooner the LAs that became inadequate would have been inspected, and the cost."""
    from cscwatch.planner.simulate import save_simulation, simulate

    with friendly_errors():
        first = parse_date_option(start, "--start")
        last = parse_date_option(end, "--end")
        path = built_db_path(db)
        store = open_db(path, read_only=True)
        try:
            result = _simulate(simulate, store, first, last, every, lookahead)
        finally:
            store.close()
        if save:
            with updating(path) as writable:
                result["run_id"] = save_simulation(writable, result)
        if json_out is not None:
            text = dumps(result) + "\n"
            if str(json_out) == "-":
                sys.stdout.write(text)
                return
            _write(json_out, text.encode("utf-8"))
    emit_rows(result["policies"], OutputFormat.table, title=f"Simulation {result['period']['start']} to "
                                                            f"{result['period']['end']}: {len(result['cohort'])} LAs "
                                                            f"became inadequate")
    typer.echo(result["definition"], err=True)


def _simulate(simulate, store, first: date, last: date | None, every: int, lookahead: int) -> dict:
    from cscwatch.errors import CscwatchError

    try:
        return simulate(store, start=first, end=last, every=every, lookahead=lookahead, progress=progress_printer())
    except ValueError as exc:
        raise CscwatchError(f"--start/--end: {exc}") from None


def register(app: typer.Typer) -> None:
    app.add_typer(plan_app, name="plan")
