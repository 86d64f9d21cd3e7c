"""Pseudonymisation on the way in: keyed hashes for child ids, months for dates of birth.

A plain SHA-256 of a short LA child id can be reversed by trying every id, so ids are keyed with
HMAC-SHA256 under a per-installation secret. The secret is created on first use with owner-only
permissions, *outside* the store (a copied store file alone cannot be re-identified), at
``$CSCWATCH_RETURNS_SECRET`` or beside the store's data folder (``./var/returns.key``).
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import date
from pathlib import Path

from cscwatch.errors import CscwatchError
from cscwatch.secretfile import owner_only_secret, secret_path

SECRET_ENV = "CSCWATCH_RETURNS_SECRET"


class SecretError(CscwatchError):
    """The pseudonymisation secret cannot be read or is unsafe."""


def default_secret_path() -> Path:
    return secret_path(SECRET_ENV, "returns.key")


def load_secret(path: Path | None = None) -> bytes:
    """The installation's secret, created (32 random bytes, mode 0600) the first time it is needed."""
    path = path or default_secret_path()
    text = owner_only_secret(path, "pseudonymisation secret", SecretError)
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise SecretError(f"{path}: not a pseudonymisation secret (expected hex)") from None
    if len(key) < 16:
        raise SecretError(f"{path}: the pseudonymisation secret is too short")
    return key


class Pseudonymiser:
    """Maps an LA's child id to a stable key: the same child in two returns of one LA links up.

    The LA code is part of the message, so the same id in two LAs gives two keys (ids are only
    unique within an LA).
    """

    def __init__(self, secret: bytes):
        self._secret = secret

    def child_key(self, la_code_old: str, child_id: str) -> str:
        msg = f"{la_code_old}\x1f{child_id.strip()}".encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()[:32]


def birth_month(dob: date | None) -> str | None:
    """A date of birth cut to its month, as 'YYYY-MM' text.

    Every age the measures use is an age at 31 March (or, for care leavers, at a birthday inside
    the collection year), and every day of a month falls on the same side of 31 March, so the
    month loses no measure and drops the day that identifies. Text, not a date: a first-of-month
    date would look like (and for some children equal) a real date of birth.
    """
    return None if dob is None else f"{dob.year:04d}-{dob.month:02d}"
