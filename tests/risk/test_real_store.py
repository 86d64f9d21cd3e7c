"""The pipeline on the store `cscwatch build` made from the bundled data (skips when there is none)."""
from __future__ import annotations

import time

import pytest

from cscwatch.risk.backtest import run_backtest
from cscwatch.risk.features import FeatureBuilder
from cscwatch.risk.models import GBMRisk, PreviousGradeBaseline
from cscwatch.risk.scores import explain, score

pytestmark = pytest.mark.slow

#: The indicators the issue names; each must be found in the real warehouse.
MAIN_FEATURES = ("rereferral", "assessment_45d", "repeat_cpp", "cin_rate", "cpp_rate", "cla_rate",
                 "placements_3plus", "agency_rate", "vacancy_rate", "turnover_rate", "caseload",
                 "spend_per_child", "deprivation")


@pytest.fixture(scope="module")
def real_features(real_store):
    return FeatureBuilder().build(real_store)


def test_main_features_present_on_the_real_store(real_features):
    fs = real_features
    missing = [c for c in MAIN_FEATURES if c not in fs.measures]
    assert not missing, f"no warehouse measure for {missing}"
    recent = fs.meta["year"] >= 2019
    for c in MAIN_FEATURES:
        share = fs.X.loc[recent, f"{c}_level"].notna().mean()
        assert share > 0.6, f"{c}: only {share:.0%} of 2019+ inspections have a level"
    assert fs.X.loc[recent, "rereferral_vs_nbr"].notna().mean() > 0.8
    assert fs.X.loc[fs.meta["year"] >= 2023, "monitoring_visits_since"].notna().mean() > 0.8


def test_real_data_set_has_sif_and_ilacs_rows_and_all_targets(real_features):
    fs = real_features
    fws = fs.meta["framework"].value_counts()
    assert fws.get("SIF", 0) > 140 and fws.filter(like="ILACS").sum() > 250
    assert 40 <= fs.y["inadequate"].sum() <= 120
    assert fs.y["any_inadequate"].sum() >= fs.y["inadequate"].sum()


def test_backtest_end_to_end_on_real_store(real_features):
    t0 = time.perf_counter()
    models = [("previous_grade", PreviousGradeBaseline(), True), ("lightgbm", GBMRisk(), False)]
    r = run_backtest(real_features, target="inadequate", models=models, n_boot=100, grouped_folds=0)
    assert time.perf_counter() - t0 < 60
    assert r.years[0] <= 2017 and r.years[-1] >= 2024
    assert r.n_scored > 250 and r.n_positive > 30
    for m in r.models:
        assert 0.3 < m.metrics["auc"] < 0.95  # a sane number, not a leak (a leak shows as ~1.0)


def test_scores_and_explain_on_real_store(real_store):
    rows = score(real_store, as_of="2025-06-01")
    assert 145 <= len(rows) <= 160
    e = explain(real_store, "Birmingham", as_of="2025-06-01")
    assert e["la_code_old"] == "330"
    assert e["pushing_up"] or e["pushing_down"]


@pytest.mark.parametrize("as_of,expected,present,absent", [
    ("2025-06-01", 153, {"942", "943", "940", "941", "839", "838"}, {"909", "928", "835", "836", "837"}),
    ("2020-06-01", 151, {"909", "928", "839", "838"}, {"942", "943", "940", "941", "835"}),
])
def test_scores_cover_exactly_the_authorities_existing_on_the_date(real_store, as_of, expected, present, absent):
    """Shared services (one workforce return for two LAs) and LAs not yet created or abolished are not scored."""
    codes = {r["la_code_old"] for r in score(real_store, as_of=as_of)}
    assert len(codes) == expected
    assert present <= codes and not (absent & codes)
    assert not any("/" in c for c in codes)
