"""The scheduler: an assignment of every LA's next events to months, solved with OR-Tools CP-SAT.

Why CP-SAT (not PuLP + CBC, not a greedy): each event is a choice among a few months (Booleans
``x[event, month]``), capacity is a sum per month, and the rules add *conditional* constraints: a
focused visit comes at least 6 months before the inspection if both fall inside the horizon;
monitoring visits repeat every 3–6 months, as many as the re-inspection date needs. CP-SAT states
those directly with enforcement literals (MIP needs big-M rows), proves optimality of problems this
size in well under a second, and with one worker and a fixed seed is deterministic: the same inputs
give the same plan, every time. It runs in-process (no solver binary, no temporary files).

The model, per LA pathway (its steps in order, each with a window of month indices relative to the
plan's first month; month ``N`` means "after the horizon"):

* a step is placed in exactly one month of its window, or after the horizon when its window reaches
  past it; a step follows the previous one by its minimum gap, and if the previous step falls after
  the horizon so does it;
* monitoring visits run at the rule's usual cadence (every 4 months) from a first visit the solver
  picks inside the rule's window; they hold capacity to the horizon's end (if the re-inspection finds
  the LA still inadequate they go on), those after the re-inspection are reported as provisional and
  one less than the gap before it is dropped; the re-inspection may not stretch the cadence;
* per month and limit, the events counted by the limit (weighted by inspector-weeks for ``weeks``)
  stay within capacity.

Costs (whole numbers, :class:`Weights`): ``deviation`` per month away from the usual month;
``risk × p`` per month later than usual (negative when earlier), so an LA whose probability of an
inadequate judgement ``p`` exceeds ``deviation / risk`` (0.20: the risk model's "raised" band) is
pulled towards the start of its window while the rest stay at their usual month, and when capacity
binds the lowest-risk LAs move; the rule-based policy sets ``risk`` to 0. For LAs whose whole
pathways have identical windows, a higher-risk LA is never later than a lower-risk one: the solved
plan is re-sorted within each such set (:func:`order_by_risk`), which keeps every constraint and
never raises the cost, so it holds even when the solver stops before proving optimality.

Hard mode (planning): windows are constraints; an event whose window closed before the plan starts
is *overdue* and must be placed in the first ``overdue_within`` months. Soft mode (diagnosis and the
simulation): events may run past their latest month at a cost (``overdue`` per month plus
``overdue_sq`` per month squared, so the most overdue go first) and an event that must fall inside
the horizon may be left out at the ``unfit`` cost.
"""
from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from cscwatch.planner.capacity import Capacity

DEFAULT_OVERDUE_WITHIN = 3
#: The solver's budget in deterministic time units (about a second each on an idle core): a plan not
#: proven optimal by then is the best found, the same on every run. Count capacities prove optimality
#: well within it; inspector-week capacities (knapsack-like) usually stop 2-4% above the proven bound.
DEFAULT_SOLVER_LIMIT = 1.0


@dataclass(frozen=True)
class Step:
    """One step of a pathway: an event type and its window in month indices (may start before 0)."""

    event_type: str
    earliest: int
    usual: int
    latest: int
    min_after_previous: int = 0
    repeat_min: int | None = None        # monitoring visits: months between visits
    repeat_max: int | None = None
    repeat_usual: int | None = None
    overdue: bool = False

    @property
    def repeats(self) -> bool:
        return self.repeat_min is not None


@dataclass(frozen=True)
class Pathway:
    """One LA's next events, in order, and its risk (None: no score; the policy's default is used)."""

    key: str
    steps: tuple[Step, ...]
    risk: float | None = None


@dataclass(frozen=True)
class Weights:
    """The objective's prices (see the module docstring). ``risk=0`` is the rule-based policy."""

    deviation: int = 200
    risk: int = 1000
    overdue: int = 200
    overdue_sq: int = 10
    unfit: int = 100_000
    monitoring_each: int = 20
    default_risk: float = 0.0

    def risk_coef(self, risk: float | None) -> int:
        return int(round(self.risk * (self.default_risk if risk is None else risk)))


RULE_BASED = Weights(risk=0)
RISK_BASED = Weights()


@dataclass
class Placement:
    """Where the solver put one event: ``month`` index, or None when after the horizon."""

    key: str
    step: int
    instance: int
    event_type: str
    month: int | None
    in_window: bool
    months_late: int = 0
    provisional: bool = False        # a monitoring visit held after the re-inspection (if still inadequate)
    gap_before_next: int = 0


def _monitoring_around_reinspection(placements: list[Placement]) -> list[Placement]:
    """Visits held after the re-inspection become provisional; one falling less than the gap before it
    is dropped (the previous visit is then within the cadence of the re-inspection)."""
    reinspection = {(p.key, p.step): p.month for p in placements if p.event_type != "monitoring"}
    out = []
    for p in placements:
        if p.event_type == "monitoring" and p.month is not None and (p.key, p.step + 1) in reinspection:
            t = reinspection[(p.key, p.step + 1)]
            if t is not None and p.month >= t:
                p.provisional = True
            elif t is not None and p.month > t - p.gap_before_next:
                continue
        out.append(p)
    return out


def order_by_risk(placements: list[Placement], pathways: Sequence[Pathway], weights: Weights,
                  horizon: int) -> list[Placement]:
    """Within each set of LAs whose pathways have identical windows, give the earliest months to the
    highest risk (ties: by code). Sorting each step's months across the set keeps every gap between
    steps, every month's capacity and every window (the windows are the same), and lowers the cost
    (rearrangement inequality), so it never breaks a plan; it guarantees the ordering even when the
    solver stops before proving optimality."""
    classes: dict[tuple, list[Pathway]] = defaultdict(list)
    for pw in pathways:
        if pw.steps and not any(st.repeats for st in pw.steps):
            classes[pw.steps].append(pw)
    by_key: dict[tuple[str, int], Placement] = {(p.key, p.step): p for p in placements if p.instance == 0}
    for steps, members in classes.items():
        if len(members) < 2:
            continue
        members.sort(key=lambda pw: (-weights.risk_coef(pw.risk), pw.key))
        for j, step in enumerate(steps):
            spots = [by_key.get((pw.key, j)) for pw in members]
            if any(sp is None for sp in spots):
                continue
            months = sorted((horizon if sp.month is None else sp.month) for sp in spots)
            for sp, month in zip(spots, months):
                sp.month = None if month >= horizon else month
                sp.months_late = max(0, month - step.latest)
                sp.in_window = (sp.month is not None and month <= step.latest) or \
                    (sp.month is None and step.latest >= horizon)
    return placements


@dataclass
class Solution:
    status: str                           # optimal | feasible (stopped at the limit) | infeasible | unknown
    objective: int | None
    placements: list[Placement] = field(default_factory=list)
    seconds: float = 0.0
    bound: float | None = None            # the solver's proven lower bound on the cost

    @property
    def unfitted(self) -> list[Placement]:
        return [p for p in self.placements if not p.in_window]


def clamp(step: Step, within: int) -> Step:
    """An overdue step (window closed before month 0) becomes due in the first ``within`` months."""
    if step.latest >= 0:
        return step
    return replace(step, earliest=0, usual=0, latest=within - 1, overdue=True)


class _Model:
    """Builds one CP-SAT model; kept in a class only to share the bookkeeping between helpers."""

    def __init__(self, pathways: Sequence[Pathway], horizon: int, capacity: Capacity | None,
                 month_labels: Sequence[str], weights: Weights, *, hard: bool, objective: bool):
        from ortools.sat.python import cp_model

        self.cp = cp_model
        self.m = cp_model.CpModel()
        self.N = horizon
        self.w = weights
        self.hard = hard
        self.use_objective = objective
        self.terms: list[Any] = []
        self.usage: dict[str, dict[int, list]] = defaultdict(lambda: defaultdict(list))   # type -> month -> x
        self.events: list[tuple[Pathway, int, int, Step, dict[int, Any], Any]] = []        # (pw, step, inst, step, x, t)
        self.slacks: list[tuple[str, int, int, str, Any]] = []   # key, step, instance, type, months
        self.times: dict[str, list[Any]] = {}
        for pw in pathways:
            self._pathway(pw)
        if capacity is not None:
            self._capacity(capacity, month_labels)
        if objective:
            self.m.minimize(sum(self.terms))

    # -- costs -----------------------------------------------------------------------------
    def _cost(self, step: Step, month: int, coef: int) -> int:
        """Cost of placing ``step`` in ``month`` (``N``: after the horizon)."""
        w = self.w
        at = max(month, step.usual) if month == self.N else month
        cost = w.deviation * abs(at - step.usual) + coef * (at - step.usual)
        late = at - step.latest
        if late > 0:
            cost += w.overdue * late + w.overdue_sq * late * late
        if month == self.N and step.latest < self.N:
            cost += w.unfit
        return cost

    # -- one pathway -----------------------------------------------------------------------
    def _pathway(self, pw: Pathway) -> None:
        coef = self.w.risk_coef(pw.risk)
        prev_t = prev_in = None
        prev_chain: dict[str, Any] | None = None     # monitoring phases waiting for the inspection that ends them
        prev_step: Step | None = None
        times = []
        for j, step in enumerate(pw.steps):
            if step.repeats:
                chain = self._repeating(pw, j, step, prev_t, prev_in)
                prev_chain, prev_step = chain, step
                prev_t = prev_in = None
                times.append(None)
                continue
            x, t, after = self._single(pw, j, step, coef)
            if prev_chain is not None:
                self._after_chain(prev_chain, prev_step, step, t, pw, j)
                prev_chain = None
            elif prev_t is not None:
                inside = prev_in
                if after is not None:
                    self.m.add(t >= prev_t + step.min_after_previous).only_enforce_if([inside, after.Not()])
                    if self.hard:                    # after the horizon, but still no later than its window
                        self.m.add(prev_t + step.min_after_previous <= step.latest).only_enforce_if([inside, after])
                    self.m.add_implication(inside.Not(), after)
                else:
                    self.m.add(t >= prev_t + step.min_after_previous).only_enforce_if(inside)
                    self.m.add(inside == 1)
            prev_t = t
            prev_in = after.Not() if after is not None else self.m.new_constant(1)
            times.append(t)
        if prev_chain is not None:                   # monitoring to the end of the horizon
            self._after_chain(prev_chain, prev_step, None, None, pw, len(pw.steps))
        self.times[pw.key] = times

    def _domain(self, step: Step) -> tuple[list[int], bool]:
        lo = max(step.earliest, 0)
        hi = min(step.latest, self.N - 1) if self.hard else self.N - 1
        months = list(range(lo, hi + 1))
        after = (not self.hard) or step.latest >= self.N
        return months, after

    def _single(self, pw: Pathway, j: int, step: Step, coef: int):
        months, allow_after = self._domain(step)
        if not months and not allow_after:
            raise ValueError(f"{pw.key}: step {j + 1} ({step.event_type}) has no month to go in")
        x = {mo: self.m.new_bool_var(f"x_{pw.key}_{j}_{mo}") for mo in months}
        after = self.m.new_bool_var(f"after_{pw.key}_{j}") if allow_after else None
        if after is not None:
            x[self.N] = after
        self.m.add_exactly_one(x.values())
        t = self.m.new_int_var(0, self.N, f"t_{pw.key}_{j}")
        self.m.add(t == sum(mo * v for mo, v in x.items()))
        for mo, v in x.items():
            if mo < self.N:
                self.usage[step.event_type][mo].append(v)
            if self.use_objective:
                c = self._cost(step, mo, coef)
                if c:
                    self.terms.append(c * v)
        self.events.append((pw, j, 0, step, x, t))
        return x, t, after

    def _repeating(self, pw: Pathway, j: int, step: Step, prev_t, prev_in):
        """Monitoring visits at the rule's usual cadence from a first visit the solver picks inside the
        rule's window (a *phase*, one Boolean each); a visit happens only if the re-inspection comes at
        least ``min_after_previous`` months after it (linked in :meth:`_after_chain`). Fixed cadence
        keeps the model small and its LP bound tight; what it gives up is moving single visits."""
        cadence = min(max(step.repeat_usual or step.repeat_max, step.repeat_min), step.repeat_max)
        anchor = step.latest - step.repeat_max if step.overdue else step.earliest - step.repeat_min
        lo, hi = max(step.earliest, 0), min(step.latest, self.N - 1)
        phases: dict[int | None, Any] = {f: self.m.new_bool_var(f"z_{pw.key}_{j}_{f}") for f in range(lo, hi + 1)}
        if step.latest >= self.N or not self.hard or not phases:
            phases[None] = self.m.new_bool_var(f"z_{pw.key}_{j}_none")
        self.m.add_exactly_one(phases.values())
        if self.use_objective:
            for f, z in phases.items():
                cost = self.w.deviation * abs(f - step.usual) if f is not None else \
                    (0 if step.latest >= self.N else self.w.unfit)
                if cost:
                    self.terms.append(cost * z)
            if None in phases and step.latest < self.N:
                self.slacks.append((pw.key, j, 0, step.event_type, phases[None]))
        return {"phases": phases, "cadence": cadence, "anchor": anchor, "step": step, "j": j}

    def _after_chain(self, chain, mstep: Step, step: Step | None, t, pw: Pathway, j: int) -> None:
        """Each phase's visits run at the cadence to the horizon's end and all count against capacity:
        the re-inspection's outcome is unknown, and if the LA is still inadequate the visits go on, so
        their capacity is held (visits after the re-inspection are reported as provisional). The
        re-inspection must not come so long after the last visit before the plan that the cadence breaks
        when the first visit is skipped."""
        phases, cadence, anchor, jm = chain["phases"], chain["cadence"], chain["anchor"], chain["j"]
        x_next = None
        if t is not None:
            x_next = next(x for p, jj, k, s, x, tt in self.events if p.key == pw.key and jj == j)
        gap = step.min_after_previous if step is not None else 0
        visits: list[tuple[int, Any]] = []
        for f, z in phases.items():
            if f is None:
                continue
            for month in range(f, self.N, cadence):
                self.usage[mstep.event_type][month].append(z)
                visits.append((month, z))
            if self.use_objective:
                self.terms.append(self.w.monitoring_each * len(range(f, self.N, cadence)) * z)
            if x_next is not None:
                for mo, v in x_next.items():
                    if anchor + mstep.repeat_max < mo < f + gap:
                        self.m.add_implication(z, v.Not())
        self.events.append((pw, jm, -1, mstep, visits, None))

    # -- capacity and order ----------------------------------------------------------------
    def _capacity(self, capacity: Capacity, labels: Sequence[str]) -> None:
        for limit in capacity.limits:
            for mo in range(self.N):
                units = limit.units(labels[mo])
                if units is None:
                    continue
                terms = [capacity.weight(limit, et) * v for et, by_month in self.usage.items()
                         if capacity.weight(limit, et) for v in by_month.get(mo, [])]
                if terms:
                    self.m.add(sum(terms) <= units)

    # -- solve -----------------------------------------------------------------------------
    def solve(self, *, max_seconds: float) -> Solution:
        solver = self.cp.CpSolver()
        solver.parameters.num_workers = 1          # one worker + fixed seed + deterministic limit: same plan
        solver.parameters.random_seed = 0
        solver.parameters.max_deterministic_time = max_seconds
        started = time.perf_counter()
        code = solver.solve(self.m)
        seconds = time.perf_counter() - started
        status = {self.cp.OPTIMAL: "optimal", self.cp.FEASIBLE: "feasible",
                  self.cp.INFEASIBLE: "infeasible"}.get(code, "unknown")
        if status in ("infeasible", "unknown"):
            return Solution(status, None, [], seconds)
        out = []
        for pw, j, k, step, x, t in self.events:
            if k < 0:                                    # monitoring: one placement per month with a visit
                months = sorted(mo for mo, v in x if solver.boolean_value(v))
                gap = pw.steps[j + 1].min_after_previous if j + 1 < len(pw.steps) else 0
                out += [Placement(pw.key, j, i, step.event_type, mo, True, gap_before_next=gap)
                        for i, mo in enumerate(months)]
                continue
            month = next(mo for mo, v in x.items() if solver.boolean_value(v))   # exactly one is true
            month = month if month < self.N else None
            late = max(0, (month if month is not None else self.N) - step.latest)
            in_window = (month is not None and month <= step.latest) or (month is None and step.latest >= self.N)
            out.append(Placement(pw.key, j, k, step.event_type, month, in_window, late))
        for key, j, k, event_type, s in self.slacks:       # monitoring cadence kept only at a cost
            if solver.value(s) > 0 and not any(p.key == key and p.step == j and not p.in_window for p in out):
                out.append(Placement(key, j, 0, event_type, None, False, 1))
        objective = int(solver.objective_value) if self.use_objective else 0
        bound = float(solver.best_objective_bound) if self.use_objective else None
        return Solution(status, objective, _monitoring_around_reinspection(out), seconds, bound)


def solve(pathways: Sequence[Pathway], horizon: int, capacity: Capacity | None, month_labels: Sequence[str],
          weights: Weights = RISK_BASED, *, hard: bool = True, clamp_overdue: bool | None = None,
          overdue_within: int = DEFAULT_OVERDUE_WITHIN, max_seconds: float = DEFAULT_SOLVER_LIMIT) -> Solution:
    """The cheapest plan (module docstring). ``hard``: windows are constraints (overdue steps clamped
    to the first ``overdue_within`` months); else they are costs. ``max_seconds`` is deterministic
    solver time (not wall-clock), so a plan stopped early is still the same plan on every run."""
    if hard if clamp_overdue is None else clamp_overdue:
        pathways = [replace(p, steps=tuple(clamp(s, overdue_within) for s in p.steps)) for p in pathways]
    model = _Model(pathways, horizon, capacity, month_labels, weights, hard=hard, objective=True)
    solution = model.solve(max_seconds=max_seconds)
    solution.placements = order_by_risk(solution.placements, pathways, weights, horizon)
    return solution


def fits(pathways: Sequence[Pathway], horizon: int, capacity: Capacity | None, month_labels: Sequence[str], *,
         overdue_within: int = DEFAULT_OVERDUE_WITHIN, max_seconds: float = DEFAULT_SOLVER_LIMIT) -> bool:
    """Whether every window can be kept within ``capacity`` (a pure feasibility question)."""
    pathways = [replace(p, steps=tuple(clamp(s, overdue_within) for s in p.steps)) for p in pathways]
    model = _Model(pathways, horizon, capacity, month_labels, RULE_BASED, hard=True, objective=False)
    return model.solve(max_seconds=max_seconds).status in ("optimal", "feasible")


def smallest_capacity(pathways: Sequence[Pathway], horizon: int, capacity: Capacity, month_labels: Sequence[str],
                      *, overdue_within: int = DEFAULT_OVERDUE_WITHIN,
                      check: Callable[[Capacity], bool] | None = None) -> Capacity | None:
    """The smallest raise of the limits (one amount added to every month of a limit) that lets every
    window be kept. Each limit is first searched alone with the others lifted (a lower bound: with the
    others in place it can only need more); then the limits that needed a raise go up together, one
    unit at a time, until the plan fits. None when no capacity helps (a conflict between rules)."""
    check = check or (lambda cap: fits(pathways, horizon, cap, month_labels, overdue_within=overdue_within))
    if check(capacity):
        return capacity
    if not check(Capacity((), capacity.costs)):
        return None
    unit = {lim.name: (0.1 if lim.name == "weeks" else 1.0) for lim in capacity.limits}
    need = {lim.name: _needed_alone(capacity, lim.name, unit[lim.name], check) for lim in capacity.limits}
    cap = capacity
    for name, extra in need.items():
        if extra:
            cap = cap.with_extra(name, extra)
    raise_these = [n for n, e in need.items() if e] or list(need)
    for _ in range(10_000):
        if check(cap):
            return cap
        for name in raise_these:
            cap = cap.with_extra(name, unit[name])
    return None


def _needed_alone(cap: Capacity, name: str, unit: float, check: Callable[[Capacity], bool]) -> float:
    """The raise of limit ``name`` needed when every other limit is lifted (binary search)."""
    alone = Capacity(tuple(lim for lim in cap.limits if lim.name == name), cap.costs)
    if check(alone):
        return 0.0
    lo, hi = 0, 1
    while not check(alone.with_extra(name, hi * unit)):
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if check(alone.with_extra(name, mid * unit)):
            hi = mid
        else:
            lo = mid
    return round(hi * unit, 1)
