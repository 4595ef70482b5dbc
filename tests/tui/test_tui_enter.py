"""Enter in every form: it moves to the next empty required field, and submits (search, save,
sign in) from the form's last field or once no required field is empty (issue 10 item 1;
lrs_tui.widgets.ordered_input.enter_target). The form's own key submits whatever is filled."""

from __future__ import annotations

import pytest
from factories import audit_log
from textual.pilot import Pilot
from textual.widgets import Input
from tui_drive import AMELIA, DeskOperator, Keys, add_twins, search_details

from lrs_core.services import Services
from lrs_tui.app import LrsDeskApp
from lrs_tui.screens.agreement import AgreementScreen
from lrs_tui.screens.change_password import ChangePasswordScreen
from lrs_tui.screens.find_learner import FindLearnerScreen
from lrs_tui.screens.home import HomeScreen
from lrs_tui.screens.learner_form import LearnerFormScreen
from lrs_tui.screens.learner_profile import LearnerProfileScreen
from lrs_tui.screens.registered import RegisteredScreen
from lrs_tui.widgets.candidate_table import CandidateTable
from lrs_tui.widgets.message_line import MessageLine

SIZES = [(80, 24), (120, 40)]


def focused_id(app: LrsDeskApp) -> str | None:
    return app.screen.focused.id if app.screen.focused else None


def searches(services: Services) -> list[str]:
    return [e.action for e in audit_log(services, limit=5) if e.action.startswith("find-")]


async def open_find(pilot: Pilot[None], operator: DeskOperator) -> None:
    await Keys.reach_home(pilot, operator)
    await pilot.press("ctrl+f")
    await Keys.settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_enter_on_date_of_birth_moves_to_gender_instead_of_searching(
    services: Services, desk_operator: DeskOperator, size: tuple[int, int]
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=size) as pilot:
        await open_find(pilot, desk_operator)
        app.screen.query_one("#given").focus()
        await pilot.pause()
        for text in ("Ann", "Lee", "2001-02-03"):
            await Keys.type(pilot, text)
            await pilot.press("enter")
        await Keys.settle(pilot)
        assert focused_id(app) == "gender"
        assert app.screen.query_one(MessageLine).text == ""  # no "Gender: is required"
        assert searches(services) == []


async def test_a_choice_from_a_list_moves_on_to_the_next_empty_required_field(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_find(pilot, desk_operator)
        await Keys.fill(pilot, "#given", "Ann")
        await pilot.press("enter")
        await Keys.type(pilot, "Lee")
        await pilot.press("enter")
        await Keys.type(pilot, "3/2/2001")
        await pilot.press("enter")
        assert focused_id(app) == "gender"
        await pilot.press("enter")  # opens the list
        await Keys.type(pilot, "(2)")
        await pilot.press("enter")  # chooses Female, then on to the postcode
        await Keys.settle(pilot)
        assert focused_id(app) == "postcode" and searches(services) == []


async def test_the_details_form_searches_from_its_last_field_or_once_all_required_are_filled(
    services: Services, desk_operator: DeskOperator
) -> None:
    add_twins(services)
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        # Given ⏎ family ⏎ date ⏎ lands on Gender; then postcode ⏎ (the last field) searches.
        await search_details(pilot, "Amelia", "Clarke", "14/3/08", "2", "YO1 7HH")
        assert app.screen.query_one(MessageLine).text.startswith("WSRC0004")
        assert app.screen.query_one(CandidateTable).get_row_at(0)[0].plain == AMELIA
        # With every required field filled, Enter in any of them searches again.
        app.screen.query_one("#given").focus()
        await pilot.pause()
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert searches(services) == ["find-by-details", "find-by-details"]


async def test_the_uln_form_moves_on_then_finds(
    services: Services, desk_operator: DeskOperator
) -> None:
    add_twins(services)
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_find(pilot, desk_operator)
        await Keys.type(pilot, AMELIA)
        await pilot.press("enter")
        assert focused_id(app) == "uln-given"
        await Keys.type(pilot, "Amelia")
        await pilot.press("enter")
        assert focused_id(app) == "uln-family"
        await Keys.type(pilot, "Clarke")
        # Not from the last field: all three are filled, so Enter in the ULN finds.
        app.screen.query_one("#uln").focus()
        await pilot.pause()
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert app.screen.query_one(MessageLine).text.startswith("WSRC0004")
        assert searches(services) == ["find-by-uln"]


async def test_register_moves_to_the_empty_required_fields_then_registers(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await search_details(pilot, "Isla", "Lee", "3/8/08", "2", "CF10 3AT")
        await pilot.press("ctrl+r")  # the details typed are carried over
        await Keys.settle(pilot)
        assert isinstance(app.screen, LearnerFormScreen)
        assert app.screen.query_one("#f-date_of_birth", Input).value == "3/8/08"
        await Keys.type(pilot, "Dr")  # Title, then Enter skips every optional field
        await pilot.press("enter")
        assert focused_id(app) == "f-verification_type"
        await Keys.choose(pilot, "#f-verification_type", "1")
        await Keys.choose(pilot, "#f-ability_to_share", "1")
        # Every required field is filled: Enter in an optional one registers.
        await Keys.fill(pilot, "#f-address_line1", "4 Mill Lane")
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert isinstance(app.screen, RegisteredScreen)
    registered = [e for e in audit_log(services, limit=3) if e.action == "register-learner"]
    assert [e.outcome for e in registered] == ["ok"]


async def test_edit_saves_on_enter_and_shows_dates_in_the_house_style(
    services: Services, desk_operator: DeskOperator
) -> None:
    add_twins(services)
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await search_details(pilot, "Amelia", "Clarke", "14 Mar 2008", "2", "YO1 7HH")
        await pilot.press("enter")
        await Keys.settle(pilot)
        await pilot.press("e")
        await Keys.settle(pilot)
        assert app.screen.query_one("#f-date_of_birth", Input).value == "14 Mar 2008"
        await Keys.fill(pilot, "#f-address_town", "Leeds")
        await pilot.press("enter")  # every required field is filled: Enter saves
        await Keys.settle(pilot)
        assert isinstance(app.screen, LearnerProfileScreen)
        assert services.learners.show(app.signed_in.actor, AMELIA).address_town == "Leeds"  # type: ignore[union-attr]


async def test_sign_in_moves_to_an_empty_password_and_signs_in_once_both_are_typed(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.type(pilot, desk_operator.username)
        await pilot.press("enter")
        assert focused_id(app) == "password"
        await Keys.type(pilot, desk_operator.password)
        await pilot.press("shift+tab")  # back to the username, both filled: Enter signs in
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert isinstance(app.screen, AgreementScreen)


async def test_change_password_submits_once_all_three_are_filled(
    services: Services, otp_operator: DeskOperator
) -> None:
    new = "Quiet-Harbour-Lantern-71"
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, otp_operator)
        assert isinstance(app.screen, ChangePasswordScreen)
        await Keys.type(pilot, otp_operator.password)
        await pilot.press("enter")
        assert focused_id(app) == "new"
        for selector, text in (("#new", new), ("#confirm", new)):
            await Keys.fill(pilot, selector, text)
        app.screen.query_one("#current").focus()
        await pilot.pause()
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_the_footer_names_what_ctrl_t_does_now(
    services: Services, desk_operator: DeskOperator
) -> None:
    # Issue 10 item 8: the footer said "More" while the form showed fewer fields.
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_find(pilot, desk_operator)
        screen = app.screen
        assert isinstance(screen, FindLearnerScreen)

        def footer_says() -> str:
            return screen.active_bindings["ctrl+t"].binding.description

        assert footer_says() == "More"
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert screen.query_one("#more").label.plain == "Fewer fields"  # type: ignore[attr-defined]
        assert footer_says() == "Fewer"
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert footer_says() == "More"
        await pilot.click("#more")
        await pilot.pause()
        assert footer_says() == "Fewer"
