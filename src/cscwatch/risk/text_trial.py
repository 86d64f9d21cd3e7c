"""Do the themes of an LA's previous report help predict its next inspection? (Issue 15's trial.)

The themes and polarity of the LA's latest report that was public before fieldwork began
(:func:`cscwatch.text.query.previous_report_theme_features`: never the report being predicted) are
offered to the outcome models, and the any-inadequate backtest is rerun on the same rolling-origin
folds, seeds and LA-clustered bootstrap as the card's. Pre-registered before the first run:

- ``lightgbm_themes``: the production outcome LightGBM plus every theme column;
- ``logistic_themes``: the small logistic plus two summary columns (share of concern sentences,
  number of recommendations);
- the features are **kept** only if a model's paired AUC gap over the same model without them has a
  95% interval above zero. On the development reports they were not (the card prints the run's
  result), so the production models do not read report text.

Coverage is limited to LAs whose report PDFs were ingested; on rows without an earlier classified
report every theme column is missing, so the gap is also reported on the rows that have one.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cscwatch.errors import StoreNotBuilt
from cscwatch.risk.backtest import SEEDS, Backtester, bootstrap_intervals, compute_metrics
from cscwatch.risk.features import FeatureSet, RiskData
from cscwatch.risk.lineup import OUTCOME_SMALL, ModelSpec, outcome_columns
from cscwatch.risk.models import GBMRisk, LogisticRisk
from cscwatch.store import Store

__all__ = ["SUMMARY_COLUMNS", "theme_frame", "theme_trial"]

#: The logistic's two pre-registered summary columns.
SUMMARY_COLUMNS = ("theme_concern_share", "theme_recommendations")
TARGET = "any_inadequate"


def theme_frame(store: Store, meta: pd.DataFrame) -> pd.DataFrame:
    """One row of previous-report theme features per inspection row of ``meta`` (cutoff = start of
    fieldwork, the inspection itself excluded). Raises :class:`StoreNotBuilt` without report text."""
    from cscwatch.text.query import previous_report_theme_features

    rows = [previous_report_theme_features(store, la, start, exclude_inspection_id=iid)
            for la, start, iid in zip(meta["la_code_old"], meta["start_date"], meta["inspection_id"])]
    return pd.DataFrame(rows, index=meta.index).astype(float)


def _specs(base_columns: list[str], theme_columns: list[str]) -> list[tuple[ModelSpec, ModelSpec]]:
    """(without, with) pairs, the 'without' being exactly the card's outcome models."""
    gbm_cols = outcome_columns(base_columns)
    return [
        (ModelSpec("lightgbm", GBMRisk(columns=gbm_cols, calibration=None), False, ""),
         ModelSpec("lightgbm_themes", GBMRisk(columns=[*gbm_cols, *theme_columns], calibration=None), False,
                   "The outcome LightGBM plus every theme column of the previous report.")),
        (ModelSpec("logistic", LogisticRisk(columns=OUTCOME_SMALL, calibration="sigmoid"), False, ""),
         ModelSpec("logistic_themes", LogisticRisk(columns=(*OUTCOME_SMALL, *SUMMARY_COLUMNS), calibration="sigmoid"),
                   False, "The small logistic plus the previous report's concern share and recommendations.")),
    ]


def _gap_rows(y, preds, year, groups, pairs, n_boot: int) -> list[dict[str, Any]]:
    _, paired = bootstrap_intervals(y, preds, year, groups, n_boot=n_boot, pairs=pairs)
    out = []
    for with_, without in pairs:
        a, b = compute_metrics(y, preds[with_]), compute_metrics(y, preds[without])
        diff = None if a["auc"] is None or b["auc"] is None else a["auc"] - b["auc"]
        out.append({"model": with_, "baseline": without, "auc": a["auc"], "baseline_auc": b["auc"],
                    "auc_difference": diff, "auc_difference_ci": paired[(with_, without)]["auc"]})
    return out


def theme_trial(store: Store, data: RiskData, *, n_boot: int = 500, seeds: Sequence[int] = SEEDS,
                progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The trial's record: coverage, AUCs with and without theme features (all scored rows, and rows
    with an earlier classified report), paired gaps with 95% intervals, and whether they are kept."""
    say = progress or (lambda msg: None)
    ins = data.inspections
    try:
        T = theme_frame(store, ins.meta)
    except StoreNotBuilt as e:
        return {"ran": False, "why": str(e)}
    say(f"themes trial: {int(T['theme_concern_share'].notna().sum())} of {len(T)} inspections have an earlier report")
    X = pd.concat([ins.X.reset_index(drop=True), T.reset_index(drop=True)], axis=1)
    trial = RiskData(data.history, data.stats, FeatureSet(X, ins.y, ins.meta, ins.notes, ins.measures), data.panel,
                     data.rules, data.notes)
    bt = Backtester(trial, seeds=seeds, progress=say)
    base_columns = list(bt.columns)
    bt.columns = [*base_columns, *T.columns]
    per_seed = {}
    pairs = []
    for without, with_ in _specs(base_columns, list(T.columns)):
        for spec in (without, with_):
            say(f"themes trial: {spec.name}")
            per_seed[spec.name] = bt.inspection_predictions(spec, TARGET)
        pairs.append((with_.name, without.name))
    avg = {k: np.mean(np.stack(list(v.values())), axis=0) for k, v in per_seed.items()}
    y_all = ins.y[TARGET].to_numpy(float)
    scored = ~np.isnan(y_all)
    for p in avg.values():
        scored &= ~np.isnan(p)
    has_report = T["theme_concern_share"].notna().to_numpy()
    year, groups = ins.meta["year"].to_numpy(), ins.meta["la_code_old"].to_numpy()
    out: dict[str, Any] = {"ran": True, "target": TARGET, "n_inspections": int(len(T)),
                           "n_with_report": int(has_report.sum()), "n_scored": int(scored.sum()),
                           "n_scored_with_report": int((scored & has_report).sum()),
                           "years": sorted(int(v) for v in set(year[scored])), "n_boot": n_boot}
    for key, rows in (("all", scored), ("with_report", scored & has_report)):
        idx = np.flatnonzero(rows)
        if len(idx) < 20 or len(np.unique(y_all[idx])) < 2:
            out[key] = []
            continue
        out[key] = _gap_rows(y_all[idx], {k: v[idx] for k, v in avg.items()}, year[idx], groups[idx], pairs, n_boot)
        out[f"{key}_positive"] = int(y_all[idx].sum())
    out["kept"] = any(r["auc_difference_ci"][0] is not None and r["auc_difference_ci"][0] > 0 for r in out["all"])
    return out
