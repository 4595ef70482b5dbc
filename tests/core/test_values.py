"""The pure LRS rules of lrs_core.domain.values and lrs_core.domain.names."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs_core.domain.names import (
    PROHIBITED_TERMS,
    check_prohibited_text,
    name_key,
    validate_address_line,
    validate_email,
    validate_name,
    validate_school_at_16,
    validate_text,
)
from lrs_core.domain.values import (
    UNKNOWN_POSTCODE,
    UPN_ALPHABET,
    AbilityToShare,
    Gender,
    OutcomeCode,
    VerificationType,
    age_on,
    is_unknown_postcode,
    is_valid_uln,
    make_uln,
    normalise_postcode,
    parse_ability_to_share,
    parse_gender,
    parse_verification_type,
    uln_check_digit,
    upn_check_letter,
    validate_date_of_birth,
    validate_postcode,
    validate_ukprn,
    validate_uln,
    validate_upn,
    validate_verification,
)
from lrs_core.errors import ValidationError


def refused(
    expected_field: str, fragment: str, fn: Callable[..., Any], /, *args: Any, **kwargs: Any
) -> str:
    """Assert ``fn(*args, **kwargs)`` raises ValidationError on ``expected_field`` saying
    ``fragment``; return the message."""
    with pytest.raises(ValidationError) as caught:
        fn(*args, **kwargs)
    assert caught.value.field == expected_field
    assert fragment in caught.value.message, caught.value.message
    return caught.value.message


# --- ULN: DOMAIN.md "Formats and codes": ULN check digit -------------------------------------


@pytest.mark.parametrize("uln", ["1000000043", "9276308686", "1174112637"])
def test_domain_example_ulns_are_valid(uln: str) -> None:
    # DOMAIN.md "Formats and codes": ULN check digit examples
    assert validate_uln(uln) == uln
    assert is_valid_uln(uln)


def test_check_digit_worked_example() -> None:
    # DOMAIN.md "Formats and codes": 1000000043 has sum 18, remainder 7, check 3
    assert uln_check_digit("100000004") == 3
    assert uln_check_digit("927630868") == 6
    assert uln_check_digit("117411263") == 7


def test_remainder_zero_means_no_uln() -> None:
    # DOMAIN.md "Formats and codes": 1000000063 invalid (remainder 0)
    assert uln_check_digit("100000006") is None
    assert make_uln("100000006") is None
    assert not is_valid_uln("1000000063")
    refused("ULN", "no ULN can begin 100000006", validate_uln, "1000000063")


def test_temporary_uln_is_refused() -> None:
    # DOMAIN.md "Formats and codes": 9999999999 is the ILR's temporary ULN
    assert not is_valid_uln("9999999999")
    refused("ULN", "temporary ULN", validate_uln, "9999999999")


def test_wrong_check_digit_is_named() -> None:
    # DOMAIN.md "Formats and codes": ULN check digit
    message = refused("ULN", "check digit is wrong", validate_uln, "1000000045")
    assert "must end in 3, not 5" in message


def test_uln_whitespace_stripped_and_field_name_kept() -> None:
    # DOMAIN.md "Learners and ULNs": a ULN is a 10-digit number
    assert validate_uln("  1000000043\t") == "1000000043"
    refused("Master ULN", "check digit", validate_uln, "1000000044", field="Master ULN")


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "is required"),
        ("   ", "is required"),
        ("100000004", "exactly 10 digits (it has 9)"),
        ("10000000430", "exactly 10 digits (it has 11)"),
        ("10000OO043", "digits only"),
        ("1000 000 043", "digits only"),
        ("0000000000", "cannot start with 0"),
        ("0123456789", "cannot start with 0"),
    ],
)
def test_malformed_ulns(value: str, fragment: str) -> None:
    # DOMAIN.md "Learners and ULNs": 10 digits (ESFA DerivedData_01: a 10-digit number)
    refused("ULN", fragment, validate_uln, value)
    assert not is_valid_uln(value)


def test_make_uln() -> None:
    # DOMAIN.md "Formats and codes": ULN check digit
    assert make_uln(100000004) == "1000000043"
    assert make_uln("927630868") == "9276308686"
    with pytest.raises(ValueError):
        make_uln("12345678")
    with pytest.raises(ValueError):
        make_uln("012345678")
    with pytest.raises(ValueError):
        uln_check_digit("12345678x")


prefixes = st.integers(min_value=100_000_000, max_value=999_999_999)


@given(prefixes)
def test_every_prefix_with_a_check_digit_makes_a_valid_uln(prefix: int) -> None:
    # DOMAIN.md "Formats and codes": ULN check digit
    uln = make_uln(prefix)
    check = uln_check_digit(str(prefix))
    if check is None:
        assert uln is None
    else:
        assert uln == f"{prefix}{check}"
        assert validate_uln(uln) == uln


def test_single_digit_changes_always_detected_by_the_weights() -> None:
    # The property below holds because 11 is prime and every weight (10..2) and every digit
    # difference (1..9) is non-zero mod 11, so weight * difference is never 0 mod 11: the
    # remainder always changes, and the check digit 10 - r (0..9) is a one-to-one function of r.
    assert all((w * d) % 11 != 0 for w in range(2, 11) for d in range(1, 10))


@given(prefixes, st.integers(min_value=0, max_value=9), st.integers(min_value=1, max_value=9))
def test_changing_any_single_digit_invalidates_a_uln(
    prefix: int, position: int, shift: int
) -> None:
    # DOMAIN.md "Formats and codes": ULN check digit (mod 11 catches every single-digit error)
    uln = make_uln(prefix)
    if uln is None:
        return
    digit = (int(uln[position]) + shift) % 10
    changed = uln[:position] + str(digit) + uln[position + 1 :]
    assert changed != uln
    assert not is_valid_uln(changed)


# --- UKPRN and UPN: DOMAIN.md "Formats and codes" ---------------------------------------------


def test_ukprn() -> None:
    # DOMAIN.md "Formats and codes": UKPRN 8 digits (10000000-99999999)
    assert validate_ukprn(" 10012345 ") == "10012345"
    assert validate_ukprn("99999999") == "99999999"
    assert validate_ukprn("10000000") == "10000000"
    refused("UKPRN", "cannot start with 0", validate_ukprn, "09999999")
    refused("UKPRN", "exactly 8 digits", validate_ukprn, "1001234")
    refused("UKPRN", "exactly 8 digits", validate_ukprn, "100123456")
    refused("UKPRN", "exactly 8 digits", validate_ukprn, "1001234A")
    refused("UKPRN", "is required", validate_ukprn, "")


def test_upn_domain_example() -> None:
    # DOMAIN.md "Formats and codes": UPN example B801200005001
    assert upn_check_letter("801200005001") == "B"
    assert validate_upn("B801200005001") == "B801200005001"
    assert validate_upn(" b801200005001 ") == "B801200005001"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("C801200005001", "check letter is wrong: a UPN ending 801200005001 must start with B"),
        ("B80120000500", "exactly 13 characters (it has 12)"),
        ("B8012000050011", "exactly 13 characters (it has 14)"),
        ("8801200005001", "a letter followed by 12 digits"),
        ("B80120000500A", "a letter followed by 12 digits"),
        ("", "is required"),
    ],
)
def test_upn_refused(value: str, fragment: str) -> None:
    # DOMAIN.md "Formats and codes": UPN 13 characters with a check letter
    refused("UPN", fragment, validate_upn, value)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.sampled_from(UPN_ALPHABET))
def test_generated_upn_validates_and_another_letter_does_not(body: str, other: str) -> None:
    # DOMAIN.md "Formats and codes": UPN check letter, alphabet ABCDEFGHJKLMNPQRTUVWXYZ
    letter = upn_check_letter(body)
    assert validate_upn(letter + body) == letter + body
    if other != letter:
        refused("UPN", "check letter is wrong", validate_upn, other + body)


@pytest.mark.parametrize("letter", ["I", "O", "S"])
def test_upn_letters_outside_the_alphabet_never_validate(letter: str) -> None:
    # DOMAIN.md "Formats and codes": the UPN alphabet has no I, O or S
    refused("UPN", "check letter is wrong", validate_upn, letter + "801200005001")


# --- Postcodes: DOMAIN.md "Formats and codes": Postcode ---------------------------------------


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        ("SW1A 1AA", "SW1A 1AA"),
        ("  sw1a   1aa ", "SW1A 1AA"),
        ("m11ae", "M1 1AE"),
        ("B338TH", "B33 8TH"),
        ("cr26xh", "CR2 6XH"),
        ("DN551PT", "DN55 1PT"),
        ("W1A0AX", "W1A 0AX"),
        ("EC1A1BB", "EC1A 1BB"),
        ("gir0aa", "GIR 0AA"),
        ("GIR 0AA", "GIR 0AA"),
        ("zz999zz", "ZZ99 9ZZ"),
        ("Zz99  9zZ", "ZZ99 9ZZ"),
    ],
)
def test_postcode_normalised_and_valid(raw: str, canonical: str) -> None:
    # DOMAIN.md "Formats and codes": Postcode
    assert normalise_postcode(raw) == canonical
    assert validate_postcode(raw) == canonical


@pytest.mark.parametrize(
    "raw", ["SW1A", "12345", "SW1A 1A", "1AB 1AA", "AI1 1AA", "SW1A 1AAA", "S W!A 1AA", "1AA"]
)
def test_invalid_postcodes(raw: str) -> None:
    # DOMAIN.md "Formats and codes": Postcode pattern
    message = refused("Postcode", "is not a valid UK postcode", validate_postcode, raw)
    assert UNKNOWN_POSTCODE in message


def test_normalise_puts_one_space_before_the_last_three() -> None:
    # DOMAIN.md "Formats and codes": Postcode (canonical spacing only; validation is separate)
    assert normalise_postcode("a1aa") == "A 1AA"
    assert normalise_postcode(" ab1 ") == "AB1"
    assert normalise_postcode("") == ""


def test_postcode_required_and_field_name() -> None:
    # DOMAIN.md "Learners and ULNs": postcode is mandatory for a search, ZZ99 9ZZ as last resort
    refused("Postcode", "ZZ99 9ZZ", validate_postcode, "  ")
    refused("Previous postcode", "not a valid", validate_postcode, "XX", field="Previous postcode")


def test_unknown_postcode() -> None:
    # DOMAIN.md "Formats and codes": ZZ99 9ZZ is the unknown-postcode value
    assert UNKNOWN_POSTCODE == "ZZ99 9ZZ"
    assert is_unknown_postcode("zz99 9zz")
    assert is_unknown_postcode("ZZ999ZZ")
    assert not is_unknown_postcode("SW1A 1AA")


def test_prohibited_postcode() -> None:
    # DOMAIN.md "Learners and ULNs" (Appendix C): prison postcodes refused
    message = refused(
        "Postcode", "prohibited postcode", validate_postcode, "ab1 2cd", prohibited=["AB1 2CD"]
    )
    assert "last address" in message and "ZZ99 9ZZ" in message
    assert validate_postcode("AB1 2CD") == "AB1 2CD"


# --- Names and text: DOMAIN.md "Formats and codes": Learner fields; Appendix C ---------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Siân", "Siân"),
        ("Sia\u0302n", "Siân"),  # decomposed input is stored composed
        ("Zoë", "Zoë"),
        ("O'Brien", "O'Brien"),
        ("O’Brien", "O'Brien"),
        ("Smith-Jones", "Smith-Jones"),
        ("McDonald", "McDonald"),
        ("Ó Briain", "Ó Briain"),
        ("  Mary   Ann\t", "Mary Ann"),
        ("A" * 35, "A" * 35),
    ],
)
def test_names_accepted(raw: str, expected: str) -> None:
    # DOMAIN.md "Formats and codes": names max 35; letters, space, hyphen, apostrophe
    assert validate_name(raw, "Given name") == expected


def test_name_too_long() -> None:
    # DOMAIN.md "Formats and codes": names max 35 characters
    refused(
        "Family name", "at most 35 characters (it has 36)", validate_name, "A" * 36, "Family name"
    )


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("J0hn", 'not "0"'),
        ("Smith2", 'not "2"'),
        ("Anne.Marie", 'not "."'),
        ("Jo_", 'not "_"'),
        ("-", "at least one letter"),
        ("' -", "at least one letter"),
    ],
)
def test_names_refused(raw: str, fragment: str) -> None:
    # DOMAIN.md "Formats and codes": names hold letters only (plus space, hyphen, apostrophe)
    refused("Given name", fragment, validate_name, raw, "Given name")


def test_name_required_unless_optional() -> None:
    # DOMAIN.md "Learners and ULNs": given and family name mandatory; preferred name optional
    refused("Given name", "is required", validate_name, "   \t ", "Given name")
    assert validate_name("   ", "Preferred given name", required=False) == ""


def test_validate_text() -> None:
    # DOMAIN.md "Formats and codes": address lines max 50, SchoolAtAge16 max 254, Notes max 4000
    # issue 9 item 1: free text is one line unless the field is multi-line (Notes)
    assert validate_text("  note\nline two  ", "Notes", 4000, multiline=True) == "note\nline two"
    refused("Title", "line breaks", validate_text, "Dr\nX", "Title", 35)
    assert validate_text("", "Notes", 4000) == ""
    assert validate_text("x" * 4000, "Notes", 4000) == "x" * 4000
    refused(
        "Notes", "at most 4000 characters (it has 4001)", validate_text, "x" * 4001, "Notes", 4000
    )
    refused("Notes", "is required", validate_text, " ", "Notes", 4000, required=True)
    refused("Notes", "control characters", validate_text, "a\x00b", "Notes", 4000)


def test_address_line() -> None:
    # DOMAIN.md "Formats and codes": address lines max 50; Appendix C prohibited text
    assert validate_address_line(" 1  High  Street ", "Address line 1") == "1 High Street"
    refused("Address line 1", "(it has 51)", validate_address_line, "x" * 51, "Address line 1")
    refused("Town", "prohibited", validate_address_line, "HMP Wandsworth", "Town")


# --- Prohibited text: DOMAIN.md "Learners and ULNs" (Appendix C) ------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Prisoner", "Prisoner"),
        ("c/o the prison", "prison"),
        ("HMP Brixton", "HMP"),
        ("hmp brixton", "hmp"),
        ("Feltham Young Offender Institution", "Young Offender"),
        ("Young  offenders unit", "Young  offenders"),
        ("The Prisons Service", "Prisons"),
    ],
)
def test_prohibited_text_refused(text: str, found: str) -> None:
    # DOMAIN.md "Learners and ULNs": prohibited text refused — use last address or default postcode
    message = refused("Address line 1", f'"{found}"', check_prohibited_text, text, "Address line 1")
    assert "last address" in message and "ZZ99 9ZZ" in message


@pytest.mark.parametrize("text", ["Prisonby Road", "Chompton Lane", "Young Street", "Imprisoned"])
def test_prohibited_text_only_whole_words(text: str) -> None:
    # DOMAIN.md "Learners and ULNs": prohibited words match on word boundaries only
    assert check_prohibited_text(text, "Address line 1") == text


def test_prohibited_terms_extendable() -> None:
    # DOMAIN.md "Learners and ULNs": the published list can grow
    assert "prisoner" in PROHIBITED_TERMS
    terms = (*PROHIBITED_TERMS, "detention centre")
    refused("Town", "prohibited", check_prohibited_text, "Detention Centre", "Town", terms=terms)


# --- Email and school at 16: DOMAIN.md "Learners and ULNs" (Appendix C) -----------------------


@pytest.mark.parametrize("value", ["none", "None", "NONE", " none ", "none@none.com"])
def test_email_never_none(value: str) -> None:
    # DOMAIN.md "Learners and ULNs": email never the word "none"
    refused("Email", 'must not be the word "none"', validate_email, value)


def test_email() -> None:
    # DOMAIN.md "Learners and ULNs": email is optional
    assert validate_email("  ") == ""
    assert validate_email(" jo.bloggs@example.ac.uk ") == "jo.bloggs@example.ac.uk"
    assert validate_email("nonesuch@example.com") == "nonesuch@example.com"
    refused("Email", "not an email address", validate_email, "jo.example.com")
    refused("Email", "not an email address", validate_email, "jo@@example.com")
    refused("Email", "not an email address", validate_email, "@example.com")
    refused("Email", "no valid domain", validate_email, "jo@example")
    refused("Email", "no valid domain", validate_email, "jo@example.")
    refused("Email", "spaces", validate_email, "jo bloggs@example.com")
    long = "a" * 243 + "@example.com"
    refused("Email", "at most 254 characters (it has 255)", validate_email, long)
    refused("Contact email", "none", validate_email, "none", field="Contact email")


def test_school_at_16() -> None:
    # DOMAIN.md "Learners and ULNs" (Appendix C): the proper name without "School"/"College"
    assert validate_school_at_16(" Hillside ") == "Hillside"
    assert validate_school_at_16("") == ""
    assert validate_school_at_16("Schoolhouse Academy") == "Schoolhouse Academy"
    refused("School at 16", 'the word "School"', validate_school_at_16, "Hillside School")
    refused("School at 16", 'the word "college"', validate_school_at_16, "St Mary's college")
    refused("School at 16", 'the word "SCHOOL"', validate_school_at_16, "SCHOOL")
    refused("School at 16", "at most 254", validate_school_at_16, "x" * 255)


# --- Date of birth: DOMAIN.md "Formats and codes"; the forms typed: tests/core/test_dates.py ---

TODAY = date(2025, 6, 15)


def test_dob_parsed_strictly() -> None:
    # DOMAIN.md "Formats and codes": dates YYYY-MM-DD
    assert validate_date_of_birth("2008-09-01", TODAY) == date(2008, 9, 1)
    assert validate_date_of_birth(date(2008, 9, 1), TODAY) == date(2008, 9, 1)
    assert validate_date_of_birth(datetime(2008, 9, 1, 12, 30), TODAY) == date(2008, 9, 1)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("20080901", "day first, such as 3/8/1977"),
        ("", "day first, such as 3/8/1977"),
        ("2010-02-30", "2010-02-30 is not a real date: February 2010 has 28 days"),
        ("2008-02-30", "February 2008 has 29 days"),
        ("2009-04-31", "April 2009 has 30 days"),
        ("2009-13-01", "month must be 1 to 12"),
        ("2009-00-10", "month must be 1 to 12"),
        ("2009-01-00", "January 2009 has 31 days"),
    ],
)
def test_dob_bad_format_or_impossible(value: str, fragment: str) -> None:
    # DOMAIN.md "Formats and codes": dates YYYY-MM-DD
    refused("Date of birth", fragment, validate_date_of_birth, value, TODAY)


def test_dob_not_in_future() -> None:
    # DOMAIN.md "Learners and ULNs": a learner's date of birth
    refused("Date of birth", "in the future", validate_date_of_birth, "2025-06-16", TODAY)


def test_dob_age_boundaries() -> None:
    # Learner aged 13 to 110 inclusive (brief; DOMAIN.md "Learners and ULNs" says ULNs are for 14+)
    assert validate_date_of_birth("2012-06-15", TODAY) == date(2012, 6, 15)  # 13 today
    refused("Date of birth", "at least 13 years old", validate_date_of_birth, "2012-06-16", TODAY)
    assert validate_date_of_birth("1915-06-16", TODAY) == date(1915, 6, 16)  # 110, 111 tomorrow
    assert validate_date_of_birth("1914-06-16", TODAY) == date(1914, 6, 16)  # 110 still
    message = refused(
        "Date of birth", "at most 110 years old", validate_date_of_birth, "1914-06-15", TODAY
    )
    assert "they are 111" in message


def test_dob_field_name_and_configurable_ages() -> None:
    # Minimum age is configurable: DOMAIN.md says 14+, the brief 13
    refused("DOB", "at least 14", validate_date_of_birth, "2012-01-01", TODAY, "DOB", min_age=14)


def test_born_on_29_february() -> None:
    # Birthdays: 29 February learners age a year on 1 March in common years
    dob = date(2008, 2, 29)
    assert age_on(dob, date(2021, 2, 28)) == 12
    assert age_on(dob, date(2021, 3, 1)) == 13
    assert age_on(dob, date(2024, 2, 28)) == 15
    assert age_on(dob, date(2024, 2, 29)) == 16
    refused("Date of birth", "they are 12", validate_date_of_birth, "2008-02-29", date(2021, 2, 28))
    assert validate_date_of_birth("2008-02-29", date(2021, 3, 1)) == dob


def test_age_on() -> None:
    assert age_on(date(2000, 6, 15), date(2025, 6, 14)) == 24
    assert age_on(date(2000, 6, 15), date(2025, 6, 15)) == 25
    assert age_on(date(2000, 12, 31), date(2001, 1, 1)) == 0


# --- Codes: DOMAIN.md "Formats and codes": Learner fields; Appendices D and E -----------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, Gender.NOT_KNOWN),
        (1, Gender.MALE),
        ("2", Gender.FEMALE),
        (" 9 ", Gender.NOT_SPECIFIED),
        (Gender.MALE, Gender.MALE),
    ],
)
def test_gender(value: int | str, expected: Gender) -> None:
    # DOMAIN.md "Formats and codes": Gender 0 not known, 1 male, 2 female, 9 not specified
    assert parse_gender(value) is expected


def test_gender_labels_and_refusals() -> None:
    # DOMAIN.md "Formats and codes": Gender codes
    assert [(g.value, g.label) for g in Gender] == [
        (0, "Not known"),
        (1, "Male"),
        (2, "Female"),
        (9, "Not specified"),
    ]
    for bad in (3, "M", "", "-1", True):
        refused("Gender", "must be one of 0 (Not known)", parse_gender, bad)


def test_verification_types_in_appendix_d_order() -> None:
    # DOMAIN.md "Formats and codes": VerificationType 0-7 in Appendix D order, 999 Other
    assert [(v.value, v.label) for v in VerificationType] == [
        (0, "None Provided"),
        (1, "Relationship with School"),
        (2, "Passport"),
        (3, "Driving Licence"),
        (4, "ID Card or Other Form of National Identification"),
        (5, "National Insurance Card"),
        (6, "Certificate of Entitlement to Funding"),
        (7, "Bank/Credit/Debit Card"),
        (999, "Other"),
    ]
    assert parse_verification_type("999") is VerificationType.OTHER
    refused("Verification type", "999 (Other)", parse_verification_type, 8)


def test_verification_without_description() -> None:
    # DOMAIN.md "Learners and ULNs": mandatory verification type
    assert validate_verification(2, None) == (VerificationType.PASSPORT, None)
    assert validate_verification("0", "  ") == (VerificationType.NONE_PROVIDED, None)


def test_verification_other_needs_a_trusted_description() -> None:
    # DOMAIN.md "Learners and ULNs": "Other" requires a description from a trusted third party
    assert validate_verification(999, "  Armed Forces service ID ") == (
        VerificationType.OTHER,
        "Armed Forces service ID",
    )
    refused("Other verification description", "is required", validate_verification, 999, None)
    refused("Other verification description", "is required", validate_verification, "999", " ")


@pytest.mark.parametrize(
    ("description", "named"),
    [
        ("ILR", "ILR"),
        ("ilr", "ILR"),
        (" I.L.R. ", "ILR"),
        ("Other ID", "Other ID"),
        ("other-id", "Other ID"),
        ("OtherID", "Other ID"),
        ("LRS", "LRS"),
        ("lrs.", "LRS"),
        ("By school/college/learning provider", "By school/college/learning provider"),
        ("By School / College / Learning Provider", "By school/college/learning provider"),
        ("by school, college, learning-provider", "By school/college/learning provider"),
    ],
)
def test_refused_other_descriptions(description: str, named: str) -> None:
    # DOMAIN.md "Learners and ULNs": "ILR", "Other ID", "LRS", "By school/college/learning
    # provider" are not accepted descriptions (Appendix D)
    message = refused(
        "Other verification description",
        f'"{named}" is not an accepted description',
        validate_verification,
        VerificationType.OTHER,
        description,
    )
    assert "trusted third party" in message and "None Provided" in message


def test_description_refused_for_non_other_type() -> None:
    # DOMAIN.md "Formats and codes": OtherVerificationDescription only with 999 Other
    message = refused(
        "Other verification description", "must be left blank", validate_verification, 2, "Passport"
    )
    assert "it is 2 (Passport)" in message


def test_ability_to_share() -> None:
    # DOMAIN.md "Learners and ULNs": 0 = not seen (PLR not viewable by organisations), 1 = seen
    assert parse_ability_to_share("0") is AbilityToShare.NOT_SEEN
    assert parse_ability_to_share(1) is AbilityToShare.SEEN
    assert AbilityToShare.NOT_SEEN.label == (
        "Privacy Notice not seen: PLR not viewable by organisations"
    )
    refused("Ability to share", "must be one of 0", parse_ability_to_share, 2)


def test_outcome_codes() -> None:
    # DOMAIN.md "Formats and codes": Search outcome codes
    assert [c.value for c in OutcomeCode] == [
        "WSRC0001",
        "WSRC0002",
        "WSRC0003",
        "WSRC0004",
        "WSRC0021",
        "WSRC0022",
    ]
    assert OutcomeCode("WSRC0004") is OutcomeCode.EXACT_MATCH
    assert OutcomeCode.NO_MATCH.meaning == "No match"
    assert f"{OutcomeCode.TOO_MANY_MATCHES}" == "WSRC0002"
    assert "same mandatory fields" in OutcomeCode.CANNOT_REGISTER.meaning
    assert "merged" in OutcomeCode.LINKED_LEARNER_MATCH.meaning
    assert all(c.meaning for c in OutcomeCode)


# --- Matching key: DOMAIN.md "Learners and ULNs" (Appendix B search tips) ---------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("O'Brien", "obrien"),
        ("O’Brien", "OBRIEN"),
        ("Siân", "sian"),
        ("Sia\u0302n", "Siân"),
        ("Zoë", "zoe"),
        ("Smith-Jones", "Smith Jones"),
        ("Ó Briain", "obriain"),
        ("Strauß", "STRAUSS"),
    ],
)
def test_name_key_matches(a: str, b: str) -> None:
    # DOMAIN.md "Learners and ULNs": double-barrelled with/without hyphen; accents and case
    assert name_key(a) == name_key(b)


def test_name_key_values() -> None:
    assert name_key(" Mc-Donald ") == "mcdonald"
    assert name_key("Smith") != name_key("Smyth")
