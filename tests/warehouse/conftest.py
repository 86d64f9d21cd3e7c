"""Fixtures for the warehouse tests."""
from __future__ import annotations

from datetime import date

import pytest


@pytest.fixture
def small_store(store):
    """Five LAs in two regions, one lower-is-better measure over four years, two neighbour models."""
    con = store.con
    las = [("101", "Alpha", "E12000001"), ("102", "Beta", "E12000001"), ("103", "Gamma", "E12000001"),
           ("104", "Delta", "E12000002"), ("105", "Epsilon", "E12000002")]
    for code, name, region in las:
        con.execute("INSERT INTO la (la_code_old, la_name, region_code, la_type) VALUES (?, ?, ?, 'unitary')",
                    [code, name, region])
        con.execute("INSERT INTO la_alias VALUES (?, ?, 'name', 'test'), (?, ?, 'old_code', 'test')",
                    [name.lower(), code, code, code])
    con.execute("INSERT INTO la (la_code_old, la_name, la_type, valid_to) VALUES ('099', 'Oldshire', 'county', "
                "DATE '2020-03-31')")
    con.execute("INSERT INTO region VALUES ('E92000001', 'England', 'national'), ('E12000001', 'North', 'region'),"
                " ('E12000002', 'South', 'region')")
    con.execute("INSERT INTO measure (measure_id, title, unit, topic, polarity) VALUES "
                "('rr', 'Re-referrals', '%', 'Children in Need', 'low'), ('pop', 'Population', 'count', 'Context', NULL)")
    series = {  # 2021, 2022, 2023, 2024
        "101": [10, 11, 12, 20], "102": [20, 20, 21, 21], "103": [30, 29, 28, 21],
        "104": [15, 15, None, 40], "105": [25, 26, 27, None],
        "E92000001": [20, 20, 22, 25], "E12000001": [18, 19, 20, 21],
    }
    for la, vals in series.items():
        for year, v in zip(range(2021, 2025), vals):
            con.execute("INSERT INTO observation VALUES (?, ?, ?, 'rr', ?, ?, 'test')",
                        [la, str(year), date(year, 3, 31), v, "c" if v is None else None])
    con.execute("INSERT INTO observation VALUES ('099', '2019', DATE '2019-03-31', 'rr', 50, NULL, 'test'),"
                " ('099', '2024', DATE '2024-03-31', 'rr', NULL, 'z', 'test')")
    for model, nbrs in (("2025", {"101": ["102", "103", "104", "105"], "102": ["101", "103"]}),
                        ("2021", {"101": ["102", "103"]})):
        for la, ns in nbrs.items():
            for r, n in enumerate(ns, start=1):
                con.execute("INSERT INTO stat_neighbour VALUES (?, ?, ?, ?, 'close')", [model, la, n, r])
    return store
