"""The rules table and the windows read from a register (the seam's first function)."""
from __future__ import annotations

from datetime import date

import pytest

from cscwatch.planner.adapters import windows_on
from cscwatch.planner.rules import add_months, load_rules, parse_rules, rules_in_force, standing


def test_every_rule_has_ordered_windows_a_source_and_a_certainty():
    rules = load_rules()
    assert {r.regime for r in rules} == {"SIF", "ILACS-2018", "ILACS-2023", "ILACS-2026"}
    for r in rules:
        assert r.earliest_months <= r.usual_months <= r.latest_months and r.source and r.certainty


def test_one_regime_in_force_each_day():
    assert {r.regime for r in rules_in_force(date(2019, 5, 1))} == {"ILACS-2018"}
    assert {r.regime for r in rules_in_force(date(2026, 4, 1))} == {"ILACS-2026"}
    assert {r.regime for r in rules_in_force(date(2010, 1, 1))} == {"SIF"}


def test_a_typo_in_the_table_fails_loudly():
    row = {"rule_id": "x", "regime": "ILACS-2018", "valid_from": "2018-01-01", "valid_to": "", "standing": "goodish",
           "sequence": "1", "event_type": "short", "anchor": "inspection", "earliest_months": "30",
           "usual_months": "36", "latest_months": "42", "repeat_min_months": "", "repeat_max_months": "",
           "min_months_after_previous": "", "once_per_cycle": "no", "certainty": "secondary", "source": "s"}
    with pytest.raises(ValueError, match="rule x: bad standing"):
        parse_rules([row])


@pytest.mark.parametrize("grades, regime, expected", [
    ({"overall": "good"}, "ILACS-2023", "good_or_better"),
    ({"overall": "requires_improvement", "leadership": "good"}, "ILACS-2023", "requires_improvement"),
    ({"overall": "inadequate"}, "ILACS-2018", "inadequate"),
    ({"leadership": "good", "help_and_protection": "good", "children_in_care": "good",
      "care_leavers": "requires_improvement"}, "ILACS-2026", "good_or_better"),
    ({"leadership": "good", "help_and_protection": "requires_improvement", "children_in_care": "good",
      "care_leavers": "requires_improvement"}, "ILACS-2026", "requires_improvement"),
    ({"leadership": "requires_improvement", "help_and_protection": "inadequate"}, "ILACS-2026", "inadequate"),
    ({}, "ILACS-2026", None),
])
def test_standing(grades, regime, expected):
    assert standing(grades, regime) == expected


def test_add_months_clamps_to_the_month_end():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 3, 15), -15) == date(2022, 12, 15)


def _by(register, day):
    out = {}
    for w in windows_on(register, day):
        out.setdefault(w["la_code_old"], []).append(w)
    return out


def test_windows_follow_the_last_grade_and_the_visits_since(register):
    w = _by(register, date(2025, 1, 1))
    good = w["901"]
    assert [r["event_type"] for r in good] == ["focused", "short"]
    assert (good[1]["earliest"], good[1]["usual"], good[1]["latest"]) == \
        (date(2025, 7, 16), date(2026, 1, 16), date(2026, 7, 16))          # 30/36/42 months after 16 Jan 2023
    assert good[1]["min_months_after_previous"] == 6
    assert [r["event_type"] for r in w["902"]] == ["short"]                  # its focused visit happened
    assert [r["event_type"] for r in w["903"]] == ["focused", "standard"]    # RI: standard inspection
    inadequate = w["904"]
    assert [r["event_type"] for r in inadequate] == ["monitoring", "standard"]
    assert inadequate[0]["anchor_date"] == date(2024, 10, 7) and inadequate[0]["earliest"] == date(2025, 1, 7)
    assert inadequate[0]["repeat_min_months"] == 3 and inadequate[0]["repeat_max_months"] == 6
    assert inadequate[1]["anchor_date"] == date(2024, 2, 5)                  # re-inspection counts from the inspection
    late = w["905"]
    assert [r["event_type"] for r in late] == ["standard"] and late[0]["overdue"]   # the visit was missed
    for rows in w.values():
        for r in rows:
            assert r["rule_id"] and r["certainty"] and r["source"]


def test_only_what_was_known_on_the_date_counts(register):
    w = _by(register, date(2024, 5, 1))
    assert w["904"][0]["anchor_date"] == date(2024, 2, 5)        # the June visit had not happened yet


def test_a_successor_inherits_its_predecessors_history(built_store):
    rows = {r["la_code_old"]: r for r in windows_on(built_store, date(2021, 6, 1)) if r["sequence"] == 1}
    assert "928" not in rows and {"940", "941"} <= set(rows)
    assert rows["940"]["last_inspection_date"] == date(2019, 6, 17) and rows["940"]["standing"] == "inadequate"
