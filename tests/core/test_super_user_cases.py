"""Super-user reinstatement as a case (User Guide §3.2, §3.5.3, §3.6; DOMAIN.md "Accounts and
super users"; issue 12 item 3 and its "Bad input"): the reason against the data, the
signatory and the hand signature, the call-back on the register's number, the new super user
(searched first, username as the portal makes it), two admins, and only approval creating
the account. Every refusal: a clear message, nothing created, audited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import factories
import pytest
from factories import FORM_PHONE, ORG_PHONE, audit_log, organisation, portal_user
from sqlalchemy import func, select

from lrs_core.actor import Actor
from lrs_core.db.models import (
    Organisation,
    PortalUser,
    PortalUserRole,
    SuperUserCase,
    SuperUserCaseEvent,
)
from lrs_core.domain.kinds import (
    AccountStatus,
    PortalRole,
    SuperUserCaseStatus,
    SuperUserLossReason,
)
from lrs_core.errors import LrsError, NotFound, PermissionDenied, ValidationError
from lrs_core.passwords import verify_password
from lrs_core.services import Services
from lrs_core.services import super_user_cases as module
from lrs_core.services.accounts_view import SuperUserCaseView
from lrs_core.services.super_user_cases import (
    CaseAlreadyOpen,
    SecondAdminRequired,
    StaleCase,
    UsernameTaken,
)

UKPRN = "10012345"
OTHER_UKPRN = "10067890"
RECEIVED = date(2026, 11, 16)  # a week before the tests' clock (23 Nov 2026)
REFERENCE = f"SU-{UKPRN}-0001"
REASONS = list(SuperUserLossReason)

# The lost super user, as each reason finds them on record (§3.6).
_LOST_STATE: dict[SuperUserLossReason, dict[str, Any]] = {
    SuperUserLossReason.SUSPENDED: {"status": "suspended"},
    SuperUserLossReason.LONG_TERM_LEAVE: {"status": "active", "on_long_term_leave": True},
    SuperUserLossReason.LEFT: {"status": "active"},
}
# What approval leaves them as (OLD_ACCOUNT_FATE).
_FATE: dict[SuperUserLossReason, AccountStatus] = {
    SuperUserLossReason.SUSPENDED: AccountStatus.SUSPENDED,
    SuperUserLossReason.LONG_TERM_LEAVE: AccountStatus.SUSPENDED,
    SuperUserLossReason.LEFT: AccountStatus.DELETED,
}

NEW_USER: dict[str, str] = {
    "title": "Ms",
    "given_name": "Rhiannon",
    "family_name": "Pryce",
    "email": "r.pryce@northgate.example.org",
    "phone": "0113 496 0321",
    "verification_provided": "Staff ID NG-4417",
}


@dataclass
class Desk:
    services: Services
    admin: Actor  # prepares
    second: Actor  # approves


@pytest.fixture
def desk(services: Services, admin: Actor) -> Desk:
    return Desk(services, admin, factories.desk_admin(services, "other.admin"))


def lost_organisation(
    services: Services,
    reason: SuperUserLossReason = SuperUserLossReason.SUSPENDED,
    ukprn: str = UKPRN,
    name: str = "Northgate College",
    **org: Any,
) -> None:
    """An organisation whose only super user is lost for ``reason``, with other users."""
    with services.db.transaction() as session:
        made = organisation(session, ukprn, name, **org)
        portal_user(session, made, f"sam.okafor{ukprn[-2:]}", "Sam", "Okafor",
                    **_LOST_STATE[reason])  # fmt: skip
        portal_user(session, made, f"lee.chan{ukprn[-2:]}", "Lee", "Chan",
                    roles=("online-user",))  # fmt: skip
        portal_user(session, made, f"ana.gill{ukprn[-2:]}", "Ana", "Gill",
                    roles=("super-user",), status="deleted")  # fmt: skip


def counts(services: Services) -> tuple[int, int, int]:
    """Cases, timeline entries and portal users: what a refusal must leave unchanged."""
    with services.db.transaction(read_only=True) as session:
        return tuple(  # type: ignore[return-value]
            session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (SuperUserCase, SuperUserCaseEvent, PortalUser)
        )


def open_case(desk: Desk, reason: SuperUserLossReason = SuperUserLossReason.SUSPENDED,
              **extra: Any) -> SuperUserCaseView:  # fmt: skip
    return desk.services.super_user_cases.open(
        desk.admin, UKPRN, reason, RECEIVED, form_phone=FORM_PHONE, **extra
    )


def sign(desk: Desk, reference: str = REFERENCE, **extra: Any) -> SuperUserCaseView:
    fields: dict[str, Any] = {
        "name": "Priya Shah",
        "job_title": "Principal",
        "is_manager": True,
        "signed_agreement": True,
        "hand_signed": True,
    }
    return desk.services.super_user_cases.record_signatory(
        desk.admin, reference, **(fields | extra)
    )


def call_back(desk: Desk, reference: str = REFERENCE, by: Actor | None = None,
              **extra: Any) -> SuperUserCaseView:  # fmt: skip
    fields: dict[str, Any] = {"dialled": ORG_PHONE, "confirmed_by": "Priya Shah, Principal"}
    return desk.services.super_user_cases.record_callback(
        by or desk.admin, reference, **(fields | extra)
    )


def new_user(desk: Desk, reference: str = REFERENCE, **extra: Any) -> SuperUserCaseView:
    return desk.services.super_user_cases.set_new_super_user(
        desk.admin, reference, **(NEW_USER | extra)
    )


def prepared(desk: Desk, reason: SuperUserLossReason = SuperUserLossReason.SUSPENDED,
             ) -> SuperUserCaseView:  # fmt: skip
    lost_organisation(desk.services, reason)
    open_case(desk, reason)
    sign(desk)
    new_user(desk)
    return call_back(desk)


def recorded(desk: Desk) -> SuperUserCaseView:
    """The signatory and the new super user: what the call-back confirms (§3.6)."""
    sign(desk)
    return new_user(desk)


def approve(desk: Desk, by: Actor | None = None, reference: str = REFERENCE) -> Any:
    """The second admin's approval of the case as it now stands: the version they reviewed."""
    with desk.services.db.transaction(read_only=True) as session:
        version = session.execute(
            select(SuperUserCase.row_version).where(SuperUserCase.reference == reference)
        ).scalar_one()
    return desk.services.super_user_cases.approve(
        by or desk.second, reference, expected_version=version
    )


def refused(
    services: Services, expected: type[LrsError], action: Callable[[], object], field: str = ""
) -> LrsError:
    """The action is refused with ``expected`` (naming ``field``), writing nothing."""
    before = counts(services)
    with pytest.raises(expected) as caught:
        action()
    if field:
        assert isinstance(caught.value, ValidationError)
        assert caught.value.field == field, caught.value
    assert counts(services) == before
    return caught.value


def user(services: Services, username: str) -> PortalUser:
    with services.db.transaction(read_only=True) as session:
        found = session.execute(
            select(PortalUser).where(PortalUser.username == username)
        ).scalar_one()
        session.expunge(found)
        return found


# --- the happy path --------------------------------------------------------------------------


@pytest.mark.parametrize("reason", REASONS)
def test_a_prepared_case_approved_by_a_second_admin_creates_the_super_user(
    desk: Desk, reason: SuperUserLossReason
) -> None:
    # §3.6: open -> signatory -> new super user -> call-back -> a second admin approves.
    cases = desk.services.super_user_cases
    lost_organisation(desk.services, reason)
    opened = open_case(desk, reason)
    assert opened.reference == REFERENCE
    assert opened.status is SuperUserCaseStatus.PREPARED
    assert opened.old_super_user is not None and opened.old_super_user.username == "sam.okafor45"
    assert opened.missing == ("signatory", "new super user", "call-back")
    assert opened.register_phone == "0113 496 0500" and opened.form_phone == "0113 496 0999"
    signed = sign(desk)
    assert signed.signatory is not None and signed.signatory.hand_signed
    assert signed.agreement_note and "signed the Organisation Agreement" in signed.agreement_note
    named = new_user(desk)
    assert named.new_username == "rhiannon.pryce" and named.missing == ("call-back",)
    ready = call_back(desk)
    assert ready.callback_phone == "0113 496 0500"
    assert ready.callback_confirmed_by == "Priya Shah, Principal"
    assert ready.callback_at == desk.services.clock()  # defaults to now
    assert ready.callback_by == "ada.admin" and ready.missing == ()
    # What the call-back confirmed: the signatory and the new super user, by name.
    assert ready.timeline[-1].text.endswith(
        "Priya Shah, Principal confirmed the request: signatory Priya Shah,"
        " new super user Rhiannon Pryce (rhiannon.pryce)"
    )
    assert not ready.approvable  # not for the admin who prepared it
    assert cases.show(desk.second, REFERENCE).approvable

    approval = cases.approve(desk.second, REFERENCE, expected_version=ready.version)

    assert approval.username == "rhiannon.pryce"
    assert approval.case.status is SuperUserCaseStatus.APPROVED
    assert approval.case.decided_by == "other.admin"
    made = user(desk.services, "rhiannon.pryce")
    assert made.password_hash is not None and made.password_hash.startswith("$argon2id$")
    assert verify_password(approval.one_time_password, made.password_hash)
    assert made.must_change_password and made.status is AccountStatus.ACTIVE
    assert {r.role for r in made.roles} == {PortalRole.SUPER_USER}
    assert (made.title, made.given_name, made.family_name) == ("Ms", "Rhiannon", "Pryce")
    assert made.email == NEW_USER["email"] and made.phone == "0113 496 0321"
    assert made.verification_provided == "Staff ID NG-4417"
    assert made.secret_question is None and made.secret_answer_hash is None  # theirs to set
    assert user(desk.services, "sam.okafor45").status is _FATE[reason]
    assert approval.case.organisation.active_super_users == 1

    done = cases.complete(desk.admin, REFERENCE, "Rhiannon Pryce")
    assert done.status is SuperUserCaseStatus.COMPLETED and done.completed_by == "ada.admin"
    assert [s.step for s in done.timeline] == [
        "opened", "signatory", "new super user", "call-back", "approved", "completed",
    ]  # fmt: skip
    assert "0113 496 0500" in done.timeline[-1].text  # handed on by the register's number
    actions = [e.action for e in audit_log(desk.services, subject_id=REFERENCE)]
    assert actions == [
        "complete-super-user-case", "approve-super-user-case", "show-super-user-case",
        "record-callback", "set-new-super-user", "record-signatory", "open-super-user-case",
    ]  # fmt: skip
    approved = audit_log(desk.services, actions=["approve-super-user-case"])[0]
    assert approved.detail["new_username"] == "rhiannon.pryce"
    assert approved.detail["old_status"] == str(_FATE[reason])


def test_the_one_time_password_is_not_in_the_approvals_repr(desk: Desk) -> None:
    prepared(desk)
    approval = approve(desk)
    assert approval.one_time_password not in repr(approval)


# --- who may --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "analyst"])
@pytest.mark.parametrize(
    "step",
    [
        lambda s, a: s.super_user_cases.open(a, UKPRN, "suspended", RECEIVED),
        lambda s, a: s.super_user_cases.show(a, REFERENCE),
        lambda s, a: s.super_user_cases.list(a),
        lambda s, a: s.super_user_cases.approve(a, REFERENCE),
        lambda s, a: s.super_user_cases.reject(a, REFERENCE, "No."),
    ],
    ids=["open", "show", "list", "approve", "reject"],
)
def test_only_admins_handle_super_user_cases(
    desk: Desk, agent: Actor, role: str, step: Callable[[Services, Actor], object]
) -> None:
    # Issue 12 item 3: reinstatement is for admins (REINSTATE_SUPER_USER); refusals audited.
    prepared(desk)
    actor = agent if role == "agent" else factories.analyst(desk.services)
    refused(desk.services, PermissionDenied, lambda: step(desk.services, actor))
    assert audit_log(desk.services, limit=1)[0].outcome == "denied"


# --- opening: the organisation, the reason, the form (§3.2, §3.6) ------------------------------


@pytest.mark.parametrize(
    ("ukprn", "expected", "said"),
    [
        ("10099999", NotFound, "no organisation has UKPRN 10099999"),
        ("1001234", ValidationError, "exactly 8 digits"),
        ("01234567", ValidationError, "cannot start with 0"),
        ("", ValidationError, "is required"),
        ("1001234X", ValidationError, "exactly 8 digits"),
    ],
)
def test_an_unknown_or_malformed_ukprn_is_refused(
    desk: Desk, ukprn: str, expected: type[LrsError], said: str
) -> None:
    lost_organisation(desk.services)
    error = refused(
        desk.services,
        expected,
        lambda: desk.services.super_user_cases.open(desk.admin, ukprn, "suspended", RECEIVED),
    )
    assert said in str(error)
    assert audit_log(desk.services, limit=1)[0].action == "open-super-user-case"


def test_a_reason_outside_the_three_is_refused_listing_them(desk: Desk) -> None:
    lost_organisation(desk.services)
    error = refused(
        desk.services,
        ValidationError,
        lambda: desk.services.super_user_cases.open(desk.admin, UKPRN, "forgot", RECEIVED),
        "Reason",
    )
    for reason in ("suspended", "long-term-leave", "left"):
        assert reason in str(error)


def test_the_reason_may_be_typed_as_words(desk: Desk) -> None:
    lost_organisation(desk.services, SuperUserLossReason.LONG_TERM_LEAVE)
    opened = desk.services.super_user_cases.open(desk.admin, UKPRN, " Long term leave ", RECEIVED)
    assert opened.reason is SuperUserLossReason.LONG_TERM_LEAVE


@pytest.mark.parametrize(
    ("received", "said"),
    [
        ("24/11/2026", "is in the future"),
        (date(2026, 8, 24), "more than 90 days ago"),
        ("31/02/2026", "Form received"),
        ("soon", "Form received"),
    ],
)
def test_the_forms_date_is_today_or_within_90_days(
    desk: Desk, received: date | str, said: str
) -> None:
    lost_organisation(desk.services)
    error = refused(
        desk.services,
        ValidationError,
        lambda: desk.services.super_user_cases.open(desk.admin, UKPRN, "suspended", received),
        "Form received",
    )
    assert said in str(error)


@pytest.mark.parametrize("received", ["25/8/2026", "23 Nov 2026", "2026-11-16"])
def test_a_forms_date_typed_as_the_desk_types_dates_is_read(desk: Desk, received: str) -> None:
    lost_organisation(desk.services)
    opened = desk.services.super_user_cases.open(desk.admin, UKPRN, "suspended", received)
    assert opened.form_received_on <= date(2026, 11, 23)


def test_a_case_is_refused_while_the_organisation_has_an_active_super_user(desk: Desk) -> None:
    # §3.2: the desk creates accounts only when all the super users are gone; §3.6 "and you
    # have no other super users". The one who can act is named: they can do it.
    lost_organisation(desk.services)
    with desk.services.db.transaction() as session:
        org = session.execute(select(Organisation).where(Organisation.ukprn == UKPRN)).scalar_one()
        portal_user(session, org, "kim.davies", "Kim", "Davies")
    error = refused(desk.services, ValidationError, lambda: open_case(desk), "Organisation")
    assert "Kim Davies (kim.davies)" in str(error) and "§3.2" in str(error)


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ({"status": "active", "on_long_term_leave": True}, SuperUserLossReason.SUSPENDED),
        ({"status": "suspended"}, SuperUserLossReason.LONG_TERM_LEAVE),
    ],
)
def test_the_stated_reason_is_checked_against_the_data(
    desk: Desk, state: dict[str, Any], reason: SuperUserLossReason
) -> None:
    # §3.6: a "suspended" form needs a suspended super user, "on leave" one on leave.
    with desk.services.db.transaction() as session:
        org = organisation(session, UKPRN)
        portal_user(session, org, "sam.okafor", **state)
    error = refused(desk.services, ValidationError, lambda: open_case(desk, reason), "Reason")
    assert "Sam Okafor (sam.okafor)" in str(error)


def test_the_lost_super_user_may_be_named_and_must_be_the_organisations(desk: Desk) -> None:
    lost_organisation(desk.services)
    refused(
        desk.services,
        ValidationError,
        lambda: open_case(desk, old_username="someone.else"),
        "Lost super user",
    )
    assert open_case(desk, old_username="SAM.OKAFOR45").old_super_user is not None


def test_a_case_for_an_organisation_with_no_super_user_on_record_who_left(desk: Desk) -> None:
    # §3.6 "has left": their account may already be deleted; the case has no old account.
    with desk.services.db.transaction() as session:
        org = organisation(session, UKPRN)
        portal_user(session, org, "gone.user", status="deleted")
    opened = open_case(desk, SuperUserLossReason.LEFT)
    assert opened.old_super_user is None
    assert opened.old_account_fate == "no account on record to change"


def test_one_live_case_per_organisation_names_the_one_open_and_who_prepared_it(
    desk: Desk,
) -> None:
    lost_organisation(desk.services)
    open_case(desk)
    again = lambda: desk.services.super_user_cases.open(  # noqa: E731
        desk.second, UKPRN, "suspended", RECEIVED
    )
    error = refused(desk.services, CaseAlreadyOpen, again)
    assert REFERENCE in str(error) and "ada.admin" in str(error)


def test_references_are_numbered_per_organisation(desk: Desk) -> None:
    cases = desk.services.super_user_cases
    lost_organisation(desk.services)
    lost_organisation(desk.services, ukprn=OTHER_UKPRN, name="Southfield School")
    assert open_case(desk).reference == REFERENCE
    cases.reject(desk.admin, REFERENCE, "Opened by mistake.")
    assert open_case(desk).reference == f"SU-{UKPRN}-0002"
    other = cases.open(desk.admin, OTHER_UKPRN, "suspended", RECEIVED)
    assert other.reference == f"SU-{OTHER_UKPRN}-0001"


def test_the_live_case_index_is_the_backstop_of_two_opens_at_once(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if another admin's case committed between the check and the insert: the partial
    # unique index refuses it, and the admin is told plainly.
    lost_organisation(desk.services)
    open_case(desk)
    monkeypatch.setattr(module, "_live_case", lambda session, organisation_id: None)
    error = refused(desk.services, CaseAlreadyOpen, lambda: open_case(desk))
    assert "another admin has just opened a case for Northgate College" in str(error)


def test_no_case_while_the_organisations_portal_permissions_are_disabled(desk: Desk) -> None:
    lost_organisation(desk.services, portal_enabled=False)
    error = refused(desk.services, ValidationError, lambda: open_case(desk), "Organisation")
    assert "disabled" in str(error)


# --- the signatory and the signature (§3.6) -----------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "said"),
    [
        ({"hand_signed": False}, "Signature", "signed by hand"),
        ({"is_manager": False}, "Signatory", "manager status or above"),
        ({"name": "  "}, "Signatory", "required"),
        ({"job_title": ""}, "Job title", "required"),
        ({"name": "Priya\u202eShah"}, "Signatory", ""),
    ],
    ids=["typed-signature", "not-a-manager", "no-name", "no-job-title", "bidi-control"],
)
def test_the_form_must_be_hand_signed_by_a_manager(
    desk: Desk, change: dict[str, Any], field: str, said: str
) -> None:
    lost_organisation(desk.services)
    version = open_case(desk).version
    error = refused(desk.services, ValidationError, lambda: sign(desk, **change), field)
    assert said in str(error)
    assert desk.services.super_user_cases.show(desk.admin, REFERENCE).version == version
    failed = audit_log(desk.services, actions=["record-signatory"])[0]
    assert failed.outcome == "failed" and failed.detail["field"] == field


def test_the_view_says_whether_the_signatory_is_the_registers_agreement_signatory(
    desk: Desk,
) -> None:
    # §3.6 "preferably the same person who originally signed your Organisation Agreement".
    lost_organisation(desk.services)
    open_case(desk)
    other = sign(desk, name="Tom Roberts", signed_agreement=False)
    assert other.agreement_note == (
        "the register records Priya Shah as the Organisation Agreement's signatory"
    )
    assert sign(desk, name="priya shah").agreement_note == (
        "the signatory signed the Organisation Agreement (as the register records)"
    )


# --- the call-back on the register's number (§3.6) ----------------------------------------------


def test_a_call_back_on_the_forms_number_is_refused(desk: Desk) -> None:
    # The step that defeats a forged form: the number on the form is the forger's.
    lost_organisation(desk.services)
    open_case(desk)
    recorded(desk)
    error = refused(
        desk.services,
        ValidationError,
        lambda: call_back(desk, dialled="+44 113 496 0999"),
        "Call-back number",
    )
    assert "is the number on the form" in str(error) and "0113 496 0500" in str(error)
    error = refused(
        desk.services,
        ValidationError,
        lambda: call_back(desk, dialled="020 7946 0123"),
        "Call-back number",
    )
    assert "is not the register's number" in str(error)


def test_the_register_number_is_accepted_however_it_is_typed(desk: Desk) -> None:
    lost_organisation(desk.services)
    open_case(desk)
    recorded(desk)
    assert call_back(desk, dialled="(0113) 4960500").callback_phone == "0113 496 0500"


def test_a_form_phone_given_with_the_signatory_is_recognised_at_the_call_back(
    desk: Desk,
) -> None:
    lost_organisation(desk.services)
    desk.services.super_user_cases.open(desk.admin, UKPRN, "suspended", RECEIVED)
    sign(desk, form_phone="020 7946 0777")
    new_user(desk)
    error = refused(
        desk.services,
        ValidationError,
        lambda: call_back(desk, dialled="020 7946 0777"),
        "Call-back number",
    )
    assert "is the number on the form" in str(error)


def test_no_call_back_without_a_register_number(desk: Desk) -> None:
    lost_organisation(desk.services, phone=None)
    open_case(desk)
    recorded(desk)
    error = refused(desk.services, ValidationError, lambda: call_back(desk), "Call-back number")
    assert "the register holds no telephone number" in str(error)


@pytest.mark.parametrize(
    ("at", "said"),
    [
        (datetime(2026, 11, 23, 12, 0, tzinfo=UTC), "in the future"),
        (datetime(2026, 11, 15, 9, 0, tzinfo=UTC), "before the form arrived"),
        # Read as London's time: out of Python's range (an OverflowError before)
        (datetime(1, 1, 1, 0, 0, tzinfo=UTC), "before the form arrived"),
        (datetime(1, 1, 1, 0, 0), "before the form arrived"),
        (datetime(9999, 12, 31, 23, 59, tzinfo=UTC), "in the future"),
    ],
)
def test_the_call_back_time_is_between_the_form_and_now(
    desk: Desk, at: datetime, said: str
) -> None:
    lost_organisation(desk.services)
    open_case(desk)
    recorded(desk)
    error = refused(
        desk.services, ValidationError, lambda: call_back(desk, at=at), "Call-back time"
    )
    assert said in str(error)


def test_a_call_back_time_without_a_zone_is_londons(desk: Desk, clock: Any) -> None:
    clock.now = datetime(2026, 7, 2, 10, 0, tzinfo=UTC)
    lost_organisation(desk.services)
    desk.services.super_user_cases.open(desk.admin, UKPRN, "suspended", date(2026, 7, 1))
    recorded(desk)
    called = call_back(desk, at=datetime(2026, 7, 1, 9, 30))  # BST: 08:30 UTC
    assert called.callback_at == datetime(2026, 7, 1, 8, 30, tzinfo=UTC)


# --- the call-back confirms the request as recorded (§3.6) --------------------------------------


@pytest.mark.parametrize(
    "steps", [(), (sign,), (new_user,)], ids=["neither", "signatory only", "new user only"]
)
def test_a_call_back_before_the_signatory_and_new_super_user_is_refused(
    desk: Desk, steps: tuple[Callable[[Desk], object], ...]
) -> None:
    # §3.6: the call-back is what defeats a forged form, so it must confirm who signed and
    # who gets the account: it cannot be recorded before both are.
    lost_organisation(desk.services)
    open_case(desk)
    for step in steps:
        step(desk)
    error = refused(desk.services, ValidationError, lambda: call_back(desk), "Call-back")
    assert "record the signatory and the new super user first" in str(error)
    assert audit_log(desk.services, limit=1)[0].outcome == "failed"
    assert desk.services.super_user_cases.show(desk.admin, REFERENCE).callback_at is None


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda d: new_user(d, given_name="Mallory", family_name="Quint"),
         "the new super user changed (given name, family name, username)"),
        (lambda d: new_user(d, email="r.pryce@example.net"), "the new super user changed (email)"),
        (lambda d: sign(d, name="Mallory Quint"), "the signatory changed (name)"),
        (lambda d: sign(d, job_title="Deputy Head"), "the signatory changed (job title)"),
    ],
    ids=["new user's names", "new user's email", "signatory's name", "signatory's job title"],
)  # fmt: skip
def test_changing_what_the_call_back_confirmed_clears_it_and_says_why(
    desk: Desk, change: Callable[[Desk], SuperUserCaseView], said: str
) -> None:
    # §3.6: a call-back made before the new super user (or the signatory) changed did not
    # confirm who gets the account: it is cleared, approval refused until it is made again.
    prepared(desk)
    changed = change(desk)
    assert changed.callback_at is None and changed.callback_confirmed_by is None
    assert changed.callback_phone is None and changed.callback_by is None
    assert changed.missing == ("call-back",)
    assert changed.timeline[-1].step == "call-back"
    assert said in changed.timeline[-1].text
    assert "after Priya Shah, Principal confirmed the request" in changed.timeline[-1].text
    cleared = audit_log(desk.services, limit=1)[0]
    assert cleared.detail["callback_cleared"] is True
    error = refused(desk.services, ValidationError, lambda: approve(desk), "Case")
    assert "still lacks: call-back" in str(error)
    call_back(desk)  # made again: now it confirms the changed details
    assert approve(desk).case.status is SuperUserCaseStatus.APPROVED


@pytest.mark.parametrize("again", [sign, new_user], ids=["signatory", "new super user"])
def test_re_recording_the_same_details_keeps_the_call_back(
    desk: Desk, again: Callable[[Desk], SuperUserCaseView]
) -> None:
    # §3.6: nothing the call-back confirmed has changed, so it still stands.
    called = prepared(desk)
    kept = again(desk)
    assert kept.callback_at == called.callback_at and kept.missing == ()
    assert kept.callback_confirmed_by == "Priya Shah, Principal"
    assert "callback_cleared" not in audit_log(desk.services, limit=1)[0].detail
    assert approve(desk).case.status is SuperUserCaseStatus.APPROVED


# --- the new super user (§3.5.3, §3.5.1) -------------------------------------------------------


def test_the_username_is_made_from_the_names_and_deduplicated(desk: Desk) -> None:
    # §3.5.3: "the LRS automatically produces a user account name out of the given name and
    # family names"; one already taken gets a number.
    lost_organisation(desk.services)
    with desk.services.db.transaction() as session:
        other = organisation(session, OTHER_UKPRN, "Southfield School")
        portal_user(session, other, "rhiannon.pryce", "Rhiannon", "Pryce", status="deleted")
    open_case(desk)
    assert new_user(desk, given_name="Rhiannon", family_name="Pryce-Évans").new_username == (
        "rhiannon.pryceevans"
    )
    assert new_user(desk).new_username == "rhiannon.pryce2"


def test_a_username_recorded_by_another_live_case_is_taken_too(desk: Desk) -> None:
    lost_organisation(desk.services)
    lost_organisation(desk.services, ukprn=OTHER_UKPRN, name="Southfield School")
    cases = desk.services.super_user_cases
    open_case(desk)
    assert new_user(desk).new_username == "rhiannon.pryce"
    assert new_user(desk).new_username == "rhiannon.pryce"  # its own name is not "taken"
    other = cases.open(desk.admin, OTHER_UKPRN, "suspended", RECEIVED).reference
    assert new_user(desk, other, email="rp@southfield.example.org").new_username == (
        "rhiannon.pryce2"
    )


def test_a_generic_username_is_refused(desk: Desk) -> None:
    # §3.5.1: "the LRS prohibits the creation of 'Guest' or generic user accounts".
    lost_organisation(desk.services)
    open_case(desk)
    error = refused(
        desk.services,
        ValidationError,
        lambda: new_user(desk, given_name="Exams", family_name="Office"),
        "Username",
    )
    assert "exams.office" in str(error) and "generic" in str(error)


def test_a_person_who_already_has_an_account_is_refused_naming_it(desk: Desk) -> None:
    # §3.5.3: search first that the person has no account (any organisation, not deleted).
    lost_organisation(desk.services)
    with desk.services.db.transaction() as session:
        other = organisation(session, OTHER_UKPRN, "Southfield School")
        portal_user(session, other, "rpryce", "Rhiannon", "Pryce", status="suspended",
                    email="R.Pryce@Northgate.example.org")  # fmt: skip
    open_case(desk)
    error = refused(
        desk.services,
        ValidationError,
        lambda: new_user(desk, given_name="RHIANNON"),
        "New super user",
    )
    assert "rpryce" in str(error) and "Southfield School" in str(error)


def test_the_verification_never_holds_the_security_answer(desk: Desk) -> None:
    # §3.5.3, in bold: "Do not add the question or answer to the security question".
    lost_organisation(desk.services)
    open_case(desk)
    refused(
        desk.services,
        ValidationError,
        lambda: new_user(desk, verification_provided="Security answer: Biscuit"),
        "Verification provided",
    )


# --- a step on a case: status and stale screens -------------------------------------------------


def test_a_step_from_a_stale_screen_is_refused_saying_what_changed(desk: Desk) -> None:
    lost_organisation(desk.services)
    open_case(desk)
    version = recorded(desk).version
    call_back(desk, by=desk.second)
    error = refused(desk.services, StaleCase, lambda: sign(desk, expected_version=version))
    assert "other.admin" in str(error) and "call-back" in str(error)
    assert "Priya Shah, Principal confirmed the request" in str(error)
    assert sign(desk, expected_version=version + 1).signatory is not None


def test_a_rejected_case_takes_no_more_steps(desk: Desk) -> None:
    lost_organisation(desk.services)
    open_case(desk)
    desk.services.super_user_cases.reject(desk.admin, REFERENCE, "Form not from the school.")
    error = refused(desk.services, ValidationError, lambda: sign(desk), "Status")
    assert "rejected by ada.admin" in str(error)
    refused(
        desk.services,
        ValidationError,
        lambda: approve(desk),
        "Status",
    )


@pytest.mark.parametrize(
    ("reference", "expected"),
    [("SU-10012345-0009", NotFound), ("DC-123", ValidationError), ("", ValidationError)],
)
def test_a_case_reference_must_exist_and_look_right(
    desk: Desk, reference: str, expected: type[LrsError]
) -> None:
    lost_organisation(desk.services)
    open_case(desk)
    refused(desk.services, expected, lambda: sign(desk, reference))


_HOSTILE_REFERENCES = [
    "SU-10012345-0001" + "9" * 80,  # longer than the audit's subject column (64)
    "A" * 100_000,
    "SU-\x1b]52;c;UFdORUQ=\x07",  # OSC 52: writes the operator's clipboard
    "SU-\u202e1000-0001",  # a bidi override
]


@pytest.mark.parametrize("reference", _HOSTILE_REFERENCES, ids=["long", "huge", "osc52", "bidi"])
@pytest.mark.parametrize(
    "action",
    [
        lambda d, r: d.services.super_user_cases.show(d.admin, r),
        lambda d, r: d.services.super_user_cases.approve(d.second, r),
        lambda d, r: d.services.super_user_cases.reject(d.second, r, "forged"),
        lambda d, r: d.services.super_user_cases.open(d.admin, r, "left", RECEIVED),
    ],
    ids=["show", "approve", "reject", "open"],
)
def test_a_hostile_or_overlong_reference_is_refused_and_audited_safely(
    desk: Desk, reference: str, action: Callable[[Desk, str], object]
) -> None:
    """The text rule (DOMAIN.md "Security"): a reference or UKPRN nobody could mean is
    refused naming the field, and its refusal is audited with the typed value made visible
    and cut to the trail's subject (on PostgreSQL a longer one failed the audit itself)."""
    lost_organisation(desk.services)
    refused(desk.services, ValidationError, lambda: action(desk, reference))
    event = audit_log(desk.services, limit=1)[0]
    assert event.outcome == "failed"
    assert len(event.subject_id) <= 64
    assert not any(c in event.subject_id for c in "\x1b\x07\u202e")


# --- the second admin (§3.6; issue 12 "two admins") --------------------------------------------


def test_the_admin_who_prepared_the_case_cannot_approve_it_and_the_refusal_is_audited(
    desk: Desk,
) -> None:
    view = prepared(desk)
    assert not view.approvable and view.not_approvable_because is not None
    assert "a second admin" in view.not_approvable_because
    error = refused(
        desk.services,
        SecondAdminRequired,
        lambda: desk.services.super_user_cases.approve(desk.admin, REFERENCE),
    )
    assert isinstance(error, PermissionDenied)
    assert "opened, signatory, new super user, call-back" in str(error)
    denied = audit_log(desk.services, limit=1)[0]
    assert (denied.action, denied.outcome, denied.actor) == (
        "approve-super-user-case", "denied", "ada.admin",
    )  # fmt: skip
    assert desk.services.super_user_cases.show(desk.admin, REFERENCE).status is (
        SuperUserCaseStatus.PREPARED
    )


def test_an_admin_who_recorded_any_step_cannot_approve(desk: Desk) -> None:
    lost_organisation(desk.services)
    open_case(desk)
    recorded(desk)
    call_back(desk, by=desk.second)
    view = desk.services.super_user_cases.show(desk.second, REFERENCE)
    assert not view.approvable and "call-back" in (view.not_approvable_because or "")
    error = refused(
        desk.services,
        SecondAdminRequired,
        lambda: approve(desk),
    )
    assert "(you recorded: call-back)" in str(error)
    third = factories.desk_admin(desk.services, "third.admin")
    assert approve(desk, third).username == "rhiannon.pryce"


@pytest.mark.parametrize(
    ("steps", "missing"),
    [
        ((), "signatory, new super user, call-back"),
        ((sign, new_user), "call-back"),
        ((sign,), "new super user, call-back"),
        ((new_user,), "signatory, call-back"),
    ],
)
def test_a_case_with_steps_missing_is_not_approved(
    desk: Desk, steps: tuple[Callable[[Desk], object], ...], missing: str
) -> None:
    lost_organisation(desk.services)
    open_case(desk)
    for step in steps:
        step(desk)
    view = desk.services.super_user_cases.show(desk.second, REFERENCE)
    assert not view.approvable and view.not_approvable_because == f"still lacks: {missing}"
    error = refused(
        desk.services,
        ValidationError,
        lambda: approve(desk),
        "Case",
    )
    assert missing in str(error)


@pytest.mark.parametrize(
    "change",
    ["a new super user", "a user promoted", "the old one reactivated"],
)
def test_approval_is_refused_when_the_organisation_gained_a_super_user_since(
    desk: Desk, change: str
) -> None:
    # Re-checked at approval (§3.2, §3.6): a super user who can act makes new ones.
    prepared(desk)
    with desk.services.db.transaction() as session:
        org = session.execute(select(Organisation).where(Organisation.ukprn == UKPRN)).scalar_one()
        if change == "a new super user":
            portal_user(session, org, "kim.davies", "Kim", "Davies")
        elif change == "a user promoted":
            lee = session.execute(
                select(PortalUser).where(PortalUser.username == "lee.chan45")
            ).scalar_one()
            lee.roles.append(PortalUserRole(role=PortalRole.SUPER_USER))
        else:
            sam = session.execute(
                select(PortalUser).where(PortalUser.username == "sam.okafor45")
            ).scalar_one()
            sam.status = AccountStatus.ACTIVE
    error = refused(
        desk.services,
        ValidationError,
        lambda: approve(desk),
    )
    assert isinstance(error, ValidationError) and error.field in ("Organisation", "Reason")
    named = {"a new super user": "kim.davies", "a user promoted": "lee.chan45"}
    assert named.get(change, "sam.okafor45") in str(error)


def test_a_username_taken_after_it_was_recorded_refuses_approval(desk: Desk) -> None:
    # The username's unique constraint decides (a race at approval gives the same refusal).
    prepared(desk)
    with desk.services.db.transaction() as session:
        other = organisation(session, OTHER_UKPRN, "Southfield School")
        portal_user(session, other, "rhiannon.pryce", "Rhian", "Pryce")
    error = refused(
        desk.services,
        UsernameTaken,
        lambda: approve(desk),
    )
    assert str(error).startswith("username rhiannon.pryce was taken meanwhile")
    assert new_user(desk).new_username == "rhiannon.pryce2"  # set again: a new one


def test_approval_from_a_stale_screen_is_refused(desk: Desk) -> None:
    version = prepared(desk).version
    sign(desk, job_title="Head of Centre")
    refused(
        desk.services,
        StaleCase,
        lambda: desk.services.super_user_cases.approve(
            desk.second, REFERENCE, expected_version=version
        ),
    )


def test_approval_names_the_version_reviewed_so_a_step_changed_since_is_not_approved(
    desk: Desk,
) -> None:
    """§3.6's two admins: the second approves the checks they reviewed. The preparer (or a
    forger's accomplice) re-recording the new super user after the review must not slip a
    different person through an approval that says nothing of what it saw: an approval with
    no version is refused, nothing created, and with the reviewed one it is stale."""
    reviewed = prepared(desk).version
    new_user(desk, given_name="Mallory", family_name="Quint", email="m.quint@example.org")
    call_back(desk)  # made again: the call-back confirms the new super user (§3.6)
    error = refused(
        desk.services,
        ValidationError,
        lambda: desk.services.super_user_cases.approve(desk.second, REFERENCE),
        "Version",
    )
    assert "as you reviewed it" in str(error)
    assert audit_log(desk.services, limit=1)[0].outcome == "failed"
    refused(
        desk.services,
        StaleCase,
        lambda: desk.services.super_user_cases.approve(
            desk.second, REFERENCE, expected_version=reviewed
        ),
    )


def test_an_approved_case_is_approved_once(desk: Desk) -> None:
    prepared(desk)
    approve(desk)
    third = factories.desk_admin(desk.services, "third.admin")
    error = refused(
        desk.services,
        ValidationError,
        lambda: approve(desk, third),
        "Status",
    )
    assert "approved by other.admin" in str(error)


# --- reject and complete ------------------------------------------------------------------------


def test_any_admin_may_reject_with_a_reason_the_preparer_too(desk: Desk) -> None:
    prepared(desk)
    cases = desk.services.super_user_cases
    refused(
        desk.services, ValidationError, lambda: cases.reject(desk.admin, REFERENCE, " "), "Reason"
    )
    rejected = cases.reject(desk.admin, REFERENCE, "The school did not send this form.")
    assert rejected.status is SuperUserCaseStatus.REJECTED
    assert rejected.decided_by == "ada.admin"
    assert rejected.decision_reason == "The school did not send this form."
    assert rejected.timeline[-1].step == "rejected"
    with desk.services.db.transaction(read_only=True) as session:
        assert session.execute(
            select(func.count()).select_from(PortalUser).where(
                PortalUser.username == "rhiannon.pryce"
            )
        ).scalar_one() == 0  # fmt: skip
    # The organisation may send a new form: a new case.
    assert open_case(desk).reference == f"SU-{UKPRN}-0002"


def test_only_an_approved_case_is_completed(desk: Desk) -> None:
    prepared(desk)
    cases = desk.services.super_user_cases
    refused(
        desk.services,
        ValidationError,
        lambda: cases.complete(desk.admin, REFERENCE, "Rhiannon Pryce"),
        "Status",
    )
    approve(desk)
    refused(
        desk.services,
        ValidationError,
        lambda: cases.complete(desk.admin, REFERENCE, ""),
        "Handed to",
    )
    assert cases.complete(desk.admin, REFERENCE, "Rhiannon Pryce").status is (
        SuperUserCaseStatus.COMPLETED
    )


# --- reading -------------------------------------------------------------------------------------


def test_show_is_an_audited_look(desk: Desk) -> None:
    prepared(desk)
    desk.services.super_user_cases.show(desk.second, REFERENCE)
    look = audit_log(desk.services, limit=1)[0]
    assert (look.action, look.actor, look.subject_id) == (
        "show-super-user-case", "other.admin", REFERENCE,
    )  # fmt: skip


def test_the_list_is_an_audited_look_naming_the_new_super_users_shown(desk: Desk) -> None:
    # Issue 12 item 1: each look at portal users' details is audited; the list names every
    # case's new super user (their username, made from their names), as find-portal-user does.
    prepared(desk)
    listed = desk.services.super_user_cases.list(desk.second)
    assert [c.new_username for c in listed] == ["rhiannon.pryce"]
    look = audit_log(desk.services, limit=1)[0]
    assert (look.action, look.actor, look.outcome) == (
        "list-super-user-cases", "other.admin", "ok",
    )  # fmt: skip
    assert look.detail["shown"] == [REFERENCE]
    assert look.detail["new_usernames"] == ["rhiannon.pryce"]


def test_the_list_puts_the_work_first_oldest_first(desk: Desk, clock: Any) -> None:
    cases = desk.services.super_user_cases
    for n, name in enumerate(("Alpha School", "Beta College", "Gamma Academy", "Delta School")):
        lost_organisation(desk.services, ukprn=f"1002000{n}", name=name)
    references = []
    for n in range(4):
        references.append(cases.open(desk.admin, f"1002000{n}", "suspended", RECEIVED).reference)
        clock.now += timedelta(minutes=5)
    cases.reject(desk.admin, references[0], "Duplicate form.")
    listed = cases.list(desk.admin)
    assert [c.reference for c in listed] == [*references[1:], references[0]]
    assert listed[0].missing == ("signatory", "new super user", "call-back")
    only = cases.list(desk.admin, status=SuperUserCaseStatus.REJECTED)
    assert [c.reference for c in only] == [references[0]]
    assert [c.reference for c in cases.list(desk.admin, ukprn="10020002")] == [references[2]]


@pytest.mark.parametrize("reason", REASONS)
def test_a_form_the_data_cannot_settle_carries_a_caution_for_the_call_back(
    desk: Desk, reason: SuperUserLossReason
) -> None:
    """§3.6 "has left": a leaver's account is often still active (nobody deleted it), which
    is also just what a forged form would claim; the case says so, for the call-back to
    settle. A suspended or on-leave super user is borne out by the data: no caution."""
    lost_organisation(desk.services, reason)
    case = open_case(desk, reason)
    if reason is SuperUserLossReason.LEFT:
        assert case.caution == (
            "Sam Okafor's account is still active: confirm on the call-back that they have"
            " left (approval deletes the account)"
        )
    else:
        assert case.caution is None


def test_a_left_form_about_nobody_on_record_carries_a_caution(desk: Desk) -> None:
    with desk.services.db.transaction() as session:
        org = organisation(session, UKPRN)
        portal_user(session, org, "gone.user", status="deleted")
    assert "no super user on record" in (open_case(desk, SuperUserLossReason.LEFT).caution or "")
