"""Metrics with known answers, against scikit-learn; the bootstrap; the one splitter."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from cscwatch.risk.backtest import (
    ClusterBootstrap,
    RollingOriginSplit,
    auc_within_year,
    average_precision,
    bootstrap_intervals,
    brier,
    calibration_table,
    roc_auc,
    top_recall,
)


def test_known_answers():
    y = np.array([0, 0, 1, 1])
    assert roc_auc(y, np.array([0.1, 0.2, 0.8, 0.9])) == 1.0
    assert roc_auc(y, np.array([0.5, 0.5, 0.5, 0.5])) == 0.5
    assert roc_auc(y, np.array([0.1, 0.6, 0.5, 0.9])) == 0.75
    assert roc_auc(np.array([0, 0]), np.array([0.1, 0.2])) is None
    y10 = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert top_recall(y10, np.arange(10, 0, -1) / 10, 0.2) == 0.5
    assert top_recall(y10, np.full(10, 0.3), 0.2) == pytest.approx(0.2)  # ties share places


def test_against_sklearn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    p = np.round(rng.random(300), 2)  # ties
    assert roc_auc(y, p) == pytest.approx(roc_auc_score(y, p))
    assert average_precision(y, p) == pytest.approx(average_precision_score(y, p))
    assert brier(y, p) == pytest.approx(brier_score_loss(y, p))


def test_within_year_auc_ignores_the_year_effect():
    """Scores that only know the year rank well pooled and at chance within years."""
    year = np.repeat([2016, 2024], 200)
    rng = np.random.default_rng(1)
    y = (rng.random(400) < np.where(year == 2016, 0.3, 0.05)).astype(int)
    p = np.where(year == 2016, 0.3, 0.05)
    strat, mean = auc_within_year(y, p, year)
    assert roc_auc(y, p) > 0.65 and strat == pytest.approx(0.5) and mean == pytest.approx(0.5)


def test_weighted_bootstrap_metrics_equal_the_plain_ones_at_unit_weights():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 200).astype(float)
    tied = np.round(rng.random(200), 2)
    num, den = ClusterBootstrap.auc_parts(np.ones((1, 200)), y, tied)
    assert num[0] / den[0] == pytest.approx(roc_auc(y, tied))
    p = tied  # ties handled like the point estimates
    other = ClusterBootstrap.other_metrics(np.ones((1, 200)), y, p)
    assert other["brier"][0] == pytest.approx(brier(y, p))
    assert other["average_precision"][0] == pytest.approx(average_precision(y, p))
    assert other["top20_recall"][0] == pytest.approx(top_recall(y, p, 0.2))
    assert other["top10_recall"][0] == pytest.approx(top_recall(y, p, 0.1))
    ones = np.ones(200)  # every row tied: the top fifth holds a fifth of the positives
    assert ClusterBootstrap.other_metrics(np.ones((1, 200)), y, ones)["top20_recall"][0] == pytest.approx(0.2)


def test_intervals_and_paired_gaps():
    rng = np.random.default_rng(3)
    n = 600
    groups = rng.integers(0, 60, n).astype(str)
    year = rng.choice([2020, 2021, 2022], n)
    signal = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-1 + 2 * signal)))).astype(float)
    preds = {"good": signal + rng.normal(0, 0.5, n), "noise": rng.random(n)}
    iv, paired = bootstrap_intervals(y, preds, year, groups, n_boot=100, pairs=[("good", "noise")])
    lo, hi = iv["good"]["auc"]
    assert lo < roc_auc(y, preds["good"]) < hi
    assert paired[("good", "noise")]["auc"][0] > 0
    assert set(iv["good"]) >= {"auc", "auc_within_year", "average_precision", "brier", "top10_recall", "top20_recall"}


def test_calibration_table_counts_every_row():
    rng = np.random.default_rng(4)
    p = rng.random(500)
    y = (rng.random(500) < p).astype(float)
    table = calibration_table(y, p)
    assert sum(r["n"] for r in table) == 500


# -- the one splitter ----------------------------------------------------------------------
def _dates(n, seed=0):
    rng = np.random.default_rng(seed)
    start = [date(2014, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 365 * 11, n)]
    published = [s + timedelta(days=int(lag)) for s, lag in zip(start, rng.integers(20, 400, n))]
    return start, published


def test_train_published_before_origin_test_in_year_unlabelled_never_trained():
    start, published = _dates(300)
    y = np.random.default_rng(1).integers(0, 2, 300).astype(float)
    y[::7] = np.nan
    folds = list(RollingOriginSplit(start, published, min_train=20, min_positive=2).folds(y))
    assert folds
    for year, train, test in folds:
        assert all(published[i] < date(year, 1, 1) for i in train)
        assert all(start[i].year == year for i in test)
        assert not np.isnan(y[train]).any()


def test_outcome_published_on_the_origin_is_excluded():
    start = [date(2018, 3, 1), date(2018, 9, 1), date(2019, 2, 1)]
    published = [date(2018, 5, 1), date(2019, 1, 1), date(2019, 4, 1)]
    [(year, train, test)] = list(RollingOriginSplit(start, published, years=[2019], min_train=1,
                                                    min_positive=0).folds())
    assert year == 2019 and list(train) == [0] and list(test) == [2]


def test_mismatched_lengths_fail_loudly():
    with pytest.raises(ValueError):
        RollingOriginSplit([date(2020, 1, 1)], [])
    with pytest.raises(ValueError, match="rows"):
        list(RollingOriginSplit([date(2020, 1, 1)], [date(2020, 3, 1)]).folds(np.array([0, 1])))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 500)), min_size=5, max_size=80), st.integers(0, 12))
def test_property_no_training_row_is_public_on_or_after_the_origin(rows, gap):
    start = [date(2013, 1, 1) + timedelta(days=s) for s, _ in rows]
    published = [s + timedelta(days=lag) for s, (_, lag) in zip(start, rows)]
    splitter = RollingOriginSplit(start, published, gap_months=gap, min_train=1, min_positive=0)
    for year, train, test in splitter.folds():
        origin = splitter.fold_origin(year).astype("datetime64[D]").astype(object)
        assert all(published[i] < origin for i in train)
        assert all(start[i].year == year for i in test)
