"""Fixtures for the returns tests (helpers in ``returns_helpers``)."""
from __future__ import annotations

import pytest

from cscwatch.store import Store
from returns_helpers import fill_identity


@pytest.fixture
def rstore(tmp_path, monkeypatch) -> Store:
    monkeypatch.setenv("CSCWATCH_RETURNS_SECRET", str(tmp_path / "secret" / "returns.key"))
    s = fill_identity(Store(tmp_path / "returns.duckdb"))
    yield s
    s.close()
