"""Risk test fixtures: a synthetic store (fast, everywhere) and the real built store (when present)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from cscwatch.fixtures.risk import make_risk_store
from cscwatch.store import Store



@pytest.fixture(scope="session")
def synth_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("risk") / "synth.duckdb"
    s = Store(path)
    make_risk_store(s, n_las=60, seed=1)
    s.close()
    return path


@pytest.fixture
def synth_store(synth_path, tmp_path):
    """A private copy of the synthetic store (tests may delete from it)."""
    path = tmp_path / "synth.duckdb"
    shutil.copy(synth_path, path)
    s = Store(path)
    yield s
    s.close()


@pytest.fixture(scope="session")
def real_store(request, tmp_path_factory):
    """A read-only copy of the store `cscwatch build` makes from the bundled data (the session's
    ``built_store``), or of $CSCWATCH_RISK_TEST_DB when set."""
    if os.environ.get("CSCWATCH_RISK_TEST_DB"):
        path = Path(os.environ["CSCWATCH_RISK_TEST_DB"])
    else:
        built = request.getfixturevalue("built_store")
        built.con.execute("CHECKPOINT")  # everything in the file, nothing left in the WAL
        path = built.path
    copy = tmp_path_factory.mktemp("risk-real") / "store.duckdb"
    shutil.copy(path, copy)
    s = Store(copy, read_only=True)
    if not (s.has_table("inspection") and s.has_table("observation")):
        s.close()
        pytest.fail(f"{path} lacks the register or warehouse tables")
    yield s
    s.close()
