"""The demo's and the tests' intake emails, made by the code itself (issue 13, item 9): every
learner in them is synthetic. Each sample is the message's bytes plus what a test needs to
know about it (the passphrase phoned, what the checks should find)."""

from __future__ import annotations

import secrets
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from lrs_core.intake.passphrase import Passphrase

# The passphrase the demo's compliant provider phones in (published, like the demo passwords).
DEMO_PASSPHRASE = "Harbour-4827-Lantern!"


@dataclass(frozen=True)
class Sample:
    name: str  # e.g. "compliant-aes-zip"
    raw: bytes = field(repr=False)
    passphrase: Passphrase | None  # what the sender phones in, when there is a file to open
    expected_rules: tuple[str, ...]  # BreachRule values the receipt checks should find


def samples(rows: list[dict[str, str]] | None = None) -> tuple[Sample, ...]:
    """The seven samples of issue 13: a compliant AES zip (passphrase phoned), a ZipCrypto
    zip, an encrypted xlsx, a ULN and date of birth in a plain body, the passphrase in the
    same email, a plain CSV attachment, a hostile zip. ``rows`` (learner field -> value) fill
    the spreadsheets; by default a few synthetic rows."""
    raise NotImplementedError


# --- ZipCrypto, written here ----------------------------------------------------------------
# No maintained library writes a legacy ZipCrypto zip any more (pyzipper writes AES only), but
# the samples and the tests need the weak zip a provider's old tool still sends. The cipher is
# PKWARE's traditional encryption (APPNOTE.TXT 6.1); the demo's data only, never an export.


def _crc_entry(n: int) -> int:
    for _ in range(8):
        n = (n >> 1) ^ 0xEDB88320 if n & 1 else n >> 1
    return n


_CRC_TABLE = tuple(_crc_entry(n) for n in range(256))
_DOS_DATE = ((2026 - 1980) << 9) | (11 << 5) | 30  # 30 Nov 2026
_DOS_TIME = 9 << 11  # 09:00


class _ZipCryptoKeys:
    def __init__(self, password: bytes) -> None:
        self.keys = [0x12345678, 0x23456789, 0x34567890]
        for byte in password:
            self._update(byte)

    def _update(self, byte: int) -> None:
        k0, k1, k2 = self.keys
        k0 = (k0 >> 8) ^ _CRC_TABLE[(k0 ^ byte) & 0xFF]
        k1 = ((k1 + (k0 & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        k2 = (k2 >> 8) ^ _CRC_TABLE[(k2 ^ (k1 >> 24)) & 0xFF]
        self.keys = [k0, k1, k2]

    def encrypt(self, data: bytes) -> bytes:
        out = bytearray()
        for byte in data:
            t = (self.keys[2] | 2) & 0xFFFF
            out.append(byte ^ (((t * (t ^ 1)) >> 8) & 0xFF))
            self._update(byte)
        return bytes(out)


def zipcrypto_zip(
    members: Mapping[str, bytes], passphrase: Passphrase, *, encoding: str = "utf-8"
) -> bytes:
    """A legacy ZipCrypto zip of ``members`` (deflated), in memory: the weak encryption the
    checks flag (§1.4, "not AES-256"). ``encoding``: how the tool turns the passphrase into
    bytes (old Windows tools: the DOS code page, cp437). For the samples and the tests only."""
    local = bytearray()
    central = bytearray()
    for name, data in members.items():
        encoded = name.encode("utf-8")
        crc = zlib.crc32(data)
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = compressor.compress(data) + compressor.flush()
        header = secrets.token_bytes(11) + bytes([crc >> 24])  # the last byte checks the key
        sealed = _ZipCryptoKeys(passphrase.reveal().encode(encoding)).encrypt(header + packed)
        flags = 0x1 | 0x800  # encrypted; the name in UTF-8
        offset = len(local)
        local += struct.pack(
            "<4s5H3L2H", b"PK\x03\x04", 20, flags, 8, _DOS_TIME, _DOS_DATE, crc,
            len(sealed), len(data), len(encoded), 0,
        ) + encoded + sealed  # fmt: skip
        central += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, flags, 8, _DOS_TIME, _DOS_DATE, crc,
            len(sealed), len(data), len(encoded), 0, 0, 0, 0, 0o100644 << 16, offset,
        ) + encoded  # fmt: skip
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central),
        len(local), 0,
    )  # fmt: skip
    return bytes(local + central + end)
