"""One LA's line for each measure: the figure, its rank and band, comparators, change and series.

The same row shape everywhere (CLI profile, LA page, ``/api/la``, compare, workbook). The period
shown is the measure's newest period nationally: where the LA's figure for it is suppressed the
row says so ('2025: suppressed (c)') rather than showing an older value as if it were current;
``is_latest`` is false only when the LA has no row for that period at all (a former authority).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from cscwatch.contexts.comparator import Comparator
from cscwatch.contexts.formatting import decimals, format_change, format_value, is_categorical, status_text
from cscwatch.store import Store
from cscwatch.warehouse.benchmark import MODELS, benchmark_rows, peer_stats

MEASURE_FIELDS = ("measure_id", "title", "unit", "topic", "polarity", "definition", "source_publication",
                  "period_type")


def direction(change: float | None, polarity: str | None) -> str | None:
    """'better' / 'worse' / 'same' for the polarity; 'up' / 'down' for context measures."""
    if change is None:
        return None
    if abs(change) < 1e-9:
        return "same"
    if polarity in ("high", "low"):
        return "better" if (change > 0) == (polarity == "high") else "worse"
    return "up" if change > 0 else "down"


def measure_meta(store: Store, measure_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    rows = store.rows(f"SELECT {', '.join(MEASURE_FIELDS)} FROM measure WHERE measure_id IN "
                      "(SELECT unnest(?::TEXT[]))", [list(measure_ids)])
    return {r["measure_id"]: {**r, "decimals": decimals(r), "categorical": is_categorical(r)} for r in rows}


def latest_periods(store: Store, measure_ids: Sequence[str]) -> dict[str, tuple[str, date]]:
    """Each measure's newest period with a figure for some LA (England-only periods do not count)."""
    return {r["measure_id"]: (r["period"], r["period_end"]) for r in store.rows(
        "SELECT measure_id, arg_max(period, period_end) AS period, max(period_end) AS period_end FROM observation"
        " WHERE measure_id IN (SELECT unnest(?::TEXT[])) AND value IS NOT NULL"
        " AND la IN (SELECT la_code_old FROM la) GROUP BY measure_id", [list(measure_ids)])}


def _bench(store: Store, la_code: str, measure_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if store.has_table("benchmark") and store.scalar("SELECT count(*) > 0 FROM benchmark"):
        for r in store.rows("SELECT * FROM benchmark WHERE la = ? AND measure_id IN (SELECT unnest(?::TEXT[]))"
                            " ORDER BY measure_id, period_end", [la_code, list(measure_ids)]):
            out[r["measure_id"]].append(r)
        return out
    for mid in measure_ids:                      # a store without precomputed benchmarks (tests)
        out[mid] = benchmark_rows(store, mid, la=la_code)
    return out


def _peer_values(store: Store, peers: Sequence[str], measure_ids: Sequence[str]) -> dict[tuple[str, date], dict[str, float]]:
    out: dict[tuple[str, date], dict[str, float]] = defaultdict(dict)
    if not peers:
        return out
    for r in store.rows("SELECT la, measure_id, period_end, value FROM observation WHERE la IN (SELECT unnest(?::TEXT[]))"
                        " AND measure_id IN (SELECT unnest(?::TEXT[])) AND value IS NOT NULL",
                        [list(peers), list(measure_ids)]):
        out[(r["measure_id"], r["period_end"])][r["la"]] = r["value"]
    return out


def _comparator_value(row: dict[str, Any], comparator: Comparator, peers: Sequence[str],
                      peer_values: dict[tuple[str, date], dict[str, float]]) -> tuple[float | None, int]:
    if comparator.peers:
        stats = peer_stats(peer_values.get((row["measure_id"], row["period_end"]), {}), peers)
        return stats[comparator.average], stats["n"]
    return row[f"sn{comparator.neighbours}_{comparator.average}"], row[f"sn{comparator.neighbours}_n"] or 0


def measure_lines(store: Store, la_code: str, measure_ids: Sequence[str], comparator: Comparator,
                  *, region_code: str | None = None) -> list[dict[str, Any]]:
    """The LA's line for each measure (in the order given; measures it has no figures for are left out)."""
    meta = measure_meta(store, measure_ids)
    latest = latest_periods(store, measure_ids)
    bench = _bench(store, la_code, measure_ids)
    peers = comparator.areas(store, la_code) if comparator.peers else []
    peer_values = _peer_values(store, peers, measure_ids)
    lines = []
    for mid in measure_ids:
        rows, m = bench.get(mid) or [], meta.get(mid)
        if not rows or m is None:
            continue
        newest = latest.get(mid)
        current = next((r for r in rows if newest and r["period_end"] == newest[1]), None)
        shown = current or rows[-1]
        series = []
        for r in rows:
            value, n = _comparator_value(r, comparator, peers, peer_values)
            series.append({"period": r["period"], "period_end": r["period_end"], "value": r["value"],
                           "status": r["status"], "comparator": None if m["categorical"] else value,
                           "comparator_n": n, "region": r["region_value"], "england": r["england_value"]})
        comp, comp_n = _comparator_value(shown, comparator, peers, peer_values)
        flag = shown[f"flag_{comparator.neighbours}"] if not comparator.peers else None
        lines.append({
            **{k: m[k] for k in ("measure_id", "title", "unit", "topic", "polarity", "decimals", "categorical")},
            "period": shown["period"], "period_end": shown["period_end"],
            "latest_period": newest[0] if newest else shown["period"], "is_latest": current is not None,
            "value": shown["value"], "value_text": format_value(shown["value"], m, shown["status"]),
            "status": shown["status"], "status_text": status_text(shown["status"]), "small": shown["small"],
            "rank": shown["rank"], "n_ranked": shown["n_ranked"], "band": shown["band"],
            "quartiles": [shown["q1"], shown["q2"], shown["q3"]] if shown["q1"] is not None else None,
            "comparator": None if m["categorical"] else comp, "comparator_n": comp_n,
            "comparator_label": comparator.label,
            **{f"sn{model}_{avg}": (None if m["categorical"] else shown[f"sn{model}_{avg}"])
               for model in MODELS for avg in ("mean", "median")},
            "region": shown["region_value"], "england": shown["england_value"],
            "change_1y": shown["change_1y"], "change_3y": shown["change_3y"],
            "change_text": format_change(shown["change_1y"], m),
            "trend": direction(shown["change_1y"], m["polarity"]), "flag": flag,
            "series": series,
        })
    return lines
