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
from textual.pilot import Pilot
from tui_drive import DeskOperator, Keys, texts

from lrs_core.domain.kinds import AccountStatus
from lrs_core.services import Services
from lrs_core.services.audit import AuditEntry
from lrs_tui.app import LrsDeskApp
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
