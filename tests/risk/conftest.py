"""Risk test fixtures: a synthetic store (fast, everywhere) and the real built store (when present)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cscwatch.fixtures.risk import make_risk_store
from cscwatch.store import Store

REPO = Path(__file__).resolve().parents[2]


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
    """The store `cscwatch build` made from the bundled data: the warehouse helper's ``built_store``
    fixture when the suite has one, else a copy of ``var/dev.duckdb`` or ``var/cscwatch.duckdb``."""
    if "built_store" in request.fixturenames or _has_fixture(request, "built_store"):
        built = request.getfixturevalue("built_store")
        path = Path(getattr(built, "path", built))
    else:
        path = next((p for p in (REPO / "var" / "dev.duckdb", REPO / "var" / "cscwatch.duckdb") if p.exists()), None)
        if path is None:
            pytest.skip("no built store: run `cscwatch build` first")
    copy = tmp_path_factory.mktemp("risk-real") / "store.duckdb"
    shutil.copy(path, copy)
    s = Store(copy, read_only=True)
    if not (s.has_table("inspection") and s.has_table("observation")):
        s.close()
        pytest.skip(f"{path} lacks the register or warehouse tables")
    yield s
    s.close()


def _has_fixture(request, name: str) -> bool:
    try:
        return name in request._fixturemanager._arg2fixturedefs
    except AttributeError:  # pragma: no cover - pytest internals moved
        return False
