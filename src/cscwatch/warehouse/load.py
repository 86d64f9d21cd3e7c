"""Load the bundled statistics into the warehouse tables, set-based in DuckDB.

Each source entry (``sources.py``) becomes ``read_csv``/``read_parquet`` -> ``UNPIVOT`` -> a staging
table; one final ``INSERT ... SELECT`` applies source precedence (first listed wins, newest vintage
wins) into ``observation``. No Python loop touches data rows: Python only maps the few distinct
period labels and measure names.

A source that does not have the declared shape (unknown column, unknown symbol, a period label
that is no period) is rejected with a :class:`SourceFormatError` naming file, row and column; the
rest of the batch still goes in and the failure is recorded in ``source_file`` (status ``error``).
A rebuild whose bundled files all have the SHA-256 recorded in ``source_file`` is a no-op.
"""
from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from cscwatch.errors import BuildFailed, SourceFormatError
from cscwatch.identity import ENGLAND, LAIT_AREAS, identity_tables, write_identity
from cscwatch.store import Store
from cscwatch.warehouse import publication
from cscwatch.warehouse.benchmark import precompute_benchmarks
from cscwatch.warehouse.bundle import sha256
from cscwatch.warehouse.periods import LAIT_YEAR_TYPES, VINTAGE_RANK, normalise_period
from cscwatch.warehouse.sources import LAIT_IDS, LOOKUPS, MEASURES, SOURCES, Source, all_columns
from cscwatch.warehouse.symbols import numeric_sql, status_sql, value_sql

Progress = Callable[[str], None]

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
WAREHOUSE_TABLES = ("benchmark", "observation", "release", "measure", "stat_neighbour", "la_alias", "la_lineage", "la_group",
                    "region", "la", "load_issue", "source_file")
#: the code that decides what gets stored: a change to any of these reloads on the next build
LOADER_MODULES = ("load.py", "sources.py", "benchmark.py", "la.py", "periods.py", "symbols.py", "publication.py", "schema.py")


def loader_version() -> str:
    """SHA-256 over the loader's own source, so new loading logic is never mistaken for a no-op."""
    h = hashlib.sha256()
    for name in LOADER_MODULES:
        h.update((Path(__file__).parent / name).read_bytes())
    return h.hexdigest()


@dataclass
class LoadSummary:
    skipped: bool = False
    sources: dict[str, int] = field(default_factory=dict)       # source_id -> observation rows staged
    errors: list[str] = field(default_factory=list)
    issues: int = 0
    observations: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {"skipped": self.skipped, "sources": self.sources, "errors": self.errors, "issues": self.issues,
                "observations": self.observations, "seconds": round(self.seconds, 3)}


def bundled_files(data_dir: Path = DATA_DIR, sources: Sequence[Source] = SOURCES) -> dict[str, Path]:
    """source_id / lookup key -> bundled path, for everything the warehouse reads."""
    files = {s.source_id: data_dir / s.path for s in sources}
    files.update({k: data_dir / v[0] for k, v in LOOKUPS.items()})
    return files


def fingerprint(data_dir: Path = DATA_DIR, sources: Sequence[Source] = SOURCES) -> dict[str, str]:
    return {k: sha256(p) for k, p in bundled_files(data_dir, sources).items()} | {"_loader": loader_version()}


def is_current(store: Store, hashes: dict[str, str]) -> bool:
    """True when ``source_file`` already records exactly these files, all loaded."""
    if not store.has_table("source_file"):
        return False
    rows = store.rows("SELECT source_id, sha256, status FROM source_file WHERE source_id NOT LIKE 'build:%'")
    recorded = {r["source_id"]: r["sha256"] for r in rows}
    return recorded == hashes and all(r["status"] == "loaded" for r in rows)


def load_warehouse(store: Store, data_dir: Path | None = None, progress: Progress | None = None,
                   force: bool = False, sources: Sequence[Source] = SOURCES) -> LoadSummary:
    """(Re)load every warehouse table from the bundled files; a no-op when nothing changed.

    ``data_dir`` and ``sources`` default to the bundled data and ``sources.SOURCES``; tests pass a
    folder of their own files and entries (the lookups of ``sources.LOOKUPS`` must be there too).
    """
    started = time.perf_counter()
    data_dir = data_dir or DATA_DIR
    say = progress or (lambda _msg: None)
    hashes = fingerprint(data_dir, sources)
    summary = LoadSummary()
    if not force and is_current(store, hashes):
        summary.skipped = True
        summary.seconds = time.perf_counter() - started
        say("warehouse: bundled files unchanged, nothing to do")
        return summary
    files = bundled_files(data_dir, sources)
    with store.transaction() as con:
        for table in WAREHOUSE_TABLES:
            con.execute(f"DELETE FROM {table}" + (" WHERE source_id NOT LIKE 'build:%'" if table == "source_file" else ""))
        say("warehouse: local authorities, aliases and lineage")
        _load_la(con, data_dir)
        with _reading(files["stat_neighbours"]):
            _load_neighbours(con, files["stat_neighbours"])
        con.execute("CREATE OR REPLACE TEMP TABLE staged (la TEXT, period TEXT, period_end DATE, measure_id TEXT,"
                    " value DOUBLE, status TEXT, source_id TEXT, precedence INTEGER, vintage INTEGER, row_no BIGINT)")
        con.execute("CREATE OR REPLACE TEMP TABLE staged_release (source_id TEXT, period TEXT, published DATE,"
                    " rule TEXT)")
        with _reading(files["lait_dictionary"]):
            lait_dictionary = _lait_measures(files["lait_dictionary"])
        ctx = _Context(files=files, lait=lait_dictionary,
                       shared_ids={p.measure_id for s in sources if s.kind != "lait" for p in s.picks}
                       | set(IMD_COLUMNS.values()))
        failed: dict[str, str] = {}
        for precedence, src in enumerate(sources):
            say(f"warehouse: {src.source_id} ({src.path})")
            try:
                loader = {"ees": _stage_ees, "lait": _stage_lait, "imd2019": _stage_imd, "iod2025": _stage_iod2025,
                          "ruc2011": _stage_ruc2011}[src.kind]
                with _reading(files[src.source_id]):
                    n = loader(con, src, files[src.source_id], precedence, ctx)
                summary.sources[src.source_id] = n
            except SourceFormatError as exc:
                summary.errors.append(str(exc))
                failed[src.source_id] = str(exc)
                say(f"warehouse: {src.source_id} rejected: {exc}")
        if failed:     # all or nothing: the transaction rolls back and the store stays as it was
            raise BuildFailed(_failure_line(summary.errors), summary.errors)
        _publish_staged(con)
        _derive(con)
        con.execute("INSERT INTO release SELECT DISTINCT ON (source_id, period) * FROM staged_release"
                    " WHERE (source_id, period) IN (SELECT DISTINCT source_id, period FROM observation)")
        _load_measures(con, ctx.lait)
        say("warehouse: benchmarks (ranks, bands, neighbours, changes, flags)")
        precompute_benchmarks(con)
        _check_orphans(con)
        now = datetime.now()
        for key, path in files.items():
            con.execute("INSERT INTO source_file VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [key, str(path.relative_to(data_dir)), hashes[key], now, summary.sources.get(key),
                         "error" if key in failed else "loaded", failed.get(key)])
        con.execute("INSERT INTO source_file VALUES ('_loader', 'cscwatch.warehouse.load', ?, ?, NULL, 'loaded', NULL)",
                    [hashes["_loader"], now])
        con.execute("DROP TABLE staged")
        con.execute("DROP TABLE staged_release")
        summary.observations = _one(con.execute("SELECT count(*) FROM observation"))[0]
        summary.issues = _one(con.execute("SELECT count(*) FROM load_issue"))[0]
    summary.seconds = time.perf_counter() - started
    say(f"warehouse: {summary.observations:,} observations in {summary.seconds:.1f} s")
    return summary


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """DuckDB's and pandas' low-level complaints about a file become one line naming it.

    A DuckDB error aborts the transaction, so the build stops at the first such file (our own
    checks, raised as SourceFormatError, let the build go on to report every bad file at once).
    """
    try:
        yield
    except SourceFormatError:
        raise
    except (duckdb.Error, OSError, EOFError, UnicodeError, ValueError, KeyError) as exc:
        raise BuildFailed(str(SourceFormatError(path, describe_read_error(path, exc)))) from None


def describe_read_error(path: Path, exc: BaseException) -> str:
    """What is wrong with a file, in a user's words, from the exception a reader raised."""
    head = b""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError:
        pass
    text = " ".join(str(exc).split())
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "is UTF-16 encoded; save it as UTF-8"
    if path.suffix == ".gz" and ("gzip" in text.lower() or isinstance(exc, EOFError) or "compress" in text.lower()):
        return "is not a complete gzip file (truncated or damaged)"
    if "unicode" in text.lower() or "utf-8" in text.lower() or isinstance(exc, UnicodeError):
        return "is not valid UTF-8 (a stray byte in another encoding?)"
    if "could not convert" in text.lower() or "conversion" in text.lower():
        return "has text where a number is expected (" + text.split("\n")[0][:160] + ")"
    return f"cannot be read: {type(exc).__name__}: {text[:200]}"


def _failure_line(errors: list[str]) -> str:
    more = f" (and {len(errors) - 1} more statistics file problem{'s' if len(errors) > 2 else ''})" \
        if len(errors) > 1 else ""
    return errors[0] + more


@dataclass
class _Context:
    """What every source loader may need besides its own file."""

    files: dict[str, Path]
    lait: pd.DataFrame               # LAIT dictionary rows with measure_id, period_type, release_kind
    shared_ids: set[str]             # measure ids some non-LAIT source also gives (precedence applies)


def _one(cursor):
    """First row of a result, fully consumed (DuckDB 2.0 refuses new work while a result is open)."""
    rows = cursor.fetchall()
    return rows[0] if rows else None


def _publish_staged(con) -> None:
    """Move staged rows into ``observation``, one row per (la, period, measure_id).

    Only measures fed by several sources or vintages can collide; those go through the precedence
    window (first listed source, best vintage, first row), the rest are copied straight across.
    """
    con.execute("CREATE OR REPLACE TEMP TABLE contested AS SELECT measure_id FROM staged GROUP BY measure_id"
                " HAVING count(DISTINCT source_id) > 1 OR count(DISTINCT vintage) > 1"
                " OR count(*) > count(DISTINCT (la, period))")
    con.execute("INSERT INTO observation SELECT la, period, period_end, measure_id, value, status, source_id"
                " FROM staged ANTI JOIN contested USING (measure_id)")
    con.execute(
        "INSERT INTO observation SELECT la, period, period_end, measure_id, value, status, source_id"
        " FROM staged SEMI JOIN contested USING (measure_id)"
        " QUALIFY row_number() OVER (PARTITION BY la, period, measure_id ORDER BY precedence, vintage, row_no) = 1")
    con.execute("DROP TABLE contested")


# -- LA identity ----------------------------------------------------------------------------
def _insert_df(con, table: str, df: pd.DataFrame) -> None:
    if df.empty:
        return
    con.register("_df", df)
    cols = ", ".join(f'"{c}"' for c in df.columns)
    con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _df")
    con.unregister("_df")


def _load_la(con, data_dir: Path) -> None:
    write_identity(con, identity_tables(data_dir))


def _load_neighbours(con, path: Path) -> None:
    con.execute(f"""
        INSERT INTO stat_neighbour
        SELECT CASE sn_model WHEN 'April 2021' THEN '2021' WHEN 'May 2025' THEN '2025' END,
               la_code, neighbour_la_code, CAST(rank AS INTEGER),
               replace(lower(trim(closeness)), ' ', '_')
        FROM read_csv('{path}', all_varchar = true)
        WHERE sn_model IN ('April 2021', 'May 2025')""")


# -- staging --------------------------------------------------------------------------------
def _read_raw(con, src: Source, path: Path) -> list[str]:
    """Stage the file as temp ``raw``: a view over Parquet (cheap to rescan), a table for CSV.

    CSV staging objects are tables; the Parquet loader drops its views when done (``finally``).
    """
    if path.suffix == ".parquet":
        con.execute("DROP TABLE IF EXISTS cells; DROP TABLE IF EXISTS raw")
        con.execute(f"CREATE OR REPLACE TEMP VIEW raw AS SELECT file_row_number + 1 AS row_no, "
                    f"* EXCLUDE (file_row_number) FROM read_parquet('{path}', file_row_number = true)")
    else:   # row_no = line number in the file (header is line 1)
        con.execute(f"CREATE OR REPLACE TEMP TABLE raw AS SELECT row_number() OVER () + 1 AS row_no, * FROM "
                    f"read_csv('{path}', all_varchar = true, header = true, sample_size = -1)")
    return [r[0] for r in con.execute("SELECT column_name FROM (DESCRIBE raw)").fetchall()][1:]


def _check_columns(src: Source, path: Path, columns: list[str], expected: set[str]) -> None:
    got = {c.strip() for c in columns}
    extra, missing = sorted(got - expected), sorted(expected - got)
    if extra:
        raise SourceFormatError(path, f"unexpected column (not declared for source {src.source_id})",
                                row=1, column=extra[0])
    if missing:
        raise SourceFormatError(path, f"declared column missing from the header (source {src.source_id})",
                                row=1, column=missing[0])


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _check_symbols(con, path: Path, source_id: str, column_of: str = "col") -> None:
    """Reject the source if staging met text that is neither a number nor a known symbol."""
    bad = _one(con.execute("SELECT row_no, measure_id FROM staged WHERE status = '?' AND source_id LIKE ? "
                      "ORDER BY row_no LIMIT 1", [source_id]))
    if bad:
        cell = _one(con.execute(f"SELECT {column_of}, raw FROM cells WHERE row_no = ? AND measure_id = ? LIMIT 1",
                                bad))
        con.execute("DELETE FROM staged WHERE source_id LIKE ?", [source_id])
        raise SourceFormatError(path, f"unknown symbol {cell[1]!r}", row=bad[0], column=cell[0])


def _stage_periods(labels: list[tuple], period_type_of) -> pd.DataFrame:
    """Normalise distinct period labels (the last item of each key); errors kept per row."""
    rows = []
    for key in labels:
        label = key[-1]
        try:
            p = normalise_period(label, period_type_of(key))
        except ValueError as exc:
            rows.append((*key, None, None, None, str(exc)))
            continue
        rows.append((*key, p.period, p.period_end, VINTAGE_RANK[p.vintage], None))
    return pd.DataFrame(rows)


def _stage_ees(con, src: Source, path: Path, precedence: int, _ctx: _Context) -> int:
    columns = _read_raw(con, src, path)
    _check_columns(src, path, columns, all_columns(src))
    levels = {r[0] for r in con.execute("SELECT DISTINCT geographic_level FROM raw").fetchall()}
    unknown = levels - {"National", "Regional", "Local authority"}
    if unknown:
        row = _one(con.execute("SELECT min(row_no) FROM raw WHERE geographic_level = ?", [sorted(unknown)[0]]))
        raise SourceFormatError(path, f"unknown geographic_level {sorted(unknown)[0]!r}", row=row[0],
                                column="geographic_level")
    geo = (f"CASE geographic_level WHEN 'National' THEN '{ENGLAND}' WHEN 'Regional' THEN region_code "
           f"ELSE trim(old_la_code) END")
    base_filter = " AND ".join(f"{_q(c)} = {_lit(v)}" for c, v in src.filters) or "TRUE"
    groups: dict[tuple, list] = {}
    for p in src.picks:
        groups.setdefault(p.where, []).append(p)
    parts = []
    for where, picks in groups.items():
        cond = " AND ".join([base_filter] + [f"{_q(c)} = {_lit(v)}" for c, v in where])
        cols = sorted({p.column for p in picks})
        mapping = " UNION ALL ".join(f"SELECT {_lit(p.column)} AS col, {_lit(p.measure_id)} AS measure_id"
                                     for p in picks)
        parts.append(
            f"SELECT u.row_no, u.la, u.time_period, u.col, m.measure_id, u.raw FROM ("
            f"SELECT row_no, {geo} AS la, time_period, {', '.join(_q(c) for c in cols)} FROM raw WHERE {cond}) "
            f"UNPIVOT INCLUDE NULLS (raw FOR col IN ({', '.join(_q(c) for c in cols)})) AS u "
            f"JOIN ({mapping}) m USING (col)")
    con.execute("CREATE OR REPLACE TEMP TABLE cells AS " + " UNION ALL ".join(parts))
    missing_geo = _one(con.execute("SELECT row_no FROM cells WHERE la IS NULL OR la = '' LIMIT 1"))
    if missing_geo:
        raise SourceFormatError(path, "row without an area code", row=missing_geo[0], column="old_la_code")
    labels = [(r[0],) for r in con.execute("SELECT DISTINCT time_period FROM cells").fetchall()]
    periods = _stage_periods(labels, lambda _k: src.period_type)
    periods.columns = ["label", "period", "period_end", "vintage", "error"]
    bad = periods[periods["error"].notna()]
    if not bad.empty:
        row = _one(con.execute("SELECT min(row_no) FROM cells WHERE time_period = ?", [bad.iloc[0]["label"]]))
        raise SourceFormatError(path, f"time_period {bad.iloc[0]['label']!r} is not a period", row=row[0],
                                column="time_period")
    con.register("_periods", periods)
    con.execute(f"""
        INSERT INTO staged
        SELECT c.la, p.period, p.period_end, c.measure_id, {value_sql('c.raw', 'c.num')},
               {status_sql('c.raw', 'c.num')}, {_lit(src.source_id)}, {precedence}, p.vintage, c.row_no
        FROM (SELECT *, {numeric_sql('raw')} AS num FROM cells) c JOIN _periods p ON c.time_period = p.label""")
    _check_symbols(con, path, src.source_id, "col")
    _stage_releases(con, src.source_id, periods, src.release)
    con.unregister("_periods")
    return _one(con.execute("SELECT count(*) FROM cells"))[0]


def _stage_releases(con, source_id: str, periods: pd.DataFrame, kind: str) -> None:
    rows = [(source_id, period, publication.published(kind, end), publication.rule_text(kind))
            for period, end in dict(zip(periods["period"], periods["period_end"])).items() if period is not None]
    if rows:
        con.executemany("INSERT INTO staged_release VALUES (?, ?, ?, ?)", rows)


def _slug(text: str) -> str:
    text = text.lower().replace("%", " pct ").replace("&", " and ").replace("+", " plus ")
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def _lait_measures(path: Path) -> pd.DataFrame:
    """One row per LAIT short description: measure id, metadata, period type, release kind."""
    d = pd.read_csv(path, dtype=str, keep_default_na=False).drop_duplicates("Measure_short")
    ids: list[str] = []
    for short in d["Measure_short"]:
        mid = LAIT_IDS.get(short, "lait_" + _slug(short))
        while mid in ids:                      # two short names with the same slug: keep both
            mid += "_2"
        ids.append(mid)
    d["measure_id"] = ids
    d["period_type"] = [LAIT_YEAR_TYPES.get(y, "year_end_march") for y in d["Year_Type"]]
    d["release_kind"] = [publication.lait_release_kind(t, p) for t, p in zip(d["Topic"], d["period_type"])]
    return d


def _stage_lait(con, src: Source, path: Path, precedence: int, ctx: _Context) -> int:
    try:
        return _stage_lait_views(con, src, path, precedence, ctx)
    finally:
        con.execute("DROP VIEW IF EXISTS cells; DROP VIEW IF EXISTS raw")


def _stage_lait_views(con, src: Source, path: Path, precedence: int, ctx: _Context) -> int:
    lait = ctx.lait
    columns = _read_raw(con, src, path)
    _check_columns(src, path, columns,
                   {"Short Desc", "Data item", "Years", "LA and Regions", "Values", "LA Number", "Region"})
    con.execute("CREATE OR REPLACE TEMP VIEW cells AS SELECT row_no, \"LA Number\" AS la_number, "
                "\"Short Desc\" AS short, Years AS label, \"Values\" AS raw FROM raw")
    # one pass over the file for everything decided per (measure, period label)
    groups = con.execute("SELECT short, label, min(row_no), count(*), count(DISTINCT la_number) FROM cells "
                         "GROUP BY short, label ORDER BY 3").fetchall()
    known = set(lait["Measure_short"])
    for short, _label, row, _n, _d in groups:
        if short not in known:
            raise SourceFormatError(path, f"measure {short!r} is not in the LAIT dictionary", row=row,
                                    column="Short Desc")
    period_type = dict(zip(lait["Measure_short"], lait["period_type"]))
    measure_id = dict(zip(lait["Measure_short"], lait["measure_id"]))
    release_kind = dict(zip(lait["Measure_short"], lait["release_kind"]))
    periods = _stage_periods([(g[0], g[1]) for g in groups], lambda k: period_type[k[0]])
    periods.columns = ["short", "label", "period", "period_end", "vintage", "error"]
    periods["measure_id"] = [measure_id[s] for s in periods["short"]]
    periods["source_id"] = ["lait:" + release_kind[s] for s in periods["short"]]
    first_row = {(g[0], g[1]): g[2] for g in groups}
    n_rows = {(g[0], g[1]): g[3] for g in groups}
    for r in periods[periods["error"].notna()].itertuples():
        con.execute("INSERT INTO load_issue VALUES (?, ?, 'Years', ?, ?)",
                    [src.source_id, first_row[(r.short, r.label)], r.label,
                     f"{r.short}: period label {r.label!r} is no period; {n_rows[(r.short, r.label)]} rows not loaded"])
    good = periods[periods["error"].isna()].copy()
    # Rows that can meet another source's row, another vintage of themselves or a repeated row go
    # through the precedence step; all others (most of LAIT) are written straight to observation.
    vintages = good.groupby(["short", "period"])["label"].transform("count")
    repeated = {(g[0], g[1]) for g in groups if g[3] != g[4]}
    unique_rows = pd.Series([(sh, lb) not in repeated for sh, lb in zip(good["short"], good["label"])],
                            index=good.index, dtype=bool)
    good["direct"] = ~good["measure_id"].isin(ctx.shared_ids) & (vintages == 1) & unique_rows
    areas = pd.DataFrame([(float(k), v[0]) for k, v in LAIT_AREAS.items()], columns=["la_number", "area"])
    con.register("_periods", good)
    con.register("_areas", areas)
    select = f"""
        SELECT coalesce(a.area, CAST(CAST(c.la_number AS INTEGER) AS VARCHAR)) AS la, p.period, p.period_end,
               p.measure_id, {value_sql('c.raw', 'c.num')} AS value, {status_sql('c.raw', 'c.num')} AS status,
               p.source_id{{extra}}
        FROM (SELECT *, {numeric_sql('raw')} AS num FROM cells) c
        JOIN _periods p ON c.short = p.short AND c.label = p.label
        LEFT JOIN _areas a ON c.la_number = a.la_number WHERE p.direct = {{direct}}"""
    con.execute("INSERT INTO staged " + select.format(extra=f", {precedence}, p.vintage, c.row_no", direct="false"))
    if _one(con.execute("SELECT count(*) FROM staged WHERE status = '?' AND source_id LIKE 'lait:%'"))[0]:
        bad = _one(con.execute(f"SELECT min(c.row_no), any_value(c.raw) FROM cells c WHERE {status_sql('c.raw')} = '?'"))
        con.execute("DELETE FROM staged WHERE source_id LIKE 'lait:%'")
        raise SourceFormatError(path, f"unknown symbol {bad[1]!r}", row=bad[0], column="Values")
    con.execute("INSERT INTO observation " + select.format(extra="", direct="true"))
    if _one(con.execute("SELECT count(*) FROM observation WHERE status = '?' AND source_id LIKE 'lait:%'"))[0]:
        bad = _one(con.execute(f"SELECT min(c.row_no), any_value(c.raw) FROM cells c WHERE {status_sql('c.raw')} = '?'"
                          ))
        con.execute("DELETE FROM observation WHERE source_id LIKE 'lait:%'")
        con.execute("DELETE FROM staged WHERE source_id LIKE 'lait:%'")
        raise SourceFormatError(path, f"unknown symbol {bad[1]!r}", row=bad[0], column="Values")
    for kind, group in periods[periods["error"].isna()].groupby("source_id"):
        _stage_releases(con, kind, group, kind.split(":", 1)[1])
    con.unregister("_periods")
    con.unregister("_areas")
    return _one(con.execute("SELECT count(*) FROM cells"))[0]


IMD_COLUMNS = {
    "IMD - Average score": "imd_2019_avg_score",
    "IMD - Rank of average score": "imd_2019_rank_avg_score",
    "IMD - Proportion of LSOAs in most deprived 10% nationally": "imd_2019_most_deprived_10pct",
}


def _stage_imd(con, src: Source, path: Path, precedence: int, _ctx: _Context) -> int:
    columns = _read_raw(con, src, path)
    expected = {"Upper Tier Local Authority District code (2019)", "Upper Tier Local Authority District name (2019)",
                "IMD - Average rank", "IMD - Rank of average rank", "IMD - Average score",
                "IMD - Rank of average score", "IMD - Proportion of LSOAs in most deprived 10% nationally",
                "IMD - Rank of proportion of LSOAs in most deprived 10% nationally", "IMD 2019 - Extent",
                "IMD 2019 - Rank of extent", "IMD 2019 - Local concentration",
                "IMD 2019 - Rank of local concentration"}
    _check_columns(src, path, columns, expected)
    actual = {c.strip(): c for c in columns}
    code = _q(actual["Upper Tier Local Authority District code (2019)"])
    parts = [f"SELECT row_no, {code} AS code, {_lit(k)} AS col, {_lit(m)} AS measure_id, {_q(actual[k])} AS raw "
             f"FROM raw" for k, m in IMD_COLUMNS.items()]
    con.execute("CREATE OR REPLACE TEMP TABLE cells AS " + " UNION ALL ".join(parts))
    con.execute(f"""
        INSERT INTO load_issue
        SELECT DISTINCT ON (c.code) {_lit(src.source_id)}, c.row_no, 'Upper Tier Local Authority District code (2019)',
               c.code, 'ONS code maps to no children''s services authority'
        FROM cells c ANTI JOIN la_alias a ON a.alias = upper(c.code) AND a.kind = 'ons_code'""")
    published = publication.published("imd2019", None)  # type: ignore[arg-type]
    con.execute(f"""
        INSERT INTO staged
        SELECT a.la_code_old, '2019', DATE '{published}', c.measure_id, {value_sql('c.raw')}, {status_sql('c.raw')},
               {_lit(src.source_id)}, {precedence}, 0, c.row_no
        FROM cells c JOIN la_alias a ON a.alias = upper(c.code) AND a.kind = 'ons_code'""")
    _check_symbols(con, path, src.source_id, "col")
    con.execute("INSERT INTO staged_release VALUES (?, '2019', ?, ?)",
                [src.source_id, published, publication.rule_text("imd2019")])
    return _one(con.execute("SELECT count(*) FROM cells"))[0]


IOD_DOMAINS = {
    "Index of Multiple Deprivation": (("average_score", "imd_2025_avg_score"),
                                      ("proportion_bottom_decile", "imd_2025_most_deprived_10pct")),
    "Income Deprivation Affecting Children": (("average_score", "idaci_2025_avg_score"),),
}


def _stage_iod2025(con, src: Source, path: Path, precedence: int, ctx: _Context) -> int:
    """IoD 2025 district summaries -> upper tier (MHCLG's own upper-tier file was not available).

    A district that is itself the upper tier (unitary, metropolitan, London) keeps its figure; a
    county gets the mean of its districts (LTLA->UTLA April 2023) weighted by the districts' 2011
    census population, or unweighted when any district lacks a 2011 figure (districts merged since).
    """
    columns = _read_raw(con, src, path)
    _check_columns(src, path, columns, {"area_code", "area_name", "area_type", "deprivation_data_year",
                                        "index_domain", "average_rank", "rank_average_rank", "average_score",
                                        "rank_average_score", "proportion_bottom_decile",
                                        "rank_proportion_bottom_decile"})
    parts = [f"SELECT row_no, area_code AS lad, {_lit(col)} AS col, {_lit(mid)} AS measure_id, {_q(col)} AS raw "
             f"FROM raw WHERE index_domain = {_lit(domain)}"
             for domain, picks in IOD_DOMAINS.items() for col, mid in picks]
    con.execute("CREATE OR REPLACE TEMP TABLE cells AS " + " UNION ALL ".join(parts))
    lookup, pops = ctx.files["ltla_utla"], ctx.files["lad2011_population"]
    con.execute(f"""
        INSERT INTO load_issue
        SELECT DISTINCT ON (c.lad) {_lit(src.source_id)}, c.row_no, 'area_code', c.lad,
               'district in no upper-tier authority of the April 2023 lookup'
        FROM cells c ANTI JOIN read_csv('{lookup}', all_varchar = true) u ON u.LTLA23CD = c.lad""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE iod AS
        WITH d AS (
            SELECT c.*, u.UTLA23CD AS utla, {numeric_sql('c.raw')} AS num,
                   TRY_CAST(replace(p."Total population1", ',', '') AS DOUBLE) AS w
            FROM cells c
            JOIN read_csv('{lookup}', all_varchar = true) u ON u.LTLA23CD = c.lad
            LEFT JOIN read_csv('{pops}', all_varchar = true) p ON p.LAD11CD = c.lad)
        SELECT a.la_code_old AS la, d.measure_id, min(d.row_no) AS row_no,
               CASE WHEN count(d.w) = count(*) THEN sum(d.num * d.w) / sum(d.w) ELSE avg(d.num) END AS value,
               CASE WHEN count(d.num) < count(*) THEN 'x' END AS status
        FROM d JOIN la_alias a ON a.alias = d.utla AND a.kind = 'ons_code'
        GROUP BY a.la_code_old, d.measure_id""")
    bad = _one(con.execute(f"SELECT row_no, col, raw FROM cells WHERE {status_sql('raw')} = '?' LIMIT 1"))
    if bad:
        raise SourceFormatError(path, f"unknown symbol {bad[2]!r}", row=bad[0], column=bad[1])
    published = publication.published("imd2025", None)  # type: ignore[arg-type]
    con.execute(f"""INSERT INTO staged SELECT la, '2025', DATE '{published}', measure_id, round(value, 4), status,
                    {_lit(src.source_id)}, {precedence}, 0, row_no FROM iod""")
    con.execute("INSERT INTO staged_release VALUES (?, '2025', ?, ?)",
                [src.source_id, published, publication.rule_text("imd2025")])
    con.execute("DROP TABLE iod")
    return _one(con.execute("SELECT count(*) FROM cells"))[0]


RUC_CLASSES = {"Mainly Rural": 1, "Largely Rural": 2, "Urban with Significant Rural": 3,
               "Urban with City and Town": 4, "Urban with Minor Conurbation": 5, "Urban with Major Conurbation": 6}


def _stage_ruc2011(con, src: Source, path: Path, precedence: int, _ctx: _Context) -> int:
    columns = _read_raw(con, src, path)
    code, name, six, three = ("Upper Tier Local Authority Area 2021 Code", "Upper Tier Local Authority Area 2021 Name",
                              "Rural-Urban Classification 2011 (6 fold)", "Rural-Urban Classification 2011 (3 fold)")
    _check_columns(src, path, columns, {code, name, six, three})
    classes = " ".join(f"WHEN {_lit(k)} THEN {v}" for k, v in RUC_CLASSES.items())
    bad = _one(con.execute(f"SELECT row_no, {_q(six)} FROM raw WHERE CASE trim({_q(six)}) {classes} END IS NULL "
                           f"ORDER BY row_no LIMIT 1"))
    if bad:
        raise SourceFormatError(path, f"unknown rural-urban class {bad[1]!r}", row=bad[0], column=six)
    con.execute(f"""
        INSERT INTO load_issue SELECT {_lit(src.source_id)}, row_no, {_lit(code)}, {_q(code)},
               'ONS code maps to no children''s services authority'
        FROM raw r ANTI JOIN la_alias a ON a.alias = upper(r.{_q(code)}) AND a.kind = 'ons_code'""")
    published = publication.published("ruc2011", None)  # type: ignore[arg-type]
    con.execute(f"""
        INSERT INTO staged
        SELECT a.la_code_old, '2011', DATE '2011-03-27', 'ruc_2011_class', CASE trim(r.{_q(six)}) {classes} END,
               NULL, {_lit(src.source_id)}, {precedence}, 0, r.row_no
        FROM raw r JOIN la_alias a ON a.alias = upper(r.{_q(code)}) AND a.kind = 'ons_code'""")
    con.execute("INSERT INTO staged_release VALUES (?, '2011', ?, ?)",
                [src.source_id, published, publication.rule_text("ruc2011")])
    return _one(con.execute("SELECT count(*) FROM raw"))[0]


# -- derived measures, dictionary, checks ---------------------------------------------------
def _derive(con) -> None:
    """csc_spend_per_child_gbp = (CLA + safeguarding + family support S251 spend) / 0-17 population."""
    con.execute("""
        INSERT INTO observation
        WITH spend AS (
            SELECT la, period, any_value(period_end) AS period_end, sum(value) AS total,
                   count(value) AS n, any_value(source_id) AS source_id
            FROM observation
            WHERE measure_id IN ('s251_cla_spend_gbp', 's251_safeguarding_spend_gbp', 's251_family_support_spend_gbp')
            GROUP BY la, period)
        SELECT s.la, s.period, s.period_end, 'csc_spend_per_child_gbp',
               CASE WHEN s.n = 3 AND p.value > 0 THEN round(s.total / p.value, 2) END,
               CASE WHEN s.n = 3 AND p.value > 0 THEN NULL ELSE coalesce(p.status, 'x') END,
               'derived:spend_per_child'
        FROM spend s JOIN observation p
          ON p.measure_id = 'population_0_17' AND p.la = s.la AND p.period = left(s.period, 4)""")
    con.execute("""
        INSERT INTO staged_release
        SELECT 'derived:spend_per_child', o.period, max(greatest(r1.published, r2.published)),
               'latest of the S251 outturn and the population estimate it divides by'
        FROM (SELECT DISTINCT period FROM observation WHERE measure_id = 'csc_spend_per_child_gbp') o
        JOIN staged_release r1 ON r1.source_id = 'lait:s251' AND r1.period = o.period
        JOIN staged_release r2 ON r2.source_id = 'population' AND r2.period = left(o.period, 4)
        GROUP BY o.period""")


def _load_measures(con, lait: pd.DataFrame) -> None:
    ours = {m.measure_id: m for m in MEASURES}
    rows = []
    for m in MEASURES:
        rows.append({"measure_id": m.measure_id, "title": m.title, "unit": m.unit, "topic": m.topic,
                     "source_publication": m.source_publication, "definition": m.definition,
                     "polarity": m.polarity, "numerator": m.numerator, "denominator": m.denominator,
                     "period_type": m.period_type, "no_quartile": False})
    for r in lait.itertuples():
        if r.measure_id in ours:
            continue
        pol = {"high": "high", "low": "low"}.get(r.Polarity.strip().lower())
        rows.append({"measure_id": r.measure_id, "title": r.Measure.strip() or r.Measure_short,
                     "unit": r.y_axis_name or None, "topic": r.Topic or None,
                     "source_publication": f"{r.Topic} via LAIT ({r.Measure_short})",
                     "definition": (r.Description or "").strip() or None, "polarity": pol,
                     "numerator": None, "denominator": None, "period_type": r.period_type,
                     "no_quartile": (r.No_Quartile or "").strip().lower() in ("yes", "y", "true", "1", "x")})
    df = pd.DataFrame(rows)
    _insert_df(con, "measure", df)
    con.execute("""
        UPDATE measure SET sources = s.sources FROM (
            SELECT measure_id, string_agg(DISTINCT source_id, '; ' ORDER BY source_id) AS sources
            FROM observation GROUP BY measure_id) s
        WHERE measure.measure_id = s.measure_id""")
    con.execute("DELETE FROM measure WHERE sources IS NULL")


def _check_orphans(con) -> None:
    con.execute("""
        INSERT INTO load_issue
        SELECT any_value(source_id), NULL, 'la', la, 'area code in no la/region row: ' || count(*) || ' observations'
        FROM observation o
        WHERE NOT EXISTS (SELECT 1 FROM la WHERE la.la_code_old = o.la)
          AND NOT EXISTS (SELECT 1 FROM region r WHERE r.region_code = o.la)
        GROUP BY la""")
