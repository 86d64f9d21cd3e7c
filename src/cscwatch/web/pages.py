"""Page contexts: one plain, JSON-ready dict per page, built from the store alone.

Each HTML page renders its context through a template and its ``/api`` twin returns the same dict,
so the two can never disagree. Everything here is a pure function of (store, parameters); the app
caches results because the store is read-only while serving.

Benchmarking uses the warehouse's LAIT functions (``cscwatch.warehouse.benchmark``, DOMAIN.md
§3.6), so the pages agree with ``cscwatch`` on the command line: quartile bands are type 7 cut
points of all LAs' values for the period, A always best; rank 1 is best, ties take the minimum;
the trend is the change on the period ending exactly a year earlier; measures with no polarity are
context only (no rank, no band).
"""
from __future__ import annotations

import difflib
import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from cscwatch.errors import NotFound, UnknownLocalAuthority
from cscwatch.grades import JUDGEMENT_TITLES, Grade
from cscwatch.register.national import OVERALL_FRAMEWORKS
from cscwatch.store import Store
from cscwatch.warehouse.benchmark import band_of, peer_stats, quantile7, quartiles, rank, years_earlier

ENGLAND = "E92000001"
GRADE_LABELS = {g.value: g.label for g in Grade}
GRADE_SHORT = {"outstanding": "Outstanding", "good": "Good", "requires_improvement": "Requires improvement",
               "inadequate": "Inadequate"}
BANDS = ("A", "B", "C", "D")
NeighbourModel = Literal["2021", "2025"]
Average = Literal["mean", "median"]


@dataclass(frozen=True)
class Comparator:
    """Who an LA is compared with: a DfE neighbour model (or the user's own peer group), averaged how."""

    neighbours: NeighbourModel = "2025"
    average: Average = "mean"
    peers: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"neighbours": self.neighbours, "average": self.average, "peers": list(self.peers)}

    @property
    def label(self) -> str:
        who = f"peer group ({len(self.peers)} LAs)" if self.peers else f"statistical neighbours ({self.neighbours} model)"
        return f"{self.average.capitalize()} of {who}"


# ---------------------------------------------------------------------------------------------
# Pure benchmarking helpers
# ---------------------------------------------------------------------------------------------

def average(values: Sequence[float | None], how: Average) -> tuple[float | None, int]:
    """The comparator group's mean or median (DfE's dashboard uses the median, LAIT the mean) and n."""
    stats = peer_stats({str(i): v for i, v in enumerate(values)}, [str(i) for i in range(len(values))])
    return stats[how], stats["n"]


def direction(change: float | None, polarity: str | None) -> str | None:
    """'better' / 'worse' / 'same' given the polarity, 'up' / 'down' for context measures."""
    if change is None:
        return None
    if abs(change) < 1e-9:
        return "same"
    if polarity == "high":
        return "better" if change > 0 else "worse"
    if polarity == "low":
        return "better" if change < 0 else "worse"
    return "up" if change > 0 else "down"


def normalise(text: str) -> str:
    t = text.lower().replace("&", " and ")
    t = re.sub(r"[^a-z0-9]+", " ", t)
    t = re.sub(r"\b(the|council|county|city of|borough|metropolitan|royal|london borough of)\b", " ", t)
    return " ".join(t.split())


def trigrams(text: str) -> set[str]:
    t = f"  {text} "
    return {t[i:i + 3] for i in range(len(t) - 2)}


def similarity(query: str, name: str) -> float:
    """Blend of difflib ratio and trigram overlap: tolerant of typos and of dropped words."""
    q, n = normalise(query), normalise(name)
    if not q or not n:
        return 0.0
    if q == n:
        return 1.0
    if n.startswith(q) or f" {q}" in f" {n}":
        return 0.95
    a, b = trigrams(q), trigrams(n)
    tri = len(a & b) / len(a | b)
    words = max((difflib.SequenceMatcher(None, q, w).ratio() for w in [n, *n.split()]), default=0.0)
    return max(tri, words * 0.9)


def iso(d: Any) -> str | None:
    return d.isoformat() if isinstance(d, date) else (None if d is None else str(d))


# ---------------------------------------------------------------------------------------------
# Cached store views (the store is read-only while serving)
# ---------------------------------------------------------------------------------------------

@dataclass
class PeriodStats:
    period: str
    period_end: date | None
    values: dict[str, float | None]           # area code -> value (LAs, regions, England)
    status: dict[str, str]
    la_values: list[float] = field(default_factory=list)
    cuts: tuple[float, float, float] | None = None
    ranks: dict[str, int | None] = field(default_factory=dict)


@dataclass
class MeasureData:
    measure: dict[str, Any]
    periods: list[PeriodStats]                # oldest first

    def at(self, period: str | None) -> PeriodStats | None:
        if period is None:
            return self.periods[-1] if self.periods else None
        return next((p for p in self.periods if p.period == period), None)


class StoreView:
    """Memoised reads of one read-only store: LA directory, measure data, neighbour lists."""

    def __init__(self, store: Store):
        self.store = store
        self._lock = threading.RLock()
        self._measures: dict[str, MeasureData] = {}
        self._las: dict[str, dict[str, Any]] | None = None
        self._measure_list: list[dict[str, Any]] | None = None
        self._neighbours: dict[tuple[str, str], list[str]] | None = None
        self._aliases: dict[str, str] | None = None
        self._la_measures: dict[str, list[str]] | None = None
        self._measure_meta: dict[str, dict[str, Any]] | None = None
        self.is_warm = False

    # -- LAs ----------------------------------------------------------------------------------
    def las(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            if self._las is None:
                rows = self.store.rows(
                    "SELECT la_code_old, la_code_new, la_name, region_code, region_name, ofsted_region, la_type,"
                    " valid_from, valid_to FROM la ORDER BY la_name")
                latest = self._latest_overall()
                for r in rows:
                    r["current"] = r["valid_to"] is None
                    r["valid_from"], r["valid_to"] = iso(r["valid_from"]), iso(r["valid_to"])
                    g = latest.get(r["la_code_old"])
                    r["latest_overall"] = g["grade"] if g else None
                    r["latest_overall_label"] = GRADE_LABELS.get(g["grade"]) if g else None
                    r["latest_inspection_date"] = g["date"] if g else None
                    r["latest_inspection_id"] = g["inspection_id"] if g else None
                self._las = {r["la_code_old"]: r for r in rows}
            return self._las

    def _latest_overall(self) -> dict[str, dict[str, Any]]:
        rows = self.store.rows(
            "SELECT i.la_code_old, i.inspection_id, coalesce(i.start_date, i.publication_date) AS d, j.grade"
            " FROM inspection i JOIN judgement j ON j.inspection_id = i.inspection_id AND j.judgement = 'overall'"
            f" WHERE i.framework IN ({', '.join(repr(f) for f in OVERALL_FRAMEWORKS)})"
            " ORDER BY d, i.inspection_id")
        return {r["la_code_old"]: {"grade": r["grade"], "date": iso(r["d"]), "inspection_id": r["inspection_id"]}
                for r in rows}

    def aliases(self) -> dict[str, str]:
        with self._lock:
            if self._aliases is None:
                self._aliases = {r["alias"].lower(): r["la_code_old"]
                                 for r in self.store.rows("SELECT alias, la_code_old FROM la_alias")}
            return self._aliases

    def resolve_la(self, text: str) -> dict[str, Any]:
        """An LA from its old 3-digit code, ONS code, or any known name; NotFound with suggestions."""
        las = self.las()
        t = text.strip()
        if t in las:
            return las[t]
        up = t.upper()
        for la in las.values():
            if (la["la_code_new"] or "").upper() == up:
                return la
        hit = self.aliases().get(t.lower()) or self.aliases().get(normalise(t))
        if hit in las:
            return las[hit]
        for la in las.values():
            if normalise(la["la_name"]) == normalise(t):
                return la
        suggestions = [f"{r['la_name']} ({r['la_code_old']})" for r in self.search(t, limit=3)]
        raise UnknownLocalAuthority(t, suggestions=suggestions)

    def search(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        q = query.strip()
        if not q:
            return []
        scored = []
        for la in self.las().values():
            if la["la_type"] == "shared_service":
                continue
            codes = {la["la_code_old"].lower(), (la["la_code_new"] or "").lower()}
            if q.lower() in codes:
                score = 1.0
            else:
                score = similarity(q, la["la_name"])
            if score >= 0.45:
                scored.append((score, la["current"], la))
        scored.sort(key=lambda s: (-s[0], not s[1], s[2]["la_name"]))
        return [dict(la, score=round(score, 3)) for score, _, la in scored[:limit]]

    # -- neighbours ---------------------------------------------------------------------------
    def neighbours(self, la_code: str, model: str) -> list[str]:
        with self._lock:
            if self._neighbours is None:
                nb: dict[tuple[str, str], list[str]] = defaultdict(list)
                for r in self.store.rows(
                        "SELECT model, la_code_old, neighbour FROM stat_neighbour ORDER BY model, la_code_old, rank"):
                    nb[(r["model"], r["la_code_old"])].append(r["neighbour"])
                self._neighbours = dict(nb)
            return list(self._neighbours.get((model, la_code), []))

    def neighbour_models(self) -> list[str]:
        self.neighbours("", "")
        return sorted({m for m, _ in self._neighbours or {}})

    # -- measures -----------------------------------------------------------------------------
    def measure_list(self) -> list[dict[str, Any]]:
        with self._lock:
            if self._measure_list is None:
                rows = self.store.rows(
                    "SELECT m.measure_id, m.title, m.unit, m.topic, m.polarity, m.definition, m.source_publication,"
                    " m.period_type, s.first_period, s.latest_period, s.n_areas"
                    " FROM measure m JOIN (SELECT measure_id, arg_min(period, period_end) AS first_period,"
                    "   arg_max(period, period_end) AS latest_period, count(DISTINCT la) AS n_areas"
                    "   FROM observation WHERE value IS NOT NULL GROUP BY measure_id) s USING (measure_id)"
                    " ORDER BY m.topic NULLS LAST, m.title")
                self._measure_list = rows
            return self._measure_list

    def measure_meta(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            if self._measure_meta is None:
                self._measure_meta = {r["measure_id"]: r for r in self.store.rows("SELECT * FROM measure")}
            return self._measure_meta

    def measure(self, measure_id: str) -> MeasureData:
        """A measure's values by period with the LAs' quartiles and ranks (loaded once, then memoised)."""
        with self._lock:
            if measure_id in self._measures:
                return self._measures[measure_id]
        meta = self.measure_meta()
        if measure_id not in meta:
            close = difflib.get_close_matches(measure_id, list(meta), n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise NotFound(f"unknown measure {measure_id!r}{hint}; see /api/measures for the list")
        with self.store._lock:
            rows = self.store.con.execute(
                "SELECT la, period, period_end, value, status FROM observation WHERE measure_id = ?"
                " ORDER BY period_end, period", [measure_id]).fetchall()
        data = build_measure(meta[measure_id], rows, self.las())
        with self._lock:
            return self._measures.setdefault(measure_id, data)

    def warm(self) -> None:
        """Load every LA, neighbour list and measure now, so the first visitors wait for nothing."""
        self.las()
        self.neighbours("", "")
        self.measure_list()
        meta = self.measure_meta()
        las = self.las()
        with self.store._lock:
            cur = self.store.con.execute(
                "SELECT measure_id, la, period, period_end, value, status FROM observation"
                " ORDER BY measure_id, period_end, period")
            grouped: dict[str, list[tuple]] = defaultdict(list)
            while batch := cur.fetchmany(100_000):
                for row in batch:
                    grouped[row[0]].append(row[1:])
        for mid, rows in grouped.items():
            if mid in meta:
                data = build_measure(meta[mid], rows, las)
                with self._lock:
                    self._measures.setdefault(mid, data)
        self.measures_for_la("")
        self.is_warm = True

    def measures_for_la(self, la_code: str) -> list[str]:
        with self._lock:
            if self._la_measures is None:
                idx: dict[str, list[str]] = defaultdict(list)
                for r in self.store.rows("SELECT DISTINCT la, measure_id FROM observation WHERE value IS NOT NULL"
                                         " ORDER BY measure_id"):
                    idx[r["la"]].append(r["measure_id"])
                self._la_measures = dict(idx)
            return list(self._la_measures.get(la_code, []))


def build_measure(measure: dict[str, Any], observations: Iterable[Sequence[Any]],
                  las: dict[str, dict[str, Any]]) -> MeasureData:
    """Group a measure's observations ``(la, period, period_end, value, status)``, oldest first, by
    period and rank the LAs that existed in each period."""
    periods: dict[str, PeriodStats] = {}
    for area, period, period_end, value, status in observations:
        p = periods.get(period)
        if p is None:
            p = periods[period] = PeriodStats(period, period_end, {}, {})
        p.values[area] = value
        if status:
            p.status[area] = status
    polarity = measure.get("polarity") if not measure.get("no_quartile") else None
    kept = []
    for p in periods.values():
        if not any(v is not None for v in p.values.values()):
            continue
        end = iso(p.period_end) or ""
        la_values = {code: v for code, v in p.values.items() if code in las
                     and las[code]["la_type"] != "shared_service"  # ranked once, through its members
                     and _exists(v, p.status.get(code), (las[code]["valid_from"], las[code]["valid_to"]), end)}
        p.la_values = [v for v in la_values.values() if v is not None]
        p.cuts = quartiles(p.la_values) if polarity else None
        p.ranks = rank(la_values, measure.get("polarity"))
        kept.append(p)
    return MeasureData(measure, kept)


def _exists(value: float | None, status: str | None, bounds: tuple[str | None, str | None], end: str) -> bool:
    """Whether an LA counts in a period (as the warehouse's measure_table decides)."""
    if value is not None:
        return True
    if status == "z":
        return False
    valid_from, valid_to = bounds
    return (valid_from is None or valid_from <= end) and (valid_to is None or valid_to >= end)


def previous_year(data: MeasureData, ps: PeriodStats) -> PeriodStats | None:
    """The period ending exactly a year before ``ps`` (trends never span gaps)."""
    if ps.period_end is None:
        return None
    target = years_earlier(ps.period_end, 1)
    return next((p for p in data.periods if p.period_end == target), None)


# ---------------------------------------------------------------------------------------------
# Building blocks shared by pages
# ---------------------------------------------------------------------------------------------

def comparator_areas(view: StoreView, la: dict[str, Any], comparator: Comparator) -> list[str]:
    if comparator.peers:
        return [p for p in comparator.peers if p != la["la_code_old"]]
    return view.neighbours(la["la_code_old"], comparator.neighbours)


def measure_row(view: StoreView, data: MeasureData, la: dict[str, Any], comparator: Comparator,
                period: str | None = None) -> dict[str, Any] | None:
    """One LA's line for one measure: value, rank, band, trend, comparators and the series."""
    code = la["la_code_old"]
    pol = data.measure.get("polarity")
    series = [{"period": p.period, "value": p.values.get(code), "status": p.status.get(code)}
              for p in data.periods if code in p.values]
    if period is None:
        with_value = [p for p in data.periods if p.values.get(code) is not None]
        if not with_value:
            return None
        ps = with_value[-1]
    else:
        ps = data.at(period)
        if ps is None:
            return None
    value = ps.values.get(code)
    prev = previous_year(data, ps)
    change = None
    if prev is not None:
        pv = prev.values.get(code)
        if pv is not None and value is not None:
            change = value - pv
    peers = comparator_areas(view, la, comparator)
    peer_value, peer_n = average([ps.values.get(p) for p in peers], comparator.average)
    return {
        "measure_id": data.measure["measure_id"], "title": data.measure["title"], "unit": data.measure.get("unit"),
        "topic": data.measure.get("topic"), "polarity": pol, "period": ps.period, "value": value,
        "status": ps.status.get(code),
        "rank": ps.ranks.get(code), "of": len(ps.la_values),
        "band": band_of(value, ps.cuts, pol),
        "quartiles": list(ps.cuts) if ps.cuts else None,
        "change": change, "trend": direction(change, pol),
        "neighbours": peer_value, "neighbours_n": peer_n,
        "region": ps.values.get(la.get("region_code") or ""),
        "england": ps.values.get(ENGLAND),
        "series": series,
    }


def is_listed(la: dict[str, Any]) -> bool:
    """Current LAs offered in pickers: not former LAs, not shared services ('940 / 941') that
    report some statistics jointly but are not inspected or served as one."""
    return bool(la["current"]) and la["la_type"] != "shared_service"


def la_summary(la: dict[str, Any]) -> dict[str, Any]:
    keys = ("la_code_old", "la_code_new", "la_name", "region_code", "region_name", "la_type", "current",
            "latest_overall", "latest_overall_label", "latest_inspection_date")
    return {k: la.get(k) for k in keys}


def inspections_for(store: Store, la_code: str | None = None) -> list[dict[str, Any]]:
    """Reconciled inspections with every judgement, their sources and disagreements, newest first."""
    where, params = ("WHERE i.la_code_old = ?", [la_code]) if la_code else ("", [])
    rows = store.rows(
        "SELECT i.inspection_id, i.la_code_old, i.la_name, i.framework, i.inspection_type, i.start_date, i.end_date,"
        f" i.publication_date, i.sources FROM inspection i {where}"
        " ORDER BY coalesce(i.start_date, i.publication_date) DESC", params)
    if not rows:
        return []
    ids = [r["inspection_id"] for r in rows]
    judgements = defaultdict(list)
    for j in store.rows("SELECT inspection_id, judgement, grade, grade_rank, source FROM judgement"
                        " WHERE inspection_id IN (SELECT unnest(?::TEXT[]))"
                        " ORDER BY inspection_id", [ids]):
        judgements[j["inspection_id"]].append({
            "judgement": j["judgement"], "title": JUDGEMENT_TITLES.get(j["judgement"], j["judgement"]),
            "grade": j["grade"], "grade_label": GRADE_LABELS.get(j["grade"], j["grade"]), "source": j["source"]})
    discrepancies = defaultdict(list)
    for d in store.rows("SELECT inspection_id, field, report_value, official_value FROM discrepancy"
                        " WHERE inspection_id IN (SELECT unnest(?::TEXT[]))", [ids]):
        discrepancies[d.pop("inspection_id")].append(d)
    order = {k: i for i, k in enumerate(JUDGEMENT_TITLES)}
    out = []
    for r in rows:
        js = sorted(judgements.get(r["inspection_id"], []), key=lambda j: order.get(j["judgement"], 99))
        overall = next((j["grade"] for j in js if j["judgement"] == "overall"), None)
        out.append({**{k: iso(v) if isinstance(v, date) else v for k, v in r.items()},
                    "overall": overall, "overall_label": GRADE_LABELS.get(overall) if overall else None,
                    "judgements": js, "discrepancies": discrepancies.get(r["inspection_id"], [])})
    return out


def grade_shares(store: Store, today: date | None = None) -> list[dict[str, Any]]:
    """Share of LAs at each latest overall grade as at 31 March of each year (and at the latest
    inspection the register holds), by the
    register's reproduction of Ofsted's "outcomes as at 31 March" method."""
    from cscwatch.register.national import national_stats

    first, last = store.rows("SELECT min(coalesce(start_date, publication_date)) AS first,"
                             " max(coalesce(start_date, publication_date)) AS last FROM inspection WHERE "
                             f"framework IN ({', '.join(repr(f) for f in OVERALL_FRAMEWORKS)})")[0].values()
    if first is None:
        return []
    today = min(today or date.today(), last)  # "now" is as far as the register's data goes
    dates = [date(y, 3, 31) for y in range(first.year + 1, today.year + 1) if date(y, 3, 31) <= today] + [today]
    out = []
    for on in dates:
        a = national_stats(store, as_at=on)["as_at"]
        n = a["n_las"]
        is_today = on == today
        out.append({"year": on.year, "label": "Latest" if is_today else str(on.year), "as_at": on.isoformat(),
                    "n": n, **{f"n_{g}": a["counts"][g] for g in GRADE_LABELS},
                    **{f"pct_{g}": None if a["shares"][g] is None else round(100 * a["shares"][g], 1)
                       for g in GRADE_LABELS}})
    return out


# ---------------------------------------------------------------------------------------------
# Page contexts
# ---------------------------------------------------------------------------------------------

def overview_context(view: StoreView) -> dict[str, Any]:
    las = view.las()
    # shared services ('940 / 941') report some statistics jointly but are not inspected as one
    current = [la for la in las.values() if is_listed(la)]
    counts = {g.value: sum(1 for la in current if la["latest_overall"] == g.value) for g in Grade}
    recent = inspections_for(view.store)[:12]
    shares = grade_shares(view.store)
    return {
        "title": "Children's social care in England",
        "n_las": len(current),
        "grade_counts": [{"grade": g, "label": GRADE_LABELS[g], "short_label": GRADE_SHORT[g], "n": n}
                         for g, n in counts.items()],
        "not_inspected": sum(1 for la in current if not la["latest_overall"]),
        "map": [{"la_code_old": la["la_code_old"], "la_code_new": la["la_code_new"], "la_name": la["la_name"],
                 "region_name": la["region_name"], "grade": la["latest_overall"],
                 "grade_label": la["latest_overall_label"], "inspection_date": la["latest_inspection_date"]}
                for la in current],
        "grade_shares": shares,
        "recent_inspections": [{**{k: r[k] for k in ("inspection_id", "la_code_old", "la_name", "framework",
                                                     "inspection_type", "start_date", "publication_date", "overall",
                                                     "overall_label", "sources")},
                                "la_name": las[r["la_code_old"]]["la_name"] if r["la_code_old"] in las else r["la_name"]}
                               for r in recent],
        "measures_n": len(view.measure_list()),
    }


def is_key_measure(measure: dict[str, Any]) -> bool:
    """Key measures are the warehouse's own children's social care series; the ~400 measures it only
    mirrors from LAIT (education, SEN, health...) stay one click away (``?measures=all``)."""
    sources = [s.strip() for s in (measure.get("sources") or "").replace(",", ";").split(";") if s.strip()]
    return not sources or not all(s.startswith("lait") for s in sources)


def la_context(view: StoreView, code: str, comparator: Comparator, risk: dict[str, Any] | None = None,
               scope: Literal["key", "all"] = "key") -> dict[str, Any]:
    la = view.resolve_la(code)
    rows = []
    available = view.measures_for_la(la["la_code_old"])
    meta = view.measure_meta()
    chosen = [mid for mid in available if scope == "all" or is_key_measure(meta.get(mid, {}))]
    for mid in chosen:
        row = measure_row(view, view.measure(mid), la, comparator)
        if row is not None:
            rows.append(row)
    rows.sort(key=lambda r: ((r["topic"] or "~"), r["title"]))
    peers = comparator_areas(view, la, comparator)
    las = view.las()
    return {
        "la": la_summary(la),
        "comparator": {**comparator.as_dict(), "label": comparator.label,
                       "areas": [{"la_code_old": p, "la_name": las[p]["la_name"] if p in las else p} for p in peers]},
        "neighbour_models": view.neighbour_models(),
        "inspections": inspections_for(view.store, la["la_code_old"]),
        "visits": [{k: iso(v) if isinstance(v, date) else v for k, v in r.items()} for r in view.store.rows(
            "SELECT visit_type, visit_date, publication_date, theme, source FROM visit WHERE la_code_old = ?"
            " ORDER BY visit_date DESC", [la["la_code_old"]])],
        "lineage": [{k: iso(v) if isinstance(v, date) else v for k, v in r.items()} for r in view.store.rows(
            "SELECT predecessor, successor, effective_date, kind FROM la_lineage"
            " WHERE predecessor = ? OR successor = ?", [la["la_code_old"], la["la_code_old"]])],
        "measures": rows,
        "measures_scope": scope,
        "measures_available": len(available),
        "risk": risk,
    }


def measure_context(view: StoreView, measure_id: str, period: str | None = None, la: str | None = None,
                    comparator: Comparator = Comparator()) -> dict[str, Any]:
    data = view.measure(measure_id)
    if not data.periods:
        raise NotFound(f"measure {measure_id!r} has no values in the store")
    ps = data.at(period)
    if ps is None:
        raise NotFound(f"measure {measure_id!r} has no period {period!r}; periods: "
                       + ", ".join(p.period for p in data.periods))
    highlight = view.resolve_la(la) if la else None
    las = view.las()
    pol = data.measure.get("polarity")
    prev = previous_year(data, ps)
    table = []
    for code, value in ps.values.items():
        if code not in ps.ranks:  # regions, England, LAs that did not exist then
            continue
        info = las[code]
        change = None
        if prev is not None and value is not None and prev.values.get(code) is not None:
            change = value - prev.values[code]
        table.append({"la_code_old": code, "la_code_new": info["la_code_new"], "la_name": info["la_name"],
                      "region_name": info["region_name"], "value": value, "status": ps.status.get(code),
                      "rank": ps.ranks.get(code), "band": band_of(value, ps.cuts, pol),
                      "change": change, "trend": direction(change, pol)})
    table.sort(key=lambda r: (r["value"] is None, r["rank"] or 0,
                              -(r["value"] or 0) if pol != "low" else (r["value"] or 0), r["la_name"]))
    regions = sorted(({"code": c, "value": v} for c, v in ps.values.items() if c.startswith(("E12", "E13"))),
                     key=lambda r: r["code"])
    region_names = {r["region_code"]: r["region_name"] for r in view.store.rows(
        "SELECT DISTINCT region_code, region_name FROM la WHERE region_code IS NOT NULL")}
    for r in regions:
        r["name"] = region_names.get(r["code"], r["code"])
    distribution = []
    for p in data.periods:
        vals = sorted(p.la_values)
        if not vals:
            continue
        distribution.append({"period": p.period, "n": len(vals), "min": vals[0], "q1": quantile7(vals, .25),
                             "median": quantile7(vals, .5), "q3": quantile7(vals, .75), "max": vals[-1],
                             "england": p.values.get(ENGLAND),
                             "la": p.values.get(highlight["la_code_old"]) if highlight else None})
    return {
        "measure": {k: data.measure.get(k) for k in ("measure_id", "title", "unit", "topic", "polarity",
                                                     "definition", "source_publication", "period_type")},
        "period": ps.period, "periods": [p.period for p in data.periods],
        "quartiles": list(ps.cuts) if ps.cuts else None,
        "england": ps.values.get(ENGLAND), "regions": regions,
        "highlight": la_summary(highlight) if highlight else None,
        "highlight_row": (measure_row(view, data, highlight, comparator, ps.period) if highlight else None),
        "comparator": comparator.as_dict(),
        "table": table, "distribution": distribution,
    }


def compare_context(view: StoreView, codes: Sequence[str], measure_ids: Sequence[str] = (),
                    comparator: Comparator = Comparator()) -> dict[str, Any]:
    las = [view.resolve_la(c) for c in codes]
    seen: set[str] = set()
    las = [la for la in las if not (la["la_code_old"] in seen or seen.add(la["la_code_old"]))]
    if measure_ids:
        for mid in measure_ids:
            view.measure(mid)  # 404 on unknown ids
        mids = list(measure_ids)
    else:
        meta = view.measure_meta()
        either: set[str] = set()
        for la in las:
            either |= set(view.measures_for_la(la["la_code_old"]))
        mids = sorted(m for m in either if is_key_measure(meta.get(m, {})))
    rows = []
    for mid in mids:
        data = view.measure(mid)
        cells = []
        for la in las:
            r = measure_row(view, data, la, comparator)
            cells.append(None if r is None else {k: r[k] for k in ("period", "value", "status", "rank", "band",
                                                                   "trend", "change", "of")})
        if any(c is not None for c in cells):
            latest = data.periods[-1] if data.periods else None
            rows.append({"measure_id": mid, "title": data.measure["title"], "unit": data.measure.get("unit"),
                         "topic": data.measure.get("topic"), "polarity": data.measure.get("polarity"),
                         "england": latest.values.get(ENGLAND) if latest else None,
                         "england_period": latest.period if latest else None, "las": cells})
    rows.sort(key=lambda r: ((r["topic"] or "~"), r["title"]))
    return {"las": [la_summary(la) for la in las], "measures": rows, "comparator": comparator.as_dict()}


def search_context(view: StoreView, q: str) -> dict[str, Any]:
    hits = view.search(q) if q.strip() else []
    return {"q": q, "results": [{**la_summary(h), "score": h["score"]} for h in hits]}


def las_context(view: StoreView) -> list[dict[str, Any]]:
    return [la_summary(la) for la in view.las().values()]
