"""Which models and baselines each target is evaluated with, and the columns each may read.

Everything here was fixed before any backtest of the rebuilt model was run (see the model card's
"Researcher degrees of freedom"): the small logistic models' columns come from the literature on
what inadequate LAs have in common (DOMAIN.md 2.1-2.3: the previous inspection, workforce churn,
caseloads, re-referrals, repeat plans, timeliness), not from the data.
"""
from __future__ import annotations

from dataclasses import dataclass

from sklearn.base import BaseEstimator

from cscwatch.risk.features import CONTEXT_FEATURES, HISTORY_FEATURES, RULE_FEATURES, VISIT_FEATURES
from cscwatch.risk.models import ColumnProbability, GBMRisk, LogisticRisk, RateTableBaseline

#: The calendar: what Ofsted's schedule and the LA's last events say (nothing about practice).
TIMING_COLUMNS: tuple[str, ...] = (
    "prev_outstanding", "prev_good", "prev_ri", "prev_inadequate", "no_prev", "prev_era_sif", "prev_pre_sif",
    "inherited_last", "new_authority", "next_era_ilacs", "route_short", "route_after_inadequate",
    "months_since_prev", "months_since_prev_report", *VISIT_FEATURES, *RULE_FEATURES,
    "nat_reports_3m", "nat_reports_12m",
)
#: The timing model may only raise its probability as time passes without an inspection.
TIMING_MONOTONE: dict[str, int] = {
    "months_since_prev": 1, "months_since_prev_report": 1, "rules_p3": 1, "rules_p6": 1, "rules_p12": 1,
    "months_to_usual": -1, "months_past_latest": 1, "window_open": 1,
}
#: Small pre-specified timing model: the rules' probability, time since, overdue, route, national pace.
TIMING_SMALL: tuple[str, ...] = ("months_since_prev", "months_past_latest", "prev_inadequate", "route_short",
                                 "new_authority", "nat_reports_3m")
#: The outcome model's inputs: the previous inspection and pathway, visits, climate, statistics.
OUTCOME_HISTORY: tuple[str, ...] = tuple(c for c in (*HISTORY_FEATURES, *VISIT_FEATURES, *CONTEXT_FEATURES)
                                         if c not in ("nat_reports_3m", "nat_reports_12m",
                                                      "months_since_prev_report"))
#: Small pre-specified outcome model (DOMAIN.md 2.1-2.3).
OUTCOME_SMALL: tuple[str, ...] = (
    "prev_outstanding", "prev_good", "prev_inadequate", "no_prev", "prev_worst_sub_rank", "n_prior_inadequate",
    "inadequate_ilacs_route", "recent_national_inadequate", "cin_rereferral_pct_vs_nbr",
    "cin_assessment_45d_pct_vs_nbr", "cpp_subsequent_pct_vs_nbr", "sw_agency_rate_level", "sw_turnover_rate_level",
    "sw_vacancy_rate_level", "sw_caseload_level", "fsm_level",
)
#: The pathway: previous grade x framework of the previous inspection x framework (and so route) next.
PATHWAY: tuple[str, ...] = ("prev_grade_rank", "prev_era_sif", "next_era_ilacs")


def outcome_columns(all_columns: list[str]) -> list[str]:
    """History/pathway columns plus every indicator's level, 1-year change and neighbour gap."""
    stats = [c for c in all_columns if c.endswith(("_level", "_chg1", "_vs_nbr"))]
    return [c for c in OUTCOME_HISTORY if c in all_columns] + stats


@dataclass
class ModelSpec:
    """A named model in a backtest. ``product``: for the 12-month target, the timing model's
    P(inspected) times this outcome model's P(inadequate | inspected) (``None``: fitted directly)."""

    name: str
    estimator: BaseEstimator | None
    baseline: bool
    description: str
    product: str | None = None        # 'outcome' (fit on inspections) or 'constant' (training rate)
    timing: str = "timing_gbm"        # which timing model a product multiplies


def inspection_lineup(columns: list[str]) -> list[ModelSpec]:
    """P(judged inadequate | inspected), cut at the first day of fieldwork."""
    return [
        ModelSpec("previous_grade", RateTableBaseline(("prev_grade_rank",)), True,
                  "The historical rate for LAs with the same previous grade (smoothed)."),
        ModelSpec("pathway", RateTableBaseline(PATHWAY), True,
                  "The historical rate for the same pathway: previous grade x framework of that inspection x "
                  "framework now (so SIF inadequate -> SIF re-inspection differs from ILACS inadequate -> "
                  "re-inspection after monitoring)."),
        ModelSpec("deprivation", LogisticRisk(columns=("fsm_level", "deprivation_level"), calibration="sigmoid"), True,
                  "Deprivation alone (free school meals share; IMD where published), logistic."),
        ModelSpec("logistic", LogisticRisk(columns=OUTCOME_SMALL, calibration="sigmoid"), False,
                  "Small pre-specified logistic regression (L2, C = 0.1, Platt-calibrated on inner folds) on "
                  "the pathway and 9 indicators named in the literature."),
        ModelSpec("lightgbm", GBMRisk(columns=outcome_columns(columns), calibration=None), False,
                  "LightGBM (depth 2, 150 trees, heavily regularised; no calibration step) on the pathway, "
                  "visits, the recent national and regional climate and every indicator's level, 1-year "
                  "change and gap to statistical neighbours."),
    ]


def timing_lineup(horizon: int) -> list[ModelSpec]:
    """P(a graded inspection starts within ``horizon`` months of the date)."""
    p = f"rules_p{horizon}"
    return [
        ModelSpec("rules_calendar", ColumnProbability((p,)), True,
                  f"The rules calendar alone: the share of the rules' window (triangular, earliest-usual-"
                  f"latest) falling in the next {horizon} months, given no inspection yet; 1 once overdue."),
        ModelSpec("timing_only", LogisticRisk(columns=("months_since_prev",)), True,
                  "Months since the last inspection alone (logistic)."),
        ModelSpec("timing_logistic", LogisticRisk(columns=(p, *TIMING_SMALL)), False,
                  "Small logistic regression on the rules' probability, months since the last inspection, "
                  "months overdue, route, new authority and the national pace of reports."),
        ModelSpec("timing_gbm", GBMRisk(columns=TIMING_COLUMNS, monotone=TIMING_MONOTONE, n_estimators=100,
                                        learning_rate=0.05, calibration=None),
                  False,
                  "LightGBM on the calendar (rules' windows, time since the last inspection and report, "
                  "route, visits, national pace), monotone: risk only rises with time since the last "
                  "inspection."),
    ]


def early_warning_lineup(columns: list[str]) -> list[ModelSpec]:
    """P(judged inadequate at an inspection starting within 12 months of the date)."""
    outcome = {m.name: m for m in inspection_lineup(columns)}
    direct_cols = list(dict.fromkeys([*TIMING_COLUMNS, *outcome_columns(columns)]))
    return [
        ModelSpec("rules_calendar", None, True,
                  "The rules calendar's P(inspected within 12 months) x the training rate of inadequate "
                  "at inspection.", product="constant", timing="rules_calendar"),
        ModelSpec("timing_only", None, True,
                  "The timing model's P(inspected within 12 months) x the training rate of inadequate at "
                  "inspection: what the calendar alone knows.", product="constant"),
        ModelSpec("previous_grade", outcome["previous_grade"].estimator, True,
                  "Timing x the rate for LAs with the same previous grade.", product="outcome"),
        ModelSpec("pathway", outcome["pathway"].estimator, True,
                  "Timing x the pathway rate (previous grade x framework then x framework now).",
                  product="outcome"),
        ModelSpec("timing_x_logistic", outcome["logistic"].estimator, False,
                  "Timing x the small pre-specified outcome logistic regression.", product="outcome"),
        ModelSpec("timing_x_lightgbm", outcome["lightgbm"].estimator, False,
                  "Timing x the LightGBM outcome model (the model the dashboard uses).", product="outcome"),
        ModelSpec("direct_lightgbm", GBMRisk(columns=direct_cols, monotone=TIMING_MONOTONE, n_estimators=100,
                                             learning_rate=0.05, calibration=None),
                  False,
                  "LightGBM fitted directly on the LA x quarter panel for 'inadequate within 12 months' "
                  "(calendar and outcome inputs together; uncalibrated)."),
    ]


#: The model the dashboard and `risk scores` use for each part of the early warning.
#: (Registered before the first backtest; recorded in the model card with the detour taken.)
PRODUCTION = {"timing": "timing_gbm", "outcome": "lightgbm", "early_warning": "timing_x_lightgbm"}
