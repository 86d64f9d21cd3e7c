"""RollingOriginSplit: never trains on an outcome published on or after the test fold's start."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cscwatch.risk.backtest import RollingOriginSplit


def _dates(n, seed=0):
    rng = np.random.default_rng(seed)
    start = [date(2014, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 365 * 11, n)]
    published = [s + timedelta(days=int(lag)) for s, lag in zip(start, rng.integers(20, 400, n))]
    return start, published


def test_train_published_before_fold_start_and_test_starts_in_year():
    start, published = _dates(300)
    y = np.random.default_rng(1).integers(0, 2, 300)
    splitter = RollingOriginSplit(start, published, min_train=20, min_positive=2)
    folds = list(splitter.folds(y))
    assert folds, "expected some folds"
    for year, train, test in folds:
        assert all(published[i] < date(year, 1, 1) for i in train)
        assert all(start[i].year == year for i in test)
        assert not set(train) & set(test)
    assert splitter.get_n_splits(y=y) == len(folds)
    assert [len(t) for t in splitter.split(None, y)] == [2] * len(folds)


def test_outcome_published_on_fold_start_is_excluded():
    start = [date(2018, 3, 1), date(2018, 9, 1), date(2019, 2, 1)]
    published = [date(2018, 5, 1), date(2019, 1, 1), date(2019, 4, 1)]  # the 2nd is public on 1 Jan 2019
    splitter = RollingOriginSplit(start, published, years=[2019], min_train=1, min_positive=0)
    [(year, train, test)] = list(splitter.folds())
    assert year == 2019 and list(train) == [0] and list(test) == [2]


def test_gap_months_moves_the_origin_back():
    start = [date(2018, 3, 1), date(2018, 6, 1), date(2019, 2, 1)]
    published = [date(2018, 5, 1), date(2018, 8, 1), date(2019, 4, 1)]
    splitter = RollingOriginSplit(start, published, years=[2019], gap_months=6, min_train=1, min_positive=0)
    [(_, train, _)] = list(splitter.folds())
    assert list(train) == [0]  # published 1 Aug 2018 is after the 1 Jul 2018 origin


def test_small_training_sets_are_skipped():
    start, published = _dates(50)
    assert list(RollingOriginSplit(start, published, min_train=10_000).split()) == []


def test_mismatched_lengths_fail_loudly():
    with pytest.raises(ValueError):
        RollingOriginSplit([date(2020, 1, 1)], [])
    with pytest.raises(ValueError, match="rows"):
        list(RollingOriginSplit([date(2020, 1, 1)], [date(2020, 3, 1)]).folds(np.array([0, 1])))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 500)), min_size=5, max_size=120),
       st.integers(0, 12))
def test_property_no_training_row_is_published_on_or_after_origin(rows, gap):
    start = [date(2013, 1, 1) + timedelta(days=s) for s, _ in rows]
    published = [s + timedelta(days=lag) for s, (_, lag) in zip(start, rows)]
    splitter = RollingOriginSplit(start, published, gap_months=gap, min_train=1, min_positive=0)
    for year, train, test in splitter.folds():
        origin = splitter.fold_origin(year).astype("datetime64[D]").astype(object)
        assert all(published[i] < origin for i in train)
        assert all(start[i].year == year for i in test)
