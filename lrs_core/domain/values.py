"""LRS identifiers, codes and dates: ULN, UKPRN, UPN, postcode, date of birth and code lists.

Every rule raises :class:`lrs_core.errors.ValidationError` naming the field and the rule broken.
Names, free text, email and prohibited text live in :mod:`lrs_core.domain.names`.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from datetime import date, datetime
from enum import IntEnum, StrEnum
from typing import TypeVar

from lrs_core.domain.text import check_characters, clean_text
from lrs_core.errors import ValidationError

QUOTE_MAX = 24  # characters of a refused value repeated back in its message


def quoted(value: object) -> str:
    """A refused value, quoted for its message: the first few characters of a long one and
    its length (a 10,000-digit "gender" is not worth repeating whole)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return "a number too large to be a code"  # str() refuses beyond 4,300 digits
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= QUOTE_MAX:
        return f'"{text}"'
    return f'"{text[:QUOTE_MAX]}…" ({len(text):,} characters)'


# --- ULN (DOMAIN.md "Formats and codes": ULN check digit) -------------------------------------

TEMPORARY_ULN = "9999999999"
_ULN_WEIGHTS = range(10, 1, -1)  # digits 1..9 weigh 10, 9, ..., 2


def uln_check_digit(first_nine: str) -> int | None:
    """The check digit for the first nine digits of a ULN, or None when none exists (mod 11 = 0)."""
    if not re.fullmatch(r"[0-9]{9}", first_nine):
        raise ValueError(f"expected nine digits, got {first_nine!r}")
    remainder = sum(int(d) * w for d, w in zip(first_nine, _ULN_WEIGHTS, strict=True)) % 11
    return None if remainder == 0 else 10 - remainder


def validate_uln(s: str, field: str = "ULN") -> str:
    """Return the ULN (whitespace stripped) or raise: 10 digits, no leading 0, valid check digit."""
    uln = s.strip()
    if not uln:
        raise ValidationError(field, "is required: enter the learner's 10-digit ULN")
    if not re.fullmatch(r"[0-9]+", uln):
        raise ValidationError(field, f"must contain digits only, not {quoted(uln)}")
    if len(uln) != 10:
        raise ValidationError(field, f"must be exactly 10 digits (it has {len(uln)})")
    if uln[0] == "0":
        raise ValidationError(field, "cannot start with 0: ULNs run from 1000000000 to 9999999999")
    if uln == TEMPORARY_ULN:
        raise ValidationError(
            field, "9999999999 is the ILR's temporary ULN, never a real learner's ULN"
        )
    check = uln_check_digit(uln[:9])
    if check is None:
        raise ValidationError(
            field, f"is not a real ULN: no ULN can begin {uln[:9]} (its check digit does not exist)"
        )
    if int(uln[9]) != check:
        raise ValidationError(
            field,
            f"check digit is wrong: a ULN beginning {uln[:9]} must end in {check}, not {uln[9]}"
            " (check for a mistyped digit)",
        )
    return uln


def is_valid_uln(s: str) -> bool:
    """True when :func:`validate_uln` accepts ``s``."""
    try:
        validate_uln(s)
    except ValidationError:
        return False
    return True


def make_uln(first_nine: int | str) -> str | None:
    """The ULN for a nine-digit prefix (not starting with 0); None when it has no check digit."""
    prefix = str(first_nine)
    if not re.fullmatch(r"[1-9][0-9]{8}", prefix):
        raise ValueError(f"expected nine digits not starting with 0, got {first_nine!r}")
    check = uln_check_digit(prefix)
    return None if check is None else f"{prefix}{check}"


def permuted_uln(serial: int) -> str | None:
    """A valid ULN drawn from ``serial`` by a fixed permutation (so consecutive serials give
    unrelated-looking ULNs); None in the rare case no ninth digit has a check digit."""
    core = 10_000_000 + (61_803_401 * serial + 12_345_679) % 90_000_000
    for ninth in range(10):
        uln = make_uln(core * 10 + (serial + ninth) % 10)
        if uln and uln != TEMPORARY_ULN:
            return uln
    return None


# --- UKPRN and UPN (DOMAIN.md "Formats and codes") --------------------------------------------


def validate_ukprn(s: str, field: str = "UKPRN") -> str:
    """Return the UKPRN (whitespace stripped) or raise: 8 digits, 10000000 to 99999999."""
    ukprn = s.strip()
    if not ukprn:
        raise ValidationError(field, "is required: enter the organisation's 8-digit UKPRN")
    if not re.fullmatch(r"[0-9]{8}", ukprn):
        raise ValidationError(field, f"must be exactly 8 digits, not {quoted(ukprn)}")
    if ukprn[0] == "0":
        raise ValidationError(field, "must be 10000000 to 99999999: it cannot start with 0")
    return ukprn


UPN_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"  # 23 letters: no I, O or S


def upn_check_letter(body12: str) -> str:
    """The check letter for UPN characters 2-13 (12 digits): weights 2..13, sum mod 23."""
    if not re.fullmatch(r"[0-9]{12}", body12):
        raise ValueError(f"expected twelve digits, got {body12!r}")
    total = sum(int(d) * w for d, w in zip(body12, range(2, 14), strict=True))
    return UPN_ALPHABET[total % 23]


def validate_upn(s: str, field: str = "UPN") -> str:
    """Return the UPN upper-cased or raise: a check letter then 12 digits, letter matching."""
    upn = s.strip().upper()
    if not upn:
        raise ValidationError(field, "is required: enter the pupil's 13-character UPN")
    if len(upn) != 13:
        raise ValidationError(field, f"must be exactly 13 characters (it has {len(upn)})")
    if not re.fullmatch(r"[A-Z][0-9]{12}", upn):
        raise ValidationError(field, f"must be a letter followed by 12 digits, not {quoted(upn)}")
    expected = upn_check_letter(upn[1:])
    if upn[0] != expected:
        raise ValidationError(
            field,
            f"check letter is wrong: a UPN ending {upn[1:]} must start with {expected},"
            f" not {upn[0]}",
        )
    return upn


# --- Postcodes (DOMAIN.md "Formats and codes": Postcode; Appendix C) --------------------------

UNKNOWN_POSTCODE = "ZZ99 9ZZ"
POSTCODE_MAX = 8  # the canonical form: "SW1A 1AA"
# Postcodes LRS refuses (e.g. prisons'): our sources publish none; callers may pass a list.
PROHIBITED_POSTCODES: tuple[str, ...] = ()
_POSTCODE = re.compile(r"[A-Z][A-HJ-Y]?[0-9][A-Z0-9]?[0-9][A-Z]{2}|GIR0AA")


def normalise_postcode(s: str) -> str:
    """Upper-case, drop all whitespace, then put one space before the last three characters."""
    compact = "".join(s.split()).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def is_unknown_postcode(s: str) -> bool:
    """True for the unknown-postcode value ZZ99 9ZZ, however it is spaced or cased."""
    return normalise_postcode(s) == UNKNOWN_POSTCODE


def validate_postcode(
    s: str, field: str = "Postcode", prohibited: Iterable[str] = PROHIBITED_POSTCODES
) -> str:
    """Return the postcode in canonical form (``SW1A 1AA``) or raise; ZZ99 9ZZ means unknown."""
    postcode = normalise_postcode(check_characters(s.strip(), field))
    if not postcode:
        raise ValidationError(field, f"is required: if it is unknown, use {UNKNOWN_POSTCODE}")
    if postcode in {normalise_postcode(p) for p in prohibited}:
        raise ValidationError(
            field,
            f"{postcode} is a prohibited postcode (such as a prison's): use the learner's last"
            f" address or the default postcode {UNKNOWN_POSTCODE}",
        )
    if postcode == UNKNOWN_POSTCODE or _POSTCODE.fullmatch(postcode.replace(" ", "")):
        return postcode
    raise ValidationError(
        field,
        f"{quoted(s.strip())} is not a valid UK postcode (for example SW1A 1AA);"
        f" if it is unknown, use {UNKNOWN_POSTCODE}",
    )


# --- Dates as people in the UK type them, and the house style (DOMAIN.md "Formats and codes") -

MIN_AGE = 13
MAX_AGE = 110

DATE_FORMS = "3/8/1977, 03/08/1977, 3-8-1977, 3.8.1977, 3 Aug 1977, 3 August 1977 or 1977-08-03"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Not calendar.month_name, which follows the machine's locale.
_MONTH_WORDS = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")  # fmt: skip
_MONTH_NAMES = {
    **{name.casefold(): i for i, name in enumerate(_MONTH_WORDS, 1)},
    **{name.casefold(): i for i, name in enumerate(_MONTHS, 1)},
    "sept": 9,
}
# Day first, as the UK writes it; [0-9], not \d (which takes other scripts' digits too).
_NUMERIC = re.compile(r"([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{2}|[0-9]{4})")
_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_WORDS = re.compile(
    r"([0-9]{1,2})(?:st|nd|rd|th)?[ -]+([A-Za-z]{3,9})\.?[ -]+([0-9]{2}|[0-9]{4})", re.IGNORECASE
)


def display_date(value: date) -> str:
    """A date in the house style, on every screen and in the commands' output: ``3 Aug 1977``
    (day without a leading zero, three-letter month, four-digit year). ``parse_date`` reads it
    back as the same date."""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year:04d}"


def age_on(dob: date, day: date) -> int:
    """Age in whole years on ``day``; someone born on 29 February gains a year on 1 March."""
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def _refuse_form(field: str, text: str) -> ValidationError:
    return ValidationError(
        field, f"must be a date written day first, such as {DATE_FORMS}; not {quoted(text)}"
    )


def _read_date(value: str, field: str) -> tuple[int, int, int, bool]:
    """(day, month, year, two-digit year?) from any accepted form, or refuse."""
    text = value.strip()
    if match := _ISO.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
        return day, month, year, False
    if match := _NUMERIC.fullmatch(text):
        day_text, _, month_text, year_text = match.groups()
        day, month = int(day_text), int(month_text)
        if not 1 <= month <= 12 and 1 <= day <= 12:
            # 08/25/1977 is the US order: say so rather than just "no month 25".
            raise ValidationError(
                field,
                f"{text} has no month {month}: dates are written day first"
                f" ({month}/{day}/{year_text} for {month} {_MONTHS[day - 1]})",
            )
        return day, month, int(year_text), len(year_text) == 2
    if match := _WORDS.fullmatch(text):
        day_text, month_word, year_text = match.groups()
        named = _MONTH_NAMES.get(month_word.casefold())
        if named is None:
            raise ValidationError(
                field, f"{quoted(month_word)} is not a month: write it as Aug or August"
            )
        return int(day_text), named, int(year_text), len(year_text) == 2
    raise _refuse_form(field, text)


def _real_date(day: int, month: int, year: int, text: str, field: str) -> date:
    if year < 1:
        raise ValidationError(field, f"{text} is not a real date: there is no year 0")
    if not 1 <= month <= 12:
        raise ValidationError(field, f"{text} is not a real date: the month must be 1 to 12")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise ValidationError(
            field,
            f"{text} is not a real date: {_MONTH_WORDS[month - 1]} {year} has {days} days",
        )
    return date(year, month, day)


def _centuries(day: int, month: int, yy: int, text: str, field: str) -> list[date]:
    """The real dates a two-digit year may mean, one per century, from year 1 on."""
    out: list[date] = []
    for century in range(0, 10_000, 100):
        if century + yy < 1:
            continue
        try:
            out.append(_real_date(day, month, century + yy, text, field))
        except ValidationError:
            continue  # 29/2/00 is real in 2000, not in 1900
    if not out:
        _real_date(day, month, 2000 + yy, text, field)  # raises, saying why
    return out


def parse_date(value: str, field: str, today: date | None = None) -> date:
    """A date as people in the UK type it (``DATE_FORMS``, day first), refusing an ambiguous or
    impossible one with a message naming ``field``.

    A two-digit year (3/8/77) means the most recent such date that is not after ``today``:
    3/8/77 is 3 Aug 1977, and on 30 Nov 2026 3/8/26 is 3 Aug 2026 but 3/12/26 is 3 Dec 1926.
    Without ``today`` a two-digit year is refused. A date of birth uses
    :func:`parse_date_of_birth` instead, whose century rule follows the learner's age range.
    """
    text = value.strip()
    day, month, year, short = _read_date(text, field)
    if not short:
        return _real_date(day, month, year, text, field)
    if today is None:
        raise ValidationError(field, f"{text}: write the year in four digits")
    past = [d for d in _centuries(day, month, year, text, field) if d <= today]
    if not past:
        raise ValidationError(field, f"{text}: write the year in four digits")
    return max(past)


def parse_date_of_birth(
    value: str,
    today: date,
    field: str = "Date of birth",
    min_age: int = MIN_AGE,
    max_age: int = MAX_AGE,
) -> date:
    """A date of birth as typed (any of ``DATE_FORMS``). A two-digit year takes the century
    that makes the learner ``min_age`` to ``max_age`` today (DOMAIN.md "Learners and ULNs");
    when no century does, or more than one, it asks for the year in four digits. The age
    itself is :func:`validate_date_of_birth`'s to check."""
    text = value.strip()
    day, month, year, short = _read_date(text, field)
    if not short:
        return _real_date(day, month, year, text, field)
    dates = _centuries(day, month, year, text, field)
    fits = [d for d in dates if d <= today and min_age <= age_on(d, today) <= max_age]
    if len(fits) == 1:
        return fits[0]
    nearest = sorted((d for d in dates if d.year <= today.year), reverse=True)[:2]
    readings = " or ".join(display_date(d) for d in nearest)
    why = (
        f"{readings} would not make the learner {min_age} to {max_age}"
        if not fits
        else f"it could be {' or '.join(display_date(d) for d in fits)}"
    )
    raise ValidationError(field, f"{text}: write the year in four digits ({why})")


def validate_date_of_birth(
    value: date | str,
    today: date,
    field: str = "Date of birth",
    min_age: int = MIN_AGE,
    max_age: int = MAX_AGE,
) -> date:
    """Return the date of birth or raise: a real date, not in the future, aged 13 to 110 today."""
    if isinstance(value, datetime):
        dob = value.date()
    elif isinstance(value, date):
        dob = value
    else:
        dob = parse_date_of_birth(value, today, field, min_age, max_age)
    if dob > today:
        raise ValidationError(
            field, f"{display_date(dob)} is in the future (today is {display_date(today)})"
        )
    age = age_on(dob, today)
    if age < min_age:
        raise ValidationError(
            field,
            f"the learner must be at least {min_age} years old;"
            f" born {display_date(dob)} they are {age}",
        )
    if age > max_age:
        raise ValidationError(
            field,
            f"the learner must be at most {max_age} years old;"
            f" born {display_date(dob)} they are {age}",
        )
    return dob


# --- Code lists (DOMAIN.md "Formats and codes"; Appendices D and E) ---------------------------


class Gender(IntEnum):
    """Gender codes of the learner fields."""

    NOT_KNOWN = 0
    MALE = 1
    FEMALE = 2
    NOT_SPECIFIED = 9

    @property
    def label(self) -> str:
        return _GENDER_LABELS[self]


_GENDER_LABELS = {
    Gender.NOT_KNOWN: "Not known",
    Gender.MALE: "Male",
    Gender.FEMALE: "Female",
    Gender.NOT_SPECIFIED: "Not specified",
}


class VerificationType(IntEnum):
    """How the learner's identity was verified (Appendix D, in its order; 999 is Other)."""

    NONE_PROVIDED = 0
    RELATIONSHIP_WITH_SCHOOL = 1
    PASSPORT = 2
    DRIVING_LICENCE = 3
    ID_CARD = 4
    NATIONAL_INSURANCE_CARD = 5
    CERTIFICATE_OF_ENTITLEMENT_TO_FUNDING = 6
    BANK_CARD = 7
    OTHER = 999

    @property
    def label(self) -> str:
        return _VERIFICATION_LABELS[self]


_VERIFICATION_LABELS = {
    VerificationType.NONE_PROVIDED: "None Provided",
    VerificationType.RELATIONSHIP_WITH_SCHOOL: "Relationship with School",
    VerificationType.PASSPORT: "Passport",
    VerificationType.DRIVING_LICENCE: "Driving Licence",
    VerificationType.ID_CARD: "ID Card or Other Form of National Identification",
    VerificationType.NATIONAL_INSURANCE_CARD: "National Insurance Card",
    VerificationType.CERTIFICATE_OF_ENTITLEMENT_TO_FUNDING: "Certificate of Entitlement to Funding",
    VerificationType.BANK_CARD: "Bank/Credit/Debit Card",
    VerificationType.OTHER: "Other",
}


class AbilityToShare(IntEnum):
    """Whether the learner has seen the Privacy Notice (Appendix E)."""

    NOT_SEEN = 0
    SEEN = 1

    @property
    def label(self) -> str:
        return _SHARE_LABELS[self]


_SHARE_LABELS = {
    AbilityToShare.NOT_SEEN: "Privacy Notice not seen: PLR not viewable by organisations",
    AbilityToShare.SEEN: "Privacy Notice seen: PLR viewable by organisations",
}


class OutcomeCode(StrEnum):
    """LRS web-service search outcome codes (DOMAIN.md "Search outcome codes")."""

    NO_MATCH = "WSRC0001"
    TOO_MANY_MATCHES = "WSRC0002"
    POSSIBLE_MATCH = "WSRC0003"
    EXACT_MATCH = "WSRC0004"
    CANNOT_REGISTER = "WSRC0021"
    LINKED_LEARNER_MATCH = "WSRC0022"

    @property
    def meaning(self) -> str:
        return _OUTCOME_MEANINGS[self]


_OUTCOME_MEANINGS = {
    OutcomeCode.NO_MATCH: "No match",
    OutcomeCode.TOO_MANY_MATCHES: "Too many matches",
    OutcomeCode.POSSIBLE_MATCH: "Possible match(es)",
    OutcomeCode.EXACT_MATCH: "Exact match",
    OutcomeCode.CANNOT_REGISTER: "Cannot register: a learner with the same mandatory fields exists",
    OutcomeCode.LINKED_LEARNER_MATCH: "Linked learner match: the master of a merged-away ULN",
}


_E = TypeVar("_E", bound=IntEnum)


def _parse_code(enum: type[_E], value: int | str, field: str, labels: dict[_E, str]) -> _E:
    """Map 0, "0", " 0 " (or a member) to an enum member, else raise listing the valid codes."""
    code: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        code = value
    elif isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}", value.strip()):
        # At most nine digits: int() refuses 4,301 or more, and no code is that long.
        code = int(value.strip())
    if code is not None and code in {m.value for m in enum}:
        return enum(code)
    choices = ", ".join(f"{m.value} ({labels[m]})" for m in enum)
    raise ValidationError(field, f"must be one of {choices}, not {quoted(value)}")


def parse_gender(value: int | str, field: str = "Gender") -> Gender:
    """Gender from 0, 1, 2 or 9 given as int or str."""
    return _parse_code(Gender, value, field, _GENDER_LABELS)


def parse_ability_to_share(value: int | str, field: str = "Ability to share") -> AbilityToShare:
    """Ability to share from 0 or 1 given as int or str."""
    return _parse_code(AbilityToShare, value, field, _SHARE_LABELS)


def parse_verification_type(value: int | str, field: str = "Verification type") -> VerificationType:
    """Verification type from 0-7 or 999 given as int or str."""
    return _parse_code(VerificationType, value, field, _VERIFICATION_LABELS)


OTHER_DESCRIPTION_MAX = 100  # OtherVerificationDescription (the column holds 100)

# Appendix D: descriptions that are not a trusted third-party document.
REFUSED_OTHER_DESCRIPTIONS = ("ILR", "Other ID", "LRS", "By school/college/learning provider")


def _description_key(s: str) -> str:
    return "".join(c for c in s.casefold() if c.isalnum())


def validate_verification(
    type_value: int | str, description: str | None
) -> tuple[VerificationType, str | None]:
    """Check a verification type and its Other description; return (type, trimmed description)."""
    vtype = parse_verification_type(type_value)
    desc_field = "Other verification description"
    text = clean_text(description or "", desc_field, OTHER_DESCRIPTION_MAX)
    if vtype is not VerificationType.OTHER:
        if text:
            raise ValidationError(
                desc_field,
                f"must be left blank unless the verification type is 999 (Other);"
                f" it is {vtype.value} ({vtype.label})",
            )
        return vtype, None
    if not text:
        raise ValidationError(
            desc_field, "is required when the verification type is 999 (Other): name the document"
        )
    refused = {_description_key(d): d for d in REFUSED_OTHER_DESCRIPTIONS}
    if _description_key(text) in refused:
        raise ValidationError(
            desc_field,
            f'"{refused[_description_key(text)]}" is not an accepted description: "Other" needs a'
            " document issued by a trusted third party (e.g. armed forces service ID, exam"
            " certificates); without one, use verification type 0 (None Provided)",
        )
    return vtype, text
