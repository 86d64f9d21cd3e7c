"""How Ofsted's reports site lists LA children's services publications, as pure parsing functions.

The site (``reports.ofsted.gov.uk``) is walked the way the community scrapers walk it
(data-to-insight/ofsted-ilacs-scrape-tool and its SEND/JTAI siblings); docs/watch.md says which
parts of the structure are confirmed and which are assumed:

1. **Search pages**: ``/search?q=&location=&lat=&lon=&radius=&level_1_types=3&level_2_types[]=12``
   ("Children's social care" > "Local Authority Children's Services") with ``start`` and ``rows``
   (100 at most per page since February 2025). Each result links to ``/provider/<category>/<URN>``
   (e.g. ``/provider/44/80429``); the link text is the LA's name.
2. **Provider pages** list every publication as ``<a class="publication-link" href="<file URL>">``
   whose ``<span class="nonvisual">`` reads ``"<Title>, PDF - <d Month yyyy>"`` (the listing
   date). The title says what it is: "Children's services inspection", "Children's services focused
   visit", "Joint area child protection inspection", "Area SEND full inspection", ...
3. **File URLs** are absolute, ``https://files.ofsted.gov.uk/v1/file/<id>``.

Parsing uses BeautifulSoup with the standard library's HTML parser; nothing here touches the network.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode, urljoin, urlsplit

from bs4 import BeautifulSoup

OFSTED_URL = "https://reports.ofsted.gov.uk"
#: Hosts a provider page may send us to for files (the second is an older name seen in scrapers).
FILES_HOSTS = ("files.ofsted.gov.uk", "files.api.ofsted.gov.uk")
#: "Children's social care" (level 1 = 3) > "Local Authority Children's Services" (level 2 = 12).
SEARCH_FILTERS = (("q", ""), ("location", ""), ("lat", ""), ("lon", ""), ("radius", ""),
                  ("level_1_types", "3"), ("level_2_types[]", "12"))
ROWS_PER_PAGE = 100
#: What ``fetch reports`` downloads by default: the register's inspections and the letters.
CSC_KINDS = ("inspection", "focused_visit", "monitoring_visit", "jtai")
ALL_KINDS = (*CSC_KINDS, "send", "other")

_LISTED = re.compile(r"^(?P<title>.*?)\s*,?\s*\bpdf\b\s*[-\u2013\u2014]\s*(?P<date>\d{1,2}\s+[A-Za-z]+\s+\d{4})\s*$",
                     re.IGNORECASE)
_DATE = re.compile(r"\b(\d{1,2})\s+([A-Za-z]+)\s+(\d{4})\b")


@dataclass(frozen=True)
class Provider:
    """One LA's page on the reports site."""

    urn: str            # Ofsted unique reference number (last path segment)
    name: str           # as the search result shows it
    url: str            # absolute


@dataclass(frozen=True)
class Publication:
    """One publication link on a provider page."""

    link: str                   # absolute file URL
    title: str                  # "Children's services focused visit"
    kind: str                   # see :func:`classify`
    listed_date: date | None    # the date in the listing ("…, PDF - 15 July 2024")
    event_date: date | None     # the timeline's own date for the entry, when the page shows one


def search_url(base_url: str, start: int = 0, rows: int = ROWS_PER_PAGE) -> str:
    """The search page listing LA children's services providers from result ``start``."""
    query = urlencode([*SEARCH_FILTERS, ("start", str(start)), ("rows", str(rows))])
    return f"{base_url.rstrip('/')}/search?{query}"


def parse_date(text: str) -> date | None:
    """'15 July 2024' (any case, day with or without a leading zero) -> date; None if there is none."""
    m = _DATE.search(text or "")
    if not m:
        return None
    try:
        return datetime.strptime(f"{m.group(1)} {m.group(2).title()} {m.group(3)}", "%d %B %Y").date()
    except ValueError:
        return None


def classify(title: str) -> str:
    """What a publication is, from its title: inspection, focused_visit, monitoring_visit, jtai,
    send (area SEND inspections: not children's social care) or other."""
    t = " ".join(title.lower().replace("\u2019", "'").split())
    if "send" in t.split() or "special educational needs" in t:
        return "send"
    if "monitoring visit" in t:
        return "monitoring_visit"
    if "focused visit" in t:
        return "focused_visit"
    if "joint" in t and ("area" in t or "targeted" in t) or "jtai" in t:
        return "jtai"
    if "inspection" in t and any(w in t for w in ("children's services", "childrens services", "looked after",
                                                   "safeguarding", "single inspection", "la children")):
        return "inspection"
    return "other"


def parse_listing(text: str) -> tuple[str, date | None]:
    """Split a publication's accessible label "<Title>, PDF - <date>" into title and date."""
    clean = " ".join((text or "").split())
    m = _LISTED.match(clean)
    if m:
        return m.group("title").rstrip(" ,"), parse_date(m.group("date"))
    return clean, parse_date(clean)


def parse_search_page(html: str, page_url: str) -> list[Provider]:
    """Every provider a search results page links to (``/provider/<category>/<URN>``), in page order."""
    soup = BeautifulSoup(html, "html.parser")
    seen: dict[str, Provider] = {}
    for a in soup.select('a[href*="/provider/"]'):
        url = urljoin(page_url, a["href"])
        parts = [p for p in urlsplit(url).path.split("/") if p]
        if "provider" not in parts or parts[-1] == "provider":
            continue
        urn = parts[-1]
        name = " ".join(a.get_text(" ", strip=True).split())
        if urn not in seen and name:
            seen[urn] = Provider(urn=urn, name=name, url=url)
    return list(seen.values())


def parse_provider_page(html: str, page_url: str) -> list[Publication]:
    """Every publication link on a provider page, newest first as the page lists them."""
    soup = BeautifulSoup(html, "html.parser")
    out: dict[str, Publication] = {}
    for a in soup.select("a.publication-link[href]"):
        link = urljoin(page_url, a["href"])
        hidden = a.select_one(".nonvisual")
        label = hidden.get_text(" ", strip=True) if hidden else ""
        title, listed = parse_listing(label) if label else ("", None)
        if not title:
            visible = a.get_text(" ", strip=True)
            if label:
                visible = visible.replace(label, "")
            title, listed_from_text = parse_listing(visible)
            listed = listed or listed_from_text
        entry = a.find_parent("li")
        event = None
        if entry is not None:
            when = entry.select_one(".timeline__date time") or entry.select_one("time")
            event = parse_date(when.get("datetime", "") or when.get_text(" ", strip=True)) if when else None
        if link not in out:
            out[link] = Publication(link=link, title=title, kind=classify(title), listed_date=listed,
                                    event_date=event)
    return list(out.values())


def allowed_file_host(link: str, site_url: str, extra_hosts: Iterable[str] = FILES_HOSTS) -> bool:
    """Download only from the site itself or Ofsted's file hosts, never wherever a page points."""
    host = urlsplit(link).netloc.lower()
    return host == urlsplit(site_url).netloc.lower() or host in {h.lower() for h in extra_hosts}


def file_id(link: str) -> str:
    """A short, file-system safe name for a file URL (its last path segment, e.g. '50252437')."""
    last = [p for p in urlsplit(link).path.split("/") if p][-1:] or ["file"]
    return re.sub(r"[^A-Za-z0-9._-]+", "_", last[0])[:80]
