"""The national picture computed from the register: grade shares, the as-at count and transitions.

The as-at count follows Ofsted's method for its "Local authority inspection outcomes as at
31 March" statistics: each LA existing on the date counts with the overall effectiveness of its
latest inspection under the SIF or ILACS (the frameworks that judge children's services as a
whole; SLAC, CPI and TLAC judged parts of them), where "latest" goes by the inspection's first day
(``basis='inspection'``, Ofsted's basis: its 31 March 2025 table includes inspections that
started in March and were published in May) or by publication (``basis='publication'``: what
the public could have read on the date). LAs that ceased to exist in a reorganisation drop out
on the day their successors start (:mod:`cscwatch.identity`, from ``la_lineage.csv``). It reproduces the 31 March 2025 figures
exactly (n=153; 36/67/31/19; all four sub-judgements, see ``tests/register/test_national.py``).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from cscwatch.grades import GRADES, Grade
from cscwatch.identity import bundled_directory
from cscwatch.store import Store

#: Frameworks whose overall effectiveness judges children's services as a whole.
OVERALL_FRAMEWORKS: tuple[str, ...] = ("SIF", "ILACS", "ILACS-2023", "ILACS-2026")

#: Sub-judgements reported in the as-at count (ILACS wording; SIF grades share the keys).
AS_AT_SUB_JUDGEMENTS: tuple[str, ...] = ("leadership", "help_and_protection", "children_in_care", "care_leavers")

Basis = Literal["inspection", "publication"]
GRADE_KEYS: tuple[str, ...] = tuple(g.value for g in GRADES)


#: Ofsted's as-at tables count inspections begun by the date whose report was published within
#: this many days after it (the 31 March 2025 table: reports published by 30 June 2025; Dorset,
#: Durham and York, inspected in March and published in April and May, are in it, and Wakefield,
#: inspected from 24 March and published on 18 July, is not). Only the ``inspection`` basis uses it.
PUBLICATION_WINDOW_DAYS = 91


@dataclass(frozen=True)
class _Inspection:
    inspection_id: str
    la_code_old: str
    framework: str
    start_date: date | None
    publication_date: date | None
    grades: dict[str, str]
    la_name: str | None = None
    sources: str | None = None

    def when(self, basis: Basis) -> date | None:
        if basis == "inspection":
            return self.start_date or self.publication_date
        return self.publication_date or self.start_date

    @property
    def year(self) -> int | None:
        d = self.publication_date or self.start_date
        return d.year if d else None


def la_exists(code: str, on: date) -> bool:
    """Whether the children's services authority ``code`` existed on the day ``on`` (``cscwatch.identity``)."""
    return bundled_directory().exists(code, on)


def _load(store: Store) -> list[_Inspection]:
    rows = store.rows(
        "SELECT inspection_id, la_code_old, framework, start_date, publication_date, la_name, sources FROM inspection"
        " ORDER BY la_code_old, coalesce(start_date, publication_date), inspection_id"
    )
    grades: dict[str, dict[str, str]] = defaultdict(dict)
    for iid, key, grade in store.con.execute("SELECT inspection_id, judgement, grade FROM judgement").fetchall():
        grades[iid][key] = grade
    return [_Inspection(**r, grades=grades.get(r["inspection_id"], {})) for r in rows]


def _share(n: int, total: int) -> float | None:
    return round(n / total, 4) if total else None


def grade_distribution(grades: list[str]) -> dict[str, Any]:
    """Counts and shares of each grade, plus the share good or better."""
    counts = Counter(grades)
    total = len(grades)
    out: dict[str, Any] = {"n": total}
    out.update({g: counts.get(g, 0) for g in GRADE_KEYS})
    out.update({f"share_{g}": _share(counts.get(g, 0), total) for g in GRADE_KEYS})
    out["share_good_or_better"] = _share(counts.get("outstanding", 0) + counts.get("good", 0), total)
    return out


def _breakdown(inspections: list[_Inspection], key: str) -> list[dict[str, Any]]:
    groups: dict[Any, list[_Inspection]] = defaultdict(list)
    for i in inspections:
        k = i.framework if key == "framework" else i.year
        if k is not None:
            groups[k].append(i)
    order = {"SLAC": 0, "CPI": 1, "TLAC": 2, "legacy": 3, "SIF": 4, "LSCB": 5, "ILACS": 6, "ILACS-2023": 7,
             "ILACS-2026": 8}
    rows = []
    for k in sorted(groups, key=lambda k: (order.get(k, 99), k) if key == "framework" else k):
        items = groups[k]
        row: dict[str, Any] = {key: k, "inspections": len(items), "las_inspected": len({i.la_code_old for i in items})}
        row.update(grade_distribution([i.grades["overall"] for i in items if "overall" in i.grades]))
        row["n_overall"] = row.pop("n")
        rows.append(row)
    return rows


def _counted(i: _Inspection, on: date, basis: Basis, window: int | None) -> bool:
    """Whether an inspection counts towards the position on ``on``."""
    when = i.when(basis)
    if i.framework not in OVERALL_FRAMEWORKS or when is None or when > on:
        return False
    if basis == "inspection" and window is not None and i.publication_date is not None \
            and (i.publication_date - on).days > window:
        return False   # published after the table would have been drawn up
    return la_exists(i.la_code_old, on)


def as_at_distribution(inspections: list[_Inspection], on: date, *, basis: Basis = "inspection",
                       publication_window: int | None = PUBLICATION_WINDOW_DAYS) -> dict[str, Any]:
    """Each existing LA's latest SIF/ILACS inspection on ``on``: its overall grade and sub-judgements.

    An LA whose latest inspection has **no overall grade** (the April 2026 format, framework
    ILACS-2026) is not given one: it is left out of the overall counts and shares and listed in
    ``no_overall_grade``, and its four sub-judgements count as they are. Its previous overall grade
    is not carried forward either: it was superseded by the inspection that dropped the judgement.
    ``n_las`` counts the LAs with an overall grade, ``n_latest`` every LA with a counted inspection.
    """
    latest: dict[str, _Inspection] = {}
    for i in inspections:
        if not _counted(i, on, basis, publication_window):
            continue
        when = i.when(basis)
        best = latest.get(i.la_code_old)
        # a same-day inspection without an overall grade never displaces one with (a duplicate row)
        rank = (when, "overall" in i.grades, i.inspection_id)
        if best is None or rank > (best.when(basis), "overall" in best.grades, best.inspection_id):
            latest[i.la_code_old] = i
    with_overall = {code: i for code, i in latest.items() if "overall" in i.grades}
    overall = grade_distribution([i.grades["overall"] for i in with_overall.values()])
    subs: dict[str, dict[str, Any]] = {}
    for key in AS_AT_SUB_JUDGEMENTS:
        graded = [i.grades[key] for i in latest.values() if key in i.grades]
        counts = Counter(graded)
        subs[key] = {g: counts.get(g, 0) for g in GRADE_KEYS}
        subs[key]["not_graded"] = len(latest) - len(graded)
    # Every LA the register knows that existed on the day, graded or not (e.g. a new unitary
    # authority awaiting its first inspection).
    existing = {i.la_code_old for i in inspections if la_exists(i.la_code_old, on)} | set(latest)
    good_plus = overall["outstanding"] + overall["good"]
    by_source = Counter(i.sources or "" for i in latest.values())
    return {
        "date": on,
        "basis": basis,
        "publication_window_days": publication_window if basis == "inspection" else None,
        "n_las": len(with_overall),
        "n_latest": len(latest),
        "n_existing": len(existing),
        "not_yet_graded": sorted(existing - set(latest)),
        "no_overall_grade": sorted(set(latest) - set(with_overall)),
        "good_or_better_share_of_existing": _share(good_plus, len(existing)),
        "counts": {g: overall[g] for g in GRADE_KEYS},
        "shares": {**{g: overall[f"share_{g}"] for g in GRADE_KEYS},
                   "good_or_better": overall["share_good_or_better"]},
        "sub_judgements": subs,
        "las": {code: i.inspection_id for code, i in sorted(latest.items())},
        "by_source": dict(sorted(by_source.items())),
        "latest": [{"la_code_old": code, "la_name": i.la_name, "inspection_id": i.inspection_id,
                    "framework": i.framework, "start_date": i.start_date, "publication_date": i.publication_date,
                    "overall": i.grades.get("overall"), "sources": i.sources}
                   for code, i in sorted(latest.items())],
    }


def transitions(inspections: list[_Inspection]) -> dict[str, Any]:
    """Matrix of an LA's consecutive SIF/ILACS overall grades, and the shares improved/declined."""
    by_la: dict[str, list[_Inspection]] = defaultdict(list)
    for i in inspections:
        if i.framework in OVERALL_FRAMEWORKS and "overall" in i.grades and i.when("inspection"):
            by_la[i.la_code_old].append(i)
    matrix = {g: {h: 0 for h in GRADE_KEYS} for g in GRADE_KEYS}
    improved = declined = n = 0
    for items in by_la.values():
        items.sort(key=lambda i: (i.when("inspection"), i.inspection_id))
        for a, b in zip(items, items[1:]):
            before, after = Grade(a.grades["overall"]), Grade(b.grades["overall"])
            matrix[before.value][after.value] += 1
            n += 1
            improved += after.rank < before.rank
            declined += after.rank > before.rank
    return {"matrix": matrix, "n": n, "improved": improved, "declined": declined,
            "stayed": n - improved - declined,
            "improved_share": _share(improved, n), "declined_share": _share(declined, n)}


def national_stats(store: Store, by: Literal["year", "framework"] = "year", as_at: date | None = None, *,
                   basis: Basis = "inspection",
                   publication_window: int | None = PUBLICATION_WINDOW_DAYS) -> dict[str, Any]:
    """The national picture from the register.

    Keys: ``las_inspected`` (LAs with any inspection), ``inspections``, ``by_year`` or
    ``by_framework`` (per group: inspections, LAs, counts and shares of each overall grade),
    ``as_at`` (see :func:`as_at_distribution`; default date: today) and ``transitions``.
    """
    if by not in ("year", "framework"):
        raise ValueError(f"by must be 'year' or 'framework', not {by!r}")
    if basis not in ("inspection", "publication"):
        raise ValueError(f"basis must be 'inspection' or 'publication', not {basis!r}")
    inspections = _load(store)
    return {
        "las_inspected": len({i.la_code_old for i in inspections}),
        "inspections": len(inspections),
        f"by_{by}": _breakdown(inspections, by),
        "as_at": as_at_distribution(inspections, as_at or date.today(), basis=basis,
                                    publication_window=publication_window),
        "transitions": transitions(inspections),
    }
