"""Per-LA reasons: which inputs push a score up or down, in words an analyst understands.

Contributions come from the outcome model itself (logistic: coefficient x standardised value;
LightGBM: TreeSHAP through ``pred_contrib``), on the log-odds scale. Columns are grouped into what
an analyst thinks in (an indicator with its level, change and neighbour gap; the previous
inspection; the pathway; visits) and each group is described from the data as it stood on the day.
"""
from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from cscwatch.risk.features import GRADE_WORD, INDICATOR_BY_NAME, STAT_SUFFIXES, Indicator, RiskData, _best_known, _day

JUDGEMENT_WORDS = {"prev_leaders_rank": "leaders", "prev_hp_rank": "help and protection",
                   "prev_cic_rank": "children in care"}


def feature_group(column: str) -> str:
    """The family a feature column belongs to (what an explanation talks about)."""
    for suffix in STAT_SUFFIXES:
        if column.endswith("_" + suffix) and column[: -len(suffix) - 1] in INDICATOR_BY_NAME:
            return column[: -len(suffix) - 1]
    if column in ("inadequate_sif_route", "inadequate_ilacs_route", "route_short", "route_after_inadequate",
                  "next_era_ilacs", "prev_era_sif", "prev_pre_sif"):
        return "pathway"
    if column.startswith("prev") or column in ("no_prev", "n_prior_inadequate", "grade_change", "inherited_last",
                                               "new_authority"):
        return "previous_inspection"
    if column.startswith("months_since"):
        return "time_since"
    if column.startswith(("mv_", "fv_")):
        return "visits"
    if column.startswith("recent_"):
        return "climate"
    return "timing"


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def period_label(period_end: date) -> str:
    """'2023-24' for a year ending 31 March (CIN, CLA, spend), else the month: 'Sep 2024' (workforce)."""
    if period_end.month == 3 and period_end.day == 31:
        return f"{period_end.year - 1}-{str(period_end.year)[2:]}"
    return period_end.strftime("%b %Y")


def describe_statistic(data: RiskData, ind: Indicator, la: str, as_of: date) -> dict[str, Any] | None:
    """Level, period, neighbours' average and the run of rises/falls, as published before ``as_of``."""
    s = data.stats.series.get(ind.name)
    if s is None:
        return None
    cut = _day(as_of)
    mine = s[(s["la"] == la) & (s["pub"] < cut)]
    if not len(mine):
        return None
    best = _best_known(mine).iloc[-1]
    pe = int(best["pe_best"])
    level = float(best["level"])
    by_period = dict(zip(mine["pe"], mine["value"]))
    streak, direction, prev = 0, 0, level
    for k in range(1, 6):
        past = next((v for p, v in by_period.items() if abs(p - (pe - round(365.25 * k))) <= 62), None)
        if past is None:
            break
        step = int(np.sign(prev - past))
        if step == 0 or (direction and step != direction):
            break
        direction, streak, prev = step, streak + 1, past
    return {"level": level, "period_end": date(1970, 1, 1) + pd.Timedelta(days=pe), "streak": streak * direction}


def describe_group(group: str, row: pd.Series, data: RiskData, la: str, as_of: date) -> str:
    """One plain-English phrase for a feature group, from the values the model saw."""
    ind = INDICATOR_BY_NAME.get(group)
    if ind is not None:
        d = describe_statistic(data, ind, la, as_of)
        if d is None:
            return f"{ind.label}: no published figure"
        text = f"{ind.label} {ind.format(d['level'])} ({period_label(d['period_end'])})"
        gap = _num(row.get(f"{ind.name}_vs_nbr"))
        if gap is not None:
            text += f", neighbours {ind.format(d['level'] - gap)}"
        s = d["streak"]
        if abs(s) >= 2:
            text += f", {'rising' if s > 0 else 'falling'} {abs(s)} years running"
        elif abs(s) == 1:
            text += f", {'up' if s > 0 else 'down'} on the year before"
        return text
    if group == "previous_inspection":
        rank = _num(row.get("prev_grade_rank"))
        if rank is None:
            return "no previous graded inspection on record"
        parts = [f"last judged {GRADE_WORD[int(rank)]}"]
        weak = [w for k, w in JUDGEMENT_WORDS.items() if (_num(row.get(k)) or 0) >= 3 and (_num(row.get(k)) or 0) > rank]
        if weak:
            parts.append(f"weaker on {', '.join(weak)}")
        n = int(_num(row.get("n_prior_inadequate")) or 0)
        if n >= 1 and rank < 4:
            parts.append(f"inadequate {n} time{'s' if n > 1 else ''} before")
        prev2 = _num(row.get("prev2_grade_rank"))
        if prev2 is not None and prev2 != rank:
            parts.append(f"{'down' if rank > prev2 else 'up'} from {GRADE_WORD[int(prev2)]}")
        if _num(row.get("inherited_last")) == 1.0:
            parts.append("(a predecessor authority's inspection)")
        return "; ".join(parts)
    if group == "pathway":
        if _num(row.get("inadequate_ilacs_route")) == 1.0:
            return "judged inadequate last time: re-inspected after monitoring (rarely inadequate again under ILACS)"
        if _num(row.get("inadequate_sif_route")) == 1.0:
            return "judged inadequate last time: SIF re-inspection"
        short = _num(row.get("route_short"))
        return {1.0: "next inspection short (last grade good or better)",
                0.0: "next inspection standard"}.get(short, "inspection route not known")
    if group == "time_since":
        m = _num(row.get("months_since_prev"))
        return f"{m:.0f} months since the last inspection" if m is not None else "no previous inspection"
    if group == "visits":
        mv, fv = _num(row.get("mv_12m")), _num(row.get("fv_12m"))
        if mv is None and fv is None:
            return "visits in the last year: not on record for this period"
        return f"{int(mv or 0)} monitoring and {int(fv or 0)} focused visits in the last 12 months"
    if group == "climate":
        nat = _num(row.get("recent_national_inadequate"))
        return (f"{nat:.0%} of inspections judged inadequate nationally in the last two years"
                if nat is not None else "recent national outcomes")
    return "inspection timing"


def reasons_for(contrib: pd.Series, row: pd.Series, data: RiskData, la: str, as_of: date,
                top: int = 3) -> dict[str, list[dict[str, Any]]]:
    """Top groups pushing the score up and down, with their summed log-odds contribution."""
    by_group: dict[str, float] = {}
    for col, v in contrib.items():
        if v == 0 or (isinstance(v, float) and math.isnan(v)):
            continue
        g = feature_group(str(col))
        by_group[g] = by_group.get(g, 0.0) + float(v)
    items = sorted(by_group.items(), key=lambda kv: -abs(kv[1]))
    up = [(g, v) for g, v in items if v > 0][:top]
    down = [(g, v) for g, v in items if v < 0][:top]

    def render(pairs):
        return [{"factor": g, "contribution": round(v, 3), "text": describe_group(g, row, data, la, as_of)}
                for g, v in pairs]

    return {"up": render(up), "down": render(down)}


def contributions(model, X: pd.DataFrame) -> pd.DataFrame:
    """The model's per-column log-odds contributions (zeros when the model cannot say)."""
    if hasattr(model, "contributions"):
        return model.contributions(X)
    return pd.DataFrame(np.zeros(X.shape), columns=X.columns)
