"""What the intake keeps at rest (issue 13, item 6): sealed with AES-GCM under the intake key
(``intake-key``, from the keyring or ``LRS_SECRET_INTAKE_KEY``), bound to the case it belongs
to (the associated data), so one case's sealed bytes cannot be passed off as another's.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lrs_core.errors import ConfigurationError

_NONCE = 12
_VERSION = b"\x01"


def _aad(reference: str, what: str) -> bytes:
    return f"lrs-desk intake {what} {reference}".encode()


def seal(key: bytes, reference: str, what: str, data: bytes) -> bytes:
    """``data`` encrypted and authenticated for case ``reference`` (``what``: "message",
    "opened"): a version byte, a random 96-bit nonce, then the ciphertext with its tag."""
    nonce = os.urandom(_NONCE)
    return _VERSION + nonce + AESGCM(key).encrypt(nonce, data, _aad(reference, what))


def unseal(key: bytes, reference: str, what: str, sealed: bytes) -> bytes:
    if sealed[:1] != _VERSION:
        raise ConfigurationError(f"intake case {reference}: sealed data of an unknown version")
    nonce, body = sealed[1 : 1 + _NONCE], sealed[1 + _NONCE :]
    try:
        return AESGCM(key).decrypt(nonce, body, _aad(reference, what))
    except InvalidTag:
        raise ConfigurationError(
            f"intake case {reference}: its sealed {what} cannot be opened with this intake-key"
            " (the key changed, or the data was altered)"
        ) from None
