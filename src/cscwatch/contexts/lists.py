"""The finding pages: the measure dictionary (searchable, by topic), the LA list (sortable,
filterable by region and last inspection) and LA search (an exact code goes straight to the LA)."""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

from cscwatch.contexts.freshness import freshness
from cscwatch.contexts.la import la_info
from cscwatch.contexts.snapshot import snapshot
from cscwatch.errors import UnknownLocalAuthority
from cscwatch.identity import code_key, directory
from cscwatch.store import Store

#: Children's social care topics first (in the order a briefing reads), then the rest alphabetically.
CSC_TOPICS = ("Children in Need", "Child Protection", "Children Looked After", "Adoption",
              "Children's Services Workforce", "Children's Service Finance", "Youth Offending", "Context")
LaSort = Literal["name", "region", "grade", "inspected"]
GRADE_ORDER = {"outstanding": 1, "good": 2, "requires_improvement": 3, "inadequate": 4}


def topic_order(topic: str | None) -> tuple[int, str]:
    t = topic or "Other"
    return (CSC_TOPICS.index(t), "") if t in CSC_TOPICS else (len(CSC_TOPICS), t.lower())


def measures_context(store: Store, q: str | None = None, topic: str | None = None, *,
                     today: date | None = None) -> dict[str, Any]:
    """Every measure with figures, grouped by topic (children's social care first), optionally only
    those whose id, title, topic or definition holds every word of ``q`` and/or one ``topic``."""
    every = snapshot(store).measures()
    words = (q or "").lower().split()
    rows = []
    for m in every.values():
        if not m["latest_period"]:
            continue
        text = " ".join(str(m.get(k) or "") for k in ("measure_id", "title", "topic", "definition", "unit")).lower()
        if any(w not in text for w in words) or (topic and (m["topic"] or "Other") != topic):
            continue
        rows.append({k: m[k] for k in ("measure_id", "title", "unit", "topic", "polarity", "definition",
                                       "source_publication", "period_type", "decimals", "categorical",
                                       "first_period", "latest_period")} | {"n_las": m["n_las"]})
    rows.sort(key=lambda r: (topic_order(r["topic"]), r["title"].lower()))
    topics = sorted({m["topic"] or "Other" for m in every.values() if m["latest_period"]}, key=topic_order)
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(r["topic"] or "Other", []).append(r)
    return {"q": q or "", "topic": topic, "topics": topics, "n": len(rows), "n_all": sum(
        1 for m in every.values() if m["latest_period"]), "measures": rows,
            "groups": [{"topic": t, "measures": ms} for t, ms in groups.items()], "freshness": freshness(store, today)}


def _latest(store: Store) -> dict[str, dict[str, Any]]:
    """Each LA's newest inspection with an overall grade (its predecessors' count for a successor)."""
    d = directory(store)
    out: dict[str, dict[str, Any]] = {}
    every = snapshot(store).inspections()
    for code in d.las:
        codes = set(d.history_codes(code))
        out[code] = next((i for i in every if i["la_code_old"] in codes and i["overall"]), None)
    return out


def _region(r: dict[str, Any]) -> str:
    """The region an LA is listed under: Inner and Outer London boroughs are in London."""
    return "London" if (r.get("region_code") or "").startswith("E13") else r["region_name"]


def las_context(store: Store, region: str | None = None, sort: LaSort = "name", inspected_before: int | None = None,
                *, today: date | None = None, include_former: bool = True) -> dict[str, Any]:
    """Every children's services authority with its latest overall grade and inspection date;
    ``region`` (name or code) filters, ``inspected_before`` keeps LAs last inspected before that year
    (or never), ``sort`` orders by name, region, grade (worst first) or last inspection (oldest first)."""
    snap = snapshot(store)
    latest = snap.memo("latest_inspections", lambda: _latest(store))
    d = directory(store)
    regions = sorted({_region(r) for r in d.las.values() if r["region_name"]})
    rows = []
    for code, r in d.las.items():
        if r["la_type"] == "shared_service" or (not include_former and r["valid_to"] is not None):
            continue
        if region and region not in (r["region_name"], r["region_code"], _region(r)):
            continue
        i = latest.get(code)
        when = (i["start_date"] or i["publication_date"]) if i else None
        if inspected_before and when and when.year >= inspected_before:
            continue
        rows.append({**la_info(r), "latest_overall": i["overall"] if i else None,
                     "latest_overall_label": i["overall_label"] if i else None,
                     "latest_inspection_date": when, "latest_inspection_title": i["title"] if i else None})
    keys = {"name": lambda r: (r["la_name"],),
            "region": lambda r: (r["region_name"] or "~", r["la_name"]),
            "grade": lambda r: (-GRADE_ORDER.get(r["latest_overall"] or "", 0), r["la_name"]),
            "inspected": lambda r: (r["latest_inspection_date"] or date.min, r["la_name"])}
    rows.sort(key=keys[sort])
    rows.sort(key=lambda r: not r["current"])
    return {"region": region, "sort": sort, "inspected_before": inspected_before, "regions": regions,
            "n": len(rows), "las": rows, "freshness": freshness(store, today)}


def search_context(store: Store, q: str, *, limit: int = 20, today: date | None = None) -> dict[str, Any]:
    """Authorities matching ``q`` (typo-tolerant, best first). ``exact`` is the LA a code or an
    unambiguous name names, so a page can go straight to it."""
    d = directory(store)
    exact = None
    text = " ".join((q or "").split())
    if text:
        try:
            hit = d.resolve(text)
            if code_key(text) or hit["la_code_old"] == text.upper() or text.lower() == hit["la_name"].lower():
                exact = la_info(hit)
        except UnknownLocalAuthority:
            pass
    results = [{**la_info(r), "score": r["score"]} for r in d.search(text, limit)] if text else []
    return {"q": q, "exact": exact, "results": results, "freshness": freshness(store, today)}
