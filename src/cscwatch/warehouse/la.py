"""Comparing a successor authority with its predecessors (DOMAIN.md §3.4; identity lives in ``cscwatch.identity``).

A series is never spliced across a split or merger. ``successor_history`` offers, for a successor,
its own series plus an optional *predecessor aggregate* for earlier years, population-weighted over
the predecessors and flagged ``estimated_from_predecessors``; a split (Northamptonshire -> North and
West) gives both successors the same county figure, flagged, because the county was not divided in
the data. Shared-service workforce rows ('940 / 941', '314 / 318') are reporting units of their own
(``la_type = 'shared_service'``, members in ``la_group``); their figures are never copied to members.
"""
from __future__ import annotations

from collections.abc import Iterable


def predecessors(lineage: Iterable[dict], la_code: str) -> list[dict]:
    """Lineage rows whose successor is ``la_code`` and inherits from the predecessor (not a 'part'
    transfer such as Christchurch moving from Dorset county into BCP)."""
    return [r for r in lineage if r["successor"] == la_code and r.get("kind") != "part"]


def successor_history(series: dict[str, dict[str, float | None]], population: dict[str, dict[str, float]],
                      lineage: Iterable[dict], la_code: str) -> list[dict]:
    """The documented comparison rule for a successor LA, as rows ``{period, value, basis}``.

    ``series`` and ``population`` map la_code -> period -> value. The successor's own periods come
    first-hand (``basis='own'``); for periods before it existed, the predecessors' values are
    combined, weighted by their 0-17 population in that period, and flagged
    ``basis='estimated_from_predecessors'``. Periods where any predecessor value or weight is
    missing are left out rather than guessed.
    """
    own = series.get(la_code, {})
    rows = [{"period": p, "value": v, "basis": "own"} for p, v in own.items()]
    preds = [r["predecessor"] for r in predecessors(lineage, la_code)]
    if not preds:
        return sorted(rows, key=lambda r: r["period"])
    periods = set().union(*(series.get(p, {}).keys() for p in preds)) - set(own)
    for period in periods:
        vals = [series.get(p, {}).get(period) for p in preds]
        weights = [population.get(p, {}).get(period) for p in preds]
        if any(v is None for v in vals) or any(w is None for w in weights) or not sum(weights):
            continue
        value = sum(v * w for v, w in zip(vals, weights)) / sum(weights)
        rows.append({"period": period, "value": value, "basis": "estimated_from_predecessors"})
    return sorted(rows, key=lambda r: r["period"])
