"""One inspection history per LA from two sources: parsed report PDFs and Ofsted's official data.

``reconcile(store)`` rebuilds ``inspection``, ``judgement``, ``inspection_source`` and
``discrepancy`` from ``source_inspection`` / ``source_judgement`` in one transaction, so it can be
re-run at any time and always gives the same register for the same sources.

Matching a report to an official row
    Same LA (the DfE number; across a reorganisation the predecessor and successor codes match,
    because the parser maps names with today's LA list while official rows keep the code of the
    time), same framework family (legacy = SLAC/CPI/TLAC/legacy, SIF, ILACS = ILACS/ILACS-2023/
    ILACS-2026), and compatible dates, best first: start dates within 31 days (ILACS official rows
    have start dates), else publication dates within 31 days, else the official publication falls
    between the report's first day and 270 days later (pre-2018 official rows have publication
    dates only, and ILACS reports print none). Pairs are taken greedily, best score first, one to one.

Where they disagree the report wins
    Every differing field (framework, inspection type, start/publication date where both give one,
    each judgement, including one side judging and the other not) goes into ``discrepancy``. A
    report of the generic ``legacy`` framework takes the official row's precise framework
    (SLAC/CPI/TLAC) and inspection type without a discrepancy; an official field the report
    lacks (e.g. the publication date ILACS reports never print) fills the gap, and the judgement
    row says which source its grade came from.
    A SIF report without the LSCB review is not a disagreement on ``lscb``: that review was a
    separate report.

Earlier official editions
    The in-year lists (datasets ``in_year_*``) are earlier editions of the official rows; each is
    linked to the latest edition's row of the same inspection. The latest edition fills gaps; a
    report is compared with the latest edition first, then with earlier ones, so a field Ofsted
    corrected between editions still shows up when the report sides with the old value (Merton
    2022: short inspection in the report and the 2025 edition, standard in the 2023 edition).

LSCB-only reviews
    Attached to the SIF inspection of the same LA within 183 days (the review was part of the SIF
    and the official data carries its grade on the SIF row); its ``lscb`` grade wins over the
    official one. An LSCB review with no such SIF becomes its own inspection, framework ``LSCB``.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cscwatch.grades import Grade
from cscwatch.identity import bundled_directory
from cscwatch.store import Store

#: ``source_ref`` prefix of official datasets that are earlier editions of the latest one.
EARLIER_EDITION_PREFIX = "in_year_"

#: How far apart the two sources' dates may be and still describe the same inspection.
SAME_DAY_TOLERANCE = 31
PUBLICATION_LAG_MAX = 270
LSCB_ATTACH_DAYS = 183

#: Report doc_type -> inspection_type, for reports whose parser left the type open.
DOC_TYPE_INSPECTION_TYPE = {"ilacs_standard": "standard", "ilacs_short": "short"}

#: Judgements each ILACS framework has: the third party fills no judgement its framework lacks.
FRAMEWORK_JUDGEMENTS: dict[str, frozenset[str]] = {
    "ILACS": frozenset({"overall", "leadership", "help_and_protection", "children_in_care"}),
    "ILACS-2023": frozenset({"overall", "leadership", "help_and_protection", "children_in_care", "care_leavers"}),
    "ILACS-2026": frozenset({"leadership", "help_and_protection", "children_in_care", "care_leavers"}),
}

#: ``source`` of the third-party rows (register/thirdparty.py).
THIRDPARTY = "thirdparty"

#: How far apart a letter's visit date and Ofsted's listed visit date may be for the same visit.
VISIT_SAME_DAYS = 7


@dataclass(frozen=True)
class ReconcileSummary:
    inspections: int
    both: int               # backed by a report and the official data
    report_only: int
    official_only: int
    lscb_attached: int      # LSCB-only reviews attached to their SIF
    discrepancies: int
    #: third-party rows: matched to an inspection the higher sources know, added as inspections of
    #: their own, and the fields where they disagree with the register (``thirdparty_discrepancy``)
    thirdparty_matched: int = 0
    thirdparty_added: int = 0
    thirdparty_conflicts: int = 0
    #: report warnings checked against the official record (``inspection_warning``), by outcome
    warnings_checked: dict[str, int] = field(default_factory=dict)


@dataclass
class _Source:
    source_id: str
    source: str
    source_ref: str
    la_code_old: str
    la_code_new: str | None
    la_name: str | None
    framework: str
    inspection_type: str | None
    doc_type: str | None
    start_date: date | None
    end_date: date | None
    publication_date: date | None
    lead_inspector: str | None
    care_split: bool | None
    judgements: dict[str, str] = field(default_factory=dict)
    #: a report's typed parse warnings: (field, code, message)
    warnings: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def first_date(self) -> date | None:
        return self.start_date or self.publication_date


def insert_rows(con: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Bulk insert through a DataFrame: DuckDB's ``executemany`` costs about a millisecond a row."""
    if not rows:
        return
    import pandas as pd

    frame = pd.DataFrame(list(rows), columns=list(columns), dtype=object)
    name = f"_rows_{table}"
    con.register(name, frame)
    try:
        cols = ", ".join(columns)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {name}")
    finally:
        con.unregister(name)


def la_group(code: str) -> str:
    """The key under which an LA code matches its predecessors/successors (``cscwatch.identity``:
    the parser maps a pre-2019 'Dorset' report to today's Dorset while official rows keep 835)."""
    return bundled_directory().group(code)


def framework_family(framework: str) -> str:
    if framework.startswith("ILACS"):
        return "ILACS"
    if framework in ("SIF", "LSCB"):
        return framework
    return "legacy"


def match_score(report: _Source, official: _Source) -> tuple[int, int] | None:
    """How well two source rows' dates agree (lower is better), or None if they cannot match."""
    if report.start_date and official.start_date:
        d = abs((report.start_date - official.start_date).days)
        return (0, d) if d <= SAME_DAY_TOLERANCE else None
    if report.publication_date and official.publication_date:
        d = abs((report.publication_date - official.publication_date).days)
        return (1, d) if d <= SAME_DAY_TOLERANCE else None
    anchor = report.end_date or report.start_date
    if anchor and official.publication_date:
        lag = (official.publication_date - anchor).days
        return (2, lag) if -7 <= lag <= PUBLICATION_LAG_MAX else None
    return None


def _load_sources(store: Store) -> list[_Source]:
    rows = store.rows(
        "SELECT source_id, source, source_ref, la_code_old, la_code_new, la_name, framework, inspection_type, doc_type,"
        " start_date, end_date, publication_date, lead_inspector, care_split FROM source_inspection"
        " ORDER BY source_id"
    )
    sources = {r["source_id"]: _Source(**r) for r in rows}
    for sid, key, grade in store.con.execute(
        "SELECT source_id, judgement, grade FROM source_judgement ORDER BY source_id, judgement"
    ).fetchall():
        if sid in sources:
            sources[sid].judgements[key] = grade
    by_sha = {s.source_ref: s for s in sources.values() if s.source == "report"}
    if store.has_table("report_warning"):
        for sha, name, code, message in store.con.execute(
                "SELECT sha256, field, code, message FROM report_warning ORDER BY sha256, field, code").fetchall():
            if sha in by_sha:
                by_sha[sha].warnings.append((name, code, message))
    for s in sources.values():
        if s.source == "report" and not s.inspection_type and s.doc_type in DOC_TYPE_INSPECTION_TYPE:
            s.inspection_type = DOC_TYPE_INSPECTION_TYPE[s.doc_type]
    return list(sources.values())


def pair_sources(reports: list[_Source], officials: list[_Source]) -> dict[str, str]:
    """Greedy one-to-one matching, best date agreement first: report source_id -> official source_id."""
    by_key: dict[tuple[str, str], list[_Source]] = defaultdict(list)
    for o in officials:
        by_key[(la_group(o.la_code_old), framework_family(o.framework))].append(o)
    candidates: list[tuple[tuple[int, int], int, str, str]] = []
    for r in reports:
        for o in by_key.get((la_group(r.la_code_old), framework_family(r.framework)), []):
            score = match_score(r, o)
            if score is not None:
                same_code = 0 if r.la_code_old == o.la_code_old else 1
                candidates.append((score, same_code, r.source_id, o.source_id))
    candidates.sort()
    pairs: dict[str, str] = {}
    taken: set[str] = set()
    for _, _, rid, oid in candidates:
        if rid not in pairs and oid not in taken:
            pairs[rid] = oid
            taken.add(oid)
    return pairs


class _Inspection:
    """An inspection being assembled from its sources."""

    def __init__(self, report: _Source | None, official: _Source | None, thirdparty: _Source | None = None):
        self.report = report
        self.official = official
        self.thirdparty = thirdparty                 # the lowest-precedence source (see module docstring)
        self.thirdparty_discrepancies: list[tuple[str, Any, Any, str]] = []  # field, third party, register, source
        self.earlier_editions: list[_Source] = []    # the same official row in earlier editions
        self.extra_reports: list[_Source] = []
        self.lscb_report: _Source | None = None
        self.lscb_extra: list[_Source] = []          # byte-different copies of the attached LSCB review
        self.discrepancies: list[tuple[str, Any, Any, str]] = []  # field, report, official, official source
        self.fields: dict[str, Any] = {}
        self.judgements: dict[str, tuple[str, str]] = {}   # key -> (grade, source)

    @property
    def source_ids(self) -> list[str]:
        ids = [s.source_id for s in (self.report, self.official, self.lscb_report, *self.extra_reports,
                                     *self.lscb_extra, *self.earlier_editions, self.thirdparty) if s]
        return sorted(set(ids))

    @property
    def sources(self) -> str:
        kinds = []
        if self.report or self.lscb_report or self.extra_reports:
            kinds.append("report")
        if self.official:
            kinds.append("ofsted")
        if self.thirdparty:
            kinds.append("thirdparty")
        return ",".join(kinds)

    def resolve(self) -> None:
        r, o = self.report, self.official
        if r is None and o is None:
            self._resolve_thirdparty_only()
            return
        main = r or o
        assert main is not None
        if r and o and r.la_code_old != o.la_code_old:
            # Across a reorganisation: the official row keeps the authority of the time.
            la_old, la_new, la_name = o.la_code_old, o.la_code_new, o.la_name
        else:
            la_old = main.la_code_old
            la_new = (r.la_code_new if r else None) or (o.la_code_new if o else None)
            la_name = (o.la_name if o else None) or (r.la_name if r else None)
        framework = main.framework
        if r and o and r.framework == "legacy":
            framework = o.framework
        elif r and o:
            self._compare("framework", r.framework, lambda s: s.framework)
        self.fields = {
            "la_code_old": la_old, "la_code_new": la_new, "la_name": la_name, "framework": framework,
            "lead_inspector": r.lead_inspector if r else None,
            "care_split": r.care_split if r and r.care_split is not None else (o.care_split if o else None),
            "end_date": (r.end_date if r else None) or (o.end_date if o else None),
        }
        for name in ("inspection_type", "start_date", "publication_date"):
            rv = getattr(r, name) if r else None
            if name == "inspection_type" and r and o and r.framework == "legacy":
                rv = None   # a legacy report's type names its framework; the official row is precise
            ov = getattr(o, name) if o else None
            if r and o and rv is not None:
                self._compare(name, rv, lambda s, name=name: getattr(s, name), skip_missing=True)
            self.fields[name] = rv if rv is not None else ov
        report_grades = dict(r.judgements) if r else {}
        official_grades = dict(o.judgements) if o else {}
        if self.lscb_report and "lscb" in self.lscb_report.judgements:
            report_grades["lscb"] = self.lscb_report.judgements["lscb"]
        warned = {name for name, _, _ in (r.warnings if r else [])}
        for key in sorted(set(report_grades) | set(official_grades)):
            rv, ov = report_grades.get(key), official_grades.get(key)
            if rv is None and key in warned:
                pass   # the report says why it has no grade: checked in inspection_warning instead
            elif r and o and not (key == "lscb" and rv is None):
                self._compare(key, rv, lambda s, key=key: s.judgements.get(key))
            if rv is not None:
                self.judgements[key] = (rv, "report")
            elif ov is not None:
                self.judgements[key] = (ov, "ofsted")

    def _resolve_thirdparty_only(self) -> None:
        """An inspection only the third-party scrape knows (e.g. published after Ofsted's lists end)."""
        t = self.thirdparty
        assert t is not None
        self.fields = {name: getattr(t, name) for name in (
            "la_code_old", "la_code_new", "la_name", "framework", "inspection_type", "start_date", "end_date",
            "publication_date", "lead_inspector", "care_split")}
        self.judgements = {key: (grade, "thirdparty") for key, grade in t.judgements.items()}

    def field_source(self, name: str) -> str | None:
        """Which source the register's value of a field came from."""
        for label, src in (("report", self.report), ("ofsted", self.official), ("thirdparty", self.thirdparty)):
            if src is not None and getattr(src, name, None) is not None:
                return label
        return None

    def merge_thirdparty(self) -> None:
        """Fill the gaps the higher sources leave from the third-party row; keep every disagreement."""
        t = self.thirdparty
        if t is None or (self.report is None and self.official is None):
            return
        for name in ("la_code_new", "inspection_type", "start_date", "end_date", "publication_date"):
            mine, theirs = self.fields.get(name), getattr(t, name)
            if theirs is None:
                continue
            if mine is None:
                self.fields[name] = theirs
            elif mine != theirs and name != "la_code_new":   # ONS codes change (Barnsley 2025): not a disagreement
                self.thirdparty_discrepancies.append((name, theirs, mine, self.field_source(name) or "report"))
        if t.framework != self.fields["framework"]:
            self.thirdparty_discrepancies.append(("framework", t.framework, self.fields["framework"],
                                                  "report" if self.report else "ofsted"))
        allowed = FRAMEWORK_JUDGEMENTS.get(self.fields["framework"])
        for key, grade in sorted(t.judgements.items()):
            held = self.judgements.get(key)
            if held is None and (allowed is None or key in allowed):
                self.judgements[key] = (grade, "thirdparty")
            elif held is None or held[0] != grade:
                self.thirdparty_discrepancies.append((key, grade, held[0] if held else None,
                                                      held[1] if held else "report" if self.report else "ofsted"))

    def _compare(self, name: str, report_value: Any, official_value: Callable[[_Source], Any], *,
                 skip_missing: bool = False) -> None:
        """Record the first official edition (latest first) that disagrees with the report."""
        for edition in (self.official, *self.earlier_editions):
            if edition is None:
                continue
            value = official_value(edition)
            if value is None and skip_missing:
                continue
            if value != report_value:
                self.discrepancies.append((name, report_value, value, edition.source_id))
                return

    @property
    def report_source_id(self) -> str | None:
        s = self.report or self.lscb_report
        return s.source_id if s else None


INSPECTION_COLUMNS = ("inspection_id", "la_code_old", "la_code_new", "la_name", "framework", "inspection_type",
                      "start_date", "end_date", "publication_date", "lead_inspector", "care_split", "sources")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _closest_gap(a: _Source, others: list[_Source]) -> int | None:
    """Days between the closest pair of dates (start, end, publication) of ``a`` and ``others``."""
    mine = [d for d in (a.start_date, a.end_date, a.publication_date) if d]
    theirs = [d for o in others for d in (o.start_date, o.end_date, o.publication_date) if d]
    gaps = [abs((x - y).days) for x in mine for y in theirs]
    return min(gaps) if gaps else None


def build_register(sources: list[_Source]) -> list[_Inspection]:
    """Pure reconciliation of source rows into inspections (no store access)."""
    all_officials = [s for s in sources if s.source == "ofsted"]
    thirdparty = [s for s in sources if s.source == THIRDPARTY]
    earlier = [s for s in all_officials if s.source_ref.startswith(EARLIER_EDITION_PREFIX)]
    officials = [s for s in all_officials if not s.source_ref.startswith(EARLIER_EDITION_PREFIX)]
    # Earlier editions join the latest edition's row of the same inspection; any left over stand alone.
    edition_pairs = pair_sources(earlier, officials)
    editions: dict[str, list[_Source]] = defaultdict(list)
    for e in earlier:
        if e.source_id in edition_pairs:
            editions[edition_pairs[e.source_id]].append(e)
        else:
            officials.append(e)
    reports = [s for s in sources if s.source == "report"]
    lscb_reviews = [s for s in reports if s.framework == "LSCB"]
    main_reports = [s for s in reports if s.framework != "LSCB"]

    # Several files of one inspection (same LA, family and first date) make one inspection: the
    # file with most judgements speaks for it, the others are linked as sources.
    clusters: dict[tuple[str, str, date | None], list[_Source]] = defaultdict(list)
    for r in main_reports:
        key = (la_group(r.la_code_old), framework_family(r.framework), r.first_date)
        clusters[key if r.first_date else (r.source_id, "", None)].append(r)
    primaries: list[_Source] = []
    followers: dict[str, list[_Source]] = {}
    for group in clusters.values():
        group.sort(key=lambda s: (-len(s.judgements), s.source_id))
        primaries.append(group[0])
        followers[group[0].source_id] = group[1:]

    pairs = pair_sources(primaries, officials)
    official_by_id = {o.source_id: o for o in officials}
    inspections: list[_Inspection] = []
    for r in primaries:
        insp = _Inspection(r, official_by_id.get(pairs.get(r.source_id, "")))
        insp.extra_reports = followers[r.source_id]
        inspections.append(insp)
    matched = set(pairs.values())
    inspections.extend(_Inspection(None, o) for o in officials if o.source_id not in matched)

    # Copies of one LSCB review (same LA and date, different bytes) are one review: the copy with a
    # grade speaks for it and the others are linked to the same inspection as sources.
    review_groups: dict[tuple[str, date | None], list[_Source]] = defaultdict(list)
    for review in lscb_reviews:
        key = (la_group(review.la_code_old), review.first_date)
        review_groups[key if review.first_date else (review.source_id, None)].append(review)
    review_copies: dict[str, list[_Source]] = {}
    lscb_reviews = []
    for group in review_groups.values():
        group.sort(key=lambda s: (-len(s.judgements), s.source_id))
        lscb_reviews.append(group[0])
        review_copies[group[0].source_id] = group[1:]

    for review in lscb_reviews:
        best: tuple[int, str, _Inspection] | None = None
        for insp in inspections:
            main = insp.report or insp.official
            if main is None or framework_family(main.framework) != "SIF" or insp.lscb_report:
                continue
            if la_group(main.la_code_old) != la_group(review.la_code_old):
                continue
            gap = _closest_gap(review, [s for s in (insp.report, insp.official) if s])
            if gap is not None and gap <= LSCB_ATTACH_DAYS and (best is None or (gap, main.source_id) < best[:2]):
                best = (gap, main.source_id, insp)
        if best is not None:
            best[2].lscb_report = review
            best[2].lscb_extra = review_copies[review.source_id]
        else:
            alone = _Inspection(review, None)
            alone.extra_reports = review_copies[review.source_id]
            inspections.append(alone)

    for insp in inspections:
        if insp.official:
            insp.earlier_editions = editions.get(insp.official.source_id, [])
        insp.resolve()
    _attach_thirdparty(inspections, thirdparty)
    return inspections


def _stand_in(insp: _Inspection, key: str) -> _Source:
    """An inspection's resolved fields as a source row, to match third-party rows against."""
    f = insp.fields
    return _Source(source_id=key, source="register", source_ref="", la_code_old=f["la_code_old"],
                   la_code_new=f["la_code_new"], la_name=f["la_name"], framework=f["framework"],
                   inspection_type=f["inspection_type"], doc_type=None, start_date=f["start_date"],
                   end_date=f["end_date"], publication_date=f["publication_date"],
                   lead_inspector=None, care_split=None)


def _attach_thirdparty(inspections: list[_Inspection], thirdparty: list[_Source]) -> None:
    """Match each third-party row to an inspection the higher sources know (the same rules as a
    report to an official row); the rest become inspections of their own."""
    if not thirdparty:
        return
    stand_ins = {f"register:{i}": _stand_in(insp, f"register:{i}") for i, insp in enumerate(inspections)}
    pairs = pair_sources(thirdparty, list(stand_ins.values()))
    by_key = {f"register:{i}": insp for i, insp in enumerate(inspections)}
    # the scrape writes LA names in lower case: an inspection of its own takes the name the
    # higher sources give the same LA code
    names = {insp.fields["la_code_old"]: insp.fields["la_name"] for insp in inspections
             if insp.fields.get("la_name") and (insp.report or insp.official)}
    for t in thirdparty:
        key = pairs.get(t.source_id)
        if key is not None:
            by_key[key].thirdparty = t
            by_key[key].merge_thirdparty()
        else:
            insp = _Inspection(None, None, t)
            insp.resolve()
            insp.fields["la_name"] = names.get(t.la_code_old) or (t.la_name or "").title() or None
            inspections.append(insp)


def _inspection_ids(inspections: list[_Inspection]) -> list[str]:
    """'<la_code_old>:<framework>:<first date>', made unique with the type where two collide."""
    ids: list[str] = []
    seen: set[str] = set()
    for insp in inspections:
        f = insp.fields
        first = f["start_date"] or f["publication_date"]
        base = f"{f['la_code_old']}:{f['framework']}:{first.isoformat() if first else 'undated'}"
        candidate = base
        if candidate in seen and f.get("inspection_type"):
            candidate = f"{base}:{f['inspection_type']}"
        n = 2
        while candidate in seen:
            candidate = f"{base}:{n}"
            n += 1
        seen.add(candidate)
        ids.append(candidate)
    return ids


def reconcile(store: Store) -> ReconcileSummary:
    """Rebuild the reconciled register from the source layer, atomically."""
    inspections = build_register(_load_sources(store))
    inspections.sort(key=lambda i: (i.fields["la_code_old"], i.fields["start_date"] or i.fields["publication_date"]
                                    or date.min, i.fields["framework"], i.source_ids))
    ids = _inspection_ids(inspections)
    insp_rows, judgement_rows, link_rows, disc_rows, tp_rows, warn_rows = [], [], [], [], [], []
    for iid, insp in zip(ids, inspections):
        tp_rows.extend((iid, name, _text(tv), _text(rv), src, insp.thirdparty.source_id)
                       for name, tv, rv, src in insp.thirdparty_discrepancies)
        warn_rows.extend((iid, *row) for row in check_warnings(insp))
        f = insp.fields
        insp_rows.append((iid, f["la_code_old"], f["la_code_new"], f["la_name"], f["framework"],
                          f["inspection_type"], f["start_date"], f["end_date"], f["publication_date"],
                          f["lead_inspector"], f["care_split"], insp.sources))
        for key, (grade, source) in sorted(insp.judgements.items()):
            judgement_rows.append((iid, key, grade, Grade(grade).rank, source))
        link_rows.extend((iid, sid) for sid in insp.source_ids)
        for name, rv, ov, official_source in insp.discrepancies:
            disc_rows.append((iid, name, _text(rv), _text(ov), insp.report_source_id, official_source))
    visits = _visit_links(store)
    with store.transaction() as con:
        for table in ("discrepancy", "inspection_source", "judgement", "inspection", "thirdparty_discrepancy",
                      "inspection_warning"):
            con.execute(f"DELETE FROM {table}")
        insert_rows(con, "thirdparty_discrepancy", ("inspection_id", "field", "thirdparty_value", "register_value",
                                                     "register_source", "thirdparty_source"), tp_rows)
        insert_rows(con, "inspection_warning", ("inspection_id", "source_id", "field", "code", "message",
                                                 "checked_against", "record_value", "register_value",
                                                 "register_source", "outcome"), warn_rows)
        con.execute("UPDATE visit SET same_as = NULL WHERE source = 'report' AND same_as IS NOT NULL")
        for visit_id, same_as in visits:
            con.execute("UPDATE visit SET same_as = ? WHERE visit_id = ?", [same_as, visit_id])
        insert_rows(con, "inspection", INSPECTION_COLUMNS, insp_rows)
        insert_rows(con, "judgement", ("inspection_id", "judgement", "grade", "grade_rank", "source"), judgement_rows)
        insert_rows(con, "inspection_source", ("inspection_id", "source_id"), link_rows)
        insert_rows(con, "discrepancy", ("inspection_id", "field", "report_value", "official_value",
                                         "report_source", "official_source"), disc_rows)
    outcomes: dict[str, int] = defaultdict(int)
    for row in warn_rows:
        outcomes[row[-1]] += 1
    return ReconcileSummary(
        inspections=len(inspections),
        both=sum(1 for i in inspections if i.official and (i.report or i.lscb_report)),
        report_only=sum(1 for i in inspections if not i.official and (i.report or i.lscb_report)),
        official_only=sum(1 for i in inspections if i.official and not (i.report or i.lscb_report)),
        lscb_attached=sum(1 for i in inspections if i.lscb_report and i.report is not i.lscb_report),
        discrepancies=len(disc_rows),
        thirdparty_matched=sum(1 for i in inspections if i.thirdparty and (i.report or i.official)),
        thirdparty_added=sum(1 for i in inspections if i.thirdparty and not (i.report or i.official)),
        thirdparty_conflicts=len(tp_rows),
        warnings_checked=dict(sorted(outcomes.items())),
    )


#: Warning field (a reports-parse column) -> source attribute, for fields that are not judgements.
_WARNING_FIELDS = {"inspection_start": "start_date", "inspection_end": "end_date", "la_code_old": "la_code_old",
                   "lead_inspector": "lead_inspector", "publication_date": "publication_date"}


def check_warnings(insp: _Inspection) -> list[tuple[Any, ...]]:
    """Each report warning of an inspection, checked against the official record (else the third
    party's): (source_id, field, code, message, checked_against, record_value, register_value,
    register_source, outcome). Outcomes: ``filled`` (the report had no value; the register took the
    record's), ``confirmed`` (the record says the same), ``differs``, ``also_blank`` (the record has
    no value either) and ``no_record`` (no other source knows this inspection)."""
    out = []
    record = insp.official or insp.thirdparty
    for report in [s for s in (insp.report, insp.lscb_report, *insp.extra_reports, *insp.lscb_extra) if s]:
        for name, code, message in report.warnings:
            attr = _WARNING_FIELDS.get(name)

            def value(src: _Source | None, attr=attr, name=name) -> Any:
                if src is None:
                    return None
                return getattr(src, attr) if attr else src.judgements.get(name)

            mine, theirs = value(report), value(record)
            if attr:
                held, held_source = insp.fields.get(attr), insp.field_source(attr)
            else:
                held, held_source = insp.judgements.get(name, (None, None))
            if record is None:
                outcome = "no_record"
            elif theirs is None:
                outcome = "also_blank"
            elif mine is None:
                outcome = "filled" if held == theirs else "differs"
            else:
                outcome = "confirmed" if mine == theirs else "differs"
            out.append((report.source_id, name, code, message, record.source_id if record else None,
                        _text(theirs), _text(held), held_source, outcome))
    return out


def _visit_links(store: Store) -> list[tuple[str, str]]:
    """(letter visit_id, Ofsted's visit_id) for each letter Ofsted's in-year lists also record:
    same LA (or its predecessor/successor), same type, dates within :data:`VISIT_SAME_DAYS`."""
    if not store.has_table("visit"):
        return []
    rows = store.rows("SELECT visit_id, la_code_old, visit_type, visit_date, source FROM visit")
    official: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["source"] != "report":
            official[(la_group(row["la_code_old"]), row["visit_type"])].append(row)
    links = []
    for row in rows:
        if row["source"] != "report":
            continue
        near = [(abs((o["visit_date"] - row["visit_date"]).days), o["visit_id"])
                for o in official.get((la_group(row["la_code_old"]), row["visit_type"]), [])]
        near = [n for n in near if n[0] <= VISIT_SAME_DAYS]
        if near:
            links.append((row["visit_id"], min(near)[1]))
    return links
