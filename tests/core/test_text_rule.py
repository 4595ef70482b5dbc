"""The one text rule and the one display function (issue 9 items 1 and 9; lrs_core/domain/text.py).

Every learner text field refuses what a terminal would obey or what hides a difference, naming
the field; real names pass; what a field allows is stored and shown harmlessly; the length is
checked after normalisation, so SQLite and PostgreSQL agree.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from factories import learner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import String

from lrs_core.actor import Actor
from lrs_core.db.models import AuditEvent, Learner, LearnerPreviousValue, Operator
from lrs_core.domain.learner_fields import BY_NAME, FIELDS, validate_field, validate_learner_fields
from lrs_core.domain.names import name_key
from lrs_core.domain.text import BIDI_CONTROLS, check_characters, clean_text, shown
from lrs_core.errors import InvalidFields, ValidationError
from lrs_core.services import Services

TODAY = date(2026, 11, 23)
HOSTILE: list[dict[str, str]] = json.loads(
    (Path(__file__).parent.parent / "data" / "hostile-text.json").read_text(encoding="utf-8")
)
BY_CASE = {case["name"]: case["text"] for case in HOSTILE}
REAL_NAMES = ("welsh-accents", "polish", "apostrophe-hyphen")

# The free-text fields (everything the operator types as text, not a code or a date).
TEXT_FIELDS = [f.name for f in FIELDS if f.max_len and f.name not in ("postcode", "upn", "uci")]
NAME_FIELDS = [f.name for f in FIELDS if f.name.endswith("name") or f.name.endswith("name_at_16")]


def is_terminal_safe(text: str) -> bool:
    """No C0/C1 control (ESC, U+009B...), no bidi control, no other invisible format char."""
    return not any(
        unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") or c in BIDI_CONTROLS
        for c in text
    )


def value_of(name: str, raw: str) -> Any:
    """What the register/update path stores for one field (other description: with type 999)."""
    if name == "other_verification_description":
        fields = validate_learner_fields(
            {"verification_type": "999", name: raw}, TODAY, complete=False
        )
        return fields[name]
    return validate_field(name, raw, TODAY)


# --- (a) the rule, per field -----------------------------------------------------------------

REFUSED_EVERYWHERE = [
    "osc-title",
    "osc52-clipboard",
    "csi-clear",
    "c1-csi",
    "bel",
    "nul",
    "cr-overwrite",
    "tab",
    "bidi-rlo",
    "bidi-isolate",
    "zero-width",
    "combining-stack",
    "very-long",
]


@pytest.mark.parametrize("case", REFUSED_EVERYWHERE)
@pytest.mark.parametrize("name", [*TEXT_FIELDS, "postcode", "upn", "uci"])
def test_every_text_field_refuses_hostile_text_naming_the_field(name: str, case: str) -> None:
    # issue 9 item 1 (a): C0/C1 controls, bidi controls, invisible characters, stacked marks,
    # and (item 9) more than the column holds: refused with the field's label in the error.
    with pytest.raises(ValidationError) as refused:
        value_of(name, BY_CASE[case])
    errors = refused.value.errors if isinstance(refused.value, InvalidFields) else [refused.value]
    assert errors[0].field == BY_NAME[name].label
    assert is_terminal_safe(str(refused.value))  # the message never quotes the character


@pytest.mark.parametrize("case", [c["name"] for c in HOSTILE])
@pytest.mark.parametrize("name", [f.name for f in FIELDS if f.max_len])
def test_every_hostile_entry_is_refused_or_stored_and_shown_harmlessly(
    name: str, case: str
) -> None:
    # issue 9 item 1 (c): the whole fixture through every text field.
    try:
        value = value_of(name, BY_CASE[case])
    except ValidationError as refused:
        assert is_terminal_safe(str(refused))
        return
    if value is not None:  # Notes keep line feeds (shown as lines in the TUI, ␊ in the CLI)
        assert is_terminal_safe(value.replace("\n", "") if BY_NAME[name].multiline else value)
        assert is_terminal_safe(shown(value))


@pytest.mark.parametrize("name", [n for n in TEXT_FIELDS if n != "notes"])
def test_single_line_fields_refuse_a_line_break(name: str) -> None:
    # issue 9 item 1: a line feed in place of birth forged a "status  linked" line.
    with pytest.raises(ValidationError, match="line breaks"):
        value_of(name, BY_CASE["newline-forgery"])


def test_notes_keep_line_feeds_but_nothing_else() -> None:
    # Notes are multi-line (DOMAIN.md: Notes max 4000): \n stays, \r\n becomes \n, tab refused.
    assert validate_field("notes", "Rang mum.\r\nCalls back Friday.", TODAY) == (
        "Rang mum.\nCalls back Friday."
    )
    with pytest.raises(ValidationError, match="control characters: found U\\+0009"):
        validate_field("notes", "a\tb", TODAY)
    with pytest.raises(ValidationError, match="control characters: found U\\+000D"):
        validate_field("notes", "a\rb", TODAY)


@pytest.mark.parametrize("case", REAL_NAMES)
@pytest.mark.parametrize("name", NAME_FIELDS)
def test_real_names_are_accepted(name: str, case: str) -> None:
    # issue 9 item 1 (a): Siân Ó Súilleabháin, Łukasz Wiśniewski, O'Brien-Smith still register.
    assert validate_field(name, BY_CASE[case], TODAY) == BY_CASE[case]


@pytest.mark.parametrize("text", ["Zoë", "Zoe\u0308"])
def test_names_are_stored_in_nfc(text: str) -> None:
    # issue 9 item 1 (a): a decomposed ë is the same name as a composed one.
    assert validate_field("given_name", text, TODAY) == "Zo\u00eb"


@pytest.mark.parametrize("case", ["rich-markup", "textual-action", "sql", "emoji"])
@pytest.mark.parametrize("name", ["notes", "title", "place_of_birth", "mis_identifier"])
def test_markup_and_symbols_are_data_where_the_field_allows_them(name: str, case: str) -> None:
    # issue 9 item 1 (a)/(b): "[bold red]X[/]" is stored as typed (and shown literally).
    text = BY_CASE[case]
    if len(text) > (BY_NAME[name].max_len or 0):
        # Too long for this field (a short Title): refused for its length, never its markup.
        with pytest.raises(ValidationError, match="at most"):
            validate_field(name, text, TODAY)
        return
    assert value_of(name, text) == text
    assert shown(text) == text


def test_whitespace_only_is_blank() -> None:
    assert validate_field("title", BY_CASE["whitespace-only"], TODAY) is None
    with pytest.raises(ValidationError, match="Given name: is required"):
        validate_field("given_name", BY_CASE["whitespace-only"], TODAY)


def test_refusal_names_the_rule_and_the_code_points() -> None:
    with pytest.raises(ValidationError) as refused:
        check_characters(BY_CASE["osc-title"], "Email")
    assert str(refused.value) == "Email: must not contain control characters: found U+001B"
    with pytest.raises(ValidationError, match=r"bidirectional text controls.*U\+202E"):
        check_characters(BY_CASE["bidi-rlo"], "Notes", multiline=True)
    with pytest.raises(ValidationError, match=r"invisible formatting.*U\+200B"):
        check_characters(BY_CASE["zero-width"], "Town")
    with pytest.raises(ValidationError, match="more than 4 accents"):
        clean_text(BY_CASE["combining-stack"], "Notes", 4000, multiline=True)


# --- item 9: lengths after normalisation, the same on both databases ------------------------


def test_35_ligatures_are_refused_by_the_core() -> None:
    # issue 9 item 9: 35 "ﬀ" passed the core and failed on PostgreSQL (given_key holds 35).
    with pytest.raises(ValidationError) as refused:
        validate_field("given_name", BY_CASE["ligature"], TODAY)
    assert refused.value.field == "Given name"
    assert "at most 35 letters once spelled out for matching" in refused.value.message


def test_10000_character_description_is_refused() -> None:
    # issue 9 item 9: SQLite stored 10,000 characters in a 100-character column.
    with pytest.raises(InvalidFields) as refused:
        value_of("other_verification_description", BY_CASE["very-long"])
    assert str(refused.value) == (
        "Other verification description: must be at most 100 characters (it has 10000)"
    )


def _string_columns(model: type[Any]) -> dict[str, int]:
    return {
        c.name: c.type.length
        for c in model.__table__.columns
        if isinstance(c.type, String) and c.type.length is not None
    }


def test_every_learner_text_field_fits_its_column() -> None:
    # issue 9 item 9: the core's limit (declared once, on the field) is <= the column's length.
    columns = _string_columns(Learner)
    for spec in FIELDS:
        if spec.name in columns:
            assert spec.max_len is not None, f"{spec.name} is stored as text: declare max_len"
            assert spec.max_len <= columns[spec.name], spec.name
    # Every String column of a learner comes from a field, a derived key or the system.
    derived = {"uln", "given_key", "family_key", "given_phonetic", "family_phonetic"}
    system = {"status", "retired_reason", "created_by", "amended_by"}
    assert set(columns) <= {f.name for f in FIELDS} | derived | system


@pytest.mark.parametrize("spec", [f for f in FIELDS if f.max_len], ids=lambda f: f.name)
def test_one_character_over_the_limit_is_refused_naming_the_field(spec: Any) -> None:
    # issue 9 item 9: the limit is enforced by the core, after normalisation.
    samples = {"postcode": "SW1A 1AAA", "upn": "B8012000050011", "uci": "A" * 14}
    samples["scottish_candidate_number"] = "1" * 10
    samples["email"] = "a" * 250 + "@x.com"
    raw = samples.get(spec.name, "a" * (spec.max_len + 1))
    with pytest.raises(ValidationError) as refused:
        value_of(spec.name, raw)
    assert refused.value.field == spec.label


NAME_ALPHABET = st.characters(categories=["L"]) | st.sampled_from("ßﬀﬃǅæœ -'")


@settings(max_examples=150, deadline=None)
@given(raw=st.text(NAME_ALPHABET, max_size=40))
def test_a_name_accepted_has_a_match_key_that_fits(raw: str) -> None:
    # issue 9 item 9: given_key / family_key / value_key hold 35; "ß" and ligatures spell out.
    try:
        name = validate_field("family_name", raw, TODAY)
    except ValidationError:
        return
    key_columns = _string_columns(Learner) | _string_columns(LearnerPreviousValue)
    assert len(name) <= key_columns["family_name"]
    assert len(name_key(name)) <= min(key_columns["family_key"], key_columns["value_key"])


def test_outside_text_columns_of_other_models_fit() -> None:
    # issue 9 item 9: an operator's display name (100) and username (64) are checked too.
    assert _string_columns(Operator)["display_name"] >= 100
    assert _string_columns(Operator)["username"] >= 64
    assert _string_columns(AuditEvent)["actor"] >= 64  # an operator username


def test_a_too_long_value_is_refused_naming_the_field_on_both_backends(
    services: Services, agent: Actor
) -> None:
    # issue 9 item 9: SQLite stored it, PostgreSQL answered a raw "value too long".
    base = {
        "given_name": "Carys",
        "family_name": "Rees",
        "date_of_birth": "2008-09-01",
        "gender": "2",
        "postcode": "CF10 3AT",
        "ability_to_share": "1",
        "verification_type": "999",
    }
    for field, raw, label in (
        ("other_verification_description", "x" * 10_000, "Other verification description"),
        ("given_name", BY_CASE["ligature"], "Given name"),
        ("family_name", "ß" * 35, "Family name"),
    ):
        values = base | {"other_verification_description": "Armed forces ID", field: raw}
        with pytest.raises(ValidationError) as refused:
            services.learners.register(agent, values)
        assert refused.value.field == label
    with services.db.transaction(read_only=True) as session:
        assert session.query(Learner).count() == 0


# --- (b) the display function ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Siân Ó Súilleabháin", "Siân Ó Súilleabháin"),
        ("[bold red]X[/]", "[bold red]X[/]"),
        ("z\x1b]0;PWNED\x1b\\@x.com", "z␛]0;PWNED␛\\@x.com"),
        ("Leeds\nstatus  linked", "Leeds␊status  linked"),
        ("Okafor\rDELETED", "Okafor␍DELETED"),
        ("Ann\x00e\x7f", "Ann␀e␡"),
        ("Smith\x9b2J", "Smith<U+009B>2J"),
        ("Smith\u202eevil.pdf", "Smith<U+202E>evil.pdf"),
        ("Ca\u200brys", "Ca<U+200B>rys"),
        ("a\u2028b", "a<U+2028>b"),
        ("x\udcffy", "x<U+DCFF>y"),  # a lone surrogate (an undecodable byte from argv)
    ],
)
def test_shown_makes_controls_visible_and_leaves_letters(text: str, expected: str) -> None:
    # issue 9 item 1 (b): readable, unambiguous, ordinary letters untouched.
    assert shown(text) == expected


def test_shown_keeps_line_feeds_only_when_asked() -> None:
    assert shown("one\ntwo\x1b", multiline=True) == "one\ntwo␛"


def test_shown_caps_stacked_marks() -> None:
    assert shown("Zoe" + "\u0308" * 6) == "Zoe" + "\u0308" * 4 + "<U+0308><U+0308>"


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.characters(codec=None), max_size=30))
def test_shown_output_is_always_terminal_safe(text: str) -> None:
    # issue 9 item 1 (c): every Unicode category through the display function.
    out = shown(text)
    assert is_terminal_safe(out)
    out.encode("utf-8")  # lone surrogates too: printing never raises


ALL_CATEGORIES = st.characters(codec=None)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from([f.name for f in FIELDS if f.max_len]),
    text=st.text(ALL_CATEGORIES, min_size=1, max_size=12),
)
def test_every_category_through_every_field(name: str, text: str) -> None:
    # issue 9 item 1 (c): whatever a field accepts is NFC and safe for a terminal.
    try:
        value = value_of(name, text)
    except ValidationError as refused:
        assert is_terminal_safe(str(refused)) or not is_terminal_safe(text)
        return
    if isinstance(value, str):
        assert value == unicodedata.normalize("NFC", value)
        safe = value.replace("\n", "") if BY_NAME[name].multiline else value
        assert is_terminal_safe(safe)
        assert len(value) <= (BY_NAME[name].max_len or 0)


def test_old_rows_are_shown_harmlessly(services: Services, agent: Actor) -> None:
    # issue 9 item 1 (b): rows written before the rule (inserted directly here) are read back
    # as stored, and shown() makes them harmless on the way out.
    with services.db.transaction() as session:
        session.add(
            learner(
                "9276308686",
                "Ffion",
                "Rees",
                email=BY_CASE["osc-title"],
                place_of_birth=BY_CASE["newline-forgery"],
                other_verification_description=BY_CASE["csi-clear"] + BY_CASE["osc52-clipboard"],
                notes=BY_CASE["c1-csi"] + BY_CASE["bidi-rlo"],
            )
        )
    record = services.learners.show(agent, "9276308686")
    assert record.email == BY_CASE["osc-title"]
    for value in (record.email, record.place_of_birth, record.other_verification_description):
        assert value is not None and is_terminal_safe(shown(value))
    assert shown(record.place_of_birth or "") == "Leeds␊status  linked"
