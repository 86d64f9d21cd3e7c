"""Ofsted's four-point grade scale, in the tokens used throughout the store and exports."""
from __future__ import annotations

from enum import Enum


class Grade(str, Enum):
    """Ordinal grade; ``rank`` 1 is best. Earlier frameworks' "adequate" maps to ``requires_improvement``."""

    outstanding = "outstanding"
    good = "good"
    requires_improvement = "requires_improvement"
    inadequate = "inadequate"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def label(self) -> str:
        return _LABEL[self]


_RANK = {Grade.outstanding: 1, Grade.good: 2, Grade.requires_improvement: 3, Grade.inadequate: 4}
_LABEL = {
    Grade.outstanding: "Outstanding",
    Grade.good: "Good",
    Grade.requires_improvement: "Requires improvement to be good",
    Grade.inadequate: "Inadequate",
}
GRADES: tuple[Grade, ...] = tuple(Grade)

#: Judgement keys (the columns of ``labels.csv``), in report order for display.
JUDGEMENTS: tuple[str, ...] = (
    "overall",
    "help_and_protection",
    "children_in_care",
    "care_leavers",
    "adoption",
    "leadership",
    "lscb",
)

JUDGEMENT_TITLES: dict[str, str] = {
    "overall": "Overall effectiveness",
    "help_and_protection": "Children who need help and protection",
    "children_in_care": "Children in care (looked after)",
    "care_leavers": "Care leavers",
    "adoption": "Adoption performance",
    "leadership": "Leadership / impact of leaders",
    "lscb": "Local Safeguarding Children Board",
    "slac_safeguarding": "SLAC: safeguarding overall effectiveness",
    "slac_looked_after": "SLAC: looked after children overall effectiveness",
}


def parse_grade(text: str | None) -> Grade | None:
    """Map any printed or published grade wording to a Grade; ``None`` for blank / not judged.

    Raises ValueError on wording that is not a grade, so a new phrasing fails loudly.
    """
    if text is None:
        return None
    t = " ".join(str(text).replace("\u00a0", " ").split()).strip().lower().rstrip(".")
    if t in ("", "-", "n/a", "na", "not judged", "not applicable", "none"):
        return None
    if t.startswith("outstanding"):
        return Grade.outstanding
    if t.startswith("good"):
        return Grade.good
    if t == "ri" or t.startswith(("requires improvement", "require improvement", "requires_improvement", "adequate")):
        return Grade.requires_improvement
    if t.startswith("inadequate"):
        return Grade.inadequate
    raise ValueError(f"not a grade: {text!r}")
