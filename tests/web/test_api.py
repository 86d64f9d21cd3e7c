"""Every endpoint on the synthetic store: status, shape, downloads, and the 404 / 422 cases."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

PAGES = ["/", "/la/202", "/la/E09000007", "/measure/rereferral_pct", "/measure/cin_rate?la=926&axis=zero",
         "/measures", "/search", "/search?q=hackney", "/compare?la=202&la=204", "/compare", "/docs"]


@pytest.mark.parametrize("path", PAGES)
def test_html_pages_render(client, path):
    r = client.get(path)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<a href="#main-content" class="govuk-skip-link"' in html
    assert html.count("<h1") == 1
    assert 'id="main-content"' in html


def test_overview_api(client):
    data = client.get("/api/overview").json()
    assert data["n_las"] == 11  # Cumbria is defunct
    assert sum(g["n"] for g in data["grade_counts"]) + data["not_inspected"] == 11
    assert {r["la_code_old"] for r in data["map"]} >= {"202", "926", "942"}
    shares = data["grade_shares"]
    assert [s["as_at"] for s in shares] == sorted(s["as_at"] for s in shares)
    last = shares[-1]
    assert last["label"] == "Latest" and last["n"] == 11
    assert round(sum(last[f"pct_{g}"] for g in ("outstanding", "good", "requires_improvement", "inadequate"))) == 100
    assert data["recent_inspections"][0]["start_date"] >= data["recent_inspections"][-1]["start_date"]


def test_overview_html_and_json_share_one_context(client):
    assert client.get("/?format=json").json() == client.get("/api/overview").json()


def test_la_api_by_old_and_ons_code(client):
    a = client.get("/api/la/202").json()
    b = client.get("/api/la/E09000007").json()
    assert a == b
    assert a["la"]["la_name"] == "Camden"
    inspections = a["inspections"]
    assert len(inspections) == 3
    first = inspections[0]
    assert first["judgements"][0]["judgement"] == "overall"
    assert {j["source"] for i in inspections for j in i["judgements"]} <= {"report", "ofsted"}
    measures = {m["measure_id"]: m for m in a["measures"]}
    assert set(measures) == {"cin_rate", "cpp_rate", "rereferral_pct", "cla_stability_pct", "sw_turnover_pct"}
    m = measures["rereferral_pct"]
    assert m["period"] == "2023-24" and m["rank"] is not None and m["band"] in "ABCD"
    assert m["of"] == 11 and len(m["series"]) == 7
    assert measures["cin_rate"]["rank"] is None and measures["cin_rate"]["band"] is None  # context measure
    assert a["comparator"]["neighbours"] == "2025" and len(a["comparator"]["areas"]) == 5


def test_la_comparators_change_the_figures(client):
    mean = client.get("/api/la/202?peers=204,210").json()
    median = client.get("/api/la/202?peers=204,210,926&average=median").json()
    assert [a["la_code_old"] for a in mean["comparator"]["areas"]] == ["204", "210"]
    r_mean = {m["measure_id"]: m for m in mean["measures"]}["cin_rate"]
    hackney = client.get("/api/la/204").json()
    southwark = client.get("/api/la/210").json()
    values = [{m["measure_id"]: m for m in x["measures"]}["cin_rate"]["value"] for x in (hackney, southwark)]
    assert r_mean["neighbours"] == pytest.approx(sum(values) / 2)
    assert r_mean["neighbours_n"] == 2
    assert median["comparator"]["average"] == "median"
    m2021 = client.get("/api/la/202?neighbours=2021").json()
    assert m2021["comparator"]["areas"] != mean["comparator"]["areas"]


def test_measure_api_ranks_and_bands(client):
    data = client.get("/api/measure/rereferral_pct").json()
    assert data["measure"]["polarity"] == "low"
    table = data["table"]
    assert len(table) == 11
    ranked = [r for r in table if r["rank"] is not None]
    values = [r["value"] for r in ranked]
    assert values == sorted(values)  # low polarity: best (lowest) first
    assert ranked[0]["rank"] == 1 and ranked[0]["band"] == "A" and ranked[-1]["band"] == "D"
    assert len(data["distribution"]) == len(data["periods"]) == 7
    d = data["distribution"][-1]
    assert d["min"] <= d["q1"] <= d["median"] <= d["q3"] <= d["max"]
    assert data["england"] is not None and len(data["regions"]) == 4


def test_measure_page_agrees_with_the_warehouse_benchmark(client, synthetic):
    from cscwatch.warehouse.benchmark import measure_table

    ours = client.get("/api/measure/cla_stability_pct?period=2022-23").json()
    theirs = measure_table(synthetic, "cla_stability_pct", "2022-23")
    assert ours["quartiles"] == pytest.approx(theirs["quartiles"])
    assert {r["la_code_old"]: (r["rank"], r["band"]) for r in ours["table"]} == \
        {r["la_code_old"]: (r["rank"], r["band"]) for r in theirs["rows"]}


def test_measure_highlight_and_period(client):
    data = client.get("/api/measure/cin_rate?la=Hackney&period=2019-20").json()
    assert data["period"] == "2019-20"
    assert data["highlight"]["la_code_old"] == "204"
    assert data["highlight_row"]["period"] == "2019-20"
    assert data["distribution"][2]["la"] == data["highlight_row"]["value"]


def test_suppressed_value_keeps_its_symbol(client):
    data = client.get("/api/measure/sw_turnover_pct?period=2019-20").json()
    row = next(r for r in data["table"] if r["la_code_old"] == "806")
    assert row["value"] is None and row["status"] == "c" and row["rank"] is None


def test_lists(client):
    las = client.get("/api/las").json()
    assert len(las) == 12 and {"la_code_old", "la_name", "latest_overall", "current"} <= set(las[0])
    assert next(x for x in las if x["la_code_old"] == "909")["current"] is False
    measures = client.get("/api/measures").json()
    assert len(measures) == 5 and measures[0]["latest_period"] == "2023-24"


@pytest.mark.parametrize("q,expected", [("hackny", "204"), ("camdn", "202"), ("E10000020", "926"), ("926", "926"),
                                        ("city of manchester", "352"), ("north folk", "926")])
def test_search_tolerates_typos(client, q, expected):
    results = client.get("/api/search", params={"q": q}).json()["results"]
    assert results and results[0]["la_code_old"] == expected


def test_compare(client):
    data = client.get("/api/compare?la=202&la=Hackney&la=202").json()
    assert [la["la_code_old"] for la in data["las"]] == ["202", "204"]
    row = data["measures"][0]
    assert len(row["las"]) == 2 and all(c["value"] is not None for c in row["las"])
    only = client.get("/api/compare?la=202&la=204&measure=cpp_rate").json()
    assert [m["measure_id"] for m in only["measures"]] == ["cpp_rate"]


def test_healthz(client):
    health = client.get("/healthz").json()
    assert health == {"ok": True, "version": client.app.version, "las": 12, "measures": 5, "inspections": 33,
                      "warm": health["warm"], "risk": health["risk"]}
    client.app.state.view.warm()
    assert client.get("/healthz").json()["warm"] is True


def test_geojson_is_dissolved_to_upper_tier(client):
    r = client.get("/api/geo/la.geojson")
    assert r.status_code == 200
    features = r.json()["features"]
    assert len(features) == 153
    assert "E10000020" in {f["id"] for f in features}


# -- downloads -------------------------------------------------------------------------------

@pytest.mark.parametrize("path,table,column", [
    ("/", "las", "grade"), ("/", "grade_shares", "pct_good"), ("/", "recent_inspections", "overall"),
    ("/la/202", "measures", "band"), ("/la/202", "inspections", "judgement"), ("/la/202", "visits", "visit_type"),
    ("/measure/cin_rate", "ranking", "rank"), ("/measure/cin_rate", "distribution", "median"),
    ("/measure/cin_rate", "regions", "value"), ("/api/la/926", "measures", "england"),
])
def test_csv_download_of_every_table(client, path, table, column):
    sep = "&" if "?" in path else "?"
    r = client.get(f"{path}{sep}format=csv&table={table}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert f"-{table}.csv" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows and column in rows[0]


@pytest.mark.parametrize("path", ["/measures?format=csv", "/api/las?format=csv", "/search?q=hack&format=csv",
                                  "/compare?la=202&la=204&format=csv", "/api/compare?la=202&la=204&format=csv"])
def test_csv_lists(client, path):
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert len(r.text.splitlines()) >= 2


def test_xlsx_download(client):
    r = client.get("/measure/cin_rate?format=xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    header = [c.value for c in ws[1]]
    assert header[:3] == ["la_code_old", "la_code_new", "la_name"] and ws.max_row == 12


def test_la_workbook(client):
    r = client.get("/la/926/workbook.xlsx")
    assert r.status_code == 200
    assert "cscwatch-926-norfolk.xlsx" in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["Profile", "Measures", "Inspections", "Visits"]
    measures = wb["Measures"]
    header = [c.value for c in measures[1]]
    for col in ("value", "rank", "band", "change", "neighbours", "region", "england", "trend_series"):
        assert col in header
    assert measures.max_row == 6
    assert wb["Inspections"].max_row > 3


# -- errors ------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/la/999", "/api/la/Atlantis", "/api/measure/no_such_measure",
                                  "/api/measure/cin_rate?period=1999", "/api/measure/cin_rate?la=999",
                                  "/api/compare?la=202&la=999", "/api/la/202?peers=999",
                                  "/api/overview?format=csv&table=nope"])
def test_unknown_things_are_404_json(client, path):
    r = client.get(path)
    assert r.status_code == 404
    body = r.json()
    assert body["status"] == 404 and body["error"]


def test_unknown_la_suggests(client):
    body = client.get("/api/la/Hackny").json()
    # a near miss resolves through search suggestions rather than silently picking one
    assert body["status"] == 404 and "Hackney (204)" in body["suggestions"]


def test_unknown_measure_names_the_nearest(client):
    assert "cin_rate" in client.get("/api/measure/cin_rat").json()["error"]


@pytest.mark.parametrize("path", ["/la/999", "/measure/nope", "/no/such/page"])
def test_unknown_things_are_404_html(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "govuk-heading-l" in r.text


@pytest.mark.parametrize("path", ["/api/la/202?neighbours=2019", "/api/la/202?average=mode",
                                  "/api/la/202?peers=202;drop", "/api/la/202?format=pdf",
                                  "/api/measure/cin_rate?format=html", "/measure/cin_rate?axis=log",
                                  "/api/search", "/api/search?q=", "/api/compare", "/la/202?measures=some",
                                  "/api/overview?table=Bad-Name", "/search?q=" + "x" * 101])
def test_bad_parameters_are_422_never_500(client, path):
    r = client.get(path)
    assert r.status_code == 422, r.text[:300]
    if path.startswith("/api"):
        assert r.json()["status"] == 422 and r.json()["detail"]
    else:
        assert "There is a problem with the address" in r.text


def test_openapi_documents_every_api_endpoint(client):
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/api/overview", "/api/la/{code}", "/api/measure/{measure_id}", "/api/las", "/api/measures",
              "/api/search", "/api/compare", "/healthz"):
        assert p in paths
    assert paths["/api/las"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"


def test_static_assets_are_local(client):
    html = client.get("/").text
    assert "http://" not in html.replace("http://www.w3.org", "") or "cdn" not in html
    assert "cdn." not in html
    assert client.get("/static/govuk/govuk-frontend.min.css").status_code == 200
    assert client.get("/assets/images/favicon.svg").status_code == 200
    assert client.get("/vendor/plotly.min.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/vendor/topojson/world_110m.json").json()["type"] == "Topology"


def test_responses_are_cached_and_etagged(client):
    first = client.get("/api/la/202")
    again = client.get("/api/la/202", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304


def test_risk_section_when_the_model_is_ready(synthetic):
    from fastapi.testclient import TestClient

    from cscwatch.web.app import create_app

    app = create_app(synthetic, risk=False)
    app.state.risk.state = "ready"
    app.state.risk._explain = lambda: lambda store, la: {
        "la_code_old": la, "probability": 0.42, "band": "high", "rank": 1, "n_las": 11, "as_of": "2025-01-01",
        "target": "inadequate", "model": "ensemble", "scheduled": "standard",
        "pushing_up": [{"text": "caseloads rising 3 years running"}], "pushing_down": [], "features": {}}
    with TestClient(app) as c:
        html = c.get("/la/202").text
        assert "Risk of an inadequate next inspection" in html and "42%" in html
        assert "caseloads rising 3 years running" in html
        assert c.get("/api/la/202").json()["risk"]["band"] == "high"
