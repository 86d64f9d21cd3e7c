"""The previous report's themes as outcome features: the trial runs on the card's folds and keeps
them only when the paired AUC gap's interval is above zero."""
from datetime import date

import numpy as np
import pandas as pd

from cscwatch.risk import text_trial
from cscwatch.risk.card import RiskReport, render_card, themes_trial_section


def test_without_report_text_the_trial_says_why(synth_store, synth_data):
    t = text_trial.theme_trial(synth_store, synth_data, n_boot=10, seeds=(0,))
    assert t["ran"] is False and "report text" in t["why"]
    assert any("Not run on this store" in line for line in themes_trial_section(t))


def _planted(meta: pd.DataFrame, y: np.ndarray, strength: float) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    share = np.where(np.isnan(y), 0.2, strength * np.nan_to_num(y) + rng.normal(0.2, 0.05, len(y)))
    share[::4] = np.nan                                   # LAs whose earlier report was not ingested
    cols = {c: np.full(len(meta), np.nan) for c in ("theme_leadership_concern", "theme_report_age_days")}
    return pd.DataFrame({"theme_concern_share": share, "theme_recommendations": np.where(np.isnan(share), np.nan, 5.0),
                         **cols}, index=meta.index)


def test_a_planted_signal_is_found_and_kept(synth_store, synth_data, monkeypatch):
    y = synth_data.inspections.y["any_inadequate"].to_numpy(float)
    calls = []

    def frame(store, meta):
        calls.append(len(meta))
        return _planted(meta, y, strength=0.5)

    monkeypatch.setattr(text_trial, "theme_frame", frame)
    t = text_trial.theme_trial(synth_store, synth_data, n_boot=50, seeds=(0,))
    assert calls == [len(synth_data.inspections.meta)]
    assert t["ran"] and t["n_with_report"] < t["n_inspections"]
    logistic = next(r for r in t["all"] if r["model"] == "logistic_themes")
    assert logistic["auc_difference"] > 0.05 and logistic["auc_difference_ci"][0] > 0
    assert t["kept"] is True


def test_no_signal_is_not_kept_and_the_card_says_so(synth_data, synth_results, synth_store, monkeypatch):
    monkeypatch.setattr(text_trial, "theme_frame", lambda store, meta: _planted(
        meta, np.zeros(len(meta)), strength=0.0))
    t = text_trial.theme_trial(synth_store, synth_data, n_boot=50, seeds=(0,))
    assert t["kept"] is False
    report = RiskReport(synth_data, synth_results, [], {}, [], 50, extra={"themes_trial": t})
    text = render_card(report, generated=date(2026, 1, 1))
    assert "## The previous report's text as features" in text and "**Not kept**" in text
    assert "lightgbm_themes" in text and "logistic_themes" in text


def test_theme_frame_cuts_at_fieldwork_and_excludes_the_inspection(monkeypatch):
    seen = []

    def features(store, la, as_of, *, exclude_inspection_id=None):
        seen.append((la, as_of, exclude_inspection_id))
        return {"theme_concern_share": 0.1, "theme_recommendations": 3.0}

    import cscwatch.text.query as q
    monkeypatch.setattr(q, "previous_report_theme_features", features)
    meta = pd.DataFrame({"la_code_old": ["201", "202"], "start_date": [date(2019, 3, 4), date(2020, 5, 6)],
                         "inspection_id": ["a", "b"]})
    out = text_trial.theme_frame(None, meta)
    assert seen == [("201", date(2019, 3, 4), "a"), ("202", date(2020, 5, 6), "b")]
    assert out["theme_recommendations"].tolist() == [3.0, 3.0]
