"""Benchmark the warehouse build against DuckDB simply reading the same bundled files.

    .venv/bin/python bench/warehouse.py [--repeat 3]

Prints, for the same run: the bare read (DuckDB read_csv / read_parquet of every bundled
warehouse file into memory), the cold warehouse load into a fresh store, the cold full
``build_all`` (register + warehouse), and the no-op rebuild, with ratios to the bare read.
Targets (issue 5): cold build <= 3x the bare read; no-op rebuild < 1 s. Each figure is the best of
``--repeat`` runs, because the machine is shared.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

from cscwatch.build import build_all
from cscwatch.store import Store
from cscwatch.warehouse.load import DATA_DIR, bundled_files, load_warehouse


REGISTER_FILES = sorted((DATA_DIR / "ofsted").glob("*.csv"))


def bare_read(paths) -> float:
    con = duckdb.connect()
    started = time.perf_counter()
    for i, path in enumerate(paths):
        reader = f"read_parquet('{path}')" if path.suffix == ".parquet" else \
            f"read_csv('{path}', all_varchar = true, header = true, sample_size = -1)"
        con.execute(f"CREATE TEMP TABLE t{i} AS SELECT * FROM {reader}")
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def cold_warehouse(folder: Path) -> float:
    with Store(folder / "w.duckdb") as store:
        started = time.perf_counter()
        load_warehouse(store)
        return time.perf_counter() - started


def cold_build(folder: Path) -> tuple[float, float]:
    with Store(folder / "b.duckdb") as store:
        started = time.perf_counter()
        summary = build_all(store)
        cold = time.perf_counter() - started
        assert summary.ok, summary.errors
    with Store(folder / "b.duckdb") as store:     # a new process would reopen the file too
        started = time.perf_counter()
        again = build_all(store)
        noop = time.perf_counter() - started
        assert again.warehouse.skipped and again.register_skipped
    return cold, noop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    reads, all_reads, warehouse, builds, noops = [], [], [], [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            reads.append(bare_read(bundled_files().values()))
            all_reads.append(bare_read([*bundled_files().values(), *REGISTER_FILES]))
            warehouse.append(cold_warehouse(Path(tmp)))
            cold, noop = cold_build(Path(tmp))
            builds.append(cold)
            noops.append(noop)
    read, read_all = min(reads), min(all_reads)
    size = sum(p.stat().st_size for p in bundled_files().values()) / 1e6
    print(f"bundled warehouse files: {len(bundled_files())}, {size:.1f} MB; register files: {len(REGISTER_FILES)} "
          f"(best of {args.repeat} runs)")
    print(f"bare DuckDB read, warehouse files      : {read:7.2f} s   1.0x")
    print(f"cold warehouse load (fresh store)      : {min(warehouse):7.2f} s  {min(warehouse) / read:4.1f}x   "
          "target <= 3x")
    print(f"bare DuckDB read, warehouse + register : {read_all:7.2f} s   1.0x")
    print(f"cold build_all (register + warehouse)  : {min(builds):7.2f} s  {min(builds) / read_all:4.1f}x   "
          "target <= 3x")
    print(f"no-op rebuild (build_all)              : {min(noops):7.3f} s          target < 1 s")


if __name__ == "__main__":
    main()
