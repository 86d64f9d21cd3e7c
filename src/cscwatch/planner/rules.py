"""The scheduling rules as data: after each outcome, which events come next and in which window.

``windows.csv`` (beside this module) holds one row per (regime, standing, event): the event type,
what its window is counted from (the last graded inspection, or the last monitoring event), the
earliest / usual / latest month, the repeat cadence of monitoring visits, the minimum gap after the
previous event of the pathway, and the source and certainty of each number (DOMAIN.md §1.5–1.6).
Code never branches on a regime or a grade: it picks rows. Regimes: ``SIF`` (to 2017),
``ILACS-2018``, ``ILACS-2023`` (care leavers split out; scheduling unchanged) and ``ILACS-2026``
(no overall grade; the next inspection is short when leaders and two of the three practice
judgements are good or better, an uncertain reading of Ofsted's change summary).

This table is the planner's own until the risk package's versioned rules (``cscwatch.risk.rules``)
land; only :mod:`cscwatch.planner.adapters` reads it.
"""
from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

STANDINGS: tuple[str, ...] = ("good_or_better", "requires_improvement", "inadequate")
EVENT_TYPES: tuple[str, ...] = ("standard", "short", "focused", "monitoring")
GRADED_EVENTS: tuple[str, ...] = ("standard", "short")
EVENT_LABELS: dict[str, str] = {"standard": "standard inspection", "short": "short inspection",
                                "focused": "focused visit", "monitoring": "monitoring visit"}
CERTAINTIES: tuple[str, ...] = ("confirmed", "secondary", "uncertain")
#: Practice judgements counted by the 2026 short-inspection rule (leaders plus two of these).
PRACTICE_JUDGEMENTS: tuple[str, ...] = ("help_and_protection", "children_in_care", "care_leavers")
_GOOD = {"outstanding", "good"}


@dataclass(frozen=True)
class Rule:
    """One row of ``windows.csv``."""

    rule_id: str
    regime: str
    valid_from: date
    valid_to: date | None
    standing: str
    sequence: int
    event_type: str
    anchor: str                      # 'inspection' | 'monitoring' (last inspection or monitoring visit since)
    earliest_months: int
    usual_months: int
    latest_months: int
    repeat_min_months: int | None
    repeat_max_months: int | None
    min_months_after_previous: int
    once_per_cycle: bool             # skipped when one has happened since the last inspection
    certainty: str
    source: str

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


def _int(cell: str) -> int | None:
    return int(cell) if cell.strip() else None


def parse_rules(rows: list[Mapping[str, str]]) -> tuple[Rule, ...]:
    """Rules from CSV rows, checked: a typo in the table fails loudly, naming the rule."""
    out = []
    for r in rows:
        rule = Rule(
            rule_id=r["rule_id"], regime=r["regime"], valid_from=date.fromisoformat(r["valid_from"]),
            valid_to=date.fromisoformat(r["valid_to"]) if r["valid_to"].strip() else None,
            standing=r["standing"], sequence=int(r["sequence"]), event_type=r["event_type"], anchor=r["anchor"],
            earliest_months=int(r["earliest_months"]), usual_months=int(r["usual_months"]),
            latest_months=int(r["latest_months"]), repeat_min_months=_int(r["repeat_min_months"]),
            repeat_max_months=_int(r["repeat_max_months"]),
            min_months_after_previous=_int(r["min_months_after_previous"]) or 0,
            once_per_cycle=r["once_per_cycle"].strip().lower() == "yes", certainty=r["certainty"], source=r["source"])
        problems = [
            rule.standing not in STANDINGS and f"standing {rule.standing!r}",
            rule.event_type not in EVENT_TYPES and f"event_type {rule.event_type!r}",
            rule.anchor not in ("inspection", "monitoring") and f"anchor {rule.anchor!r}",
            rule.certainty not in CERTAINTIES and f"certainty {rule.certainty!r}",
            not rule.earliest_months <= rule.usual_months <= rule.latest_months and "earliest <= usual <= latest",
            (rule.repeat_min_months is None) != (rule.repeat_max_months is None) and "repeat min and max together",
        ]
        bad = [p for p in problems if p]
        if bad:
            raise ValueError(f"windows.csv: rule {rule.rule_id}: bad {', '.join(bad)}")
        out.append(rule)
    return tuple(out)


@lru_cache(maxsize=1)
def load_rules() -> tuple[Rule, ...]:
    """The bundled rules table."""
    text = (resources.files("cscwatch.planner") / "windows.csv").read_text(encoding="utf-8")
    return parse_rules(list(csv.DictReader(text.splitlines())))


def rules_in_force(on: date, rules: tuple[Rule, ...] | None = None) -> tuple[Rule, ...]:
    """The rows of the regime in force on ``on`` (the earliest regime for earlier dates)."""
    rules = rules if rules is not None else load_rules()
    live = tuple(r for r in rules if r.in_force(on))
    if live:
        return live
    first = min(r.valid_from for r in rules)
    return tuple(r for r in rules if r.valid_from == first)


def standing(grades: Mapping[str, str | None], regime: str) -> str | None:
    """Which pathway an LA is on after an inspection with these grades, under ``regime``.

    Before April 2026 the overall grade decides (good or outstanding: short; RI: standard;
    inadequate: monitoring). From ILACS-2026 there is no overall grade: inadequate when leaders or
    help and protection is inadequate (DOMAIN.md §1.4), good-or-better when leaders and at least two
    of the practice judgements are good or better (§1.5, uncertain), RI otherwise. An inspection
    without the grades a rule needs falls back to the other reading. ``None``: no grades at all.
    """
    overall = grades.get("overall")
    leaders = grades.get("leadership")
    if regime != "ILACS-2026" and overall:
        return _by_overall(overall)
    if leaders:
        if leaders == "inadequate" or grades.get("help_and_protection") == "inadequate":
            return "inadequate"
        practice = [grades.get(j) for j in PRACTICE_JUDGEMENTS if grades.get(j)]
        if leaders in _GOOD and sum(g in _GOOD for g in practice) >= min(2, len(practice)):
            return "good_or_better"
        return "requires_improvement"
    return _by_overall(overall) if overall else None


def _by_overall(overall: str) -> str:
    return {"outstanding": "good_or_better", "good": "good_or_better",
            "requires_improvement": "requires_improvement", "inadequate": "inadequate"}[overall]


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    import calendar

    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def month_index(day: date) -> int:
    """Months since year 0: differences of these are whole-month gaps."""
    return day.year * 12 + day.month - 1


def month_start(index: int) -> date:
    year, month = divmod(index, 12)
    return date(year, month + 1, 1)
