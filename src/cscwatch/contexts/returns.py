"""An LA's own returns as pages: provisional figures beside the published ones (LA page, workbook,
``/returns/{code}``) and, behind a login, the child-level validation issues.

Everything outside the login is suppressed (counts under 5 and what would reveal them show DfE's
symbol ``c``) by :mod:`cscwatch.returns.provisional`; the child-level context
(:func:`cscwatch.returns.views.child_issues_context`) checks the account itself and shows children
only by their pseudonymised keys. This module adds the LA's identity, how current the figures are
("provisional, computed on ..." beside "published by DfE on ...") and nothing else.

* ``provisional_panel(store, code)`` -> ``provisional_beside_published`` plus ``computed_at``
  (newest) and ``note``; None when the LA has no returns loaded.
* ``returns_context(store, la)`` -> ``{"la", "years": [...returns_overview...], "provisional":
  panel | None, "freshness"}``.
* ``child_issues_page_context(store, account, la, year, return_type)`` -> ``child_issues_context``
  plus ``la`` and ``freshness``; raises ``PermissionDenied`` without a login or for another LA.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from cscwatch.contexts.freshness import day_text, freshness
from cscwatch.contexts.snapshot import snapshot
from cscwatch.identity import directory
from cscwatch.returns.provisional import provisional_beside_published
from cscwatch.returns.views import child_issues_context, returns_overview
from cscwatch.store import Store

PROVISIONAL_NOTE = ("Provisional: computed by cscwatch from the local authority's own returns, before DfE checks "
                    "and publishes them (DfE publishes the year to 31 March in the following November). Counts "
                    "under 5, and figures that would reveal them, are suppressed (shown as c).")


def has_returns(store: Store) -> bool:
    return snapshot(store).has_table("provisional_observation")


def _la(store: Store, la: str) -> dict[str, Any]:
    from cscwatch.contexts.la import la_info

    return la_info(directory(store).resolve(la))


def las_with_returns(store: Store) -> frozenset[str]:
    if not has_returns(store):
        return frozenset()
    return snapshot(store).memo("las_with_returns", lambda: frozenset(
        r["la"] for r in store.rows("SELECT DISTINCT la FROM provisional_observation")))


def provisional_panel(store: Store, code: str) -> dict[str, Any] | None:
    """The LA's provisional figures beside DfE's published ones, or None when it has no returns."""
    if code not in las_with_returns(store):
        return None
    return snapshot(store).memo(("provisional_panel", code), lambda: _panel(store, code))


def _panel(store: Store, code: str) -> dict[str, Any] | None:
    panel = provisional_beside_published(store, code)
    if not panel["rows"]:
        return None
    computed = max((r["computed_at"] for r in panel["rows"] if r["computed_at"]), default=None)
    return {**panel, "computed_at": computed, "note": PROVISIONAL_NOTE}


def provisional_line(panel: dict[str, Any] | None) -> str | None:
    """How current the provisional figures are, for the freshness block."""
    if not panel:
        return None
    when = panel["computed_at"]
    day = day_text(when.date() if isinstance(when, datetime) else when) if when else "an unknown date"
    return (f"Provisional figures for {panel['la_name'] or panel['la_code_old']} computed from its own returns on "
            f"{day} (latest year to 31 March {panel['latest_year']}); every other figure is published")


def with_provisional(fresh: dict[str, Any], panel: dict[str, Any] | None) -> dict[str, Any]:
    """A freshness block that says which figures are provisional (the others are published)."""
    line = provisional_line(panel)
    if not line:
        return fresh
    return {**fresh, "summary": f"{fresh['summary']}; {line}", "extra": [*fresh.get("extra", []), line],
            "provisional": line}


def returns_context(store: Store, la: str, today: date | None = None) -> dict[str, Any]:
    """``/returns/{code}``: which returns the LA has loaded (files, rows, errors and the number of
    validation issues, never a child) and its provisional figures beside the published ones."""
    info = _la(store, la)
    code = info["la_code_old"]
    fresh = freshness(store, today)
    if not has_returns(store):
        return {"la": info, "years": [], "provisional": None, "freshness": fresh,
                "message": "This store holds no returns: `cscwatch returns ingest` loads an LA's SSDA903 and CIN "
                           "census files."}
    overview = returns_overview(store, code)
    panel = provisional_panel(store, code)
    return {"la": info, "years": overview["years"], "provisional": panel,
            "message": None if overview["years"] else f"No returns are loaded for {info['la_name']}.",
            "freshness": with_provisional(fresh, panel)}


def child_issues_page_context(store: Store, account: dict[str, Any] | None, la: str, year: int,
                              return_type: str | None = None, today: date | None = None) -> dict[str, Any]:
    """The child-level validation issues of one LA's return (login required; children by key only)."""
    info = _la(store, la)
    ctx = child_issues_context(store, account, info["la_code_old"], year, return_type)
    fresh = freshness(store, today)
    validated = ctx.get("validated_at")
    line = (f"Validation issues from DfE's validators, run on {day_text(validated.date())}"
            if isinstance(validated, datetime) else "No validation issues are recorded for this return")
    return {**ctx, "la": info, "account": {"username": account["username"]} if account else None,
            "freshness": {**fresh, "extra": [*fresh.get("extra", []), line],
                          "provisional": "Figures here are provisional and unsuppressed: for this login only"}}
