"""The declarative loader on small hand-made files: values, symbols, precedence, errors, no-op."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cscwatch.errors import BuildFailed

from cscwatch.warehouse.load import DATA_DIR, load_warehouse
from cscwatch.warehouse.sources import EES_GEO, LOOKUPS, Pick, Source

HEADER = ",".join(EES_GEO) + ",rereferral_percent,referral_count"
ROWS = [
    "2024,Reporting year,National,E92000001,England,,,,,,22.4,630000",
    "2024,Reporting year,Regional,E92000001,England,E12000001,North East,,,,20.1,32000",
    "2024,Reporting year,Local authority,E92000001,England,E12000001,North East,841,E06000005,Darlington,13,c",
    "2024,Reporting year,Local authority,E92000001,England,E12000006,East of England,926,E10000020,Norfolk,x,8000",
    "2023,Reporting year,Local authority,E92000001,England,E12000006,East of England,926,E10000020,Norfolk,19.0,7900",
    "2023,Reporting year,Local authority,E92000001,England,E12000001,North East,841,E06000005,Darlington,low,",
]


def ees(source_id: str, path: str, **kw) -> Source:
    return Source(source_id, path, "ees", "cin", "test publication", "test", picks=(
        Pick("rereferral_percent", "cin_rereferral_pct"), Pick("referral_count", "referral_count")), **kw)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    for bundled, _original, _pub in LOOKUPS.values():
        target = tmp_path / bundled
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA_DIR / bundled, target)
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "c1.csv").write_text(HEADER + "\n" + "\n".join(ROWS) + "\n")
    return tmp_path


def obs(store, measure: str) -> dict[tuple[str, str], tuple]:
    return {(r["la"], r["period"]): (r["value"], r["status"], r["source_id"]) for r in store.rows(
        "SELECT * FROM observation WHERE measure_id = ?", [measure])}


def test_values_symbols_areas_and_releases(store, data_dir):
    summary = load_warehouse(store, data_dir, sources=[ees("c1", "t/c1.csv")])
    assert summary.errors == [] and summary.sources == {"c1": 12}
    rr = obs(store, "cin_rereferral_pct")
    assert rr[("E92000001", "2024")] == (22.4, None, "c1")
    assert rr[("E12000001", "2024")] == (20.1, None, "c1")
    assert rr[("841", "2024")] == (13.0, None, "c1")
    assert rr[("926", "2024")] == (None, "x", "c1")          # symbol: NULL + status, never 0
    assert rr[("841", "2023")] == (None, "low", "c1")
    refs = obs(store, "referral_count")
    assert refs[("841", "2024")] == (None, "c", "c1")
    assert refs[("841", "2023")] == (None, "blank", "c1")   # blank kept, not dropped
    assert store.scalar("SELECT period_end FROM observation WHERE la = '926' AND period = '2023' LIMIT 1").isoformat() \
        == "2023-03-31"
    rel = {r["period"]: r for r in store.rows("SELECT * FROM release WHERE source_id = 'c1'")}
    assert rel["2024"]["published"].isoformat() == "2024-11-30" and "November" in rel["2024"]["rule"]
    assert store.scalar("SELECT count(*) FROM load_issue") == 0
    assert store.scalar("SELECT status FROM source_file WHERE source_id = 'c1'") == "loaded"


def test_rebuild_is_a_noop_until_a_file_changes(store, data_dir):
    sources = [ees("c1", "t/c1.csv")]
    assert not load_warehouse(store, data_dir, sources=sources).skipped
    assert load_warehouse(store, data_dir, sources=sources).skipped
    path = data_dir / "t" / "c1.csv"
    path.write_text(path.read_text().replace("Darlington,13,c", "Darlington,14,c"))
    again = load_warehouse(store, data_dir, sources=sources)
    assert not again.skipped
    assert obs(store, "cin_rereferral_pct")[("841", "2024")][0] == 14.0
    assert store.scalar("SELECT count(*) FROM observation WHERE measure_id = 'cin_rereferral_pct'") == 6


def test_first_listed_source_wins_and_later_ones_fill_gaps(store, data_dir):
    (data_dir / "t" / "old.csv").write_text(HEADER + "\n" + "\n".join([
        "2024,Reporting year,Local authority,E92000001,England,E12000001,North East,841,E06000005,Darlington,99,1",
        "2022,Reporting year,Local authority,E92000001,England,E12000001,North East,841,E06000005,Darlington,17.5,1",
    ]) + "\n")
    load_warehouse(store, data_dir, sources=[ees("new", "t/c1.csv"), ees("old", "t/old.csv")])
    rr = obs(store, "cin_rereferral_pct")
    assert rr[("841", "2024")] == (13.0, None, "new")
    assert rr[("841", "2022")] == (17.5, None, "old")


def test_unexpected_column_fails_the_whole_load_and_keeps_the_store(store, data_dir):
    load_warehouse(store, data_dir, sources=[ees("c1", "t/c1.csv")])
    before = store.rows("SELECT * FROM observation ORDER BY ALL")
    (data_dir / "t" / "bad.csv").write_text(HEADER + ",mystery\n" + ROWS[0] + ",1\n")
    with pytest.raises(BuildFailed) as err:
        load_warehouse(store, data_dir, sources=[ees("bad", "t/bad.csv"), ees("c1", "t/c1.csv")])
    assert len(err.value.errors) == 1
    assert "bad.csv: row 1: column 'mystery': unexpected column" in str(err.value)
    assert store.rows("SELECT * FROM observation ORDER BY ALL") == before     # nothing of the failed load kept


def test_missing_column_and_unknown_symbol_name_file_row_and_column(store, data_dir):
    (data_dir / "t" / "short.csv").write_text(HEADER.replace(",referral_count", "") + "\n")
    rows = list(ROWS)
    rows[3] = rows[3].replace(",x,8000", ",n/a,8000")
    (data_dir / "t" / "sym.csv").write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    with pytest.raises(BuildFailed) as err:
        load_warehouse(store, data_dir, sources=[ees("short", "t/short.csv"), ees("sym", "t/sym.csv")])
    assert "short.csv: row 1: column 'referral_count': declared column missing" in err.value.errors[0]
    assert "sym.csv: row 5: column 'rereferral_percent': unknown symbol 'n/a'" in err.value.errors[1]
    assert "(and 1 more statistics file problem)" in str(err.value)
    assert store.scalar("SELECT count(*) FROM observation") == 0


def test_filters_and_picks_with_conditions(store, data_dir):
    (data_dir / "t" / "cla.csv").write_text(
        ",".join(EES_GEO) + ",population_type,rate_per_10000\n"
        "2024,Reporting year,Local authority,E92000001,England,E12000001,North East,841,E06000005,Darlington,"
        "Children looked after on 31 March each year,120\n"
        "2024,Reporting year,Local authority,E92000001,England,E12000001,North East,841,E06000005,Darlington,"
        "Children starting to be looked after each year,40\n")
    src = Source("cla", "t/cla.csv", "ees", "cla", "test", "test", picks=(
        Pick("rate_per_10000", "cla_rate_per_10k", (("population_type", "Children looked after on 31 March each year"),)),
        Pick("rate_per_10000", "cla_start_rate_per_10k",
             (("population_type", "Children starting to be looked after each year"),))),
        ignore=("population_type",))
    assert load_warehouse(store, data_dir, sources=[src]).errors == []
    assert obs(store, "cla_rate_per_10k") == {("841", "2024"): (120.0, None, "cla")}
    assert obs(store, "cla_start_rate_per_10k") == {("841", "2024"): (40.0, None, "cla")}
    assert store.scalar("SELECT polarity FROM measure WHERE measure_id = 'cla_rate_per_10k'") is None


def test_synthetic_statistics_round_trip(store, tmp_path):
    from cscwatch.fixtures.statistics import synthetic_statistics
    from cscwatch.warehouse.symbols import parse_cell

    data_dir, sources, cells = synthetic_statistics(tmp_path)
    summary = load_warehouse(store, data_dir, sources=sources)
    assert summary.errors == [] and summary.sources == {"synthetic_c1": len(cells)}
    stored = {(r["la"], r["period"], r["measure_id"]): (r["value"], r["status"])
              for r in store.rows("SELECT * FROM observation")}
    assert len(stored) == len(cells)
    for la, period, measure_id, raw in cells:
        assert stored[(la, period, measure_id)] == parse_cell(raw), (la, period, measure_id, raw)
    assert {s for _, s in stored.values()} >= {"c", "x", "z", "low", "u", "k", ":", "..", "blank", None}
    assert store.scalar("SELECT count(*) FROM observation WHERE la = '940 / 941'") == 12


def write_lait(path: Path, rows: list[tuple]) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute('CREATE TABLE t ("Short Desc" TEXT, "Data item" TEXT, "Years" TEXT, "LA and Regions" TEXT, '
                '"Values" TEXT, "LA Number" DOUBLE, "Region" TEXT)')
    con.executemany("INSERT INTO t VALUES (?, NULL, ?, ?, ?, ?, NULL)", rows)
    con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    con.close()


def test_lait_long_data_areas_periods_and_rejection(store, data_dir):
    write_lait(data_dir / "t" / "lait.parquet", [
        ("CIN", "2024", "Norfolk", "300.5", 926.0), ("CIN", "2024", "England", "330", 970.0),
        ("CIN", "2024", "London (Inner)", "410", 987.0), ("ReReferral", "2023", "Norfolk", "-", 926.0),
        ("TotalLACFinance", "2023-24 (OT)", "Norfolk", "142301187", 926.0)])
    write_lait(data_dir / "t" / "bad.parquet", [("CIN", "2024", "Norfolk", "n/a", 926.0)])
    lait = Source("lait", "t/lait.parquet", "lait", "lait", "test", "test")
    bad = Source("bad", "t/bad.parquet", "lait", "lait", "test", "test")
    with pytest.raises(BuildFailed, match="bad.parquet: row 1: column 'Values': unknown symbol 'n/a'"):
        load_warehouse(store, data_dir, sources=[bad, lait, ees("c1", "t/c1.csv")])
    load_warehouse(store, data_dir, sources=[lait, ees("c1", "t/c1.csv")])
    cin = obs(store, "cin_rate_per_10k")
    assert cin == {("926", "2024"): (300.5, None, "lait:cin"), ("E92000001", "2024"): (330.0, None, "lait:cin"),
                   ("E13000001", "2024"): (410.0, None, "lait:cin")}
    assert obs(store, "cin_rereferral_pct")[("926", "2023")] == (None, "-", "lait:cin")
    assert obs(store, "s251_cla_spend_gbp") == {("926", "2023-24"): (142301187.0, None, "lait:s251")}
    assert store.scalar("SELECT published FROM release WHERE source_id = 'lait:s251' AND period = '2023-24'"
                        ).isoformat() == "2025-03-31"
    assert obs(store, "cin_rereferral_pct")[("841", "2024")] == (13.0, None, "c1")   # later EES source still loads
