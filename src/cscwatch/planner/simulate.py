"""Retrospective simulation: would a risk-based plan have found the LAs that turned out inadequate sooner?

Two policies replay 2018 to the register's last inspection, in lockstep, with the same solver and
the same capacity: ``rule_based`` (the rules' calendar: usual months, the most overdue first when
capacity binds) and ``risk_based`` (the same, plus the risk pull, using only the scores that could be
computed from data published before each decision date; before the risk model's first date, none,
so both plan the calendar). Every ``every`` months each policy plans the next ``lookahead`` months
and commits the first ``every``; the windows come from :func:`~cscwatch.planner.adapters.windows_from`
(the project's one rules table) over the policy's own simulated register: the real register
(:func:`cscwatch.risk.history.load_history`) up to the start, then the policy's own inspections,
lineage-filled at each decision.

* **Capacity** is what Ofsted actually used, month by month: on-site inspection weeks (standard 2,
  short 1; DOMAIN.md §1.3) of the graded inspections that started that month, so the Covid pause
  and each year's total hold for both policies. Visits are not simulated: the register has no
  focused or monitoring visits before March 2022.
* **Outcomes**: a simulated inspection of an LA at month *t* finds the outcome of the LA's next real
  inspection if *t* is within :data:`DETECTABLE_MONTHS` (12) months before it, else the outcome of the
  real inspection before *t* (the condition a real inspection found is taken to be there to find in
  the year before it, not earlier); after the last real inspection, its outcome. Outcomes are the
  rules' classes (:func:`cscwatch.risk.rules.outcome_class`: the overall grade to March 2026; from
  April 2026, with no overall grade, leaders or help and protection inadequate = inadequate).
* **Windows in the replay are soft**: real intervals ran far past the rules (the Covid pause), so a
  window may be overrun at a cost rather than make the replay infeasible.

The detection delay is defined in :data:`DEFINITION`.
"""
from __future__ import annotations

import statistics
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from cscwatch.output import dumps
from cscwatch.planner.adapters import risk_on, windows_from
from cscwatch.planner.capacity import Capacity, Limit
from cscwatch.planner.months import GRADED_EVENTS, add_months, month_index, month_start
from cscwatch.planner.plan import POLICIES, to_pathways
from cscwatch.planner.schedule import solve
from cscwatch.risk.history import RegisterHistory, lineage_fill, load_history
from cscwatch.risk.rules import CLASSES, FULL_FRAMEWORKS, Event, outcome_class
from cscwatch.risk.scores import DateOutsideData
from cscwatch.store import Store

#: On-site weeks per graded inspection (DOMAIN.md §1.3: 2 weeks standard, 1 week short).
SITE_WEEKS: dict[str, float] = {"standard": 2.0, "short": 1.0, "focused": 0.4, "monitoring": 0.4}
DEFAULT_START = date(2018, 1, 1)
#: How long before a real inspection the condition it found is taken to be there to find (DOMAIN.md §2:
#: failure builds over months; an assumption, set before the comparison was run, not fitted).
DETECTABLE_MONTHS = 12

DEFINITION = (
    "Cohort: every ILACS inspection (2018 onwards, within the simulated period) judged inadequate (its overall "
    "judgement; from April 2026, when reports have no overall grade, leaders or help and protection inadequate) "
    "whose previous graded inspection of the same LA was not inadequate: an LA that became "
    "inadequate. Its onset is the latest of: the publication of that previous (not inadequate) judgement, 12 "
    "months before the real inadequate inspection started (the failure is taken to be there to find for the year "
    "before Ofsted found it, not earlier), and the simulation's start. Detection delay of a cohort LA under a "
    "policy: whole calendar months from the onset's month to the month of the first graded inspection (standard "
    "or short) the policy gives the LA in or after the onset's month; that inspection is taken to find the "
    "inadequacy. An LA the policy has not inspected by the "
    "simulation's end is not found and counts with the months to the end (a lower bound) in the median and "
    "mean. The same cohort, anchors and rule apply to both policies."
)


@dataclass
class _Commit:
    la: str
    month: int            # absolute month index
    event_type: str
    grade: str
    usual: int
    earliest: int
    latest: int
    decided: date


def simulate(store: Store, *, start: date = DEFAULT_START, end: date | None = None, every: int = 3,
             lookahead: int = 12, risk: Callable[[date], dict[str, float]] | None = None,
             progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Replay both policies and compare them (the JSON of ``cscwatch plan simulate``; docs/planner.md)."""
    if every < 1 or lookahead < every:
        raise ValueError("every must be at least 1 month and lookahead at least every")
    history = load_history(store)
    real = _real_history(history)
    last_real = max(i["anchor_date"] for i in real if i["framework"] != "SIF")
    end = min(end or last_real, last_real)
    if end <= start:
        raise ValueError(f"nothing to simulate between {start} and {end}")
    first, last = month_index(start), month_index(end)
    weeks = _site_weeks(real, first, last)
    risk = risk or (lambda d: risk_on(store, d))
    outcomes = _outcomes_by_la(history)
    states = {name: _seed(history, start) for name in POLICIES}
    commits: dict[str, list[_Commit]] = {name: [] for name in POLICIES}
    decision = first
    while decision <= last:
        day = month_start(decision)
        scores = _scores(risk, day, progress)
        horizon = min(lookahead, last - decision + 1)
        labels = [month_start(decision + m).strftime("%Y-%m") for m in range(horizon)]
        cap = Capacity((Limit("weeks", 0.0, {lab: weeks.get(decision + m, 0.0) for m, lab in enumerate(labels)}),),
                       dict(SITE_WEEKS))
        for name, weights in POLICIES.items():
            register = replace(history, events=lineage_fill(states[name], history.lineage))
            windows = [w for w in windows_from(register, day) if w["event_type"] in GRADED_EVENTS]
            for w in windows:
                w["sequence"], w["min_months_after_previous"] = 1, 0
            pathways, _, rows = to_pathways(windows, decision, horizon, scores if name == "risk_based" else {})
            solution = solve(pathways, horizon, cap, labels, weights, hard=False, clamp_overdue=False)
            for p in solution.placements:
                if p.month is None or p.month >= every:
                    continue
                w = rows[(p.key, p.step)]
                month = decision + p.month
                grade = _true_grade(outcomes.get(p.key, []), month_start(month))
                commits[name].append(_Commit(p.key, month, p.event_type, grade, month_index(w["usual"]),
                                             month_index(w["earliest"]), month_index(w["latest"]), day))
                _record(states[name], p.key, p.event_type, month_start(month), grade)
        if progress:
            progress(f"simulated to {month_start(min(decision + every, last + 1) - 1):%b %Y}")
        decision += every
    return _compare(real, commits, weeks, start, end, every, lookahead)


def _scores(risk: Callable[[date], dict[str, float]], day: date, progress: Callable[[str], None] | None
            ) -> dict[str, float]:
    """The scores of ``day``; none (the risk-based policy plans the calendar) before the risk model has
    outcomes to learn from (:class:`~cscwatch.risk.scores.DateOutsideData`)."""
    try:
        return risk(day)
    except DateOutsideData:
        if progress:
            progress(f"{day:%b %Y}: no risk scores yet (before the risk model's data): both policies plan the calendar")
        return {}


# -- the real register ------------------------------------------------------------------------

def _real_history(history: RegisterHistory) -> list[dict[str, Any]]:
    """Every LA's own full inspections (SIF and ILACS), oldest first, with the rules' outcome class."""
    rows = [{"inspection_id": e.event_id, "la_code_old": la, "framework": e.framework,
             "inspection_type": e.inspection_type, "publication_date": e.published, "known_from": e.known_from,
             "anchor_date": e.day, "outcome": outcome_class(e.framework, dict(e.judgements))}
            for la, events in history.own_events().items() for e in events
            if e.kind == "inspection" and e.framework in FULL_FRAMEWORKS]
    return sorted(rows, key=lambda i: (i["la_code_old"], i["anchor_date"]))


def _outcomes_by_la(history: RegisterHistory) -> dict[str, list[tuple[date, str]]]:
    """Each LA's graded full inspections with their outcome, its predecessors' included (lineage)."""
    out: dict[str, list[tuple[date, str]]] = {}
    for la, events in history.events.items():
        graded = [(e.day, outcome_class(e.framework, dict(e.judgements))) for e in events if e.is_full_inspection]
        out[la] = sorted((d, o) for d, o in graded if o)
    return out


def _site_weeks(real: list[dict[str, Any]], first: int, last: int) -> dict[int, float]:
    out: dict[int, float] = defaultdict(float)
    for i in real:
        m = month_index(i["anchor_date"])
        if first <= m <= last and i["framework"] != "SIF" and i["inspection_type"] in GRADED_EVENTS:
            out[m] += SITE_WEEKS[i["inspection_type"]]
    return dict(out)


def _true_grade(outcomes: list[tuple[date, str]], day: date) -> str:
    """What a simulated inspection on ``day`` finds (module docstring, Outcomes)."""
    later = [o for o in outcomes if o[0] >= day]
    earlier = [o for o in outcomes if o[0] < day]
    if later and (not earlier or day >= add_months(later[0][0], -DETECTABLE_MONTHS)):
        return later[0][1]
    return earlier[-1][1] if earlier else "requires_improvement"


def _seed(history: RegisterHistory, start: date) -> dict[str, list[Event]]:
    """Each LA's own events as known at ``start`` (the policy's simulated register grows from them)."""
    return {la: [e for e in events if e.day < start] for la, events in history.own_events().items()}


def _record(state: dict[str, list[Event]], la: str, event_type: str, day: date, grade: str) -> None:
    """A simulated inspection: graded ``grade`` (an outcome class), its report out 50 days later."""
    state.setdefault(la, []).append(Event("inspection", day, day + timedelta(days=50), "ILACS", event_type,
                                          {"overall": CLASSES.index(grade) + 1}, f"{la}:SIM:{day}", la))


# -- comparison ---------------------------------------------------------------------------------

def _cohort(real: list[dict[str, Any]], start: date, end: date) -> list[dict[str, Any]]:
    by_la: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for i in real:
        if i["outcome"]:
            by_la[i["la_code_old"]].append(i)
    out = []
    for code, rows in by_la.items():
        for prev, cur in zip(rows, rows[1:]):
            if cur["framework"].startswith("ILACS") and cur["outcome"] == "inadequate" and \
                    prev["outcome"] != "inadequate" and start <= cur["anchor_date"] <= end:
                onset = max(prev["known_from"], add_months(cur["anchor_date"], -DETECTABLE_MONTHS), start)
                out.append({"la_code_old": code, "previous_inspection": prev["anchor_date"],
                            "previous_grade": prev["outcome"], "anchor": onset,
                            "actual_inadequate_inspection": cur["anchor_date"]})
    return sorted(out, key=lambda c: (c["actual_inadequate_inspection"], c["la_code_old"]))


def _compare(real, commits, weeks, start, end, every, lookahead) -> dict[str, Any]:
    cohort = _cohort(real, start, end)
    last = month_index(end)
    policies, detail = [], {}
    for name, done in commits.items():
        delays, found = [], 0
        rows = []
        for c in cohort:
            anchor = month_index(c["anchor"])
            first = min((x.month for x in done if x.la == c["la_code_old"] and x.month >= anchor), default=None)
            delay = (first if first is not None else last) - anchor
            found += first is not None
            delays.append(delay)
            rows.append({**c, "policy": name, "found": first is not None,
                         "inspected": month_start(first).strftime("%Y-%m") if first is not None else None,
                         "delay_months": delay})
        detail[name] = rows
        policies.append({"name": name, "events": len(done), "inadequate_found": found,
                         "median_detection_delay_months": statistics.median(delays) if delays else None,
                         "mean_detection_delay_months": round(statistics.fmean(delays), 2) if delays else None})
    actual = [month_index(c["actual_inadequate_inspection"]) - month_index(c["anchor"]) for c in cohort]
    return {
        "capacity": _capacity_summary(weeks, commits),
        "policies": policies,
        "definition": DEFINITION,
        "period": {"start": start, "end": end, "decision_every_months": every, "lookahead_months": lookahead},
        "cohort": _cohort_rows(cohort, detail),
        "reference_actual": {"median_detection_delay_months": statistics.median(actual) if actual else None,
                             "mean_detection_delay_months": round(statistics.fmean(actual), 2) if actual else None},
        "costs": _costs(commits),
    }


def _cohort_rows(cohort, detail) -> list[dict[str, Any]]:
    out = []
    for i, c in enumerate(cohort):
        rule, risk = detail["rule_based"][i], detail["risk_based"][i]
        out.append({**c, "rule_based_inspected": rule["inspected"], "risk_based_inspected": risk["inspected"],
                    "rule_based_delay_months": rule["delay_months"], "risk_based_delay_months": risk["delay_months"],
                    "months_earlier": rule["delay_months"] - risk["delay_months"]})
    return out


def _capacity_summary(weeks: dict[int, float], commits) -> dict[str, Any]:
    by_year: dict[str, dict[str, float]] = defaultdict(lambda: {"site_weeks": 0.0})
    for m, w in weeks.items():
        by_year[str(month_start(m).year)]["site_weeks"] += w
    for name, done in commits.items():
        for x in done:
            y = by_year[str(month_start(x.month).year)]
            y[f"{name}_site_weeks"] = y.get(f"{name}_site_weeks", 0.0) + SITE_WEEKS[x.event_type]
    return {"unit": "on-site inspection weeks per year (standard 2, short 1), as actually used; each month's "
                    "actual total is that month's ceiling for both policies",
            "by_year": {y: {k: round(v, 1) for k, v in sorted(v.items())} for y, v in sorted(by_year.items())}}


def _costs(commits) -> dict[str, Any]:
    first_seen = {name: {} for name in commits}
    out: dict[str, Any] = {}
    for name, done in commits.items():
        n = len(done) or 1
        for x in sorted(done, key=lambda x: x.month):
            first_seen[name].setdefault(x.la, x)
        out[name] = {
            "in_window_share": round(sum(x.earliest <= x.month <= x.latest for x in done) / n, 3),
            "at_window_edge_share": round(sum(x.month in (x.earliest, x.latest) for x in done) / n, 3),
            "overdue_share": round(sum(x.month > x.latest for x in done) / n, 3),
            "mean_months_overdue": round(statistics.fmean([max(0, x.month - x.latest) for x in done]), 2) if done else 0,
            "brought_forward": sum(x.month < x.usual for x in done),
            "brought_forward_found_good_or_better": sum(x.month < x.usual and x.grade in ("good", "outstanding")
                                                        for x in done),
            "found_inadequate": sum(x.grade == "inadequate" for x in done),
        }
    rule, risk = first_seen["rule_based"], first_seen["risk_based"]
    later = [risk[la].month - rule[la].month for la in rule if la in risk and risk[la].month > rule[la].month]
    earlier = [rule[la].month - risk[la].month for la in rule if la in risk and risk[la].month < rule[la].month]
    out["first_inspection_shift"] = {
        "las_later_under_risk_based": len(later), "mean_months_later": round(statistics.fmean(later), 2) if later else 0,
        "las_earlier_under_risk_based": len(earlier),
        "mean_months_earlier": round(statistics.fmean(earlier), 2) if earlier else 0,
        "las_not_inspected_under_risk_based": len(set(rule) - set(risk)),
        "las_not_inspected_under_rule_based": len(set(risk) - set(rule)),
    }
    return out


def save_simulation(store: Store, result: dict[str, Any]) -> str:
    """Keep a simulation's result in the store (the plan page reads the latest); returns its run id."""
    run_id = uuid.uuid4().hex[:12]
    with store.transaction() as con:
        con.execute("INSERT INTO plan_simulation VALUES (?, ?, ?, ?, ?, ?)",
                    [run_id, datetime.now().replace(microsecond=0), result["period"]["start"], result["period"]["end"],
                     result["definition"], dumps(result)])
        for p in result["policies"]:
            con.execute("INSERT INTO plan_simulation_policy VALUES (?, ?, ?, ?, ?, ?)",
                        [run_id, p["name"], p["events"], p["inadequate_found"], p["median_detection_delay_months"],
                         p["mean_detection_delay_months"]])
        for c in result["cohort"]:
            con.execute("INSERT INTO plan_simulation_detection VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [run_id, c["la_code_old"], c["previous_inspection"], c["anchor"],
                         c["actual_inadequate_inspection"], c["rule_based_inspected"], c["risk_based_inspected"],
                         c["rule_based_delay_months"], c["risk_based_delay_months"]])
    return run_id


def latest_simulation(store: Store) -> dict[str, Any] | None:
    """The newest saved simulation (as saved, JSON-decoded), or None."""
    import json

    if not store.has_table("plan_simulation"):
        return None
    row = store.rows("SELECT run_id, created_at, result FROM plan_simulation ORDER BY created_at DESC, run_id LIMIT 1")
    if not row:
        return None
    return {**json.loads(row[0]["result"]), "run_id": row[0]["run_id"], "created_at": row[0]["created_at"]}
