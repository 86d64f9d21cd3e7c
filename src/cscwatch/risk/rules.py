"""Ofsted's scheduling rules as data: after each outcome, which event comes next and when.

The rules live in ``cscwatch/data/ofsted/inspection_rules.csv`` (listed in ``data/MANIFEST.csv``),
one row per (framework, outcome, next event), each with its window in months after an anchor
(earliest, usual, latest), whether it repeats (monitoring visits), its source and its certainty
(C confirmed, S secondary, U uncertain; ``../shared/DOMAIN.md``). Versions: ``SIF`` (Nov 2013 to
2017), ``ILACS-2018``, ``ILACS-2023`` and ``ILACS-2026`` (no overall grade). Pauses (the Covid
suspension of routine inspection) are rows with ``next_event = pause``.

The API, for the risk model and the inspection planner (pure functions over plain data; no store)::

    rules = load_rules()
    history = [Event("inspection", start=date(2022, 5, 9), published=date(2022, 6, 30),
                     framework="ILACS", judgements={"overall": 3, "leadership": 3})]
    for w in next_windows(history, date(2024, 1, 1), rules=rules):
        w.event, w.earliest, w.usual, w.latest, w.rule_id, w.certainty, w.source
        w.probability(date(2024, 1, 1), 12)   # P(event starts within 12 months | not before)

* :func:`outcome_class` turns an inspection's grades into the rules' vocabulary (``outstanding``,
  ``good``, ``requires_improvement``, ``inadequate``), per framework: the overall grade until March
  2026; from April 2026, when the overall grade goes, ``inadequate`` if leaders or help and
  protection are inadequate, ``good`` if leaders are good or better and at least 2 of the 3
  practice judgements are, else ``requires_improvement``.
* :func:`next_windows` uses only the events known on the day (a report once published, a visit once
  its letter is out), the rule set in force that day, and only as much of a pause as had happened.
* :func:`history_coverage` checks the rules against what actually happened.
"""
from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

RULES_PATH = Path(__file__).resolve().parents[1] / "data" / "ofsted" / "inspection_rules.csv"

#: Register frameworks whose inspections are graded full inspections of children's services.
FULL_FRAMEWORKS: tuple[str, ...] = ("SIF", "ILACS", "ILACS-2023", "ILACS-2026")
#: Earlier graded regimes: history only.
PRE_SIF_FRAMEWORKS: tuple[str, ...] = ("SLAC", "CPI", "TLAC", "legacy")
#: Rule-set name for a register framework.
RULESET_OF = {"SIF": "SIF", "ILACS": "ILACS-2018", "ILACS-2023": "ILACS-2023", "ILACS-2026": "ILACS-2026"}
INSPECTION_EVENTS: tuple[str, ...] = ("short", "standard", "reinspection")
VISIT_EVENTS: tuple[str, ...] = ("monitoring_visit", "focused_visit")
CLASSES: tuple[str, ...] = ("outstanding", "good", "requires_improvement", "inadequate")
#: Days between a visit and its letter when the letter's date is unknown (a visit is known from then).
VISIT_LETTER_LAG_DAYS = 28
#: Days between an inspection's start and its report when the report's date is unknown.
REPORT_LAG_DAYS = 60
DAYS_PER_MONTH = 30.4375


def add_months(day: date, months: float) -> date:
    """``day`` plus ``months`` average months (30.4375 days each), to the nearest day."""
    return day + timedelta(days=round(months * DAYS_PER_MONTH))


# --------------------------------------------------------------------------------------------
# The data
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """One row of the rules file: after ``after`` under ``framework``, ``next_event`` falls
    ``earliest``/``usual``/``latest`` months after ``anchor``."""

    rule_id: str
    framework: str
    valid_from: date
    valid_to: date | None
    after: str
    next_event: str
    anchor: str
    earliest_months: float | None
    usual_months: float | None
    latest_months: float | None
    repeats: bool
    certainty: str
    source: str
    note: str

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class RuleSet:
    """The versioned rules and pauses (see the module docstring)."""

    rules: tuple[Rule, ...]
    path: str = ""

    @property
    def pauses(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.next_event == "pause")

    @property
    def frameworks(self) -> tuple[str, ...]:
        seen: dict[str, date] = {}
        for r in self.rules:
            if r.next_event != "pause":
                seen[r.framework] = min(seen.get(r.framework, r.valid_from), r.valid_from)
        return tuple(sorted(seen, key=seen.get))

    def framework_on(self, day: date) -> str | None:
        """The rule set in force on ``day`` (None before the SIF)."""
        current = None
        for r in self.rules:
            if r.next_event != "pause" and r.in_force(day):
                current = r.framework
        return current

    def rules_for(self, framework: str, after: str) -> list[Rule]:
        return [r for r in self.rules if r.framework == framework and r.after == after and r.next_event != "pause"]

    def framework_start(self, framework: str) -> date:
        return min(r.valid_from for r in self.rules if r.framework == framework)


def _date_or_none(text: str) -> date | None:
    return date.fromisoformat(text) if text and text.strip() else None


def _float_or_none(text: str) -> float | None:
    return float(text) if text and text.strip() else None


@lru_cache(maxsize=4)
def load_rules(path: str | Path | None = None) -> RuleSet:
    """Read the rules file (the bundled one by default). Cached."""
    p = Path(path) if path else RULES_PATH
    with open(p, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rules = tuple(Rule(
        rule_id=r["rule_id"], framework=r["framework"], valid_from=date.fromisoformat(r["valid_from"]),
        valid_to=_date_or_none(r["valid_to"]), after=r["after"], next_event=r["next_event"], anchor=r["anchor"],
        earliest_months=_float_or_none(r["earliest_months"]), usual_months=_float_or_none(r["usual_months"]),
        latest_months=_float_or_none(r["latest_months"]), repeats=r["repeats"].strip().lower() == "yes",
        certainty=r["certainty"], source=r["source"], note=r["note"]) for r in rows)
    return RuleSet(rules, str(p))


# --------------------------------------------------------------------------------------------
# Events and windows
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Event:
    """Something Ofsted did to an LA: a graded inspection or a visit.

    ``kind``: ``inspection``, ``monitoring_visit`` or ``focused_visit``. ``start`` is the first day
    of fieldwork (None when the register does not know it), ``published`` the report's or letter's
    date. ``judgements`` maps judgement keys (``overall``, ``leadership``, ``help_and_protection``,
    ``children_in_care``, ``care_leavers``, ``slac_*``) to grade ranks 1 (outstanding) to 4.
    ``inherited_from`` names the predecessor LA when the event was inherited through ``la_lineage``.
    """

    kind: str
    start: date | None
    published: date | None = None
    framework: str | None = None
    inspection_type: str | None = None
    judgements: Mapping[str, int] = field(default_factory=dict)
    event_id: str | None = None
    la_code_old: str | None = None
    inherited_from: str | None = None

    @property
    def day(self) -> date:
        """The event's date for ordering: its start, else its publication."""
        return self.start if self.start is not None else self.published  # type: ignore[return-value]

    @property
    def known_from(self) -> date:
        """The first day the event is public: its report/letter date, else start + the usual lag."""
        if self.published is not None:
            return self.published
        lag = REPORT_LAG_DAYS if self.kind == "inspection" else VISIT_LETTER_LAG_DAYS
        return self.start + timedelta(days=lag)  # type: ignore[operator]

    def known_on(self, day: date) -> bool:
        return self.known_from < day

    @property
    def is_full_inspection(self) -> bool:
        return self.kind == "inspection" and self.framework in FULL_FRAMEWORKS and bool(self.judgements)

    @property
    def is_graded(self) -> bool:
        return self.kind == "inspection" and bool(self.judgements)


@dataclass(frozen=True)
class Window:
    """When the next ``event`` is due: ``earliest`` .. ``latest``, most likely around ``usual``."""

    event: str
    earliest: date
    usual: date
    latest: date
    rule_id: str
    framework: str
    after: str
    anchor: str
    anchor_date: date
    certainty: str
    source: str
    note: str = ""
    shifted_days: int = 0  # days added for pauses

    def contains(self, day: date) -> bool:
        return self.earliest <= day <= self.latest

    def status(self, day: date) -> str:
        """``not_yet`` (before the window), ``open`` (inside it) or ``overdue`` (past its end)."""
        return "not_yet" if day < self.earliest else "open" if day <= self.latest else "overdue"

    def cdf(self, day: date) -> float:
        """Share of a triangular (earliest, usual, latest) distribution falling before ``day``."""
        a, c, b = (self.earliest.toordinal(), self.usual.toordinal(), self.latest.toordinal())
        x = day.toordinal()
        if x <= a:
            return 0.0
        if x >= b:
            return 1.0
        if x <= c:
            return (x - a) ** 2 / ((b - a) * (c - a)) if c > a else 0.0
        return 1.0 - (b - x) ** 2 / ((b - a) * (b - c)) if b > c else 1.0

    def probability(self, on_date: date, months: float) -> float:
        """P(the event starts within ``months`` of ``on_date`` | it has not started before):
        the triangular window's mass in the period over the mass left; 1 once overdue."""
        before = self.cdf(on_date)
        if before >= 1.0:
            return 1.0
        return (self.cdf(add_months(on_date, months)) - before) / (1.0 - before)

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.event, "earliest": self.earliest, "usual": self.usual, "latest": self.latest,
                "rule_id": self.rule_id, "framework": self.framework, "after": self.after, "anchor": self.anchor,
                "anchor_date": self.anchor_date, "certainty": self.certainty, "source": self.source,
                "note": self.note, "shifted_days": self.shifted_days}


def outcome_class(framework: str | None, judgements: Mapping[str, int]) -> str | None:
    """An inspection's outcome in the rules' vocabulary (see the module docstring); None if ungraded."""
    if not judgements:
        return None
    if framework == "ILACS-2026" or ("overall" not in judgements and framework in FULL_FRAMEWORKS):
        lead, hp = judgements.get("leadership"), judgements.get("help_and_protection")
        if lead is None and hp is None:
            return None
        if 4 in (lead, hp):
            return "inadequate"
        practice = [judgements.get(k) for k in ("help_and_protection", "children_in_care", "care_leavers")]
        good = sum(1 for g in practice if g is not None and g <= 2)
        return "good" if lead is not None and lead <= 2 and good >= 2 else "requires_improvement"
    overall = judgements.get("overall")
    if overall is None:  # SLAC: two overall grades, the worse counts
        slac = [judgements[k] for k in ("slac_safeguarding", "slac_looked_after") if k in judgements]
        overall = max(slac) if slac else None
    return CLASSES[overall - 1] if overall else None


def _shift_for_pauses(window: Window, pauses: Sequence[Rule], known_until: date | None) -> Window:
    """Move a window later by the part of each pause that falls after its anchor (and, when
    ``known_until`` is given, had happened by then)."""
    shift = 0
    for p in pauses:
        if known_until is not None and p.valid_from >= known_until:
            continue
        end = p.valid_to or known_until or p.valid_from
        if known_until is not None:
            end = min(end, known_until)
        begin = max(p.valid_from, window.anchor_date)
        if end > begin and window.latest + timedelta(days=shift) >= p.valid_from:
            shift += (end - begin).days
    if not shift:
        return window
    d = timedelta(days=shift)
    return Window(window.event, window.earliest + d, window.usual + d, window.latest + d, window.rule_id,
                  window.framework, window.after, window.anchor, window.anchor_date, window.certainty,
                  window.source, window.note, shift)


def last_full_inspection(history: Iterable[Event], on_date: date | None = None) -> Event | None:
    """The latest graded inspection known on ``on_date`` (any framework), or None."""
    known = [e for e in history if e.is_graded and (on_date is None or e.known_on(on_date))]
    return max(known, key=lambda e: e.day) if known else None


def next_windows(history: Sequence[Event], on_date: date, *, rules: RuleSet | None = None,
                 created: date | None = None, pauses_known_until: date | None | str = "on_date",
                 all_known: bool = False) -> list[Window]:
    """The windows for the events due after the LA's last outcome, as the rules stood on ``on_date``.

    ``history``: the LA's events (lineage-filled ones carry ``inherited_from``); only those known
    before ``on_date`` count. ``created``: the day a new authority came into being (its own history
    starts then). Pauses shift windows by as much of the pause as had happened by
    ``pauses_known_until`` (default ``on_date``; None: the whole pause, for looking back).
    ``all_known``: count every event in ``history`` as known (looking back, publication lags aside).
    Returns one window per next event, earliest usual date first; [] when no rule applies.
    """
    rules = rules or load_rules()
    framework = rules.framework_on(on_date)
    if framework is None:
        return []
    known = list(history) if all_known else [e for e in history if e.known_on(on_date)]
    graded = [e for e in known if e.is_graded]
    last = max(graded, key=lambda e: e.day) if graded else None
    own_full = [e for e in graded if e.framework in FULL_FRAMEWORKS and e.inherited_from is None]
    if framework == "SIF" and not any(e.framework in FULL_FRAMEWORKS for e in graded):
        after = "first"
    elif created is not None and not own_full and rules.rules_for(framework, "new_authority"):
        after = "new_authority"
    elif last is None:
        return []
    else:
        after = outcome_class(last.framework, last.judgements) or ""
    until = on_date if pauses_known_until == "on_date" else pauses_known_until
    out = []
    for rule in rules.rules_for(framework, after):
        if not rule.repeats and rule.next_event in VISIT_EVENTS and last is not None and any(
                e.kind == rule.next_event and e.day > last.day for e in known):
            continue  # the one visit this rule expects has happened
        anchor_date = _anchor(rule, last, known, rules, created)
        if anchor_date is None or rule.usual_months is None:
            continue
        w = Window(rule.next_event, add_months(anchor_date, rule.earliest_months or 0.0),
                   add_months(anchor_date, rule.usual_months), add_months(anchor_date, rule.latest_months or 0.0),
                   rule.rule_id, rule.framework, after, rule.anchor, anchor_date, rule.certainty, rule.source, rule.note)
        out.append(_shift_for_pauses(w, [p for p in rules.pauses], until))  # type: ignore[arg-type]
    return sorted(out, key=lambda w: (w.usual, w.event))


def _anchor(rule: Rule, last: Event | None, known: Sequence[Event], rules: RuleSet,
            created: date | None) -> date | None:
    if rule.anchor == "framework_start":
        return rules.framework_start(rule.framework)
    if rule.anchor == "la_created":
        return created
    if last is None:
        return None
    if rule.anchor == "last_inspection":
        return last.day
    if rule.anchor == "last_publication":
        return last.published or last.day + timedelta(days=REPORT_LAG_DAYS)
    if rule.anchor == "last_event":
        since = [e.day for e in known if e.kind == rule.next_event and e.day > last.day]
        base = last.published or last.day
        return max([base, *since])
    raise ValueError(f"{rule.rule_id}: unknown anchor {rule.anchor!r} in the rules file")


def inspection_window(windows: Sequence[Window]) -> Window | None:
    """The window of the next graded inspection among ``windows`` (None if there is none)."""
    main = [w for w in windows if w.event in INSPECTION_EVENTS]
    return min(main, key=lambda w: w.usual) if main else None


# --------------------------------------------------------------------------------------------
# How well the rules describe history
# --------------------------------------------------------------------------------------------
#: Plausible days from fieldwork start to report for inspections whose start is unknown (the
#: shortest and longest lag among SIF reports with both dates in the register: 59 and 225).
UNKNOWN_START_LAG_DAYS = (59, 225)


def history_coverage(histories: Mapping[str, Sequence[Event]], *, created: Mapping[str, date] | None = None,
                     rules: RuleSet | None = None, visits_from: date | None = None) -> list[dict[str, Any]]:
    """For every actual event with a rule before it, whether it fell inside the rules' window.

    Windows are computed from the events before it, all taken as known (looking back), under the
    rule set in force the day before it, both as written (``inside``) and moved for the Covid pause
    (``inside_pause_adjusted``). A start date the register lacks (most SIF reports) is bracketed by
    publication minus 59 to 225 days: ``inside`` is None when that bracket straddles the window.
    A monitoring visit (its window runs from the visit before) is left undecided (None) when the
    visit record (from ``visits_from``) does not cover the time since the inspection it follows.
    """
    rules = rules or load_rules()
    created = created or {}
    rows = []
    for la, events in histories.items():
        events = sorted(events, key=lambda e: e.day)
        for i, ev in enumerate(events):
            kind = "inspection" if ev.is_full_inspection else ev.kind if ev.kind in VISIT_EVENTS else None
            if kind is None or ev.inherited_from is not None:
                continue
            before = [e for e in events[:i] if e.day < ev.day]
            on = ev.day - timedelta(days=1)
            far = date.max
            as_written = next_windows(before, on, rules=rules, created=created.get(la),
                                      pauses_known_until=date.min, all_known=True)
            adjusted = next_windows(before, on, rules=rules, created=created.get(la),
                                    pauses_known_until=None, all_known=True)
            pick = (inspection_window if kind == "inspection" else
                    (lambda ws, k=kind: next((w for w in ws if w.event == k), None)))
            w, wa = pick(as_written), pick(adjusted)
            if w is None:
                continue
            lo, hi = _start_bracket(ev)
            last_insp = max((e.day for e in before if e.is_graded), default=w.anchor_date)
            unknown_before = (w.anchor == "last_event" and visits_from is not None and last_insp < visits_from)
            covid = any(p.valid_from <= w.latest and (p.valid_to or far) >= w.anchor_date for p in rules.pauses)
            rows.append({
                "la_code_old": la, "event": kind, "event_id": ev.event_id, "type": ev.inspection_type or kind,
                "start": ev.start, "start_known": ev.start is not None, "year": (ev.start or ev.published).year,
                "framework": w.framework, "rule_id": w.rule_id, "expected": w.event, "after": w.after,
                "earliest": w.earliest, "usual": w.usual, "latest": w.latest,
                "inside": None if unknown_before else _inside(lo, hi, w),
                "inside_pause_adjusted": None if unknown_before or wa is None else _inside(lo, hi, wa),
                "months_from_usual": round(((lo + (hi - lo) / 2) - w.usual).days / DAYS_PER_MONTH, 1),
                "covid_window": covid,
            })
    return rows


def _start_bracket(ev: Event) -> tuple[date, date]:
    if ev.start is not None:
        return ev.start, ev.start
    lo, hi = UNKNOWN_START_LAG_DAYS
    return ev.published - timedelta(days=hi), ev.published - timedelta(days=lo)  # type: ignore[operator]


def _inside(lo: date, hi: date, w: Window) -> bool | None:
    if w.earliest <= lo and hi <= w.latest:
        return True
    if hi < w.earliest or lo > w.latest:
        return False
    return None


def coverage_table(rows: Sequence[dict[str, Any]], *, by: Sequence[str] = ("event", "framework", "year")
                   ) -> list[dict[str, Any]]:
    """Share of events inside their window per group (undecidable ones counted apart)."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(tuple(r[k] for k in by), []).append(r)
    out = []
    for key, rs in sorted(groups.items(), key=lambda kv: tuple(str(k) for k in kv[0])):
        decided = [r for r in rs if r["inside"] is not None]
        adj = [r for r in rs if r["inside_pause_adjusted"] is not None]
        out.append({**dict(zip(by, key)), "n": len(rs), "undecided": len(rs) - len(decided),
                    "inside": sum(1 for r in decided if r["inside"]),
                    "share_inside": (sum(1 for r in decided if r["inside"]) / len(decided)) if decided else None,
                    "share_inside_pause_adjusted": (sum(1 for r in adj if r["inside_pause_adjusted"]) / len(adj))
                    if adj else None,
                    "covid_windows": sum(1 for r in rs if r["covid_window"]),
                    "type_matches": sum(1 for r in rs if _type_match(r))})
    return out


def _type_match(row: dict[str, Any]) -> bool:
    expected, actual = row["expected"], row["type"]
    if expected in ("standard", "reinspection"):
        return actual in ("standard", "reinspection", "first")
    return expected == actual
