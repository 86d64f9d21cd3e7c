"""A month-by-month inspection plan: the rules' windows, the capacity and the risk, solved together.

:func:`plan` reads every LA's next events from :func:`~cscwatch.planner.adapters.windows_on`, the
risk from :func:`~cscwatch.planner.adapters.risk_on` (risk-based policy only), turns the windows into
month indices and hands them to the solver (:mod:`cscwatch.planner.schedule`). When the capacity
cannot keep every window, nothing is dropped silently: the result is marked infeasible, names the
LAs that cannot be fitted (from the solver's soft-window run, lowest cost first: the lowest-risk
LAs give way) and gives the smallest capacity that fits them all.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cscwatch.errors import CscwatchError
from cscwatch.planner.adapters import bands_on, risk_on, windows_on
from cscwatch.planner.capacity import LIMIT_GROUPS, Capacity, parse_capacity
from cscwatch.planner.months import EVENT_LABELS, EVENT_TYPES, month_index, month_start
from cscwatch.planner.schedule import (
    DEFAULT_OVERDUE_WITHIN, RISK_BASED, RULE_BASED, Pathway, Placement, Solution, Step, Weights, smallest_capacity,
    solve,
)
from cscwatch.store import Store

POLICIES: dict[str, Weights] = {"rule_based": RULE_BASED, "risk_based": RISK_BASED}
MAX_MONTHS = 120
#: A plan starting this long after the register's newest event is warned about (events since are unknown).
STALE_DAYS = 62


class PlanInputError(CscwatchError):
    """A plan asked for with arguments it cannot use (months out of range, unknown policy)."""


@dataclass
class PlanResult:
    """A plan and everything needed to read it; :meth:`to_dict` is the JSON shape (docs/planner.md)."""

    start: date
    months: int
    policy: str
    capacity: Capacity
    feasible: bool
    status: str
    events: list[dict[str, Any]]
    after_horizon: list[dict[str, Any]]
    month_summary: list[dict[str, Any]]
    unfitted: list[dict[str, Any]] = field(default_factory=list)
    capacity_needed: Capacity | None = None
    warnings: list[str] = field(default_factory=list)
    register_until: date | None = None
    solve_seconds: float = 0.0
    n_las: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start, "months": self.months, "first_month": _label(month_index(self.start)),
            "last_month": _label(month_index(self.start) + self.months - 1), "policy": self.policy,
            "feasible": self.feasible, "status": self.status, "n_las": self.n_las,
            "capacity": self.capacity.to_dict(),
            "capacity_needed": self.capacity_needed.to_dict() if self.capacity_needed else None,
            "unfitted": self.unfitted, "events": self.events, "after_horizon": self.after_horizon,
            "months_summary": self.month_summary, "warnings": self.warnings,
            "register_until": self.register_until, "solve_seconds": round(self.solve_seconds, 3),
            "weights": vars(POLICIES[self.policy]).copy(),
        }


def _label(index: int) -> str:
    return month_start(index).strftime("%Y-%m")


def plan(store: Store, start: date, months: int, capacity: Capacity | str, *, policy: str = "risk_based",
         overdue_within: int = DEFAULT_OVERDUE_WITHIN, risk: dict[str, float] | None = None) -> PlanResult:
    """Plan ``months`` months from the month of ``start`` under ``capacity`` (a :class:`Capacity` or the
    ``--capacity`` text). ``policy``: ``risk_based`` (default) or ``rule_based``. ``risk`` overrides
    the scores (LA code -> probability); by default they come from :func:`risk_on` as of ``start``, with
    each LA's early-warning band (:func:`bands_on`; none when ``risk`` is given)."""
    if policy not in POLICIES:
        raise PlanInputError(f"unknown policy {policy!r}: use risk_based or rule_based")
    if not 1 <= months <= MAX_MONTHS:
        raise PlanInputError(f"--months {months}: plan between 1 and {MAX_MONTHS} months")
    if not 1 <= overdue_within <= months:
        raise PlanInputError(f"overdue_within {overdue_within}: between 1 and the plan's {months} months")
    cap = parse_capacity(capacity) if isinstance(capacity, str) else capacity
    windows = windows_on(store, start)
    bands: dict[str, str] = {}
    if policy == "risk_based" and risk is None:
        risk = risk_on(store, start)
        bands = bands_on(store, start)
    risk = risk or {}
    first = month_index(start)
    labels = [_label(first + m) for m in range(months)]
    pathways, later, rows_by_key = to_pathways(windows, first, months, risk, bands)
    weights = POLICIES[policy]
    solution = solve(pathways, months, cap, labels, weights, hard=True, overdue_within=overdue_within)
    feasible = solution.status != "infeasible"
    needed = None
    unfitted: list[dict[str, Any]] = []
    if not feasible:
        solution = solve(pathways, months, cap, labels, weights, hard=False, clamp_overdue=True,
                         overdue_within=overdue_within)
        needed = smallest_capacity(pathways, months, cap, labels, overdue_within=overdue_within)
        unfitted = [_event_row(p, rows_by_key, first, months, risk, bands, overdue_within)
                    for p in solution.unfitted]
    events = [_event_row(p, rows_by_key, first, months, risk, bands, overdue_within)
              for p in solution.placements if p.month is not None and p.in_window]
    events.sort(key=lambda r: (r["month"], -(r["risk"] or 0), r["la_code_old"], r["sequence"], r["instance"]))
    after = [_event_row(p, rows_by_key, first, months, risk, bands, overdue_within)
             for p in solution.placements if p.month is None and p.in_window]
    after += later
    after.sort(key=lambda r: (r["usual"], r["la_code_old"], r["sequence"]))
    register_until = _register_until(store)
    return PlanResult(start, months, policy, cap, feasible, solution.status, events, after,
                      _month_summary(events, labels, cap), unfitted, needed,
                      _warnings(start, cap, register_until, _visits_until(store), windows, risk, policy),
                      register_until,
                      solution.seconds, len({w["la_code_old"] for w in windows}))


def to_pathways(windows: list[dict[str, Any]], first: int, months: int, risk: dict[str, float],
                bands: dict[str, str] | None = None
                ) -> tuple[list[Pathway], list[dict[str, Any]], dict[tuple[str, int], dict[str, Any]]]:
    """Solver pathways (month indices from ``first``), the rows wholly after the horizon, and the
    windows by (LA, step index) for reporting."""
    by_la: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for w in windows:
        by_la[w["la_code_old"]].append(w)
    pathways, later, rows_by_key = [], [], {}
    for code in sorted(by_la):
        rows = sorted(by_la[code], key=lambda w: w["sequence"])
        steps = []
        for w in rows:
            step = _step(w, first)
            if step.earliest >= months:           # this and every later step fall after the horizon
                later += [_later_row(r, first, risk, bands or {}) for r in rows[len(steps):]]
                break
            rows_by_key[(code, len(steps))] = w
            steps.append(step)
        if steps:
            pathways.append(Pathway(code, tuple(steps), risk.get(code)))
    return pathways, later, rows_by_key


def _step(w: dict[str, Any], first: int) -> Step:
    return Step(w["event_type"], month_index(w["earliest"]) - first, month_index(w["usual"]) - first,
                month_index(w["latest"]) - first, int(w.get("min_months_after_previous") or 0),
                w.get("repeat_min_months"), w.get("repeat_max_months"), w.get("repeat_usual_months"))


def _base_row(w: dict[str, Any], risk: dict[str, float], bands: dict[str, str]) -> dict[str, Any]:
    grades = w.get("last_grades") or {}
    p = risk.get(w["la_code_old"])
    return {
        "la_code_old": w["la_code_old"], "la_name": w["la_name"], "event_type": w["event_type"],
        "event": EVENT_LABELS[w["event_type"]], "sequence": w["sequence"],
        "earliest": w["earliest"].strftime("%Y-%m"), "usual": w["usual"].strftime("%Y-%m"),
        "latest": w["latest"].strftime("%Y-%m"), "risk": p, "risk_band": bands.get(w["la_code_old"]),
        "rule_id": w["rule_id"], "certainty": w["certainty"], "standing": w["standing"],
        "last_inspection_date": w["last_inspection_date"], "last_grade": grades.get("overall"),
        "window_overdue": bool(w["overdue"]),
    }


def _later_row(w: dict[str, Any], first: int, risk: dict[str, float], bands: dict[str, str]) -> dict[str, Any]:
    return {**_base_row(w, risk, bands), "instance": 0, "month": None, "status": "after_horizon",
            "months_from_usual": None, "reason": f"window opens {w['earliest']:%b %Y}, after the plan ends"}


def _event_row(p: Placement, rows_by_key: dict, first: int, months: int, risk: dict[str, float],
               bands: dict[str, str], overdue_within: int) -> dict[str, Any]:
    w = rows_by_key[(p.key, p.step)]
    row = {**_base_row(w, risk, bands), "instance": p.instance}
    month = None if p.month is None else _label(first + p.month)
    usual = month_index(w["usual"]) - first
    if p.instance:                     # a later monitoring visit: its window follows the one before
        row.update(earliest=None, usual=None, latest=None, window_overdue=False)
    row["month"] = month
    row["months_from_usual"] = None if p.month is None or p.instance else p.month - usual
    row["status"], row["reason"] = _status(p, w, row, usual, months, overdue_within)
    return row


def _status(p: Placement, w: dict[str, Any], row: dict[str, Any], usual: int, months: int,
            overdue_within: int) -> tuple[str, str]:
    if not p.in_window:
        if p.month is None:
            return "unfitted", f"cannot be fitted inside its window ({w['earliest']:%b %Y}–{w['latest']:%b %Y}) " \
                               f"with this capacity"
        return "unfitted", f"fits only {p.months_late} month(s) after its window closes ({w['latest']:%b %Y})"
    if p.month is None:
        return "after_horizon", f"usual month {w['usual']:%b %Y}; its window runs past the plan's end"
    if p.instance:
        return "monitoring", f"monitoring visit: every {w['repeat_min_months']}–{w['repeat_max_months']} months " \
                             f"until the re-inspection"
    if w["overdue"]:
        return "overdue", f"overdue: its window closed in {w['latest']:%b %Y}; due within the first " \
                          f"{overdue_within} month(s)"
    shift = row["months_from_usual"]
    p_risk = row["risk"]
    if usual < 0 and shift > 0 and p.month <= max(overdue_within - 1, 0):
        return "due", f"its usual month ({w['usual']:%b %Y}) has passed; its window is still open"
    if shift < 0:
        if p_risk is not None and p_risk * RISK_BASED.risk > RISK_BASED.deviation:
            band = f"; early-warning band {row['risk_band']}" if row["risk_band"] else ""
            return "brought_forward", f"brought forward {-shift} month(s) by risk: {p_risk:.0%} chance of an " \
                                      f"inadequate judgement if inspected{band}"
        return "brought_forward", f"{-shift} month(s) early to free capacity in later months"
    if shift > 0:
        return "later_than_usual", f"{shift} month(s) after its usual month: held back by capacity (taken by " \
                                   f"overdue or higher-risk LAs) or by the gap after its previous event"
    return "due", "in its usual month"


def _month_summary(events: list[dict[str, Any]], labels: list[str], cap: Capacity) -> list[dict[str, Any]]:
    counts = {m: {t: 0 for t in EVENT_TYPES} for m in labels}
    for e in events:
        counts[e["month"]][e["event_type"]] += 1
    out = []
    for m in labels:
        limits = {}
        for lim in cap.limits:
            used = sum(counts[m][t] * cap.weight(lim, t) for t in LIMIT_GROUPS[lim.name]) / lim.scale
            limits[lim.name] = {"used": used, "capacity": lim.on(m)}
        out.append({"month": m, **counts[m], "events": sum(counts[m].values()), "limits": limits})
    return out


def _register_until(store: Store) -> date | None:
    dates = [store.scalar("SELECT max(coalesce(start_date, publication_date)) FROM inspection")]
    if store.has_table("visit"):
        dates.append(store.scalar("SELECT max(visit_date) FROM visit"))
    dates = [d for d in dates if d is not None]
    return max(dates) if dates else None


def _visits_until(store: Store) -> date | None:
    return store.scalar("SELECT max(visit_date) FROM visit") if store.has_table("visit") else None


def _warnings(start: date, cap: Capacity, register_until: date | None, visits_until: date | None,
              windows: list[dict[str, Any]], risk: dict[str, float], policy: str) -> list[str]:
    out = []
    if register_until and (start - register_until).days > STALE_DAYS:
        out.append(f"the register's newest event is {register_until}: inspections and visits since then are "
                   f"unknown here, so some LAs shown as due or overdue may have been seen already")
    elif visits_until and (start - visits_until).days > STALE_DAYS:
        out.append(f"the visit record's newest visit is {visits_until} (inspections run to {register_until}): "
                   f"focused and monitoring visits since then are unknown here, so some focused visits planned "
                   f"may have happened and some monitoring visits shown as overdue may have been made")
    free = cap.unlimited_types()
    if free:
        out.append(f"no limit given for {', '.join(EVENT_LABELS[t] + 's' for t in free)}: not limited")
    if policy == "risk_based":
        missing = sorted({w["la_code_old"] for w in windows} - set(risk))
        if missing:
            out.append(f"no risk score for {len(missing)} LA(s) ({', '.join(missing[:5])}"
                       f"{'…' if len(missing) > 5 else ''}): planned at their usual months")
    return out
