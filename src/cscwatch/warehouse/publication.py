"""When each figure first became public: ``release.published`` for every source x period.

Where the data gives a date we use it; otherwise a conservative rule per release (never earlier
than the real publication, so a back-test that only uses figures published before a date never
peeks). The rules, all relative to ``period_end``:

==================  =============================================================  ==============
release             rule                                                           e.g. 2024
==================  =============================================================  ==============
``cin``, ``cla``    30 November of the year the reporting year ends (DfE publishes   2024-11-30
                    in late October / November)
``workforce``       31 March after the 30 September snapshot (published Feb/Mar)   2025-03-31
``population``      31 December of the year after mid-year (ONS: June-December)    2025-12-31
``s251``            31 March one year after the financial year ends (outturn        2025-03-31
                    published the following winter)                                (for 2023-24)
``mhclg_outturn``   31 December after the financial year ends                      2024-12-31
``imd``             the publication date of the indices (IoD 2019: 2019-09-26)      -
``academic``        31 March after the academic year ends (school performance)      2025-03-31
``other``           one year after period_end                                      -
==================  =============================================================  ==============

LAIT republishes other releases' figures: its rows get the rule of the *original* release, chosen
from the measure's LAIT topic (``lait_release_kind``).
"""
from __future__ import annotations

from datetime import date

RULES: dict[str, str] = {
    "cin": "30 November of the year the reporting year ends",
    "cla": "30 November of the year the reporting year ends",
    "workforce": "31 March after the 30 September snapshot",
    "population": "31 December of the year after the mid-year",
    "s251": "31 March a year after the financial year ends",
    "mhclg_outturn": "31 December after the financial year ends",
    "academic": "31 March after the academic year ends",
    "other": "one year after the period ends",
}

#: dates stated by the publisher
FIXED: dict[str, date] = {
    "imd2019": date(2019, 9, 26),
    "imd2025": date(2025, 10, 30),
    "ruc2011": date(2014, 12, 31),
    "sn2021": date(2021, 4, 30),
    "sn2025": date(2025, 5, 31),
}


def published(kind: str, period_end: date) -> date:
    """First day a figure for ``period_end`` from a ``kind`` release was public (conservative)."""
    if kind in FIXED:
        return FIXED[kind]
    y = period_end.year
    if kind in ("cin", "cla"):
        return date(y, 11, 30)
    if kind == "workforce":
        return date(y + 1, 3, 31)
    if kind == "population":
        return date(y + 1, 12, 31)
    if kind == "s251":
        return date(y + 1, 3, 31)
    if kind == "mhclg_outturn":
        return date(y, 12, 31)
    if kind == "academic":
        return date(y + 1, 3, 31)
    if kind == "other":
        return _add_year(period_end)
    raise ValueError(f"no publication rule for release kind {kind!r}")


def rule_text(kind: str) -> str:
    return "published " + FIXED[kind].isoformat() if kind in FIXED else RULES[kind]


def lait_release_kind(topic: str | None, period_type: str) -> str:
    """The original release behind a LAIT measure, from its LAIT topic and period type."""
    t = (topic or "").lower()
    if "workforce" in t:
        return "workforce"
    if "finance" in t:
        return "s251"
    if period_type == "academic_year":
        return "academic"
    if any(w in t for w in ("need", "protection", "looked after", "adoption")):
        return "cla" if ("looked" in t or "adoption" in t) else "cin"
    return "other"


def _add_year(d: date) -> date:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:
        return d.replace(year=d.year + 1, day=28)
