"""Metrics on small generated data with known answers, and against scikit-learn's definitions."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from cscwatch.risk.backtest import (
    average_precision,
    brier,
    calibration_table,
    cluster_bootstrap,
    compute_metrics,
    roc_auc,
    top_recall,
)


def test_auc_known_answers():
    y = np.array([0, 0, 1, 1])
    assert roc_auc(y, np.array([0.1, 0.2, 0.8, 0.9])) == 1.0
    assert roc_auc(y, np.array([0.9, 0.8, 0.2, 0.1])) == 0.0
    assert roc_auc(y, np.array([0.5, 0.5, 0.5, 0.5])) == 0.5
    # one positive below one negative: 3 of 4 pairs right
    assert roc_auc(y, np.array([0.1, 0.6, 0.5, 0.9])) == 0.75
    assert roc_auc(np.array([0, 0]), np.array([0.1, 0.2])) is None


def test_top_recall_known_answers():
    y = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    p = np.linspace(1.0, 0.1, 10)  # the first row is riskiest
    assert top_recall(y, p, 0.10) == 0.5  # top 1 row holds 1 of 2 positives
    assert top_recall(y, p, 0.20) == 0.5
    assert top_recall(y, p[::-1], 0.10) == 0.5  # reversed: the last row now tops
    # ties at the boundary share the places pro rata: 2 rows tie for 1 place, one of them positive
    assert top_recall(np.array([1, 0, 0, 0]), np.array([0.9, 0.9, 0.1, 0.1]), 0.25) == 0.5
    assert top_recall(np.array([0, 0]), np.array([0.1, 0.2]), 0.5) is None


def test_matches_sklearn_on_random_data():
    rng = np.random.default_rng(3)
    for _ in range(20):
        y = rng.integers(0, 2, 80)
        p = np.round(rng.random(80), 2)  # rounded: ties happen
        assert roc_auc(y, p) == pytest.approx(roc_auc_score(y, p))
        assert average_precision(y, p) == pytest.approx(average_precision_score(y, p))
        assert brier(y, p) == pytest.approx(brier_score_loss(y, p))


def test_calibration_table_counts():
    y = np.array([0, 1, 0, 1, 1])
    p = np.array([0.01, 0.02, 0.15, 0.6, 0.95])
    table = calibration_table(y, p)
    by = {row["bin"]: row for row in table}
    assert by["0%–5%"]["n"] == 2 and by["0%–5%"]["observed"] == 0.5
    assert by["10%–20%"]["positives"] == 0
    assert by["50%–100%"]["n"] == 2 and by["50%–100%"]["mean_predicted"] == pytest.approx(0.775)
    assert sum(row["n"] for row in table) == 5


def test_cluster_bootstrap_brackets_the_estimate_and_is_reproducible():
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(40), 3)
    y = rng.integers(0, 2, 120)
    p = np.clip(y * 0.3 + rng.random(120) * 0.7, 0, 1)
    a = cluster_bootstrap(y, p, groups, n_boot=200, seed=5)
    b = cluster_bootstrap(y, p, groups, n_boot=200, seed=5)
    assert a == b
    point = compute_metrics(y, p)
    for name, (lo, hi) in a.items():
        assert lo <= point[name] <= hi, name
    # a perfect ranking stays perfect under resampling
    perfect = cluster_bootstrap(y, y.astype(float), groups, n_boot=50)
    assert perfect["auc"] == [1.0, 1.0]


def test_paired_auc_difference():
    import pandas as pd

    from cscwatch.risk.backtest import paired_auc_difference

    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 200)
    good = y * 0.5 + rng.random(200) * 0.5
    noise = rng.random(200)
    preds = pd.DataFrame({"y": y, "la_code_old": np.repeat(np.arange(50), 4), "good": good, "noise": noise})
    d = paired_auc_difference(preds, "good", "noise", n_boot=200)
    assert d["difference"] == pytest.approx(roc_auc(y, good) - roc_auc(y, noise))
    assert 0 < d["low"] < d["difference"] < d["high"]
    same = paired_auc_difference(preds, "good", "good", n_boot=50)
    assert same == {"difference": 0.0, "low": 0.0, "high": 0.0}
