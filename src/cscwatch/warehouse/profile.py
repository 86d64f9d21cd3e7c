"""One LA's profile: identity, latest Ofsted judgements, key measures against comparators.

``la_profile`` returns a plain JSON-able dict (shape in docs/warehouse.md) used by
``cscwatch la`` and the dashboard; ``render_profile`` prints it for the terminal.
"""
from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from cscwatch.identity import resolve_la
from cscwatch.store import Store
from cscwatch.warehouse.benchmark import MODELS, Context, la_series, measure_table
from cscwatch.warehouse.sources import KEY_MEASURES

TREND_PERIODS = 6


def _inspections(store: Store, code: str) -> dict[str, Any] | None:
    if not (store.has_table("inspection") and store.has_table("judgement")):
        return None
    history = store.rows(
        "SELECT inspection_id, framework, inspection_type, start_date, end_date, publication_date FROM inspection "
        "WHERE la_code_old = ? ORDER BY coalesce(publication_date, end_date, start_date) DESC", [code])
    grades: dict[str, dict[str, str]] = {}
    for r in store.rows("SELECT j.inspection_id, j.judgement, j.grade FROM judgement j JOIN inspection i "
                        "USING (inspection_id) WHERE i.la_code_old = ?", [code]):
        grades.setdefault(r["inspection_id"], {})[r["judgement"]] = r["grade"]
    for h in history:
        h["judgements"] = grades.get(h["inspection_id"], {})
    judged = [h for h in history if h["judgements"]]
    return {"latest": judged[0] if judged else None, "history": history}


def measure_summary(store: Store, code: str, measure_id: str, context: Context) -> dict[str, Any] | None:
    """One key measure for one LA in the latest period it has a value (None when it never has)."""
    series = store.rows("SELECT period, period_end, value, status FROM observation WHERE measure_id = ? AND la = ? "
                        "ORDER BY period_end", [measure_id, code])
    if not series:
        return None
    with_value = [s for s in series if s["value"] is not None]
    latest = (with_value or series)[-1]
    table = measure_table(store, measure_id, period=latest["period"], context=context)
    row = next((r for r in table["rows"] if r["la_code_old"] == code), None) or {}
    m = table["measure"]
    return {
        "measure_id": measure_id, "title": m["title"], "unit": m["unit"], "topic": m["topic"],
        "polarity": m["polarity"], "period": latest["period"], "value": latest["value"], "status": latest["status"],
        "rank": row.get("rank"), "n_ranked": table["n_ranked"], "band": row.get("band"),
        "england": table["england"], "region": row.get("region_value"),
        **{f"sn{model}_{s}": row.get(f"sn{model}_{s}") for model in MODELS for s in ("mean", "median")},
        "change_1y": row.get("change_1y"), "change_3y": row.get("change_3y"), "flag": row.get("flag"),
        "trend": [{"period": s["period"], "value": s["value"], "status": s["status"], "basis": s["basis"]}
                  for s in la_series(store, code, measure_id, include_predecessors=True)[-TREND_PERIODS:]],
    }


def la_profile(store: Store, la: str, measures: tuple[str, ...] = KEY_MEASURES) -> dict[str, Any]:
    """Profile of one LA (name or code): who it is, its inspections, and key measures benchmarked."""
    info = resolve_la(store, la)
    code = info["la_code_old"]
    context = Context(store)
    lineage = store.rows("SELECT * FROM la_lineage WHERE predecessor = ? OR successor = ? ORDER BY effective_date",
                         [code, code])
    groups = store.rows("SELECT * FROM la_group WHERE group_code = ? OR member = ?", [code, code])
    neighbours = {model: [{"la_code_old": n, "la_name": context.las.get(n, {}).get("la_name")}
                          for n in context.sn[model].get(code, [])] for model in MODELS}
    rows = [s for m in measures if (s := measure_summary(store, code, m, context)) is not None]
    notes = []
    if any(r["successor"] == code for r in lineage):
        notes.append("Successor authority: its own series starts at its creation; predecessors' figures are not "
                     "spliced in (see docs/warehouse.md, comparing successors).")
    if any(r["predecessor"] == code for r in lineage):
        notes.append("Defunct authority: figures stop at its abolition.")
    if groups:
        notes.append("Workforce figures are reported jointly by a shared service: "
                     + ", ".join(sorted({g['group_code'] for g in groups})) + ".")
    return {"la": info, "lineage": lineage, "shared_services": groups, "neighbours": neighbours,
            "inspections": _inspections(store, code), "measures": rows, "notes": notes}


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if v.is_integer():
            return f"{v:,.0f}"
        return f"{v:,.1f}" if abs(v) >= 100 else f"{v:.3g}" if abs(v) < 1 else f"{v:.1f}"
    return str(v)


def render_profile(profile: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    la = profile["la"]
    console.print(f"[bold]{la['la_name']}[/bold]  {la['la_code_old']} / {la['la_code_new'] or '-'}  "
                  f"{la['region_name'] or ''}  ({la['la_type'] or 'authority'})", highlight=False)
    insp = profile["inspections"]
    if insp and insp["latest"]:
        latest = insp["latest"]
        when = latest["publication_date"] or latest["start_date"]
        grades = ", ".join(f"{k}: {v}" for k, v in latest["judgements"].items())
        console.print(f"Latest inspection: {latest['framework']} {latest['inspection_type'] or ''} "
                      f"published {when}: {grades}", highlight=False)
    elif insp is not None:
        console.print("No judged inspection in the register.")
    table = Table(title="Key measures (rank 1 = best; band A best; SN = 2025 statistical neighbours; "
                        "adverse = moved the wrong way by more than the neighbours' spread)")
    for col in ("measure", "period", "value", "rank", "band", "SN mean", "SN median", "region", "England",
                "1y change", "adverse"):
        if col == "measure":
            table.add_column(col, min_width=30, ratio=1)
        else:
            table.add_column(col, justify="right", no_wrap=True)
    for m in profile["measures"]:
        value = _fmt(m["value"]) if m["value"] is not None else (m["status"] or "")
        rank = f"{m['rank']}/{m['n_ranked']}" if m["rank"] else ""
        table.add_row(m["title"], m["period"], value, rank, m["band"] or "", _fmt(m["sn2025_mean"]),
                      _fmt(m["sn2025_median"]), _fmt(m["region"]), _fmt(m["england"]), _fmt(m["change_1y"]),
                      "yes" if m["flag"] else "")
    console.print(table)
    for note in profile["notes"]:
        console.print(f"Note: {note}", highlight=False)
