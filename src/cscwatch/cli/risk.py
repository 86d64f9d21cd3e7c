"""Risk commands: ``risk backtest``, ``risk scores``, ``risk explain``, ``risk rules``, ``risk publish``,
``risk card`` (thin wrappers over ``cscwatch.risk``)."""
from __future__ import annotations

import logging
import sys
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from cscwatch.store import updating

from cscwatch.cli.common import (
    DbOption,
    built_db_path,
    FormatOption,
    OutputFormat,
    console,
    dumps,
    emit_rows,
    err_console,
    friendly_errors,
    open_db,
    parse_date_option,
)

risk_app = typer.Typer(help="The early warning: who will be inspected, and who judged inadequate, in the next "
                            "12 months; backtest, scores, explanations, rules, model card.", no_args_is_help=True)


class Target(str, Enum):
    any_inadequate = "any_inadequate"
    inadequate = "inadequate"
    help_protection = "help_protection"
    leaders = "leaders"
    children_in_care = "children_in_care"
    decline = "decline"
    inspected_3m = "inspected_3m"
    inspected_6m = "inspected_6m"
    inspected_12m = "inspected_12m"
    inadequate_12m = "inadequate_12m"


TargetOption = Annotated[Target, typer.Option(
    "--target", help="Outcome: any_inadequate (leaders or help and protection inadequate | inspected; default), "
                     "inadequate (overall, to March 2026), help_protection, leaders, children_in_care, decline, "
                     "inspected_3m/6m/12m (a graded inspection starts within), inadequate_12m (judged inadequate "
                     "at an inspection starting within 12 months).")]
AsOfOption = Annotated[str | None, typer.Option(
    "--as-of", help="Date (YYYY-MM-DD): use only data published before it. Default: the day after the "
                    "inspection register is complete to.")]


def _progress(msg: str) -> None:
    err_console.print(f"[dim]{msg}[/dim]", highlight=False)


def _f(v) -> str:
    return "" if v is None else f"{v:.3f}"


@risk_app.command("backtest")
def backtest_cmd(
    target: TargetOption = Target.any_inadequate,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the full result as JSON to this file ('-' for stdout).")] = None,
    n_boot: Annotated[int, typer.Option("--bootstrap", min=0, help="LA-clustered bootstrap replicates for the intervals.")] = 500,
    grouped_folds: Annotated[int, typer.Option("--grouped-folds", min=0, help="Also a grouped-by-LA cross-validation over all years with this many folds (inspection targets; not time-honest; 0 skips it).")] = 0,
    db: DbOption = None,
) -> None:
    """Rolling-origin backtest of every model and baseline for one target, on the built store."""
    from cscwatch.risk.backtest import backtest

    with friendly_errors():
        result = backtest(open_db(db, read_only=True), target=target.value, n_boot=n_boot,
                          grouped_folds=grouped_folds, progress=_progress)
    if json_out is not None:
        text = dumps(result.to_dict()) + "\n"
        if str(json_out) == "-":
            sys.stdout.write(text)
            return
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(text, encoding="utf-8")
    rows = [{"model": m.name + (" *" if m.baseline else ""), "AUC": _f(m.metrics["auc"]),
             "AUC 95% CI": "–".join(_f(v) for v in m.intervals["auc"]),
             "within-year AUC": _f(m.metrics["auc_within_year"]), "AP": _f(m.metrics["average_precision"]),
             "Brier": _f(m.metrics["brier"]), "top 10%": _f(m.metrics["top10_recall"]),
             "top 20%": _f(m.metrics["top20_recall"]),
             "seeds": "–".join(_f(v) for v in (min(m.seeds), max(m.seeds))) if None not in m.seeds else ""}
            for m in result.models]
    span = f"{result.years[0]}–{result.years[-1]}" if result.years else "-"
    emit_rows(rows, OutputFormat.table, title=f"Backtest: {result.target}, {result.n_scored} rows scored "
              f"({result.n_positive} positive) in {span}; * = baseline")


@risk_app.command("scores")
def scores_cmd(
    as_of: AsOfOption = None,
    target: TargetOption = Target.any_inadequate,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Every LA ranked by the target's probability, with P(inspected), P(inadequate), band, reasons."""
    from cscwatch.risk.scores import score

    with friendly_errors():
        day = parse_date_option(as_of, "--as-of")
        rows = score(open_db(db, read_only=True), as_of=day, target=target.value)
    if fmt is OutputFormat.json:
        sys.stdout.write(dumps(rows) + "\n")
        return
    flat = [{**r, "reasons": "; ".join(r["reasons"]), "reasons_down": "; ".join(r["reasons_down"])} for r in rows]
    cols = ["rank", "la_code_old", "la_name", "probability", "p_inspected_12m", "p_inadequate_if_inspected",
            "p_inadequate_12m", "band", "status"]
    if fmt is OutputFormat.csv:
        cols = ["rank", "la_code_old", "la_code_new", "la_name", "region", "probability", "band", "p_inspected_3m",
                "p_inspected_6m", "p_inspected_12m", "p_inadequate_if_inspected", "p_inadequate_12m", "status",
                "last_grade", "scheduled", "window_earliest", "window_latest", "reasons", "reasons_down", "as_of",
                "target", "model"]
    emit_rows(flat, fmt, title=f"Risk ({target.value}) as of {rows[0]['as_of'] if rows else as_of}", columns=cols)


@risk_app.command("explain")
def explain_cmd(
    la: Annotated[str, typer.Argument(help="LA name, DfE 3-digit code or ONS code.")],
    as_of: AsOfOption = None,
    target: TargetOption = Target.any_inadequate,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    db: DbOption = None,
) -> None:
    """One LA: when it is due, how likely it is to be judged inadequate, and why."""
    from cscwatch.identity import resolve_la

    with friendly_errors():
        store, day = open_db(db, read_only=True), parse_date_option(as_of, "--as-of")
        resolve_la(store, la, on=day)  # an unknown LA fails here, before the model code is even imported
        from cscwatch.risk.scores import explain

        e = explain(store, la, as_of=day, target=target.value)
    if fmt == "json":
        sys.stdout.write(dumps(e) + "\n")
        return
    console.print(f"[bold]{e['la_name']}[/bold] ({e['la_code_old']}), as of {e['as_of']}", highlight=False)
    console.print(f"Status: {e['status']['label']}", highlight=False)
    console.print(f"P(graded inspection starts within 3 / 6 / 12 months): {e['p_inspected_3m']:.0%} / "
                  f"{e['p_inspected_6m']:.0%} / {e['p_inspected_12m']:.0%}", highlight=False)
    console.print(f"P(judged inadequate | inspected): {e['p_inadequate_if_inspected']:.0%};  "
                  f"P(judged inadequate within 12 months): {e['p_inadequate_12m']:.1%} "
                  f"([bold]{e['band']}[/bold])", highlight=False)
    console.print(f"Ranked {e['rank']} of {e['n_las']} by '{e['target']}' ({e['probability']:.1%})", highlight=False)
    for title, key in (("Pushing the risk up", "pushing_up"), ("Pushing the risk down", "pushing_down")):
        console.print(f"\n{title}:", highlight=False)
        for r in e[key] or [{"text": "nothing notable", "contribution": 0}]:
            console.print(f"  • {r['text']}  ({r['contribution']:+.2f})", highlight=False)
    console.print(f"\nTiming: {e['reasons'][0]}", highlight=False)


@risk_app.command("rules")
def rules_cmd(
    la: Annotated[str | None, typer.Argument(help="An LA: show its next windows instead of the rules.")] = None,
    as_of: AsOfOption = None,
    coverage: Annotated[bool, typer.Option("--coverage", help="How well the rules describe history, by framework and year.")] = False,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Ofsted's scheduling rules as data, an LA's next windows, or the rules' coverage of history."""
    from cscwatch.risk.rules_report import la_windows, rules_table, rules_coverage

    with friendly_errors():
        if la is not None:
            rows = la_windows(open_db(db, read_only=True), la, as_of=parse_date_option(as_of, "--as-of"))
        elif coverage:
            rows = rules_coverage(open_db(db, read_only=True))
        else:
            rows = rules_table()
    emit_rows(rows, fmt, title="Inspection rules" if la is None and not coverage else None)


@risk_app.command("publish")
def publish_cmd(
    as_of: AsOfOption = None,
    db: DbOption = None,
) -> None:
    """Fit, score every LA and write the scores into the store for the dashboard (as `build` does)."""
    from cscwatch.risk.publish import publish_scores

    with friendly_errors():
        day = parse_date_option(as_of, "--as-of")
        with updating(built_db_path(db)) as store:
            s = publish_scores(store, as_of=day, progress=_progress)
    typer.echo(f"published {s['n_las']} LAs as of {s['as_of']}: {s['accuracy']}")


@risk_app.command("card")
def card_cmd(
    out: Annotated[Path, typer.Option("--out", help="Markdown file to write.")] = Path("docs/model-card.md"),
    n_boot: Annotated[int, typer.Option("--bootstrap", min=0, help="LA-clustered bootstrap replicates.")] = 500,
    db: DbOption = None,
) -> None:
    """Run every backtest once and write the model card (Markdown, for a director of children's services)."""
    from cscwatch.risk.card import write_model_card

    with friendly_errors():
        path = write_model_card(open_db(db, read_only=True), out, n_boot=n_boot, progress=_progress,
                                generated=date.today())
    typer.echo(f"wrote {path}", err=True)


def register(app: typer.Typer) -> None:
    logging.getLogger("cscwatch.risk").addHandler(logging.NullHandler())
    app.add_typer(risk_app, name="risk")
