"""One local authority identity: every name and code of England's children's services authorities, over time.

The DfE 3-digit number (``la_code_old``, text, never cast) is the key: it survives ONS recoding
(Buckinghamshire, North Yorkshire, Somerset, Barnsley, Sheffield keep theirs). Everything here is
built from bundled data, never from code branches:

* ``warehouse/la_code_history.csv.gz`` (every code and name in the EES files), the LAIT code
  list, the statistical-neighbour files and Ofsted's spellings give the authorities and names;
* ``lookups/la_lineage.csv`` says who went where in every reorganisation (predecessor, successor,
  effective date, kind), the one place these facts live; ``warehouse/la_boundary_and_code_changes.csv``
  (the evidence list) adds the codes and names each side had;
* ``lookups/la_aliases.csv`` holds the spellings no source carries ('Hull', 'BCP Council', 'Newcastle').

:func:`identity_tables` turns them into the store's ``la``, ``la_alias``, ``la_lineage``,
``la_group`` and ``region`` tables (:func:`load_identity` writes them). A :class:`Directory` over
those rows answers every question about an LA: :meth:`Directory.resolve` (any name or code, as
typed by a user, case- and punctuation-blind, 'City of'/'Borough of'/'Council' ignored, one-letter
typos forgiven when only one authority is that close), :meth:`Directory.exists` (on a date),
:meth:`Directory.group` (predecessors and successors share one key) and
:meth:`Directory.history_codes`. Every CLI command, page, API route, the register and the risk
model resolve through :func:`resolve_la` / :func:`directory`.

Lineage kinds: ``merger`` (the whole predecessor joins the successor), ``split`` (the predecessor
is divided; each successor inherits its history) and ``part`` (only part of the predecessor's
area moved, e.g. Christchurch from Dorset county into BCP: no history is inherited).
"""
from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from cscwatch.errors import SourceFormatError, StoreNotBuilt, UnknownLocalAuthority
from cscwatch.store import Store

ENGLAND = "E92000001"

#: LAIT area codes for England and regions -> (ONS code, name, level)
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
REGION_BY_NAME = {v[1].lower(): v[0] for v in LAIT_AREAS.values()}
REGION_BY_NAME.update({"london (inner)": "E13000001", "london (outer)": "E13000002"})

#: Ofsted's eight regions (DOMAIN.md §1.8) by ONS region code.
OFSTED_REGION = {
    "E12000001": "North East, Yorkshire and the Humber", "E12000003": "North East, Yorkshire and the Humber",
    "E12000002": "North West", "E12000004": "East Midlands", "E12000005": "West Midlands",
    "E12000006": "East of England", "E12000007": "London", "E13000001": "London", "E13000002": "London",
    "E12000008": "South East", "E12000009": "South West",
}

LA_TYPES = {"E06": "unitary", "E08": "metropolitan", "E09": "london_borough", "E10": "county"}
LINEAGE_KINDS = ("merger", "split", "part")

#: The bundled files identity is built from (paths under the package's ``data`` folder).
IDENTITY_FILES: dict[str, str] = {
    "la_code_history": "warehouse/la_code_history.csv.gz",
    "la_changes": "warehouse/la_boundary_and_code_changes.csv",
    "lait_la_codes": "warehouse/lait_la_code_list.csv",
    "stat_neighbours": "warehouse/dfe_statistical_neighbours_long.csv.gz",
    "ofsted_names": "warehouse/ofsted_la_names.csv",
    "la_aliases": "lookups/la_aliases.csv",
    "la_lineage": "lookups/la_lineage.csv",
}
IDENTITY_TABLES = ("la", "la_alias", "la_lineage", "la_group", "region")
FINGERPRINT_KEY = "build:identity"

_LEADING = ("royal borough of ", "london borough of ", "metropolitan borough of ", "borough of ",
            "city and county of ", "the ")
_TRAILING = (" city of", " county of", " city council", " county council", " borough council",
             " metropolitan borough council", " council", " borough", " pre lg", " unitary", " county",
             " children s services", " childrens services", " local authority")
#: Words a user or a printed heading may add around a name ('Council of the Isles of Scilly').
_ADMIN_WORDS = {"the", "london", "royal", "metropolitan", "borough", "of", "city", "county", "council",
                "district", "unitary", "authority", "local", "corporation", "and", "childrens", "children",
                "services", "la"}
MAX_QUERY = 120


def data_dir() -> Path:
    """The bundled data folder inside the installed package."""
    return Path(str(resources.files("cscwatch") / "data"))


@lru_cache(maxsize=8192)
def normalise_name(text: str) -> str:
    """Fold an LA name to its alias key: lower case, '&' -> 'and', no punctuation, admin words peeled.

    'Bristol, City of' -> 'bristol'; 'Telford & Wrekin' -> 'telford and wrekin';
    'St. Helens' -> 'st helens'; 'Bournemouth (Pre LG)' -> 'bournemouth'.
    """
    t = text.lower().replace("&", " and ").replace("\u2019", "'")
    t = re.sub(r"[.,'()\-/:;\"]", " ", t)
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


def name_candidates(text: str) -> list[str]:
    """Alias keys to try for ``text``: the whole name, then with administrative words peeled off
    either end one at a time ('Metropolitan Borough of Rotherham Council' -> 'rotherham')."""
    words = normalise_name(text).split()
    lead = [0]
    while lead[-1] < len(words) and words[lead[-1]] in _ADMIN_WORDS:
        lead.append(lead[-1] + 1)
    trail = [len(words)]
    while trail[-1] > 0 and words[trail[-1] - 1] in _ADMIN_WORDS:
        trail.append(trail[-1] - 1)
    out: list[str] = []
    for total in range(len(lead) + len(trail)):
        for i, a in enumerate(lead):
            j = total - i
            if 0 <= j < len(trail) and a < trail[j]:
                key = normalise_name(" ".join(words[a:trail[j]]))
                if key and key not in out:
                    out.append(key)
    return out


def code_key(text: str) -> str | None:
    """A DfE number ('926', '926.0') or ONS code ('e10000020') in alias form, or None for a name."""
    t = text.strip().upper()
    if re.fullmatch(r"\d{3}(\.0+)?", t):
        return t[:3]
    if re.fullmatch(r"E\d{8}", t):
        return t
    return None


# ---------------------------------------------------------------------------------------------
# Building the tables from the bundled files
# ---------------------------------------------------------------------------------------------

def _read_csv(path: Path) -> list[dict[str, str]]:
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except UnicodeDecodeError:
        head = path.read_bytes()[:2] if path.suffix != ".gz" else b""
        why = "is UTF-16 encoded; save it as UTF-8" if head in (b"\xff\xfe", b"\xfe\xff") else "is not valid UTF-8"
        raise SourceFormatError(path, why) from None
    except (OSError, EOFError, csv.Error) as exc:
        raise SourceFormatError(path, f"cannot be read ({type(exc).__name__}: {exc})") from None
    if rows and None in rows[-1]:
        raise SourceFormatError(path, "last row has more fields than the header", row=len(rows) + 1)
    for i, row in enumerate(rows, start=2):
        if any(v is None for v in row.values()):
            raise SourceFormatError(path, "row has fewer fields than the header (file truncated?)", row=i)
    return rows


def _split(cell: str) -> list[str]:
    return [p.strip() for p in (cell or "").split(";") if p.strip()]


def _lineage(rows: list[dict[str, str]], path: Path) -> list[dict[str, Any]]:
    """The reorganisation pairs of ``la_lineage.csv``, checked."""
    out = []
    for line, r in enumerate(rows, start=2):
        if r["kind"] not in LINEAGE_KINDS:
            raise SourceFormatError(path, f"kind {r['kind']!r} is not one of {', '.join(LINEAGE_KINDS)}",
                                    row=line, column="kind")
        try:
            eff = date.fromisoformat(r["effective_date"])
        except ValueError:
            raise SourceFormatError(path, f"not an ISO date: {r['effective_date']!r}", row=line,
                                    column="effective_date") from None
        out.append({"predecessor": r["predecessor"].strip(), "successor": r["successor"].strip(),
                    "effective_date": eff, "kind": r["kind"]})
    return out


def identity_tables(folder: Path | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every identity table as rows, from the bundled files under ``folder`` (default: the package's)."""
    base = folder or data_dir()
    paths = {k: base / v for k, v in IDENTITY_FILES.items()}
    hist = _read_csv(paths["la_code_history"])
    changes = _read_csv(paths["la_changes"])
    lait = _read_csv(paths["lait_la_codes"])
    sn = _read_csv(paths["stat_neighbours"])
    ofsted = _read_csv(paths["ofsted_names"])
    extra = _read_csv(paths["la_aliases"])
    lineage = _lineage(_read_csv(paths["la_lineage"]), paths["la_lineage"])

    latest: dict[str, dict[str, str]] = {}
    for r in sorted(hist, key=lambda r: (r["old_la_code"], int(r["last_time_period"]), int(r["first_time_period"]))):
        latest[r["old_la_code"]] = r
    la: dict[str, dict[str, Any]] = {}
    groups: list[dict[str, str]] = []
    for code, r in latest.items():
        shared = " / " in code
        la[code] = {"la_code_old": code, "la_code_new": r["new_la_code"] or None, "la_name": r["la_name"],
                    "region_code": r["region_code"] or None, "region_name": r["region_name"] or None,
                    "ofsted_region": OFSTED_REGION.get(r["region_code"]),
                    "la_type": "shared_service" if shared else LA_TYPES.get(r["new_la_code"][:3]),
                    "valid_from": None, "valid_to": None}
        if shared:
            groups += [{"group_code": code, "member": m.strip()} for m in code.split("/")]
    for r in lait:
        code, name, region = r["LA Number"].strip(), r["LA Name"], r["Region"]
        if code in LAIT_AREAS or code in la or not re.fullmatch(r"\d{3}", code):
            continue
        region_code = REGION_BY_NAME.get(region.lower())
        la[code] = {"la_code_old": code, "la_code_new": None, "la_name": re.sub(r"\s*\(Pre LG\)", "", name),
                    "region_code": region_code, "region_name": region or None,
                    "ofsted_region": OFSTED_REGION.get(region_code), "la_type": None,
                    "valid_from": None, "valid_to": None}

    for r in lineage:
        if r["predecessor"] in la:
            la[r["predecessor"]]["valid_to"] = r["effective_date"] - timedelta(days=1)
        if r["successor"] in la:
            la[r["successor"]]["valid_from"] = r["effective_date"]

    aliases: dict[tuple[str, str], dict[str, str]] = {}

    def add(alias: str, code: str, kind: str, source: str) -> None:
        key = normalise_name(alias) if kind == "name" else alias.strip().upper()
        if key and code in la:
            aliases.setdefault((key, code), {"alias": key, "la_code_old": code, "kind": kind, "source": source})

    for code, row in la.items():
        add(code, code, "old_code", "la")
        add(row["la_name"], code, "name", "la")
        if row["la_code_new"]:
            add(row["la_code_new"], code, "ons_code", "la")
    for r in hist:
        add(r["la_name"], r["old_la_code"], "name", "ees")
        if r["new_la_code"]:
            add(r["new_la_code"], r["old_la_code"], "ons_code", "ees")
    for r in changes:
        for codes, news, names in (("predecessor_old_la_code", "predecessor_new_la_code", "predecessor_la_name"),
                                   ("successor_old_la_code", "successor_new_la_code", "successor_la_name")):
            for c, n in zip(_split(r[codes]), _split(r[news])):
                add(n, c, "ons_code", "la_changes")
            for c, nm in zip(_split(r[codes]), _split(r[names])):
                add(nm, c, "name", "la_changes")
    for r in lait:
        add(r["LA Name"], r["LA Number"].strip(), "name", "lait")
    for r in sn:
        add(r["la_name"], r["la_code"], "name", "stat_neighbours")
        add(r["neighbour_la_name"], r["neighbour_la_code"], "name", "stat_neighbours")
        if r["la_new_code"]:
            add(r["la_new_code"], r["la_code"], "ons_code", "stat_neighbours")
    ons_to_old = {a["alias"]: a["la_code_old"] for a in aliases.values() if a["kind"] == "ons_code"}
    for r in ofsted:
        code = r["code"] if r["code_kind"] == "old_code" else ons_to_old.get(r["code"].upper())
        if code:
            add(r["name"], code, "name", "ofsted")
    for line, r in enumerate(extra, start=2):
        if r["la_code_old"] not in la:
            raise SourceFormatError(paths["la_aliases"], f"unknown DfE code {r['la_code_old']!r}", row=line,
                                    column="la_code_old")
        add(r["alias"], r["la_code_old"], "name", "cscwatch")

    regions = [{"region_code": v[0], "region_name": v[1], "level": v[2]} for v in LAIT_AREAS.values()]
    return {"la": list(la.values()), "la_alias": list(aliases.values()), "la_lineage": lineage,
            "la_group": groups, "region": regions}


def fingerprint(folder: Path | None = None) -> str:
    """SHA-256 over the identity files and this module, so new data or logic is never a no-op."""
    base = folder or data_dir()
    h = hashlib.sha256(Path(__file__).read_bytes())
    for key in sorted(IDENTITY_FILES):
        h.update(key.encode())
        h.update((base / IDENTITY_FILES[key]).read_bytes())
    return h.hexdigest()


def write_identity(con: Any, tables: Mapping[str, list[dict[str, Any]]]) -> None:
    """Replace the identity tables inside the caller's transaction."""
    import pandas as pd

    for name in IDENTITY_TABLES:
        con.execute(f"DELETE FROM {name}")
        rows = tables[name]
        if not rows:
            continue
        frame = pd.DataFrame(rows)
        con.register("_identity_rows", frame)
        cols = ", ".join(f'"{c}"' for c in frame.columns)
        con.execute(f"INSERT INTO {name} ({cols}) SELECT {cols} FROM _identity_rows")
        con.unregister("_identity_rows")


def load_identity(store: Store, folder: Path | None = None, *, force: bool = False) -> bool:
    """Write the identity tables when the bundled files changed; True when they were (re)written."""
    digest = fingerprint(folder)
    recorded = store.scalar("SELECT sha256 FROM source_file WHERE source_id = ?", [FINGERPRINT_KEY])
    if not force and recorded == digest and store.scalar("SELECT count(*) FROM la"):
        return False
    tables = identity_tables(folder)
    from datetime import datetime

    with store.transaction() as con:
        write_identity(con, tables)
        con.execute("DELETE FROM source_file WHERE source_id = ?", [FINGERPRINT_KEY])
        con.execute("INSERT INTO source_file VALUES (?, 'identity', ?, ?, ?, 'loaded', NULL)",
                    [FINGERPRINT_KEY, digest, datetime.now(), len(tables["la"])])
    store.__dict__.pop("_directory", None)
    return True


# ---------------------------------------------------------------------------------------------
# The directory: every question about an LA, answered from the rows
# ---------------------------------------------------------------------------------------------

@dataclass
class Directory:
    """LAs, aliases and lineage in memory; built once per store (see :func:`directory`)."""

    las: dict[str, dict[str, Any]]
    aliases: dict[str, list[str]]                      # alias key -> la codes
    lineage: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        parent = {c: c for c in self.las}

        def find(c: str) -> str:
            while parent.setdefault(c, c) != c:
                parent[c] = parent[parent[c]]
                c = parent[c]
            return c

        for r in self.lineage:
            if r["kind"] != "part":
                a, b = find(r["predecessor"]), find(r["successor"])
                parent[max(a, b)] = min(a, b)
        self._group = {c: find(c) for c in list(parent)}
        self._names = [k for k, codes in self.aliases.items() if not code_key(k)]

    @classmethod
    def from_rows(cls, las: Iterable[dict[str, Any]], aliases: Iterable[dict[str, Any]],
                  lineage: Iterable[dict[str, Any]]) -> Directory:
        by_alias: dict[str, list[str]] = {}
        for a in aliases:
            by_alias.setdefault(a["alias"], []).append(a["la_code_old"])
        return cls({r["la_code_old"]: dict(r) for r in las}, by_alias, list(lineage))

    # -- questions -------------------------------------------------------------------------
    def get(self, code: str) -> dict[str, Any] | None:
        return self.las.get(code)

    def exists(self, code: str, on: date) -> bool:
        """Whether the authority existed on ``on`` (unknown codes are taken to exist)."""
        r = self.las.get(code)
        if r is None:
            return True
        return (r["valid_from"] is None or r["valid_from"] <= on) and (r["valid_to"] is None or on <= r["valid_to"])

    def group(self, code: str) -> str:
        """One key shared by an LA, its predecessors and successors (not across 'part' transfers)."""
        return self._group.get(code, code)

    def predecessors(self, code: str) -> list[str]:
        """Every authority whose history this one inherits, oldest links first (never 'part')."""
        out: list[str] = []
        todo = [code]
        while todo:
            c = todo.pop()
            for r in self.lineage:
                if r["successor"] == c and r["kind"] != "part" and r["predecessor"] not in out:
                    out.append(r["predecessor"])
                    todo.append(r["predecessor"])
        return sorted(out)

    def history_codes(self, code: str) -> list[str]:
        """An LA's code after its predecessors' (a successor's history starts with theirs)."""
        return self.predecessors(code) + [code]

    def resolve(self, text: str, *, on: date | None = None, source: str | None = None) -> dict[str, Any]:
        """The ``la`` row a name or code refers to; ``on`` picks between authorities sharing a name
        (Dorset county 835 until March 2019, Dorset unitary 838 after; default: the current one)."""
        raw = " ".join(str(text or "").split())
        if not raw:
            raise UnknownLocalAuthority(str(text or ""), source=source)
        if len(raw) > MAX_QUERY:
            raise UnknownLocalAuthority(raw[:40] + "…", source=source)
        for key in (code_key(raw), raw.upper()):       # a code, or a shared-service unit '940 / 941'
            if key and key in self.aliases:
                return self._pick(self.aliases[key], on)
        for cand in name_candidates(raw):
            if cand in self.aliases:
                return self._pick(self.aliases[cand], on)
        typo = self._typo(normalise_name(raw))
        if typo:
            return self._pick(typo, on)
        raise UnknownLocalAuthority(raw, source=source, suggestions=[r["la_name"] for r in self.search(raw, 3)])

    def search(self, query: str, limit: int = 20, *, min_score: float = 60.0) -> list[dict[str, Any]]:
        """Authorities ranked by how well their names or codes match ``query`` (typo-tolerant);
        each row is the ``la`` row plus ``score`` in 0–1. Shared-service units are left out."""
        from rapidfuzz import fuzz, process

        q = " ".join(str(query or "").split())[:MAX_QUERY]
        if not q:
            return []
        key = code_key(q)
        if key and key in self.aliases:
            best = {c: 100.0 for c in self.aliases[key]}
        else:
            best = {}
            norm = normalise_name(q)
            for alias, score, _ in process.extract(norm, self._names, scorer=fuzz.WRatio, limit=60,
                                                   score_cutoff=min_score):
                for c in self.aliases[alias]:
                    s = 100.0 if alias == norm else score
                    best[c] = max(best.get(c, 0.0), s)
        rows = [dict(self.las[c], score=round(s / 100, 3)) for c, s in best.items()
                if c in self.las and self.las[c]["la_type"] != "shared_service"]
        rows.sort(key=lambda r: (-r["score"], r["valid_to"] is not None, r["la_name"], r["la_code_old"]))
        return rows[:limit]

    # -- internals -------------------------------------------------------------------------
    def _typo(self, key: str) -> list[str] | None:
        """The one authority within one edit (two for long names) of ``key``, else None."""
        from rapidfuzz.distance import DamerauLevenshtein
        from rapidfuzz import process

        if len(key) < 5:
            return None
        limit = 1 if len(key) < 10 else 2
        hits = process.extract(key, self._names, scorer=DamerauLevenshtein.distance, score_cutoff=limit,
                               limit=20)
        if not hits:
            return None
        best = min(d for _, d, _ in hits)
        codes = {c for alias, d, _ in hits if d == best for c in self.aliases[alias]}
        groups = {self.group(c) for c in codes}
        return sorted(codes) if len(groups) == 1 else None

    def _pick(self, codes: list[str], on: date | None) -> dict[str, Any]:
        def valid(c: str) -> bool:
            r = self.las[c]
            if on is None:
                return r["valid_to"] is None
            return self.exists(c, on)

        known = [c for c in codes if c in self.las]
        best = sorted(known, key=lambda c: (not valid(c), self.las[c]["la_type"] == "shared_service", c))[0]
        return dict(self.las[best])


@lru_cache(maxsize=1)
def bundled_directory() -> Directory:
    """The directory straight from the bundled files (for code that runs without a store)."""
    t = identity_tables()
    return Directory.from_rows(t["la"], t["la_alias"], t["la_lineage"])


def directory(store: Store) -> Directory:
    """The directory of ``store`` (built once per open store), or the bundled one when the store has
    no identity tables yet (e.g. reports ingested before the first ``cscwatch build``)."""
    cached = store.__dict__.get("_directory")
    if cached is not None:
        return cached
    if not store.has_table("la") or not store.scalar("SELECT count(*) FROM la"):
        return bundled_directory()
    d = Directory.from_rows(store.rows("SELECT * FROM la"), store.rows("SELECT alias, la_code_old FROM la_alias"),
                            store.rows("SELECT * FROM la_lineage") if store.has_table("la_lineage") else [])
    if store.read_only:
        store.__dict__["_directory"] = d
    return d


def resolve_la(store: Store, text: str, *, on: date | None = None, source: str | None = None) -> dict[str, Any]:
    """The ``la`` row (a dict) for a name or code typed by a user or printed by a source."""
    return directory(store).resolve(text, on=on, source=source)


def la_name(store: Store, code: str) -> str | None:
    r = directory(store).get(code)
    return r["la_name"] if r else None


__all__ = ["Directory", "StoreNotBuilt", "bundled_directory", "directory", "identity_tables", "load_identity",
           "name_candidates", "normalise_name", "resolve_la"]
