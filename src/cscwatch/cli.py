"""The ``cscwatch`` command: a Typer app whose commands are thin wrappers over the Python API.

Each capability package contributes its commands through ``<package>.cli.register(app)``.
"""
from __future__ import annotations

import importlib
from typing import Annotated

import typer

from cscwatch import __version__

app = typer.Typer(
    name="cscwatch",
    help="Watch English local authorities' children's social care: the Ofsted inspection register, "
    "the DfE indicator warehouse, the risk model and the dashboard.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Packages whose ``cli.register(app)`` adds commands, in the order they appear in ``--help``.
COMMAND_PACKAGES = ("register", "warehouse", "risk", "web", "returns", "planner")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cscwatch {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """cscwatch: early warning for local authority children's social care."""


def _load_commands() -> None:
    for package in COMMAND_PACKAGES:
        try:
            module = importlib.import_module(f"cscwatch.{package}.cli")
        except ModuleNotFoundError as exc:
            if exc.name in (f"cscwatch.{package}.cli", f"cscwatch.{package}"):
                continue
            raise
        module.register(app)


_load_commands()


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
