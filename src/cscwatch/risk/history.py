"""Each LA's inspection and visit history, read once from the register, lineage-filled.

**Lineage fill.** An LA created by a reorganisation (``la_lineage``: merger, split, recode) inherits
every event of each predecessor dated before the change, recursively (Bournemouth, Poole and the old
Dorset county's history passes to Bournemouth, Christchurch and Poole; Northamptonshire's to North
and to West Northamptonshire). Inherited events keep ``inherited_from``; the LA's "last inspection"
is simply the latest event of the merged history, whoever it belonged to. The rules treat an LA with
no inspection of its own as a new authority (``new_authority``), since Ofsted gives it a first
standard inspection of its own.

**Visits.** Focused and monitoring visits are on record only from the first month the official
in-year data covers (``visits_from``, April 2022 in the bundled data) to the end of the reporting year
(April to March) of its latest visit (``visits_until``, 31 March 2025). On a given day the record is
taken to reach only the end of the reporting year of the latest official visit *known* that day, so a
count never depends on what was published later. Outside that span a count of visits is *unknown*,
not zero. A visit that two sources both report (same LA, kind and date) counts once.
"""
from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd

from cscwatch.errors import StoreNotBuilt
from cscwatch.risk.rules import FULL_FRAMEWORKS, PRE_SIF_FRAMEWORKS, Event
from cscwatch.store import Store

VISIT_KINDS = {"monitoring": "monitoring_visit", "focused": "focused_visit"}


@dataclass
class RegisterHistory:
    """The register as the risk model sees it (see the module docstring)."""

    events: dict[str, list[Event]]          # LA -> own + inherited events, oldest first
    las: pd.DataFrame                       # the ``la`` rows Ofsted inspects (no shared services)
    lineage: list[dict[str, Any]] = field(default_factory=list)
    visits_from: date | None = None         # first day the visit record covers
    visits_until: date | None = None        # last day the visit record covers
    official_visits: list[tuple[date, date]] = field(default_factory=list)  # (known from, visit day), sorted
    coverage_end: date | None = None        # last day the register is complete to

    def created(self) -> dict[str, date]:
        """New authorities: LA -> the day it came into being (from ``la.valid_from``)."""
        out = {}
        for code, start in zip(self.las["la_code_old"], self.las["valid_from"]):
            if start is not None and not pd.isna(start):
                out[code] = pd.Timestamp(start).date()
        return out

    def existing_on(self, day: date) -> list[str]:
        """LA codes in existence on ``day`` (created on or before it, not yet abolished)."""
        out = []
        for code, start, end in zip(self.las["la_code_old"], self.las["valid_from"], self.las["valid_to"]):
            if (start is None or pd.isna(start) or pd.Timestamp(start).date() <= day) and \
                    (end is None or pd.isna(end) or pd.Timestamp(end).date() >= day):
                out.append(code)
        return out

    def visits_cover(self, first: date, last: date, on: date) -> bool:
        """Whether the visit record, as known on ``on``, covers every day from ``first`` to ``last``."""
        if self.visits_from is None or first < self.visits_from:
            return False
        i = bisect.bisect_left(self.official_visits, (on,))
        if i == 0:
            return False
        latest = max(day for _, day in self.official_visits[:i])
        return last <= date(latest.year + (latest.month > 3), 3, 31)

    def own_events(self) -> dict[str, list[Event]]:
        return {la: [e for e in evs if e.inherited_from is None] for la, evs in self.events.items()}


def _grades(store: Store) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for iid, j, g in store.con.execute("SELECT inspection_id, judgement, grade_rank FROM judgement").fetchall():
        out.setdefault(iid, {})[j] = int(g)
    return out


def _as_date(v: Any) -> date | None:
    if v is None or (not isinstance(v, (date, str)) and pd.isna(v)):
        return None
    if isinstance(v, str):
        return date.fromisoformat(v[:10])
    return v if type(v) is date else pd.Timestamp(v).date()


def load_history(store: Store) -> RegisterHistory:
    """Read inspections, judgements, visits, LAs and lineage; fill lineage (see the module docstring)."""
    for table in ("inspection", "judgement"):
        if not store.has_table(table):
            raise StoreNotBuilt(f"the store has no {table} table; run `cscwatch build` first")
    grades = _grades(store)
    own: dict[str, list[Event]] = {}
    frameworks = (*PRE_SIF_FRAMEWORKS, *FULL_FRAMEWORKS)
    for iid, la, fw, kind, start, pub in store.con.execute(
            "SELECT inspection_id, la_code_old, framework, inspection_type, start_date, publication_date "
            "FROM inspection").fetchall():
        if fw not in frameworks or (start is None and pub is None):
            continue
        own.setdefault(la, []).append(Event("inspection", _as_date(start), _as_date(pub), fw, kind,
                                            grades.get(iid, {}), iid, la))
    visits_from = visits_until = None
    official: list[tuple[date, date]] = []
    if store.has_table("visit"):
        seen: set[tuple] = set()
        official = []
        for vid, la, vtype, vdate, pub, source in store.con.execute(
                "SELECT visit_id, la_code_old, visit_type, visit_date, publication_date, source FROM visit "
                "ORDER BY source = 'ofsted' DESC, visit_id").fetchall():
            key = (la, vtype, vdate)
            if vtype in VISIT_KINDS and vdate is not None and key not in seen:
                seen.add(key)
                ev = Event(VISIT_KINDS[vtype], _as_date(vdate), _as_date(pub), event_id=vid, la_code_old=la)
                own.setdefault(la, []).append(ev)
                if source == "ofsted":
                    official.append((ev.known_from, ev.start))
        official.sort()
        first, last = store.con.execute(
            "SELECT min(visit_date), max(visit_date) FROM visit WHERE source = 'ofsted'").fetchone()
        if first is not None:
            first, last = _as_date(first), _as_date(last)
            # from the first full month the official record covers, to the end of the reporting year
            # (April to March) of its latest visit: the official data comes a reporting year at a time
            visits_from = first if first.day == 1 else _next_month(first)
            visits_until = date(last.year + (last.month > 3), 3, 31)
    if store.has_table("la"):
        las = store.df("SELECT la_code_old, la_code_new, la_name, region_name, ofsted_region, la_type, valid_from, "
                       "valid_to FROM la WHERE la_type IS DISTINCT FROM 'shared_service' ORDER BY la_code_old")
    else:
        codes = sorted(own)
        las = pd.DataFrame({"la_code_old": codes, "la_code_new": None, "la_name": codes, "region_name": None,
                            "ofsted_region": None, "la_type": None, "valid_from": None, "valid_to": None})
    lineage = store.rows("SELECT predecessor, successor, effective_date, kind FROM la_lineage") \
        if store.has_table("la_lineage") else []
    for evs in own.values():
        evs.sort(key=lambda e: (e.day, e.kind))
    full = [e.start for evs in own.values() for e in evs if e.is_full_inspection and e.start is not None]
    return RegisterHistory(events=lineage_fill(own, lineage), las=las, lineage=lineage, visits_from=visits_from,
                           visits_until=visits_until, official_visits=official,
                           coverage_end=max(full) if full else None)


def _next_month(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1)


def lineage_fill(own: Mapping[str, Sequence[Event]], lineage: Sequence[Mapping[str, Any]]) -> dict[str, list[Event]]:
    """Each LA's own events plus those inherited from its predecessors (recursively), oldest first.

    A predecessor's event counts for the successor when it is dated before the change's effective
    date; inherited events carry ``inherited_from`` (the predecessor's code; the earliest one along
    a chain keeps its original owner).
    """
    preds: dict[str, list[tuple[str, date]]] = {}
    for r in lineage:
        if r["predecessor"] != r["successor"]:
            preds.setdefault(r["successor"], []).append((r["predecessor"], _as_date(r["effective_date"])))

    def collect(la: str, seen: frozenset[str]) -> list[Event]:
        out = list(own.get(la, ()))
        for pred, when in preds.get(la, ()):
            if pred in seen:
                continue
            for e in collect(pred, seen | {pred}):
                if e.day < when:
                    out.append(e if e.inherited_from else Event(
                        e.kind, e.start, e.published, e.framework, e.inspection_type, e.judgements, e.event_id,
                        e.la_code_old, inherited_from=pred))
        return out

    codes = set(own) | set(preds)
    filled = {}
    for la in codes:
        evs = collect(la, frozenset({la}))
        uniq = {(e.event_id, e.kind, e.day): e for e in evs}  # a predecessor reached twice counts once
        filled[la] = sorted(uniq.values(), key=lambda e: (e.day, e.kind))
    return filled
