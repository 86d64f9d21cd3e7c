"""Pipeline, queries, leakage rule and CLI on a small generated store."""
from __future__ import annotations

import json
import math
from datetime import date

from typer.testing import CliRunner

from cscwatch.cli import app
from cscwatch.text.pipeline import classify_reports
from cscwatch.text.query import la_recommendations, previous_report_theme_features, themes_table
from cscwatch.text.rules import rule_polarity, rule_themes


def test_classify_is_idempotent_and_follows_up(text_store):
    again = classify_reports(text_store)
    assert again.classified == 0 and again.unchanged == 2
    assert text_store.scalar("SELECT count(*) FROM recommendation WHERE sha256 = ?", ["a" * 64]) == 2
    recs = la_recommendations(text_store, "Darlington")
    newest, older = [r for r in recs if r["sha256"] == "b" * 64], [r for r in recs if r["sha256"] == "a" * 64]
    assert all(r["followup"] == "awaiting_next_report" for r in newest)
    assert {r["followup"] for r in older} <= {"resolved", "still_concern", "not_mentioned"}
    missing = next(r for r in older if "missing" in r["text"])
    assert missing["followup"] == "resolved"        # the next report praises return home interviews


def test_themes_table_counts_reports(text_store):
    rows = themes_table(text_store, la="841")
    assert {r["reports"] for r in rows} == {2}
    assert all(r["concern_rate_low"] <= r["concern_rate"] <= r["concern_rate_high"] for r in rows)


def test_previous_report_features_never_use_unpublished_or_predicted_report(text_store):
    before_first = previous_report_theme_features(text_store, "841", date(2023, 5, 1))   # published that day
    assert all(math.isnan(v) for v in before_first.values())
    mid = previous_report_theme_features(text_store, "841", date(2024, 4, 1))
    assert mid["theme_report_age_days"] == (date(2024, 4, 1) - date(2023, 5, 1)).days
    later = previous_report_theme_features(text_store, "841", date(2024, 6, 1),
                                           exclude_inspection_id="841:ILACS-2023:2024-03-04")
    assert {k: v for k, v in later.items() if k != "theme_report_age_days"} == \
        {k: v for k, v in mid.items() if k != "theme_report_age_days"}       # still the 2023 report


def test_cli_themes_and_recommendations(text_store):
    runner = CliRunner()
    db = str(text_store.path)
    text_store.close()
    out = runner.invoke(app, ["themes", "--la", "Darlington", "--grade", "inadequate", "--format", "json", "--db", db])
    assert out.exit_code == 0, out.output
    assert {r["reports"] for r in json.loads(out.stdout)} == {1}
    out = runner.invoke(app, ["themes", "--theme", "workforce", "--format", "csv", "--db", db])
    assert out.exit_code == 0 and out.stdout.startswith("theme,polarity,text")
    out = runner.invoke(app, ["recommendations", "841", "--format", "json", "--db", db])
    assert out.exit_code == 0 and len(json.loads(out.stdout)) == 4
    out = runner.invoke(app, ["themes", "--theme", "nonsense", "--db", db])
    assert out.exit_code == 1 and "unknown theme" in out.output


def test_rules_are_transparent():
    assert "exploitation_missing" in rule_themes("Return home interviews are not always completed.")
    assert rule_polarity("Return home interviews are not always completed.") == "concern"
    assert rule_polarity("Ensure that plans are specific.") == "concern"
    assert rule_polarity("The quality of plans.") == "concern"
    assert rule_polarity("Supervision is regular and effective.") == "strength"
    assert rule_polarity("The local authority has 12 children's homes.") == "neutral"
