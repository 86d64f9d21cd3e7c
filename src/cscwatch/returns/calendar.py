"""England's working days, from the maintained ``holidays`` package (no hand-kept list).

Durations in working days are differences of a running index: ``wd(day)`` counts the working days
from the calendar's first day up to and including ``day``, so ``wd(end) - wd(start)`` is the
number of working days after ``start`` up to ``end`` (Monday to the next Monday is 5). A day that
is not a working day (a weekend, Christmas Day) carries the index of the working day before it, so
an assessment authorised on a bank holiday counts as authorised on the previous working day.
Both engines join this table instead of doing date arithmetic, so they cannot disagree on it.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

FIRST_YEAR = 2000


@lru_cache(maxsize=8)
def bank_holidays(first_year: int, last_year: int) -> frozenset[date]:
    """England and Wales bank holidays (``holidays``' GB calendar, subdivision ENG)."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1)))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(day.year, day.year)


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (what the census clocks count)."""
    step = 1 if end >= start else -1
    n, d = 0, start
    while d != end:
        d += timedelta(days=step)
        if step == 1 and is_working_day(d):
            n += 1
        elif step == -1 and is_working_day(d + timedelta(days=1)):
            n -= 1
    return n


def add_working_days(start: date, n: int) -> date:
    """The day ``n`` working days after ``start`` (used by the synthetic generator)."""
    d = start
    while n > 0:
        d += timedelta(days=1)
        if is_working_day(d):
            n -= 1
    return d


def working_day_rows(first_year: int = FIRST_YEAR, last_year: int | None = None) -> list[tuple[date, int]]:
    """``(day, wd)`` for every day of the years given: the table both engines join."""
    last_year = last_year or date.today().year + 2
    hols = bank_holidays(first_year, last_year)
    rows, wd = [], 0
    d, end = date(first_year, 1, 1), date(last_year, 12, 31)
    while d <= end:
        if d.weekday() < 5 and d not in hols:
            wd += 1
        rows.append((d, wd))
        d += timedelta(days=1)
    return rows
