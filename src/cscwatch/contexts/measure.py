"""A measure across England: every LA ranked for a period, regions, England, the spread over time.

Read from the precomputed ``benchmark`` table (ranks, bands, neighbour averages, changes and flags
are computed once at build time by ``warehouse.benchmark``); a user's own peer group is averaged
here by the same pure rules (``peer_stats``, ``adverse_move_flag``).
"""
from __future__ import annotations

import difflib
from datetime import date
from typing import Any

from cscwatch.contexts.comparator import Comparator
from cscwatch.contexts.formatting import format_change, format_value, status_text
from cscwatch.contexts.freshness import freshness, release_for_measure
from cscwatch.contexts.measures import MEASURE_FIELDS, comparator_kind, direction, measure_lines, tidy
from cscwatch.contexts.snapshot import snapshot
from cscwatch.errors import NotFound, StoreNotBuilt
from cscwatch.identity import ENGLAND, directory
from cscwatch.store import Store
from cscwatch.warehouse.benchmark import adverse_move_flag, change, peer_stats, quantile7, years_earlier

ROW_FIELDS = ("la_code_old", "la_code_new", "la_name", "region_code", "region_name", "value", "status", "small",
              "rank", "band", "region_value", "england_value", "change_1y", "change_3y", "flag")
#: Colour classes of a measure's map: the quartile bands for ranked measures; for context measures,
#: quintiles of the ranked authorities' values (tiny authorities never stretch the scale).
MAP_CLASSES = 5


def get_measure(store: Store, measure_id: str) -> dict[str, Any]:
    """A measure's dictionary entry with its periods; NotFound naming the nearest ids."""
    every = snapshot(store).measures()
    if not every:
        raise StoreNotBuilt("the warehouse is empty; run `cscwatch build` first")
    if measure_id not in every:
        close = difflib.get_close_matches(measure_id, list(every), n=3, cutoff=0.6)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise NotFound(f"unknown measure {measure_id!r}{hint}; see `cscwatch measures` or /measures")
    return every[measure_id]


def _distribution(store: Store, measure_id: str, highlight: str | None) -> list[dict[str, Any]]:
    """The spread of LAs' values in each period (the same LAs that are ranked: no tiny authorities)."""
    snap = snapshot(store)
    if snap.bench is not None:                        # precomputed arrays: vectorised, same rules
        rows = snap.bench.spread(measure_id)
        mine = {r["period_end"]: r["value"] for r in snap.bench.for_la(highlight, [measure_id])} if highlight else {}
        return [{**r, "la": mine.get(r["period_end"])} for r in rows]
    by_period: dict[date, dict[str, Any]] = {}
    c = snapshot(store).bench_columns(measure_id, ("period_end", "period", "england_value", "value", "rank",
                                                   "n_ranked", "small", "la"))
    for end, period, england, value, rank, n_ranked, small, la in zip(*c.values()):
        p = by_period.get(end)
        if p is None:
            p = by_period[end] = {"period": period, "xs": [], "england": england, "la": None}
        if value is not None and (rank is not None or (n_ranked is None and not small)):
            p["xs"].append(value)
        if la == highlight:
            p["la"] = value
    out = []
    for end in sorted(by_period):
        p = by_period[end]
        xs = sorted(p["xs"])
        if not xs:
            continue
        out.append({"period": p["period"], "period_end": end, "n": len(xs), "min": xs[0],
                    "q1": tidy(quantile7(xs, .25)), "median": tidy(quantile7(xs, .5)), "q3": tidy(quantile7(xs, .75)),
                    "max": xs[-1], "england": p["england"], "la": p["la"]})
    return out


def map_scale(m: dict[str, Any], rows: list[dict[str, Any]], quartiles: list[float] | None) -> dict[str, Any]:
    """How the map colours this measure: by quartile band (A best) for ranked measures, else by
    quintiles of the ranked authorities' values; tiny authorities are drawn hatched, outside the scale."""
    if m["categorical"]:
        values = sorted({r["value"] for r in rows if r["value"] is not None})
        return {"kind": "category", "classes": values}
    if m["polarity"] in ("high", "low") and quartiles:
        return {"kind": "band", "breaks": quartiles, "polarity": m["polarity"]}
    xs = sorted(r["value"] for r in rows if r["value"] is not None and not r["small"])
    if not xs:
        return {"kind": "none"}
    breaks = [tidy(quantile7(xs, k / MAP_CLASSES)) for k in range(1, MAP_CLASSES)]
    return {"kind": "quantile", "breaks": breaks, "min": xs[0], "max": xs[-1]}


def measure_context(store: Store, measure_id: str, period: str | None = None, la: str | None = None,
                    comparator: Comparator = Comparator(), *, today: date | None = None) -> dict[str, Any]:
    """Everything a measure's page shows, for ``cscwatch measure``, ``/measure/{id}`` and its API twin."""
    snap = snapshot(store)
    entry = get_measure(store, measure_id)
    periods = dict(entry["periods"])
    if not periods:
        raise NotFound(f"measure {measure_id!r} has no observations")
    period = period or entry["latest_period"] or list(periods)[-1]
    if period not in periods:
        raise NotFound(f"measure {measure_id!r} has no period {period!r}; periods: {', '.join(periods)}")
    end = periods[period]
    m = {k: entry[k] for k in MEASURE_FIELDS}
    d = directory(store)
    bench = [b for b in snap.bench_for_measure(measure_id, end) if b["la"] in d.las]
    peers = list(comparator.peers)
    if peers:
        before = {b["la"]: b["value"] for b in snap.bench_for_measure(measure_id, years_earlier(end, 1))}
        now = {b["la"]: b["value"] for b in bench}
    rows = []
    for b in bench:
        info = d.las[b["la"]]
        if peers:
            others = [p for p in peers if p != b["la"]]
            stats = peer_stats(now, others)
            comp, comp_n = tidy(stats[comparator.average]), stats["n"]
            flag = adverse_move_flag(b["change_1y"], [change(now.get(p), before.get(p)) for p in others],
                                     m["polarity"])
        else:
            comp, comp_n = tidy(b[f"sn{comparator.neighbours}_{comparator.average}"]), b[f"sn{comparator.neighbours}_n"]
            flag = b[f"flag_{comparator.neighbours}"]
        rows.append({
            "la_code_old": b["la"], "la_code_new": info["la_code_new"], "la_name": info["la_name"],
            "region_code": info["region_code"], "region_name": info["region_name"],
            "value": b["value"], "status": b["status"], "small": b["small"], "rank": b["rank"], "band": b["band"],
            "region_value": b["region_value"], "england_value": b["england_value"],
            "change_1y": tidy(b["change_1y"]), "change_3y": tidy(b["change_3y"]), "flag": flag,
            "value_text": format_value(b["value"], m, b["status"]), "status_text": status_text(b["status"]),
            "comparator": None if m["categorical"] else comp, "comparator_n": comp_n or 0,
            "change_text": format_change(b["change_1y"], m), "trend": direction(b["change_1y"], m["polarity"]),
            **{f"sn{model}_{a}": None if m["categorical"] else tidy(b[f"sn{model}_{a}"])
               for model in ("2021", "2025") for a in ("mean", "median")},
        })
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["la_name"]))
    areas = snap.areas(measure_id).get(end, {})
    regions = [{"region_code": r["region_code"], "region_name": r["region_name"],
                "value": areas[r["region_code"]]["value"], "status": areas[r["region_code"]]["status"],
                "value_text": format_value(areas[r["region_code"]]["value"], m, areas[r["region_code"]]["status"])}
               for r in snap.rows_of("region") if r["region_code"] != ENGLAND and r["region_code"] in areas]
    quartiles = next(([b["q1"], b["q2"], b["q3"]] for b in bench if b["q1"] is not None), None)
    highlight = d.resolve(la) if la else None
    line = measure_lines(store, highlight["la_code_old"], [measure_id], comparator) if highlight else []
    england = areas.get(ENGLAND, {}).get("value")
    return {
        "measure": m,
        "period": period, "period_end": end, "periods": list(periods),
        "published": release_for_measure(store, measure_id, period),
        "freshness": freshness(store, today),
        "comparator": {**comparator.as_dict(), "kind": comparator_kind(comparator)},
        "england": england, "england_text": format_value(england, m, areas.get(ENGLAND, {}).get("status")),
        "regions": regions, "quartiles": quartiles,
        "n_ranked": sum(1 for r in rows if r["rank"] is not None),
        "n_small": sum(1 for r in rows if r["small"]),
        "rows": rows,
        "map": map_scale(m, rows, quartiles),
        "highlight": {k: highlight[k] for k in ("la_code_old", "la_code_new", "la_name", "region_name")}
        if highlight else None,
        "highlight_line": line[0] if line else None,
        "distribution": _distribution(store, measure_id, highlight["la_code_old"] if highlight else None),
    }
