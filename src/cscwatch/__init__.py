"""cscwatch: early warning for English local authorities' children's social care.

The Python API mirrors the CLI: every command is a thin wrapper over a function importable from
the capability packages (``cscwatch.register``, ``cscwatch.warehouse``, ``cscwatch.risk``,
``cscwatch.web``).
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cscwatch")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"

from cscwatch.store import Store, open_store  # noqa: E402

__all__ = ["Store", "open_store", "__version__"]
