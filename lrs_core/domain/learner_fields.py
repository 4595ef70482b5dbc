"""Every editable field of a learner record, its label and its rule, in one table.

Register, update, the CLI's options and the TUI's inline validation all read this table, so a
rule is written once (DOMAIN.md "Learner fields"; User Guide §4.2.2 and Appendix C).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from lrs_core.domain.names import (
    ADDRESS_LINE_MAX,
    EMAIL_MAX,
    MIS_IDENTIFIER_MAX,
    NAME_MAX,
    NOTES_MAX,
    SCHOOL_AT_16_MAX,
    check_prohibited_text,
    validate_address_line,
    validate_email,
    validate_name,
    validate_school_at_16,
    validate_text,
)
from lrs_core.domain.text import check_characters, check_length
from lrs_core.domain.values import (
    OTHER_DESCRIPTION_MAX,
    POSTCODE_MAX,
    display_date,
    parse_ability_to_share,
    parse_date,
    parse_gender,
    quoted,
    validate_date_of_birth,
    validate_postcode,
    validate_upn,
    validate_verification,
)
from lrs_core.errors import InvalidFields, ValidationError

Check = Callable[[str, date], Any]


@dataclass(frozen=True)
class LearnerField:
    name: str  # the Learner column
    label: str  # what the operator reads
    check: Check  # raw text and today -> the value stored ("" stored as NULL)
    required: bool = False
    key: bool = False  # part of the key data compared for identical learners (§4.2.4)
    # The longest text the field stores, after normalisation (None: not stored as text).
    # The one place a field's limit is declared: its check uses it, validate_field enforces it
    # on every value, and tests/core/test_text_rule.py holds it to the column's length.
    max_len: int | None = None
    multiline: bool = False  # Notes: line feeds allowed (the text rule, lrs_core.domain.text)


def _name(name: str, label: str, required: bool = False) -> LearnerField:
    # Names are letters only; prohibited text (Appendix C) is an address and free-text rule.
    return LearnerField(
        name,
        label,
        lambda raw, _today: validate_name(raw, label, required),
        required=required,
        key=name in KEY_NAMES,
        max_len=NAME_MAX,
    )


def _text(name: str, label: str, max_len: int, *, multiline: bool = False) -> LearnerField:
    def check(raw: str, _today: date) -> str:
        text = validate_text(raw, label, max_len, multiline=multiline)
        return check_prohibited_text(text, label)

    return LearnerField(name, label, check, max_len=max_len, multiline=multiline)


def _address(name: str, label: str) -> LearnerField:
    return LearnerField(
        name, label, lambda raw, _today: validate_address_line(raw, label), max_len=ADDRESS_LINE_MAX
    )


def _optional_date(label: str) -> Check:
    def check(raw: str, today: date) -> date | None:
        if not raw.strip():
            return None
        day = parse_date(raw, label, today)
        if day > today:
            raise ValidationError(label, f"{display_date(day)} is in the future")
        return day

    return check


def _digits(label: str, length: int) -> Check:
    def check(raw: str, _today: date) -> str:
        text = raw.strip()
        if text and not (len(text) == length and text.isdigit()):
            raise ValidationError(label, f"must be {length} digits, not {quoted(text)}")
        return text

    return check


def _uci(raw: str, _today: date) -> str:
    uci = "".join(raw.split()).upper()
    if uci and (len(uci) != 13 or not uci.isalnum()):
        raise ValidationError("UCI", f"must be 13 letters and digits, not {quoted(raw.strip())}")
    return uci


def _upn(raw: str, _today: date) -> str:
    return validate_upn(raw) if raw.strip() else ""


KEY_NAMES = ("given_name", "family_name")

FIELDS: tuple[LearnerField, ...] = (
    _text("title", "Title", NAME_MAX),
    _name("given_name", "Given name", required=True),
    _name("preferred_given_name", "Preferred given name"),
    _name("middle_other_name", "Middle names"),
    _name("family_name", "Family name", required=True),
    _name("previous_family_name", "Previous family name"),
    _name("family_name_at_16", "Family name at 16"),
    LearnerField(
        "school_at_16",
        "School at 16",
        lambda raw, _t: validate_school_at_16(raw),
        max_len=SCHOOL_AT_16_MAX,
    ),
    _address("address_line1", "Address line 1"),
    _address("address_line2", "Address line 2"),
    _address("address_town", "Town"),
    _address("address_county_or_city", "County or city"),
    LearnerField(
        "postcode",
        "Postcode",
        lambda raw, _t: validate_postcode(raw),
        required=True,
        key=True,
        max_len=POSTCODE_MAX,
    ),
    LearnerField(
        "date_of_address_capture",
        "Date of address capture",
        _optional_date("Date of address capture"),
    ),
    LearnerField(
        "date_of_birth",
        "Date of birth",
        lambda raw, today: validate_date_of_birth(raw, today),
        required=True,
        key=True,
    ),
    _text("place_of_birth", "Place of birth", NAME_MAX),
    LearnerField("email", "Email", lambda raw, _t: validate_email(raw), max_len=EMAIL_MAX),
    LearnerField(
        "gender", "Gender", lambda raw, _t: int(parse_gender(raw)), required=True, key=True
    ),
    _text("nationality", "Nationality", NAME_MAX),
    LearnerField(
        "scottish_candidate_number",
        "Scottish candidate number",
        _digits("Scottish candidate number", 9),
        max_len=9,
    ),
    LearnerField(
        "ability_to_share",
        "Ability to share",
        lambda raw, _t: int(parse_ability_to_share(raw)),
        required=True,
    ),
    # Checked together with its description by validate_learner_fields.
    LearnerField("verification_type", "Verification type", lambda raw, _t: raw, required=True),
    LearnerField(
        "other_verification_description",
        "Other verification description",
        lambda raw, _t: raw,
        max_len=OTHER_DESCRIPTION_MAX,
    ),
    _text("notes", "Notes", NOTES_MAX, multiline=True),
    LearnerField("upn", "UPN", _upn, max_len=13),
    LearnerField("uci", "UCI", _uci, max_len=13),
    _text("mis_identifier", "MIS identifier", MIS_IDENTIFIER_MAX),
)
BY_NAME: dict[str, LearnerField] = {f.name: f for f in FIELDS}


@dataclass(frozen=True)
class Change:
    """One field changed: its label and its value as text before and after."""

    field: str
    before: str
    after: str


def field_text(value: object) -> str:
    """A stored value as the text its field holds (dates as YYYY-MM-DD, None as "")."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def display_text(value: object) -> str:
    """A stored value as the operator reads it: dates in the house style (3 Aug 1977)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return display_date(value)
    return field_text(value)


KEY_FIELDS = tuple(f.name for f in FIELDS if f.key)


def validate_field(name: str, raw: str, today: date) -> Any:
    """One field's stored value, or ValidationError (inline validation as the operator types).
    The verification type is checked on its own here; with its description on save.

    Every field, coded ones too, passes the text rule first (so no field escapes it and a
    refusal names the character before any message quotes the value), and every text it
    stores is held to the field's ``max_len`` after normalisation, the same on both databases.
    """
    spec = BY_NAME[name]
    raw = check_characters(raw.strip(), spec.label, multiline=spec.multiline)
    if spec.required and not raw.strip():
        raise ValidationError(spec.label, "is required")
    if name == "verification_type":
        from lrs_core.domain.values import parse_verification_type

        return int(parse_verification_type(raw))
    value = spec.check(raw, today)
    return _fits(spec, value) if value != "" else None


def _fits(spec: LearnerField, value: Any) -> Any:
    if isinstance(value, str):
        if spec.max_len is None:
            raise TypeError(f"{spec.name} stores text but declares no max_len")
        check_length(value, spec.label, spec.max_len)
    return value


def validate_learner_fields(
    raw: Mapping[str, str], today: date, *, complete: bool
) -> dict[str, Any]:
    """Check the fields in ``raw`` (column name -> text). ``complete`` (registering) means
    every required field must be there. Raises :class:`InvalidFields` naming every bad field."""
    unknown = sorted(set(raw) - set(BY_NAME))
    if unknown:
        raise ValueError(f"not learner fields: {', '.join(unknown)}")
    errors: list[ValidationError] = []
    values: dict[str, Any] = {}
    for spec in FIELDS:
        if spec.name not in raw:
            if complete and spec.required:
                errors.append(ValidationError(spec.label, "is required"))
            continue
        if spec.name in ("verification_type", "other_verification_description"):
            continue
        try:
            values[spec.name] = validate_field(spec.name, raw[spec.name], today)
        except ValidationError as error:
            errors.append(error)
    if "verification_type" in raw or "other_verification_description" in raw:
        vtype_raw = raw.get("verification_type", "").strip()
        if not vtype_raw and "verification_type" in raw:
            errors.append(ValidationError("Verification type", "is required"))
        elif vtype_raw:
            try:
                vtype, description = validate_verification(
                    vtype_raw, raw.get("other_verification_description")
                )
                values["verification_type"] = int(vtype)
                values["other_verification_description"] = _fits(
                    BY_NAME["other_verification_description"], description
                )
            except ValidationError as error:
                errors.append(error)
    if errors:
        raise InvalidFields(errors)
    return values
