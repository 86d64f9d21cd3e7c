"""Keeping current: ``fetch reports``, ``fetch statistics`` and ``changes`` (thin wrappers over
``cscwatch.watch``)."""
from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from cscwatch.store import updating

from cscwatch.cli.common import (
    DbOption,
    FormatOption,
    OutputFormat,
    dumps,
    emit_rows,
    err_console,
    friendly_errors,
    db_path,
    open_db,
    parse_date_option,
)

fetch_app = typer.Typer(help="Fetch what is new from Ofsted's reports site and the EES statistics API.",
                        no_args_is_help=True)

Kind = Enum("Kind", {k: k for k in ("inspection", "focused_visit", "monitoring_visit", "jtai", "send", "other")},
            type=str)
Change = Enum("Change", {k: k for k in ("inspection", "visit", "publication", "statistics", "band", "flag", "score")},
              type=str)

RateOption = Annotated[float | None, typer.Option(
    "--rate", help="Seconds between two requests (politeness; default 1 for Ofsted, 0.5 for EES).", min=0)]
TimeoutOption = Annotated[float, typer.Option("--timeout", help="Seconds to wait for a response.", min=0.1)]
RetriesOption = Annotated[int, typer.Option("--retries", help="Retries per request, with exponential backoff; "
                                                              "429 Retry-After is honoured.", min=0)]


def _settings(rate: float | None, default_rate: float, timeout: float, retries: int):
    from cscwatch.watch.http import HttpSettings

    return HttpSettings(min_interval=default_rate if rate is None else rate, timeout=timeout, retries=retries)


def _progress(event: str, detail: str) -> None:
    if event in ("downloaded", "reused", "fetched", "failed", "rejected", "ingest", "rebuild"):
        err_console.print(f"{event}: {detail}", highlight=False, soft_wrap=True)


@fetch_app.command("reports")
def fetch_reports_cmd(
    since: Annotated[str | None, typer.Option("--since", help="Only publications Ofsted lists on or after this date "
                     "(YYYY-MM-DD). Default: 60 days before the official record ends.")] = None,
    everything: Annotated[bool, typer.Option("--all", help="Every publication, whatever its date.")] = False,
    la: Annotated[list[str] | None, typer.Option("--la", help="Only this LA (name or code); repeatable.")] = None,
    kind: Annotated[list[Kind] | None, typer.Option("--kind", help="Kinds to download; repeatable. Default: "
                    "inspection, focused_visit, monitoring_visit, jtai.")] = None,
    dest: Annotated[Path | None, typer.Option("--dest", help="Folder for the PDFs (default: reports/ofsted "
                    "beside the store).")] = None,
    base_url: Annotated[str, typer.Option("--base-url", envvar="CSCWATCH_OFSTED_URL",
                        help="Ofsted's reports site.")] = "https://reports.ofsted.gov.uk",
    ingest: Annotated[bool, typer.Option("--ingest/--no-ingest", help="Parse new files into the register.")] = True,
    max_attempts: Annotated[int, typer.Option("--max-attempts", help="Give up on a file after this many failed "
                            "runs.", min=1)] = 3,
    rate: RateOption = None,
    timeout: TimeoutOption = 60.0,
    retries: RetriesOption = 4,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Download new LA children's services reports and letters from Ofsted's site, then ingest them.

    Resumable and incremental: every link is recorded with its SHA-256, so a re-run (or a run
    after an interruption) downloads only what it does not hold. Exits 1 if a file failed.
    """
    from cscwatch.watch.ofsted import CSC_KINDS
    from cscwatch.watch.reports import fetch_reports

    when = None if everything else (parse_date_option(since, "--since") if since else "default")
    with friendly_errors(), updating(db_path(db)) as store:
        summary = fetch_reports(store, since=when, base_url=base_url, dest=dest, las=la,
                                kinds=[k.value for k in kind] if kind else CSC_KINDS, ingest=ingest,
                                max_attempts=max_attempts, settings=_settings(rate, 1.0, timeout, retries),
                                progress=_progress)
    if fmt is OutputFormat.json:
        sys.stdout.write(dumps(summary.as_dict()) + "\n")
    else:
        emit_rows(summary.downloaded, fmt, title=f"New files from {base_url}",
                  columns=["listed_date", "kind", "la_code_old", "provider", "title", "path"])
    for f in summary.failed:
        err_console.print(f"[red]failed[/red]: {f['url']}: {f['reason']}", highlight=False, soft_wrap=True)
    err_console.print(f"{summary.providers} LAs, {summary.listed} publications listed ({summary.new_links} new "
                      f"links), {len(summary.downloaded)} downloaded, {summary.reused} resumed, {summary.held} held "
                      f"already, {len(summary.failed)} failed; {summary.requests} requests; since "
                      f"{summary.since or 'the start'}", highlight=False)
    raise typer.Exit(1 if summary.failed else 0)


def _data_sets(values: list[str] | None) -> dict[str, str]:
    out = {}
    for v in values or []:
        for pair in v.split(","):
            if not pair.strip():
                continue
            source, sep, ident = pair.partition("=")
            if not sep or not source.strip() or not ident.strip():
                raise typer.BadParameter(f"{pair!r} is not SOURCE=DATA_SET_ID", param_hint="--data-set")
            out[source.strip()] = ident.strip()
    return out


@fetch_app.command("statistics")
def fetch_statistics_cmd(
    data_set: Annotated[list[str] | None, typer.Option("--data-set", envvar="CSCWATCH_EES_DATA_SETS",
                        help="SOURCE=EES_DATA_SET_ID (a source id of sources.py); repeatable or comma-separated. "
                        "Adds to the ids in the source list.")] = None,
    base_url: Annotated[str, typer.Option("--base-url", envvar="CSCWATCH_EES_API_URL",
                        help="The EES public API.")] = "https://api.education.gov.uk/statistics",
    dest: Annotated[Path | None, typer.Option("--dest", help="Folder for fetched files (default: statistics "
                    "beside the store).")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild/--no-rebuild", help="Reload the warehouse when a new "
                       "version was accepted.")] = True,
    rate: RateOption = None,
    timeout: TimeoutOption = 120.0,
    retries: RetriesOption = 4,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Fetch new versions of the warehouse's data sets from the EES API and rebuild what changed.

    A CSV whose shape differs from what the loader expects is refused with the file and column,
    and nothing is stored. Exits 1 if a data set was refused or could not be fetched.
    """
    from cscwatch.watch.statistics import fetch_statistics

    sets = _data_sets(data_set)
    with friendly_errors(), updating(db_path(db)) as store:
        summary = fetch_statistics(store, base_url=base_url, data_sets=sets, dest=dest, rebuild=rebuild,
                                   settings=_settings(rate, 0.5, timeout, retries), progress=_progress)
    if fmt is OutputFormat.json:
        sys.stdout.write(dumps(summary.as_dict()) + "\n")
    else:
        emit_rows(summary.data_sets, fmt, title=f"EES data sets at {base_url}",
                  columns=["source_id", "data_set_id", "held_version", "latest_version", "published", "action",
                           "message"])
    if summary.message:
        err_console.print(summary.message, highlight=False, soft_wrap=True)
    if summary.rebuilt and summary.warehouse:
        err_console.print(f"warehouse rebuilt: {summary.warehouse['observations']:,} observations", highlight=False)
    raise typer.Exit(1 if summary.failed else 0)


def changes_cmd(
    since: Annotated[str | None, typer.Option("--since", help="First day (YYYY-MM-DD). Default: 7 days before "
                     "--until (1 day with --digest).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Last day (YYYY-MM-DD). Default: today.")] = None,
    la: Annotated[list[str] | None, typer.Option("--la", help="Only these LAs (names or codes); repeatable.")] = None,
    peers: Annotated[list[str] | None, typer.Option("--peers", help="A peer group: LA names or codes "
                     "(comma-separated or repeated), or sn2025/sn2021 for the statistical neighbours of --la.")] = None,
    kind: Annotated[list[Change] | None, typer.Option("--kind", help="Kinds of change; repeatable. Default: all.")] = None,
    all_measures: Annotated[bool, typer.Option("--all-measures", help="Band and flag moves of every banded measure, "
                            "not only the key measures.")] = False,
    digest: Annotated[Path | None, typer.Option("--digest", help="Write digest-<until>.md and .json into this "
                      "folder instead of printing.")] = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """What changed: new inspections and grades, visits, new statistics, band moves and adverse-move
    flags in new figures, and early-warning scores that moved."""
    from cscwatch.watch.changes import KINDS, what_changed
    from cscwatch.watch.feeds import write_digest

    first, last = parse_date_option(since, "--since"), parse_date_option(until, "--until")
    with friendly_errors():
        store = open_db(db, read_only=True)
        if digest is not None:
            out = write_digest(store, digest, since=first, until=last, las=la, peers=peers)
            typer.echo(f"{out['markdown']} ({out['items']} changes)")
            return
        result = what_changed(store, first, last, las=la, peers=peers,
                              kinds=[k.value for k in kind] if kind else KINDS,
                              measures=None if all_measures else _key_measures())
    if fmt is OutputFormat.json:
        sys.stdout.write(dumps(result) + "\n")
        return
    cols = ["date", "kind", "la_code_old", "title", "source"]
    if fmt is OutputFormat.csv:
        cols = ["id", "date", "kind", "la_code_old", "la_name", "title", "source"]
    emit_rows(result["items"], fmt, columns=cols,
              title=f"Changes {result['since']} to {result['until']}: "
                    + (", ".join(f"{n} {k}" for k, n in result["counts"].items() if n) or "none"))
    for note in result["notes"]:
        err_console.print(note, highlight=False, soft_wrap=True)


def _key_measures():
    from cscwatch.warehouse.sources import KEY_MEASURES

    return KEY_MEASURES


def register(app: typer.Typer) -> None:
    app.add_typer(fetch_app, name="fetch")
    app.command("changes")(changes_cmd)

