"""Every command, given bad arguments, answers with one clear line and the right exit code, never a
traceback: 1 for a problem with the input (unknown LA, missing file, dates outside the data), 2 for
a usage error (a malformed option). New commands must be added to BAD_ARGUMENTS (a test checks)."""
from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from cscwatch.cli import app

runner = CliRunner()
QUOTED = "no such dir/it's \"quoted\""

#: command path -> argument lists that must fail cleanly (``{db}`` is the built store, ``{tmp}`` a folder)
BAD_ARGUMENTS: dict[str, list[list[str]]] = {
    "build": [["--reports", f"{{tmp}}/{QUOTED}", "--db", "{tmp}/b.duckdb"], ["--data", "{tmp}/nowhere", "--db", "{tmp}/c.duckdb"]],
    "status": [["--db", f"{{tmp}}/{QUOTED}.duckdb"], ["--format", "yaml", "--db", "{db}"]],
    "measures": [["--db", "{tmp}/missing.duckdb"]],
    "measure": [["no_such_measure", "--db", "{db}"], ["cin_rereferral_pct", "--period", "1990", "--db", "{db}"],
                ["cin_rereferral_pct", "--peers", "Atlantis", "--db", "{db}"],
                ["cin_rereferral_pct", "--neighbours", "2099", "--db", "{db}"]],
    "la": [["Atlantis", "--db", "{db}"], ["", "--db", "{db}"], ["x" * 5000, "--db", "{db}"],
           ["Norfolk", "--average", "mode", "--db", "{db}"]],
    "compare": [["Norfolk", "Atlantis", "--db", "{db}"], ["Norfolk", "--measure", "nope", "--db", "{db}"],
                [*(["Norfolk"] * 21), "--db", "{db}"]],
    "export": [[f"{{tmp}}/{QUOTED}/x", "--format", "feather", "--db", "{db}"], ["/proc/x/y", "--format", "csv", "--db", "{db}"]],
    "serve": [["--db", "{tmp}/missing.duckdb", "--get", "/"], ["--port", "99999", "--db", "{db}"]],
    "reports parse": [[f"{{tmp}}/{QUOTED}.pdf"]],
    "reports ingest": [[f"{{tmp}}/{QUOTED}", "--db", "{tmp}/i.duckdb"]],
    "visits": [["--la", "Atlantis", "--db", "{db}"], ["--db", "{tmp}/missing.duckdb"]],
    "inspections": [["--la", "Atlantis", "--db", "{db}"], ["--db", f"{{tmp}}/{QUOTED}.duckdb"]],
    "stats national": [["--as-at", "31/03/2025", "--db", "{db}"], ["--as-at", "2025-02-30", "--db", "{db}"]],
    "risk backtest": [["--target", "nonsense", "--db", "{db}"]],
    "risk scores": [["--as-of", "1990-01-01", "--db", "{db}"], ["--as-of", "2013-01-01", "--db", "{db}"],
                    ["--as-of", "not-a-date", "--db", "{db}"]],
    "risk explain": [["Atlantis", "--db", "{db}"], ["Norfolk", "--as-of", "1990-01-01", "--db", "{db}"]],
    "risk rules": [["--format", "yaml", "--db", "{db}"], ["Atlantis", "--db", "{db}"],
                   ["--coverage", "--db", "{tmp}/missing.duckdb"]],
    "risk publish": [["--as-of", "1990-01-01", "--db", "{tmp}/missing.duckdb"], ["--as-of", "soon", "--db", "{db}"]],
    "risk card": [["--out", "/proc/x/card.md", "--db", "{tmp}/missing.duckdb"]],
    "fetch reports": [["--since", "yesterday", "--db", "{tmp}/f.duckdb"]],
    "fetch statistics": [["--data-set", "no-equals-sign", "--db", "{tmp}/g.duckdb"]],
    "themes": [["--la", "Atlantis", "--db", "{db}"], ["--theme", "astrology", "--db", "{db}"],
               ["--db", "{tmp}/missing.duckdb"]],
    "recommendations": [["Atlantis", "--db", "{db}"], ["Norfolk", "--db", "{tmp}/missing.duckdb"]],
    "text classify": [["--db", f"{{tmp}}/{QUOTED}/x.duckdb"]],
    "text evaluate": [["--format", "yaml"]],
    "plan": [["--start", "2025-04-01", "--capacity", "teams=3", "--db", "{db}"],
             ["--start", "01/04/2025", "--capacity", "4,6", "--db", "{db}"],
             ["--start", "2025-04-01", "--months", "0", "--capacity", "4,6", "--db", "{db}"],
             ["--capacity", "4,6", "--db", "{db}"],
             ["--start", "2025-04-01", "--capacity", f"{{tmp}}/{QUOTED}.csv", "--db", "{db}"],
             ["--start", "2025-04-01", "--capacity", "4,6", "--db", "{tmp}/missing.duckdb"],
             ["--start", "2012-01-01", "--capacity", "4,6", "--db", "{db}"]],        # before the risk model's data
    "plan simulate": [["--start", "2030-01-01", "--db", "{db}"], ["--every", "0", "--db", "{db}"],
                      ["--db", "{tmp}/missing.duckdb"], ["--end", "2025-02-30", "--db", "{db}"]],
    "returns validate": [[f"{{tmp}}/{QUOTED}"]],
    "returns ingest": [[f"{{tmp}}/{QUOTED}", "--db", "{tmp}/r.duckdb"], ["{tmp}", "--la", "Atlantis", "--year", "2025",
                                                                          "--db", "{tmp}/r2.duckdb"]],
    "returns measures": [["--la", "Atlantis", "--db", "{db}"], ["--engine", "excel", "--db", "{db}"]],
    "returns compare": [["Atlantis", "--db", "{db}"]],
    "returns remove": [["--la", "Atlantis", "--db", "{db}"]],
    "returns synth": [["--las", "0", "--years", "1", "--out", "{tmp}/s"], ["--las", "1", "--years", "1"]],
    "returns users add": [["alice", "--la", "Atlantis", "--db", "{db}"]],
    "returns users list": [["--db", "{tmp}/missing.duckdb"]],
    "returns users remove": [["nobody-here", "--db", "{db}"]],
    "changes": [["--since", "2025-13-01", "--db", "{db}"], ["--la", "Atlantis", "--db", "{db}"]],
}


def command_paths() -> list[str]:
    """Every leaf command of the CLI, as 'group sub'."""
    root = typer.main.get_command(app)

    def walk(cmd, prefix):
        subs = getattr(cmd, "commands", None)
        if not subs:
            return [prefix.strip()]
        return [p for name, sub in subs.items() for p in walk(sub, f"{prefix} {name}")]

    return sorted(walk(root, ""))


def test_every_command_has_bad_argument_cases():
    missing = [c for c in command_paths() if c not in BAD_ARGUMENTS]
    assert not missing, f"add bad-argument cases for {missing} to BAD_ARGUMENTS"


@pytest.fixture(scope="module")
def db(built_store, tmp_path_factory):
    """A copy of the session's store at its own path: DuckDB caches open databases by path inside a
    process, so commands opening the session's own file would fail for that reason alone."""
    import shutil

    built_store.con.execute("CHECKPOINT")
    target = tmp_path_factory.mktemp("cli-errors") / "store.duckdb"
    shutil.copy(built_store.path, target)
    return target


def test_the_store_copy_answers_good_arguments(db):
    for argv in (["la", "Norfolk"], ["inspections", "--la", "926"], ["measure", "cin_rereferral_pct"], ["status"]):
        result = runner.invoke(app, [*argv, "--db", str(db)])
        assert result.exit_code == 0, (argv, result.output[-1500:])


@pytest.mark.parametrize("command, args", [(c, a) for c, cases in BAD_ARGUMENTS.items() for a in cases],
                         ids=lambda v: v if isinstance(v, str) else " ".join(v)[:60])
def test_bad_arguments_fail_cleanly(command, args, db, tmp_path):
    argv = command.split() + [a.replace("{db}", str(db)).replace("{tmp}", str(tmp_path)) for a in args]
    result = runner.invoke(app, argv)
    out = result.output
    assert result.exit_code in (1, 2), (result.exit_code, out[-2000:])
    assert "Traceback" not in out and (result.exception is None or isinstance(result.exception, SystemExit)), \
        (repr(result.exception), out[-2000:])
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines, "a failure must say what went wrong"
