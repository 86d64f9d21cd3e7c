"""Rank, quartile band, neighbour mean/median, change and flag against hand-computed values."""
from __future__ import annotations

import pytest

from cscwatch.warehouse.benchmark import (
    adverse_move_flag, band_of, bands, measure_table, neighbour_stats, peer_stats, quantile7, quartiles, rank,
)

# Ten LAs; 'f' is NULL (suppressed); 'b' and 'c' tie.
VALUES = {"a": 10.0, "b": 20.0, "c": 20.0, "d": 30.0, "e": 40.0, "f": None, "g": 50.0, "h": 5.0, "i": 25.0,
          "j": 35.0}


def test_rank_lower_is_better_ties_take_minimum_and_nulls_are_unranked():
    assert rank(VALUES, "low") == {"h": 1, "a": 2, "b": 3, "c": 3, "i": 5, "d": 6, "j": 7, "e": 8, "g": 9,
                                   "f": None}


def test_rank_higher_is_better():
    assert rank(VALUES, "high") == {"g": 1, "e": 2, "j": 3, "d": 4, "i": 5, "b": 6, "c": 6, "a": 8, "h": 9,
                                    "f": None}


def test_context_measures_have_no_rank_or_band():
    assert set(rank(VALUES, None).values()) == {None}
    assert set(bands(VALUES, None).values()) == {None}


def test_quantile_type7_matches_r():
    # R: quantile(c(5,10,20,20,25,30,35,40,50), type = 7) -> 25%: 20, 50%: 25, 75%: 35
    xs = sorted(v for v in VALUES.values() if v is not None)
    assert quartiles(VALUES.values()) == (20.0, 25.0, 35.0)
    # R: quantile(c(1, 2, 3, 4), 0.25, type = 7) = 1.75
    assert quantile7([1.0, 2.0, 3.0, 4.0], 0.25) == pytest.approx(1.75)
    assert quantile7(xs, 0.0) == 5.0 and quantile7(xs, 1.0) == 50.0


def test_bands_low_polarity_closed_on_the_right():
    # Q1 = 20, Q2 = 25, Q3 = 35: A=[5,20], B=(20,25], C=(25,35], D=(35,50]
    assert bands(VALUES, "low") == {"a": "A", "b": "A", "c": "A", "h": "A", "i": "B", "d": "C", "j": "C",
                                    "e": "D", "g": "D", "f": None}


def test_bands_high_polarity_reversed_and_a_is_best():
    assert bands(VALUES, "high") == {"g": "A", "e": "A", "j": "A", "d": "B", "i": "B", "b": "C", "c": "C",
                                     "a": "D", "h": "D", "f": None}
    assert band_of(35.0, (20.0, 25.0, 35.0), "high") == "A"
    assert band_of(35.0, (20.0, 25.0, 35.0), "low") == "C"


def test_neighbour_mean_and_median_skip_nulls_and_count_them():
    assert peer_stats(VALUES, ["b", "d", "f", "g"]) == {"mean": pytest.approx(100 / 3), "median": 30.0, "n": 3}
    assert peer_stats(VALUES, ["a", "b", "d", "e"]) == {"mean": 25.0, "median": 25.0, "n": 4}
    assert peer_stats(VALUES, ["f", "zz"]) == {"mean": None, "median": None, "n": 0}
    assert neighbour_stats({"a": 1.0, "b": 3.0}, {"a": ["b"]}) == {
        "a": {"mean": 3.0, "median": 3.0, "n": 1}, "b": {"mean": None, "median": None, "n": 0}}


def test_adverse_move_flag():
    # neighbours' 1-year changes: -1, 0, 1, 2 -> median 0.5, IQR (type 7) = 1.25 - (-0.25) = 1.5
    peers = [-1.0, 0.0, 1.0, 2.0, None]
    assert adverse_move_flag(2.1, peers, "low") is True        # 2.1 - 0.5 > 1.5
    assert adverse_move_flag(1.9, peers, "low") is False       # within the spread
    assert adverse_move_flag(-5.0, peers, "low") is False      # moved the good way
    # high polarity: a fall is adverse; mirrored peers 1, 0, -1, -2 -> median -0.5, IQR 1.5
    assert adverse_move_flag(-1.1, peers, "high") is True      # 1.1 + 0.5 > 1.5
    assert adverse_move_flag(-0.9, peers, "high") is False
    assert adverse_move_flag(2.0, [1.0, None, 2.0], "low") is None   # too few neighbours
    assert adverse_move_flag(None, peers, "low") is None
    assert adverse_move_flag(3.0, peers, None) is None


def test_measure_table_on_a_small_store(small_store):
    t = measure_table(small_store, "rr")
    assert t["period"] == "2024" and t["england"] == 25
    rows = {r["la_code_old"]: r for r in t["rows"]}
    assert set(rows) == {"101", "102", "103", "104", "105"}          # defunct 099 ('z') left out
    assert [r["la_code_old"] for r in t["rows"]][:3] in (["101", "102", "103"], ["101", "103", "102"])
    assert {k: rows[k]["rank"] for k in rows} == {"101": 1, "102": 2, "103": 2, "104": 4, "105": None}
    assert t["quartiles"] == [20.75, 21.0, 25.75]
    assert {k: rows[k]["band"] for k in rows} == {"101": "A", "102": "B", "103": "B", "104": "D", "105": None}
    a = rows["101"]
    assert (a["sn2025_mean"], a["sn2025_median"], a["sn2025_n"]) == (pytest.approx(82 / 3), 21.0, 3)
    assert (a["sn2021_mean"], a["sn2021_n"]) == (21.0, 2)
    assert a["region_value"] == 21 and a["england_value"] == 25
    assert a["change_1y"] == 8 and a["change_3y"] == 10
    assert rows["104"]["change_1y"] is None and rows["104"]["change_3y"] == 25
    # 101 rose 8 (bad); neighbours' changes 0 and -7 only (104, 105 missing): too few to flag
    assert a["flag"] is None
    assert rows["101"]["status"] is None and rows["105"]["status"] == "c"


def test_measure_table_earlier_period_and_peer_group(small_store):
    t = measure_table(small_store, "rr", period="2022", comparator=["Beta", "103", "Delta"])
    rows = {r["la_code_old"]: r for r in t["rows"]}
    assert t["comparator"] == ["102", "103", "104"]
    assert rows["101"]["sn_mean"] == pytest.approx((20 + 29 + 15) / 3)
    assert rows["102"]["sn_median"] == 22.0          # peers minus itself: 29, 15
    assert rows["101"]["change_1y"] == 1


def test_measure_table_errors(small_store):
    from cscwatch.errors import NotFound

    with pytest.raises(NotFound, match="did you mean rr"):
        measure_table(small_store, "r")
    with pytest.raises(NotFound, match="no period '1999'"):
        measure_table(small_store, "rr", period="1999")


@pytest.mark.parametrize("measure_id", ["cin_rereferral_pct", "sw_agency_rate", "cla_long_term_stability_pct",
                                        "cpp_subsequent_pct", "lait_lac_unauth"])
def test_built_benchmark_table_agrees_with_the_pure_rules(built_store, measure_id):
    """The benchmark table (computed once at build time, vectorised) against rank/bands/peer_stats/
    adverse_move_flag applied by hand to the same observations, for every period of a measure."""
    from cscwatch.warehouse.benchmark import SMALL_AUTHORITY_CHILDREN, benchmark_rows, years_earlier

    m = built_store.rows("SELECT * FROM measure WHERE measure_id = ?", [measure_id])[0]
    las = {r["la_code_old"]: r for r in built_store.rows("SELECT * FROM la")}
    pop = dict(built_store.con.execute(
        "SELECT la, arg_max(value, period_end) FROM observation WHERE measure_id = 'population_0_17' AND value"
        " IS NOT NULL GROUP BY la").fetchall())
    sn = {}
    for model, la, nb in built_store.con.execute("SELECT model, la_code_old, neighbour FROM stat_neighbour"
                                                 " ORDER BY model, la_code_old, rank").fetchall():
        sn.setdefault(model, {}).setdefault(la, []).append(nb)
    rows = benchmark_rows(built_store, measure_id)
    by_end = {}
    for o in built_store.rows("SELECT la, period_end, value FROM observation WHERE measure_id = ?", [measure_id]):
        by_end.setdefault(o["period_end"], {})[o["la"]] = o["value"]
    checked = 0
    for end in {r["period_end"] for r in rows}:
        mine = [r for r in rows if r["period_end"] == end]
        current, prev = by_end[end], by_end.get(years_earlier(end, 1), {})
        rankable = {r["la"]: r["value"] for r in mine if r["value"] is not None
                    and las[r["la"]]["la_type"] != "shared_service" and (pop.get(r["la"]) or 1e9) >= SMALL_AUTHORITY_CHILDREN}
        ranks = rank(rankable, m["polarity"])
        band = bands(rankable, None if m["no_quartile"] else m["polarity"])
        for r in mine:
            assert r["rank"] == ranks.get(r["la"]), (end, r["la"])
            assert r["band"] == band.get(r["la"]), (end, r["la"])
            for model in ("2021", "2025"):
                stats = peer_stats(current, sn[model].get(r["la"], []))
                assert r[f"sn{model}_n"] == stats["n"]
                assert r[f"sn{model}_median"] == pytest.approx(stats["median"], abs=1e-9) if stats["n"] else \
                    r[f"sn{model}_median"] is None
                changes = [None if current.get(p) is None or prev.get(p) is None else current[p] - prev[p]
                           for p in sn[model].get(r["la"], [])]
                assert r[f"flag_{model}"] == adverse_move_flag(r["change_1y"], changes, m["polarity"]), (end, r["la"])
            checked += 1
    assert checked > 500
