"""Read the reconciled register: one wide row per inspection, for an LA or for all of them."""
from __future__ import annotations

import difflib
from typing import Any

from cscwatch.errors import NotFound, UnknownLocalAuthority
from cscwatch.register.national import LA_VALIDITY
from cscwatch.register.reconcile import la_group
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


def _key(text: str) -> str:
    """Comparable LA name: case, '&'/'and', 'St.'/'St', punctuation and 'City of' word order ignored."""
    from cscwatch.register.la_names import name_key

    return name_key(text)


def _known_las(store: Store) -> dict[str, dict[str, Any]]:
    rows = store.rows(
        "SELECT la_code_old, arg_max(la_code_new, coalesce(start_date, publication_date)) AS la_code_new,"
        " arg_max(la_name, coalesce(start_date, publication_date)) AS la_name,"
        " max(coalesce(start_date, publication_date)) AS latest FROM inspection GROUP BY la_code_old"
    )
    return {r["la_code_old"]: r for r in rows}


def resolve_la(store: Store, la: str) -> str:
    """The DfE code (``la_code_old``) an LA name, old code or ONS code refers to.

    Raises NotFound, with the closest names as suggestions, when nothing matches.
    """
    value = " ".join(la.split())
    known = _known_las(store)
    if value in known:
        return value
    upper = value.upper()
    for code, row in known.items():
        if (row["la_code_new"] or "").upper() == upper:
            return code
    old_new = store.rows("SELECT DISTINCT la_code_old FROM source_inspection WHERE upper(la_code_new) = ?", [upper])
    if old_new:
        return old_new[0]["la_code_old"]
    key = _key(value)
    same_name = [code for code, row in known.items() if row["la_name"] and _key(row["la_name"]) == key]
    if same_name:
        # e.g. "Dorset" names the county (835) and today's unitary (838): the latest is meant
        return max(same_name, key=lambda c: (known[c]["latest"], c))
    names = store.rows("SELECT DISTINCT la_code_old, la_name FROM source_inspection WHERE la_name IS NOT NULL")
    for row in names:
        if _key(row["la_name"]) == key:
            return row["la_code_old"]
    try:
        from cscwatch.register.la_names import match_la

        match = match_la(value)
        if match.code_old in known:
            return match.code_old
    except UnknownLocalAuthority:
        pass
    if store.has_table("la_alias"):
        hit = store.rows("SELECT la_code_old FROM la_alias WHERE alias IN (?, ?, ?) LIMIT 1",
                         [value, value.lower(), key])
        if hit and hit[0]["la_code_old"] in known:
            return hit[0]["la_code_old"]
    by_key = {_key(r["la_name"]): r["la_name"] for r in known.values() if r["la_name"]}
    close = difflib.get_close_matches(key, list(by_key), n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(by_key[c] for c in close)}?)" if close else ""
    raise NotFound(f"no local authority {la!r} in the register{hint}")


def history_codes(code: str) -> list[str]:
    """An LA's code plus its predecessors' (a successor's history starts with theirs)."""
    start = LA_VALIDITY.get(code, (None, None))[0]
    if start is None:
        return [code]
    preds = [c for c, (_, end) in LA_VALIDITY.items()
             if end is not None and end <= start and la_group(c) == la_group(code)]
    return sorted(preds) + [code]


def list_inspections(store: Store, la: str | None = None) -> list[dict[str, Any]]:
    """One row per inspection: sources, dates, framework, type and every judgement (wide).

    ``la`` is a name (case-insensitive, 'and'/'&' and 'St.'/'St' alike) or an old or ONS code;
    a successor authority's rows include its predecessors' inspections (e.g. Dorset 838 lists
    the Dorset county 835 ones). Rows are ordered by LA, then date.
    """
    params: list[Any] = []
    where = ""
    if la is not None and la.strip():
        codes = history_codes(resolve_la(store, la))
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
