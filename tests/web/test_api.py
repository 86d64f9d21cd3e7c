"""Every page and its twin on the store built from the bundled data: one context each, HTML or JSON,
downloads, comparator state in links, errors, HEAD and 405, and the OpenAPI description."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest

PAGES = ["/", "/la/926", "/la/E10000020", "/la/926?measures=all", "/la/201", "/la/835",
         "/measure/cin_rereferral_pct", "/measure/cin_rereferral_pct?la=926&axis=zero&small=hide",
         "/measure/ruc_2011_class", "/measures", "/measures?q=agency", "/measures?topic=Child+Protection",
         "/las", "/las?sort=grade&region=London", "/las?inspected_before=2020", "/search", "/search?q=norflk",
         "/compare", "/compare?la=926&la=935", "/glossary", "/docs"]
TWINS = [("/", "/api/overview"), ("/la/926?neighbours=2021&average=median", "/api/la/926?neighbours=2021&average=median"),
         ("/measure/sw_agency_rate?la=Suffolk", "/api/measure/sw_agency_rate?la=Suffolk"),
         ("/measures?q=caseload", "/api/measures?q=caseload"), ("/las?region=London", "/api/las?region=London"),
         ("/search?q=hackny", "/api/search?q=hackny"), ("/compare?la=926&la=935", "/api/compare?la=926&la=935")]


@pytest.mark.parametrize("path", PAGES)
def test_html_pages_render_with_freshness(client, path):
    r = client.get(path)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<a href="#main-content" class="govuk-skip-link"' in html
    assert html.count("<h1") == 1 and 'id="main-content"' in html
    if path != "/docs":
        assert "How current these figures are" in html and "Ofsted judgements to" in html


@pytest.mark.parametrize("page,api", TWINS)
def test_page_json_is_its_api_twin(client, page, api):
    sep = "&" if "?" in page else "?"
    assert client.get(f"{page}{sep}format=json").json() == client.get(api).json()


@pytest.mark.parametrize("path", ["/api/overview", "/api/la/926", "/api/measure/cin_rereferral_pct", "/api/las",
                                  "/api/measures", "/api/search?q=kent", "/api/compare?la=926&la=935"])
def test_every_api_answer_says_how_current_it_is(client, path):
    r = client.get(path)
    fresh = r.json()["freshness"]
    assert fresh["register"]["text"].startswith("Ofsted judgements to") and fresh["statistics"]
    assert "Ofsted judgements to" in r.headers["x-data-as-at"]


def test_healthz_keeps_its_fields_and_reports_freshness(client):
    h = client.get("/healthz").json()
    assert {"ok", "version", "las", "measures", "inspections", "warm", "risk"} <= set(h)
    assert h["ok"] and h["las"] > 150 and h["measures"] > 400 and h["inspections"] > 600 and h["warm"]
    assert h["freshness"]["summary"] and isinstance(h["freshness"]["warnings"], list)
    assert client.get("/healthz").headers["cache-control"] == "no-store"


def test_la_page_uses_the_one_context(client, web_store):
    from cscwatch.contexts.la import la_context
    from cscwatch.output import to_jsonable

    api = client.get("/api/la/Norfolk").json()
    ctx = to_jsonable(la_context(web_store, "926"))
    assert api["measures"] == ctx["measures"] and api["inspections"] == ctx["inspections"]
    assert api["risk"] == ctx["risk"] and api["risk"]["available"]
    ids = [m["measure_id"] for m in api["measures"]]
    assert {"cin_rereferral_pct", "cin_assessment_45d_pct", "icpc_15days_pct", "care_leavers_eet_17_18_pct"} <= set(ids)


def test_peers_by_name_and_all_neighbours_in_one_click(client):
    data = client.get("/api/la/926", params={"peers": "Milton Keynes, Bedford,826"}).json()
    assert data["comparator"]["peers"] == ["826", "822"]
    assert data["comparator"]["label"].startswith("Mean of your peer group")
    html = client.get("/la/926?peers=Milton+Keynes,Bedford").text
    assert 'name="peers" type="checkbox" value="826" checked' in html
    nbrs = [a["la_code_old"] for a in client.get("/api/la/926").json()["comparator"]["areas"]]
    link = re.search(r'id="compare-all" href="([^"]+)"', client.get("/la/926").text).group(1)
    assert link == "/compare?" + "&amp;".join(f"la={c}" for c in ["926", *nbrs])
    assert len(client.get("/api/compare", params={"la": ["926", *nbrs]}).json()["las"]) == 11


def test_a_bad_peer_name_is_a_plain_message(client):
    r = client.get("/api/la/926?peers=Atlantis")
    assert r.status_code == 404 and "Atlantis" in r.json()["error"] and "^" not in r.json()["error"]


def test_comparator_state_is_carried_in_every_link(client):
    state = "neighbours=2021&amp;average=median&amp;peers=935%2C882"
    for path in ("/", "/la/926", "/measure/cin_rereferral_pct", "/compare?la=926", "/las", "/measures"):
        html = client.get(path, params={"neighbours": "2021", "average": "median", "peers": "935,882"}).text
        internal = re.findall(r'href="(/(?:la|measure|compare|las|measures|glossary)[^"#]*)', html)
        assert internal, path
        carried = [h for h in internal if state in h]
        assert len(carried) >= 0.8 * len(internal), (path, [h for h in internal if state not in h][:5])


def test_exact_code_goes_straight_to_the_la(client):
    r = client.get("/search?q=926", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/la/926"
    r = client.get("/search?q=E10000020&neighbours=2021", follow_redirects=False)
    assert r.headers["location"] == "/la/926?neighbours=2021"
    assert client.get("/api/search?q=926").json()["exact"]["la_code_old"] == "926"
    assert client.get("/search?q=norf").status_code == 200


def test_small_authorities_are_shown_but_never_ranked(client):
    rows = {r["la_code_old"]: r for r in client.get("/api/measure/cin_rereferral_pct").json()["rows"]}
    for code in ("201", "420"):
        assert rows[code]["small"] and rows[code]["rank"] is None and rows[code]["band"] is None
    assert rows["926"]["rank"] is not None
    html = client.get("/measure/cin_rereferral_pct?small=hide").text
    assert "Isles of Scilly" not in html.split('id="ranking"')[1]
    assert "(small authority, not ranked)" in client.get("/measure/cin_rereferral_pct").text


def test_categorical_measures_are_never_averaged(client):
    data = client.get("/api/measure/ruc_2011_class").json()
    assert all(r["comparator"] is None and r["sn2025_mean"] is None for r in data["rows"])
    assert data["map"]["kind"] == "category"


def test_region_names_not_codes_and_readable_timeline(client):
    regions = client.get("/api/measure/cin_rereferral_pct").json()["regions"]
    assert regions and all(not r["region_name"].startswith("E1") for r in regions)
    html = client.get("/la/926").text
    assert "SIF re-inspection, 19 January 2018" in html and "reinspection inspection" not in html
    assert "E12000006" not in html.split("<main")[1].split("</main>")[0]


def test_lists_find_things(client):
    m = client.get("/api/measures").json()
    assert m["topics"][:3] == ["Children in Need", "Child Protection", "Children Looked After"]
    assert m["measures"][0]["topic"] == "Children in Need"
    found = client.get("/api/measures?q=agency social worker").json()["measures"]
    assert "sw_agency_rate" in [r["measure_id"] for r in found]
    london = client.get("/api/las?region=London&sort=grade").json()["las"]
    assert len(london) == 33 and london[0]["latest_overall"] in ("inadequate", None)
    old = client.get("/api/las?inspected_before=2020").json()["las"]
    assert all(r["latest_inspection_date"] is None or r["latest_inspection_date"] < "2020" for r in old)


def test_feeds_and_alternate_links(client):
    assert 'rel="alternate" type="application/atom+xml"' in client.get("/la/926").text
    assert 'href="/la/926/feed.xml"' in client.get("/la/926").text
    for path in ("/feed.xml", "/la/926/feed.xml", "/feed.xml?peers=926,935"):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
        assert b"<feed" in r.content


def test_boundaries_come_from_the_store(client):
    features = client.get("/api/geo/la.geojson").json()["features"]
    assert len(features) == 153 and "926" in {f["id"] for f in features}


# -- downloads --------------------------------------------------------------------------------
@pytest.mark.parametrize("path,table,header", [
    ("/", "las", "Latest overall effectiveness"), ("/", "grade_shares", "Good (%)"),
    ("/", "recent_inspections", "Inspection"), ("/la/926", "measures", "Quartile band (A = best quarter)"),
    ("/la/926", "inspections", "Judgement"), ("/la/926", "visits", "Visit"),
    ("/measure/cin_rereferral_pct", "ranking", "Rank (1 = best)"),
    ("/measure/cin_rereferral_pct", "distribution", "Median"), ("/measure/cin_rereferral_pct", "regions", "Region"),
    ("/api/la/926", "measures", "Value"), ("/compare?la=926&la=935", "comparison", "Norfolk: value"),
    ("/measures", "measures", "Measure"), ("/las", "las", "Local authority"), ("/search?q=kent", "results", "Match (1 = exact)"),
])
def test_csv_download_of_every_table(client, path, table, header):
    sep = "&" if "?" in path else "?"
    r = client.get(f"{path}{sep}format=csv&table={table}")
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("text/csv")
    assert f"-{table}.csv" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text)))
    assert header in rows[0] and (len(rows) >= 2 or table == "visits")
    assert not any("_" in h for h in rows[0] if h not in ("Measure id",)), rows[0]


def test_csv_counts_are_integers(client):
    text = client.get("/measure/population_0_17?format=csv").text
    values = [row["Value (count)"] for row in csv.DictReader(io.StringIO(text)) if row["Value (count)"]]
    assert values and all(re.fullmatch(r"\d+", v) for v in values), values[:5]


def test_unknown_table_is_404(client):
    r = client.get("/api/overview?format=csv&table=nope")
    assert r.status_code == 404 and "las" in r.json()["error"]


# -- errors, HEAD, 405, bounded input -------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/la/999", "/api/la/Atlantis", "/api/measure/no_such_measure",
                                  "/api/measure/cin_rereferral_pct?period=1999", "/api/measure/cin_rereferral_pct?la=999",
                                  "/api/compare?la=926&la=999"])
def test_unknown_things_are_404_json(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert r.json()["status"] == 404 and r.json()["error"]


def test_unknown_la_suggests_and_measure_names_the_nearest(client):
    assert "Hackney" in client.get("/api/la/Hckny Borough").json().get("suggestions", [])
    assert "cin_rereferral_pct" in client.get("/api/measure/cin_rereferral_pc").json()["error"]


@pytest.mark.parametrize("path", ["/la/999", "/measure/nope", "/no/such/page"])
def test_unknown_things_are_404_html(client, path):
    r = client.get(path)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "govuk-heading-l" in r.text


@pytest.mark.parametrize("path", ["/api/la/926?neighbours=2019", "/api/la/926?average=mode", "/api/la/926?format=pdf",
                                  "/api/measure/cin_rereferral_pct?format=html", "/measure/cin_rereferral_pct?axis=log",
                                  "/api/compare", "/la/926?measures=some", "/api/overview?table=Bad-Name",
                                  "/search?q=" + "x" * 101, "/api/compare?la=" + "x" * 60_000,
                                  "/api/la/926?peers=" + "y" * 5_000, "/api/compare?" + "&".join(["la=926"] * 21)])
def test_bad_parameters_are_422_never_500(client, path):
    r = client.get(path)
    assert r.status_code == 422, r.text[:300]
    if path.startswith("/api"):
        assert r.json()["status"] == 422 and "error" in r.json()
    else:
        assert "There is a problem with the address" in r.text


def test_head_is_answered_without_a_body(client):
    for path in ("/", "/la/926", "/api/la/926", "/static/cscwatch.js", "/healthz", "/la/926/workbook.xlsx"):
        get, head = client.get(path), client.head(path)
        assert head.status_code == 200 and head.content == b"", path
        assert head.headers["content-type"] == get.headers["content-type"]


def test_405_names_the_allowed_methods(client):
    r = client.post("/api/la/926")
    assert r.status_code == 405 and set(r.headers["allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}


def test_responses_are_cached_per_generation_and_etagged(client):
    first = client.get("/api/la/926")
    again = client.get("/api/la/926", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304
    gz = client.get("/la/926", headers={"accept-encoding": "gzip"})
    assert gz.headers.get("content-encoding") == "gzip"


def test_static_assets_are_local_compressed_and_long_lived(client):
    html = client.get("/").text
    assert "cdn." not in html and "https://" not in html.split("<footer")[0]
    r = client.get("/static/vendor/plot.umd.min.js", headers={"accept-encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip" and "max-age=31536000" in r.headers["cache-control"]
    assert client.get("/assets/images/favicon.svg").status_code == 200


def test_la_risk_panel_reads_the_published_scores(client, web_store):
    from cscwatch.risk.context import la_risk_context
    from cscwatch.output import to_jsonable

    panel = client.get("/api/la/202").json()["risk"]
    assert panel == to_jsonable(la_risk_context(web_store, "202"))
    assert {"p_inspected_12m", "p_inadequate_if_inspected", "p_inadequate_12m", "window", "status", "reasons",
            "accuracy", "band_label"} <= set(panel)
    html = client.get("/la/202").text
    assert 'id="risk"' in html and panel["accuracy"] in html and 'href="/model-card"' in html


# -- the OpenAPI description matches the answers ----------------------------------------------------
EXAMPLES = {"code": "926", "measure_id": "cin_rereferral_pct", "name": "cscwatch.js", "year": "2025",
            "sha256": "a" * 64}
BAD = {"code": "Atlantis", "measure_id": "no_such_measure"}


def _url(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(:path)?\}", lambda m: values.get(m.group(1), "x"), path)


def test_openapi_describes_every_answer(client):
    """Walk /openapi.json: each operation's real answers (good and bad input) have a declared status
    and a declared content type."""
    schema = client.get("/openapi.json").json()
    checked = 0
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            declared = op["responses"]
            for values, extra in ((EXAMPLES, ""), (BAD, ""), (EXAMPLES, "format=nope"),
                                  (EXAMPLES, "format=csv"), (EXAMPLES, "format=xlsx")):
                if "format=" in extra and not any(p["name"] == "format" for p in op.get("parameters", [])):
                    continue
                required = "&".join(f"{p['name']}=926" for p in op.get("parameters", [])
                                    if p["in"] == "query" and p.get("required"))
                query = "&".join(x for x in (required, extra) if x)
                url = _url(path, values) + ("?" + query if query else "")
                r = client.request(method.upper(), url)
                status = str(r.status_code)
                assert status in declared, (method, url, status, list(declared))
                ctype = r.headers.get("content-type", "").split(";")[0]
                content = declared[status].get("content")
                if content and method != "head":
                    assert ctype in content, (method, url, ctype, list(content))
                checked += 1
    assert checked > 60
    for path in ("/api/la/{code}", "/api/measure/{measure_id}", "/api/compare"):
        responses = schema["paths"][path]["get"]["responses"]
        assert {"200", "404", "422"} <= set(responses)
        assert {"application/json", "text/csv",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} <= set(responses["200"]["content"])
        assert responses["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    compare_la = next(p for p in schema["paths"]["/api/compare"]["get"]["parameters"] if p["name"] == "la")
    assert compare_la["schema"]["items"]["maxLength"] <= 120 and compare_la["schema"]["maxItems"] == 20


def test_serve_get_prints_the_response(store_file, tmp_path):
    from typer.testing import CliRunner

    from cscwatch.cli import app as cli

    runner = CliRunner()
    ok = runner.invoke(cli, ["serve", "--db", str(store_file), "--no-risk", "--get", "/api/la/926"])  # old scripts
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["la"]["la_name"] == "Norfolk"
    assert runner.invoke(cli, ["serve", "--db", str(store_file), "--no-risk", "--get", "/api/la/999"]).exit_code == 1
    none = runner.invoke(cli, ["serve", "--db", str(tmp_path / "none.duckdb"), "--get", "/"])
    assert none.exit_code == 1 and "cscwatch build" in none.output
