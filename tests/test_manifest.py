"""Every bundled data file is listed in data/MANIFEST.csv with its true SHA-256; the data stays small."""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "src" / "cscwatch" / "data"
FIELDS = ["path", "source", "publication", "licence", "sha256", "transform"]
MAX_BYTES = 30_000_000


def manifest() -> list[dict[str, str]]:
    with open(DATA / "MANIFEST.csv", newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == FIELDS
        return list(reader)


def bundled_files() -> list[Path]:
    return sorted(p for p in DATA.rglob("*") if p.is_file() and p.name != "MANIFEST.csv"
                  and "__pycache__" not in p.parts and p.suffix not in (".py", ".pyc"))


def test_every_bundled_file_is_listed_with_its_sha256():
    rows = {r["path"]: r for r in manifest()}
    unlisted = [p.relative_to(DATA).as_posix() for p in bundled_files() if p.relative_to(DATA).as_posix() not in rows]
    assert not unlisted, f"bundled files missing from MANIFEST.csv: {unlisted}"
    wrong = [path for path, r in rows.items()
             if not (DATA / path).is_file() or hashlib.sha256((DATA / path).read_bytes()).hexdigest() != r["sha256"]]
    assert not wrong, f"MANIFEST.csv rows whose file is missing or whose SHA-256 differs: {wrong}"


def test_manifest_rows_are_complete():
    for r in manifest():
        assert all(r[f].strip() for f in ("path", "source", "publication", "licence", "sha256")), r
        assert len(r["sha256"]) == 64


def test_data_stays_small():
    total = sum(p.stat().st_size for p in bundled_files())
    assert total < MAX_BYTES, f"bundled data is {total / 1e6:.1f} MB"
