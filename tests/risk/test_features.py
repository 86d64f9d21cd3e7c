"""Features: known before the inspection started, missing kept missing, the leakage test."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from cscwatch.risk.features import (
    DEFAULT_SIF_START_LAG_DAYS,
    FeatureBuilder,
    load_snapshot,
    resolve_measures,
)


def _delete_published_from(store, cutoff: date, keep_inspection: str) -> None:
    """Remove every figure, report and letter public on or after ``cutoff`` (except the inspection itself)."""
    with store.transaction() as con:
        con.execute("DELETE FROM observation o WHERE EXISTS (SELECT 1 FROM release r WHERE r.source_id = o.source_id "
                    "AND r.period = o.period AND r.published >= ?)", [cutoff])
        con.execute("DELETE FROM release WHERE published >= ?", [cutoff])
        later = [r[0] for r in con.execute(
            "SELECT inspection_id FROM inspection WHERE inspection_id <> ? AND coalesce(publication_date, "
            "start_date + INTERVAL 60 DAY) >= ?", [keep_inspection, cutoff]).fetchall()]
        for iid in later:
            con.execute("DELETE FROM judgement WHERE inspection_id = ?", [iid])
            con.execute("DELETE FROM inspection WHERE inspection_id = ?", [iid])
        con.execute("DELETE FROM visit WHERE coalesce(publication_date, visit_date + INTERVAL 28 DAY) >= ?", [cutoff])


def test_leakage_rebuilding_without_later_data_gives_identical_features(synth_store):
    store = synth_store
    measures = resolve_measures(store)
    snap = load_snapshot(store, measures=measures)
    visits_from = date(1970, 1, 1) + timedelta(days=snap.visits_from)
    builder = FeatureBuilder(measures=measures, visits_from=visits_from)
    full = builder.build(store, snap)
    meta = full.meta
    # ILACS rows with real start dates and SIF rows with estimated ones, spread over the years
    picks = [meta[meta["framework"].str.startswith("ILACS")].index[i] for i in (20, -2)]
    picks += [meta[meta["framework"] == "SIF"].index[5]]
    for idx in picks:
        row = meta.loc[idx]
        path = store.path
        before = full.X.loc[idx]
        store.close()
        import shutil
        scratch = path.with_name(f"leak-{idx}.duckdb")
        shutil.copy(path, scratch)
        from cscwatch.store import Store

        trimmed = Store(scratch)
        _delete_published_from(trimmed, row["start_date"], row["inspection_id"])
        again = FeatureBuilder(measures=measures, visits_from=visits_from).build(trimmed)
        after = again.X[again.meta["inspection_id"] == row["inspection_id"]].iloc[0]
        trimmed.close()
        pd.testing.assert_series_equal(before, after, check_names=False, obj=row["inspection_id"])
        store.__init__(path)  # reopen the fixture's store for the next pick
        assert not np.isnan(before["rereferral_level"]) or row["year"] < 2012


def test_data_published_after_start_changes_nothing_but_before_does(synth_store):
    """A planted figure counts only from its publication day."""
    store = synth_store
    fs = FeatureBuilder().build(store)
    row = fs.meta[fs.meta["framework"].str.startswith("ILACS")].iloc[10]
    la, start = row["la_code_old"], row["start_date"]
    base = fs.X.loc[fs.meta["inspection_id"] == row["inspection_id"], "rereferral_level"].iloc[0]
    for published, should_change in ((start, False), (start - timedelta(days=1), True)):
        with store.transaction() as con:
            con.execute("DELETE FROM observation WHERE period = '2099' OR source_id = 'planted'")
            con.execute("DELETE FROM release WHERE source_id = 'planted'")
            con.execute("INSERT INTO release (source_id, period, published, rule) VALUES ('planted', '2099', ?, 'data')",
                        [published])
            con.execute("INSERT INTO observation (la, period, period_end, measure_id, value, status, source_id) "
                        "VALUES (?, '2099', ?, 'rereferral_rate', 99.0, NULL, 'planted')", [la, start - timedelta(days=2)])
        again = FeatureBuilder().build(store)
        value = again.X.loc[again.meta["inspection_id"] == row["inspection_id"], "rereferral_level"].iloc[0]
        assert bool(value == 99.0) is should_change
        assert should_change or value == base


def test_missing_values_are_nan_never_zero(synth_store):
    fs = FeatureBuilder().build(synth_store)
    early = fs.meta["year"] <= 2012
    # nothing was published before 2011's autumn, and visits are recorded from 2019 only
    assert fs.X.loc[early, "sw_agency_rate_level" if "sw_agency_rate_level" in fs.X else "agency_rate_level"].isna().all()
    assert fs.X.loc[fs.meta["year"] < 2019, "monitoring_visits_since"].isna().all()
    assert (fs.X.loc[fs.meta["year"] >= 2022, "monitoring_visits_since"].dropna() >= 0).all()
    first = fs.X["no_prev"] == 1
    assert fs.X.loc[first, "prev_overall_rank"].isna().all()


def test_targets(synth_store):
    fs = FeatureBuilder().build(synth_store)
    y, meta, X = fs.y, fs.meta, fs.X
    assert set(y.columns) == {"inadequate", "decline", "any_inadequate"}
    inad = meta["overall_grade"] == "inadequate"
    assert (y.loc[inad, "inadequate"] == 1).all() and (y.loc[inad, "any_inadequate"] == 1).all()
    # decline is undefined without a previous overall grade
    assert y.loc[X["prev_overall_rank"].isna(), "decline"].isna().all()
    ranks = {"outstanding": 1, "good": 2, "requires improvement": 3, "inadequate": 4}
    known = X["prev_overall_rank"].notna()
    expected = (meta.loc[known, "overall_grade"].map(ranks) > X.loc[known, "prev_overall_rank"]).astype(float)
    assert (y.loc[known, "decline"] == expected).all()


def test_rows_are_graded_sif_and_ilacs_with_estimated_sif_starts(synth_store):
    fs = FeatureBuilder().build(synth_store)
    assert set(fs.meta["framework"]) <= {"SIF", "ILACS", "ILACS-2023", "ILACS-2026"}
    sif = fs.meta[fs.meta["framework"] == "SIF"]
    assert sif["start_estimated"].all()
    lag = (pd.to_datetime(sif["published"]) - pd.to_datetime(sif["start_date"])).dt.days
    assert (lag == DEFAULT_SIF_START_LAG_DAYS).all()
    assert not fs.meta.loc[fs.meta["framework"] != "SIF", "start_estimated"].any()


def test_missing_measure_drops_features_with_a_note(synth_store):
    with synth_store.transaction() as con:
        con.execute("DELETE FROM observation WHERE measure_id = 'sw_agency_rate'")
        con.execute("DELETE FROM measure WHERE measure_id = 'sw_agency_rate'")
    fs = FeatureBuilder().build(synth_store)
    assert "agency_rate_level" not in fs.X.columns
    assert any("agency social worker rate" in n for n in fs.notes)
    assert "rereferral_level" in fs.X.columns


def test_current_rows_for_current_las_only(synth_store):
    fs = FeatureBuilder(as_of="2024-06-01").build_current(synth_store)
    codes = set(fs.meta["la_code_old"])
    assert "859" not in codes and len(codes) == 59  # the defunct LA is left out
    assert set(fs.meta["inspection_type"]) <= {"short", "standard"}
    short = fs.meta["inspection_type"] == "short"
    assert fs.X.loc[short, "prev_overall_rank"].isin([1, 2]).all()


def test_unbuilt_store_is_a_clear_error(tmp_path):
    from cscwatch.errors import StoreNotBuilt
    from cscwatch.store import Store

    s = Store(":memory:", migrate=False)
    with pytest.raises(StoreNotBuilt, match="cscwatch build"):
        FeatureBuilder().build(s)
