"""The register's third source: data-to-insight's weekly scrape of Ofsted's ILACS reports.

``d2i_ilacs_scrape_latest_inspection_snapshots.csv`` (bundled in ``cscwatch/data/ofsted/``,
provenance in ``data/MANIFEST.csv``) holds every "latest ILACS inspection" record of each LA seen in
58 weekly snapshots of the scraper's output, March 2025 to June 2026. It is **third party**: a
scraper's reading of the report PDFs, not an Ofsted publication. It is kept because it runs past
Ofsted's official lists (which end with reports published by 30 June 2025), including the April
2026 format without an overall effectiveness grade, and because it prints fieldwork end dates.

Loaded as ``source = 'thirdparty'`` rows of the source layer. Reconciliation gives it the lowest
precedence (:mod:`cscwatch.register.reconcile`): it fills only what neither a parsed report nor
Ofsted's lists say, every disagreement is kept in ``thirdparty_discrepancy``, and an inspection it
backs lists ``thirdparty`` in ``inspection.sources``.

Quirks handled here: dates are ``dd/mm/yyyy`` (publication ``dd/mm/yy``); grades are lower case
("requires improvement"); ``inspection_pre_dates_judgement`` means the care-leavers judgement did
not exist yet (not judged); a blank overall grade on an inspection from April 2026 is the new
format (framework ``ILACS-2026``); three rows have no fieldwork dates (Brighton and Hove 2024,
Nottingham 2022, Redcar and Cleveland 2022) and are matched by publication date.
"""
from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from cscwatch.errors import SourceFormatError
from cscwatch.grades import Grade, parse_grade
from cscwatch.register.reconcile import insert_rows
from cscwatch.store import Store

THIRDPARTY_FILE = "d2i_ilacs_scrape_latest_inspection_snapshots.csv"
#: ``source_ref`` of the rows and the middle part of their source ids.
DATASET = "d2i_ilacs_scrape"
SOURCE = "thirdparty"

#: The first inspections without an overall effectiveness judgement (DOMAIN.md section 1.1).
NO_OVERALL_FROM = date(2026, 4, 1)
CARE_SPLIT_FROM = date(2023, 1, 1)

GRADE_COLUMNS: dict[str, str] = {
    "overall_effectiveness_grade": "overall",
    "impact_of_leaders_grade": "leadership",
    "help_and_protection_grade": "help_and_protection",
    "in_care_grade": "children_in_care",
    "care_leavers_grade": "care_leavers",
}
REQUIRED = ("la_code", "ltla23cd", "local_authority", "inspection_framework", "inspection_start_date",
            "inspection_end_date", "publication_date", "inspection_link", "last_seen_snapshot_date",
            *GRADE_COLUMNS)
#: Cell values that mean "no grade" in the scrape.
NOT_GRADED = {"", "inspection_pre_dates_judgement", "data_unreadable", "nan", "none"}


@dataclass(frozen=True)
class ThirdPartyInspection:
    source_id: str
    la_code_old: str
    la_code_new: str | None
    la_name: str
    framework: str
    inspection_type: str | None
    start_date: date | None
    end_date: date | None
    publication_date: date | None
    judgements: dict[str, Grade]
    link: str


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    if not path.exists():
        raise SourceFormatError(path, "file not found (bundled third-party data is missing)")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            yield i, row


def _date(path: Path, line: int, column: str, value: str, fmt: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return datetime.strptime(value, fmt).date()
    except ValueError:
        raise SourceFormatError(path, f"not a date ({fmt}): {value!r}", row=line, column=column) from None


def _grades(path: Path, line: int, row: dict[str, str]) -> dict[str, Grade]:
    out: dict[str, Grade] = {}
    for column, key in GRADE_COLUMNS.items():
        value = (row[column] or "").strip()
        if value.lower() in NOT_GRADED:
            continue
        try:
            grade = parse_grade(value)
        except ValueError:
            raise SourceFormatError(path, f"not a grade: {value!r}", row=line, column=column) from None
        if grade is not None:
            out[key] = grade
    return out


def framework_of(start: date | None, published: date | None, judgements: dict[str, Grade]) -> str:
    """ILACS (combined care judgement), ILACS-2023 (care leavers split out) or ILACS-2026 (no overall)."""
    first = start or published
    if "overall" not in judgements and first is not None and first >= NO_OVERALL_FROM:
        return "ILACS-2026"
    if (first is not None and first >= CARE_SPLIT_FROM) or (first is None and "care_leavers" in judgements):
        return "ILACS-2023"
    return "ILACS"


def read_thirdparty(path: Path) -> list[ThirdPartyInspection]:
    """The scrape's rows in the store's vocabulary (errors name the row and column).

    The same inspection seen twice (a value the scraper corrected between snapshots) keeps the row
    seen last.
    """
    latest: dict[str, tuple[str, ThirdPartyInspection]] = {}
    for line, row in _rows(path):
        if line == 2:
            missing = [c for c in REQUIRED if c not in row]
            if missing:
                raise SourceFormatError(path, f"missing columns {missing}", row=1)
        code = row["la_code"].strip()
        if not code:
            raise SourceFormatError(path, "no DfE LA code", row=line, column="la_code")
        start = _date(path, line, "inspection_start_date", row["inspection_start_date"], "%d/%m/%Y")
        end = _date(path, line, "inspection_end_date", row["inspection_end_date"], "%d/%m/%Y")
        published = _date(path, line, "publication_date", row["publication_date"], "%d/%m/%y")
        if start is None and published is None:
            raise SourceFormatError(path, "neither a start nor a publication date", row=line)
        judgements = _grades(path, line, row)
        framework = framework_of(start, published, judgements)
        if framework == "ILACS":
            judgements.pop("care_leavers", None)   # no such judgement before 2023 (a scraper misreading)
        kind = row["inspection_framework"].strip().lower() or None
        first = (start or published).isoformat()
        source_id = f"{SOURCE}:{DATASET}:{code}:{first}"
        item = ThirdPartyInspection(
            source_id=source_id, la_code_old=code, la_code_new=row["ltla23cd"].strip() or None,
            la_name=row["local_authority"].strip(), framework=framework,
            inspection_type=kind if kind in ("short", "standard") else None,
            start_date=start, end_date=end, publication_date=published, judgements=judgements,
            link=row["inspection_link"].strip())
        seen = row["last_seen_snapshot_date"].strip()
        if source_id not in latest or seen >= latest[source_id][0]:
            latest[source_id] = (seen, item)
    return [item for _, item in latest.values()]


def bundled_path() -> Path:
    from cscwatch.register.official import bundled_dir

    return bundled_dir() / THIRDPARTY_FILE


def load_thirdparty(store: Store, path: Path | None = None, *, reconcile: bool = True) -> int:
    """Replace the store's third-party rows with the bundled scrape; returns rows loaded.

    One transaction, so re-running is idempotent. Rebuilds the reconciled register unless
    ``reconcile=False``.
    """
    from cscwatch.register.official import SOURCE_COLUMNS
    from cscwatch.register.reconcile import reconcile as reconcile_register

    items = read_thirdparty(Path(path) if path is not None else bundled_path())
    with store.transaction() as con:
        con.execute("DELETE FROM source_judgement WHERE source_id IN "
                    "(SELECT source_id FROM source_inspection WHERE source = ?)", [SOURCE])
        con.execute("DELETE FROM source_inspection WHERE source = ?", [SOURCE])
        insert_rows(con, "source_inspection", SOURCE_COLUMNS, [
            (i.source_id, SOURCE, DATASET, i.la_code_old, i.la_code_new, i.la_name, i.framework,
             i.inspection_type, None, i.start_date, i.end_date, i.publication_date, None,
             i.framework != "ILACS") for i in items])
        insert_rows(con, "source_judgement", ("source_id", "judgement", "grade"),
                    [(i.source_id, key, grade.value) for i in items for key, grade in sorted(i.judgements.items())])
        if reconcile:
            reconcile_register(store)
    return len(items)
