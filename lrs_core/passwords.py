"""Password hashing (Argon2id) and the LRS password policy (User Guide §3.4, §2.3.1)."""

from __future__ import annotations

import os
import secrets
import string
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from lrs_core.errors import ValidationError

MIN_LENGTH = 8
MAX_LENGTH = 128
SPECIALS = set(string.punctuation) | {" ", "£"}

# OWASP's Argon2id minimum (19 MiB, 2 passes): about 50 ms a hash on the desk's machines.
_MEMORY_KIB = 19_456
_ITERATIONS = 2


def hash_password(password: str) -> str:
    """An Argon2id PHC string (``$argon2id$v=19$...``): salt and parameters included."""
    kdf = Argon2id(
        salt=os.urandom(16), length=32, iterations=_ITERATIONS, lanes=1, memory_cost=_MEMORY_KIB
    )
    return kdf.derive_phc_encoded(password.encode("utf-8"))


def verify_password(password: str, phc: str | None) -> bool:
    if not phc:
        return False
    try:
        Argon2id.verify_phc_encoded(password.encode("utf-8"), phc)
    except (InvalidKey, ValueError):
        return False
    return True


def character_classes(password: str) -> int:
    return sum(
        (
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(c in SPECIALS or not c.isalnum() for c in password),
        )
    )


def check_policy(password: str, field: str = "New password") -> None:
    """At least 8 characters from at least three of upper, lower, digit, special (§3.4)."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(field, f"must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        raise ValidationError(field, f"must be at most {MAX_LENGTH} characters long")
    if character_classes(password) < 3:
        raise ValidationError(
            field,
            "must use at least three of: upper-case letters, lower-case letters, "
            "digits and special characters",
        )


def policy_summary(expiry_days: int) -> str:
    """The rules of :func:`check_policy` in words, for forms that ask for a new password."""
    return (
        f"At least {MIN_LENGTH} characters, from three of: upper-case letters, lower-case "
        f"letters, digits, symbols. It lasts {expiry_days} days."
    )


def is_expired(changed_at: datetime, now: datetime, expiry_days: int) -> bool:
    """Passwords expire after 44 days by default (§2.3.1)."""
    return now >= changed_at + timedelta(days=expiry_days)


def one_time_password() -> str:
    """A random one-time password that itself meets the policy (shown once, never stored)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
    while True:
        body = "".join(secrets.choice(alphabet) for _ in range(12))
        candidate = f"{body[:4]}-{body[4:8]}-{body[8:]}"
        if character_classes(candidate) >= 3:
            return candidate
