"""Parsing the reports site's page structures (the recorded fixtures) and naming what each publication is."""
from __future__ import annotations

from datetime import date

import pytest

from cscwatch.watch.ofsted import (
    allowed_file_host,
    classify,
    file_id,
    parse_listing,
    parse_provider_page,
    parse_search_page,
    search_url,
)

from .fakesite import _JINJA, FakeProvider, report_not_found

BASE = "https://reports.ofsted.gov.uk"


def test_search_url_asks_for_la_childrens_services_100_at_a_time():
    url = search_url(BASE, start=100)
    assert url.startswith(f"{BASE}/search?q=&location=&lat=&lon=&radius=&level_1_types=3&level_2_types%5B%5D=12")
    assert url.endswith("&start=100&rows=100")


def test_search_page_gives_each_provider_once_with_urn_and_absolute_url():
    providers = [FakeProvider("80418", "Norfolk County Council"), FakeProvider("2637539", "North Northamptonshire")]
    html = _JINJA.get_template("ofsted/search.html.j2").render(providers=providers, total=2, next_href=None)
    got = parse_search_page(html + html, f"{BASE}/search?start=0")       # a provider linked twice counts once
    assert [(p.urn, p.name, p.url) for p in got] == [
        ("80418", "Norfolk County Council", f"{BASE}/provider/44/80418"),
        ("2637539", "North Northamptonshire", f"{BASE}/provider/44/2637539")]


def test_provider_page_publications_with_kinds_and_dates():
    pubs = [{"href": "https://files.ofsted.gov.uk/v1/file/50252437", "title": "Children's services inspection",
             "listed": "15 July 2024", "event": "01 July 2024"},
            {"href": "https://files.ofsted.gov.uk/v1/file/50252438", "title": "Children\u2019s services focused visit",
             "listed": "01 August 2024", "event": "02 July 2024"},
            {"href": "/v1/file/7", "title": "Area SEND full inspection", "listed": "12 July 2024", "event": "1 May 2024"}]
    html = _JINJA.get_template("ofsted/provider.html.j2").render(name="Norfolk", urn="80418", publications=pubs)
    got = parse_provider_page(html, f"{BASE}/provider/44/80418")
    assert [(p.link, p.kind, p.listed_date, p.event_date) for p in got] == [
        ("https://files.ofsted.gov.uk/v1/file/50252437", "inspection", date(2024, 7, 15), date(2024, 7, 1)),
        ("https://files.ofsted.gov.uk/v1/file/50252438", "focused_visit", date(2024, 8, 1), date(2024, 7, 2)),
        (f"{BASE}/v1/file/7", "send", date(2024, 7, 12), date(2024, 5, 1))]
    assert got[0].title == "Children's services inspection"


def test_a_page_without_publications_gives_none():
    assert parse_provider_page(report_not_found().decode(), BASE) == []
    assert parse_search_page(report_not_found().decode(), BASE) == []


@pytest.mark.parametrize("label,title,day", [
    # the accessible labels the scrapers record (their file names keep these, lower-cased)
    ("Children's services inspection, PDF - 09 May 2025", "Children's services inspection", date(2025, 5, 9)),
    ("children's services inspection,  pdf - 16 august 2013", "children's services inspection", date(2013, 8, 16)),
    ("Single inspection of LA children's services as PDF - 10 February 2015",
     "Single inspection of LA children's services as", date(2015, 2, 10)),
    ("Joint area child protection inspection, PDF - 30 January 2024", "Joint area child protection inspection",
     date(2024, 1, 30)),
    ("Monitoring visit", "Monitoring visit", None),
])
def test_parse_listing(label, title, day):
    assert parse_listing(label) == (title, day)


@pytest.mark.parametrize("title,kind", [
    ("Children's services inspection", "inspection"),
    ("Single inspection of LA children's services", "inspection"),
    ("Inspection of services for looked after children", "inspection"),
    ("Children\u2019s services focused visit", "focused_visit"),
    ("Children's services monitoring visit", "monitoring_visit"),
    ("Joint area child protection inspection", "jtai"),
    ("Joint targeted area inspection", "jtai"),
    ("Area SEND full inspection", "send"),
    ("Area SEND revisit", "send"),
    ("Local area special educational needs inspection", "send"),
    ("Children's home inspection - full", "other"),
])
def test_classify(title, kind):
    assert classify(title) == kind


def test_only_ofsted_hosts_are_downloaded_from():
    assert allowed_file_host("https://files.ofsted.gov.uk/v1/file/1", BASE)
    assert allowed_file_host(f"{BASE}/v1/file/1", BASE)
    assert not allowed_file_host("https://elsewhere.example/v1/file/1", BASE)
    assert file_id("https://files.ofsted.gov.uk/v1/file/50252437") == "50252437"
    assert file_id("https://x/a/b c.pdf?download=1") == "b_c.pdf"
