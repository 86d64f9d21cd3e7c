"""The LA profile: identity, how current the data is, inspections, visits and key measures."""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

from cscwatch.contexts.comparator import Comparator
from cscwatch.contexts.freshness import freshness
from cscwatch.contexts.measures import measure_lines
from cscwatch.identity import directory
from cscwatch.register.query import inspection_history
from cscwatch.risk.context import la_risk_context
from cscwatch.store import Store
from cscwatch.warehouse.sources import KEY_MEASURES

Scope = Literal["key", "all"]
LA_FIELDS = ("la_code_old", "la_code_new", "la_name", "region_code", "region_name", "ofsted_region", "la_type",
             "valid_from", "valid_to")


def la_info(row: dict[str, Any]) -> dict[str, Any]:
    """The identity fields every view shows for an LA."""
    return {**{k: row.get(k) for k in LA_FIELDS}, "current": row.get("valid_to") is None}


def _measure_ids(store: Store, code: str, scope: Scope) -> tuple[list[str], int]:
    available = [r["measure_id"] for r in store.rows(
        "SELECT DISTINCT o.measure_id FROM observation o JOIN measure m USING (measure_id) WHERE o.la = ?"
        " AND o.value IS NOT NULL ORDER BY m.topic, o.measure_id", [code])]
    if scope == "all":
        return available, len(available)
    have = set(available)
    return [m for m in KEY_MEASURES if m in have], len(available)


def _notes(store: Store, code: str, lineage: list[dict[str, Any]], groups: list[dict[str, Any]]) -> list[str]:
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
    d = directory(store)
    info = d.resolve(la)
    code = info["la_code_old"]
    lineage = store.rows("SELECT * FROM la_lineage WHERE predecessor = ? OR successor = ? ORDER BY effective_date",
                         [code, code]) if store.has_table("la_lineage") else []
    groups = store.rows("SELECT * FROM la_group WHERE group_code = ? OR member = ?", [code, code]) \
        if store.has_table("la_group") else []
    ids, available = _measure_ids(store, code, scope)
    inspections = inspection_history(store, d.history_codes(code)) if store.has_table("inspection") else []
    latest = next((i for i in inspections if i["judgements"]), None)
    areas = comparator.areas(store, code)
    visits = store.rows("SELECT visit_type, visit_date, publication_date, theme, source FROM visit"
                        " WHERE la_code_old = ? ORDER BY visit_date DESC", [code]) if store.has_table("visit") else []
    return {
        "la": la_info(info),
        "freshness": freshness(store, today),
        "comparator": {**comparator.as_dict(), "areas": [{"la_code_old": a, "la_name": (d.get(a) or {}).get("la_name", a)}
                                                         for a in areas]},
        "latest_inspection": latest,
        "inspections": inspections,
        "visits": visits,
        "lineage": lineage,
        "shared_services": groups,
        "measures": measure_lines(store, code, ids, comparator),
        "measures_scope": scope,
        "measures_available": available,
        "notes": _notes(store, code, lineage, groups),
        "risk": la_risk_context(store, code) if store.has_table("risk_run") else {"available": False},
    }
