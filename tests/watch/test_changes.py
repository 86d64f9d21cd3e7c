"""``what_changed`` on a small hand-made store whose bands, flags and grades are worked out by hand."""
from __future__ import annotations

from datetime import date

import pytest

from cscwatch.errors import CscwatchError
from cscwatch.watch import changes as changes_mod
from cscwatch.watch.changes import early_warning_scores, what_changed

from .conftest import WINDOW


def _by(result, kind):
    return {(i["la_code_old"]): i for i in result["items"] if i["kind"] == kind}


def test_everything_that_changed_in_the_window(tiny, fake_scores):
    got = what_changed(tiny, *WINDOW)
    assert got["counts"] == {"inspection": 2, "visit": 1, "publication": 0, "statistics": 0, "band": 4, "flag": 1,
                             "score": 1}
    insp = _by(got, "inspection")
    assert insp["801"]["title"] == ("LA 1: ILACS-2023 standard inspection published 2024-10-15: overall inadequate "
                                    "(was good)")
    assert insp["802"]["title"].endswith("leaders good; help and protection requires improvement to be good")
    assert _by(got, "visit")["803"]["title"] == "LA 3: Focused visit on 2024-10-01 (Front door)"
    bands = _by(got, "band")
    assert bands["801"]["detail"]["previous_band"] == "A" and bands["801"]["detail"]["band"] == "D"
    assert bands["801"]["detail"]["direction"] == "worse"
    assert {la: (b["detail"]["previous_band"], b["detail"]["band"]) for la, b in bands.items() if la != "801"} == {
        "803": ("B", "A"), "805": ("C", "B"), "807": ("D", "C")}
    assert set(_by(got, "flag")) == {"801"} and _by(got, "flag")["801"]["detail"]["change_1y"] == 20.0
    assert _by(got, "score")["801"]["title"] == ("LA 1: early-warning band medium to high, probability 0.10 to 0.40 "
                                                  "(up), rank 5 to 1")
    dates = [i["date"] for i in got["items"]]
    assert dates == sorted(dates, reverse=True)
    assert len({i["id"] for i in got["items"]}) == len(got["items"])


def test_key_measures_only_by_default(tiny, fake_scores):
    every = what_changed(tiny, *WINDOW, measures=None, kinds=("band", "flag"))
    assert every["counts"] == {"band": 8, "flag": 2}
    assert {i["detail"]["measure_id"] for i in every["items"]} == {"cin_rereferral_pct", "other_pct"}
    chosen = what_changed(tiny, *WINDOW, measures=["other_pct"], kinds=("band", "flag"))
    assert {i["detail"]["measure_id"] for i in chosen["items"]} == {"other_pct"}


def test_an_la_and_its_peers(tiny, fake_scores):
    one = what_changed(tiny, *WINDOW, las=["LA 1"])
    assert {i["la_code_old"] for i in one["items"]} == {"801"} and one["la_names"] == ["LA 1"]
    group = what_changed(tiny, *WINDOW, las="LA 1", peers="LA 3,804")
    assert group["las"] == ["801", "803", "804"]
    assert {i["la_code_old"] for i in group["items"]} == {"801", "803"}
    neighbours = what_changed(tiny, *WINDOW, las="801", peers="sn2025", kinds=("inspection",))
    assert len(neighbours["las"]) == 8 and neighbours["counts"] == {"inspection": 2}
    with pytest.raises(CscwatchError, match="give --la too"):
        what_changed(tiny, *WINDOW, peers="sn2025")


def test_outside_the_window_nothing(tiny, fake_scores):
    got = what_changed(tiny, date(2022, 1, 1), date(2022, 12, 31), kinds=("inspection", "visit", "band", "flag"))
    assert got["items"] == []
    with pytest.raises(CscwatchError, match="is after"):
        what_changed(tiny, date(2024, 2, 1), date(2024, 1, 1))
    with pytest.raises(CscwatchError, match="unknown kind"):
        what_changed(tiny, *WINDOW, kinds=("gossip",))


def test_scores_unavailable_is_a_note_not_a_failure(tiny, monkeypatch):
    def broken(_store, as_of):
        raise ValueError("no outcomes of both kinds published before 2024-10-01: cannot fit a model")
    monkeypatch.setattr(changes_mod, "early_warning_scores", broken)
    got = what_changed(tiny, *WINDOW, kinds=("score", "inspection"))
    assert got["counts"] == {"score": 0, "inspection": 2}
    assert got["notes"] == ["early-warning scores not compared: no outcomes of both kinds published before "
                            "2024-10-01: cannot fit a model"]


def test_fetched_letters_and_loaded_statistics_are_changes_too(tiny, fake_scores):
    with tiny.transaction() as con:
        con.execute("INSERT INTO report_file VALUES ('/r/jtai.pdf', 'aa', 1, 'no_judgements', NULL, 'other', 1, now())")
        con.execute("INSERT INTO report_file VALUES ('/r/bad.pdf', 'bb', 1, 'error', 'no LA name', NULL, 1, now())")
        for link, kind, path in (("u/1", "jtai", "/r/jtai.pdf"), ("u/2", "inspection", "/r/bad.pdf")):
            con.execute("INSERT INTO watch_report_link (link, provider_urn, provider_url, la_code_old, title, doc_kind,"
                        " listed_date, first_seen, last_seen, status, path) VALUES (?, '1', 'p', '805', ?, ?,"
                        " DATE '2024-10-20', now(), now(), 'ingested', ?)", [link, kind.upper(), kind, path])
        con.execute("INSERT INTO watch_dataset_version (data_set_id, version, source_id, title, published,"
                    " release_title, time_period_end, state) VALUES ('ds', '2.0', 'cin_c1', 'Referrals',"
                    " TIMESTAMP '2024-10-31 09:30:00', '2024', '2024', 'loaded')")
    got = what_changed(tiny, *WINDOW, kinds=("publication", "statistics"))
    pubs = [i["title"] for i in got["items"] if i["kind"] == "publication"]
    assert pubs == ["LA 5: JTAI listed 2024-10-20", "LA 5: INSPECTION listed 2024-10-20 (not read: no LA name)"]
    [stats] = [i for i in got["items"] if i["kind"] == "statistics"]
    assert stats["la_code_old"] is None and stats["date"] == date(2024, 10, 31)
    assert stats["title"] == "New statistics: Referrals version 2.0 (2024), periods to 2024"
    only_la6 = what_changed(tiny, *WINDOW, las="LA 6", kinds=("publication", "statistics"))
    assert [i["kind"] for i in only_la6["items"]] == ["statistics"], "a release concerns every LA"


def test_the_adapter_matches_the_risk_model_it_wraps(tmp_path):
    """The one call into cscwatch.risk: if the risk API moves, this fails first."""
    from cscwatch.fixtures.risk import make_risk_store
    from cscwatch.store import Store

    with Store(tmp_path / "risk.duckdb") as s:
        make_risk_store(s, n_las=20, seed=2, first_year=2015)
        got = early_warning_scores(s, date(2024, 6, 1))
    assert len(got) >= 15
    one = next(iter(got.values()))
    assert set(one) == {"probability", "band", "rank", "la_name", "model"}
    assert 0 <= one["probability"] <= 1 and one["band"] in ("low", "medium", "raised", "high")
    assert sorted(v["rank"] for v in got.values()) == list(range(1, len(got) + 1))
