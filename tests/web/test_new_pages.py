"""The pages wired after the refactor: early warning (/risk, the LA risk panel, /model-card), what the
reports say (/themes, report pages, the LA themes panel), the inspection plan (/plan) and the
returns (provisional beside published; child-level issues behind a login). Each page is checked
against its own context function, its /api twin, its downloads and how current it says it is."""
from __future__ import annotations

import csv
import io
import re
import warnings

import pytest
from openpyxl import load_workbook

from tests.web.extras import ACCOUNTS, PASSWORD, REPORTS, RETURNS_LA

SHA = next(iter(REPORTS))
PAGES = ["/risk", "/risk?region=London", "/model-card", "/themes", "/themes?grade=inadequate",
         "/themes?framework=ILACS-2023&year=2026", f"/report/{SHA}", "/plan", f"/returns/{RETURNS_LA}", "/returns/926",
         "/la/841", f"/la/{RETURNS_LA}"]
TWINS = [("/risk", "/api/risk"), ("/risk?region=London", "/api/risk?region=London"), ("/model-card", "/api/model-card"),
         ("/themes?grade=good", "/api/themes?grade=good"), (f"/report/{SHA}", f"/api/report/{SHA}"),
         ("/plan", "/api/plan"), (f"/returns/{RETURNS_LA}", f"/api/returns/{RETURNS_LA}")]


def fresh_client(app):
    """A client with its own cookies (the session-wide one must never be logged in)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(app)


def log_in(c, user: str, password: str = PASSWORD, next_: str = ""):
    token = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)
    return c.post("/login", data={"csrf": token, "username": user, "password": password, "next": next_},
                  follow_redirects=False)


@pytest.mark.parametrize("path", PAGES)
def test_new_pages_render_with_freshness(client, path):
    r = client.get(path)
    assert r.status_code == 200, r.text[:500]
    html = r.text
    assert html.count("<h1") == 1 and "How current these figures are" in html and "Ofsted judgements to" in html
    assert "Ofsted judgements to" in r.headers["x-data-as-at"]


@pytest.mark.parametrize("page,api", TWINS)
def test_page_json_is_its_api_twin(client, page, api):
    sep = "&" if "?" in page else "?"
    assert client.get(f"{page}{sep}format=json").json() == client.get(api).json()


# -- early warning ----------------------------------------------------------------------------
def test_risk_page_is_the_published_context(client, web_store):
    from cscwatch.contexts.risk import risk_context
    from cscwatch.output import to_jsonable
    from cscwatch.risk.context import risk_page_context

    api = client.get("/api/risk").json()
    published = to_jsonable(risk_page_context(web_store))
    assert api["las"] == published["las"] and api["accuracy"] == published["accuracy"]
    assert api == to_jsonable(risk_context(web_store)) | {"freshness": api["freshness"]}
    assert len(api["las"]) == published["n_las"] > 140
    one = api["las"][0]
    assert {"p_inspected_12m", "window", "p_inadequate_if_inspected", "p_inadequate_12m", "band", "band_label",
            "reasons", "status"} <= set(one)
    assert "Early-warning scores as of" in api["freshness"]["summary"]
    html = client.get("/risk").text
    assert api["accuracy"] in html and 'href="/model-card"' in html
    for m in api["meanings"]:
        assert m["text"] in html.replace("&#39;", "'")
    assert "How the bands are cut" in html and all(b["label"] in html for b in api["bands"])
    assert all(f'href="/la/{la["la_code_old"]}#risk"' in html for la in api["las"])


def test_an_la_judged_inadequate_is_never_low_risk(client):
    las = client.get("/api/risk").json()["las"]
    judged = [la for la in las if la["status"]["judged_inadequate"]]
    assert judged and all(la["band"] == "inadequate" for la in judged)
    assert all(la["band_label"] == "Judged inadequate: under monitoring" for la in judged)
    code = judged[0]["la_code_old"]
    html = client.get(f"/la/{code}").text
    panel = html.split('id="risk"')[1].split("</section>")[0]
    assert "Judged inadequate: under monitoring" in panel and "Re-inspection window" in panel
    assert "Low risk" not in panel and "Inadequate risk" not in panel
    page = client.get("/risk").text
    assert "Inadequate risk" not in page
    section = page.split('id="inadequate"')[1].split('id="scores"')[0]
    assert all(la["la_name"] in section for la in judged) and "Low risk" not in section


def test_risk_region_filter(client):
    london = client.get("/api/risk?region=london").json()
    assert london["region"] == "London" and london["las"] and {la["region"] for la in london["las"]} == {"London"}
    r = client.get("/api/risk?region=Atlantis")
    assert r.status_code == 404 and "London" in r.json()["error"]


def test_model_card_is_rendered(client):
    html = client.get("/model-card").text
    assert '<h1 class="govuk-heading-xl"' in html and "<table" in html and "<script>alert" not in html
    assert html.count('class="app-table-scroll" role="region"') == html.count("<table")
    assert client.get("/api/model-card").json()["markdown"].startswith("# Model card")


def test_pages_never_fit_a_model_while_serving(client, app, monkeypatch):
    """Every risk figure a page shows is read from the store: fitting anything here fails the test."""
    import cscwatch.planner.adapters as adapters
    import cscwatch.planner.plan as planner_plan
    import cscwatch.risk.scores as scores

    def refuse(*a, **k):
        raise AssertionError("a model was fitted while serving")

    import cscwatch.watch.changes as changes

    for module, name in ((scores, "score"), (scores, "explain"), (adapters, "risk_on"), (planner_plan, "risk_on"),
                         (changes, "early_warning_scores")):
        monkeypatch.setattr(module, name, refuse)
    app.state.generations.current.cache.clear()
    for path in ("/risk", "/la/841", "/la/357", "/api/plan?months=4&capacity=standard%3D9,short%3D9",
                 "/la/926/workbook.xlsx", "/feed.xml", "/la/926/feed.xml", "/feed.xml?peers=926,935"):
        assert client.get(path).status_code == 200, path


# -- themes -----------------------------------------------------------------------------------
def test_themes_page_links_every_sentence_to_its_report_page(client):
    api = client.get("/api/themes").json()
    assert api["available"] and api["reports"] == 2 and api["las"] == 1
    assert {"themes", "by_grade", "separation", "evidence", "taxonomy"} <= set(api)
    evidence = [e for by in api["evidence"].values() for rows in by.values() for e in rows]
    assert evidence and all(e["href"] == f"/report/{e['sha256']}#page-{e['page']}" for e in evidence)
    assert all("/" not in (e["file"] or "") for e in evidence)              # no server paths in the API
    html = client.get("/themes").text
    e = evidence[0]
    assert f'href="{e["href"]}"' in html
    report = client.get(e["href"].split("#")[0]).text
    page = report.split(f'id="page-{e["page"]}"')[1].split("</section>")[0]
    words = re.sub(r"\s+", " ", e["text"])[:40]
    assert words.replace("'", "&#39;") in re.sub(r"\s+", " ", page)


def test_themes_filters_and_errors(client):
    inadequate = client.get("/api/themes?grade=inadequate").json()
    assert inadequate["filters"]["grade"] == "inadequate" and inadequate["reports"] <= 2
    assert client.get("/api/themes?grade=awful").status_code == 422
    assert client.get("/api/themes?framework=NOPE").status_code == 404
    assert client.get("/api/report/" + "0" * 64).status_code == 404
    assert client.get("/api/report/not-a-sha").status_code == 422


def test_la_page_shows_its_last_reports_themes_and_followups(client):
    panel = client.get("/api/la/841").json()["themes"]
    last = list(REPORTS)[-1]
    assert panel["report"]["sha256"] == last and panel["themes"]
    assert panel["previous_recommendations"], "the earlier report's recommendations are followed up"
    assert {r["followup"] for r in panel["previous_recommendations"]} <= {"resolved", "still_concern", "not_mentioned"}
    html = client.get("/la/841").text
    section = html.split('id="themes"')[1].split("</section>")[0]
    assert "What its last report said" in html and f'href="/report/{last}"' in section
    for r in panel["previous_recommendations"]:
        assert r["followup_text"] in section
        if r["evidence"]:
            assert r["evidence_href"].startswith(f"/report/{last}#page-")
    assert client.get("/api/la/926").json()["themes"]["report"] is None
    assert "No report text for Norfolk" in client.get("/la/926").text


# -- plan -------------------------------------------------------------------------------------
def test_plan_page_uses_the_published_scores_and_says_why(client, web_store, monkeypatch):
    import cscwatch.contexts.plan as contexts_plan
    from cscwatch.contexts.risk import published_risk

    api = client.get("/api/plan").json()
    monkeypatch.setattr(contexts_plan, "plan_context", lambda *a, **k: pytest.fail("the default plan was made twice"))
    assert contexts_plan.plan_page_context(web_store)["events"] == contexts_plan.plan_page_context(web_store)["events"]
    published = {la["la_code_old"]: la for la in published_risk(web_store)["las"]}
    assert api["risk_published"] and api["risk_as_of"] == published_risk(web_store)["as_of"]
    for e in api["events"]:
        assert e["risk"] == published[e["la_code_old"]]["p_inadequate_if_inspected"]
        assert e["risk_band"] == published[e["la_code_old"]]["band_label"]
    assert api["simulation"]["available"] and "risk-based plan" in api["simulation"]["paragraph"]
    html = client.get("/plan").text
    assert api["simulation"]["paragraph"].replace("'", "&#39;") in html
    assert 'id="capacity-chart"' in html and '"kind":"stack"' in html and 'id="timeline"' in html
    flagged = [e for e in api["events"] if e["status"] in ("overdue", "brought_forward")]
    assert all(e["reason"].replace("'", "&#39;") in html for e in flagged)
    assert len(api["timeline"]["las"]) == api["n_las"]


def test_plan_downloads_and_other_parameters(client):
    wb = load_workbook(io.BytesIO(client.get("/plan/workbook.xlsx").content))
    assert wb.sheetnames[:2] == ["Plan", "Capacity by month"] and "Simulation" in wb.sheetnames
    rows = list(csv.DictReader(io.StringIO(client.get("/plan?format=csv&table=events").text)))
    assert rows and "Why" in rows[0] and "Chance of an inadequate judgement if inspected (%)" in rows[0]
    small = client.get("/api/plan?months=6&capacity=standard%3D9,short%3D9&policy=rule_based").json()
    assert small["months"] == 6 and small["policy"] == "rule_based" and len(small["months_summary"]) == 6
    assert client.get("/api/plan?months=0").status_code == 422
    assert client.get("/api/plan?capacity=drop%20table").status_code == 422


# -- returns and the login ----------------------------------------------------------------------
def test_provisional_beside_published_on_the_la_page_and_workbook(client, web_store):
    from cscwatch.output import to_jsonable
    from cscwatch.returns.provisional import provisional_beside_published

    panel = client.get(f"/api/la/{RETURNS_LA}").json()["provisional"]
    rows = to_jsonable(provisional_beside_published(web_store, RETURNS_LA))["rows"]
    assert panel["rows"] == rows and panel["computed_at"] and panel["note"].startswith("Provisional")
    suppressed = [r for r in rows if r["provisional_suppression"] == "c"]
    assert suppressed and all(r["provisional"] is None for r in suppressed)
    html = client.get(f"/la/{RETURNS_LA}").text
    section = html.split('id="provisional"')[1].split("</section>")[0]
    assert "provisional" in section and '<abbr title="suppressed (c)">c</abbr>' in section
    assert "Figures labelled <strong>provisional</strong>" in html
    assert "computed from its own returns on" in client.get(f"/api/la/{RETURNS_LA}").json()["freshness"]["summary"]
    wb = load_workbook(io.BytesIO(client.get(f"/la/{RETURNS_LA}/workbook.xlsx").content))
    assert "Provisional figures" in wb.sheetnames
    assert client.get("/api/la/926").json()["provisional"] is None


def test_returns_page_shows_no_child(client, web_store, raw_child_ids):
    keys = {r["child_key"] for r in web_store.rows("SELECT DISTINCT child_key FROM return_issue WHERE child_key IS NOT NULL")}
    assert keys
    for path in (f"/returns/{RETURNS_LA}", f"/api/returns/{RETURNS_LA}", f"/la/{RETURNS_LA}", f"/api/la/{RETURNS_LA}",
                 f"/returns/{RETURNS_LA}?format=csv&table=provisional", f"/la/{RETURNS_LA}/workbook.xlsx"):
        body = client.get(path).content.decode("utf-8", "replace") if "xlsx" not in path else \
            xlsx_text(client.get(path).content)
        assert not [k for k in keys if k in body], path
        assert not [x for x in raw_child_ids if x in body], path
    years = client.get(f"/api/returns/{RETURNS_LA}").json()["years"]
    assert years and all(y["issues"]["ssda903"] == 3 for y in years)


def xlsx_text(body: bytes) -> str:
    wb = load_workbook(io.BytesIO(body))
    return "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c)


def test_child_level_issues_are_refused_without_a_login(app):
    c = fresh_client(app)
    year = client_year(c)
    page = c.get(f"/returns/{RETURNS_LA}/{year}/issues", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=/returns/")
    assert "no-store" in page.headers["cache-control"]
    api = c.get(f"/api/returns/{RETURNS_LA}/{year}/issues")
    assert api.status_code == 401 and api.json()["status"] == 401 and "no-store" in api.headers["cache-control"]
    assert c.get(f"/returns/{RETURNS_LA}/{year}/issues?format=csv").status_code == 401


def client_year(c) -> int:
    return c.get(f"/api/returns/{RETURNS_LA}").json()["years"][0]["year"]


def test_login_checks_the_password_and_the_form_token(app):
    c = fresh_client(app)
    assert log_in(c, "analyst851", "not the password").status_code == 401
    assert c.get(f"/api/returns/{RETURNS_LA}/{client_year(c)}/issues").status_code == 401
    assert c.post("/login", data={"username": "analyst851", "password": PASSWORD}).status_code == 400   # no token
    assert log_in(c, "nobody-here").status_code == 401
    r = log_in(c, "analyst851", next_="https://evil.example/")
    assert r.status_code == 303 and r.headers["location"] == f"/returns/{RETURNS_LA}"          # never off-site
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_child_level_issues_for_the_las_own_account_only(app, web_store, raw_child_ids):
    c = fresh_client(app)
    year = client_year(c)
    path = f"/returns/{RETURNS_LA}/{year}/issues"
    r = log_in(c, "analyst851", next_=path)
    assert r.status_code == 303 and r.headers["location"] == path
    page = c.get(path)
    assert page.status_code == 200 and "Child-level data" in page.text and "no-store" in page.headers["cache-control"]
    keys = [x["child_key"] for x in web_store.rows("SELECT child_key FROM return_issue WHERE la_code_old = ? AND year = ?",
                                                    [RETURNS_LA, year])]
    assert keys and all(k[:12] in page.text for k in keys)
    api = c.get(f"/api{path}").json()
    assert {ch["child_key"] for ch in api["children"]} == set(keys) and api["figures"]
    download = c.get(f"{path}?format=csv&table=issues")
    assert download.status_code == 200 and "Child (pseudonymised key)" in download.text
    for body in (page.text, download.text, str(api)):
        assert not [x for x in raw_child_ids if x in body]
    cache = app.state.generations.current.cache
    assert not [k for k in cache._data if "/issues" in k[0]], "child-level pages are never cached"
    public = c.get(f"/returns/{RETURNS_LA}").text
    assert public == fresh_client(app).get(f"/returns/{RETURNS_LA}").text      # public pages do not vary by login
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    assert c.post("/logout", data={"csrf": "wrong"}).status_code == 400
    assert c.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    assert c.get(f"/api{path}").status_code == 401


def test_another_las_account_is_refused(app):
    c = fresh_client(app)
    assert ACCOUNTS["analyst926"] != RETURNS_LA
    assert log_in(c, "analyst926").headers["location"] == "/returns/926"
    year = client_year(c)
    for path in (f"/returns/{RETURNS_LA}/{year}/issues", f"/api/returns/{RETURNS_LA}/{year}/issues"):
        r = c.get(path)
        assert r.status_code == 403 and "no-store" in r.headers["cache-control"], path
    c.cookies.set("cscwatch_session", c.cookies.get("cscwatch_session")[:-4] + "AAAA")   # tampered: not signed
    assert c.get(f"/api/returns/926/{year}/issues").status_code == 401
