"""Benchmark the early warning: the data build and the whole panel backtest, timed in one run.

    python bench/risk.py [STORE]

On the store `cscwatch build` made (default: $CSCWATCH_DB, var/cscwatch.duckdb or var/dev.duckdb),
times reading the store and building the inspection rows and the LA x quarter panel, then the
whole panel backtest: the timing target (inspected_12m) and the 12-month early warning
(inadequate_12m), every model and baseline, 5 seeds, 500 LA-clustered bootstrap replicates. The
baseline measured in the same run is one fit of the small timing logistic on the whole panel;
other times are printed as ratios to it. Target: data + panel backtest under 60 s on 2 cores.
Skips with a message when there is no store.
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
    import numpy as np

    from cscwatch.risk.backtest import Backtester
    from cscwatch.risk.features import load_risk_data
    from cscwatch.risk.lineup import PRODUCTION, timing_lineup
    from cscwatch.risk.models import fresh
    from cscwatch.store import Store

    with tempfile.TemporaryDirectory() as tmp:  # a copy: the store may be open for writing elsewhere
        copy = Path(tmp) / "store.duckdb"
        shutil.copy(path, copy)
        store = Store(copy, read_only=True)
        t0, c0 = time.perf_counter(), time.process_time()
        data = load_risk_data(store)
        t_data, c_data = time.perf_counter() - t0, time.process_time() - c0
        y = data.panel.y["inspected_12m"].to_numpy(float)
        ok = ~np.isnan(y)
        spec = {s.name: s for s in timing_lineup(12)}["timing_logistic"]
        t0 = time.perf_counter()
        fresh(spec.estimator).fit(data.panel.X[ok], y[ok].astype(int))
        baseline = time.perf_counter() - t0
        bt = Backtester(data)
        times, results = {}, {}
        for target in ("inspected_12m", "inadequate_12m"):
            t0, c0 = time.perf_counter(), time.process_time()
            results[target] = bt.run(target, n_boot=500)
            times[target] = (time.perf_counter() - t0, time.process_time() - c0)
        store.close()

    print(f"store: {path} ({len(data.inspections.X)} inspection rows, {len(data.panel.X)} LA x quarter rows, "
          f"{data.panel.X.shape[1]} features, {os.cpu_count()} cores)")
    print(f"baseline: fit the timing logistic on the panel once     {baseline:7.2f} s   1.0x")
    print(f"read the store, build inspection rows and the panel     {t_data:7.2f} s  {t_data / baseline:6.1f}x"
          f"   (CPU {c_data:.1f} s)")
    for target, (wall, cpu) in times.items():
        r = results[target]
        print(f"backtest {target:<15s} ({len(r.models)} models, {len(r.years)} years, 5 seeds, 500 bootstrap) "
              f"{wall:7.2f} s  {wall / baseline:6.1f}x   (CPU {cpu:.1f} s)")
    total = t_data + sum(w for w, _ in times.values())
    verdict = "OK" if total < TARGET_SECONDS else "SLOWER THAN TARGET"
    print(f"whole panel backtest (data + both targets): {total:.1f} s (target < {TARGET_SECONDS:.0f} s): {verdict}")
    ew = results["inadequate_12m"].model(PRODUCTION["early_warning"]).metrics
    print(f"early warning {PRODUCTION['early_warning']}: AUC {ew['auc']:.3f}, within-year {ew['auc_within_year']:.3f}, "
          f"top-20% recall {ew['top20_recall']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
