"""Current risk scores for every LA as of any date, and one LA's explanation.

``score(store, as_of=D)`` trains the chosen model on every inspection whose outcome was published
before D, builds each current LA's features as they stood on D (as if inspected that day, with the
inspection type its last grade implies) and ranks the LAs. Only data published before D is used,
so a past date reproduces what the model would have said then. Results are plain JSON-able dicts
(the dashboard calls these functions).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from cscwatch.identity import resolve_la
from cscwatch.errors import NotFound
from cscwatch.risk.explain import contributions, reasons_for
from cscwatch.risk.features import GRADE_WORD, TARGETS, FeatureBuilder, StoreSnapshot, load_snapshot
from cscwatch.risk.models import GBMRisk
from cscwatch.store import Store

#: Probability bands, highest first: (lower bound, band). Base rate of "inadequate" is ~13%.
BANDS: tuple[tuple[float, str], ...] = ((0.35, "high"), (0.20, "raised"), (0.10, "medium"), (0.0, "low"))
#: The model behind scores and explanations (the best non-baseline model in the backtest).
SCORING_MODEL = GBMRisk
SCORING_MODEL_NAME = "lightgbm"


def band(p: float) -> str:
    for lo, name in BANDS:
        if p >= lo:
            return name
    return BANDS[-1][1]


@dataclass
class FittedScorer:
    as_of: date
    target: str
    model: Any
    current_X: pd.DataFrame
    current_meta: pd.DataFrame
    probabilities: np.ndarray
    contributions: pd.DataFrame
    snapshot: StoreSnapshot
    n_train: int
    n_positive: int
    las: pd.DataFrame


_CACHE: dict[tuple, FittedScorer] = {}


def _fingerprint(store: Store) -> tuple:
    parts = []
    for table, col in (("inspection", "publication_date"), ("observation", "period_end"), ("release", "published"),
                       ("judgement", None), ("visit", "visit_date"), ("la", None)):
        if store.has_table(table):
            parts.append(store.scalar(f"SELECT count(*) FROM {table}"))
            if col:
                parts.append(str(store.scalar(f"SELECT max({col}) FROM {table}")))
    return (str(store.path or id(store)), *parts)


def _as_date(as_of: date | str | None) -> date:
    if as_of is None:
        return date.today()
    return date.fromisoformat(as_of) if isinstance(as_of, str) else as_of


def fit_scorer(store: Store, as_of: date | str | None = None, target: str = "inadequate") -> FittedScorer:
    """Fit the scoring model on what was known at ``as_of`` and score every current LA (cached)."""
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    day = _as_date(as_of)
    key = (_fingerprint(store), day, target)
    if key in _CACHE:
        return _CACHE[key]
    builder = FeatureBuilder(as_of=day)
    snap = load_snapshot(store)
    train = builder.build(store, snap)
    X, y, meta = train.target(target)
    known = (pd.to_datetime(meta["published"]) < pd.Timestamp(day)).to_numpy()
    X, y = X[known], y[known]
    keep = X.columns[X.notna().any()]
    if len(np.unique(y)) < 2:
        raise ValueError(f"no outcomes of both kinds published before {day}: cannot fit a model")
    model = SCORING_MODEL().fit(X[keep], y)
    current = builder.build_current(store, snap)
    Xc = current.X[keep]
    p = model.predict_proba(Xc)[:, 1]
    contrib = contributions(model, Xc)
    las = snap.las.set_index("la_code_old") if len(snap.las) else pd.DataFrame()
    scorer = FittedScorer(day, target, model, Xc, current.meta, p, contrib, snap, int(len(y)), int(y.sum()), las)
    if len(_CACHE) > 16:
        _CACHE.clear()
    _CACHE[key] = scorer
    return scorer


def _la_info(scorer: FittedScorer, code: str) -> dict[str, Any]:
    info = {"la_code_old": code, "la_code_new": None, "la_name": code, "region": None}
    if len(scorer.las) and code in scorer.las.index:
        r = scorer.las.loc[code]
        info.update(la_code_new=r.get("la_code_new"), la_name=r.get("la_name"),
                    region=r.get("ofsted_region") if isinstance(r.get("ofsted_region"), str) else r.get("region_name"))
    return info


def _last_grade(row: pd.Series) -> str | None:
    v = row.get("prev_overall_rank")
    return GRADE_WORD.get(int(v)) if v is not None and not pd.isna(v) else None


def score(store: Store, as_of: date | str | None = None, *, target: str = "inadequate",
          top_reasons: int = 3) -> list[dict[str, Any]]:
    """Every current LA ranked by risk as of ``as_of`` (default today), with band and top reasons."""
    s = fit_scorer(store, as_of, target)
    order = np.argsort(-s.probabilities, kind="mergesort")
    out = []
    for rank, i in enumerate(order, start=1):
        code = s.current_meta.iloc[i]["la_code_old"]
        row = s.current_X.iloc[i]
        reasons = reasons_for(s.contributions.iloc[i], row, s.snapshot, code, s.as_of, top=top_reasons)
        p = float(s.probabilities[i])
        out.append({
            "rank": rank, **_la_info(s, code), "probability": round(p, 4), "band": band(p),
            "last_grade": _last_grade(row), "scheduled": s.current_meta.iloc[i]["inspection_type"],
            "reasons": [r["text"] for r in reasons["up"]], "reasons_down": [r["text"] for r in reasons["down"]],
            "as_of": s.as_of.isoformat(), "target": target, "model": SCORING_MODEL_NAME,
        })
    return out


def explain(store: Store, la: str, as_of: date | str | None = None, *, target: str = "inadequate",
            top: int = 5) -> dict[str, Any]:
    """One LA's risk with the factors pushing it up and down, and the figures behind them."""
    s = fit_scorer(store, as_of, target)
    codes = list(s.current_meta["la_code_old"])
    code = resolve_la(store, la)["la_code_old"]
    if code not in codes:
        raise NotFound(f"{la} ({code}) is not a current local authority on {s.as_of}: it has no score")
    i = codes.index(code)
    row = s.current_X.iloc[i]
    reasons = reasons_for(s.contributions.iloc[i], row, s.snapshot, code, s.as_of, top=top)
    p = float(s.probabilities[i])
    rank = int((s.probabilities > p).sum()) + 1
    return {
        **_la_info(s, code), "as_of": s.as_of.isoformat(), "target": target, "model": SCORING_MODEL_NAME,
        "probability": round(p, 4), "band": band(p), "rank": rank, "n_las": len(codes),
        "last_grade": _last_grade(row), "scheduled": s.current_meta.iloc[i]["inspection_type"],
        "pushing_up": reasons["up"], "pushing_down": reasons["down"],
        "features": {c: (None if pd.isna(v) else round(float(v), 4)) for c, v in row.items()},
        "trained_on": {"inspections": s.n_train, "positives": s.n_positive},
    }
