"""One LA's line for each measure: the figure, its rank and band, comparators, change and series.

The same row shape everywhere (CLI profile, LA page, ``/api/la``, compare, workbook). The period
shown is the measure's newest period nationally: where the LA's figure for it is suppressed the
row says so ('2025: suppressed (c)') rather than showing an older value as if it were current;
``is_latest`` is false only when the LA has no row for that period at all (a former authority).
Comparator figures are averages of the comparator LAs (``comparator_kind`` says which); region and
England figures are the published totals for the area. Categorical measures (a class number) get
no averages at all.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from cscwatch.contexts.comparator import Comparator
from cscwatch.contexts.formatting import format_change, format_value, status_text
from cscwatch.contexts.freshness import release_for_measure
from cscwatch.contexts.snapshot import snapshot
from cscwatch.store import Store
from cscwatch.warehouse.benchmark import MODELS, peer_stats

MEASURE_FIELDS = ("measure_id", "title", "unit", "topic", "polarity", "definition", "source_publication",
                  "period_type", "decimals", "categorical")


def direction(change: float | None, polarity: str | None) -> str | None:
    """'better' / 'worse' / 'same' for the polarity; 'up' / 'down' for context measures."""
    if change is None:
        return None
    if abs(change) < 1e-9:
        return "same"
    if polarity in ("high", "low"):
        return "better" if (change > 0) == (polarity == "high") else "worse"
    return "up" if change > 0 else "down"


def tidy(x: float | None) -> float | None:
    """Round away float noise (462.5400000000001) without losing published precision."""
    return None if x is None else round(x, 6)


def measure_meta(store: Store, measure_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    every = snapshot(store).measures()
    return {m: {k: every[m][k] for k in MEASURE_FIELDS} for m in measure_ids if m in every}


def latest_periods(store: Store, measure_ids: Sequence[str]) -> dict[str, tuple[str, date]]:
    """Each measure's newest period with a figure for some LA (England-only periods do not count)."""
    every = snapshot(store).measures()
    return {m: (every[m]["latest_period"], every[m]["latest_end"]) for m in measure_ids
            if m in every and every[m]["latest_period"] is not None}


def _comparator_value(row: dict[str, Any], comparator: Comparator, peers: Sequence[str],
                      peer_values: dict[tuple[str, date], dict[str, float]]) -> tuple[float | None, int]:
    if comparator.peers:
        stats = peer_stats(peer_values.get((row["measure_id"], row["period_end"]), {}), peers)
        return tidy(stats[comparator.average]), stats["n"]
    return tidy(row[f"sn{comparator.neighbours}_{comparator.average}"]), row[f"sn{comparator.neighbours}_n"] or 0


def comparator_kind(comparator: Comparator) -> str:
    """What the comparator figure is, in words ('mean of the 10 statistical neighbours' values')."""
    who = "your peer group's" if comparator.peers else f"the statistical neighbours' ({comparator.neighbours} model)"
    return f"{comparator.average} of {who} values"


def measure_lines(store: Store, la_code: str, measure_ids: Sequence[str], comparator: Comparator,
                  *, region_code: str | None = None) -> list[dict[str, Any]]:
    """The LA's line for each measure (in the order given; measures it has no figures for are left out)."""
    snap = snapshot(store)
    meta = measure_meta(store, measure_ids)
    latest = latest_periods(store, measure_ids)
    bench = snap.bench_for_la(la_code, measure_ids)
    peers = comparator.areas(store, la_code) if comparator.peers else []
    peer_values = snap.peer_values(peers, measure_ids)
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
            "comparator_label": comparator.label, "comparator_kind": comparator_kind(comparator),
            **{f"sn{model}_{avg}": (None if m["categorical"] else tidy(shown[f"sn{model}_{avg}"]))
               for model in MODELS for avg in ("mean", "median")},
            "region": shown["region_value"], "england": shown["england_value"],
            "change_1y": tidy(shown["change_1y"]), "change_3y": tidy(shown["change_3y"]),
            "change_text": format_change(shown["change_1y"], m),
            "trend": direction(shown["change_1y"], m["polarity"]), "flag": flag,
            "source": m["source_publication"],
            "published": (release_for_measure(store, mid, shown["period"]) or {}).get("published"),
            "series": series,
        })
    return lines
