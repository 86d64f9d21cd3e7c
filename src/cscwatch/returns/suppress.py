"""Small-number suppression, as DfE applies it to what it publishes (DOMAIN.md §5).

*Primary*: a count of 1-4 (under ``threshold``), a percentage whose numerator, denominator or
complement (denominator - numerator) is 1-4, and a rate made from a suppressed count.
*Secondary*: a figure that, with others shown, would give a suppressed one back by adding or
subtracting: the starts and ceases that close the looked-after stock's year (stock last year +
started - ceased ~ stock now), and a published count beside a percentage whose complement is
suppressed. Applied to one LA and year at a time, repeated until nothing changes.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

THRESHOLD = 5

#: Groups where one suppressed member can be worked out from the others: suppress them all.
DIFFERENCE_GROUPS: tuple[frozenset[str], ...] = (
    frozenset({"cla_started_count", "cla_ceased_count"}),
)

#: Percentage -> (its numerator's count measure, its denominator's count measure), where shown.
PCT_PARTS: dict[str, tuple[str | None, str | None]] = {
    "cin_rereferral_pct": ("cin_rereferral_count", "referral_count"),
}


def _small(n: Any, threshold: int) -> bool:
    return n is not None and 0 < n < threshold


def primary(row: dict[str, Any], threshold: int = THRESHOLD) -> bool:
    num, den = row.get("numerator"), row.get("denominator")
    if row["unit"] == "count":
        return _small(num, threshold)
    if row["unit"] == "%":
        return _small(num, threshold) or _small(den, threshold) or (
            num is not None and den is not None and _small(den - num, threshold))
    return False


def suppress(rows: Iterable[dict[str, Any]], threshold: int = THRESHOLD) -> list[dict[str, Any]]:
    """``rows`` of one LA and year (``measure_id``, ``unit``, ``numerator``, ``denominator``, and
    ``base`` for rates) with ``suppressed`` and ``suppression`` ('primary' / 'secondary') set."""
    out = [dict(r, suppressed=False, suppression=None) for r in rows]
    by_id = {r["measure_id"]: r for r in out}
    for r in out:
        if primary(r, threshold):
            r["suppressed"], r["suppression"] = True, "primary"

    def hide(mid: str | None) -> bool:
        r = by_id.get(mid) if mid else None
        if r is None or r["suppressed"]:
            return False
        r["suppressed"], r["suppression"] = True, "secondary"
        return True

    changed = True
    while changed:
        changed = False
        for r in out:
            if r.get("base") and by_id.get(r["base"], {}).get("suppressed"):
                changed |= hide(r["measure_id"])
        for group in DIFFERENCE_GROUPS:
            if any(by_id.get(m, {}).get("suppressed") for m in group):
                for m in group:
                    changed |= hide(m)
        for pct, (num_id, den_id) in PCT_PARTS.items():
            p = by_id.get(pct)
            if p and p["suppressed"] and by_id.get(den_id) and not by_id[den_id]["suppressed"]:
                changed |= hide(num_id)          # count + total would give the hidden complement back
            if num_id and by_id.get(num_id, {}).get("suppressed"):
                changed |= hide(pct)
    return out
