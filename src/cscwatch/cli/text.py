"""Text commands: ``themes``, ``recommendations``, ``text classify``, ``text evaluate`` (thin wrappers)."""
from __future__ import annotations

import sys
from typing import Annotated

import typer

from cscwatch.cli.common import DbOption, FormatOption, OutputFormat, built_db_path, dumps, emit_rows, \
    friendly_errors, open_db
from cscwatch.store import updating

text_app = typer.Typer(help="Report text: segment and classify reports, measure the classifiers.",
                       no_args_is_help=True)

_SUMMARY = ["theme", "reports", "concern_reports", "concern_rate", "concern_rate_low", "concern_rate_high",
            "strength_reports", "concern_sentences", "strength_sentences"]
_EVIDENCE = ["theme", "polarity", "la_name", "framework", "overall", "start_date", "section", "page", "text"]


def themes_cmd(
    la: Annotated[str | None, typer.Option("--la", help="LA name or code: only its reports.")] = None,
    grade: Annotated[str | None, typer.Option("--grade", help="Overall grade: outstanding, good, requires_improvement (ri), inadequate.")] = None,
    theme: Annotated[str | None, typer.Option("--theme", help="One theme id: list its evidence sentences (with --by: its breakdown).")] = None,
    framework: Annotated[str | None, typer.Option("--framework", help="SIF, ILACS, ILACS-2023, legacy ...")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Year fieldwork started.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Break down by grade, framework or year.")] = None,
    polarity: Annotated[str | None, typer.Option("--polarity", help="With --theme: strength, concern or neutral.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="With --theme: most evidence sentences to list.")] = 50,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """What inspectors said, by theme: how many reports raise each theme as a concern (with 95%
    intervals), or with --theme the evidence sentences, each with its report page."""
    from cscwatch.text.query import theme_evidence, themes_table

    with friendly_errors():
        store = open_db(db, read_only=True)
        if theme and not by:
            rows = theme_evidence(store, theme, la=la, grade=grade, polarity=polarity, framework=framework,
                                  year=year, limit=limit)
            emit_rows(rows, fmt, columns=None if fmt is not OutputFormat.table else _EVIDENCE,
                      title=f"Evidence: {theme}")
            return
        rows = themes_table(store, la=la, grade=grade, theme_id=theme, framework=framework, year=year, by=by)
    cols = None if fmt is not OutputFormat.table else (_SUMMARY[:1] + ([by] if by else []) + _SUMMARY[1:])
    emit_rows(rows, fmt, columns=cols, title="Themes in inspection reports")


def recommendations_cmd(
    la: Annotated[str, typer.Argument(help="LA name or code.")],
    latest: Annotated[bool, typer.Option("--latest", help="Only the most recent report's recommendations.")] = False,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """An LA's recommendations ('what needs to improve'), newest report first, with their themes and
    whether the next report still raised them (resolved / still_concern / not_mentioned)."""
    from cscwatch.text.query import la_recommendations

    with friendly_errors():
        rows = la_recommendations(open_db(db, read_only=True), la, latest_only=latest)
    cols = None if fmt is not OutputFormat.table else ["start_date", "framework", "rec_no", "page", "text",
                                                       "themes", "followup"]
    emit_rows([{**r, "themes": ";".join(r["themes"])} if fmt is not OutputFormat.json else r for r in rows], fmt,
              columns=cols, title="Recommendations")


@text_app.command("classify")
def classify_cmd(
    force: Annotated[bool, typer.Option("--force", help="Redo every report, even when unchanged.")] = False,
    db: DbOption = None,
) -> None:
    """Segment and classify every ingested report's text and follow up recommendations (idempotent)."""
    from cscwatch.text.pipeline import classify_reports

    with friendly_errors():
        with updating(built_db_path(db)) as store:
            summary = classify_reports(store, force=force, progress=lambda m: typer.echo(m, err=True))
    sys.stdout.write(dumps(summary.as_dict()) + "\n")
    raise typer.Exit(1 if summary.errors else 0)


@text_app.command("evaluate")
def evaluate_cmd() -> None:
    """Precision/recall/F1 per theme and for polarity of both classifiers on the held-out LAs, and
    labeller agreement (JSON). Needs no store."""
    from cscwatch.text.evaluate import evaluate_classifiers, labeller_agreement

    sys.stdout.write(dumps({"classifiers": evaluate_classifiers(), "agreement": labeller_agreement()}) + "\n")


def register(app: typer.Typer) -> None:
    app.command("themes")(themes_cmd)
    app.command("recommendations")(recommendations_cmd)
    app.add_typer(text_app, name="text")
