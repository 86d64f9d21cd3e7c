"""Risk test fixtures: a small generated store (fast, everywhere) and the session's built store."""
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
    make_risk_store(s, n_las=40, seed=1)
    s.close()
    return path


@pytest.fixture
def synth_store(synth_path, tmp_path):
    """A private, writable copy of the generated store (tests may delete from it)."""
    path = tmp_path / "synth.duckdb"
    shutil.copy(synth_path, path)
    s = Store(path)
    yield s
    s.close()


@pytest.fixture(scope="session")
def synth_data(synth_path):
    """The risk data set built once from the generated store."""
    from cscwatch.risk.features import load_risk_data

    with Store(synth_path, read_only=True) as s:
        return load_risk_data(s)


@pytest.fixture(scope="session")
def real_store_path(request, tmp_path_factory) -> Path:
    """A copy of the store `cscwatch build` makes from the bundled data (the session's
    ``built_store``), or of $CSCWATCH_RISK_TEST_DB when set."""
    if os.environ.get("CSCWATCH_RISK_TEST_DB"):
        path = Path(os.environ["CSCWATCH_RISK_TEST_DB"])
    else:
        built = request.getfixturevalue("built_store")
        built.con.execute("CHECKPOINT")  # everything in the file, nothing left in the WAL
        path = built.path
    copy = tmp_path_factory.mktemp("risk-real") / "store.duckdb"
    shutil.copy(path, copy)
    return copy


@pytest.fixture(scope="session")
def synth_results(synth_data):
    """Three targets' backtests on the generated store, two seeds, few replicates (shared)."""
    from cscwatch.risk.backtest import Backtester

    bt = Backtester(synth_data, seeds=(0, 1))
    return {t: bt.run(t, n_boot=20) for t in ("any_inadequate", "inspected_12m", "inadequate_12m")}
