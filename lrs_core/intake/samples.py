"""The demo's and the tests' intake emails, made by the code itself (issue 13, item 9): every
learner in them is synthetic. Each sample is the message's bytes plus what a test needs to
know about it (the passphrase phoned, what the checks should find)."""

from __future__ import annotations

import csv
import io
import random
import secrets
import struct
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from lrs_core import demo_data as data
from lrs_core.domain.kinds import BreachRule
from lrs_core.domain.values import make_uln
from lrs_core.intake.archives import Hostile, make_aes_zip
from lrs_core.intake.passphrase import Passphrase

# The passphrase the demo's compliant provider phones in (published, like the demo passwords).
DEMO_PASSPHRASE = "Harbour-4827-Lantern!"
# What the other senders phone in: the ZipCrypto sender's is short of the guidance (no symbol,
# ten characters), so the demo shows the advice; the others meet it.
ZIPCRYPTO_PASSPHRASE = "copper5150"
OFFICE_PASSPHRASE = "Quartz-7731-Orchard#"
PASSPHRASE_IN_EMAIL = "Lantern-2468-Summit!"
HOSTILE_PASSPHRASE = "Beacon-3190-Thistle?"

# The desk's mailbox, and the senders (fake domains: the demo seeds portal users with these
# addresses in their organisations, so each sample's sender is matched by email).
DESK_ADDRESS = "lrs.desk@example-lrs.org.uk"
SENDER_COMPLIANT = "mis.team@example-college.ac.uk"
SENDER_ZIPCRYPTO = "exams.office@example-college.ac.uk"
SENDER_OFFICE = "data.manager@example-academy.sch.uk"
SENDER_ULN_IN_BODY = "admissions@example-academy.sch.uk"
SENDER_PASSPHRASE_IN_EMAIL = "registry@example-training.co.uk"
SENDER_PLAIN_CSV = "enrolments@example-training.co.uk"
SENDER_HOSTILE = "learner.data@example-training.co.uk"
SENDERS: tuple[str, ...] = (
    SENDER_COMPLIANT, SENDER_ZIPCRYPTO, SENDER_OFFICE, SENDER_ULN_IN_BODY,
    SENDER_PASSPHRASE_IN_EMAIL, SENDER_PLAIN_CSV, SENDER_HOSTILE,
)  # fmt: skip
# When the first sample was sent (the others follow a few minutes apart) unless told.
SENT_AT = datetime(2026, 11, 23, 8, 5, tzinfo=UTC)


@dataclass(frozen=True)
class Sample:
    name: str  # e.g. "compliant-aes-zip"
    raw: bytes = field(repr=False)
    passphrase: Passphrase | None  # what the sender phones in, when there is a file to open
    expected_rules: tuple[str, ...]  # BreachRule values the receipt checks should find
    sender: str = ""  # the From: address (one of SENDERS)
    # Of expected_rules, those found only once the phoned passphrase is typed (the passphrase
    # in the same email cannot be seen before it is known).
    found_after_passphrase: tuple[str, ...] = ()
    hostile: str | None = None  # the archives.Hostile outcome of unlocking its file
    note: str = ""  # what the sample shows, for the demo's notes and a test's message

    @property
    def found_at_receipt(self) -> tuple[str, ...]:
        return tuple(r for r in self.expected_rules if r not in self.found_after_passphrase)


NAMES: tuple[str, ...] = (
    "compliant-aes-zip",
    "zipcrypto-zip",
    "encrypted-xlsx",
    "uln-and-dob-in-body",
    "passphrase-in-email",
    "plain-csv",
    "hostile-zip",
)

# The spreadsheets' headers: the LRS batch field names, or the usual variants a provider's
# own system writes (sheets.map_header maps both).
LRS_HEADERS: dict[str, str] = {
    "uln": "ULN", "given_name": "GivenName", "middle_other_name": "MiddleOtherName",
    "family_name": "FamilyName", "date_of_birth": "DateOfBirth", "gender": "Gender",
    "postcode": "LastKnownPostCode",
}  # fmt: skip
VARIANT_HEADERS: dict[str, str] = {
    "uln": "ULN", "given_name": "Forename", "middle_other_name": "Middle Names",
    "family_name": "Surname", "date_of_birth": "DOB", "gender": "Sex", "postcode": "Post Code",
}  # fmt: skip


def sample_rows(n: int, seed: int = 13) -> list[dict[str, str]]:
    """``n`` synthetic learner rows (learner field -> text), the same for the same seed: given
    and family names (some accented, some with apostrophes), date of birth (YYYY-MM-DD),
    gender code, postcode; about three in four with a valid ULN (each different), the rest
    with none (matched by personal details)."""
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    ulns: set[str] = set()
    for _ in range(n):
        female = rng.random() < 0.5
        if rng.random() < 0.1:
            given = rng.choice(data.FEMALE_GIVEN_ACCENTED if female else data.MALE_GIVEN_ACCENTED)
        else:
            given = rng.choice(data.FEMALE_GIVEN if female else data.MALE_GIVEN)
        pick = rng.random()
        families = (
            data.APOSTROPHE if pick < 0.08 else data.ACCENTED_FAMILY if pick < 0.14 else data.FAMILY
        )
        born = date(1990, 1, 1) + timedelta(days=rng.randrange(20 * 365))
        gender = "9" if rng.random() < 0.03 else "2" if female else "1"
        outward = rng.choice(data.POSTCODE_AREAS)[0]
        letters = data.INWARD_LETTERS
        postcode = f"{outward} {rng.randrange(10)}{rng.choice(letters)}{rng.choice(letters)}"
        uln = ""
        if rng.random() < 0.75:
            while not uln or uln in ulns:
                uln = make_uln(rng.randrange(100_000_000, 1_000_000_000)) or ""
            ulns.add(uln)
        rows.append(
            {
                "uln": uln,
                "given_name": given,
                "family_name": rng.choice(families),
                "date_of_birth": born.isoformat(),
                "gender": gender,
                "postcode": postcode,
            }
        )
    return rows


def samples(
    rows: list[dict[str, str]] | None = None, *, sent_at: datetime = SENT_AT
) -> tuple[Sample, ...]:
    """The seven samples of issue 13: a compliant AES zip (passphrase phoned), a ZipCrypto
    zip, an encrypted xlsx, a ULN and date of birth in a plain body, the passphrase in the
    same email, a plain CSV attachment, a hostile zip. ``rows`` (learner field -> value) fill
    the spreadsheets; by default a few synthetic rows. ``sent_at``: the first one's Date
    (the rest follow, seven minutes apart).

    The expected rules are §1.4's as domain/breaches.py words them: a ULN found beside a
    demographic is "uln-with-demographic" (and not also "demographics", which is for
    demographics with no ULN); an unencrypted attachment holding learner data is
    "unencrypted-attachment" with the findings of its text."""
    rows = rows if rows is not None else sample_rows(6)
    if not rows:
        raise ValueError("the samples need at least one row")
    learner = next((r for r in rows if r.get("uln") and r.get("date_of_birth")), None)
    if learner is None:
        raise ValueError("the samples need a row with a ULN and a date of birth")
    when = [sent_at + timedelta(minutes=7 * n) for n in range(len(NAMES))]
    weak = Passphrase(ZIPCRYPTO_PASSPHRASE)
    return (
        Sample(
            "compliant-aes-zip",
            _email(
                0, when[0], ("MIS Team, Example College", SENDER_COMPLIANT),
                "Learners for matching",
                "Hello,\n\nPlease find attached the learners our batch could not match, in an"
                " AES-256 zip as the guidance asks. I will phone the passphrase through.\n\n"
                "Kind regards,\nMIS Team, Example College",
                [("learners.zip", "application/zip",
                  make_aes_zip({"learners.xlsx": sheet_xlsx(rows, LRS_HEADERS)},
                               Passphrase(DEMO_PASSPHRASE)))],
            ),
            Passphrase(DEMO_PASSPHRASE),
            (),
            sender=SENDER_COMPLIANT,
            note="Compliant: an AES-256 zip, the passphrase phoned in; nothing to report.",
        ),
        Sample(
            "zipcrypto-zip",
            _email(
                1, when[1], ("Exams Office, Example College", SENDER_ZIPCRYPTO),
                "Suspected duplicate learners",
                "Hi,\n\nAttached is the list of learners we think are duplicated. The"
                " passphrase will follow by phone.\n\nThanks,\nExams Office",
                [("duplicates.zip", "application/zip",
                  zipcrypto_zip({"duplicates.csv": sheet_csv(rows, VARIANT_HEADERS)}, weak))],
            ),
            weak,
            (BreachRule.WEAK_ENCRYPTION,),
            sender=SENDER_ZIPCRYPTO,
            note="A legacy ZipCrypto zip (not AES-256), and a phoned passphrase short of the"
            " guidance (no symbol, under 15 characters): flagged as weak, advice shown.",
        ),
        Sample(
            "encrypted-xlsx",
            _email(
                2, when[2], ("Data Manager, Example Academy", SENDER_OFFICE),
                "Learner records for checking",
                "Good morning,\n\nThe spreadsheet attached is encrypted: it needs a passphrase"
                " to open, and I will call the desk with it.\n\nRegards,\nData Manager",
                [("learners.xlsx",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  encrypt_xlsx(sheet_xlsx(rows, VARIANT_HEADERS), Passphrase(OFFICE_PASSPHRASE)))],
            ),
            Passphrase(OFFICE_PASSPHRASE),
            (),
            sender=SENDER_OFFICE,
            note="An Excel file encrypted with a password to open it (ECMA-376 agile, AES).",
        ),
        Sample(
            "uln-and-dob-in-body",
            _email(
                3, when[3], ("Admissions, Example Academy", SENDER_ULN_IN_BODY),
                "Learner not found",
                "Hello,\n\nWe cannot find learner "
                f"{learner['uln']}, date of birth {_uk_date(learner['date_of_birth'])}, on the"
                " portal. Can you help?\n\nAdmissions",
                [],
            ),
            None,
            (BreachRule.ULN_WITH_DEMOGRAPHIC,),
            sender=SENDER_ULN_IN_BODY,
            note="A ULN and a date of birth in a plain email body: a breach.",
        ),
        Sample(
            "passphrase-in-email",
            _email(
                4, when[4], ("Registry, Example Training", SENDER_PASSPHRASE_IN_EMAIL),
                "Learners attached",
                "Hi,\n\nPlease find the learners attached. To save a phone call, the"
                f" passphrase is {PASSPHRASE_IN_EMAIL}\n\nThanks,\nRegistry",
                [("learners.zip", "application/zip",
                  make_aes_zip({"learners.xlsx": sheet_xlsx(rows, LRS_HEADERS)},
                               Passphrase(PASSPHRASE_IN_EMAIL)))],
            ),
            Passphrase(PASSPHRASE_IN_EMAIL),
            (BreachRule.PASSPHRASE_IN_EMAIL,),
            sender=SENDER_PASSPHRASE_IN_EMAIL,
            found_after_passphrase=(BreachRule.PASSPHRASE_IN_EMAIL,),
            note="The passphrase written in the same email as the AES zip: found only once the"
            " phoned passphrase is typed (nothing at receipt can tell it is the passphrase).",
        ),
        Sample(
            "plain-csv",
            _email(
                5, when[5], ("Enrolments, Example Training", SENDER_PLAIN_CSV),
                "New starters",
                "Hello,\n\nOur new starters are attached for registering.\n\nEnrolments",
                [("new-starters.csv", "text/csv", sheet_csv(rows, VARIANT_HEADERS))],
            ),
            None,
            (BreachRule.UNENCRYPTED_ATTACHMENT, BreachRule.ULN_WITH_DEMOGRAPHIC),
            sender=SENDER_PLAIN_CSV,
            note="Learner data in a plain CSV attachment, not encrypted at all.",
        ),
        Sample(
            "hostile-zip",
            _email(
                6, when[6], ("Learner Data, Example Training", SENDER_HOSTILE),
                "Learner list",
                "Please see the attached list.\n",
                [("learner-list.zip", "application/zip", _bomb())],
            ),
            Passphrase(HOSTILE_PASSPHRASE),
            (),
            sender=SENDER_HOSTILE,
            hostile=Hostile.RATIO,
            note="An AES zip whose one member unpacks to 10 MB from a few kilobytes (a zip"
            " bomb): nothing to find at receipt; refused with a clear outcome when opened.",
        ),
    )  # fmt: skip


def _email(
    n: int,
    sent_at: datetime,
    sender: tuple[str, str],
    subject: str,
    body: str,
    attachments: Sequence[tuple[str, str, bytes]],
) -> bytes:
    message = EmailMessage()
    message["From"] = formataddr(sender)
    message["To"] = formataddr(("LRS Service Desk", DESK_ADDRESS))
    message["Subject"] = subject
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = f"<intake-sample-{n + 1}.{NAMES[n]}@{sender[1].split('@')[1]}>"
    message.set_content(body)
    for filename, content_type, content in attachments:
        maintype, subtype = content_type.split("/", 1)
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def _uk_date(iso: str) -> str:
    """An ISO date as a UK spreadsheet writes it; anything else (a slip to show) as it is."""
    try:
        return date.fromisoformat(iso).strftime("%d/%m/%Y")
    except ValueError:
        return iso


def _columns(rows: Sequence[Mapping[str, str]], headers: Mapping[str, str]) -> list[str]:
    present = {key for row in rows for key in row}
    return [key for key in headers if key in present]


def sheet_xlsx(rows: Sequence[Mapping[str, str]], headers: Mapping[str, str]) -> bytes:
    """An .xlsx as a provider's Excel saves it: a ULN as a number, a date of birth as a date."""
    from openpyxl import Workbook  # type: ignore[import-untyped]

    columns = _columns(rows, headers)
    book = Workbook()
    sheet = book.active
    sheet.title = "Learners"
    sheet.append([headers[c] for c in columns])
    for row in rows:
        sheet.append([_excel_value(c, row.get(c, "")) for c in columns])
    for cell in sheet["A"]:
        cell.number_format = "0"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _excel_value(column: str, text: str) -> object:
    if column == "uln" and text.isdigit():
        return int(text)
    if column == "date_of_birth" and text:
        try:
            return date.fromisoformat(text)
        except ValueError:
            return text
    return text


def sheet_csv(rows: Sequence[Mapping[str, str]], headers: Mapping[str, str]) -> bytes:
    """A .csv as Excel's "CSV UTF-8" saves it: a BOM, commas, CRLF, dates as DD/MM/YYYY."""
    columns = _columns(rows, headers)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([headers[c] for c in columns])
    for row in rows:
        writer.writerow(
            [
                _uk_date(row[c]) if c == "date_of_birth" and row.get(c) else row.get(c, "")
                for c in columns
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def encrypt_xlsx(content: bytes, passphrase: Passphrase) -> bytes:
    """An .xlsx encrypted with a password to open it, as Excel writes it (ECMA-376 agile
    encryption, AES), by msoffcrypto-tool; in memory."""
    from msoffcrypto.format.ooxml import OOXMLFile  # type: ignore[import-untyped]

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(content)).encrypt(passphrase.reveal(), out)
    return out.getvalue()


def _bomb() -> bytes:
    """An AES zip whose learners.csv unpacks to 10 MB from a few kilobytes."""
    body = b"ULN,GivenName,FamilyName\r\n" + b"," * (10 * 1024 * 1024)
    return make_aes_zip({"learners.csv": body}, Passphrase(HOSTILE_PASSPHRASE))


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
    for name, content in members.items():
        encoded = name.encode("utf-8")
        crc = zlib.crc32(content)
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = compressor.compress(content) + compressor.flush()
        header = secrets.token_bytes(11) + bytes([crc >> 24])  # the last byte checks the key
        sealed = _ZipCryptoKeys(passphrase.reveal().encode(encoding)).encrypt(header + packed)
        flags = 0x1 | 0x800  # encrypted; the name in UTF-8
        offset = len(local)
        local += struct.pack(
            "<4s5H3L2H", b"PK\x03\x04", 20, flags, 8, _DOS_TIME, _DOS_DATE, crc,
            len(sealed), len(content), len(encoded), 0,
        ) + encoded + sealed  # fmt: skip
        central += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, flags, 8, _DOS_TIME, _DOS_DATE, crc,
            len(sealed), len(content), len(encoded), 0, 0, 0, 0, 0o100644 << 16, offset,
        ) + encoded  # fmt: skip
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central),
        len(local), 0,
    )  # fmt: skip
    return bytes(local + central + end)
