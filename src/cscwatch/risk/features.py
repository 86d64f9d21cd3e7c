"""Features known before an inspection started, built from the store only.

One row per graded inspection (SIF and ILACS, standard and short). Every value in a row was
public before the row's *cutoff*, the day fieldwork started:

* a statistic counts only from its ``release.published`` date (the warehouse records it per
  source file and period; the latest version published before the cutoff is used, so later
  revisions never leak back);
* a previous inspection counts only once its report was published;
* a visit counts only once its letter was published (visit date + 28 days when the letter's date
  is unknown);
* statistical neighbours come from the DfE model in force at the cutoff.

Pre-2018 official rows carry a publication date only. Their start is estimated as publication
minus ``sif_start_lag_days``, a conservative (90th-percentile) lag, so that the estimated cutoff
falls before the real start far more often than after it (see :func:`measure_start_lags`).

Missing values stay NaN (never zero); the models add an explicit missing-value indicator.
"""
from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from cscwatch.errors import StoreNotBuilt
from cscwatch.store import Store

log = logging.getLogger("cscwatch.risk")

#: Frameworks whose inspections are rows of the data set; earlier ones are history only.
GRADED_FRAMEWORKS: tuple[str, ...] = ("SIF", "ILACS", "ILACS-2023", "ILACS-2026")
#: Frameworks whose grades count as history (previous grade, ever inadequate).
HISTORY_FRAMEWORKS: tuple[str, ...] = ("SLAC", "CPI", "TLAC", "legacy", *GRADED_FRAMEWORKS)
#: Judgements that make up "any judgement inadequate" (the LSCB was a partner board, not the LA).
PRACTICE_JUDGEMENTS: tuple[str, ...] = (
    "overall", "help_and_protection", "children_in_care", "care_leavers", "adoption", "leadership",
)
#: Sub-judgements carried forward as previous-grade features.
SUB_JUDGEMENTS: tuple[str, ...] = ("help_and_protection", "children_in_care", "care_leavers", "leadership")

TARGETS: tuple[str, ...] = ("inadequate", "decline", "any_inadequate")

#: Measured (``measure_start_lags``) on SIF reports parsed from the PDFs, the only SIF rows with both
#: dates: median 77 days from fieldwork start to publication, 90th percentile 105 (n=51). The 90th
#: percentile is the default, so an estimated start falls before the real one nine times in ten.
DEFAULT_SIF_START_LAG_DAYS = 105
#: Days between a visit and its published letter when the letter's date is unknown.
VISIT_LETTER_LAG_DAYS = 28
#: Fallback when an inspection has no publication date (outcome known ~2 months after start).
DEFAULT_PUBLICATION_LAG_DAYS = 60

GRADE_WORD = {1: "outstanding", 2: "good", 3: "requires improvement", 4: "inadequate"}


@dataclass(frozen=True)
class Concept:
    """An indicator the model wants, found in the warehouse's ``measure`` table by id or title."""

    name: str
    label: str
    ids: tuple[str, ...]
    pattern: str
    unit: str = "%"  # how to print: '%', 'per 10k', '£', '' (plain number)
    polarity: str | None = "low"  # 'low' = lower is better, 'high' = higher is better
    exclude: str | None = None

    def format(self, value: float | None) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "n/a"
        if self.unit == "%":
            return f"{value:.0f}%" if abs(value) >= 10 else f"{value:.1f}%"
        if self.unit == "£":
            return f"£{value:,.0f}"
        if self.unit == "per 10k":
            return f"{value:.0f} per 10,000"
        return f"{value:.2f}" if abs(value) < 1 else f"{value:.1f}"


#: The indicators, in the order they appear in explanations. ``ids`` are tried first (the
#: warehouse's documented ids), then ``pattern`` over ``measure_id`` and ``title``.
CONCEPTS: tuple[Concept, ...] = (
    Concept("rereferral", "re-referral rate", ("cin_rereferral_pct", "rereferral_rate"), r"re.?referr"),
    Concept("assessment_45d", "assessments within 45 working days",
            ("cin_assessment_45d_pct",),
            r"45 ?(working )?days|within_45|45d", polarity="high"),
    Concept("repeat_cpp", "repeat child protection plans", ("cpp_subsequent_pct",), r"second or subsequent|subsequent|repeat.?c?pp|repeat child protection"),
    Concept("cpp_2yrs", "child protection plans lasting 2+ years", ("cpp_2yrs_plus_pct",),
            r"(2|two) years or (more|longer)|2.?years?.?plus|2plus"),
    Concept("cin_rate", "children in need rate", ("cin_rate_per_10k", "cin_rate"),
            r"(children in need|cin).*(rate|per 10)", unit="per 10k", polarity=None,
            exclude=r"referr|re.?referr|s47|section 47|assess|episode"),
    Concept("cpp_rate", "child protection plan rate", ("cpp_rate_per_10k",),
            r"(child protection plan|cpp).*(rate|per 10)", unit="per 10k", polarity=None,
            exclude=r"second|subsequent|repeat|start|ceas|duration|2 years|two years"),
    Concept("cla_rate", "children in care rate", ("cla_rate_per_10k",),
            r"(looked after|cla|in care).*(rate|per 10)", unit="per 10k", polarity=None,
            exclude=r"start|ceas|placement|adopt|leaver|missing|offend|convict|health"),
    Concept("referral_rate", "referral rate", ("referral_rate_per_10k",),
            r"^referral|referrals? (rate|per 10)", unit="per 10k", polarity=None, exclude=r"re.?referr"),
    Concept("placements_3plus", "children in care with 3+ placements in the year",
            ("cla_3plus_placements_pct",),
            r"(3|three) or more placements|3.?plus.?placements"),
    Concept("placement_long_term", "long-term placement stability", ("cla_long_term_stability_pct",), r"long.?term.*stab|same placement", polarity="high"),
    Concept("agency_rate", "agency social worker rate", ("sw_agency_rate",),
            r"agency"),
    Concept("vacancy_rate", "social worker vacancy rate", ("sw_vacancy_rate",), r"vacanc"),
    Concept("turnover_rate", "social worker turnover rate", ("sw_turnover_rate",), r"turnover"),
    Concept("caseload", "caseload per social worker", ("sw_caseload",),
            r"caseload", unit=""),
    Concept("spend_per_child", "spend per child", ("csc_spend_per_child_gbp",), r"(spend|expenditure).*(per (child|head)|per capita)",
            unit="£", polarity=None),
    Concept("s47_rate", "section 47 enquiry rate", ("s47_rate_per_10k",), r"s(ection )?47.*(rate|per 10)",
            unit="per 10k", polarity=None),
    Concept("icpc_15d", "child protection conferences within 15 working days", ("icpc_15days_pct",),
            r"icpc.*15|15 working days", polarity="high"),
    Concept("referral_nfa", "referrals closed with no further action", ("referral_nfa_pct",),
            r"no further action", polarity=None),
    Concept("care_leavers_eet", "care leavers in education, employment or training", ("care_leavers_eet_pct",),
            r"care leavers.*(education|eet)", polarity="high"),
    Concept("sw_absence", "social worker sickness absence", ("sw_absence_rate",), r"absence rate", polarity="low"),
    Concept("fsm", "primary pupils eligible for free school meals", ("lait_prifsm",), r"primary free school meals$",
            polarity=None),
    Concept("deprivation", "deprivation (IDACI / IMD)", ("imd_2019_avg_score", "idaci_score"), r"idaci|imd|deprivation", unit="", polarity=None,
            exclude=r"rank of|extent"),
)
CONCEPT_BY_NAME = {c.name: c for c in CONCEPTS}

#: Suffixes of the per-indicator feature columns.
STAT_SUFFIXES: tuple[str, ...] = ("level", "chg1", "chg3", "vs_nbr", "vs_eng")
#: The England row in ``observation``.
ENGLAND = "E92000001"


def _day(value: Any) -> int | None:
    """Days since 1970-01-01 (None for missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):  # includes pandas Timestamp
        value = value.date()
    elif isinstance(value, np.datetime64):
        return int(value.astype("datetime64[D]").astype("int64"))
    return (value - date(1970, 1, 1)).days


def _date(day: int) -> date:
    return date(1970, 1, 1) + timedelta(days=int(day))


# --------------------------------------------------------------------------------------------
# Reading the store
# --------------------------------------------------------------------------------------------
def _require(store: Store, tables: Iterable[str]) -> None:
    missing = [t for t in tables if not store.has_table(t)]
    if missing:
        raise StoreNotBuilt(f"the store has no {', '.join(missing)} table(s); run `cscwatch build` first")


def resolve_measures(store: Store, concepts: Sequence[Concept] = CONCEPTS) -> dict[str, str]:
    """Map each concept to the warehouse measure that carries it; missing ones are logged and dropped.

    An exact id wins; otherwise the title/id pattern is matched and the candidate with the most
    LA observations is taken (ties: a percentage or rate before a count).
    """
    if not store.has_table("measure"):
        return {}
    measures = store.rows("SELECT measure_id, coalesce(title, '') AS title, coalesce(unit, '') AS unit FROM measure")
    counts = {r["measure_id"]: r["n"] for r in store.rows(
        "SELECT measure_id, count(*) AS n FROM observation WHERE value IS NOT NULL "
        "AND la NOT LIKE 'E92%' AND la NOT LIKE 'E12%' GROUP BY measure_id")} if store.has_table("observation") else {}
    ids = {m["measure_id"] for m in measures}
    chosen: dict[str, str] = {}
    taken: set[str] = set()
    for concept in concepts:
        exact = [i for i in concept.ids if i in ids and counts.get(i)]
        if exact:
            chosen[concept.name] = exact[0]
            taken.add(exact[0])
            continue
        pat = re.compile(concept.pattern, re.I)
        excl = re.compile(concept.exclude, re.I) if concept.exclude else None
        candidates = []
        for m in measures:
            text = f"{m['measure_id']} {m['title']}"
            if m["measure_id"] in taken or not pat.search(text) or (excl and excl.search(text)):
                continue
            if not counts.get(m["measure_id"]):
                continue
            is_share = bool(re.search(r"%|pct|percent|rate|per 10|score|£|per child|average", text + m["unit"], re.I))
            is_count = bool(re.search(r"\bnumber\b|_n$|count", text, re.I)) and not is_share
            candidates.append((not is_count, is_share, counts[m["measure_id"]], m["measure_id"]))
        if candidates:
            best = max(candidates)[3]
            chosen[concept.name] = best
            taken.add(best)
        else:
            log.info("risk features: no measure found for %s (%s); feature dropped", concept.name, concept.label)
    return chosen


@dataclass
class StatSeries:
    """Versions of one measure for one area: period end, publication day, value (sorted by period)."""

    period_end: np.ndarray
    published: np.ndarray
    value: np.ndarray

    def known(self, cutoff: int, period_end: int | None = None, tolerance: int = 62) -> tuple[float, int] | None:
        """Latest value public before ``cutoff`` (for ``period_end`` ± tolerance days when given):
        the latest period, then its latest version (the first of exact ties). A plain loop: a series
        holds a few dozen points, where numpy's per-call overhead would dominate."""
        rows = self.__dict__.get("_rows")
        if rows is None:
            rows = self.__dict__["_rows"] = list(zip(self.period_end.tolist(), self.published.tolist()))
        pick, key = None, None
        for i, (pe, pub) in enumerate(rows):
            if pub >= cutoff or (period_end is not None and abs(pe - period_end) > tolerance):
                continue
            if key is None or (pe, pub) > key:
                pick, key = i, (pe, pub)
        return None if pick is None else (float(self.value[pick]), int(self.period_end[pick]))


@dataclass
class StoreSnapshot:
    """Everything the features need, read from the store once."""

    inspections: pd.DataFrame
    grades: dict[str, dict[str, int]]
    visits: pd.DataFrame
    series: dict[tuple[str, str], StatSeries]
    neighbours: dict[str, list[tuple[int, str, list[str]]]]
    las: pd.DataFrame
    measures: dict[str, str]
    notes: list[str] = field(default_factory=list)
    visits_from: int | None = None  # first day the visit record covers


def load_snapshot(store: Store, *, concepts: Sequence[Concept] = CONCEPTS,
                  measures: dict[str, str] | None = None) -> StoreSnapshot:
    """Read the register and warehouse tables the features use (once per build)."""
    _require(store, ("inspection", "judgement"))
    notes: list[str] = []
    insp = store.df(
        "SELECT inspection_id, la_code_old, framework, inspection_type, start_date, publication_date "
        "FROM inspection")
    for col in ("start_date", "publication_date"):
        insp[col + "_day"] = [_day(v) for v in insp[col]]
    grades: dict[str, dict[str, int]] = {}
    for r in store.rows("SELECT inspection_id, judgement, grade_rank FROM judgement"):
        grades.setdefault(r["inspection_id"], {})[r["judgement"]] = int(r["grade_rank"])
    if store.has_table("visit"):
        visits = store.df("SELECT la_code_old, visit_type, visit_date, publication_date FROM visit")
    else:
        visits = pd.DataFrame(columns=["la_code_old", "visit_type", "visit_date", "publication_date"])
        notes.append("no visit table: focused/monitoring visit features dropped")
    visits["visit_day"] = [_day(v) for v in visits["visit_date"]]
    visits["known_day"] = [
        _day(p) if _day(p) is not None else (d + VISIT_LETTER_LAG_DAYS if d is not None else None)
        for p, d in zip(visits["publication_date"], visits["visit_day"])
    ]
    measures = resolve_measures(store, concepts) if measures is None else dict(measures)
    for c in concepts:
        if c.name not in measures:
            notes.append(f"no warehouse measure for {c.label}: its features are dropped")
    series: dict[tuple[str, str], StatSeries] = {}
    if measures and store.has_table("observation") and store.has_table("release"):
        ids = sorted(set(measures.values()))
        marks = ",".join("?" * len(ids))
        obs = store.df(
            "SELECT o.la, o.measure_id, o.period_end, o.value, r.published "
            "FROM observation o JOIN (SELECT source_id, period, min(published) AS published FROM release "
            "GROUP BY source_id, period) r ON r.source_id = o.source_id AND r.period = o.period "
            f"WHERE o.measure_id IN ({marks}) AND o.value IS NOT NULL AND r.published IS NOT NULL "
            "AND o.period_end IS NOT NULL", ids)
        unreleased = store.scalar(
            "SELECT count(*) FROM observation o WHERE o.measure_id IN (" + marks + ") AND NOT EXISTS ("
            "SELECT 1 FROM release r WHERE r.source_id = o.source_id AND r.period = o.period "
            "AND r.published IS NOT NULL)", ids)
        if unreleased:
            notes.append(f"{unreleased} observations have no release date and are never used")
        if len(obs):
            obs["pe"] = obs["period_end"].astype("datetime64[s]").astype("int64") // 86400
            obs["pub"] = obs["published"].astype("datetime64[s]").astype("int64") // 86400
            obs = obs.sort_values(["measure_id", "la", "pe", "pub"])
            for (mid, la), g in obs.groupby(["measure_id", "la"], sort=False):
                series[(mid, la)] = StatSeries(g["pe"].to_numpy(np.int64), g["pub"].to_numpy(np.int64),
                                               g["value"].to_numpy(float))
    elif measures:
        notes.append("no observation/release tables: statistics features dropped")
    neighbours: dict[str, list[tuple[int, str, list[str]]]] = {}
    if store.has_table("stat_neighbour"):
        nb = store.rows("SELECT model, la_code_old, neighbour FROM stat_neighbour ORDER BY model, la_code_old, rank")
        by: dict[tuple[str, str], list[str]] = {}
        for r in nb:
            by.setdefault((str(r["model"]), r["la_code_old"]), []).append(r["neighbour"])
        for (model, la), nbrs in by.items():
            # A model is usable from May of its year (DfE publishes each set in the spring).
            year = int(re.sub(r"\D", "", model)[:4] or 2000)
            neighbours.setdefault(la, []).append((_day(date(year, 5, 1)), model, nbrs))
        for la in neighbours:
            neighbours[la].sort()
    else:
        notes.append("no stat_neighbour table: neighbour comparisons dropped")
    if store.has_table("la"):
        # Shared services (one workforce return for two LAs) are not authorities Ofsted inspects.
        las = store.df("SELECT la_code_old, la_code_new, la_name, region_name, ofsted_region, valid_from, valid_to "
                       "FROM la WHERE la_type IS DISTINCT FROM 'shared_service'")
    else:
        las = pd.DataFrame(columns=["la_code_old", "la_code_new", "la_name", "region_name", "ofsted_region",
                                    "valid_from", "valid_to"])
    for n in notes:
        log.info("risk features: %s", n)
    first_visit = visits["visit_day"].dropna()
    return StoreSnapshot(insp, grades, visits, series, neighbours, las, measures, notes,
                         int(first_visit.min()) if len(first_visit) else None)


def measure_start_lags(store: Store) -> dict[str, dict[str, float]]:
    """Days from fieldwork start to publication by framework, where both dates are known."""
    out: dict[str, dict[str, float]] = {}
    rows = store.rows(
        "SELECT framework, date_diff('day', start_date, publication_date) AS lag FROM inspection "
        "WHERE start_date IS NOT NULL AND publication_date IS NOT NULL AND publication_date >= start_date")
    by: dict[str, list[int]] = {}
    for r in rows:
        by.setdefault(r["framework"], []).append(r["lag"])
    for fw, lags in sorted(by.items()):
        a = np.asarray(lags, float)
        out[fw] = {"n": int(a.size), "median": float(np.median(a)), "p90": float(np.percentile(a, 90))}
    return out


# --------------------------------------------------------------------------------------------
# Building rows
# --------------------------------------------------------------------------------------------
@dataclass
class FeatureSet:
    """The data set: X (features), y (the three targets, NaN where undefined) and meta (ids, dates)."""

    X: pd.DataFrame
    y: pd.DataFrame
    meta: pd.DataFrame
    notes: list[str]
    measures: dict[str, str]

    def target(self, name: str) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
        """Rows where ``name`` is defined: X, y (0/1 ints), meta."""
        if name not in TARGETS:
            raise ValueError(f"unknown target {name!r}; choose one of {', '.join(TARGETS)}")
        keep = self.y[name].notna().to_numpy()
        return (self.X[keep].reset_index(drop=True), self.y[name][keep].astype(int).to_numpy(),
                self.meta[keep].reset_index(drop=True))


class _HistoryIndex:
    """The inspection history and visits, arranged for fast per-row lookups (plain Python/numpy)."""

    def __init__(self, hist: pd.DataFrame, snap: StoreSnapshot):
        self.by_la: dict[str, list[tuple]] = {}
        for r in hist.itertuples(index=False):
            if r.has_grades:
                self.by_la.setdefault(r.la_code_old, []).append(
                    (r.start_day, r.known_day, r.inspection_id, r.framework, r.overall))
        for rows in self.by_la.values():
            rows.sort(key=lambda t: t[0])
        graded = hist[hist["overall"].notna() & hist["framework"].isin(GRADED_FRAMEWORKS)]
        self.known = graded["known_day"].to_numpy(np.int64)
        self.inadequate = (graded["overall"].to_numpy(float) == 4)
        self.region = np.array([str(x) if x is not None else "" for x in graded["region"]], dtype=object)
        self.visits: dict[str, list[tuple[int, int, str]]] = {}
        v = snap.visits
        for la, vd, kd, kind in zip(v["la_code_old"], v["visit_day"], v["known_day"], v["visit_type"]):
            if vd is not None and kd is not None and not (isinstance(vd, float) and math.isnan(vd)):
                self.visits.setdefault(la, []).append((int(vd), int(kd), kind))


class FeatureBuilder:
    """Build the inspection data set (``build``) or rows for current LAs (``build_current``).

    ``as_of`` caps what is known: nothing published on or after it is used, and inspections that
    start on or after it are left out. ``sif_start_lag_days`` estimates start dates where the
    register has only a publication date. ``visits_from`` is the first day the visit record covers
    (default: the earliest visit in the store); before it, visit counts are missing, not zero.
    ``measures`` pins the concept → measure mapping (default: :func:`resolve_measures`).
    """

    def __init__(self, as_of: date | str | None = None, *, sif_start_lag_days: int = DEFAULT_SIF_START_LAG_DAYS,
                 concepts: Sequence[Concept] = CONCEPTS, measures: dict[str, str] | None = None,
                 visits_from: date | None = None):
        self.as_of = date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
        self.sif_start_lag_days = sif_start_lag_days
        self.concepts = tuple(concepts)
        self.measures = measures
        self.visits_from = visits_from

    # -- public ---------------------------------------------------------------------------
    def build(self, store: Store, snapshot: StoreSnapshot | None = None) -> FeatureSet:
        snap = snapshot or load_snapshot(store, concepts=self.concepts, measures=self.measures)
        hist = self._history(snap)
        index = _HistoryIndex(hist, snap)
        cap = _day(self.as_of) if self.as_of else None
        rows, metas, ys = [], [], []
        graded = hist[hist["framework"].isin(GRADED_FRAMEWORKS) & hist["has_grades"]]
        for rec in graded.itertuples(index=False):
            if cap is not None and rec.start_day >= cap:
                continue
            feats = self._row(snap, index, rec.la_code_old, rec.start_day, scheduled=rec.inspection_type,
                              framework=rec.framework, exclude_id=rec.inspection_id)
            rows.append(feats)
            g = snap.grades.get(rec.inspection_id, {})
            prev_overall = feats.get("prev_overall_rank")
            overall = g.get("overall")
            practice = [g[j] for j in PRACTICE_JUDGEMENTS if j in g]
            ys.append({
                "inadequate": float(overall == 4) if overall else np.nan,
                "decline": float(overall > prev_overall) if overall and not np.isnan(prev_overall) else np.nan,
                "any_inadequate": float(max(practice) == 4) if practice else np.nan,
            })
            metas.append({
                "inspection_id": rec.inspection_id, "la_code_old": rec.la_code_old, "framework": rec.framework,
                "inspection_type": rec.inspection_type, "start_date": _date(rec.start_day),
                "start_estimated": bool(rec.start_estimated), "published": _date(rec.known_day),
                "year": _date(rec.start_day).year, "overall_grade": GRADE_WORD.get(overall),
            })
        return self._frame(rows, ys, metas, snap)

    def build_current(self, store: Store, snapshot: StoreSnapshot | None = None) -> FeatureSet:
        """One row per current LA with the features it would have if inspected on ``as_of``."""
        snap = snapshot or load_snapshot(store, concepts=self.concepts, measures=self.measures)
        hist = self._history(snap)
        index = _HistoryIndex(hist, snap)
        as_of = self.as_of or date.today()
        cutoff = _day(as_of)
        las = snap.las
        def unset(v: Any) -> bool:
            return v is None or v is pd.NaT or (not isinstance(v, str) and pd.isna(v))

        current = las[[(unset(start) or _day(start) <= cutoff) and (unset(end) or _day(end) >= cutoff)
                       for start, end in zip(las["valid_from"], las["valid_to"])]] if len(las) else las
        codes = list(current["la_code_old"]) if len(current) else sorted(hist["la_code_old"].unique())
        # The framework an inspection on ``as_of`` would fall under.
        framework = ("ILACS-2026" if as_of >= date(2026, 4, 1) else "ILACS-2023" if as_of >= date(2023, 1, 1)
                     else "ILACS" if as_of >= date(2018, 1, 1) else "SIF")
        rows, metas = [], []
        for code in codes:
            known = hist[(hist["la_code_old"] == code) & (hist["known_day"] < cutoff)]
            last = known.sort_values("start_day").iloc[-1] if len(known) else None
            last_overall = snap.grades.get(last["inspection_id"], {}).get("overall") if last is not None else None
            # What Ofsted would schedule next: short after good/outstanding, standard otherwise.
            scheduled = "short" if last_overall in (1, 2) else "standard"
            rows.append(self._row(snap, index, code, cutoff, scheduled=scheduled, framework=framework))
            metas.append({"inspection_id": None, "la_code_old": code, "framework": framework,
                          "inspection_type": scheduled, "start_date": as_of, "start_estimated": False,
                          "published": None, "year": as_of.year,
                          "overall_grade": None})
        ys = [{t: np.nan for t in TARGETS} for _ in rows]
        return self._frame(rows, ys, metas, snap)

    # -- internals ------------------------------------------------------------------------
    def _frame(self, rows, ys, metas, snap: StoreSnapshot) -> FeatureSet:
        cols = self.feature_names(snap)
        X = pd.DataFrame(rows, columns=cols).astype(float) if rows else pd.DataFrame(columns=cols, dtype=float)
        return FeatureSet(X, pd.DataFrame(ys, columns=list(TARGETS)), pd.DataFrame(metas), list(snap.notes),
                          dict(snap.measures))

    def feature_names(self, snap: StoreSnapshot) -> list[str]:
        names = ["prev_overall_rank", "prev_outstanding", "prev_good", "prev_ri", "prev_inadequate", "no_prev",
                 *[f"prev_{j}_rank" for j in SUB_JUDGEMENTS],
                 "prev_worst_sub_rank", "prev_sub_gap", "prev_any_inadequate", "prev2_overall_rank",
                 "prev_grade_change", "n_prior_inadequate", "mean_prior_rank", "months_since_prev", "prev_was_sif",
                 "recent_national_inadequate", "recent_region_inadequate", "scheduled_reinspection",
                 "monitoring_visits_since", "focused_visits_since",
                 "scheduled_short", "framework_ilacs", "ilacs_2023"]
        for c in self.concepts:
            if c.name in snap.measures:
                names += [f"{c.name}_{s}" for s in STAT_SUFFIXES]
        names += [f"region_{r}" for r in self._regions(snap)]
        return names

    @staticmethod
    def _regions(snap: StoreSnapshot) -> list[str]:
        if not len(snap.las):
            return []
        vals = snap.las["ofsted_region"].fillna(snap.las["region_name"]).dropna().unique()
        return sorted(_slug(v) for v in vals)

    def _history(self, snap: StoreSnapshot) -> pd.DataFrame:
        h = snap.inspections[snap.inspections["framework"].isin(HISTORY_FRAMEWORKS)].copy()
        start, est, known = [], [], []
        for s, p in zip(h["start_date_day"], h["publication_date_day"]):
            if s is not None and not (isinstance(s, float) and math.isnan(s)):
                start.append(int(s))
                est.append(False)
            elif p is not None and not (isinstance(p, float) and math.isnan(p)):
                start.append(int(p) - self.sif_start_lag_days)
                est.append(True)
            else:
                start.append(None)
                est.append(True)
            if p is not None and not (isinstance(p, float) and math.isnan(p)):
                known.append(int(p))
            else:
                known.append(start[-1] + DEFAULT_PUBLICATION_LAG_DAYS if start[-1] is not None else None)
        h["start_day"], h["start_estimated"], h["known_day"] = start, est, known
        h = h[h["start_day"].notna()].copy()
        h["start_day"] = h["start_day"].astype(int)
        h["known_day"] = h["known_day"].astype(int)
        h["has_grades"] = [bool(snap.grades.get(i)) for i in h["inspection_id"]]
        h["overall"] = [_overall(snap.grades.get(i, {})) for i in h["inspection_id"]]
        region = _region_map(snap)
        h["region"] = [region.get(c) for c in h["la_code_old"]]
        return h.sort_values(["la_code_old", "start_day"]).reset_index(drop=True)

    def _row(self, snap: StoreSnapshot, index: _HistoryIndex, la: str, cutoff: int, *, scheduled: str | None,
             framework: str, exclude_id: str | None = None) -> dict[str, float]:
        cap = _day(self.as_of) if self.as_of else None
        known_cut = min(cutoff, cap) if cap is not None else cutoff
        f: dict[str, float] = {}
        prior = [t for t in index.by_la.get(la, ()) if t[1] < known_cut and t[2] != exclude_id]
        overall_hist = [(start, overall, fw) for start, _, _, fw, overall in prior if overall is not None]
        last_of = {t[0]: t[2] for t in prior}  # start day -> inspection id (the latest wins)
        nan = float("nan")
        if overall_hist:
            last_day, last_grade, last_fw = overall_hist[-1]
            g = snap.grades.get(last_of[last_day], {})
            f["prev_overall_rank"] = float(last_grade)
            for rank, key in ((1, "prev_outstanding"), (2, "prev_good"), (3, "prev_ri"), (4, "prev_inadequate")):
                f[key] = float(last_grade == rank)
            f["no_prev"] = 0.0
            subs = {j: _sub(g, j) for j in SUB_JUDGEMENTS}
            for j in SUB_JUDGEMENTS:
                f[f"prev_{j}_rank"] = float(subs[j]) if subs[j] is not None else nan
            present = [v for v in subs.values() if v is not None]
            f["prev_worst_sub_rank"] = float(max(present)) if present else nan
            f["prev_sub_gap"] = float(max(present) - last_grade) if present else nan
            f["prev_any_inadequate"] = float(max([last_grade, *present]) == 4)
            f["prev2_overall_rank"] = float(overall_hist[-2][1]) if len(overall_hist) > 1 else nan
            f["prev_grade_change"] = (float(last_grade - overall_hist[-2][1]) if len(overall_hist) > 1 else nan)
            f["months_since_prev"] = (cutoff - last_day) / 30.44
            f["prev_was_sif"] = float(last_fw == "SIF")
        else:
            for key in ("prev_overall_rank", *[f"prev_{j}_rank" for j in SUB_JUDGEMENTS], "prev_worst_sub_rank",
                        "prev_sub_gap", "prev_any_inadequate", "prev2_overall_rank", "prev_grade_change",
                        "months_since_prev", "prev_was_sif", "prev_outstanding", "prev_good", "prev_ri",
                        "prev_inadequate"):
                f[key] = nan
            f["no_prev"] = 1.0
            last_day = None
        f["n_prior_inadequate"] = float(sum(1 for t in overall_hist if t[1] == 4))
        f["mean_prior_rank"] = float(np.mean([t[1] for t in overall_hist])) if overall_hist else nan
        # The recent climate: share of graded SIF/ILACS inspections published in the last two years
        # (nationally) and three years (same region) that were inadequate overall.
        nat = (index.known < known_cut) & (index.known >= known_cut - 730)
        f["recent_national_inadequate"] = float(index.inadequate[nat].mean()) if nat.sum() >= 10 else nan
        region_of = _region_map(snap).get(la)
        reg = (index.known < known_cut) & (index.known >= known_cut - 1096) & (index.region == (region_of or "\0"))
        f["recent_region_inadequate"] = (float(index.inadequate[reg].mean())
                                         if region_of is not None and reg.sum() >= 5 else nan)
        f["scheduled_reinspection"] = float(scheduled == "reinspection") if scheduled else nan
        first = _day(self.visits_from) if self.visits_from else snap.visits_from
        if len(snap.visits) and first is not None and cutoff > first:
            # Counted from the last inspection or from the start of the visit record, whichever is later.
            since = max(last_day, first - 1) if last_day is not None else first - 1
            mine = [kind for vd, kd, kind in index.visits.get(la, ()) if kd < known_cut and vd > since]
            f["monitoring_visits_since"] = float(mine.count("monitoring"))
            f["focused_visits_since"] = float(mine.count("focused"))
        else:  # before the visit record starts: unknown, not zero
            f["monitoring_visits_since"] = f["focused_visits_since"] = nan
        f["scheduled_short"] = float(scheduled == "short") if scheduled in ("short", "standard") else (
            0.0 if framework == "SIF" else nan)
        f["framework_ilacs"] = float(framework.startswith("ILACS"))
        f["ilacs_2023"] = float(framework in ("ILACS-2023", "ILACS-2026"))
        model_cut = known_cut
        nbrs = _neighbours_at(snap, la, model_cut)
        for c in self.concepts:
            mid = snap.measures.get(c.name)
            if mid is None:
                continue
            f.update(_stat_features(snap, c.name, mid, la, known_cut, nbrs))
        reg = snap.las.loc[snap.las["la_code_old"] == la] if len(snap.las) else snap.las
        region = None
        if len(reg):
            r0 = reg.iloc[0]
            region = r0["ofsted_region"] if isinstance(r0["ofsted_region"], str) else r0["region_name"]
        for r in self._regions(snap):
            f[f"region_{r}"] = float(region is not None and _slug(region) == r) if region is not None else nan
        return f


def _region_map(snap: StoreSnapshot) -> dict[str, str]:
    """LA code → Ofsted region (ONS region where Ofsted's is missing); cached on the snapshot."""
    cached = getattr(snap, "_region_cache", None)
    if cached is None:
        cached = {}
        for code, o, r in zip(snap.las.get("la_code_old", []), snap.las.get("ofsted_region", []),
                              snap.las.get("region_name", [])):
            name = o if isinstance(o, str) else (r if isinstance(r, str) else None)
            if name is not None:
                cached[code] = name
        snap._region_cache = cached
    return cached


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")


def _overall(g: dict[str, int]) -> int | None:
    if "overall" in g:
        return g["overall"]
    slac = [g[k] for k in ("slac_safeguarding", "slac_looked_after") if k in g]
    return max(slac) if slac else None


def _sub(g: dict[str, int], judgement: str) -> int | None:
    if judgement in g:
        return g[judgement]
    if judgement == "help_and_protection" and "slac_safeguarding" in g:
        return g["slac_safeguarding"]
    if judgement == "children_in_care" and "slac_looked_after" in g:
        return g["slac_looked_after"]
    return None


def _neighbours_at(snap: StoreSnapshot, la: str, cutoff: int) -> list[str]:
    models = snap.neighbours.get(la, [])
    usable = [m for m in models if m[0] <= cutoff]
    if usable:
        return usable[-1][2]
    return models[0][2] if models else []  # before the first published model: the earliest one


def _stat_features(snap: StoreSnapshot, name: str, mid: str, la: str, cutoff: int,
                   nbrs: list[str]) -> dict[str, float]:
    nan = float("nan")
    out = {f"{name}_{s}": nan for s in STAT_SUFFIXES}
    s = snap.series.get((mid, la))
    if s is None:
        return out
    cur = s.known(cutoff)
    if cur is None:
        return out
    level, pe = cur
    out[f"{name}_level"] = level
    for years, suffix in ((1, "chg1"), (3, "chg3")):
        past = s.known(cutoff, pe - round(365.25 * years))
        if past is not None:
            out[f"{name}_{suffix}"] = level - past[0]
    vals = []
    for n in nbrs:
        ns = snap.series.get((mid, n))
        if ns is not None:
            v = ns.known(cutoff, pe)
            if v is not None:
                vals.append(v[0])
    if len(vals) >= 3:
        out[f"{name}_vs_nbr"] = level - float(np.mean(vals))
    eng = snap.series.get((mid, ENGLAND))
    if eng is not None and (e := eng.known(cutoff, pe)) is not None:
        out[f"{name}_vs_eng"] = level - e[0]
    return out


def describe_statistic(snap: StoreSnapshot, concept: Concept, la: str, cutoff: date) -> dict[str, Any] | None:
    """Words for an explanation: level, neighbours' average, and how many years it has risen or fallen."""
    mid = snap.measures.get(concept.name)
    s = snap.series.get((mid, la)) if mid else None
    cut = _day(cutoff)
    if s is None or s.known(cut) is None:
        return None
    level, pe = s.known(cut)
    nvals = [v[0] for n in _neighbours_at(snap, la, cut)
             if (ns := snap.series.get((mid, n))) is not None and (v := ns.known(cut, pe)) is not None]
    streak, prev = 0, level
    direction = 0
    for k in range(1, 6):
        past = s.known(cut, pe - round(365.25 * k))
        if past is None:
            break
        step = np.sign(prev - past[0])
        if step == 0 or (direction and step != direction):
            break
        direction = int(step)
        streak += 1
        prev = past[0]
    return {"level": level, "period_end": _date(pe), "neighbours": float(np.mean(nvals)) if len(nvals) >= 3 else None,
            "streak": streak * direction}
