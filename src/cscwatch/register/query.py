"""Read the reconciled register: one wide row per inspection, for an LA or for all of them."""
from __future__ import annotations

from typing import Any

from cscwatch.identity import directory, resolve_la
from cscwatch.store import Store

#: Judgement columns of the wide rows, in report order.
WIDE_JUDGEMENTS: tuple[str, ...] = (
    "overall", "help_and_protection", "children_in_care", "care_leavers", "adoption", "leadership", "lscb",
    "slac_safeguarding", "slac_looked_after",
)

#: Columns of ``cscwatch inspections`` (csv/json), in order.
INSPECTION_COLUMNS: tuple[str, ...] = (
    "inspection_id", "la_code_old", "la_code_new", "la_name", "framework", "inspection_type",
    "start_date", "end_date", "publication_date", "sources", *WIDE_JUDGEMENTS, "lead_inspector",
)


def history_codes(store: Store, code: str) -> list[str]:
    """An LA's code after its predecessors' (a successor's history starts with theirs)."""
    return directory(store).history_codes(code)


def list_inspections(store: Store, la: str | None = None) -> list[dict[str, Any]]:
    """One row per inspection: sources, dates, framework, type and every judgement (wide).

    ``la`` is a name (case-insensitive, 'and'/'&' and 'St.'/'St' alike) or an old or ONS code;
    a successor authority's rows include its predecessors' inspections (e.g. Dorset 838 lists
    the Dorset county 835 ones). Rows are ordered by LA, then date.
    """
    params: list[Any] = []
    where = ""
    if la is not None and la.strip():
        codes = history_codes(store, resolve_la(store, la)["la_code_old"])
        where = f"WHERE i.la_code_old IN ({', '.join('?' for _ in codes)})"
        params = codes
    pivot = ", ".join(f"max(j.grade) FILTER (WHERE j.judgement = '{k}') AS {k}" for k in WIDE_JUDGEMENTS)
    rows = store.rows(
        f"SELECT * FROM (SELECT i.inspection_id, i.la_code_old, i.la_code_new, i.la_name, i.framework,"
        f" i.inspection_type, i.start_date, i.end_date, i.publication_date, i.sources, {pivot}, i.lead_inspector"
        f" FROM inspection i LEFT JOIN judgement j USING (inspection_id) {where} GROUP BY ALL)"
        f" ORDER BY la_code_old, coalesce(start_date, publication_date), inspection_id",
        params,
    )
    return [{c: r[c] for c in INSPECTION_COLUMNS} for r in rows]
