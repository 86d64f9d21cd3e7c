"""The commands as the issue spells them, accounts, and the plain-data contexts the lead wires in."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from cscwatch.cli import app

runner = CliRunner()


@pytest.fixture
def loaded(rstore, tmp_path):
    """A store holding synthetic returns for the three test LAs, 2024-2025, ingested through the CLI."""
    db = str(rstore.path)
    rstore.close()
    out = runner.invoke(app, ["returns", "synth", "--las", "2", "--years", "2", "--out", str(tmp_path / "tree"),
                              "--seed", "7", "--last-year", "2025", "--scale", "0.05", "--db", db])
    assert out.exit_code == 0, out.output
    out = runner.invoke(app, ["returns", "ingest", str(tmp_path / "tree"), "--db", db])
    assert out.exit_code == 0, out.output
    return db, tmp_path / "tree"


def test_synth_then_ingest_a_tree_then_measures_as_json(loaded):
    db, tree = loaded
    las = sorted(p.name for p in tree.iterdir())
    assert len(las) == 2 and all(sorted(q.name for q in (tree / la).iterdir()) == ["2024", "2025"] for la in las)
    out = runner.invoke(app, ["returns", "measures", "--format", "json", "--db", db])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    assert isinstance(rows, list) and rows
    assert {"la_code_old", "year", "measure_id", "value", "status"} <= set(rows[0])
    assert {r["la_code_old"] for r in rows} == set(las) and {r["year"] for r in rows} == {2024, 2025}
    assert {r["status"] for r in rows} == {"provisional"}
    assert all(r["value"] is None for r in rows if r["suppression"] == "c")
    one = json.loads(runner.invoke(app, ["returns", "measures", "--la", las[0], "--year", "2025", "--format",
                                         "json", "--db", db]).stdout)
    assert {(r["la_code_old"], r["year"]) for r in one} == {(las[0], 2025)}
    cla = next(r for r in one if r["measure_id"] == "cla_count")
    assert cla["value"] and cla["value"] >= 5


def test_ingest_a_single_return_with_la_and_year(rstore, tmp_path):
    from cscwatch.returns.synth import Targets, iter_synthetic_returns, write_return

    [ret] = iter_synthetic_returns({"202": {2025: Targets(population=3000)}}, seed=1)
    folder = write_return(tmp_path / "t", ret)
    db = str(rstore.path)
    rstore.close()
    out = runner.invoke(app, ["returns", "ingest", str(folder), "--la", "Camden", "--year", "2025", "--db", db,
                              "--format", "json"])
    assert out.exit_code == 0, out.output
    files = json.loads(out.stdout)
    assert {f["status"] for f in files} == {"loaded"} and {f["la_code_old"] for f in files} == {"202"}
    bad = runner.invoke(app, ["returns", "ingest", str(folder / "ssda903_header.csv"), "--la", "202", "--year",
                              "2019", "--db", db])
    assert bad.exit_code == 1 and "another year's file" in bad.output and "Traceback" not in bad.output


def test_compare_puts_provisional_beside_published(loaded):
    from cscwatch.returns.provisional import provisional_beside_published
    from cscwatch.store import Store

    db, tree = loaded
    la = sorted(p.name for p in tree.iterdir())[0]
    with Store(db) as store:
        store.con.execute("INSERT INTO observation VALUES (?, '2024', '2024-03-31', 'cla_count', 123, NULL, 'cla_rate')",
                          [la])
        ctx = provisional_beside_published(store, la)
    assert ctx["la_code_old"] == la and ctx["latest_year"] == 2025
    row = next(r for r in ctx["rows"] if r["measure_id"] == "cla_count" and r["period"] == "2024")
    assert row["published"] == 123 and row["difference"] == pytest.approx(row["provisional"] - 123, abs=0.05)
    assert next(r for r in ctx["rows"] if r["measure_id"] == "cla_count" and r["period"] == "2025")["published"] is None
    out = runner.invoke(app, ["returns", "compare", la, "--format", "json", "--db", db])
    assert out.exit_code == 0 and json.loads(out.stdout)["rows"]


def test_latest_provisional_as_of_a_date(loaded):
    from cscwatch.returns.provisional import latest_provisional
    from cscwatch.store import Store

    db, _ = loaded
    with Store(db, read_only=True) as store:
        now = latest_provisional(store)
        before = latest_provisional(store, date(2024, 12, 31))
        never = latest_provisional(store, date.today() - timedelta(days=1))
    assert now and {r["period"] for r in now} == {"2025"} and {r["status"] for r in now} == {"provisional"}
    assert {"la", "period", "period_end", "measure_id", "value", "status", "source_id", "available"} <= set(now[0])
    assert before == [] and never == []      # computed today: not known on earlier days


def test_remove_deletes_an_las_returns(loaded):
    from cscwatch.store import Store

    db, tree = loaded
    la = sorted(p.name for p in tree.iterdir())[0]
    out = runner.invoke(app, ["returns", "remove", "--la", la, "--db", db])
    assert out.exit_code == 0, out.output
    with Store(db, read_only=True) as store:
        assert store.scalar("SELECT count(*) FROM cla_episode WHERE la_code_old = ?", [la]) == 0
        assert store.scalar("SELECT count(*) FROM provisional_observation WHERE la = ?", [la]) == 0
        assert store.scalar("SELECT count(*) FROM cla_episode") > 0


def test_accounts_hash_passwords_and_gate_child_level_views(rstore):
    from cscwatch.returns.accounts import AccountError, PermissionDenied, add_user, authenticate, list_users
    from cscwatch.returns.views import child_issues_context

    add_user(rstore, "norfolk.analyst", "correct horse battery", la="Norfolk")
    add_user(rstore, "admin", "another long password")
    stored = rstore.scalar("SELECT password_hash FROM account WHERE username = 'admin'")
    assert stored.startswith("scrypt$") and "another" not in stored
    assert authenticate(rstore, "admin", "wrong password!!") is None
    assert authenticate(rstore, "nobody", "another long password") is None
    user = authenticate(rstore, "norfolk.analyst", "correct horse battery")
    assert user == {"username": "norfolk.analyst", "la_code_old": "926"}
    assert "password_hash" not in list_users(rstore)[0]
    with pytest.raises(AccountError, match="at least 12"):
        add_user(rstore, "x1", "short")
    with pytest.raises(AccountError, match="taken"):
        add_user(rstore, "admin", "another long password")
    with pytest.raises(PermissionDenied, match="need a login"):
        child_issues_context(rstore, None, "926", 2025)
    with pytest.raises(PermissionDenied, match="may not see LA 352"):
        child_issues_context(rstore, user, "Manchester", 2025)
    ctx = child_issues_context(rstore, user, "926", 2025)
    assert ctx["la_code_old"] == "926" and ctx["children"] == [] and ctx["summary"] == []


def test_child_issues_context_groups_issues_by_child(rstore):
    from cscwatch.returns.validate import ValidationReport, save_issues
    from cscwatch.returns.views import child_issues_context

    issue = {"la_code_old": "926", "year": 2025, "return_type": "ssda903", "child_key": "k1", "rule_code": "103",
             "severity": "error", "table_name": "Header", "columns": "ETHNIC", "row_no": 3, "message": "Ethnicity",
             "file": "h.csv"}
    save_issues(rstore, ValidationReport("926", 2025, issues=[issue, dict(issue, rule_code="101", row_no=4),
                                                            dict(issue, child_key=None, rule_code="2887Q",
                                                                 severity="query")]))
    ctx = child_issues_context(rstore, {"username": "a", "la_code_old": None}, "926", 2025)
    assert [c["child_key"] for c in ctx["children"]] == ["k1"] and len(ctx["children"][0]["issues"]) == 2
    assert ctx["la_level"][0]["rule_code"] == "2887Q"
    assert {s["rule_code"]: s["children"] for s in ctx["summary"]} == {"103": 1, "101": 1, "2887Q": 0}


def test_users_commands(rstore):
    db = str(rstore.path)
    rstore.close()
    out = runner.invoke(app, ["returns", "users", "add", "lead", "--password-stdin", "--db", db],
                        input="a long enough password\n")
    assert out.exit_code == 0, out.output
    listed = runner.invoke(app, ["returns", "users", "list", "--format", "json", "--db", db])
    assert [u["username"] for u in json.loads(listed.stdout)] == ["lead"] and "scrypt" not in listed.output
    assert runner.invoke(app, ["returns", "users", "remove", "lead", "--db", db]).exit_code == 0
