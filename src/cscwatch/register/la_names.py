"""Map a local authority name as a report prints it to the register's LA vocabulary and codes.

The vocabulary is data-to-insight's provider lookup (bundled as ``data/lookups/d2i_provider_data_lookup.csv``)
plus the extra spellings of ``data/lookups/la_aliases.csv`` (shared with :mod:`cscwatch.identity`):
``local_authority_ons_name`` is the name, ``la_code`` the old 3-digit DfE code and ``la_code_new`` the
current ONS code (blank for defunct LAs such as Northamptonshire, Cumbria and Poole).

Reports print names in many forms: "London Borough of Merton Council", "Metropolitan Borough of
Rotherham", "Council of the Isles of Scilly", "Kingston Upon Hull City Council", "St. Helens", "Telford
& Wrekin", "Surrey Safeguarding Children Board". :func:`match_la` tries the printed name, then the name
with administrative words peeled off either end one at a time, against every known spelling. It
never guesses beyond that: an unmatched name raises :class:`~cscwatch.errors.UnknownLocalAuthority`.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from cscwatch.errors import UnknownLocalAuthority

__all__ = ["LocalAuthority", "match_la", "la_lookup", "name_key"]


@dataclass(frozen=True)
class LocalAuthority:
    name: str            # local_authority_ons_name (labels.csv vocabulary)
    code_old: str        # DfE 3-digit code
    code_new: str        # ONS code; "" for authorities abolished before the lookup was compiled


_LEADING = {"the", "london", "royal", "metropolitan", "borough", "of", "city", "county", "council",
            "and", "district"}
_TRAILING = {"council", "borough", "metropolitan", "district", "county", "city", "of", "the",
             "unitary", "authority", "local", "safeguarding", "children", "childrens", "board", "lscb",
             "partnership", "corporation", "and"}


def name_key(name: str) -> str:
    """Comparable form of a name: lower case, '&' as 'and', no dots, apostrophes or hyphens."""
    s = name.lower().replace("&", " and ")
    s = re.sub(r"[.'\u2019]", "", s)
    s = re.sub(r"[-,/()]", " ", s)
    return " ".join(s.split())


def _csv(name: str) -> list[dict[str, str]]:
    src = resources.files("cscwatch") / "data" / "lookups" / name
    with src.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@lru_cache(maxsize=1)
def la_lookup() -> dict[str, LocalAuthority]:
    """Every known spelling (as :func:`name_key`) -> its authority.

    The spellings come from the provider lookup and from ``la_aliases.csv``, the list of extra
    spellings that :mod:`cscwatch.identity` reads too (one list for both). An alias naming an
    authority the provider lookup lacks (pre-2019 Bournemouth, 837) adds that authority, with a
    blank ONS code like the lookup's own defunct rows, before the lookup's spellings so that
    'Bournemouth' never falls to BCP's alias list.
    """
    rows = _csv("d2i_provider_data_lookup.csv")
    extra = _csv("la_aliases.csv")
    out: dict[str, LocalAuthority] = {}
    by_code = {r["la_code"].strip(): r["local_authority_ons_name"].strip() for r in rows}
    for a in extra:
        if a["la_code_old"] not in by_code:
            out[name_key(a["alias"])] = LocalAuthority(a["alias"].strip(), a["la_code_old"], "")
    authorities: dict[str, LocalAuthority] = {}
    for row in rows:
        name = row["local_authority_ons_name"].strip()
        la = LocalAuthority(name, row["la_code"].strip(), row["la_code_new"].strip())
        authorities[la.code_old] = la
        spellings = [name]
        aka = row.get("also_known_as", "").strip().strip("[]")
        if aka:  # a comma list whose items can hold commas themselves: keep the whole and the parts
            spellings += [aka] + [a.strip() for a in aka.split(",") if a.strip()]
        scrape = row.get("ofsted_ilacs_scrape_la_name", "").strip()
        if scrape and not scrape.isdigit():
            spellings.append(scrape)
        m = re.fullmatch(r"(.+), (City|County) of", name)
        if m:  # "Bristol, City of" is printed "City of Bristol" or just "Bristol"
            spellings += [m.group(1), f"{m.group(2)} of {m.group(1)}"]
        if name.endswith(" Borough"):  # "Bedford Borough" is printed "Bedford Borough Council" or "Bedford"
            spellings.append(name[: -len(" Borough")])
        for sp in spellings:
            out.setdefault(name_key(sp), la)
    for a in extra:
        if a["la_code_old"] in authorities:
            out.setdefault(name_key(a["alias"]), authorities[a["la_code_old"]])
    return out


def _candidates(key: str):
    """The key, then versions with administrative words peeled off the end and the start."""
    words = key.split()
    seen = set()
    # every (leading cut, trailing cut) pair where the cut words are all administrative
    lead_cuts = [0]
    while lead_cuts[-1] < len(words) and words[lead_cuts[-1]] in _LEADING:
        lead_cuts.append(lead_cuts[-1] + 1)
    trail_cuts = [len(words)]
    while trail_cuts[-1] > 0 and words[trail_cuts[-1] - 1] in _TRAILING:
        trail_cuts.append(trail_cuts[-1] - 1)
    for total in range(len(lead_cuts) + len(trail_cuts)):
        for i, a in enumerate(lead_cuts):
            j = total - i
            if 0 <= j < len(trail_cuts):
                b = trail_cuts[j]
                if a < b:
                    cand = " ".join(words[a:b])
                    if cand not in seen:
                        seen.add(cand)
                        yield cand


def match_la(printed: str) -> LocalAuthority:
    """The authority a printed name refers to; raises UnknownLocalAuthority if none does."""
    lookup = la_lookup()
    key = name_key(printed)
    for cand in _candidates(key):
        la = lookup.get(cand)
        if la is not None:
            return la
    raise UnknownLocalAuthority(" ".join(printed.split()))
