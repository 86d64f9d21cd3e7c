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


def measure(
    measure_id: Annotated[str, typer.Argument(help="Measure id, e.g. cin_rereferral_pct (see `cscwatch measures`).")],
    period: Annotated[str | None, typer.Option("--period", help="Period label, e.g. 2024 (default: latest).")] = None,
    comparator: Annotated[str, typer.Option("--comparator", help="Neighbour model: 2025, 2021.")] = "2025",
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Every LA's value for one measure and period, ranked, banded and compared with neighbours."""
    from cscwatch.warehouse.benchmark import measure_table

    with friendly_errors():
        with open_db(db, read_only=True) as store:
            table = measure_table(store, measure_id, period=period, comparator=comparator)
    if fmt is OutputFormat.json:
        sys.stdout.write(dumps(table) + "\n")
        return
    m = table["measure"]
    unit = "" if not m["unit"] or f"({m['unit']})" in m["title"] else f" ({m['unit']})"
    emit_rows(table["rows"], fmt,
              title=f"{m['title']}{unit}, {table['period']}; England {table['england']}",
              columns=["rank", "band", "la_code_old", "la_name", "value", "status", "sn_mean", "sn_median",
                       "region_value", "change_1y", "change_3y", "flag"])


def la(
    name: Annotated[str, typer.Argument(help="LA name or code (old 3-digit or ONS), e.g. 'Norfolk' or 926.")],
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """A profile of one LA: latest judgements and key measures against neighbours, region and England."""
    from cscwatch.warehouse.profile import la_profile, render_profile

    with friendly_errors():
        with open_db(db, read_only=True) as store:
            profile = la_profile(store, name)
    if fmt is OutputFormat.json:
        sys.stdout.write(dumps(profile) + "\n")
    elif fmt is OutputFormat.csv:      # one row per key measure; the trend list stays in the JSON
        emit_rows(profile["measures"], fmt, columns=[c for c in (profile["measures"] or [{}])[0] if c != "trend"])
    else:
        render_profile(profile)


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
    app.command("measures")(measures)
    app.command("measure")(measure)
    app.command("la")(la)
    app.command("export")(export)
