"""A measure across England: every LA ranked for a period, regions, England, the spread over time."""
from __future__ import annotations

from datetime import date
from typing import Any

from cscwatch.contexts.comparator import Comparator
from cscwatch.contexts.formatting import decimals, format_change, format_value, is_categorical, status_text
from cscwatch.contexts.freshness import freshness, release_for_measure
from cscwatch.contexts.measures import direction, measure_lines
from cscwatch.identity import directory
from cscwatch.store import Store
from cscwatch.warehouse.benchmark import measure_table, quantile7


def _distribution(store: Store, measure_id: str, highlight: str | None) -> list[dict[str, Any]]:
    """The spread of LAs' values in each period (the same LAs that are ranked: no tiny authorities)."""
    rows = store.rows(
        "SELECT period, period_end, list(value ORDER BY value) FILTER (WHERE rank IS NOT NULL OR (n_ranked IS NULL"
        " AND NOT small AND value IS NOT NULL)) AS xs, any_value(england_value) AS england,"
        " max(value) FILTER (WHERE la = ?) AS la_value"
        " FROM benchmark WHERE measure_id = ? GROUP BY period, period_end ORDER BY period_end",
        [highlight, measure_id]) if store.has_table("benchmark") else []
    out = []
    for r in rows:
        xs = [x for x in (r["xs"] or []) if x is not None]
        if not xs:
            continue
        out.append({"period": r["period"], "n": len(xs), "min": xs[0], "q1": quantile7(xs, .25),
                    "median": quantile7(xs, .5), "q3": quantile7(xs, .75), "max": xs[-1], "england": r["england"],
                    "la": r["la_value"]})
    return out


def measure_context(store: Store, measure_id: str, period: str | None = None, la: str | None = None,
                    comparator: Comparator = Comparator(), *, today: date | None = None) -> dict[str, Any]:
    """Everything a measure's page shows, for ``cscwatch measure``, ``/measure/{id}`` and its API twin."""
    peers = list(comparator.peers) if comparator.peers else comparator.neighbours
    table = measure_table(store, measure_id, period, comparator=peers)
    m = table["measure"]
    m = {**m, "decimals": decimals(m), "categorical": is_categorical(m)}
    avg = comparator.average
    rows = []
    for r in table["rows"]:
        comp = None if m["categorical"] else r[f"sn_{avg}"]
        rows.append({**{k: r[k] for k in ("la_code_old", "la_code_new", "la_name", "region_code", "region_name",
                                           "value", "status", "small", "rank", "band", "region_value",
                                           "england_value", "change_1y", "change_3y", "flag")},
                     "value_text": format_value(r["value"], m, r["status"]), "status_text": status_text(r["status"]),
                     "comparator": comp, "comparator_n": r["sn_n"], "change_text": format_change(r["change_1y"], m),
                     "trend": direction(r["change_1y"], m["polarity"]),
                     **{f"sn{model}_{a}": None if m["categorical"] else r[f"sn{model}_{a}"]
                        for model in ("2021", "2025") for a in ("mean", "median")}})
    highlight = directory(store).resolve(la) if la else None
    line = measure_lines(store, highlight["la_code_old"], [measure_id], comparator) if highlight else []
    return {
        "measure": m,
        "period": table["period"], "period_end": table["period_end"], "periods": table["periods"],
        "published": release_for_measure(store, measure_id, table["period"]),
        "freshness": freshness(store, today),
        "comparator": comparator.as_dict(),
        "england": table["england"], "regions": table["regions"], "quartiles": table["quartiles"],
        "n_ranked": table["n_ranked"],
        "rows": rows,
        "highlight": {k: highlight[k] for k in ("la_code_old", "la_code_new", "la_name", "region_name")}
        if highlight else None,
        "highlight_line": line[0] if line else None,
        "distribution": _distribution(store, measure_id, highlight["la_code_old"] if highlight else None),
    }
