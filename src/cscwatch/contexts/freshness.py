"""How current every figure is: the period each source covers, when it was published or fetched,
and a warning when the newest data is older than its normal release cycle.

The register's position is the newest inspection each source holds (Ofsted's official list, the
parsed reports, a third-party scrape); each DfE/ONS release's is its latest period in ``release``
with the first date it was public (``warehouse.publication``: the real date where the data gives
one, otherwise a conservative rule). Releases come once a year: a release is overdue when its next
edition was due more than :data:`GRACE_DAYS` ago and is not in the store. Ofsted publishes reports
every week, so the register is overdue when its newest inspection is more than
:data:`REGISTER_STALE_DAYS` old.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from cscwatch.store import Store
from cscwatch.warehouse.sources import SOURCES

GRACE_DAYS = 31
REGISTER_STALE_DAYS = 92

#: The releases a user recognises, by the warehouse's release kinds (``Source.release``).
RELEASES: dict[str, tuple[str, str]] = {
    # kind: (title, how its periods read)
    "cin": ("Children in need census", "year"),
    "cla": ("Children looked after (SSDA903)", "year"),
    "workforce": ("Children's social work workforce", "september"),
    "population": ("ONS mid-year population estimates", "mid_year"),
    "s251": ("Section 251 spend outturn", "financial"),
}


def period_text(period: str, how: str) -> str:
    """'2025' -> '2024-25' (year to 31 March), '30 September 2025', 'mid-2024', '2024-25'."""
    if how == "year" and period.isdigit():
        return f"{int(period) - 1}-{period[2:]}"
    if how == "september" and period.isdigit():
        return f"30 September {period}"
    if how == "mid_year" and period.isdigit():
        return f"mid-{period}"
    return period


def day_text(d: date | None) -> str:
    return f"{d.day} {d:%B %Y}" if d else "unknown"


def _next_year(d: date) -> date:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:
        return d.replace(year=d.year + 1, day=28)


def _kind(source_id: str) -> str | None:
    by_id = {s.source_id: s.release for s in SOURCES}
    if source_id in by_id:
        return by_id[source_id]
    if source_id.startswith("lait:"):
        return source_id.split(":", 1)[1]
    if source_id.startswith("derived:spend"):
        return "s251"
    return None


def statistics_freshness(store: Store, today: date) -> list[dict[str, Any]]:
    """One row per release: latest period, when it was public, when the next is due, overdue or not."""
    if not store.has_table("release"):
        return []
    latest: dict[str, dict[str, Any]] = {}
    for r in store.rows("SELECT source_id, arg_max(period, published) AS period, max(published) AS published"
                        " FROM release GROUP BY source_id"):
        kind = _kind(r["source_id"])
        if kind not in RELEASES:
            continue
        best = latest.get(kind)
        if best is None or r["published"] > best["published"]:
            latest[kind] = r
    out = []
    for kind, (title, how) in RELEASES.items():
        r = latest.get(kind)
        if r is None:
            continue
        due = _next_year(r["published"])
        overdue = today > due + timedelta(days=GRACE_DAYS)
        text = f"{title} {period_text(r['period'], how)}, published by {day_text(r['published'])}"
        out.append({"release": kind, "title": title, "period": r["period"],
                    "period_text": period_text(r["period"], how), "published": r["published"],
                    "next_due": due, "overdue": overdue, "text": text,
                    "warning": (f"{title}: the next edition was due around {day_text(due)} and is not in the store "
                                "yet; run `cscwatch fetch statistics`") if overdue else None})
    return out


def register_freshness(store: Store, today: date) -> dict[str, Any] | None:
    """The register's reach: newest inspection overall and from each source."""
    if not store.has_table("inspection"):
        return None
    rows = store.rows(
        "SELECT s.source, max(coalesce(i.start_date, i.publication_date)) AS newest_start,"
        " max(i.publication_date) AS newest_published, count(*) AS n"
        " FROM inspection i JOIN inspection_source x USING (inspection_id)"
        " JOIN source_inspection s ON s.source_id = x.source_id GROUP BY s.source")
    by = {r["source"]: r for r in rows}
    newest = store.scalar("SELECT max(coalesce(publication_date, end_date, start_date)) FROM inspection")
    if newest is None:
        return None
    official = by.get("ofsted")
    parts = []
    if official:
        parts.append(f"official to {day_text(official['newest_published'] or official['newest_start'])}")
    later = [f"{'reports' if s == 'report' else 'a third-party scrape'} to {day_text(r['newest_published'] or r['newest_start'])}"
             for s, r in sorted(by.items()) if s != "ofsted" and r["newest_start"]]
    text = f"Ofsted judgements to {day_text(newest)}" + (f" ({'; '.join(parts + later)})" if parts or later else "")
    overdue = (today - newest).days > REGISTER_STALE_DAYS
    return {"newest": newest, "by_source": {s: {"newest_start": r["newest_start"],
                                                "newest_published": r["newest_published"], "inspections": r["n"]}
                                            for s, r in by.items()},
            "text": text, "overdue": overdue,
            "warning": (f"The newest inspection in the register is from {day_text(newest)}, more than "
                        f"{REGISTER_STALE_DAYS // 30} months ago: inspections since then are missing. Run "
                        "`cscwatch fetch reports`.") if overdue else None}


def freshness(store: Store, today: date | None = None) -> dict[str, Any]:
    """How current the store is: the register, every release, and the warnings to show."""
    from cscwatch.contexts.snapshot import snapshot

    today = today or date.today()
    return snapshot(store).memo(("freshness", today), lambda: _freshness(store, today))


def _freshness(store: Store, today: date) -> dict[str, Any]:
    register = register_freshness(store, today)
    stats = statistics_freshness(store, today)
    warnings = [w for w in [register["warning"] if register else None, *(s["warning"] for s in stats)] if w]
    built = store.scalar("SELECT max(loaded_at) FROM source_file") if store.has_table("source_file") else None
    lines = [register["text"]] if register else []
    lines += [s["text"] for s in stats]
    return {"as_of": today, "built": built, "register": register, "statistics": stats, "warnings": warnings,
            "summary": "; ".join(lines), "overdue": bool(warnings)}


def release_for_measure(store: Store, measure_id: str, period: str) -> dict[str, Any] | None:
    """Which release a figure came from and when it was public: ``{source_id, published, rule}``."""
    from cscwatch.contexts.snapshot import snapshot

    every = snapshot(store).memo("releases", lambda: _releases(store))
    return every.get((measure_id, period))


def _releases(store: Store) -> dict[tuple[str, str], dict[str, Any]]:
    if not store.has_table("release"):
        return {}
    rows = store.rows("SELECT o.measure_id, o.period, arg_min(r.source_id, r.published) AS source_id,"
                      " min(r.published) AS published, arg_min(r.rule, r.published) AS rule"
                      " FROM (SELECT DISTINCT measure_id, period, source_id FROM observation) o"
                      " JOIN release r ON r.source_id = o.source_id AND r.period = o.period GROUP BY ALL")
    return {(r["measure_id"], r["period"]): {"source_id": r["source_id"], "published": r["published"],
                                             "rule": r["rule"]} for r in rows}
