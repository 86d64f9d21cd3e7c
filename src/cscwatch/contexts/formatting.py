"""How each measure's figures are written: decimals and unit from the measure dictionary.

One place, so '13' never sits beside '12.1' and a count is never '536.0': counts and money are
whole numbers, percentages and rates one decimal, scores and proportions as many as they need.
"""
from __future__ import annotations

from typing import Any

#: unit (lower case) -> (decimals, prefix, suffix)
UNIT_STYLES: dict[str, tuple[int, str, str]] = {
    "%": (1, "", "%"),
    "rate per 10,000": (1, "", ""),
    "count": (0, "", ""),
    "gbp": (0, "£", ""),
    "gbp per child": (0, "£", ""),
    "fte": (1, "", ""),
    "cases": (1, "", ""),
    "working days": (1, "", ""),
    "score": (2, "", ""),
    "proportion": (3, "", ""),
    "proportion of children": (3, "", ""),
    "rank": (0, "", ""),
    "class 1-6": (0, "", ""),
}

#: Statuses in words (DOMAIN.md §3.3)
STATUS_TEXT: dict[str, str] = {
    "c": "suppressed (c)", "x": "not available (x)", "z": "not applicable (z)", "low": "rounds to zero (low)",
    "k": "rounds to zero (k)", "u": "low reliability (u)", ":": "not available (:)", "..": "not available (..)",
    "-": "not available (-)", "blank": "not published", "provisional": "provisional",
}

#: Measures whose values are categories (a class number): never averaged, ranked or charted as a scale.
CATEGORICAL_UNITS = {"class 1-6"}


def style(measure: dict[str, Any]) -> tuple[int, str, str]:
    unit = (measure.get("unit") or "").strip().lower()
    if unit in UNIT_STYLES:
        return UNIT_STYLES[unit]
    if unit.startswith("%") or unit.startswith("percent"):
        return UNIT_STYLES["%"]
    if "rate" in unit:
        return UNIT_STYLES["rate per 10,000"]
    if "number" in unit or "count" in unit:
        return UNIT_STYLES["count"]
    return (1, "", "")


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
