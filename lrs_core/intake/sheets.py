"""The spreadsheet inside an intake file (issue 13, items 4 and 5): ``.xlsx`` read with
``python-calamine`` (Rust: fast, and no XML entity expansion for a hostile file) and ``.csv``
in any encoding a provider's Excel writes (UTF-8 with or without a BOM, Windows-1252), the
delimiter sniffed; then the header mapped to learner fields (the LRS batch field names and the
usual variants: Surname, Forename, DOB, Post Code...)."""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from lrs_core.domain.learner_fields import BY_NAME, FIELDS
from lrs_core.domain.values import quoted
from lrs_core.errors import ValidationError
from lrs_core.intake._html import html_to_text
from lrs_core.intake.archives import (
    Hostile,
    HostileFile,
    Limits,
    archive_type,
    check_document,
    plain_members,
)

if TYPE_CHECKING:
    from python_calamine import CalamineWorkbook

# The learner fields a row can carry (domain/learner_fields.py's names, the ULN first); the
# header mapping targets these.
ROW_FIELDS: tuple[str, ...] = ("uln", *(f.name for f in FIELDS))

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".csv")
_TEXT_SUFFIXES = (".txt", ".tsv", ".text", ".log", ".json", ".xml")
_HTML_SUFFIXES = (".html", ".htm")
# Rows text_of reads of a plain attachment for the breach checks (enough to find learner data).
TEXT_MAX_ROWS = 100_000
# Columns a row may use: the LRS batch has 26 fields, a provider's sheet a few dozen more. A
# sheet of a million columns is a hostile file's, every one of them kept and shown per row.
MAX_COLUMNS = 1_000
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\xd0\xcf\x11\xe0", b"RIFF")


@dataclass(frozen=True)
class Sheet:
    source: str  # the member or file it came from
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...] = field(repr=False)  # every cell as text, trimmed


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > name.rfind("/") else ""


def is_spreadsheet(name: str) -> bool:
    """Whether a member's name is one ``read_sheet`` reads (.xlsx, .csv)."""
    return _suffix(name) in SPREADSHEET_SUFFIXES


def read_sheet(name: str, content: bytes, max_rows: int, limits: Limits | None = None) -> Sheet:
    """The first sheet's header row and rows, every cell as text (dates as YYYY-MM-DD, whole
    numbers without ".0", a ULN never in scientific notation); blank rows dropped. Raises
    ``archives.HostileFile`` (CORRUPT, UNSUPPORTED or TOO_LARGE over ``max_rows``).

    The header is the first row with anything in it; every row is as wide as the widest
    (short rows padded with ""). An .xlsx is first read through under ``limits`` (its parts'
    sizes and ratios, :func:`archives.check_document`) before the parser sees it."""
    header, rows = _read(name, content, max_rows, limits or Limits(), truncate=False)
    return Sheet(name, header, rows)


def sheets_in(
    filename: str, members: Iterable[tuple[str, bytes]], max_rows: int, limits: Limits
) -> tuple[Sheet, ...]:
    """Every spreadsheet among an unlocked file's members (name, bytes), read; HostileFile
    UNSUPPORTED naming the file when there is none."""
    found = tuple(
        read_sheet(name, content, max_rows, limits)
        for name, content in members
        if is_spreadsheet(name)
    )
    if not found:
        raise HostileFile(
            Hostile.UNSUPPORTED,
            f"{filename}: no spreadsheet inside (LRS Desk reads .xlsx and .csv files)",
        )
    return found


def _read(
    name: str, content: bytes, max_rows: int, limits: Limits, *, truncate: bool
) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    suffix = _suffix(name)
    if suffix == ".csv":
        raw: Iterator[list[str]] = _csv_rows(name, content)
    elif suffix in (".xlsx", ".xlsm"):
        raw = _xlsx_rows(name, content, limits)
    else:
        raise HostileFile(
            Hostile.UNSUPPORTED, f"{name}: not a spreadsheet LRS Desk reads (.xlsx or .csv)"
        )
    header: list[str] | None = None
    rows: list[list[str]] = []
    try:
        for row in raw:
            cells = [cell.strip() for cell in row]
            if len(cells) > MAX_COLUMNS and _used(cells) > MAX_COLUMNS:
                if not truncate:
                    raise HostileFile(
                        Hostile.TOO_LARGE,
                        f"{name}: a row of more than {MAX_COLUMNS:,} columns, the most LRS"
                        " Desk reads",
                    )
                cells = cells[:MAX_COLUMNS]  # for the breach checks, the first are enough
            if not any(cells):
                continue
            if header is None:
                header = cells
                continue
            if len(rows) >= max_rows:
                if truncate:
                    break
                raise HostileFile(
                    Hostile.TOO_LARGE,
                    f"{name}: more than {max_rows:,} rows, the limit ([intake] max_rows)",
                )
            rows.append(cells)
    except HostileFile:
        raise
    except csv.Error:
        raise HostileFile(
            Hostile.CORRUPT, f"{name}: not a CSV file LRS Desk can read (a malformed line)"
        ) from None
    except Exception:  # the parser's failure on a hostile sheet
        raise HostileFile(Hostile.CORRUPT, f"{name}: its rows cannot be read (damaged)") from None
    if header is None:
        return (), ()
    width = max(_used(r) for r in (header, *rows))
    return _padded(header, width), tuple(_padded(r, width) for r in rows)


def _used(cells: list[str]) -> int:
    """How many cells up to the last with anything in it."""
    for index in range(len(cells) - 1, -1, -1):
        if cells[index]:
            return index + 1
    return 0


def _padded(cells: list[str], width: int) -> tuple[str, ...]:
    return tuple(cells[:width]) + ("",) * (width - len(cells))


# --- CSV ------------------------------------------------------------------------------------

_WHOLE = re.compile(r"-?[0-9]+\.0+")


def decode_text(content: bytes) -> str:
    """Text as a provider's Excel or system writes it: UTF-8 with or without a BOM, UTF-16
    with a BOM ("Unicode text"), else Windows-1252 (and Latin-1, which decodes anything)."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


def _csv_rows(name: str, content: bytes) -> Iterator[list[str]]:
    text = decode_text(content)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    hint = re.fullmatch(r"\s*sep=(.)\s*", first)  # Excel's own "sep=;" first line
    if hint:
        delimiter = hint.group(1)
        text = text[text.index(first) + len(first) :]
    else:
        delimiter = sniff_delimiter(first)
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        yield [_whole(cell) for cell in row]


def sniff_delimiter(line: str) -> str:
    """The delimiter of a CSV header line: whichever of comma, semicolon and tab it holds
    most of outside quotes (a comma when none)."""
    counts = dict.fromkeys(",;\t", 0)
    quoted_text = False
    for ch in line:
        if ch == '"':
            quoted_text = not quoted_text
        elif not quoted_text and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _whole(cell: str) -> str:
    """A number written with a ".0" (1000000043.0, as some exports write a ULN) as a whole."""
    text = cell.strip()
    return text.split(".")[0] if _WHOLE.fullmatch(text) else cell


# --- XLSX -----------------------------------------------------------------------------------


# Cells a sheet may span, from its first cell to its last, the empty ones between included:
# the reader holds every one of them in memory at once (and aborts the process when it cannot),
# so two cells far apart, A1 and XFD1048576, are a bomb of a few hundred bytes. 5,000,000 is
# 50,000 rows of 100 columns.
MAX_SHEET_CELLS = 5_000_000
# Every r= attribute (any namespace prefix), wherever it stands: a cell's (``<c r="B2">``) and
# a row's (``<row r="2">``) give the sheet's extent; the reader takes the last of several on
# one cell, and this counts them all (a few too many is a refusal on the safe side).
_REF = re.compile(rb"r(?<=[\s\"':]r)\s*=\s*[\"']\s*([A-Za-z]*)([0-9]+)")
_FAR = 10**10  # a row or column past any sheet's (Excel's last cell is XFD1048576)
# The shared strings' count a workbook declares: the reader sets aside room for that many
# before reading one, so a count of billions aborts the process as the far cell does.
_UNIQUE_COUNT = re.compile(rb"uniqueCount(?<=[\s\"':]uniqueCount)\s*=\s*[\"']\s*([0-9]+)")


def _ref_column(letters: bytes) -> int:
    if len(letters) > 3:
        return _FAR
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - ord("A") + 1
    return number


def check_extent(name: str, content: bytes) -> None:
    """Every part of an Office document (a worksheet may be any of them) held to
    MAX_SHEET_CELLS: the rows and columns its cells' and rows' own references span
    (``<c r="XFD1048576">``, ``<row r="1048576">``), and the shared strings it declares
    (``uniqueCount``), read before the reader lays the sheet out. Raises
    :class:`HostileFile` TOO_LARGE naming the file and what it declares."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as document:
        for info in document.infolist():
            part = document.read(info)
            for declared in _UNIQUE_COUNT.findall(part):
                digits = declared.lstrip(b"0") or b"0"
                if len(digits) > 9 or int(digits) > MAX_SHEET_CELLS:
                    raise HostileFile(
                        Hostile.TOO_LARGE,
                        f"{name}: declares more shared strings than the {MAX_SHEET_CELLS:,}"
                        " cells LRS Desk reads (a spreadsheet bomb's mark)",
                    )
            refs = _REF.findall(part)
            if not refs:
                continue
            rows = [
                int(d) if len(d) <= 9 else _FAR for d in {d.lstrip(b"0") or b"0" for _, d in refs}
            ]
            columns = [
                _ref_column(letters) for letters in {letters for letters, _ in refs if letters}
            ]
            height = max(rows) - min(rows) + 1
            width = max(columns) - min(columns) + 1 if columns else 1
            if height * width > MAX_SHEET_CELLS:
                raise HostileFile(
                    Hostile.TOO_LARGE,
                    f"{name}: a sheet spanning {_count(height)} rows by {_count(width)} columns,"
                    f" more than the {MAX_SHEET_CELLS:,} cells LRS Desk reads (a spreadsheet"
                    " bomb's mark)",
                )


def _count(n: int) -> str:
    return f"{n:,}" if n < _FAR // 2 else "billions of"


def _xlsx_rows(name: str, content: bytes, limits: Limits) -> Iterator[list[str]]:
    check_document(name, content, limits)
    check_extent(name, content)
    from python_calamine import CalamineWorkbook, PasswordError

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except PasswordError:
        raise HostileFile(
            Hostile.UNSUPPORTED, f"{name}: protected with a password of its own inside"
        ) from None
    except Exception:  # CalamineError, or anything else a damaged file raises
        raise HostileFile(
            Hostile.CORRUPT, f"{name}: not a spreadsheet LRS Desk can read (damaged)"
        ) from None
    with book:
        index = _first_worksheet(book)
        if index is None:
            return
        try:
            sheet = book.get_sheet_by_index(index)
        except Exception:
            raise HostileFile(Hostile.CORRUPT, f"{name}: its first sheet cannot be read") from None
        for row in sheet.iter_rows():
            yield [cell_text(cell) for cell in row]


def _first_worksheet(book: CalamineWorkbook) -> int | None:
    """The first visible worksheet (not a chart), else the first sheet; None when none."""
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    for index, sheet in enumerate(book.sheets_metadata):
        if sheet.typ == SheetTypeEnum.WorkSheet and sheet.visible == SheetVisibleEnum.Visible:
            return index
    return 0 if book.sheet_names else None


def cell_text(value: object) -> str:
    """A cell's value as the text a person typed: dates as YYYY-MM-DD (a date and time, with
    its time), whole numbers without ".0" (a ULN Excel stored as 1000000043.0 is
    "1000000043"), other numbers as Excel shows them (15 significant digits, never
    scientific notation), TRUE/FALSE."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _number(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    if value.is_integer():
        return str(int(value))
    text = format(value, ".15g")
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text


# --- text for the breach checks -------------------------------------------------------------


def text_of(name: str, content: bytes) -> str | None:
    """A plain attachment's text for the breach checks: a spreadsheet's cells joined, a text
    file decoded; None for something with no text to read (an image, a PDF).

    A spreadsheet's first TEXT_MAX_ROWS rows, tab between cells; a plain zip's spreadsheets
    and text files, each under the default limits; a Word document's words; an HTML file's
    text; a forwarded email's subject and body. A file that cannot be read safely (hostile,
    damaged, encrypted) has no text here: None."""
    try:
        return _text_of(name, content)
    except HostileFile:
        return None


def _text_of(name: str, content: bytes) -> str | None:
    suffix = _suffix(name)
    if suffix in SPREADSHEET_SUFFIXES:
        header, rows = _read(name, content, TEXT_MAX_ROWS, Limits(), truncate=True)
        return "\n".join("\t".join(row) for row in (header, *rows))
    if suffix in (".docx", ".docm", ".pptx"):
        return _document_text(name, content)
    if suffix in _HTML_SUFFIXES:
        return html_to_text(decode_text(content))
    if suffix == ".eml" or content.startswith((b"From:", b"Received:", b"Return-Path:")):
        return _message_text(content)
    kind = archive_type(name, content[:512])
    if kind == "zip":
        texts = [
            text
            for member in plain_members(name, content, Limits())
            if (text := _text_of(member.name, member.content))
        ]
        return "\n".join(texts) if texts else None
    if kind is not None or content.startswith(_BINARY_MAGIC):
        return None
    if suffix in _TEXT_SUFFIXES or b"\x00" not in content[:8192]:
        return decode_text(content)
    return None


def _document_text(name: str, content: bytes) -> str | None:
    """A Word or PowerPoint document's words: its XML parts' text, tags dropped."""
    import zipfile

    check_document(name, content, Limits())
    parts: list[str] = []
    with zipfile.ZipFile(io.BytesIO(content)) as document:
        for info in document.infolist():
            if info.filename.startswith(("word/", "ppt/slides/")) and info.filename.endswith(
                ".xml"
            ):
                xml = document.read(info).decode("utf-8", "replace")
                xml = re.sub(r"</w:p>|</a:p>", "\n", xml)
                parts.append(html_to_text(re.sub(r"<[^>]*>", " ", xml)))
    return "\n".join(p for p in parts if p) or None


def _message_text(content: bytes) -> str | None:
    from lrs_core.intake.mail import MessageRefused, parse_message

    try:
        message = parse_message(content, sender_email="forwarded@invalid.example")
    except MessageRefused:
        return decode_text(content)
    texts = [message.subject, message.body]
    texts += [t for a in message.attachments if (t := text_of(a.filename, a.content))]
    return "\n".join(t for t in texts if t)


# --- the header mapped to learner fields ----------------------------------------------------

# The LRS batch field names (DOMAIN.md "Learner fields") and the usual variants of each; the
# field's own name and label count too. Compared normalised: case, spaces, punctuation and
# underscores ignored ("Date of Birth", "date_of_birth", "D.O.B." all match).
# fmt: off
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "uln": ("ULN", "Unique Learner Number", "Unique Learner No", "ULN Number", "Learner ULN"),
    "mis_identifier": (
        "MISIdentifier", "MIS ID", "MIS Ref", "MIS Reference", "Learner Ref", "LearnRefNumber",
        "Learner Reference", "Learner Ref Number", "Student ID", "Student Number",
        "Student Ref", "Admission Number", "Admission No",
    ),
    "title": ("Title", "Salutation"),
    "given_name": (
        "GivenName", "Given Names", "Forename", "Forenames", "First Name", "First Names",
        "Firstname", "Legal Forename", "Legal First Name",
    ),
    "preferred_given_name": (
        "PreferredGivenName", "Preferred Name", "Preferred Forename", "Preferred First Name",
        "Known As",
    ),
    "middle_other_name": (
        "MiddleOtherName", "Middle Name", "Middle Names", "Other Names", "Middle Other Names",
        "Other Forenames",
    ),
    "family_name": (
        "FamilyName", "Surname", "Last Name", "Lastname", "Legal Surname", "Legal Last Name",
    ),
    "previous_family_name": (
        "PreviousFamilyName", "Previous Surname", "Former Surname", "Former Family Name",
        "Previous Last Name", "Maiden Name", "Birth Surname",
    ),
    "family_name_at_16": (
        "FamilyNameAtAge16", "Family Name at Age 16", "Surname at 16", "Surname at Age 16",
    ),
    "school_at_16": ("SchoolAtAge16", "School at Age 16"),
    "address_line1": (
        "LastKnownAddressLine1", "Address Line 1", "Address 1", "Address1", "Add1",
        "Street", "Address",
    ),
    "address_line2": ("LastKnownAddressLine2", "Address Line 2", "Address 2", "Address2", "Add2"),
    "address_town": (
        "LastKnownAddressTown", "Address Town", "Town", "Town/City", "Town or City", "Post Town",
        "City",
    ),
    "address_county_or_city": (
        "LastKnownAddressCountyOrCity", "County or City", "County/City", "County",
        "Address County",
    ),
    "postcode": (
        "LastKnownPostCode", "Last Known Postcode", "Post Code", "Postcode", "Postal Code",
        "Home Postcode", "Current Postcode",
    ),
    "date_of_address_capture": ("DateOfAddressCapture", "Address Capture Date", "Address Date"),
    "date_of_birth": (
        "DateOfBirth", "Date of Birth", "DOB", "D.O.B.", "Birth Date", "Birthdate", "Birthday",
    ),
    "place_of_birth": ("PlaceOfBirth", "Birth Place", "Town of Birth"),
    "email": (
        "EmailAddress", "Email Address", "E-mail", "E-mail Address", "Email", "Personal Email",
        "Learner Email",
    ),
    "gender": ("Gender", "Sex", "Gender Code", "Legal Sex", "Sex Code"),
    "nationality": ("Nationality",),
    "scottish_candidate_number": ("ScottishCandidateNumber", "SCN", "Scottish Candidate No"),
    "ability_to_share": ("AbilityToShare", "Privacy Notice", "Privacy Notice Seen"),
    "verification_type": ("VerificationType", "Verification", "ID Verification"),
    "other_verification_description": (
        "OtherVerificationDescription", "Other Verification", "Verification Description",
    ),
    "notes": ("Notes", "Note", "Comments", "Comment"),
    "upn": ("UPN", "Unique Pupil Number", "Pupil Number"),
    "uci": ("UCI", "Unique Candidate Identifier"),
}
# fmt: on


def normalise_header(text: str) -> str:
    """A header cell for comparing: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def _alias_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for name in ROW_FIELDS:
        spec = BY_NAME.get(name)
        names = (name, spec.label if spec else name.upper(), *HEADER_ALIASES.get(name, ()))
        for alias in names:
            key = normalise_header(alias)
            if table.setdefault(key, name) != name:
                raise ValueError(f"header {alias!r} names both {table[key]} and {name}")
    return table


ALIASES: dict[str, str] = _alias_table()


def map_header(header: Sequence[str]) -> dict[int, str]:
    """Column index to learner field for each header the LRS batch names or a usual variant
    names (case, spaces, punctuation ignored); unknown columns are left out; a field is mapped
    once (the first column naming it)."""
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for index, cell in enumerate(header):
        name = ALIASES.get(normalise_header(cell))
        if name and name not in taken:
            mapping[index] = name
            taken.add(name)
    return mapping


def check_mapping(mapping: Mapping[int, str], columns: int) -> dict[int, str]:
    """An operator's corrected mapping, checked: each index a column, each field one of
    ROW_FIELDS and mapped at most once (``ValidationError`` naming the column otherwise)."""
    checked: dict[int, str] = {}
    first: dict[str, int] = {}
    for index in sorted(mapping):
        name = mapping[index]
        column = f"Column {index + 1}"
        if not 0 <= index < columns:
            raise ValidationError(column, f"there is no such column (the sheet has {columns:,})")
        if name not in ROW_FIELDS:
            raise ValidationError(column, f"{quoted(name)} is not a learner field")
        if name in first:
            label = BY_NAME[name].label if name in BY_NAME else name.upper()
            raise ValidationError(column, f"{label} is already mapped to column {first[name] + 1}")
        first[name] = index
        checked[index] = name
    return checked
