"""The scheduling rules: every window computed as the rules file says, on small generated histories."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from cscwatch.risk.rules import (
    Event,
    add_months,
    coverage_table,
    history_coverage,
    inspection_window,
    load_rules,
    next_windows,
    outcome_class,
)

RULES = load_rules()
FRAMEWORK_OF_RULESET = {"SIF": "SIF", "ILACS-2018": "ILACS", "ILACS-2023": "ILACS-2023", "ILACS-2026": "ILACS-2026"}
GRADES = {"outstanding": 1, "good": 2, "requires_improvement": 3, "inadequate": 4}


def _judgements(framework: str, after: str) -> dict[str, int]:
    g = GRADES[after]
    if framework == "ILACS-2026":  # no overall grade: the class comes from the sub-judgements
        sub = {1: 1, 2: 2, 3: 3, 4: 4}[g]
        return {"leadership": sub, "help_and_protection": sub, "children_in_care": sub, "care_leavers": sub}
    return {"overall": g, "leadership": g, "help_and_protection": g, "children_in_care": g}


def _case(rule):
    """A history that triggers ``rule`` and a day inside its rule set's validity to ask on."""
    on = rule.valid_from + timedelta(days=200)
    start = on - timedelta(days=400)
    if rule.after == "first":
        return [Event("inspection", None, date(2011, 5, 1), "SLAC", "first", {"slac_safeguarding": 2})], on, None, None
    if rule.after == "new_authority":
        created = on - timedelta(days=100)
        inherited = Event("inspection", start, start + timedelta(days=50), "SIF", "first", _judgements("SIF", "good"),
                          inherited_from="777")
        return [inherited], on, created, None
    fw = FRAMEWORK_OF_RULESET[rule.framework]
    if fw == "ILACS-2026" and rule.after == "outstanding":  # no overall grade from 2026: an earlier one
        fw = "ILACS-2023"
    pub = start + timedelta(days=50)
    last = Event("inspection", start, pub, fw, "standard", _judgements(fw, rule.after))
    return [last], on, None, last


@pytest.mark.parametrize("rule", [r for r in RULES.rules if r.next_event != "pause"], ids=lambda r: r.rule_id)
def test_every_rule_gives_its_window(rule):
    history, on, created, last = _case(rule)
    windows = [w for w in next_windows(history, on, rules=RULES, created=created, pauses_known_until=None)
               if w.rule_id == rule.rule_id]
    assert len(windows) == 1, [w.rule_id for w in next_windows(history, on, rules=RULES, created=created)]
    w = windows[0]
    anchor = {"framework_start": rule.valid_from, "la_created": created,
              "last_inspection": last.start if last is not None else None,
              "last_publication": last.published if last is not None else None,
              "last_event": last.published if last is not None else None}[rule.anchor]
    shift = timedelta(days=w.shifted_days)
    assert w.anchor_date == anchor
    assert w.earliest == add_months(anchor, rule.earliest_months) + shift
    assert w.usual == add_months(anchor, rule.usual_months) + shift
    assert w.latest == add_months(anchor, rule.latest_months) + shift
    assert (w.event, w.framework, w.after, w.certainty) == (rule.next_event, rule.framework, rule.after, rule.certainty)
    assert w.earliest <= w.usual <= w.latest


def test_rules_file_is_complete():
    """Each rule set says what follows every outcome, with a source and a certainty marker."""
    for fw in ("SIF", "ILACS-2018", "ILACS-2023", "ILACS-2026"):
        afters = {r.after for r in RULES.rules if r.framework == fw}
        assert {"good", "requires_improvement", "inadequate"} <= afters, fw
        if fw != "SIF":
            inad = {r.next_event for r in RULES.rules if r.framework == fw and r.after == "inadequate"}
            assert inad == {"monitoring_visit", "standard"}, fw
    for r in RULES.rules:
        assert r.source.strip() and r.certainty in ("C", "S", "U"), r.rule_id
    assert RULES.framework_on(date(2012, 1, 1)) is None
    assert [RULES.framework_on(d) for d in (date(2015, 1, 1), date(2019, 1, 1), date(2024, 1, 1), date(2026, 6, 1))] \
        == ["SIF", "ILACS-2018", "ILACS-2023", "ILACS-2026"]


def test_outcome_class_per_framework():
    assert outcome_class("ILACS", {"overall": 3, "leadership": 4}) == "requires_improvement"  # overall rules
    # April 2026: no overall grade; leaders or help and protection inadequate -> inadequate
    assert outcome_class("ILACS-2026", {"leadership": 3, "help_and_protection": 4, "children_in_care": 2}) == "inadequate"
    # leaders good and 2 of 3 practice judgements good or better -> the short-inspection route
    assert outcome_class("ILACS-2026", {"leadership": 2, "help_and_protection": 2, "children_in_care": 1,
                                        "care_leavers": 3}) == "good"
    assert outcome_class("ILACS-2026", {"leadership": 2, "help_and_protection": 3, "children_in_care": 3,
                                        "care_leavers": 2}) == "requires_improvement"
    assert outcome_class("SLAC", {"slac_safeguarding": 2, "slac_looked_after": 4}) == "inadequate"
    assert outcome_class("ILACS", {}) is None


def test_only_events_known_on_the_day_count():
    start = date(2021, 3, 1)
    old = Event("inspection", date(2018, 1, 8), date(2018, 3, 1), "ILACS", "standard", {"overall": 3})
    new = Event("inspection", start, date(2021, 5, 1), "ILACS", "standard", {"overall": 4})
    before = inspection_window(next_windows([old, new], date(2021, 4, 1)))   # new report not out yet
    after = inspection_window(next_windows([old, new], date(2021, 6, 1)))
    assert before.after == "requires_improvement" and after.after == "inadequate"


def test_monitoring_visits_repeat_from_the_last_visit_and_a_focused_visit_happens_once():
    insp = Event("inspection", date(2023, 2, 6), date(2023, 3, 20), "ILACS-2023", "standard",
                 {"overall": 4, "leadership": 4})
    mv = Event("monitoring_visit", date(2023, 9, 12), date(2023, 10, 20))
    w = next((w for w in next_windows([insp, mv], date(2024, 1, 1)) if w.event == "monitoring_visit"))
    assert w.anchor_date == mv.start and w.earliest == add_months(mv.start, 3)
    good = Event("inspection", date(2023, 2, 6), date(2023, 3, 20), "ILACS-2023", "short", {"overall": 2})
    fv = Event("focused_visit", date(2024, 6, 3), date(2024, 7, 10))
    assert any(w.event == "focused_visit" for w in next_windows([good], date(2024, 1, 1)))
    assert not any(w.event == "focused_visit" for w in next_windows([good, fv], date(2024, 9, 1)))


def test_pause_moves_windows_only_by_as_much_as_had_happened():
    last = Event("inspection", date(2018, 3, 5), date(2018, 4, 20), "ILACS", "standard", {"overall": 3})
    before = inspection_window(next_windows([last], date(2020, 1, 1)))
    during = inspection_window(next_windows([last], date(2020, 6, 1)))
    later = inspection_window(next_windows([last], date(2022, 1, 1)))
    assert before.shifted_days == 0
    assert during.shifted_days == (date(2020, 6, 1) - date(2020, 3, 17)).days
    pause = RULES.pauses[0]
    assert later.shifted_days == (pause.valid_to - pause.valid_from).days
    assert later.usual - before.usual == timedelta(days=later.shifted_days)


def test_probability_rises_as_time_passes_without_an_inspection():
    last = Event("inspection", date(2019, 1, 7), date(2019, 2, 20), "ILACS", "short", {"overall": 2})
    w = inspection_window(next_windows([last], date(2023, 6, 1)))
    days = [w.earliest - timedelta(days=120) + timedelta(days=30 * k) for k in range(16)]
    p = [w.probability(d, 12) for d in days]
    assert p[0] < p[-1] == 1.0
    assert all(b >= a - 1e-12 for a, b in zip(p, p[1:]))
    assert w.probability(w.latest + timedelta(days=1), 3) == 1.0  # overdue


def test_history_coverage_counts_inside_outside_and_undecided():
    la = [Event("inspection", date(2015, 2, 2), date(2015, 4, 1), "SIF", "first", {"overall": 3}, "a1"),
          Event("inspection", date(2018, 2, 5), date(2018, 3, 30), "ILACS", "standard", {"overall": 3}, "a2"),  # 36m
          Event("inspection", date(2023, 9, 4), date(2023, 10, 30), "ILACS-2023", "standard", {"overall": 2}, "a3"),
          Event("inspection", None, date(2026, 6, 1), "ILACS-2023", "short", {"overall": 2}, "a4")]
    rows = history_coverage({"900": la})
    by = {r["event_id"]: r for r in rows}
    assert by["a2"]["inside"] is True
    assert by["a3"]["inside"] is False and by["a3"]["covid_window"]          # 67 months later
    assert by["a4"]["inside"] is None                                         # start unknown, straddles the window
    table = coverage_table(rows, by=("event",))
    assert table[0]["n"] == 4 and table[0]["undecided"] == 1 and table[0]["inside"] == 2
