"""The rules as rows for the CLI (``cscwatch risk rules``): the rules file, one LA's next
windows, and the rules' coverage of history."""
from __future__ import annotations

from datetime import date
from typing import Any

from cscwatch.identity import resolve_la
from cscwatch.risk.history import load_history
from cscwatch.risk.rules import coverage_table, history_coverage, load_rules, next_windows
from cscwatch.store import Store


def rules_table() -> list[dict[str, Any]]:
    """One row per rule (the bundled file)."""
    return [{"rule_id": r.rule_id, "framework": r.framework, "in_force": f"{r.valid_from}..{r.valid_to or ''}",
             "after": r.after, "next_event": r.next_event, "anchor": r.anchor,
             "months (earliest/usual/latest)": "" if r.usual_months is None else
             f"{r.earliest_months:g}/{r.usual_months:g}/{r.latest_months:g}",
             "repeats": r.repeats, "certainty": r.certainty, "source": r.source} for r in load_rules().rules]


def la_windows(store: Store, la: str, *, as_of: date | None = None) -> list[dict[str, Any]]:
    """The LA's next windows as the rules stood on ``as_of`` (default: the day after the register ends)."""
    code = resolve_la(store, la, on=as_of)["la_code_old"]
    history = load_history(store)
    if as_of is None:
        from cscwatch.risk.scores import default_as_of

        as_of = default_as_of(history)
    windows = next_windows(history.events.get(code, []), as_of, created=history.created().get(code))
    return [{"la_code_old": code, "as_of": as_of, **{k: v for k, v in w.to_dict().items() if k != "source"}}
            for w in windows]


def rules_coverage(store: Store) -> list[dict[str, Any]]:
    """Share of actual events inside their window, by event, framework and year."""
    history = load_history(store)
    rows = history_coverage(history.events, created=history.created(), visits_from=history.visits_from)
    return coverage_table(rows)
