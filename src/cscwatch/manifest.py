"""Check the bundled data against ``MANIFEST.csv`` before anything is loaded from it.

Every bundled file is listed with its SHA-256 (and its source, publication and licence). A build
first checks each file it will read: a file that is missing, truncated, re-encoded or edited no
longer matches and the build stops with one line naming it, before a single row is loaded.
"""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from cscwatch.errors import SourceFormatError

MANIFEST_NAME = "MANIFEST.csv"
FIELDS = ("path", "source", "publication", "licence", "sha256", "transform")


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB chunks (the one hashing helper)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_manifest(data_dir: Path) -> dict[str, dict[str, str]]:
    """The manifest rows by bundled path (relative to ``data_dir``)."""
    path = data_dir / MANIFEST_NAME
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if tuple(reader.fieldnames or ()) != FIELDS:
                raise SourceFormatError(path, f"header must be {','.join(FIELDS)}", row=1)
            return {r["path"]: r for r in reader}
    except FileNotFoundError:
        raise SourceFormatError(path, "missing: every bundled data folder carries its manifest") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SourceFormatError(path, f"cannot be read ({exc})") from None


def verify(data_dir: Path, paths: list[str] | None = None) -> int:
    """Raise :class:`SourceFormatError` naming the first bundled file that does not match its manifest
    row (``paths``: only these, default every listed file); returns how many files were checked."""
    rows = read_manifest(data_dir)
    wanted = paths if paths is not None else sorted(rows)
    for rel in wanted:
        target = data_dir / rel
        row = rows.get(rel)
        if row is None:
            raise SourceFormatError(target, f"not listed in {MANIFEST_NAME}")
        if not target.is_file():
            raise SourceFormatError(target, f"missing (listed in {MANIFEST_NAME})")
        digest = file_sha256(target)
        if digest != row["sha256"]:
            raise SourceFormatError(target, f"does not match {MANIFEST_NAME} (SHA-256 {digest[:12]}…, expected "
                                            f"{row['sha256'][:12]}…): the bundled copy is damaged or was changed "
                                            "without refreshing the manifest")
    return len(wanted)
