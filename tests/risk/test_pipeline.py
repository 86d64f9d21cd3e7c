"""End to end on the generated store: backtest JSON, scores, explanations, publish and page
contexts, CLI errors, the model card."""
from __future__ import annotations

import json
import time
from datetime import date

import pytest
from typer.testing import CliRunner

from cscwatch.cli import app
from cscwatch.errors import UnknownLocalAuthority
from cscwatch.risk.card import RiskReport, render_card
from cscwatch.risk.context import la_risk_context, risk_page_context
from cscwatch.risk.publish import band_table, publish_scores
from cscwatch.risk.scores import DateOutsideData, explain, score
from cscwatch.store import Store

runner = CliRunner()
METRIC_KEYS = {"name", "baseline", "auc", "average_precision", "brier", "top10_recall", "top20_recall",
               "auc_within_year", "auc_ci", "seeds"}


def _check_shape(d: dict, n_seeds: int) -> None:
    assert d["n_inspections"] > 0 and d["years"]
    for m in d["models"]:
        assert METRIC_KEYS <= set(m), set(m) ^ METRIC_KEYS
        assert len(m["seeds"]) == n_seeds and m["auc_ci"][0] <= m["auc"] <= m["auc_ci"][1]
        if not m["baseline"]:
            assert {g["baseline"] for g in m["paired"]} == {x["name"] for x in d["models"] if x["baseline"]}


def test_cli_backtest_json_for_the_early_warning(synth_path, tmp_path):
    out = tmp_path / "bt.json"
    r = runner.invoke(app, ["risk", "backtest", "--target", "inadequate_12m", "--json", str(out), "--bootstrap", "40",
                            "--db", str(synth_path)])
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text())
    assert d["target"] == "inadequate_12m"
    _check_shape(d, 5)
    names = [m["name"] for m in d["models"]]
    assert "timing_only" in names and d["models"][names.index("timing_only")]["baseline"] is True
    assert len(set(d["models"][names.index("direct_lightgbm")]["seeds"])) > 1  # seeds change LightGBM


def test_backtest_shapes_and_baselines(synth_results):
    d = synth_results["any_inadequate"].to_dict()
    json.dumps(d)
    _check_shape(d, 2)
    assert [m["name"] for m in d["models"]][:3] == ["previous_grade", "pathway", "deprivation"]
    r = synth_results["inspected_12m"]
    assert [m.name for m in r.models if m.baseline] == ["rules_calendar", "timing_only"]
    assert r.model("timing_gbm").metrics["auc"] > 0.75  # the synthetic calendar is learnable


def test_scores_explain_and_dates(synth_path):
    with Store(synth_path, read_only=True) as s:
        rows = score(s, as_of="2023-06-01", target="inadequate_12m")
        assert len(rows) == 39 and rows[0]["rank"] == 1                  # 40 LAs, 2 merged into 1
        assert rows[0]["probability"] >= rows[-1]["probability"]
        for r in rows:
            assert r["p_inspected_3m"] <= r["p_inspected_6m"] <= r["p_inspected_12m"]
            assert abs(r["p_inadequate_12m"] - r["p_inspected_12m"] * r["p_inadequate_if_inspected"]) < 1e-3
            if r["status"].startswith("Judged inadequate"):
                assert r["band"] == "inadequate"                       # never "low"
        e = explain(s, rows[0]["la_code_old"], as_of="2023-06-01", target="inadequate_12m")
        assert e["probability"] == rows[0]["probability"] and e["rank"] == 1
        assert e["window"] and e["reasons"] and (e["pushing_up"] or e["pushing_down"])
        t0 = time.perf_counter()
        with pytest.raises(UnknownLocalAuthority):
            explain(s, "Atlantis")
        assert time.perf_counter() - t0 < 1.0  # resolved before anything is fitted
        for early in ("1990-01-01", "2013-01-01"):
            with pytest.raises(DateOutsideData, match="before the data"):
                score(s, as_of=early)
        before = {r["la_code_old"]: r for r in score(s, as_of="2021-01-01", target="inadequate_12m")}
        assert "899" not in before and "838" in before                  # the merger is in 2021


def test_publish_then_contexts_read_tables_only(synth_store, monkeypatch):
    summary = publish_scores(synth_store, n_boot=30)
    assert summary["n_las"] == 39 and "AUC" in summary["accuracy"]
    import cscwatch.risk.scores as scores_module

    monkeypatch.setattr(scores_module, "fit_early_warning", lambda *a, **k: pytest.fail("fitted while serving"))
    page = risk_page_context(synth_store)
    assert page["available"] and page["n_las"] == 39 and page["accuracy"] == summary["accuracy"]
    assert [b["band"] for b in page["bands"]] == ["high", "raised", "medium", "low"]
    first = page["las"][0]
    for key in ("p_inspected_12m", "p_inadequate_if_inspected", "p_inadequate_12m", "band", "window", "status",
                "reasons"):
        assert key in first
    inadequate = [x for x in page["las"] if x["status"]["judged_inadequate"]]
    assert inadequate and all(x["band"] == "inadequate" for x in inadequate)
    assert all("monitoring" in x["status"]["label"] for x in inadequate)
    one = la_risk_context(synth_store, first["la_name"])
    assert one["la_code_old"] == first["la_code_old"] and one["accuracy"] == page["accuracy"]
    assert la_risk_context(synth_store, "838")["available"] is False     # merged away
    json.dumps(page, default=str)


def test_contexts_before_anything_is_published(synth_store):
    assert risk_page_context(synth_store)["available"] is False
    assert la_risk_context(synth_store, "805")["available"] is False


def test_cli_commands_and_errors(synth_path):
    db = ["--db", str(synth_path)]
    r = runner.invoke(app, ["risk", "scores", "--as-of", "2023-06-01", "--format", "csv", *db])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0].startswith("rank,la_code_old,la_code_new,la_name,region,probability,band")
    r = runner.invoke(app, ["risk", "explain", "Synthshire 4", "--as-of", "2023-06-01", *db])
    assert r.exit_code == 0 and "Pushing the risk up" in r.output
    r = runner.invoke(app, ["risk", "rules", "805", "--as-of", "2023-06-01", "--format", "json", *db])
    assert r.exit_code == 0 and json.loads(r.output)
    r = runner.invoke(app, ["risk", "rules", "--coverage", "--format", "csv", *db])
    assert r.exit_code == 0 and r.output.startswith("event,framework,year")
    for args, code in ((["risk", "explain", "Atlantis"], 1), (["risk", "scores", "--as-of", "1990-01-01"], 1),
                       (["risk", "scores", "--as-of", "2013-01-01"], 1), (["risk", "scores", "--as-of", "June"], 2)):
        r = runner.invoke(app, [*args, *db])
        assert r.exit_code == code, (args, r.output)
        assert "Traceback" not in r.output


def test_card_renders_from_one_run(synth_data, synth_results):
    from cscwatch.risk.card import leak_comparison
    from cscwatch.risk.rules import history_coverage

    leak = leak_comparison(synth_data, synth_results["any_inadequate"], seeds=(0,))
    report = RiskReport(synth_data, synth_results, history_coverage(synth_data.history.events), leak,
                        band_table(synth_results["inadequate_12m"]), 20)
    text = render_card(report, generated=date(2026, 1, 1))
    for heading in ("## What it is for", "## The inspection rules, as data", "## Leakage rules",
                    "### The early warning", "## What fixing the start-date leak changed", "## Bands",
                    "## Researcher degrees of freedom", "## Limitations", "## For the README"):
        assert heading in text, heading
    ew = synth_results["inadequate_12m"].model("timing_x_lightgbm").metrics["auc"]
    assert f"{ew:.2f}" in text and "timing_only" in text
