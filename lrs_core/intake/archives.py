"""An attachment's kind, and opening an encrypted one in memory (issue 13, item 4), with
maintained libraries: ``pyzipper`` (WinZip AES and legacy ZipCrypto zips) and
``msoffcrypto-tool`` (Office files with a password to open). Nothing decrypted is written to
disk: everything stays in ``bytes``.

Hostile files get a clear outcome (:class:`HostileFile` with an ``outcome`` code and a
message naming the file and the limit), never a crash: zip bombs (members, total unpacked
size and each member's ratio, checked against what is actually read, not only the header's
claims), path traversal and absolute member names, nested archives, symlinks, corrupt files,
a plain file posing as encrypted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from lrs_core.domain.kinds import AttachmentKind
from lrs_core.errors import LrsError
from lrs_core.intake.passphrase import Passphrase


class Hostile(StrEnum):
    TOO_MANY_MEMBERS = "too-many-members"
    TOO_LARGE = "too-large"  # total unpacked size over the limit
    RATIO = "compression-ratio"  # a member unpacks to more than max_ratio times its size
    PATH = "unsafe-member-name"  # ../ or an absolute name or a drive letter
    NESTED = "nested-archive"
    SYMLINK = "symlink"
    CORRUPT = "corrupt"
    NOT_ENCRYPTED = "not-encrypted"  # named or sent as encrypted, but nothing in it is
    UNSUPPORTED = "unsupported"  # no spreadsheet inside, or a method no library reads


class HostileFile(LrsError):
    """The file cannot be opened safely; ``outcome`` says which rule, the message names the
    file and the limit (never its contents)."""

    def __init__(self, outcome: Hostile, message: str) -> None:
        super().__init__(message)
        self.outcome = outcome


class WrongPassphrase(LrsError):
    """The passphrase does not open the file (the message never holds the passphrase)."""


@dataclass(frozen=True)
class Limits:
    max_members: int = 20
    max_unpacked_bytes: int = 100 * 1024 * 1024
    max_ratio: int = 200


@dataclass(frozen=True)
class Unpacked:
    name: str  # the member's name inside the archive (safe: checked), or the file's own name
    content: bytes = field(repr=False)


def attachment_kind(filename: str, content: bytes) -> AttachmentKind:
    """What an attachment is, from its bytes (its name only breaks ties): an AES zip (any
    member with the WinZip AES extra field), a ZipCrypto zip (encrypted members, none AES), an
    encrypted Office file (an OLE file with an EncryptionInfo stream), a zip with nothing
    encrypted, or a plain file."""
    raise NotImplementedError


def unlock(
    filename: str, content: bytes, passphrase: Passphrase, limits: Limits
) -> tuple[Unpacked, ...]:
    """The decrypted members of an encrypted attachment (a zip's files; an Office file's one
    decrypted document), in memory. ``WrongPassphrase`` when it does not open; ``HostileFile``
    for every rule above, checked before and while reading."""
    raise NotImplementedError


def make_aes_zip(members: Mapping[str, bytes], passphrase: Passphrase) -> bytes:
    """An AES-256 zip of ``members`` (the export back to a provider; the samples), in memory."""
    raise NotImplementedError
