"""The LA's own provisional figures: computed from its returns, stored beside the published ones.

``compute_measures`` runs every measure on an engine and finishes each figure in one place (value,
rate per 10,000 from the warehouse's ``population_0_17``, suppression), so both engines give the
same rows. ``refresh_provisional`` writes them to ``provisional_observation``; the readers here
(`provisional_rows`, `provisional_beside_published`, `latest_provisional`) suppress small numbers
unless asked not to, because everything they feed is shown outside a child-level view.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from cscwatch.returns.engines import Engine, get_engine
from cscwatch.returns.measures import BY_ID, MEASURES
from cscwatch.returns.suppress import THRESHOLD, suppress
from cscwatch.store import Store

STATUS = "provisional"


def held_returns(store: Store, la: str | Sequence[str] | None = None) -> list[tuple[str, int, str]]:
    """(la_code_old, year, return_type) for every return loaded into the store (of ``la``: one or many)."""
    sql = ("SELECT DISTINCT la_code_old, year, CASE WHEN kind = 'cin' THEN 'cin' ELSE 'ssda903' END AS rt "
           "FROM return_file WHERE status = 'loaded'")
    params: list[Any] = []
    if la:
        codes = [la] if isinstance(la, str) else list(la)
        sql += f" AND la_code_old IN ({', '.join('?' * len(codes))})"
        params.extend(codes)
    return [(r["la_code_old"], int(r["year"]), r["rt"]) for r in store.rows(sql + " ORDER BY 1, 2, 3", params)]


def populations(store: Store) -> dict[str, dict[int, float]]:
    """``population_0_17`` by LA and mid-year, from the warehouse (empty when not built)."""
    if not store.has_table("observation"):
        return {}
    out: dict[str, dict[int, float]] = defaultdict(dict)
    for r in store.rows("SELECT la, period, value FROM observation WHERE measure_id = 'population_0_17' "
                        "AND value IS NOT NULL"):
        if str(r["period"]).isdigit():
            out[r["la"]][int(r["period"])] = float(r["value"])
    return out


def population_for(pops: dict[int, float], year: int) -> float | None:
    """DfE's rates for the year to 31 March Y use the mid-(Y-1) estimate; else the latest before it,
    else the latest held."""
    if not pops:
        return None
    earlier = [y for y in pops if y <= year - 1]
    return pops[max(earlier)] if earlier else pops[max(pops)]


def finish(raw: Iterable[dict[str, Any]], pops: dict[str, dict[int, float]],
           threshold: int = THRESHOLD) -> list[dict[str, Any]]:
    """Engine rows -> figures: value per unit, rates from their base count, suppression per LA-year."""
    groups: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for r in raw:
        m = BY_ID[r["measure_id"]]
        num, den = r["numerator"], r["denominator"]
        value = num if m.unit == "count" else (None if not den else round(100.0 * num / den, 6))
        groups[(r["la_code_old"], int(r["year"]))].append(
            {"la_code_old": r["la_code_old"], "year": int(r["year"]), "measure_id": m.measure_id,
             "unit": m.unit, "numerator": num, "denominator": den, "value": value, "base": None})
    out: list[dict[str, Any]] = []
    for (la, year), rows in sorted(groups.items()):
        have = {r["measure_id"]: r for r in rows}
        pop = population_for(pops.get(la, {}), year)
        for m in MEASURES:
            if m.base and m.base in have:
                count = have[m.base]["value"]
                rows.append({"la_code_old": la, "year": year, "measure_id": m.measure_id, "unit": m.unit,
                             "numerator": count, "denominator": pop, "base": m.base,
                             "value": None if (pop is None or count is None) else round(count / pop * 10000, 6)})
        out.extend(suppress(rows, threshold))
    for r in out:
        r["return_type"] = BY_ID[r["measure_id"]].return_type
    return out


def compute_measures(store: Store, *, la: str | Sequence[str] | None = None, year: int | None = None,
                     engine: str | Engine = "duckdb", threshold: int = THRESHOLD) -> list[dict[str, Any]]:
    """Every measure for the LA-years held (one LA, one year, or all), unsuppressed values with
    their suppression decision. Each LA's history (earlier years) is used whatever ``year`` is."""
    eng = get_engine(engine) if isinstance(engine, str) else engine
    pairs = held_returns(store, la)
    if not pairs:
        return []
    with store._lock:                 # temp tables live on the shared connection: one run at a time
        raw = eng.run(store.con, pairs)
    rows = finish(raw, populations(store), threshold)
    for r in rows:
        r["engine"] = eng.name
    return [r for r in rows if year is None or r["year"] == year]


def refresh_provisional(store: Store, la_codes: Sequence[str] | None = None, *,
                        engine: str | Engine = "duckdb") -> int:
    """Recompute and replace the stored provisional figures of ``la_codes`` (default: every LA held)."""
    codes = list(la_codes) if la_codes else sorted({la for la, _, _ in held_returns(store)})
    if not codes:
        return 0
    now = datetime.now().replace(microsecond=0)
    computed = compute_measures(store, la=codes, engine=engine)
    import pandas as pd

    frame = pd.DataFrame(
        [[r["la_code_old"], str(r["year"]), date(r["year"], 3, 31), r["measure_id"], r["value"], STATUS,
          f"returns:{r['return_type']}", r["numerator"], r["denominator"], r["suppressed"], r["suppression"],
          r["engine"], now] for r in computed],
        columns=["la", "period", "period_end", "measure_id", "value", "status", "source_id", "numerator",
                 "denominator", "suppressed", "suppression", "engine", "computed_at"])
    with store.transaction() as con:
        con.execute(f"DELETE FROM provisional_observation WHERE la IN ({', '.join('?' * len(codes))})", codes)
        if len(frame):
            con.register("_returns_figures", frame)
            try:
                con.execute("INSERT INTO provisional_observation SELECT * FROM _returns_figures")
            finally:
                con.unregister("_returns_figures")
    n = len(frame)
    return n


def public_row(r: dict[str, Any]) -> dict[str, Any]:
    """A figure as it may be shown: a suppressed value is withheld (``suppression`` = 'c', DfE's symbol)."""
    m = BY_ID[r["measure_id"]]
    hidden = bool(r["suppressed"])
    return {"la_code_old": r["la_code_old"], "year": int(r["year"]), "period_end": date(int(r["year"]), 3, 31),
            "measure_id": r["measure_id"], "title": m.title, "unit": m.unit,
            "value": None if hidden or r["value"] is None else round(float(r["value"]), 1),
            "status": STATUS, "suppression": "c" if hidden else None,
            "return_type": m.return_type, "published_measure": m.published}


def measures_table(store: Store, *, la: str | None = None, year: int | None = None,
                   engine: str = "duckdb") -> list[dict[str, Any]]:
    """What ``cscwatch returns measures`` prints: every figure, computed now on ``engine``, suppressed.

    ``la`` is any name or code (resolved with :func:`cscwatch.identity.resolve_la`)."""
    code = _resolve(store, la) if la else None
    return [public_row(r) for r in compute_measures(store, la=code, year=year, engine=engine)]


def _resolve(store: Store, la: str) -> str:
    from cscwatch.identity import resolve_la

    return resolve_la(store, la)["la_code_old"]


def provisional_rows(store: Store, *, la: str | None = None, year: int | None = None,
                     suppressed: bool = True) -> list[dict[str, Any]]:
    """Stored provisional figures (``suppressed=False`` only for a logged-in child-level view)."""
    sql = ("SELECT la AS la_code_old, period AS year, measure_id, value, suppressed, suppression, computed_at "
           "FROM provisional_observation WHERE true")
    params: list[Any] = []
    if la:
        sql += " AND la = ?"
        params.append(la)
    if year:
        sql += " AND period = ?"
        params.append(str(year))
    rows = store.rows(sql + " ORDER BY la, period, measure_id", params)
    if suppressed:
        return [dict(public_row(r), computed_at=r["computed_at"]) for r in rows]
    return [dict(public_row(dict(r, suppressed=False)), computed_at=r["computed_at"],
                 suppression=r["suppression"]) for r in rows]


def provisional_beside_published(store: Store, la: str) -> dict[str, Any]:
    """The LA page's and workbook's "provisional beside published" rows for one LA (plain data).

    ``{"la_code_old", "la_name", "latest_year", "rows": [{"measure_id", "title", "unit", "period",
    "provisional", "provisional_suppression", "published", "published_status", "difference",
    "latest_published_period", "latest_published", "computed_at"}]}``: one row per measure and
    year held, newest year first; ``published`` is DfE's figure for the same period (None until
    DfE publishes it), ``latest_published`` DfE's most recent figure for the measure.
    """
    code = _resolve(store, la)
    name = store.scalar("SELECT la_name FROM la WHERE la_code_old = ?", [code]) if store.has_table("la") else None
    rows = provisional_rows(store, la=code)
    published: dict[tuple[str, str], dict[str, Any]] = {}
    latest: dict[str, dict[str, Any]] = {}
    if store.has_table("observation") and rows:
        ids = sorted({r["measure_id"] for r in rows})
        for o in store.rows(f"SELECT measure_id, period, value, status FROM observation WHERE la = ? AND "
                            f"measure_id IN ({', '.join('?' * len(ids))}) ORDER BY period", [code, *ids]):
            published[(o["measure_id"], o["period"])] = o
            latest[o["measure_id"]] = o
    out = []
    for r in sorted(rows, key=lambda r: (-r["year"], r["measure_id"])):
        p = published.get((r["measure_id"], str(r["year"])), {})
        lp = latest.get(r["measure_id"], {})
        diff = (round(r["value"] - p["value"], 1) if r["value"] is not None and p.get("value") is not None
                else None)
        out.append({"measure_id": r["measure_id"], "title": r["title"], "unit": r["unit"], "period": str(r["year"]),
                    "provisional": r["value"], "provisional_suppression": r["suppression"],
                    "published": p.get("value"), "published_status": p.get("status"), "difference": diff,
                    "latest_published_period": lp.get("period"), "latest_published": lp.get("value"),
                    "computed_at": r["computed_at"]})
    return {"la_code_old": code, "la_name": name, "latest_year": max((r["year"] for r in rows), default=None),
            "rows": out}


def latest_provisional(store: Store, as_of: date | None = None, *, la: str | None = None) -> list[dict[str, Any]]:
    """For the early-warning score "as of today": each LA's latest provisional figure per measure
    whose year ended and which was computed on or before ``as_of`` (default today), in the
    ``observation`` shape plus ``available`` (the day it was computed) and ``suppression``.
    Suppressed values are None."""
    as_of = as_of or date.today()
    rows = [r for r in provisional_rows(store, la=la)
            if r["period_end"] <= as_of and r["computed_at"].date() <= as_of]
    best: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        key = (r["la_code_old"], r["measure_id"])
        if key not in best or r["year"] > best[key]["year"]:
            best[key] = r
    return [{"la": r["la_code_old"], "period": str(r["year"]), "period_end": r["period_end"],
             "measure_id": r["measure_id"], "value": r["value"], "status": STATUS,
             "source_id": f"returns:{r['return_type']}", "available": r["computed_at"].date(),
             "suppression": r["suppression"]} for r in sorted(best.values(), key=lambda r: (r["la_code_old"], r["measure_id"]))]
