"""Plain data passed between the register's parser (files -> ParsedReport) and its loader (-> store)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from cscwatch.grades import Grade

Status = Literal["parsed", "no_judgements", "error"]

#: Why a field its framework requires is blank or doubtful (``ParseWarning.code``).
WARNING_CODES: dict[str, str] = {
    "not_found": "the report's layout prints this field, but it was not found where the layout puts it",
    "not_judged": "printed as not judged (or not applicable): blank by the report's own say-so",
    "unknown_la": "an LA name is printed but matches no English children's services authority",
    "unreadable": "the field is printed, but its text could not be read as a value",
    "conflict": "two readings of the page disagree; both values and the one kept are named",
    "inconsistent": "the value read does not fit the rest of the report (e.g. a table without an overall"
                    " judgement for an inspection that began before April 2026)",
}


@dataclass(frozen=True)
class ParseWarning:
    """A field a report's framework requires that is missing or doubtful, and why.

    ``field`` is a ``reports parse`` column (``overall``, ``inspection_end``, ``la_code_old``,
    ``lead_inspector``...), ``code`` one of :data:`WARNING_CODES` and ``message`` a one-line reason.
    """

    field: str
    code: str
    message: str

    def __post_init__(self) -> None:
        if self.code not in WARNING_CODES:
            raise ValueError(f"unknown warning code {self.code!r}")

    def __str__(self) -> str:
        return f"{self.code}({self.field}): {self.message}"

#: Columns of ``cscwatch reports parse --csv``, exactly as labels.csv names them (plus ``error``).
PARSE_CSV_COLUMNS: tuple[str, ...] = (
    "file", "la_name", "la_code_old", "la_code_new", "doc_type", "inspection_start", "inspection_end",
    "publication_date", "overall", "help_and_protection", "children_in_care", "care_leavers", "adoption",
    "leadership", "lscb", "care_split", "lead_inspector", "error", "warnings",
)

#: How the ``warnings`` column joins several warnings.
WARNING_SEPARATOR = " | "


@dataclass(frozen=True)
class ParsedReport:
    """Everything read from one report file, from its text alone.

    ``status`` is ``parsed`` (judgements found), ``no_judgements`` (a real report without grades,
    e.g. a letter) or ``error`` (unreadable: ``error`` says why). ``pages`` keeps the full text by
    page so the report-text analysis never has to reopen the PDF. ``warnings`` names every field the
    framework requires that is blank or doubtful, and why: a parsed report without warnings carries
    every required field.
    """

    file: str                       # display path: relative to the folder it was found under
    path: str                       # resolved absolute path
    sha256: str
    size_bytes: int
    status: Status
    error: str | None = None
    pages: tuple[str, ...] = ()
    doc_type: str | None = None     # legacy | sif | ilacs_standard | ilacs_short | other
    framework: str | None = None    # legacy | SIF | LSCB | ILACS | ILACS-2023 | ILACS-2026
    inspection_type: str | None = None  # standard | short | first | reinspection | lscb_review | looked_after
    la_name: str | None = None
    la_code_old: str | None = None
    la_code_new: str | None = None
    inspection_start: date | None = None
    inspection_end: date | None = None
    publication_date: date | None = None
    lead_inspector: str | None = None
    care_split: bool | None = None
    judgements: dict[str, Grade] = field(default_factory=dict)
    warnings: tuple[ParseWarning, ...] = ()
    #: ungraded letters (focused visit, monitoring visit, JTAI): what the letter says
    visit_type: str | None = None   # focused | monitoring | jtai
    theme: str | None = None
    priority_actions: tuple[str, ...] = ()
    priority_action: bool = False   # the letter sets areas for priority action (even if not read as a list)

    def as_row(self) -> dict[str, str]:
        """The ``reports parse --csv`` row: labels.csv vocabulary, blanks as empty strings."""
        def d(x: date | None) -> str:
            return x.isoformat() if x else ""

        row = {
            "file": self.file,
            "la_name": self.la_name or "",
            "la_code_old": self.la_code_old or "",
            "la_code_new": self.la_code_new or "",
            "doc_type": self.doc_type or ("other" if self.status != "parsed" else ""),
            "inspection_start": d(self.inspection_start),
            "inspection_end": d(self.inspection_end),
            "publication_date": d(self.publication_date),
            "care_split": "" if self.care_split is None else ("true" if self.care_split else "false"),
            "lead_inspector": self.lead_inspector or "",
            "error": self.error or "",
            "warnings": WARNING_SEPARATOR.join(str(w) for w in self.warnings),
        }
        for key in ("overall", "help_and_protection", "children_in_care", "care_leavers", "adoption",
                    "leadership", "lscb"):
            g = self.judgements.get(key)
            row[key] = g.value if g else ""
        return {c: row[c] for c in PARSE_CSV_COLUMNS}
