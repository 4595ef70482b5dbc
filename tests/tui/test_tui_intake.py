"""The encrypted intake on screen (issue 13 item 8; User Guide §1.4; DOMAIN.md "Security and
the encrypted intake"): an analyst walks a case from receipt to disposal, driven by keys as at
the desk: the queue says BREACH, the case shows its findings first, a wrong then the right
passphrase (masked, never kept), the rows matched, a learner's profile opened from a row, the
case closed with a reason, purged on a later clock, and the queue says it is disposed. Then
the incident's ladder, the filters, the mailbox scan, the header mapping, the export's
passphrase shown once, and every intake screen usable at 80x24. The emails are the core's
own synthetic samples (``lrs_core/intake/samples.py``); the clock is fixed."""

from __future__ import annotations

import io
import threading
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
import pyzipper
from factories import (
    TEST_NOW,
    MovableClock,
    audit_log,
    learner,
    organisation,
    portal_user,
)
from sqlalchemy import select
from test_tui_80x24 import flat, footer_text, illegible, screen_lines
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static
from tui_drive import DeskOperator, Keys, settled_operator

from lrs_core.actor import Actor
from lrs_core.db.models import PortalUser
from lrs_core.domain.breaches import LADDER, RULE_WORDING
from lrs_core.domain.kinds import AccountStatus, BreachRule, IntakeStatus, LadderStep
from lrs_core.intake.samples import SENDER_ZIPCRYPTO, Sample, samples
from lrs_core.services import Services
from lrs_tui.app import LrsDeskApp
from lrs_tui.screens.accounts.organisation_view import OrganisationViewScreen
from lrs_tui.screens.challenge_queue import QueueTable
from lrs_tui.screens.intake.case_view import IntakeCaseScreen
from lrs_tui.screens.intake.dialogs import IntakeWordsDialog, StepDialog
from lrs_tui.screens.intake.export import ExportDialog, ExportPassphraseScreen
from lrs_tui.screens.intake.incident import IncidentScreen
from lrs_tui.screens.intake.mapping import MappingScreen
from lrs_tui.screens.intake.passphrase import PassphraseScreen
from lrs_tui.screens.intake.queue import IntakeQueueScreen
from lrs_tui.screens.intake.row_detail import RowDetailScreen
from lrs_tui.screens.intake.rows import IntakeRowsScreen
from lrs_tui.screens.learner_form import LearnerFormScreen
from lrs_tui.screens.learner_profile import LearnerProfileScreen
from lrs_tui.screens.raise_challenge import RaiseChallengeScreen
from lrs_tui.widgets.message_line import MessageLine
from lrs_tui.widgets.row_table import RowTable

NORTHGATE = "10012345"
AMARA = "9276308686"  # in the register: the sheet's first row matches her exactly
# The sheet inside every sample: Amara (matched by ULN), Bea (no one like her), Amara again
# with no ULN and another postcode (a possible match: she is the candidate), and a row that
# fails validation (a digit in the name, a postcode that is not one, born in 2099).
ROWS = [
    {"uln": AMARA, "given_name": "Amara", "family_name": "Okoye", "date_of_birth": "2007-05-14",
     "gender": "2", "postcode": "LS1 4AP"},
    {"uln": "", "given_name": "Bea", "family_name": "Nobody", "date_of_birth": "2006-01-01",
     "gender": "2", "postcode": "YO1 7HH"},
    {"uln": "", "given_name": "Amara", "family_name": "Okoye", "date_of_birth": "2007-05-14",
     "gender": "2", "postcode": "LS2 7HY"},
    {"uln": "", "given_name": "C4rl", "family_name": "Wrong", "date_of_birth": "2099-01-01",
     "gender": "1", "postcode": "nope"},
]  # fmt: skip
WRONG = "Not-the-Passphrase-99!"


def seed(services: Services) -> dict[str, Sample]:
    """Northgate College, whose exams office sends the ZipCrypto sample; Amara in the
    register; the samples made with ROWS."""
    with services.db.transaction() as session:
        org = organisation(session, NORTHGATE, "Northgate College")
        portal_user(session, org, "rhian.evans", "Rhian", "Evans",
                    roles=("super-user", "online-user"))  # fmt: skip
        portal_user(session, org, "exams.office", "Exam", "Office", roles=("online-user",),
                    email=SENDER_ZIPCRYPTO)  # fmt: skip
        session.add(learner(AMARA, "Amara", "Okoye", date_of_birth=date(2007, 5, 14),
                            postcode="LS1 4AP"))  # fmt: skip
    return {s.name: s for s in samples(ROWS)}


def receive(services: Services, *samples_: Sample) -> list[str]:
    """The samples received as the mailbox scan would (the cron job's actor)."""
    system = Actor.system("intake-scan")
    return [services.intake.receive(system, s.raw).row.reference for s in samples_]


@pytest.fixture
def analyst(services: Services) -> DeskOperator:
    return settled_operator(services)


@pytest.fixture
def weak(services: Services) -> Sample:
    """The ZipCrypto sample (§1.4: not AES-256), received: IN-20261123-0001."""
    sample = seed(services)["zipcrypto-zip"]
    receive(services, sample)
    return sample


def shows_whole(app: LrsDeskApp, text: str) -> bool:
    """test_tui_80x24's shows_whole, the findings box's heavy border (┃ ━) drawn around text
    too."""
    lines = (line.translate(HEAVY).strip() for line in screen_lines(app))
    return flat(text) in flat(" ".join(lines))


HEAVY = str.maketrans(dict.fromkeys("┃━┏┓┗┛", " "))


def message(app: LrsDeskApp) -> str:
    return app.screen.query_one(MessageLine).text


def screen_text(app: LrsDeskApp) -> str:
    return " ".join(str(w.content) for w in app.screen.query(Static))


async def open_queue(pilot: Pilot[None], operator: DeskOperator) -> IntakeQueueScreen:
    await Keys.reach_home(pilot, operator)
    await pilot.press("ctrl+e")
    await Keys.settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, IntakeQueueScreen)
    return screen


async def open_case(pilot: Pilot[None], operator: DeskOperator) -> IntakeCaseScreen:
    await open_queue(pilot, operator)
    await pilot.press("enter")
    await Keys.settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, IntakeCaseScreen)
    return screen


async def type_passphrase(pilot: Pilot[None], text: str) -> None:
    await Keys.type(pilot, text)
    await pilot.press("enter")
    await Keys.settle(pilot)


async def open_rows(pilot: Pilot[None], operator: DeskOperator, sample: Sample) -> None:
    await open_case(pilot, operator)
    await pilot.press("p")
    await Keys.settle(pilot)
    assert sample.passphrase is not None
    await type_passphrase(pilot, sample.passphrase.reveal())
    assert isinstance(pilot.app.screen, IntakeRowsScreen)


# -- the walk ----------------------------------------------------------------------------------


async def test_receive_breach_passphrase_rows_learner_close_purge_disposed(
    services: Services, clock: MovableClock, analyst: DeskOperator, weak: Sample
) -> None:
    """§1.4: a ZipCrypto zip is a breach (weak encryption) shown before anything is opened;
    the passphrase is typed masked, a wrong one counted; every row matched; closing deletes
    what was decrypted and the purge disposes of the message on its clock."""
    assert weak.passphrase is not None
    right = weak.passphrase.reveal()
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        queue = await open_queue(pilot, analyst)
        table = queue.query_one(QueueTable)
        assert [r.reference for r in queue.rows or ()] == ["IN-20261123-0001"]
        # BREACH in words, and the row in bold (never colour alone).
        assert "BREACH" in table.rows[0] and "Awaiting passphrase" in table.rows[0]
        assert table.marked == [True]
        assert shows_whole(app, "BREACH") and shows_whole(app, "Awaiting passphrase")

        await pilot.press("enter")
        await Keys.settle(pilot)
        case = app.screen
        assert isinstance(case, IntakeCaseScreen)
        findings = case.query_one("#findings")
        assert findings.display and "BREACH" in str(findings.border_title)
        wording = RULE_WORDING[BreachRule.WEAK_ENCRYPTION]
        assert wording in str(case.query_one("#findings-text", Static).content)
        # Findings first: above the sender, the attachments and the message.
        assert findings.region.y < case.query_one("#fact-from").region.y
        assert shows_whole(app, wording)
        assert "ZipCrypto zip: WEAK" in str(case.query_one("#attachments", Static).content)

        await pilot.press("p")
        await Keys.settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, PassphraseScreen)
        field = prompt.query_one("#passphrase", Input)
        assert field.password and field.has_focus
        await type_passphrase(pilot, WRONG)
        assert app.screen is prompt  # stays open on a wrong one
        assert "does not open" in message(app)
        assert "2" in str(prompt.query_one("#tries", Static).content)
        assert field.value == ""  # nothing typed is kept

        await type_passphrase(pilot, right)
        rows = app.screen
        assert isinstance(rows, IntakeRowsScreen) and rows.rows is not None
        outcomes = [r.outcome for r in rows.rows.rows]
        assert outcomes == ["WSRC0004", "WSRC0001", "WSRC0003", "INVALID"]
        # The phoned passphrase is short of the guidance: the core's advice, in words.
        advice = str(rows.query_one("#advice", Static).content)
        assert "short of the guidance" in advice and "15 characters" in advice
        table = rows.query_one(QueueTable)
        assert table.rows[0][3] == AMARA
        assert "Date of birth" in table.rows[3][-1]  # the invalid row's field and rule

        await pilot.press("enter")  # the first row: Amara, matched
        await Keys.settle(pilot)
        profile = app.screen
        assert isinstance(profile, LearnerProfileScreen) and profile.uln == AMARA

        await pilot.press("escape", "escape")
        await Keys.settle(pilot)
        assert isinstance(app.screen, IntakeCaseScreen)
        assert app.screen.status is IntakeStatus.OPEN
        await pilot.press("c")
        await Keys.settle(pilot)
        assert isinstance(app.screen, IntakeWordsDialog)
        await type_passphrase(pilot, "Rows checked and the results sent back")
        assert isinstance(app.screen, IntakeCaseScreen)
        assert app.screen.status is IntakeStatus.CLOSED
        assert "is closed" in message(app)

        # The purge, as cron runs it, once the retention has passed.
        days = services.settings.intake.retention_days
        clock.now = TEST_NOW + timedelta(days=days, hours=1)  # type: ignore[misc]
        purged = services.intake.purge(Actor.system("intake-purge"))
        assert purged.purged == ("IN-20261123-0001",)

        await pilot.press("escape")
        await Keys.settle(pilot)
        assert isinstance(app.screen, IntakeQueueScreen)
        assert "Disposed" in app.screen.query_one(QueueTable).rows[0]

    # Neither passphrase was written anywhere the trail keeps.
    trail = repr(audit_log(services))
    assert right not in trail and WRONG not in trail


async def test_progress_reaches_the_bar_from_the_worker_thread_on_the_ui_thread(
    services: Services, analyst: DeskOperator, weak: Sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The core decrypts and matches in a worker; its progress reaches the bar on the UI
    thread (the screen never freezes, and is never touched from another thread)."""
    seen: list[tuple[int, int, str, bool]] = []
    report = PassphraseScreen._report_progress

    def spy(self: PassphraseScreen, done: int, total: int, what: str) -> None:
        seen.append((done, total, what, threading.current_thread() is threading.main_thread()))
        report(self, done, total, what)

    monkeypatch.setattr(PassphraseScreen, "_report_progress", spy)
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_rows(pilot, analyst, weak)
    assert seen and all(on_ui for *_, on_ui in seen)
    assert (len(ROWS), len(ROWS)) in {(d, t) for d, t, _, _ in seen}


async def test_after_the_last_wrong_passphrase_the_case_asks_for_a_new_file(
    services: Services, analyst: DeskOperator, weak: Sample
) -> None:
    """Issue 13 item 3: after ``[intake] passphrase_tries`` wrong ones the prompt closes and
    the case says it needs a new file; no passphrase is offered any more."""
    tries = services.settings.intake.passphrase_tries
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        case = await open_case(pilot, analyst)
        await pilot.press("p")
        await Keys.settle(pilot)
        for n in range(tries):
            await type_passphrase(pilot, f"{WRONG}{n}")
        assert app.screen is case
        assert case.status is IntakeStatus.NEW_FILE_NEEDED
        assert "new file" in message(app)
        assert "New file needed" in str(case.query_one("#fact-status", Static).content)
        assert "p" not in app.screen.active_bindings


# -- the incident ------------------------------------------------------------------------------


def step(incident: IncidentScreen, n: int) -> list[str]:
    """The ladder's step ``n``: its §1.4 words, then its state."""
    return str(incident.query_one(f"#step-{n}", Static).content).splitlines()


async def test_the_incident_ladder_confirms_the_proposed_step_and_shows_on_the_organisation(
    services: Services, analyst: DeskOperator, weak: Sample
) -> None:
    """§1.4's ladder in its own words, the proposed step marked in words; confirming another
    step needs a note (the core's refusal is shown); user permissions disabled suspends the
    sender's portal user; the organisation's view lists the incident."""
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_case(pilot, analyst)
        await pilot.press("i")
        await Keys.settle(pilot)
        incident = app.screen
        assert isinstance(incident, IncidentScreen) and incident.view is not None
        for n, (_, words) in enumerate(LADDER, start=1):
            assert step(incident, n)[0] == words
        assert step(incident, 1)[1] == "PROPOSED NEXT"
        assert incident.query_one("#step-1").has_class("-proposed")

        await pilot.press("a")
        await Keys.settle(pilot)
        assert isinstance(app.screen, StepDialog)
        assert app.screen.step is LadderStep.CONTACT
        await type_passphrase(pilot, "Phoned the exams office and Rhian Evans")
        assert app.screen is incident, message(app)
        state = step(incident, 1)[1]
        assert "done" in state and "sam.okafor" in state and "Phoned the exams office" in state

        # Not the proposed step, and no note: refused by the core, said in the dialog.
        await pilot.press("a")
        await Keys.settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, StepDialog)
        dialog.query_one("#step", Select).value = str(LadderStep.USER_DISABLED)
        await pilot.pause()
        if dialog.step is not incident.view.proposed:
            dialog.query_one("#note", Input).focus()
            await pilot.press("enter")
            await Keys.settle(pilot)
            assert app.screen is dialog and "note" in message(app).lower()
        await Keys.type(pilot, "Second breach this term")
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert app.screen is incident, message(app)
        assert step(incident, 2)[1].startswith("done")

        await pilot.press("g")
        await Keys.settle(pilot)
        organisation_view = app.screen
        assert isinstance(organisation_view, OrganisationViewScreen)
        table = organisation_view.query_one("#incidents", RowTable)
        assert table.rows[0][0] == incident.reference
        assert table.rows[0][3] == dict(LADDER)[LadderStep.USER_DISABLED]

    with services.db.transaction() as session:
        user = session.scalars(select(PortalUser).where(PortalUser.username == "exams.office"))
        assert user.one().status is AccountStatus.SUSPENDED


# -- the queue's filters and the mailbox -------------------------------------------------------


async def test_the_filters_show_new_awaiting_breach_open_and_closed_cases(
    services: Services, analyst: DeskOperator
) -> None:
    made = seed(services)
    weak_ref, compliant_ref, body_ref = receive(
        services, made["zipcrypto-zip"], made["compliant-aes-zip"], made["uln-and-dob-in-body"]
    )
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        queue = await open_queue(pilot, analyst)
        shown_for: dict[str, set[str]] = {}
        for key in "nwboc":
            await pilot.press(key)
            await Keys.settle(pilot)
            shown_for[key] = {r.reference for r in queue.rows or ()}
            assert queue.showing.words in str(queue.query_one("#showing", Static).content)
        await pilot.press("a")
        await Keys.settle(pilot)
        every = {r.reference for r in queue.rows or ()}
    assert shown_for["n"] == {body_ref}  # a plain email: nothing to open
    assert shown_for["w"] == {weak_ref, compliant_ref}
    assert shown_for["b"] == {weak_ref, body_ref}  # §1.4: weak encryption; ULN with a DOB
    assert shown_for["o"] == set() and shown_for["c"] == set()
    assert every == {weak_ref, compliant_ref, body_ref}


async def test_the_palette_scans_the_mailbox_and_the_queue_shows_what_came(
    services: Services, analyst: DeskOperator, tmp_path: Path
) -> None:
    made = seed(services)
    for name in ("compliant-aes-zip", "plain-csv"):
        (tmp_path / f"{name}.eml").write_bytes(made[name].raw)
    services.intake.settings = replace(
        services.intake.settings,
        intake=replace(services.intake.settings.intake, mailbox_path=str(tmp_path)),
    )
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        queue = await open_queue(pilot, analyst)
        assert not queue.rows
        await pilot.press("ctrl+p")
        await Keys.type(pilot, "scan the mailbox")
        await pilot.pause(0.2)
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert app.screen is queue
        assert message(app).startswith("Mailbox scanned: 2 new cases")
        assert len(queue.rows or ()) == 2


# -- the rows: filter, row detail, register, challenge, mapping --------------------------------


async def test_the_row_table_filters_by_outcome_and_opens_the_existing_screens(
    services: Services, analyst: DeskOperator, weak: Sample
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_rows(pilot, analyst, weak)
        rows = app.screen
        assert isinstance(rows, IntakeRowsScreen)
        await pilot.press("slash")
        assert [r.outcome for r in rows.shown_rows] == ["WSRC0001"]
        await pilot.press("slash")
        assert [r.outcome for r in rows.shown_rows] == ["WSRC0003"]
        # A possible match: its candidates, best first; Enter on one opens the learner.
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert isinstance(app.screen, RowDetailScreen)
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert isinstance(app.screen, LearnerProfileScreen) and app.screen.uln == AMARA
        await pilot.press("escape")
        await Keys.settle(pilot)
        assert app.screen is rows
        await pilot.press("slash")
        assert [r.outcome for r in rows.shown_rows] == ["WSRC0004"]
        assert "only WSRC0004" in str(rows.query_one("#showing", Static).content)
        # A matched row: raise a ULN challenge on its learner, in the existing form.
        await pilot.press("d")
        await Keys.settle(pilot)
        assert isinstance(app.screen, RaiseChallengeScreen) and app.screen.uln == AMARA
        await pilot.press("escape")
        await Keys.settle(pilot)
        await pilot.press("a")  # every row again
        rows.query_one(QueueTable).cursor = 1  # Bea: no one like her
        await pilot.pause()
        assert "No learner matches" in str(rows.query_one("#current", Static).content)
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert isinstance(app.screen, RowDetailScreen)
        await pilot.press("g")  # register her instead, from the row's values
        await Keys.settle(pilot)
        form = app.screen
        assert isinstance(form, LearnerFormScreen) and form.registering
        assert form.fields.values()["given_name"] == "Bea"
        assert form.fields.values()["family_name"] == "Nobody"


async def test_the_header_mapping_is_corrected_and_every_row_matched_again(
    services: Services, analyst: DeskOperator, weak: Sample
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_rows(pilot, analyst, weak)
        rows = app.screen
        assert isinstance(rows, IntakeRowsScreen) and rows.rows is not None
        header = rows.rows.header
        await pilot.press("m")
        await Keys.settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, MappingScreen)
        # Two columns for one field: the core's rule, named, in the dialog.
        surname = header.index("Surname")
        dialog.query_one(f"#column-{surname}", Select).value = "given_name"
        await pilot.pause()
        await pilot.click("#apply")
        await Keys.settle(pilot)
        assert app.screen is dialog and "Given name" in message(app)
        # The ULN column not used: Amara is matched by her personal details instead.
        dialog.query_one(f"#column-{surname}", Select).value = "family_name"
        dialog.query_one(f"#column-{header.index('ULN')}", Select).value = ""
        await pilot.pause()
        await pilot.click("#apply")
        await Keys.settle(pilot)
        assert app.screen is rows
        assert 0 not in rows.rows.mapping
        assert "Mapping saved" in message(app)


# -- the export: the passphrase shown once -----------------------------------------------------


async def test_the_export_is_written_encrypted_and_its_passphrase_shown_once(
    services: Services, analyst: DeskOperator, weak: Sample
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_rows(pilot, analyst, weak)
        await pilot.press("x")
        await Keys.settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        path = Path(dialog.query_one("#path", Input).value)
        await pilot.press("enter")
        await Keys.settle(pilot)
        shown_once = app.screen
        assert isinstance(shown_once, ExportPassphraseScreen), message(app)
        passphrase = str(shown_once.query_one("#passphrase", Static).content)
        assert len(passphrase) >= 15
        await pilot.press("escape")
        await Keys.settle(pilot)
        assert isinstance(app.screen, IntakeRowsScreen)
        assert passphrase not in repr(app.screen_stack) and passphrase not in screen_text(app)
        assert "Export written" in message(app)
    # An AES zip the passphrase opens; nothing in clear.
    data = path.read_bytes()
    assert b"Okoye" not in data
    with pyzipper.AESZipFile(io.BytesIO(data)) as archive:
        archive.setpassword(passphrase.encode())
        names = archive.namelist()
        assert b"WSRC0004" in archive.read(names[0])


# -- 80x24: every intake screen usable -----------------------------------------------------------


async def test_every_intake_screen_is_whole_and_legible_at_80x24(
    sqlite_services: Services, snapshot_operator: DeskOperator
) -> None:
    """At the desk's 80x24 SSH terminals: each screen's keys (Back, Lock, Sign out) in the
    footer, the essential words whole, nothing drawn in a colour a dark or light terminal
    hides."""
    services = sqlite_services
    weak = seed(services)["zipcrypto-zip"]
    receive(services, weak)
    app = LrsDeskApp(services)

    async def check(what: str, *whole: str) -> None:
        await Keys.settle(pilot)
        Keys.stop_blinking(pilot)
        assert illegible(app) == [], what
        for text in whole:
            assert shows_whole(app, text), (what, text)

    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot, snapshot_operator)
        await check("queue", "IN-20261123-0001", "Awaiting passphrase", "BREACH")
        footer = footer_text(app)
        assert "Back" in footer and "^l Lock" in footer and "^o Sign out" in footer
        await pilot.press("enter")
        await check("case", RULE_WORDING[BreachRule.WEAK_ENCRYPTION], "duplicates.zip")
        assert "p Passphrase" in footer_text(app) and "^o Sign out" in footer_text(app)
        await pilot.press("p")
        await Keys.type(pilot, "copper")
        await check("passphrase prompt", "Open the file", "Cancel")
        await pilot.press("ctrl+u")
        assert weak.passphrase is not None
        await type_passphrase(pilot, weak.passphrase.reveal())
        await check("rows", "WSRC0004", "9276308686")
        assert "m Mapping" in footer_text(app) and "^o Sign out" in footer_text(app)
        await pilot.press("m")
        await check("mapping", "Match again")
        await pilot.press("escape", "escape", "i")
        await check("incident", *(words for _, words in LADDER), "PROPOSED NEXT")
        assert "a Confirm step" in footer_text(app) and "^o Sign out" in footer_text(app)
        await pilot.press("a")
        await check("ladder step", "Confirm the step")


async def test_an_agent_has_no_intake_key_nor_command(
    services: Services, clock: MovableClock, agent: Actor
) -> None:
    """HANDLE_INTAKE is the analysts' (DOMAIN.md roles): ctrl+e does nothing for an agent."""
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, DeskOperator("kim.lee", "Desk-Shift-2026", "Kim Lee"))
        await pilot.press("ctrl+e")
        await Keys.settle(pilot)
        assert not isinstance(app.screen, IntakeQueueScreen)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Encrypted intake" not in titles


async def test_the_analyst_sets_the_sender_of_a_message_the_directory_did_not_know(
    services: Services, analyst: DeskOperator
) -> None:
    made = seed(services)
    (reference,) = receive(services, made["uln-and-dob-in-body"])  # from an unknown address
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        case = await open_case(pilot, analyst)
        assert "not known to the directory" in str(case.query_one("#fact-organisation").content)
        await pilot.press("s")
        await Keys.settle(pilot)
        await Keys.type(pilot, "rhian.evans")
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert app.screen is case, message(app)
        assert NORTHGATE in str(case.query_one("#fact-organisation").content)
        assert "set by sam.okafor" in str(case.query_one("#fact-portal-user").content)
    assert reference == "IN-20261123-0001"
