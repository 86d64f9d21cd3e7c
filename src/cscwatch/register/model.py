"""Plain data passed between the register's parser (files -> ParsedReport) and its loader (-> store)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from cscwatch.grades import Grade

Status = Literal["parsed", "no_judgements", "error"]

#: Columns of ``cscwatch reports parse --csv``, exactly as labels.csv names them (plus ``error``).
PARSE_CSV_COLUMNS: tuple[str, ...] = (
    "file", "la_name", "la_code_old", "la_code_new", "doc_type", "inspection_start", "inspection_end",
    "publication_date", "overall", "help_and_protection", "children_in_care", "care_leavers", "adoption",
    "leadership", "lscb", "care_split", "lead_inspector", "error",
)


@dataclass(frozen=True)
class ParsedReport:
    """Everything read from one report file, from its text alone.

    ``status`` is ``parsed`` (judgements found), ``no_judgements`` (a real report without grades,
    e.g. a letter) or ``error`` (unreadable: ``error`` says why). ``pages`` keeps the full text by
    page so the report-text analysis never has to reopen the PDF.
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
        }
        for key in ("overall", "help_and_protection", "children_in_care", "care_leavers", "adoption",
                    "leadership", "lscb"):
            g = self.judgements.get(key)
            row[key] = g.value if g else ""
        return {c: row[c] for c in PARSE_CSV_COLUMNS}
