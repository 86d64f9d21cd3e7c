"""The pipeline end to end on the synthetic store: backtest, scores, explanations, CLI, card."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cscwatch.cli import app
from cscwatch.errors import UnknownLocalAuthority
from cscwatch.risk.backtest import backtest
from cscwatch.risk.card import render_card
from cscwatch.risk.features import FeatureBuilder, measure_start_lags
from cscwatch.risk.scores import explain, score

runner = CliRunner()


@pytest.fixture(scope="module")
def synth_backtest(synth_path):
    from cscwatch.store import Store

    s = Store(synth_path, read_only=True)
    try:
        yield backtest(s, target="inadequate", n_boot=50, grouped_folds=2), FeatureBuilder().build(s), s
    finally:
        s.close()


def test_backtest_result_shape(synth_backtest):
    result, _, _ = synth_backtest
    d = result.to_dict()
    assert d["target"] == "inadequate" and d["n_inspections"] > 100
    names = [m["name"] for m in d["models"]]
    assert names == ["previous_grade", "deprivation", "prev_grade_deprivation_logistic", "logistic", "lightgbm"]
    for m in d["models"]:
        assert {"name", "baseline", "auc", "average_precision", "brier", "top10_recall", "top20_recall",
                "intervals", "folds"} <= set(m)
        assert set(m["intervals"]) == {"auc", "average_precision", "brier", "top10_recall", "top20_recall"}
        assert [f["year"] for f in m["folds"]] == d["years"]
        lo, hi = m["intervals"]["auc"]
        assert lo <= m["auc"] <= hi
        assert m["grouped_cv"]["n_splits"] == 2 and 0 <= m["grouped_cv"]["auc"] <= 1
        assert sum(row["n"] for row in m["calibration"]) == d["n_scored"]
    json.dumps(d)  # plain JSON


def test_models_beat_baselines_on_planted_signal(synth_backtest):
    result, _, _ = synth_backtest
    best = result.best_model()
    assert best.metrics["auc"] > max(m.metrics["auc"] for m in result.models if m.baseline)
    assert best.metrics["auc"] > 0.65


def test_scores_rank_every_current_la(synth_path):
    from cscwatch.store import Store

    with Store(synth_path, read_only=True) as s:
        rows = score(s, as_of="2023-06-01")
        assert len(rows) == 59
        assert [r["rank"] for r in rows] == list(range(1, 60))
        probs = [r["probability"] for r in rows]
        assert probs == sorted(probs, reverse=True)
        assert {r["band"] for r in rows} <= {"high", "raised", "medium", "low"}
        assert all(isinstance(r["reasons"], list) and r["reasons"] for r in rows[:5])
        json.dumps(rows)
        e = explain(s, rows[0]["la_name"], as_of="2023-06-01")
        assert e["la_code_old"] == rows[0]["la_code_old"] and e["rank"] == 1
        assert e["probability"] == rows[0]["probability"]
        assert e["pushing_up"] and all("text" in r and "contribution" in r for r in e["pushing_up"])
        assert explain(s, rows[0]["la_code_old"], as_of="2023-06-01")["la_name"] == rows[0]["la_name"]
        with pytest.raises(UnknownLocalAuthority, match="did you mean"):
            explain(s, "Synthshire 1x", as_of="2023-06-01")


def test_scores_use_only_data_published_by_the_date(synth_path):
    from cscwatch.store import Store

    with Store(synth_path, read_only=True) as s:
        a = {r["la_code_old"]: r["probability"] for r in score(s, as_of="2021-01-01")}
        b = {r["la_code_old"]: r["probability"] for r in score(s, as_of="2024-06-01")}
        assert a != b
        e = explain(s, "800", as_of="2021-01-01")
        text = " ".join(r["text"] for r in e["pushing_up"] + e["pushing_down"])
        assert "2021-22" not in text and "2022-23" not in text  # not yet published on 1 Jan 2021


def test_cli_backtest_scores_explain(synth_path, tmp_path):
    out = tmp_path / "bt.json"
    r = runner.invoke(app, ["risk", "backtest", "--target", "any_inadequate", "--json", str(out),
                            "--bootstrap", "30", "--grouped-folds", "0", "--db", str(synth_path)])
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text())
    assert d["target"] == "any_inadequate" and d["models"][0]["baseline"] is True
    r = runner.invoke(app, ["risk", "scores", "--as-of", "2023-06-01", "--format", "csv", "--db", str(synth_path)])
    assert r.exit_code == 0, r.output
    lines = r.output.strip().splitlines()
    assert lines[0].startswith("rank,la_code_old,la_code_new,la_name,region,probability,band")
    assert len(lines) == 60
    r = runner.invoke(app, ["risk", "scores", "--as-of", "2023-06-01", "--format", "json", "--db", str(synth_path)])
    assert json.loads(r.output)[0]["rank"] == 1
    r = runner.invoke(app, ["risk", "explain", "Synthshire 4", "--as-of", "2023-06-01", "--db", str(synth_path)])
    assert r.exit_code == 0 and "Pushing the risk up" in r.output
    r = runner.invoke(app, ["risk", "explain", "Nowhere", "--db", str(synth_path)])
    assert r.exit_code == 1 and "unknown local authority" in r.output
    r = runner.invoke(app, ["risk", "scores", "--as-of", "June", "--db", str(synth_path)])
    assert r.exit_code != 0


def test_cli_on_a_missing_store_is_a_one_line_error(tmp_path):
    r = runner.invoke(app, ["risk", "scores", "--db", str(tmp_path / "none.duckdb")])
    assert r.exit_code == 1 and "cscwatch build" in r.output


def test_card_renders_every_section(synth_backtest):
    result, features, store = synth_backtest
    text = render_card({"inadequate": result}, features, measure_start_lags(store))
    for heading in ("## What it is for", "## Data", "## Features", "## Leakage rules", "## Models",
                    "## How well it works", "### Calibration", "## Limitations"):
        assert heading in text
    for phrase in ("Self-fulfilling", "No league tables", "Humans in the loop", "April 2026", "Small numbers"):
        assert phrase in text
    assert f"{result.best_model().metrics['auc']:.2f}" in text
    # Researcher degrees of freedom: the revisions tried are declared, with the seed spread when given.
    assert "## Researcher degrees of freedom" in text and "after looking at pooled results" in text
    spread = render_card({"inadequate": result}, features, measure_start_lags(store),
                         seed_spread={"lightgbm": [0.61, 0.57, 0.63]})
    assert "pooled AUCs from 0.57 to 0.63 (mean 0.60)" in spread


def test_period_labels():
    from datetime import date

    from cscwatch.risk.explain import period_label

    assert period_label(date(2024, 3, 31)) == "2023-24"
    assert period_label(date(2024, 9, 30)) == "Sep 2024"


def test_explain_a_defunct_la_is_not_found(synth_path):
    from cscwatch.errors import NotFound
    from cscwatch.store import Store

    with Store(synth_path, read_only=True) as s, pytest.raises(NotFound, match="not a current local authority"):
        explain(s, "859", as_of="2023-06-01")  # abolished in 2021 in the fixture


def test_backtest_is_the_same_on_one_thread_or_two(synth_path):
    from cscwatch.risk.backtest import run_backtest
    from cscwatch.risk.models import GBMRisk, PreviousGradeBaseline
    from cscwatch.store import Store

    with Store(synth_path, read_only=True) as s:
        fs = FeatureBuilder().build(s)
    models = [("previous_grade", PreviousGradeBaseline(), True), ("lightgbm", GBMRisk(n_estimators=20), False)]
    one = run_backtest(fs, models=models, n_boot=0, grouped_folds=2, n_jobs=1)
    two = run_backtest(fs, models=models, n_boot=0, grouped_folds=2, n_jobs=2)
    assert one.predictions.equals(two.predictions)
    assert [m.grouped_cv for m in one.models] == [m.grouped_cv for m in two.models]
