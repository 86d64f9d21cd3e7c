"""Maintainer tool: refresh the bundled statistics from ``../shared/data`` and their MANIFEST rows.

``python -m cscwatch.warehouse.bundle [SHARED_DATA_DIR]`` gzips each source file named in
``sources.py`` into ``src/cscwatch/data/`` (deterministic bytes: gzip mtime 0) and rewrites this
package's rows of ``data/MANIFEST.csv`` (other packages' rows are kept as they are). A normal
build never runs this: it reads the bundled copies only.
"""
from __future__ import annotations

import csv
import gzip
import io
import sys
from pathlib import Path

from cscwatch.manifest import file_sha256
from cscwatch.warehouse.sources import LOOKUPS, SOURCES

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
MANIFEST = DATA_DIR / "MANIFEST.csv"
MANIFEST_FIELDS = ("path", "source", "publication", "licence", "sha256", "transform")
OGL = "Open Government Licence v3.0"

#: Bundled for the web dashboard (maps): (bundled path, original, publication, transform)
GEO: tuple[tuple[str, str, str, str], ...] = (
    ("geo/local_authority_districts_boundaries.json.gz", "geo/local_authority_districts_boundaries.json",
     "ONS Local Authority Districts (May 2023) boundaries, generalised GeoJSON (pre-processed by data-to-insight)",
     "gzip of the original"),
)

#: Files whose licence says more than plain OGL (INVENTORY.md)
LICENCES = {
    "warehouse/ofsted_la_names.csv": "Open Government Licence v3.0 (Ofsted); names from the data-to-insight "
                                     "ILACS scrape: MIT",
    "geo/local_authority_districts_boundaries.json.gz": "Open Government Licence v3.0 (ONS boundaries; contains OS "
                                                        "data (c) Crown copyright and database right); repo MIT",
    "warehouse/iod2025_lad2024.csv.gz": "Open Government Licence v3.0 (MHCLG values; reshaped by Trafford Data Lab)",
}

OFSTED_NAME_FILES = (
    # (file, name column, code column, code kind)
    ("ofsted/ofsted_la_inspection_events_2009_2025.csv", "la_name", "old_la_code", "old_code"),
    ("ofsted/ofsted_la_in_year_inspections_and_visits_2022_23_to_2024_25.csv", "Local authority name",
     "old_la_code", "old_code"),
    ("ofsted/ofsted_ilacs_inspection_history_2018_2025.csv", "Local authority name", "Local authority area code",
     "ons_code"),
    ("ofsted/ofsted_la_inspections_as_at_31_march_2025.csv", "Local authority name", "Local authority area code",
     "ons_code"),
    ("ofsted/d2i_ilacs_scrape_latest_inspection_snapshots.csv", "local_authority", "la_code", "old_code"),
)


sha256 = file_sha256


def _write(target: Path, data: bytes, compress: bool) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if compress:
        buf = io.BytesIO()
        with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=9, filename="") as gz:
            gz.write(data)
        data = buf.getvalue()
    target.write_bytes(data)


def ofsted_names(shared: Path) -> bytes:
    """Every LA name spelling in the Ofsted files with the code the same row gives (derived)."""
    seen: set[tuple[str, str, str]] = set()
    for rel, name_col, code_col, kind in OFSTED_NAME_FILES:
        with open(shared / rel, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                name, code = (row.get(name_col) or "").strip(), (row.get(code_col) or "").strip()
                if name and code:
                    seen.add((name, code, kind))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["name", "code", "code_kind"])
    w.writerows(sorted(seen))
    return out.getvalue().encode()


def bundle(shared: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    items = [(s.path, s.original, s.publication, s.transform) for s in SOURCES]
    items += [(p, o, pub, "derived: distinct (name, code) pairs from the Ofsted files" if k == "ofsted_names"
               else ("gzip of the original" if p.endswith(".gz") else "byte copy"))
              for k, (p, o, pub) in LOOKUPS.items() if o is not None]
    items += list(GEO)
    for rel, original, publication, transform in items:
        target = DATA_DIR / rel
        data = ofsted_names(shared) if rel.endswith("ofsted_la_names.csv") else (shared / original).read_bytes()
        _write(target, data, rel.endswith(".gz"))
        rows.append({"path": rel, "source": f"../shared/data/{original}", "publication": publication,
                     "licence": LICENCES.get(rel, OGL), "sha256": sha256(target), "transform": transform})
    return rows


def update_manifest(rows: list[dict[str, str]]) -> None:
    """Replace this package's rows (warehouse/ and geo/) and keep everyone else's."""
    mine = {r["path"] for r in rows}
    kept: list[dict[str, str]] = []
    if MANIFEST.exists():
        with open(MANIFEST, newline="", encoding="utf-8") as fh:
            kept = [r for r in csv.DictReader(fh) if r["path"] not in mine
                    and not r["path"].startswith(("warehouse/", "geo/"))]
    with open(MANIFEST, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=MANIFEST_FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows(kept + rows)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    shared = Path(argv[0]) if argv else Path(__file__).resolve().parents[3].parent / "shared" / "data"
    rows = bundle(shared)
    update_manifest(rows)
    total = sum((DATA_DIR / r["path"]).stat().st_size for r in rows)
    print(f"bundled {len(rows)} files, {total / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
