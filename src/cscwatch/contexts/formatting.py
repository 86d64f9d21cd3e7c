"""How each measure's figures are written: decimals and unit from the measure dictionary.

One place, so '13' never sits beside '12.1' and a count is never '536.0': counts and money are
whole numbers, percentages and rates one decimal, scores and proportions as many as they need.
"""
from __future__ import annotations

from typing import Any

from cscwatch.tables import UNIT_STYLES, unit_style  # noqa: F401  (re-exported)

#: Statuses in words (DOMAIN.md §3.3)
STATUS_TEXT: dict[str, str] = {
    "c": "suppressed (c)", "x": "not available (x)", "z": "not applicable (z)", "low": "rounds to zero (low)",
    "k": "rounds to zero (k)", "u": "low reliability (u)", ":": "not available (:)", "..": "not available (..)",
    "-": "not available (-)", "blank": "not published", "provisional": "provisional",
}

#: Measures whose values are categories (a class number): never averaged, ranked or charted as a scale.
CATEGORICAL_UNITS = {"class 1-6"}


def style(measure: dict[str, Any]) -> tuple[int, str, str]:
    """(decimals, prefix, suffix) of a measure, from its unit (:func:`cscwatch.tables.unit_style`)."""
    return unit_style(measure.get("unit"))


def decimals(measure: dict[str, Any]) -> int:
    return style(measure)[0]


def is_categorical(measure: dict[str, Any]) -> bool:
    return (measure.get("unit") or "").strip().lower() in CATEGORICAL_UNITS


def format_value(value: float | None, measure: dict[str, Any], status: str | None = None) -> str:
    """'17.9%', '1,234', '£2,345', or the status in words when there is no value."""
    if value is None:
        return STATUS_TEXT.get(status or "", "no figure") if status else "no figure"
    dp, prefix, suffix = style(measure)
    sign = "−" if value < 0 else ""
    return f"{sign}{prefix}{abs(value):,.{dp}f}{suffix}"


def format_change(value: float | None, measure: dict[str, Any]) -> str:
    """'+1.2', '−0.4', '±0': a change in the measure's own units (percentage points for %)."""
    if value is None:
        return ""
    dp, prefix, suffix = style(measure)
    rounded = round(value, dp)
    if rounded == 0:
        return "±0"
    unit = " pts" if suffix == "%" else ""
    return f"{'+' if rounded > 0 else '−'}{prefix}{abs(rounded):,.{dp}f}{unit}"


def status_text(status: str | None) -> str | None:
    return STATUS_TEXT.get(status, status) if status else None
