"""Features known on a day, for any (LA, day) pair, built from the store only.

Two kinds of rows share one builder, :func:`build_features` (keys: ``la_code_old``, ``cutoff``):

* **inspection rows**: one per graded full inspection (SIF, ILACS) whose first day of fieldwork is
  known; the cutoff is that day. SIF inspections whose start the register lacks are left out of the
  rows (their start is never estimated from their own report's publication date), but stay in
  every LA's history.
* **panel rows**: every LA in existence on each quarter-start date, cut at that date, with the
  12-month targets (:func:`panel_labels`).

Every value in a row was public before its cutoff:

* a statistic counts from its ``release.published`` date (the latest period published before the
  cutoff; a change or a neighbour's value only if that too was published);
* an inspection counts once its report was published, a visit once its letter was (visit date + 28
  days when the letter's date is unknown);
* statistical neighbours come from the DfE model in force at the cutoff (before the first one, the
  earliest, as a similarity model of LAs rather than a figure about them);
* the scheduling rules use only as much of a pause as had happened.

Statistics are read by their warehouse measure ids (:data:`INDICATORS`; see ``cscwatch measures``).
Missing values stay NaN, never zero: a count of visits before the visit record starts is unknown.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from cscwatch.risk.history import RegisterHistory
from cscwatch.risk.rules import (
    FULL_FRAMEWORKS,
    RuleSet,
    add_months,
    inspection_window,
    load_rules,
    next_windows,
    outcome_class,
)
from cscwatch.store import Store

log = logging.getLogger("cscwatch.risk")

GRADE_WORD = {1: "outstanding", 2: "good", 3: "requires improvement", 4: "inadequate"}
CLASS_RANK = {"outstanding": 1, "good": 2, "requires_improvement": 3, "inadequate": 4}
ENGLAND = "E92000001"
#: Inspection-level outcomes (P(... | inspected)); "inadequate" is the overall grade (to March 2026).
INSPECTION_TARGETS: tuple[str, ...] = ("any_inadequate", "inadequate", "help_protection", "leaders",
                                       "children_in_care", "decline")
#: Panel outcomes (LA x date): inspected within 3/6/12 months; any_inadequate within 12 months.
PANEL_TARGETS: tuple[str, ...] = ("inspected_3m", "inspected_6m", "inspected_12m", "inadequate_12m")
TARGETS: tuple[str, ...] = (*INSPECTION_TARGETS, *PANEL_TARGETS)
HORIZON_MONTHS = {"inspected_3m": 3, "inspected_6m": 6, "inspected_12m": 12, "inadequate_12m": 12}
#: Panel dates start here (training only before 2016; the backtest reports from 2016).
PANEL_START = date(2014, 1, 1)
#: Days after a panel window ends by which its label counts as public (a report follows its
#: inspection by 22-225 days, 90% within 80; positive rows wait for their report).
LABEL_LAG_DAYS = 120


@dataclass(frozen=True)
class Indicator:
    """A statistic the model reads: warehouse measure id(s), words for explanations, polarity."""

    name: str
    measure_ids: tuple[str, ...]
    label: str
    unit: str = "%"            # '%', 'per 10k', '£', '' (a plain number)
    polarity: str | None = "low"  # low = lower is better

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


#: The indicators (DOMAIN.md 2.3), by warehouse measure id; the feature prefix is ``name``.
INDICATORS: tuple[Indicator, ...] = (
    Indicator("cin_rereferral_pct", ("cin_rereferral_pct",), "re-referral rate"),
    Indicator("cin_assessment_45d_pct", ("cin_assessment_45d_pct",), "assessments within 45 working days",
              polarity="high"),
    Indicator("icpc_15days_pct", ("icpc_15days_pct",), "child protection conferences within 15 working days",
              polarity="high"),
    Indicator("cpp_subsequent_pct", ("cpp_subsequent_pct",), "repeat child protection plans"),
    Indicator("cpp_2yrs_plus_pct", ("cpp_2yrs_plus_pct",), "child protection plans lasting 2+ years"),
    Indicator("cin_rate_per_10k", ("cin_rate_per_10k",), "children in need rate", "per 10k", None),
    Indicator("cpp_rate_per_10k", ("cpp_rate_per_10k",), "child protection plan rate", "per 10k", None),
    Indicator("cla_rate_per_10k", ("cla_rate_per_10k",), "children in care rate", "per 10k", None),
    Indicator("referral_rate_per_10k", ("referral_rate_per_10k",), "referral rate", "per 10k", None),
    Indicator("s47_rate_per_10k", ("s47_rate_per_10k",), "section 47 enquiry rate", "per 10k", None),
    Indicator("referral_nfa_pct", ("referral_nfa_pct",), "referrals closed with no further action", polarity=None),
    Indicator("cla_3plus_placements_pct", ("cla_3plus_placements_pct",),
              "children in care with 3+ placements in the year"),
    Indicator("cla_long_term_stability_pct", ("cla_long_term_stability_pct",), "long-term placement stability",
              polarity="high"),
    Indicator("care_leavers_eet_pct", ("care_leavers_eet_pct",), "care leavers in education, employment or training",
              polarity="high"),
    Indicator("sw_agency_rate", ("sw_agency_rate",), "agency social worker rate"),
    Indicator("sw_vacancy_rate", ("sw_vacancy_rate",), "social worker vacancy rate"),
    Indicator("sw_turnover_rate", ("sw_turnover_rate",), "social worker turnover rate"),
    Indicator("sw_caseload", ("sw_caseload",), "caseload per social worker", ""),
    Indicator("sw_absence_rate", ("sw_absence_rate",), "social worker sickness absence"),
    Indicator("csc_spend_per_child_gbp", ("csc_spend_per_child_gbp",), "spend per child", "£", None),
    Indicator("fsm", ("lait_prifsm",), "primary pupils eligible for free school meals", polarity=None),
    Indicator("deprivation", ("imd_2025_avg_score", "imd_2019_avg_score"), "deprivation (IMD average score)", "",
              None),
)
INDICATOR_BY_NAME = {i.name: i for i in INDICATORS}
#: Per indicator: latest level, change over 1 year, gap to the statistical neighbours' average.
STAT_SUFFIXES: tuple[str, ...] = ("level", "chg1", "vs_nbr")

HISTORY_FEATURES: tuple[str, ...] = (
    "prev_outstanding", "prev_good", "prev_ri", "prev_inadequate", "no_prev", "prev_grade_rank",
    "prev_leaders_rank", "prev_hp_rank", "prev_cic_rank", "prev_worst_sub_rank", "prev_any_inadequate",
    "prev_era_sif", "prev_pre_sif", "n_prior_inadequate", "prev2_grade_rank", "grade_change", "inherited_last",
    "new_authority", "next_era_ilacs", "route_short", "route_after_inadequate", "inadequate_sif_route",
    "inadequate_ilacs_route", "months_since_prev", "months_since_prev_report",
)
VISIT_FEATURES: tuple[str, ...] = ("mv_12m", "fv_12m", "mv_since_prev", "fv_since_prev")
RULE_FEATURES: tuple[str, ...] = ("rules_p3", "rules_p6", "rules_p12", "months_to_usual", "months_past_latest",
                                  "window_open")
CONTEXT_FEATURES: tuple[str, ...] = ("nat_reports_3m", "nat_reports_12m", "recent_national_inadequate",
                                     "recent_region_inadequate")


def _day(value: Any) -> int | None:
    """Days since 1970-01-01 (None for missing)."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if not isinstance(value, date) or hasattr(value, "hour"):
        value = pd.Timestamp(value).date()
    return (value - date(1970, 1, 1)).days


def _date(day: int) -> date:
    return date(1970, 1, 1) + timedelta(days=int(day))


# --------------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------------
@dataclass
class Statistics:
    """Every indicator's published values: ``series[name]`` has columns la, pe (period end, day
    number), pub (publication day number), value; LAs and England."""

    series: dict[str, pd.DataFrame]
    neighbours: list[tuple[int, dict[str, list[str]]]]   # (usable-from day, LA -> neighbours), oldest first
    indicators: tuple[Indicator, ...]
    notes: list[str] = field(default_factory=list)

    @property
    def measures(self) -> dict[str, list[str]]:
        """Indicator name -> the measure ids found in the store."""
        return {i.name: sorted(self.series[i.name].attrs.get("ids", [])) for i in self.indicators
                if i.name in self.series}


def load_statistics(store: Store, indicators: Sequence[Indicator] = INDICATORS) -> Statistics:
    """Read each indicator's observations with their publication dates (by measure id)."""
    notes: list[str] = []
    series: dict[str, pd.DataFrame] = {}
    have = {"observation", "release", "measure"} <= {t for t in ("observation", "release", "measure")
                                                     if store.has_table(t)}
    if not have:
        notes.append("no warehouse tables: statistics features dropped")
    else:
        ids = sorted({m for i in indicators for m in i.measure_ids})
        known = {r[0] for r in store.con.execute("SELECT measure_id FROM measure").fetchall()}
        df = store.df(
            "SELECT o.measure_id, o.la, o.period_end, r.published, o.value FROM observation o "
            "JOIN release r ON r.source_id = o.source_id AND r.period = o.period "
            f"WHERE o.value IS NOT NULL AND o.measure_id IN ({', '.join('?' * len(ids))})", ids)
        df["pe"] = (pd.to_datetime(df["period_end"]) - pd.Timestamp("1970-01-01")).dt.days.astype("int64")
        df["pub"] = (pd.to_datetime(df["published"]) - pd.Timestamp("1970-01-01")).dt.days.astype("int64")
        by_id = {k: g for k, g in df.groupby("measure_id")}
        for ind in indicators:
            parts = [by_id[m] for m in ind.measure_ids if m in by_id]
            missing = [m for m in ind.measure_ids if m not in known]
            if not parts:
                notes.append(f"no published values for {ind.label} ({', '.join(ind.measure_ids)}): feature dropped")
                continue
            if missing and len(missing) == len(ind.measure_ids):
                continue
            s = pd.concat(parts)[["la", "pe", "pub", "value"]].sort_values(["la", "pub", "pe"]).reset_index(drop=True)
            s.attrs["ids"] = [m for m in ind.measure_ids if m in by_id]
            series[ind.name] = s
    neighbours: list[tuple[int, dict[str, list[str]]]] = []
    if store.has_table("stat_neighbour"):
        by: dict[str, dict[str, list[str]]] = {}
        for model, la, nbr in store.con.execute(
                "SELECT model, la_code_old, neighbour FROM stat_neighbour ORDER BY model, la_code_old, rank").fetchall():
            by.setdefault(str(model), {}).setdefault(la, []).append(nbr)
        for model, table in by.items():
            digits = "".join(ch for ch in model if ch.isdigit())[:4]
            # DfE publishes each set in the spring: usable from May of its year.
            neighbours.append((_day(date(int(digits or 2000), 5, 1)), table))
        neighbours.sort(key=lambda t: t[0])
    for n in notes:
        log.info("risk features: %s", n)
    return Statistics(series, neighbours, tuple(i for i in indicators if i.name in series), notes)


def _best_known(s: pd.DataFrame) -> pd.DataFrame:
    """Per LA, after each publication: the latest period public so far and its value."""
    s = s.sort_values(["la", "pub", "pe"], kind="mergesort").reset_index(drop=True)
    run = s.groupby("la")["pe"].cummax()
    new = s["pe"] >= run
    best = s[["la", "pub"]].copy()
    best["pe_best"] = s["pe"].where(new)
    best["level"] = s["value"].where(new)
    best[["pe_best", "level"]] = best.groupby("la")[["pe_best", "level"]].ffill()
    return best.drop_duplicates(["la", "pub"], keep="last")


def _value_at(s: pd.DataFrame, la: np.ndarray, pe: np.ndarray, cutoff: np.ndarray,
              tolerance: int = 62) -> np.ndarray:
    """Value of ``la`` for the period ending nearest ``pe`` (within ``tolerance`` days), if published
    before ``cutoff``; NaN otherwise."""
    out = np.full(len(la), np.nan)
    ok = ~np.isnan(pe)
    if not ok.any():
        return out
    q = pd.DataFrame({"la": la[ok], "pe": pe[ok].astype("int64"), "cut": cutoff[ok], "i": np.flatnonzero(ok)})
    q = q.sort_values("pe", kind="mergesort")
    ref = s[["la", "pe", "pub", "value"]].sort_values("pe", kind="mergesort")
    m = pd.merge_asof(q, ref, on="pe", by="la", direction="nearest", tolerance=tolerance)
    good = m["pub"].notna() & (m["pub"] < m["cut"])
    out[m.loc[good, "i"].to_numpy()] = m.loc[good, "value"].to_numpy()
    return out


def stat_features(keys: pd.DataFrame, stats: Statistics) -> pd.DataFrame:
    """Level, 1-year change and neighbour gap of each indicator for each (la_code_old, cut) key
    (``cut`` in day numbers): only figures published before the cutoff."""
    n = len(keys)
    out: dict[str, np.ndarray] = {}
    la = keys["la_code_old"].to_numpy(object)
    cut = keys["cut"].to_numpy("int64")
    # Each row's neighbour set: the model in force on its cutoff (the earliest before any).
    nbr_lists: list[list[str]] = []
    for code, c in zip(la, cut):
        usable = [t for d, t in stats.neighbours if d <= c] or [t for _, t in stats.neighbours[:1]]
        nbr_lists.append(usable[-1].get(code, []) if usable else [])
    rep = np.array([len(v) for v in nbr_lists])
    nbr_la = np.array([x for v in nbr_lists for x in v], dtype=object)
    nbr_row = np.repeat(np.arange(n), rep)
    for ind in stats.indicators:
        s = stats.series[ind.name]
        best = _best_known(s)
        q = pd.DataFrame({"la": la, "cut": cut, "i": np.arange(n)}).sort_values("cut", kind="mergesort")
        b = best.rename(columns={"pub": "cut"}).sort_values("cut", kind="mergesort")
        m = pd.merge_asof(q, b, on="cut", by="la", allow_exact_matches=False).sort_values("i")
        level = m["level"].to_numpy(float)
        pe = m["pe_best"].to_numpy(float)
        out[f"{ind.name}_level"] = level
        past = _value_at(s, la, pe - 365, cut)
        out[f"{ind.name}_chg1"] = level - past
        if len(nbr_row):
            vals = _value_at(s, nbr_la, pe[nbr_row], cut[nbr_row])
            ok = ~np.isnan(vals)
            total = np.bincount(nbr_row[ok], weights=vals[ok], minlength=n)
            count = np.bincount(nbr_row[ok], minlength=n)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = np.where(count >= 3, total / np.maximum(count, 1), np.nan)
            out[f"{ind.name}_vs_nbr"] = level - mean
        else:
            out[f"{ind.name}_vs_nbr"] = np.full(n, np.nan)
    return pd.DataFrame(out, index=keys.index)


# --------------------------------------------------------------------------------------------
# History, visits, rules, context
# --------------------------------------------------------------------------------------------
def _rank(judgements: dict[str, int], key: str) -> float:
    v = judgements.get(key)
    if v is None and key == "help_and_protection":
        v = judgements.get("slac_safeguarding")
    if v is None and key == "children_in_care":
        v = judgements.get("slac_looked_after")
    return float(v) if v is not None else math.nan


def grade_rank(framework: str | None, judgements: dict[str, int]) -> float:
    """The inspection's headline grade: overall; from April 2026 (no overall) the rules' outcome class."""
    cls = outcome_class(framework, judgements)
    if "overall" in judgements:
        return float(judgements["overall"])
    return float(CLASS_RANK[cls]) if cls else math.nan


def any_inadequate(judgements: dict[str, int]) -> float:
    """1 if leaders or help and protection were inadequate, 0 if either was graded, else NaN."""
    graded = [judgements[k] for k in ("leadership", "help_and_protection") if k in judgements]
    return float(max(graded) == 4) if graded else math.nan


class _Context:
    """National and regional climate from the register: arrays for fast per-cutoff lookups."""

    def __init__(self, history: RegisterHistory):
        full = [(e.known_from, any_inadequate(dict(e.judgements)), e.la_code_old)
                for evs in history.own_events().values() for e in evs if e.is_full_inspection]
        full.sort(key=lambda t: t[0])
        self.known = np.array([_day(t[0]) for t in full], dtype="int64")
        self.inad = np.array([t[1] for t in full], dtype=float)
        region = dict(zip(history.las["la_code_old"], history.las["ofsted_region"].fillna(history.las["region_name"])))
        self.region = np.array([str(region.get(t[2]) or "") for t in full], dtype=object)
        self.region_of = {k: (str(v) if isinstance(v, str) else "") for k, v in region.items()}

    def national(self, cut: int) -> tuple[float, float, float]:
        lo3, lo12, lo24, hi = np.searchsorted(self.known, [cut - 91, cut - 365, cut - 730, cut])
        recent = self.inad[lo24:hi]
        recent = recent[~np.isnan(recent)]
        return float(hi - lo3), float(hi - lo12), float(recent.mean()) if len(recent) >= 10 else math.nan

    def regional(self, la: str, cut: int) -> float:
        region = self.region_of.get(la, "")
        if not region:
            return math.nan
        lo, hi = np.searchsorted(self.known, [cut - 1096, cut])
        sel = self.inad[lo:hi][(self.region[lo:hi] == region) & ~np.isnan(self.inad[lo:hi])]
        return float(sel.mean()) if len(sel) >= 5 else math.nan


def _history_row(events: list, cutoff: date, history: RegisterHistory, created: date | None,
                 rules: RuleSet, ctx: _Context, la: str) -> dict[str, float]:
    nan = math.nan
    known = [e for e in events if e.known_from < cutoff]
    graded = [e for e in known if e.is_graded]
    f: dict[str, float] = {}
    last = graded[-1] if graded else None
    cls = outcome_class(last.framework, dict(last.judgements)) if last else None
    for key, c in (("prev_outstanding", "outstanding"), ("prev_good", "good"), ("prev_ri", "requires_improvement"),
                   ("prev_inadequate", "inadequate")):
        f[key] = float(cls == c) if last else nan
    f["no_prev"] = float(last is None)
    framework = rules.framework_on(cutoff) or ""
    f["next_era_ilacs"] = float(framework.startswith("ILACS"))
    if last is not None:
        j = dict(last.judgements)
        f["prev_grade_rank"] = grade_rank(last.framework, j)
        subs = [_rank(j, k) for k in ("leadership", "help_and_protection", "children_in_care")]
        f["prev_leaders_rank"], f["prev_hp_rank"], f["prev_cic_rank"] = subs
        present = [v for v in subs if not math.isnan(v)]
        f["prev_worst_sub_rank"] = max(present) if present else nan
        f["prev_any_inadequate"] = any_inadequate(j) if last.framework in FULL_FRAMEWORKS else float(cls == "inadequate")
        f["prev_era_sif"] = float(last.framework == "SIF")
        f["prev_pre_sif"] = float(last.framework not in FULL_FRAMEWORKS)
        ranks = [grade_rank(e.framework, dict(e.judgements)) for e in graded]
        f["n_prior_inadequate"] = float(sum(1 for r in ranks if r == 4))
        f["prev2_grade_rank"] = ranks[-2] if len(ranks) > 1 else nan
        f["grade_change"] = ranks[-1] - ranks[-2] if len(ranks) > 1 else nan
        f["inherited_last"] = float(last.inherited_from is not None)
        f["months_since_prev"] = (cutoff - last.day).days / 30.4375
        f["months_since_prev_report"] = (cutoff - last.known_from).days / 30.4375
    else:
        for k in ("prev_grade_rank", "prev_leaders_rank", "prev_hp_rank", "prev_cic_rank", "prev_worst_sub_rank",
                  "prev_any_inadequate", "prev_era_sif", "prev_pre_sif", "prev2_grade_rank", "grade_change",
                  "inherited_last", "months_since_prev", "months_since_prev_report"):
            f[k] = nan
        f["n_prior_inadequate"] = 0.0
    own_full = [e for e in graded if e.framework in FULL_FRAMEWORKS and e.inherited_from is None]
    f["new_authority"] = float(created is not None and created < cutoff and not own_full)
    windows = next_windows(known, cutoff, rules=rules, created=created, all_known=True)
    main = inspection_window(windows)
    f["route_short"] = float(main.event == "short") if main else nan
    f["route_after_inadequate"] = float(main.after == "inadequate") if main else nan
    f["inadequate_sif_route"] = float(cls == "inadequate" and framework == "SIF") if last else nan
    f["inadequate_ilacs_route"] = float(cls == "inadequate" and framework.startswith("ILACS")) if last else nan
    if main is not None:
        f["rules_p3"], f["rules_p6"], f["rules_p12"] = (main.probability(cutoff, m) for m in (3, 6, 12))
        f["months_to_usual"] = (main.usual - cutoff).days / 30.4375
        f["months_past_latest"] = max(0.0, (cutoff - main.latest).days / 30.4375)
        f["window_open"] = float(main.status(cutoff) != "not_yet")
    else:
        for k in RULE_FEATURES:
            f[k] = nan
    # Visits: counted only where the record covers the whole period asked about.
    visits = [e for e in known if e.kind in ("monitoring_visit", "focused_visit")]
    day_before = cutoff - timedelta(days=1)
    if history.visits_cover(cutoff - timedelta(days=365), day_before, cutoff):
        year_ago = cutoff - timedelta(days=365)
        f["mv_12m"] = float(sum(1 for e in visits if e.kind == "monitoring_visit" and e.day >= year_ago))
        f["fv_12m"] = float(sum(1 for e in visits if e.kind == "focused_visit" and e.day >= year_ago))
    else:
        f["mv_12m"] = f["fv_12m"] = nan
    if last is not None and history.visits_cover(last.day, day_before, cutoff):
        f["mv_since_prev"] = float(sum(1 for e in visits if e.kind == "monitoring_visit" and e.day > last.day))
        f["fv_since_prev"] = float(sum(1 for e in visits if e.kind == "focused_visit" and e.day > last.day))
    else:
        f["mv_since_prev"] = f["fv_since_prev"] = nan
    cut = _day(cutoff)
    f["nat_reports_3m"], f["nat_reports_12m"], f["recent_national_inadequate"] = ctx.national(cut)
    f["recent_region_inadequate"] = ctx.regional(la, cut)
    return f


# --------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------
@dataclass
class FeatureSet:
    """Rows of features (X), targets (y: NaN where undefined) and identifiers (meta)."""

    X: pd.DataFrame
    y: pd.DataFrame
    meta: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    measures: dict[str, list[str]] = field(default_factory=dict)

    def target(self, name: str) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
        """Rows where ``name`` is defined: X, y (0/1 ints), meta."""
        if name not in self.y.columns:
            raise ValueError(f"unknown target {name!r}; choose one of {', '.join(self.y.columns)}")
        keep = self.y[name].notna().to_numpy()
        return (self.X[keep].reset_index(drop=True), self.y[name][keep].astype(int).to_numpy(),
                self.meta[keep].reset_index(drop=True))

    def subset(self, mask: np.ndarray) -> FeatureSet:
        return FeatureSet(self.X[mask].reset_index(drop=True), self.y[mask].reset_index(drop=True),
                          self.meta[mask].reset_index(drop=True), self.notes, self.measures)


def feature_columns(stats: Statistics) -> list[str]:
    cols = [*HISTORY_FEATURES, *VISIT_FEATURES, *RULE_FEATURES, *CONTEXT_FEATURES]
    for ind in stats.indicators:
        cols += [f"{ind.name}_{s}" for s in STAT_SUFFIXES]
    return cols


def build_features(keys: pd.DataFrame, history: RegisterHistory, stats: Statistics, *,
                   rules: RuleSet | None = None) -> pd.DataFrame:
    """Features for each (``la_code_old``, ``cutoff``) row of ``keys``, known before the cutoff."""
    rules = rules or load_rules()
    ctx = _Context(history)
    created = history.created()
    cutoffs = [c if isinstance(c, date) and not hasattr(c, "hour") else pd.Timestamp(c).date()
               for c in keys["cutoff"]]
    uniq = pd.DataFrame({"la_code_old": keys["la_code_old"].to_numpy(object), "cutoff": cutoffs}).drop_duplicates()
    hist_rows = [_history_row(history.events.get(la, []), c, history, created.get(la), rules, ctx, la)
                 for la, c in zip(uniq["la_code_old"], uniq["cutoff"])]
    H = pd.DataFrame(hist_rows, index=uniq.index)
    uniq = uniq.assign(cut=[_day(c) for c in uniq["cutoff"]])
    S = stat_features(uniq, stats)
    U = pd.concat([uniq[["la_code_old", "cutoff"]], H, S], axis=1)
    key = pd.DataFrame({"la_code_old": keys["la_code_old"].to_numpy(object), "cutoff": cutoffs})
    X = key.merge(U, on=["la_code_old", "cutoff"], how="left")
    return X[feature_columns(stats)].astype(float).reset_index(drop=True)


def inspection_rows(history: RegisterHistory, *, estimate_sif_starts: int | None = None) -> pd.DataFrame:
    """One row per graded full inspection with a known start (the outcome model's data set).

    ``estimate_sif_starts``: for the record only (the model card's "what the fix changed"), give
    inspections without a start one of publication minus this many days, the old leaky way.
    """
    rows = []
    for la, evs in history.own_events().items():
        for e in evs:
            if not e.is_full_inspection:
                continue
            start, estimated = e.start, False
            if start is None:
                if estimate_sif_starts is None or e.published is None:
                    continue
                start, estimated = e.published - timedelta(days=estimate_sif_starts), True
            j = dict(e.judgements)
            rows.append({"inspection_id": e.event_id, "la_code_old": la, "framework": e.framework,
                         "inspection_type": e.inspection_type, "cutoff": start, "start_date": start,
                         "start_estimated": estimated, "published": e.known_from, "year": start.year,
                         "grade": grade_rank(e.framework, j), "judgements": j})
    return pd.DataFrame(rows).sort_values(["cutoff", "la_code_old"]).reset_index(drop=True) if rows else \
        pd.DataFrame(columns=["inspection_id", "la_code_old", "framework", "inspection_type", "cutoff", "start_date",
                              "start_estimated", "published", "year", "grade", "judgements"])


def inspection_targets(meta: pd.DataFrame, X: pd.DataFrame) -> pd.DataFrame:
    """The inspection-level outcomes (NaN where a judgement was not made)."""
    out = {t: [] for t in INSPECTION_TARGETS}
    for j, grade, prev in zip(meta["judgements"], meta["grade"], X["prev_grade_rank"]):
        out["any_inadequate"].append(any_inadequate(j))
        out["inadequate"].append(float(j["overall"] == 4) if "overall" in j else math.nan)
        out["help_protection"].append(float(j["help_and_protection"] == 4) if "help_and_protection" in j else math.nan)
        out["leaders"].append(float(j["leadership"] == 4) if "leadership" in j else math.nan)
        out["children_in_care"].append(float(j["children_in_care"] == 4) if "children_in_care" in j else math.nan)
        out["decline"].append(float(j["overall"] > prev) if "overall" in j and not math.isnan(prev) else math.nan)
    return pd.DataFrame(out)


def quarter_starts(first: date, last: date) -> list[date]:
    """1 January, 1 April, 1 July and 1 October from ``first`` to ``last`` inclusive."""
    out, d = [], date(first.year, ((first.month - 1) // 3) * 3 + 1, 1)
    if d < first:
        d = add_quarter(d)
    while d <= last:
        out.append(d)
        d = add_quarter(d)
    return out


def add_quarter(d: date) -> date:
    return date(d.year + (d.month + 2) // 12, (d.month + 2) % 12 + 1, 1)


def panel_keys(history: RegisterHistory, dates: Sequence[date]) -> pd.DataFrame:
    """Every LA in existence on each date (no shared services)."""
    rows = [(la, d) for d in dates for la in history.existing_on(d)]
    return pd.DataFrame(rows, columns=["la_code_old", "cutoff"])


def _month_end(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def panel_labels(keys: pd.DataFrame, history: RegisterHistory) -> tuple[pd.DataFrame, pd.Series]:
    """The panel targets and the day each row's labels became public.

    A row's label is known only if its whole window lies within what the register covers (up to the
    end of the month of its latest inspection) and the LA existed throughout. An inspection whose
    start the register lacks is bracketed by publication minus 59 to 225 days; where that bracket
    straddles a window's edge the label is unknown (NaN), never guessed.
    """
    end = _month_end(history.coverage_end) if history.coverage_end else None
    valid_to = {code: (pd.Timestamp(v).date() if v is not None and not pd.isna(v) else None)
                for code, v in zip(history.las["la_code_old"], history.las["valid_to"])}
    own = history.own_events()
    full = {la: [e for e in evs if e.is_full_inspection] for la, evs in own.items()}
    labels: dict[str, list[float]] = {t: [] for t in PANEL_TARGETS}
    known_on = []
    for la, d in zip(keys["la_code_old"], keys["cutoff"]):
        d = d if type(d) is date else pd.Timestamp(d).date()
        events = full.get(la, [])
        latest_pub = None
        for t in PANEL_TARGETS:
            stop = add_months(d, HORIZON_MONTHS[t])
            if end is None or stop > end + timedelta(days=1) or (valid_to.get(la) and stop > valid_to[la]):
                labels[t].append(math.nan)
                continue
            certain, unsure = [], []
            for e in events:
                lo, hi = (e.start, e.start) if e.start else (e.published - timedelta(days=225),
                                                            e.published - timedelta(days=59))
                if d <= lo and hi < stop:
                    certain.append(e)
                elif hi >= d and lo < stop:
                    unsure.append(e)
            if t == "inadequate_12m":
                pos = [e for e in certain if any_inadequate(dict(e.judgements)) == 1]
                maybe = [e for e in unsure if any_inadequate(dict(e.judgements)) == 1]
                labels[t].append(1.0 if pos else math.nan if maybe else 0.0)
            else:
                labels[t].append(1.0 if certain else math.nan if unsure else 0.0)
            for e in certain:
                latest_pub = max(latest_pub or e.known_from, e.known_from)
        stop12 = add_months(d, 12)
        known = stop12 + timedelta(days=LABEL_LAG_DAYS)
        known_on.append(max(known, latest_pub) if latest_pub else known)
    return pd.DataFrame(labels, index=keys.index), pd.Series(known_on, index=keys.index)


# --------------------------------------------------------------------------------------------
# The whole data set, once
# --------------------------------------------------------------------------------------------
@dataclass
class RiskData:
    """Everything the backtests and scores need, built once from a store."""

    history: RegisterHistory
    stats: Statistics
    inspections: FeatureSet           # outcome rows (cutoff = start of fieldwork)
    panel: FeatureSet                 # LA x quarter rows (cutoff = the quarter's first day)
    rules: RuleSet
    notes: list[str] = field(default_factory=list)


def build_inspection_set(history: RegisterHistory, stats: Statistics, rules: RuleSet, *,
                         estimate_sif_starts: int | None = None) -> FeatureSet:
    meta = inspection_rows(history, estimate_sif_starts=estimate_sif_starts)
    X = build_features(meta, history, stats, rules=rules) if len(meta) else \
        pd.DataFrame(columns=feature_columns(stats), dtype=float)
    y = inspection_targets(meta, X) if len(meta) else pd.DataFrame(columns=list(INSPECTION_TARGETS), dtype=float)
    return FeatureSet(X, y, meta.drop(columns=["judgements"]), list(stats.notes), stats.measures)


def build_panel_set(history: RegisterHistory, stats: Statistics, rules: RuleSet, *,
                    start: date = PANEL_START, end: date | None = None) -> FeatureSet:
    last = end or (history.coverage_end or date.today())
    keys = panel_keys(history, quarter_starts(start, last))
    X = build_features(keys, history, stats, rules=rules)
    y, known = panel_labels(keys, history)
    meta = keys.assign(start_date=keys["cutoff"], published=known.to_numpy(),
                       year=[d.year for d in keys["cutoff"]])
    return FeatureSet(X, y, meta, list(stats.notes), stats.measures)


def load_risk_data(store: Store, *, panel_end: date | None = None) -> RiskData:
    """Read the store once and build the inspection rows and the panel."""
    from cscwatch.risk.history import load_history

    history = load_history(store)
    stats = load_statistics(store)
    rules = load_rules()
    return RiskData(history, stats, build_inspection_set(history, stats, rules),
                    build_panel_set(history, stats, rules, end=panel_end), rules, list(stats.notes))


def current_rows(data: RiskData, as_of: date) -> FeatureSet:
    """One row per LA in existence on ``as_of``, with its features as they stood that day."""
    keys = panel_keys(data.history, [as_of])
    X = build_features(keys, data.history, data.stats, rules=data.rules)
    y = pd.DataFrame({t: np.nan for t in TARGETS}, index=keys.index)
    return FeatureSet(X, y, keys.assign(start_date=as_of, published=None, year=as_of.year), list(data.notes),
                      data.stats.measures)
