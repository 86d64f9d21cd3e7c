"""Small pure pieces: working days, suppression, pseudonymisation, the secret file, SQL transpiling."""
from __future__ import annotations

import os
import stat
from datetime import date as d

import pytest

from cscwatch.returns.calendar import add_working_days, is_working_day, working_days_between
from cscwatch.returns.suppress import suppress


@pytest.mark.parametrize("start,end,expected", [
    (d(2024, 12, 20), d(2025, 2, 27), 46),    # Christmas, Boxing Day and New Year's Day skipped
    (d(2024, 10, 22), d(2024, 12, 24), 45),
    (d(2024, 10, 22), d(2024, 12, 25), 45),   # ends on Christmas Day: counts as the day before
    (d(2024, 8, 19), d(2024, 9, 10), 15),     # August bank holiday
    (d(2024, 3, 25), d(2024, 4, 10), 10),     # Good Friday and Easter Monday
    (d(2024, 6, 3), d(2024, 6, 3), 0),
    (d(2024, 6, 7), d(2024, 6, 10), 1),       # Friday to Monday
])
def test_working_days_skip_weekends_and_england_bank_holidays(start, end, expected):
    assert working_days_between(start, end) == expected


def test_bank_holidays_come_from_the_holidays_package():
    assert not is_working_day(d(2025, 5, 5))          # early May bank holiday 2025
    assert not is_working_day(d(2022, 9, 19))         # the Queen's funeral: a one-off bank holiday
    assert is_working_day(d(2025, 3, 17))             # St Patrick's Day is Northern Ireland's, not England's
    assert add_working_days(d(2024, 12, 24), 1) == d(2024, 12, 27)


def _row(mid, unit, num, den=None, base=None):
    return {"measure_id": mid, "unit": unit, "numerator": num, "denominator": den, "base": base}


def test_counts_under_five_are_suppressed_but_zero_is_not():
    out = {r["measure_id"]: r for r in suppress([_row("a", "count", 4), _row("b", "count", 0),
                                                 _row("c", "count", 5)])}
    assert (out["a"]["suppressed"], out["a"]["suppression"]) == (True, "primary")
    assert not out["b"]["suppressed"] and not out["c"]["suppressed"]


def test_percentages_with_small_numerators_denominators_or_complements_are_suppressed():
    out = {r["measure_id"]: r for r in suppress([
        _row("num", "%", 3, 100), _row("den", "%", 0, 4), _row("complement", "%", 98, 100), _row("ok", "%", 50, 100)])}
    assert [out[k]["suppressed"] for k in ("num", "den", "complement", "ok")] == [True, True, True, False]


def test_secondary_suppression_protects_differences_and_rates():
    out = {r["measure_id"]: r for r in suppress([
        _row("cla_started_count", "count", 3), _row("cla_ceased_count", "count", 40),
        _row("cla_start_rate_per_10k", "rate per 10,000", 3, 1e5, base="cla_started_count"),
        _row("cla_cease_rate_per_10k", "rate per 10,000", 40, 1e5, base="cla_ceased_count"),
        _row("cla_count", "count", 300)])}
    assert out["cla_started_count"]["suppression"] == "primary"
    # stock last year + started - ceased = stock now: the ceased count would give the started one back
    assert out["cla_ceased_count"]["suppression"] == "secondary"
    assert out["cla_start_rate_per_10k"]["suppressed"] and out["cla_cease_rate_per_10k"]["suppressed"]
    assert not out["cla_count"]["suppressed"]


def test_a_count_beside_a_percentage_with_a_small_complement_is_suppressed():
    out = {r["measure_id"]: r for r in suppress([
        _row("referral_count", "count", 100), _row("cin_rereferral_count", "count", 97),
        _row("cin_rereferral_pct", "%", 97, 100)])}
    assert out["cin_rereferral_pct"]["suppression"] == "primary"
    assert out["cin_rereferral_count"]["suppression"] == "secondary"     # 100 - 97 = 3 otherwise
    assert not out["referral_count"]["suppressed"]


def test_child_keys_are_keyed_stable_and_per_la():
    from cscwatch.returns.pseudonymise import Pseudonymiser, birth_month

    p, q = Pseudonymiser(b"k" * 32), Pseudonymiser(b"j" * 32)
    assert p.child_key("926", "C1") == p.child_key("926", " C1 ")
    assert p.child_key("926", "C1") != p.child_key("352", "C1")          # ids are unique within an LA only
    assert p.child_key("926", "C1") != q.child_key("926", "C1")          # a different secret, different keys
    assert "C1" not in p.child_key("926", "C1") and len(p.child_key("926", "C1")) == 32
    assert birth_month(d(2012, 5, 17)) == "2012-05"


def test_secret_is_created_owner_only_outside_the_store_and_refused_when_readable(tmp_path):
    from cscwatch.returns.pseudonymise import SecretError, load_secret

    path = tmp_path / "keys" / "returns.key"
    key = load_secret(path)
    assert len(key) == 32 and load_secret(path) == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    os.chmod(path, 0o644)
    with pytest.raises(SecretError, match="chmod 600"):
        load_secret(path)


def test_every_measure_and_view_transpiles_to_spark_sql():
    from cscwatch.returns.engines import to_spark_sql
    from cscwatch.returns.measures import VIEWS, measure_union

    views = [to_spark_sql(sql) for _, sql in VIEWS]
    assert all(v.startswith("SELECT") for v in views)
    assert any("INTERVAL '12' MONTH" in v for v in views)
    spark_sql = to_spark_sql(measure_union())
    assert "INTERVAL '2' YEAR" in spark_sql and "UNION ALL" in spark_sql
