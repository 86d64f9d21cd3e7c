"""Honest evaluation: a rolling origin through time, grouped-by-LA cross-validation, metrics with
cluster-bootstrap intervals, every model side by side.

Rolling origin: for each year Y, a model is trained only on inspections whose outcome was
published before 1 January Y (what anyone could have known then) and scores the inspections that
start in Y. Pooled metrics use every scored inspection once. Nothing is tuned on the reported
years: models carry fixed defaults or tune inside their training data.
"""
from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from joblib import Parallel, delayed
from sklearn.model_selection import GroupKFold

from cscwatch.risk.features import TARGETS, FeatureBuilder, FeatureSet
from cscwatch.risk.models import default_models, fresh
from cscwatch.store import Store


#: Fixed probability bins for calibration tables (few positives: deciles would hold ~3 each).
CALIBRATION_BINS: tuple[float, ...] = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0)


# --------------------------------------------------------------------------------------------
# The splitter
# --------------------------------------------------------------------------------------------
class RollingOriginSplit:
    """Yield (train, test) index arrays, one pair per test year.

    ``split(X, y, groups)`` needs the inspection dates, given at construction as ``start_dates``
    (when fieldwork began) and ``published`` (when the outcome became public). For test year Y the
    training rows are those published before 1 January Y (minus ``gap_months``), the test rows those
    starting in Y. Years with fewer than ``min_train`` training rows or ``min_positive`` positive
    training outcomes are skipped.
    """

    def __init__(self, start_dates: Sequence[date], published: Sequence[date], *, years: Sequence[int] | None = None,
                 gap_months: int = 0, min_train: int = 60, min_positive: int = 8):
        self.start_dates = pd.to_datetime(pd.Series(list(start_dates))).to_numpy()
        self.published = pd.to_datetime(pd.Series(list(published))).to_numpy()
        if len(self.start_dates) != len(self.published):
            raise ValueError("start_dates and published must have the same length")
        self.years = years
        self.gap_months = gap_months
        self.min_train = min_train
        self.min_positive = min_positive

    def fold_origin(self, year: int) -> np.datetime64:
        origin = pd.Timestamp(year=year, month=1, day=1) - pd.DateOffset(months=self.gap_months)
        return np.datetime64(origin.date(), "ns")

    def _years(self) -> list[int]:
        if self.years is not None:
            return list(self.years)
        yrs = pd.DatetimeIndex(self.start_dates).year
        return sorted(set(int(y) for y in yrs))

    def split(self, X=None, y=None, groups=None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for year, train, test in self.folds(y):
            yield train, test

    def folds(self, y=None) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """Like ``split`` but also yields the test year."""
        n = len(self.start_dates)
        if X_len := (len(y) if y is not None else None):
            if X_len != n:
                raise ValueError(f"y has {X_len} rows but the splitter was given {n} dates")
        start_year = pd.DatetimeIndex(self.start_dates).year.to_numpy()
        yy = None if y is None else np.asarray(y)
        for year in self._years():
            train = np.flatnonzero(self.published < self.fold_origin(year))
            test = np.flatnonzero(start_year == year)
            if len(test) == 0 or len(train) < self.min_train:
                continue
            if yy is not None and (yy[train].sum() < self.min_positive or len(np.unique(yy[train])) < 2):
                continue
            yield year, train, test

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        return sum(1 for _ in self.folds(y))


# --------------------------------------------------------------------------------------------
# Metrics (numpy, so thousands of bootstrap replicates stay fast; checked against sklearn in tests)
# --------------------------------------------------------------------------------------------
def roc_auc(y: np.ndarray, p: np.ndarray) -> float | None:
    """Probability a random positive outranks a random negative (ties count half)."""
    y = np.asarray(y).astype(bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = rankdata(p)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def average_precision(y: np.ndarray, p: np.ndarray) -> float | None:
    """Mean precision at each positive, thresholds at distinct scores (sklearn's definition)."""
    y = np.asarray(y).astype(float)
    n_pos = y.sum()
    if n_pos == 0:
        return None
    order = np.argsort(-np.asarray(p, float), kind="mergesort")
    ps, ys = np.asarray(p, float)[order], y[order]
    tp = np.cumsum(ys)
    last = np.r_[np.flatnonzero(np.diff(ps)), len(ps) - 1]  # last index of each tied score block
    tp_t = tp[last]
    precision = tp_t / (last + 1)
    recall = tp_t / n_pos
    d_recall = np.diff(np.r_[0.0, recall])
    return float((d_recall * precision).sum())


def brier(y: np.ndarray, p: np.ndarray) -> float | None:
    y = np.asarray(y, float)
    return float(np.mean((np.asarray(p, float) - y) ** 2)) if len(y) else None


def top_recall(y: np.ndarray, p: np.ndarray, share: float) -> float | None:
    """Share of all positive outcomes found among the ``share`` highest-risk inspections.

    The top group is ceil(share × n) rows; rows tied at the boundary share its places pro rata,
    so the answer never depends on row order.
    """
    y = np.asarray(y, float)
    n_pos = y.sum()
    if n_pos == 0 or len(y) == 0:
        return None
    k = int(np.ceil(share * len(y)))
    p = np.asarray(p, float)
    threshold = np.sort(p)[::-1][k - 1]
    above = p > threshold
    at = p == threshold
    slots = k - above.sum()
    captured = y[above].sum() + (y[at].sum() * slots / at.sum() if at.any() else 0.0)
    return float(captured / n_pos)


METRICS = {
    "auc": roc_auc,
    "average_precision": average_precision,
    "brier": brier,
    "top10_recall": lambda y, p: top_recall(y, p, 0.10),
    "top20_recall": lambda y, p: top_recall(y, p, 0.20),
}


def compute_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float | None]:
    return {name: fn(y, p) for name, fn in METRICS.items()}


def calibration_table(y: np.ndarray, p: np.ndarray, bins: Sequence[float] = CALIBRATION_BINS) -> list[dict[str, Any]]:
    """Per fixed probability band: rows, mean predicted risk, observed rate."""
    y, p = np.asarray(y, float), np.asarray(p, float)
    out = []
    for lo, hi in zip(bins[:-1], bins[1:]):
        m = (p >= lo) & ((p < hi) if hi < bins[-1] else (p <= hi))
        out.append({"bin": f"{lo:.0%}–{hi:.0%}", "n": int(m.sum()),
                    "mean_predicted": float(p[m].mean()) if m.any() else None,
                    "observed": float(y[m].mean()) if m.any() else None,
                    "positives": int(y[m].sum())})
    return out


def cluster_bootstrap(y: np.ndarray, p: np.ndarray, groups: np.ndarray, *, n_boot: int = 500, seed: int = 0,
                      level: float = 0.95) -> dict[str, list[float | None]]:
    """Percentile intervals for every metric, resampling whole LAs (an LA's inspections move together)."""
    y, p, groups = np.asarray(y, float), np.asarray(p, float), np.asarray(groups)
    uniq, inv = np.unique(groups, return_inverse=True)
    members = [np.flatnonzero(inv == g) for g in range(len(uniq))]
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {k: [] for k in METRICS}
    for _ in range(n_boot):
        pick = rng.integers(0, len(uniq), len(uniq))
        idx = np.concatenate([members[g] for g in pick])
        for name, fn in METRICS.items():
            v = fn(y[idx], p[idx])
            if v is not None:
                draws[name].append(v)
    alpha = (1 - level) / 2
    return {k: ([float(np.quantile(v, alpha)), float(np.quantile(v, 1 - alpha))] if len(v) >= 20 else [None, None])
            for k, v in draws.items()}


def paired_auc_difference(predictions: pd.DataFrame, a: str, b: str, *, n_boot: int = 500, seed: int = 0,
                          level: float = 0.95) -> dict[str, float | None]:
    """AUC of model ``a`` minus model ``b`` on the same scored inspections, with a paired cluster
    bootstrap interval (both models see the same resampled LAs, so the interval is for the gap)."""
    y = predictions["y"].to_numpy(float)
    pa, pb = predictions[a].to_numpy(float), predictions[b].to_numpy(float)
    groups = predictions["la_code_old"].to_numpy()
    point = None if roc_auc(y, pa) is None else roc_auc(y, pa) - roc_auc(y, pb)
    uniq, inv = np.unique(groups, return_inverse=True)
    members = [np.flatnonzero(inv == g) for g in range(len(uniq))]
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(n_boot):
        idx = np.concatenate([members[g] for g in rng.integers(0, len(uniq), len(uniq))])
        da, db = roc_auc(y[idx], pa[idx]), roc_auc(y[idx], pb[idx])
        if da is not None and db is not None:
            diffs.append(da - db)
    alpha = (1 - level) / 2
    lo, hi = (float(np.quantile(diffs, alpha)), float(np.quantile(diffs, 1 - alpha))) if len(diffs) >= 20 else (None, None)
    return {"difference": point, "low": lo, "high": hi}


# --------------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------------
@dataclass
class ModelResult:
    name: str
    baseline: bool
    metrics: dict[str, float | None]
    intervals: dict[str, list[float | None]]
    folds: list[dict[str, Any]]
    calibration: list[dict[str, Any]]
    grouped_cv: dict[str, Any]
    fit_seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "baseline": self.baseline, **self.metrics, "intervals": self.intervals,
                "folds": self.folds, "calibration": self.calibration, "grouped_cv": self.grouped_cv,
                "fit_seconds": round(self.fit_seconds, 3)}


@dataclass
class BacktestResult:
    """Everything a backtest found; ``to_dict()`` is the JSON the CLI writes."""

    target: str
    n_inspections: int
    n_scored: int
    n_positive: int
    years: list[int]
    models: list[ModelResult]
    predictions: pd.DataFrame
    features: list[str]
    measures: dict[str, str]
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def best_model(self) -> ModelResult:
        candidates = [m for m in self.models if not m.baseline and m.metrics["auc"] is not None]
        return max(candidates, key=lambda m: m.metrics["auc"])

    def model(self, name: str) -> ModelResult:
        for m in self.models:
            if m.name == name:
                return m
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target, "n_inspections": self.n_inspections, "n_scored": self.n_scored,
            "n_positive_scored": self.n_positive, "years": self.years,
            "models": [m.to_dict() for m in self.models], "features": self.features,
            "measures": self.measures, "notes": self.notes, "seconds": round(self.seconds, 2),
        }


def run_backtest(features: FeatureSet, *, target: str = "inadequate", models=None, n_boot: int = 500,
                 grouped_folds: int = 5, seed: int = 0, min_train: int = 60, min_positive: int = 8,
                 n_jobs: int = 2) -> BacktestResult:
    """Rolling-origin and grouped-by-LA evaluation of ``models`` on a built feature set (folds are
    fitted on ``n_jobs`` threads; the results do not depend on it)."""
    t0 = time.perf_counter()
    X, y, meta = features.target(target)
    # Features with no value at all carry nothing and only trip imputers; drop them up front.
    X = X.loc[:, X.notna().any()]
    models = models if models is not None else default_models(list(X.columns))
    splitter = RollingOriginSplit(meta["start_date"], meta["published"], min_train=min_train,
                                  min_positive=min_positive)
    folds = list(splitter.folds(y))
    groups = meta["la_code_old"].to_numpy()
    scored_idx = np.concatenate([test for _, _, test in folds]) if folds else np.array([], int)
    preds_by_model: dict[str, np.ndarray] = {}
    results: list[ModelResult] = []
    for name, model, is_baseline in models:
        m0 = time.perf_counter()
        p_all = np.full(len(y), np.nan)
        fold_rows = []
        # Folds are independent; threads suffice (LightGBM and the BLAS release the GIL).
        fold_preds = Parallel(n_jobs=n_jobs, prefer="threads")(
            delayed(_fit_predict)(model, X.iloc[train], y[train], X.iloc[test]) for _, train, test in folds)
        for (year, train, test), p in zip(folds, fold_preds):
            p_all[test] = p
            fold_rows.append({"year": year, "n_train": int(len(train)), "n_test": int(len(test)),
                              "positives": int(y[test].sum()), **compute_metrics(y[test], p)})
        ys, ps = y[scored_idx], p_all[scored_idx]
        gcv = _grouped_cv(model, X, y, groups, grouped_folds, seed, n_jobs) if grouped_folds else {}
        results.append(ModelResult(
            name=name, baseline=is_baseline, metrics=compute_metrics(ys, ps),
            intervals=cluster_bootstrap(ys, ps, groups[scored_idx], n_boot=n_boot, seed=seed),
            folds=fold_rows, calibration=calibration_table(ys, ps), grouped_cv=gcv,
            fit_seconds=time.perf_counter() - m0))
        preds_by_model[name] = ps
    predictions = pd.DataFrame({
        "inspection_id": meta["inspection_id"].to_numpy()[scored_idx],
        "la_code_old": groups[scored_idx], "year": meta["year"].to_numpy()[scored_idx], "y": y[scored_idx],
        **preds_by_model})
    return BacktestResult(target=target, n_inspections=int(len(y)), n_scored=int(len(scored_idx)),
                          n_positive=int(y[scored_idx].sum()), years=[f[0] for f in folds], models=results,
                          predictions=predictions, features=list(X.columns), measures=features.measures,
                          notes=list(features.notes), seconds=time.perf_counter() - t0)


def _fit_predict(model, X_train: pd.DataFrame, y_train: np.ndarray, X_test: pd.DataFrame) -> np.ndarray:
    return fresh(model).fit(X_train, y_train).predict_proba(X_test)[:, 1]


def _grouped_cv(model, X: pd.DataFrame, y: np.ndarray, groups: np.ndarray, n_splits: int, seed: int,
                n_jobs: int = 1) -> dict[str, Any]:
    """GroupKFold by LA over all years (not time-honest; shows how much the LA itself explains)."""
    n_splits = min(n_splits, len(np.unique(groups)))
    p_all = np.full(len(y), np.nan)
    splits = [(tr, te) for tr, te in GroupKFold(n_splits=n_splits).split(X, y, groups) if len(np.unique(y[tr])) == 2]
    preds = Parallel(n_jobs=n_jobs, prefer="threads")(
        delayed(_fit_predict)(model, X.iloc[tr], y[tr], X.iloc[te]) for tr, te in splits)
    for (_, test), p in zip(splits, preds):
        p_all[test] = p
    ok = ~np.isnan(p_all)
    return {"n_splits": n_splits, **compute_metrics(y[ok], p_all[ok])}


def backtest(store: Store, target: str = "inadequate", *, n_boot: int = 500, grouped_folds: int = 5,
             models=None, builder: FeatureBuilder | None = None) -> BacktestResult:
    """Build features from ``store`` and run the full backtest for ``target``."""
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    features = (builder or FeatureBuilder()).build(store)
    return run_backtest(features, target=target, n_boot=n_boot, grouped_folds=grouped_folds, models=models)
