"""Risk commands: ``risk backtest``, ``risk scores``, ``risk explain``, ``risk card`` (thin wrappers)."""
from __future__ import annotations

import logging
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from cscwatch.cli.common import (
    DbOption,
    FormatOption,
    OutputFormat,
    console,
    dumps,
    emit_rows,
    friendly_errors,
    open_db,
    parse_date_option,
)

risk_app = typer.Typer(help="The risk model: backtest, current scores, explanations, model card.",
                       no_args_is_help=True)


class Target(str, Enum):
    inadequate = "inadequate"
    decline = "decline"
    any_inadequate = "any_inadequate"


TargetOption = Annotated[Target, typer.Option("--target", help="Outcome to predict.")]


def _pct(v) -> str:
    return "" if v is None else f"{v:.3f}"


@risk_app.command("backtest")
def backtest_cmd(
    target: TargetOption = Target.inadequate,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the full result as JSON to this file ('-' for stdout).")] = None,
    n_boot: Annotated[int, typer.Option("--bootstrap", help="Cluster-bootstrap replicates for the intervals.")] = 500,
    grouped_folds: Annotated[int, typer.Option("--grouped-folds", help="Folds of the grouped-by-LA CV (0 skips it).")] = 5,
    db: DbOption = None,
) -> None:
    """Rolling-origin backtest of every model and baseline on the built store."""
    from cscwatch.risk.backtest import backtest

    with friendly_errors():
        store = open_db(db, read_only=True)
        result = backtest(store, target=target.value, n_boot=n_boot, grouped_folds=grouped_folds)
    if json_out is not None:
        text = dumps(result.to_dict()) + "\n"
        if str(json_out) == "-":
            sys.stdout.write(text)
            return
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(text, encoding="utf-8")
    short = {"auc": "AUC", "average_precision": "AP", "brier": "Brier", "top10_recall": "top 10%",
             "top20_recall": "top 20%"}
    rows = [{"model": m.name + (" *" if m.baseline else ""),
             **{label: _pct(m.metrics[k]) for k, label in short.items()},
             "AUC 95% CI": "–".join(_pct(v) for v in m.intervals["auc"])} for m in result.models]
    emit_rows(rows, OutputFormat.table, title=f"Backtest: {result.target}, {result.n_scored} inspections scored "
              f"({result.n_positive} positive) in {result.years[0] if result.years else '-'}–"
              f"{result.years[-1] if result.years else '-'}; * = baseline")


@risk_app.command("scores")
def scores_cmd(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date (YYYY-MM-DD): use only data published before it. Default: today.")] = None,
    target: TargetOption = Target.inadequate,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Every current LA ranked by risk, with probability, band and top reasons."""
    from cscwatch.risk.scores import score

    with friendly_errors():
        day = parse_date_option(as_of, "--as-of")
        rows = score(open_db(db, read_only=True), as_of=day, target=target.value)
    if fmt is OutputFormat.json:
        sys.stdout.write(dumps(rows) + "\n")
        return
    flat = [{**r, "reasons": "; ".join(r["reasons"]), "reasons_down": "; ".join(r["reasons_down"])} for r in rows]
    cols = ["rank", "la_code_old", "la_name", "probability", "band", "last_grade", "reasons"]
    if fmt is OutputFormat.csv:
        cols = ["rank", "la_code_old", "la_code_new", "la_name", "region", "probability", "band", "last_grade",
                "scheduled", "reasons", "reasons_down", "as_of", "target", "model"]
    emit_rows(flat, fmt, title=f"Risk of '{target.value}' as of {rows[0]['as_of'] if rows else as_of}", columns=cols)


@risk_app.command("explain")
def explain_cmd(
    la: Annotated[str, typer.Argument(help="LA name, DfE 3-digit code or ONS code.")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date (YYYY-MM-DD). Default: today.")] = None,
    target: TargetOption = Target.inadequate,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    db: DbOption = None,
) -> None:
    """Why one LA scores as it does: the factors pushing its risk up and down."""
    from cscwatch.risk.scores import explain

    with friendly_errors():
        e = explain(open_db(db, read_only=True), la, as_of=parse_date_option(as_of, "--as-of"), target=target.value)
    if fmt == "json":
        sys.stdout.write(dumps(e) + "\n")
        return
    console.print(f"[bold]{e['la_name']}[/bold] ({e['la_code_old']}), as of {e['as_of']}: "
                  f"risk of '{e['target']}' {e['probability']:.0%} ([bold]{e['band']}[/bold]), "
                  f"rank {e['rank']} of {e['n_las']}", highlight=False)
    console.print(f"Last grade: {e['last_grade'] or 'none on record'}; next inspection expected: {e['scheduled']}",
                  highlight=False)
    for title, key in (("Pushing the risk up", "pushing_up"), ("Pushing the risk down", "pushing_down")):
        console.print(f"\n{title}:", highlight=False)
        for r in e[key] or [{"text": "nothing notable", "contribution": 0}]:
            console.print(f"  • {r['text']}  ({r['contribution']:+.2f})", highlight=False)


@risk_app.command("card")
def card_cmd(
    out: Annotated[Path, typer.Option("--out", help="Markdown file to write.")] = Path("docs/model-card.md"),
    n_boot: Annotated[int, typer.Option("--bootstrap", help="Cluster-bootstrap replicates.")] = 500,
    db: DbOption = None,
) -> None:
    """Run the backtests and write the model card (Markdown, for a director of children's services)."""
    from cscwatch.risk.card import write_model_card

    with friendly_errors():
        path = write_model_card(open_db(db, read_only=True), out, n_boot=n_boot)
    typer.echo(f"wrote {path}", err=True)



def register(app: typer.Typer) -> None:
    logging.getLogger("cscwatch.risk").addHandler(logging.NullHandler())
    app.add_typer(risk_app, name="risk")
