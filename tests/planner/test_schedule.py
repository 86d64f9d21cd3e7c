"""The scheduler on generated pathways: windows, capacity, risk order, infeasibility, determinism."""
from __future__ import annotations

from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cscwatch.planner.capacity import Capacity, Limit, parse_capacity
from cscwatch.planner.schedule import (
    RISK_BASED, RULE_BASED, Pathway, Step, clamp, fits, smallest_capacity, solve,
)

N = 12
LABELS = [f"2026-{m:02d}" for m in range(1, 13)]


def good_la(key, risk, start=2, gap=6):
    """A good LA: focused visit, then a short inspection at least ``gap`` months later."""
    return Pathway(key, (Step("focused", start - 6, start - 3, start + 3),
                         Step("short", start + 3, start + 6, start + 9, min_after_previous=gap)), risk)


def check_plan(pathways, cap, solution, horizon=N, within=3):
    """Every invariant a hard plan must keep; returns the placements by (key, step)."""
    assert solution.status in ("optimal", "feasible")
    steps = {p.key: [clamp(s, within) for s in p.steps] for p in pathways}
    at = {}
    used = defaultdict(lambda: defaultdict(int))
    for pl in solution.placements:
        step = steps[pl.key][pl.step]
        assert pl.in_window
        if pl.event_type == "monitoring":
            assert pl.month is not None
        elif pl.month is None:
            assert step.latest >= horizon                          # only a window reaching past the end
        else:
            assert max(step.earliest, 0) <= pl.month <= step.latest   # inside its window
            at[(pl.key, pl.step)] = pl.month
        if pl.month is not None:
            for lim in cap.limits:
                used[lim.name][pl.month] += cap.weight(lim, pl.event_type)
    for lim in cap.limits:                                          # capacity never exceeded
        for month, units in used[lim.name].items():
            assert units <= lim.units(LABELS[month]), (lim.name, month)
    for p in pathways:                                              # gaps between steps
        for j in range(1, len(p.steps)):
            if p.steps[j - 1].repeats:
                continue
            a, b = at.get((p.key, j - 1)), at.get((p.key, j))
            if b is not None:
                assert a is not None and b >= a + p.steps[j].min_after_previous
    return at


def check_risk_order(pathways, at, weights=RISK_BASED):
    same = defaultdict(list)
    for p in pathways:
        same[p.steps].append(p)
    for group in same.values():
        for a in group:
            for b in group:
                if weights.risk_coef(a.risk) > weights.risk_coef(b.risk):
                    for j in range(len(a.steps)):
                        ma, mb = at.get((a.key, j), N), at.get((b.key, j), N)
                        assert ma <= mb, (a.key, b.key, j)


def test_every_event_in_its_window_and_capacity_kept():
    pathways = [good_la(f"{i:03d}", 0.05 * i, start=i % 4) for i in range(10)]
    cap = parse_capacity("focused=2,short=2")
    sol = solve(pathways, N, cap, LABELS)
    check_risk_order(pathways, check_plan(pathways, cap, sol))


def test_higher_risk_comes_earlier_in_the_same_window():
    pathways = [Pathway(k, (Step("short", 1, 6, 9),), r) for k, r in (("a", 0.1), ("b", 0.5), ("c", 0.3), ("d", 0.02))]
    sol = solve(pathways, N, parse_capacity("short=1"), LABELS)
    months = {p.key: p.month for p in sol.placements}
    assert months["b"] < months["c"] < months["a"] < months["d"]
    assert months["b"] == 1                                   # 50% risk: pulled to the window's start
    rule = solve(pathways, N, parse_capacity("short=4"), LABELS, RULE_BASED)
    assert {p.month for p in rule.placements} == {6}          # the calendar: everyone in the usual month


def test_low_risk_las_stay_at_their_usual_month_when_capacity_allows():
    pathways = [Pathway("a", (Step("short", 1, 6, 9),), 0.05), Pathway("b", (Step("standard", 0, 4, 8),), 0.45)]
    months = {p.key: p.month for p in solve(pathways, N, parse_capacity("3,3"), LABELS).placements}
    assert months == {"a": 6, "b": 0}


def test_overdue_events_are_due_in_the_first_months():
    pathways = [Pathway("late", (Step("standard", -20, -14, -8),), 0.1)]
    sol = solve(pathways, N, parse_capacity("standard=1"), LABELS, overdue_within=2)
    assert sol.placements[0].month in (0, 1)


def test_monitoring_visits_keep_the_cadence_and_stop_before_the_reinspection():
    pw = Pathway("mv", (Step("monitoring", 1, 2, 4, repeat_min=3, repeat_max=6, repeat_usual=4),
                        Step("standard", 7, 9, 11, min_after_previous=2)), 0.3)
    sol = solve([pw], N, parse_capacity("monitoring=1,standard=1"), LABELS)
    visits = sorted(p.month for p in sol.placements if p.event_type == "monitoring" and not p.provisional)
    reinspection = next(p.month for p in sol.placements if p.event_type == "standard")
    assert visits and 1 <= visits[0] <= 4
    assert all(3 <= b - a <= 6 for a, b in zip(visits, visits[1:]))
    assert visits[-1] + 2 <= reinspection <= visits[-1] + 6


def test_infeasible_capacity_names_the_las_and_the_capacity_that_fits():
    pathways = [Pathway(f"{i}", (Step("short", 0, 1, 2),), 0.1 * i) for i in range(7)]
    cap = parse_capacity("short=1")
    assert solve(pathways, N, cap, LABELS).status == "infeasible"
    soft = solve(pathways, N, cap, LABELS, hard=False, clamp_overdue=True)
    left_out = {p.key for p in soft.unfitted}
    assert len(left_out) == 4                                  # 3 months x 1 fit; the 4 lowest risks give way
    assert left_out == {"0", "1", "2", "3"}
    needed = smallest_capacity(pathways, N, cap, LABELS)
    assert needed.text() == "short=3"
    assert fits(pathways, N, needed, LABELS) and not fits(pathways, N, parse_capacity("short=2"), LABELS)


def test_weeks_capacity_counts_each_event_at_its_cost():
    pathways = [Pathway(f"{i}", (Step("standard", 0, 0, 1),), 0.1) for i in range(3)]
    cap = parse_capacity("weeks=16,cost:standard=8")
    sol = solve(pathways, N, cap, LABELS)
    check_plan(pathways, cap, sol)
    assert not fits(pathways, N, parse_capacity("weeks=8,cost:standard=8"), LABELS)
    needed = smallest_capacity(pathways, N, parse_capacity("weeks=8,cost:standard=8"), LABELS)
    assert needed.text() == "weeks=16"                         # 3 x 8 weeks in 2 months: 16 a month, not 12
    assert not fits(pathways, N, parse_capacity("weeks=15.9"), LABELS)


def test_same_inputs_same_plan():
    pathways = [good_la(f"{i:03d}", (i * 37 % 11) / 20, start=i % 5) for i in range(30)]
    cap = parse_capacity("focused=3,short=3")
    runs = [[(p.key, p.step, p.instance, p.month) for p in solve(pathways, N, cap, LABELS).placements]
            for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]


# -- property-based --------------------------------------------------------------------------

@st.composite
def registers(draw):
    n = draw(st.integers(1, 10))
    pathways = []
    for i in range(n):
        e = draw(st.integers(-8, 14))
        u = e + draw(st.integers(0, 4))
        l = u + draw(st.integers(0, 5))
        kind = draw(st.sampled_from(["short", "standard", "two_step", "monitoring"]))
        risk = draw(st.one_of(st.none(), st.floats(0, 0.8)))
        if kind == "two_step":
            gap = draw(st.integers(0, 6))
            steps = (Step("focused", e, u, l), Step("short", l + 2, l + 4, l + 8, min_after_previous=gap))
            if l + 8 < max(e, 0) + gap or l + 8 < 0:          # windows_on drops a visit that can no longer fit
                steps = steps[1:]
        elif kind == "monitoring":
            steps = (Step("monitoring", e, e + 1, e + 3, repeat_min=3, repeat_max=6, repeat_usual=4),
                     Step("standard", e + 6, e + 9, e + 14, min_after_previous=2))
        else:
            steps = (Step(kind, e, u, l),)
        if draw(st.booleans()) and i:                     # a twin of an earlier LA: same windows, other risk
            steps = pathways[draw(st.integers(0, i - 1))].steps
        pathways.append(Pathway(f"{i:02d}", steps, risk))
    limits = []
    for name in draw(st.lists(st.sampled_from(["standard", "short", "focused", "monitoring", "inspections", "weeks"]),
                              unique=True, max_size=3)):
        value = draw(st.integers(0, 40)) / 10 * 10 if name == "weeks" else draw(st.integers(0, 4))
        limits.append(Limit(name, float(value)))
    return pathways, Capacity(tuple(limits))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registers())
def test_property_windows_capacity_and_risk_order(case):
    pathways, cap = case
    sol = solve(pathways, N, cap, LABELS)
    if sol.status == "infeasible":
        assert not fits(pathways, N, cap, LABELS)
        needed = smallest_capacity(pathways, N, cap, LABELS)
        assert needed is not None and fits(pathways, N, needed, LABELS)
        soft = solve(pathways, N, cap, LABELS, hard=False, clamp_overdue=True)
        assert soft.unfitted                                     # never a silent drop
        return
    at = check_plan(pathways, cap, sol)
    check_risk_order(pathways, at)
