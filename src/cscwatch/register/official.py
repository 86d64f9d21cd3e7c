"""Ofsted's official inspection outcome history: the register's second source, back to 2009.

The bundled files (``cscwatch/data/ofsted/``, provenance in ``data/MANIFEST.csv``) are Ofsted's
official statistics as published:

* ``ofsted_la_inspection_events_2009_2025.csv``: one row per LA inspection of every framework
  (SLAC, CPI, TLAC, SIF, ILACS). Pre-2018 rows carry a publication date only; ILACS rows carry
  the inspection start date and the publication date. Loaded into ``source_inspection`` /
  ``source_judgement`` with ``source = 'ofsted'``.
* ``ofsted_la_in_year_inspections_and_visits_2022_23_to_2024_25.csv``: focused and monitoring
  visits, loaded into ``visit``; its inspections (earlier editions of the same official data) are
  loaded as secondary official rows, dataset ``in_year_<year>``, because Ofsted corrects errors
  between editions (Merton 2022: standard in the 2023 edition, short in 2025; a Staffordshire
  2023 care-leavers grade). Reconciliation links them to the events row of the same inspection and
  shows where a report disagrees with either edition.
* ``d2i_ilacs_scrape_latest_inspection_snapshots.csv``: not Ofsted's: a third party's scrape of the
  reports, loaded by :mod:`cscwatch.register.thirdparty` with the lowest precedence.
* ``ofsted_ilacs_inspection_history_2018_2025.csv`` and
  ``ofsted_la_inspections_as_at_31_march_2025.csv``: the sheets the ILACS rows and the
  31 March 2025 national count come from, kept to check the register against
  (see :func:`read_as_at_31_march_2025`).

Quirks handled here: ``' -'`` means not judged; pre-2013 frameworks' "adequate" is published as
"Requires improvement to be good"; ILACS rows use Ofsted's current ONS code (North Yorkshire is
``E06000065`` even in 2018), so the DfE number ``old_la_code`` is the key; two SLAC
re-inspections (safeguarding, looked after) can share a publication date.
"""
from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from cscwatch.errors import SourceFormatError
from cscwatch.grades import Grade, parse_grade
from cscwatch.register.reconcile import EARLIER_EDITION_PREFIX, insert_rows, reconcile as reconcile_register
from cscwatch.store import Store

EVENTS_FILE = "ofsted_la_inspection_events_2009_2025.csv"
ILACS_HISTORY_FILE = "ofsted_ilacs_inspection_history_2018_2025.csv"
AS_AT_2025_FILE = "ofsted_la_inspections_as_at_31_march_2025.csv"
VISITS_FILE = "ofsted_la_in_year_inspections_and_visits_2022_23_to_2024_25.csv"

#: Dataset name used in ``source_ref`` and in source ids ``ofsted:<dataset>:<key>``.
EVENTS_DATASET = "la_inspection_events_2009_2025"

#: Dataset name prefix of the in-year lists (one dataset per reporting year, e.g. ``in_year_2022_23``).
IN_YEAR_DATASET_PREFIX = EARLIER_EDITION_PREFIX

#: The day care leavers became a separate ILACS judgement (inspections starting on or after it).
CARE_SPLIT_FROM = date(2023, 1, 1)

#: Official ``inspection_type`` wording -> (framework, inspection_type) in the store's vocabulary.
OFFICIAL_TYPES: dict[str, tuple[str, str]] = {
    "Safeguarding and looked after children inspection": ("SLAC", "first"),
    "SLAC re-inspection of safeguarding services": ("SLAC", "reinspection_safeguarding"),
    "SLAC re-inspection of services for children looked after": ("SLAC", "reinspection_looked_after"),
    "Child protection inspection": ("CPI", "first"),
    "Child protection re-inspection": ("CPI", "reinspection"),
    "Targeted looked after children inspection": ("TLAC", "first"),
    "SIF inspection (first)": ("SIF", "first"),
    "SIF re-inspection": ("SIF", "reinspection"),
    "ILACS Standard Inspection": ("ILACS", "standard"),
    "ILACS Short Inspection": ("ILACS", "short"),
}

#: Events-file judgement columns -> the store's judgement keys. SIF and ILACS wordings of the same
#: judgement share a key (e.g. both leadership judgements are ``leadership``).
JUDGEMENT_COLUMNS: dict[str, str] = {
    "overall_effectiveness": "overall",
    "help_and_protection": "help_and_protection",
    "children_looked_after_and_achieving_permanence": "children_in_care",
    "children_in_care": "children_in_care",
    "care_leavers": "care_leavers",
    "adoption_performance": "adoption",
    "leadership_management_and_governance": "leadership",
    "impact_of_leaders": "leadership",
    "lscb_overall_effectiveness": "lscb",
    "slac_safeguarding_overall_effectiveness": "slac_safeguarding",
    "slac_lac_overall_effectiveness": "slac_looked_after",
}

#: Columns of ``source_inspection``, in the order rows are built.
SOURCE_COLUMNS: tuple[str, ...] = (
    "source_id", "source", "source_ref", "la_code_old", "la_code_new", "la_name", "framework", "inspection_type",
    "doc_type", "start_date", "end_date", "publication_date", "lead_inspector", "care_split",
)

VISIT_TYPES: dict[str, str] = {"ILACS Focused Visit": "focused", "LA Monitoring visit": "monitoring"}


@dataclass(frozen=True)
class OfficialInspection:
    """One row of the official history, in the store's vocabulary."""

    source_id: str
    dataset: str
    la_code_old: str
    la_code_new: str | None
    la_name: str
    framework: str
    inspection_type: str
    start_date: date | None
    publication_date: date | None
    judgements: dict[str, Grade]


@dataclass(frozen=True)
class Visit:
    visit_id: str
    la_code_old: str
    la_code_new: str | None
    visit_type: str
    visit_date: date
    publication_date: date | None
    theme: str | None


def bundled_dir() -> Path:
    """The folder of bundled official Ofsted files inside the installed package."""
    return Path(str(resources.files("cscwatch") / "data" / "ofsted"))


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """CSV rows as text (never cast), with their 1-based line number counting the header as 1.

    A row with fewer or more fields than the header (a file cut off mid-row) stops the load with
    the row named, rather than loading a half row as an inspection with judgements missing.
    """
    if not path.exists():
        raise SourceFormatError(path, "file not found (bundled official Ofsted data is missing)")
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            for i, row in enumerate(reader, start=2):
                if None in row:
                    raise SourceFormatError(path, "row has more fields than the header", row=i)
                if any(v is None for v in row.values()):
                    raise SourceFormatError(path, "row has fewer fields than the header (file truncated?)", row=i)
                yield i, row
    except UnicodeDecodeError as exc:
        raise SourceFormatError(path, f"is not valid UTF-8 (byte {exc.start}); save it as UTF-8") from None
    except csv.Error as exc:
        raise SourceFormatError(path, f"is not a readable CSV ({exc})") from None


def _require(path: Path, row: dict[str, str], columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in row]
    if missing:
        raise SourceFormatError(path, f"missing columns {missing}", row=1)


def _date(path: Path, line: int, column: str, value: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SourceFormatError(path, f"not an ISO date: {value!r}", row=line, column=column) from None


def _grade(path: Path, line: int, column: str, value: str) -> Grade | None:
    try:
        return parse_grade(value)
    except ValueError:
        raise SourceFormatError(path, f"not a grade: {value!r}", row=line, column=column) from None


def _judgements(path: Path, line: int, row: dict[str, str], columns: dict[str, str]) -> dict[str, Grade]:
    """The graded judgements of one official row (blank and ' -' cells are not judged)."""
    judgements: dict[str, Grade] = {}
    for column, key in columns.items():
        grade = _grade(path, line, column, row[column])
        if grade is not None:
            judgements[key] = grade
    return judgements


def ilacs_framework(start: date | None, judgements: dict[str, Grade]) -> str:
    """``ILACS`` (combined care judgement) or ``ILACS-2023`` (care leavers judged separately)."""
    if "care_leavers" in judgements or (start is not None and start >= CARE_SPLIT_FROM):
        return "ILACS-2023"
    return "ILACS"


def read_official_inspections(path: Path) -> list[OfficialInspection]:
    """Read the events file into :class:`OfficialInspection` rows (errors name row and column)."""
    out: list[OfficialInspection] = []
    seen: set[str] = set()
    for line, row in _rows(path):
        if line == 2:
            _require(path, row, ("old_la_code", "new_la_code", "la_name", "inspection_type",
                                 "inspection_date", "publication_date", *JUDGEMENT_COLUMNS))
        code = row["old_la_code"].strip()
        if not code:
            raise SourceFormatError(path, "no DfE LA code", row=line, column="old_la_code")
        kind = row["inspection_type"].strip()
        if kind not in OFFICIAL_TYPES:
            raise SourceFormatError(path, f"unknown inspection type {kind!r}", row=line, column="inspection_type")
        framework, inspection_type = OFFICIAL_TYPES[kind]
        start = _date(path, line, "inspection_date", row["inspection_date"])
        published = _date(path, line, "publication_date", row["publication_date"])
        if published is None:
            raise SourceFormatError(path, "no publication date", row=line, column="publication_date")
        judgements = _judgements(path, line, row, JUDGEMENT_COLUMNS)
        if framework == "ILACS":
            framework = ilacs_framework(start, judgements)
        first_date = start or published
        source_id = f"ofsted:{EVENTS_DATASET}:{code}:{framework}:{inspection_type}:{first_date.isoformat()}"
        if source_id in seen:
            raise SourceFormatError(path, f"duplicate inspection {source_id}", row=line)
        seen.add(source_id)
        out.append(OfficialInspection(
            source_id=source_id, dataset=EVENTS_DATASET, la_code_old=code,
            la_code_new=row["new_la_code"].strip() or None, la_name=row["la_name"].strip(),
            framework=framework, inspection_type=inspection_type,
            start_date=start, publication_date=published, judgements=judgements,
        ))
    return out


def read_visits(path: Path) -> list[Visit]:
    """Focused and monitoring visits from the in-year lists (inspections in the file are skipped)."""
    out: dict[str, Visit] = {}
    for line, row in _rows(path):
        if line == 2:
            _require(path, row, ("old_la_code", "new_la_code", "Inspection/Visit type",
                                 "Inspection/Visit date", "Publication date", "Visit Theme"))
        kind = row["Inspection/Visit type"].strip()
        if kind not in VISIT_TYPES:
            continue
        code = row["old_la_code"].strip()
        if not code:
            raise SourceFormatError(path, "no DfE LA code", row=line, column="old_la_code")
        when = _date(path, line, "Inspection/Visit date", row["Inspection/Visit date"])
        if when is None:
            raise SourceFormatError(path, "no visit date", row=line, column="Inspection/Visit date")
        visit_type = VISIT_TYPES[kind]
        visit_id = f"ofsted:{code}:{visit_type}:{when.isoformat()}"
        if visit_id in out:
            raise SourceFormatError(path, f"duplicate visit {visit_id}", row=line)
        out[visit_id] = Visit(
            visit_id=visit_id, la_code_old=code,
            la_code_new=row["new_la_code"].strip() or row.get("Local authority area code", "").strip() or None,
            visit_type=visit_type, visit_date=when,
            publication_date=_date(path, line, "Publication date", row["Publication date"]),
            theme=row["Visit Theme"].strip() or None,
        )
    return list(out.values())


#: Judgement columns of the Ofsted outcome sheets (as-at table, ILACS history, in-year lists).
SHEET_JUDGEMENT_COLUMNS: dict[str, str] = {
    "Overall effectiveness": "overall",
    "The impact of leaders on social work practice with children and families": "leadership",
    "The experiences and progress of children who need help and protection": "help_and_protection",
    "The experiences and progress of children in care": "children_in_care",
    "The experiences and progress of care leavers": "care_leavers",
}


def read_in_year_inspections(path: Path) -> list[OfficialInspection]:
    """ILACS inspections from the in-year lists: earlier editions of rows the events file holds."""
    out: list[OfficialInspection] = []
    seen: set[str] = set()
    for line, row in _rows(path):
        if line == 2:
            _require(path, row, ("old_la_code", "new_la_code", "reporting_year", "Local authority name",
                                 "Inspection/Visit type", "Inspection/Visit date", "Publication date",
                                 *SHEET_JUDGEMENT_COLUMNS))
        kind = row["Inspection/Visit type"].strip()
        if kind in VISIT_TYPES:
            continue
        if kind not in OFFICIAL_TYPES:
            raise SourceFormatError(path, f"unknown inspection type {kind!r}", row=line,
                                    column="Inspection/Visit type")
        code = row["old_la_code"].strip()
        if not code:
            raise SourceFormatError(path, "no DfE LA code", row=line, column="old_la_code")
        start = _date(path, line, "Inspection/Visit date", row["Inspection/Visit date"])
        if start is None:
            raise SourceFormatError(path, "no inspection date", row=line, column="Inspection/Visit date")
        judgements = _judgements(path, line, row, SHEET_JUDGEMENT_COLUMNS)
        framework, inspection_type = OFFICIAL_TYPES[kind]
        framework = ilacs_framework(start, judgements)
        dataset = IN_YEAR_DATASET_PREFIX + row["reporting_year"].strip().replace("-", "_")
        source_id = f"ofsted:{dataset}:{code}:{framework}:{inspection_type}:{start.isoformat()}"
        if source_id in seen:
            raise SourceFormatError(path, f"duplicate inspection {source_id}", row=line)
        seen.add(source_id)
        out.append(OfficialInspection(
            source_id=source_id, dataset=dataset, la_code_old=code,
            la_code_new=row["new_la_code"].strip() or None, la_name=row["Local authority name"].strip(),
            framework=framework, inspection_type=inspection_type, start_date=start,
            publication_date=_date(path, line, "Publication date", row["Publication date"]),
            judgements=judgements,
        ))
    return out


def read_as_at_31_march_2025(data_dir: Path | None = None) -> list[dict[str, object]]:
    """Ofsted's published snapshot: each current LA's latest ILACS grades at 31 March 2025.

    Rows: ``la_code_new``, ``la_name``, ``start_date``, ``publication_date`` and one Grade (or
    None) per judgement key. Used to check the register's own as-at computation.
    """
    path = (data_dir or bundled_dir()) / AS_AT_2025_FILE
    columns = SHEET_JUDGEMENT_COLUMNS
    out: list[dict[str, object]] = []
    for line, row in _rows(path):
        if line == 2:
            _require(path, row, ("Local authority area code", "Local authority name", "Inspection date",
                                 "Publication date", *columns))
        item: dict[str, object] = {
            "la_code_new": row["Local authority area code"].strip(),
            "la_name": row["Local authority name"].strip(),
            "start_date": _date(path, line, "Inspection date", row["Inspection date"]),
            "publication_date": _date(path, line, "Publication date", row["Publication date"]),
        }
        for column, key in columns.items():
            item[key] = _grade(path, line, column, row[column])
        out.append(item)
    return out


def load_official(store: Store, data_dir: Path | None = None, *, reconcile: bool = True,
                  thirdparty: bool = True) -> int:
    """Load the official history into the source layer and visits; returns official rows loaded.

    Replaces every ``source = 'ofsted'`` row in one transaction, so re-running is idempotent and a
    newer bundled edition simply supersedes the old one. Unless ``thirdparty=False``, the bundled
    third-party scrape (:mod:`cscwatch.register.thirdparty`, lower precedence) is loaded in the same
    transaction, so the register runs past the official lists' end. Then rebuilds the reconciled
    register (unless ``reconcile=False``, for callers that reconcile once after ingesting reports too).
    """
    folder = Path(data_dir) if data_dir is not None else bundled_dir()
    inspections = read_official_inspections(folder / EVENTS_FILE)
    inspections += read_in_year_inspections(folder / VISITS_FILE)
    visits = read_visits(folder / VISITS_FILE)
    with store.transaction() as con:
        con.execute("DELETE FROM source_judgement WHERE source_id IN "
                    "(SELECT source_id FROM source_inspection WHERE source = 'ofsted')")
        con.execute("DELETE FROM source_inspection WHERE source = 'ofsted'")
        con.execute("DELETE FROM visit WHERE source = 'ofsted'")
        insert_rows(con, "source_inspection", SOURCE_COLUMNS, [
            (i.source_id, "ofsted", i.dataset, i.la_code_old, i.la_code_new, i.la_name, i.framework,
             i.inspection_type, None, i.start_date, None, i.publication_date, None,
             None if not i.framework.startswith("ILACS") else i.framework != "ILACS")
            for i in inspections])
        insert_rows(con, "source_judgement", ("source_id", "judgement", "grade"),
                    [(i.source_id, key, grade.value)
                     for i in inspections for key, grade in sorted(i.judgements.items())])
        insert_rows(con, "visit", ("visit_id", "la_code_old", "la_code_new", "visit_type", "visit_date",
                                   "publication_date", "theme", "source"),
                    [(v.visit_id, v.la_code_old, v.la_code_new, v.visit_type, v.visit_date, v.publication_date,
                      v.theme, "ofsted") for v in visits])
        if thirdparty:
            from cscwatch.register.thirdparty import THIRDPARTY_FILE, load_thirdparty

            load_thirdparty(store, folder / THIRDPARTY_FILE, reconcile=False)
        if reconcile:
            reconcile_register(store)
    return len(inspections)
