"""Read the reconciled register: one wide row per inspection, for an LA or for all of them."""
from __future__ import annotations

from datetime import date
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


#: Framework acronyms in words, for headings and the glossary.
FRAMEWORK_NAMES: dict[str, str] = {
    "SLAC": "Safeguarding and looked after children inspection",
    "CPI": "Child protection inspection",
    "TLAC": "Looked after children inspection",
    "legacy": "Inspection of children's services",
    "SIF": "Single inspection framework",
    "LSCB": "Review of the Local Safeguarding Children Board",
    "ILACS": "Inspection of local authority children's services (ILACS)",
    "ILACS-2023": "Inspection of local authority children's services (ILACS)",
    "ILACS-2026": "Inspection of local authority children's services (ILACS, 2026 format)",
}
TYPE_NAMES: dict[str, str] = {
    "standard": "standard inspection", "short": "short inspection", "first": "inspection",
    "reinspection": "re-inspection", "reinspection_safeguarding": "re-inspection of safeguarding",
    "reinspection_looked_after": "re-inspection of services for looked after children",
    "lscb_review": "review",
}
SOURCE_NAMES: dict[str, str] = {"report": "the published report", "ofsted": "Ofsted's official outcomes list",
                                "thirdparty": "a third-party scrape of Ofsted's site (not yet checked against "
                                              "Ofsted's list)"}


def describe_inspection(framework: str, inspection_type: str | None, first_day: date | None) -> str:
    """A heading in words: 'ILACS standard inspection, 7 November 2022'; 'SIF re-inspection, ...'."""
    short = {"ILACS": "ILACS", "ILACS-2023": "ILACS", "ILACS-2026": "ILACS", "SIF": "SIF"}.get(framework)
    kind = TYPE_NAMES.get(inspection_type or "", "inspection")
    what = f"{short} {kind}" if short else FRAMEWORK_NAMES.get(framework, framework)
    if not short and inspection_type and inspection_type not in ("first", None):
        what += f" ({kind})"
    when = f"{first_day.day} {first_day:%B %Y}" if first_day else "date not known"
    return f"{what[0].upper()}{what[1:]}, {when}"


def describe_sources(sources: str) -> str:
    """'report,ofsted' -> 'the published report and Ofsted's official outcomes list'."""
    names = [SOURCE_NAMES.get(s.strip(), s.strip()) for s in sources.split(",") if s.strip()]
    return " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " and " + names[-1]


def inspection_history(store: Store, la_codes: list[str] | None = None) -> list[dict[str, Any]]:
    """Reconciled inspections, newest first, each with a readable title, its sources in words, every
    judgement (in report order) with the source of its grade, and any report/official disagreement."""
    from cscwatch.grades import JUDGEMENTS, JUDGEMENT_TITLES, Grade

    where, params = ("WHERE i.la_code_old IN (SELECT unnest(?::TEXT[]))", [la_codes]) if la_codes else ("", [])
    rows = store.rows(
        "SELECT i.inspection_id, i.la_code_old, i.la_name, i.framework, i.inspection_type, i.start_date,"
        f" i.end_date, i.publication_date, i.sources FROM inspection i {where}"
        " ORDER BY coalesce(i.start_date, i.publication_date) DESC, i.inspection_id", params)
    if not rows:
        return []
    ids = [r["inspection_id"] for r in rows]
    grades: dict[str, list[dict[str, Any]]] = {}
    order = {k: n for n, k in enumerate(list(JUDGEMENTS) + list(JUDGEMENT_TITLES))}
    for j in store.rows("SELECT inspection_id, judgement, grade, source FROM judgement"
                        " WHERE inspection_id IN (SELECT unnest(?::TEXT[]))", [ids]):
        grades.setdefault(j["inspection_id"], []).append({
            "judgement": j["judgement"], "title": JUDGEMENT_TITLES.get(j["judgement"], j["judgement"]),
            "grade": j["grade"], "grade_label": Grade(j["grade"]).label, "source": j["source"]})
    disagreements: dict[str, list[dict[str, Any]]] = {}
    for d in store.rows("SELECT inspection_id, field, report_value, official_value FROM discrepancy"
                        " WHERE inspection_id IN (SELECT unnest(?::TEXT[]))", [ids]):
        disagreements.setdefault(d.pop("inspection_id"), []).append(d)
    out = []
    for r in rows:
        js = sorted(grades.get(r["inspection_id"], []), key=lambda j: order.get(j["judgement"], 99))
        overall = next((j for j in js if j["judgement"] == "overall"), None)
        out.append({**r, "title": describe_inspection(r["framework"], r["inspection_type"],
                                                      r["start_date"] or r["publication_date"]),
                    "framework_name": FRAMEWORK_NAMES.get(r["framework"], r["framework"]),
                    "sources_text": describe_sources(r["sources"]),
                    "overall": overall["grade"] if overall else None,
                    "overall_label": overall["grade_label"] if overall else None,
                    "judgements": js, "discrepancies": disagreements.get(r["inspection_id"], [])})
    return out
