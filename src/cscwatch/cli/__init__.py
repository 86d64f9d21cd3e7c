"""The ``cscwatch`` command: a Typer app whose commands are thin wrappers over the Python API.

Each capability has a module here (``cscwatch.cli.<capability>``) whose ``register(app)`` adds its
commands; the modules only parse options, call one API function and format the result.
"""
from __future__ import annotations

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


def _add_commands() -> None:
    """Each capability's commands, in the order they appear in ``--help``."""
    from cscwatch.cli import plan, register, returns, risk, text, warehouse, watch, web

    for module in (register, warehouse, risk, plan, returns, text, watch, web):
        module.register(app)


_add_commands()


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
