"""The second factor: time-based one-time codes (TOTP, RFC 6238) from an authenticator app.

Pure functions, no storage: a new secret, the ``otpauth://`` URI an app scans (and its QR
code as text), checking a code (at most once: the time step of the last code accepted is
kept, and only a later step is accepted), and sealing the secret for storage with AES-GCM
under the ``totp-key`` application key (:func:`lrs_core.secrets.application_key`). The
sealed form is bound to the operator's id, so a sealed secret copied onto another
operator's row does not open.
"""

from __future__ import annotations

import hmac
import os
import re
from collections.abc import Collection
from datetime import datetime
from urllib.parse import quote

import pyotp
import segno
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lrs_core.errors import ConfigurationError, ValidationError

ISSUER = "LRS Desk"
SECRET_LENGTH = 32  # base32 characters: 160 bits, RFC 4226's recommended length
DIGITS = 6
# A code from the time step before or after the current one is accepted too: a phone's
# clock drifts, and typing the code takes a few seconds.
WINDOW = 1
_NONCE = 12
_CODE = re.compile(r"^\d{6}$")
_SECRET = re.compile(r"^[A-Z2-7]{32}$")


def new_secret() -> str:
    """A random base32 secret (``secrets``-module randomness, via pyotp)."""
    return pyotp.random_base32(SECRET_LENGTH)


def check_secret(secret: str) -> str:
    value = secret.strip().replace(" ", "").upper()
    if not _SECRET.match(value):
        raise ValidationError("Secret", f"must be {SECRET_LENGTH} base32 characters (A-Z, 2-7)")
    return value


def normalise_code(code: str) -> str | None:
    """The six digits typed (spaces allowed, as apps show "123 456"), or None."""
    value = code.strip().replace(" ", "")
    return value if _CODE.match(value) else None


def matching_step(secret: str, code: str, now: datetime, after: int | None) -> int | None:
    """The time step whose code ``code`` is, if it is current (within :data:`WINDOW`) and
    later than ``after`` (the step of the last code accepted); otherwise None."""
    digits = normalise_code(code)
    if digits is None:
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS)
    current = totp.timecode(now)
    found: int | None = None
    for step in range(current - WINDOW, current + WINDOW + 1):
        # Every step is compared, in constant time: how long this takes says nothing.
        if hmac.compare_digest(totp.generate_otp(step), digits) and found is None:
            found = step
    if found is None or (after is not None and found <= after):
        return None
    return found


def code_at(secret: str, now: datetime) -> str:
    """The code an authenticator app shows at ``now`` (for tests and the demo's README)."""
    return pyotp.TOTP(secret, digits=DIGITS).at(now)


def provisioning_uri(secret: str, username: str) -> str:
    """The ``otpauth://`` URI an authenticator app scans. No ``issuer=`` parameter: the
    label's "LRS Desk:" prefix names the issuer, and a shorter URI makes a smaller QR code
    (a smaller code fits an 80x24 terminal)."""
    return f"otpauth://totp/{quote(ISSUER)}:{quote(username)}?secret={secret}"


def qr_rows(text: str) -> list[str]:
    """``text`` as a QR code (segno), two module rows per line of half-block characters:
    "▀" top dark, "▄" bottom dark, "█" both, " " neither. Shown dark on light, with a
    one-module light border (the terminal's own background is not always light)."""
    code = segno.make(text, error="l", micro=False)
    matrix = [[bool(cell) for cell in row] for row in code.matrix_iter(scale=1, border=1)]
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))
    glyphs = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}
    return [
        "".join(glyphs[top, bottom] for top, bottom in zip(upper, lower, strict=True))
        for upper, lower in zip(matrix[::2], matrix[1::2], strict=True)
    ]


def _aad(operator_id: int) -> bytes:
    return f"lrs-desk totp operator {operator_id}".encode()


def seal(key: bytes, secret: str, operator_id: int) -> bytes:
    """The secret encrypted for storage: a random 96-bit nonce, then AES-256-GCM."""
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(key).encrypt(nonce, secret.encode("ascii"), _aad(operator_id))


def unseal(key: bytes, sealed: bytes, operator_id: int) -> str:
    try:
        plain = AESGCM(key).decrypt(sealed[:_NONCE], sealed[_NONCE:], _aad(operator_id))
    except (InvalidTag, ValueError):
        raise ConfigurationError(
            "an operator's second-factor secret cannot be opened with this totp-key "
            "(was the key changed?): an admin can reset their second factor"
        ) from None
    return plain.decode("ascii")


def code_needed(role: str, enrolled: bool, roles: Collection[str]) -> bool:
    """Whether sign-in asks for a code: the role must have one, or the operator has one."""
    return enrolled or role in roles


def must_enrol(role: str, enrolled: bool, roles: Collection[str]) -> bool:
    """Whether the operator must set up a second factor before doing anything else."""
    return not enrolled and role in roles
