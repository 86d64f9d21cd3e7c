"""The synthetic generator: seeded, laid out as `returns synth` promises, and its rates come back."""
from __future__ import annotations

import math
from dataclasses import asdict

import pytest

from returns_helpers import SECRET, fill_identity
from cscwatch.returns.synth import Targets, iter_synthetic_returns, write_return

POP = 40_000
TARGETS = {
    "926": Targets(population=POP),
    "352": Targets(population=POP, cla_rate_per_10k=110, cla_start_rate_per_10k=35, cla_3plus_placements_pct=13,
                   cla_long_term_stability_pct=62, cin_rereferral_pct=28, cin_assessment_45d_pct=75,
                   icpc_15days_pct=65, cpp_subsequent_pct=30, referral_rate_per_10k=650, cpp_rate_per_10k=55,
                   cpp_start_rate_per_10k=65, cin_rate_per_10k=420, s47_rate_per_10k=230, care_leavers_eet_pct=48,
                   care_leavers_suitable_accommodation_pct=84),
}
YEARS = (2023, 2024, 2025)
CHECKED_YEARS = (2024, 2025)       # the first year has no earlier census for re-referrals

#: percentage measures recovered within 3 binomial standard errors (pooled) + 1 point
PCTS = ("cla_3plus_placements_pct", "cla_long_term_stability_pct", "care_leavers_17_18_eet_pct",
        "care_leavers_17_18_suitable_accommodation_pct", "care_leavers_eet_pct",
        "care_leavers_suitable_accommodation_pct", "cin_rereferral_pct", "cin_assessment_45d_pct", "icpc_15days_pct",
        "cpp_subsequent_pct")
#: counts planted directly (tolerance 2%: events near 31 March can cross into the next year), and stocks at
#: 31 March from calibrated durations or counts whose events start weeks after the planted referral (3 Poisson
#: standard errors + 5%: a stock of ~170 plans lasting ~10 months drifts by +-13 from year to year)
PLANTED = {"cla_count": "cla_rate_per_10k", "cla_started_count": "cla_start_rate_per_10k",
           "referral_count": "referral_rate_per_10k", "s47_count": "s47_rate_per_10k"}
CALIBRATED = {"cin_count": "cin_rate_per_10k", "cpp_count": "cpp_rate_per_10k",
              "cpp_started_count": "cpp_start_rate_per_10k"}


@pytest.fixture(scope="module")
def recovered(tmp_path_factory):
    from cscwatch.returns.ingest import ingest
    from cscwatch.returns.provisional import compute_measures
    from cscwatch.store import Store

    tmp = tmp_path_factory.mktemp("synth")
    for ret in iter_synthetic_returns({la: {y: t for y in YEARS} for la, t in TARGETS.items()}, seed=5):
        write_return(tmp / "tree", ret)
    with fill_identity(Store(tmp / "s.duckdb"), population=POP) as store:
        assert ingest(store, tmp / "tree", secret=SECRET).ok
        rows = compute_measures(store)
    return {(r["la_code_old"], r["year"], r["measure_id"]): r for r in rows}


@pytest.mark.parametrize("measure_id", PCTS)
def test_generated_percentages_are_recovered(recovered, measure_id):
    num = den = want = 0.0
    for la, t in TARGETS.items():
        for y in CHECKED_YEARS:
            r = recovered[(la, y, measure_id)]
            num, den = num + r["numerator"], den + r["denominator"]
            want += asdict(t)[measure_id] / 100 * r["denominator"]
    p, target = num / den, want / den
    se = math.sqrt(target * (1 - target) / den)
    assert abs(p - target) <= 3 * se + 0.01, (measure_id, round(100 * p, 1), round(100 * target, 1), den)


@pytest.mark.parametrize("measure_id", list(PLANTED) + list(CALIBRATED))
def test_generated_counts_are_recovered(recovered, measure_id):
    rate = {**PLANTED, **CALIBRATED}[measure_id]
    for la, t in TARGETS.items():
        for y in CHECKED_YEARS:
            got, want = recovered[(la, y, measure_id)]["value"], t.count(asdict(t)[rate])
            allowed = 0.02 * want if measure_id in PLANTED else 3 * math.sqrt(want) + 0.05 * want
            assert abs(got - want) <= allowed, (measure_id, la, y, got, want)


def test_cpp_open_two_years_or_more_is_in_the_right_range(recovered):
    """Few plans are that long (3% of ~200 = 6 a year), so only the pooled share is checked loosely."""
    num = sum(recovered[(la, y, "cpp_2yrs_plus_pct")]["numerator"] for la in TARGETS for y in CHECKED_YEARS)
    den = sum(recovered[(la, y, "cpp_2yrs_plus_pct")]["denominator"] for la in TARGETS for y in CHECKED_YEARS)
    assert 0.01 <= num / den <= 0.06


def test_same_seed_same_returns_and_another_seed_differs():
    small = {"926": {2025: Targets(population=3000)}}
    a, b = list(iter_synthetic_returns(small, seed=1)), list(iter_synthetic_returns(small, seed=1))
    c = list(iter_synthetic_returns(small, seed=2))
    assert a[0].ssda903 == b[0].ssda903 and a[0].cin == b[0].cin
    assert a[0].ssda903["header"] != c[0].ssda903["header"]


def test_synth_writes_la_and_year_folders_with_903_csvs_and_cin_xml(tmp_path):
    from cscwatch.returns.synth import synth

    summary = synth(None, tmp_path / "out", n_las=2, n_years=2, seed=0, last_year=2025, scale=0.02)
    assert summary.years == [2024, 2025] and len(summary.las) == 2
    for la in summary.las:
        for y in (2024, 2025):
            names = sorted(p.name for p in (tmp_path / "out" / la / str(y)).iterdir())
            assert names == [f"cin_census_{la}_{y}.xml", "ssda903_episodes.csv", "ssda903_header.csv",
                             "ssda903_oc3.csv"]
