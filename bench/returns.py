"""Benchmark the returns measures: DuckDB against plain pandas in the same run, and Spark local mode.

    .venv/bin/python bench/returns.py [--las 150] [--years 10] [--seed 0] [--no-spark]

Generates synthetic returns for ``--las`` LAs x ``--years`` years (each LA at its published size and
rates when the store is built, England-like otherwise; ``--simulate`` of them are simulated and the
rest are re-keyed copies, because the simulation is slow Python), pseudonymised into a store file
under ``var/bench/`` (kept: later runs reuse it), then computes every measure for every LA-year in a fresh
subprocess per engine, so each peak RSS (``ru_maxrss``) is that engine's alone:

* DuckDB: ``DuckDBEngine`` on the store (2 threads);
* pandas: ``bench/returns_pandas.py`` on the same tables already in memory (its load time is shown
  apart and not counted: the ratio favours pandas);
* Spark: ``SparkEngine`` in local[2] mode (session start shown apart; run = parquet export + query).

Every engine's numerators and denominators are compared with DuckDB's. Targets (issue 14): DuckDB at
least 10x faster than pandas, under 30 s and under 4 GiB on 2 cores. Results go to stdout and
``var/bench/returns.json``.
"""
from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "var" / "bench"
BENCH_SECRET = b"cscwatch-bench-secret-not-for-real-data"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _children_peak_mb() -> float:
    """Peak RSS (VmHWM) of this process's children: the Spark JVM."""
    total = 0.0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(os.getpid()) and "VmHWM" in fields:
            total += int(fields["VmHWM"].split()[0]) / 1024
    return total


# -- data ----------------------------------------------------------------------------------------

def _targets(las: list[str], years: list[int]):
    from cscwatch.returns.synth import Targets, warehouse_targets
    from cscwatch.store import Store, default_db_path

    path = default_db_path()
    if path.exists():
        with Store(path, read_only=True) as store:
            return {la: {y: warehouse_targets(store, la, y) for y in years} for la in las}
    return {la: {y: Targets() for y in years} for la in las}


def _generate(job: tuple[list[str], list[int], int, str]) -> dict[str, int]:
    """One worker: its LAs' returns, pseudonymised to the store's rows, written as parquet."""
    import pandas as pd

    from cscwatch.returns.ingest import cin_frames, ssda903_frame
    from cscwatch.returns.pseudonymise import Pseudonymiser
    from cscwatch.returns.read import CinChild
    from cscwatch.returns.synth import iter_synthetic_returns

    las, years, seed, folder = job
    p = Pseudonymiser(BENCH_SECRET)
    frames: dict[str, list] = {}
    counts = {"episodes": 0, "cin_rows": 0}
    for ret in iter_synthetic_returns(_targets(las, years), seed=seed):
        for table in ("header", "episodes", "oc3"):
            rows = [dict(r, _row=i + 2) for i, r in enumerate(ret.ssda903[table])]
            name, frame = ssda903_frame(table, rows, ret.la_code_old, ret.year, p)
            frames.setdefault(name, []).append(frame)
        counts["episodes"] += len(ret.ssda903["episodes"])
        children = [CinChild(i, c["id"], c.get("dob"), c["episodes"]) for i, c in enumerate(ret.cin, 1)]
        for name, frame in cin_frames(children, ret.la_code_old, ret.year, p).items():
            frames.setdefault(name, []).append(frame)
            counts["cin_rows"] += len(frame)
    import duckdb

    con = duckdb.connect()
    for name, parts in frames.items():
        con.register("part", pd.concat(parts, ignore_index=True))
        con.execute(f"COPY part TO '{Path(folder) / f'{name}-{las[0]}.parquet'}' (FORMAT parquet)")
        con.unregister("part")
    return counts


def build_data(path: Path, n_las: int, n_years: int, seed: int, distinct: int) -> dict:
    """Simulate ``distinct`` LAs (the slow part: a Python simulation), then copy them, re-keyed, up to
    ``n_las``: LA codes replaced and child keys re-hashed per copy, so the store holds ``n_las``
    LAs' worth of rows and the engines have ``n_las`` independent LAs to compute."""
    from cscwatch.returns.synth import choose_las, latest_year
    from cscwatch.store import Store, default_db_path

    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        return json.loads(meta_path.read_text())
    built = Store(default_db_path(), read_only=True) if default_db_path().exists() else None
    try:
        las = choose_las(built, n_las, seed) if built and n_las <= 150 else [str(100 + i) for i in range(n_las)]
        last = latest_year(built)
        pops: dict[str, dict[str, float]] = {}
        if built:
            for r in built.rows("SELECT la, period, value FROM observation WHERE measure_id = 'population_0_17'"):
                pops.setdefault(r["la"], {})[r["period"]] = r["value"]
    finally:
        if built:
            built.close()
    years = list(range(last - n_years + 1, last + 1))
    distinct = min(distinct, n_las)
    sources = random_sample(las, distinct, seed)
    folder = path.parent / (path.stem + "-parts")
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    chunks = [sources[i::4] for i in range(4)]
    with mp.get_context("spawn").Pool(2) as pool:
        counts = pool.map(_generate, [(c, years, seed, str(folder)) for c in chunks if c])
    gen_seconds = time.perf_counter() - started
    # copy k of source j becomes LA las[k * distinct + j] (sources first, as themselves)
    others = [la for la in las if la not in sources]
    mapping = [(src, src, 0) for src in sources]
    for i, la in enumerate(others):
        mapping.append((sources[i % distinct], la, 1 + i // distinct))
    if path.exists():
        path.unlink()
    with Store(path) as store:
        with store.transaction() as con:
            con.execute("CREATE TEMP TABLE la_map (src VARCHAR, la VARCHAR, copy INTEGER)")
            con.executemany("INSERT INTO la_map VALUES (?, ?, ?)", mapping)
            for table in ("cla_child", "cla_episode", "cla_care_leaver", "cin_referral", "cin_assessment", "cin_s47",
                          "cin_cpp"):
                files = sorted(folder.glob(f"{table}-*.parquet"))
                if not files:
                    continue
                cols = [d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description]
                select = ", ".join(
                    "m.la" if c == "la_code_old" else
                    "CASE WHEN m.copy = 0 THEN p.child_key ELSE substr(md5(p.child_key || m.copy), 1, 32) END"
                    if c == "child_key" else f"p.{c}" for c in cols)
                con.execute(f"INSERT INTO {table} SELECT {select} FROM read_parquet(?) p "
                            f"JOIN la_map m ON m.src = p.la_code_old", [[str(f) for f in files]])
            for src, la, _ in mapping:
                for y in years:
                    for kind in ("ssda903_episodes", "cin"):
                        con.execute("INSERT INTO return_file VALUES (?, ?, ?, 'bench', 'bench', 'loaded', NULL, 0, "
                                    "now())", [la, y, kind])
                for period, value in pops.get(src, {}).items():
                    if str(period).isdigit():
                        con.execute("INSERT INTO observation VALUES (?, ?, ?, 'population_0_17', ?, NULL, "
                                    "'population')", [la, period, f"{period}-06-30", value])
    for f in folder.glob("*.parquet"):
        f.unlink()
    folder.rmdir()
    meta = {"las": len(las), "simulated_las": distinct, "years": years, "generate_seconds": round(gen_seconds, 1),
            "episodes_in_files_simulated": sum(c["episodes"] for c in counts),
            "cin_rows_simulated": sum(c["cin_rows"] for c in counts)}
    meta_path.write_text(json.dumps(meta))
    return meta


def random_sample(items: list[str], k: int, seed: int) -> list[str]:
    import random

    return sorted(random.Random(seed).sample(items, k))


# -- one engine per subprocess ---------------------------------------------------------------------

def run_engine(engine: str, db: Path) -> dict:
    import duckdb

    from cscwatch.returns.engines import TABLES, DuckDBEngine, SparkEngine, spark_session, stop_spark_session
    from cscwatch.returns.provisional import held_returns
    from cscwatch.store import Store

    store = Store(db, read_only=True)
    store.con.execute("SET threads = 2")
    pairs = held_returns(store)
    result: dict = {"engine": engine}
    if engine == "duckdb":
        started = time.perf_counter()
        rows = DuckDBEngine().run(store.con, pairs)
        result["seconds"] = time.perf_counter() - started
    elif engine == "pandas":
        sys.path.insert(0, str(REPO / "bench"))
        from returns_pandas import pandas_measures

        from cscwatch.returns.engines import _helper_tables

        started = time.perf_counter()
        tables = {t: store.df(f"SELECT * FROM {t}") for t in TABLES}
        _helper_tables(store.con, pairs)
        ly, wd = store.df("SELECT * FROM ly"), store.df("SELECT * FROM working_day")
        result["load_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        frame = pandas_measures(tables, ly, wd)
        result["seconds"] = time.perf_counter() - started
        rows = [{"la_code_old": r.la_code_old, "year": int(r.year), "measure_id": r.measure_id,
                 "numerator": r.numerator, "denominator": None if math.isnan(r.denominator) else r.denominator}
                for r in frame.itertuples()]
    else:
        started = time.perf_counter()
        spark_session()
        result["session_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        rows = SparkEngine(workdir=OUT).run(store.con, pairs)
        result["seconds"] = time.perf_counter() - started
        result["jvm_peak_rss_mb"] = _children_peak_mb()
        stop_spark_session()
    result["peak_rss_mb"] = _peak_mb()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["process_cpu_seconds"] = usage.ru_utime + usage.ru_stime     # whole process: load-independent
    result["rows"] = {f"{r['la_code_old']}|{r['year']}|{r['measure_id']}": [r["numerator"], r["denominator"]]
                      for r in rows}
    store.close()
    del duckdb
    return result


def _subprocess(engine: str, db: Path, env: dict | None = None, timeout: float | None = None) -> dict | None:
    out = OUT / f"returns-{engine}.json"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, __file__, "--run-engine", engine, "--db", str(db), "--result", str(out)]
    try:
        subprocess.run(cmd, check=True, env={**os.environ, **(env or {})}, timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"{engine:>7}: did not finish within {timeout:.0f} s")
        return None
    return json.loads(out.read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--las", type=int, default=150)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--simulate", type=int, default=30,
                    help="LAs actually simulated; the rest are re-keyed copies (the simulation is slow Python)")
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument("--spark-timeout", type=float, default=1800, help="Give up on Spark after this many seconds.")
    ap.add_argument("--run-engine", help=argparse.SUPPRESS)
    ap.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.run_engine:
        args.result.write_text(json.dumps(run_engine(args.run_engine, args.db)))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / f"returns-{args.las}x{args.years}-s{args.seed}-sim{args.simulate}.duckdb"
    meta = build_data(db, args.las, args.years, args.seed, args.simulate)
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    sizes = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
             for t in ("cla_episode", "cla_child", "cla_care_leaver", "cin_referral", "cin_assessment", "cin_s47",
                       "cin_cpp")}
    con.close()
    print(f"data: {meta['las']} LAs ({meta['simulated_las']} simulated, the rest re-keyed copies) x "
          f"{len(meta['years'])} years ({meta['years'][0]}-{meta['years'][-1]}); "
          f"{sizes['cla_episode']:,} SSDA903 episode rows, "
          f"{sum(v for k, v in sizes.items() if k.startswith('cin_')):,} CIN rows "
          f"(generated in {meta['generate_seconds']} s)")
    results = [_subprocess("duckdb", db), _subprocess("pandas", db)]
    if not args.no_spark:
        spark = _subprocess("spark", db, {"CSCWATCH_SPARK_CODEGEN": "1", "CSCWATCH_SPARK_DRIVER_MEMORY": "6g"},
                            timeout=args.spark_timeout)
        if spark:
            results.append(spark)
    reference = results[0]["rows"]
    summary = {"data": {**meta, "rows": sizes}, "engines": []}
    for r in results:
        same = sum(1 for k, v in reference.items() if r["rows"].get(k) == v)
        entry = {k: (round(v, 2) if isinstance(v, float) else v) for k, v in r.items() if k != "rows"}
        entry["figures_equal_to_duckdb"] = f"{same}/{len(reference)}"
        summary["engines"].append(entry)
        extra = "".join(f", {k} {entry[k]}" for k in ("process_cpu_seconds", "load_seconds", "session_seconds",
                                                        "jvm_peak_rss_mb") if k in entry)
        print(f"{r['engine']:>7}: {entry['seconds']:.2f} s, peak RSS {entry['peak_rss_mb']:.0f} MB{extra}; "
              f"figures equal to DuckDB's: {entry['figures_equal_to_duckdb']}")
    duck, pand = results[0], results[1]
    ratio = pand["seconds"] / duck["seconds"]
    summary["pandas_over_duckdb"] = round(ratio, 1)
    ok = ratio >= 10 and duck["seconds"] < 30 and duck["peak_rss_mb"] < 4096
    print(f"pandas / DuckDB: {ratio:.1f}x (target >= 10x); DuckDB {duck['seconds']:.1f} s (< 30 s), "
          f"{duck['peak_rss_mb']:.0f} MB (< 4096 MB): {'met' if ok else 'NOT met'}")
    summary["targets_met"] = ok
    summary["load_average_after"] = os.getloadavg()
    (OUT / "returns.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
