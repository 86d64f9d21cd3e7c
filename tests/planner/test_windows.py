"""The windows the planner reads through its seam: the risk package's one rules table over the register."""
from __future__ import annotations

from datetime import date

import pytest

from cscwatch.planner.adapters import MIN_MONTHS_AFTER, NO_RULE_ID, risk_on, windows_on
from cscwatch.planner.months import add_months
from cscwatch.risk.history import load_history
from cscwatch.risk.rules import add_months as add_average_months
from cscwatch.risk.rules import load_rules, next_windows
from cscwatch.risk.scores import DateOutsideData
from tests.planner.conftest import make_register

RULES = {r.rule_id: r for r in load_rules().rules}


def _by(register, day):
    out = {}
    for w in windows_on(register, day):
        out.setdefault(w["la_code_old"], []).append(w)
    return out


def test_windows_follow_the_last_grade_and_the_visits_since(register):
    w = _by(register, date(2025, 1, 1))
    good = w["901"]
    assert [r["event_type"] for r in good] == ["focused", "short"]
    assert [r["rule_id"] for r in good] == ["I23-G-FV", "I23-G"]
    short = good[1]
    assert (short["earliest"], short["usual"], short["latest"]) == tuple(
        add_average_months(date(2023, 1, 16), m) for m in (30, 36, 42))       # the rules table's months
    assert short["min_months_after_previous"] == MIN_MONTHS_AFTER["focused"] and short["standing"] == "good_or_better"
    assert [r["event_type"] for r in w["902"]] == ["short"]                  # its focused visit happened: once a cycle
    assert [r["event_type"] for r in w["903"]] == ["focused", "standard"]    # RI: standard inspection
    inadequate = w["904"]
    assert [r["event_type"] for r in inadequate] == ["monitoring", "standard"]
    mv = inadequate[0]
    assert mv["anchor_date"] == date(2024, 10, 7) and mv["earliest"] == add_average_months(date(2024, 10, 7), 3)
    rule = RULES[mv["rule_id"]]                                              # cadence from the rule's months
    assert (mv["repeat_min_months"], mv["repeat_max_months"]) == (rule.earliest_months, rule.latest_months) == (3, 6)
    assert mv["repeat_usual_months"] == 4                                    # 4.5 rounded down: whole months
    assert inadequate[1]["anchor_date"] == date(2024, 2, 5)                  # re-inspection counts from the inspection
    assert inadequate[1]["min_months_after_previous"] == MIN_MONTHS_AFTER["monitoring"]
    late = w["905"]
    assert [r["event_type"] for r in late] == ["standard"] and late[0]["overdue"]   # the visit was missed
    for rows in w.values():
        for r in rows:
            assert r["rule_id"] in RULES and r["certainty"] in ("confirmed", "secondary", "uncertain") and r["source"]
            assert [x["sequence"] for x in rows] == list(range(1, len(rows) + 1))


def test_the_dates_are_the_risk_packages_own(register):
    """One truth: every window the planner plans with is the one cscwatch.risk.rules computes."""
    day = date(2025, 1, 1)
    history = load_history(register)
    for code, rows in _by(register, day).items():
        events = [e for e in history.events[code] if e.day < day]
        risk = {w.rule_id: w for w in next_windows(events, day, all_known=True)}
        for r in rows:
            w = risk[r["rule_id"]]
            assert (r["earliest"], r["usual"], r["latest"], r["anchor_date"]) == (w.earliest, w.usual, w.latest,
                                                                                 w.anchor_date)


def test_only_what_had_started_by_the_date_counts(register):
    w = _by(register, date(2024, 5, 1))
    assert w["904"][0]["anchor_date"] == date(2024, 2, 28)       # from the report: the June visit had not happened
    w = _by(register, date(2024, 2, 10))                         # inspected 5 February, report out on the 28th:
    assert w["904"][0]["event_type"] == "monitoring"             # Ofsted knows what it has just inspected


def test_windows_spanning_the_covid_pause_move_later(register):
    late = _by(register, date(2022, 6, 1))["905"][-1]           # inspected January 2020, just before the pause
    assert late["shifted_days"] > 300 and late["usual"] > add_average_months(date(2020, 1, 13), 36)


def test_an_la_no_rule_applies_to_is_planned_not_dropped(tmp_path):
    s = make_register(tmp_path / "r.duckdb", {"990": ("Newtown", [], [])})
    rows = windows_on(s, date(2025, 3, 10))
    s.close()
    assert [(r["la_code_old"], r["event_type"], r["rule_id"]) for r in rows] == [("990", "standard", NO_RULE_ID)]
    assert rows[0]["latest"] == date(2025, 9, 10) and rows[0]["certainty"] == "uncertain"


def test_add_months_clamps_to_the_month_end():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 3, 15), -15) == date(2022, 12, 15)


def test_a_new_authority_gets_its_own_first_inspection(built_store):
    rows = {r["la_code_old"]: r for r in windows_on(built_store, date(2021, 6, 1)) if r["sequence"] == 1}
    assert "928" not in rows and {"940", "941"} <= set(rows)
    north = rows["940"]
    assert north["last_inspection_date"] == date(2019, 6, 17)          # Northamptonshire's, inherited
    assert north["standing"] == "new_authority" and north["rule_id"] == "I18-NEW"
    assert north["anchor_date"] == date(2021, 4, 1)


def test_risk_before_the_data_is_a_clear_error(built_store):
    with pytest.raises(DateOutsideData, match="2012-01-01.*earliest date it can score.*--policy rule_based"):
        risk_on(built_store, date(2012, 1, 1))
