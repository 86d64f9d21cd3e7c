"""Whole calendar months, the planner's unit of time, and its event vocabulary.

The plan is a grid of calendar months, so windows (dates, from :mod:`cscwatch.risk.rules`) become
month indices here. Event types are the planner's names for what Ofsted does; the seam
(:mod:`cscwatch.planner.adapters`) maps the risk package's event names onto them.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

EVENT_TYPES: tuple[str, ...] = ("standard", "short", "focused", "monitoring")
GRADED_EVENTS: tuple[str, ...] = ("standard", "short")
EVENT_LABELS: dict[str, str] = {"standard": "standard inspection", "short": "short inspection",
                                "focused": "focused visit", "monitoring": "monitoring visit"}


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb).

    Not :func:`cscwatch.risk.rules.add_months`, which adds average months (30.4375 days) to place a
    window; here a month is a column of the plan."""
    return (pd.Timestamp(day) + pd.DateOffset(months=months)).date()


def month_index(day: date) -> int:
    """Months since year 0: differences of these are whole-month gaps."""
    return day.year * 12 + day.month - 1


def month_start(index: int) -> date:
    year, month = divmod(index, 12)
    return date(year, month + 1, 1)
