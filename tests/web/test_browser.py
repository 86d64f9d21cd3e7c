"""Browser tests: Debian's chromium through Playwright against a live server.

Each page is loaded, its charts must draw, axe-core must report zero WCAG 2.2 AA violations, and a
screenshot is saved to test-artifacts/screenshots/ for people to look at.
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


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [{"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:5]]}
            for v in result["violations"]]


def check_page(page, name: str, *, charts: int = 0) -> None:
    """Charts drawn, no console errors, zero axe violations, screenshot saved."""
    if charts:
        page.wait_for_selector("html[data-charts=drawn]", state="attached", timeout=30_000)
        assert page.locator(".app-chart[data-drawn=true]").count() == charts
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-top.png"), full_page=True,
                    clip={"x": 0, "y": 0, "width": 1280, "height": 1500})
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)


def test_overview_map_and_charts(web_page):
    errors: list[str] = []
    web_page.on("pageerror", lambda e: errors.append(str(e)))
    web_page.goto("/")
    check_page(web_page, "overview", charts=2)
    areas = web_page.locator("#grade-map path.choroplethlocation").count()
    assert areas >= 10, "the grade map drew no areas"
    assert web_page.locator("#grade-shares .bars path").count() > 0
    assert web_page.get_by_role("heading", level=1).inner_text() == "Children's social care in England"
    assert errors == []


def test_follow_links_overview_to_la_to_measure(web_page, live_server):
    web_page.goto("/")
    link = web_page.locator("main table").last.locator("a").first
    la_name = link.inner_text()
    link.click()
    web_page.wait_for_url("**/la/*")
    assert web_page.get_by_role("heading", level=1).inner_text() == la_name
    assert web_page.locator(".app-timeline__item").count() >= 1
    assert web_page.locator("svg.app-sparkline").count() >= 1
    if live_server[2].state.risk.state == "ready":
        assert web_page.locator("#risk").count() == 1
    check_page(web_page, "la")
    measure_link = web_page.locator("table.app-measures a").first
    title = measure_link.inner_text()
    measure_link.click()
    web_page.wait_for_url("**/measure/**")
    assert web_page.get_by_role("heading", level=1).inner_text() == title
    check_page(web_page, "measure", charts=3)
    assert web_page.locator("#ranking-table .app-row--highlight").count() == 1


def test_la_page_comparator_form_keeps_state_in_url(web_page):
    web_page.goto("/la/926")
    web_page.get_by_label("2021", exact=True).check()
    web_page.get_by_label("Average", exact=True).select_option("median")
    web_page.get_by_role("button", name="Update comparison").click()
    web_page.wait_for_url("**neighbours=2021**")
    assert "average=median" in web_page.url
    assert web_page.get_by_label("2021", exact=True).is_checked()
    assert "Median of statistical neighbours (2021 model)" in web_page.locator("main").inner_text()


def test_search_with_a_typo(web_page):
    web_page.goto("/")
    web_page.get_by_label("Find a local authority by name or code").fill("norflk")
    web_page.get_by_role("button", name="Search").click()
    web_page.wait_for_url("**/search?q=norflk")
    first = web_page.locator(".app-results a").first
    assert first.inner_text() == "Norfolk"
    check_page(web_page, "search")
    first.click()
    web_page.wait_for_url("**/la/926")


def test_csv_download(web_page):
    web_page.goto("/measure/" + _a_ranked_measure(web_page))
    with web_page.expect_download() as info:
        web_page.locator("#ranking ~ p.app-downloads a", has_text="CSV").first.click()
    download = info.value
    assert download.suggested_filename.endswith("-ranking.csv")
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert len(rows) >= 10
    assert {"la_code_old", "la_name", "value", "rank", "band"} <= set(rows[0])


def _a_ranked_measure(page) -> str:
    measures = page.request.get("/api/measures").json()
    ranked = [m for m in measures if m["polarity"] in ("high", "low") and m["n_areas"] > 5]
    return ranked[0]["measure_id"]


def test_keyboard_skip_link_and_focus_visible(web_page):
    web_page.goto("/la/926")
    web_page.keyboard.press("Tab")
    focused = web_page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    web_page.keyboard.press("Enter")
    assert web_page.evaluate("document.activeElement.id") == "main-content"
    # Tabbing on reaches the first link in the main content, and it shows a visible focus style.
    web_page.keyboard.press("Tab")
    style = web_page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return {tag: document.activeElement.tagName, bg: s.backgroundColor, shadow: s.boxShadow,
                outline: s.outlineStyle}; }""")
    assert style["tag"] in ("A", "BUTTON", "INPUT", "SELECT")
    assert style["bg"] == "rgb(255, 221, 0)" or style["shadow"] != "none" or style["outline"] != "none"


@pytest.mark.parametrize("path,name,charts", [
    ("/compare?la=926&la=935", "compare", 0),
    ("/measures", "measures", 0),
    ("/search", "las", 0),
    ("/docs", "api", 0),
    ("/la/nowhere", "not-found", 0),
])
def test_other_pages_accessible(web_page, path, name, charts):
    web_page.goto(path)
    check_page(web_page, name, charts=charts)
