"""Per-installation secrets kept outside the store (the returns' pseudonymisation key, the
dashboard's session-signing key): a file of 64 hex characters created on first use with owner-only
permissions, refused when others can read it, so a copied store file alone reveals nothing."""
from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from cscwatch.errors import CscwatchError

__all__ = ["secret_path", "owner_only_secret"]


def secret_path(env: str, filename: str) -> Path:
    """``$env`` if set, else ``$CSCWATCH_DATA_DIR/filename``, else ``var/filename``."""
    if os.environ.get(env):
        return Path(os.environ[env])
    return Path(os.environ.get("CSCWATCH_DATA_DIR", "var")) / filename


def owner_only_secret(path: Path, what: str, error: type[CscwatchError]) -> str:
    """The secret's text, the file made (mode 0600) if missing; ``error`` names ``what`` when others
    can read it. Safe when two processes make it at once: the second reads the first's."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:                      # another process made it first
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise error(f"{path}: the {what} is readable by others (mode {mode:o}); run `chmod 600 {path}`")
    return path.read_bytes().decode("ascii", errors="replace").strip()
