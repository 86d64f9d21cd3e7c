"""Two engines, one definition: the measure SQL on DuckDB (default) or on Apache Spark.

An engine takes the canonical tables and runs :data:`cscwatch.returns.measures.VIEWS` and
:func:`measure_union` as written (DuckDB) or transpiled by sqlglot (Spark); both return the same
plain rows ``(la_code_old, year, measure_id, numerator, denominator)``. DuckDB runs inside the
store; Spark reads the tables as parquet that DuckDB writes, so the same engine code serves one LA
on a laptop and national multi-year data on a cluster (``spark_master``).
"""
from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import duckdb

from cscwatch.errors import CscwatchError
from cscwatch.returns.calendar import working_day_rows
from cscwatch.returns.measures import MEASURES, VIEWS, Measure, measure_union

#: The canonical tables the measures read.
TABLES = ("cla_episode", "cla_child", "cla_care_leaver", "cin_referral", "cin_assessment", "cin_s47", "cin_cpp")


class EngineError(CscwatchError):
    """An engine cannot run (Spark without Java, say)."""


def year_rows(pairs: Sequence[tuple[str, int, str]]) -> list[tuple[str, int, str, date, date, date, date]]:
    """``ly``: each LA, year and return held, with the boundary dates the measures compare against
    (made here, once, so no engine does date arithmetic on them)."""
    return [(la, y, rt, date(y - 1, 4, 1), date(y, 3, 31), date(y - 2, 3, 31), date(y - 3, 9, 30))
            for la, y, rt in pairs]


@lru_cache(maxsize=4)
def _working_days(first: int, last: int):
    import pandas as pd

    return pd.DataFrame(working_day_rows(first, last), columns=["day", "wd"])


LY_COLUMNS = "la_code_old VARCHAR, year INTEGER, return_type VARCHAR, ys DATE, ye DATE, cut2 DATE, cut25 DATE"


class Engine(Protocol):
    name: str

    def run(self, con: duckdb.DuckDBPyConnection, pairs: Sequence[tuple[str, int, str]],
            measures: tuple[Measure, ...] = MEASURES) -> list[dict[str, Any]]: ...


def _helper_tables(con: duckdb.DuckDBPyConnection, pairs: Sequence[tuple[str, int, str]]) -> None:
    """``ly`` and ``working_day`` as temp tables (bulk-loaded from frames: row inserts are slow)."""
    import pandas as pd

    ly = pd.DataFrame(year_rows(pairs), columns=["la_code_old", "year", "return_type", "ys", "ye", "cut2", "cut25"])
    years = [y for _, y, _ in pairs] or [date.today().year]
    wd = _working_days(min(min(years) - 10, 2000), max(max(years) + 2, date.today().year + 2))
    for name, frame in (("ly", ly), ("working_day", wd)):
        con.register("_returns_helper", frame)
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _returns_helper")
        finally:
            con.unregister("_returns_helper")
    con.execute("ALTER TABLE ly ALTER year TYPE INTEGER")


def _rows(cursor) -> list[dict[str, Any]]:
    cols = [d[0] for d in cursor.description]
    return [dict(zip(cols, r)) for r in cursor.fetchall()]


class DuckDBEngine:
    """Runs the SQL as written, on the store's own connection (temp tables and views only)."""

    name = "duckdb"

    def run(self, con: duckdb.DuckDBPyConnection, pairs: Sequence[tuple[str, int, str]],
            measures: tuple[Measure, ...] = MEASURES) -> list[dict[str, Any]]:
        _helper_tables(con, pairs)
        for name, sql in VIEWS:          # materialised once: several measures read each
            con.execute(f"DROP VIEW IF EXISTS {name}")
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
        try:
            return _rows(con.execute(measure_union(measures) + " ORDER BY 1, 2, 3"))
        finally:
            for name, _ in reversed(VIEWS):
                con.execute(f"DROP TABLE IF EXISTS {name}")


def to_spark_sql(sql: str) -> str:
    """DuckDB-dialect SQL as Spark SQL (sqlglot)."""
    import sqlglot

    return sqlglot.transpile(sql, read="duckdb", write="spark")[0]


_SPARK = None


def spark_session(master: str | None = None):
    """One Spark session per process (starting one costs seconds); quiet, UI off, UTC dates."""
    global _SPARK
    if _SPARK is not None:
        return _SPARK
    import shutil

    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        raise EngineError("the Spark engine needs Java: install Debian's openjdk-17-jre-headless (`make test` "
                          "does) or use --engine duckdb")
    from pyspark.sql import SparkSession

    master = master or os.environ.get("CSCWATCH_SPARK_MASTER", "local[2]")
    # Whole-stage code generation and adaptive execution pay off on big data but cost seconds per query
    # plan; on one LA's returns they dominate (measured: first run 177 s with them, 77 s without, on a
    # loaded 2-core machine). CSCWATCH_SPARK_CODEGEN=1 turns them back on (the benchmark does).
    tuned = os.environ.get("CSCWATCH_SPARK_CODEGEN", "0") == "1"
    _SPARK = (SparkSession.builder.master(master).appName("cscwatch-returns")
              .config("spark.sql.codegen.wholeStage", str(tuned).lower())
              .config("spark.sql.adaptive.enabled", str(tuned).lower())
              .config("spark.ui.enabled", "false")
              .config("spark.sql.session.timeZone", "UTC")
              .config("spark.sql.shuffle.partitions", "2")
              .config("spark.default.parallelism", "2")
              .config("spark.ui.showConsoleProgress", "false")
              .config("spark.sql.autoBroadcastJoinThreshold", str(64 * 1024 * 1024))
              .config("spark.driver.memory", os.environ.get("CSCWATCH_SPARK_DRIVER_MEMORY", "2g"))
              .getOrCreate())
    _SPARK.sparkContext.setLogLevel("ERROR")
    return _SPARK


def stop_spark_session() -> None:
    """Stop the process's Spark session (the next :func:`spark_session` starts a new one)."""
    global _SPARK
    if _SPARK is not None:
        _SPARK.stop()
        _SPARK = None


class SparkEngine:
    """Runs the transpiled SQL on Spark over parquet copies of the tables DuckDB writes."""

    name = "spark"

    def __init__(self, master: str | None = None, workdir: Path | None = None):
        self.master = master
        self.workdir = workdir

    def run(self, con: duckdb.DuckDBPyConnection, pairs: Sequence[tuple[str, int, str]],
            measures: tuple[Measure, ...] = MEASURES) -> list[dict[str, Any]]:
        spark = spark_session(self.master)
        _helper_tables(con, pairs)
        with tempfile.TemporaryDirectory(dir=self.workdir, prefix="cscwatch-spark-") as tmp:
            for table in (*TABLES, "ly", "working_day"):
                target = Path(tmp) / f"{table}.parquet"
                con.execute(f"COPY (SELECT * FROM {table}) TO '{target}' (FORMAT parquet)")
                spark.read.parquet(str(target)).createOrReplaceTempView(table)
            for table in (*TABLES, "ly", "working_day"):
                spark.catalog.cacheTable(table)
            for name, sql in VIEWS:      # each shared step computed once (Spark does not reuse views)
                spark.sql(f"CREATE OR REPLACE TEMP VIEW {name} AS {to_spark_sql(sql)}")
                spark.catalog.cacheTable(name)
            try:
                result = spark.sql(to_spark_sql(measure_union(measures))).collect()
            finally:
                for name in (*TABLES, "ly", "working_day", *(n for n, _ in VIEWS)):
                    spark.catalog.uncacheTable(name)
        rows = [r.asDict() for r in result]
        rows.sort(key=lambda r: (r["la_code_old"], r["year"], r["measure_id"]))
        return rows


def get_engine(name: str) -> Engine:
    if name == "duckdb":
        return DuckDBEngine()
    if name == "spark":
        return SparkEngine()
    raise EngineError(f"unknown engine {name!r}: use duckdb or spark")
