"""Ungraded events: focused visits, monitoring visits and JTAIs, from Ofsted's lists and from letters.

The ``visit`` table keeps each source's row (``source = 'ofsted'`` from Ofsted's in-year lists,
``'report'`` from a parsed letter, with its priority actions and a link to the letter's file).
Reconciliation links a letter to Ofsted's row of the same visit (``visit.same_as``: same LA or its
predecessor/successor, same type, dates within a week). :func:`list_visits` gives one row per real
visit: Ofsted's row, completed by its letter where there is one.
"""
from __future__ import annotations

from typing import Any

from cscwatch.store import Store

#: Columns of ``cscwatch visits`` (csv/json), in order.
VISIT_COLUMNS: tuple[str, ...] = (
    "visit_id", "la_code_old", "la_code_new", "la_name", "visit_type", "visit_date", "end_date",
    "publication_date", "theme", "priority_action", "priority_actions", "sources", "lead_inspector", "report_sha256",
)


def list_visits(store: Store, la: str | None = None) -> list[dict[str, Any]]:
    """One row per visit, by LA then date; ``la`` as for ``cscwatch inspections`` (a name or code;
    a successor's rows include its predecessors'). ``priority_actions`` is a list of the actions as
    printed; ``priority_action`` is NULL where no letter was read (Ofsted's lists do not say)."""
    params: list[Any] = []
    where = ""
    if la is not None and la.strip():
        from cscwatch.register.query import history_codes, resolve_la

        codes = history_codes(store, resolve_la(store, la)["la_code_old"])
        where = f"WHERE v.la_code_old IN ({', '.join('?' for _ in codes)})"
        params = codes
    rows = store.rows(
        "WITH names AS (SELECT la_code_old, arg_max(la_name, coalesce(start_date, publication_date)) AS la_name"
        "  FROM inspection GROUP BY la_code_old),"
        # one letter per visit: copies of a letter (or two letters Ofsted lists once) count once
        " letters AS (SELECT * FROM visit WHERE source = 'report' QUALIFY row_number() OVER (PARTITION BY"
        "  coalesce(same_as, la_code_old || ':' || visit_type || ':' || visit_date) ORDER BY visit_id) = 1),"
        " events AS ("
        "  SELECT o.visit_id, o.la_code_old, coalesce(o.la_code_new, l.la_code_new) AS la_code_new,"
        "   coalesce(l.la_name, o.la_name) AS la_name, o.visit_type, o.visit_date,"
        "   coalesce(l.end_date, o.end_date) AS end_date,"
        "   coalesce(o.publication_date, l.publication_date) AS publication_date, coalesce(o.theme, l.theme) AS theme,"
        "   l.priority_action, l.priority_actions, CASE WHEN l.visit_id IS NULL THEN 'ofsted' ELSE 'ofsted,report' END"
        "   AS sources, l.lead_inspector, l.report_sha256"
        "  FROM visit o LEFT JOIN letters l ON l.same_as = o.visit_id WHERE o.source <> 'report'"
        "  UNION ALL"
        "  SELECT visit_id, la_code_old, la_code_new, la_name, visit_type, visit_date, end_date, publication_date,"
        "   theme, priority_action, priority_actions, 'report', lead_inspector, report_sha256"
        "  FROM letters WHERE same_as IS NULL)"
        f" SELECT v.* REPLACE (coalesce(v.la_name, n.la_name) AS la_name) FROM events v"
        f" LEFT JOIN names n USING (la_code_old) {where}"
        " ORDER BY v.la_code_old, v.visit_date, v.visit_id",
        params,
    )
    out = []
    for r in rows:
        r["priority_actions"] = r["priority_actions"].split("\n") if r["priority_actions"] else []
        out.append({c: r.get(c) for c in VISIT_COLUMNS})
    return out
