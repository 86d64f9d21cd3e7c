"""Docs stay in step with the code: every command is documented and has help text."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from cscwatch.cli import app

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
from gen_cli_docs import walk  # noqa: E402

COMMANDS = [(" ".join(path), cmd) for path, cmd in walk(typer.main.get_command(app), ["cscwatch"])]
DOCUMENTED = set(re.findall(r"^## `(cscwatch[^`]*)`", (REPO / "docs" / "cli.md").read_text(), re.M))


@pytest.mark.parametrize("name,cmd", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_has_help_and_is_in_docs_cli_md(name, cmd):
    assert (cmd.help or "").strip(), f"{name} has no help text"
    assert name in DOCUMENTED, f"{name} is missing from docs/cli.md: run python scripts/gen_cli_docs.py"


def test_docs_cli_md_lists_no_removed_command():
    assert DOCUMENTED <= {n for n, _ in COMMANDS}


@pytest.mark.parametrize("command", [
    "reports parse", "reports ingest", "inspections", "stats national", "measures", "measure", "la",
    "export", "build", "risk backtest", "risk scores", "risk explain", "serve",
])
def test_issue_commands_exist(command):
    assert f"cscwatch {command}" in {n for n, _ in COMMANDS}


def test_version_and_help_from_the_installed_entry_point():
    out = subprocess.run([sys.executable, "-m", "cscwatch.cli", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("cscwatch ")
    out = subprocess.run([sys.executable, "-m", "cscwatch.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "reports" in out.stdout


def test_store_tables_are_documented():
    """Every table the migrations create appears in docs/store.md."""
    from cscwatch.store import Store

    doc = (REPO / "docs" / "store.md").read_text()
    with Store(":memory:") as store:
        tables = [r["table_name"] for r in store.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_name <> 'schema_migration'")]
    missing = [t for t in tables if f"`{t}`" not in doc]
    assert not missing, f"tables missing from docs/store.md: {missing}"


def test_readme_python_api_imports_resolve():
    """Every ``from X import Y`` in the README's Python blocks names a real function or class."""
    import importlib

    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    imports = [m for b in blocks for m in re.findall(r"^from (\S+) import (.+)$", b, re.M)]
    assert imports, "the README has no Python API example"
    for module, names in imports:
        mod = importlib.import_module(module)
        for name in (n.strip() for n in names.split(",")):
            obj = getattr(mod, name)
            assert callable(obj), f"{module}.{name} is not a function or class"


def test_readme_cli_tour_uses_real_commands():
    readme = (REPO / "README.md").read_text()
    tour = re.findall(r"^cscwatch ([a-z][a-z ]*?)(?= --| [A-Z./0-9]|$)", readme, re.M)
    known = {n.removeprefix("cscwatch ") for n, _ in COMMANDS}
    unknown = {t.strip() for t in tour if t.strip() not in known}
    assert tour and not unknown, unknown
