"""Password hashing (Argon2id) and the LRS password policy (User Guide §3.4, §2.3.1)."""

from __future__ import annotations

import base64
import os
import re
import secrets
import string
from collections.abc import Iterable
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from zxcvbn import zxcvbn  # type: ignore[import-untyped]

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


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").rstrip("=")


# A well-formed hash with today's parameters whose password nobody knows (random salt and
# digest, made without hashing anything, so importing this module costs nothing). Checking
# against it costs exactly what checking a real hash costs.
_DECOY = (
    f"$argon2id$v=19$m={_MEMORY_KIB},t={_ITERATIONS},p=1"
    f"${_b64(os.urandom(16))}${_b64(os.urandom(32))}"
)


def verify_password(password: str, phc: str | None) -> bool:
    """Check ``password`` against an Argon2id PHC hash. With no hash (an unknown username,
    say) the same Argon2id work is done against a decoy and the answer is False, so a
    refusal takes as long whatever the reason."""
    try:
        Argon2id.verify_phc_encoded(password.encode("utf-8"), phc or _DECOY)
    except (InvalidKey, ValueError):
        return False
    return bool(phc)


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


# Words every LRS Desk password is checked against, besides the operator's own names.
DESK_WORDS = ("lrs", "desk", "lrs desk", "lrs-desk", "lrsdesk", "learning records")
# zxcvbn's score: 3 is "safely unguessable" (about 10^8 guesses or more).
MIN_STRENGTH = 3
# zxcvbn's own limit; its work grows quickly with length, and the start of a password is
# where the guessable part (a word, a name, a year) almost always is.
_STRENGTH_CHARS = 72


def context_words(*texts: str) -> list[str]:
    """The operator's names as zxcvbn should count them: whole and in parts."""
    words: list[str] = [*DESK_WORDS]
    for text in texts:
        text = text.strip().lower()
        if text:
            words.append(text)
            words.extend(part for part in re.split(r"[^\w]+", text) if len(part) >= 2)
            words.append(re.sub(r"[^\w]+", "", text))  # "kim.lee" typed as "kimlee"
    return words


def check_strength(password: str, context: Iterable[str], field: str = "New password") -> None:
    """Beyond §3.4: refuse a common or guessable password. zxcvbn (a maintained estimator
    from Dropbox's design) counts dictionary words, common passwords, keyboard patterns,
    years and dates, and the ``context`` words (the operator's name and username, "LRS",
    "desk") as cheap guesses."""
    result = zxcvbn(password[:_STRENGTH_CHARS], user_inputs=list(context))
    if int(result["score"]) >= MIN_STRENGTH:
        return
    warning = str(result["feedback"].get("warning") or "").rstrip(".")
    why = f" ({warning[0].lower()}{warning[1:]})" if warning else ""
    raise ValidationError(
        field,
        f"is too easy to guess{why}: avoid common passwords, names, your username, "
        "LRS or desk, and years; a few unrelated words joined by symbols work well",
    )


def policy_summary(expiry_days: int) -> str:
    """The rules of :func:`check_policy` in words, for forms that ask for a new password."""
    return (
        f"At least {MIN_LENGTH} characters, from three of: upper-case letters, lower-case "
        f"letters, digits, symbols; not common or guessable. It lasts {expiry_days} days."
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
