"""LAIT-style benchmarking: ranks, quartile bands, neighbour averages, changes and adverse-move flags.

The first half is pure functions over plain data (dicts of ``la -> value``), tested on small
hand-computed tables. The second half wraps them over the store for the CLI and the dashboard;
their results are plain JSON-able dicts (shapes in docs/warehouse.md).

Conventions (DOMAIN.md §3.6):

* **Rank**: 1 = best respecting polarity; ties take the minimum rank; NULL values are unranked;
  context measures (polarity NULL) have no rank.
* **Quartile band**: R ``quantile(type = 7)`` of all LAs' non-NULL values in the period. Low
  polarity: A = [min, Q1], B = (Q1, Q2], C = (Q2, Q3], D = (Q3, max]. High polarity reversed:
  A = [Q3, max], B = [Q2, Q3), C = [Q1, Q2), D = [min, Q1). A is always best; no band for
  context measures or measures LAIT marks ``No_Quartile``.
* **Neighbours**: mean (LAIT) and median (DfE outcomes and enablers dashboard) of the non-NULL
  values of an LA's 10 statistical neighbours in a DfE model (2021 or 2025), or of a named peer
  group; ``n`` says how many neighbours had a value.
* **Change**: value minus the value whose ``period_end`` is exactly 1 (3) years earlier; NULL when
  that period is missing, so changes never span gaps.
* **Adverse-move flag**: with ``sign`` = +1 for low polarity and -1 for high, an LA's adverse
  change is ``sign * change_1y``. It is flagged when the adverse change is positive and exceeds the
  median adverse change of its neighbours by more than the neighbours' interquartile range of
  1-year changes (type 7). Needs at least 4 neighbours with a change; otherwise NULL.
"""
from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from cscwatch.identity import ENGLAND

from cscwatch.errors import NotFound, StoreNotBuilt
from cscwatch.store import Store

MODELS = ("2025", "2021")
MIN_NEIGHBOURS_FOR_FLAG = 4

Values = Mapping[str, float | None]


# -- pure functions -----------------------------------------------------------------------------
def _present(values: Values) -> dict[str, float]:
    return {k: float(v) for k, v in values.items() if v is not None and not (isinstance(v, float) and math.isnan(v))}


def rank(values: Values, polarity: str | None) -> dict[str, int | None]:
    """Competition rank, 1 = best for the polarity; ties share the minimum rank; NULLs unranked."""
    if polarity not in ("high", "low"):
        return {k: None for k in values}
    present = _present(values)
    ordered = sorted(present.values(), reverse=polarity == "high")
    first: dict[float, int] = {}
    for i, v in enumerate(ordered, start=1):
        first.setdefault(v, i)
    return {k: (first[present[k]] if k in present else None) for k in values}


def quantile7(sorted_values: Sequence[float], p: float) -> float:
    """R ``quantile(x, p, type = 7)`` of already sorted values."""
    if not sorted_values:
        raise ValueError("no values")
    h = (len(sorted_values) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo])


def quartiles(values: Iterable[float | None]) -> tuple[float, float, float] | None:
    xs = sorted(v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v)))
    if not xs:
        return None
    return quantile7(xs, 0.25), quantile7(xs, 0.5), quantile7(xs, 0.75)


def band_of(value: float | None, q: tuple[float, float, float] | None, polarity: str | None) -> str | None:
    """LAIT quartile band A-D of one value (A always best); None for NULLs and context measures."""
    if value is None or q is None or polarity not in ("high", "low"):
        return None
    q1, q2, q3 = q
    if polarity == "low":
        return "A" if value <= q1 else "B" if value <= q2 else "C" if value <= q3 else "D"
    return "A" if value >= q3 else "B" if value >= q2 else "C" if value >= q1 else "D"


def bands(values: Values, polarity: str | None) -> dict[str, str | None]:
    q = quartiles(values.values())
    return {k: band_of(v, q, polarity) for k, v in values.items()}


def peer_stats(values: Values, peers: Iterable[str]) -> dict[str, Any]:
    """Mean and median of the peers' non-NULL values, with how many peers had one."""
    present = _present(values)
    xs = [present[p] for p in peers if p in present]
    if not xs:
        return {"mean": None, "median": None, "n": 0}
    return {"mean": statistics.fmean(xs), "median": statistics.median(xs), "n": len(xs)}


def neighbour_stats(values: Values, neighbours: Mapping[str, Sequence[str]]) -> dict[str, dict[str, Any]]:
    """``peer_stats`` for every LA in ``values`` against its own neighbour list."""
    return {la: peer_stats(values, neighbours.get(la, ())) for la in values}


def change(current: float | None, earlier: float | None) -> float | None:
    if current is None or earlier is None:
        return None
    return current - earlier


def adverse_move_flag(la_change: float | None, neighbour_changes: Iterable[float | None],
                      polarity: str | None) -> bool | None:
    """True when an LA moved the wrong way by more than its neighbours' spread (see module doc)."""
    if la_change is None or polarity not in ("high", "low"):
        return None
    sign = 1.0 if polarity == "low" else -1.0
    others = sorted(sign * c for c in neighbour_changes if c is not None)
    if len(others) < MIN_NEIGHBOURS_FOR_FLAG:
        return None
    iqr = quantile7(others, 0.75) - quantile7(others, 0.25)
    adverse = sign * la_change
    return adverse > 0 and adverse - quantile7(others, 0.5) > iqr


def years_earlier(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:                       # 29 February
        return d.replace(year=d.year - years, day=28)


# -- store-backed ------------------------------------------------------------------------------
def _require(store: Store) -> None:
    if not store.has_table("observation") or not store.scalar("SELECT count(*) FROM measure"):
        raise StoreNotBuilt("the warehouse is empty; run `cscwatch build` first")


def get_measure(store: Store, measure_id: str) -> dict[str, Any]:
    _require(store)
    rows = store.rows("SELECT * FROM measure WHERE measure_id = ?", [measure_id])
    if not rows:
        like = store.rows("SELECT measure_id FROM measure WHERE measure_id ILIKE ? OR title ILIKE ? "
                          "ORDER BY measure_id LIMIT 5", [f"%{measure_id}%", f"%{measure_id}%"])
        hint = f" (did you mean {', '.join(r['measure_id'] for r in like)}?)" if like else ""
        raise NotFound(f"unknown measure {measure_id!r}{hint}; see `cscwatch measures`")
    return rows[0]


def list_measures(store: Store, search: str | None = None) -> list[dict[str, Any]]:
    """The measure dictionary with period coverage, optionally filtered by words in any text field."""
    _require(store)
    rows = _measure_rows(store, search, ("measure_id", "title", "topic"))
    if not rows and search:          # nothing in names: look in the definitions too
        rows = _measure_rows(store, search, ("measure_id", "title", "topic", "definition"))
    return rows


def _measure_rows(store: Store, search: str | None, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    where, params = "", []
    for word in (search or "").split():
        where += (" AND " if where else " WHERE ") + "(" + " OR ".join(f"m.{f} ILIKE ?" for f in fields) + ")"
        params += [f"%{word}%"] * len(fields)
    return store.rows(f"""
        SELECT m.*, c.periods, c.first_period, c.latest_period, c.n_values
        FROM measure m LEFT JOIN (
            SELECT measure_id, count(DISTINCT period) AS periods, arg_min(period, period_end) AS first_period,
                   arg_max(period, period_end) AS latest_period, count(value) AS n_values
            FROM observation GROUP BY measure_id) c USING (measure_id)
        {where} ORDER BY m.topic, m.measure_id""", params)


def neighbours(store: Store, model: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in store.rows("SELECT la_code_old, neighbour FROM stat_neighbour WHERE model = ? ORDER BY la_code_old, rank",
                        [model]):
        out.setdefault(r["la_code_old"], []).append(r["neighbour"])
    return out


def _series(store: Store, measure_id: str) -> list[dict[str, Any]]:
    return store.rows("SELECT la, period, period_end, value, status FROM observation WHERE measure_id = ?",
                      [measure_id])


#: Authorities with fewer children than this (latest ONS estimate, aged 0-17) are shown but never
#: ranked, banded or used for quartiles or colour scales: the City of London (~1,000 children) and
#: the Isles of Scilly (~400) swing between 0% and 100% on a handful of children (a 0% re-referral
#: rate would rank first; a 100% agency rate stretches every map).
SMALL_AUTHORITY_CHILDREN = 5000

#: Columns of the ``benchmark`` table and of each row ``benchmark_rows`` returns.
BENCHMARK_COLUMNS = (
    "la", "measure_id", "period", "period_end", "value", "status", "small", "rank", "n_ranked", "band",
    "q1", "q2", "q3", "region_value", "england_value", "sn2021_mean", "sn2021_median", "sn2021_n",
    "sn2025_mean", "sn2025_median", "sn2025_n", "change_1y", "change_3y", "flag_2021", "flag_2025",
)


def _core_sql(measure_filter: str = "") -> str:
    """Every benchmark figure except the neighbour ones, as DuckDB SQL over ``observation``."""
    where = f"WHERE {measure_filter}" if measure_filter else ""
    return f"""
    WITH m AS (SELECT measure_id, polarity, coalesce(no_quartile, false) AS no_quartile FROM measure),
    o AS (SELECT la, period, period_end, measure_id, value, status FROM observation {where}),
    pop AS (SELECT la, arg_max(value, period_end) AS children FROM observation
            WHERE measure_id = 'population_0_17' AND value IS NOT NULL GROUP BY la),
    base AS (
        SELECT o.*, l.la_type, l.region_code, coalesce(pop.children < {SMALL_AUTHORITY_CHILDREN}, false) AS small,
               CASE WHEN m.no_quartile THEN NULL ELSE m.polarity END AS band_polarity,
               CASE m.polarity WHEN 'low' THEN 1.0 WHEN 'high' THEN -1.0 END AS sign
        FROM o JOIN la l ON l.la_code_old = o.la JOIN m USING (measure_id) LEFT JOIN pop ON pop.la = o.la
        WHERE o.value IS NOT NULL OR (coalesce(o.status, '') <> 'z'
              AND (l.valid_from IS NULL OR l.valid_from <= o.period_end)
              AND (l.valid_to IS NULL OR l.valid_to >= o.period_end))),
    rankable AS (SELECT * FROM base WHERE value IS NOT NULL AND la_type IS DISTINCT FROM 'shared_service'
                 AND NOT small),
    q AS (SELECT measure_id, period_end, quantile_cont(value, 0.25) AS q1, quantile_cont(value, 0.5) AS q2,
                 quantile_cont(value, 0.75) AS q3, count(*) AS n FROM rankable GROUP BY ALL),
    rk AS (SELECT la, measure_id, period_end, rank() OVER (PARTITION BY measure_id, period_end ORDER BY sign * value)
                  AS rank FROM rankable WHERE sign IS NOT NULL),
    d AS (SELECT c.la, c.measure_id, c.period_end, c.value - p.value AS d, t.y FROM o c
          CROSS JOIN (VALUES (1), (3)) t(y)
          JOIN o p ON p.la = c.la AND p.measure_id = c.measure_id
                   AND p.period_end = CAST(c.period_end - to_years(t.y) AS DATE)
          WHERE c.value IS NOT NULL AND p.value IS NOT NULL)
    SELECT b.la, b.measure_id, b.period, b.period_end, b.value, b.status, b.small, b.sign,
           rk.rank, CASE WHEN b.sign IS NOT NULL THEN coalesce(q.n, 0) END AS n_ranked,
           CASE WHEN b.band_polarity IS NULL OR rk.rank IS NULL THEN NULL
                WHEN b.band_polarity = 'low' THEN CASE WHEN b.value <= q.q1 THEN 'A' WHEN b.value <= q.q2 THEN 'B'
                                                       WHEN b.value <= q.q3 THEN 'C' ELSE 'D' END
                ELSE CASE WHEN b.value >= q.q3 THEN 'A' WHEN b.value >= q.q2 THEN 'B'
                          WHEN b.value >= q.q1 THEN 'C' ELSE 'D' END END AS band,
           CASE WHEN b.band_polarity IS NOT NULL THEN q.q1 END AS q1,
           CASE WHEN b.band_polarity IS NOT NULL THEN q.q2 END AS q2,
           CASE WHEN b.band_polarity IS NOT NULL THEN q.q3 END AS q3,
           rv.value AS region_value, ev.value AS england_value, c1.d AS change_1y, c3.d AS change_3y
    FROM base b
    LEFT JOIN rk USING (la, measure_id, period_end)
    LEFT JOIN q USING (measure_id, period_end)
    LEFT JOIN o rv ON rv.la = b.region_code AND rv.measure_id = b.measure_id AND rv.period_end = b.period_end
    LEFT JOIN o ev ON ev.la = '{ENGLAND}' AND ev.measure_id = b.measure_id AND ev.period_end = b.period_end
    LEFT JOIN d c1 ON c1.la = b.la AND c1.measure_id = b.measure_id AND c1.period_end = b.period_end AND c1.y = 1
    LEFT JOIN d c3 ON c3.la = b.la AND c3.measure_id = b.measure_id AND c3.period_end = b.period_end AND c3.y = 3
    ORDER BY b.measure_id, b.period_end, b.la
    """


def _neighbour_figures(core: Any, grid: Any, earlier: Any, neighbour_lists: dict[str, dict[int, list[int]]]) -> Any:
    """Neighbour mean, median and count, and the adverse-move flag, for every row of ``core``.

    Vectorised: ``grid`` holds every (measure, period end) as a row over LA columns (a last, empty
    column pads short neighbour lists) and ``earlier`` the same cells a year before; each LA's
    neighbours are gathered with one index array per model and the statistics are taken along the
    neighbour axis, by the same rules as :func:`peer_stats` and :func:`adverse_move_flag`.
    """
    import warnings

    import numpy as np
    import pandas as pd

    out = core.drop(columns=["r", "c"])
    pad = grid.shape[1] - 1
    change = grid - earlier
    crow, ccol = core["r"].to_numpy(), core["c"].to_numpy()
    sign = core["sign"].to_numpy(dtype=float)
    own = core["change_1y"].to_numpy(dtype=float)
    for model in MODELS:
        lists = neighbour_lists.get(model, {})
        width = max((len(v) for v in lists.values()), default=1)
        idx = np.full((pad + 1, width), pad)
        for la, nbrs in lists.items():
            idx[la, :len(nbrs)] = nbrs
        nb_vals = grid[crow[:, None], idx[ccol]]
        moves = change[crow[:, None], idx[ccol]] * sign[:, None]
        k = np.sum(~np.isnan(moves), axis=1)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            out[f"sn{model}_mean"] = np.nanmean(nb_vals, axis=1)
        out[f"sn{model}_median"] = _row_quantiles(nb_vals, 0.5)
        out[f"sn{model}_n"] = np.sum(~np.isnan(nb_vals), axis=1)
        q1, med, q3 = (_row_quantiles(moves, p) for p in (0.25, 0.5, 0.75))
        adverse = sign * own
        known = ~np.isnan(sign) & ~np.isnan(own) & (k >= MIN_NEIGHBOURS_FOR_FLAG)
        with np.errstate(invalid="ignore"):
            flag = pd.array(np.where(known, (adverse > 0) & (adverse - med > q3 - q1), False), dtype="boolean")
        flag[~known] = pd.NA
        out[f"flag_{model}"] = flag
    return out


def _row_quantiles(matrix: Any, p: float) -> Any:
    """:func:`quantile7` of each row's non-NaN values (NaN where a row has none), vectorised
    (numpy's nanquantile loops in Python row by row)."""
    import numpy as np

    ordered = np.sort(matrix, axis=1)                     # NaN sort last
    k = np.sum(~np.isnan(ordered), axis=1)
    h = np.maximum(k - 1, 0) * p
    lo = np.floor(h).astype(int)
    hi = np.minimum(lo + 1, np.maximum(k - 1, 0))
    rows = np.arange(len(ordered))
    a, b = ordered[rows, lo], ordered[rows, hi]
    return np.where(k > 0, a + (h - lo) * (b - a), np.nan)


def compute_benchmarks(con: Any, measure_id: str | None = None) -> Any:
    """The one definition of every benchmark figure (module docstring), as a DataFrame with
    :data:`BENCHMARK_COLUMNS`: for every measure, or only ``measure_id``.

    Used twice: materialised into the ``benchmark`` table when the warehouse is built, and for
    one measure of a store that has no such rows. Tests check it agrees with the pure functions.
    """
    import numpy as np

    cond, params = ("measure_id = ?", [measure_id]) if measure_id else ("", [])
    scope = f"AND {cond}" if cond else ""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _bench_keys AS
        SELECT measure_id, period_end, (row_number() OVER (ORDER BY measure_id, period_end) - 1)::INTEGER AS r
        FROM (SELECT DISTINCT measure_id, period_end FROM observation WHERE true {scope})""", params)
    con.execute("CREATE OR REPLACE TEMP TABLE _bench_cols AS SELECT la_code_old AS la, "
                "(row_number() OVER (ORDER BY la_code_old) - 1)::INTEGER AS c FROM la")
    try:
        core = con.execute(f"SELECT b.*, k.r, c.c FROM ({_core_sql(cond)}) b JOIN _bench_keys k USING "
                           "(measure_id, period_end) JOIN _bench_cols c USING (la)", params).df()
        cells = con.execute(f"""SELECT k.r, c.c, o.value, p.r AS r_next FROM observation o
            JOIN _bench_keys k USING (measure_id, period_end) JOIN _bench_cols c ON c.la = o.la
            LEFT JOIN _bench_keys p ON p.measure_id = o.measure_id
                 AND p.period_end = CAST(o.period_end + INTERVAL 1 YEAR AS DATE)
            WHERE o.value IS NOT NULL {scope.replace('measure_id', 'o.measure_id')}""", params).fetchnumpy()
        width = int(con.execute("SELECT count(*) FROM _bench_cols").fetchone()[0])
        height = int(con.execute("SELECT count(*) FROM _bench_keys").fetchone()[0])
        lists: dict[str, dict[int, list[int]]] = {}
        for model, la, nb in con.execute(
                "SELECT s.model, a.c, b.c FROM stat_neighbour s JOIN _bench_cols a ON a.la = s.la_code_old"
                " JOIN _bench_cols b ON b.la = s.neighbour ORDER BY s.model, a.c, s.rank").fetchall():
            lists.setdefault(model, {}).setdefault(la, []).append(nb)
    finally:
        con.execute("DROP TABLE IF EXISTS _bench_keys; DROP TABLE IF EXISTS _bench_cols")
    if core.empty:
        return core.reindex(columns=list(BENCHMARK_COLUMNS))
    grid = np.full((height, width + 1), np.nan)
    earlier = np.full((height, width + 1), np.nan)
    r, c, v = cells["r"], cells["c"], np.asarray(cells["value"], dtype=float)
    grid[r, c] = v
    nxt = np.ma.getdata(cells["r_next"])
    has_next = ~np.ma.getmaskarray(cells["r_next"])
    earlier[nxt[has_next].astype(int), c[has_next]] = v[has_next]     # a cell is the "year before" of its successor
    core["period_end"] = core["period_end"].dt.date
    return _neighbour_figures(core, grid, earlier, lists)[list(BENCHMARK_COLUMNS)]


def _as_date(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


def precompute_benchmarks(con: Any) -> int:
    """Materialise ``benchmark`` for every LA, measure and period (inside the caller's transaction)."""
    frame = compute_benchmarks(con)
    con.execute("DELETE FROM benchmark")
    con.register("_benchmark_rows", frame)
    try:
        cols = ", ".join(BENCHMARK_COLUMNS)
        con.execute(f"INSERT INTO benchmark ({cols}) SELECT {cols} FROM _benchmark_rows")
    finally:
        con.unregister("_benchmark_rows")
    return len(frame)


def benchmark_rows(store: Store, measure_id: str, period_end: date | None = None,
                   la: str | None = None) -> list[dict[str, Any]]:
    """Benchmark rows of one measure (optionally one period end and/or one LA), from the ``benchmark``
    table when the warehouse build filled it, else computed now by the same definition."""
    if store.has_table("benchmark") and store.scalar("SELECT count(*) > 0 FROM benchmark WHERE measure_id = ?",
                                                     [measure_id]):
        cond, params = ["measure_id = ?"], [measure_id]
        if period_end is not None:
            cond.append("period_end = ?")
            params.append(period_end)
        if la is not None:
            cond.append("la = ?")
            params.append(la)
        return store.rows(f"SELECT {', '.join(BENCHMARK_COLUMNS)} FROM benchmark WHERE {' AND '.join(cond)}"
                          " ORDER BY period_end, la", params)
    with store._lock:
        frame = compute_benchmarks(store.con, measure_id)
    if period_end is not None:
        frame = frame[frame["period_end"] == period_end]
    if la is not None:
        frame = frame[frame["la"] == la]
    return [{k: _plain(v) for k, v in r.items()} for r in frame.to_dict("records")]


def _plain(value: Any) -> Any:
    """pandas/numpy scalars as Python values, NaN and NA as None."""
    import pandas as pd

    if value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


class Context:
    """The small lookups every table needs (LAs, regions, neighbour lists), read once per request."""

    def __init__(self, store: Store):
        self.las = {r["la_code_old"]: r for r in store.rows("SELECT * FROM la")}
        self.regions = {r["region_code"]: r for r in store.rows("SELECT * FROM region")}
        self.sn = {model: neighbours(store, model) for model in MODELS}


def _r(x: float | None) -> float | None:
    """Round away float noise (7.700000000000001) without losing published precision."""
    return None if x is None else round(x, 6)


def measure_periods(store: Store, measure_id: str) -> dict[str, date]:
    """Every period of a measure -> its end date, oldest first."""
    return {r["period"]: r["period_end"] for r in store.rows(
        "SELECT period, max(period_end) AS period_end FROM observation WHERE measure_id = ? GROUP BY period"
        " ORDER BY period_end", [measure_id])}


def latest_period(store: Store, measure_id: str) -> str | None:
    """The newest period in which some LA has a value (England-only periods do not count)."""
    return store.scalar("SELECT arg_max(period, period_end) FROM observation WHERE measure_id = ? AND value IS NOT NULL"
                        " AND la <> ?", [measure_id, ENGLAND])


def measure_table(store: Store, measure_id: str, period: str | None = None,
                  comparator: str | Sequence[str] = "2025", *, context: Context | None = None) -> dict[str, Any]:
    """Every LA's value for a measure and period with rank, band, comparators, changes and flags.

    ``comparator`` is a statistical-neighbour model (``'2025'``, ``'2021'``) or a list of LA names
    or codes forming a peer group (each LA is compared with the group minus itself). Both models'
    neighbour mean and median are always included as ``sn2025_*`` and ``sn2021_*``. Very small
    authorities (``small``) are listed with their value but no rank or band.
    """
    if isinstance(comparator, str) and comparator.lower().removeprefix("sn") in MODELS:
        comparator = comparator.lower().removeprefix("sn")
    m = get_measure(store, measure_id)
    periods = measure_periods(store, measure_id)
    if not periods:
        raise NotFound(f"measure {measure_id!r} has no observations")
    period = period or latest_period(store, measure_id) or list(periods)[-1]
    if period not in periods:
        raise NotFound(f"measure {measure_id!r} has no period {period!r}; periods: {', '.join(periods)}")
    end = periods[period]
    ctx = context or Context(store)
    las, regions = ctx.las, ctx.regions
    bench = [b for b in benchmark_rows(store, measure_id, end) if b["la"] in las]
    peer_codes: list[str] | None = None
    if not isinstance(comparator, str) or comparator not in MODELS:
        from cscwatch.identity import resolve_la

        names = comparator.split(",") if isinstance(comparator, str) else list(comparator)
        peer_codes = list(dict.fromkeys(resolve_la(store, n.strip())["la_code_old"] for n in names if n.strip()))
        current, prev1 = _values_at(store, measure_id, end), _values_at(store, measure_id, years_earlier(end, 1))
    rows = []
    for b in bench:
        info = las[b["la"]]
        row: dict[str, Any] = {
            "la_code_old": b["la"], "la_code_new": info["la_code_new"], "la_name": info["la_name"],
            "region_code": info["region_code"], "region_name": info["region_name"],
            "value": b["value"], "status": b["status"], "small": b["small"], "rank": b["rank"], "band": b["band"],
            "region_value": b["region_value"], "england_value": b["england_value"],
        }
        for model in MODELS:
            row[f"sn{model}_mean"], row[f"sn{model}_median"] = _r(b[f"sn{model}_mean"]), _r(b[f"sn{model}_median"])
            row[f"sn{model}_n"] = b[f"sn{model}_n"]
        row["change_1y"], row["change_3y"] = _r(b["change_1y"]), _r(b["change_3y"])
        if peer_codes is not None:
            others = [p for p in peer_codes if p != b["la"]]
            stats = peer_stats(current, others)
            row["sn_mean"], row["sn_median"], row["sn_n"] = _r(stats["mean"]), _r(stats["median"]), stats["n"]
            row["flag"] = adverse_move_flag(b["change_1y"], [change(current.get(p), prev1.get(p)) for p in others],
                                            m["polarity"])
        else:
            row["sn_mean"], row["sn_median"], row["sn_n"] = \
                row[f"sn{comparator}_mean"], row[f"sn{comparator}_median"], row[f"sn{comparator}_n"]
            row["flag"] = b[f"flag_{comparator}"]
        rows.append(row)
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["la_name"]))
    area = {r["la"]: r for r in store.rows("SELECT la, value, status FROM observation WHERE measure_id = ? AND "
                                           "period_end = ? AND la NOT IN (SELECT la_code_old FROM la)",
                                           [measure_id, end])}
    region_rows = [{"region_code": c, "region_name": regions[c]["region_name"], "value": area[c]["value"],
                    "status": area[c]["status"]} for c in regions if c != ENGLAND and c in area]
    q = next(([b["q1"], b["q2"], b["q3"]] for b in bench if b["q1"] is not None), None)
    return {
        "measure": m,
        "period": period,
        "period_end": end,
        "periods": list(periods),
        "comparator": comparator if peer_codes is None else peer_codes,
        "england": area.get(ENGLAND, {}).get("value"),
        "regions": region_rows,
        "quartiles": q,
        "n_ranked": sum(1 for r in rows if r["rank"] is not None),
        "rows": rows,
    }


def _values_at(store: Store, measure_id: str, end: date) -> dict[str, float | None]:
    return {r["la"]: r["value"] for r in store.rows(
        "SELECT la, value FROM observation WHERE measure_id = ? AND period_end = ?", [measure_id, end])}


def _population_period(period_end: date) -> str:
    """The ONS mid-year before a period ends (DfE rates for the year to March t use mid-year t-1)."""
    return str(period_end.year if period_end.month > 6 else period_end.year - 1)


def la_series(store: Store, la_code: str, measure_id: str, *, include_predecessors: bool = False) -> list[dict[str, Any]]:
    """One LA's series for a measure, oldest first: ``{period, period_end, value, status, basis}``.

    ``basis`` is ``'own'``. With ``include_predecessors``, periods before a successor existed are
    added from its predecessors (``la_lineage``), weighted by 0-17 population and flagged
    ``basis='estimated_from_predecessors'`` (see ``warehouse.la.successor_history``); never spliced
    silently.
    """
    from cscwatch.warehouse.la import successor_history

    own = store.rows("SELECT period, period_end, value, status FROM observation WHERE la = ? AND measure_id = ? "
                     "ORDER BY period_end", [la_code, measure_id])
    rows = [{**r, "basis": "own"} for r in own]
    lineage = store.rows("SELECT predecessor, successor FROM la_lineage WHERE successor = ?", [la_code])
    if not include_predecessors or not lineage:
        return rows
    preds = [r["predecessor"] for r in lineage]
    marks = ", ".join("?" for _ in preds)
    obs = store.rows(f"SELECT la, period, period_end, value FROM observation WHERE measure_id = ? AND la IN ({marks})",
                     [measure_id, *preds])
    pops = store.rows(f"SELECT la, period, value FROM observation WHERE measure_id = 'population_0_17' "
                      f"AND la IN ({marks})", preds)
    pop_by = {(p["la"], p["period"]): p["value"] for p in pops}
    ends = {o["period"]: o["period_end"] for o in obs}
    valid_from = store.scalar("SELECT valid_from FROM la WHERE la_code_old = ?", [la_code])
    # placeholder rows ('z', 'x', '-') from before the successor existed give way to the estimate
    before = {r["period"] for r in own if r["value"] is None and valid_from and r["period_end"] < valid_from}
    own = [r for r in own if r["period"] not in before]
    rows = [r for r in rows if r["period"] not in before]
    series: dict[str, dict[str, float | None]] = {la_code: {r["period"]: r["value"] for r in own}}
    population: dict[str, dict[str, float]] = {}
    for o in obs:
        if o["value"] is not None:
            series.setdefault(o["la"], {})[o["period"]] = o["value"]
        weight = pop_by.get((o["la"], _population_period(o["period_end"])))
        if weight is not None:
            population.setdefault(o["la"], {})[o["period"]] = weight
    own_periods = {r["period"] for r in own}
    for r in successor_history(series, population, lineage, la_code):
        if r["basis"] != "own" and r["period"] not in own_periods:
            rows.append({"period": r["period"], "period_end": ends[r["period"]], "value": _r(r["value"]),
                         "status": None, "basis": r["basis"]})
    return sorted(rows, key=lambda r: r["period_end"])
