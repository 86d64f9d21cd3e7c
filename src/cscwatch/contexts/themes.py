"""What the reports say, as pages: ``/themes`` (the national picture), the LA page's themes panel and
``/report/{sha256}`` (a report's stored text, page by page, where every evidence sentence links to).

The figures come from :mod:`cscwatch.text.query` (docs/themes.md has the shapes); this module adds
how current they are, a link for every evidence sentence, and a plain "not available" answer for a
store built without report text (instead of an error page).

``themes_context(store, grade, framework, year)`` is ``themes_page_context`` plus ``available``,
``freshness``, ``grades``, ``frameworks``, ``years`` (the filter choices) and, on every evidence
row, ``href`` (its report page) and ``file`` reduced to the file name. ``report_context(store,
sha256)``: ``{"sha256", "file", "doc_type", "n_pages", "la", "inspection": {...} | None, "pages":
[{"page", "text"}], "freshness"}``.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import PurePath
from typing import Any

from cscwatch.contexts.freshness import freshness
from cscwatch.contexts.snapshot import snapshot
from cscwatch.errors import NotFound, StoreNotBuilt
from cscwatch.store import Store
from cscwatch.text.query import GRADES, la_themes_panel, themes_page_context

SHA256 = re.compile(r"^[0-9a-f]{64}$")
NOT_AVAILABLE = ("This store holds no classified report text: build it with the reports "
                 "(`cscwatch build --reports PATH`) to see what inspectors said.")
FOLLOWUP_TEXT = {"resolved": "Resolved in the next report", "still_concern": "Still a concern in the next report",
                 "not_mentioned": "Not mentioned in the next report",
                 "awaiting_next_report": "Awaiting the next report"}


def has_text(store: Store) -> bool:
    snap = snapshot(store)
    return snap.has_table("text_report") and bool(snap.memo(
        "text_reports", lambda: store.scalar("SELECT count(*) FROM text_report")))


def report_href(sha256: str, page: int | None) -> str:
    """Where an evidence sentence is read in full: its report's stored text, at its page."""
    return f"/report/{sha256}" + (f"#page-{page}" if page else "")


def _evidence(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "file": PurePath(row["file"]).name if row.get("file") else None,
            "href": report_href(row["sha256"], row.get("page"))}


def _recommendation(row: dict[str, Any], next_sha: str | None = None) -> dict[str, Any]:
    """A recommendation with links to where it was made and to the next report's deciding sentence."""
    nxt = next_sha if row.get("evidence") else None
    return {**row, "href": report_href(row["sha256"], row.get("page")),
            "followup_text": FOLLOWUP_TEXT.get(row["followup"], row["followup"]),
            "evidence_href": report_href(nxt, row.get("evidence_page")) if nxt else None}


def _choices(store: Store) -> dict[str, list[Any]]:
    def build() -> dict[str, list[Any]]:
        rows = store.rows("SELECT DISTINCT si.framework, year(si.start_date) AS year FROM text_report t "
                          "JOIN source_inspection si ON si.source = 'report' AND si.source_ref = t.sha256")
        return {"frameworks": sorted({r["framework"] for r in rows if r["framework"]}),
                "years": sorted({int(r["year"]) for r in rows if r["year"] is not None}, reverse=True)}
    return snapshot(store).memo("themes_choices", build)


def themes_context(store: Store, *, grade: str | None = None, framework: str | None = None,
                   year: int | None = None, today: date | None = None) -> dict[str, Any]:
    """The national picture of what inspectors said, for ``/themes`` and ``/api/themes``."""
    fresh = freshness(store, today)
    if not has_text(store):
        return {"available": False, "message": NOT_AVAILABLE, "filters": {"grade": grade, "framework": framework,
                                                                          "year": year},
                "freshness": fresh}
    choices = _choices(store)
    if framework and framework not in choices["frameworks"]:
        raise NotFound(f"no reports of framework {framework!r}; frameworks: {', '.join(choices['frameworks'])}")
    ctx = snapshot(store).memo(("themes_page", grade, framework, year),
                               lambda: themes_page_context(store, grade=grade, framework=framework, year=year))
    evidence = {t: {p: [_evidence(e) for e in rows] for p, rows in by.items()} for t, by in ctx["evidence"].items()}
    return {**ctx, "available": True, "evidence": evidence, "grades": list(GRADES), **choices,
            "freshness": {**fresh, "extra": [*fresh.get("extra", []), _text_line(store)]}}


def _text_line(store: Store) -> str:
    def build() -> str:
        n = store.scalar("SELECT count(*) FROM text_report")
        newest = store.scalar("SELECT max(si.start_date) FROM text_report t JOIN source_inspection si "
                              "ON si.source = 'report' AND si.source_ref = t.sha256")
        when = f", the newest from fieldwork starting {newest:%B %Y}" if newest else ""
        return f"Themes from the text of {n:,} inspection reports held in this store{when}"
    return snapshot(store).memo("themes_line", build)


def la_themes(store: Store, code: str) -> dict[str, Any] | None:
    """The LA page's panel: its last report's themes and recommendations, with follow-up (None when
    the store has no report text)."""
    if not has_text(store):
        return None
    if code not in las_with_text(store):                # the common case: answered without a query
        from cscwatch.identity import directory

        return {"la_code_old": code, "la_name": (directory(store).get(code) or {}).get("la_name"), "report": None,
                "themes": [], "recommendations": [], "previous_recommendations": []}
    return snapshot(store).memo(("la_themes", code), lambda: _la_themes(store, code))


def las_with_text(store: Store) -> frozenset[str]:
    """The LAs with at least one classified report (not an LSCB review alone)."""
    return snapshot(store).memo("las_with_text", lambda: frozenset(r["la_code_old"] for r in store.rows(
        "SELECT DISTINCT si.la_code_old FROM text_report t JOIN source_inspection si ON si.source = 'report' "
        "AND si.source_ref = t.sha256 WHERE si.framework <> 'LSCB'")))


def _la_themes(store: Store, code: str) -> dict[str, Any] | None:
    """(``la_themes_panel`` takes up to a second for an LA with several reports: once per generation.)"""
    try:
        panel = la_themes_panel(store, code)
    except StoreNotBuilt:
        return None
    last = (panel.get("report") or {}).get("sha256")
    return {**panel,
            "themes": [{**t, "evidence": [_evidence(e) for e in t["evidence"]]} for t in panel["themes"]],
            "recommendations": [_recommendation(r) for r in panel["recommendations"]],
            "previous_recommendations": [_recommendation(r, last) for r in panel["previous_recommendations"]]}


def report_context(store: Store, sha256: str, today: date | None = None) -> dict[str, Any]:
    """One report's stored text, page by page, with the inspection it belongs to."""
    sha = sha256.lower()
    if not SHA256.match(sha) or not store.has_table("report_page"):
        raise NotFound(f"no report {sha256!r} in this store")
    pages = store.rows("SELECT page, text FROM report_page WHERE sha256 = ? ORDER BY page", [sha])
    if not pages:
        raise NotFound(f"no report {sha256!r} in this store")
    files = store.rows("SELECT path, doc_type, n_pages FROM report_file WHERE sha256 = ? ORDER BY path LIMIT 1", [sha])
    src = store.rows("SELECT si.la_code_old, si.la_name, si.framework, si.start_date, si.end_date, "
                     "si.publication_date, x.inspection_id FROM source_inspection si LEFT JOIN inspection_source x "
                     "ON x.source_id = si.source_id WHERE si.source = 'report' AND si.source_ref = ? LIMIT 1", [sha])
    inspection = None
    la = None
    if src:
        s = src[0]
        from cscwatch.identity import directory

        la = {"la_code_old": s["la_code_old"],
              "la_name": (directory(store).get(s["la_code_old"]) or {}).get("la_name") or s["la_name"]}
        match = [i for i in snapshot(store).inspections([s["la_code_old"]]) if i["inspection_id"] == s["inspection_id"]]
        inspection = match[0] if match else {"inspection_id": s["inspection_id"], "title": None,
                                             "framework": s["framework"], "start_date": s["start_date"],
                                             "publication_date": s["publication_date"]}
    f = files[0] if files else {}
    return {"sha256": sha, "file": PurePath(f["path"]).name if f.get("path") else None,
            "doc_type": f.get("doc_type"), "n_pages": f.get("n_pages") or len(pages), "la": la,
            "inspection": inspection, "pages": pages, "freshness": freshness(store, today)}
