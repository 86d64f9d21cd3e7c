"""A build never makes a good store worse (issue 10): damaged copies of each kind of bundled file give
one line naming the file, a non-zero exit, and a store byte-for-byte as it was.

Two layers of defence are tested separately: the check against MANIFEST.csv (a damaged file no longer
matches its SHA-256), and the loaders themselves (the manifest is refreshed to match the damage, as a
maintainer refreshing the bundle would, so only the loaders can catch it)."""
from __future__ import annotations

import csv
import gzip
import hashlib
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cscwatch.cli import app
from cscwatch.manifest import file_sha256
from cscwatch.warehouse.load import DATA_DIR

runner = CliRunner()


def _gunzip(path: Path) -> str:
    return gzip.decompress(path.read_bytes()).decode("utf-8")


def _gzip(path: Path, text: str) -> None:
    path.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))


def truncate_mid_row(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    cut = len("".join(lines[:-3])) + len(lines[-3]) // 2          # half way through the third-last row
    path.write_text(text[:cut], encoding="utf-8")


def text_in_numeric(path: Path) -> None:
    lines = _gunzip(path).splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    col = header.index("referral_count")
    for i in range(1, len(lines)):
        cells = lines[i].rstrip("\n").split(",")
        if len(cells) == len(header) and cells[2] == "Local authority":
            cells[col] = "twelve"
            lines[i] = ",".join(cells) + "\n"
            break
    _gzip(path, "".join(lines))


def missing_column(path: Path) -> None:
    rows = list(csv.reader(_gunzip(path).splitlines()))
    col = rows[0].index("rereferral_percent")
    out = [r[:col] + r[col + 1:] for r in rows]
    _gzip(path, "\n".join(",".join(f'"{c}"' if "," in c else c for c in r) for r in out) + "\n")


def truncated_gzip(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def utf16(path: Path) -> None:
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))


def bad_neighbour_rank(path: Path) -> None:
    lines = _gunzip(path).splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    col = header.index("rank")
    cells = lines[1].rstrip("\n").split(",")
    cells[col] = "first"
    lines[1] = ",".join(cells) + "\n"
    _gzip(path, "".join(lines))


DAMAGES = {
    "official Ofsted CSV truncated mid-row": ("ofsted/ofsted_la_inspection_events_2009_2025.csv", truncate_mid_row),
    "text in a numeric column": ("warehouse/cin_c1_referrals.csv.gz", text_in_numeric),
    "a missing column": ("warehouse/cin_c1_referrals.csv.gz", missing_column),
    "a truncated gzip": ("warehouse/cin_b1_children_in_need.csv.gz", truncated_gzip),
    "UTF-16": ("warehouse/la_boundary_and_code_changes.csv", utf16),
    "a non-numeric neighbour rank": ("warehouse/dfe_statistical_neighbours_long.csv.gz", bad_neighbour_rank),
}


@pytest.fixture(scope="module")
def built(built_store, tmp_path_factory):
    """A copy of the session's built store (checkpointed) and its SHA-256."""
    built_store.con.execute("CHECKPOINT")
    target = tmp_path_factory.mktemp("damage") / "store.duckdb"
    shutil.copy(built_store.path, target)
    return target, hashlib.sha256(target.read_bytes()).hexdigest()


def _damaged_copy(tmp_path: Path, rel: str, damage, refresh_manifest: bool) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data, ignore=shutil.ignore_patterns("__pycache__"))
    damage(data / rel)
    if refresh_manifest:
        manifest = data / "MANIFEST.csv"
        rows = list(csv.DictReader(manifest.open(encoding="utf-8", newline="")))
        for r in rows:
            if r["path"] == rel:
                r["sha256"] = file_sha256(data / rel)
        with manifest.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
    return data


@pytest.mark.parametrize("refresh_manifest", [False, True], ids=["manifest check", "loader check"])
@pytest.mark.parametrize("kind", list(DAMAGES))
def test_damaged_bundled_file_fails_the_build_and_keeps_the_store(kind, refresh_manifest, built, tmp_path):
    store, before = built
    rel, damage = DAMAGES[kind]
    data = _damaged_copy(tmp_path, rel, damage, refresh_manifest)
    result = runner.invoke(app, ["build", "--data", str(data), "--db", str(store)])
    assert result.exit_code == 1, result.output[-2000:]
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and Path(rel).name in errors[0], result.output[-2000:]
    assert "Traceback" not in result.output
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before
    assert not list(store.parent.glob(".*.updating*")), "the abandoned copy is cleaned up"
