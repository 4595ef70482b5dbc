"""LRS Desk at 80x24 in a 16-colour terminal (the desk's SSH sessions): every screen shows its
essential information whole, and the default theme stays legible on a dark and on a light
terminal background. What is checked here is what the operator sees: the rendered cells."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from datetime import date

import pytest
from factories import SIAN, event, learner, plr_learners
from rich.segment import Segment
from sqlalchemy import select
from test_tui_snapshots import SIZES, desk_app, steady
from textual.pilot import Pilot
from textual.widgets import Footer, Input, Select, Static
from textual.widgets._select import SelectOverlay
from tui_drive import DeskOperator, Keys, search_details

from lrs_core.db.models import Learner
from lrs_core.domain.values import make_uln
from lrs_core.services import Services
from lrs_tui.app import LrsDeskApp
from lrs_tui.screens import plr
from lrs_tui.screens.learner_form import LearnerFormScreen
from lrs_tui.screens.possible_matches import PossibleMatchesScreen
from lrs_tui.theme import THEME_NAME
from lrs_tui.widgets.learner_fields import LearnerFields
from lrs_tui.widgets.message_line import MessageLine

# -- what the operator sees -----------------------------------------------------------------


def screen_lines(app: LrsDeskApp) -> list[str]:
    """The screen as text, one string per terminal row."""
    return ["".join(s.text for s in strip) for strip in app.screen._compositor.render_strips()]


# Drawn around text, never part of it: select arrows, scrollbars, tall borders.
DECORATION = re.compile("[▲▼▁▂▃▄▅▆▇█▉▊▋▌▍▎▏▔│]")


def flat(text: str) -> str:
    return " ".join(DECORATION.sub(" ", text).split())


def shows_whole(app: LrsDeskApp, text: str) -> bool:
    """True when every word of ``text`` is on screen, in order, wrapped however it may be."""
    return flat(text) in flat(" ".join(line.strip() for line in screen_lines(app)))


def footer_text(app: LrsDeskApp) -> str:
    return screen_lines(app)[-1]


# -- colours -------------------------------------------------------------------------------

# ANSI colours that vanish, or nearly, on a dark (black...) or a light (white...) background.
ILLEGIBLE = {
    0: "black",
    4: "blue",
    8: "bright black",
    7: "white",
    15: "bright white",
    3: "yellow",
    11: "bright yellow",
    6: "cyan",
    14: "bright cyan",
    2: "green",
    10: "bright green",
}


def cells(app: LrsDeskApp) -> Iterator[tuple[int, int, Segment]]:
    for y, strip in enumerate(app.screen._compositor.render_strips()):
        x = 0
        for segment in strip:
            yield x, y, segment
            x += segment.cell_length


def illegible(app: LrsDeskApp) -> list[str]:
    """Every line, letter or border drawn straight on the terminal's own background in a
    colour that one of the two backgrounds hides. (A field with a background of its own
    pairs its text with that background and is legible either way.)"""
    found = []
    for x, y, segment in cells(app):
        style = segment.style
        if style is None:
            continue
        ink, paper = style.color, style.bgcolor
        if style.reverse:  # the ink colour paints the cell, against the default foreground
            ink, paper = paper, ink
            if paper is not None and not paper.is_default and (ink is None or ink.is_default):
                ink, paper = paper, None
        if not segment.text.strip() and not style.reverse:
            continue
        if paper is not None and not paper.is_default:
            continue
        if ink is not None and ink.number in ILLEGIBLE and not ink.is_default:
            found.append(f"{segment.text.strip()[:12]!r} at {x},{y} in {ILLEGIBLE[ink.number]}")
    return found


async def walk_and_check(pilot: Pilot[None], where: str) -> None:
    await Keys.settle(pilot)
    Keys.stop_blinking(pilot)
    app = pilot.app
    assert isinstance(app, LrsDeskApp)
    assert illegible(app) == [], where


# -- the desk's learners for these tests ------------------------------------------------------

NAMES = [
    ("Amelia", "Clarke"),
    ("Amelie", "Clark"),
    ("Emilia", "Clarke"),
    ("Amalia", "Clerk"),
    ("Amelia", "Clarkson"),
    ("Emelia", "Clark"),
    ("Amelija", "Clarke"),
    ("Amylia", "Clarke"),
    ("Amela", "Clarck"),
]


def add_namesakes(services: Services) -> None:
    """Nine girls born the same day at the same postcode, named alike: a search that widens
    and explains every candidate at length."""
    with services.db.transaction() as session:
        for serial, (given, family) in enumerate(NAMES, start=1):
            uln = make_uln(700000000 + serial * 7)
            assert uln is not None
            session.add(learner(uln, given, family, postcode="YO1 7HH"))


# -- the theme -----------------------------------------------------------------------------


async def test_the_default_theme_is_the_desks_own(sqlite_services: Services) -> None:
    app = LrsDeskApp(sqlite_services)
    async with app.run_test(size=(80, 24)):
        assert app.theme == THEME_NAME


async def test_every_screen_is_legible_on_dark_and_light_terminals(
    sqlite_services: Services, snapshot_operator: DeskOperator
) -> None:
    """No border, title or label in ANSI black, blue, white, yellow... on the terminal's
    background, screen by screen; focus differs by more than colour."""
    add_namesakes(sqlite_services)
    app = LrsDeskApp(sqlite_services)
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_and_check(pilot, "sign-in")
        focused, unfocused = (
            app.screen.query_one("#username", Input),
            app.screen.query_one("#password", Input),
        )
        assert focused.has_focus
        # Focus shows in the border's shape as well as its colour.
        assert focused.styles.border_top[0] != unfocused.styles.border_top[0]
        assert focused.styles.border_top[1] != unfocused.styles.border_top[1]
        await Keys.sign_in(pilot, snapshot_operator.username, "not-my-password")
        await walk_and_check(pilot, "sign-in refused")
        line = app.screen.query_one(MessageLine)
        assert line.has_class("-error") and line.rich_style.bold  # not by colour alone
        await Keys.type(pilot, snapshot_operator.password)  # the password field has focus
        await pilot.press("enter")
        await walk_and_check(pilot, "agreement")
        await pilot.press("a")
        await walk_and_check(pilot, "home")
        await search_details(pilot, "Amelia", "Clerke", "2008-03-14", "2", "YO1 7HH")
        await walk_and_check(pilot, "find results")
        await pilot.press("enter")
        await walk_and_check(pilot, "profile")
        await pilot.press("p")
        await walk_and_check(pilot, "PLR")
        await pilot.press("escape", "escape", "ctrl+r")
        await walk_and_check(pilot, "register form")
        await pilot.press("ctrl+s")
        await walk_and_check(pilot, "register form with errors")
        app.lock()
        await walk_and_check(pilot, "lock")


# -- the footer ------------------------------------------------------------------------------


async def test_the_footer_keeps_lock_and_sign_out_at_80_columns(
    sqlite_services: Services, snapshot_operator: DeskOperator
) -> None:
    add_namesakes(sqlite_services)
    app = LrsDeskApp(sqlite_services)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "^q Quit" in footer_text(app)  # before sign-in, quitting is the one key
        await Keys.reach_home(pilot, snapshot_operator)
        await search_details(pilot, "Amelia", "Clerke", "2008-03-14", "2", "YO1 7HH")
        screens = {"find": footer_text(app)}
        await pilot.press("enter")
        await Keys.settle(pilot)
        screens["profile"] = footer_text(app)
        await pilot.press("p")
        await Keys.settle(pilot)
        screens["PLR"] = footer_text(app)
        await pilot.press("escape", "e")
        await Keys.settle(pilot)
        screens["edit form"] = footer_text(app)
        for name, footer in screens.items():
            assert "^l Lock" in footer and "^o Sign out" in footer, (name, footer)
        assert "s Sort" in screens["PLR"] and "r Report" in screens["PLR"]
        assert app.screen.query_one(Footer).size.width == 80


# -- find: the reasons under the results ------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_the_reasons_under_the_results_show_whole(
    services: Services, desk_operator: DeskOperator, size: tuple[int, int]
) -> None:
    add_namesakes(services)
    app = LrsDeskApp(services)
    async with app.run_test(size=size) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await namesakes_found(pilot)
        table = app.screen.query_one("#results")
        assert table.has_focus
        for _ in range(len(NAMES)):  # every candidate's reasons, however long
            reasons = str(app.screen.query_one("#reasons", Static).content)
            assert reasons and shows_whole(app, reasons), reasons
            await pilot.press("down")
            await pilot.pause()


async def register_a_namesake(pilot: Pilot[None]) -> None:
    """Register "Amelia Clerke": nine possible matches, the §4.2.4 warning over them."""
    await search_details(pilot, "Amelia", "Clerke", "2008-03-14", "2", "YO1 7HH")
    await pilot.press("ctrl+r")
    await Keys.settle(pilot)
    await Keys.choose(pilot, "#f-ability_to_share", "1")
    await Keys.choose(pilot, "#f-verification_type", "2")
    await pilot.press("ctrl+s")
    await Keys.settle(pilot)


async def test_nine_possible_matches_keep_the_warning_reasons_and_buttons_in_sight(
    services: Services, desk_operator: DeskOperator
) -> None:
    add_namesakes(services)
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await register_a_namesake(pilot)
        assert isinstance(app.screen, PossibleMatchesScreen)
        warning = str(app.screen.query_one("#warning", Static).content)
        reasons = str(app.screen.query_one("#reasons", Static).content)
        assert shows_whole(app, warning) and shows_whole(app, reasons)
        assert shows_whole(app, "Register learner Cancel")
        assert app.screen.query_one("#cancel").has_focus


# -- the learner form -----------------------------------------------------------------------


async def test_a_failed_save_shows_the_first_wrong_field_and_its_message(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await search_details(pilot, "Isla", "Clarke", "2008-03-14", "2", "YO1 7HH")
        await pilot.press("ctrl+r")
        await Keys.settle(pilot)
        await Keys.choose(pilot, "#f-ability_to_share", "1")
        await Keys.choose(pilot, "#f-verification_type", "2")
        # Pasted notes one character too long; the operator then goes back to the top.
        app.screen.query_one("#f-notes", Input).value = "n" * 4001
        app.screen.query_one("#f-title", Input).focus()
        await Keys.settle(pilot)
        assert isinstance(app.screen, LearnerFormScreen)
        fields = app.screen.query_one(LearnerFields)
        assert fields.scroll_y == 0
        await pilot.press("ctrl+s")
        await Keys.settle(pilot)
        assert app.screen.query_one(MessageLine).text.startswith("1 field to correct: Notes")
        notes = app.screen.query_one("#f-notes", Input)
        assert notes.has_focus
        error = app.screen.query_one("#error-notes", Static)
        assert "Notes:" in str(error.content)
        visible = fields.content_region
        assert visible.contains_region(notes.region), (visible, notes.region)
        assert visible.contains_region(error.region), (visible, error.region)


async def test_a_long_choice_wraps_and_a_dropdown_stays_above_the_footer(
    sqlite_services: Services, snapshot_operator: DeskOperator
) -> None:
    app = LrsDeskApp(sqlite_services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, snapshot_operator)
        await search_details(pilot, "Isla", "Clarke", "2008-03-14", "2", "YO1 7HH")
        await pilot.press("ctrl+r")
        await Keys.settle(pilot)
        await Keys.choose(pilot, "#f-ability_to_share", "0")
        label = "Privacy Notice not seen: PLR not viewable by organisations (0)"
        assert shows_whole(app, f"Ability to share * {label}")
        # The last select of the form, scrolled to the bottom edge of the screen.
        select = app.screen.query_one("#f-ability_to_share", Select)
        fields = app.screen.query_one(LearnerFields)
        select.focus()
        await pilot.pause()
        below = fields.content_region.bottom - select.region.bottom
        fields.scroll_to(y=fields.scroll_y - below, animate=False)
        await pilot.pause()
        assert select.region.bottom >= 20, (select.region, app.focused)
        await pilot.press("enter")
        await Keys.settle(pilot)
        overlay = select.query_one(SelectOverlay)
        assert select.expanded and overlay.region.height >= 3, overlay.region
        footer = app.screen.query_one(Footer)
        assert overlay.region.bottom <= footer.region.y, (overlay.region, footer.region)
        assert overlay.region.right <= 80
        await pilot.press("escape")


# -- the PLR -------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [80, 100, 110, 120, 160])
def test_plr_headings_keep_their_sort_arrows_at_every_width(width: int) -> None:
    widths = plr.column_widths(width)
    columns = plr.shown_columns(width)
    assert sum(widths.values()) + len(columns) + 1 + 3 <= width  # border, scrollbar, gaps
    for key, _ in columns:
        for descending in (False, True):
            shown = plr.headings(width, (key, descending))
            for (column, _), heading in zip(columns, shown, strict=True):
                assert len(heading) <= widths[column], (width, heading)
            assert shown[[k for k, _ in columns].index(key)][-1] in "▲▼"
    # The longest usual values fit: a grade, a level, three-digit credits, the source.
    assert widths["grade"] >= len("Distinction*")
    assert widths["level"] >= len("Entry")
    assert widths["credits"] >= 3 and widths["source"] >= 3
    assert widths["subject"] >= 19
    # Dates in the house style, whole, at every width.
    assert all(widths[k] >= len("30 Sep 2026") for k, _ in columns if k.endswith("_date"))


async def test_the_plr_shows_every_heading_with_its_arrow_at_80x24(
    sqlite_services: Services, snapshot_operator: DeskOperator
) -> None:
    with sqlite_services.db.transaction() as session:
        plr_learners(session)
        sian = session.scalars(select(Learner).where(Learner.uln == SIAN)).one()
        session.add(
            event(sian.id, "Adult Care Worker Diploma", "ILR", level="Level 3",
                  grade="Distinction*", credits=120, award_date=date(2024, 7, 19))
        )  # fmt: skip
    app = LrsDeskApp(sqlite_services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, snapshot_operator)
        app.open_plr(SIAN)
        await Keys.settle(pilot)
        await Keys.type(pilot, "A reason long enough to open it")
        await pilot.press("enter")
        await Keys.settle(pilot)
        for key, _ in plr.shown_columns(80):
            app.screen.sort_by(key)  # type: ignore[attr-defined]
            await pilot.pause()
            header = screen_lines(app)[5]
            arrowed = re.findall(r"\S+[▲▼]", header)
            assert len(arrowed) == 1 and "…" not in header, header
        # The end date, in the details only at 80 columns, still sorts and says so above.
        app.screen.sort_by("end_date")  # type: ignore[attr-defined]
        await pilot.pause()
        lines = screen_lines(app)
        assert "sorted by End Date ▲" in "\n".join(lines[:5]) and not re.search("[▲▼]", lines[5])
        assert "Distinction*" in "\n".join(screen_lines(app))


# -- snapshots: each case that was cut, whole ---------------------------------------------------

SnapCompare = Callable[..., bool]
Drive = Callable[[Pilot[None]], Awaitable[None]]


async def namesakes_found(pilot: Pilot[None]) -> None:
    """A search that widens with every field typed, optional ones too (then hidden again to
    make room): each candidate's reasons run to five lines at 80 columns."""
    await pilot.press("ctrl+f")
    await Keys.settle(pilot)
    await pilot.press("ctrl+t")
    for selector, text in (("#middle", "Rose"), ("#previous", "Smith"), ("#email", "a@b.org")):
        await Keys.fill(pilot, selector, text)
    await pilot.press("ctrl+t")
    await search_details(pilot, "Amelia", "Clerke", "2008-03-14", "2", "YO1 7HH")


async def notes_refused(pilot: Pilot[None]) -> None:
    await search_details(pilot, "Isla", "Clarke", "2008-03-14", "2", "YO1 7HH")
    await pilot.press("ctrl+r")
    await Keys.settle(pilot)
    await Keys.choose(pilot, "#f-verification_type", "2")
    await Keys.choose(pilot, "#f-ability_to_share", "0")
    pilot.app.screen.query_one("#f-notes", Input).value = "n" * 4001
    pilot.app.screen.query_one("#f-title", Input).focus()
    await Keys.settle(pilot)
    await pilot.press("ctrl+s")


async def dropdown_at_the_bottom(pilot: Pilot[None]) -> None:
    await search_details(pilot, "Isla", "Clarke", "2008-03-14", "2", "YO1 7HH")
    await pilot.press("ctrl+r")
    await Keys.settle(pilot)
    select = pilot.app.screen.query_one("#f-ability_to_share", Select)
    fields = pilot.app.screen.query_one(LearnerFields)
    select.focus()
    await pilot.pause()
    # Focus scrolls the field into view, animated: under load that can still be moving when
    # the position is read, and the snapshot would catch the form part-way.
    await pilot.wait_for_scheduled_animations()
    fields.scroll_to(
        y=fields.scroll_y + select.region.bottom - fields.content_region.bottom, animate=False
    )
    await pilot.pause()
    await pilot.press("enter")


async def plr_sorted_by_level(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, LrsDeskApp)
    app.open_plr(SIAN)
    await Keys.settle(pilot)
    await Keys.type(pilot, "A reason long enough to open it")
    await pilot.press("enter")
    await Keys.settle(pilot)
    await pilot.press("s", "s", "s")  # subject up, subject down, level up


CASES = {
    "find-reasons": namesakes_found,
    "possible-matches": register_a_namesake,
    "form-failed-save": notes_refused,
    "form-dropdown": dropdown_at_the_bottom,
    "plr-sorted": plr_sorted_by_level,
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("case", list(CASES))
def test_cut_cases_show_whole(
    snap_compare: SnapCompare,
    sqlite_services: Services,
    snapshot_operator: DeskOperator,
    case: str,
    size: tuple[int, int],
) -> None:
    add_namesakes(sqlite_services)
    with sqlite_services.db.transaction() as session:
        plr_learners(session)
        sian = session.scalars(select(Learner).where(Learner.uln == SIAN)).one()
        session.add(
            event(sian.id, "Adult Care Worker Diploma", "ILR", level="Level 3",
                  grade="Distinction*", credits=120, award_date=date(2024, 7, 19))
        )  # fmt: skip

    async def drive(pilot: Pilot[None]) -> None:
        await Keys.reach_home(pilot, snapshot_operator)
        await CASES[case](pilot)

    assert snap_compare(desk_app(sqlite_services), terminal_size=size, run_before=steady(drive))
