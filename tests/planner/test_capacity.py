"""Capacities from the command line and from a CSV file: one grammar, errors that name the item."""
from __future__ import annotations

import pytest

from cscwatch.errors import CapacityError
from cscwatch.planner.capacity import parse_capacity


def test_bare_numbers_are_positional_by_event_type():
    cap = parse_capacity("4,6")
    assert [(lim.name, lim.default) for lim in cap.limits] == [("standard", 4), ("short", 6)]
    assert cap.unlimited_types() == ["focused", "monitoring"]


def test_named_limits_months_and_weeks_round_trip():
    text = "standard=2,short=3,monitoring=5,standard@2026-08=0"
    cap = parse_capacity(text)
    assert cap.limits[0].on("2026-08") == 0 and cap.limits[0].on("2026-09") == 2
    assert parse_capacity(cap.text()).text() == cap.text()
    weeks = parse_capacity("weeks=40.5,cost:standard=10")
    assert weeks.weight(weeks.limits[0], "standard") == 100 and weeks.limits[0].units("2026-01") == 405
    assert weeks.weight(weeks.limits[0], "short") == 40


def test_a_csv_file(tmp_path):
    f = tmp_path / "capacity.csv"
    f.write_text("# Ofsted's plan\nlimit,month,value\nstandard,,2\nshort,,3\nstandard,2026-08,0\ninspections,,4\n")
    cap = parse_capacity(str(f))
    assert cap.text() == "standard=2,standard@2026-08=0,short=3,inspections=4"


@pytest.mark.parametrize("text, message", [
    ("standard=2.5", "whole number"), ("standard=-1", "0 or more"), ("teams=3", "unknown limit 'teams'"),
    ("1,2,3,4,5", "5 numbers"), ("standard=x", "not a number"), ("standard@2026-13=1", "not YYYY-MM"),
    ("standard=1,standard=2", "given twice"), ("cost:lunch=1", "unknown event type"), ("4,", "empty item"),
    ("missing/capacity.csv", "no such capacity file"), ("", "empty"), ("weeks=1.25", "one decimal place"),
])
def test_bad_capacities_name_the_item(text, message):
    with pytest.raises(CapacityError, match=message):
        parse_capacity(text)


def test_a_bad_file_names_the_file_and_row(tmp_path):
    f = tmp_path / "cap.csv"
    f.write_text("limit,value\nstandard,2\n")
    with pytest.raises(CapacityError, match="missing month"):
        parse_capacity(str(f))
    f.write_text("limit,month,value\nstandard,,2\nshort,,lots\n")
    with pytest.raises(CapacityError, match=r"cap.csv: row 3: 'lots' is not a number"):
        parse_capacity(str(f))
