"""Local authority identity across boundary changes (DOMAIN.md §3.4).

The DfE 3-digit number (``la_code_old``) is the key: it survives ONS recoding (North Yorkshire,
Somerset, Buckinghamshire, Barnsley and Sheffield keep theirs). ``la`` holds every authority we
have figures for, current or defunct, with validity dates from the reorganisations; ``la_lineage``
links predecessors to successors; ``la_alias`` holds every name and code spelling seen in any
source (EES, LAIT, statistical neighbour files, the Ofsted files) in normalised form.

Comparing a successor with its predecessors (the rule, see docs/warehouse.md): a series is never
spliced across a split or merger. ``successor_history`` offers, for a successor, its own series
plus an optional *predecessor aggregate* for earlier years, population-weighted over the
predecessors and flagged ``estimated_from_predecessors``; a split (Northamptonshire -> North and
West) gives both successors the same county figure, flagged, because the county was not divided
in the data.
Shared-service workforce rows ('940 / 941', '314 / 318') are reporting units of their own
(``la_type = 'shared_service'``, members in ``la_group``); their figures are never copied to members.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from cscwatch.identity import normalise_name

ENGLAND = "E92000001"

#: LAIT area codes for England and regions -> ONS codes
LAIT_AREAS: dict[str, tuple[str, str, str]] = {
    "970": (ENGLAND, "England", "national"),
    "980": ("E12000001", "North East", "region"),
    "981": ("E12000002", "North West", "region"),
    "982": ("E12000003", "Yorkshire and The Humber", "region"),
    "983": ("E12000004", "East Midlands", "region"),
    "984": ("E12000005", "West Midlands", "region"),
    "985": ("E12000006", "East of England", "region"),
    "986": ("E12000007", "London", "region"),
    "987": ("E13000001", "Inner London", "sub_region"),
    "988": ("E13000002", "Outer London", "sub_region"),
    "989": ("E12000008", "South East", "region"),
    "990": ("E12000009", "South West", "region"),
}
REGION_BY_NAME = {normal: code for code, normal in ((v[0], v[1].lower()) for v in LAIT_AREAS.values())}
REGION_BY_NAME.update({"london (inner)": "E13000001", "london (outer)": "E13000002"})

OFSTED_REGION = {
    "E12000001": "North East, Yorkshire and the Humber", "E12000003": "North East, Yorkshire and the Humber",
    "E12000002": "North West", "E12000004": "East Midlands", "E12000005": "West Midlands",
    "E12000006": "East of England", "E12000007": "London", "E13000001": "London", "E13000002": "London",
    "E12000008": "South East", "E12000009": "South West",
}

#: Who went where in a many-to-many reorganisation (the change list gives only the two sides).
#: Dorset 2019: Bournemouth and Poole joined by Christchurch (from Dorset county) form BCP; the rest
#: of the county becomes the Dorset unitary.
REORGANISATION_PAIRS: dict[frozenset[str], tuple[tuple[str, str, str], ...]] = {
    frozenset({"835", "836", "837", "838", "839"}): (
        ("837", "839", "merger"), ("836", "839", "merger"), ("835", "839", "split"), ("835", "838", "split")),
}

LA_TYPES = {"E06": "unitary", "E08": "metropolitan", "E09": "london_borough", "E10": "county"}

#: Spellings no rule derives (normalised alias -> la_code_old)
EXTRA_ALIASES: dict[str, str] = {
    "hull": "810",
    "bcp": "839",
    "southend": "882",
    "durham": "840",
    "st helens": "342",
    "saint helens": "342",
    "bristol": "801",
    "herefordshire": "884",
    "kingston upon hull": "810",
    "bedford": "822",
    "telford": "894",
    "windsor and maidenhead": "868",
    "kensington and chelsea": "207",
    "north northants": "940",
    "west northants": "941",
}

def _split(cell: object) -> list[str]:
    return [p.strip() for p in str(cell).split(";") if p.strip()] if isinstance(cell, str) else []


def build_la_tables(paths: dict[str, Path]) -> dict[str, pd.DataFrame]:
    """All LA identity tables from the bundled lookups, as DataFrames keyed by table name.

    ``paths`` maps lookup keys of ``sources.LOOKUPS`` to the bundled files.
    """
    hist = pd.read_csv(paths["la_code_history"], dtype=str, keep_default_na=False)
    changes = pd.read_csv(paths["la_changes"], dtype=str, keep_default_na=False)
    lait = pd.read_csv(paths["lait_la_codes"], dtype=str, keep_default_na=False)
    sn = pd.read_csv(paths["stat_neighbours"], dtype=str, keep_default_na=False)
    ofsted = pd.read_csv(paths["ofsted_names"], dtype=str, keep_default_na=False)

    hist["last"] = hist["last_time_period"].astype(int)
    hist["first"] = hist["first_time_period"].astype(int)
    latest = (hist.sort_values(["old_la_code", "last", "first"])
              .groupby("old_la_code", as_index=False).last())
    la: dict[str, dict] = {}
    groups: list[dict] = []
    for r in latest.itertuples():
        code = r.old_la_code
        shared = " / " in code
        la[code] = {
            "la_code_old": code,
            "la_code_new": r.new_la_code,
            "la_name": r.la_name,
            "region_code": r.region_code or None,
            "region_name": r.region_name or None,
            "ofsted_region": OFSTED_REGION.get(r.region_code),
            "la_type": "shared_service" if shared else LA_TYPES.get(r.new_la_code[:3]),
            "valid_from": None,
            "valid_to": None,
        }
        if shared:
            groups += [{"group_code": code, "member": m.strip()} for m in code.split("/")]
    for r in lait.itertuples(index=False):
        code = str(r[0]).strip()
        if not code or code in LAIT_AREAS or code in la or not code.isdigit() or len(code) != 3:
            continue
        region_code = REGION_BY_NAME.get(str(r[2]).lower())
        la[code] = {"la_code_old": code, "la_code_new": None, "la_name": re.sub(r"\s*\(Pre LG\)", "", r[1]),
                    "region_code": region_code, "region_name": r[2] or None,
                    "ofsted_region": OFSTED_REGION.get(region_code), "la_type": None,
                    "valid_from": None, "valid_to": None}

    lineage: list[dict] = []
    for r in changes.itertuples():
        if not r.effective_date:
            continue                           # Barnsley/Sheffield: ONS recode only, handled as aliases
        eff = date.fromisoformat(r.effective_date)
        preds, succs = _split(r.predecessor_old_la_code), _split(r.successor_old_la_code)
        if preds == succs:
            continue                           # ONS recode, same DfE number: continuous series
        kind = "split" if len(preds) == 1 else ("merger" if len(succs) == 1 else "reorganisation")
        pairs = REORGANISATION_PAIRS.get(frozenset(preds) | frozenset(succs)) or \
            tuple((p, s, kind) for p in preds for s in succs)
        for p in preds:
            if p in la:
                la[p]["valid_to"] = eff - timedelta(days=1)
        for p, s, k in pairs:
            lineage.append({"predecessor": p, "successor": s, "effective_date": eff, "kind": k})
        for s in succs:
            if s in la:
                la[s]["valid_from"] = eff

    aliases: dict[tuple[str, str], dict] = {}

    def add(alias: str, code: str, kind: str, source: str) -> None:
        key = normalise_name(alias) if kind == "name" else alias.strip().upper()
        if key and code in la:
            aliases.setdefault((key, code), {"alias": key, "la_code_old": code, "kind": kind, "source": source})

    for code, row in la.items():
        add(code, code, "old_code", "la")
        add(row["la_name"], code, "name", "la")
        if row["la_code_new"]:
            add(row["la_code_new"], code, "ons_code", "la")
    for r in hist.itertuples():
        add(r.la_name, r.old_la_code, "name", "ees")
        if r.new_la_code:
            add(r.new_la_code, r.old_la_code, "ons_code", "ees")
    for r in changes.itertuples():
        for codes, news, names in ((r.predecessor_old_la_code, r.predecessor_new_la_code, r.predecessor_la_name),
                                   (r.successor_old_la_code, r.successor_new_la_code, r.successor_la_name)):
            for c, n in zip(_split(codes), _split(news)):
                add(n, c, "ons_code", "la_changes")
            for c, nm in zip(_split(codes), _split(names)):
                add(nm, c, "name", "la_changes")
    for r in lait.itertuples(index=False):
        add(str(r[1]), str(r[0]).strip(), "name", "lait")
    for r in sn.itertuples():
        add(r.la_name, r.la_code, "name", "stat_neighbours")
        add(r.neighbour_la_name, r.neighbour_la_code, "name", "stat_neighbours")
        if r.la_new_code:
            add(r.la_new_code, r.la_code, "ons_code", "stat_neighbours")
    ons_to_old = {a["alias"]: a["la_code_old"] for a in aliases.values() if a["kind"] == "ons_code"}
    for r in ofsted.itertuples():
        code = r.code if r.code_kind == "old_code" else ons_to_old.get(r.code.upper())
        if code:
            add(r.name, code, "name", "ofsted")
    for alias, code in EXTRA_ALIASES.items():
        add(alias, code, "name", "cscwatch")

    regions = {v[0]: {"region_code": v[0], "region_name": v[1], "level": v[2]} for v in LAIT_AREAS.values()}
    return {
        "la": pd.DataFrame(list(la.values())),
        "la_alias": pd.DataFrame(list(aliases.values())),
        "la_lineage": pd.DataFrame(lineage),
        "la_group": pd.DataFrame(groups),
        "region": pd.DataFrame(list(regions.values())),
    }


def region_for(code: str) -> str | None:
    """ONS region code for a LAIT England/region code ('970' -> 'E92000001')."""
    hit = LAIT_AREAS.get(code)
    return hit[0] if hit else None


def predecessors(lineage: Iterable[dict], la_code: str) -> list[dict]:
    """Lineage rows whose successor is ``la_code`` (pure, for tests and profiles)."""
    return [r for r in lineage if r["successor"] == la_code]


def successor_history(series: dict[str, dict[str, float | None]], population: dict[str, dict[str, float]],
                      lineage: Iterable[dict], la_code: str) -> list[dict]:
    """The documented comparison rule for a successor LA, as rows ``{period, value, basis}``.

    ``series`` and ``population`` map la_code -> period -> value. The successor's own periods come
    first-hand (``basis='own'``); for periods before it existed, the predecessors' values are
    combined, weighted by their 0-17 population in that period, and flagged
    ``basis='estimated_from_predecessors'``. Periods where any predecessor value or weight is
    missing are left out rather than guessed.
    """
    own = series.get(la_code, {})
    rows = [{"period": p, "value": v, "basis": "own"} for p, v in own.items()]
    preds = [r["predecessor"] for r in predecessors(lineage, la_code)]
    if not preds:
        return sorted(rows, key=lambda r: r["period"])
    periods = set().union(*(series.get(p, {}).keys() for p in preds)) - set(own)
    for period in periods:
        vals = [series.get(p, {}).get(period) for p in preds]
        weights = [population.get(p, {}).get(period) for p in preds]
        if any(v is None for v in vals) or any(w is None for w in weights) or not sum(weights):
            continue
        value = sum(v * w for v, w in zip(vals, weights)) / sum(weights)
        rows.append({"period": period, "value": value, "basis": "estimated_from_predecessors"})
    return sorted(rows, key=lambda r: r["period"])
