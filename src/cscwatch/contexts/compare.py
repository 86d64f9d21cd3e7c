"""Several LAs side by side on the same measures (up to 20), with England for reference."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from cscwatch.contexts.comparator import Comparator, MAX_PEERS
from cscwatch.contexts.freshness import freshness
from cscwatch.contexts.la import la_info
from cscwatch.contexts.measures import comparator_kind, measure_lines, measure_meta
from cscwatch.errors import CscwatchError, NotFound
from cscwatch.identity import directory
from cscwatch.store import Store
from cscwatch.warehouse.sources import KEY_MEASURES

CELL_FIELDS = ("period", "value", "value_text", "status", "status_text", "rank", "n_ranked", "band", "trend",
               "change_1y", "change_text", "comparator", "is_latest", "small")


def compare_context(store: Store, las: Sequence[str], measure_ids: Sequence[str] = (),
                    comparator: Comparator = Comparator(), *, chart: str | None = None,
                    today: date | None = None) -> dict[str, Any]:
    """The chosen LAs (names or codes, duplicates dropped) against each measure (default: the key measures).

    ``trend`` is one measure's series for every chosen LA and England (``chart``, default the first
    measure shown), for the page's chart; ``all_neighbours`` lists the first LA's statistical
    neighbours in the comparator's model (the page offers them in one click).
    """
    names = [x.strip() for x in las if x and x.strip()]
    if not names:
        raise CscwatchError("choose at least one local authority to compare")
    if len(names) > MAX_PEERS:
        raise CscwatchError(f"compare at most {MAX_PEERS} local authorities at once, not {len(names)}")
    d = directory(store)
    chosen = list({r["la_code_old"]: r for r in (d.resolve(n) for n in names)}.values())
    if len(chosen) > MAX_PEERS:
        raise CscwatchError(f"compare at most {MAX_PEERS} local authorities at once, not {len(chosen)}")
    ids = list(dict.fromkeys(m for m in measure_ids if m.strip())) or list(KEY_MEASURES)
    meta = measure_meta(store, ids)
    unknown = [m for m in ids if m not in meta]
    if unknown:
        raise NotFound(f"unknown measure {unknown[0]!r}; see `cscwatch measures` or /measures")
    lines = {la["la_code_old"]: {m["measure_id"]: m for m in measure_lines(store, la["la_code_old"], ids, comparator)}
             for la in chosen}
    rows = []
    for mid in ids:
        cells = [lines[la["la_code_old"]].get(mid) for la in chosen]
        if not any(cells):
            continue
        first = next(c for c in cells if c)
        rows.append({**{k: meta[mid][k] for k in ("measure_id", "title", "unit", "topic", "polarity", "decimals",
                                                   "categorical")},
                     "england": first["england"], "england_period": first["period"],
                     "las": [{k: c[k] for k in CELL_FIELDS} if c else None for c in cells]})
    chart_id = chart if chart in {r["measure_id"] for r in rows} else (rows[0]["measure_id"] if rows else None)
    if chart and chart_id != chart and chart not in meta:
        raise NotFound(f"unknown measure {chart!r} for the chart; choose one of the compared measures")
    trend = None
    if chart_id:
        series = {la["la_code_old"]: lines[la["la_code_old"]].get(chart_id) for la in chosen}
        england: dict[str, Any] = {}
        for line in series.values():
            for s in (line or {}).get("series", []):
                england.setdefault(s["period"], s["england"])
        trend = {**{k: meta[chart_id][k] for k in ("measure_id", "title", "unit", "decimals", "polarity")},
                 "las": [{"la_code_old": la["la_code_old"], "la_name": la["la_name"],
                          "series": [{"period": s["period"], "value": s["value"], "status": s["status"]}
                                     for s in (series[la["la_code_old"]] or {}).get("series", [])]}
                         for la in chosen],
                 "england": [{"period": p, "value": v} for p, v in sorted(england.items())]}
    first_la = chosen[0]["la_code_old"]
    neighbours = Comparator(comparator.neighbours).areas(store, first_la)
    return {"las": [la_info(la) for la in chosen], "measures": rows,
            "comparator": {**comparator.as_dict(), "kind": comparator_kind(comparator)},
            "trend": trend,
            "all_neighbours": [{"la_code_old": c, "la_name": (d.get(c) or {}).get("la_name", c)} for c in neighbours],
            "freshness": freshness(store, today)}
