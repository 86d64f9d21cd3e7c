"""An honest backtest: one rolling-origin splitter for every target, metrics pooled and within
year, LA-clustered bootstrap intervals, at least five seeds, paired intervals against each baseline.

* **One splitter.** :class:`RollingOriginSplit` yields, for each test year Y, the rows whose label
  was public before 1 January Y (training) and the rows dated in Y (test). Inspection rows are dated
  by their first day of fieldwork and public from their report; panel rows (LA x quarter) are dated
  by the quarter and public once their 12-month window has closed and its reports are out. The
  outcome model inside a 12-month product is trained on inspection rows through the same splitter
  with the same origins.
* **Seeds.** Every seeded model is fitted with each of :data:`SEEDS`; its reported predictions are
  the average over seeds, and ``seeds`` lists the pooled AUC each seed gets alone.
* **Within-year AUC.** The national inadequate rate fell from about a quarter of inspections in 2016
  to under a tenth in 2024, so a pooled AUC rewards knowing the year. ``auc_within_year`` compares
  only rows of the same year (a year-stratified AUC: pairs within a year, pooled);
  ``auc_year_mean`` is the plain mean of the per-year AUCs.
* **Intervals** resample whole LAs (an LA's rows move together), 500 replicates by default; paired
  intervals for a model minus a baseline use the same replicates for both.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy.stats import rankdata

from cscwatch.risk.features import (
    HORIZON_MONTHS,
    INSPECTION_TARGETS,
    PANEL_TARGETS,
    RiskData,
    load_risk_data,
)
from cscwatch.risk.lineup import PRODUCTION, ModelSpec, early_warning_lineup, inspection_lineup, timing_lineup
from cscwatch.risk.models import fresh, has_seed
from cscwatch.store import Store

log = logging.getLogger("cscwatch.risk")

#: Targets the CLI offers: the inspection-level outcomes and the panel ones.
TARGETS: tuple[str, ...] = (*INSPECTION_TARGETS, *PANEL_TARGETS)
DEFAULT_TARGET = "any_inadequate"
SEEDS: tuple[int, ...] = (0, 1, 2, 3, 4)
#: The first year a panel target is reported (earlier panel rows only train).
EVALUATE_FROM = 2016
CALIBRATION_BINS = (0.0, 0.02, 0.05, 0.10, 0.20, 0.30, 0.50, 0.70, 1.0)
#: Minimum training rows / positive outcomes for a fold (inspection rows; panel rows).
MIN_TRAIN = {"inspection": (40, 8), "panel": (300, 8)}

Progress = Callable[[str], None]


# --------------------------------------------------------------------------------------------
# The splitter
# --------------------------------------------------------------------------------------------
class RollingOriginSplit:
    """Yield (train, test) index arrays, one pair per test year.

    ``start_dates``: when each row's prediction is made (an inspection's first day of fieldwork; a
    panel row's quarter date). ``published``: when its outcome became public. For test year Y the
    training rows are those published before 1 January Y (minus ``gap_months``), the test rows
    those dated in Y. Years with fewer than ``min_train`` training rows or ``min_positive`` positive
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
        return sorted(set(int(y) for y in pd.DatetimeIndex(self.start_dates).year))

    def split(self, X=None, y=None, groups=None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for _, train, test in self.folds(y):
            yield train, test

    def folds(self, y=None) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """Like ``split`` but also yields the test year. NaN in ``y`` marks rows without a label:
        never trained on (they may still be test rows)."""
        n = len(self.start_dates)
        if y is not None and len(y) != n:
            raise ValueError(f"y has {len(y)} rows but the splitter was given {n} dates")
        start_year = pd.DatetimeIndex(self.start_dates).year.to_numpy()
        yy = None if y is None else np.asarray(y, float)
        labelled = np.ones(n, bool) if yy is None else ~np.isnan(yy)
        for year in self._years():
            train = np.flatnonzero((self.published < self.fold_origin(year)) & labelled)
            test = np.flatnonzero(start_year == year)
            if len(test) == 0 or len(train) < self.min_train:
                continue
            if yy is not None and (np.nansum(yy[train]) < self.min_positive or len(np.unique(yy[train])) < 2):
                continue
            yield year, train, test

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        return sum(1 for _ in self.folds(y))


# --------------------------------------------------------------------------------------------
# Metrics (exact point estimates; weighted versions for the bootstrap)
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
    last = np.r_[np.flatnonzero(np.diff(ps)), len(ps) - 1]
    precision = tp[last] / (last + 1)
    recall = tp[last] / n_pos
    return float((np.diff(np.r_[0.0, recall]) * precision).sum())


def brier(y: np.ndarray, p: np.ndarray) -> float | None:
    y = np.asarray(y, float)
    return float(np.mean((np.asarray(p, float) - y) ** 2)) if len(y) else None


def top_recall(y: np.ndarray, p: np.ndarray, share: float) -> float | None:
    """Share of all positive outcomes found among the ``share`` highest-risk rows (ceil(share x n)
    rows; rows tied at the boundary share its places pro rata, so row order never matters)."""
    y = np.asarray(y, float)
    n_pos = y.sum()
    if n_pos == 0 or len(y) == 0:
        return None
    k = int(np.ceil(share * len(y)))
    p = np.asarray(p, float)
    threshold = np.sort(p)[::-1][k - 1]
    above, at = p > threshold, p == threshold
    captured = y[above].sum() + (y[at].sum() * (k - above.sum()) / at.sum() if at.any() else 0.0)
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


def auc_within_year(y: np.ndarray, p: np.ndarray, year: np.ndarray) -> tuple[float | None, float | None]:
    """(year-stratified AUC: only pairs from the same year, pooled; mean of the per-year AUCs)."""
    num = den = 0.0
    per = []
    for yr in np.unique(year):
        m = year == yr
        a = roc_auc(y[m], p[m])
        if a is None:
            continue
        pairs = float(y[m].sum() * (1 - y[m]).sum())
        num += a * pairs
        den += pairs
        per.append(a)
    return (num / den if den else None), (float(np.mean(per)) if per else None)


def calibration_table(y: np.ndarray, p: np.ndarray, bins: Sequence[float] = CALIBRATION_BINS) -> list[dict[str, Any]]:
    """Per probability band: rows, mean predicted risk, observed rate."""
    y, p = np.asarray(y, float), np.asarray(p, float)
    out = []
    for lo, hi in zip(bins[:-1], bins[1:]):
        m = (p >= lo) & ((p < hi) if hi < bins[-1] else (p <= hi))
        if not m.any():
            continue
        out.append({"bin": f"{lo:.0%}–{hi:.0%}", "n": int(m.sum()), "mean_predicted": float(p[m].mean()),
                    "observed": float(y[m].mean()), "positives": int(y[m].sum())})
    return out


class ClusterBootstrap:
    """Resample whole LAs ``n_boot`` times; each replicate is a vector of row weights (how many
    times the row's LA was drawn). Metrics over all replicates at once, in chunks."""

    def __init__(self, groups: np.ndarray, n_boot: int = 500, seed: int = 0, chunk: int = 100):
        uniq, self.inverse = np.unique(np.asarray(groups), return_inverse=True)
        rng = np.random.default_rng(seed)
        self.counts = np.stack([np.bincount(rng.integers(0, len(uniq), len(uniq)), minlength=len(uniq))
                                for _ in range(n_boot)]).astype(np.float32) if n_boot else np.zeros((0, len(uniq)))
        self.chunk = chunk

    def weights(self) -> Iterator[np.ndarray]:
        for i in range(0, len(self.counts), self.chunk):
            yield self.counts[i:i + self.chunk][:, self.inverse]

    @staticmethod
    def auc_parts(W: np.ndarray, y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Numerator and denominator of the weighted AUC for each replicate (ties count half)."""
        order = np.argsort(p, kind="mergesort")
        ps, ys = p[order], y[order]
        Wo = W[:, order]
        starts = np.r_[0, np.flatnonzero(np.diff(ps)) + 1]
        pos = np.add.reduceat(Wo * ys, starts, axis=1)
        neg = np.add.reduceat(Wo * (1 - ys), starts, axis=1)
        below = np.cumsum(neg, axis=1) - neg
        num = (pos * (below + 0.5 * neg)).sum(axis=1)
        return num, pos.sum(axis=1) * neg.sum(axis=1)

    @staticmethod
    def other_metrics(W: np.ndarray, y: np.ndarray, p: np.ndarray) -> dict[str, np.ndarray]:
        """Weighted average precision, Brier and top-10/20% recall per replicate, tie-aware like the
        point estimates (thresholds at distinct scores; rows tied at a top-k boundary count pro rata)."""
        order = np.argsort(-p, kind="mergesort")
        ps, ys, Wo = p[order], y[order], W[:, order]
        starts = np.r_[0, np.flatnonzero(np.diff(ps)) + 1]
        bw = np.add.reduceat(Wo, starts, axis=1)                 # weight per tie block
        bp = np.add.reduceat(Wo * ys, starts, axis=1)            # positives per tie block
        total, total_pos = bw.sum(axis=1), bp.sum(axis=1)
        cum_w, cum_p = np.cumsum(bw, axis=1), np.cumsum(bp, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            precision = cum_p / np.where(cum_w > 0, cum_w, 1)
            out = {"average_precision": (bp * precision).sum(axis=1) / total_pos,
                   "brier": (Wo * (ps - ys) ** 2).sum(axis=1) / total}
            for share, name in ((0.10, "top10_recall"), (0.20, "top20_recall")):
                k = np.ceil(share * total)[:, None]
                frac = np.clip((k - (cum_w - bw)) / np.where(bw > 0, bw, 1), 0, 1) * (bw > 0)
                out[name] = (bp * frac).sum(axis=1) / total_pos
        return out


def _quantiles(values: np.ndarray, level: float = 0.95) -> list[float | None]:
    v = np.asarray(values, float)
    v = v[~np.isnan(v)]
    if len(v) < 20:
        return [None, None]
    a = (1 - level) / 2
    return [float(np.quantile(v, a)), float(np.quantile(v, 1 - a))]


def bootstrap_intervals(y: np.ndarray, preds: dict[str, np.ndarray], year: np.ndarray, groups: np.ndarray,
                        *, n_boot: int = 500, seed: int = 0,
                        pairs: Sequence[tuple[str, str]] = ()) -> tuple[dict[str, dict[str, list]], dict]:
    """Intervals for every metric of every model, and paired intervals for (model, baseline) AUC
    gaps (pooled and within year), from the same LA resamples."""
    y = np.asarray(y, float)
    boot = ClusterBootstrap(groups, n_boot, seed)
    years = [np.flatnonzero(year == yr) for yr in np.unique(year)]
    draws: dict[str, dict[str, list[np.ndarray]]] = {m: {} for m in preds}
    for W in boot.weights():
        for name, p in preds.items():
            d = draws[name]
            num, den = ClusterBootstrap.auc_parts(W, y, p)
            with np.errstate(invalid="ignore", divide="ignore"):
                d.setdefault("auc", []).append(np.where(den > 0, num / np.where(den > 0, den, 1), np.nan))
            ynum = np.zeros(len(W))
            yden = np.zeros(len(W))
            per = []
            for idx in years:
                n_, d_ = ClusterBootstrap.auc_parts(W[:, idx], y[idx], p[idx])
                ynum += n_
                yden += d_
                with np.errstate(invalid="ignore", divide="ignore"):
                    per.append(np.where(d_ > 0, n_ / np.where(d_ > 0, d_, 1), np.nan))
            with np.errstate(invalid="ignore", divide="ignore"):
                d.setdefault("auc_within_year", []).append(np.where(yden > 0, ynum / np.where(yden > 0, yden, 1), np.nan))
                d.setdefault("auc_year_mean", []).append(np.nanmean(np.stack(per), axis=0) if per else
                                                         np.full(len(W), np.nan))
            for k, v in ClusterBootstrap.other_metrics(W, y, p).items():
                d.setdefault(k, []).append(v)
    flat = {m: {k: np.concatenate(v) for k, v in d.items()} for m, d in draws.items()}
    intervals = {m: {k: _quantiles(v) for k, v in d.items()} for m, d in flat.items()}
    paired = {}
    for a, b in pairs:
        out = {}
        for k in ("auc", "auc_within_year"):
            out[k] = _quantiles(flat[a][k] - flat[b][k]) if n_boot else [None, None]
        paired[(a, b)] = out
    return intervals, paired


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------
@dataclass
class ModelResult:
    name: str
    baseline: bool
    description: str
    metrics: dict[str, float | None]
    intervals: dict[str, list[float | None]]
    seeds: list[float | None]
    folds: list[dict[str, Any]]
    calibration: list[dict[str, Any]]
    paired: list[dict[str, Any]] = field(default_factory=list)
    grouped_cv: dict[str, Any] | None = None
    fit_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "baseline": self.baseline, "description": self.description, **self.metrics,
                "auc_ci": self.intervals.get("auc", [None, None]), "intervals": self.intervals,
                "seeds": self.seeds, "folds": self.folds, "calibration": self.calibration, "paired": self.paired,
                "grouped_cv": self.grouped_cv,
                "fit_seconds": round(self.fit_seconds, 3)}


@dataclass
class BacktestResult:
    """Everything a backtest found; ``to_dict()`` is the JSON the CLI writes."""

    target: str
    kind: str                     # 'inspection' or 'panel'
    n_inspections: int
    n_rows: int
    n_scored: int
    n_positive: int
    years: list[int]
    models: list[ModelResult]
    predictions: pd.DataFrame     # scored rows: ids, year, y, one column per model
    features: list[str]
    measures: dict[str, list[str]]
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    seeds: tuple[int, ...] = SEEDS

    def best_model(self) -> ModelResult:
        candidates = [m for m in self.models if not m.baseline and m.metrics["auc"] is not None]
        return max(candidates, key=lambda m: m.metrics["auc"])

    def model(self, name: str) -> ModelResult:
        for m in self.models:
            if m.name == name:
                return m
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "kind": self.kind, "n_inspections": self.n_inspections,
                "n_rows": self.n_rows, "n_scored": self.n_scored, "n_positive_scored": self.n_positive,
                "years": self.years, "seeds_used": list(self.seeds), "models": [m.to_dict() for m in self.models],
                "features": self.features, "measures": self.measures, "notes": self.notes,
                "seconds": round(self.seconds, 2)}


# --------------------------------------------------------------------------------------------
# Running the models
# --------------------------------------------------------------------------------------------
def _fit_predict(model, X_train: pd.DataFrame, y_train: np.ndarray, X_test: pd.DataFrame) -> np.ndarray:
    return fresh(model).fit(X_train, y_train).predict_proba(X_test)[:, 1]


class Backtester:
    """Runs every target's backtest on one :class:`RiskData`, sharing the fitted components (the
    timing model's and the outcome models' fold predictions) between targets."""

    def __init__(self, data: RiskData, *, seeds: Sequence[int] = SEEDS, n_jobs: int = 2,
                 progress: Progress | None = None):
        self.data = data
        self.seeds = tuple(seeds)
        self.n_jobs = n_jobs
        self.progress = progress or (lambda msg: None)
        self._cache: dict[tuple, dict[int, np.ndarray]] = {}
        panel_cols = data.panel.X.columns[data.panel.X.notna().any()]
        insp_cols = data.inspections.X.columns[data.inspections.X.notna().any()]
        self.columns = [c for c in panel_cols if c in set(insp_cols)]
        self.panel_years = [y for y in sorted(set(data.panel.meta["year"])) if y >= EVALUATE_FROM]

    # -- splitters ----------------------------------------------------------------------
    def inspection_splitter(self) -> RollingOriginSplit:
        m = self.data.inspections.meta
        lo, pos = MIN_TRAIN["inspection"]
        return RollingOriginSplit(m["start_date"], m["published"], min_train=lo, min_positive=pos)

    def panel_splitter(self) -> RollingOriginSplit:
        m = self.data.panel.meta
        lo, pos = MIN_TRAIN["panel"]
        return RollingOriginSplit(m["start_date"], m["published"], years=self.panel_years, min_train=lo,
                                  min_positive=pos)

    # -- fold predictions, cached -------------------------------------------------------
    def _predict(self, key: tuple, estimator, X_train_rows: pd.DataFrame, y_train: np.ndarray, folds,
                 X_test: pd.DataFrame, n_test: int) -> dict[int, np.ndarray]:
        """Per seed: predictions for every test row (NaN where its year had no fold)."""
        if key in self._cache:
            return self._cache[key]
        seeds = self.seeds if has_seed(estimator) else (self.seeds[0],)
        jobs, where = [], []
        for seed in seeds:
            model = fresh(estimator, random_state=seed) if has_seed(estimator) else fresh(estimator)
            for year, train, test in folds:
                jobs.append(delayed(_fit_predict)(model, X_train_rows.iloc[train], y_train[train], X_test.iloc[test]))
                where.append((seed, test))
        outs = Parallel(n_jobs=self.n_jobs, prefer="threads")(jobs) if jobs else []
        result = {s: np.full(n_test, np.nan) for s in seeds}
        for (seed, test), p in zip(where, outs):
            result[seed][test] = p
        if not has_seed(estimator):
            result = {s: result[self.seeds[0]] for s in self.seeds}
        self._cache[key] = result
        return result

    def inspection_predictions(self, spec: ModelSpec, target: str) -> dict[int, np.ndarray]:
        fs = self.data.inspections
        y = fs.y[target].to_numpy(float)
        X = fs.X[self.columns]
        folds = list(self.inspection_splitter().folds(y))
        return self._predict(("insp", spec.name, target), spec.estimator, X, y, folds, X, len(y))

    def timing_predictions(self, spec: ModelSpec, target: str) -> dict[int, np.ndarray]:
        fs = self.data.panel
        y = fs.y[target].to_numpy(float)
        X = fs.X[self.columns]
        folds = list(self.panel_splitter().folds(y))
        return self._predict(("panel", spec.name, target), spec.estimator, X, y, folds, X, len(y))

    def outcome_on_panel(self, spec: ModelSpec, target: str = "any_inadequate") -> dict[int, np.ndarray]:
        """The outcome model fitted on inspection rows published before each origin, predicting
        the panel rows of that year (P(inadequate | inspected) as the LA stood on the date)."""
        ins, pan = self.data.inspections, self.data.panel
        y = ins.y[target].to_numpy(float)
        isplit = self.inspection_splitter()
        pyear = pan.meta["year"].to_numpy()
        folds = []
        for year in self.panel_years:
            train = np.flatnonzero((isplit.published < isplit.fold_origin(year)) & ~np.isnan(y))
            test = np.flatnonzero(pyear == year)
            lo, pos = MIN_TRAIN["inspection"]
            if len(test) and len(train) >= lo and np.nansum(y[train]) >= pos and len(np.unique(y[train])) == 2:
                folds.append((year, train, test))
        return self._predict(("outcome_on_panel", spec.name, target), spec.estimator, ins.X[self.columns], y, folds,
                             pan.X[self.columns], len(pan.X))

    def constant_on_panel(self, target: str = "any_inadequate") -> np.ndarray:
        """The training rate of inadequate at inspection for each panel row's year."""
        ins, pan = self.data.inspections, self.data.panel
        y = ins.y[target].to_numpy(float)
        isplit = self.inspection_splitter()
        out = np.full(len(pan.X), np.nan)
        pyear = pan.meta["year"].to_numpy()
        for year in self.panel_years:
            train = (isplit.published < isplit.fold_origin(year)) & ~np.isnan(y)
            lo, pos = MIN_TRAIN["inspection"]
            if train.sum() >= lo and np.nansum(y[train]) >= pos:
                out[pyear == year] = np.nanmean(y[train])
        return out

    # -- one target ---------------------------------------------------------------------
    def run(self, target: str = DEFAULT_TARGET, *, n_boot: int = 500, seed: int = 0,
            models: Sequence[str] | None = None, grouped_folds: int = 0) -> BacktestResult:
        """The backtest of ``target`` (``models``: only these names of its line-up). ``grouped_folds``
        adds, for inspection targets, a grouped-by-LA cross-validation over all years (not
        time-honest: it shows how much the LA itself explains)."""
        if target not in TARGETS:
            raise ValueError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
        t0 = time.perf_counter()
        if target in INSPECTION_TARGETS:
            kind, fs = "inspection", self.data.inspections
            specs = [s for s in inspection_lineup(self.columns) if models is None or s.name in models]
            per_seed = {}
            for spec in specs:
                self.progress(f"{target}: {spec.name}")
                per_seed[spec.name] = self.inspection_predictions(spec, target)
        else:
            kind, fs = "panel", self.data.panel
            specs = [s for s in self._panel_specs(target) if models is None or s.name in models]
            per_seed = self._panel_models(target, [s.name for s in specs])
        y_all = fs.y[target].to_numpy(float)
        avg = {name: np.mean(np.stack(list(ps.values())), axis=0) for name, ps in per_seed.items()}
        scored = ~np.isnan(y_all)
        for p in avg.values():
            scored &= ~np.isnan(p)
        idx = np.flatnonzero(scored)
        y = y_all[idx]
        year = fs.meta["year"].to_numpy()[idx]
        groups = fs.meta["la_code_old"].to_numpy()[idx]
        preds = {name: p[idx] for name, p in avg.items()}
        baselines = [s.name for s in specs if s.baseline]
        pairs = [(s.name, b) for s in specs if not s.baseline for b in baselines]
        self.progress(f"{target}: bootstrap ({n_boot} LA resamples)")
        intervals, paired = bootstrap_intervals(y, preds, year, groups, n_boot=n_boot, seed=seed, pairs=pairs)
        results = []
        for spec in specs:
            p = preds[spec.name]
            metrics = compute_metrics(y, p)
            metrics["auc_within_year"], metrics["auc_year_mean"] = auc_within_year(y, p, year)
            seeds = [roc_auc(y, per_seed[spec.name][s][idx]) for s in self.seeds]
            folds = []
            for yr in sorted(set(year)):
                m = year == yr
                folds.append({"year": int(yr), "n_test": int(m.sum()), "positives": int(y[m].sum()),
                              "auc": roc_auc(y[m], p[m]), "top20_recall": top_recall(y[m], p[m], 0.2),
                              "mean_predicted": float(p[m].mean()), "observed": float(y[m].mean())})
            gaps = []
            for b in baselines if not spec.baseline else []:
                d = paired[(spec.name, b)]
                pa, pb = metrics, compute_metrics(y, preds[b])
                pa_w = metrics["auc_within_year"]
                pb_w = auc_within_year(y, preds[b], year)[0]
                gaps.append({"baseline": b,
                             "auc_difference": None if pa["auc"] is None or pb["auc"] is None else pa["auc"] - pb["auc"],
                             "auc_difference_ci": d["auc"],
                             "within_year_difference": None if pa_w is None or pb_w is None else pa_w - pb_w,
                             "within_year_difference_ci": d["auc_within_year"]})
            results.append(ModelResult(spec.name, spec.baseline, spec.description, metrics, intervals[spec.name],
                                       seeds, folds, calibration_table(y, p), gaps,
                                       grouped_cv=self._grouped_cv(spec, target, grouped_folds)
                                       if kind == "inspection" and grouped_folds else None))
        meta = fs.meta.iloc[idx]
        predictions = pd.DataFrame({"la_code_old": groups, "year": year, "y": y,
                                    "date": meta["start_date"].to_numpy(), **preds})
        if "inspection_id" in meta:
            predictions.insert(0, "inspection_id", meta["inspection_id"].to_numpy())
        return BacktestResult(
            target=target, kind=kind, n_inspections=self._n_inspections(kind, target, meta),
            n_rows=int((~np.isnan(y_all)).sum()), n_scored=len(idx), n_positive=int(y.sum()),
            years=sorted(int(v) for v in set(year)), models=results, predictions=predictions,
            features=self.columns, measures=self.data.stats.measures, notes=list(self.data.notes),
            seconds=time.perf_counter() - t0, seeds=self.seeds)

    def _grouped_cv(self, spec: ModelSpec, target: str, n_splits: int) -> dict[str, Any]:
        from sklearn.model_selection import GroupKFold

        fs = self.data.inspections
        y = fs.y[target].to_numpy(float)
        ok = np.flatnonzero(~np.isnan(y))
        X, yy, groups = fs.X[self.columns].iloc[ok], y[ok].astype(int), fs.meta["la_code_old"].to_numpy()[ok]
        n_splits = min(n_splits, len(np.unique(groups)))
        p = np.full(len(ok), np.nan)
        for train, test in GroupKFold(n_splits=n_splits).split(X, yy, groups):
            if len(np.unique(yy[train])) == 2:
                p[test] = _fit_predict(spec.estimator, X.iloc[train], yy[train], X.iloc[test])
        m = ~np.isnan(p)
        return {"n_splits": n_splits, **compute_metrics(yy[m], p[m])}

    def _n_inspections(self, kind: str, target: str, meta: pd.DataFrame) -> int:
        if kind == "inspection":
            return int(len(meta))
        if not len(meta):
            return 0
        first, last = min(meta["start_date"]), max(meta["start_date"])
        from cscwatch.risk.rules import add_months

        stop = add_months(last, HORIZON_MONTHS[target])
        return sum(1 for evs in self.data.history.own_events().values() for e in evs
                   if e.is_full_inspection and e.start is not None and first <= e.start < stop)

    def _panel_specs(self, target: str) -> list[ModelSpec]:
        if target == "inadequate_12m":
            return early_warning_lineup(self.columns)
        return timing_lineup(HORIZON_MONTHS[target])

    def _panel_models(self, target: str, names: Sequence[str]) -> dict[str, dict[int, np.ndarray]]:
        out: dict[str, dict[int, np.ndarray]] = {}
        if target != "inadequate_12m":
            for spec in timing_lineup(HORIZON_MONTHS[target]):
                if spec.name not in names:
                    continue
                self.progress(f"{target}: {spec.name}")
                out[spec.name] = self.timing_predictions(spec, target)
            return out
        timing = {s.name: s for s in timing_lineup(12)}
        self.progress("inadequate_12m: timing model")
        t_model = self.timing_predictions(timing[PRODUCTION["timing"]], "inspected_12m")
        t_rules = self.timing_predictions(timing["rules_calendar"], "inspected_12m")
        const = self.constant_on_panel()
        for spec in early_warning_lineup(self.columns):
            if spec.name not in names:
                continue
            self.progress(f"inadequate_12m: {spec.name}")
            t = t_rules if spec.timing == "rules_calendar" else t_model
            if spec.product == "constant":
                out[spec.name] = {s: t[s] * const for s in self.seeds}
            elif spec.product == "outcome":
                o = self.outcome_on_panel(spec)
                out[spec.name] = {s: t[s] * o[s] for s in self.seeds}
            else:
                out[spec.name] = self.timing_predictions(spec, "inadequate_12m")
        return out


def backtest(store: Store, target: str = DEFAULT_TARGET, *, n_boot: int = 500, seeds: Sequence[int] = SEEDS,
             grouped_folds: int = 0, progress: Progress | None = None, data: RiskData | None = None
             ) -> BacktestResult:
    """Build the data from ``store`` and run the backtest for ``target`` (the CLI's twin)."""
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    if progress:
        progress("reading the register and the warehouse")
    data = data or load_risk_data(store)
    return Backtester(data, seeds=seeds, progress=progress).run(target, n_boot=n_boot, grouped_folds=grouped_folds)
