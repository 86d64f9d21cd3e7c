"""Warehouse commands: ``build``, ``measures``, ``measure``, ``la``, ``export`` (thin wrappers)."""
from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from cscwatch.cli.common import DbOption, FormatOption, OutputFormat, db_path, dumps, emit_rows, err_console, \
    friendly_errors, open_db, progress_printer
from cscwatch.store import updating


class ExportFormat(str, Enum):
    parquet = "parquet"
    csv = "csv"
    xlsx = "xlsx"


def build(
    reports: Annotated[list[Path] | None, typer.Option("--reports", help="Report files or folders to ingest too.")] = None,
    db: DbOption = None,
    force: Annotated[bool, typer.Option("--force", help="Reload even when the bundled files are unchanged.")] = False,
    data: Annotated[Path | None, typer.Option("--data", help="Another copy of the bundled data folder (with its "
                                                             "MANIFEST.csv), e.g. a refreshed bundle to check.")] = None,
) -> None:
    """Build the register and the warehouse from the bundled data, all or nothing (a no-op when nothing changed).

    The store is updated by building a copy and swapping it in, so a running dashboard keeps
    serving and any failure leaves the store exactly as it was.
    """
    from cscwatch.build import build_all, up_to_date

    say = progress_printer()
    with friendly_errors():
        target = db_path(db)
        if not force and target.exists():
            with open_db(target, read_only=True) as live:
                current = up_to_date(live, reports, data_dir=data)
            if current:
                say("the store is up to date: nothing to do")
                return
        with updating(target) as store:
            summary = build_all(store, reports=reports, progress=say, force=force, data_dir=data)
    if summary.reports:
        r = summary.reports
        say(f"reports: {r['new']} new, {r['unchanged']} unchanged, {r['replaced']} replaced, "
            f"{len(r['failed'])} not readable as reports")
        for failure in r["failed"]:
            say(f"  failed {failure['file']}: {failure['reason']}")
    w = summary.warehouse
    state = "unchanged" if w.skipped else f"{w.observations:,} observations"
    say(f"built in {summary.seconds:.1f} s: warehouse {state}; store {target}")


def status(
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """How current the store is: the register's newest inspection by source, each statistics release's
    latest period and publication, and warnings when something is overdue. Exits 0 either way."""
    from cscwatch.contexts.freshness import freshness

    with friendly_errors():
        with open_db(db, read_only=True) as store:
            fresh = freshness(store)
            fresh["store"] = {"path": str(db_path(db)), "bytes": db_path(db).stat().st_size}
    if fmt is OutputFormat.json:
        sys.stdout.write(dumps(fresh) + "\n")
        return
    rows = []
    if fresh["register"]:
        r = fresh["register"]
        rows.append({"source": "Ofsted inspections", "covers": r["newest"], "published": "",
                     "next due": "weekly", "state": "overdue" if r["overdue"] else "current"})
    rows += [{"source": s["title"], "covers": s["period_text"], "published": s["published"], "next due": s["next_due"],
              "state": "overdue" if s["overdue"] else "current"} for s in fresh["statistics"]]
    emit_rows(rows, fmt, title=f"Store {fresh['store']['path']}, as of {fresh['as_of']} (built {fresh['built']})")
    for w in fresh["warnings"]:
        err_console.print(f"[yellow]Warning:[/yellow] {w}", highlight=False, soft_wrap=True)


def measures(
    search: Annotated[str | None, typer.Option("--search", help="Words to find in id, title, topic or definition.")] = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """List the measure dictionary."""
    from cscwatch.warehouse.benchmark import list_measures

    with friendly_errors():
        with open_db(db, read_only=True) as store:
            rows = list_measures(store, search)
    emit_rows(rows, fmt, title="Measures",
              columns=["measure_id", "title", "unit", "topic", "polarity", "periods", "latest_period"]
              if fmt is OutputFormat.table else None)


NeighboursOption = Annotated[str, typer.Option("--neighbours", "--comparator",
                                              help="DfE statistical-neighbour model: 2025 or 2021.")]
AverageOption = Annotated[str, typer.Option("--average", help="Average the comparator LAs by mean (LAIT) or "
                                                              "median (DfE dashboard).")]
PeersOption = Annotated[str | None, typer.Option("--peers", help="Your own peer group instead of the neighbours: "
                                                                 "names or codes, comma-separated.")]


def measure(
    measure_id: Annotated[str, typer.Argument(help="Measure id, e.g. cin_rereferral_pct (see `cscwatch measures`).")],
    period: Annotated[str | None, typer.Option("--period", help="Period label, e.g. 2024 (default: latest).")] = None,
    neighbours: NeighboursOption = "2025",
    average: AverageOption = "mean",
    peers: PeersOption = None,
    la: Annotated[str | None, typer.Option("--la", help="An LA to highlight (name or code).")] = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Every LA's value for one measure and period, ranked, banded and compared with neighbours."""
    from cscwatch.contexts.comparator import parse_comparator
    from cscwatch.contexts.measure import measure_context

    with friendly_errors():
        with open_db(db, read_only=True) as store:
            ctx = measure_context(store, measure_id, period, la, parse_comparator(store, neighbours, average, peers))
    if fmt is OutputFormat.json:
        sys.stdout.write(dumps(ctx) + "\n")
        return
    render_measure(ctx, fmt)


def la(
    name: Annotated[str, typer.Argument(help="LA name or code (old 3-digit or ONS), e.g. 'Norfolk' or 926.")],
    neighbours: NeighboursOption = "2025",
    average: AverageOption = "mean",
    peers: PeersOption = None,
    all_measures: Annotated[bool, typer.Option("--all", help="Every measure with figures, not only the key ones.")]
    = False,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """A profile of one LA: latest judgements and key measures against neighbours, region and England."""
    from cscwatch.contexts.comparator import parse_comparator
    from cscwatch.contexts.la import la_context

    with friendly_errors():
        with open_db(db, read_only=True) as store:
            ctx = la_context(store, name, parse_comparator(store, neighbours, average, peers),
                             scope="all" if all_measures else "key")
    if fmt is OutputFormat.json:
        sys.stdout.write(dumps(ctx) + "\n")
    elif fmt is OutputFormat.csv:
        emit_rows(ctx["measures"], fmt, columns=MEASURE_LINE_COLUMNS)
    else:
        render_la(ctx)


def compare(
    las: Annotated[list[str], typer.Argument(help="Two to twenty LAs (names or codes).")],
    measure_ids: Annotated[list[str] | None, typer.Option("--measure", help="Measure ids (default: the key "
                                                                             "measures); repeat for more.")] = None,
    neighbours: NeighboursOption = "2025",
    average: AverageOption = "mean",
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """LAs side by side on the same measures, with their ranks and bands and England for reference."""
    from cscwatch.contexts.comparator import parse_comparator
    from cscwatch.contexts.compare import compare_context

    with friendly_errors():
        with open_db(db, read_only=True) as store:
            ctx = compare_context(store, las, measure_ids or (), parse_comparator(store, neighbours, average))
    if fmt is OutputFormat.json:
        sys.stdout.write(dumps(ctx) + "\n")
        return
    rows = []
    for m in ctx["measures"]:
        row = {"measure": m["title"], "period": m["england_period"], "England": m["england"]}
        for la_row, cell in zip(ctx["las"], m["las"]):
            row[la_row["la_name"]] = "" if cell is None else (
                cell["value_text"] + (f" ({cell['band']})" if cell["band"] else ""))
        rows.append(row)
    emit_rows(rows, fmt, title="Compared (band A best)")


def export(
    out: Annotated[Path, typer.Argument(help="Folder (parquet/csv) or .xlsx file to write.")],
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="parquet, csv or xlsx.")] = ExportFormat.parquet,
    db: DbOption = None,
) -> None:
    """Export the whole warehouse: one file per table (parquet/csv) or one sheet per topic (xlsx)."""
    from cscwatch.warehouse.export import export_warehouse

    with friendly_errors():
        with open_db(db, read_only=True) as store:
            written = export_warehouse(store, out, fmt.value)
    for path in written:
        typer.echo(str(path))


def register(app: typer.Typer) -> None:
    app.command("build")(build)
    app.command("status")(status)
    app.command("measures")(measures)
    app.command("measure")(measure)
    app.command("la")(la)
    app.command("compare")(compare)
    app.command("export")(export)


#: Columns of ``cscwatch la --format csv`` (one row per measure; the series stays in the JSON).
MEASURE_LINE_COLUMNS = ("measure_id", "title", "unit", "period", "is_latest", "value", "status", "rank", "n_ranked",
                        "band", "comparator", "comparator_n", "sn2025_mean", "sn2025_median", "sn2021_mean",
                        "sn2021_median", "region", "england", "change_1y", "change_3y", "trend", "flag")


def _num(line: dict, key: str) -> str:
    from cscwatch.contexts.formatting import format_value

    value = line.get(key)
    return "" if value is None else format_value(value, line)


def render_la(ctx: dict) -> None:
    """The LA context as the terminal shows it."""
    from rich.table import Table

    from cscwatch.cli.common import console

    la = ctx["la"]
    console.print(f"[bold]{la['la_name']}[/bold]  {la['la_code_old']} / {la['la_code_new'] or '-'}  "
                  f"{la['region_name'] or ''}  ({la['la_type'] or 'authority'})", highlight=False)
    latest = ctx["latest_inspection"]
    if latest:
        grades = ", ".join(f"{j['title']}: {j['grade_label']}" for j in latest["judgements"])
        console.print(f"Latest inspection: {latest['title']} (from {latest['sources_text']}): {grades}",
                      highlight=False, soft_wrap=True)
    else:
        console.print("No judged inspection in the register.")
    table = Table(title=f"Key measures (rank 1 = best; band A best; comparator: {ctx['comparator']['label']}; "
                        "adverse = moved the wrong way by more than the neighbours' spread)")
    for col in ("measure", "period", "value", "rank", "band", "comparator", "region", "England", "1y change",
                "adverse"):
        table.add_column(col, justify="left" if col == "measure" else "right", no_wrap=col != "measure")
    for m in ctx["measures"]:
        period = m["period"] if m["is_latest"] else f"{m['period']} (latest {m['latest_period']}: none)"
        table.add_row(m["title"], period, m["value_text"],
                      f"{m['rank']}/{m['n_ranked']}" if m["rank"] else ("small LA" if m["small"] else ""),
                      m["band"] or "", _num(m, "comparator"), _num(m, "region"), _num(m, "england"),
                      m["change_text"], "yes" if m["flag"] else "")
    console.print(table)
    _render_risk(ctx.get("risk") or {})
    for note in ctx["notes"]:
        console.print(f"Note: {note}", highlight=False, soft_wrap=True)
    for line in [ctx["freshness"]["register"]["text"] if ctx["freshness"]["register"] else None,
                 *(s["text"] for s in ctx["freshness"]["statistics"])]:
        if line:
            console.print(f"As at: {line}", highlight=False, soft_wrap=True, style="dim")
    for warning in ctx["freshness"]["warnings"]:
        console.print(f"[yellow]Warning:[/yellow] {warning}", highlight=False, soft_wrap=True)


def _render_risk(risk: dict) -> None:
    """The early-warning lines of the LA profile (the same context as the LA page's risk panel)."""
    from cscwatch.cli.common import console

    if not risk.get("available"):
        return
    window = risk.get("window") or {}
    when = f"; next {window['event']} inspection window {window['earliest']} to {window['latest']} ({window['status']})" \
        if window.get("earliest") else ""
    console.print(f"Early warning as of {risk['as_of']}: {risk['band_label']}; P(judged inadequate at an inspection "
                  f"within 12 months) {risk['p_inadequate_12m']:.1%}, P(inspected within 12 months) "
                  f"{risk['p_inspected_12m']:.0%}{when}.", highlight=False, soft_wrap=True)
    if risk.get("reasons"):
        console.print("  Pushing the risk up: " + "; ".join(risk["reasons"][:3]), highlight=False, soft_wrap=True)
    console.print(f"  How accurate: {risk['accuracy']} (see {risk['model_card']})", highlight=False, soft_wrap=True,
                  style="dim")


def render_measure(ctx: dict, fmt: OutputFormat) -> None:
    m = ctx["measure"]
    unit = "" if not m["unit"] or f"({m['unit']})" in m["title"] else f" ({m['unit']})"
    published = ctx["published"]
    when = f", published by {published['published']}" if published else ""
    emit_rows(ctx["rows"], fmt,
              title=f"{m['title']}{unit}, {ctx['period']}{when}; England {ctx['england']}; comparator: "
                    f"{ctx['comparator']['label']}",
              columns=["rank", "band", "la_code_old", "la_name", "value", "status", "comparator", "region_value",
                       "england_value", "change_1y", "change_3y", "flag"])
