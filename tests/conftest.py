"""Shared fixtures. Tests that need ../shared (real reports and statistics) skip cleanly without it."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CSCWATCH_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "reports").is_dir():
        pytest.skip(f"{SHARED} is absent: the real reports and statistics live there")
    return SHARED


@pytest.fixture
def store(tmp_path):
    from cscwatch.store import Store

    s = Store(tmp_path / "test.duckdb")
    yield s
    s.close()
