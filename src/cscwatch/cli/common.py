"""Options and output helpers shared by every command, so flags mean the same everywhere."""
from __future__ import annotations

import csv
import io
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cscwatch.errors import CscwatchError, StoreNotBuilt
from cscwatch.output import dumps, to_jsonable  # noqa: F401  (re-exported for commands)
from cscwatch.store import Store, default_db_path

def _console(stderr: bool = False) -> Console:
    """A rich console; when writing to a file or pipe it does not wrap at 80 columns (tables are as wide
    as their content, up to 240 characters, unless $COLUMNS says otherwise)."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() or os.environ.get("COLUMNS") else 240
    return Console(stderr=stderr, width=width)


console = _console()
err_console = _console(stderr=True)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", envvar="CSCWATCH_DB", help="Store file (default: $CSCWATCH_DB or ./var/cscwatch.duckdb)."),
]


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]


def parse_date_option(value: str | None, flag: str) -> date | None:
    """An ISO date given on the command line; a usage error (exit 2) naming the flag otherwise."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=flag) from None


def db_path(db: Path | None) -> Path:
    """The store file a command works on: ``--db``, else ``$CSCWATCH_DB``, else ``./var/cscwatch.duckdb``."""
    return Path(db) if db is not None else default_db_path()


def built_db_path(db: Path | None) -> Path:
    """The store a command updates in place; it must exist already (``cscwatch build`` makes it)."""
    path = db_path(db)
    if not path.is_file():
        raise StoreNotBuilt(f"{path}: no store here yet; run `cscwatch build` first")
    return path


def open_db(db: Path | None, *, read_only: bool = False) -> Store:
    """Open the store for reading (commands that write use :func:`cscwatch.store.updating`)."""
    return Store(db_path(db), read_only=read_only)


def progress_printer() -> Callable[[str], None]:
    """Progress lines on stderr (so stdout stays clean for tables, CSV and JSON), never wrapped."""
    return lambda message: err_console.print(message, highlight=False, soft_wrap=True)


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn CscwatchError into a one-line message and exit code 1, never a traceback."""
    try:
        yield
    except CscwatchError as exc:
        err_console.print(f"[red]Error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None




def emit_rows(rows: Sequence[dict[str, Any]], fmt: OutputFormat, *, title: str | None = None,
              columns: Sequence[str] | None = None) -> None:
    """Print rows as a rich table, CSV or JSON (a list of objects)."""
    columns = list(columns or (rows[0].keys() if rows else []))
    if fmt is OutputFormat.json:
        sys.stdout.write(dumps([{c: r.get(c) for c in columns} for r in rows]) + "\n")
    elif fmt is OutputFormat.csv:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({c: "" if r.get(c) is None else to_jsonable(r.get(c)) for c in columns})
        sys.stdout.write(buf.getvalue())
    else:
        table = Table(title=title, show_lines=False)
        for c in columns:
            table.add_column(c, overflow="fold")
        for r in rows:
            table.add_row(*["" if r.get(c) is None else str(to_jsonable(r.get(c))) for c in columns])
        console.print(table)
