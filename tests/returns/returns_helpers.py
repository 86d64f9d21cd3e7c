"""Helpers for the returns tests: a small store with LA identity and populations, a fixed secret,
and a helper that writes hand-built returns in DfE's formats and ingests them."""
from __future__ import annotations

from pathlib import Path

from cscwatch.store import Store

#: (la_code_old, la_code_new, la_name): real codes, made-up everything else.
LAS = (("926", "E10000020", "Norfolk"), ("352", "E08000003", "Manchester"), ("202", "E09000007", "Camden"))
POPULATION = 100_000.0
SECRET = bytes(range(32))


def fill_identity(store: Store, population: float = POPULATION) -> Store:
    from cscwatch.identity import normalise_name

    with store.transaction() as con:
        for code, ons, name in LAS:
            con.execute("INSERT INTO la (la_code_old, la_code_new, la_name, la_type) VALUES (?, ?, ?, 'county')",
                        [code, ons, name])
            for alias, kind in ((code, "old_code"), (ons, "ons_code"), (normalise_name(name), "name")):
                con.execute("INSERT INTO la_alias VALUES (?, ?, ?, 'test')", [alias, code, kind])
            for period in range(2015, 2026):
                con.execute("INSERT INTO observation VALUES (?, ?, ?, 'population_0_17', ?, NULL, 'population')",
                            [code, str(period), f"{period}-06-30", population])
    return store


def ingest_hand_built(store: Store, folder: Path, la: str, year: int, *, ssda903=None, cin=None):
    """Write ``ssda903`` ({table: rows}) and ``cin`` (children) under ``folder`` and ingest them."""
    from cscwatch.returns.ingest import ingest
    from cscwatch.returns.write import write_cin_xml, write_ssda903

    folder.mkdir(parents=True, exist_ok=True)
    if ssda903:
        write_ssda903(folder, ssda903)
    if cin is not None:
        write_cin_xml(folder / "cin.xml", la, year, cin)
    return ingest(store, folder, la=la, year=year, secret=SECRET)


def figures(store: Store, la: str, year: int) -> dict[str, dict]:
    """Unsuppressed figures by measure id for one LA and year (the known-answer tests' view)."""
    from cscwatch.returns.provisional import compute_measures

    return {r["measure_id"]: r for r in compute_measures(store, la=la, year=year)}
