"""The early warning for every LA as of any date: fit on what was public then, score, explain.

``early_warning(store, as_of=D)`` fits the production models (:data:`lineup.PRODUCTION`) on
everything public before D (panel rows whose 12-month window had closed and been reported;
inspections whose report was out) and scores each LA in existence on D:

* P(a graded inspection starts within 3, 6 and 12 months), from the timing model, and the rules'
  window for the next inspection;
* P(judged inadequate | inspected) from the outcome model ("inadequate" = leaders or help and
  protection inadequate, the label that survives April 2026);
* P(judged inadequate within 12 months) = the two multiplied;
* a band (for an LA judged inadequate: its status under monitoring instead, never "low risk"),
  and the top reasons.

Only data published before D is used, so a past date reproduces what the model would have said.
``score`` and ``explain`` are the CLI's twins; results are plain JSON-able dicts.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from cscwatch.errors import CscwatchError, NotFound
from cscwatch.identity import resolve_la
from cscwatch.risk.backtest import DEFAULT_TARGET, MIN_TRAIN, SEEDS, TARGETS
from cscwatch.risk.explain import contributions, reasons_for
from cscwatch.risk.features import (
    GRADE_WORD,
    INSPECTION_TARGETS,
    RiskData,
    any_inadequate,
    current_rows,
    grade_rank,
    load_risk_data,
)
from cscwatch.risk.history import RegisterHistory
from cscwatch.risk.lineup import PRODUCTION, inspection_lineup, timing_lineup
from cscwatch.risk.models import fresh, has_seed
from cscwatch.risk.rules import inspection_window, last_full_inspection, next_windows, outcome_class
from cscwatch.store import Store

#: Bands for P(judged inadequate within 12 months), highest first: the share of LA-quarters in the
#: backtest each band holds (top 10% high, next 20% raised, next 30% medium, the rest low). The
#: probability cut points and each band's observed rate come from the backtest (publish.py).
BAND_SHARES: tuple[tuple[str, float], ...] = (("high", 0.10), ("raised", 0.20), ("medium", 0.30), ("low", 0.40))
#: Cut points used when no backtest has been published into the store (``risk_band``; from the
#: backtest of the bundled data, November 2026; see docs/model-card.md).
DEFAULT_BAND_CUTS: dict[str, float] = {"high": 0.110, "raised": 0.044, "medium": 0.005}
INADEQUATE_BAND = "inadequate"
PROBABILITY_OF = {"any_inadequate": "p_inadequate_if_inspected", "inadequate_12m": "p_inadequate_12m",
                  "inspected_3m": "p_inspected_3m", "inspected_6m": "p_inspected_6m",
                  "inspected_12m": "p_inspected_12m"}


class DateOutsideData(CscwatchError):
    """A date the model cannot score: no (or too few) outcomes were public before it."""


def published_cuts(store: Store) -> dict[str, float] | None:
    """The band cut points of the latest published backtest (``risk_band``), if any."""
    if not store.has_table("risk_band"):
        return None
    rows = store.rows("SELECT band, lower FROM risk_band")
    cuts = {r["band"]: r["lower"] for r in rows}
    return cuts if {"high", "raised", "medium"} <= set(cuts) else None


def band(p: float, cuts: dict[str, float] | None = None) -> str:
    cuts = cuts or DEFAULT_BAND_CUTS
    for name in ("high", "raised", "medium"):
        if p >= cuts[name]:
            return name
    return "low"


def _as_date(as_of: date | str | None) -> date | None:
    if as_of is None:
        return None
    return date.fromisoformat(as_of) if isinstance(as_of, str) else as_of


def default_as_of(history: RegisterHistory, today: date | None = None) -> date:
    """The date scores default to: the day after the inspection register is complete to (the end of
    the month of its latest inspection), or today if earlier. Scoring later would count every
    inspection the register does not hold yet as one that has not happened."""
    today = today or date.today()
    end = history.coverage_end
    if end is None:
        return today
    first_of_next = (end.replace(day=28) + pd.Timedelta(days=4)).replace(day=1)
    return min(today, first_of_next)


def earliest_date(data: RiskData) -> date:
    """The first date the model can be fitted on: enough panel windows closed and reported, and
    enough inspection outcomes published (:data:`backtest.MIN_TRAIN`)."""
    out = []
    for fs, target, kind in ((data.panel, "inspected_12m", "panel"), (data.inspections, "any_inadequate", "inspection")):
        y = fs.y[target].to_numpy(float)
        pub = pd.to_datetime(pd.Series(fs.meta["published"])).to_numpy()
        ok = ~np.isnan(y)
        order = np.argsort(pub[ok], kind="mergesort")
        pubs, ys = pub[ok][order], y[ok][order]
        lo, pos = MIN_TRAIN[kind]
        enough = np.flatnonzero((np.arange(1, len(ys) + 1) >= lo) & (np.cumsum(ys) >= pos) & (np.cumsum(1 - ys) >= 1))
        if not len(enough):
            raise DateOutsideData("the store holds too few inspection outcomes to fit the risk model; "
                                  "run `cscwatch build` with the bundled data")
        out.append(pd.Timestamp(pubs[enough[0]]).date() + pd.Timedelta(days=1))
    return max(out)


@dataclass
class FittedEarlyWarning:
    """The production models fitted as of a date, and every LA's scores that day."""

    as_of: date
    data: RiskData
    current: pd.DataFrame              # features of each LA on as_of
    codes: list[str]
    p: dict[str, np.ndarray]           # p_inspected_3m/6m/12m, p_inadequate_if_inspected, p_inadequate_12m
    outcome_model: Any
    contributions: pd.DataFrame
    trained_on: dict[str, int]
    extra: dict[str, np.ndarray] = field(default_factory=dict)   # other inspection targets, on demand


_CACHE: dict[tuple, FittedEarlyWarning] = {}
_DATA: dict[tuple, RiskData] = {}


def _data(store: Store, key: tuple) -> RiskData:
    """The store's risk data set, built once per store state in this process."""
    if key not in _DATA:
        if len(_DATA) > 2:
            _DATA.clear()
        _DATA[key] = load_risk_data(store)
    return _DATA[key]


def _fingerprint(store: Store) -> tuple:
    parts: list[Any] = [str(store.path or id(store))]
    for table, col in (("inspection", "publication_date"), ("judgement", None), ("visit", "visit_date"),
                       ("observation", "period_end"), ("release", "published"), ("la", None)):
        if store.has_table(table):
            parts.append(store.scalar(f"SELECT count(*) FROM {table}"))
            if col:
                parts.append(str(store.scalar(f"SELECT max({col}) FROM {table}")))
    return tuple(parts)


def _fit_seeds(estimator, X: pd.DataFrame, y: np.ndarray, X_new: pd.DataFrame) -> tuple[np.ndarray, Any]:
    """Fit with each seed (when seeds matter) and average; returns the mean and the seed-0 model."""
    seeds = SEEDS if has_seed(estimator) else SEEDS[:1]
    preds, first = [], None
    for s in seeds:
        m = fresh(estimator, random_state=s) if has_seed(estimator) else fresh(estimator)
        m.fit(X, y)
        first = first or m
        preds.append(m.predict_proba(X_new)[:, 1])
    return np.mean(preds, axis=0), first


def _training(fs, target: str, as_of: date) -> tuple[pd.DataFrame, np.ndarray]:
    y = fs.y[target].to_numpy(float)
    pub = pd.to_datetime(pd.Series(fs.meta["published"])).to_numpy()
    keep = ~np.isnan(y) & (pub < np.datetime64(as_of, "ns"))
    return fs.X[keep], y[keep].astype(int)


def fit_early_warning(store: Store, as_of: date | str | None = None, *, data: RiskData | None = None
                      ) -> FittedEarlyWarning:
    """Fit the production models on what was public before ``as_of`` (default: :func:`default_as_of`)
    and score every LA (cached per store and date)."""
    day = _as_date(as_of)
    fingerprint = _fingerprint(store)
    key = (fingerprint, day)
    if key in _CACHE and data is None:
        return _CACHE[key]
    data = data or _data(store, fingerprint)
    day = day or default_as_of(data.history)
    first = earliest_date(data)
    if day < first:
        raise DateOutsideData(f"{day.isoformat()} is before the data: the risk model needs inspection outcomes "
                              f"published before the date it scores; the earliest date it can score is "
                              f"{first.isoformat()}")
    columns = [c for c in data.panel.X.columns if data.panel.X[c].notna().any() and data.inspections.X[c].notna().any()]
    cur = current_rows(data, day)
    Xc = cur.X[columns]
    p: dict[str, np.ndarray] = {}
    trained: dict[str, int] = {}
    for h in (3, 6, 12):
        spec = {s.name: s for s in timing_lineup(h)}[PRODUCTION["timing"]]
        X, y = _training(data.panel, f"inspected_{h}m", day)
        p[f"p_inspected_{h}m"], _ = _fit_seeds(spec.estimator, X[columns], y, Xc)
        trained[f"panel_rows_{h}m"] = int(len(y))
    # A longer horizon can never be less likely than a shorter one.
    p["p_inspected_6m"] = np.maximum(p["p_inspected_6m"], p["p_inspected_3m"])
    p["p_inspected_12m"] = np.maximum(p["p_inspected_12m"], p["p_inspected_6m"])
    spec = {s.name: s for s in inspection_lineup(columns)}[PRODUCTION["outcome"]]
    X, y = _training(data.inspections, "any_inadequate", day)
    p["p_inadequate_if_inspected"], model = _fit_seeds(spec.estimator, X[columns], y, Xc)
    trained.update(inspections=int(len(y)), inadequate=int(y.sum()))
    p["p_inadequate_12m"] = p["p_inspected_12m"] * p["p_inadequate_if_inspected"]
    fitted = FittedEarlyWarning(day, data, Xc.reset_index(drop=True), list(cur.meta["la_code_old"]), p, model,
                                contributions(model, Xc).reset_index(drop=True), trained)
    if len(_CACHE) > 8:
        _CACHE.clear()
    _CACHE[key] = fitted
    return fitted


def probability_for(fitted: FittedEarlyWarning, target: str) -> np.ndarray:
    """The probability ``target`` ranks by (other inspection outcomes are fitted on demand)."""
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    if target in PROBABILITY_OF:
        return fitted.p[PROBABILITY_OF[target]]
    if target not in fitted.extra:
        spec = {s.name: s for s in inspection_lineup(list(fitted.current.columns))}[PRODUCTION["outcome"]]
        X, y = _training(fitted.data.inspections, target, fitted.as_of)
        fitted.extra[target], _ = _fit_seeds(spec.estimator, X[fitted.current.columns], y, fitted.current)
    return fitted.extra[target]


# --------------------------------------------------------------------------------------------
# Status, windows, reasons: one LA
# --------------------------------------------------------------------------------------------
def la_status(data: RiskData, code: str, as_of: date) -> dict[str, Any]:
    """Where the LA stands on ``as_of``: its last inspection, visits since, the next window, and
    (for an LA judged inadequate) that it is under monitoring."""
    events = data.history.events.get(code, [])
    created = data.history.created().get(code)
    last = last_full_inspection(events, as_of)
    windows = next_windows(events, as_of, rules=data.rules, created=created)
    main = inspection_window(windows)
    cls = outcome_class(last.framework, dict(last.judgements)) if last else None
    inadequate = bool(last is not None and (any_inadequate(dict(last.judgements)) == 1 or cls == "inadequate"))
    covered = last is not None and data.history.visits_cover(last.day, as_of - pd.Timedelta(days=1), as_of)
    known = [e for e in events if e.known_on(as_of)]

    def since(kind: str) -> int | None:
        if not covered:
            return None
        return sum(1 for e in known if e.kind == kind and e.day > last.day)  # type: ignore[union-attr]

    mv, fv = since("monitoring_visit"), since("focused_visit")
    window = None
    if main is not None:
        window = {"event": main.event, "earliest": main.earliest.isoformat(), "usual": main.usual.isoformat(),
                  "latest": main.latest.isoformat(), "status": main.status(as_of), "rule_id": main.rule_id,
                  "certainty": main.certainty, "framework": main.framework}
    last_d = None
    if last is not None:
        g = grade_rank(last.framework, dict(last.judgements))
        last_d = {"date": last.day.isoformat(), "start_known": last.start is not None,
                  "published": last.published.isoformat() if last.published else None,
                  "framework": last.framework, "type": last.inspection_type,
                  "grade": GRADE_WORD.get(int(g)) if not math.isnan(g) else None,
                  "inadequate": inadequate, "from_predecessor": last.inherited_from}
    if inadequate:
        visits = (f"{mv} monitoring visit{'s' if mv != 1 else ''} on record since" if mv is not None
                  else "monitoring visits since then are not all on record (the visit record covers "
                       f"{data.history.visits_from} to {data.history.visits_until})")
        when = (f"; re-inspection expected {window['earliest']} to {window['latest']}" if window else "")
        label = f"Judged inadequate ({last_d['date'][:4]}): under monitoring; {visits}{when}"  # type: ignore[index]
        kind = "inadequate_monitoring"
    elif last is None:
        kind, label = "not_inspected", "No graded inspection on record"
    elif created is not None and last.inherited_from is not None:
        kind, label = "new_authority", (f"New authority since {created.isoformat()}: awaiting its first inspection; "
                                        f"history inherited from its predecessors")
    else:
        kind = "graded"
        label = f"Last judged {last_d['grade']} ({last_d['date'][:7]})"  # type: ignore[index]
    return {"kind": kind, "label": label, "judged_inadequate": inadequate, "last_inspection": last_d,
            "monitoring_visits_since": mv, "focused_visits_since": fv, "next_inspection_window": window,
            "windows": [w.to_dict() for w in windows]}


def _timing_reason(status: dict[str, Any], p12: float) -> str:
    w = status["next_inspection_window"]
    last = status["last_inspection"]
    if w is None:
        return "no scheduling rule applies"
    since = f"last inspected {last['date'][:7]}; " if last else ""
    when = {"not_yet": "due from", "open": "due now: window", "overdue": "overdue since the window closed on"}[w["status"]]
    span = f"{w['earliest']} to {w['latest']}" if w["status"] != "overdue" else w["latest"]
    return f"{since}{w['event']} inspection {when} {span}; {p12:.0%} chance it starts within 12 months"


def la_scores(fitted: FittedEarlyWarning, i: int, *, cuts: dict[str, float] | None = None,
              top: int = 3) -> dict[str, Any]:
    """Everything about one scored LA (row ``i``): probabilities, window, status, band, reasons."""
    code = fitted.codes[i]
    data = fitted.data
    row = fitted.current.iloc[i]
    st = la_status(data, code, fitted.as_of)
    reasons = reasons_for(fitted.contributions.iloc[i], row, data, code, fitted.as_of, top=top)
    probs = {k: round(float(v[i]), 4) for k, v in fitted.p.items()}
    b = INADEQUATE_BAND if st["judged_inadequate"] else band(probs["p_inadequate_12m"], cuts)
    las = data.history.las.set_index("la_code_old")
    info = las.loc[code] if code in las.index else None
    region = None
    if info is not None:
        region = info["ofsted_region"] if isinstance(info["ofsted_region"], str) else info["region_name"]
    return {
        "la_code_old": code, "la_code_new": None if info is None else info["la_code_new"],
        "la_name": code if info is None else info["la_name"], "region": region,
        **probs, "band": b, "status": st,
        "window": st["next_inspection_window"],
        "reasons": [_timing_reason(st, probs["p_inspected_12m"])] + [r["text"] for r in reasons["up"]],
        "reasons_down": [r["text"] for r in reasons["down"]],
        "pushing_up": reasons["up"], "pushing_down": reasons["down"],
    }


def score(store: Store, as_of: date | str | None = None, *, target: str = DEFAULT_TARGET,
          top_reasons: int = 3, cuts: dict[str, float] | None = None) -> list[dict[str, Any]]:
    """Every LA in existence on ``as_of`` (default :func:`default_as_of`), ranked by ``target``'s probability."""
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    fitted = fit_early_warning(store, as_of)
    prob = probability_for(fitted, target)
    order = np.argsort(-prob, kind="mergesort")
    cuts = cuts or published_cuts(store)
    out = []
    for rank, i in enumerate(order, start=1):
        r = la_scores(fitted, int(i), cuts=cuts, top=top_reasons)
        last = r["status"]["last_inspection"]
        out.append({"rank": rank, **{k: r[k] for k in ("la_code_old", "la_code_new", "la_name", "region")},
                    "probability": round(float(prob[i]), 4), **{k: v for k, v in r.items() if k.startswith("p_")},
                    "band": r["band"], "status": r["status"]["label"],
                    "last_grade": last["grade"] if last else None,
                    "scheduled": r["window"]["event"] if r["window"] else None,
                    "window_earliest": r["window"]["earliest"] if r["window"] else None,
                    "window_latest": r["window"]["latest"] if r["window"] else None,
                    "reasons": r["reasons"], "reasons_down": r["reasons_down"],
                    "as_of": fitted.as_of.isoformat(), "target": target, "model": PRODUCTION["early_warning"]})
    return out


def explain(store: Store, la: str, as_of: date | str | None = None, *, target: str = DEFAULT_TARGET,
            top: int = 5) -> dict[str, Any]:
    """One LA's early warning with the factors pushing it up and down and the figures behind them.

    The LA is resolved before anything is fitted, so an unknown name fails at once.
    """
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    day = _as_date(as_of)
    code = resolve_la(store, la, on=day)["la_code_old"]
    fitted = fit_early_warning(store, day)
    day = fitted.as_of
    if code not in fitted.codes:
        raise NotFound(f"{la} ({code}) is not a local authority on {day.isoformat()}: it has no score")
    i = fitted.codes.index(code)
    prob = probability_for(fitted, target)
    r = la_scores(fitted, i, top=top, cuts=published_cuts(store))
    last = r["status"]["last_inspection"]
    return {
        **{k: r[k] for k in ("la_code_old", "la_code_new", "la_name", "region")},
        "as_of": day.isoformat(), "target": target, "model": PRODUCTION["early_warning"],
        "probability": round(float(prob[i]), 4), "band": r["band"],
        "rank": int((prob > prob[i]).sum()) + 1, "n_las": len(fitted.codes),
        **{k: v for k, v in r.items() if k.startswith("p_")},
        "status": r["status"], "window": r["window"], "reasons": r["reasons"],
        "last_grade": last["grade"] if last else None, "scheduled": r["window"]["event"] if r["window"] else None,
        "pushing_up": r["pushing_up"], "pushing_down": r["pushing_down"],
        "features": {c: (None if pd.isna(v) else round(float(v), 4)) for c, v in fitted.current.iloc[i].items()},
        "trained_on": fitted.trained_on,
    }


__all__ = ["DateOutsideData", "FittedEarlyWarning", "band", "earliest_date", "explain", "fit_early_warning",
           "la_scores", "la_status", "score", "INSPECTION_TARGETS"]
