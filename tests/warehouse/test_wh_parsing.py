"""Symbols, periods, publication rules and LA name folding: pure functions."""
from __future__ import annotations

from datetime import date

import duckdb
import pytest

from cscwatch.identity import normalise_name
from cscwatch.warehouse.la import successor_history
from cscwatch.warehouse.periods import normalise_period
from cscwatch.warehouse.publication import lait_release_kind, published
from cscwatch.warehouse.symbols import SYMBOLS, parse_cell, status_sql, value_sql

CELLS = [("12", 12.0, None), ("1,234", 1234.0, None), ("0", 0.0, None), ("-3.5", -3.5, None),
         ("c", None, "c"), ("x", None, "x"), ("z", None, "z"), ("low", None, "low"), ("k", None, "k"),
         ("u", None, "u"), ("12.5 u", 12.5, "u"), (":", None, ":"), ("..", None, ".."), ("-", None, "-"),
         ("[x]", None, "x"), ("[z]", None, "z"), ("", None, "blank"), (None, None, "blank"), (" C ", None, "c")]


@pytest.mark.parametrize("raw, value, status", CELLS)
def test_parse_cell(raw, value, status):
    assert parse_cell(raw) == (value, status)


def test_sql_twin_agrees_with_python_and_never_turns_a_symbol_into_zero():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (raw TEXT)")
    con.executemany("INSERT INTO t VALUES (?)", [[c[0]] for c in CELLS])
    got = con.execute(f"SELECT raw, {value_sql('raw')}, {status_sql('raw')} FROM t").fetchall()
    assert [(v, s) for _, v, s in got] == [(v, s) for _, v, s in CELLS]
    assert con.execute(f"SELECT {status_sql('raw')} FROM (SELECT 'n/a' AS raw)").fetchall() == [("?",)]


def test_unknown_symbol_is_an_error():
    with pytest.raises(ValueError, match="unknown symbol 'n/a'"):
        parse_cell("n/a")
    assert {"c", "x", "z", "low", "u", "k", ":", "..", "-", "[x]", "[z]"} <= set(SYMBOLS)


@pytest.mark.parametrize("label, kind, period, end", [
    ("2025", "year_end_march", "2025", date(2025, 3, 31)),
    ("2024", "snapshot_september", "2024", date(2024, 9, 30)),
    ("2024", "mid_year", "2024", date(2024, 6, 30)),
    ("202324", "financial_year", "2023-24", date(2024, 3, 31)),
    ("2016-17 (OT)", "year_end_march", "2016-17", date(2017, 3, 31)),
    ("2018 (Rev)", "year_end_march", "2018", date(2018, 3, 31)),
    ("2024", "academic_year", "2023/24", date(2024, 8, 31)),
    ("2015/16", "academic_year", "2015/16", date(2016, 8, 31)),
    ("2014-16", "calendar_year", "2014-16", date(2016, 12, 31)),
    ("2013/14-15/16", "academic_year", "2013/14-15/16", date(2016, 8, 31)),
    ("2024", "january", "2024", date(2024, 1, 31)),
])
def test_normalise_period(label, kind, period, end):
    p = normalise_period(label, kind)
    assert (p.period, p.period_end) == (period, end)


def test_vintage_suffixes_and_bad_labels():
    assert normalise_period("2025 (prov)", "academic_year").vintage == "prov"
    assert normalise_period("2020 (Final)", "academic_year").vintage == "final"
    for bad in ("0", "20", "next year", "1850"):
        with pytest.raises(ValueError):
            normalise_period(bad, "year_end_march")


def test_publication_rules_are_after_the_period():
    assert published("cin", date(2024, 3, 31)) == date(2024, 11, 30)
    assert published("workforce", date(2024, 9, 30)) == date(2025, 3, 31)
    assert published("population", date(2024, 6, 30)) == date(2025, 12, 31)
    assert published("s251", date(2024, 3, 31)) == date(2025, 3, 31)
    assert published("imd2019", date(2019, 1, 1)) == date(2019, 9, 26)
    assert lait_release_kind("Children's Services Workforce", "snapshot_september") == "workforce"
    assert lait_release_kind("Children Looked After", "year_end_march") == "cla"
    assert lait_release_kind("Children Looked After", "academic_year") == "academic"
    with pytest.raises(ValueError):
        published("gossip", date(2024, 1, 1))


@pytest.mark.parametrize("a, b", [
    ("Bristol, City of", "Bristol"), ("Telford & Wrekin", "Telford and Wrekin"), ("St. Helens", "St Helens"),
    ("Bournemouth (Pre LG)", "Bournemouth"), ("Bournemouth, Christchurch & Poole", "Bournemouth Christchurch and Poole"),
    ("Herefordshire, County of", "Herefordshire"), ("Bedford Borough", "Bedford"),
    ("Royal Borough of Windsor and Maidenhead", "Windsor and Maidenhead"),
])
def test_normalise_name(a, b):
    assert normalise_name(a) == normalise_name(b)


def test_normalise_keeps_distinct_names_apart():
    assert normalise_name("City of London") != normalise_name("London")
    assert normalise_name("North Yorkshire") != normalise_name("Yorkshire")


def test_successor_history_never_splices_silently():
    series = {"928": {"2019": 10.0, "2020": 12.0, "2021": 14.0}, "940": {"2022": 20.0}, "941": {"2022": 30.0}}
    population = {"928": {"2019": 100.0, "2020": 100.0, "2021": 100.0}}
    lineage = [{"predecessor": "928", "successor": "940"}, {"predecessor": "928", "successor": "941"}]
    rows = successor_history(series, population, lineage, "940")
    assert rows[-1] == {"period": "2022", "value": 20.0, "basis": "own"}
    assert {r["basis"] for r in rows[:-1]} == {"estimated_from_predecessors"}
    merged = successor_history({"a": {"2019": 10.0}, "b": {"2019": 40.0}, "ab": {"2020": 5.0}},
                               {"a": {"2019": 300.0}, "b": {"2019": 100.0}},
                               [{"predecessor": "a", "successor": "ab"}, {"predecessor": "b", "successor": "ab"}],
                               "ab")
    assert merged[0] == {"period": "2019", "value": 17.5, "basis": "estimated_from_predecessors"}
