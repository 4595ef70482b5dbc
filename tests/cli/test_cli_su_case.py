"""`lrs-desk su-case ...`: super-user reinstatement from the command line with the same rules,
refusals and audit as the TUI (issue 12 items 3 and 5; User Guide §3.6 and FAQ "I have lost
my super user details"; DOMAIN.md "Accounts and super users").

The one-time password of an approval is shown once, on the terminal only: never in the
``--json`` output (which may be redirected to a file), never on a redirected stdout or stderr,
never in a log; with no terminal, approve refuses before approving. Most tests stand a
recording terminal in for :func:`lrs_cli.terminal.open_terminal`; the ones at the end use a
real pseudo-terminal as the controlling terminal, so the whole path is exercised."""

from __future__ import annotations

import io
import json
import logging
import os
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from factories import (
    FORM_PHONE,
    ORG_PHONE,
    TEST_NOW,
    audit_log,
    desk_admin,
    organisation,
    portal_user,
)
from running import Runner, subcommands
from sqlalchemy import select, text

from lrs_cli import terminal
from lrs_cli.main import EXIT_ERROR, main
from lrs_cli.su_case import NO_TERMINAL, parse_call_time
from lrs_core.actor import Actor
from lrs_core.db.models import Base, PortalUser
from lrs_core.domain.text import BIDI_CONTROLS
from lrs_core.errors import ValidationError
from lrs_core.passwords import verify_password
from lrs_core.services import Services

NORTHGATE = "10012345"  # its only super user is suspended
RIVERSIDE = "10023456"  # has an active super user
REFERENCE = f"SU-{NORTHGATE}-0001"
NEW_USER = ["--title", "Ms", "--given", "Amara", "--family", "Okoye", "--email",
            "amara.okoye@northgate.example.org", "--phone", "0113 496 0123",
            "--verification", "Staff ID NG-4471"]  # fmt: skip
CHECK = ["--signatory", "Priya Shah", "--job-title", "Principal", "--manager",
         "--signed-agreement", "--signature", "hand-signed"]  # fmt: skip
LONDON = ZoneInfo("Europe/London")
CALLBACK = ["--dialled", ORG_PHONE, "--confirmed-by", "Dev Patel, Vice Principal"]


@dataclass
class RecordingTerminal:
    """Stands in for the operator's terminal: records what is shown on it."""

    where: str
    to_stdout: bool
    shown: list[str] = field(default_factory=list)
    closed: bool = False

    def show_once(self, text: str) -> None:
        self.shown.append(text)

    def close(self) -> None:
        self.closed = True


@dataclass
class Terminals:
    """What open_terminal gives the command: a terminal (stdout when allowed and ``stdout``
    is set, else the controlling one), or none at all."""

    available: bool = True
    stdout_is_terminal: bool = False
    opened: list[RecordingTerminal] = field(default_factory=list)
    asked: list[bool] = field(default_factory=list)  # stdout_allowed, per call

    def open(self, *, stdout_allowed: bool) -> RecordingTerminal | None:
        self.asked.append(stdout_allowed)
        if not self.available:
            return None
        if stdout_allowed and self.stdout_is_terminal:
            opened = RecordingTerminal("this terminal", to_stdout=True)
        else:
            opened = RecordingTerminal("the terminal (/dev/tty)", to_stdout=False)
        self.opened.append(opened)
        return opened

    @property
    def passwords(self) -> list[str]:
        return [t.rsplit(": ", 1)[1] for o in self.opened for t in o.shown]


@pytest.fixture
def tty(monkeypatch: pytest.MonkeyPatch) -> Terminals:
    terminals = Terminals()
    monkeypatch.setattr(terminal, "open_terminal", terminals.open)
    return terminals


@pytest.fixture
def run(
    services: Services,
    agent: Actor,
    admin: Actor,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Runner:
    """Northgate College, whose only super user (jo.bloggs) is suspended; Riverside School,
    one of whose super users is suspended while the other (sam.okafor) can act; an agent
    (kim.lee) and two admins: ada.admin prepares cases, other.admin reviews them."""
    monkeypatch.setenv("LRS_DATABASE_URL", database_url)
    with services.db.transaction() as session:
        college = organisation(session, NORTHGATE, "Northgate College")
        portal_user(session, college, "jo.bloggs", "Jo", "Bloggs", status="suspended")
        portal_user(session, college, "tom.reed", "Tom", "Reed", roles=("online-user",))
        school = organisation(session, RIVERSIDE, "Riverside School", kind="school")
        portal_user(session, school, "sam.okafor", "Sam", "Okafor")
        portal_user(session, school, "ann.lee", "Ann", "Lee", status="suspended")
    desk_admin(services, "other.admin")
    return Runner(capsys, monkeypatch)


def received() -> str:
    """The form arrived three days before the commands run (on the tests' fixed clock)."""
    return (TEST_NOW - timedelta(days=3)).date().isoformat()


def opened(run: Runner) -> str:
    return str(
        run.json("ada.admin", "su-case", "open", NORTHGATE, "--reason", "suspended",
                 "--received", received(), "--form-phone", FORM_PHONE)["reference"]
    )  # fmt: skip


def reviewed(run: Runner, reference: str) -> tuple[str, str]:
    """The second admin's review: the --version their approval names."""
    return ("--version", str(run.json("other.admin", "su-case", "show", reference)["version"]))


def prepared(run: Runner) -> str:
    """A case with every check recorded by ada.admin: waiting for a second admin."""
    reference = recorded(run)
    run.ok("ada.admin", "su-case", "callback", reference, *CALLBACK)
    return reference


def recorded(run: Runner) -> str:
    """A case with the signatory and the new super user: what the call-back confirms (§3.6)."""
    reference = opened(run)
    run.ok("ada.admin", "su-case", "check", reference, *CHECK)
    run.ok("ada.admin", "su-case", "new-user", reference, *NEW_USER)
    return reference


def account(services: Services, username: str) -> PortalUser | None:
    with services.db.transaction(read_only=True) as session:
        found = session.execute(select(PortalUser).where(PortalUser.username == username))
        user = found.scalar_one_or_none()
        if user is not None:
            session.expunge(user)
        return user


def every_stored_value(services: Services) -> Iterator[str]:
    """Every value in every table, as text."""
    with services.db.transaction(read_only=True) as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(text(f'SELECT * FROM "{table.name}"')):
                yield from (str(v) for v in row)


# --- preparing a case (§3.6) -------------------------------------------------------------------


def test_an_admin_opens_a_case_and_records_each_check(run: Runner, tty: Terminals) -> None:
    out = run.ok("ada.admin", "su-case", "open", NORTHGATE, "--reason", "suspended",
                 "--received", received(), "--form-phone", FORM_PHONE)  # fmt: skip
    lines = out.splitlines()
    assert lines[0] == (
        f"opened {REFERENCE}: Northgate College; reason: suspended and cannot answer the"
        " security question"
    )
    assert "lost super user: Jo Bloggs (jo.bloggs)" in lines[1]
    assert lines[2] == (
        "next: su-case check, then new-user, then call back on the register's number,"
        " 0113 496 0500 (never the form's) to confirm them"
    )
    assert lines[-1].startswith("status prepared; still to record: signatory, new super user,"
                                " call-back (version ")  # fmt: skip
    out = run.ok("ada.admin", "su-case", "check", REFERENCE, *CHECK)
    assert "still to record: new super user, call-back" in out
    out = run.ok("ada.admin", "su-case", "new-user", REFERENCE, *NEW_USER)
    assert "still to record: call-back" in out
    case = run.json("ada.admin", "su-case", "callback", REFERENCE, *CALLBACK)
    assert case["missing"] == [] and case["new_username"] == "amara.okoye"
    assert case["status"] == "prepared" and case["approvable"] is False  # ada prepared it
    out = run.ok("ada.admin", "su-case", "show", REFERENCE)
    assert out.startswith(f"{REFERENCE}  prepared  Northgate College (UKPRN {NORTHGATE})")
    assert "Signatory      Priya Shah, Principal" in out
    assert "manager status or above; signed by hand; signed the Organisation Agreement" in out
    assert "Confirmed by   Dev Patel, Vice Principal" in out
    assert "Username       amara.okoye" in out
    assert "Waiting        ready for a second admin to approve or reject" in out
    assert tty.asked == []  # no terminal is wanted before approval


def test_list_and_the_organisations_view_show_the_case(run: Runner, tty: Terminals) -> None:
    reference = opened(run)
    out = run.ok("other.admin", "su-case", "list", "--status", "prepared")
    assert out.splitlines()[0].startswith(f"{reference}  prepared  suspended")
    assert out.splitlines()[-1] == "1 case"
    found = run.json("other.admin", "su-case", "list", "--ukprn", RIVERSIDE)
    assert found == {"cases": []}
    view = run.json("other.admin", "org", "show", NORTHGATE)
    assert [c["reference"] for c in view["cases"]] == [reference]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        # Refused while the organisation has a super user who can act: they can do it (§3.2).
        ([RIVERSIDE, "--reason", "suspended"], "has an active super user, Sam Okafor (sam.okafor)"),
        # The reason is checked against the data: nobody at Northgate is on long-term leave.
        ([NORTHGATE, "--reason", "long-term-leave"], "Reason: the form says the super user is on"),
        (["1234", "--reason", "suspended"], "UKPRN"),
    ],
)
def test_a_case_the_data_do_not_bear_out_is_refused(
    run: Runner, tty: Terminals, argv: list[str], message: str
) -> None:
    err = run.refused("ada.admin", "su-case", "open", *argv, "--received", received())
    assert err.startswith("lrs-desk: error: ") and message in err
    assert run.json("ada.admin", "su-case", "list") == {"cases": []}


def test_an_agent_may_not_open_a_case_and_the_refusal_is_audited(
    run: Runner, services: Services
) -> None:
    err = run.refused("kim.lee", "su-case", "open", NORTHGATE, "--reason", "suspended",
                      "--received", received())  # fmt: skip
    assert err.startswith("lrs-desk: error: ")
    refusal = audit_log(services, limit=1)[0]
    assert refusal.actor == "kim.lee" and refusal.outcome != "ok"


def test_a_typed_signature_is_refused_as_the_form_requires(run: Runner) -> None:
    # §3.6: the form is signed by hand; `--signature typed` reaches the core as not
    # hand-signed and the core refuses it with the form's rule.
    reference = opened(run)
    typed = [*CHECK[:-1], "typed"]
    err = run.refused("ada.admin", "su-case", "check", reference, *typed)
    assert err.startswith("lrs-desk: error: Signature: must be signed by hand (§3.6)")
    case = run.json("ada.admin", "su-case", "show", reference)
    assert case["signatory"] is None and "signatory" in case["missing"]


def test_a_signatory_below_manager_is_refused(run: Runner) -> None:
    reference = opened(run)
    argv = [a if a != "--manager" else "--not-manager" for a in CHECK]
    err = run.refused("ada.admin", "su-case", "check", reference, *argv)
    assert err.startswith("lrs-desk: error: Signatory: must be of manager status or above")


def test_a_call_back_on_the_forms_number_is_refused(run: Runner) -> None:
    # The step that defeats a forged form: the register's number, never the form's.
    reference = recorded(run)
    err = run.refused("ada.admin", "su-case", "callback", reference, "--dialled", FORM_PHONE,
                      "--confirmed-by", "Dev Patel, Vice Principal")  # fmt: skip
    assert err.startswith("lrs-desk: error: Call-back number: is the number on the form")
    assert "0113 496 0500" in err
    assert run.json("ada.admin", "su-case", "show", reference)["callback_phone"] is None


def test_a_call_back_time_is_read_as_uk_time(run: Runner) -> None:
    reference = recorded(run)
    an_hour_ago = (TEST_NOW - timedelta(hours=1)).astimezone(LONDON)
    at = an_hour_ago.strftime("%d/%m/%Y %H:%M")
    case = run.json("ada.admin", "su-case", "callback", reference, *CALLBACK, "--at", at)
    called_at = datetime.fromisoformat(case["callback_at"])
    assert called_at == an_hour_ago.replace(second=0, microsecond=0)
    err = run.refused("ada.admin", "su-case", "callback", reference, *CALLBACK, "--at", "25:00")
    assert err.startswith("lrs-desk: error: Call-back time:")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("09:30", datetime(2026, 11, 23, 9, 30, tzinfo=UTC)),  # GMT in November
        ("23/11/2026 14:05", datetime(2026, 11, 23, 14, 5, tzinfo=UTC)),
        ("3 Jul 2026 14:05", datetime(2026, 7, 3, 13, 5, tzinfo=UTC)),  # BST
        ("2026-07-03T14:05", datetime(2026, 7, 3, 13, 5, tzinfo=UTC)),
        ("2026-07-03T14:05+00:00", datetime(2026, 7, 3, 14, 5, tzinfo=UTC)),
    ],
)
def test_parse_call_time(typed: str, expected: datetime) -> None:
    assert parse_call_time(typed, datetime(2026, 11, 23, 10, 0, tzinfo=UTC)) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "", "noon", "24:00", "12:60", "31/2/2026 10:00", "2026-13T1",
        # UTC out of Python's range: an OverflowError (a traceback), not a refusal, before
        "0001-01-01T00:00+01:00", "9999-12-31T23:59-01:00",
    ],
)  # fmt: skip
def test_parse_call_time_refuses_naming_the_field(typed: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_call_time(typed, datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    assert refused.value.field == "Call-back time"


def test_a_stale_version_is_refused(run: Runner) -> None:
    # --version N: a case another admin changed since it was read is refused.
    reference = opened(run)
    version = run.json("ada.admin", "su-case", "show", reference)["version"]
    run.ok("other.admin", "su-case", "check", reference, *CHECK)
    err = run.refused("ada.admin", "su-case", "callback", reference, *CALLBACK,
                      "--version", str(version))  # fmt: skip
    assert err.startswith("lrs-desk: error: ")
    assert run.json("ada.admin", "su-case", "show", reference)["callback_phone"] is None


def test_the_call_back_comes_after_the_signatory_and_new_super_user(
    run: Runner, tty: Terminals
) -> None:
    # §3.6: the call-back confirms the signatory and the new super user, so it is refused
    # before them; changing the new super user after it clears it, saying why.
    reference = opened(run)
    run.ok("ada.admin", "su-case", "check", reference, *CHECK)
    err = run.refused("ada.admin", "su-case", "callback", reference, *CALLBACK)
    assert err.startswith(
        "lrs-desk: error: Call-back: record the signatory and the new super user first"
    )
    run.ok("ada.admin", "su-case", "new-user", reference, *NEW_USER)
    out = run.ok("ada.admin", "su-case", "callback", reference, *CALLBACK)
    assert "signatory Priya Shah, new super user Amara Okoye (amara.okoye)" in out
    out = run.ok("ada.admin", "su-case", "new-user", reference, *NEW_USER)  # the same: kept
    assert "still to record" not in out
    changed = [a if a != "Okoye" else "Okafor" for a in NEW_USER]
    out = run.ok("ada.admin", "su-case", "new-user", reference, *changed)
    assert "call-back to make again: the new super user changed (family name" in out
    assert "still to record: call-back" in out
    err = run.refused("other.admin", "su-case", "approve", reference, *reviewed(run, reference))
    assert "still lacks: call-back" in err


HOSTILE = json.loads((Path(__file__).parent.parent / "data/hostile-text.json").read_text())


def terminal_safe(text: str) -> bool:
    """No control but the program's own line feeds; no bidi or other invisible character."""
    return not any(
        (unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") and c != "\n")
        or c in BIDI_CONTROLS
        for c in text
    )


@pytest.mark.parametrize("case", HOSTILE, ids=[c["name"] for c in HOSTILE])
def test_hostile_text_never_reaches_the_terminal_raw(run: Runner, case: dict[str, str]) -> None:
    # What the caller said (who confirmed the call-back) passes the text rule on the way in
    # (refused: one line naming the field) and shown() on the way out, --json too.
    reference = recorded(run)
    code, out, err = run("ada.admin", "su-case", "callback", reference, "--dialled", ORG_PHONE,
                         "--confirmed-by", case["text"])  # fmt: skip
    assert terminal_safe(out) and terminal_safe(err)
    if code != 0:
        assert code == EXIT_ERROR and len(err.strip().splitlines()) == 1
        assert err.startswith("lrs-desk: error: Confirmed by: ")
        return
    code, out, _ = run("ada.admin", "su-case", "show", reference)
    assert code == 0 and terminal_safe(out)
    code, out, _ = run("ada.admin", "su-case", "show", reference, "--json")
    assert out.isascii() and terminal_safe(out)


# --- two admins (§3.6 as the desk runs it) ----------------------------------------------------


def test_the_admin_who_prepared_a_case_cannot_approve_it_and_the_refusal_is_audited(
    run: Runner, services: Services, tty: Terminals
) -> None:
    reference = prepared(run)
    err = run.refused("ada.admin", "su-case", "approve", reference)
    assert err.startswith("lrs-desk: error: ")
    assert account(services, "amara.okoye") is None
    assert tty.passwords == []
    refusal = audit_log(services, limit=1)[0]
    assert (refusal.actor, refusal.subject_id) == ("ada.admin", reference)
    assert refusal.outcome != "ok"
    assert run.json("other.admin", "su-case", "show", reference)["status"] == "prepared"


def test_a_second_admin_rejects_with_a_reason(run: Runner, tty: Terminals) -> None:
    reference = prepared(run)
    case = run.json("other.admin", "su-case", "reject", reference, "--reason",
                    "The signatory is not on the register")  # fmt: skip
    assert case["status"] == "rejected"
    assert case["decision_reason"] == "The signatory is not on the register"
    assert case["decided_by"] == "other.admin"
    err = run.refused("other.admin", "su-case", "approve", reference)
    assert err.startswith("lrs-desk: error: ")
    assert tty.passwords == []


# --- the one-time password: once, on the terminal only ----------------------------------------


def test_approve_json_never_carries_the_password(
    run: Runner, services: Services, tty: Terminals, caplog: pytest.LogCaptureFixture
) -> None:
    reference = prepared(run)
    caplog.set_level(logging.DEBUG)
    code, out, err = run(
        "other.admin", "su-case", "approve", reference, "--json", *reviewed(run, reference)
    )
    assert code == 0, err
    assert tty.asked == [False]  # --json: never standard output, even on a terminal
    [password] = tty.passwords
    assert tty.opened[0].shown[0].startswith("One-time password for amara.okoye (shown once")
    assert tty.opened[0].closed
    approval = json.loads(out)
    assert approval["username"] == "amara.okoye"
    assert approval["one_time_password"] is None
    assert approval["one_time_password_shown_on"] == "the terminal (/dev/tty)"
    assert approval["case"]["status"] == "approved"
    assert approval["case"]["decided_by"] == "other.admin"
    # Nowhere but the terminal: not stdout, not stderr, not a log, not the audit trail, not
    # the database (only its Argon2id hash, which the password verifies against).
    assert password not in out and password not in err and password not in caplog.text
    details = [str(e.detail) for e in audit_log(services, limit=1000)]
    assert not any(password in d for d in details)
    assert not any(password in v for v in every_stored_value(services))
    created = account(services, "amara.okoye")
    assert created is not None and verify_password(password, created.password_hash)
    assert str(created.status) == "active"


def test_approve_on_a_terminal_shows_the_password_there_once(
    run: Runner, services: Services, tty: Terminals
) -> None:
    tty.stdout_is_terminal = True
    reference = prepared(run)
    code, out, err = run("other.admin", "su-case", "approve", reference, *reviewed(run, reference))
    assert code == 0, err
    assert tty.asked == [True]
    assert out.startswith(
        f"{reference}: approved; super user amara.okoye created for Northgate College\n"
    )
    assert "old super user: jo.bloggs: suspended" in out
    assert f"su-case complete {reference} --handed-to NAME" in err
    assert len(tty.passwords) == 1
    # Approving again gives no second password: the case is no longer prepared.
    err = run.refused("other.admin", "su-case", "approve", reference)
    assert len(tty.passwords) == 1


def test_approve_with_stdout_redirected_says_where_the_password_went(
    run: Runner, tty: Terminals
) -> None:
    reference = prepared(run)
    out = run.ok("other.admin", "su-case", "approve", reference, *reviewed(run, reference))
    assert tty.asked == [True]  # allowed, but stdout is not a terminal here
    [password] = tty.passwords
    assert password not in out
    assert "one-time password: shown once on the terminal (/dev/tty), not in this output" in out


def test_approve_with_no_terminal_refuses_before_approving(
    run: Runner, services: Services, tty: Terminals
) -> None:
    # No terminal: nobody would see the password, so no account is made.
    reference = prepared(run)
    tty.available = False
    before = len(audit_log(services, limit=1000))
    for argv in ([], ["--json"]):
        err = run.refused("other.admin", "su-case", "approve", reference, *argv)
        assert err == f"lrs-desk: error: {NO_TERMINAL}"
    assert len(audit_log(services, limit=1000)) == before  # not even a sign-in
    assert account(services, "amara.okoye") is None
    tty.available = True
    assert run.json("other.admin", "su-case", "show", reference)["status"] == "prepared"


def test_complete_records_whom_the_password_reached(run: Runner, tty: Terminals) -> None:
    reference = prepared(run)
    run.ok("other.admin", "su-case", "approve", reference, *reviewed(run, reference))
    case = run.json("ada.admin", "su-case", "complete", reference, "--handed-to",
                    "Amara Okoye, by phone on the register's number")  # fmt: skip
    assert case["status"] == "completed" and case["completed_by"] == "ada.admin"
    out = run.ok("ada.admin", "su-case", "show", reference)
    assert "Completed" in out and "Decided        approved" in out


# --- the terminal itself (lrs_cli/terminal.py) ---------------------------------------------


@pytest.fixture
def pty(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A pseudo-terminal standing in for the controlling terminal; yields its master side."""
    master, slave = os.openpty()
    monkeypatch.setattr(terminal, "CONTROLLING_TERMINAL", os.ttyname(slave))
    yield master
    os.close(slave)
    os.close(master)


def read_pty(master: int) -> str:
    return os.read(master, 65536).decode().replace("\r\n", "\n")


def test_the_controlling_terminal_receives_the_password_end_to_end(
    run: Runner, services: Services, pty: int, caplog: pytest.LogCaptureFixture
) -> None:
    # No stand-in: approve --json opens the (pseudo-)terminal itself, and the password is
    # read back from it; stdout has the JSON with null.
    reference = prepared(run)
    caplog.set_level(logging.DEBUG)
    code, out, err = run(
        "other.admin", "su-case", "approve", reference, "--json", *reviewed(run, reference)
    )
    assert code == 0, err
    shown = read_pty(pty)
    assert shown.startswith("One-time password for amara.okoye (shown once")
    password = shown.strip().rsplit(": ", 1)[1]
    assert password not in out + err + caplog.text
    assert '"one_time_password": null' in out
    created = account(services, "amara.okoye")
    assert created is not None and verify_password(password, created.password_hash)


def test_a_file_is_not_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "not-a-tty"
    file.write_text("")
    monkeypatch.setattr(terminal, "CONTROLLING_TERMINAL", str(file))
    assert terminal.open_terminal(stdout_allowed=False) is None
    monkeypatch.setattr(terminal, "CONTROLLING_TERMINAL", str(tmp_path / "absent"))
    assert terminal.open_terminal(stdout_allowed=False) is None
    assert file.read_text() == ""


class _TerminalStdout(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_stdout_is_used_only_when_allowed_and_a_terminal(
    pty: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _TerminalStdout()
    monkeypatch.setattr("sys.__stdout__", out)
    shown_on = terminal.open_terminal(stdout_allowed=True)
    assert shown_on is not None and shown_on.to_stdout
    shown_on.show_once("secret")
    shown_on.close()
    assert out.getvalue() == "secret\n"
    shown_on = terminal.open_terminal(stdout_allowed=False)  # --json: the terminal instead
    assert shown_on is not None and not shown_on.to_stdout
    shown_on.show_once("secret")
    shown_on.close()
    assert read_pty(pty) == "secret\n" and out.getvalue() == "secret\n"
    monkeypatch.setattr("sys.__stdout__", io.StringIO())  # stdout redirected to a file
    shown_on = terminal.open_terminal(stdout_allowed=True)
    assert shown_on is not None and not shown_on.to_stdout
    shown_on.close()


# --- every command -----------------------------------------------------------------------------


def test_every_su_case_command_acts_as_an_operator_and_speaks_json() -> None:
    commands = subcommands("su-case")
    assert set(commands) == {"open", "check", "callback", "new-user", "approve", "reject",
                             "complete", "show", "list"}  # fmt: skip
    for name, sub in commands.items():
        options = {o: a for a in sub._actions for o in a.option_strings}
        assert options["--operator"].required, name
        assert "--json" in options, name
        if name not in {"open", "show", "list"}:
            assert "--version" in options, name


def test_without_an_operator_nothing_is_approved(
    run: Runner, services: Services, tty: Terminals, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["su-case", "approve", REFERENCE])
    assert exit_info.value.code == EXIT_ERROR and "--operator" in capsys.readouterr().err
    assert tty.asked == []


def test_json_leaves_a_field_kept_out_of_repr_out_as_null(run: Runner, tty: Terminals) -> None:
    # output.plain(): an Approval printed whole by any command still carries no password.
    from lrs_cli.output import plain
    from lrs_core.services.accounts_view import Approval

    reference = prepared(run)
    case = run.json("other.admin", "su-case", "show", reference)
    approval = Approval(case=case, username="amara.okoye", one_time_password="Xy7-secret-Q")
    assert plain(approval) == {"case": case, "username": "amara.okoye", "one_time_password": None}
