"""Fit, score and write the early warning into the store, so pages only ever read tables.

``publish_scores(store)`` (called by ``cscwatch build``) fits the production models on everything
public before the date, scores every LA, runs the 12-month backtest of the production model
against the calendar alone (for the bands and the one-sentence accuracy), and replaces the
``risk_*`` tables in one transaction. Re-running it on the same store and date writes the same
rows.

**Bands** are defined from the backtest, not by hand: the production model's pooled predictions
for every LA-quarter in the backtest are cut at the shares in :data:`scores.BAND_SHARES` (riskiest
10% high, next 20% raised, next 30% medium, the rest low); each band's observed rate (the share
of those LA-quarters judged inadequate within 12 months) is stored beside its cut points. An LA
judged inadequate at its last inspection is never banded by probability: its band is
``inadequate`` and its status says it is under monitoring.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import numpy as np

from cscwatch.risk.backtest import Backtester, BacktestResult
from cscwatch.risk.features import load_risk_data
from cscwatch.risk.lineup import PRODUCTION
from cscwatch.risk.scores import BAND_SHARES, fit_early_warning, la_scores
from cscwatch.store import Store

MODEL_CARD = "docs/model-card.md"
RUN_ID = 1
METRICS = ("auc", "auc_within_year", "average_precision", "brier", "top10_recall", "top20_recall")


def band_table(result: BacktestResult, model: str = PRODUCTION["early_warning"]) -> list[dict[str, Any]]:
    """Cut points and observed rates of each band, from a backtest's pooled predictions."""
    p = result.predictions[model].to_numpy(float)
    y = result.predictions["y"].to_numpy(float)
    order = np.sort(p)[::-1]
    out, upper, taken = [], None, 0.0
    for name, share in BAND_SHARES:
        taken += share
        lower = 0.0 if name == BAND_SHARES[-1][0] else float(order[min(len(order) - 1, int(np.ceil(taken * len(order))) - 1)])
        m = (p >= lower) & ((p < upper) if upper is not None else True)
        out.append({"band": name, "lower": lower, "upper": upper, "share": float(m.mean()) if len(m) else 0.0,
                    "n_rows": int(m.sum()), "observed_rate": float(y[m].mean()) if m.any() else None,
                    "mean_predicted": float(p[m].mean()) if m.any() else None})
        upper = lower
    return out


def accuracy_sentence(result: BacktestResult, model: str = PRODUCTION["early_warning"],
                      baseline: str = "timing_only") -> str:
    """The backtest's accuracy in one plain sentence."""
    m = result.model(model).metrics
    ci = result.model(model).intervals.get("auc", [None, None])
    years = f"{result.years[0]}–{result.years[-1]}" if result.years else "no years"
    base = ""
    try:
        b = result.model(baseline).metrics
        base = f", against {b['top20_recall']:.0%} for inspection timing alone"
    except KeyError:
        pass
    interval = f" (95% interval {ci[0]:.2f}–{ci[1]:.2f})" if ci and ci[0] is not None else ""
    return (f"Tested on {years} as if each quarter were today, using only what was public then: "
            f"{m['top20_recall']:.0%} of the local authorities judged inadequate within 12 months were "
            f"in the fifth the model ranked riskiest{base}; AUC {m['auc']:.2f}{interval}, where 0.5 is chance "
            f"and 1 is perfect.")


def publish_scores(store: Store, as_of: date | str | None = None, *, n_boot: int = 200,
                   progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Fit and score as of ``as_of`` (default: the day after the inspection register is complete to;
    see :func:`scores.default_as_of`) and write the ``risk_*`` tables; returns a summary."""
    say = progress or (lambda msg: None)
    say("risk: reading the register and the warehouse")
    data = load_risk_data(store)
    say("risk: fitting the timing and outcome models")
    fitted = fit_early_warning(store, as_of, data=data)
    say("risk: backtest of the 12-month early warning (for the bands and the accuracy)")
    names = [PRODUCTION["early_warning"], "timing_only"]
    result = Backtester(data).run("inadequate_12m", n_boot=n_boot, models=names)
    bands = band_table(result)
    cuts = {b["band"]: b["lower"] for b in bands}
    rows = [la_scores(fitted, i, cuts=cuts) for i in range(len(fitted.codes))]
    rows.sort(key=lambda r: -r["p_inadequate_12m"])
    sentence = accuracy_sentence(result)
    say("risk: writing the scores")
    with store.transaction() as con:
        for table in ("risk_metric", "risk_band", "risk_reason", "risk_score", "risk_run"):
            con.execute(f"DELETE FROM {table}")
        con.execute("INSERT INTO risk_run VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            RUN_ID, fitted.as_of, datetime.now().replace(microsecond=0), PRODUCTION["early_warning"], len(rows),
            fitted.trained_on.get("inspections"), fitted.trained_on.get("panel_rows_12m"),
            f"{result.years[0]}-{result.years[-1]}" if result.years else None, sentence, MODEL_CARD])
        con.executemany("INSERT INTO risk_score VALUES (" + ", ".join("?" * 27) + ")",
                        [_score_row(rank, r) for rank, r in enumerate(rows, start=1)])
        con.executemany("INSERT INTO risk_reason VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [x for r in rows for x in _reason_rows(r)])
        con.executemany("INSERT INTO risk_band VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [[RUN_ID, b["band"], b["lower"], b["upper"], b["share"], b["n_rows"], b["observed_rate"],
                          b["mean_predicted"]] for b in bands])
        con.executemany("INSERT INTO risk_metric VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
            [RUN_ID, result.target, m.name, m.baseline, k, m.metrics.get(k), *(m.intervals.get(k) or [None, None])]
            for m in result.models for k in METRICS])
    say(f"risk: {len(rows)} local authorities scored as of {fitted.as_of.isoformat()}")
    return {"as_of": fitted.as_of.isoformat(), "n_las": len(rows), "accuracy": sentence, "bands": bands,
            "model": PRODUCTION["early_warning"]}


def _score_row(rank: int, r: dict[str, Any]) -> list[Any]:
    st, w = r["status"], r["window"] or {}
    last = st["last_inspection"] or {}
    return [RUN_ID, r["la_code_old"], r["la_code_new"], r["la_name"], r["region"], rank, r["p_inspected_3m"],
            r["p_inspected_6m"], r["p_inspected_12m"], r["p_inadequate_if_inspected"], r["p_inadequate_12m"],
            r["band"], st["kind"], st["label"], st["judged_inadequate"], last.get("date"), last.get("framework"),
            last.get("grade"), st["monitoring_visits_since"], st["focused_visits_since"], w.get("event"),
            w.get("earliest"), w.get("usual"), w.get("latest"), w.get("status"), w.get("rule_id"), w.get("certainty")]


def _reason_rows(r: dict[str, Any]) -> list[list[Any]]:
    out = [[RUN_ID, r["la_code_old"], "timing", 1, "timing", None, r["reasons"][0]]]
    for direction, key in (("up", "pushing_up"), ("down", "pushing_down")):
        for pos, x in enumerate(r[key], start=1):
            out.append([RUN_ID, r["la_code_old"], direction, pos, x["factor"], x["contribution"], x["text"]])
    return out
