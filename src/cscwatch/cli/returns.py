"""Returns commands: ``returns validate|ingest|measures|compare|synth|users`` (thin wrappers)."""
from __future__ import annotations

import sys
from contextlib import nullcontext
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from cscwatch.cli.common import DbOption, FormatOption, OutputFormat, dumps, emit_rows, err_console, \
    friendly_errors, open_db

returns_app = typer.Typer(help="Child-level returns (SSDA903, CIN census): validate, ingest pseudonymised, "
                          "DfE's measures as provisional figures, synthetic returns, accounts.",
                          no_args_is_help=True)
users_app = typer.Typer(help="Local accounts for the child-level views.", no_args_is_help=True)


class EngineName(str, Enum):
    duckdb = "duckdb"
    spark = "spark"


LaOption = Annotated[str | None, typer.Option("--la", help="LA name or code (3-digit DfE number or ONS code).")]
YearOption = Annotated[int | None, typer.Option("--year", help="Collection year, by its 31 March (2025 = 2024-25).")]


@returns_app.command("validate")
def validate_cmd(
    path: Annotated[Path, typer.Argument(help="A return folder or file, or a <la>/<year>/ tree.")],
    la: LaOption = None,
    year: YearOption = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Also write the issues to this XLSX workbook.")] = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Run DfE's validation rules (Data to Insight's validators) and list the issues by rule."""
    from cscwatch.returns.validate import validate, write_issues_xlsx

    with friendly_errors():
        with open_db(db) as store:
            reports = validate(store, path, la=la, year=year)
        if xlsx:
            write_issues_xlsx(reports, xlsx)
    if fmt is OutputFormat.json:
        sys.stdout.write(dumps([{"la_code_old": r.la_code_old, "year": r.year, "files": r.files,
                                 "rules_run": r.rules_run, "saved": r.saved, "summary": r.summary(),
                                 "issues": r.issues} for r in reports]) + "\n")
        return
    rows = [{"la_code_old": r.la_code_old, "year": r.year, **s} for r in reports for s in r.summary()]
    emit_rows(rows, fmt, title="Validation issues by rule",
              columns=["la_code_old", "year", "return_type", "rule_code", "severity", "issues", "children", "message"])
    for r in reports:
        err_console.print(f"{r.la_code_old} {r.year}: {len(r.issues)} issues from {r.rules_run} rules"
                          + (" (saved)" if r.saved else ""), highlight=False)


@returns_app.command("ingest")
def ingest_cmd(
    path: Annotated[Path, typer.Argument(help="A return folder or file (with --la and --year), or a <la>/<year>/ tree.")],
    la: LaOption = None,
    year: YearOption = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Read, check, pseudonymise and store returns; then recompute the LAs' provisional figures."""
    from cscwatch.returns.ingest import ingest

    with friendly_errors():
        with open_db(db) as store:
            result = ingest(store, path, la=la, year=year, progress=lambda m: err_console.print(m, highlight=False))
    emit_rows(result.to_rows(), fmt, title="Files", columns=["la_code_old", "year", "file_name", "kind", "status",
                                                              "n_rows"] + (["error"] if fmt is not OutputFormat.table else []))
    for failed in result.errors:
        err_console.print(f"[red]Error:[/red] {failed.error}", highlight=False, soft_wrap=True)
    err_console.print(f"{len(result.files)} files, {len(result.errors)} errors, {result.measures} figures",
                      highlight=False)
    raise typer.Exit(0 if result.ok else 1)


@returns_app.command("measures")
def measures_cmd(
    la: LaOption = None,
    year: YearOption = None,
    engine: Annotated[EngineName, typer.Option("--engine", help="Where the measures run.")] = EngineName.duckdb,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """DfE's measures from the stored returns, as provisional figures (small numbers suppressed)."""
    from cscwatch.returns.provisional import measures_table

    with friendly_errors():
        with open_db(db, read_only=True) as store:
            rows = measures_table(store, la=la, year=year, engine=engine.value)
    emit_rows(rows, fmt, title="Provisional figures",
              columns=["la_code_old", "year", "measure_id", "title", "value", "status", "suppression"]
              if fmt is OutputFormat.table else None)


@returns_app.command("compare")
def compare_cmd(
    la: Annotated[str, typer.Argument(help="LA name or code.")],
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """The LA's provisional figures beside DfE's published ones."""
    from cscwatch.returns.provisional import provisional_beside_published

    with friendly_errors():
        with open_db(db, read_only=True) as store:
            ctx = provisional_beside_published(store, la)
    if fmt is OutputFormat.json:
        sys.stdout.write(dumps(ctx) + "\n")
        return
    emit_rows(ctx["rows"], fmt, title=f"{ctx['la_name'] or ctx['la_code_old']}: provisional beside published",
              columns=["period", "measure_id", "provisional", "published", "difference", "latest_published_period",
                       "latest_published"])


@returns_app.command("remove")
def remove_cmd(
    la: Annotated[str, typer.Option("--la", help="LA name or code.")],
    year: YearOption = None,
    db: DbOption = None,
) -> None:
    """Delete an LA's stored returns (one year or all) and recompute its provisional figures."""
    from cscwatch.returns.ingest import remove_returns

    with friendly_errors():
        with open_db(db) as store:
            removed = remove_returns(store, la, year=year)
    err_console.print("removed " + ", ".join(f"{n} {t}" for t, n in removed.items() if n), highlight=False)


@returns_app.command("synth")
def synth_cmd(
    las: Annotated[int, typer.Option("--las", help="How many LAs.")],
    years: Annotated[int, typer.Option("--years", help="How many years, ending with the latest published.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write <la_code_old>/<year>/ into.")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    last_year: Annotated[int | None, typer.Option("--last-year", help="Last year (default: latest published).")] = None,
    scale: Annotated[float, typer.Option("--scale", help="Multiply each LA's child population (smaller files).")] = 1.0,
    db: DbOption = None,
) -> None:
    """Write synthetic SSDA903 CSVs and CIN census XML aiming at each LA's published rates."""
    from cscwatch.returns.synth import synth

    with friendly_errors():
        with open_db(db, read_only=True) if (db or _default_exists()) else nullcontext() as store:
            summary = synth(store, out, n_las=las, n_years=years, seed=seed, last_year=last_year, scale=scale)
    err_console.print(f"wrote {summary.folders} returns for {len(summary.las)} LAs ({summary.years[0]}-"
                      f"{summary.years[-1]}) to {summary.out}: {summary.episodes:,} SSDA903 episodes, "
                      f"{summary.cin_children:,} CIN children", highlight=False)


def _default_exists() -> bool:
    from cscwatch.store import default_db_path

    return default_db_path().exists()


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    la: LaOption = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    db: DbOption = None,
) -> None:
    """Add an account (asks for the password; --la limits it to one LA)."""
    from cscwatch.returns.accounts import add_user

    password = sys.stdin.readline().rstrip("\n") if password_stdin else typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    with friendly_errors():
        with open_db(db) as store:
            made = add_user(store, username, password, la=la)
    err_console.print(f"added {made['username']}" + (f" (LA {made['la_code_old']})" if made["la_code_old"] else ""),
                      highlight=False)


@users_app.command("list")
def users_list(fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """List accounts (never their password hashes)."""
    from cscwatch.returns.accounts import list_users

    with friendly_errors():
        with open_db(db, read_only=True) as store:
            rows = list_users(store)
    emit_rows(rows, fmt, title="Accounts", columns=["username", "la_code_old", "created_at", "last_login_at"])


@users_app.command("remove")
def users_remove(username: Annotated[str, typer.Argument(help="Login name.")], db: DbOption = None) -> None:
    """Remove an account."""
    from cscwatch.returns.accounts import remove_user

    with friendly_errors():
        with open_db(db) as store:
            remove_user(store, username)
    err_console.print(f"removed {username}", highlight=False)


def register(app: typer.Typer) -> None:
    returns_app.add_typer(users_app, name="users")
    app.add_typer(returns_app, name="returns")
