"""Resolve what a user or a source calls an LA to its canonical ``la`` row.

Accepts the DfE 3-digit number ('926'), an ONS code current or retired ('E10000020', Barnsley's
'E08000016' and 'E08000038'), or any name spelling seen in the sources ('Bristol',
'Bristol, City of', 'Telford & Wrekin', 'Bournemouth (Pre LG)'), case- and punctuation-blind.
Unknown text raises :class:`UnknownLocalAuthority` with typo-tolerant suggestions.
"""
from __future__ import annotations

import difflib
import re
from datetime import date
from functools import lru_cache
from typing import Any

from cscwatch.errors import StoreNotBuilt, UnknownLocalAuthority
from cscwatch.store import Store


_LEADING = ("royal borough of ", "london borough of ", "metropolitan borough of ", "borough of ",
            "city and county of ")
_TRAILING = (" city of", " county of", " city council", " county council", " borough council",
             " metropolitan borough council", " council", " borough", " pre lg", " unitary", " county")


@lru_cache(maxsize=4096)
def normalise_name(text: str) -> str:
    """Fold an LA name or code to the alias key: lower case, '&' -> 'and', no punctuation.

    'Bristol, City of' -> 'bristol'; 'Telford & Wrekin' -> 'telford and wrekin';
    'St. Helens' -> 'st helens'; 'Bournemouth (Pre LG)' -> 'bournemouth'; '926' -> '926'.
    """
    t = text.lower().replace("&", " and ").replace("’", "'")
    t = re.sub(r"[.,'()\-/:;]", " ", t)
    t = " ".join(t.split())
    changed = True
    while changed:
        changed = False
        for lead in _LEADING:
            if t.startswith(lead) and len(t) > len(lead):
                t, changed = t[len(lead):], True
        for trail in _TRAILING:
            if t.endswith(trail) and len(t) > len(trail):
                t, changed = t[: -len(trail)], True
    return t.strip()


def _pick(rows: list[dict[str, Any]], on: date | None) -> dict[str, Any]:
    """Several LAs share a spelling (Dorset county 835 and Dorset unitary 838): take the one valid
    on ``on`` (default: a current one), authorities before shared-service units."""
    def valid(r: dict[str, Any]) -> bool:
        if on is None:
            return r["valid_to"] is None
        return (r["valid_from"] is None or r["valid_from"] <= on) and (r["valid_to"] is None or r["valid_to"] >= on)

    return sorted(rows, key=lambda r: (not valid(r), r["la_type"] == "shared_service", r["la_code_old"]))[0]


def resolve_la(store: Store, text: str, *, on: date | None = None, source: str | None = None) -> dict[str, Any]:
    """The ``la`` row (a dict) for a name or code; ``on`` disambiguates names reused across reorganisations."""
    if not store.has_table("la_alias") or not store.scalar("SELECT count(*) FROM la"):
        raise StoreNotBuilt("no LA table yet; run `cscwatch build` first")
    raw = (text or "").strip()
    if not raw:
        raise UnknownLocalAuthority(text, source=source)
    keys = {raw.upper(), normalise_name(raw)}
    if raw.replace(".", "").isdigit():                      # '926.0' from a float column
        keys.add(str(int(float(raw))))
    rows = store.rows(
        "SELECT DISTINCT la.* FROM la_alias a JOIN la USING (la_code_old) WHERE a.alias IN "
        f"({', '.join('?' for _ in keys)})", list(keys))
    if rows:
        return _pick(rows, on)
    names = {r["alias"]: r["la_name"] for r in store.rows(
        "SELECT a.alias, la.la_name FROM la_alias a JOIN la USING (la_code_old) WHERE a.kind = 'name'")}
    close = difflib.get_close_matches(normalise_name(raw), list(names), n=3, cutoff=0.75)
    suggestions = list(dict.fromkeys(names[c] for c in close))
    raise UnknownLocalAuthority(raw, source=source, suggestions=suggestions)


def la_name(store: Store, code: str) -> str | None:
    return store.scalar("SELECT la_name FROM la WHERE la_code_old = ?", [code])
