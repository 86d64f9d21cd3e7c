"""Local accounts for the child-level views: scrypt-hashed passwords in the store.

Child-level views (validation issues per child, unsuppressed figures) need a login; everything
else is shown suppressed. An account may be limited to one LA. Passwords are hashed with
``hashlib.scrypt`` (memory-hard; n=2**14, r=8, p=1, 16-byte salt) and compared in constant time.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime
from typing import Any

from cscwatch.errors import CscwatchError
from cscwatch.store import Store

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD = 12
_USERNAME = re.compile(r"^[A-Za-z0-9._@-]{2,64}$")


class AccountError(CscwatchError):
    """A bad username or password, or an account that cannot be made."""


class PermissionDenied(CscwatchError):
    """The account may not see this LA's child-level data."""


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    enc = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${enc(salt).decode()}${enc(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        want = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(want))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


def add_user(store: Store, username: str, password: str, *, la: str | None = None) -> dict[str, Any]:
    """Create an account (``la``: limit it to one LA, any name or code)."""
    if not _USERNAME.match(username or ""):
        raise AccountError(f"username {username!r}: use 2-64 letters, digits, '.', '_', '@' or '-'")
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"password for {username}: use at least {MIN_PASSWORD} characters")
    code = None
    if la:
        from cscwatch.identity import resolve_la

        code = resolve_la(store, la)["la_code_old"]
    if store.scalar("SELECT count(*) FROM account WHERE username = ?", [username]):
        raise AccountError(f"username {username!r} is taken")
    with store.transaction() as con:
        con.execute("INSERT INTO account VALUES (?, ?, ?, ?, NULL)",
                    [username, hash_password(password), code, datetime.now().replace(microsecond=0)])
    return {"username": username, "la_code_old": code}


def set_password(store: Store, username: str, password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"password for {username}: use at least {MIN_PASSWORD} characters")
    if not store.scalar("SELECT count(*) FROM account WHERE username = ?", [username]):
        raise AccountError(f"no account {username!r}")
    with store.transaction() as con:
        con.execute("UPDATE account SET password_hash = ? WHERE username = ?", [hash_password(password), username])


def remove_user(store: Store, username: str) -> None:
    if not store.scalar("SELECT count(*) FROM account WHERE username = ?", [username]):
        raise AccountError(f"no account {username!r}")
    with store.transaction() as con:
        con.execute("DELETE FROM account WHERE username = ?", [username])


def list_users(store: Store) -> list[dict[str, Any]]:
    return store.rows("SELECT username, la_code_old, created_at, last_login_at FROM account ORDER BY username")


def authenticate(store: Store, username: str, password: str) -> dict[str, Any] | None:
    """The account (``{"username", "la_code_old"}``) if the password is right, else None.

    Unknown users cost the same scrypt work as known ones, so timing does not tell them apart.
    ``last_login_at`` is recorded when the store is writable."""
    row = store.rows("SELECT username, password_hash, la_code_old FROM account WHERE username = ?", [username])
    if not row:
        verify_password(password, hash_password("not-a-user-password"))
        return None
    if not verify_password(password, row[0]["password_hash"]):
        return None
    if not store.read_only:
        with store.transaction() as con:
            con.execute("UPDATE account SET last_login_at = ? WHERE username = ?",
                        [datetime.now().replace(microsecond=0), username])
    return {"username": row[0]["username"], "la_code_old": row[0]["la_code_old"]}


def require_access(account: dict[str, Any] | None, la_code_old: str) -> None:
    """Raise :class:`PermissionDenied` unless a logged-in account may see this LA's child-level data."""
    if not account:
        raise PermissionDenied("child-level views need a login")
    if account.get("la_code_old") and account["la_code_old"] != la_code_old:
        raise PermissionDenied(f"{account['username']} may not see LA {la_code_old}'s child-level data")
