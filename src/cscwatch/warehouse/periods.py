"""Period labels as the sources give them, normalised to ``period`` text plus a ``period_end`` date.

Rules (DOMAIN.md §3.1, INVENTORY.md conventions):

* ``year_end_march``: EES ``time_period`` 2025 = year ending 31 March 2025 -> ``2025``, 2025-03-31.
* ``snapshot_september``: workforce 2025 = 30 September 2025 snapshot -> ``2025``, 2025-09-30.
* ``mid_year``: ONS mid-year estimate 2024 -> ``2024``, 2024-06-30.
* ``financial_year``: ``202324`` / ``2023-24`` / ``2023-24 (OT)`` -> ``2023-24``, 2024-03-31.
* ``academic_year``: LAIT ``2024`` or ``2023/24`` -> ``2023/24``, 2024-08-31.
* ``calendar_year``: ``2024`` -> ``2024``, 2024-12-31; ``january``: ``2024`` -> ``2024``, 2024-01-31.
* ``multi_year``: ``2014-16`` -> ``2014-16``, 2016-12-31; ``2013/14-15/16`` -> 2016-08-31.

LAIT suffixes ``(Rev)``, ``(Final)``, ``(prov)``, ``(OT)`` describe the vintage of the same period:
they are dropped from ``period`` and returned as ``vintage`` so a loader can prefer final figures.
"""
from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

PERIOD_TYPES = ("year_end_march", "snapshot_september", "mid_year", "financial_year", "academic_year",
                "calendar_year", "january", "multi_year", "static")

#: LAIT dictionary ``Year_Type`` -> period type of a plain ``2024`` label
LAIT_YEAR_TYPES = {
    "Financial Year": "year_end_march",   # LAIT labels CIN/CLA 'year to 31 March 2024' as 2024
    "Annual": "year_end_march",
    "Annual (end of Sept)": "snapshot_september",
    "Academic Year": "academic_year",
    "Calendar Year": "calendar_year",
    "Annual - January": "january",
}

#: vintage suffix -> preference (lower wins when one period appears in several vintages)
VINTAGE_RANK = {"final": 0, "rev": 1, "ot": 2, "": 3, "prov": 4}


class Period(NamedTuple):
    period: str
    period_end: date
    vintage: str


def normalise_period(label: str, period_type: str) -> Period:
    """Normalise one period label; raises ``ValueError`` for a label that is no period."""
    text = label.strip()
    vintage = ""
    m = re.fullmatch(r"(.+?)\s*\((rev|final|prov|ot)\)", text, flags=re.IGNORECASE)
    if m:
        text, vintage = m.group(1).strip(), m.group(2).lower()
    if m := re.fullmatch(r"(\d{4})(\d{2})", text):          # EES financial / academic 202324
        return _two_year(int(m.group(1)), int(m.group(2)), period_type, vintage)
    if m := re.fullmatch(r"(\d{4})([-/])(\d{2})", text):    # 2023-24, 2023/24, 2014-16
        kind = period_type if period_type in ("financial_year", "academic_year") else (
            "academic_year" if m.group(2) == "/" else "financial_year")
        return _two_year(int(m.group(1)), int(m.group(3)), kind, vintage)
    if m := re.fullmatch(r"\d{4}/\d{2}-\d{2}/(\d{2})", text):  # 2013/14-15/16
        return Period(text, date(2000 + int(m.group(1)), 8, 31), vintage)
    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        if not 1990 <= year <= 2100:
            raise ValueError(f"{label!r} is not a year")
        return _single_year(year, period_type, vintage)
    raise ValueError(f"{label!r} is not a period label")


def _two_year(start: int, end2: int, period_type: str, vintage: str) -> Period:
    end = (start // 100) * 100 + end2
    if end < start:
        end += 100
    if end - start == 1:
        if period_type == "academic_year":
            return Period(f"{start}/{end % 100:02d}", date(end, 8, 31), vintage)
        return Period(f"{start}-{end % 100:02d}", date(end, 3, 31), vintage)
    # three-year rolling periods such as 2014-16
    return Period(f"{start}-{end % 100:02d}", date(end, 12, 31), vintage)


def _single_year(year: int, period_type: str, vintage: str) -> Period:
    if period_type == "snapshot_september":
        return Period(str(year), date(year, 9, 30), vintage)
    if period_type == "mid_year":
        return Period(str(year), date(year, 6, 30), vintage)
    if period_type == "academic_year":
        return Period(f"{year - 1}/{year % 100:02d}", date(year, 8, 31), vintage)
    if period_type == "calendar_year":
        return Period(str(year), date(year, 12, 31), vintage)
    if period_type == "january":
        return Period(str(year), date(year, 1, 31), vintage)
    if period_type == "financial_year":
        return Period(f"{year - 1}-{year % 100:02d}", date(year, 3, 31), vintage)
    if period_type == "static":
        return Period(str(year), date(year, 12, 31), vintage)
    return Period(str(year), date(year, 3, 31), vintage)   # year_end_march
