"""Logins for the child-level views: a signed session cookie, CSRF tokens, the account of a request.

Accounts live in the store (:mod:`cscwatch.returns.accounts`: scrypt-hashed passwords, made with
``cscwatch returns users add``). After a login the session holds only the username; every
child-level request looks the account up again in the store it is served from, so removing an
account or changing its LA takes effect at the next rebuild swap, not at cookie expiry.

The session is Starlette's ``SessionMiddleware`` (a cookie signed with itsdangerous, HttpOnly,
SameSite=Lax, 8 hours) under a per-installation secret kept outside the store: a file created on
first use with owner-only permissions (``$CSCWATCH_SESSION_SECRET``, else
``$CSCWATCH_DATA_DIR/session.key``, else ``var/session.key``). A group- or world-readable secret
is refused. Every form that changes something (login, logout) carries a CSRF token kept in the
session and compared in constant time. Pages that depend on the session are never put in the
shared response cache and are sent with ``Cache-Control: no-store``.
"""
from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request

from cscwatch.errors import CscwatchError
from cscwatch.secretfile import owner_only_secret, secret_path
from cscwatch.store import Store

SECRET_ENV = "CSCWATCH_SESSION_SECRET"
SESSION_COOKIE = "cscwatch_session"
SESSION_SECONDS = 8 * 3600
MAX_FORM_BYTES = 4096
PRIVATE_HEADERS = {"cache-control": "no-store, private", "vary": "cookie", "pragma": "no-cache"}


class SessionSecretError(CscwatchError):
    """The session secret file cannot be read, or others can read it."""


def default_secret_path() -> Path:
    return secret_path(SECRET_ENV, "session.key")


def session_secret(path: Path | None = None) -> str:
    """The installation's session-signing secret, created (64 hex characters, mode 0600) on first use."""
    text = owner_only_secret(Path(path or default_secret_path()), "session secret", SessionSecretError)
    if len(text) < 32:
        raise SessionSecretError(f"{path}: the session secret is too short (expected 64 hex characters)")
    return text


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first need)."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok(request: Request, submitted: str | None) -> bool:
    expected = request.session.get("csrf")
    return bool(expected and submitted) and hmac.compare_digest(str(expected), str(submitted))


async def read_form(request: Request) -> dict[str, str]:
    """A small url-encoded form (the login form); anything larger or of another type is empty."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return {}
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return {}
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go to after logging in (never another site)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def log_in(request: Request, account: dict[str, Any]) -> None:
    """Start a fresh session for ``account`` (a new CSRF token too)."""
    request.session.clear()
    request.session["user"] = account["username"]
    request.session["csrf"] = secrets.token_urlsafe(32)


def log_out(request: Request) -> None:
    request.session.clear()


def username_of(request: Request) -> str | None:
    return request.session.get("user") if "session" in request.scope else None


def account_of(request: Request, store: Store) -> dict[str, Any] | None:
    """The logged-in account as the served store has it now (None if not logged in or removed)."""
    user = username_of(request)
    if not user or not store.has_table("account"):
        return None
    rows = store.rows("SELECT username, la_code_old FROM account WHERE username = ?", [user])
    return rows[0] if rows else None
