"""Register commands that use the store: ``reports ingest``, ``inspections``, ``visits``, ``stats national``.

Thin wrappers: the work is done by :func:`cscwatch.register.load.ingest_reports`,
:func:`cscwatch.register.query.list_inspections`, :func:`cscwatch.register.visits.list_visits` and
:func:`cscwatch.register.national.national_stats`.
"""
from __future__ import annotations

import sys
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cscwatch.cli.common import (
    parse_date_option,
    DbOption,
    FormatOption,
    OutputFormat,
    console,
    db_path,
    dumps,
    emit_rows,
    err_console,
    friendly_errors,
    open_db,
)
from cscwatch.contexts.freshness import register_freshness
from cscwatch.errors import NotFound, StoreNotBuilt
from cscwatch.store import updating
from cscwatch.store import Store

stats_app = typer.Typer(help="National statistics computed from the register.", no_args_is_help=True)


class By(str, Enum):
    year = "year"
    framework = "framework"


class Basis(str, Enum):
    inspection = "inspection"
    publication = "publication"


def _reader(db: Path | None) -> Store:
    store = open_db(db, read_only=True)
    if not store.has_table("inspection"):
        store.close()
        raise StoreNotBuilt("the store has no register yet; run `cscwatch build` or `cscwatch reports ingest`")
    return store



def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Report files or folders (searched recursively).")],
    db: DbOption = None,
    workers: Annotated[int | None, typer.Option(help="Parallel processes (default: one per core).")] = None,
) -> None:
    """Parse report files into the store, skipping files already stored (same SHA-256).

    Prints new, unchanged, replaced and failed files (with reasons). Exits 0 unless no file at all
    could be ingested.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from cscwatch.build import ingest

    with friendly_errors():
        missing = [p for p in paths if not p.exists()]
        if missing:
            raise NotFound(f"{missing[0]}: no such report file or folder")
        with updating(db_path(db)) as store, Progress(
            TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=err_console, transient=True,
        ) as bar:
            task = bar.add_task("Ingesting reports", total=None)

            def progress(done: int, total: int, file: str) -> None:
                bar.update(task, completed=done, total=total, description=f"Ingesting {Path(file).name[:40]}")

            summary = ingest(store, paths, workers=workers, progress=progress)
    for file, reason in summary.failed:
        err_console.print(f"[red]failed[/red] {file}: {reason}", highlight=False, soft_wrap=True)
    for file, warning in summary.warnings:
        err_console.print(f"[yellow]warning[/yellow] {file}: {warning}", highlight=False, soft_wrap=True)
    rec = summary.reconciled
    warned = len({file for file, _ in summary.warnings})
    typer.echo(
        f"{summary.total} files: {summary.new} new, {summary.unchanged} unchanged, {summary.replaced} replaced, "
        f"{len(summary.failed)} failed ({summary.no_judgements} without judgements); "
        f"{len(summary.warnings)} warnings on {warned} files"
    )
    if rec is not None:
        typer.echo(
            f"register: {rec.inspections} inspections ({rec.both} report+ofsted, {rec.report_only} report only, "
            f"{rec.official_only} ofsted only; {rec.thirdparty_matched + rec.thirdparty_added} backed by the"
            f" third-party scrape, {rec.thirdparty_added} by it alone), {rec.discrepancies} discrepancies"
        )
        if rec.warnings_checked:
            checked = ", ".join(f"{n} {outcome.replace('_', ' ')}" for outcome, n in rec.warnings_checked.items())
            typer.echo(f"report warnings checked against the official record: {checked}")
    if summary.total == 0:
        err_console.print("[red]Error:[/red] no report files found", highlight=False)
        raise typer.Exit(1)
    if summary.failed and not (summary.new or summary.unchanged or summary.replaced):
        raise typer.Exit(1)


def inspections(
    la: Annotated[str | None, typer.Option("--la", help="LA name, DfE code (926) or ONS code (E10000020).")] = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """One row per inspection: its sources, dates, framework, type and every judgement."""
    from cscwatch.register.query import INSPECTION_COLUMNS, list_inspections

    with friendly_errors():
        with _reader(db) as store:
            rows = list_inspections(store, la)
            reach = register_freshness(store, date.today())
    columns = list(INSPECTION_COLUMNS)
    if fmt is OutputFormat.table:
        columns = ["la_name", "framework", "inspection_type", "start_date", "publication_date", "sources",
                   "overall", "help_and_protection", "children_in_care", "care_leavers", "leadership"]
    emit_rows(rows, fmt, title="Inspections", columns=columns)
    if reach and fmt is OutputFormat.table:
        err_console.print(f"As at: {reach['text']}", highlight=False, soft_wrap=True, style="dim")


def visits(
    la: Annotated[str | None, typer.Option("--la", help="LA name, DfE code (926) or ONS code (E10000020).")] = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """One row per focused visit, monitoring visit or JTAI: date, type, theme, areas for priority action."""
    from cscwatch.register.visits import VISIT_COLUMNS, list_visits

    with friendly_errors():
        with _reader(db) as store:
            rows = list_visits(store, la)
    columns = list(VISIT_COLUMNS)
    if fmt is OutputFormat.table:
        columns = ["la_name", "visit_type", "visit_date", "theme", "priority_action", "sources"]
    elif fmt is OutputFormat.csv:
        rows = [dict(r, priority_actions="\n".join(r["priority_actions"])) for r in rows]
    emit_rows(rows, fmt, title="Visits", columns=columns)


def _grade_table(title: str, rows: list[dict[str, Any]], first: str) -> Table:
    table = Table(title=title)
    for c in (first, "inspections", "graded", "O", "G", "RI", "I", "good+ %", "I %"):
        table.add_column(c, justify="left" if c == first else "right")
    for r in rows:
        pct = (lambda x: "" if x is None else f"{100 * x:.0f}")
        table.add_row(str(r[first]), str(r["inspections"]), str(r["n_overall"]), str(r["outstanding"]),
                      str(r["good"]), str(r["requires_improvement"]), str(r["inadequate"]),
                      pct(r["share_good_or_better"]), pct(r["share_inadequate"]))
    return table


def _print_stats(stats: dict[str, Any], by: str) -> None:
    console.print(f"LAs inspected: {stats['las_inspected']}; inspections: {stats['inspections']}")
    console.print(_grade_table(f"Overall effectiveness by {by} (O/G/RI/I)", stats[f"by_{by}"], by))
    a = stats["as_at"]
    table = Table(title=f"LAs at each grade as at {a['date'].isoformat()} (n={a['n_las']}, by {a['basis']} date)")
    table.add_column("judgement")
    for g in ("O", "G", "RI", "I", "not graded"):
        table.add_column(g, justify="right")
    table.add_row("overall", *[str(a["counts"][g]) for g in ("outstanding", "good", "requires_improvement",
                                                             "inadequate")], "")
    for key, counts in a["sub_judgements"].items():
        table.add_row(key, *[str(counts[g]) for g in ("outstanding", "good", "requires_improvement", "inadequate",
                                                      "not_graded")])
    console.print(table)
    if a.get("no_overall_grade"):
        console.print(f"{len(a['no_overall_grade'])} LAs whose latest inspection has no overall grade (April 2026"
                      f" format) are not in the overall counts: {', '.join(a['no_overall_grade'])}")
    if a.get("by_source"):
        console.print("sources of the inspections counted: " + ", ".join(
            f"{src or 'none'} {n}" for src, n in a["by_source"].items()))
    shares = a["shares"]
    if shares["good_or_better"] is not None:
        console.print(f"good or better {100 * shares['good_or_better']:.0f}%, "
                      f"inadequate {100 * shares['inadequate']:.0f}%")
    t = stats["transitions"]
    table = Table(title=f"Consecutive overall grades (n={t['n']})")
    table.add_column("from \\ to")
    for g in ("O", "G", "RI", "I"):
        table.add_column(g, justify="right")
    for g, row in t["matrix"].items():
        table.add_row(g, *[str(v) for v in row.values()])
    console.print(table)
    if t["n"]:
        console.print(f"improved {100 * t['improved_share']:.0f}%, declined {100 * t['declined_share']:.0f}%")


@stats_app.command("national")
def national(
    by: Annotated[By, typer.Option("--by", help="Break overall grades down by year or framework.")] = By.year,
    as_at: Annotated[str | None, typer.Option(
        "--as-at", help="Date for the LA grade count (YYYY-MM-DD; default today).")] = None,
    basis: Annotated[Basis, typer.Option(
        help="Latest grade by inspection date (Ofsted's method) or by publication.")] = Basis.inspection,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """The national picture: LAs inspected, grade shares, the count at a date and grade transitions."""
    from cscwatch.register.national import national_stats

    with friendly_errors():
        on = parse_date_option(as_at, "--as-at")
        with _reader(db) as store:
            stats = national_stats(store, by=by.value, as_at=on, basis=basis.value)
            stats["freshness"] = register_freshness(store, date.today())
    if fmt is OutputFormat.json:
        sys.stdout.write(dumps(stats) + "\n")
    elif fmt is OutputFormat.csv:
        emit_rows(stats[f"by_{by.value}"], fmt)
    else:
        _print_stats(stats, by.value)
        if stats["freshness"]:
            console.print(f"As at: {stats['freshness']['text']}", highlight=False, soft_wrap=True, style="dim")
            if stats["as_at"]["date"] > stats["freshness"]["newest"]:
                console.print(f"[yellow]Warning:[/yellow] the register holds no inspection after "
                              f"{stats['freshness']['newest']}; the count as at {stats['as_at']['date']} may miss later "
                              "inspections (`cscwatch fetch reports`).", highlight=False, soft_wrap=True)


def register(app: typer.Typer, reports_app: typer.Typer) -> None:
    reports_app.command("ingest")(ingest)
    app.command("inspections")(inspections)
    app.command("visits")(visits)
    app.add_typer(stats_app, name="stats")
