"""Secrets from the system keyring, or from the environment where no keyring exists.

Headless servers reached over SSH usually have no keyring backend
(``keyring.backends.fail.Keyring``). There, and only there, a secret named
``database-password`` is read from ``LRS_SECRET_DATABASE_PASSWORD``. Secrets are never
read from a plain-text file and never prompted for from inside the TUI.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import keyring
import keyring.errors
from keyring.backends import fail

SERVICE = "lrs-desk"
KNOWN_SECRETS = ("database-password", "intake-key", "email-api-key", "postcode-api-key")

Source = Literal["keyring", "environment", "missing"]


@dataclass(frozen=True)
class SecretLookup:
    name: str
    value: str | None
    source: Source

    def __repr__(self) -> str:  # never show the value, even in a traceback
        return f"SecretLookup(name={self.name!r}, source={self.source!r})"


def env_name(name: str) -> str:
    return "LRS_SECRET_" + name.upper().replace("-", "_")


def keyring_available() -> bool:
    return not isinstance(keyring.get_keyring(), fail.Keyring)


def lookup(name: str, env: Mapping[str, str] | None = None) -> SecretLookup:
    """Find a secret: the keyring first; the environment only when there is no keyring."""
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
    return SecretLookup(name, None, "missing")


def describe(name: str) -> str:
    """Where a secret would come from, for `lrs-desk secrets status` (never the value)."""
    found = lookup(name)
    if found.source == "keyring":
        return f"{name}: set in the system keyring (service {SERVICE!r})"
    if found.source == "environment":
        return f"{name}: set in ${env_name(name)}"
    if keyring_available():
        return f"{name}: not set (keyring service {SERVICE!r}, or ${env_name(name)})"
    return f"{name}: not set; no keyring backend on this machine, so set ${env_name(name)}"
