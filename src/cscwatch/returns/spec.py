"""What each return holds and what cscwatch keeps of it: the column dictionary as data.

SSDA903 tables are recognised by their columns (like DfE's validator): a CSV whose header has every
column of a table is that table. Each kept column says how it is minimised on the way in
(``hmac``: keyed hash; ``month``: date cut to the first of the month; ``date``: kept as a date;
``code``: kept as an upper-case code). Columns not listed here are read, validated and dropped.
"""
from __future__ import annotations

from dataclasses import dataclass

#: SSDA903 tables: name -> every column DfE's spec gives the CSV (DOMAIN.md §4.1).
SSDA903_COLUMNS: dict[str, tuple[str, ...]] = {
    "header": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "episodes": ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                 "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"),
    "reviews": ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
    "uasc": ("CHILD", "SEX", "DOB", "DUC"),
    "oc2": ("CHILD", "DOB", "SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS",
            "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED",
            "INTERVENTION_OFFERED"),
    "oc3": ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
    "ad1": ("CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"),
    "placed_adoption": ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
    "prev_perm": ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
    "missing": ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
    "social_workers": ("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
}

#: Columns that hold dates (dd/mm/YYYY) in any SSDA903 table: each is checked on the way in.
SSDA903_DATES = frozenset({"DOB", "MC_DOB", "DECOM", "DEC", "REVIEW", "DUC", "DATE_INT", "DATE_MATCH",
                           "DATE_PLACED", "DATE_PLACED_CEASED", "DATE_PERM", "MIS_START", "MIS_END",
                           "SW_DECOM", "SW_DEC"})

#: Columns a row cannot do without, per table.
SSDA903_REQUIRED_VALUES: dict[str, tuple[str, ...]] = {
    "header": ("CHILD",),
    "episodes": ("CHILD", "DECOM"),
    "oc3": ("CHILD",),
}


@dataclass(frozen=True)
class Keep:
    """A source column kept in a store table, and how it is minimised."""

    source: str
    column: str
    how: str          # hmac / month / date / code


#: The SSDA903 tables the measures use, and what of them reaches the store.
SSDA903_KEEP: dict[str, tuple[str, tuple[Keep, ...]]] = {
    "header": ("cla_child", (Keep("CHILD", "child_key", "hmac"), Keep("DOB", "birth_month", "month"))),
    "episodes": ("cla_episode", (Keep("CHILD", "child_key", "hmac"), Keep("DECOM", "decom", "date"),
                                 Keep("RNE", "rne", "code"), Keep("LS", "ls", "code"),
                                 Keep("PLACE", "place", "code"), Keep("DEC", "dec", "date"),
                                 Keep("REC", "rec", "code"))),
    "oc3": ("cla_care_leaver", (Keep("CHILD", "child_key", "hmac"), Keep("DOB", "birth_month", "month"),
                                Keep("IN_TOUCH", "in_touch", "code"), Keep("ACTIV", "activ", "code"),
                                Keep("ACCOM", "accom", "code"))),
}

#: The CIN census tables cscwatch keeps (DOMAIN.md §4.2); everything else in the XML is dropped.
CIN_TABLES = ("cin_referral", "cin_assessment", "cin_s47", "cin_cpp")
