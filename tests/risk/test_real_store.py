"""One end-to-end run on the store `cscwatch build` made from the bundled data: publish the early
warning, read the page contexts, explain an LA (from the same fit)."""
from __future__ import annotations

from datetime import date

import pytest

from cscwatch.risk.context import la_risk_context, risk_page_context
from cscwatch.risk.history import load_history
from cscwatch.risk.publish import publish_scores
from cscwatch.risk.scores import explain
from cscwatch.store import Store

pytestmark = pytest.mark.slow

#: Indicators the early warning must find in the real warehouse, by measure id.
MAIN_MEASURES = ("cin_rereferral_pct", "cin_assessment_45d_pct", "cpp_subsequent_pct", "cin_rate_per_10k",
                 "cpp_rate_per_10k", "cla_rate_per_10k", "cla_3plus_placements_pct", "sw_agency_rate",
                 "sw_vacancy_rate", "sw_turnover_rate", "sw_caseload", "csc_spend_per_child_gbp")


@pytest.fixture(scope="module")
def published(real_store_path):
    with Store(real_store_path) as store:
        summary = publish_scores(store, n_boot=50)
        yield store, summary


def test_publish_scores_every_la_and_never_calls_an_inadequate_la_low(published):
    store, summary = published
    page = risk_page_context(store)
    assert page["available"] and page["n_las"] == summary["n_las"] == 153
    # the first of the month after the register is complete (official to March 2025, the third-party
    # scrape to mid-2026), never today: later inspections would be missing, not absent
    assert str(page["as_of"]) == str(summary["as_of"]) and "2025-04-01" <= str(page["as_of"]) < "2026-11-30"
    assert "AUC" in page["accuracy"] and page["model_card"].endswith("model-card.md")
    inadequate = [x for x in page["las"] if x["status"]["judged_inadequate"]]
    assert 12 <= len(inadequate) <= 25
    assert all(x["band"] == "inadequate" and "monitoring" in x["status"]["label"] for x in inadequate)
    south_tyneside = la_risk_context(store, "South Tyneside")
    assert south_tyneside["band"] == "inadequate" and south_tyneside["window"]["event"] == "standard"
    bands = {b["band"]: b for b in page["bands"]}
    assert bands["high"]["observed_rate"] > bands["low"]["observed_rate"]  # the bands mean something
    auc = store.scalar("SELECT m.value FROM risk_metric m JOIN risk_run r ON m.model = r.model WHERE m.metric = 'auc'")
    assert 0.6 < auc < 0.95  # a sane number, not a leak (a leak shows as ~1.0)


def test_explain_uses_the_same_fit_and_real_indicators(published):
    store, _ = published
    e = explain(store, "Birmingham")
    assert e["la_code_old"] == "330" and str(e["as_of"]) == str(store.scalar("SELECT max(as_of) FROM risk_run"))
    assert e["pushing_up"] or e["pushing_down"]
    present = {c.removesuffix("_level") for c, v in e["features"].items() if c.endswith("_level") and v is not None}
    missing = [m for m in MAIN_MEASURES if m not in present]
    assert not missing, f"no published value for {missing}"
    # the official visit record covers April 2022 to March 2025: inside it visits are counted, after it
    # they are unknown (never zero)
    covered = str(e["as_of"]) <= "2025-04-01"
    assert (e["features"]["mv_12m"] is not None) == covered


@pytest.mark.parametrize("on,expected,present,absent", [
    (date(2025, 6, 1), 153, {"942", "943", "940", "941", "839", "838"}, {"909", "928", "835", "836", "837"}),
    (date(2020, 6, 1), 151, {"909", "928", "839", "838"}, {"942", "943", "940", "941", "835"}),
])
def test_the_authorities_scored_are_those_existing_on_the_date(published, on, expected, present, absent):
    codes = set(load_history(published[0]).existing_on(on))
    assert len(codes) == expected and present <= codes and not (absent & codes)
    assert not any("/" in c for c in codes)  # shared services are not authorities Ofsted inspects
