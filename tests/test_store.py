import pytest

from cscwatch.store import Store


def test_migrations_are_recorded_once(tmp_path):
    path = tmp_path / "s.duckdb"
    with Store(path) as s:
        first = s.rows("SELECT component, version FROM schema_migration ORDER BY 1, 2")
        assert ("register", 1) in {(r["component"], r["version"]) for r in first}
    with Store(path) as s:
        assert s.migrate() == []  # nothing pending on re-open
        assert s.rows("SELECT component, version FROM schema_migration ORDER BY 1, 2") == first


def test_transaction_rolls_back_on_error(store):
    store.con.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(RuntimeError):
        with store.transaction() as con:
            con.execute("INSERT INTO t VALUES (1)")
            raise RuntimeError("boom")
    assert store.scalar("SELECT count(*) FROM t") == 0
    with store.transaction() as con:
        con.execute("INSERT INTO t VALUES (2)")
        with store.transaction() as inner:  # nested joins the outer transaction
            inner.execute("INSERT INTO t VALUES (3)")
    assert store.scalar("SELECT sum(x) FROM t") == 5


def test_read_only_store_requires_a_built_file(tmp_path):
    from cscwatch.errors import StoreNotBuilt

    with pytest.raises(StoreNotBuilt, match="cscwatch build"):
        Store(tmp_path / "absent.duckdb", read_only=True)
