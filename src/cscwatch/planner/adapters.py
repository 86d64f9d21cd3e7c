"""THE SEAM between the planner and the risk package: nothing else in the planner reads Ofsted's
rules, the register's history or the risk model.

* :func:`windows_on` (and its pure twin :func:`windows_from`) gives every LA's next events and their
  windows on a date: the project's one rules table (``data/ofsted/inspection_rules.csv`` through
  :func:`cscwatch.risk.rules.next_windows`) applied to the lineage-filled register history
  (:func:`cscwatch.risk.history.load_history`).
* :func:`risk_on` gives every LA's probability of an inadequate judgement if inspected, from data
  published before the date; :func:`bands_on` the early warning's band for each LA that day.

**Ofsted's rules vs the planner's policy.** The windows (earliest / usual / latest, what they count
from, the Covid pause, once-per-cycle focused visits, new authorities, the April 2026 reading of
the grades) are the risk package's and only the risk package's. What is added here is how the
planner *sequences* them, a planner setting, not a rule of Ofsted's:

* :data:`MIN_MONTHS_AFTER`: the least whole months between a visit and the next graded inspection
  of the same pathway (6 after a focused visit, so the visit still informs the inspection; 2 after
  the last monitoring visit before a re-inspection). A focused visit that can no longer come that
  long before its inspection is dropped as missed, not planned.
* monitoring visits repeat at a whole-month cadence between the rule's earliest and latest months
  (rounded inwards), usually every ``floor(usual)`` months (4 for the ILACS rule's 4.5);
* :data:`NO_HISTORY_MONTHS`: an LA no rule applies to (no graded inspection on record, in its own
  or its predecessors' history, and not a new authority) is planned a standard inspection within
  6 months, so no LA is silently left out of a plan. Ofsted has no such rule (every LA has been
  inspected since 2013); it arises for incomplete registers, and the risk package rightly returns
  no window for it (its timing model must not learn from an invented one);
* **what is known on a date**: every event that *started* before it. The risk package counts an
  event once its report or letter is published (the model must not see it earlier); the planner is
  Ofsted's own view, and Ofsted knows which LAs it has just inspected before the report is out.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from cscwatch.grades import GRADES, JUDGEMENTS
from cscwatch.planner.months import add_months
from cscwatch.risk.history import RegisterHistory, load_history
from cscwatch.risk.rules import Event, Rule, RuleSet, last_full_inspection, load_rules, next_windows
from cscwatch.store import Store

#: The risk package's event names -> the planner's event types.
EVENT_OF: dict[str, str] = {"short": "short", "standard": "standard", "reinspection": "standard",
                            "focused_visit": "focused", "monitoring_visit": "monitoring"}
#: The rules' outcome classes (``Window.after``) -> the pathway an LA is on.
STANDING_OF: dict[str, str] = {"outstanding": "good_or_better", "good": "good_or_better",
                               "requires_improvement": "requires_improvement", "inadequate": "inadequate",
                               "new_authority": "new_authority", "first": "first"}
CERTAINTY_WORDS: dict[str, str] = {"C": "confirmed", "S": "secondary", "U": "uncertain"}
#: Planner policy (module docstring): least whole months between a visit and the next inspection.
MIN_MONTHS_AFTER: dict[str, int] = {"focused": 6, "monitoring": 2}
#: Planner policy (module docstring): an LA no rule applies to is inspected within this many months.
NO_HISTORY_MONTHS = 6
NO_RULE_ID = "planner:no-rule"
#: The risk model's target the planner ranks by: P(leaders or help and protection judged inadequate |
#: inspected). Conditional on an inspection, because the planner decides *when* to inspect: the
#: early warning's P(inadequate within 12 months) multiplies in the calendar's own timing, which
#: would pull forward the LAs that are due anyway.
RISK_TARGET = "any_inadequate"


def windows_on(store: Store, on_date: date) -> list[dict[str, Any]]:
    """Every LA's next events on ``on_date``, each with its window (plain dicts, sorted by LA and sequence).

    Reads the register through :func:`cscwatch.risk.history.load_history` (a successor inherits its
    predecessors' events) and applies the rules in force on ``on_date``; see :func:`windows_from`.
    """
    return windows_from(load_history(store), on_date)


def windows_from(history: RegisterHistory, on_date: date, *, rules: RuleSet | None = None) -> list[dict[str, Any]]:
    """:func:`windows_on` over a history already in memory (the simulation's own growing register).

    One dict per event of each LA in existence on ``on_date``, keys: ``la_code_old``, ``la_name``,
    ``sequence`` (1, 2: order within the LA's pathway), ``event_type`` (standard | short | focused |
    monitoring), ``earliest``, ``usual``, ``latest`` (dates), ``overdue`` (latest before ``on_date``),
    ``repeat_min_months`` / ``repeat_max_months`` / ``repeat_usual_months`` (monitoring visits repeat
    at this cadence until the next inspection; None otherwise), ``min_months_after_previous``,
    ``anchor`` (what the window counts from, in the rules' words) and ``anchor_date``, ``rule_id``,
    ``regime`` (the rule set), ``certainty`` (confirmed | secondary | uncertain), ``source``,
    ``shifted_days`` (moved later for the Covid pause), ``standing`` (good_or_better |
    requires_improvement | inadequate | new_authority | first, from the window's outcome class),
    ``last_inspection_date``, ``last_inspection_type``, ``last_framework``, ``last_grades``
    (judgement -> grade), ``last_event_type``, ``last_event_date``.
    """
    rules = rules or load_rules()
    by_id = {r.rule_id: r for r in rules.rules}
    created = history.created()
    names = dict(zip(history.las["la_code_old"], history.las["la_name"]))
    out: list[dict[str, Any]] = []
    for code in sorted(history.existing_on(on_date)):
        events = [e for e in history.events.get(code, []) if e.day < on_date]
        out.extend(_la_windows(code, names.get(code) or code, events, on_date, rules, by_id, created.get(code)))
    return out


def risk_on(store: Store, on_date: date) -> dict[str, float]:
    """Each LA's probability of an inadequate judgement if inspected (:data:`RISK_TARGET`), from data
    published before ``on_date``.

    Fits the risk package's production models as of the date (:func:`cscwatch.risk.scores.fit_early_warning`,
    cached per store and date) and reads the one probability, without the per-LA reasons
    :func:`~cscwatch.risk.scores.score` also builds (the same numbers, a quarter of the time).
    Raises :class:`~cscwatch.risk.scores.DateOutsideData` (a CscwatchError) for a date before the
    risk model has outcomes to learn from.
    """
    from cscwatch.risk.scores import DateOutsideData, fit_early_warning, probability_for

    try:
        fitted = fit_early_warning(store, on_date)
    except DateOutsideData as exc:
        raise DateOutsideData(f"no risk scores for {on_date}: {exc}; plan from then, or with --policy "
                              f"rule_based") from None
    p = probability_for(fitted, RISK_TARGET)
    return {code: round(float(x), 4) for code, x in zip(fitted.codes, p)}


def bands_on(store: Store, on_date: date) -> dict[str, str]:
    """Each LA's early-warning band on ``on_date``, as the risk package shows it: ``inadequate`` for
    an LA judged inadequate at its last inspection (under monitoring), else high / raised / medium /
    low by P(judged inadequate within 12 months) at the published cut points. (A different
    probability from :func:`risk_on`'s: the bands are the risk model's, not the planner's.)"""
    from cscwatch.risk.scores import INADEQUATE_BAND, band, fit_early_warning, la_status, published_cuts

    fitted = fit_early_warning(store, on_date)
    cuts = published_cuts(store)
    out = {}
    for code, p in zip(fitted.codes, fitted.p["p_inadequate_12m"]):
        inadequate = la_status(fitted.data, code, fitted.as_of)["judged_inadequate"]
        out[code] = INADEQUATE_BAND if inadequate else band(float(p), cuts)
    return out


# ---------------------------------------------------------------------------------------------

def _grade_words(judgements: dict[str, int]) -> dict[str, str]:
    order = {j: i for i, j in enumerate(JUDGEMENTS)}
    return {j: GRADES[r - 1].value for j, r in sorted(judgements.items(), key=lambda kv: order.get(kv[0], 99))
            if 1 <= r <= 4}


def _la_windows(code: str, name: str, events: Sequence[Event], on_date: date, rules: RuleSet,
                by_id: dict[str, Rule], created: date | None) -> list[dict[str, Any]]:
    """One LA's pathway rows: the rules' windows, visits before the inspection they lead to."""
    last = last_full_inspection(events)
    since = [e for e in events if e.kind in ("focused_visit", "monitoring_visit")
             and (last is None or e.day > last.day)]
    latest = max(([last] if last else []) + since, key=lambda e: e.day, default=None)
    common = {"la_code_old": code, "la_name": name,
              "last_inspection_date": last.day if last else None,
              "last_inspection_type": last.inspection_type if last else None,
              "last_framework": last.framework if last else None,
              "last_grades": _grade_words(dict(last.judgements)) if last else {},
              "last_event_type": None if latest is None else "inspection" if latest.kind == "inspection"
              else EVENT_OF[latest.kind],
              "last_event_date": latest.day if latest else None}
    windows = next_windows(events, on_date, rules=rules, created=created, all_known=True)
    if not windows:
        return [_no_rule(common, on_date, rules)]
    windows.sort(key=lambda w: (EVENT_OF[w.event] in ("standard", "short"), w.usual))
    rows: list[dict[str, Any]] = []
    for w in windows:
        event_type = EVENT_OF[w.event]
        rule = by_id[w.rule_id]
        repeat = rule.repeats and rule.earliest_months is not None and rule.latest_months is not None
        rows.append({**common, "sequence": 0, "event_type": event_type,
                     "earliest": w.earliest, "usual": w.usual, "latest": w.latest, "overdue": w.latest < on_date,
                     "repeat_min_months": math.ceil(rule.earliest_months) if repeat else None,
                     "repeat_max_months": math.floor(rule.latest_months) if repeat else None,
                     "repeat_usual_months": math.floor(rule.usual_months) if repeat else None,
                     "min_months_after_previous": MIN_MONTHS_AFTER.get(rows[-1]["event_type"], 0) if rows else 0,
                     "anchor": w.anchor, "anchor_date": w.anchor_date, "rule_id": w.rule_id, "regime": w.framework,
                     "certainty": CERTAINTY_WORDS.get(w.certainty, w.certainty), "source": w.source,
                     "shifted_days": w.shifted_days, "standing": STANDING_OF.get(w.after, w.after)})
    rows = _drop_missed_visits(rows, on_date)
    for i, r in enumerate(rows, start=1):
        r["sequence"] = i
    return rows


def _no_rule(common: dict[str, Any], on_date: date, rules: RuleSet) -> dict[str, Any]:
    """Planner policy for an LA no rule applies to (module docstring)."""
    return {**common, "sequence": 1, "event_type": "standard", "earliest": on_date, "usual": on_date,
            "latest": add_months(on_date, NO_HISTORY_MONTHS), "overdue": False, "repeat_min_months": None,
            "repeat_max_months": None, "repeat_usual_months": None, "min_months_after_previous": 0,
            "anchor": "plan_date", "anchor_date": on_date, "rule_id": NO_RULE_ID,
            "regime": rules.framework_on(on_date), "certainty": "uncertain",
            "source": "planner policy: no rule in data/ofsted/inspection_rules.csv applies (no graded inspection "
                      f"on record); a standard inspection within {NO_HISTORY_MONTHS} months",
            "shifted_days": 0, "standing": None}


def _drop_missed_visits(rows: list[dict[str, Any]], on_date: date) -> list[dict[str, Any]]:
    """A once-per-cycle visit that can no longer come the required gap before the next inspection
    (both overdue, or the inspection due too soon) is missed, not planned: the inspection comes next."""
    if len(rows) < 2 or rows[0]["repeat_min_months"] is not None or rows[0]["event_type"] != "focused":
        return rows
    visit, nxt = rows[0], rows[1]
    soonest_visit = max(visit["earliest"], on_date)
    if add_months(soonest_visit, nxt["min_months_after_previous"]) > max(nxt["latest"], on_date + timedelta(days=1)) \
            or nxt["overdue"]:
        return rows[1:]
    return rows
