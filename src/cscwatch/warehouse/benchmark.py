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
from datetime import date
from typing import Any

from cscwatch.errors import NotFound, StoreNotBuilt
from cscwatch.store import Store

ENGLAND = "E92000001"
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


class Context:
    """The small lookups every table needs (LAs, regions, neighbour lists), read once per request."""

    def __init__(self, store: Store):
        self.las = {r["la_code_old"]: r for r in store.rows("SELECT * FROM la")}
        self.regions = {r["region_code"]: r for r in store.rows("SELECT * FROM region")}
        self.sn = {model: neighbours(store, model) for model in MODELS}


def _r(x: float | None) -> float | None:
    """Round away float noise (7.700000000000001) without losing published precision."""
    return None if x is None else round(x, 6)


def measure_table(store: Store, measure_id: str, period: str | None = None,
                  comparator: str | Sequence[str] = "2025", *, context: Context | None = None) -> dict[str, Any]:
    """Every LA's value for a measure and period with rank, band, comparators, changes and flags.

    ``comparator`` is a statistical-neighbour model (``'2025'``, ``'2021'``) or a list of LA names
    or codes forming a peer group (each LA is compared with the group minus itself). Both models'
    neighbour mean and median are always included as ``sn2025_*`` and ``sn2021_*``.
    """
    if isinstance(comparator, str) and comparator.lower().removeprefix("sn") in MODELS:
        comparator = comparator.lower().removeprefix("sn")
    m = get_measure(store, measure_id)
    obs = _series(store, measure_id)
    periods: dict[str, date] = {}
    for o in obs:
        periods[o["period"]] = o["period_end"]
    if not periods:
        raise NotFound(f"measure {measure_id!r} has no observations")
    if period is None:
        with_values = {o["period"] for o in obs if o["value"] is not None and o["la"] != ENGLAND}
        period = max(with_values or periods, key=lambda p: periods[p])
    if period not in periods:
        raise NotFound(f"measure {measure_id!r} has no period {period!r}; periods: "
                       f"{', '.join(sorted(periods, key=lambda p: periods[p]))}")
    end = periods[period]
    by_end: dict[date, dict[str, float | None]] = {}
    status: dict[str, str | None] = {}
    for o in obs:
        by_end.setdefault(o["period_end"], {})[o["la"]] = o["value"]
        if o["period"] == period:
            status[o["la"]] = o["status"]
    current = by_end.get(end, {})
    ctx = context or Context(store)
    las, regions = ctx.las, ctx.regions

    def exists(code: str) -> bool:
        r = las[code]
        if current.get(code) is not None:
            return True
        if status.get(code) == "z":
            return False
        return (r["valid_from"] is None or r["valid_from"] <= end) and (r["valid_to"] is None or r["valid_to"] >= end)

    # shared-service units ('940 / 941') are listed but not ranked: LAIT repeats their figure
    # on each member, so ranking both would count one service two or three times
    la_values = {k: v for k, v in current.items() if k in las and exists(k)}
    ranked = {k: v for k, v in la_values.items() if las[k]["la_type"] != "shared_service"}
    polarity = m["polarity"] if not m.get("no_quartile") else None
    ranks = rank(ranked, m["polarity"])
    q = quartiles(ranked.values()) if polarity else None
    prev1 = by_end.get(years_earlier(end, 1), {})
    prev3 = by_end.get(years_earlier(end, 3), {})
    ch1 = {k: change(v, prev1.get(k)) for k, v in la_values.items()}
    ch3 = {k: change(v, prev3.get(k)) for k, v in la_values.items()}
    sn = ctx.sn
    peer_codes: list[str] | None = None
    if not isinstance(comparator, str) or comparator not in MODELS:
        from cscwatch.identity import resolve_la

        names = comparator.split(",") if isinstance(comparator, str) else list(comparator)
        peer_codes = [resolve_la(store, n.strip())["la_code_old"] for n in names if n.strip()]
    rows = []
    for code, value in la_values.items():
        info = las[code]
        row: dict[str, Any] = {
            "la_code_old": code, "la_code_new": info["la_code_new"], "la_name": info["la_name"],
            "region_code": info["region_code"], "region_name": info["region_name"],
            "value": value, "status": status.get(code), "rank": ranks.get(code),
            "band": band_of(value, q, polarity) if code in ranked else None,
            "region_value": current.get(info["region_code"]) if info["region_code"] else None,
            "england_value": current.get(ENGLAND),
        }
        for model in MODELS:
            stats = peer_stats(current, sn[model].get(code, ()))
            row[f"sn{model}_mean"], row[f"sn{model}_median"], row[f"sn{model}_n"] = \
                _r(stats["mean"]), _r(stats["median"]), stats["n"]
        if peer_codes is not None:
            stats = peer_stats(current, [p for p in peer_codes if p != code])
            row["sn_mean"], row["sn_median"], row["sn_n"] = _r(stats["mean"]), _r(stats["median"]), stats["n"]
            peers_for_flag = [p for p in peer_codes if p != code]
        else:
            row["sn_mean"], row["sn_median"], row["sn_n"] = \
                row[f"sn{comparator}_mean"], row[f"sn{comparator}_median"], row[f"sn{comparator}_n"]
            peers_for_flag = sn[comparator].get(code, [])
        row["change_1y"], row["change_3y"] = _r(ch1.get(code)), _r(ch3.get(code))
        row["flag"] = adverse_move_flag(ch1.get(code), [change(current.get(p), prev1.get(p))
                                                         for p in peers_for_flag], m["polarity"])
        rows.append(row)
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["la_name"]))
    region_rows = [{"region_code": c, "region_name": regions[c]["region_name"], "value": current.get(c),
                    "status": status.get(c)} for c in regions if c != ENGLAND and c in current]
    return {
        "measure": m,
        "period": period,
        "period_end": end,
        "periods": sorted(periods, key=lambda p: periods[p]),
        "comparator": comparator if peer_codes is None else peer_codes,
        "england": current.get(ENGLAND),
        "regions": region_rows,
        "quartiles": list(q) if q else None,
        "n_ranked": sum(1 for r in ranks.values() if r is not None),
        "rows": rows,
    }


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
