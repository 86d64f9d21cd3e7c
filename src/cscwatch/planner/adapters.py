"""THE SEAM between the planner and the risk package: two functions, and nothing else crosses it.

* :func:`windows_on` gives every LA's next events and their windows on a date. It stands in for
  the risk package's versioned inspection rules (``cscwatch.risk.rules`` with its data under
  ``data/ofsted/``, being built on the ``risk`` branch): today it reads the planner's own table
  (:mod:`cscwatch.planner.rules`, ``windows.csv``) and the register.
* :func:`risk_on` gives every LA's probability of an inadequate judgement on a date, from data
  published before it. It stands in for the risk package's published score panel: today it calls
  :func:`cscwatch.risk.scores.score` (which fits the model on the fly, ~4 s per date).

When the ``risk`` branch merges, repoint these two bodies; their signatures and the shape of what
they return are the contract the scheduler, the simulation and the page rely on.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from cscwatch.errors import NotFound
from cscwatch.identity import directory
from cscwatch.planner.rules import Rule, add_months, rules_in_force, standing
from cscwatch.store import Store

#: Frameworks whose inspections start a new cycle (earlier ones are history only).
CYCLE_FRAMEWORKS: tuple[str, ...] = ("SIF", "ILACS", "ILACS-2023", "ILACS-2026")
#: SIF rows carry only a publication date: fieldwork started a median 77 days earlier (measured on the
#: SIF reports with both dates, see ``cscwatch.risk.features``; the median, not the 90th percentile
#: the model uses for leakage, because here it places a window, not a cutoff).
SIF_START_LAG_DAYS = 77
#: A new LA with no inspection in its own or its predecessors' history: inspect within this many months.
NO_HISTORY_MONTHS = 6


def windows_on(store: Store, on_date: date) -> list[dict[str, Any]]:
    """Every LA's next events on ``on_date``, each with its window (plain dicts, sorted by LA and sequence).

    SEAM: repoint to ``cscwatch.risk.rules`` when the ``risk`` branch lands (see the module docstring).

    Reads the register (``inspection``, ``judgement``, ``visit``) as known on ``on_date``: inspections
    that started before it (a SIF row's start is its publication minus 77 days) and visits before it,
    through the LA's lineage (a successor inherits its predecessors' history). Keys of each dict:
    ``la_code_old``, ``la_name``, ``sequence`` (1, 2: order within the LA's pathway), ``event_type``
    (standard | short | focused | monitoring), ``earliest``, ``usual``, ``latest`` (dates),
    ``overdue`` (latest before ``on_date``), ``repeat_min_months`` / ``repeat_max_months`` (monitoring
    visits repeat at this cadence until the next inspection), ``min_months_after_previous``,
    ``anchor`` and ``anchor_date`` (what the window counts from), ``rule_id``, ``regime``,
    ``certainty``, ``source``, ``standing``, ``last_inspection_date``, ``last_inspection_type``,
    ``last_framework``, ``last_grades`` (judgement -> grade), ``last_event_type``, ``last_event_date``.
    """
    d = directory(store)
    codes = sorted(c for c, r in d.las.items() if r.get("la_type") != "shared_service" and d.exists(c, on_date))
    inspections, visits = _history(store, on_date)
    rules = rules_in_force(on_date)
    out: list[dict[str, Any]] = []
    for code in codes:
        lineage = d.history_codes(code)
        past = sorted((i for c in lineage for i in inspections.get(c, [])), key=lambda i: i["anchor_date"])
        seen = sorted((v for c in lineage for v in visits.get(c, [])), key=lambda v: v["visit_date"])
        out.extend(_la_windows(code, d.las[code]["la_name"], past, seen, rules, on_date))
    return out


def risk_on(store: Store, on_date: date) -> dict[str, float]:
    """Each current LA's probability of an inadequate judgement, from data published before ``on_date``.

    SEAM: repoint to the risk package's published panel (P(inadequate within 12 months) per LA and
    date) when the ``risk`` branch lands. Today: :func:`cscwatch.risk.scores.score` as of ``on_date``.
    """
    from cscwatch.risk.scores import score

    try:
        rows = score(store, as_of=on_date)
    except ValueError as exc:               # too early: no outcomes of both kinds to learn from
        raise NotFound(f"no risk scores for {on_date}: {exc}") from None
    return {r["la_code_old"]: float(r["probability"]) for r in rows}


# ---------------------------------------------------------------------------------------------

def _history(store: Store, on_date: date) -> tuple[dict[str, list[dict]], dict[str, list[dict]]]:
    """Cycle inspections (with grades) and visits known on ``on_date``, by LA code."""
    frameworks = ", ".join(f"'{f}'" for f in CYCLE_FRAMEWORKS)
    rows = store.rows(
        f"""SELECT i.inspection_id, i.la_code_old, i.framework, i.inspection_type,
                   coalesce(i.start_date, i.publication_date - INTERVAL {SIF_START_LAG_DAYS} DAY)::DATE AS anchor_date
            FROM inspection i WHERE i.framework IN ({frameworks})
              AND coalesce(i.start_date, i.publication_date - INTERVAL {SIF_START_LAG_DAYS} DAY) < ?""",
        [on_date])
    grades: dict[str, dict[str, str]] = defaultdict(dict)
    for g in store.rows("SELECT inspection_id, judgement, grade FROM judgement"):
        grades[g["inspection_id"]][g["judgement"]] = g["grade"]
    inspections: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        inspections[r["la_code_old"]].append({**r, "grades": grades.get(r["inspection_id"], {})})
    visits: dict[str, list[dict]] = defaultdict(list)
    if store.has_table("visit"):
        for v in store.rows("SELECT la_code_old, visit_type, visit_date FROM visit WHERE visit_date < ?", [on_date]):
            visits[v["la_code_old"]].append(v)
    return inspections, visits


def _la_windows(code: str, name: str, past: list[dict], seen: list[dict], rules: tuple[Rule, ...],
                on_date: date) -> list[dict[str, Any]]:
    """One LA's pathway rows: pick the rules for its standing and date them from its history."""
    if not past:
        due = add_months(on_date, NO_HISTORY_MONTHS)
        return [{"la_code_old": code, "la_name": name, "sequence": 1, "event_type": "standard",
                 "earliest": on_date, "usual": on_date, "latest": due, "overdue": False,
                 "repeat_min_months": None, "repeat_max_months": None, "min_months_after_previous": 0,
                 "anchor": "none", "anchor_date": None, "rule_id": "no-inspection-on-record", "regime": rules[0].regime,
                 "certainty": "uncertain", "source": "no cycle inspection in the LA's or its predecessors' history",
                 "standing": None, "last_inspection_date": None, "last_inspection_type": None, "last_framework": None,
                 "last_grades": {}, "last_event_type": None, "last_event_date": None}]
    last = past[-1]
    regime = rules[0].regime
    stand = standing(last["grades"], regime) or "requires_improvement"
    since = [v for v in seen if v["visit_date"] > last["anchor_date"]]
    monitoring = [v["visit_date"] for v in since if v["visit_type"] == "monitoring"]
    focused_done = any(v["visit_type"] == "focused" for v in since)
    last_event = max([("inspection", last["anchor_date"])] + [(v["visit_type"], v["visit_date"]) for v in since],
                     key=lambda e: e[1])
    common = {"la_code_old": code, "la_name": name, "regime": regime, "standing": stand,
              "last_inspection_date": last["anchor_date"], "last_inspection_type": last["inspection_type"],
              "last_framework": last["framework"], "last_grades": dict(last["grades"]),
              "last_event_type": last_event[0], "last_event_date": last_event[1]}
    chosen = sorted((r for r in rules if r.standing == stand), key=lambda r: r.sequence)
    rows: list[dict[str, Any]] = []
    for rule in chosen:
        if rule.once_per_cycle and focused_done and rule.event_type == "focused":
            continue
        anchor = max([last["anchor_date"], *monitoring]) if rule.anchor == "monitoring" else last["anchor_date"]
        latest = add_months(anchor, rule.latest_months)
        rows.append({**common, "sequence": 0, "event_type": rule.event_type,
                     "earliest": add_months(anchor, rule.earliest_months), "usual": add_months(anchor, rule.usual_months),
                     "latest": latest, "overdue": latest < on_date,
                     "repeat_min_months": rule.repeat_min_months, "repeat_max_months": rule.repeat_max_months,
                     "min_months_after_previous": rule.min_months_after_previous if rows else 0,
                     "anchor": "last monitoring visit" if anchor != last["anchor_date"] else "last inspection",
                     "anchor_date": anchor, "rule_id": rule.rule_id, "certainty": rule.certainty, "source": rule.source})
    rows = _drop_missed_visits(rows, on_date)
    for i, r in enumerate(rows, start=1):
        r["sequence"] = i
    return rows


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
