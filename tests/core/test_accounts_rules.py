"""The pure rules of organisations' portal accounts and of super-user reinstatement
(lrs_core/domain/accounts.py; User Guide §3.1, §3.3, §3.5.1, §3.5.3, §3.6; DOMAIN.md
"Accounts and super users"). No database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from lrs_core.domain.accounts import (
    GENERIC_WORDS,
    SUPER_USERS_MAX,
    SUPER_USERS_MIN,
    AccountFacts,
    agreement_note,
    case_reference,
    check_callback,
    check_new_super_user,
    check_signatory,
    display_phone,
    fold_organisation_name,
    housekeeping_flags,
    is_generic_username,
    lost_super_user,
    missing_steps,
    phone_digits,
    portal_username,
    super_user_count_warning,
)
from lrs_core.domain.kinds import AccountStatus, PortalRole
from lrs_core.domain.kinds import SuperUserLossReason as Reason
from lrs_core.errors import ValidationError

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
DORMANT = 365
REGISTER = "0113 496 0500"
FORM = "0113 496 0999"
SU = frozenset({PortalRole.SUPER_USER})


def account(
    id_: int,
    name: str = "Sam Okafor",
    *,
    status: AccountStatus = AccountStatus.ACTIVE,
    roles: frozenset[PortalRole] = SU,
    leave: bool = False,
    last: datetime | None = NOW - timedelta(days=3),
    created: datetime | None = datetime(2020, 1, 6, tzinfo=UTC),
    username: str | None = None,
) -> AccountFacts:
    return AccountFacts(
        id=id_,
        username=username or f"{name.lower().replace(' ', '.')}",
        name=name,
        status=status,
        roles=roles,
        on_long_term_leave=leave,
        last_sign_in_at=last,
        created_at=created,
    )


ACTIVE = account(1, "Amy Brook")
ACTIVE_2 = account(2, "Ben Cole")
SUSPENDED = account(3, "Ola Bell", status=AccountStatus.SUSPENDED)
SUSPENDED_2 = account(4, "Una Dean", status=AccountStatus.SUSPENDED)
ON_LEAVE = account(5, "Lee Park", leave=True)
DELETED = account(6, "Ned Gone", status=AccountStatus.DELETED)
NOT_SUPER = account(7, "Tom Dale", roles=frozenset({PortalRole.ONLINE_USER}))


# --- the directory (§3.1, §3.3, §3.5.1) --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Northgate College", "northgate college"),
        ("St. Mary's C of E", "st marys c of e"),
        ("ST MARY’S", "st marys"),  # a typographic apostrophe
        ("Ysgol Gyfun Glan-Afon", "ysgol gyfun glan afon"),
        ("Zoë's École", "zoes ecole"),
        ("Œuvre Łódź Søndre", "oeuvre lodz sondre"),  # letters that do not decompose
        ("Сarys College", "carys college"),  # a Cyrillic С reads as C
        ("Northgate_Academy 100%", "northgate academy 100"),
        ("  A  &  B  ", "a b"),
        ("'.'", ""),
    ],
)
def test_organisation_names_fold_for_search(name: str, key: str) -> None:
    assert fold_organisation_name(name) == key


def test_a_folded_name_is_at_most_the_column(name: str = "Academy " * 60) -> None:
    assert len(fold_organisation_name(name)) == 200


@pytest.mark.parametrize(
    "username",
    ["admin", "Admin1", "exams.office", "exams.office2", "reception1", "reception-desk",
     "ExamsOffice", "itsupport", "guest", "data_manager", "head.teacher", "mis.team"],
)  # fmt: skip
def test_generic_usernames_are_flagged(username: str) -> None:
    # §3.5.1: "the LRS prohibits the creation of 'Guest' or generic user accounts".
    assert is_generic_username(username)


@pytest.mark.parametrize(
    "username",
    ["sarah.office", "amy.brook", "temple", "allen.head", "mainwaring", "12345", "", "dataw"],
)
def test_a_person_s_username_is_not_generic(username: str) -> None:
    assert not is_generic_username(username)


def test_every_generic_word_is_lower_case_letters() -> None:
    assert all(w.isalpha() and w == w.lower() for w in GENERIC_WORDS)


@pytest.mark.parametrize(
    ("active", "words"),
    [
        (0, "no active super user: the LRS recommends at least 3 (§3.1)"),
        (1, "only 1 active super user: "),
        (2, "only 2 active super users: "),
        (3, None),
        (5, None),
        (6, "6 active super users: more than the 5"),
        (7, "7 active super users"),
    ],
)
def test_super_user_count_warning_outside_three_to_five(active: int, words: str | None) -> None:
    # §3.1: "at least three Super Users but no more than five".
    assert (SUPER_USERS_MIN, SUPER_USERS_MAX) == (3, 5)
    warning = super_user_count_warning(active)
    if words is None:
        assert warning is None
    else:
        assert warning is not None and words in warning


@pytest.mark.parametrize(
    ("facts", "flags"),
    [
        (account(1), ()),
        (account(1, last=NOW - timedelta(days=DORMANT)), ("dormant: 12+ months",)),
        (account(1, last=NOW - timedelta(days=DORMANT - 1)), ()),
        (account(1, last=None), ("never signed in",)),
        (account(1, last=None, created=NOW - timedelta(days=10)), ()),  # new: not yet
        (account(1, last=None, created=None), ()),
        (account(1, username="exams.office"), ("generic username",)),
        (account(1, roles=frozenset(PortalRole)), ("holds every role",)),
        (
            account(1, username="admin", roles=frozenset(PortalRole), last=NOW.replace(year=2020)),
            ("dormant: 12+ months", "generic username", "holds every role"),
        ),
        (account(1, username="admin", status=AccountStatus.DELETED, last=None), ()),
        (account(1, status=AccountStatus.SUSPENDED, last=NOW.replace(year=2024)),
         ("dormant: 12+ months",)),
    ],
)  # fmt: skip
def test_housekeeping_flags_per_section_3_3(facts: AccountFacts, flags: tuple[str, ...]) -> None:
    # §3.3: review every user annually: still using the LRS, still the right access.
    assert housekeeping_flags(facts, NOW, DORMANT) == flags


def test_the_dormant_months_follow_the_setting() -> None:
    facts = account(1, last=NOW - timedelta(days=200))
    assert housekeeping_flags(facts, NOW, 183) == ("dormant: 6+ months",)
    assert housekeeping_flags(facts, NOW, 365) == ()


@pytest.mark.parametrize(
    ("facts", "can_act"),
    [(ACTIVE, True), (SUSPENDED, False), (ON_LEAVE, False), (DELETED, False), (NOT_SUPER, False)],
)
def test_who_can_act_as_a_super_user(facts: AccountFacts, can_act: bool) -> None:
    assert facts.can_act is can_act


# --- telephone numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "digits", "shown"),
    [
        ("0113 496 0123", "01134960123", "0113 496 0123"),
        ("+44 113 496 0123", "01134960123", "0113 496 0123"),
        ("+44 (0)113 496 0123", "01134960123", "0113 496 0123"),
        ("0044 113 496 0123", "01134960123", "0113 496 0123"),
        ("(0113) 4960123", "01134960123", "0113 496 0123"),
        ("0113-496-0123", "01134960123", "0113 496 0123"),
        ("020 7946 0001", "02079460001", "020 7946 0001"),
        ("07700 900123", "07700900123", "07700 900123"),
        ("0161 496 0000", "01614960000", "0161 496 0000"),
        ("01632 960123", "01632960123", "01632 960123"),
        ("0300 123 4567", "03001234567", "0300 123 4567"),
        ("0808 157 0000", "08081570000", "0808 157 0000"),
        ("01697 73456", "0169773456", "01697 73456"),
    ],
)
def test_phone_numbers_read_as_their_digits_and_shown_grouped(
    raw: str, digits: str, shown: str
) -> None:
    assert phone_digits(raw, "Telephone") == digits
    assert display_phone(digits) == shown


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "113 496 0123", "0113 49 60", "0113 496 01234 5", "+1 212 555 0100",
     "0113 496 O123", "0113\x1b[2J4960123", "０１１３４９６０１２３", "0113 496 0123 ext 4"],
)  # fmt: skip
def test_phone_numbers_that_are_not_uk_numbers_are_refused(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        phone_digits(raw, "Telephone")
    assert caught.value.field == "Telephone"


# --- the reinstatement case (§3.6) -------------------------------------------------------------


def test_case_reference() -> None:
    assert case_reference("10012345", 7) == "SU-10012345-0007"


@pytest.mark.parametrize(
    ("reason", "accounts", "expected"),
    [
        (Reason.SUSPENDED, [SUSPENDED], SUSPENDED),
        (Reason.SUSPENDED, [SUSPENDED, NOT_SUPER, DELETED], SUSPENDED),
        (Reason.LONG_TERM_LEAVE, [ON_LEAVE], ON_LEAVE),
        (Reason.LONG_TERM_LEAVE, [ON_LEAVE, DELETED], ON_LEAVE),
        (Reason.LEFT, [ACTIVE], ACTIVE),  # the portal still shows them active
        (Reason.LEFT, [SUSPENDED], SUSPENDED),
        (Reason.LEFT, [DELETED], None),  # already deleted: none on record
        (Reason.LEFT, [], None),  # never had one
        (Reason.LEFT, [NOT_SUPER, DELETED], None),
        # the leaver on record already deleted: the form is about the one still shown active
        (Reason.LEFT, [DELETED, ACTIVE], ACTIVE),
    ],
)
def test_the_lost_super_user_is_the_one_the_data_bear_out(
    reason: Reason, accounts: list[AccountFacts], expected: AccountFacts | None
) -> None:
    # §3.6: suspended and cannot answer the security question, on long-term leave, or left.
    assert lost_super_user(reason, accounts) == expected


@pytest.mark.parametrize(
    ("reason", "accounts", "named"),
    [
        (Reason.SUSPENDED, [SUSPENDED, ACTIVE], "Amy Brook (amy.brook)"),
        (Reason.LONG_TERM_LEAVE, [ON_LEAVE, ACTIVE, ACTIVE_2], "Amy Brook (amy.brook), Ben Cole"),
        (Reason.LEFT, [SUSPENDED, ACTIVE], "Amy Brook (amy.brook)"),
        (Reason.LEFT, [ACTIVE, ACTIVE_2], "still has an active super user"),
        # several fit, but whichever the form is about, another can act: refused at once
        (Reason.SUSPENDED, [SUSPENDED, SUSPENDED_2, ACTIVE], "Amy Brook (amy.brook)"),
    ],
)
def test_refused_while_another_super_user_can_act_naming_them(
    reason: Reason, accounts: list[AccountFacts], named: str
) -> None:
    # §3.2: the desk creates a super user only when none is left; §3.6: "no other super users".
    with pytest.raises(ValidationError) as caught:
        lost_super_user(reason, accounts)
    assert caught.value.field == "Organisation"
    assert "still has an active super user" in caught.value.message
    assert named in caught.value.message


@pytest.mark.parametrize(
    ("reason", "accounts", "words"),
    [
        (Reason.SUSPENDED, [ON_LEAVE], "no super user of the organisation is"),
        (Reason.SUSPENDED, [], "none on record"),
        (Reason.SUSPENDED, [DELETED], "Ned Gone (ned.gone)"),
        (Reason.LONG_TERM_LEAVE, [SUSPENDED], "on long-term leave, but no super user"),
        (Reason.LONG_TERM_LEAVE, [account(8, leave=True, status=AccountStatus.DELETED)], "is"),
    ],
)
def test_a_reason_the_data_do_not_bear_out_is_refused(
    reason: Reason, accounts: list[AccountFacts], words: str
) -> None:
    # Issue 12: a "suspended" reason needs a suspended super user.
    with pytest.raises(ValidationError) as caught:
        lost_super_user(reason, accounts)
    assert caught.value.field == "Reason" and words in caught.value.message


def test_several_who_fit_are_asked_to_be_named_then_the_named_one_is_checked() -> None:
    with pytest.raises(ValidationError) as caught:
        lost_super_user(Reason.SUSPENDED, [SUSPENDED, SUSPENDED_2])
    assert caught.value.field == "Lost super user"
    assert "2 super users fit" in caught.value.message and "Una Dean" in caught.value.message
    assert lost_super_user(Reason.SUSPENDED, [SUSPENDED, SUSPENDED_2], old_id=4) == SUSPENDED_2
    assert lost_super_user(Reason.LEFT, [SUSPENDED, ON_LEAVE], old_id=5) == ON_LEAVE


@pytest.mark.parametrize(
    ("reason", "old_id", "field", "words"),
    [
        (Reason.SUSPENDED, 5, "Reason", "Lee Park (lee.park) is active and on long-term leave"),
        (Reason.LONG_TERM_LEAVE, 3, "Reason", "Ola Bell (ola.bell) is suspended"),
        (Reason.SUSPENDED, 7, "Lost super user", "is not one of this organisation's super"),
        (Reason.SUSPENDED, 99, "Lost super user", "is not one of"),
    ],
)
def test_a_named_super_user_must_fit_the_reason(
    reason: Reason, old_id: int, field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        lost_super_user(reason, [SUSPENDED, ON_LEAVE, NOT_SUPER], old_id=old_id)
    assert caught.value.field == field and words in caught.value.message


def test_a_named_leaver_may_already_be_deleted() -> None:
    assert lost_super_user(Reason.LEFT, [DELETED], old_id=6) == DELETED


# --- the signatory, the call-back, the new super user ---------------------------------------


def test_a_manager_s_hand_signature_is_accepted() -> None:
    signed = check_signatory(
        " Priya Shah ", "Principal", is_manager=True, signed_agreement=True, hand_signed=True
    )
    assert (signed.name, signed.job_title, signed.signed_agreement) == (
        "Priya Shah",
        "Principal",
        True,
    )


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"is_manager": False}, "Signatory", "manager status or above (§3.6)"),
        ({"hand_signed": False}, "Signature", "typed or pasted name is refused"),
        ({"name": ""}, "Signatory", "required"),
        ({"job_title": " "}, "Job title", "required"),
        ({"name": "Priya\x1b]0;x\x07"}, "Signatory", ""),
        ({"job_title": "Head\nof Centre"}, "Job title", ""),
        ({"name": "P" * 101}, "Signatory", "100"),
    ],
)
def test_the_signatory_must_be_a_manager_and_sign_by_hand(
    kwargs: dict[str, object], field: str, words: str
) -> None:
    args: dict[str, object] = {
        "name": "Priya Shah",
        "job_title": "Principal",
        "is_manager": True,
        "signed_agreement": False,
        "hand_signed": True,
        **kwargs,
    }
    with pytest.raises(ValidationError) as caught:
        check_signatory(**args)  # type: ignore[arg-type]
    assert caught.value.field == field and words in caught.value.message


@pytest.mark.parametrize(
    ("signatory", "register", "expected"),
    [
        ("Priya Shah", "Priya Shah", "signed the Organisation Agreement"),
        ("priya  SHAH", "Priya Shah", "signed the Organisation Agreement"),
        ("Sam Okafor", "Priya Shah", "the register records Priya Shah"),
        ("Sam Okafor", None, None),
    ],
)
def test_the_agreement_note(signatory: str, register: str | None, expected: str | None) -> None:
    note = agreement_note(signatory, register)
    assert note == expected if expected is None else (note is not None and expected in note)


CALL = {
    "register_phone": REGISTER,
    "form_phone": FORM,
    "form_received_on": date(2026, 11, 20),
    "now": NOW,
}


def test_a_call_back_on_the_register_s_number_is_recorded() -> None:
    done = check_callback(
        "+44 113 4960500",
        " Priya Shah ",
        NOW - timedelta(hours=1),
        register_phone=REGISTER,
        form_phone=FORM,
        form_received_on=date(2026, 11, 20),
        now=NOW,
    )
    assert (done.phone, done.confirmed_by, done.at) == (
        "01134960500",
        "Priya Shah",
        NOW - timedelta(hours=1),
    )


def test_the_form_s_number_may_be_dialled_when_it_is_the_register_s() -> None:
    done = check_callback(REGISTER, "Priya Shah", NOW, **{**CALL, "form_phone": REGISTER})  # type: ignore[arg-type]
    assert done.phone == "01134960500"


@pytest.mark.parametrize(
    ("dialled", "kwargs", "field", "words"),
    [
        (FORM, {}, "Call-back number", "is the number on the form: call the organisation on the"
         " register's number, 0113 496 0500"),
        ("020 7946 0000", {}, "Call-back number", "is not the register's number"),
        (FORM, {"form_phone": None}, "Call-back number", "is not the register's number"),
        (REGISTER, {"register_phone": None}, "Call-back number", "holds no telephone number"),
        ("not a number", {}, "Call-back number", "UK telephone number"),
        (REGISTER, {"at": NOW + timedelta(minutes=6)}, "Call-back time", "in the future"),
        (REGISTER, {"at": datetime(2026, 11, 19, 17, tzinfo=UTC)}, "Call-back time",
         "before the form arrived"),
        (REGISTER, {"at": datetime(2026, 11, 23, 9)}, "Call-back time", "time zone"),
    ],
)  # fmt: skip
def test_a_call_back_not_on_the_register_s_number_is_refused(
    dialled: str, kwargs: dict[str, object], field: str, words: str
) -> None:
    # §3.6 and issue 12: the step that defeats a forged form.
    args = {**CALL, **kwargs}
    at = args.pop("at", NOW)
    with pytest.raises(ValidationError) as caught:
        check_callback(dialled, "Priya Shah", at, **args)  # type: ignore[arg-type]
    assert caught.value.field == field and words in caught.value.message


def test_a_call_back_needs_who_confirmed() -> None:
    with pytest.raises(ValidationError) as caught:
        check_callback(
            REGISTER,
            "  ",
            NOW,
            register_phone=REGISTER,
            form_phone=FORM,
            form_received_on=date(2026, 11, 20),
            now=NOW,
        )
    assert caught.value.field == "Confirmed by"


NEW = {
    "title": "dr",
    "given_name": "Zoë",
    "family_name": "O'Brien",
    "email": "z.obrien@northgate.example.org",
    "phone": "0113 496 0777",
    "verification_provided": "Staff ID NG-4471, checked by HR",
}


def test_a_new_super_user_s_details() -> None:
    # §3.5.3: given name, family name and email mandatory; telephone recommended.
    new = check_new_super_user(**NEW)
    assert (new.title, new.given_name, new.family_name, new.phone) == (
        "Dr",
        "Zoë",
        "O'Brien",
        "01134960777",
    )
    assert check_new_super_user(**{**NEW, "phone": " ", "title": ""}).phone is None


@pytest.mark.parametrize(
    "verification",
    [
        "Security question: first pet",
        "secret answer Biscuit",
        "Answer: Harrogate",
        "answers checked",
        "password Portal-2026",
        "Passcode 1234",
        "Secret: Biscuit",
        "memorable word",
        "mother's maiden name Smith",
        "maiden name Jones",
        "pwd abc",
        "PIN 4471",
        "First pet Biscuit",
        "first school Hillside Primary",
        "favourite teacher Thistlewood",
        "place of birth Harrogate",
    ],
)
def test_verification_provided_never_holds_the_security_answer_or_a_password(
    verification: str,
) -> None:
    # §3.5.3, in bold: "Do not add the question or answer to the security question".
    with pytest.raises(ValidationError) as caught:
        check_new_super_user(**{**NEW, "verification_provided": verification})
    assert caught.value.field == "Verification provided" and "§3.5.3" in caught.value.message


@pytest.mark.parametrize(
    "verification", ["Staff ID NG-4471", "z.obrien@northgate.sch.uk", "HR ref 2026/118, passed"]
)
def test_an_organisation_s_own_check_is_accepted(verification: str) -> None:
    assert (
        check_new_super_user(**{**NEW, "verification_provided": verification}).verification_provided
        == verification
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": "Sir"}, "Title"),
        ({"given_name": ""}, "Given name"),
        ({"family_name": "O'Brien\u202e"}, "Family name"),
        ({"email": "not-an-email"}, "Email"),
        ({"email": "  "}, "Email"),
        ({"phone": "12345"}, "Telephone"),
        ({"verification_provided": ""}, "Verification provided"),
        ({"verification_provided": "x" * 101}, "Verification provided"),
    ],
)
def test_a_new_super_user_s_details_are_checked(change: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_new_super_user(**{**NEW, **change})
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("given", "family", "taken", "username"),
    [
        ("Sam", "Okafor", set(), "sam.okafor"),
        ("Zoë", "O'Brien", set(), "zoe.obrien"),  # accents and apostrophes folded
        ("Anne-Marie", "Smith Jones", set(), "annemarie.smithjones"),
        ("Сarys", "Rees", set(), "carys.rees"),  # a Cyrillic lookalike reads as Latin
        ("Sam", "Okafor", {"sam.okafor"}, "sam.okafor2"),
        ("Sam", "Okafor", {"sam.okafor", "sam.okafor2"}, "sam.okafor3"),
        ("A" * 35, "B" * 35, set(), f"{'a' * 30}.{'b' * 30}"),
    ],
)
def test_the_username_is_made_from_the_names_and_unique(
    given: str, family: str, taken: set[str], username: str
) -> None:
    # §3.5.3: "the LRS automatically produces a user account name out of the given name and
    # family names".
    assert portal_username(given, family, taken.__contains__) == username


def test_a_long_username_keeps_its_number_whole() -> None:
    base = f"{'a' * 30}.{'b' * 30}"
    taken = {base} | {f"{base}{n}"[:64] for n in range(2, 1000)}
    asked: list[str] = []

    def is_taken(name: str) -> bool:
        asked.append(name)
        assert len(asked) < 2000, "the same cut name is asked again and again"
        return name in taken

    made = portal_username("A" * 35, "B" * 35, is_taken)
    assert made.endswith("1000") and len(made) == 64 and made not in taken


@pytest.mark.parametrize(
    ("given", "family", "field"),
    [
        ("Exams", "Office", "Username"),
        ("Reception", "Desk", "Username"),
        ("Guest", "User", "Username"),
        ("王", "Wei", "Given name"),
        ("Ann", "'-", "Family name"),
    ],
)
def test_a_generic_or_unspellable_username_is_refused(given: str, family: str, field: str) -> None:
    # §3.5.1: no 'Guest' or generic accounts.
    with pytest.raises(ValidationError) as caught:
        portal_username(given, family, lambda _: False)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("done", "missing"),
    [
        ((False, False, False), ("signatory", "new super user", "call-back")),
        ((True, False, False), ("new super user", "call-back")),
        ((True, True, False), ("new super user",)),
        ((True, False, True), ("call-back",)),
        ((False, True, True), ("signatory",)),
        ((True, True, True), ()),
    ],
)
def test_missing_steps(done: tuple[bool, bool, bool], missing: tuple[str, ...]) -> None:
    signatory, callback_, new_user = done
    assert missing_steps(signatory=signatory, callback=callback_, new_user=new_user) == missing
