"""Secrets from the system keyring, or from the environment where no keyring exists.

Headless servers reached over SSH usually have no keyring backend
(``keyring.backends.fail.Keyring``). There, and only there, a secret named
``database-password`` is read from ``LRS_SECRET_DATABASE_PASSWORD``. Secrets are never
prompted for from inside the TUI.

Three keys belong to LRS Desk itself rather than to an outside service: ``audit-key`` (keys
the audit chain), ``totp-key`` (encrypts operators' second-factor secrets) and ``intake-key``
(seals the encrypted intake's emails and what is decrypted from them, AES-GCM). A deployment sets
them like any other secret. The embedded SQLite default is one person's desk on one machine,
so there a missing key is made on first use (:func:`application_key`) and kept in a file only
its owner can read, under the data directory (``keys/<name>``, 0600 in a 0700 folder). That
file is the one place a secret is read from a file, and only for the embedded database.
"""

from __future__ import annotations

import base64
import os
import secrets as _random
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import keyring
import keyring.errors
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from keyring.backends import fail

from lrs_core.config import data_dir
from lrs_core.errors import ConfigurationError

SERVICE = "lrs-desk"
APPLICATION_KEYS = ("audit-key", "totp-key", "intake-key")
KNOWN_SECRETS = (
    "database-password",
    *APPLICATION_KEYS,
    "email-api-key",
    "postcode-api-key",
)

Source = Literal["keyring", "environment", "file", "missing"]


@dataclass(frozen=True)
class SecretLookup:
    name: str
    value: str | None
    source: Source

    def __repr__(self) -> str:  # never show the value, even in a traceback
        return f"SecretLookup(name={self.name!r}, source={self.source!r})"


def env_name(name: str) -> str:
    return "LRS_SECRET_" + name.upper().replace("-", "_")


def key_file(name: str) -> Path:
    """Where the embedded database keeps an application key it made."""
    return data_dir() / "keys" / name


def keyring_available() -> bool:
    return not isinstance(keyring.get_keyring(), fail.Keyring)


def lookup(name: str, env: Mapping[str, str] | None = None) -> SecretLookup:
    """Find a secret: the keyring first; the environment only when there is no keyring;
    an application key's file (embedded default) last."""
    env = os.environ if env is None else env
    if keyring_available():
        try:
            value = keyring.get_password(SERVICE, name)
        except keyring.errors.KeyringError:
            value = None
        if value:
            return SecretLookup(name, value, "keyring")
    value = env.get(env_name(name))
    if value:
        return SecretLookup(name, value, "environment")
    if name in APPLICATION_KEYS:
        try:
            value = key_file(name).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            value = None
        if value:
            return SecretLookup(name, value, "file")
    return SecretLookup(name, None, "missing")


def describe(name: str) -> str:
    """Where a secret would come from, for `lrs-desk secrets status` (never the value)."""
    found = lookup(name)
    if found.source == "keyring":
        return f"{name}: set in the system keyring (service {SERVICE!r})"
    if found.source == "environment":
        return f"{name}: set in ${env_name(name)}"
    if found.source == "file":
        return f"{name}: made for the embedded database, kept in {key_file(name)}"
    if keyring_available():
        return f"{name}: not set (keyring service {SERVICE!r}, or ${env_name(name)})"
    return f"{name}: not set; no keyring backend on this machine, so set ${env_name(name)}"


@dataclass(frozen=True)
class ApplicationKey:
    """32 key bytes derived from a secret, and where that secret lives (for the operator)."""

    name: str
    key: bytes
    source: Source
    created: bool = False

    def __repr__(self) -> str:  # never show the key, even in a traceback
        return f"ApplicationKey(name={self.name!r}, source={self.source!r})"

    @property
    def where(self) -> str:
        if self.source == "keyring":
            return f"the system keyring (service {SERVICE!r}, name {self.name!r})"
        if self.source == "environment":
            return f"${env_name(self.name)}"
        return str(key_file(self.name))


def derive(secret: str, name: str) -> bytes:
    """32 key bytes for one purpose: HKDF-SHA-256 with the key's name as context, so one
    secret set by mistake for two keys still gives two unrelated keys."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"lrs-desk {name}".encode())
    return hkdf.derive(secret.encode("utf-8"))


def application_key(
    name: str, *, create: bool, env: Mapping[str, str] | None = None
) -> ApplicationKey:
    """One of LRS Desk's own keys. ``create`` (the embedded database) makes a missing one;
    otherwise a missing key is a ConfigurationError saying where to set it."""
    if name not in APPLICATION_KEYS:
        raise ValueError(f"{name} is not an application key")
    found = lookup(name, env)
    if found.value:
        return ApplicationKey(name, derive(found.value, name), found.source)
    if not create:
        raise ConfigurationError(describe(name) + " (LRS Desk cannot start without it)")
    # Always the file, never the keyring: a keyring that cannot be read in some later
    # session (SSH into the same desktop has no D-Bus) would otherwise make a second key, and
    # the audit chain or the sealed second factors could no longer be checked or opened.
    value = base64.urlsafe_b64encode(_random.token_bytes(32)).decode("ascii")
    value = _write_key_file(name, value)
    return ApplicationKey(name, derive(value, name), "file", created=True)


def _write_key_file(name: str, value: str) -> str:
    """Write the key once, owner-only; if another process wrote it first, use theirs."""
    path = key_file(name)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        existing = path.read_text(encoding="ascii").strip()
        if not existing:
            raise ConfigurationError(f"{path} is empty: remove it to make a new key") from None
        return existing
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value + "\n")
    return value
