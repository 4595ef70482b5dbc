"""Issue 13 item 4: an attachment's kind, and opening an encrypted one in memory (AES zip,
ZipCrypto, encrypted Office), with a clear outcome for every hostile file and nothing decrypted
written to disk (User Guide §1.4; DOMAIN.md "Encrypted email to the desk": AES-256). Every
file here is made by the test, in memory."""

from __future__ import annotations

import builtins
import io
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import pyzipper  # type: ignore[import-untyped]
from msoffcrypto.format.ooxml import OOXMLFile  # type: ignore[import-untyped]
from openpyxl import Workbook

from lrs_core.domain.kinds import AttachmentKind
from lrs_core.intake import archives
from lrs_core.intake.archives import (
    Hostile,
    HostileFile,
    Limits,
    WrongPassphrase,
    attachment_kind,
    check_before_opening,
    check_document,
    make_aes_zip,
    unlock,
)
from lrs_core.intake.passphrase import Passphrase
from lrs_core.intake.samples import zipcrypto_zip

PHRASE = "Harbour-4827-Lantern!"
RIGHT = Passphrase(PHRASE)
CSV = b"ULN,GivenName,FamilyName,DateOfBirth\r\n1000000043,Sian,O'Brien,2005-03-12\r\n"
LIMITS = Limits()


def xlsx(rows: int = 2) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["ULN", "GivenName"])
    for n in range(rows - 1):
        sheet.append([1000000043, f"Learner {n}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def encrypted_xlsx(passphrase: str = PHRASE) -> bytes:
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(xlsx())).encrypt(passphrase, out)
    return out.getvalue()


def aes_zip(
    members: dict[str, bytes] | list[tuple[Any, bytes]],
    *,
    compression: int = pyzipper.ZIP_DEFLATED,
    passphrase: str = PHRASE,
) -> bytes:
    """An AES-256 zip with any member names (make_aes_zip refuses unsafe ones) and infos."""
    out = io.BytesIO()
    with pyzipper.AESZipFile(
        out, "w", compression=compression, encryption=pyzipper.WZ_AES
    ) as archive:
        archive.setpassword(passphrase.encode())
        items = members.items() if isinstance(members, dict) else members
        for name, data in items:
            archive.writestr(name, data)
    return out.getvalue()


def plain_zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def symlink_info(name: str) -> zipfile.ZipInfo:
    info = pyzipper.zipfile_aes.AESZipInfo(name)
    info.external_attr = 0o120777 << 16
    info.compress_type = pyzipper.ZIP_DEFLATED
    return info


# --- attachment_kind ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make", "kind"),
    [
        ("learners.zip", lambda: make_aes_zip({"l.csv": CSV}, RIGHT), AttachmentKind.AES_ZIP),
        (
            "learners.zip",
            lambda: zipcrypto_zip({"l.csv": CSV}, RIGHT),
            AttachmentKind.ZIPCRYPTO_ZIP,
        ),
        ("learners.xlsx", encrypted_xlsx, AttachmentKind.ENCRYPTED_OFFICE),
        # Its name does not decide: an encrypted Office file sent as "learners.dat".
        ("learners.dat", encrypted_xlsx, AttachmentKind.ENCRYPTED_OFFICE),
        ("learners.zip", lambda: plain_zip({"l.csv": CSV}), AttachmentKind.PLAIN_ZIP),
        ("learners.xlsx", xlsx, AttachmentKind.PLAIN_FILE),
        ("learners.csv", lambda: CSV, AttachmentKind.PLAIN_FILE),
        ("learners.bin", lambda: os.urandom(2000), AttachmentKind.PLAIN_FILE),
        ("learners.zip", lambda: os.urandom(2000), AttachmentKind.PLAIN_ZIP),
        ("cut.zip", lambda: make_aes_zip({"l.csv": CSV}, RIGHT)[:60], AttachmentKind.PLAIN_ZIP),
        ("empty", lambda: b"", AttachmentKind.PLAIN_FILE),
        ("ole.doc", lambda: archives._OLE + os.urandom(600), AttachmentKind.PLAIN_FILE),
    ],
)
def test_an_attachment_s_kind_is_told_by_its_bytes(
    name: str, make: Callable[[], bytes], kind: AttachmentKind
) -> None:
    assert attachment_kind(name, make()) is kind


def test_a_zip_with_any_aes_member_is_an_aes_zip() -> None:
    weak = zipcrypto_zip({"a.csv": CSV}, RIGHT)
    strong = make_aes_zip({"b.csv": CSV}, RIGHT)
    assert attachment_kind("w.zip", weak) is AttachmentKind.ZIPCRYPTO_ZIP
    assert attachment_kind("s.zip", strong) is AttachmentKind.AES_ZIP


# --- unlock: what opens ---------------------------------------------------------------------


def test_an_aes_zip_opens_in_memory() -> None:
    book = xlsx()
    got = unlock(
        "learners.zip", aes_zip({"learners.csv": CSV, "learners.xlsx": book}), RIGHT, LIMITS
    )
    assert {m.name: m.content for m in got} == {"learners.csv": CSV, "learners.xlsx": book}


def test_a_zipcrypto_zip_opens_in_memory() -> None:
    got = unlock("old.zip", zipcrypto_zip({"learners.csv": CSV}, RIGHT), RIGHT, LIMITS)
    assert [(m.name, m.content) for m in got] == [("learners.csv", CSV)]


def test_an_encrypted_office_file_opens_to_its_document() -> None:
    (got,) = unlock("learners.xlsx", encrypted_xlsx(), RIGHT, LIMITS)
    assert got.name == "learners.xlsx"
    assert "[Content_Types].xml" in zipfile.ZipFile(io.BytesIO(got.content)).namelist()


def test_an_encrypted_office_file_under_another_name_gets_its_extension() -> None:
    (got,) = unlock("learners.dat", encrypted_xlsx(), RIGHT, LIMITS)
    assert got.name == "learners.xlsx"


def test_folders_in_a_zip_are_left_out() -> None:
    got = unlock("f.zip", aes_zip({"data/": b"", "data/learners.csv": CSV}), RIGHT, LIMITS)
    assert [m.name for m in got] == ["data/learners.csv"]


@pytest.mark.parametrize("text", ["Siân-é-Brien-2041?", "Größe-4827-Straße!"])
@pytest.mark.parametrize("encoding", ["utf-8", "cp437", "cp1252"])
def test_a_non_ascii_passphrase_opens_however_the_tool_encoded_it(text: str, encoding: str) -> None:
    # 7-Zip and WinZip AES write UTF-8; an old ZipCrypto tool the DOS or Windows code page.
    weak = zipcrypto_zip({"l.csv": CSV}, Passphrase(text), encoding=encoding)
    assert unlock("old.zip", weak, Passphrase(text), LIMITS)[0].content == CSV


def test_what_is_unlocked_never_shows_its_contents() -> None:
    got = unlock("l.zip", make_aes_zip({"learners.csv": CSV}, RIGHT), RIGHT, LIMITS)
    assert "1000000043" not in repr(got)


# --- unlock: the wrong passphrase ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("aes.zip", lambda: make_aes_zip({"l.csv": CSV}, RIGHT)),
        ("weak.zip", lambda: zipcrypto_zip({"l.csv": CSV}, RIGHT)),
        ("learners.xlsx", encrypted_xlsx),
    ],
)
@pytest.mark.parametrize("tried", ["Harbour-4827-Lantern?", "", "harbour-4827-lantern!"])
def test_a_wrong_passphrase_is_said_and_never_repeated(
    name: str, make: Callable[[], bytes], tried: str
) -> None:
    with pytest.raises(WrongPassphrase, match="the passphrase does not open it") as wrong:
        unlock(name, make(), Passphrase(tried), LIMITS)
    assert name in str(wrong.value)
    assert not tried or tried not in str(wrong.value)
    assert PHRASE not in str(wrong.value)
    assert wrong.value.__cause__ is None


def test_a_zipcrypto_member_that_fails_after_the_one_byte_check_is_a_wrong_passphrase() -> None:
    """ZipCrypto checks one byte of the key: 1 wrong passphrase in 256 passes it and then
    fails the CRC. That is said as a wrong passphrase (or damage), never a crash."""
    weak = bytearray(zipcrypto_zip({"l.csv": CSV * 50}, RIGHT))
    weak[60] ^= 0xFF  # in the deflated data, after the 12-byte header
    with pytest.raises(WrongPassphrase, match="cannot tell which"):
        unlock("weak.zip", bytes(weak), RIGHT, LIMITS)


# --- unlock: the hostile-file set (issue 13 item 4) ----------------------------------------

ZEROS = bytes(5 * 1024 * 1024)  # deflates about a thousand times over


def _bomb_in_a_document() -> bytes:
    document = plain_zip({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": ZEROS})
    return aes_zip({"learners.xlsx": document})


def _truncated() -> bytes:
    whole = make_aes_zip({"l.csv": CSV * 100}, RIGHT)
    return whole[: len(whole) // 2]


def _tampered() -> bytes:
    whole = bytearray(aes_zip({"l.csv": CSV * 100}, compression=pyzipper.ZIP_STORED))
    whole[200] ^= 0x01  # a ciphertext byte, stored: it decrypts to a wrong byte, the HMAC fails
    return bytes(whole)


def _tampered_hmac() -> bytes:
    whole = bytearray(make_aes_zip({"l.csv": CSV * 100}, RIGHT))
    whole[whole.index(b"PK\x01\x02") - 1] ^= 0x01  # the member's last byte: its HMAC
    return bytes(whole)


def _tampered_deflated() -> bytes:
    whole = bytearray(make_aes_zip({"l.csv": CSV * 100}, RIGHT))
    whole[80] ^= 0x01  # inside the deflated stream: it no longer inflates
    return bytes(whole)


def _bad_crc_document() -> bytes:
    document = bytearray(plain_zip({"[Content_Types].xml": b"<Types/>", "xl/a.xml": b"<a/>" * 50}))
    document[14] ^= 0xFF  # the first local header's CRC-32
    document[document.index(b"PK\x01\x02") + 16] ^= 0xFF  # and the central directory's copy
    return bytes(document)


def case(
    id: str,
    name: str,
    make: Callable[[], bytes],
    outcome: Hostile,
    says: str,
    limits: Limits = LIMITS,
) -> Any:
    """(the file's name, the file, the limits, its outcome, what the message says beside the
    file's name), under a readable id."""
    return pytest.param(name, make, limits, outcome, says, id=id)


HOSTILE = [
    case(
        "too many members",
        "many.zip",
        lambda: aes_zip({f"p{n:02d}.csv": CSV for n in range(21)}),
        Hostile.TOO_MANY_MEMBERS,
        "21 members, over the limit of 20",
    ),
    case(
        "total unpacked size",
        "big.zip",
        lambda: aes_zip({f"p{n}.bin": os.urandom(400_000) for n in range(3)}),
        Hostile.TOO_LARGE,
        "the limit of 1 MB",
        Limits(max_unpacked_bytes=1024 * 1024),
    ),
    case(
        "zip bomb ratio",
        "bomb.zip",
        lambda: aes_zip({"l.csv": ZEROS}),
        Hostile.RATIO,
        "more than 200 times its packed size",
    ),
    case(
        "zip bomb in an xlsx",
        "bomb.zip",
        _bomb_in_a_document,
        Hostile.RATIO,
        "learners.xlsx: member 'xl/worksheets/sheet1.xml' unpacks to more than 200 times",
    ),
    case(
        "dot-dot",
        "t.zip",
        lambda: aes_zip({"../../etc/cron.d/x.csv": CSV}),
        Hostile.PATH,
        "climbing out",
    ),
    case(
        "dot-dot inside", "t.zip", lambda: aes_zip({"data/../../x.csv": CSV}), Hostile.PATH, "(..)"
    ),
    case("absolute", "t.zip", lambda: aes_zip({"/etc/passwd": CSV}), Hostile.PATH, "absolute"),
    case(
        "drive letter",
        "t.zip",
        lambda: aes_zip({"C:/Windows/x.csv": CSV}),
        Hostile.PATH,
        "drive letter",
    ),
    case(
        "drive relative", "t.zip", lambda: aes_zip({"C:x.csv": CSV}), Hostile.PATH, "drive letter"
    ),
    case("backslash", "t.zip", lambda: aes_zip({"..\\..\\x.csv": CSV}), Hostile.PATH, "backslash"),
    case(
        "control character",
        "t.zip",
        lambda: aes_zip({"a\x1b[2Jb.csv": CSV}),
        Hostile.PATH,
        "control characters",
    ),
    case(
        "nested zip by name",
        "n.zip",
        lambda: aes_zip({"inner.zip": plain_zip({"l.csv": CSV})}),
        Hostile.NESTED,
        "'inner.zip' is itself a zip archive",
    ),
    case(
        "nested 7z by name",
        "n.zip",
        lambda: aes_zip({"inner.7z": b"x"}),
        Hostile.NESTED,
        "'inner.7z' is itself a 7z archive",
    ),
    case(
        "nested zip by bytes",
        "n.zip",
        lambda: aes_zip({"learners.csv": plain_zip({"l.csv": CSV})}),
        Hostile.NESTED,
        "'learners.csv' is itself a zip archive",
    ),
    case(
        "nested gzip by bytes",
        "n.zip",
        lambda: aes_zip({"learners.csv": b"\x1f\x8b\x08\x00" + bytes(40)}),
        Hostile.NESTED,
        "itself a gzip archive",
    ),
    case(
        "nested rar by bytes",
        "n.zip",
        lambda: aes_zip({"notes.txt": b"Rar!\x1a\x07\x01\x00" + bytes(40)}),
        Hostile.NESTED,
        "itself a RAR archive",
    ),
    case(
        "a zip posing as an xlsx",
        "n.zip",
        lambda: aes_zip({"learners.xlsx": plain_zip({"evil.csv": CSV})}),
        Hostile.NESTED,
        "'learners.xlsx' is itself a zip archive",
    ),
    case(
        "symlink",
        "s.zip",
        lambda: aes_zip([(symlink_info("learners.csv"), b"/etc/passwd")]),
        Hostile.SYMLINK,
        "'learners.csv' is a symbolic link",
    ),
    case("random bytes named zip", "r.zip", lambda: os.urandom(4000), Hostile.CORRUPT, "not a zip"),
    case("empty file named zip", "e.zip", lambda: b"", Hostile.CORRUPT, "not a zip"),
    case("truncated", "cut.zip", _truncated, Hostile.CORRUPT, "not a zip"),
    case("tampered, stored", "t.zip", _tampered, Hostile.CORRUPT, "authentication check"),
    case("tampered HMAC", "t.zip", _tampered_hmac, Hostile.CORRUPT, "authentication check"),
    case(
        "tampered, deflated",
        "t.zip",
        _tampered_deflated,
        Hostile.CORRUPT,
        "member 'l.csv' cannot be read to its end",
    ),
    case(
        "bad CRC in a document",
        "d.zip",
        lambda: aes_zip({"learners.xlsx": _bad_crc_document()}),
        Hostile.CORRUPT,
        "fails its CRC check",
    ),
    case(
        "random bytes named xlsx",
        "r.xlsx",
        lambda: os.urandom(4000),
        Hostile.CORRUPT,
        "not an Office document",
    ),
    case(
        "damaged OLE",
        "o.xlsx",
        lambda: archives._OLE + os.urandom(4000),
        Hostile.CORRUPT,
        "not an Office file",
    ),
    case(
        "plain zip",
        "p.zip",
        lambda: plain_zip({"l.csv": CSV}),
        Hostile.NOT_ENCRYPTED,
        "nothing in it encrypted",
    ),
    case("plain xlsx", "p.xlsx", xlsx, Hostile.NOT_ENCRYPTED, "no password to open it"),
    case("plain csv", "p.csv", lambda: CSV, Hostile.NOT_ENCRYPTED, "a plain file"),
    case(
        "7z archive",
        "l.7z",
        lambda: b"7z\xbc\xaf\x27\x1c" + bytes(100),
        Hostile.UNSUPPORTED,
        "a 7z archive",
    ),
    case(
        "rar archive",
        "l.rar",
        lambda: b"Rar!\x1a\x07\x00" + bytes(100),
        Hostile.UNSUPPORTED,
        "a RAR archive",
    ),
    case(
        "bzip2 method",
        "m.zip",
        lambda: aes_zip({"l.csv": CSV}, compression=pyzipper.ZIP_BZIP2),
        Hostile.UNSUPPORTED,
        "method",
    ),
]


@pytest.mark.parametrize(("name", "make", "limits", "outcome", "says"), HOSTILE)
def test_a_hostile_file_has_a_clear_outcome(
    name: str, make: Callable[[], bytes], limits: Limits, outcome: Hostile, says: str
) -> None:
    with pytest.raises(HostileFile) as hostile:
        unlock(name, make(), RIGHT, limits)
    assert hostile.value.outcome is outcome
    assert str(hostile.value).startswith(f"{name}: ")
    assert says in str(hostile.value)
    assert PHRASE not in str(hostile.value)


@pytest.mark.parametrize("count", [19, 20])
def test_members_up_to_the_limit_open(count: int) -> None:
    got = unlock("ok.zip", aes_zip({f"p{n}.csv": CSV for n in range(count)}), RIGHT, LIMITS)
    assert len(got) == count


def test_a_small_repetitive_member_is_no_bomb_by_its_ratio() -> None:
    """Below RATIO_GRACE_BYTES what comes out is small, however well it compressed."""
    small = bytes(archives.RATIO_GRACE_BYTES - 1)
    assert unlock("ok.zip", aes_zip({"l.csv": small}), RIGHT, LIMITS)[0].content == small


def test_an_xlsx_inside_an_aes_zip_is_a_document_not_a_nested_archive() -> None:
    book = xlsx()
    assert unlock("ok.zip", aes_zip({"learners.xlsx": book}), RIGHT, LIMITS)[0].content == book


def test_the_limits_hold_for_what_is_read_not_what_the_headers_claim(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the header checks gone (a header may lie), the bytes actually unpacked still
    meet the size and ratio limits as they are read, chunk by chunk."""
    monkeypatch.setattr(archives, "_check_structure", lambda *_args: None)
    with pytest.raises(HostileFile) as bomb:
        unlock("bomb.zip", aes_zip({"l.csv": ZEROS}), RIGHT, LIMITS)
    assert bomb.value.outcome is Hostile.RATIO
    with pytest.raises(HostileFile) as big:
        unlock(
            "big.zip",
            aes_zip({"a.bin": os.urandom(600_000), "b.bin": os.urandom(600_000)}),
            RIGHT,
            Limits(max_unpacked_bytes=1024 * 1024),
        )
    assert big.value.outcome is Hostile.TOO_LARGE


def test_a_header_understating_a_member_s_size_is_corrupt_not_a_bomb() -> None:
    whole = bytearray(aes_zip({"l.csv": ZEROS}))
    central = whole.index(b"PK\x01\x02")
    whole[central + 24 : central + 28] = (100).to_bytes(4, "little")  # says 100 bytes
    local_size_at = 22
    whole[local_size_at : local_size_at + 4] = (100).to_bytes(4, "little")
    with pytest.raises(HostileFile, match="more than its header says") as hostile:
        unlock("liar.zip", bytes(whole), RIGHT, LIMITS)
    assert hostile.value.outcome is Hostile.CORRUPT


def test_a_directory_of_a_million_entries_is_refused_before_it_is_parsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    whole = bytearray(aes_zip({"l.csv": CSV}))
    end = whole.rindex(b"PK\x05\x06")
    whole[end + 8 : end + 12] = (65000).to_bytes(2, "little") * 2  # entries on disk, in all
    monkeypatch.setattr(archives, "_open_zip", _never)
    with pytest.raises(HostileFile, match="65,000 members") as hostile:
        unlock("many.zip", bytes(whole), RIGHT, LIMITS)
    assert hostile.value.outcome is Hostile.TOO_MANY_MEMBERS


def _never(*_args: object) -> None:
    raise AssertionError("the directory was parsed")


def test_an_office_file_asking_for_too_many_key_rounds_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(archives, "MAX_KEY_ROUNDS", 50_000)  # Excel's file asks 100,000
    with pytest.raises(HostileFile, match="key rounds") as hostile:
        unlock("learners.xlsx", encrypted_xlsx(), RIGHT, LIMITS)
    assert hostile.value.outcome is Hostile.UNSUPPORTED


def test_check_before_opening_finds_what_needs_no_passphrase() -> None:
    check_before_opening("ok.zip", make_aes_zip({"l.csv": CSV}, RIGHT), LIMITS)
    check_before_opening("plain.csv", CSV, LIMITS)  # no zip: unlock judges it
    many_parts = {"[Content_Types].xml": b"<Types/>"} | {f"xl/p{n}.xml": b"<a/>" for n in range(30)}
    check_before_opening("plain.xlsx", plain_zip(many_parts), LIMITS)  # a document, no archive
    for members, outcome in (
        ({"../x.csv": CSV}, Hostile.PATH),
        ({"inner.zip": b"x"}, Hostile.NESTED),
        ({f"p{n}": CSV for n in range(21)}, Hostile.TOO_MANY_MEMBERS),
    ):
        with pytest.raises(HostileFile) as hostile:
            check_before_opening("h.zip", aes_zip(members), LIMITS)
        assert hostile.value.outcome is outcome


def test_check_document_holds_an_xlsx_to_the_limits() -> None:
    check_document("ok.xlsx", xlsx(100), LIMITS)
    with pytest.raises(HostileFile) as hostile:
        check_document("ok.xlsx", xlsx(2000), Limits(max_unpacked_bytes=20_000))
    assert hostile.value.outcome is Hostile.TOO_LARGE
    with pytest.raises(HostileFile) as hostile:
        check_document("x.xlsx", plain_zip({"a.csv": CSV}), LIMITS)
    assert hostile.value.outcome is Hostile.CORRUPT


# --- nothing decrypted is written to disk ---------------------------------------------------


def test_nothing_is_written_to_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13 item 4: "Nothing decrypted is written to disk in clear". Every kind opens with
    the temporary folder pointed at an empty one and open() for writing forbidden."""
    files = [
        ("aes.zip", aes_zip({"l.csv": CSV, "l.xlsx": xlsx()})),
        ("weak.zip", zipcrypto_zip({"l.csv": CSV}, RIGHT)),
        ("learners.xlsx", encrypted_xlsx()),
    ]
    for name, content in files:  # once first: whatever the libraries load on first use
        unlock(name, content, RIGHT, LIMITS)
    empty = tmp_path / "tmp"
    empty.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(empty))
    for variable in ("TMPDIR", "TEMP", "TMP"):
        monkeypatch.setenv(variable, str(empty))
    writes: list[str] = []
    real_open = builtins.open

    def guarded_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(flag in mode for flag in "wax+"):
            writes.append(str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(io, "open", guarded_open)
    for name, content in files:
        assert unlock(name, content, RIGHT, LIMITS)
    assert writes == []
    assert list(empty.iterdir()) == []


# --- make_aes_zip -----------------------------------------------------------------------------


def test_make_aes_zip_is_aes_256_and_opens_with_its_passphrase() -> None:
    made = make_aes_zip({"results.csv": CSV, "notes.txt": b"x"}, RIGHT)
    with pyzipper.AESZipFile(io.BytesIO(made)) as archive:
        assert {info.wz_aes_strength for info in archive.infolist()} == {3}  # 256-bit
    assert attachment_kind("results.zip", made) is AttachmentKind.AES_ZIP
    got = unlock("results.zip", made, RIGHT, LIMITS)
    assert {m.name: m.content for m in got} == {"results.csv": CSV, "notes.txt": b"x"}
    assert CSV not in made


@pytest.mark.parametrize("name", ["../x.csv", "/x.csv", "a\\b.csv"])
def test_make_aes_zip_refuses_an_unsafe_member_name(name: str) -> None:
    with pytest.raises(ValueError, match="member"):
        make_aes_zip({name: CSV}, RIGHT)


def test_make_aes_zip_refuses_an_empty_passphrase() -> None:
    with pytest.raises(ValueError, match="needs a passphrase"):
        make_aes_zip({"a.csv": CSV}, Passphrase(""))
