"""Inspection capacity: how many events of each type Ofsted can run per month, or inspector-weeks.

One grammar for the command line and the file. A capacity is a set of *limits*, each a per-month
ceiling on a group of event types:

====================  =====================================================================
limit                 counts
====================  =====================================================================
``standard``          standard inspections (and re-inspections)
``short``             short inspections
``focused``           focused visits
``monitoring``        monitoring visits
``inspections``       standard + short
``visits``            focused + monitoring
``total``             every event
``weeks``             inspector-weeks, each event costing ``cost:<type>`` weeks
====================  =====================================================================

On the command line (NUMBERS): ``standard=2,short=3,monitoring=5``; ``weeks=40,cost:standard=10``;
``standard@2026-08=0`` sets one month (here no standard inspections in August 2026). Bare numbers
are positional in the order standard, short, focused, monitoring: ``4,6`` is ``standard=4,short=6``.

In a file (CSV, header ``limit,month,value``; ``#`` starts a comment line; a blank month means
every month)::

    limit,month,value
    standard,,2
    short,,3
    standard,2026-08,0
    weeks,,40
    cost:standard,,10

Event types no limit mentions are not limited (the plan says so). Counts are whole numbers;
inspector-weeks and costs may have one decimal place.
"""
from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from cscwatch.errors import CapacityError
from cscwatch.planner.months import EVENT_TYPES, add_months
from cscwatch.store import Store

LIMIT_GROUPS: dict[str, tuple[str, ...]] = {
    "standard": ("standard",), "short": ("short",), "focused": ("focused",), "monitoring": ("monitoring",),
    "inspections": ("standard", "short"), "visits": ("focused", "monitoring"), "total": EVENT_TYPES,
    "weeks": EVENT_TYPES,
}
#: Inspector-weeks per event when none are given (DOMAIN.md §1.3: 2 weeks on site for a standard
#: inspection, 1 for a short, ~2 days for a visit; team sizes of 4, and 2 for monitoring, are our
#: assumption [U]). Override with ``cost:<type>=``.
DEFAULT_WEEK_COSTS: dict[str, float] = {"standard": 8.0, "short": 4.0, "focused": 1.6, "monitoring": 0.8}
WEEK_SCALE = 10          # weeks are held in tenths so the solver works in whole numbers
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Limit:
    """A per-month ceiling on a group of event types."""

    name: str
    default: float | None = None                     # every month (None: only the months listed)
    months: dict[str, float] = field(default_factory=dict)   # 'YYYY-MM' -> ceiling that month

    @property
    def scale(self) -> int:
        return WEEK_SCALE if self.name == "weeks" else 1

    def on(self, month: str) -> float | None:
        """The ceiling in ``month`` ('YYYY-MM'), None when this limit does not apply that month."""
        return self.months.get(month, self.default)

    def units(self, month: str) -> int | None:
        value = self.on(month)
        return None if value is None else int(round(value * self.scale))


@dataclass(frozen=True)
class Capacity:
    """Limits plus the inspector-week cost of each event type (used only by a ``weeks`` limit)."""

    limits: tuple[Limit, ...]
    costs: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEEK_COSTS))

    def weight(self, limit: Limit, event_type: str) -> int:
        """Units one event of ``event_type`` uses of ``limit`` (0: not counted by it)."""
        if event_type not in LIMIT_GROUPS[limit.name]:
            return 0
        return int(round(self.costs[event_type] * WEEK_SCALE)) if limit.name == "weeks" else 1

    def unlimited_types(self) -> list[str]:
        covered = {t for lim in self.limits for t in LIMIT_GROUPS[lim.name]}
        return [t for t in EVENT_TYPES if t not in covered]

    def with_extra(self, name: str, extra: float) -> Capacity:
        """This capacity with ``extra`` added to every month of limit ``name``."""
        out = []
        for lim in self.limits:
            if lim.name == name:
                lim = Limit(name, None if lim.default is None else lim.default + extra,
                            {m: v + extra for m, v in lim.months.items()})
            out.append(lim)
        return Capacity(tuple(out), dict(self.costs))

    def text(self) -> str:
        """The NUMBERS form of this capacity (round-trips through :func:`parse_capacity`)."""
        items = []
        for lim in self.limits:
            if lim.default is not None:
                items.append(f"{lim.name}={_num(lim.default)}")
            items += [f"{lim.name}@{m}={_num(v)}" for m, v in sorted(lim.months.items())]
        if any(lim.name == "weeks" for lim in self.limits):
            items += [f"cost:{t}={_num(c)}" for t, c in self.costs.items() if c != DEFAULT_WEEK_COSTS[t]]
        return ",".join(items)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text(),
                "limits": [{"limit": lim.name, "event_types": list(LIMIT_GROUPS[lim.name]), "per_month": lim.default,
                            "months": dict(sorted(lim.months.items()))} for lim in self.limits],
                "inspector_week_costs": dict(self.costs) if any(lim.name == "weeks" for lim in self.limits) else None,
                "unlimited_event_types": self.unlimited_types()}


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.1f}"


def parse_capacity(value: str) -> Capacity:
    """A capacity from ``--capacity``: a CSV file if ``value`` names one, else NUMBERS (module docstring)."""
    text = (value or "").strip()
    if not text:
        raise CapacityError("--capacity", "empty: give NUMBERS such as standard=2,short=3 or a CSV file")
    path = Path(text)
    looks_like_file = text.lower().endswith(".csv") or "/" in text or "\\" in text
    try:
        is_file = path.is_file()
    except OSError:
        is_file = False
    if is_file:
        return capacity_from_csv(path)
    if looks_like_file:
        raise CapacityError(text, "no such capacity file")
    return _build(_numbers(text), "--capacity")


def capacity_from_csv(path: str | Path) -> Capacity:
    """A capacity from a CSV file with columns ``limit,month,value`` (module docstring)."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CapacityError(str(path), f"cannot read the file ({exc.__class__.__name__})") from None
    lines = [ln for ln in raw.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    missing = {"limit", "month", "value"} - {(c or "").strip().lower() for c in (reader.fieldnames or [])}
    if missing:
        raise CapacityError(str(path), f"needs the columns limit, month, value (missing {', '.join(sorted(missing))})")
    items = []
    for n, row in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        items.append((row["limit"], row["month"] or None, row["value"], f"row {n}"))
    if not items:
        raise CapacityError(str(path), "no limits in the file")
    return _build(items, str(path))


def _numbers(text: str) -> list[tuple[str, str | None, str, str]]:
    parts = [p.strip() for p in text.split(",")]
    if any(not p for p in parts):
        raise CapacityError("--capacity", f"empty item in {text!r}")
    if all("=" not in p for p in parts):
        if len(parts) > len(EVENT_TYPES):
            raise CapacityError("--capacity", f"{len(parts)} numbers but only {len(EVENT_TYPES)} event types "
                                              f"({', '.join(EVENT_TYPES)})")
        return [(t, None, p, f"item {p!r}") for t, p in zip(EVENT_TYPES, parts)]
    items = []
    for p in parts:
        if "=" not in p:
            raise CapacityError("--capacity", f"item {p!r}: write limit=value (or give only bare numbers)")
        key, val = (s.strip() for s in p.split("=", 1))
        name, _, month = key.partition("@")
        items.append((name.strip(), month.strip() or None, val, f"item {p!r}"))
    return items


def _build(items: list[tuple[str, str | None, str, str]], where: str) -> Capacity:
    defaults: dict[str, float] = {}
    months: dict[str, dict[str, float]] = {}
    costs = dict(DEFAULT_WEEK_COSTS)
    order: list[str] = []
    for name, month, raw, label in items:
        name = name.lower()
        value = _value(raw, where, label)
        if name.startswith("cost:"):
            kind = name[5:]
            if kind not in costs:
                raise CapacityError(where, f"{label}: unknown event type {kind!r} (one of {', '.join(EVENT_TYPES)})")
            if month:
                raise CapacityError(where, f"{label}: a cost applies to every month")
            if value <= 0:
                raise CapacityError(where, f"{label}: a cost must be more than 0 weeks")
            costs[kind] = _tenths(value, where, label)
            continue
        if name not in LIMIT_GROUPS:
            raise CapacityError(where, f"{label}: unknown limit {name!r} (one of {', '.join(LIMIT_GROUPS)}, "
                                       f"or cost:<type>)")
        value = _tenths(value, where, label) if name == "weeks" else _whole(value, where, label)
        if name not in order:
            order.append(name)
        if month:
            if not _MONTH.match(month):
                raise CapacityError(where, f"{label}: month {month!r} is not YYYY-MM")
            months.setdefault(name, {})[month] = value
        else:
            if name in defaults:
                raise CapacityError(where, f"{label}: {name} is given twice")
            defaults[name] = value
    if not order:
        raise CapacityError(where, "no limits: give at least one, e.g. standard=2")
    return Capacity(tuple(Limit(n, defaults.get(n), months.get(n, {})) for n in order), costs)


def _value(raw: str, where: str, label: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise CapacityError(where, f"{label}: {raw!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise CapacityError(where, f"{label}: {raw!r} must be a number of 0 or more")
    if value > 10_000:
        raise CapacityError(where, f"{label}: {raw!r} is implausibly large (at most 10000 a month)")
    return value


def _whole(value: float, where: str, label: str) -> float:
    if not float(value).is_integer():
        raise CapacityError(where, f"{label}: events per month must be a whole number")
    return float(value)


def _tenths(value: float, where: str, label: str) -> float:
    if abs(value * WEEK_SCALE - round(value * WEEK_SCALE)) > 1e-9:
        raise CapacityError(where, f"{label}: inspector-weeks take at most one decimal place")
    return round(value, 1)


def observed_capacity(store: Store, until: date, months: int = 12) -> Capacity:
    """What Ofsted actually ran per month in the ``months`` before ``until``, by event type (rounded
    up to whole events): the dashboard's default when the user gives no capacity."""
    since = add_months(until, -months)
    counts = {t: 0 for t in ("standard", "short", "focused", "monitoring")}
    for r in store.rows("SELECT inspection_type AS t, count(*) AS n FROM inspection WHERE start_date >= ? AND start_date < ?"
                        " AND framework LIKE 'ILACS%' GROUP BY 1", [since, until]):
        if r["t"] in counts:
            counts[r["t"]] += r["n"]
    if store.has_table("visit"):
        for r in store.rows("SELECT visit_type AS t, count(*) AS n FROM visit WHERE visit_date >= ? AND visit_date < ?"
                            " GROUP BY 1", [since, until]):
            if r["t"] in counts:
                counts[r["t"]] += r["n"]
    return Capacity(tuple(Limit(t, float(math.ceil(n / months))) for t, n in counts.items() if n))
