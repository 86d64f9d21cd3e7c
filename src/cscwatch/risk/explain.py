"""Per-LA reasons: which features push a score up or down, in words an analyst understands.

Contributions come from the model itself (LightGBM TreeSHAP through ``pred_contrib``, logistic
coefficient × standardised value), on the log-odds scale. Feature columns are grouped into the
things an analyst thinks in (an indicator with its level, trend and neighbour gap; the previous
inspection; visits since), and each group is described from the data as it stood on the day.
"""
from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from cscwatch.risk.features import (
    CONCEPT_BY_NAME,
    GRADE_WORD,
    STAT_SUFFIXES,
    SUB_JUDGEMENTS,
    StoreSnapshot,
    describe_statistic,
)

JUDGEMENT_WORDS = {
    "help_and_protection": "help and protection",
    "children_in_care": "children in care",
    "care_leavers": "care leavers",
    "leadership": "leadership",
}


def feature_group(column: str) -> str:
    """The family a feature column belongs to (what an explanation talks about)."""
    for suffix in STAT_SUFFIXES:
        if column.endswith("_" + suffix) and column[: -len(suffix) - 1] in CONCEPT_BY_NAME:
            return column[: -len(suffix) - 1]
    if column.startswith("prev") or column in ("no_prev", "n_prior_inadequate"):
        return "previous_inspection"
    if column == "months_since_prev":
        return "time_since"
    if column.endswith("visits_since"):
        return "visits"
    if column.startswith("region_"):
        return "region"
    if column == "scheduled_short":
        return "scheduled"
    return "timing"  # framework, year


def _num(v: Any) -> float | None:
    if v is None:
        return None
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


def describe_group(group: str, row: pd.Series, snap: StoreSnapshot, la: str, as_of: date) -> str:
    """One plain-English phrase for a feature group, from the values the model saw."""
    concept = CONCEPT_BY_NAME.get(group)
    if concept is not None:
        d = describe_statistic(snap, concept, la, as_of)
        if d is None:
            return f"{concept.label}: no published figure"
        text = f"{concept.label} {concept.format(d['level'])} ({period_label(d['period_end'])})"
        if d["neighbours"] is not None:
            text += f", neighbours {concept.format(d['neighbours'])}"
        s = d["streak"]
        if abs(s) >= 2:
            text += f", {'rising' if s > 0 else 'falling'} {abs(s)} years running"
        elif abs(s) == 1:
            text += f", {'up' if s > 0 else 'down'} on the year before"
        return text
    if group == "previous_inspection":
        rank = _num(row.get("prev_overall_rank"))
        if rank is None:
            return "no previous graded inspection on record"
        parts = [f"last judged {GRADE_WORD[int(rank)]} overall"]
        weak = [JUDGEMENT_WORDS[j] for j in SUB_JUDGEMENTS
                if (_num(row.get(f"prev_{j}_rank")) or 0) >= 3 and (_num(row.get(f"prev_{j}_rank")) or 0) > rank]
        if weak:
            parts.append(f"weaker on {', '.join(weak)}")
        if (_num(row.get("n_prior_inadequate")) or 0) >= 1 and rank < 4:
            n = int(row["n_prior_inadequate"])
            parts.append(f"inadequate {n} time{'s' if n > 1 else ''} before")
        prev2 = _num(row.get("prev2_overall_rank"))
        if prev2 is not None and prev2 != rank:
            parts.append(f"{'down' if rank > prev2 else 'up'} from {GRADE_WORD[int(prev2)]}")
        return "; ".join(parts)
    if group == "time_since":
        m = _num(row.get("months_since_prev"))
        return f"{m:.0f} months since the last inspection" if m is not None else "no previous inspection"
    if group == "visits":
        mv, fv = _num(row.get("monitoring_visits_since")), _num(row.get("focused_visits_since"))
        if mv is None and fv is None:
            return "visits since the last inspection: not recorded for this period"
        return f"{int(mv or 0)} monitoring and {int(fv or 0)} focused visits since the last inspection"
    if group == "scheduled":
        v = _num(row.get("scheduled_short"))
        return {1.0: "a short inspection (last grade good or better)",
                0.0: "a standard inspection"}.get(v, "inspection type not known")
    if group == "region":
        hot = [c.removeprefix("region_").replace("_", " ") for c, v in row.items()
               if c.startswith("region_") and _num(v) == 1.0]
        return f"region: {hot[0].title()}" if hot else "region not known"
    return "framework and year of inspection"


def reasons_for(contrib: pd.Series, row: pd.Series, snap: StoreSnapshot, la: str, as_of: date,
                top: int = 3) -> dict[str, list[dict[str, Any]]]:
    """Top groups pushing the score up and down, with their summed log-odds contribution."""
    by_group: dict[str, float] = {}
    for col, v in contrib.items():
        if v == 0 or (isinstance(v, float) and math.isnan(v)):
            continue
        g = feature_group(col)
        by_group[g] = by_group.get(g, 0.0) + float(v)
    items = sorted(by_group.items(), key=lambda kv: -abs(kv[1]))
    up = [(g, v) for g, v in items if v > 0][:top]
    down = [(g, v) for g, v in items if v < 0][:top]

    def render(pairs):
        return [{"factor": g, "contribution": round(v, 3), "text": describe_group(g, row, snap, la, as_of)}
                for g, v in pairs]

    return {"up": render(up), "down": render(down)}


def contributions(model, X: pd.DataFrame) -> pd.DataFrame:
    """The model's per-feature log-odds contributions (zeros when the model cannot say)."""
    if hasattr(model, "contributions"):
        return model.contributions(X)
    return pd.DataFrame(np.zeros(X.shape), columns=X.columns)
