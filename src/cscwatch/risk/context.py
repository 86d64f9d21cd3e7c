"""Page contexts for the risk views: plain JSON-able dicts read from the published ``risk_*``
tables (never a model fit). ``risk_page_context`` feeds ``/risk`` and ``/api/risk``;
``la_risk_context`` the LA page's risk panel (``/la/{code}``) with the same fields for one LA.

Shape of one LA (``las[]`` and the LA panel)::

    {"la_code_old": "330", "la_code_new": "E08000025", "la_name": "Birmingham", "region": "...",
     "rank": 12, "band": "raised", "band_label": "Raised",
     "p_inspected_3m": 0.12, "p_inspected_6m": 0.25, "p_inspected_12m": 0.51,
     "p_inadequate_if_inspected": 0.14, "p_inadequate_12m": 0.07,
     "window": {"event": "short", "earliest": "2025-08-21", "usual": "2026-02-20", "latest": "2026-08-21",
                "status": "not_yet", "rule_id": "I23-G", "certainty": "S"} | None,
     "status": {"kind": "graded" | "inadequate_monitoring" | "new_authority" | "not_inspected",
                "label": "Last judged good (2022-08)", "judged_inadequate": false,
                "last_inspection": {"date": "2022-08-01", "framework": "ILACS", "grade": "good"} | None,
                "monitoring_visits_since": 0 | None, "focused_visits_since": 1 | None},
     "reasons": ["last inspected 2022-08; short inspection due from ...", "..."],
     "reasons_down": ["..."]}

An LA judged inadequate at its last inspection has ``band: "inadequate"`` (label "Judged inadequate:
under monitoring") and its status gives the monitoring visits so far and the re-inspection window.
The page context adds ``as_of``, ``accuracy`` (one sentence), ``model_card``, ``bands`` (cut points
and observed backtest rates) and ``band_counts``. When nothing is published yet, both return
``{"available": False, "message": ...}``.
"""
from __future__ import annotations

from typing import Any

from cscwatch.identity import resolve_la
from cscwatch.store import Store

BAND_LABELS = {"high": "High", "raised": "Raised", "medium": "Medium", "low": "Low",
               "inadequate": "Judged inadequate: under monitoring"}
BAND_ORDER = ("inadequate", "high", "raised", "medium", "low")
NOT_PUBLISHED = "No risk scores have been published into this store yet; `cscwatch build` publishes them."


def _iso(v: Any) -> Any:
    return v.isoformat() if hasattr(v, "isoformat") else v


def _run(store: Store) -> dict[str, Any] | None:
    if not store.has_table("risk_run"):
        return None
    rows = store.rows("SELECT * FROM risk_run ORDER BY run_id DESC LIMIT 1")
    return rows[0] if rows else None


def _reasons(store: Store, run_id: int, code: str | None = None) -> dict[str, dict[str, list[str]]]:
    sql = "SELECT la_code_old, direction, text FROM risk_reason WHERE run_id = ?"
    params: list[Any] = [run_id]
    if code is not None:
        sql += " AND la_code_old = ?"
        params.append(code)
    out: dict[str, dict[str, list[str]]] = {}
    for r in store.rows(sql + " ORDER BY la_code_old, direction, position", params):
        d = out.setdefault(r["la_code_old"], {"timing": [], "up": [], "down": []})
        d[r["direction"]].append(r["text"])
    return out


def _la(row: dict[str, Any], reasons: dict[str, list[str]]) -> dict[str, Any]:
    window = None
    if row["window_event"]:
        window = {"event": row["window_event"], "earliest": _iso(row["window_earliest"]),
                  "usual": _iso(row["window_usual"]), "latest": _iso(row["window_latest"]),
                  "status": row["window_status"], "rule_id": row["window_rule"], "certainty": row["window_certainty"]}
    last = None
    if row["last_inspection_date"] is not None:
        last = {"date": _iso(row["last_inspection_date"]), "framework": row["last_inspection_framework"],
                "grade": row["last_grade"]}
    return {
        "la_code_old": row["la_code_old"], "la_code_new": row["la_code_new"], "la_name": row["la_name"],
        "region": row["region"], "rank": row["rank"], "band": row["band"], "band_label": BAND_LABELS[row["band"]],
        **{k: row[k] for k in ("p_inspected_3m", "p_inspected_6m", "p_inspected_12m", "p_inadequate_if_inspected",
                               "p_inadequate_12m")},
        "window": window,
        "status": {"kind": row["status_kind"], "label": row["status_label"],
                   "judged_inadequate": bool(row["judged_inadequate"]), "last_inspection": last,
                   "monitoring_visits_since": row["monitoring_visits_since"],
                   "focused_visits_since": row["focused_visits_since"]},
        "reasons": reasons.get("timing", []) + reasons.get("up", []),
        "reasons_down": reasons.get("down", []),
    }


def _common(store: Store, run: dict[str, Any]) -> dict[str, Any]:
    bands = store.rows("SELECT band, lower, upper, share, n_rows, observed_rate, mean_predicted FROM risk_band "
                       "WHERE run_id = ? ORDER BY lower DESC", [run["run_id"]])
    return {"available": True, "as_of": _iso(run["as_of"]), "generated_at": _iso(run["created_at"]),
            "model": run["model"], "accuracy": run["accuracy"], "model_card": run["model_card"],
            "backtest_years": run["backtest_years"],
            "bands": [{**b, "label": BAND_LABELS[b["band"]]} for b in bands],
            "band_note": ("Bands cut the backtest's LA-quarters by predicted risk (riskiest 10% high, next 20% "
                          "raised, next 30% medium, the rest low); observed_rate is the share of each judged "
                          "inadequate within 12 months. An LA judged inadequate now is shown as such, not banded.")}


def risk_page_context(store: Store) -> dict[str, Any]:
    """Every scored LA, riskiest first, with the accuracy sentence and bands (``/risk``, ``/api/risk``)."""
    run = _run(store)
    if run is None:
        return {"available": False, "message": NOT_PUBLISHED, "las": []}
    reasons = _reasons(store, run["run_id"])
    las = [_la(r, reasons.get(r["la_code_old"], {})) for r in
           store.rows("SELECT * FROM risk_score WHERE run_id = ? ORDER BY rank", [run["run_id"]])]
    counts = {b: sum(1 for x in las if x["band"] == b) for b in BAND_ORDER}
    return {**_common(store, run), "n_las": len(las), "band_counts": counts, "las": las}


def la_risk_context(store: Store, la: str) -> dict[str, Any]:
    """One LA's risk panel (same fields as an item of ``risk_page_context()['las']`` plus the
    accuracy sentence and bands). Raises ``UnknownLocalAuthority`` for a name or code that is no LA."""
    run = _run(store)
    if run is None:
        return {"available": False, "message": NOT_PUBLISHED}
    code = resolve_la(store, la)["la_code_old"]
    rows = store.rows("SELECT * FROM risk_score WHERE run_id = ? AND la_code_old = ?", [run["run_id"], code])
    if not rows:
        return {"available": False, "la_code_old": code,
                "message": f"{la} ({code}) was not scored on {_iso(run['as_of'])}: it is not a local authority "
                           "on that date (abolished, not yet created, or a shared service)."}
    reasons = _reasons(store, run["run_id"], code)
    return {**_common(store, run), "n_las": store.scalar("SELECT count(*) FROM risk_score WHERE run_id = ?",
                                                         [run["run_id"]]),
            **_la(rows[0], reasons.get(code, {}))}
