"""Features: known before their date (the leakage tests, for inspection rows and the panel),
missing kept missing, targets and labels as documented, statistics read by measure id."""
from __future__ import annotations

import math
import shutil
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from cscwatch.risk.features import (
    INDICATOR_BY_NAME,
    build_features,
    build_inspection_set,
    load_risk_data,
    load_statistics,
    panel_keys,
    panel_labels,
)
from cscwatch.risk.history import load_history
from cscwatch.risk.rules import load_rules
from cscwatch.store import Store


def _delete_published_from(store: Store, cutoff: date) -> None:
    """Remove every figure, report and letter public on or after ``cutoff``."""
    with store.transaction() as con:
        con.execute("DELETE FROM observation o WHERE EXISTS (SELECT 1 FROM release r WHERE r.source_id = o.source_id "
                    "AND r.period = o.period AND r.published >= ?)", [cutoff])
        con.execute("DELETE FROM release WHERE published >= ?", [cutoff])
        later = [r[0] for r in con.execute(
            "SELECT inspection_id FROM inspection WHERE coalesce(publication_date, start_date + INTERVAL 60 DAY) >= ?",
            [cutoff]).fetchall()]
        for iid in later:
            con.execute("DELETE FROM judgement WHERE inspection_id = ?", [iid])
            con.execute("DELETE FROM inspection WHERE inspection_id = ?", [iid])
        con.execute("DELETE FROM visit WHERE coalesce(publication_date, visit_date + INTERVAL 28 DAY) >= ?", [cutoff])


def _features_at(store: Store, keys: pd.DataFrame) -> pd.DataFrame:
    return build_features(keys, load_history(store), load_statistics(store), rules=load_rules())


@pytest.mark.parametrize("cutoff", [date(2019, 7, 1), date(2023, 4, 1)])
def test_panel_leakage_deleting_later_data_changes_no_feature(synth_store, tmp_path, cutoff):
    """Every LA's panel features on ``cutoff`` are identical after deleting everything published
    on or after it."""
    keys = panel_keys(load_history(synth_store), [cutoff])
    before = _features_at(synth_store, keys)
    scratch = tmp_path / "trimmed.duckdb"
    synth_store.con.execute("CHECKPOINT")
    shutil.copy(synth_store.path, scratch)
    with Store(scratch) as trimmed:
        _delete_published_from(trimmed, cutoff)
        after = _features_at(trimmed, keys)
    assert before.notna().sum().sum() > 10 * len(keys)  # the rows are not empty
    gone = [c for c in before.columns if c not in after.columns]  # an indicator not yet published at all
    assert before[gone].isna().all().all()
    pd.testing.assert_frame_equal(before[list(after.columns)], after)


def test_inspection_rows_leakage(synth_store, tmp_path):
    """An inspection row's features (cut at its first day of fieldwork) survive deleting everything
    published on or after that day."""
    h = load_history(synth_store)
    ins = build_inspection_set(h, load_statistics(synth_store), load_rules())
    picks = ins.meta.index[[len(ins.meta) // 2, -3]]
    for i in picks:
        row = ins.meta.loc[i]
        keys = pd.DataFrame({"la_code_old": [row["la_code_old"]], "cutoff": [row["start_date"]]})
        scratch = tmp_path / f"t{i}.duckdb"
        synth_store.con.execute("CHECKPOINT")
        shutil.copy(synth_store.path, scratch)
        with Store(scratch) as trimmed:
            _delete_published_from(trimmed, row["start_date"])
            after = _features_at(trimmed, keys)
        pd.testing.assert_series_equal(ins.X.loc[i], after.iloc[0], check_names=False)


def test_a_figure_counts_only_from_its_publication_day(synth_store):
    data = load_risk_data(synth_store)
    mid = INDICATOR_BY_NAME["cin_rereferral_pct"].measure_ids[0]
    la, day = "805", date(2022, 6, 1)
    keys = pd.DataFrame({"la_code_old": [la], "cutoff": [day]})
    for published, counts in ((day, False), (day - timedelta(days=1), True)):
        with synth_store.transaction() as con:
            con.execute("DELETE FROM observation WHERE source_id = 'planted'")
            con.execute("DELETE FROM release WHERE source_id = 'planted'")
            con.execute("INSERT INTO release VALUES ('planted', '2099', ?, 'test')", [published])
            con.execute("INSERT INTO observation VALUES (?, '2099', ?, ?, 99.0, NULL, 'planted')",
                        [la, day - timedelta(days=2), mid])
        X = _features_at(synth_store, keys)
        assert bool(X["cin_rereferral_pct_level"].iloc[0] == 99.0) is counts
    assert "cin_rereferral_pct_level" in data.panel.X.columns  # the column is named by the measure id


def test_missing_stays_missing(synth_data):
    X, meta = synth_data.panel.X, synth_data.panel.meta
    early = np.array([d < date(2020, 2, 1) for d in meta["cutoff"]])  # visit record from Feb 2019
    assert X.loc[early, "mv_12m"].isna().all() and X.loc[~early, "mv_12m"].notna().any()
    assert (X.loc[~early, "mv_12m"].dropna() >= 0).all()
    assert X.loc[X["no_prev"] == 1, "prev_grade_rank"].isna().all()
    assert X.loc[[d < date(2012, 11, 30) for d in meta["cutoff"]], "cin_rereferral_pct_level"].isna().all()


def test_measure_missing_from_the_store_drops_its_features_with_a_note(synth_store):
    mid = INDICATOR_BY_NAME["sw_agency_rate"].measure_ids[0]
    with synth_store.transaction() as con:
        con.execute("DELETE FROM observation WHERE measure_id = ?", [mid])
    stats = load_statistics(synth_store)
    assert "sw_agency_rate" not in {i.name for i in stats.indicators}
    assert any(mid in n for n in stats.notes)


def test_inspection_rows_need_a_real_start_date(synth_data):
    ins = synth_data.inspections
    assert ins.meta["start_date"].notna().all() and not ins.meta["start_estimated"].any()
    sif = [e for evs in synth_data.history.own_events().values() for e in evs if e.framework == "SIF"]
    assert sum(e.start is None for e in sif) > 10  # left out, never estimated
    assert len(ins.meta[ins.meta["framework"] == "SIF"]) == sum(e.start is not None for e in sif)


def test_targets(synth_data):
    ins = synth_data.inspections
    y, meta = ins.y, ins.meta
    new = meta["framework"] == "ILACS-2026"
    assert new.any() and y.loc[new, "inadequate"].isna().all() and y.loc[new, "any_inadequate"].notna().all()
    # any_inadequate is leaders or help and protection inadequate
    assert (y["any_inadequate"] >= y["leaders"]).all() and (y["any_inadequate"] >= y["help_protection"]).all()
    assert y.loc[ins.X["prev_grade_rank"].isna(), "decline"].isna().all()


def test_panel_labels_ambiguous_or_unseen_windows_are_unknown(synth_data):
    h = synth_data.history
    keys = pd.DataFrame({"la_code_old": ["800"] * 3, "cutoff": [date(2015, 1, 1), date(2020, 1, 1), date(2026, 1, 1)]})
    y, known = panel_labels(keys, h)
    assert math.isnan(y.loc[2, "inspected_12m"])  # runs past the end of the register
    assert all(k >= d + timedelta(days=365) for k, d in zip(known, keys["cutoff"]))
    # a SIF inspection with no start date, published inside a window, is not counted as in or out
    sif = next(e for evs in h.own_events().values() for e in evs if e.framework == "SIF" and e.start is None)
    edge = pd.DataFrame({"la_code_old": [sif.la_code_old], "cutoff": [sif.published - timedelta(days=100)]})
    assert math.isnan(panel_labels(edge, h)[0].loc[0, "inspected_3m"])
    full = synth_data.panel
    assert set(full.y["inspected_12m"].dropna().unique()) == {0.0, 1.0}
    assert (full.y["inadequate_12m"].fillna(0) <= full.y["inspected_12m"].fillna(1)).all()
