"""The PLR screen: opened by ULN from the palette, the restricted-record reason prompt, the
organisation / desk toggle, sorting, filtering, event details and the report (DOMAIN.md
"Personal Learning Record": §5.2 sorting across all events, Appendix E, §5.4)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from factories import EMPTY, NOT_SHARED, SIAN, audit_log, plr_learners
from pypdf import PdfReader
from textual.pilot import Pilot
from textual.widgets import Input, SelectionList
from tui_drive import DeskOperator, Keys

from lrs_core.services import Services
from lrs_tui.app import LrsDeskApp
from lrs_tui.screens.plr import PlrScreen
from lrs_tui.screens.plr_dialogs import (
    EventDetailsScreen,
    OpenPlrScreen,
    ReasonScreen,
    ReportScreen,
)
from lrs_tui.widgets.message_line import MessageLine
from lrs_tui.widgets.row_table import RowTable

REASON = "Learner on the phone about a missing GCSE"
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def plrs(services: Services) -> dict[str, list[int]]:
    with services.db.transaction() as session:
        return plr_learners(session)


async def open_plr(pilot: Pilot[None], operator: DeskOperator, uln: str) -> None:
    """Sign in, then the palette's "Open a PLR by ULN", as an operator would."""
    await Keys.reach_home(pilot, operator)
    await pilot.press("ctrl+p")
    await Keys.type(pilot, "Open a PLR")
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, OpenPlrScreen)
    await Keys.type(pilot, uln)
    await pilot.press("enter")
    await Keys.settle(pilot)


def subjects(app: LrsDeskApp) -> list[str]:
    return [row[0].lstrip("✱⚑ ") for row in app.screen.query_one(RowTable).rows]


@pytest.mark.usefixtures("plrs")
async def test_a_restricted_record_asks_for_a_reason_and_audits_it(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_plr(pilot, desk_operator, SIAN)
        assert isinstance(app.screen, ReasonScreen)
        await Keys.type(pilot, "because")  # too short to be a reason
        await pilot.press("enter")
        await pilot.pause()
        assert "at least 10 characters" in app.screen.query_one(MessageLine).text
        await pilot.press("end", "ctrl+u")
        await Keys.type(pilot, REASON)
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert isinstance(app.screen, PlrScreen)
        assert len(subjects(app)) == 4
    entry = audit_log(services, limit=5)
    looks = [e for e in entry if e.action == "view-plr"]
    assert looks[0].detail["reason"] == REASON and looks[0].detail["view"] == "desk"


@pytest.mark.usefixtures("plrs")
async def test_without_a_reason_the_organisation_view_shows_and_v_toggles(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_plr(pilot, desk_operator, SIAN)
        await pilot.press("escape")  # no reason given
        await Keys.settle(pilot)
        assert "Substance misuse awareness" not in subjects(app)
        assert "1 sensitive event is hidden" in str(app.screen.query_one("#explanation").content)
        await pilot.press("v")  # to the desk view: the reason is asked for again
        await Keys.settle(pilot)
        assert isinstance(app.screen, ReasonScreen)


@pytest.mark.usefixtures("plrs")
async def test_no_privacy_notice_means_organisations_see_nothing(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_plr(pilot, desk_operator, NOT_SHARED)
        await pilot.press("escape")
        await Keys.settle(pilot)
        assert subjects(app) == []
        assert "Privacy Notice" in str(app.screen.query_one("#explanation").content)


@pytest.mark.usefixtures("plrs")
async def test_sorting_filtering_and_event_details(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_plr(pilot, desk_operator, SIAN)
        await Keys.type(pilot, REASON)
        await pilot.press("enter")
        await Keys.settle(pilot)
        # Oldest first by default; s sorts by Subject ascending, s again descending.
        assert subjects(app)[0] == "Cymraeg Iaith Gyntaf"
        await pilot.press("s")
        assert subjects(app) == sorted(subjects(app))
        await pilot.press("s")
        assert subjects(app) == sorted(subjects(app), reverse=True)
        assert app.screen.query_one(RowTable).headers[0] == "Subject▼"
        await pilot.press("slash")
        await Keys.type(pilot, "math")
        await pilot.press("enter")
        assert subjects(app) == ["Mathematics"]
        await pilot.press("enter")  # details of the one event left
        await pilot.pause()
        assert isinstance(app.screen, EventDetailsScreen)
        text = " ".join(str(label.content) for label in app.screen.query("Label"))
        assert f"DC-{SIAN}-0001 (open)" in text and "GCSE" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PlrScreen)


@pytest.mark.usefixtures("plrs")
async def test_an_empty_plr_and_a_bad_uln_are_plain(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_plr(pilot, desk_operator, "1000000044")
        assert isinstance(app.screen, OpenPlrScreen)
        assert "check digit" in app.screen.query_one(MessageLine).text
        await pilot.press("end", "ctrl+u")
        await Keys.type(pilot, EMPTY)
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert "no learning events" in str(app.screen.query_one("#explanation").content)


async def test_the_report_holds_the_ticked_events(
    services: Services,
    desk_operator: DeskOperator,
    plrs: dict[str, list[int]],
    tmp_path: Path,
) -> None:
    out = tmp_path / "report.pdf"
    app = LrsDeskApp(services)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_plr(pilot, desk_operator, SIAN)
        await Keys.type(pilot, REASON)
        await pilot.press("enter")
        await Keys.settle(pilot)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)
        events = app.screen.query_one(SelectionList)
        assert len(events.selected) == 4  # every event ticked to start with
        events.focus()
        await pilot.press("space")  # untick the first (oldest): Cymraeg
        await pilot.pause()
        # Ticked and unticked differ by shape, not colour alone (16 colours): an empty box.
        boxes = [events.render_line(y).text[:3] for y in range(2)]
        assert "X" not in boxes[0] and "X" in boxes[1], boxes
        await Keys.fill(pilot, "#path", str(out))
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert isinstance(app.screen, PlrScreen)
        assert f"Report written: {out} (3 events)" in app.screen.query_one(MessageLine).text
        # Again to the same file: refused in the dialog, the first file kept.
        await pilot.press("r")
        await pilot.pause()
        await Keys.fill(pilot, "#path", str(out))
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert "already exists" in app.screen.query_one(MessageLine).text
        await pilot.press("ctrl+n")  # untick everything
        app.screen.query_one("#path", Input).value = str(tmp_path / "none.pdf")
        await Keys.fill(pilot, "#path", str(tmp_path / "none.pdf"))
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert "tick at least one event" in app.screen.query_one(MessageLine).text
    text = PdfReader(out).pages[0].extract_text()
    assert "Mathematics" in text and "Cymraeg" not in text
    assert not (tmp_path / "none.pdf").exists()


# --- Snapshots ------------------------------------------------------------------------------

SnapCompare = Callable[..., bool]


def _snapshot_app(services: Services) -> LrsDeskApp:
    services.plr.reports_dir = Path("/home/desk/.local/share/lrs-desk/reports")
    with services.db.transaction() as session:
        plr_learners(session)
    return LrsDeskApp(services, database_label="sqlite:///lrs-desk.sqlite3")


def _drive(operator: DeskOperator, *keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        await open_plr(pilot, operator, SIAN)
        for key in keys:
            if key == "REASON":
                await Keys.type(pilot, REASON)
            else:
                await pilot.press(key)
            await Keys.settle(pilot)
        Keys.stop_blinking(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    "keys",
    [
        pytest.param(("REASON", "enter"), id="desk-view"),
        pytest.param(("escape",), id="org-view"),
        pytest.param(("REASON", "enter", "down", "enter"), id="event-details"),
        pytest.param(("REASON", "enter", "r"), id="report-dialog"),
        pytest.param((), id="reason-prompt"),
    ],
)
def test_plr_snapshots(
    snap_compare: SnapCompare,
    sqlite_services: Services,
    snapshot_operator: DeskOperator,
    size: tuple[int, int],
    keys: tuple[str, ...],
) -> None:
    app = _snapshot_app(sqlite_services)
    assert snap_compare(app, terminal_size=size, run_before=_drive(snapshot_operator, *keys))


async def test_the_report_names_a_missing_folder_and_makes_none(
    services: Services,
    desk_operator: DeskOperator,
    plrs: dict[str, list[int]],
    tmp_path: Path,
) -> None:
    # Issue 10 item 6: "Save as" into a folder that does not exist is refused in the dialog,
    # naming the folder, with the name kept to correct; the default place still works.
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_plr(pilot, desk_operator, SIAN)
        await Keys.type(pilot, REASON)
        await pilot.press("enter")
        await Keys.settle(pilot)
        await pilot.press("r")
        await pilot.pause()
        default = app.screen.query_one("#path", Input).value
        typo = tmp_path / "Reprots" / "sian.pdf"
        await Keys.fill(pilot, "#path", str(typo))
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert isinstance(app.screen, ReportScreen)
        said = app.screen.query_one(MessageLine).text
        assert f"the folder {typo.parent} does not exist" in said
        assert app.screen.query_one("#path", Input).value == str(typo)
        assert not typo.parent.exists()

        await Keys.fill(pilot, "#path", default)
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert isinstance(app.screen, PlrScreen)
        assert f"Report written: {default}" in app.screen.query_one(MessageLine).text


@pytest.mark.parametrize("size", SIZES)
async def test_the_desk_view_marks_sensitive_events_in_the_table(
    services: Services,
    desk_operator: DeskOperator,
    plrs: dict[str, list[int]],
    size: tuple[int, int],
) -> None:
    # Issue 10 item 8 (DOMAIN.md "Personal Learning Record", Appendix E): the desk sees
    # sensitive events that organisations never do, so each is marked in the table itself,
    # by a shape and a legend (legible in 16 colours or none), not only in its details.
    app = LrsDeskApp(services)
    async with app.run_test(size=size) as pilot:
        await open_plr(pilot, desk_operator, SIAN)
        await Keys.type(pilot, REASON)
        await pilot.press("enter")
        await Keys.settle(pilot)
        table = app.screen.query_one(RowTable)
        lines = [table.render_line(y).text for y in range(1, 5)]
        marked = [line for line in lines if "✱" in line]
        assert len(marked) == 1 and marked[0].strip().startswith("✱ Subst")
        assert "✱ sensitive" in str(table.border_subtitle)
        assert "⚑ data challenge" in str(table.border_subtitle)

        await pilot.press("v")  # what an organisation sees: no sensitive event to mark
        await Keys.settle(pilot)
        assert not any("✱" in row[0] for row in table.rows)
        assert "sensitive" not in str(table.border_subtitle)
