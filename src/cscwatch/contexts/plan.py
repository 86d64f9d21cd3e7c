"""The plan page's context (``/plan`` and ``/api/plan``; also ``cscwatch plan`` and its workbook).

Shape (all plain JSON-able data; docs/planner.md has an example):

* everything :meth:`cscwatch.planner.plan.PlanResult.to_dict` returns: ``start``, ``months``,
  ``first_month``, ``last_month``, ``policy``, ``feasible``, ``status``, ``capacity``,
  ``capacity_needed``, ``unfitted``, ``events`` (one row per planned event: LA, event, month, window,
  status ``due`` / ``overdue`` / ``brought_forward`` / ``later_than_usual`` / ``monitoring``,
  ``reason``, risk and band, rule and certainty), ``after_horizon``, ``months_summary`` (events per
  type and capacity used per limit, each month: the chart), ``warnings``, ``register_until``;
* ``timeline``: ``months`` (the column labels) and ``las``, one row per LA with its events by month
  and flags (``overdue``, ``brought_forward``), highest risk first;
* ``simulation``: ``available``, ``paragraph`` (the newest saved simulation in one plain paragraph),
  ``policies``, ``period``, ``run_id``, ``created_at``;
* ``defaults``: which parameters were defaulted and to what (the page shows them).

The dashboard's plan (:func:`plan_page_context`) is the same context with the risk taken from the
scores ``cscwatch build`` published (never a model fitted while serving), each LA's published band
beside its events, and how current it all is.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from cscwatch.planner.capacity import Capacity, observed_capacity, parse_capacity
from cscwatch.planner.plan import plan
from cscwatch.planner.months import add_months
from cscwatch.planner.simulate import latest_simulation
from cscwatch.store import Store

DEFAULT_MONTHS = 36
#: The published probability the dashboard's plan brings LAs forward by: the chance an inspection
#: would judge the LA inadequate (what ``risk_on`` gives the CLI's plan), not the 12-month chance,
#: which already counts when the rules make an inspection due.
PLAN_RISK = "p_inadequate_if_inspected"


def plan_context(store: Store, *, start: date | None = None, months: int = DEFAULT_MONTHS,
                 capacity: Capacity | str | None = None, policy: str = "risk_based",
                 risk: dict[str, float] | None = None) -> dict[str, Any]:
    """The plan and its page furniture. Defaults: start = the month after the register's newest event
    (so the plan knows everything that happened before it); capacity = what Ofsted ran per month, by
    event type, in the 12 months to then (rounded up)."""
    defaults: dict[str, Any] = {}
    newest = store.scalar("SELECT max(coalesce(start_date, publication_date)) FROM inspection")
    if start is None:
        base = newest or date.today()
        start = add_months(date(base.year, base.month, 1), 1)
        defaults["start"] = start
    if capacity is None:
        capacity = observed_capacity(store, start)
        defaults["capacity"] = capacity.text()
    cap = parse_capacity(capacity) if isinstance(capacity, str) else capacity
    result = plan(store, start, months, cap, policy=policy, risk=risk).to_dict()
    return {**result, "timeline": timeline(result), "simulation": simulation_summary(store), "defaults": defaults,
            "title": f"Inspection plan {result['first_month']} to {result['last_month']}"}


def timeline(result: dict[str, Any]) -> dict[str, Any]:
    """Month-by-LA grid: each LA's events placed in their months, highest risk first."""
    labels = [m["month"] for m in result["months_summary"]]
    las: dict[str, dict[str, Any]] = {}
    for e in result["events"] + result["unfitted"]:
        row = las.setdefault(e["la_code_old"], {"la_code_old": e["la_code_old"], "la_name": e["la_name"],
                                                "risk": e["risk"], "risk_band": e["risk_band"],
                                                "last_grade": e["last_grade"], "events": [], "flags": []})
        row["events"].append({k: e[k] for k in ("month", "event_type", "event", "status", "reason")})
        if e["status"] in ("overdue", "brought_forward", "unfitted") and e["status"] not in row["flags"]:
            row["flags"].append(e["status"])
    rows = sorted(las.values(), key=lambda r: (-(r["risk"] or 0), r["la_name"]))
    return {"months": labels, "las": rows}


def simulation_summary(store: Store) -> dict[str, Any]:
    """The newest saved simulation in one plain paragraph (or how to run one)."""
    sim = latest_simulation(store)
    if sim is None:
        return {"available": False, "paragraph": "No retrospective simulation has been run on this store yet: "
                                                 "`cscwatch plan simulate` runs one (a few minutes).",
                "policies": [], "period": None, "run_id": None, "created_at": None}
    return {"available": True, "paragraph": simulation_paragraph(sim), "policies": sim["policies"],
            "period": sim["period"], "run_id": sim["run_id"], "created_at": sim["created_at"]}


def simulation_paragraph(sim: dict[str, Any]) -> str:
    """The simulation's result in words, including what the risk-based plan costs and where it does worse."""
    pol = {p["name"]: p for p in sim["policies"]}
    rule, risk = pol["rule_based"], pol["risk_based"]
    cohort = sim.get("cohort", [])
    earlier = sum(c["months_earlier"] > 0 for c in cohort)
    later = sum(c["months_earlier"] < 0 for c in cohort)
    costs = sim.get("costs", {})
    shift = costs.get("first_inspection_shift", {})
    p = sim["period"]
    return (
        f"Replaying {str(p['start'])[:7]} to {str(p['end'])[:7]} at the inspection capacity Ofsted actually used, "
        f"a risk-based plan would have reached the {len(cohort)} LAs that became inadequate a median "
        f"{_num(risk['median_detection_delay_months'])} months after the failure was there to find (mean "
        f"{_num(risk['mean_detection_delay_months'])}), against {_num(rule['median_detection_delay_months'])} "
        f"(mean {_num(rule['mean_detection_delay_months'])}) for the rules' calendar; it found "
        f"{risk['inadequate_found']} of them by the end against {rule['inadequate_found']}. It reached {earlier} "
        f"of them sooner and {later} later. The cost: {shift.get('las_later_under_risk_based', 0)} LAs had their "
        f"first inspection later (by {_num(shift.get('mean_months_later', 0))} months on average), and "
        f"{_pct(costs.get('risk_based', {}).get('at_window_edge_share'))} of its inspections fell at the edge of "
        f"their window against {_pct(costs.get('rule_based', {}).get('at_window_edge_share'))} under the rules. "
        f"The detection delay is defined in docs/planner.md."
    )


def _num(v: Any) -> str:
    if v is None:
        return "n/a"
    return f"{v:.1f}".rstrip("0").rstrip(".") if isinstance(v, float) else str(v)


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{100 * v:.0f}%"


def published_plan_risk(store: Store) -> dict[str, Any]:
    """The published scores the dashboard plans with: ``{"as_of", "risk": {code: p}, "bands": {code:
    label}}`` (empty when nothing is published; the plan then follows the rules alone)."""
    from cscwatch.contexts.risk import published_risk

    page = published_risk(store)
    las = page.get("las", [])
    return {"as_of": page.get("as_of"), "available": bool(page.get("available")),
            "risk": {la["la_code_old"]: la[PLAN_RISK] for la in las if la.get(PLAN_RISK) is not None},
            "bands": {la["la_code_old"]: la["band_label"] for la in las}}


_BAND_IN_REASON = re.compile(r" \((?:high|raised|medium|low|very high|very low|elevated)\)$")


def _with_published_bands(ctx: dict[str, Any], bands: dict[str, str]) -> dict[str, Any]:
    """Every LA's band as ``/risk`` publishes it (one vocabulary across the pages)."""
    def fix(row: dict[str, Any]) -> dict[str, Any]:
        out = {**row, "risk_band": bands.get(row["la_code_old"])}
        if out.get("reason"):
            out["reason"] = _BAND_IN_REASON.sub(" if inspected", out["reason"])
        return out
    timeline = {**ctx["timeline"], "las": [{**fix(r), "events": [fix({**e, "la_code_old": r["la_code_old"]})
                                                                  for e in r["events"]]}
                                           for r in ctx["timeline"]["las"]]}
    return {**ctx, "events": [fix(e) for e in ctx["events"]], "unfitted": [fix(e) for e in ctx["unfitted"]],
            "after_horizon": [fix(e) for e in ctx["after_horizon"]], "timeline": timeline}


def plan_page_context(store: Store, *, start: date | None = None, months: int = DEFAULT_MONTHS,
                      capacity: str | None = None, policy: str = "risk_based",
                      today: date | None = None) -> dict[str, Any]:
    """``/plan`` and ``/api/plan``: :func:`plan_context` on the published risk scores, with each LA's
    published band and how current it is. CP-SAT takes seconds, so the default plan is made once per
    store generation (single-flight: a second request waits for the first)."""
    from cscwatch.contexts.freshness import day_text, freshness
    from cscwatch.contexts.snapshot import snapshot

    published = published_plan_risk(store)

    def make() -> dict[str, Any]:
        return _with_published_bands(plan_context(store, start=start, months=months, capacity=capacity,
                                                  policy=policy, risk=published["risk"] if policy == "risk_based"
                                                  else None), published["bands"])
    default = (start, months, capacity, policy) == (None, DEFAULT_MONTHS, None, "risk_based")
    # The default plan is kept for the generation; any other is cached only as responses (bounded).
    ctx = snapshot(store).memo("plan_page", make) if default else make()
    fresh = freshness(store, today)
    if published["available"]:
        line = (f"The plan brings LAs forward by the early-warning scores as of "
                f"{day_text(date.fromisoformat(published['as_of']))} (chance of an inadequate judgement if inspected)")
    else:
        line = "No early-warning scores are published in this store: the plan follows the rules alone"
    warnings = list(ctx["warnings"])
    if policy == "risk_based" and not published["available"]:
        warnings.append("no published early-warning scores: every LA is planned at its usual month")
    return {**ctx, "warnings": warnings, "risk_as_of": published["as_of"], "risk_published": published["available"],
            "freshness": {**fresh, "summary": f"{fresh['summary']}; {line}", "extra": [*fresh.get("extra", []), line]}}
