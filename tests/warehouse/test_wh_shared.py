"""The bundled copies are faithful to the originals in ../shared, and stored cells match the originals."""
from __future__ import annotations

import csv
import gzip
import random

import pytest

from cscwatch.warehouse.bundle import GEO, ofsted_names
from cscwatch.warehouse.load import DATA_DIR
from cscwatch.warehouse.periods import normalise_period
from cscwatch.warehouse.sources import LOOKUPS, SOURCES
from cscwatch.warehouse.symbols import parse_cell

COPIES = [(s.path, s.original) for s in SOURCES] + [(p, o) for k, (p, o, _) in LOOKUPS.items() if k != "ofsted_names" and o is not None] \
    + [(p, o) for p, o, _, _ in GEO]


def content(rel: str) -> bytes:
    data = (DATA_DIR / rel).read_bytes()
    return gzip.decompress(data) if rel.endswith(".gz") else data


@pytest.mark.parametrize("bundled, original", COPIES, ids=[c[0] for c in COPIES])
def test_bundled_copy_equals_the_original(bundled, original, shared_dir):
    assert content(bundled) == (shared_dir / "data" / original).read_bytes()


def test_derived_ofsted_names_are_reproducible(shared_dir):
    assert content(LOOKUPS["ofsted_names"][0]) == ofsted_names(shared_dir / "data")


@pytest.mark.parametrize("src", [s for s in SOURCES if s.kind == "ees"], ids=lambda s: s.source_id)
def test_stored_cells_equal_the_original_file(src, shared_dir, built_store):
    with open(shared_dir / "data" / src.original, newline="", encoding="utf-8-sig") as fh:
        rows = [r for r in csv.DictReader(fh) if r["geographic_level"] == "Local authority"
                and all(r[c] == v for c, v in src.filters)]
    for row in random.Random(7).sample(rows, 25):
        period = normalise_period(row["time_period"], src.period_type).period
        for pick in src.picks:
            if not all(row[c] == v for c, v in pick.where):
                continue
            got = built_store.rows("SELECT value, status, source_id FROM observation WHERE la = ? AND period = ? "
                                   "AND measure_id = ?", [row["old_la_code"].strip(), period, pick.measure_id])
            assert len(got) == 1, (row["old_la_code"], period, pick.measure_id)
            if got[0]["source_id"] == src.source_id:
                assert (got[0]["value"], got[0]["status"]) == parse_cell(row[pick.column])
