"""Find by personal details, the learner profile, register and edit, driven as an operator
would: DOMAIN.md "Learners and ULNs" (§4.2.1 find, §4.2.2 register, §4.2.4 possible match
and identical key data, Appendix C updating)."""

from __future__ import annotations

from factories import desk_admin
from sqlalchemy import func, select
from textual.command import CommandPalette
from textual.widgets import Input, Static
from tui_drive import AMELIA, AVA, DeskOperator, Keys, add_twins, search_details, texts

from lrs_core.db.models import Learner
from lrs_core.services import Services
from lrs_tui.app import LrsDeskApp
from lrs_tui.screens.find_learner import FindLearnerScreen
from lrs_tui.screens.learner_form import LearnerFormScreen
from lrs_tui.screens.learner_profile import LearnerProfileScreen
from lrs_tui.screens.possible_matches import PossibleMatchesScreen
from lrs_tui.screens.registered import RegisteredScreen
from lrs_tui.widgets.candidate_table import CandidateTable
from lrs_tui.widgets.message_line import MessageLine


def message(app: LrsDeskApp) -> str:
    return app.screen.query_one(MessageLine).text


def field(app: LrsDeskApp, name: str) -> Input:
    return app.screen.query_one(f"#f-{name}", Input)


async def test_find_by_details_then_profile_edit_and_save(
    services: Services, desk_operator: DeskOperator
) -> None:
    add_twins(services)
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await search_details(pilot, "amelia", "CLARKE", "2008-03-14", "2", "yo17hh")
        assert message(app).startswith("WSRC0004 Exact match")
        table = app.screen.query_one(CandidateTable)
        assert table.has_focus  # straight to the results: Enter opens the first
        assert [table.get_row_at(i)[0].plain for i in range(table.row_count)] == [AMELIA, AVA]
        assert table.get_row_at(0)[4].plain == "100%"
        reasons = str(app.screen.query_one("#reasons", Static).content)
        assert reasons.startswith(f"{AMELIA}: exact: given name, family name")

        await pilot.press("down")  # the twin: her reasons show what differs
        assert "different: given name" in str(app.screen.query_one("#reasons", Static).content)
        await pilot.press("up", "enter")
        await Keys.settle(pilot)
        assert isinstance(app.screen, LearnerProfileScreen)
        shown = texts(app, "#fields Label")
        assert "Mon 2 Sep 2024, 10:30 by Northgate College" in shown
        assert "14 Mar 2008" in shown and "York" in shown

        await pilot.press("e")
        await Keys.settle(pilot)
        assert isinstance(app.screen, LearnerFormScreen)
        assert field(app, "given_name").value == "Amelia"
        await Keys.fill(pilot, "#f-address_town", "Leeds")
        await pilot.press("ctrl+s")
        await Keys.settle(pilot)

        assert isinstance(app.screen, LearnerProfileScreen)  # refreshed
        assert app.screen.profile is not None
        assert app.screen.profile.record.address_town == "Leeds"
        assert app.screen.profile.record.amended_by == desk_operator.username
        assert "changed Town" in texts(app, "#changes Label")
    saved = services.learners.show(desk_admin(services), AMELIA)
    assert (saved.address_town, saved.address_line1) == ("Leeds", "4 Mill Lane")


async def test_register_after_confirming_the_possible_matches(
    services: Services, desk_operator: DeskOperator
) -> None:
    add_twins(services)
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        # A third sister: nobody has her name, but two learners share her birthday and home.
        await search_details(pilot, "Isla", "Clarke", "2008-03-14", "2", "YO1 7HH")
        assert message(app).startswith("WSRC0003")

        await pilot.press("ctrl+r")
        await Keys.settle(pilot)
        assert isinstance(app.screen, LearnerFormScreen)
        # Prefilled from the search the operator just made.
        assert field(app, "given_name").value == "Isla"
        assert field(app, "postcode").value == "YO1 7HH"
        await Keys.choose(pilot, "#f-ability_to_share", "1")
        await Keys.choose(pilot, "#f-verification_type", "2")
        await pilot.press("ctrl+s")
        await Keys.settle(pilot)

        modal = app.screen
        assert isinstance(modal, PossibleMatchesScreen)
        warning = str(modal.query_one("#warning", Static).content)
        assert warning.startswith("Please confirm by selecting Register learner")
        ulns = {modal.query_one(CandidateTable).get_row_at(i)[0].plain for i in range(2)}
        assert ulns == {AMELIA, AVA}
        assert modal.focused is not None and modal.focused.id == "cancel"  # the safe choice
        await pilot.press("shift+tab", "enter")  # "Register learner"
        await Keys.settle(pilot)

        assert isinstance(app.screen, RegisteredScreen)
        uln = app.screen.uln
        assert str(app.screen.query_one("#uln", Static).content) == f"ULN {uln}"
        await pilot.press("c")
        assert app.clipboard == uln
        await pilot.press("enter")  # Open profile
        await Keys.settle(pilot)
        assert isinstance(app.screen, LearnerProfileScreen)
        assert app.screen.uln == uln
    registered = services.learners.show(desk_admin(services), uln)
    assert (registered.given_name, registered.created_by) == ("Isla", desk_operator.username)


async def test_cancelling_the_possible_match_check_registers_nobody(
    services: Services, desk_operator: DeskOperator
) -> None:
    add_twins(services)
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await search_details(pilot, "Isla", "Clarke", "2008-03-14", "2", "YO1 7HH")
        await pilot.press("ctrl+r")
        await Keys.settle(pilot)
        await Keys.choose(pilot, "#f-ability_to_share", "1")
        await Keys.choose(pilot, "#f-verification_type", "0")
        await pilot.press("ctrl+s")
        await Keys.settle(pilot)
        assert isinstance(app.screen, PossibleMatchesScreen)
        await pilot.press("enter")  # Cancel has the focus
        await Keys.settle(pilot)
        assert isinstance(app.screen, LearnerFormScreen)
        assert message(app).startswith("Not registered")
    with services.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Learner)) == 2


async def test_identical_key_data_is_refused_with_wsrc0021(
    services: Services, desk_operator: DeskOperator
) -> None:
    add_twins(services)
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await search_details(pilot, "Ava", "Clarke", "2008-03-14", "2", "YO1 7HH")
        await pilot.press("ctrl+r")
        await Keys.settle(pilot)
        await Keys.choose(pilot, "#f-ability_to_share", "1")
        await Keys.choose(pilot, "#f-verification_type", "2")
        await pilot.press("ctrl+s")
        await Keys.settle(pilot)
        assert isinstance(app.screen, LearnerFormScreen)
        assert message(app).startswith("WSRC0021 Register Learner not allowed")
        assert AVA in message(app)


async def test_a_stale_edit_keeps_the_operators_edits_and_lists_the_changes(
    services: Services, desk_operator: DeskOperator
) -> None:
    add_twins(services)
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await search_details(pilot, "Amelia", "Clarke", "2008-03-14", "2", "YO1 7HH")
        await pilot.press("enter")
        await Keys.settle(pilot)
        await pilot.press("e")
        await Keys.settle(pilot)
        await Keys.fill(pilot, "#f-address_town", "Leeds")

        # Meanwhile another operator moves her to a new address line.
        opened = services.learners.show(desk_admin(services), AMELIA)
        services.learners.update(desk_admin(services), opened, {"address_line1": "9 New Road"})

        await pilot.press("ctrl+s")
        await Keys.settle(pilot)
        assert isinstance(app.screen, LearnerFormScreen)
        assert "changed this learner after you opened it; nothing was saved" in message(app)
        assert field(app, "address_town").value == "Leeds"  # the edit is still there
        changes = texts(app, "#changes Label")
        assert changes[3:] == ["Address line 1", "4 Mill Lane", "9 New Road"]

        await pilot.press("ctrl+r")  # reload: the learner as it is now, edits on top
        await Keys.settle(pilot)
        assert field(app, "address_line1").value == "9 New Road"
        assert field(app, "address_town").value == "Leeds"
        await pilot.press("ctrl+s")
        await Keys.settle(pilot)
        assert isinstance(app.screen, LearnerProfileScreen)
    saved = services.learners.show(desk_admin(services), AMELIA)
    assert (saved.address_line1, saved.address_town) == ("9 New Road", "Leeds")


async def test_an_edit_to_a_twins_key_data_is_refused(
    services: Services, desk_operator: DeskOperator
) -> None:
    add_twins(services)
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await search_details(pilot, "Ava", "Clarke", "2008-03-14", "2", "YO1 7HH")
        await pilot.press("enter")
        await Keys.settle(pilot)
        await pilot.press("e")
        await Keys.settle(pilot)
        await Keys.fill(pilot, "#f-given_name", "Amelia")
        await pilot.press("ctrl+s")
        await Keys.settle(pilot)
        assert isinstance(app.screen, LearnerFormScreen)
        assert message(app).startswith("WSRC0021 Learner update not allowed")
        assert f"Identical to ULN {AMELIA}" in message(app)


async def test_bad_input_names_the_field_and_focuses_it(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await search_details(pilot, "Amelia", "Clarke", "2008-02-30", "2", "YO1 7HH")
        assert isinstance(app.screen, FindLearnerScreen)
        assert message(app).startswith("Date of birth: ")
        assert app.screen.query_one("#dob", Input).has_focus

        # Several bad fields: every one is named, the first has the focus.
        await Keys.fill(pilot, "#dob", "2008-03-14")
        await Keys.fill(pilot, "#given", "Am3lia")
        await Keys.fill(pilot, "#postcode", "NOT A POSTCODE")
        await pilot.press("enter")
        await Keys.settle(pilot)
        lines = message(app).splitlines()
        assert [line.split(":")[0] for line in lines] == ["Given name", "Postcode"]
        assert app.screen.query_one("#given", Input).has_focus
        assert app.screen.query_one("#postcode", Input).has_class("-invalid")
        assert not app.screen.query_one(CandidateTable).display

        # An optional field at fault behind "More fields" (80 columns): shown and focused.
        await Keys.fill(pilot, "#given", "Amelia")
        await Keys.fill(pilot, "#postcode", "YO1 7HH")
        await pilot.press("ctrl+t")
        await Keys.fill(pilot, "#email", "none")
        await pilot.press("ctrl+t")
        assert not app.screen.has_class("-more")  # hidden again
        await Keys.fill(pilot, "#postcode", "YO1 7HH")
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert message(app).startswith("Email: ")
        assert app.screen.has_class("-more")
        assert app.screen.query_one("#email", Input).has_focus


async def test_the_register_form_checks_each_field_as_it_is_typed(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await pilot.press("ctrl+f")
        await Keys.settle(pilot)
        await pilot.press("ctrl+r")
        await Keys.settle(pilot)
        assert app.screen.query_one("#f-title", Input).has_focus
        await Keys.fill(pilot, "#f-given_name", "Isla9")
        error = app.screen.query_one("#error-given_name", Static)
        assert str(error.content).startswith("Given name: ")
        assert error.has_class("-shown")
        await pilot.press("backspace")
        assert not error.has_class("-shown")

        await Keys.fill(pilot, "#f-email", "none")
        assert str(app.screen.query_one("#error-email", Static).content).startswith("Email: ")
        # Other needs a description from a trusted third party (Appendix D).
        await Keys.choose(pilot, "#f-verification_type", "999")
        other = app.screen.query_one("#error-other_verification_description", Static)
        assert other.has_class("-shown")
        await Keys.fill(pilot, "#f-other_verification_description", "ILR")
        assert "not an accepted description" in str(other.content)

        # Submitting names every field still wrong, under each one.
        await pilot.press("ctrl+s")
        await Keys.settle(pilot)
        assert message(app) == (
            "7 fields to correct: Family name, Date of birth, Gender, Email, Postcode,"
            " Other verification description, Ability to share"  # top to bottom, as shown
        )
        labels = texts(app, ".field-error.-shown")
        assert any(text.startswith("Family name: is required") for text in labels)
        assert app.screen.focused is not None
        assert app.screen.focused.id == "f-family_name"  # the first, in form order

        # One stray escape does not throw the typing away; a second one does.
        await pilot.press("escape")
        assert isinstance(app.screen, LearnerFormScreen)
        assert message(app).startswith("You have changes that are not saved")
        await pilot.press("escape")
        await Keys.settle(pilot)
        assert isinstance(app.screen, FindLearnerScreen)


def test_profile_rows_cover_every_field(services: Services) -> None:
    from lrs_core.domain.learner_fields import FIELDS
    from lrs_tui.screens.learner_profile import record_rows

    add_twins(services)
    record = services.learners.show(desk_admin(services), AMELIA)
    labels = [label for label, _ in record_rows(record)]
    assert [spec.label for spec in FIELDS if spec.label not in labels] == []
    assert {"Created", "Last amended", "Linked ULNs"} <= set(labels)


async def test_keys_typed_in_one_burst_land_in_the_fields_they_were_typed_for(
    services: Services, desk_operator: DeskOperator
) -> None:
    # A fast typist over SSH: Tab and Enter move on before the keys queued behind them.
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await pilot.press("ctrl+f")
        await Keys.settle(pilot)
        app.screen.query_one("#given").focus()
        await pilot.pause()
        # Editing keys keep their place too (Textual runs bound keys late: issue #6605).
        await Keys.burst(pilot, "Adma\x7f\x7fam\tChiah\r1968-03-24")
        typed = [app.screen.query_one(f"#{name}", Input).value for name in ("given", "family")]
        assert typed == ["Adam", "Chiah"]
        assert app.screen.query_one("#dob", Input).value == "1968-03-24"

        await pilot.press("ctrl+r")
        await Keys.settle(pilot)
        assert field(app, "title").has_focus
        await Keys.burst(pilot, "Dr\tIsla\tIz\x15Izzy")
        assert [field(app, name).value for name in ("title", "preferred_given_name")] == [
            "Dr",
            "Izzy",
        ]


async def test_find_from_a_form_with_unsaved_changes_asks_before_dropping_them(
    services: Services, desk_operator: DeskOperator
) -> None:
    add_twins(services)
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await search_details(pilot, "Amelia", "Clarke", "2008-03-14", "2", "YO1 7HH")
        await pilot.press("enter")
        await Keys.settle(pilot)
        await pilot.press("e")
        await Keys.settle(pilot)
        await Keys.fill(pilot, "#f-address_town", "Leeds")
        await pilot.press("ctrl+f")  # from inside a field: Find, not Input's delete-word
        await Keys.settle(pilot)
        assert isinstance(app.screen, LearnerFormScreen)
        assert field(app, "address_town").value == "Leeds"
        assert message(app) == (
            "You have changes that are not saved: press ctrl+f again to leave without them."
        )
        await pilot.press("escape")  # a different key: asked again
        assert message(app).endswith("press escape again to leave without them.")
        await pilot.press("s")  # an edit (Leedss) withdraws the warning: escape asks again
        await pilot.press("escape")
        assert isinstance(app.screen, LearnerFormScreen)
        await pilot.press("backspace")
        await pilot.press("ctrl+p")  # Find never reaches past a dialog or the palette
        await pilot.press("ctrl+f")
        await Keys.settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape")
        await Keys.settle(pilot)
        await pilot.press("ctrl+o")  # signing out (or quitting) asks the same
        await Keys.settle(pilot)
        assert isinstance(app.screen, LearnerFormScreen)
        assert message(app).endswith("press ctrl+o again to leave without them.")
        await pilot.press("ctrl+f", "ctrl+f")
        await Keys.settle(pilot)
        assert isinstance(app.screen, FindLearnerScreen)
    assert services.learners.show(desk_admin(services), AMELIA).address_town == "York"
