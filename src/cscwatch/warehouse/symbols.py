"""Suppression and non-applicable symbols in DfE, LAIT and MHCLG files (DOMAIN.md §3.3).

A symbol becomes a NULL value with the symbol kept in ``observation.status``; ``u`` (low
reliability) keeps its value when the cell carries one. A blank cell is stored as NULL with status
``blank`` so that nothing is dropped silently. Anything else that is not a number fails the load.
"""
from __future__ import annotations

#: symbol as published (lower-cased, trimmed) -> status stored
SYMBOLS: dict[str, str] = {
    "c": "c",        # confidential (suppressed, counts 1-5 and secondary suppression)
    "x": "x",        # not available
    "z": "z",        # not applicable
    "low": "low",    # rounds to zero but is not zero
    "k": "k",        # older symbol for the same
    "u": "u",        # low reliability
    ":": ":",        # old 'not available'
    "..": "..",      # old 'not available'
    "-": "-",        # LAIT missing / suppressed
    "[x]": "x",      # MHCLG: not received
    "[z]": "z",      # MHCLG: not collected / not applicable
    "[c]": "c",
    "[low]": "low",
    "[u]": "u",
}

BLANK = "blank"

STATUS_MEANING: dict[str, str] = {
    "c": "confidential (suppressed)",
    "x": "not available",
    "z": "not applicable",
    "low": "rounds to zero but is not zero",
    "k": "rounds to zero but is not zero (older symbol)",
    "u": "low reliability",
    ":": "not available (older symbol)",
    "..": "not available (older symbol)",
    "-": "missing or suppressed (LAIT)",
    BLANK: "blank cell in the source",
}


def parse_cell(raw: str | None) -> tuple[float | None, str | None]:
    """One published cell as ``(value, status)``; raises ``ValueError`` for unknown text.

    The Python twin of :func:`value_sql` / :func:`status_sql`, used by tests and small inputs.
    """
    if raw is None or raw.strip() == "":
        return None, BLANK
    text = raw.strip()
    key = text.lower()
    if key in SYMBOLS:
        return None, SYMBOLS[key]
    if key.endswith(" u") or key.endswith("u") and _number(key[:-1]) is not None:
        return _number(key[:-1].strip()), "u"
    value = _number(text)
    if value is None:
        raise ValueError(f"unknown symbol {text!r}")
    return value, None


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _clean(col: str) -> str:
    return f"lower(trim({col}))"


def _numeric(col: str) -> str:
    return f"TRY_CAST(replace(trim({col}), ',', '') AS DOUBLE)"


def numeric_sql(col: str) -> str:
    """SQL expression: the cell as a number (thousands separators allowed), else NULL."""
    return _numeric(col)


def value_sql(col: str, num: str | None = None) -> str:
    """SQL expression: the numeric value of a text cell, NULL for symbols and blanks.

    A trailing ``u`` on a number (``'12.5 u'``) keeps the number: ``u`` keeps its value. ``num``
    names a column already holding :func:`numeric_sql` of the cell (saves re-parsing big tables).
    """
    num = num or _numeric(col)
    return (
        f"CASE WHEN {num} IS NOT NULL THEN {num} "
        f"WHEN regexp_matches({_clean(col)}, '^[-0-9.,]+ ?u$') "
        f"THEN TRY_CAST(replace(regexp_replace({_clean(col)}, ' ?u$', ''), ',', '') AS DOUBLE) END"
    )


def status_sql(col: str, num: str | None = None) -> str:
    """SQL expression: the status of a text cell (NULL for a plain number; ``'?'`` for unknown text)."""
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in SYMBOLS.items())
    num = num or _numeric(col)
    return (
        f"CASE WHEN {num} IS NOT NULL THEN NULL "
        f"WHEN {col} IS NULL OR trim({col}) = '' THEN '{BLANK}' "
        f"WHEN regexp_matches({_clean(col)}, '^[-0-9.,]+ ?u$') THEN 'u' "
        f"ELSE CASE {_clean(col)} {whens} ELSE '?' END END"
    )
