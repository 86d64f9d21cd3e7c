"""The national picture: each LA's latest grade as at a date, grade shares over time, recent inspections."""
from __future__ import annotations

from datetime import date
from typing import Any

from cscwatch.contexts.freshness import freshness
from cscwatch.contexts.la import la_info
from cscwatch.contexts.snapshot import snapshot
from cscwatch.grades import GRADES
from cscwatch.identity import directory
from cscwatch.register.national import national_stats
from cscwatch.store import Store

GRADE_KEYS = tuple(g.value for g in GRADES)
GRADE_LABELS = {g.value: g.label for g in GRADES}


def grade_shares(store: Store, until: date) -> list[dict[str, Any]]:
    """Share of LAs at each latest overall grade as at 31 March of each year and at ``until``, by the
    register's reproduction of Ofsted's "outcomes as at 31 March" method."""
    first = store.scalar("SELECT min(coalesce(start_date, publication_date)) FROM inspection"
                         " WHERE framework IN ('SIF', 'ILACS', 'ILACS-2023', 'ILACS-2026')")
    if first is None:
        return []
    dates = [date(y, 3, 31) for y in range(first.year + 1, until.year + 1) if date(y, 3, 31) < until] + [until]
    out = []
    for on in dates:
        a = national_stats(store, as_at=on)["as_at"]
        out.append({"as_at": on, "label": str(on.year) if on != until else f"{on.day} {on:%b %Y}", "n": a["n_las"],
                    **{f"n_{g}": a["counts"][g] for g in GRADE_KEYS},
                    **{f"pct_{g}": None if a["shares"][g] is None else round(100 * a["shares"][g], 1)
                       for g in GRADE_KEYS}})
    return out


def overview_context(store: Store, *, today: date | None = None) -> dict[str, Any]:
    """The national overview, as at the newest inspection the register holds (never later: the page
    must not claim a position the register cannot know)."""
    today = today or date.today()
    return snapshot(store).memo(("overview", today), lambda: _overview(store, today))


def _overview(store: Store, today: date) -> dict[str, Any]:
    fresh = freshness(store, today)
    newest = fresh["register"]["newest"] if fresh["register"] else (today or date.today())
    as_at = min(today or date.today(), newest)
    stats = national_stats(store, as_at=as_at)
    a = stats["as_at"]
    d = directory(store)
    history = {i["inspection_id"]: i for i in snapshot(store).inspections()}
    las = []
    for code, row in sorted(d.las.items(), key=lambda kv: kv[1]["la_name"]):
        if row["valid_to"] is not None or row["la_type"] == "shared_service" or not d.exists(code, as_at):
            continue
        latest = history.get(a["las"].get(code, ""))
        las.append({**la_info(row), "grade": latest["overall"] if latest else None,
                    "grade_label": latest["overall_label"] if latest else None,
                    "inspection_title": latest["title"] if latest else None,
                    "inspection_date": (latest["start_date"] or latest["publication_date"]) if latest else None,
                    "sources_text": latest["sources_text"] if latest else None})
    recent = snapshot(store).inspections()[:12]
    return {
        "as_at": as_at,
        "freshness": fresh,
        "n_las": len(las),
        "counts": a["counts"], "shares": a["shares"], "not_yet_graded": a["not_yet_graded"],
        "grades": [{"grade": g, "label": lbl, "n": a["counts"][g]} for g, lbl in GRADE_LABELS.items()],
        "not_graded": sum(1 for r in las if not r["grade"]),
        "sub_judgements": a["sub_judgements"],
        "las": las,
        "grade_shares": grade_shares(store, as_at),
        "recent_inspections": recent,
    }
