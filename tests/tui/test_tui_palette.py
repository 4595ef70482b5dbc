"""The command palette is the index of the app (issue 10 item 5): every action the signed-in
operator's role allows is in it from every screen where it makes sense, an action the role
does not allow never appears, and home lists the same actions, each with its key, from the
one declaration (lrs_tui/desk_actions.py) the footer's keys are made from too.
DOMAIN.md "Accounts and super users" (the roles). SQLite, and PostgreSQL when configured."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from factories import EMPTY, MovableClock, next_code, plr_learners
from textual.binding import Binding
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.screen import Screen
from tui_drive import DeskOperator, Keys, settled_operator

from lrs_core.permissions import ROLE_PERMISSIONS, OperatorRole, Permission
from lrs_core.services import Services
from lrs_tui.app import LrsDeskApp
from lrs_tui.desk_actions import DESK_ACTIONS, FIND_LEARNER, REGISTER_LEARNER
from lrs_tui.screens.find_learner import FindLearnerScreen
from lrs_tui.screens.home import HomeScreen
from lrs_tui.screens.learner_form import LearnerFormScreen
from lrs_tui.screens.learner_profile import LearnerProfileScreen
from lrs_tui.screens.plr import PlrScreen

AGENT = DeskOperator("kim.lee", "Desk-Shift-2026", "Kim Lee")  # tests/conftest.py's agent
ADMIN_ONLY = {"Reset an operator's second factor", "Super-user cases awaiting approval"}
ANALYSTS_AND_ADMINS = {"Encrypted intake"}  # HANDLE_INTAKE (issue 13)
EVERY_ROLE = (
    "Find a learner",
    "Register a learner",
    "Open a PLR by ULN",
    "Data challenges",
    "Find an organisation",
    "Change my password",
    "Theme",
    "Lock the session",
    "Sign out",
    "Quit",
)


@pytest.fixture(params=list(OperatorRole), ids=str)
def role(request: pytest.FixtureRequest) -> OperatorRole:
    return OperatorRole(request.param)


@pytest.fixture
def role_operator(
    role: OperatorRole, services: Services, request: pytest.FixtureRequest
) -> DeskOperator:
    with services.db.transaction() as session:
        plr_learners(session)
    if role is OperatorRole.AGENT:
        request.getfixturevalue("agent")
        return AGENT
    if role is OperatorRole.ANALYST:
        return settled_operator(services)
    request.getfixturevalue("admin")  # signs in with a code from TOTP_SECRET
    return DeskOperator("ada.admin", "Desk-Admin-2026", "Ada Admin")


async def reach_home(pilot: Pilot[None], operator: DeskOperator, clock: MovableClock) -> None:
    await Keys.sign_in(pilot, operator.username, operator.password)
    if operator.username == "ada.admin":
        await Keys.type(pilot, next_code(clock))
        await pilot.press("enter")
        await Keys.settle(pilot)
    await pilot.press("a")  # the User Agreement
    await Keys.settle(pilot)
    assert isinstance(pilot.app.screen, HomeScreen)


async def palette_titles(pilot: Pilot[None]) -> list[str]:
    """Everything the palette offers with nothing typed; it is closed again after."""
    await pilot.press("ctrl+p")
    await Keys.settle(pilot)
    await pilot.pause(0.2)  # the palette gathers its discovery hits asynchronously
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette)
    options = palette.query_one(CommandList).options
    titles = [str(option.hit.text) for option in options]  # type: ignore[attr-defined]
    await pilot.press("escape")
    await Keys.settle(pilot)
    return titles


def allowed(role: OperatorRole) -> set[str]:
    found = set(EVERY_ROLE) | (ADMIN_ONLY if role is OperatorRole.ADMIN else set())
    return found | (ANALYSTS_AND_ADMINS if role is not OperatorRole.AGENT else set())


# Each screen: how to get there from home, the app's actions that make no sense there, and
# some of the screen's own (its palette_commands()).
def _profile(app: LrsDeskApp) -> Screen[None]:
    assert app.signed_in is not None
    return LearnerProfileScreen(app.services.learners, app.signed_in.actor, EMPTY)


def _plr(app: LrsDeskApp) -> Screen[None]:
    assert app.signed_in is not None
    return PlrScreen(app.services.plr, app.signed_in.actor, EMPTY)


SCREENS: list[tuple[str, Callable[[LrsDeskApp], Screen[None]] | str | None, set[str], set[str]]]
SCREENS = [
    ("home", None, set(), set()),
    ("find", "ctrl+f", {"Find a learner"}, {"Find by ULN", "Find by personal details"}),
    ("register", "ctrl+r", {"Register a learner"}, {"Register this learner", "Cancel"}),
    ("profile", _profile, set(), {"Edit this learner", "View this learner's PLR"}),
    ("plr", _plr, set(), {"PLR: report (PDF)", "PLR: organisation / desk view"}),
    ("queue", "ctrl+d", {"Data challenges"}, {"Queue: filter", "Queue: next sort"}),
    ("organisations", "ctrl+g", {"Find an organisation"}, {"Organisations: search"}),
]


@pytest.mark.parametrize(
    ("reach", "not_here", "own"), [s[1:] for s in SCREENS], ids=[s[0] for s in SCREENS]
)
async def test_every_action_the_role_allows_is_in_the_palette_on_every_screen(
    services: Services,
    clock: MovableClock,
    role: OperatorRole,
    role_operator: DeskOperator,
    reach: Callable[[LrsDeskApp], Screen[None]] | str | None,
    not_here: set[str],
    own: set[str],
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_home(pilot, role_operator, clock)
        if isinstance(reach, str):
            await pilot.press(reach)
        elif reach is not None:
            await app.push_screen(reach(app))
        await Keys.settle(pilot)
        titles = await palette_titles(pilot)

    expected = allowed(role) - not_here
    declared = {action.title for action in DESK_ACTIONS}
    assert expected <= set(titles)
    assert (declared & set(titles)) == expected  # nothing the role does not allow, here
    assert own <= set(titles)
    assert len(titles) == len(set(titles))  # each action once


async def test_home_lists_what_the_palette_offers_each_with_its_key(
    services: Services, clock: MovableClock, role: OperatorRole, role_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_home(pilot, role_operator, clock)
        keys = [str(label.content) for label in app.screen.query("#actions .key-name")]
        titles = [str(label.content) for label in app.screen.query("#actions .action")]
        in_palette = await palette_titles(pilot)
    declared = {action.title: action for action in DESK_ACTIONS}
    assert set(titles) == allowed(role)  # only what exists: no data challenges, no intake
    assert set(titles) <= set(in_palette)
    assert keys == [declared[title].key_label for title in titles]
    assert dict(zip(titles, keys, strict=True))["Find a learner"] == "ctrl+f"
    assert dict(zip(titles, keys, strict=True))["Register a learner"] == "ctrl+r"


@pytest.mark.parametrize("start", ["home", "find", "profile"])
async def test_typing_register_in_the_palette_finds_it_and_opens_the_form(
    services: Services, clock: MovableClock, agent: object, start: str
) -> None:
    # Issue 10 item 5: "register" found nothing at home, though home listed it.
    with services.db.transaction() as session:
        plr_learners(session)
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_home(pilot, AGENT, clock)
        if start == "find":
            await pilot.press("ctrl+f")
            await Keys.settle(pilot)
            await Keys.fill(pilot, "#given", "Carys")
        elif start == "profile":
            await app.push_screen(_profile(app))
        await Keys.settle(pilot)
        await pilot.press("ctrl+p")
        await Keys.type(pilot, "register")
        await pilot.pause(0.2)
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        first = palette.query_one(CommandList).options[0]
        assert str(first.hit.text) == "Register a learner"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert isinstance(app.screen, LearnerFormScreen) and app.screen.registering
        # From Find, with the details typed there.
        assert app.screen.fields.values()["given_name"] == ("Carys" if start == "find" else "")


async def test_register_from_find_starts_from_the_details_typed(
    services: Services, clock: MovableClock, agent: object
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_home(pilot, AGENT, clock)
        await pilot.press("ctrl+f")
        await Keys.settle(pilot)
        await Keys.fill(pilot, "#given", "Carys")
        await pilot.press("ctrl+r")
        await Keys.settle(pilot)
        assert isinstance(app.screen, LearnerFormScreen)
        assert app.screen.fields.values()["given_name"] == "Carys"


async def test_an_action_the_role_does_not_allow_appears_nowhere(
    services: Services,
    clock: MovableClock,
    monkeypatch: pytest.MonkeyPatch,
    agent: object,
) -> None:
    # A role without REGISTER_LEARNER (none has lost it yet; the declaration must follow
    # the core's roles whatever they become): no palette command, no line on home, no key,
    # nothing in the footer.
    monkeypatch.setitem(
        ROLE_PERMISSIONS,
        OperatorRole.AGENT,
        ROLE_PERMISSIONS[OperatorRole.AGENT] - {Permission.REGISTER_LEARNER},
    )
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_home(pilot, AGENT, clock)
        home_titles = [str(label.content) for label in app.screen.query("#actions .action")]
        assert "Register a learner" not in home_titles
        assert "Register a learner" not in await palette_titles(pilot)
        await pilot.press("ctrl+f")
        await Keys.settle(pilot)
        assert isinstance(app.screen, FindLearnerScreen)
        assert "Register a learner" not in await palette_titles(pilot)
        footer_keys = app.screen.active_bindings
        assert "ctrl+r" not in footer_keys
        await pilot.press("ctrl+r")
        await Keys.settle(pilot)
        assert isinstance(app.screen, FindLearnerScreen)


def test_the_apps_keys_are_the_declared_ones() -> None:
    # One declaration: the app's key bindings (so its footer) are made from it.
    bindings: dict[str, str] = {}
    for b in LrsDeskApp.BINDINGS:
        if isinstance(b, Binding):
            bindings.setdefault(b.key, b.action)  # the first: ctrl+q's second is hidden
    for action in DESK_ACTIONS:
        if action.key:
            assert bindings[action.key] == action.action
    assert FIND_LEARNER.key == "ctrl+f" and REGISTER_LEARNER.key == "ctrl+r"
