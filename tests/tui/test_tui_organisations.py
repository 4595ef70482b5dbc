"""The organisation directory, portal users and super-user reinstatement on screen (issue 12
items 1-4 and 6; User Guide §3.1-§3.3, §3.6; DOMAIN.md "Accounts and super users"): an agent
finds an organisation and a user and reads §3.2's advice with no admin action offered; an
admin disables and re-enables portal permissions and suspends a user, each with a reason;
one admin prepares a reinstatement case step by step, a second admin approves it and sees
the one-time password once. Sessions are driven by keys, as at the desk; the clock is fixed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from factories import (
    FORM_PHONE,
    ORG_PHONE,
    MovableClock,
    audit_log,
    desk_admin,
    next_code,
    organisation,
    portal_user,
)
from test_tui_80x24 import footer_text, illegible, shows_whole
from textual.pilot import Pilot
from textual.widgets import Button, Input
from tui_drive import DeskOperator, Keys, texts

from lrs_core.actor import Actor
from lrs_core.domain.kinds import AccountStatus
from lrs_core.services import Services
from lrs_core.services.audit import AuditEntry
from lrs_tui.app import LrsDeskApp
from lrs_tui.screens.accounts.case_form import CaseFormScreen
from lrs_tui.screens.accounts.case_review import ApproveDialog, CaseListScreen, CaseReviewScreen
from lrs_tui.screens.accounts.one_time_password import OneTimePasswordScreen
from lrs_tui.screens.accounts.organisation_search import OrganisationSearchScreen
from lrs_tui.screens.accounts.organisation_view import OrganisationViewScreen
from lrs_tui.screens.accounts.portal_user_view import PortalUserViewScreen
from lrs_tui.screens.challenge_dialogs import WordsDialog
from lrs_tui.screens.home import HomeScreen
from lrs_tui.widgets.message_line import MessageLine
from lrs_tui.widgets.row_table import RowTable

ADMIN = DeskOperator("ada.admin", "Desk-Admin-2026", "Ada Admin")  # tests/conftest.py
SECOND_ADMIN = DeskOperator("other.admin", "Head-Admin-2026", "Other Admin")  # desk_admin()
AGENT = DeskOperator("kim.lee", "Desk-Shift-2026", "Kim Lee")  # tests/conftest.py

NORTHGATE = "10012345"  # two super users who can act, one suspended user, a generic account
RIVERSIDE = "10054321"  # its only super user is suspended: a Change of Super User form


def seed(services: Services) -> None:
    with services.db.transaction() as session:
        north = organisation(session, NORTHGATE, "Northgate College")
        portal_user(session, north, "rhian.evans", "Rhian", "Evans",
                    roles=("super-user", "online-user"))  # fmt: skip
        portal_user(session, north, "dev.patel", "Dev", "Patel")
        portal_user(session, north, "tom.baker", "Tom", "Baker", roles=("online-user",))
        portal_user(session, north, "exams.office", "Exam", "Office", roles=("online-user",),
                    last_sign_in_at=datetime(2025, 1, 6, 9, tzinfo=UTC))  # fmt: skip
        river = organisation(session, RIVERSIDE, "Riverside Academy", kind="school",
                             agreement_signatory="Hannah Price")  # fmt: skip
        portal_user(session, river, "jo.hughes", "Jo", "Hughes", status="suspended")
        portal_user(session, river, "li.wei", "Li", "Wei", roles=("online-user",))
        portal_user(session, river, "reception", "Front", "Desk", roles=("online-user",),
                    last_sign_in_at=datetime(2025, 2, 3, 9, tzinfo=UTC))  # fmt: skip


@pytest.fixture
def seeded(services: Services, admin: object, agent: object) -> Iterator[Services]:
    seed(services)
    desk_admin(services, "other.admin")
    yield services


async def reach_home(pilot: Pilot[None], operator: DeskOperator, clock: MovableClock) -> None:
    await Keys.sign_in(pilot, operator.username, operator.password)
    if operator.username.endswith(".admin"):
        await Keys.type(pilot, next_code(clock))
        await pilot.press("enter")
        await Keys.settle(pilot)
    await pilot.press("a")  # the User Agreement
    await Keys.settle(pilot)
    assert isinstance(pilot.app.screen, HomeScreen)


async def open_organisation(pilot: Pilot[None], query: str) -> OrganisationViewScreen:
    """ctrl+g, the query, Enter; Enter on the first result."""
    await pilot.press("ctrl+g")
    await Keys.settle(pilot)
    assert isinstance(pilot.app.screen, OrganisationSearchScreen)
    await Keys.type(pilot, query)
    await pilot.press("enter")
    await Keys.settle(pilot)
    await pilot.press("enter")  # the results' table has the focus
    await Keys.settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, OrganisationViewScreen)
    return screen


def audited(services: Services, action: str, actor: str) -> list[AuditEntry]:
    return [e for e in audit_log(services, actions=[action]) if e.actor == actor]


def message(app: LrsDeskApp) -> str:
    return app.screen.query_one(MessageLine).text


def screen_text(app: LrsDeskApp) -> str:
    return " ".join(texts(app, "Static")) + " " + " ".join(texts(app, "Label"))


async def open_user(pilot: Pilot[None], view: OrganisationViewScreen, username: str) -> None:
    assert view.view is not None
    users = view.query_one("#users", RowTable)
    users.cursor = [u.username for u in view.view.users].index(username)
    await pilot.pause()
    await pilot.press("enter")
    await Keys.settle(pilot)


# -- every operator: the directory ----------------------------------------------------------


async def test_an_agent_finds_an_organisation_opens_a_user_and_reads_the_desks_advice(
    seeded: Services, clock: MovableClock
) -> None:
    # §3.1: the count of super users who can act, and §3.3's flags; §3.2: the desk does not
    # reset passwords, and names the super users to contact. No admin action for an agent.
    app = LrsDeskApp(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_home(pilot, AGENT, clock)
        view = await open_organisation(pilot, "northgate")
        shown_text = screen_text(app)
        assert "only 2 active super users" in shown_text  # §3.1's warning
        assert "ENABLED" in shown_text
        assert "x" not in app.screen.active_bindings and "n" not in app.screen.active_bindings
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert not any("disable" in t or "super-user case" in t for t in titles)
        await open_user(pilot, view, "tom.baker")
        assert isinstance(app.screen, PortalUserViewScreen)
        shown_text = screen_text(app)
        assert "does not reset passwords or unlock accounts (§3.2)" in shown_text
        assert "Rhian Evans (rhian.evans)" in shown_text and "Dev Patel (dev.patel)" in shown_text
        assert "s" not in app.screen.active_bindings  # suspend: admins only
        await pilot.press("s")
        await Keys.settle(pilot)
        assert isinstance(app.screen, PortalUserViewScreen)
    assert audited(seeded, "view-organisation", "kim.lee")
    assert audited(seeded, "view-portal-user", "kim.lee")


@pytest.mark.parametrize(
    ("query", "says"),
    [
        pytest.param("1234567", "UKPRN", id="seven-digits"),
        pytest.param("99999999", "", id="unknown"),
    ],
)
async def test_a_malformed_or_unknown_ukprn_is_the_cores_message(
    seeded: Services, clock: MovableClock, query: str, says: str
) -> None:
    app = LrsDeskApp(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_home(pilot, AGENT, clock)
        await pilot.press("ctrl+g")
        await Keys.settle(pilot)
        await Keys.type(pilot, query)
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert isinstance(app.screen, OrganisationSearchScreen)
        assert app.screen.results == ()
        assert says in message(app) and message(app)


# -- admins: security actions ---------------------------------------------------------------


async def test_an_admin_disables_and_re_enables_portal_permissions_with_a_reason(
    seeded: Services, clock: MovableClock
) -> None:
    # §1.4: the desk may disable an organisation's portal permissions; each with a reason,
    # audited and shown on the organisation.
    app = LrsDeskApp(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_home(pilot, ADMIN, clock)
        view = await open_organisation(pilot, NORTHGATE)
        await pilot.press("x")
        await Keys.settle(pilot)
        assert isinstance(app.screen, WordsDialog)
        await pilot.press("enter")  # no reason: refused by the core, the dialog stays
        await Keys.settle(pilot)
        assert isinstance(app.screen, WordsDialog)
        assert "reason" in message(app).lower()
        await Keys.type(pilot, "Phishing reported by the college")
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert app.screen is view
        assert view.view is not None and not view.view.summary.portal_enabled
        assert "DISABLED" in screen_text(app)
        assert "Phishing reported by the college" in screen_text(app)
        await pilot.press("x")
        await Keys.settle(pilot)
        await Keys.type(pilot, "The college changed every password")
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert view.view.summary.portal_enabled
    assert audited(seeded, "disable-organisation", "ada.admin")
    assert audited(seeded, "enable-organisation", "ada.admin")


async def test_an_admin_suspends_a_portal_user_with_a_reason(
    seeded: Services, clock: MovableClock
) -> None:
    app = LrsDeskApp(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_home(pilot, ADMIN, clock)
        view = await open_organisation(pilot, NORTHGATE)
        await open_user(pilot, view, "tom.baker")
        user_screen = app.screen
        assert isinstance(user_screen, PortalUserViewScreen)
        await pilot.press("s")
        await Keys.settle(pilot)
        await Keys.type(pilot, "Shared his password with a colleague")
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert app.screen is user_screen
        assert user_screen.view is not None
        assert user_screen.view.user.status is AccountStatus.SUSPENDED
        assert "SUSPENDED" in screen_text(app)
        assert "is suspended" in message(app)
    assert audited(seeded, "suspend-portal-user", "ada.admin")


# -- super-user reinstatement (§3.6) ------------------------------------------------------------

# A test constant, not a secret: the core's generator is replaced so the screen (and its
# snapshot) shows the same password every run.
FIXED_OTP = "Test-Only-Pw23"


@pytest.fixture
def fixed_otp(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr("lrs_core.services.super_user_cases.one_time_password", lambda: FIXED_OTP)
    return FIXED_OTP


def prepare(services: Services, actor: Actor, *, upto: int = 4) -> str:
    """A Riverside case prepared through the core by ``actor``, ``upto`` steps recorded, in
    §3.6's order: the signatory, the new super user, then the call-back confirming them."""
    cases = services.super_user_cases
    reference = cases.open(actor, RIVERSIDE, "suspended", "20/11/2026",
                           form_phone=FORM_PHONE).reference  # fmt: skip
    if upto >= 2:
        cases.record_signatory(
            actor, reference, name="Hannah Price", job_title="Principal", is_manager=True,
            signed_agreement=True, hand_signed=True,
        )  # fmt: skip
    if upto >= 3:
        cases.set_new_super_user(
            actor, reference, title="Mr", given_name="Owen", family_name="Jones",
            email="owen.jones@example.org", phone="07700 900123",
            verification_provided="Staff ID 5521 seen by the principal",
        )  # fmt: skip
    if upto >= 4:
        cases.record_callback(actor, reference, dialled=ORG_PHONE,
                              confirmed_by="Hannah Price, Principal")  # fmt: skip
    return reference


async def save(pilot: Pilot[None]) -> None:
    await pilot.press("ctrl+s")
    await Keys.settle(pilot)


async def tick(pilot: Pilot[None], selector: str) -> None:
    pilot.app.screen.query_one(selector).focus()
    await pilot.pause()
    await pilot.press("space")


def focused_id(app: LrsDeskApp) -> str | None:
    return app.screen.focused.id if app.screen.focused is not None else None


async def test_one_admin_prepares_a_case_and_a_second_admin_approves_it_password_shown_once(
    seeded: Services, clock: MovableClock, fixed_otp: str
) -> None:
    # §3.6 as a guided case at 80x24: each refusal is the core's words with its field focused
    # and nothing typed lost (a typed signature; the form's number dialled); the form always
    # says what is missing; only a second admin approves; the one-time password is shown once.
    app = LrsDeskApp(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_home(pilot, ADMIN, clock)
        view = await open_organisation(pilot, RIVERSIDE)
        assert "no active super user" in screen_text(app)
        await pilot.press("n")
        await Keys.settle(pilot)
        form = app.screen
        assert isinstance(form, CaseFormScreen)
        assert form.query_one("#ukprn", Input).value == RIVERSIDE  # from the organisation
        assert "Still missing: case, signatory, new super user, call-back" in screen_text(app)
        await Keys.choose(pilot, "#reason", "suspended")
        await Keys.fill(pilot, "#received", "20/11/2026")
        await Keys.fill(pilot, "#form-phone", FORM_PHONE)
        await save(pilot)
        assert form.view is not None and form.step == 1, message(app)
        reference = form.view.reference
        assert "Still missing: signatory, new super user, call-back" in screen_text(app)

        # Step 2: a typed signature is refused (§3.6), the field focused, the rest kept.
        await Keys.fill(pilot, "#sig-name", "Hannah Price")
        await Keys.fill(pilot, "#sig-title", "Principal")
        await tick(pilot, "#manager")
        await tick(pilot, "#agreement")
        await Keys.choose(pilot, "#signature", "typed")
        await save(pilot)
        assert "signed by hand" in message(app)
        assert focused_id(app) == "signature" and form.step == 1
        assert form.query_one("#sig-name", Input).value == "Hannah Price"
        await Keys.choose(pilot, "#signature", "hand")
        await save(pilot)
        assert form.step == 2, message(app)

        # Step 3: the new super user; the core makes the username.
        await Keys.fill(pilot, "#title", "Mr")
        await Keys.fill(pilot, "#given", "Owen")
        await Keys.fill(pilot, "#family", "Jones")
        await Keys.fill(pilot, "#email", "owen.jones@example.org")
        await Keys.fill(pilot, "#phone", "07700 900123")
        await Keys.fill(pilot, "#verification", "Staff ID 5521 seen by the principal")
        await save(pilot)
        assert form.step == 3 and form.view.new_username == "owen.jones", message(app)

        # Step 4, last (§3.6): the register's number to dial, beside what the person on the
        # phone confirms (the signatory and the new super user); the form's number is refused.
        assert ORG_PHONE in screen_text(app)
        assert shows_whole(app, "Ask them to confirm: the form signed by Hannah Price, Principal;")
        assert shows_whole(app, "and the new super user, Owen Jones (owen.jones).")
        await Keys.fill(pilot, "#dialled", FORM_PHONE)
        await Keys.fill(pilot, "#confirmed-by", "Hannah Price, Principal")
        await save(pilot)
        assert "number on the form" in message(app) and focused_id(app) == "dialled"
        await Keys.fill(pilot, "#dialled", ORG_PHONE)
        await save(pilot)
        assert form.view.missing == (), message(app)
        assert "Nothing missing" in screen_text(app)
        await pilot.press("escape")
        await Keys.settle(pilot)
        assert app.screen is view and view.view is not None
        assert [c.reference for c in view.view.cases] == [reference]  # its past cases

    app = LrsDeskApp(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_home(pilot, SECOND_ADMIN, clock)
        await pilot.press("ctrl+p")
        await Keys.type(pilot, "awaiting approval")
        await pilot.pause(0.2)  # the palette gathers its hits asynchronously
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert isinstance(app.screen, CaseListScreen)
        await pilot.press("enter")
        await Keys.settle(pilot)
        review = app.screen
        assert isinstance(review, CaseReviewScreen) and review.reference == reference
        text = screen_text(app)
        assert "the register's number" in text and "Hannah Price" in text and "owen.jones" in text
        await pilot.press("a")
        await Keys.settle(pilot)
        assert isinstance(app.screen, ApproveDialog)
        assert focused_id(app) == "cancel"  # nothing happens by a stray Enter
        asked = screen_text(app)
        assert "every learner the organisation handles" in asked and "\u240a" not in asked
        await pilot.press("tab", "enter")
        await Keys.settle(pilot)
        modal = app.screen
        assert isinstance(modal, OneTimePasswordScreen)
        assert fixed_otp in screen_text(app) and "owen.jones" in screen_text(app)
        await pilot.press("c")
        await pilot.pause()
        assert all(fixed_otp not in str(n.message) + str(n.title)
                   for n in app._notifications)  # fmt: skip
        await pilot.press("escape")
        await Keys.settle(pilot)
        assert app.screen is review and review.view is not None
        assert str(review.view.status) == "approved"
        assert fixed_otp not in screen_text(app)
        await pilot.press("d")  # read out on the register's number: handed over
        await Keys.settle(pilot)
        await Keys.type(pilot, "Owen Jones")
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert app.screen is review and str(review.view.status) == "completed"
        await pilot.press("escape")
        await Keys.settle(pilot)
        await pilot.press("ctrl+g")
        await Keys.settle(pilot)
        view = await open_organisation(pilot, RIVERSIDE)
        view.query_one("#cases", RowTable).focus()
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert isinstance(app.screen, CaseReviewScreen)
        assert "completed" in app.screen.sub_title.lower()
        assert fixed_otp not in screen_text(app)  # shown once: never again
        assert "a" not in app.screen.active_bindings
    approved = audited(seeded, "approve-super-user-case", "other.admin")
    assert approved and approved[0].outcome == "ok"
    assert fixed_otp not in str(approved[0].detail)


async def test_the_admin_who_prepared_a_case_cannot_approve_it_and_the_refusal_is_audited(
    seeded: Services, clock: MovableClock, admin: Actor, fixed_otp: str
) -> None:
    # §3.6's two admins: approval is not offered to the preparer, the screen says why, and
    # forcing it shows the core's refusal, audited as denied.
    reference = prepare(seeded, admin)
    app = LrsDeskApp(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_home(pilot, ADMIN, clock)
        await app.push_screen(CaseReviewScreen(seeded, admin, reference))
        await Keys.settle(pilot)
        review = app.screen
        assert isinstance(review, CaseReviewScreen) and review.view is not None
        assert not review.view.approvable
        verdict = " ".join(texts(app, "#verdict"))
        assert "You cannot approve" in verdict and review.view.not_approvable_because
        assert "a" not in review.active_bindings
        review.action_approve()  # forced
        await Keys.settle(pilot)
        app.screen.query_one("#approve", Button).press()
        await Keys.settle(pilot)
        assert app.screen is review
        assert "second admin" in message(app).lower() or "prepared" in message(app).lower()
        assert not isinstance(app.screen, OneTimePasswordScreen)
    refused = audited(seeded, "approve-super-user-case", "ada.admin")
    assert refused and refused[0].outcome == "denied"


async def test_a_second_admin_rejects_a_case_with_a_reason(
    seeded: Services, clock: MovableClock, admin: Actor
) -> None:
    reference = prepare(seeded, admin)
    app = LrsDeskApp(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_home(pilot, SECOND_ADMIN, clock)
        await app.push_screen(CaseReviewScreen(seeded, admin_actor(app), reference))
        await Keys.settle(pilot)
        review = app.screen
        assert isinstance(review, CaseReviewScreen)
        await pilot.press("r")
        await Keys.settle(pilot)
        assert isinstance(app.screen, WordsDialog)
        await Keys.type(pilot, "The signatory is not on the register's staff list")
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert app.screen is review and review.view is not None
        assert str(review.view.status) == "rejected"
        assert "not on the register's staff list" in screen_text(app)
        assert "a" not in review.active_bindings and "r" not in review.active_bindings
    assert audited(seeded, "reject-super-user-case", "other.admin")


async def test_reopening_a_prepared_case_goes_on_from_the_first_step_missing(
    seeded: Services, clock: MovableClock, admin: Actor
) -> None:
    prepare(seeded, admin, upto=2)
    app = LrsDeskApp(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_home(pilot, ADMIN, clock)
        view = await open_organisation(pilot, RIVERSIDE)
        view.query_one("#cases", RowTable).focus()
        await pilot.press("enter")
        await Keys.settle(pilot)
        form = app.screen
        assert isinstance(form, CaseFormScreen) and form.step == 2  # the new super user
        assert focused_id(app) == "given"
        assert "Still missing: new super user, call-back" in screen_text(app)
        await pilot.press("ctrl+b")
        await Keys.settle(pilot)
        assert form.query_one("#sig-name", Input).value == "Hannah Price"  # as recorded


async def test_changing_the_new_super_user_after_the_call_back_sends_the_form_back_to_it(
    seeded: Services, clock: MovableClock, admin: Actor
) -> None:
    # §3.6: the call-back confirmed Owen Jones; recording someone else clears it (the core's
    # rule): the form says so and goes back to the call-back, missing again.
    reference = prepare(seeded, admin)
    app = LrsDeskApp(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_home(pilot, ADMIN, clock)
        await app.push_screen(CaseFormScreen(seeded, admin_actor(app), reference=reference))
        await Keys.settle(pilot)
        form = app.screen
        assert isinstance(form, CaseFormScreen) and form.step == 3
        await pilot.press("ctrl+b")
        await Keys.settle(pilot)
        await Keys.fill(pilot, "#given", "Gwen")
        await save(pilot)
        assert form.step == 3 and form.view is not None, message(app)
        assert form.view.missing == ("call-back",)
        assert "make the call-back again" in message(app)
        assert "Still missing: call-back" in screen_text(app)
        assert shows_whole(app, "and the new super user, Gwen Jones (gwen.jones).")


async def test_every_accounts_screen_is_legible_at_80x24_with_lock_and_sign_out_in_sight(
    seeded: Services, clock: MovableClock, admin: Actor, fixed_otp: str
) -> None:
    # The desk's SSH terminals: no line in a colour a dark or a light background hides
    # (test_tui_80x24.py), and each screen's footer keeps Lock and Sign out at 80 columns.
    reference = prepare(seeded, admin, upto=2)
    app = LrsDeskApp(seeded)

    async def check(where: str, *, modal: bool = False) -> None:
        await Keys.settle(pilot)
        Keys.stop_blinking(pilot)
        assert illegible(app) == [], where
        if not modal:
            assert "Lock" in footer_text(app) and "Sign out" in footer_text(app), where

    async with app.run_test(size=(80, 24)) as pilot:
        await reach_home(pilot, ADMIN, clock)
        view = await open_organisation(pilot, RIVERSIDE)
        await check("organisation view")
        await open_user(pilot, view, "jo.hughes")
        await check("portal user")
        await pilot.press("escape")
        await Keys.settle(pilot)
        view.query_one("#cases", RowTable).focus()
        await pilot.press("enter")
        for step in ("new super user", "signatory", "case"):
            await check(f"case form: {step}")
            await pilot.press("ctrl+b")
        await pilot.press("ctrl+n", "ctrl+n", "ctrl+n")
        await check("case form: call-back")
        await save(pilot)
        await check("case form refused")
    prepare_rest(seeded, admin, reference)
    app = LrsDeskApp(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_home(pilot, SECOND_ADMIN, clock)
        await app.push_screen(CaseReviewScreen(seeded, admin_actor(app), reference))
        await check("review")
        await pilot.press("a")
        await check("approve?", modal=True)
        await pilot.press("tab", "enter")
        await check("one-time password", modal=True)
        assert shows_whole(app, fixed_otp) and shows_whole(app, "owen.jones")


def prepare_rest(services: Services, actor: Actor, reference: str) -> None:
    cases = services.super_user_cases
    cases.set_new_super_user(
        actor, reference, title="Mr", given_name="Owen", family_name="Jones",
        email="owen.jones@example.org", phone="07700 900123",
        verification_provided="Staff ID 5521 seen by the principal",
    )  # fmt: skip
    cases.record_callback(actor, reference, dialled=ORG_PHONE, confirmed_by="Hannah Price")


def admin_actor(app: LrsDeskApp) -> Actor:
    assert app.signed_in is not None
    return app.signed_in.actor


async def test_a_has_left_form_about_an_active_super_user_is_a_caution_for_the_call_back(
    seeded: Services, clock: MovableClock, admin: Actor
) -> None:
    # §3.6: the data cannot tell a leaver nobody deleted from a forged form's claim; the form
    # says what to ask on the call-back, and the review repeats it for the second admin.
    with seeded.db.transaction() as session:
        org = organisation(session, "10099887", "Hillside School", kind="school")
        portal_user(session, org, "amir.khan", "Amir", "Khan")
    reference = seeded.super_user_cases.open(
        admin, "10099887", "left", "20/11/2026", old_username="amir.khan"
    ).reference
    app = LrsDeskApp(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_home(pilot, ADMIN, clock)
        await app.push_screen(CaseFormScreen(seeded, admin_actor(app), reference=reference))
        await Keys.settle(pilot)
        await pilot.press("ctrl+n", "ctrl+n")
        await Keys.settle(pilot)
        assert app.screen.step == 3  # type: ignore[attr-defined]  # the call-back
        assert shows_whole(app, "Ask on the call-back: Amir Khan's account is still active")
        await pilot.press("escape")
        await app.push_screen(CaseReviewScreen(seeded, admin_actor(app), reference))
        await Keys.settle(pilot)
        assert "Amir Khan's account is still active" in screen_text(app)
