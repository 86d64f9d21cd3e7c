"""Register commands: ``reports parse``, ``reports ingest``, ``inspections``, ``stats national``."""
from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Annotated

import typer

from cscwatch.cli.common import friendly_errors

reports_app = typer.Typer(help="Parse and ingest Ofsted LA children's services report files.", no_args_is_help=True)


@reports_app.command("parse")
def parse(
    paths: Annotated[list[Path], typer.Argument(help="Report files or folders (searched recursively).")],
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write one row per file to this CSV (default: stdout).")] = None,
    workers: Annotated[int | None, typer.Option(help="Parallel processes (default: one per core).")] = None,
) -> None:
    """Parse report files without touching the store: one row per file, in labels.csv's vocabulary.

    Exits 0 when every file parsed and 1 when some failed (their rows carry the error).
    """
    from cscwatch.register.model import PARSE_CSV_COLUMNS
    from cscwatch.register.parse import parse_reports

    with friendly_errors():
        results = parse_reports(paths, workers=workers)
    out = open(csv_out, "w", newline="", encoding="utf-8") if csv_out else sys.stdout
    try:
        writer = csv.DictWriter(out, fieldnames=list(PARSE_CSV_COLUMNS), lineterminator="\n")
        writer.writeheader()
        for report in results:
            writer.writerow(report.as_row())
    finally:
        if csv_out:
            out.close()
    failed = [r for r in results if r.status == "error"]
    for r in failed:
        typer.echo(f"{r.file}: {r.error}", err=True)
    typer.echo(f"{len(results)} files: {len(results) - len(failed)} parsed, {len(failed)} failed", err=True)
    raise typer.Exit(1 if failed else 0)


def register(app: typer.Typer) -> None:
    app.add_typer(reports_app, name="reports")
    from cscwatch.cli import register_store as cli_store

    cli_store.register(app, reports_app)
