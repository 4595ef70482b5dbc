"""The analysts' data-challenge screens: the queue (issue 11 item 2, DOMAIN.md "Service levels":
due time, due soon, overdue), the detail with the two learners side by side (item 4, §6.4
history), and the actions with their dialogs (item 5: previews before any change to learners,
an explicit confirmation, possible twins asked twice). Challenges are raised by an agent and
worked by analysts through the services, as at the desk; the clock is fixed."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import pytest
from factories import (
    DUP_MASTER,
    DUP_SECOND,
    TARGET,
    TWIN_A,
    TWIN_B,
    analyst,
    audit_log,
    challenge_learners,
)
from test_tui_80x24 import footer_text, illegible
from textual.pilot import Pilot
from textual.widgets import Label, Select, SelectionList
from tui_drive import KNOWN_PASSWORD, DeskOperator, Keys, add_operator

from lrs_core.actor import Actor
from lrs_core.db.models import Organisation
from lrs_core.domain.challenges import RaiseRequest
from lrs_core.domain.kinds import ChallengeStatus, ChallengeType, OrganisationKind
from lrs_core.services import Services
from lrs_tui.app import LrsDeskApp
from lrs_tui.screens.challenge_detail import ChallengeDetailScreen
from lrs_tui.screens.challenge_dialogs import (
    AoAnswerDialog,
    PreviewDialog,
    QueueFilterScreen,
    RemovalDialog,
    SplitScreen,
    WordsDialog,
)
from lrs_tui.screens.challenge_queue import ChallengeQueueScreen, ChallengesChanged, QueueTable
from lrs_tui.screens.find_learner import FindLearnerScreen
from lrs_tui.screens.home import HomeScreen
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.message_line import MessageLine


class FixedClock(Protocol):
    """The tests' clock (tests/conftest.py), moved by hand."""

    now: datetime

    def __call__(self) -> datetime: ...


SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
SnapCompare = Callable[..., bool]
RAISER = {
    "raiser_name": "R. Patel",
    "raiser_email": "r.patel@example.org",
    "raiser_phone": "0113 496 0000",
    "organisation": "10012345",
}


@dataclass(frozen=True)
class Queue:
    """The references seeded, by what they are."""

    duplicate: str  # Priya Shah's two ULNs; claimed by nobody, raised long ago: overdue
    twins: str  # Ella and Emma Moss: possible twins; due soon
    wrong_grade: str  # an event challenge, claimed by the signed-in analyst
    fictitious: str  # claimed by ben.lyst
    awaiting: str  # awaiting information (clock paused)
    agent: Actor
    ben: Actor
    events: dict[str, int]  # the learners' events by name (tests/factories.py)


def ask(kind: ChallengeType, uln: str, **fields: object) -> RaiseRequest:
    values: dict[str, object] = {"challenge_type": str(kind), "uln": uln, **RAISER}
    return RaiseRequest(**(values | fields))  # type: ignore[arg-type]


def seed_queue(services: Services, clock: FixedClock, me: DeskOperator) -> Queue:
    """Five challenges of several types and states, raised by an agent at different times
    (so one is overdue and one due soon at the fixed 'now'), then worked by two analysts."""
    with services.db.transaction() as session:
        session.add(
            Organisation(ukprn="10012345", name="Northgate College", kind=OrganisationKind.COLLEGE)
        )
        events = challenge_learners(session)
    otp = add_operator(services, "kim.lee", "Kim Lee", "agent")
    agent = services.operators.sign_in("kim.lee", otp).actor
    services.operators.change_password(agent, otp, KNOWN_PASSWORD)
    ben = analyst(services, "ben.lyst", "Ben-Lyst-2026")
    sam = services.operators.sign_in(me.username, me.password).actor
    now = clock.now
    challenges = services.challenges

    def raised(days_ago: int, request: RaiseRequest) -> str:
        clock.now = now - timedelta(days=days_ago)
        return challenges.raise_challenge(agent, request).row.reference

    duplicate = raised(
        70,
        ask(
            ChallengeType.DUPLICATE_ULN,
            DUP_MASTER,
            other_uln=DUP_SECOND,
            reason="The learner lived at both addresses.",
            comments="Merge the second ULN into the first.",
        ),
    )
    twins = raised(
        45,
        ask(
            ChallengeType.DUPLICATE_ULN,
            TWIN_A,
            other_uln=TWIN_B,
            comments="Ella and Emma look like one learner typed twice.",
        ),
    )
    wrong_grade = raised(
        3,
        ask(
            ChallengeType.EVENT_INFORMATION_WRONG,
            DUP_MASTER,
            event_ids=(events["maths"],),
            proposed_grade="6",
            comments="The certificate says grade 6.",
        ),
    )
    fictitious = raised(
        2, ask(ChallengeType.FICTITIOUS_ULN, TARGET, comments="No such learner at the school.")
    )
    awaiting = raised(
        1, ask(ChallengeType.OTHER_ULN, TWIN_A, comments="The learner's records look mixed up.")
    )
    clock.now = now
    challenges.claim(sam, wrong_grade, None)
    challenges.claim(ben, fictitious, None)
    challenges.claim(ben, awaiting, None)
    challenges.await_information(ben, awaiting, None, "Asked the college for the learner's DOB.")
    return Queue(duplicate, twins, wrong_grade, fictitious, awaiting, agent, ben, events)


@pytest.fixture(autouse=True)
def _no_watcher_left() -> Iterator[None]:
    """However a test ends (the queue popped, or the app closed over it), the queue's
    watcher thread has stopped: none is left polling a database the test has dropped."""
    yield
    assert not [t for t in threading.enumerate() if t.name == "challenge-watch"]


@pytest.fixture
def queue(services: Services, clock: FixedClock, desk_operator: DeskOperator) -> Queue:
    return seed_queue(services, clock, desk_operator)


async def open_queue(pilot: Pilot[None], operator: DeskOperator) -> ChallengeQueueScreen:
    await Keys.reach_home(pilot, operator)
    await pilot.press("ctrl+d")
    await Keys.settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ChallengeQueueScreen)
    return screen


def references(screen: ChallengeQueueScreen) -> list[str]:
    return [row.reference for row in screen.rows]


def cursor_to(screen: ChallengeQueueScreen, reference: str) -> None:
    screen.query_one(QueueTable).cursor = references(screen).index(reference)


# --- the queue ---------------------------------------------------------------------------------


async def test_the_queue_lists_open_work_by_due_time_marking_soon_and_overdue(
    services: Services, desk_operator: DeskOperator, queue: Queue
) -> None:
    """Service levels: sorted by due time, paused clocks last; due soon and overdue in
    words (never colour alone) and bold."""
    app = LrsDeskApp(services)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_queue(pilot, desk_operator)
        assert references(screen) == [
            queue.duplicate,
            queue.twins,
            queue.wrong_grade,
            queue.fictitious,
            queue.awaiting,
        ]
        table = screen.query_one(QueueTable)
        due = [row[0] for row in table.rows]
        assert due[0].startswith("OVERDUE ") and due[1].startswith("SOON ")
        assert due[4].startswith("paused: ")
        assert list(table.marked) == [True, True, False, False, False]
        assert table.rows[2][-1] == desk_operator.username
        assert "1 due soon" not in screen.sub_title  # the twins are nobody's yet
        assert "My challenges: none due soon or overdue" in str(screen.query_one("#mine").content)


async def test_claim_from_the_queue_and_the_loser_is_told_who_has_it(
    services: Services, desk_operator: DeskOperator, queue: Queue
) -> None:
    """Issue 11 item 2: claiming is safe; the one who loses is told who has it."""
    app = LrsDeskApp(services)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_queue(pilot, desk_operator)
        cursor_to(screen, queue.duplicate)
        await pilot.press("c")
        await Keys.settle(pilot)
        line = screen.query_one(MessageLine)
        assert f"{queue.duplicate} is yours" in line.text
        assert screen.rows[0].assignee == desk_operator.username
        assert "1 OVERDUE" in screen.sub_title  # now it is mine, and overdue
        # ben claims the twins meanwhile; this screen still shows them unclaimed
        services.challenges.claim(queue.ben, queue.twins, None)
        cursor_to(screen, queue.twins)
        await pilot.press("c")
        await Keys.settle(pilot)
        assert "is claimed by ben.lyst" in line.text and line.has_class("-error")
        assert screen.rows[1].assignee == "ben.lyst"  # and the queue was read again


async def test_an_agent_reads_the_queue_but_is_offered_no_claim(
    services: Services, queue: Queue
) -> None:
    """Issue 11 item 7: agents can raise and read; only analysts act."""
    app = LrsDeskApp(services)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_queue(pilot, DeskOperator("kim.lee", KNOWN_PASSWORD, "Kim Lee"))
        assert len(screen.rows) == 5
        assert not screen.query_one("#mine").display
        await pilot.press("c")
        await Keys.settle(pilot)
        assert all(r.assignee != "kim.lee" for r in screen.rows)
        assert "claim" not in " ".join(str(c.title).lower() for c in screen.palette_commands())
        await pilot.press("enter")
        await Keys.settle(pilot)
        detail = pilot.app.screen
        assert isinstance(detail, ChallengeDetailScreen)
        # The raiser may withdraw through an agent (§6.4); nothing else is offered.
        assert [key for key, _, _ in detail.offered()] == ["w"]
        assert "analysts act on data challenges" in str(detail.query_one("#actions").content)


async def test_filters_and_sort(
    services: Services, desk_operator: DeskOperator, queue: Queue
) -> None:
    """Issue 11 item 2: filterable by kind, type, status, organisation, assignee and age."""
    app = LrsDeskApp(services)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_queue(pilot, desk_operator)
        await pilot.press("m")  # mine only
        await Keys.settle(pilot)
        assert references(screen) == [queue.wrong_grade]
        assert "claimed by me" in str(screen.query_one("#showing").content)
        await pilot.press("m")
        await Keys.settle(pilot)
        await pilot.press("slash")
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, QueueFilterScreen)
        await Keys.choose(pilot, "#type", "Duplicate")
        await Keys.fill(pilot, "#age", "40")
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert pilot.app.screen is screen
        assert references(screen) == [queue.duplicate, queue.twins]
        await pilot.press("s")  # by date raised
        await Keys.settle(pilot)
        assert "sorted by date raised" in str(screen.query_one("#showing").content)
        assert references(screen) == [queue.duplicate, queue.twins]


async def test_the_queue_follows_other_analysts_within_two_seconds(
    services: Services, desk_operator: DeskOperator, queue: Queue
) -> None:
    """Issue 11 item 2: another operator's claim shows without a manual refresh (≤ 2 s);
    the watcher's thread ends with the screen."""
    app = LrsDeskApp(services)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_queue(pilot, desk_operator)
        live = screen._live
        assert live is not None and live.running
        services.challenges.claim(queue.ben, queue.duplicate, None)
        for _ in range(40):  # up to 2 s, in steps
            await pilot.pause(0.05)
            await pilot.app.workers.wait_for_complete()
            if screen.rows[0].assignee == "ben.lyst":
                break
        assert screen.rows[0].assignee == "ben.lyst"
        await pilot.press("escape")
        await Keys.settle(pilot)
        assert isinstance(pilot.app.screen, HomeScreen)
        assert not live.running
    assert not [t for t in threading.enumerate() if t.name == "challenge-watch"]


# --- the detail and its actions ----------------------------------------------------------------


async def open_detail(
    pilot: Pilot[None], operator: DeskOperator, reference: str
) -> ChallengeDetailScreen:
    screen = await open_queue(pilot, operator)
    cursor_to(screen, reference)
    await pilot.press("enter")
    await Keys.settle(pilot)
    detail = pilot.app.screen
    assert isinstance(detail, ChallengeDetailScreen)
    return detail


def labels(screen: ChallengeDetailScreen, selector: str) -> list[str]:
    return [str(label.content) for label in screen.query(f"{selector} Label")]


async def test_the_detail_shows_the_two_learners_side_by_side(
    services: Services, desk_operator: DeskOperator, queue: Queue
) -> None:
    """Issue 11 item 4: both learners field by field, differences marked and explained by
    the matching engine's levels; possible twins warned; every challenge on the learner."""
    app = LrsDeskApp(services)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await open_detail(pilot, desk_operator, queue.twins)
        sides = labels(detail, "#sides")
        row = sides.index("Given name")
        assert sides[row : row + 8] == [
            *("Given name", "Ella", "Emma", "DIFFERS"),
            *("Family name", "Moss", "Moss", "same"),
        ]
        differing = [str(w.content) for w in detail.query("#sides .-differs")]
        assert "Ella" in differing and "Moss" not in differing
        assert "POSSIBLE TWINS" in str(detail.query_one("#twins").content)
        assert "DUE SOON" in str(detail.query_one("#clock").content)
        history = str(detail.query_one("#history").content)
        assert queue.twins in history and queue.awaiting in history  # §6.4, either side
        raised = labels(detail, "#raised")
        assert "R. Patel" in raised and "Northgate College" in raised


async def test_claim_note_and_resolve_from_the_detail(
    services: Services, desk_operator: DeskOperator, queue: Queue
) -> None:
    """Issue 11 items 2 and 5: claim, a note on the timeline, resolve with a reason; only
    what the status allows is offered."""
    app = LrsDeskApp(services)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await open_detail(pilot, desk_operator, queue.duplicate)
        assert [k for k, _, _ in detail.offered()] == ["n", "c", "w"]
        await pilot.press("s")  # resolve is not offered before the claim
        await Keys.settle(pilot)
        assert pilot.app.screen is detail
        await pilot.press("c")
        await Keys.settle(pilot)
        assert detail.detail is not None
        assert detail.detail.row.status is ChallengeStatus.IN_PROGRESS
        assert "s" in [k for k, _, _ in detail.offered()]
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(pilot.app.screen, WordsDialog)
        await Keys.type(pilot, "Phoned the college: same learner.")
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert pilot.app.screen is detail
        timeline = labels(detail, "#timeline")
        assert "note: Phoned the college: same learner." in timeline
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")  # no reason: refused, the dialog stays
        await Keys.settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, WordsDialog)
        assert "Reason" in dialog.query_one(MessageLine).text
        await Keys.type(pilot, "Merged the duplicate ULN.")
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert pilot.app.screen is detail
        assert detail.detail.row.status is ChallengeStatus.RESOLVED
        assert [k for k, _, _ in detail.offered()] == ["n", "o"]  # note, reopen
    resolved = [e for e in audit_log(services, limit=20) if e.action == "resolve-challenge"]
    assert resolved and resolved[0].actor == desk_operator.username


async def test_a_stale_detail_says_what_changed_and_reloads(
    services: Services, desk_operator: DeskOperator, queue: Queue, clock: FixedClock
) -> None:
    """Bad input: a stale screen (another analyst acted first) is told what changed."""
    app = LrsDeskApp(services)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await open_detail(pilot, desk_operator, queue.wrong_grade)
        clock.now += timedelta(minutes=5)
        services.challenges.note(queue.ben, queue.wrong_grade, "Checked the certificate.")
        await pilot.press("x")
        await pilot.pause()
        await Keys.type(pilot, "Grade confirmed by the AO.")
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert pilot.app.screen is detail
        line = detail.query_one(MessageLine)
        assert "changed after you opened it" in line.text and line.has_class("-error")
        assert "Checked the certificate." in " ".join(labels(detail, "#timeline"))
        assert detail.detail is not None
        assert detail.detail.row.status is ChallengeStatus.IN_PROGRESS


# --- snapshots -------------------------------------------------------------------------------


def desk_app(services: Services) -> LrsDeskApp:
    return LrsDeskApp(services, database_label="sqlite:///lrs-desk.sqlite3")


def steady(drive: Callable[[Pilot[None]], Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        await drive(pilot)
        await Keys.settle(pilot)
        Keys.stop_blinking(pilot)

    return run_before


@pytest.fixture
def quiet_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    """Snapshots: nothing changes behind the screen, so no watcher thread is needed."""
    monkeypatch.setattr(ChallengeQueueScreen, "LIVE", False)


@pytest.mark.usefixtures("quiet_queue")
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("view", ["queue", "detail", "merge-preview"])
def test_challenge_snapshots(
    snap_compare: SnapCompare,
    sqlite_services: Services,
    snapshot_operator: DeskOperator,
    clock: FixedClock,
    view: str,
    size: tuple[int, int],
) -> None:
    seeded = seed_queue(sqlite_services, clock, snapshot_operator)
    if view == "merge-preview":
        me = sqlite_services.operators.sign_in(snapshot_operator.username, KNOWN_PASSWORD).actor
        sqlite_services.challenges.claim(me, seeded.duplicate, None)

    async def drive(pilot: Pilot[None]) -> None:
        screen = await open_queue(pilot, snapshot_operator)
        if view == "queue":
            return
        cursor_to(screen, seeded.twins if view == "detail" else seeded.duplicate)
        await pilot.press("enter")
        await Keys.settle(pilot)
        detail = pilot.app.screen
        assert isinstance(detail, ChallengeDetailScreen)
        if view == "detail":
            detail.query_one("#body").scroll_to(y=6 if size[1] < 30 else 0, animate=False)
        else:
            await pilot.press("m")

    app = desk_app(sqlite_services)
    assert snap_compare(app, terminal_size=size, run_before=steady(drive))


async def test_the_footer_counts_my_due_soon_and_overdue_challenges(
    services: Services, desk_operator: DeskOperator, queue: Queue
) -> None:
    """Issue 11 item 7: the footer shows the analyst's own count of due-soon and breached
    challenges, in words, on every screen; at 80 columns in the palette key's place."""
    me = services.operators.sign_in(desk_operator.username, desk_operator.password).actor
    services.challenges.claim(me, queue.duplicate, None)  # overdue
    services.challenges.claim(me, queue.twins, None)  # due soon
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await Keys.settle(pilot)
        assert app.my_challenges == (1, 1)
        footer = app.screen.query_one(DeskFooter)
        assert str(footer.query_one("#my-challenges", Label).content) == "1 soon · 1 OVERDUE"
        assert not footer.show_command_palette
        screen = await open_queue_from_home(pilot)
        assert "My challenges: 1 due soon · 1 OVERDUE" in screen.sub_title
        # Resolving one from elsewhere: the queue hears of it, and so does the footer.
        services.challenges.resolve(me, queue.twins, None, "Merged by hand.")
        screen.post_message(ChallengesChanged())
        await Keys.settle(pilot)
        assert app.my_challenges == (0, 1)
        footer = app.screen.query_one(DeskFooter)
        assert str(footer.query_one("#my-challenges", Label).content) == "1 OVERDUE"


async def open_queue_from_home(pilot: Pilot[None]) -> ChallengeQueueScreen:
    await pilot.press("ctrl+d")
    await Keys.settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ChallengeQueueScreen)
    return screen


async def test_home_and_the_palette_offer_the_queue_by_role(
    services: Services, desk_operator: DeskOperator, queue: Queue
) -> None:
    """desk_actions.py: one declaration gives home's line, the key, home's footer and the
    palette's entry; agents have it too (they read the queue)."""
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        home = app.screen
        lines = [str(w.content) for w in home.query("#actions Label")]
        assert "Data challenges" in lines and "ctrl+d" in lines
        keys = [str(k.description) for k in home.query("FooterKey")]
        assert "Queue" in keys
        titles = [c.title for c in app.get_system_commands(home)]
        assert "Data challenges" in titles
        await open_queue_from_home(pilot)
        # On the queue itself it is not offered again, and no other screen's footer has it.
        assert "Data challenges" not in [c.title for c in app.get_system_commands(app.screen)]
        assert "Queue" not in [str(k.description) for k in app.screen.query("FooterKey")]


# --- the walk: queue → claim → detail → merge preview → merge → find → de-merge -------------------


async def find_by_uln(pilot: Pilot[None], uln: str, given: str, family: str) -> str:
    await pilot.press("ctrl+f")
    await Keys.settle(pilot)
    assert isinstance(pilot.app.screen, FindLearnerScreen)
    await Keys.fill(pilot, "#uln", uln)
    await pilot.press("enter")
    for text in (given, family):
        await Keys.type(pilot, text)
        await pilot.press("enter")
    await Keys.settle(pilot)
    return pilot.app.screen.query_one(MessageLine).text


async def preview_then_confirm(pilot: Pilot[None], key: str) -> PreviewDialog:
    await pilot.press(key)
    await Keys.settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, PreviewDialog)
    assert dialog.focused is dialog.query_one("#cancel")  # Cancel is the default
    return dialog


async def test_the_walk_merge_with_a_preview_find_by_the_old_uln_then_de_merge(
    services: Services, desk_operator: DeskOperator, queue: Queue
) -> None:
    """Issue 11 "Done when": queue → claim → detail → merge preview → merge → find by the old
    ULN (WSRC0022) → de-merge (DOMAIN.md "Data challenges": merge semantics)."""
    app = LrsDeskApp(services)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_queue(pilot, desk_operator)
        cursor_to(screen, queue.duplicate)
        await pilot.press("c")
        await Keys.settle(pilot)
        await pilot.press("enter")
        await Keys.settle(pilot)
        detail = pilot.app.screen
        assert isinstance(detail, ChallengeDetailScreen)
        assert "m" in [key for key, _, _ in detail.offered()]
        # The preview says exactly what would change, and Enter on it cancels: nothing done.
        dialog = await preview_then_confirm(pilot, "m")
        lines = str(dialog.query_one("#lines").content).splitlines()
        assert lines[0] == f"Merge ULN {DUP_SECOND} into ULN {DUP_MASTER}"
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert pilot.app.screen is detail
        assert detail.detail is not None and detail.detail.changes == ()
        # Now confirm it, explicitly.
        await preview_then_confirm(pilot, "m")
        await pilot.press("tab", "enter")
        await Keys.settle(pilot)
        assert pilot.app.screen is detail
        assert detail.detail.row.status is ChallengeStatus.RESOLVED
        assert f"Merged ULN {DUP_SECOND} into ULN {DUP_MASTER}" in (
            detail.query_one(MessageLine).text
        )
        assert "change 1 · merge" in str(detail.query_one("#changes").content)
        # Find by the old ULN: the master, WSRC0022.
        outcome = await find_by_uln(pilot, DUP_SECOND, "Priya", "Shah")
        assert outcome.startswith("WSRC0022"), outcome
        # The raiser says it was wrong: a de-merge challenge, raised by an agent.
        demerge = services.challenges.raise_challenge(
            queue.agent,
            ask(
                ChallengeType.INCORRECTLY_MERGED,
                DUP_SECOND,
                other_uln=DUP_MASTER,
                reason="Two different learners after all.",
            ),
        ).row.reference
        await pilot.press("ctrl+d")  # back to the queue, which has heard of it
        await Keys.settle(pilot)
        assert pilot.app.screen is screen
        await pilot.press("r")
        await Keys.settle(pilot)
        cursor_to(screen, demerge)
        await pilot.press("c")
        await Keys.settle(pilot)
        await pilot.press("enter")
        await Keys.settle(pilot)
        dialog = await preview_then_confirm(pilot, "d")
        assert str(dialog.query_one("#lines").content).startswith(
            f"De-merge ULN {DUP_SECOND} from ULN {DUP_MASTER}"
        )
        await pilot.press("tab", "enter")
        await Keys.settle(pilot)
        demerged = pilot.app.screen
        assert isinstance(demerged, ChallengeDetailScreen)
        assert demerged.detail is not None
        assert demerged.detail.row.status is ChallengeStatus.RESOLVED
        outcome = await find_by_uln(pilot, DUP_SECOND, "Priya", "Shah")
        assert outcome.startswith("WSRC0004"), outcome  # its own record again


async def test_possible_twins_need_a_second_confirmation(
    services: Services, desk_operator: DeskOperator, queue: Queue
) -> None:
    """Issue 11 item 5: possible twins need a second, explicit confirmation."""
    app = LrsDeskApp(services)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_queue(pilot, desk_operator)
        cursor_to(screen, queue.twins)
        await pilot.press("c")
        await Keys.settle(pilot)
        await pilot.press("enter")
        await Keys.settle(pilot)
        detail = pilot.app.screen
        dialog = await preview_then_confirm(pilot, "m")
        await pilot.press("tab", "enter")  # the first confirmation only asks again
        await Keys.settle(pilot)
        assert pilot.app.screen is dialog
        assert "POSSIBLE TWINS" in str(dialog.query_one("#twins").content)
        assert dialog.focused is dialog.query_one("#cancel")
        assert isinstance(detail, ChallengeDetailScreen) and detail.detail is not None
        assert services.challenges.detail(queue.ben, queue.twins).changes == ()
        await pilot.press("tab", "enter")  # the second, explicit one merges
        await Keys.settle(pilot)
        assert pilot.app.screen is detail
        assert detail.detail.row.status is ChallengeStatus.RESOLVED


# --- 80 columns, 16 colours ------------------------------------------------------------------


async def test_the_challenge_screens_are_legible_and_keep_lock_and_sign_out_at_80_columns(
    services: Services, desk_operator: DeskOperator, queue: Queue
) -> None:
    """tests/tui/test_tui_80x24.py's rules for the new screens: nothing drawn in a colour a
    dark or light terminal hides; the footer keeps Lock and Sign out at 80 columns, with the
    analyst's own overdue count in it."""
    me = services.operators.sign_in(desk_operator.username, desk_operator.password).actor
    services.challenges.claim(me, queue.duplicate, None)
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(pilot, desk_operator)
        seen = {"queue": (illegible(app), footer_text(app))}
        await pilot.press("slash")
        await Keys.settle(pilot)
        seen["filter"] = (illegible(app), footer_text(app))
        await pilot.press("escape")
        await Keys.settle(pilot)
        cursor_to(screen, queue.duplicate)
        await pilot.press("enter")
        await Keys.settle(pilot)
        seen["detail"] = (illegible(app), footer_text(app))
        await pilot.press("m")
        await Keys.settle(pilot)
        seen["merge preview"] = (illegible(app), "")
        await pilot.press("escape", "n")
        await Keys.settle(pilot)
        seen["note"] = (illegible(app), "")
    for name, (bad, _) in seen.items():
        assert bad == [], name
    for name in ("queue", "detail"):
        footer = seen[name][1]
        assert "^l Lock" in footer and "^o Sign out" in footer, (name, footer)
        assert "1 OVERDUE" in footer, (name, footer)
    assert "m Merge" in seen["detail"][1] and "s Resolve" in seen["detail"][1]
    assert "/ Filter" in seen["queue"][1] and "c Claim" in seen["queue"][1]


async def test_a_shared_uln_is_split_from_the_detail_with_its_preview(
    services: Services, desk_operator: DeskOperator, queue: Queue
) -> None:
    """Issue 11 item 5, shared ULN: a new ULN for the second person under the registration
    rules (a possible match is ruled out before the preview that is confirmed), the chosen
    events moved to it."""
    shared = services.challenges.raise_challenge(
        queue.agent, ask(ChallengeType.SHARED_ULN, DUP_MASTER, comments="Two cousins.")
    ).row.reference
    app = LrsDeskApp(services)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_queue(pilot, desk_operator)
        cursor_to(screen, shared)
        await pilot.press("c")
        await Keys.settle(pilot)
        await pilot.press("enter")
        await Keys.settle(pilot)
        detail = pilot.app.screen
        assert isinstance(detail, ChallengeDetailScreen)
        await pilot.press("p")
        await Keys.settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, SplitScreen)
        for name, text in (
            ("given_name", "Priyanka"),
            ("family_name", "Shah"),
            ("date_of_birth", "1/6/2007"),
            ("postcode", "LS6 2AB"),
        ):
            await Keys.fill(pilot, f"#f-{name}", text)
        for name, code in (("gender", "2"), ("ability_to_share", "1"), ("verification_type", "2")):
            await Keys.choose(pilot, f"#f-{name}", code)
        events = form.query_one("#events", SelectionList)
        english = [o.value for o in events._options if "English" in str(o.prompt)]
        events.select(english[0])
        await pilot.press("ctrl+s")
        await Keys.settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, PreviewDialog)
        lines = str(dialog.query_one("#lines").content)
        assert lines.startswith(f"Split shared ULN {DUP_MASTER}")
        assert "English Language" in lines
        # Priya Shah has her birthday and home: a possible match, ruled out first.
        assert dialog.possible_matches and "Possible match to confirm" in lines
        await pilot.press("tab", "enter")
        await Keys.settle(pilot)
        assert pilot.app.screen is dialog and not dialog.possible_matches
        await pilot.press("tab", "enter")
        await Keys.settle(pilot)
        assert pilot.app.screen is detail
        assert detail.detail is not None
        assert detail.detail.row.status is ChallengeStatus.RESOLVED
        assert "shared-uln-split" in str(detail.query_one("#changes").content)


async def claim_and_open(
    pilot: Pilot[None], operator: DeskOperator, reference: str
) -> ChallengeDetailScreen:
    screen = await open_queue(pilot, operator)
    await pilot.press("r")
    await Keys.settle(pilot)
    cursor_to(screen, reference)
    await pilot.press("c")
    await Keys.settle(pilot)
    await pilot.press("enter")
    await Keys.settle(pilot)
    detail = pilot.app.screen
    assert isinstance(detail, ChallengeDetailScreen)
    return detail


async def test_reopen_says_what_it_will_undo_and_undoes_the_merge(
    services: Services, desk_operator: DeskOperator, queue: Queue
) -> None:
    """Issue 11 item 5: reopen a resolved challenge by reversing its action exactly."""
    me = services.operators.sign_in(desk_operator.username, desk_operator.password).actor
    services.challenges.claim(me, queue.duplicate, None)
    services.challenges.merge(me, queue.duplicate, None)
    app = LrsDeskApp(services)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_queue(pilot, desk_operator)
        assert queue.duplicate not in references(screen)  # resolved: not open work
        await pilot.press("slash")
        await pilot.pause()
        pilot.app.screen.query_one("#status", Select).value = str(ChallengeStatus.RESOLVED)
        await Keys.fill(pilot, "#organisation", "Northgate")
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert references(screen) == [queue.duplicate], screen.filters
        await pilot.press("enter")
        await Keys.settle(pilot)
        detail = pilot.app.screen
        assert isinstance(detail, ChallengeDetailScreen) and detail.detail is not None
        assert [k for k, _, _ in detail.offered()] == ["n", "o"]
        await pilot.press("o")
        await Keys.settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, WordsDialog)
        said = str(dialog.query_one("#explanation").content)
        assert f"De-merge ULN {DUP_SECOND} from ULN {DUP_MASTER}" in said
        await Keys.type(pilot, "The raiser sent new evidence.")
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert pilot.app.screen is detail
        assert detail.detail.row.status is ChallengeStatus.IN_PROGRESS
        assert detail.detail.other is not None
        assert str(detail.detail.other.status) == "active"  # the merge undone


async def test_a_deceased_learner_is_retired_after_the_preview(
    services: Services, desk_operator: DeskOperator, queue: Queue
) -> None:
    """Issue 11 item 5: deceased marks the learner; the ULN is never used again."""
    deceased = services.challenges.raise_challenge(
        queue.agent,
        ask(ChallengeType.DECEASED, DUP_SECOND, comments="The school saw the certificate."),
    ).row.reference
    app = LrsDeskApp(services)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await claim_and_open(pilot, desk_operator, deceased)
        assert "e" in [k for k, _, _ in detail.offered()]
        assert "m" not in [k for k, _, _ in detail.offered()]  # only its own type's change
        dialog = await preview_then_confirm(pilot, "e")
        assert str(dialog.query_one("#lines").content).startswith(f"Retire ULN {DUP_SECOND}")
        await pilot.press("tab", "enter")
        await Keys.settle(pilot)
        assert pilot.app.screen is detail
        assert detail.detail is not None
        assert str(detail.detail.learner.status) == "retired"


async def test_a_wrong_grade_is_referred_confirmed_by_the_ao_then_corrected(
    services: Services, desk_operator: DeskOperator, queue: Queue
) -> None:
    """Issue 11 item 5: refer to the awarding organisation (its answer recorded); a
    correction to its data is applied only with its confirmation noted."""
    app = LrsDeskApp(services)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await open_detail(pilot, desk_operator, queue.wrong_grade)
        await pilot.press("f")
        await pilot.pause()
        await Keys.type(pilot, "Asked the AO to confirm grade 6.")
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert detail.detail is not None
        assert detail.detail.row.status is ChallengeStatus.REFERRED
        assert "k" not in [k for k, _, _ in detail.offered()]  # not while it is with the AO
        await pilot.press("a")
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, AoAnswerDialog)
        await Keys.type(pilot, "Grade 6 confirmed by the board.")
        await pilot.click("#confirmed")
        await Keys.settle(pilot)
        assert pilot.app.screen is detail
        assert detail.detail.row.status is ChallengeStatus.IN_PROGRESS
        dialog = await preview_then_confirm(pilot, "k")
        lines = str(dialog.query_one("#lines").content)
        assert "Grade: 5 -> 6" in lines and "Grade 6 confirmed by the board." in lines
        await pilot.press("tab", "enter")
        await Keys.settle(pilot)
        assert pilot.app.screen is detail
        assert detail.detail.row.status is ChallengeStatus.RESOLVED
        assert [e.grade for e in detail.detail.events] == ["6"]


async def test_one_of_two_duplicated_events_is_removed_with_a_reason(
    services: Services, desk_operator: DeskOperator, queue: Queue
) -> None:
    """Issue 11 item 5: a soft removal with a reason, of the one chosen of the two
    (User Guide §6.3.3: appears more than once)."""
    twice = services.challenges.raise_challenge(
        queue.agent,
        ask(
            ChallengeType.EVENT_DUPLICATED,
            DUP_MASTER,
            event_ids=tuple(queue.events[name] for name in ("maths", "maths-again")),
            not_participation_confirmed=True,
            comments="Loaded twice by the board.",
        ),
    ).row.reference
    app = LrsDeskApp(services)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await claim_and_open(pilot, desk_operator, twice)
        await pilot.press("v")
        await pilot.pause()
        chooser = pilot.app.screen
        assert isinstance(chooser, RemovalDialog)
        await Keys.fill(pilot, "#reason", "Duplicated by the board's second upload.")
        await pilot.press("enter")  # no event chosen yet: refused here, nothing asked of the core
        await pilot.pause()
        assert "choose the one to remove" in chooser.query_one(MessageLine).text
        chooser.query_one("#event", Select).value = queue.events["maths-again"]
        await pilot.click("#preview")
        await Keys.settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, PreviewDialog)
        lines = str(dialog.query_one("#lines").content)
        assert f"event {queue.events['maths-again']}" in lines
        assert f"event {queue.events['maths']} " not in lines
        await pilot.press("tab", "enter")
        await Keys.settle(pilot)
        assert pilot.app.screen is detail
        assert detail.detail is not None
        statuses = {e.id: str(e.status) for e in detail.detail.events}
        assert statuses == {queue.events["maths"]: "active", queue.events["maths-again"]: "removed"}
