"""The warehouse built from the bundled data: stored cells equal the source cells, nothing dropped,
every LA of every source mapped, releases for every figure, and the API/CLI on top."""
from __future__ import annotations

import csv
import gzip
import json
import random
import shutil
from collections import Counter

import duckdb
import pytest

from cscwatch.output import to_jsonable
from cscwatch.warehouse.load import DATA_DIR, IMD_COLUMNS, _lait_measures
from cscwatch.warehouse.periods import LAIT_YEAR_TYPES, normalise_period
from cscwatch.warehouse.sources import KEY_MEASURES, LOOKUPS, SOURCES
from cscwatch.warehouse.symbols import parse_cell

EES = [s for s in SOURCES if s.kind == "ees"]
SAMPLE = 60


def read_bundled_csv(rel: str) -> list[dict[str, str]]:
    path = DATA_DIR / rel
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def area(row: dict[str, str]) -> str:
    level = row["geographic_level"]
    return {"National": "E92000001", "Regional": row["region_code"]}.get(level, row["old_la_code"].strip())


def expected_cells(src):
    """Every (la, period, measure_id, raw) the source should stage, computed in plain Python."""
    out = []
    for row in read_bundled_csv(src.path):
        if any(row[c] != v for c, v in src.filters):
            continue
        period = normalise_period(row["time_period"], src.period_type).period
        for pick in src.picks:
            if all(row[c] == v for c, v in pick.where):
                out.append((area(row), period, pick.measure_id, row[pick.column]))
    return out


@pytest.fixture(scope="module")
def stored(built_store):
    rows = built_store.con.execute("SELECT la, period, measure_id, value, status, source_id FROM observation").fetchall()
    return {(la, p, m): (v, st, src) for la, p, m, v, st, src in rows}


@pytest.mark.parametrize("src", EES, ids=lambda s: s.source_id)
def test_sampled_ees_cells_equal_the_source(src, built_store, stored):
    cells = expected_cells(src)
    assert built_store.scalar("SELECT n_rows FROM source_file WHERE source_id = ?", [src.source_id]) == len(cells)
    order = [s.source_id for s in SOURCES]
    checked = 0
    for la, period, measure_id, raw in random.Random(src.source_id).sample(cells, min(SAMPLE * 5, len(cells))):
        value, status, source_id = stored[(la, period, measure_id)]       # KeyError = dropped silently
        if source_id != src.source_id:        # an earlier source in the precedence list won
            assert order.index(source_id.split(":")[0]) < order.index(src.source_id), (la, period, measure_id)
            continue
        assert (value, status) == parse_cell(raw), (la, period, measure_id, raw)
        checked += 1
    # a fallback source listed after LAIT may lose every key (cla_rate_2022: LAIT has the revised rates)
    if order.index(src.source_id) < order.index("lait"):
        assert checked >= min(SAMPLE, len(cells) // 10)


def test_every_suppression_symbol_in_the_sources_survives(stored):
    seen = Counter()
    for src in EES:
        for la, period, measure_id, raw in expected_cells(src):
            value, status = parse_cell(raw)
            if status and status != "blank":
                seen[status] += 1
                got = stored[(la, period, measure_id)]
                if got[2] == src.source_id:
                    assert got[:2] == (value, status)
    assert {"c", "x", "z", "u", "low"} <= set(seen)
    statuses = {s for _, s, _ in stored.values()}
    assert {"c", "x", "z", "u", "low", "-"} <= statuses
    assert all(v is None for v, s, _ in stored.values() if s not in (None, "u"))


def test_sampled_lait_cells_equal_the_source(built_store, stored):
    lait = _lait_measures(DATA_DIR / LOOKUPS["lait_dictionary"][0])
    ids = dict(zip(lait["Measure_short"], lait["measure_id"]))
    ptype = dict(zip(lait["Measure_short"], [LAIT_YEAR_TYPES.get(y, "year_end_march") for y in lait["Year_Type"]]))
    path = DATA_DIR / next(s.path for s in SOURCES if s.kind == "lait")
    rows = duckdb.sql(f"SELECT \"Short Desc\", Years, \"LA Number\", \"Values\" FROM read_parquet('{path}') "
                      f"USING SAMPLE 2000 ROWS (reservoir, 7)").fetchall()
    areas = {970.0: "E92000001", 980.0: "E12000001", 986.0: "E12000007", 987.0: "E13000001"}
    checked = 0
    for short, years, number, raw in rows:
        if years == "0":
            continue
        la = areas.get(number, str(int(number)))
        if number >= 970 and number not in areas:
            continue
        key = (la, normalise_period(years, ptype[short]).period, ids[short])
        value, status, source_id = stored[key]
        if source_id.startswith("lait:"):
            assert (value, status) == parse_cell(raw), (key, raw)
            checked += 1
    assert checked > 1500


def test_imd_cells_equal_the_source(built_store, stored):
    codes = {r["alias"]: r["la_code_old"] for r in built_store.rows("SELECT * FROM la_alias WHERE kind = 'ons_code'")}
    rows = read_bundled_csv(next(s.path for s in SOURCES if s.kind == "imd2019"))
    for row in rows:
        row = {k.strip(): v for k, v in row.items()}
        la = codes[row["Upper Tier Local Authority District code (2019)"]]
        for column, measure_id in IMD_COLUMNS.items():
            assert stored[(la, "2019", measure_id)][:2] == parse_cell(row[column])


def test_every_la_of_every_source_is_mapped_and_nothing_is_orphaned(built_store):
    las = {r["la_code_old"] for r in built_store.rows("SELECT la_code_old FROM la")}
    missing = {}
    for src in EES:
        for row in read_bundled_csv(src.path):
            if row["geographic_level"] == "Local authority" and row["old_la_code"].strip() not in las:
                missing.setdefault(src.source_id, set()).add(row["old_la_code"])
    assert not missing, f"LA codes with no la row: {missing}"
    orphans = built_store.rows("""
        SELECT la, count(*) AS n FROM observation o
        WHERE NOT EXISTS (SELECT 1 FROM la WHERE la.la_code_old = o.la)
          AND NOT EXISTS (SELECT 1 FROM region r WHERE r.region_code = o.la) GROUP BY la""")
    assert not orphans, f"orphan observations: {orphans}"
    issues = built_store.rows("SELECT * FROM load_issue")
    assert [i["message"].split(":")[0] for i in issues] == ["CINPermExclusion"], issues   # LAIT's odd '0' period
    # the boundary changes are all there
    for code in ("835", "836", "837", "838", "839", "928", "940", "941", "909", "942", "943", "815", "933"):
        assert code in las
    assert "940 / 941" in las and "314 / 318" in las


def test_one_row_per_key_and_a_release_for_every_figure(built_store):
    assert built_store.scalar("SELECT count(*) FROM (SELECT la, period, measure_id FROM observation "
                              "GROUP BY ALL HAVING count(*) > 1)") == 0
    assert built_store.scalar("""SELECT count(*) FROM (SELECT DISTINCT source_id, period FROM observation) o
                                 ANTI JOIN release r USING (source_id, period)""") == 0
    early = built_store.rows("""SELECT o.source_id, o.period, min(o.period_end) AS period_end, any_value(r.published) AS p
        FROM observation o JOIN release r USING (source_id, period) WHERE r.published < o.period_end
        GROUP BY ALL""")
    assert not early, early
    assert built_store.scalar("SELECT published FROM release WHERE source_id = 'cin_c1' AND period = '2024'"
                              ).isoformat() == "2024-11-30"
    assert built_store.scalar("SELECT published FROM release WHERE source_id = 'csww' AND period = '2024'"
                              ).isoformat() == "2025-03-31"


def test_key_measures_cover_las_and_years(built_store):
    for measure_id in KEY_MEASURES:
        stats = built_store.rows("""SELECT count(DISTINCT period) AS periods,
            max(n) AS las FROM (SELECT period, count(value) AS n FROM observation o JOIN la ON la.la_code_old = o.la
            WHERE measure_id = ? GROUP BY period)""", [measure_id])[0]
        # plans open 2+ years are few, so many LA cells are suppressed (c)
        assert stats["las"] >= (100 if measure_id == "cpp_2yrs_plus_pct" else 140), (measure_id, stats)
        if not measure_id.startswith("imd"):
            assert stats["periods"] >= 5, (measure_id, stats)
    m = {r["measure_id"]: r for r in built_store.rows("SELECT * FROM measure")}
    assert m["cin_rereferral_pct"]["polarity"] == "low" and m["care_leavers_eet_pct"]["polarity"] == "high"
    assert m["cla_rate_per_10k"]["polarity"] is None
    assert len(m) > 400


def test_la_identity_and_resolver(built_store):
    from cscwatch.identity import resolve_la
    from cscwatch.errors import UnknownLocalAuthority

    for text, code in [("Bristol", "801"), ("Bedford", "822"), ("St Helens", "342"), ("Telford & Wrekin", "894"),
                       ("Bournemouth, Christchurch & Poole", "839"), ("926", "926"), ("E10000020", "926"),
                       ("E08000016", "370"), ("E08000038", "370"), ("E08000019", "373"), ("E08000039", "373"),
                       ("E10000023", "815"), ("E06000065", "815"), ("Dorset", "838"), ("940 / 941", "940 / 941"),
                       ("Bournemouth (Pre LG)", "837"), ("norfolk", "926"), ("Herefordshire", "884")]:
        assert resolve_la(built_store, text)["la_code_old"] == code, text
    from datetime import date
    assert resolve_la(built_store, "Dorset", on=date(2015, 1, 1))["la_code_old"] == "835"
    assert resolve_la(built_store, "Norflok")["la_code_old"] == "926"      # one transposition is forgiven
    with pytest.raises(UnknownLocalAuthority, match="did you mean Norfolk"):
        resolve_la(built_store, "Norfolkshire")
    for row in read_bundled_csv(LOOKUPS["ofsted_names"][0]):        # every Ofsted spelling resolves
        resolve_la(built_store, row["name"])
    lineage = {(r["predecessor"], r["successor"]) for r in built_store.rows("SELECT * FROM la_lineage")}
    assert {("928", "940"), ("928", "941"), ("909", "942"), ("909", "943"), ("837", "839"), ("836", "839"),
            ("835", "839"), ("835", "838")} == lineage
    cumbria = built_store.rows("SELECT * FROM la WHERE la_code_old = '909'")[0]
    assert cumbria["valid_to"].isoformat() == "2023-03-31"


def test_api_results_are_json_and_profiles_compare(built_store):
    from cscwatch.contexts.la import la_context
    from cscwatch.warehouse.benchmark import measure_table

    table = measure_table(built_store, "cin_rereferral_pct", period="2024")
    json.dumps(to_jsonable(table))
    assert table["n_ranked"] >= 145 and table["rows"][0]["rank"] == 1
    assert {r["band"] for r in table["rows"] if r["rank"]} == {"A", "B", "C", "D"}
    profile = la_context(built_store, "Norfolk")
    json.dumps(to_jsonable(profile))
    assert profile["la"]["la_code_old"] == "926"
    assert profile["latest_inspection"]["overall"] in ("good", "outstanding", "requires_improvement", "inadequate")
    ids = [m["measure_id"] for m in profile["measures"]]
    assert "cin_rereferral_pct" in ids and "sw_agency_rate" in ids
    assert len(profile["comparator"]["areas"]) == 10


def test_noop_rebuild_changes_nothing(built_store):
    from cscwatch.build import build_all, stale_parts, up_to_date

    assert stale_parts(built_store) == []
    assert up_to_date(built_store)
    summary = build_all(built_store)
    assert summary.warehouse.skipped and summary.register_skipped and not summary.identity_written


@pytest.fixture(scope="module")
def db_copy(built_store, tmp_path_factory):
    built_store.con.execute("CHECKPOINT")
    target = tmp_path_factory.mktemp("cli") / "copy.duckdb"
    shutil.copy(built_store.path, target)
    return target


def test_cli(db_copy, tmp_path):
    from typer.testing import CliRunner

    from cscwatch.cli import app

    run = CliRunner().invoke
    r = run(app, ["measures", "--search", "re-referral", "--format", "json", "--db", str(db_copy)])
    assert r.exit_code == 0, r.output
    assert "cin_rereferral_pct" in {m["measure_id"] for m in json.loads(r.stdout)}
    r = run(app, ["measure", "sw_agency_rate", "--period", "2024", "--format", "csv", "--db", str(db_copy)])
    assert r.exit_code == 0 and r.stdout.splitlines()[0].startswith("rank,band,la_code_old")
    r = run(app, ["measure", "sw_agency_rate", "--format", "json", "--db", str(db_copy)])
    assert json.loads(r.stdout)["period"] == "2025"
    r = run(app, ["measure", "cin_rereferral_pct", "--peers", "Norfolk,Suffolk,Essex", "--format", "json",
                  "--db", str(db_copy)])
    peers = json.loads(r.stdout)
    assert peers["comparator"]["peers"] == ["926", "935", "881"]
    norfolk = next(row for row in peers["rows"] if row["la_code_old"] == "926")
    assert norfolk["comparator_n"] == 2 and norfolk["comparator"] is not None
    r = run(app, ["la", "Telford & Wrekin", "--format", "json", "--db", str(db_copy)])
    assert r.exit_code == 0 and json.loads(r.stdout)["la"]["la_code_old"] == "894"
    r = run(app, ["la", "Narnia", "--db", str(db_copy)])
    assert r.exit_code == 1 and "unknown local authority 'Narnia'" in r.output
    r = run(app, ["measure", "no_such_measure", "--db", str(db_copy)])
    assert r.exit_code == 1 and "unknown measure" in r.output
    for fmt in ("parquet", "csv"):
        r = run(app, ["export", "--format", fmt, str(tmp_path / fmt), "--db", str(db_copy)])
        assert r.exit_code == 0, r.output
        assert (tmp_path / fmt / f"observation.{fmt}").exists()
    n = duckdb.sql(f"SELECT count(*) FROM read_parquet('{tmp_path / 'parquet' / 'observation.parquet'}')").fetchall()[0][0]
    assert n > 600_000


def test_measure_dictionary_doc_is_up_to_date(built_store):
    from cscwatch.warehouse.docs import DOC, render_measures_md

    assert DOC.read_text(encoding="utf-8") == render_measures_md(built_store), \
        "docs/measures.md is out of date: run python -m cscwatch.warehouse.docs"


def test_successor_series_flags_predecessor_estimates(built_store):
    from cscwatch.warehouse.benchmark import la_series

    own = la_series(built_store, "940", "cla_rate_per_10k")
    assert {r["basis"] for r in own} == {"own"}
    assert all(r["value"] is None for r in own if r["period_end"].year <= 2021)   # before it existed
    joined = la_series(built_store, "940", "cla_rate_per_10k", include_predecessors=True)
    county = {r["period"]: r["value"] for r in la_series(built_store, "928", "cla_rate_per_10k")}
    early = [r for r in joined if r["basis"] == "estimated_from_predecessors"]
    assert early and all(r["value"] == county[r["period"]] for r in early)         # split: the county figure
    assert [r for r in joined if r["basis"] == "own"] == [r for r in own if r["period_end"].year >= 2022]
    assert la_series(built_store, "926", "cla_rate_per_10k", include_predecessors=True) == \
        la_series(built_store, "926", "cla_rate_per_10k")                           # no lineage: unchanged
