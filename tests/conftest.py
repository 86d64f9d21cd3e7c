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


@pytest.fixture(scope="session")
def built_store(tmp_path_factory):
    """A store built once per session from the bundled data with ``build_all`` (register + warehouse).

    Read-mostly: tests must not write to it. Path in ``built_store.path`` for CLI tests.
    """
    from cscwatch.build import build_all
    from cscwatch.store import Store

    s = Store(tmp_path_factory.mktemp("built") / "built.duckdb")
    summary = build_all(s)
    assert summary.ok, summary.errors
    yield s
    s.close()
