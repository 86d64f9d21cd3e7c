"""Benchmark the planner: 153 LAs for 36 months, with the baseline (the windows) timed in the same run.

    python bench/planner.py [STORE]

On the store `cscwatch build` made (default: $CSCWATCH_DB or var/cscwatch.duckdb), times reading the
windows (the baseline), then the solve for three capacities (counts by type, counts with visits,
inspector-weeks) with the risk scores fixed (they are the risk model's cost, timed by bench/risk.py).
Wall-clock and CPU seconds are printed; the machine may be shared, so CPU is the fairer figure.
Target: each plan well under 5 s on 2 cores. Skips with a message when there is no store.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 5.0
START = date(2025, 4, 1)
CAPACITIES = ("4,6", "standard=2,short=3,focused=4,monitoring=5", "weeks=40")


def main(argv: list[str]) -> int:
    candidates = [Path(argv[1])] if len(argv) > 1 else [
        Path(p) for p in (os.environ.get("CSCWATCH_DB"), REPO / "var" / "cscwatch.duckdb") if p]
    path = next((p for p in candidates if p.exists()), None)
    if path is None:
        print("skipped: no built store (run `cscwatch build` first)")
        return 0
    from cscwatch.planner.adapters import risk_on, windows_on
    from cscwatch.planner.plan import plan
    from cscwatch.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "store.duckdb"
        shutil.copy(path, copy)
        store = Store(copy, read_only=True)
        risk = risk_on(store, START)
        t0, c0 = time.perf_counter(), time.process_time()
        windows = windows_on(store, START)
        baseline, baseline_cpu = time.perf_counter() - t0, time.process_time() - c0
        n_las = len({w["la_code_old"] for w in windows})
        print(f"store: {path}; {n_las} LAs, {len(windows)} windows; plans of 36 months from {START}; "
              f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
        print(f"baseline: windows_on (register + rules)        {baseline:6.2f} s wall {baseline_cpu:6.2f} s cpu   1.0x")
        worst = 0.0
        plan(store, START, 36, "1,1,1,1", risk=risk, policy="rule_based")          # warm the solver's import
        for cap in CAPACITIES:
            t0, c0 = time.perf_counter(), time.process_time()
            result = plan(store, START, 36, cap, risk=risk)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            worst = max(worst, cpu)
            print(f"plan --capacity {cap:<42s} {wall:6.2f} s wall {cpu:6.2f} s cpu {cpu / max(baseline_cpu, 1e-3):6.1f}x"
                  f"  {result.status}, {len(result.events)} events")
        store.close()
    verdict = "OK" if worst < TARGET_SECONDS else "SLOWER THAN TARGET"
    print(f"slowest plan: {worst:.2f} s cpu (target < {TARGET_SECONDS:.0f} s): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
