"""Find a learner by ULN in the app: DOMAIN.md "Learners and ULNs" (§4.2.3)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from factories import audit_log, learner
from textual.pilot import Pilot
from textual.widgets import Input, Static
from tui_drive import AMELIA, DeskOperator, Keys, add_twins, search_details, texts

from lrs_core.services import Services
from lrs_tui.app import LrsDeskApp
from lrs_tui.screens.find_learner import FindLearnerScreen
from lrs_tui.screens.home import HomeScreen
from lrs_tui.screens.learner_profile import LearnerProfileScreen
from lrs_tui.screens.plr import PlrScreen
from lrs_tui.widgets.candidate_table import CandidateTable
from lrs_tui.widgets.message_line import MessageLine

ULN = "9276308686"
SIZES = [(80, 24), (120, 40)]


def add_learner(services: Services) -> None:
    with services.db.transaction() as session:
        session.add(
            learner(
                ULN,
                "Siân",
                "O'Brien-Jones",
                middle_other_name="Ffion",
                preferred_given_name="Sia",
                address_line1="12 Elm Row",
                address_town="Cardiff",
                postcode="CF10 1AA",
                created_at=datetime(2024, 9, 2, 9, 30, tzinfo=UTC),
            )
        )


async def find(pilot: Pilot[None], uln: str, given: str, family: str) -> None:
    await pilot.press("ctrl+f")
    await Keys.settle(pilot)
    for text in (uln, given, family):
        await Keys.type(pilot, text)
        await pilot.press("enter")
    await Keys.settle(pilot)


async def test_find_by_uln_shows_the_learner(
    services: Services, desk_operator: DeskOperator
) -> None:
    add_learner(services)
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await find(pilot, ULN, "sian", "obrien jones")
        assert isinstance(app.screen, FindLearnerScreen)
        assert app.screen.query_one(MessageLine).text.startswith("WSRC0004")
        table = app.screen.query_one(CandidateTable)
        row = [cell.plain for cell in table.get_row_at(0)]
        assert row[:4] == [ULN, "Siân O'Brien-Jones", "14 Mar 2008", "CF10 1AA"]
        await pilot.press("enter")  # the results have the focus: open the profile
        await Keys.settle(pilot)
        assert isinstance(app.screen, LearnerProfileScreen)
        shown = "\n".join(texts(app, "#fields Label"))
        assert "Siân" in shown and "Ffion" in shown and "O'Brien-Jones" in shown
        await pilot.press("escape", "escape")
        await Keys.settle(pilot)
        assert isinstance(app.screen, HomeScreen)
    assert [e.action for e in audit_log(services, limit=2)] == ["view-learner", "find-by-uln"]


async def test_a_bad_check_digit_names_the_field(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await find(pilot, "9276308687", "Sian", "Jones")
        line = app.screen.query_one(MessageLine)
        assert line.text.startswith("ULN: check digit is wrong")
        assert app.screen.query_one("#uln", Input).has_focus
        assert not app.screen.query_one(CandidateTable).display


async def test_no_match_shows_nothing_of_anyone(
    services: Services, desk_operator: DeskOperator
) -> None:
    add_learner(services)
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await find(pilot, ULN, "Sean", "O'Brien-Jones")
        assert app.screen.query_one(MessageLine).text.startswith("WSRC0001")
        assert not app.screen.query_one(CandidateTable).display
        assert app.screen.query_one(CandidateTable).row_count == 0


async def test_weaker_candidates_show_apart_under_their_label(
    services: Services, desk_operator: DeskOperator
) -> None:
    # Issue 10 item 10: nothing plausible, so the results table stays empty and the weaker
    # candidates get a section of their own, labelled "not a match", that opens a profile.
    add_twins(services)
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await search_details(pilot, "Amelia", "Okoro", "2008-03-14", "2", "M14 5RT")
        screen = app.screen
        assert screen.query_one(MessageLine).text.startswith("WSRC0001")
        assert not screen.query_one("#results", CandidateTable).display
        weaker = screen.query_one("#weaker", CandidateTable)
        assert weaker.display and weaker.has_focus and weaker.row_count == 1
        title = str(screen.query_one("#weaker-title", Static).render())
        assert title == "Weaker candidates \u2014 not a match"
        # What to ask the caller is said once, in the message line above the section.
        assert "ask the caller for a previous family name" in screen.query_one(MessageLine).text
        assert str(screen.query_one("#reasons", Static).render()).startswith(AMELIA)
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert isinstance(app.screen, LearnerProfileScreen)


async def test_ctrl_f_from_a_profile_returns_to_the_search(
    services: Services, desk_operator: DeskOperator
) -> None:
    add_learner(services)
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await find(pilot, ULN, "Siân", "O'Brien-Jones")
        search = app.screen
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert isinstance(app.screen, LearnerProfileScreen)
        await pilot.press("p")  # the profile leads to the learner's PLR
        await Keys.settle(pilot)
        assert isinstance(app.screen, PlrScreen)
        await pilot.press("ctrl+f")
        await Keys.settle(pilot)
        assert app.screen is search  # the same search, its results still there
        assert app.screen.query_one(CandidateTable).row_count == 1


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_find_learner_snapshot(
    snap_compare,  # type: ignore[no-untyped-def]
    sqlite_services: Services,
    snapshot_operator: DeskOperator,
    size: tuple[int, int],
) -> None:
    add_learner(sqlite_services)

    async def drive(pilot: Pilot[None]) -> None:
        await Keys.reach_home(pilot, snapshot_operator)
        await find(pilot, ULN, "Siân", "O'Brien-Jones")
        Keys.stop_blinking(pilot)

    app = LrsDeskApp(sqlite_services, database_label="sqlite:///lrs-desk.sqlite3")
    assert snap_compare(app, terminal_size=size, run_before=drive)
