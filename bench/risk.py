"""Benchmark the risk model: feature building, training and the full backtest, in the same run.

    python bench/risk.py [STORE]

On the store `cscwatch build` made (default: $CSCWATCH_DB, var/cscwatch.duckdb or var/dev.duckdb),
times the feature build, one fit of each model on every inspection, and the full rolling-origin +
grouped-CV backtest with bootstrap intervals. The baseline measured in the same run is one fit of
the previous-grade + deprivation logistic baseline; every other time is printed next to it as a
ratio. Target: full backtest under 60 s on 2 cores. Skips with a message when there is no store.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 60.0


def find_store(argv: list[str]) -> Path | None:
    candidates = [Path(argv[1])] if len(argv) > 1 else [
        Path(p) for p in (os.environ.get("CSCWATCH_DB"), REPO / "var" / "cscwatch.duckdb", REPO / "var" / "dev.duckdb") if p]
    return next((p for p in candidates if p.exists()), None)


def main(argv: list[str]) -> int:
    path = find_store(argv)
    if path is None:
        print("skipped: no built store (run `cscwatch build` first)")
        return 0
    warnings.filterwarnings("ignore")
    from cscwatch.risk.backtest import run_backtest
    from cscwatch.risk.features import FeatureBuilder
    from cscwatch.risk.models import default_models, fresh
    from cscwatch.store import Store

    with tempfile.TemporaryDirectory() as tmp:  # a copy: the store may be open for writing elsewhere
        copy = Path(tmp) / "store.duckdb"
        shutil.copy(path, copy)
        store = Store(copy, read_only=True)
        t0 = time.perf_counter()
        features = FeatureBuilder().build(store)
        t_features = time.perf_counter() - t0
        X, y, _ = features.target("inadequate")
        X = X.loc[:, X.notna().any()]
        fits = {}
        for name, model, _ in default_models(list(X.columns)):
            t0 = time.perf_counter()
            fresh(model).fit(X, y)
            fits[name] = time.perf_counter() - t0
        baseline = fits["prev_grade_deprivation_logistic"]
        t0 = time.perf_counter()
        result = run_backtest(features, target="inadequate", n_boot=500)
        t_backtest = time.perf_counter() - t0
        store.close()

    print(f"store: {path} ({len(y)} inspections with an overall grade, {X.shape[1]} features, "
          f"{os.cpu_count()} cores)")
    print(f"baseline: fit prev_grade_deprivation_logistic once   {baseline:7.2f} s   1.0x")
    print(f"feature build (all inspections)                      {t_features:7.2f} s   {t_features / baseline:5.1f}x")
    for name, t in fits.items():
        print(f"fit {name:<49s}{t:7.2f} s   {t / baseline:5.1f}x")
    print(f"full backtest ({len(result.years)} rolling-origin years + 5-fold grouped CV, "
          f"{len(result.models)} models, 500 bootstrap)  {t_backtest:7.2f} s   {t_backtest / baseline:5.1f}x")
    total = t_features + t_backtest
    verdict = "OK" if total < TARGET_SECONDS else "SLOWER THAN TARGET"
    print(f"features + backtest: {total:.1f} s (target < {TARGET_SECONDS:.0f} s): {verdict}")
    best = result.best_model()
    print(f"best model {best.name}: pooled AUC {best.metrics['auc']:.3f}, top-20% recall {best.metrics['top20_recall']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
