"""Browser tests: Debian's chromium through Playwright against a live server on the built store.

Every page at 1366 px and 390 px: charts drawn, no page wider than the viewport on a phone, axe-core
reports zero WCAG 2.2 AA violations, and a screenshot is saved to test-artifacts/screenshots/ for
people to look at. Then the journeys: comparator state through overview -> LA -> measure -> compare,
a peer group picked by name with the autocomplete, search with a typo, a download, the keyboard.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

AXE = Path(__file__).with_name("axe.min.js")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PAGES = [("overview", "/", 2), ("la", "/la/926", 23), ("measure", "/measure/cin_rereferral_pct?la=926", 4),
         ("compare", "/compare?la=926&la=935&la=882", 1), ("measures", "/measures", 0), ("las", "/las", 0),
         ("search", "/search?q=norf", 0), ("glossary", "/glossary", 0), ("api", "/docs", 0),
         ("not-found", "/la/nowhere", 0), ("measure-context", "/measure/sw_caseload?small=hide", 3),
         ("risk", "/risk", 1), ("model-card", "/model-card", 0), ("themes", "/themes", 0),
         ("report", "/report/" + "a" * 64, 0), ("plan", "/plan", 1), ("returns", "/returns/851", 0),
         ("la-provisional", "/la/851", None), ("la-themes", "/la/841", None), ("login", "/login", 0)]


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [{"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:5]]}
            for v in result["violations"]]


def open_page(page, path: str, charts: int) -> None:
    page.goto(path)
    page.wait_for_selector("html[data-charts=drawn]", state="attached", timeout=30_000)
    drawn = page.locator(".app-chart[data-drawn=true]").count()
    assert drawn == (page.locator(".app-chart").count() if charts is None else charts)


@pytest.mark.parametrize("name,path,charts", PAGES)
def test_every_page_on_a_desktop(web_page, name, path, charts):
    open_page(web_page, path, charts)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    web_page.screenshot(path=str(SCREENSHOTS / f"{name}-1366.png"), full_page=True)
    violations = axe_violations(web_page)
    assert violations == [], json.dumps(violations, indent=1)


@pytest.mark.parametrize("name,path,charts", PAGES)
def test_every_page_on_a_phone_fits_the_screen(phone_page, name, path, charts):
    open_page(phone_page, path, charts)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{path} is {width} px wide at 390 px"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone_page.screenshot(path=str(SCREENSHOTS / f"{name}-390.png"), full_page=True)
    # every wide table sits in a labelled scroll container
    loose = phone_page.evaluate("""() => [...document.querySelectorAll('table')].filter(t =>
        t.scrollWidth > document.documentElement.clientWidth && !t.closest('.app-table-scroll[role=region][aria-label]'))
        .length""")
    assert loose == 0
    if name in ("la", "measure", "risk", "plan", "la-provisional"):
        assert axe_violations(phone_page) == []


def test_charts_label_their_axes_and_leave_gaps(web_page):
    open_page(web_page, "/la/926", 23)
    text = web_page.locator("#chart-cin_rereferral_pct").inner_html()
    assert "%" in text and "Period" in text                     # axis labels with the unit
    spec = json.loads(web_page.locator("#chart-cin_rereferral_pct-data").inner_text())
    norfolk = spec["series"][0]["values"]
    assert None in norfolk and norfolk[-1] is not None          # the missing years stay gaps


def test_comparator_state_survives_overview_la_measure_compare(web_page):
    web_page.goto("/?neighbours=2021&average=median")
    web_page.locator("main table").last.locator("a").first.click()      # the recent inspections
    web_page.wait_for_url("**/la/*neighbours=2021*")
    assert "average=median" in web_page.url
    assert "Median of statistical neighbours (2021 model)" in web_page.locator("main").inner_text()
    web_page.locator("table.app-measures a").first.click()
    web_page.wait_for_url("**/measure/**")
    assert "neighbours=2021" in web_page.url and "average=median" in web_page.url
    assert web_page.get_by_label("2021", exact=True).is_checked()
    assert web_page.locator("#average").input_value() == "median"
    web_page.locator("nav a", has_text="Compare").click()
    web_page.wait_for_url("**/compare**")
    assert "neighbours=2021" in web_page.url and "average=median" in web_page.url
    assert web_page.locator("#average").input_value() == "median"


def test_all_neighbours_in_one_click_and_a_peer_group_by_name(web_page):
    web_page.goto("/la/926")
    web_page.locator("#compare-all").click()
    web_page.wait_for_url("**/compare**")
    web_page.wait_for_selector("html[data-charts=drawn]", state="attached")
    assert web_page.locator("#compare-form input[name=la][type=checkbox]:checked").count() == 11
    assert web_page.locator("#compare-trend[data-drawn=true]").count() == 1
    web_page.goto("/la/926#measures")
    box = web_page.get_by_role("combobox", name="Add a local authority to the peer group")
    box.fill("Milton Key")
    web_page.get_by_role("option", name="Milton Keynes").click()
    web_page.get_by_role("button", name="Update comparison").click()
    web_page.wait_for_url("**peers=826**")
    assert "Mean of your peer group (1 LAs)" in web_page.locator("main").inner_text()
    assert web_page.get_by_label("Milton Keynes").is_checked()


def test_search_with_a_typo_and_an_exact_code(web_page):
    web_page.goto("/")
    web_page.get_by_label("Find a local authority by name or code").fill("norflk")
    web_page.get_by_role("button", name="Search").click()
    web_page.wait_for_url("**/search?q=norflk")
    first = web_page.locator(".app-results a").first
    assert first.inner_text() == "Norfolk"
    web_page.goto("/search?q=926")
    assert web_page.url.endswith("/la/926")


def test_csv_download(web_page):
    web_page.goto("/measure/cin_rereferral_pct")
    with web_page.expect_download() as info:
        web_page.locator("#ranking-table").locator("xpath=../following-sibling::p[1]").get_by_text("CSV").click()
    download = info.value
    assert download.suggested_filename.endswith("-ranking.csv")
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert len(rows) >= 150 and {"Local authority", "Rank (1 = best)", "Quartile band (A = best quarter)"} <= set(rows[0])


def test_keyboard_skip_link_and_focus_visible(web_page):
    web_page.goto("/la/926")
    web_page.keyboard.press("Tab")
    assert web_page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    web_page.keyboard.press("Enter")
    assert web_page.evaluate("document.activeElement.id") == "main-content"
    web_page.keyboard.press("Tab")
    style = web_page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return {tag: document.activeElement.tagName, bg: s.backgroundColor, shadow: s.boxShadow,
                outline: s.outlineStyle}; }""")
    assert style["tag"] in ("A", "BUTTON", "INPUT", "SELECT")
    assert style["bg"] == "rgb(255, 221, 0)" or style["shadow"] != "none" or style["outline"] != "none"


def test_first_visit_javascript_weight(web_page):
    """Under 1.5 MB of JavaScript on a first visit to the overview (uncompressed bytes)."""
    sizes: dict[str, int] = {}
    web_page.on("response", lambda r: sizes.__setitem__(r.url, len(r.body()))
                if r.request.resource_type == "script" else None)
    open_page(web_page, "/", 2)
    assert sizes and sum(sizes.values()) < 1_500_000, sizes


@pytest.mark.parametrize("width", [1366, 390])
def test_child_level_issues_after_signing_in(web_browser, live_server, width):
    """Sign in through the form, see the issues page (axe, width, screenshot), sign out."""
    from tests.web.conftest import _page
    from tests.web.extras import PASSWORD

    context, page = _page(web_browser, live_server, width)
    try:
        page.goto("/returns/851")
        page.locator("a", has_text="See them child by child").first.click()
        page.wait_for_url("**/login?next=**")
        page.get_by_label("Username").fill("analyst851")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/issues")
        assert "Child-level data" in page.locator("main").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"returns-issues-{width}.png"), full_page=True)
        assert axe_violations(page) == []
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(live_server + "/")
        page.goto("/api/returns/851/2025/issues")
        assert "401" in page.content()
    finally:
        context.close()
    assert not page.outside_requests and not page.errors
