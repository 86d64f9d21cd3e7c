"""Pure parts of the web package: the dissolve, search scoring, chart specs, the synthetic store, the CLI."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cscwatch.web import charts, geo, pages


def square(x0: float, y0: float, size: float = 1.0) -> list[tuple[float, float]]:
    return [(x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size), (x0, y0)]


def test_dissolve_merges_neighbours_and_drops_the_shared_edge():
    polygons = geo.dissolve_rings([square(0, 0), square(1, 0)])
    assert len(polygons) == 1 and len(polygons[0]) == 1
    ring = polygons[0][0]
    assert ring[0] == ring[-1]
    assert abs(geo.signed_area([tuple(p) for p in ring[:-1]])) == pytest.approx(2.0)
    assert geo.signed_area([tuple(p) for p in ring[:-1]]) < 0  # outer ring clockwise for d3-geo
    assert [1.0, 0.0] in ring and [1.0, 1.0] in ring and len(ring) == 7


def test_dissolve_keeps_a_hole_and_separate_islands():
    ring_of_eight = [square(x, y) for x in range(3) for y in range(3) if (x, y) != (1, 1)]
    island = square(10, 10)
    polygons = geo.dissolve_rings([*ring_of_eight, island])
    assert len(polygons) == 2
    with_hole = next(p for p in polygons if len(p) == 2)
    outer, hole = ([tuple(pt) for pt in r[:-1]] for r in with_hole)
    assert geo.signed_area(outer) == pytest.approx(-9.0) and geo.signed_area(hole) == pytest.approx(1.0)


def test_dissolve_feature_collection_by_lookup():
    districts = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"LAD23CD": "E07000001"},
         "geometry": {"type": "Polygon", "coordinates": [square(0, 0)]}},
        {"type": "Feature", "properties": {"LAD23CD": "E07000002"},
         "geometry": {"type": "MultiPolygon", "coordinates": [[square(1, 0)]]}},
        {"type": "Feature", "properties": {"LAD23CD": "W06000001"},
         "geometry": {"type": "Polygon", "coordinates": [square(5, 5)]}}]}
    lookup = {"E07000001": ("E10000099", "Shire"), "E07000002": ("E10000099", "Shire")}
    out = geo.dissolve(districts, lookup)
    assert [f["id"] for f in out["features"]] == ["E10000099"]
    assert out["features"][0]["properties"]["name"] == "Shire"
    assert len(out["features"][0]["geometry"]["coordinates"]) == 1


def test_bundled_boundaries_dissolve_to_153_upper_tier_areas(tmp_path):
    g = geo.upper_tier_geojson(tmp_path)
    if g is None:
        pytest.skip("no boundary files bundled")
    assert len(g["features"]) == 153
    norfolk = next(f for f in g["features"] if f["id"] == "E10000020")
    assert 1 <= len(norfolk["geometry"]["coordinates"]) <= 8  # a county, not its 7 districts' 7 outlines


@pytest.mark.parametrize("query,name,at_least", [("Hackny", "Hackney", 0.6), ("camden", "Camden", 1.0),
                                                 ("north yorks", "North Yorkshire", 0.9),
                                                 ("Bristol", "Bristol, City of", 0.9)])
def test_similarity_tolerates_typos_and_dropped_words(query, name, at_least):
    assert pages.similarity(query, name) >= at_least


def test_similarity_rejects_unrelated_names():
    assert pages.similarity("Hackney", "Norfolk") < 0.45


def test_direction_respects_polarity():
    assert pages.direction(1.0, "high") == "better" and pages.direction(1.0, "low") == "worse"
    assert pages.direction(-2.0, None) == "down" and pages.direction(0.0, "low") == "same"
    assert pages.direction(None, "high") is None


def test_average_mean_and_median_ignore_missing():
    assert pages.average([1.0, None, 3.0, 8.0], "mean") == (4.0, 3)
    assert pages.average([1.0, None, 3.0, 8.0], "median") == (3.0, 3)
    assert pages.average([None], "mean") == (None, 0)


def test_is_key_measure():
    assert pages.is_key_measure({"sources": "cin_b1"})
    assert pages.is_key_measure({"sources": "cla_rate; lait:cla"})
    assert not pages.is_key_measure({"sources": "lait:academic"})
    assert pages.is_key_measure({})


def test_sparkline_path_spans_the_box():
    d = charts.sparkline([1.0, None, 3.0, 2.0])
    assert d.startswith("M2.0,26.0") and d.count("L") == 2
    assert charts.sparkline([5.0]) is None


def test_grade_map_has_one_trace_per_grade_with_text_labels():
    rows = [{"la_code_old": "1", "la_name": "A", "grade": "good"}, {"la_code_old": "2", "la_name": "B", "grade": None},
            {"la_code_old": "3", "la_name": "C", "grade": "inadequate"}]
    fig = charts.grade_map(rows, {"1": "E1", "2": "E2", "3": "E3"})
    assert [t["name"] for t in fig["data"]] == ["Good", "Inadequate", "No overall grade"]
    assert fig["data"][0]["text"] == ["A: Good"]


def test_synthetic_store_fills_every_table(synthetic):
    for table in ("la", "la_alias", "la_lineage", "region", "measure", "observation", "release", "stat_neighbour",
                  "source_file", "inspection", "judgement", "inspection_source",
                  "discrepancy", "visit", "source_inspection", "source_judgement"):
        assert synthetic.scalar(f"SELECT count(*) FROM {table}") > 0, table


def test_serve_get_prints_the_response(tmp_path):
    from cscwatch.cli import app
    from cscwatch.fixtures.stores import synthetic_store

    db = tmp_path / "s.duckdb"
    synthetic_store(db).close()
    runner = CliRunner()
    ok = runner.invoke(app, ["serve", "--db", str(db), "--get", "/api/la/926"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["la"]["la_name"] == "Norfolk"
    missing = runner.invoke(app, ["serve", "--db", str(db), "--get", "/api/la/999"])
    assert missing.exit_code == 1
    no_store = runner.invoke(app, ["serve", "--db", str(tmp_path / "none.duckdb"), "--get", "/"])
    assert no_store.exit_code == 1 and "cscwatch build" in no_store.output
