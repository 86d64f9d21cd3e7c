"""One definition, two engines: Spark (local[2], one session for the run) gives DuckDB's figures."""
from __future__ import annotations

import json
import shutil

import pytest

from returns_helpers import SECRET, fill_identity, ingest_hand_built

pytestmark = pytest.mark.spark


@pytest.fixture(scope="session")
def spark():
    if not shutil.which("java"):
        pytest.skip("no Java: `make test` installs Debian's openjdk-17-jre-headless")
    from cscwatch.returns.engines import spark_session, stop_spark_session

    yield spark_session("local[2]")
    stop_spark_session()


@pytest.fixture(scope="module")
def mixed_store(tmp_path_factory):
    """The hand-built edge cases (LA 926) and synthetic returns (LA 352) in one store."""
    from test_returns_measures_known import CIN_2024, CIN_2025, SSDA903_2024, SSDA903_2025

    from cscwatch.returns.ingest import ingest
    from cscwatch.returns.synth import Targets, iter_synthetic_returns, write_return
    from cscwatch.store import Store

    tmp = tmp_path_factory.mktemp("spark")
    store = fill_identity(Store(tmp / "s.duckdb"))
    ingest_hand_built(store, tmp / "2024", "926", 2024, ssda903=SSDA903_2024, cin=CIN_2024)
    ingest_hand_built(store, tmp / "2025", "926", 2025, ssda903=SSDA903_2025, cin=CIN_2025)
    for ret in iter_synthetic_returns({"352": {y: Targets(population=8000) for y in (2024, 2025)}}, seed=2):
        write_return(tmp / "tree", ret)
    assert ingest(store, tmp / "tree", secret=SECRET).ok
    yield store
    store.close()


def test_both_engines_give_identical_results(spark, mixed_store):
    from cscwatch.returns.provisional import compute_measures

    def keyed(rows):
        return {(r["la_code_old"], r["year"], r["measure_id"]):
                (r["numerator"], r["denominator"], r["value"], r["suppressed"], r["suppression"]) for r in rows}

    duck = keyed(compute_measures(mixed_store, engine="duckdb"))
    sprk = keyed(compute_measures(mixed_store, engine="spark"))
    assert len(duck) == 4 * 30 and duck == sprk


def test_measures_command_runs_on_spark(spark, mixed_store, tmp_path):
    from typer.testing import CliRunner

    from cscwatch.cli import app

    mixed_store.con.execute("CHECKPOINT")
    copy = tmp_path / "copy.duckdb"
    shutil.copy(mixed_store.path, copy)
    runner = CliRunner()
    args = ["returns", "measures", "--la", "926", "--year", "2025", "--format", "json", "--db", str(copy)]
    on_spark = runner.invoke(app, args + ["--engine", "spark"])
    assert on_spark.exit_code == 0, on_spark.output
    on_duckdb = runner.invoke(app, args)
    assert json.loads(on_spark.stdout) == json.loads(on_duckdb.stdout)
