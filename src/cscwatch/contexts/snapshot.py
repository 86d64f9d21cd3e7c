"""What every view reads again and again, read once per store that cannot change.

A store opened read-only (the dashboard's current generation, a CLI command's) never changes while
it is open, so what the contexts keep asking of it is read once and kept here: the measure
dictionary with each measure's periods, the register's inspection history, visits, neighbours,
and (once :meth:`Snapshot.warm` ran) every precomputed benchmark figure in columnar arrays. An LA
page is then a few array slices instead of a dozen queries; nothing is recomputed per request.

A writable store (a build, a test that writes) gets a fresh snapshot on every call, so a context
never sees stale figures; the pieces load lazily, each only when a context asks for it, and the
benchmark rows come straight from SQL until :meth:`Snapshot.warm` loads the arrays. Both paths
return the same rows (the ``benchmark`` table's columns, as Python values), which a test checks.
"""
from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from cscwatch.identity import ENGLAND
from cscwatch.store import Store
from cscwatch.warehouse.benchmark import BENCHMARK_COLUMNS, benchmark_rows

_EPOCH = date(1970, 1, 1)
_NUMERIC = ("value", "q1", "q2", "q3", "region_value", "england_value", "sn2021_mean", "sn2021_median",
            "sn2025_mean", "sn2025_median", "change_1y", "change_3y")
_INTEGER = ("rank", "n_ranked", "sn2021_n", "sn2025_n")
_BOOLEAN = ("small", "flag_2021", "flag_2025")
_CODED = ("la", "measure_id", "period", "status", "band")


def snapshot(store: Store) -> Snapshot:
    """The store's snapshot: kept on a read-only store, fresh for a writable one."""
    if not store.read_only:
        return Snapshot(store)
    with _lock:
        snap = store.__dict__.get("_snapshot")
        if snap is None:
            snap = store.__dict__["_snapshot"] = Snapshot(store)
    return snap


_lock = threading.Lock()


class BenchmarkArrays:
    """Every row of ``benchmark`` in columnar numpy arrays, ordered by measure, period end and LA,
    with the row positions of each measure, each (measure, period end) and each LA."""

    def __init__(self, store: Store):
        import numpy as np

        codes: dict[str, list[Any]] = {}
        with store._lock:
            con = store.con
            for col in _CODED:
                codes[col] = [r[0] for r in con.execute(
                    f"SELECT DISTINCT {col} FROM benchmark WHERE {col} IS NOT NULL ORDER BY 1").fetchall()]
            joins, selects = [], []
            for col in _CODED:
                joins.append(f"LEFT JOIN (SELECT v, (row_number() OVER (ORDER BY v) - 1)::INTEGER AS i FROM"
                             f" (SELECT DISTINCT {col} AS v FROM benchmark WHERE {col} IS NOT NULL)) d_{col}"
                             f" ON d_{col}.v = b.{col}")
                selects.append(f"coalesce(d_{col}.i, -1) AS {col}")
            selects += [f"coalesce(b.{c}, 'NaN'::DOUBLE) AS {c}" for c in _NUMERIC + _INTEGER]
            selects += [f"coalesce(b.{c}::INTEGER, -1)::TINYINT AS {c}" for c in _BOOLEAN]
            selects.append("(b.period_end - DATE '1970-01-01')::INTEGER AS period_end")
            data = con.execute(f"SELECT {', '.join(selects)} FROM benchmark b {' '.join(joins)}"
                               " ORDER BY b.measure_id, b.period_end, b.la").fetchnumpy()
        self.codes = codes
        self.cols = {k: np.asarray(v) for k, v in data.items()}
        self.n = len(self.cols["la"])
        m = self.cols["measure_id"]
        self.measure_slices: dict[str, tuple[int, int]] = {}
        if self.n:
            starts = np.flatnonzero(np.r_[True, m[1:] != m[:-1]])
            ends = np.r_[starts[1:], self.n]
            for s, e in zip(starts.tolist(), ends.tolist()):
                self.measure_slices[codes["measure_id"][m[s]]] = (s, e)
        order = np.argsort(self.cols["la"], kind="stable")
        las = self.cols["la"][order]
        self.la_rows: dict[str, Any] = {}
        if self.n:
            starts = np.flatnonzero(np.r_[True, las[1:] != las[:-1]])
            ends = np.r_[starts[1:], self.n]
            for s, e in zip(starts.tolist(), ends.tolist()):
                self.la_rows[codes["la"][las[s]]] = order[s:e]
        self._measure_code = {mid: i for i, mid in enumerate(codes["measure_id"])}
        self._days: dict[int, date] = {}

    def _date(self, days: int) -> date:
        d = self._days.get(days)
        if d is None:
            d = self._days[days] = _EPOCH + timedelta(days=days)
        return d

    def rows(self, index: Any) -> list[dict[str, Any]]:
        """The rows at ``index`` (a slice or an index array) as dicts of Python values."""
        import math

        out: dict[str, list[Any]] = {}
        for col in _CODED:
            names = self.codes[col]
            out[col] = [names[i] if i >= 0 else None for i in self.cols[col][index].tolist()]
        for col in _NUMERIC:
            out[col] = [None if math.isnan(x) else x for x in self.cols[col][index].tolist()]
        for col in _INTEGER:
            out[col] = [None if math.isnan(x) else int(x) for x in self.cols[col][index].tolist()]
        for col in _BOOLEAN:
            out[col] = [None if x < 0 else bool(x) for x in self.cols[col][index].tolist()]
        out["period_end"] = [self._date(d) for d in self.cols["period_end"][index].tolist()]
        cols = [out[c] for c in BENCHMARK_COLUMNS]
        return [dict(zip(BENCHMARK_COLUMNS, values)) for values in zip(*cols)]

    def for_measure(self, measure_id: str, period_end: date | None = None) -> list[dict[str, Any]]:
        import numpy as np

        if measure_id not in self.measure_slices:
            return []
        s, e = self.measure_slices[measure_id]
        if period_end is None:
            return self.rows(slice(s, e))
        ends = self.cols["period_end"][s:e]
        day = (period_end - _EPOCH).days
        a, b = np.searchsorted(ends, day, "left"), np.searchsorted(ends, day, "right")
        return self.rows(slice(s + int(a), s + int(b)))

    def columns(self, measure_id: str, names: Sequence[str]) -> dict[str, list[Any]]:
        """Some columns of a measure's rows (every period), as lists: cheaper than row dicts."""
        s, e = self.measure_slices.get(measure_id, (0, 0))
        out: dict[str, list[Any]] = {}
        for col in names:
            raw = self.cols[col][s:e].tolist()
            if col in _CODED:
                out[col] = [self.codes[col][i] if i >= 0 else None for i in raw]
            elif col in _NUMERIC:
                out[col] = [None if x != x else x for x in raw]
            elif col in _INTEGER:
                out[col] = [None if x != x else int(x) for x in raw]
            elif col in _BOOLEAN:
                out[col] = [None if x < 0 else bool(x) for x in raw]
            else:
                out[col] = [self._date(d) for d in raw]
        return out

    def spread(self, measure_id: str) -> list[dict[str, Any]]:
        """The spread of the ranked LAs' values in each period of a measure (rows of ``_distribution``
        without the highlighted LA), vectorised: min, type 7 quartiles, max, England."""
        import numpy as np

        s, e = self.measure_slices.get(measure_id, (0, 0))
        if s == e:
            return []
        c = self.cols
        ends, value, rank = c["period_end"][s:e], c["value"][s:e], c["rank"][s:e]
        counted = ~np.isnan(value) & (~np.isnan(rank) | (np.isnan(c["n_ranked"][s:e]) & (c["small"][s:e] != 1)))
        bounds = np.flatnonzero(np.r_[True, ends[1:] != ends[:-1], True])
        out = []
        for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
            xs = np.sort(value[a:b][counted[a:b]])
            if not len(xs):
                continue
            q1, q2, q3 = (round(float(x), 6) for x in np.quantile(xs, [0.25, 0.5, 0.75]))
            england = float(c["england_value"][s + a])
            out.append({"period": self.codes["period"][c["period"][s + a]], "period_end": self._date(int(ends[a])),
                        "n": len(xs), "min": float(xs[0]), "q1": q1, "median": q2, "q3": q3, "max": float(xs[-1]),
                        "england": None if england != england else england})
        return out

    def for_la(self, la: str, measure_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        import numpy as np

        idx = self.la_rows.get(la)
        if idx is None:
            return []
        if measure_ids is not None:
            wanted = [self._measure_code[m] for m in measure_ids if m in self._measure_code]
            idx = idx[np.isin(self.cols["measure_id"][idx], wanted)]
        return self.rows(idx)

    def values(self, measure_ids: Iterable[str], las: Iterable[str]) -> dict[tuple[str, date], dict[str, float]]:
        """(measure, period end) -> {la: value} for the LAs given (peer groups)."""
        out: dict[tuple[str, date], dict[str, float]] = defaultdict(dict)
        wanted = set(measure_ids)
        for la in las:
            for r in self.for_la(la, wanted):
                if r["value"] is not None:
                    out[(r["measure_id"], r["period_end"])][la] = r["value"]
        return out


class Snapshot:
    """Lazily read, memoised views of one store (see the module docstring)."""

    def __init__(self, store: Store):
        self.store = store
        self._memo: dict[Any, Any] = {}
        self._lock = threading.RLock()
        self._building: dict[Any, threading.Lock] = {}
        self.bench: BenchmarkArrays | None = None

    def memo(self, key: Any, build: Callable[[], Any]) -> Any:
        """``build()`` once per key (per snapshot); threads asking for a key being built wait for it
        rather than building it again."""
        with self._lock:
            if key in self._memo:
                return self._memo[key]
            flight = self._building.setdefault(key, threading.Lock())
        with flight:
            with self._lock:
                if key in self._memo:
                    return self._memo[key]
            value = build()
            with self._lock:
                self._memo[key] = value
                self._building.pop(key, None)
            return value

    # -- what the store holds --------------------------------------------------------------
    def has_table(self, name: str) -> bool:
        return name in self.memo("tables", lambda: {r["table_name"] for r in self.store.rows(
            "SELECT table_name FROM information_schema.tables")})

    def measures(self) -> dict[str, dict[str, Any]]:
        """Every measure in the dictionary with its periods: ``periods`` [(period, period_end)] oldest
        first, ``latest_period``/``latest_end`` (newest with an LA's figure), ``first_period``, ``n_las``."""
        return self.memo("measures", self._measures)

    def _measures(self) -> dict[str, dict[str, Any]]:
        from cscwatch.contexts.formatting import decimals, is_categorical

        if not self.has_table("measure"):
            return {}
        out = {}
        for r in self.store.rows("SELECT * FROM measure ORDER BY topic, measure_id"):
            out[r["measure_id"]] = {**r, "decimals": decimals(r), "categorical": is_categorical(r),
                                    "periods": [], "latest_period": None, "latest_end": None,
                                    "first_period": None, "n_las": 0}
        for r in self.store.rows(
                "SELECT measure_id, period, max(period_end) AS period_end FROM observation GROUP BY ALL"
                " ORDER BY measure_id, period_end, period"):
            if r["measure_id"] in out:
                out[r["measure_id"]]["periods"].append((r["period"], r["period_end"]))
        for r in self.store.rows(
                "SELECT measure_id, arg_max(period, period_end) AS latest, max(period_end) AS latest_end,"
                " arg_min(period, period_end) AS first, count(DISTINCT la) AS n FROM observation"
                " WHERE value IS NOT NULL AND la IN (SELECT la_code_old FROM la) GROUP BY measure_id"):
            if r["measure_id"] in out:
                out[r["measure_id"]].update(latest_period=r["latest"], latest_end=r["latest_end"],
                                            first_period=r["first"], n_las=r["n"])
        return out

    def measures_with_figures(self, la: str) -> list[str]:
        """The measures an LA has any figure for, in dictionary order."""
        have = self.memo("la_measures", lambda: _group(self.store.rows(
            "SELECT DISTINCT la, measure_id FROM observation WHERE value IS NOT NULL"), "la", "measure_id"))
        mine = set(have.get(la, ()))
        return [m for m in self.measures() if m in mine]

    # -- benchmark figures -----------------------------------------------------------------
    def warm(self) -> None:
        """Load every benchmark figure into memory (about a second on the full store) and read every
        small table a context asks for, so no request waits for one."""
        from cscwatch.contexts.freshness import freshness, release_for_measure

        if self.bench is None and self.has_table("benchmark"):
            self.bench = BenchmarkArrays(self.store)
        self.measures()
        self.measures_with_figures("")
        self.areas("")
        self.neighbours("2025", "")
        self.inspections()
        self.visits("")
        for table in ("la_lineage", "la_group", "region"):
            self.rows_of(table)
        release_for_measure(self.store, "", "")
        freshness(self.store)

    def _has_benchmarks(self) -> bool:
        return self.memo("has_bench", lambda: self.has_table("benchmark") and bool(
            self.store.scalar("SELECT count(*) > 0 FROM benchmark")))

    def bench_for_la(self, la: str, measure_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """The LA's benchmark rows per measure, oldest first."""
        out: dict[str, list[dict[str, Any]]] = defaultdict(list)
        if self.bench is not None:
            rows = self.bench.for_la(la, measure_ids)
        elif self._has_benchmarks():
            rows = self.store.rows(f"SELECT {', '.join(BENCHMARK_COLUMNS)} FROM benchmark WHERE la = ? AND"
                                   " measure_id IN (SELECT unnest(?::TEXT[])) ORDER BY measure_id, period_end",
                                   [la, list(measure_ids)])
        else:                                        # a store without precomputed benchmarks (tests)
            rows = [r for mid in measure_ids for r in benchmark_rows(self.store, mid, la=la)]
        for r in rows:
            out[r["measure_id"]].append(r)
        return out

    def bench_for_measure(self, measure_id: str, period_end: date | None = None) -> list[dict[str, Any]]:
        """A measure's benchmark rows (one period end, or all), ordered by period end and LA."""
        if self.bench is not None:
            return self.bench.for_measure(measure_id, period_end)
        if self._has_benchmarks():                   # the build's table (no figures: no rows)
            cond, params = ("AND period_end = ?", [measure_id, period_end]) if period_end else ("", [measure_id])
            return self.store.rows(f"SELECT {', '.join(BENCHMARK_COLUMNS)} FROM benchmark WHERE measure_id = ? {cond}"
                                   " ORDER BY period_end, la", params)
        return benchmark_rows(self.store, measure_id, period_end)

    def bench_columns(self, measure_id: str, names: Sequence[str]) -> dict[str, list[Any]]:
        """Some benchmark columns of a measure's rows (every period, ordered by period end and LA)."""
        if self.bench is not None:
            return self.bench.columns(measure_id, names)
        rows = self.bench_for_measure(measure_id)
        return {n: [r[n] for r in rows] for n in names}

    def peer_values(self, peers: Sequence[str], measure_ids: Sequence[str]) -> dict[tuple[str, date], dict[str, float]]:
        """(measure, period end) -> {peer: value}, for a user's peer group."""
        if not peers:
            return {}
        if self.bench is not None:
            return self.bench.values(measure_ids, peers)
        out: dict[tuple[str, date], dict[str, float]] = defaultdict(dict)
        for r in self.store.rows("SELECT la, measure_id, period_end, value FROM observation WHERE la IN"
                                 " (SELECT unnest(?::TEXT[])) AND measure_id IN (SELECT unnest(?::TEXT[]))"
                                 " AND value IS NOT NULL", [list(peers), list(measure_ids)]):
            out[(r["measure_id"], r["period_end"])][r["la"]] = r["value"]
        return out

    def areas(self, measure_id: str) -> dict[date, dict[str, dict[str, Any]]]:
        """England's and the regions' figures of a measure: period end -> area code -> {value, status}."""
        every = self.memo("areas", lambda: _areas(self.store))
        return every.get(measure_id, {})

    # -- the rest ------------------------------------------------------------------------
    def neighbours(self, model: str, la: str) -> list[str]:
        lists = self.memo("neighbours", lambda: _group(self.store.rows(
            "SELECT model || ':' || la_code_old AS k, neighbour FROM stat_neighbour ORDER BY model, la_code_old,"
            " rank"), "k", "neighbour") if self.has_table("stat_neighbour") else {})
        return list(lists.get(f"{model}:{la}", []))

    def inspections(self, la_codes: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """The register's inspection history (``register.query.inspection_history``), newest first."""
        from cscwatch.register.query import inspection_history

        every = self.memo("inspections", lambda: inspection_history(self.store)
                          if self.has_table("inspection") else [])
        if la_codes is None:
            return every
        wanted = set(la_codes)
        return [i for i in every if i["la_code_old"] in wanted]

    def visits(self, la: str) -> list[dict[str, Any]]:
        every = self.memo("visits", lambda: _group(self.store.rows(
            "SELECT la_code_old, visit_type, visit_date, publication_date, theme, source FROM visit"
            " ORDER BY visit_date DESC"), "la_code_old") if self.has_table("visit") else {})
        return [{k: v for k, v in r.items() if k != "la_code_old"} for r in every.get(la, [])]

    def rows_of(self, table: str) -> list[dict[str, Any]]:
        """A small table's rows (lineage, groups, regions), read once."""
        return self.memo(("table", table), lambda: self.store.rows(f"SELECT * FROM {table}")
                         if self.has_table(table) else [])


def _group(rows: Iterable[dict[str, Any]], key: str, value: str | None = None) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        out[r[key]].append(r[value] if value else r)
    return dict(out)


def _areas(store: Store) -> dict[str, dict[date, dict[str, dict[str, Any]]]]:
    out: dict[str, dict[date, dict[str, dict[str, Any]]]] = defaultdict(lambda: defaultdict(dict))
    if not store.has_table("observation"):
        return {}
    for r in store.rows("SELECT measure_id, period_end, la, value, status FROM observation"
                        " WHERE la = ? OR la IN (SELECT region_code FROM region)", [ENGLAND]):
        out[r["measure_id"]][r["period_end"]][r["la"]] = {"value": r["value"], "status": r["status"]}
    return out
