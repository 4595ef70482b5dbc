"""Raising a data challenge from the TUI (issue 11 items 1 and 7), driven as an operator would:
a ULN problem from the learner's profile (User Guide §6.2), a problem with qualifications from
the PLR (§6.3), and the problems that are not challenges (§6.1), each pinned to DOMAIN.md
"Data challenges". Snapshots at 80x24 and 120x40 of the ULN form (a duplicate whose key data
differ) and the event form (two events ticked). Look at a changed SVG before accepting it."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from factories import (
    DUP_MASTER,
    DUP_SECOND,
    MERGED_LINKED,
    MERGED_MASTER,
    SAME_AS_MASTER,
    TWIN_A,
    TWIN_B,
    audit_log,
    challenge_learners,
)
from sqlalchemy import select
from test_tui_80x24 import illegible
from test_tui_snapshots import SIZES, SnapCompare, desk_app, steady
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, SelectionList, Static
from tui_drive import DeskOperator, Keys

from lrs_core.actor import Actor
from lrs_core.db.models import DataChallenge
from lrs_core.domain.challenges import CURRENT_ILR_ADVICE, NotAChallenge
from lrs_core.domain.kinds import ChallengeStatus, ChallengeType
from lrs_core.services import Services
from lrs_tui.app import LrsDeskApp
from lrs_tui.screens.learner_form import LearnerFormScreen
from lrs_tui.screens.learner_profile import LearnerProfileScreen
from lrs_tui.screens.plr import PlrScreen
from lrs_tui.screens.plr_dialogs import OpenPlrScreen
from lrs_tui.screens.raise_challenge import (
    ETIQUETTE,
    ChallengeRaisedScreen,
    ChoiceSelect,
    RaiseChallengeScreen,
    type_choices,
)
from lrs_tui.widgets.message_line import MessageLine
from lrs_tui.widgets.row_table import RowTable

Drive = Callable[[Pilot[None]], Awaitable[None]]
HOSTILE = {
    entry["name"]: entry["text"]
    for entry in json.loads((Path(__file__).parents[1] / "data" / "hostile-text.json").read_text())
}
# Refused (a terminal control, a bidi override, an invisible space) and kept (a line feed:
# comments are multi-line).
COMMENTS = ("osc-title", "bidi-rlo", "zero-width", "newline-forgery")
AGENT = DeskOperator("kim.lee", "Desk-Shift-2026", "kim.lee")


@pytest.fixture
def events(services: Services) -> dict[str, int]:
    with services.db.transaction() as session:
        return challenge_learners(session)


@pytest.fixture
def snapshot_events(sqlite_services: Services) -> dict[str, int]:
    with sqlite_services.db.transaction() as session:
        return challenge_learners(session)


# -- driving -----------------------------------------------------------------------------------


async def wait_for(pilot: Pilot[None], ready: Callable[[], bool]) -> None:
    """Wait (a pilot pause at a time, never a sleep) until a worker's result is on screen."""
    for _ in range(200):
        if ready():
            break
        await pilot.pause(0.02)
    await Keys.settle(pilot)


async def open_profile(pilot: Pilot[None], uln: str, given: str, family: str) -> None:
    """ctrl+f, find by ULN and names, Enter on the one result: the profile, loaded."""
    await pilot.press("ctrl+f")
    await Keys.settle(pilot)
    await Keys.fill(pilot, "#uln", uln)
    await pilot.press("enter")
    await Keys.type(pilot, given)
    await pilot.press("enter")
    await Keys.type(pilot, family)
    await pilot.press("enter")
    await Keys.settle(pilot)
    await pilot.press("enter")
    app = pilot.app
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, LearnerProfileScreen) and app.screen.profile is not None,
    )


async def open_plr(pilot: Pilot[None], uln: str) -> None:
    """The palette's "Open a PLR by ULN"."""
    await pilot.press("ctrl+p")
    await Keys.type(pilot, "Open a PLR")
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, OpenPlrScreen)
    await Keys.type(pilot, uln)
    await pilot.press("enter")
    await Keys.settle(pilot)
    assert isinstance(pilot.app.screen, PlrScreen)


async def choose_type(pilot: Pilot[None], value: str) -> None:
    """Open the type list and move down to ``value`` with the arrow keys, then Enter."""
    screen = pilot.app.screen
    assert isinstance(screen, RaiseChallengeScreen)
    values = [v for _, v in type_choices(screen.kind)]
    screen.query_one("#f-type").focus()
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    await pilot.press("home", *["down"] * (values.index(value) + 1))  # from the prompt
    await pilot.press("enter")
    await Keys.settle(pilot)


async def fill_raiser(pilot: Pilot[None], comments: str = "") -> None:
    await Keys.fill(pilot, "#f-raiser_name", "R. Patel")
    await Keys.fill(pilot, "#f-raiser_email", "r.patel@northgate.example.org")
    await Keys.fill(pilot, "#f-raiser_phone", "0113 496 0000")
    if comments:
        await Keys.fill(pilot, "#f-comments", comments)


def message(app: LrsDeskApp) -> str:
    return app.screen.query_one(MessageLine).text


def error_under(app: LrsDeskApp, key: str) -> str:
    return str(app.screen.query_one(f"#error-{key}", Static).content)


def challenges_of(services: Services, uln: str) -> list[DataChallenge]:
    with services.db.transaction(read_only=True) as session:
        rows = session.execute(select(DataChallenge).order_by(DataChallenge.id)).scalars()
        return [c for c in rows if c.reference.startswith(f"DC-{uln}-")]


async def raise_duplicate_up_to_differences(pilot: Pilot[None]) -> None:
    """From the master's profile: d, a duplicate ULN, the other ULN typed (found, compared)."""
    await open_profile(pilot, DUP_MASTER, "Priya", "Shah")
    await pilot.press("d")
    await Keys.settle(pilot)
    await choose_type(pilot, str(ChallengeType.DUPLICATE_ULN))
    await Keys.type(pilot, DUP_SECOND)  # Enter's rule moved the focus to the other ULN
    screen = pilot.app.screen
    await wait_for(pilot, lambda: bool(screen.query_one("#differences").display))


# -- the learner's profile: ULN problems (§6.2) -------------------------------------------------


@pytest.mark.usefixtures("events")
async def test_a_duplicate_uln_shows_the_differences_requires_a_reason_and_gives_the_reference(
    services: Services, desk_operator: DeskOperator
) -> None:
    """DOMAIN.md "Data challenges": a duplicate names both ULNs and the master, and says why
    when their data differ; every challenge gets a reference containing the ULN (§6.2)."""
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await raise_duplicate_up_to_differences(pilot)
        screen = app.screen
        assert isinstance(screen, RaiseChallengeScreen)
        grid = [str(label.content) for label in screen.query(".difference-cell")]
        assert "≠ Postcode" in grid and "LS6 2AB" in grid and "LS1 4DY" in grid
        assert "Family name" in grid and "≠ Family name" not in grid
        said = str(screen.query_one("#differences-text", Static).content)
        assert "Postcode: different (LS6 2AB / LS1 4DY)." in said  # the matching engine's level
        assert "Key data differ (postcode)" in said
        assert str(screen.query_one("#label-reason", Static).content) == "Reason *"
        await pilot.press("enter")  # the house rule: on to the next empty mandatory field
        assert screen.focused is screen.query_one("#f-reason")

        # Everything but the reason: the core refuses, naming it; nothing typed is lost.
        await fill_raiser(pilot, comments="Please merge the second ULN into the first.")
        await pilot.press("ctrl+s")
        await Keys.settle(pilot)
        assert isinstance(app.screen, RaiseChallengeScreen)
        assert "Reason: is required" in error_under(app, "reason")
        assert "postcode" in error_under(app, "reason")
        assert app.screen.focused is app.screen.query_one("#f-reason")
        assert app.screen.query_one("#f-other_uln", Input).value == DUP_SECOND
        assert app.screen.query_one("#f-raiser_name", Input).value == "R. Patel"
        assert challenges_of(services, DUP_MASTER) == []

        await Keys.type(pilot, "The learner moved from Leeds 1 to Leeds 6 in 2024.")
        await pilot.press("ctrl+s")
        await Keys.settle(pilot)
        assert isinstance(app.screen, ChallengeRaisedScreen), message(app)
        reference = app.screen.reference
        assert reference == f"DC-{DUP_MASTER}-0001"  # contains the ULN
        shown = " ".join(str(s.content) for s in app.screen.query(Static))
        assert ETIQUETTE in shown and f"Reference {reference}" in shown
        await pilot.press("c")
        assert app.clipboard == reference
        await pilot.press("escape")
        await Keys.settle(pilot)
        assert isinstance(app.screen, LearnerProfileScreen)

    [challenge] = challenges_of(services, DUP_MASTER)
    assert challenge.challenge_type is ChallengeType.DUPLICATE_ULN
    assert challenge.other_uln == DUP_SECOND and challenge.reason
    assert (challenge.raiser_name, challenge.raiser_phone) == ("R. Patel", "0113 496 0000")
    assert challenge.status is ChallengeStatus.OPEN


@pytest.mark.usefixtures("events")
async def test_the_master_may_be_the_other_uln_and_agreeing_key_data_need_no_reason(
    services: Services, desk_operator: DeskOperator
) -> None:
    """§6.1: which ULN is the master is the raiser's choice; a reason only when data differ."""
    app = LrsDeskApp(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await open_profile(pilot, DUP_MASTER, "Priya", "Shah")
        await pilot.press("d")
        await Keys.settle(pilot)
        await choose_type(pilot, str(ChallengeType.DUPLICATE_ULN))
        await Keys.type(pilot, SAME_AS_MASTER)
        screen = app.screen
        await wait_for(pilot, lambda: bool(screen.query_one("#differences").display))
        assert "agree: no reason needed" in str(
            screen.query_one("#differences-text", Static).content
        )
        assert str(screen.query_one("#label-reason", Static).content) == "Reason"
        screen.query_one("#f-master", ChoiceSelect).focus()
        await pilot.press("enter", "down", "enter")
        await Keys.settle(pilot)
        await fill_raiser(pilot)
        await pilot.press("ctrl+s")
        await Keys.settle(pilot)
        assert isinstance(app.screen, ChallengeRaisedScreen), message(app)
    [challenge] = challenges_of(services, DUP_MASTER)
    with services.db.transaction(read_only=True) as session:
        merged = session.get(DataChallenge, challenge.id)
        assert merged is not None and merged.master_learner_id == merged.other_learner_id


@pytest.mark.usefixtures("events")
async def test_possible_twins_are_flagged_before_a_duplicate_is_raised(
    services: Services, desk_operator: DeskOperator
) -> None:
    """Issue 11 item 4: the same family name, date of birth and postcode but different given
    names may be twins: the comparison says so before anyone asks for a merge."""
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await open_profile(pilot, TWIN_A, "Ella", "Moss")
        await pilot.press("d")
        await Keys.settle(pilot)
        await choose_type(pilot, str(ChallengeType.DUPLICATE_ULN))
        await Keys.type(pilot, TWIN_B)
        panel = app.screen.query_one("#differences")
        await wait_for(pilot, lambda: bool(panel.display))
        assert panel.has_class("-twins")
        said = str(app.screen.query_one("#differences-text", Static).content)
        assert said.startswith("Possible twins")
    compared = [e for e in audit_log(services, limit=10) if e.action == "compare-learners"]
    assert compared and compared[0].detail["other_uln"] == TWIN_B  # a look, audited


@pytest.mark.usefixtures("events")
async def test_a_de_merge_needs_a_linked_pair_and_a_reason(
    services: Services, desk_operator: DeskOperator
) -> None:
    """DOMAIN.md "Data challenges": a de-merge names both ULNs, which must be linked, and why."""
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await open_profile(pilot, DUP_MASTER, "Priya", "Shah")
        await pilot.press("d")
        await Keys.settle(pilot)
        await choose_type(pilot, str(ChallengeType.INCORRECTLY_MERGED))
        await Keys.type(pilot, MERGED_LINKED)
        await fill_raiser(pilot)
        await pilot.press("ctrl+s")
        await Keys.settle(pilot)
        # The reason first (the form's own rule), then the pair (the register's).
        assert "Reason: is required" in error_under(app, "reason")
        await Keys.fill(pilot, "#f-reason", "Two different people were merged in error.")
        await pilot.press("ctrl+s")
        await Keys.settle(pilot)
        assert "are not linked" in error_under(app, "other_uln")
        assert app.screen.focused is app.screen.query_one("#f-other_uln")
    assert challenges_of(services, DUP_MASTER) == []


@pytest.mark.parametrize("name", COMMENTS)
@pytest.mark.usefixtures("events")
async def test_hostile_comments_are_refused_or_kept(
    services: Services, desk_operator: DeskOperator, name: str
) -> None:
    """Text from outside passes the core's text rule (ARCHITECTURE.md, the text rule): a
    refusal names the comments and keeps what was pasted; text that passes is stored."""
    text = HOSTILE[name]
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await open_profile(pilot, DUP_MASTER, "Priya", "Shah")
        await pilot.press("d")
        await Keys.settle(pilot)
        await choose_type(pilot, str(ChallengeType.OTHER_ULN))
        await fill_raiser(pilot)
        app.screen.query_one("#f-comments", Input).value = text  # pasted, controls and all
        await pilot.press("ctrl+s")
        await Keys.settle(pilot)
        raised = challenges_of(services, DUP_MASTER)
        if isinstance(app.screen, RaiseChallengeScreen):
            assert raised == []
            assert error_under(app, "comments").startswith("Comments:")
            assert app.screen.query_one("#f-comments", Input).value == text
        else:
            assert isinstance(app.screen, ChallengeRaisedScreen)
            assert [c.comments for c in raised] == [text]
        assert (name == "newline-forgery") is (raised != [])


@pytest.mark.parametrize(
    "reason",
    [NotAChallenge.DATE_OF_BIRTH_WRONG, NotAChallenge.MISSING_QUALIFICATION],
    ids=["date-of-birth", "missing-qualification"],
)
@pytest.mark.usefixtures("events")
async def test_not_a_challenge_shows_the_guidance_instead_of_a_form(
    services: Services, desk_operator: DeskOperator, reason: NotAChallenge
) -> None:
    """§6.1: a missing qualification is for the awarding organisation; a name, address, date
    of birth or opt-out error the desk corrects itself by updating the learner."""
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await open_profile(pilot, DUP_MASTER, "Priya", "Shah")
        await pilot.press("d")
        await Keys.settle(pilot)
        await choose_type(pilot, str(reason))
        screen = app.screen
        assert isinstance(screen, RaiseChallengeScreen)
        assert screen.query_one("#guidance").display
        assert str(screen.query_one("#guidance-text", Static).content) == reason.guidance
        assert not screen.query_one("#row-raiser_name").display  # no form to fill
        assert not screen.query_one("#submit").display
        await pilot.press("ctrl+s")  # no raise is offered
        await Keys.settle(pilot)
        assert isinstance(app.screen, RaiseChallengeScreen)
        edit = screen.query_one("#edit")
        if reason is NotAChallenge.MISSING_QUALIFICATION:
            assert not edit.display
        else:
            assert edit.display
            await pilot.press("ctrl+e")
            await Keys.settle(pilot)
            assert isinstance(app.screen, LearnerFormScreen)
            assert app.screen.original is not None and app.screen.original.uln == DUP_MASTER
    assert challenges_of(services, DUP_MASTER) == []


@pytest.mark.usefixtures("events")
async def test_an_agent_can_raise_a_challenge(services: Services, agent: Actor) -> None:
    """Agents raise and read challenges (issue 11 item 7; permissions: RAISE_CHALLENGE)."""
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, AGENT)
        await open_profile(pilot, MERGED_MASTER, "Tom", "Hale")
        assert app.screen.check_action("raise_challenge", ()) is True
        await pilot.press("d")
        await Keys.settle(pilot)
        await choose_type(pilot, str(ChallengeType.DECEASED))
        assert "*" in str(app.screen.query_one("#label-comments", Static).content)
        await fill_raiser(pilot, comments="Death certificate seen by the college registrar.")
        await pilot.press("ctrl+s")
        await Keys.settle(pilot)
        assert isinstance(app.screen, ChallengeRaisedScreen), message(app)
        assert app.screen.reference == f"DC-{MERGED_MASTER}-0001"
    raised = [e for e in audit_log(services, limit=10) if e.action == "raise-challenge"]
    assert raised and raised[0].actor == "kim.lee" and raised[0].outcome == "ok"


@pytest.mark.usefixtures("events")
async def test_leaving_a_form_with_something_typed_asks_first(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await open_profile(pilot, DUP_MASTER, "Priya", "Shah")
        await pilot.press("d")
        await Keys.settle(pilot)
        await choose_type(pilot, str(ChallengeType.FICTITIOUS_ULN))
        await Keys.fill(pilot, "#f-raiser_name", "R. Patel")
        await pilot.press("escape")
        assert isinstance(app.screen, RaiseChallengeScreen)
        assert "press escape again" in message(app)
        await pilot.press("escape")
        await Keys.settle(pilot)
        assert isinstance(app.screen, LearnerProfileScreen)


# -- the PLR: event problems (§6.3) ------------------------------------------------------------


async def raise_from_plr(pilot: Pilot[None], on_event: int, kind: ChallengeType) -> None:
    """The PLR, the cursor on ``on_event``, d, and the type."""
    await open_plr(pilot, DUP_MASTER)
    plr = pilot.app.screen
    assert isinstance(plr, PlrScreen)
    index = [e.id for e in plr._shown].index(on_event)
    plr.query_one(RowTable).cursor = index
    await pilot.press("d")
    await Keys.settle(pilot)
    assert isinstance(pilot.app.screen, RaiseChallengeScreen)
    await choose_type(pilot, str(kind))


def challenged(app: LrsDeskApp) -> set[str]:
    """The subjects the PLR marks ⚑ (under a data challenge)."""
    rows = app.screen.query_one(RowTable).rows
    return {row[0].split("⚑ ", 1)[1] for row in rows if "⚑" in row[0]}


async def test_two_events_that_appear_twice_are_challenged_and_marked_in_the_plr(
    services: Services, desk_operator: DeskOperator, events: dict[str, int]
) -> None:
    """§6.3.3: exactly two qualifications, and the check that neither is a participation
    record; the events under the challenge are marked ⚑ in the PLR (§5)."""
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await raise_from_plr(pilot, events["maths"], ChallengeType.EVENT_DUPLICATED)
        form = app.screen
        ticks = form.query_one("#f-events", SelectionList)
        assert list(ticks.selected) == [events["maths"]]  # the event the cursor was on
        await fill_raiser(pilot, comments="Uploaded twice by the awarding body.")
        await pilot.press("ctrl+s")
        await Keys.settle(pilot)
        assert "select exactly two" in error_under(app, "events")
        assert "Participation check" in error_under(app, "participation")
        assert form.focused is ticks

        ticks.select(events["maths-again"])
        form.query_one("#f-participation", Checkbox).focus()
        await pilot.press("space")
        await pilot.press("ctrl+s")
        await Keys.settle(pilot)
        assert isinstance(app.screen, ChallengeRaisedScreen), message(app)
        await pilot.press("escape")
        await Keys.settle(pilot)
        assert isinstance(app.screen, PlrScreen)
        assert challenged(app) == {"Mathematics"}
        marked = [r for r in app.screen.query_one(RowTable).rows if "⚑" in r[0]]
        assert len(marked) == 2
    [challenge] = challenges_of(services, DUP_MASTER)
    assert challenge.not_participation_confirmed


async def test_information_wrong_on_the_current_ilr_return_shows_the_advice_at_once(
    services: Services, desk_operator: DeskOperator, events: dict[str, int]
) -> None:
    """§6.1: no "information wrong" challenge on a qualification in the current ILR return;
    the next full return corrects it. Another event proposes a new grade and is raised."""
    app = LrsDeskApp(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await raise_from_plr(pilot, events["ilr-now"], ChallengeType.EVENT_INFORMATION_WRONG)
        assert CURRENT_ILR_ADVICE in error_under(app, "events")
        await Keys.fill(pilot, "#f-proposed_grade", "Merit")
        await fill_raiser(pilot)
        await pilot.press("ctrl+s")
        await Keys.settle(pilot)
        assert isinstance(app.screen, RaiseChallengeScreen)
        assert CURRENT_ILR_ADVICE in error_under(app, "events")  # the core refuses it too
        assert challenges_of(services, DUP_MASTER) == []

        ticks = app.screen.query_one("#f-events", SelectionList)
        ticks.deselect(events["ilr-now"])
        ticks.select(events["english"])
        await pilot.pause()
        assert error_under(app, "events") == ""
        await pilot.press("ctrl+s")
        await Keys.settle(pilot)
        assert isinstance(app.screen, ChallengeRaisedScreen), message(app)
    [challenge] = challenges_of(services, DUP_MASTER)
    assert challenge.proposed_grade == "Merit"


async def test_a_transfer_names_the_target_learner(
    services: Services, desk_operator: DeskOperator, events: dict[str, int]
) -> None:
    """§6.3.2: a transfer names the ULN and the learner it belongs to, which must match."""
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await raise_from_plr(pilot, events["english"], ChallengeType.EVENT_NOT_BELONGING)
        form = app.screen
        assert not form.query_one("#row-target_uln").display
        form.query_one("#f-event_action", ChoiceSelect).focus()
        await pilot.press("enter", "down", "down", "down", "enter")  # transfer
        await Keys.settle(pilot)
        assert form.query_one("#row-target_uln").display
        assert app.screen.focused is form.query_one("#f-target_uln")  # Enter's rule
        await Keys.type(pilot, "1000000094")
        await Keys.fill(pilot, "#f-target_given_name", "John")
        await Keys.fill(pilot, "#f-target_family_name", "Smith")
        await fill_raiser(pilot)
        await pilot.press("ctrl+s")
        await Keys.settle(pilot)
        assert "does not match the learner" in error_under(app, "target_given_name")
        await Keys.fill(pilot, "#f-target_given_name", "Jon")
        await pilot.press("ctrl+s")
        await Keys.settle(pilot)
        assert isinstance(app.screen, ChallengeRaisedScreen), message(app)
    [challenge] = challenges_of(services, DUP_MASTER)
    assert challenge.target_name == "Jon Smith"


@pytest.mark.usefixtures("events")
async def test_the_palette_offers_raising_on_the_profile_and_the_plr(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(100, 30)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await open_profile(pilot, DUP_MASTER, "Priya", "Shah")
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Raise a ULN challenge" in titles
        await open_plr(pilot, DUP_MASTER)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Raise an event challenge" in titles


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_the_forms_are_legible_on_dark_and_light_terminals(
    services: Services, desk_operator: DeskOperator, events: dict[str, int], size: tuple[int, int]
) -> None:
    """Theme variables only (ARCHITECTURE.md, the desk's colours): no line or letter of the
    forms, their messages, the guidance or the reference in a colour a background hides."""
    app = LrsDeskApp(services)
    seen: list[str] = []

    async def look(where: str) -> None:
        await Keys.settle(pilot)
        Keys.stop_blinking(pilot)
        seen.extend(f"{where}: {found}" for found in illegible(app))

    async with app.run_test(size=size) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await raise_duplicate_up_to_differences(pilot)
        await look("duplicate with differences")
        await fill_raiser(pilot)
        await pilot.press("ctrl+s")
        await look("reason refused")
        await choose_type(pilot, str(NotAChallenge.NAME_WRONG))
        await look("not a challenge")
        await choose_type(pilot, str(ChallengeType.OTHER_ULN))
        await Keys.fill(pilot, "#f-comments", "The ULN was issued to a test record.")
        await pilot.press("ctrl+s")
        await look("raised")
        await pilot.press("escape")
        await Keys.settle(pilot)
        await pilot.press("escape")  # the profile, then the find screen
        await Keys.settle(pilot)
        await raise_from_plr(pilot, events["ilr-now"], ChallengeType.EVENT_INFORMATION_WRONG)
        await look("event form with the ILR advice")
    assert seen == []


# -- snapshots ---------------------------------------------------------------------------------


def check(
    snap_compare: SnapCompare,
    services: Services,
    operator: DeskOperator,
    size: tuple[int, int],
    then: Drive,
) -> bool:
    async def drive(pilot: Pilot[None]) -> None:
        await Keys.reach_home(pilot, operator)
        await then(pilot)

    return snap_compare(desk_app(services), terminal_size=size, run_before=steady(drive))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.usefixtures("snapshot_events")
def test_uln_raise_form_duplicate_with_differences(
    snap_compare: SnapCompare,
    sqlite_services: Services,
    snapshot_operator: DeskOperator,
    size: tuple[int, int],
) -> None:
    assert check(
        snap_compare, sqlite_services, snapshot_operator, size, raise_duplicate_up_to_differences
    )


@pytest.mark.parametrize("size", SIZES)
def test_event_raise_form_two_events_ticked(
    snap_compare: SnapCompare,
    sqlite_services: Services,
    snapshot_operator: DeskOperator,
    snapshot_events: dict[str, int],
    size: tuple[int, int],
) -> None:
    async def then(pilot: Pilot[None]) -> None:
        await raise_from_plr(pilot, snapshot_events["maths"], ChallengeType.EVENT_DUPLICATED)
        pilot.app.screen.query_one("#f-events", SelectionList).select(
            snapshot_events["maths-again"]
        )
        await Keys.settle(pilot)

    assert check(snap_compare, sqlite_services, snapshot_operator, size, then)
