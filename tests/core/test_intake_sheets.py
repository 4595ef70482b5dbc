"""Issue 13 items 4 and 5: the spreadsheet inside an intake file read as text (.xlsx, and .csv
in any encoding a provider's Excel writes), and its header mapped to learner fields (the LRS
batch field names of DOMAIN.md "Learner fields" and the usual variants). Every sheet here is
made by the test, in memory; every learner is synthetic."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from email.message import EmailMessage

import pytest
from openpyxl import Workbook

from lrs_core.errors import ValidationError
from lrs_core.intake.archives import Hostile, HostileFile, Limits
from lrs_core.intake.sheets import (
    ALIASES,
    ROW_FIELDS,
    cell_text,
    check_mapping,
    is_spreadsheet,
    map_header,
    read_sheet,
    sheets_in,
    text_of,
)

NAME = "Siân O’Brien"


def xlsx(*rows: list[object], hidden_first: bool = False) -> bytes:
    book = Workbook()
    sheet = book.active
    if hidden_first:
        sheet.title = "Hidden"
        sheet.append(["not", "this", "one"])
        sheet.sheet_state = "hidden"
        sheet = book.create_sheet("Learners")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def plain_zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize("name", ["l.xlsx", "L.XLSX", "a/b/l.csv", "l.xlsm"])
def test_what_is_a_spreadsheet(name: str) -> None:
    assert is_spreadsheet(name)


@pytest.mark.parametrize("name", ["l.xls", "l.ods", "l.pdf", "l.csv.zip", "csv", "l.txt"])
def test_what_is_not(name: str) -> None:
    assert not is_spreadsheet(name)


# --- CSV: encodings and delimiters --------------------------------------------------------


@pytest.mark.parametrize(
    "encoded",
    [
        f"ULN,GivenName,FamilyName\r\n1000000043,{NAME.split()[0]},{NAME.split()[1]}\r\n".encode(),
        b"\xef\xbb\xbf"
        + f"ULN,GivenName,FamilyName\r\n1000000043,{NAME.replace(' ', ',')}\r\n".encode(),
        f"ULN,GivenName,FamilyName\r\n1000000043,{NAME.replace(' ', ',')}\r\n".encode("cp1252"),
        f"ULN,GivenName,FamilyName\r\n1000000043,{NAME.replace(' ', ',')}\r\n".encode("utf-16"),
        f"ULN,GivenName,FamilyName\n1000000043,{NAME.replace(' ', ',')}\n".encode(),
    ],
    ids=["utf-8", "utf-8 with BOM", "windows-1252", "utf-16 with BOM", "LF line ends"],
)
def test_a_csv_in_any_encoding_excel_writes(encoded: bytes) -> None:
    sheet = read_sheet("learners.csv", encoded, 10)
    assert sheet.header == ("ULN", "GivenName", "FamilyName")  # no BOM left on the first
    assert sheet.rows == (("1000000043", "Siân", "O’Brien"),)


@pytest.mark.parametrize(
    ("text", "row"),
    [
        ('ULN,Name\r\n1000000043,"O’Brien, Siân"\r\n', ("1000000043", "O’Brien, Siân")),
        ('ULN;Name\r\n1000000043;"O’Brien, Siân"\r\n', ("1000000043", "O’Brien, Siân")),
        ("ULN\tName\r\n1000000043\tO’Brien, Siân\r\n", ("1000000043", "O’Brien, Siân")),
        ('"U;L;N",Name\r\n1000000043,Siân\r\n', ("1000000043", "Siân")),  # quoted ; ignored
        ("sep=;\r\nULN;Name\r\n1000000043;Siân, Jr\r\n", ("1000000043", "Siân, Jr")),
        ('ULN,Notes\r\n1000000043,"two\r\nlines"\r\n', ("1000000043", "two\r\nlines")),
    ],
    ids=["comma", "semicolon", "tab", "quoted other delimiter", "Excel's sep= line", "multiline"],
)
def test_the_delimiter_is_sniffed(text: str, row: tuple[str, ...]) -> None:
    assert read_sheet("l.csv", text.encode(), 10).rows == (row,)


def test_a_csv_whole_number_with_a_point_zero_is_whole() -> None:
    sheet = read_sheet("l.csv", b"ULN,Score\r\n1000000043.0,2.50\r\n", 10)
    assert sheet.rows == (("1000000043", "2.50"),)


def test_blank_rows_dropped_header_the_first_row_with_anything_and_cells_trimmed() -> None:
    text = "\r\n,,\r\n  ULN , Surname ,\r\n\r\n 1000000043 ,Hale,\r\n,,\r\n9276308686,Moss\r\n"
    sheet = read_sheet("l.csv", text.encode(), 10)
    assert sheet.header == ("ULN", "Surname")
    assert sheet.rows == (("1000000043", "Hale"), ("9276308686", "Moss"))


def test_ragged_rows_are_padded_to_the_widest() -> None:
    sheet = read_sheet("l.csv", b"ULN,Surname\r\n1000000043\r\n9276308686,Moss,extra\r\n", 10)
    assert sheet.header == ("ULN", "Surname", "")
    assert sheet.rows == (("1000000043", "", ""), ("9276308686", "Moss", "extra"))


@pytest.mark.parametrize("content", [b"", b"\r\n\r\n", b",,,\r\n"])
def test_an_empty_sheet_has_no_header_and_no_rows(content: bytes) -> None:
    sheet = read_sheet("l.csv", content, 10)
    assert (sheet.header, sheet.rows) == ((), ())


def test_a_malformed_csv_is_corrupt() -> None:
    """A field beyond the csv module's limit (128 KB): an unclosed quote swallowing the file."""
    content = b'ULN,Name\r\n1000000043,"Si' + b"a" * 200_000 + b"\r\n"
    with pytest.raises(HostileFile, match=r"^l\.csv: not a CSV file") as hostile:
        read_sheet("l.csv", content, 10)
    assert hostile.value.outcome is Hostile.CORRUPT


# --- XLSX ----------------------------------------------------------------------------------


def test_xlsx_cells_as_the_text_a_person_typed() -> None:
    content = xlsx(
        [],
        ["ULN", "Forename", "Surname", "DOB", "Sex", "Seen", "Score", "Small", "Taken"],
        [1000000043.0, "Siân", "O’Brien", date(2005, 3, 12), 2, True, 0.1 + 0.2, 1e-7,
         datetime(2026, 1, 2, 13, 5)],
        [],
        [9276308686, "Tom", "Hale", datetime(2004, 1, 2), 1.0, False, 2.5, -3, None],
    )  # fmt: skip
    sheet = read_sheet("learners.xlsx", content, 10)
    assert sheet.source == "learners.xlsx"
    assert sheet.header == (
        "ULN", "Forename", "Surname", "DOB", "Sex", "Seen", "Score", "Small", "Taken",
    )  # fmt: skip
    assert sheet.rows == (
        ("1000000043", "Siân", "O’Brien", "2005-03-12", "2", "TRUE", "0.3", "0.0000001",
         "2026-01-02 13:05:00"),
        ("9276308686", "Tom", "Hale", "2004-01-02", "1", "FALSE", "2.5", "-3", ""),
    )  # fmt: skip


def test_a_uln_excel_stored_as_a_float_is_whole_never_scientific() -> None:
    sheet = read_sheet("l.xlsx", xlsx(["ULN"], [1000000043.0], [9.276308686e9]), 10)
    assert sheet.rows == (("1000000043",), ("9276308686",))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1000000043.0, "1000000043"),
        (1234567890123456.0, "1234567890123456"),  # beyond Excel's 15 digits, still whole
        (0.1 + 0.2, "0.3"),
        (1e-7, "0.0000001"),
        (-2.5, "-2.5"),
        (7, "7"),
        (True, "TRUE"),
        (None, ""),
        (date(2005, 3, 12), "2005-03-12"),
        (datetime(2005, 3, 12), "2005-03-12"),  # a date typed into a date-and-time cell
        (datetime(2026, 1, 2, 13, 5, 7), "2026-01-02 13:05:07"),
        (" Siân ", " Siân "),  # trimmed by read_sheet, not here
    ],
)
def test_a_cell_as_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_the_first_visible_worksheet_is_read() -> None:
    sheet = read_sheet("l.xlsx", xlsx(["ULN"], ["1000000043"], hidden_first=True), 10)
    assert sheet.header == ("ULN",)


@pytest.mark.parametrize(
    ("name", "content", "outcome"),
    [
        ("l.xlsx", b"PK\x03\x04 not really", Hostile.CORRUPT),
        ("l.xlsx", bytes(range(256)) * 10, Hostile.CORRUPT),
        ("l.xlsx", plain_zip({"a.csv": b"x"}), Hostile.CORRUPT),
        (
            "l.xlsx",
            plain_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": bytes(5 << 20)}),
            Hostile.RATIO,
        ),
        ("l.ods", b"whatever", Hostile.UNSUPPORTED),
        ("l.pdf", b"%PDF-1.4", Hostile.UNSUPPORTED),
    ],
    ids=["truncated", "random bytes", "a zip not a document", "bomb", "ods", "pdf"],
)
def test_a_sheet_that_cannot_be_read_has_a_clear_outcome(
    name: str, content: bytes, outcome: Hostile
) -> None:
    with pytest.raises(HostileFile) as hostile:
        read_sheet(name, content, 10)
    assert hostile.value.outcome is outcome
    assert str(hostile.value).startswith(name)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_rows_over_max_rows_are_too_large(kind: str) -> None:
    """[intake] max_rows: the limit counts data rows (the header and blank rows are free)."""
    rows = [["ULN", "Surname"], *([str(1000000043), f"Hale{n}"] for n in range(5))]
    if kind == "csv":
        content = "\r\n".join(",".join(r) for r in [*rows[:1], [], *rows[1:]]).encode()
    else:
        content = xlsx(*rows[:1], [], *rows[1:])
    name = f"l.{kind}"
    assert len(read_sheet(name, content, 5).rows) == 5
    with pytest.raises(HostileFile, match=f"{name}: more than 4 rows") as hostile:
        read_sheet(name, content, 4)
    assert hostile.value.outcome is Hostile.TOO_LARGE


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def raw_xlsx(sheet_data: str, more: dict[str, str] | None = None) -> bytes:
    """An .xlsx written by hand, its first sheet's <sheetData> as given (inline strings);
    ``more`` parts beside (the reader finds shared strings by their part's name)."""
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxml'
            'formats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
            'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" Type="{_DOC}/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC}"><sheets><sheet name="S" sheetId="1"'
            ' r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" Type="{_DOC}/worksheet"'
            ' Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{_MAIN}" xmlns:x="{_MAIN}"><sheetData>{sheet_data}'
            "</sheetData></worksheet>"
        ),
        **(more or {}),
    }
    return plain_zip({name: text.encode() for name, text in parts.items()})


def _cell(ref: str, text: str = "x", attributes: str = "") -> str:
    return f'<c r="{ref}" t="inlineStr"{attributes}><is><t>{text}</t></is></c>'


A1 = f'<row r="1">{_cell("A1", "ULN")}</row>'


@pytest.mark.parametrize(
    "far",
    [
        f'<row r="10000">{_cell("ZZ10000")}</row>',  # 7,020,000 cells: read, without the check
        f'<row r="1048576">{_cell("XFD1048576")}</row>',
        "<x:row r='1048576'><x:c r = ' xfd1048576 ' t='inlineStr'><x:is><x:t>x</x:t></x:is>"
        "</x:c></x:row>",  # a prefix, spaces, single quotes, lower case: read all the same
        '<row r="2"><c r="B2" r="XFD2000" t="inlineStr"><is><t>x</t></is></c></row>',  # the last
        '<row r="9"><c note="a > b" r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
        '<row r="9000000"><c t="inlineStr"><is><t>x</t></is></c></row>',  # the row's own
        f'<row r="99999999999">{_cell("C99999999999")}</row>',
        f'<row r="2">{_cell("B" + "9" * 5000)}</row>',
    ],
    ids=["wide-and-long", "excel-last-cell", "written-oddly", "second-ref", "quoted-gt",
         "row-ref", "past-excel", "5000-digits"],
)  # fmt: skip
def test_a_sheet_spanning_too_many_cells_is_refused_before_it_is_laid_out(far: str) -> None:
    """Two cells far apart (A1 and XFD1048576) in a file of a few hundred bytes: the reader
    lays out every cell between them in memory, and aborts the whole process when it cannot
    (a plain .xlsx attachment is read on receipt, so one email would stop every scan). The
    references are read first and the sheet refused over MAX_SHEET_CELLS, however written."""
    content = raw_xlsx(A1 + far)
    with pytest.raises(HostileFile, match=r"^l\.xlsx: a sheet spanning .* rows by") as hostile:
        read_sheet("l.xlsx", content, 10)
    assert hostile.value.outcome is Hostile.TOO_LARGE
    assert text_of("l.xlsx", content) is None  # on receipt: no text, no crash


@pytest.mark.parametrize(
    "count",
    ["4000000000", " 5000001", "0" * 3 + "9" * 5000],
    ids=["billions", "one-too-many", "5000-digits"],
)
def test_a_workbook_declaring_billions_of_shared_strings_is_refused(count: str) -> None:
    """The reader sets aside room for the shared strings a workbook declares before it
    reads one: a declared count of billions aborted the process, whatever the file held."""
    strings = (
        f'<sst xmlns="{_MAIN}" count="2" uniqueCount="{count}"><si><t>ULN</t></si>'
        "<si><t>Surname</t></si></sst>"
    )
    content = raw_xlsx(A1, {"xl/sharedStrings.xml": strings})
    with pytest.raises(HostileFile, match=r"^l\.xlsx: declares more shared strings") as hostile:
        read_sheet("l.xlsx", content, 10)
    assert hostile.value.outcome is Hostile.TOO_LARGE
    assert text_of("l.xlsx", content) is None


def test_a_sheet_within_the_cells_is_read_wherever_it_starts() -> None:
    """The extent is from the first cell to the last: a small table far down is no bomb."""
    rows = "".join(
        f'<row r="{n}">{_cell(f"XFA{n}", "ULN")}{_cell(f"XFD{n}", "1000000043")}</row>'
        for n in (1_048_570, 1_048_576)
    )
    sheet = read_sheet("l.xlsx", raw_xlsx(rows), 10)
    assert sheet.header == ("ULN", "", "", "1000000043") and len(sheet.rows) == 1


def test_a_row_of_a_million_columns_is_refused_and_trailing_blanks_are_free() -> None:
    """A CSV of 1,000,000 columns opened and kept every cell of every row, each shown per
    row on the screens: refused past MAX_COLUMNS (the LRS batch has 26 fields). Excel's
    trailing empty cells are free; the breach checks read the first MAX_COLUMNS of a plain
    attachment's rows, enough to see learner data."""
    wide = ",".join(["ULN", "Surname", *(f"c{n}" for n in range(1_000_000))])
    content = f"{wide}\r\n1000000043,Reed\r\n".encode()
    with pytest.raises(HostileFile, match=r"^l\.csv: a row of more than 1,000 columns") as hostile:
        read_sheet("l.csv", content, 10)
    assert hostile.value.outcome is Hostile.TOO_LARGE
    text = text_of("l.csv", content)
    assert text is not None and text.startswith("ULN\tSurname\tc0") and "\tc997\n" in text
    assert "c998" not in text
    blanks = "ULN,Surname" + "," * 20_000 + "\r\n1000000043,Reed\r\n"
    assert read_sheet("l.csv", blanks.encode(), 10).header == ("ULN", "Surname")


def test_sheets_in_an_unlocked_file() -> None:
    members = [("readme.txt", b"hello"), ("l.csv", b"ULN\r\n1000000043\r\n")]
    (sheet,) = sheets_in("learners.zip", members, 10, Limits())
    assert sheet.source == "l.csv"
    with pytest.raises(HostileFile, match=r"^learners\.zip: no spreadsheet inside") as hostile:
        sheets_in("learners.zip", members[:1], 10, Limits())
    assert hostile.value.outcome is Hostile.UNSUPPORTED


# --- text_of: a plain attachment's text for the breach checks ----------------------------


def _message() -> bytes:
    msg = EmailMessage()
    msg["From"] = "someone@example-college.ac.uk"
    msg["Subject"] = "ULN 1000000043"
    msg.set_content("born 2005-03-12")
    return msg.as_bytes()


def _docx() -> bytes:
    return plain_zip(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<w:document><w:body><w:p><w:r><w:t>ULN 1000000043</w:t>"
            b"</w:r></w:p><w:p><w:t>O&#8217;Brien</w:t></w:p></w:body></w:document>",
        }
    )


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("l.csv", "ULN;Name\r\n1000000043;Siân\r\n".encode("cp1252"),
         "ULN\tName\n1000000043\tSiân"),
        ("l.xlsx", xlsx(["ULN", "DOB"], [1000000043.0, date(2005, 3, 12)]),
         "ULN\tDOB\n1000000043\t2005-03-12"),
        ("notes.txt", "Siân O’Brien".encode("cp1252"), NAME),
        ("notes.dat", b"ULN 1000000043", "ULN 1000000043"),  # text, whatever its name
        ("page.html", b"<p>ULN&nbsp;1000000043</p><script>x</script>", "ULN 1000000043"),
        ("l.zip", plain_zip({"l.csv": b"ULN\r\n1000000043\r\n", "n.txt": b"note"}),
         "ULN\n1000000043\nnote"),
        ("letter.docx", _docx(), "ULN 1000000043\nO’Brien"),
        ("fwd.eml", _message(), "ULN 1000000043\nborn 2005-03-12"),
    ],
    ids=["csv", "xlsx", "cp1252 text", "text by its bytes", "html", "plain zip", "docx", "eml"],
)  # fmt: skip
def test_text_of_a_plain_attachment(name: str, content: bytes, expected: str) -> None:
    assert text_of(name, content) == expected


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("scan.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3 1 0 obj"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(50)),
        ("blob.bin", bytes(range(256))),
        ("l.7z", b"7z\xbc\xaf\x27\x1c" + bytes(40)),
        ("l.xlsx", b"PK\x03\x04 damaged"),
        ("bomb.zip", plain_zip({"l.csv": bytes(5 << 20)})),
        ("t.zip", plain_zip({"../x.csv": b"ULN\r\n1000000043"})),
    ],
    ids=["pdf", "png", "binary", "7z", "damaged xlsx", "zip bomb", "traversal"],
)
def test_no_text_for_what_cannot_be_read_safely(name: str, content: bytes) -> None:
    assert text_of(name, content) is None


# --- the header mapped to learner fields ------------------------------------------------

BATCH_NAMES = {
    "ULN": "uln", "MISIdentifier": "mis_identifier", "Title": "title", "GivenName": "given_name",
    "PreferredGivenName": "preferred_given_name", "MiddleOtherName": "middle_other_name",
    "FamilyName": "family_name", "PreviousFamilyName": "previous_family_name",
    "FamilyNameAtAge16": "family_name_at_16", "SchoolAtAge16": "school_at_16",
    "LastKnownAddressLine1": "address_line1", "LastKnownAddressLine2": "address_line2",
    "LastKnownAddressTown": "address_town",
    "LastKnownAddressCountyOrCity": "address_county_or_city", "LastKnownPostCode": "postcode",
    "DateOfAddressCapture": "date_of_address_capture", "DateOfBirth": "date_of_birth",
    "PlaceOfBirth": "place_of_birth", "EmailAddress": "email", "Gender": "gender",
    "Nationality": "nationality", "ScottishCandidateNumber": "scottish_candidate_number",
    "AbilityToShare": "ability_to_share", "VerificationType": "verification_type",
    "OtherVerificationDescription": "other_verification_description", "Notes": "notes",
}  # fmt: skip


def test_every_lrs_batch_field_name_maps_to_its_learner_field() -> None:
    """DOMAIN.md "Learner fields": the batch/web-service names, in their order."""
    header = list(BATCH_NAMES)
    assert map_header(header) == dict(enumerate(BATCH_NAMES.values()))
    assert set(BATCH_NAMES.values()) | {"upn", "uci"} == set(ROW_FIELDS)


@pytest.mark.parametrize(
    ("cell", "field"),
    [
        ("Surname", "family_name"), ("Last name", "family_name"), ("LAST_NAME", "family_name"),
        ("Family Name", "family_name"), ("family_name", "family_name"),
        ("Forename", "given_name"), ("First name", "given_name"), ("first-name", "given_name"),
        ("Forenames", "given_name"), ("Known as", "preferred_given_name"),
        ("Middle names", "middle_other_name"), ("Maiden name", "previous_family_name"),
        ("DOB", "date_of_birth"), ("D.O.B.", "date_of_birth"), ("Date of Birth", "date_of_birth"),
        ("Birth Date", "date_of_birth"), ("date_of_birth", "date_of_birth"),
        ("Post Code", "postcode"), ("Postcode", "postcode"), ("POST_CODE", "postcode"),
        ("Sex", "gender"), ("gender", "gender"), ("Email Address", "email"),
        ("E-mail", "email"), ("UPN", "upn"), ("Unique Pupil Number", "upn"), ("UCI", "uci"),
        ("Unique Learner Number", "uln"), ("  uln  ", "uln"), ("U.L.N.", "uln"),
        ("Address Line 1", "address_line1"), ("Town", "address_town"),
        ("County", "address_county_or_city"), ("Learner Ref", "mis_identifier"),
        ("Student ID", "mis_identifier"), ("Privacy Notice", "ability_to_share"),
    ],
)  # fmt: skip
def test_a_usual_variant_maps_case_spaces_and_punctuation_ignored(cell: str, field: str) -> None:
    assert map_header(["Unknown column", cell]) == {1: field}


def test_unknown_columns_are_left_out_and_a_field_is_mapped_once() -> None:
    header = ["Ref", "Surname", "Last Name", "Forename", "", "Course", "DOB"]
    assert map_header(header) == {1: "family_name", 3: "given_name", 6: "date_of_birth"}


def test_the_alias_table_maps_into_the_row_fields_only() -> None:
    assert set(ALIASES.values()) == set(ROW_FIELDS)


def test_an_operator_s_mapping_checked() -> None:
    assert check_mapping({2: "family_name", 0: "uln"}, 3) == {0: "uln", 2: "family_name"}
    assert check_mapping({}, 3) == {}


@pytest.mark.parametrize(
    ("mapping", "columns", "field", "message"),
    [
        ({3: "uln"}, 3, "Column 4", "no such column (the sheet has 3)"),
        ({-1: "uln"}, 3, "Column 0", "no such column"),
        ({0: "shoe_size"}, 3, "Column 1", '"shoe_size" is not a learner field'),
        ({0: "uln", 2: "uln"}, 3, "Column 3", "ULN is already mapped to column 1"),
        ({1: "family_name", 0: "family_name"}, 3, "Column 2", "Family name is already mapped"),
    ],
)
def test_a_wrong_mapping_is_refused_naming_the_column(
    mapping: dict[int, str], columns: int, field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        check_mapping(mapping, columns)
    assert refused.value.field == field
    assert message in refused.value.message
