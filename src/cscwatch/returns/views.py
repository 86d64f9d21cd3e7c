"""Plain-data contexts for the pages that show returns (the web layer renders them; nothing here
renders). Child-level contexts take the logged-in account and check it first."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from cscwatch.returns.accounts import require_access
from cscwatch.returns.provisional import provisional_rows
from cscwatch.store import Store


def _code(store: Store, la: str) -> str:
    from cscwatch.identity import resolve_la

    return resolve_la(store, la)["la_code_old"]


def returns_overview(store: Store, la: str) -> dict[str, Any]:
    """What the LA has loaded (no child-level data): files per year with status and errors."""
    code = _code(store, la)
    files = store.rows("SELECT year, kind, file_name, status, error, n_rows, ingested_at FROM return_file "
                       "WHERE la_code_old = ? ORDER BY year DESC, kind", [code])
    counts = {(r["year"], r["return_type"]): r["n"] for r in store.rows(
        "SELECT year, return_type, count(*) AS n FROM return_issue WHERE la_code_old = ? GROUP BY 1, 2", [code])}
    years = sorted({f["year"] for f in files}, reverse=True)
    return {"la_code_old": code, "years": [
        {"year": y, "files": [f for f in files if f["year"] == y],
         "issues": {"ssda903": counts.get((y, "ssda903"), 0), "cin": counts.get((y, "cin"), 0)}} for y in years]}


def child_issues_context(store: Store, account: dict[str, Any] | None, la: str, year: int,
                         return_type: str | None = None) -> dict[str, Any]:
    """Validation issues per child for one LA's return (a logged-in child-level view).

    ``{"la_code_old", "year", "return_type", "validated_at", "summary": [{"rule_code", "severity",
    "message", "issues", "children"}], "children": [{"child_key", "issues": [{"return_type",
    "rule_code", "severity", "table_name", "columns", "row_no", "message"}]}], "la_level": [issue...],
    "figures": [unsuppressed provisional figures of the year]}``. Children are pseudonymised keys;
    ``row_no`` points the analyst at the row in the file they submitted.
    """
    code = _code(store, la)
    require_access(account, code)
    sql = ("SELECT return_type, child_key, rule_code, severity, table_name, columns, row_no, message, validated_at "
           "FROM return_issue WHERE la_code_old = ? AND year = ?")
    params: list[Any] = [code, year]
    if return_type:
        sql += " AND return_type = ?"
        params.append(return_type)
    issues = store.rows(sql + " ORDER BY child_key NULLS LAST, return_type, row_no, rule_code", params)
    per_child: dict[str, list[dict[str, Any]]] = defaultdict(list)
    la_level, summary = [], {}
    for i in issues:
        item = {k: i[k] for k in ("return_type", "rule_code", "severity", "table_name", "columns", "row_no",
                                  "message")}
        (per_child[i["child_key"]] if i["child_key"] else la_level).append(item)
        s = summary.setdefault((i["return_type"], i["rule_code"]), {
            "return_type": i["return_type"], "rule_code": i["rule_code"], "severity": i["severity"],
            "message": i["message"], "issues": 0, "children": set()})
        s["issues"] += 1
        if i["child_key"]:
            s["children"].add(i["child_key"])
    return {
        "la_code_old": code, "year": year, "return_type": return_type,
        "validated_at": max((i["validated_at"] for i in issues), default=None),
        "summary": sorted(({**s, "children": len(s["children"])} for s in summary.values()),
                          key=lambda s: (s["severity"] != "error", -s["issues"], s["rule_code"])),
        "children": [{"child_key": k, "issues": v} for k, v in per_child.items()],
        "la_level": la_level,
        "figures": provisional_rows(store, la=code, year=year, suppressed=False),
    }
