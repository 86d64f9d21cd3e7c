"""The LA profile: identity, how current the data is, inspections, visits, key measures, the
early-warning panel (published scores), what its last report said (themes and recommendations) and
its own provisional figures beside the published ones (when its returns are loaded)."""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

from cscwatch.contexts.comparator import Comparator
from cscwatch.contexts.freshness import freshness
from cscwatch.contexts.measures import comparator_kind, measure_lines
from cscwatch.contexts.returns import provisional_panel, with_provisional
from cscwatch.contexts.snapshot import snapshot
from cscwatch.contexts.themes import la_themes
from cscwatch.identity import directory
from cscwatch.contexts.risk import la_risk
from cscwatch.store import Store
from cscwatch.warehouse.sources import KEY_MEASURES

Scope = Literal["key", "all"]
LA_FIELDS = ("la_code_old", "la_code_new", "la_name", "region_code", "region_name", "ofsted_region", "la_type",
             "valid_from", "valid_to")


def la_info(row: dict[str, Any]) -> dict[str, Any]:
    """The identity fields every view shows for an LA."""
    return {**{k: row.get(k) for k in LA_FIELDS}, "current": row.get("valid_to") is None}


def _measure_ids(store: Store, code: str, scope: Scope) -> tuple[list[str], int]:
    snap = snapshot(store)
    available = snap.measures_with_figures(code)
    if scope == "all":
        topic = {m: (snap.measures()[m]["topic"] or "~") for m in available}
        return sorted(available, key=lambda m: (topic[m], m)), len(available)
    have = set(available)
    return [m for m in KEY_MEASURES if m in have], len(available)


def _notes(code: str, lineage: list[dict[str, Any]], groups: list[dict[str, Any]]) -> list[str]:
    notes = []
    if any(r["successor"] == code for r in lineage):
        notes.append("Successor authority: its own series start when it was created; its predecessors' figures "
                     "are not spliced in (see docs/warehouse.md). Its inspection history includes its "
                     "predecessors' inspections.")
    if any(r["predecessor"] == code for r in lineage):
        notes.append("Former authority: its figures stop when it was abolished.")
    if groups:
        notes.append("Workforce figures are reported jointly by a shared service ("
                     + ", ".join(sorted({g["group_code"] for g in groups})) + ").")
    return notes


def la_context(store: Store, la: str, comparator: Comparator = Comparator(), *, scope: Scope = "key",
               today: date | None = None) -> dict[str, Any]:
    """Everything an LA's profile shows, for the CLI (``cscwatch la``), ``/la/{code}``, ``/api/la/{code}``
    and the LA workbook alike."""
    snap = snapshot(store)
    d = directory(store)
    info = d.resolve(la)
    code = info["la_code_old"]
    lineage = sorted((r for r in snap.rows_of("la_lineage") if code in (r["predecessor"], r["successor"])),
                     key=lambda r: r["effective_date"])
    groups = [r for r in snap.rows_of("la_group") if code in (r["group_code"], r["member"])]
    ids, available = _measure_ids(store, code, scope)
    inspections = snap.inspections(d.history_codes(code))
    latest = next((i for i in inspections if i["judgements"]), None)
    areas = comparator.areas(store, code)
    provisional = provisional_panel(store, code)
    return {
        "la": la_info(info),
        "freshness": with_provisional(freshness(store, today), provisional),
        "comparator": {**comparator.as_dict(), "kind": comparator_kind(comparator),
                       "areas": [{"la_code_old": a, "la_name": (d.get(a) or {}).get("la_name", a)} for a in areas]},
        "latest_inspection": latest,
        "inspections": inspections,
        "visits": snap.visits(code),
        "lineage": lineage,
        "shared_services": groups,
        "measures": measure_lines(store, code, ids, comparator),
        "measures_scope": scope,
        "measures_available": available,
        "notes": _notes(code, lineage, groups),
        "risk": la_risk(store, code) if snap.has_table("risk_run") else {"available": False},
        "themes": la_themes(store, code),
        "provisional": provisional,
    }
