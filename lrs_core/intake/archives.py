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

import io
import re
import struct
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

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


# A member that unpacks to less than this is never a bomb by its ratio alone (a small,
# repetitive CSV compresses far beyond any ratio; what matters is how much comes out).
RATIO_GRACE_BYTES = 1024 * 1024
# Parts of one Office document (an .xlsx has ten or so; charts and images add a few each).
MAX_DOCUMENT_PARTS = 1000
# Key-derivation rounds an encrypted Office file may ask for (Office writes 100,000): the
# file chooses, so a hostile one could ask for billions and hold the desk's processor.
MAX_KEY_ROUNDS = 10_000_000
# Zips whose central directory declares more entries than this are judged by their first
# member alone when telling their kind (reading a million entries is a denial of service).
_KIND_DIRECTORY_CAP = 10_000
_CHUNK = 64 * 1024

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ARCHIVE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"PK\x07\x08", "zip"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "RAR"),
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"MSCF", "cabinet"),
)
_ARCHIVE_SUFFIXES: dict[str, str] = {
    ".zip": "zip", ".zipx": "zip", ".7z": "7z", ".rar": "RAR", ".gz": "gzip", ".tgz": "gzip",
    ".tar": "tar", ".bz2": "bzip2", ".xz": "xz", ".cab": "cabinet", ".lzh": "LHA",
    ".arj": "ARJ", ".iso": "disc image",
}  # fmt: skip
# Office Open XML documents: zips by their bytes, documents by their [Content_Types].xml.
OFFICE_SUFFIXES = (".xlsx", ".xlsm", ".docx", ".docm", ".pptx")
_READABLE_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
_DRIVE = re.compile(r"^[A-Za-z]:")
_S_IFMT, _S_IFLNK = 0o170000, 0o120000


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):,.0f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > name.replace("\\", "/").rfind("/") else ""


def archive_type(name: str, head: bytes) -> str | None:
    """What kind of archive a file is by its first bytes, else by its name ("zip", "7z",
    "RAR", "gzip"...); None when it is none. An Office document is a zip by its bytes: the
    caller tells it apart (:func:`is_office_document`)."""
    for magic, kind in _ARCHIVE_MAGIC:
        if head.startswith(magic):
            return kind
    if head[257:262] == b"ustar":
        return "tar"
    return _ARCHIVE_SUFFIXES.get(_suffix(name))


def _zip_end(content: bytes) -> int | None:
    """Where the zip's end of central directory record starts; None when there is none."""
    start = max(0, len(content) - 22 - 0xFFFF)
    at = content.rfind(b"PK\x05\x06", start)
    return at if at >= 0 and len(content) - at >= 22 else None


def _declared_entries(content: bytes) -> int | None:
    """How many entries the zip's central directory says it has (its end record, zip64 too),
    read before parsing a single entry; None when it cannot tell."""
    end = _zip_end(content)
    if end is None:
        return None
    (entries,) = struct.unpack_from("<H", content, end + 10)
    if entries != 0xFFFF:
        return int(entries)
    locator = end - 20
    if locator < 0 or content[locator : locator + 4] != b"PK\x06\x07":
        return None
    (offset,) = struct.unpack_from("<Q", content, locator + 8)
    if offset + 40 > len(content) or content[offset : offset + 4] != b"PK\x06\x06":
        return None
    (entries64,) = struct.unpack_from("<Q", content, offset + 32)
    return int(entries64)


def is_office_document(content: bytes) -> bool:
    """Whether a zip is an Office Open XML document (an .xlsx...), not an archive: its
    central directory names a [Content_Types].xml."""
    declared = _declared_entries(content)
    if declared is not None and declared > MAX_DOCUMENT_PARTS:
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as document:
            return "[Content_Types].xml" in document.NameToInfo
    except Exception:
        return False


def _open_zip(filename: str, content: bytes) -> Any:
    import pyzipper  # type: ignore[import-untyped]

    try:
        return pyzipper.AESZipFile(io.BytesIO(content))
    except Exception:  # any parse failure of a hostile directory is a corrupt file
        raise HostileFile(
            Hostile.CORRUPT, f"{filename}: not a zip LRS Desk can read (damaged or truncated)"
        ) from None


def _is_encrypted(info: Any) -> bool:
    return bool(info.flag_bits & 0x1)


def _is_aes(info: Any) -> bool:
    return getattr(info, "wz_aes_version", None) is not None


def attachment_kind(filename: str, content: bytes) -> AttachmentKind:
    """What an attachment is, from its bytes (its name only breaks ties): an AES zip (any
    member with the WinZip AES extra field), a ZipCrypto zip (encrypted members, none AES), an
    encrypted Office file (an OLE file with an EncryptionInfo stream), a zip with nothing
    encrypted, or a plain file. An Office document that is a zip (an .xlsx) is a plain file;
    a damaged zip is a plain zip when its bytes or name say zip. Never raises."""
    if content.startswith(_OLE):
        return (
            AttachmentKind.ENCRYPTED_OFFICE
            if _ole_streams(content) >= {"encryptioninfo", "encryptedpackage"}
            else AttachmentKind.PLAIN_FILE
        )
    if _zip_end(content) is None:
        return (
            AttachmentKind.PLAIN_ZIP if _looks_zip(filename, content) else AttachmentKind.PLAIN_FILE
        )
    declared = _declared_entries(content)
    if declared is not None and declared > _KIND_DIRECTORY_CAP:
        return _first_member_kind(content)
    try:
        with _open_zip(filename, content) as archive:
            infos = archive.infolist()
    except HostileFile:
        return (
            AttachmentKind.PLAIN_ZIP if _looks_zip(filename, content) else AttachmentKind.PLAIN_FILE
        )
    encrypted = [info for info in infos if _is_encrypted(info)]
    if encrypted:
        if any(_is_aes(info) for info in encrypted):
            return AttachmentKind.AES_ZIP
        return AttachmentKind.ZIPCRYPTO_ZIP
    if any(info.filename == "[Content_Types].xml" for info in infos):
        return AttachmentKind.PLAIN_FILE
    return AttachmentKind.PLAIN_ZIP


def _looks_zip(filename: str, content: bytes) -> bool:
    return content.startswith(b"PK") or _suffix(filename) in (".zip", ".zipx")


def _first_member_kind(content: bytes) -> AttachmentKind:
    """A zip's kind from its first local header alone (flags, and the AES extra field)."""
    if not content.startswith(b"PK\x03\x04") or len(content) < 30:
        return AttachmentKind.PLAIN_ZIP
    flags, method = struct.unpack_from("<HH", content, 6)
    if not flags & 0x1:
        return AttachmentKind.PLAIN_ZIP
    return AttachmentKind.AES_ZIP if method == 99 else AttachmentKind.ZIPCRYPTO_ZIP


def _ole_streams(content: bytes) -> set[str]:
    import olefile  # type: ignore[import-untyped]

    try:
        with olefile.OleFileIO(io.BytesIO(content)) as ole:
            return {"/".join(path).lower() for path in ole.listdir(streams=True)}
    except Exception:
        return set()


def check_before_opening(filename: str, content: bytes, limits: Limits) -> None:
    """The checks that need no passphrase, for a zip at receipt: members, their names,
    symlinks, archives inside by name, methods and the sizes the directory declares. Raises
    :class:`HostileFile`; nothing for what is no zip (:func:`unlock` judges it)."""
    if _zip_end(content) is None:
        return
    _too_many(filename, _declared_entries(content), max(limits.max_members, MAX_DOCUMENT_PARTS))
    with _open_zip(filename, content) as archive:
        infos = archive.infolist()
        if "[Content_Types].xml" in archive.NameToInfo and not any(map(_is_encrypted, infos)):
            return  # a plain Office document, not an archive (text_of holds it to the limits)
        _check_structure(filename, infos, limits)


def unlock(
    filename: str, content: bytes, passphrase: Passphrase, limits: Limits
) -> tuple[Unpacked, ...]:
    """The decrypted members of an encrypted attachment (a zip's files; an Office file's one
    decrypted document), in memory. ``WrongPassphrase`` when it does not open; ``HostileFile``
    for every rule above, checked before and while reading.

    A zip's folders are left out; an Office document inside (an .xlsx) is itself held to the
    limits (:func:`check_document`). A zip with nothing encrypted, or a plain file, is
    NOT_ENCRYPTED; bytes that only claim to be a zip or an Office document are CORRUPT; a 7z,
    RAR or Office 97-2003 file is UNSUPPORTED (no maintained library opens it here)."""
    if content.startswith(_OLE):
        return (_unlock_office(filename, content, passphrase, limits),)
    if _zip_end(content) is not None:
        return _unlock_zip(filename, content, passphrase, limits)
    kind = archive_type(filename, content[:512])
    if kind == "zip" or _suffix(filename) in OFFICE_SUFFIXES:
        what = "a zip" if kind == "zip" else "an Office document"
        raise HostileFile(
            Hostile.CORRUPT, f"{filename}: not {what} LRS Desk can read (damaged or not one at all)"
        )
    if kind is not None:
        raise HostileFile(
            Hostile.UNSUPPORTED,
            f"{filename}: a {kind} archive, which LRS Desk does not open; ask the sender for an"
            " AES-256 zip",
        )
    raise HostileFile(
        Hostile.NOT_ENCRYPTED, f"{filename}: nothing in it is encrypted (a plain file)"
    )


def _too_many(filename: str, count: int | None, limit: int, what: str = "members") -> None:
    if count is not None and count > limit:
        raise HostileFile(
            Hostile.TOO_MANY_MEMBERS,
            f"{filename}: {count:,} {what}, over the limit of {limit:,}",
        )


def unsafe_name(name: str) -> str | None:
    """Why a member's name is unsafe to hold (it is never written out, but a name that climbs
    out of a folder is a hostile file's mark); None when it is safe."""
    if not name or "\x00" in name or any(ord(ch) < 32 for ch in name):
        return "an empty name or one with control characters"
    if "\\" in name:
        return "a backslash in its name"
    if name.startswith("/"):
        return "an absolute name"
    if _DRIVE.match(name):
        return "a drive letter in its name"
    if ".." in name.split("/"):
        return "a name climbing out of its folder (..)"
    return None


def _member(name: str) -> str:
    """A member's name for a message: its repr, cut short (a name is the sender's text)."""
    return repr(name if len(name) <= 60 else name[:57] + "...")


def _check_structure(filename: str, infos: list[Any], limits: Limits) -> None:
    _too_many(filename, len(infos), limits.max_members)
    declared = 0
    for info in infos:
        name = info.filename
        why = unsafe_name(name)
        if why:
            raise HostileFile(Hostile.PATH, f"{filename}: member {_member(name)} has {why}")
        if (info.external_attr >> 16) & _S_IFMT == _S_IFLNK:
            raise HostileFile(
                Hostile.SYMLINK, f"{filename}: member {_member(name)} is a symbolic link"
            )
        if info.is_dir():
            continue
        nested = _ARCHIVE_SUFFIXES.get(_suffix(name))
        if nested:
            raise HostileFile(
                Hostile.NESTED,
                f"{filename}: member {_member(name)} is itself a {nested} archive (archives"
                " inside archives are not opened)",
            )
        if info.compress_type not in _READABLE_METHODS or info.flag_bits & 0x40:
            raise HostileFile(
                Hostile.UNSUPPORTED,
                f"{filename}: member {_member(name)} uses a compression or encryption method"
                " LRS Desk does not open (only deflate and stored, WinZip AES or ZipCrypto)",
            )
        declared += info.file_size
        _check_ratio(filename, name, info.file_size, info.compress_size, limits)
    if declared > limits.max_unpacked_bytes:
        raise HostileFile(Hostile.TOO_LARGE, _too_large(filename, limits))


def _too_large(filename: str, limits: Limits) -> str:
    return (
        f"{filename}: unpacks to more than the limit of {_mb(limits.max_unpacked_bytes)}"
        " ([intake] max_unpacked_mb)"
    )


def _check_ratio(filename: str, name: str, unpacked: int, packed: int, limits: Limits) -> None:
    if unpacked > RATIO_GRACE_BYTES and unpacked > limits.max_ratio * max(packed, 1):
        raise HostileFile(
            Hostile.RATIO,
            f"{filename}: member {_member(name)} unpacks to more than {limits.max_ratio} times"
            " its packed size (a zip bomb's mark; [intake] max_ratio)",
        )


def _passwords(passphrase: Passphrase) -> list[bytes]:
    """The passphrase's bytes as zip tools write them: UTF-8 (7-Zip, WinZip AES), then the
    DOS and Windows code pages older ZipCrypto tools use; each once."""
    text = passphrase.reveal()
    candidates: list[bytes] = [text.encode("utf-8")]
    for encoding in ("cp437", "cp1252"):
        try:
            encoded = text.encode(encoding)
        except UnicodeEncodeError:
            continue
        if encoded not in candidates:
            candidates.append(encoded)
    return candidates


def _wrong(filename: str) -> WrongPassphrase:
    return WrongPassphrase(f"{filename}: the passphrase does not open it")


def _is_password_error(error: RuntimeError) -> bool:
    text = str(error).lower()
    return "bad password" in text or "password required" in text or "requires a password" in text


def _unlock_zip(
    filename: str, content: bytes, passphrase: Passphrase, limits: Limits
) -> tuple[Unpacked, ...]:
    # Before parsing the directory: a million entries would hold the desk for a while.
    declared = _declared_entries(content)
    _too_many(filename, declared, max(limits.max_members, MAX_DOCUMENT_PARTS))
    with _open_zip(filename, content) as archive:
        infos = archive.infolist()
        encrypted = [info for info in infos if _is_encrypted(info) and not info.is_dir()]
        if not encrypted and "[Content_Types].xml" in archive.NameToInfo:
            raise HostileFile(
                Hostile.NOT_ENCRYPTED,
                f"{filename}: an Office document with no password to open it",
            )
        _check_structure(filename, infos, limits)
        if not encrypted:
            raise HostileFile(
                Hostile.NOT_ENCRYPTED, f"{filename}: a zip with nothing in it encrypted"
            )
        pwd = _password_for(archive, encrypted[0], filename, passphrase)
        return _read_all(archive, infos, filename, pwd, limits)


def _read_all(
    archive: Any, infos: list[Any], filename: str, pwd: bytes | None, limits: Limits
) -> tuple[Unpacked, ...]:
    unpacked: list[Unpacked] = []
    total = 0
    for info in infos:
        if info.is_dir() or (pwd is None and _is_encrypted(info)):
            continue
        data = _read_member(archive, info, filename, pwd, limits, total)
        total += len(data)
        _check_nested(filename, info.filename, data, limits)
        unpacked.append(Unpacked(info.filename, data))
    return tuple(unpacked)


def plain_members(filename: str, content: bytes, limits: Limits) -> tuple[Unpacked, ...]:
    """A zip's unencrypted members, read under every rule of :func:`unlock` (the breach
    checks read a plain zip's learner data; encrypted members are left out)."""
    _too_many(filename, _declared_entries(content), max(limits.max_members, MAX_DOCUMENT_PARTS))
    with _open_zip(filename, content) as archive:
        infos = archive.infolist()
        _check_structure(filename, infos, limits)
        return _read_all(archive, infos, filename, None, limits)


def _password_for(archive: Any, info: Any, filename: str, passphrase: Passphrase) -> bytes:
    """The encoding of the passphrase that opens the first encrypted member (the header check:
    two bytes for AES, one for ZipCrypto); WrongPassphrase when none does."""
    if not passphrase:
        raise _wrong(filename)
    for pwd in _passwords(passphrase):
        try:
            with archive.open(info, pwd=pwd):
                return pwd
        except RuntimeError as error:
            if _is_password_error(error):
                continue
            raise _unreadable(filename, info, error) from None
        except Exception as error:
            raise _unreadable(filename, info, error) from None
    raise _wrong(filename)


def _unreadable(filename: str, info: Any, error: Exception) -> LrsError:
    """The outcome for an error while reading a member. ZipCrypto checks one byte of the
    passphrase only: a wrong one passes 1 time in 256, and then the member fails its CRC; a
    ZipCrypto zip cannot tell that from a damaged file, and a wrong passphrase is likelier."""
    if isinstance(error, RuntimeError) and _is_password_error(error):
        return _wrong(filename)
    if isinstance(error, NotImplementedError):
        return HostileFile(
            Hostile.UNSUPPORTED,
            f"{filename}: member {_member(info.filename)} uses a method LRS Desk does not open",
        )
    if _is_encrypted(info) and not _is_aes(info):
        return WrongPassphrase(
            f"{filename}: the passphrase does not open it (or the file is damaged: a ZipCrypto"
            " zip cannot tell which)"
        )
    text = str(error)
    why = (
        "fails its CRC check"
        if "CRC" in text
        else "fails its authentication check"
        if "HMAC" in text
        else "cannot be read to its end (damaged or truncated)"
    )
    return HostileFile(Hostile.CORRUPT, f"{filename}: member {_member(info.filename)} {why}")


def _read_member(
    archive: Any, info: Any, filename: str, pwd: bytes | None, limits: Limits, so_far: int
) -> bytes:
    """A member's bytes, read in chunks and counted as they come: the limits hold for what is
    actually unpacked, whatever the headers claim."""
    chunks: list[bytes] = []
    got = 0
    try:
        with archive.open(info, pwd=pwd) as handle:
            while chunk := handle.read(_CHUNK):
                got += len(chunk)
                if so_far + got > limits.max_unpacked_bytes:
                    raise HostileFile(Hostile.TOO_LARGE, _too_large(filename, limits))
                _check_ratio(filename, info.filename, got, info.compress_size, limits)
                chunks.append(chunk)
            if _more_than_declared(handle):
                raise HostileFile(
                    Hostile.CORRUPT,
                    f"{filename}: member {_member(info.filename)} holds more than its header"
                    " says (its size was altered)",
                )
    except (HostileFile, WrongPassphrase):
        raise
    except Exception as error:  # every failure of a hostile member: its clear outcome
        raise _unreadable(filename, info, error) from None
    return b"".join(chunks)


def _more_than_declared(handle: Any) -> bool:
    """Whether a deflated member's stream goes on past the size its header declares. The
    zip reader stops at the declared size, so a header that understates it would cut the
    member short in silence (an AES-2 member has no CRC to catch it; its HMAC covers the
    packed bytes, which are whole). The reader's decompressor says whether its stream ended:
    one more byte asked of it tells."""
    decompressor = getattr(handle, "_decompressor", None)  # pyzipper's ZipExtFile (pinned <1)
    if decompressor is None or getattr(decompressor, "eof", True):
        return False
    try:
        more = decompressor.decompress(decompressor.unconsumed_tail, 1)
    except Exception:
        return True
    return bool(more) or not decompressor.eof


def _check_nested(filename: str, name: str, data: bytes, limits: Limits) -> None:
    """A member that is itself an archive by its bytes is refused; an Office document (a zip
    by its bytes) is held to the limits itself."""
    kind = archive_type(name, data[:512])
    if kind is None:
        return
    if kind == "zip" and _suffix(name) in OFFICE_SUFFIXES and is_office_document(data):
        try:
            check_document(name, data, limits)
        except HostileFile as inner:
            raise HostileFile(inner.outcome, f"{filename}: {inner}") from None
        return
    raise HostileFile(
        Hostile.NESTED,
        f"{filename}: member {_member(name)} is itself a {kind} archive (archives inside"
        " archives are not opened)",
    )


def check_document(name: str, content: bytes, limits: Limits) -> None:
    """An Office Open XML document (an .xlsx) read through in memory under the limits before
    a library parses it: its parts counted (at most MAX_DOCUMENT_PARTS), each part's bytes
    actually unpacked held to the size and ratio limits, each CRC checked. Raises
    :class:`HostileFile` (CORRUPT when it is no document at all)."""
    _too_many(name, _declared_entries(content), MAX_DOCUMENT_PARTS, "parts")
    try:
        document = zipfile.ZipFile(io.BytesIO(content))
    except Exception:
        raise HostileFile(
            Hostile.CORRUPT, f"{name}: not an Office document LRS Desk can read (damaged)"
        ) from None
    with document:
        infos = document.infolist()
        _too_many(name, len(infos), MAX_DOCUMENT_PARTS, "parts")
        if "[Content_Types].xml" not in document.NameToInfo:
            raise HostileFile(
                Hostile.CORRUPT, f"{name}: a zip, not an Office document (no content types)"
            )
        total = 0
        for info in infos:
            if _is_encrypted(info) or info.compress_type not in _READABLE_METHODS:
                raise HostileFile(
                    Hostile.UNSUPPORTED,
                    f"{name}: part {_member(info.filename)} uses a method LRS Desk does not open",
                )
            _check_ratio(name, info.filename, info.file_size, info.compress_size, limits)
            total += len(_read_member(document, info, name, None, limits, total))


def _unlock_office(
    filename: str, content: bytes, passphrase: Passphrase, limits: Limits
) -> Unpacked:
    """An encrypted Office file's document (ECMA-376 agile or standard encryption, what Excel
    writes for "Encrypt with Password"), decrypted in memory by msoffcrypto-tool."""
    streams = _ole_streams(content)
    if not streams:
        raise HostileFile(Hostile.CORRUPT, f"{filename}: not an Office file LRS Desk can read")
    if not streams >= {"encryptioninfo", "encryptedpackage"}:
        raise HostileFile(
            Hostile.UNSUPPORTED,
            f"{filename}: an Office 97-2003 file (or another OLE document), which LRS Desk does"
            " not open; ask the sender for an .xlsx in an AES-256 zip",
        )
    import msoffcrypto  # type: ignore[import-untyped]
    from msoffcrypto.exceptions import InvalidKeyError  # type: ignore[import-untyped]

    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(content))
        kind = getattr(office, "type", None)
        info: dict[str, Any] = getattr(office, "info", {}) or {}
    except Exception:
        raise HostileFile(
            Hostile.CORRUPT, f"{filename}: its encryption header cannot be read (damaged)"
        ) from None
    if kind not in ("agile", "standard"):
        raise HostileFile(
            Hostile.UNSUPPORTED, f"{filename}: an Office encryption LRS Desk does not open"
        )
    rounds = info.get("spinValue", 0) if kind == "agile" else 0
    if not isinstance(rounds, int) or rounds > MAX_KEY_ROUNDS:
        raise HostileFile(
            Hostile.UNSUPPORTED,
            f"{filename}: asks for more than {MAX_KEY_ROUNDS:,} key rounds (Office writes 100,000)",
        )
    if not passphrase:
        raise _wrong(filename)
    try:
        office.load_key(password=passphrase.reveal(), verify_password=True)
    except InvalidKeyError:
        raise _wrong(filename) from None
    except Exception:
        raise HostileFile(
            Hostile.CORRUPT, f"{filename}: its encryption header cannot be read (damaged)"
        ) from None
    out = io.BytesIO()
    try:
        office.decrypt(out, verify_integrity=kind == "agile")
    except Exception:  # the passphrase was verified: what fails now is the file
        raise HostileFile(
            Hostile.CORRUPT, f"{filename}: decrypted, but its contents are damaged"
        ) from None
    data = out.getvalue()
    name = _document_name(filename, data)
    try:
        check_document(name, data, limits)
    except HostileFile as inner:
        if name == filename:
            raise
        raise HostileFile(inner.outcome, f"{filename}: {inner}") from None
    return Unpacked(name, data)


def _document_name(filename: str, data: bytes) -> str:
    """The decrypted document's name: the file's own when it says which Office format, else
    its stem with the extension its parts show (an encrypted file sent as "learners.dat")."""
    if _suffix(filename) in OFFICE_SUFFIXES:
        return filename
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as document:
            names = set(document.NameToInfo)
    except Exception:
        return filename
    stem = filename[: -len(_suffix(filename))] if _suffix(filename) else filename
    for part, extension in (("xl/", ".xlsx"), ("word/", ".docx"), ("ppt/", ".pptx")):
        if any(n.startswith(part) for n in names):
            return stem + extension
    return filename


def make_aes_zip(members: Mapping[str, bytes], passphrase: Passphrase) -> bytes:
    """An AES-256 zip of ``members`` (the export back to a provider; the samples), in memory."""
    import pyzipper

    if not passphrase:
        raise ValueError("an AES zip needs a passphrase")
    for name in members:
        why = unsafe_name(name)
        if why:
            raise ValueError(f"member {_member(name)} has {why}")
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(
        buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
    ) as archive:
        archive.setpassword(passphrase.reveal().encode("utf-8"))
        archive.setencryption(pyzipper.WZ_AES, nbits=256)
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()
