"""`lrs-desk intake ...`: the encrypted-passphrase intake from the command line, with the
same rules, refusals and audit as the TUI (issue 13 item 7; User Guide §1.4, §7.1; DOMAIN.md
"Security and the encrypted intake").

The provider's passphrase comes only from a prompt with echo off or LRS_INTAKE_PASSPHRASE,
never an argument (it would land in the shell's history and the process list), and is
printed nowhere; the export's new passphrase is shown once on the terminal only, never in
``--json`` or a redirected output, and with no terminal the export is refused before it is
made. ``scan`` and ``purge`` run from cron with no operator. The emails, zips and sheets are
made here, in memory, with synthetic learners."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
import pyzipper
from factories import TEST_NOW, analyst, audit_log, learner, organisation, portal_user
from running import PASSWORDS, Runner, subcommands

from lrs_cli import main as cli
from lrs_cli import terminal
from lrs_cli.intake import NO_TERMINAL, PASSPHRASE_VARIABLE
from lrs_cli.main import EXIT_ERROR, main
from lrs_core.actor import Actor
from lrs_core.domain.breaches import step_wording
from lrs_core.domain.kinds import LadderStep
from lrs_core.services import Services

ANALYST = "ana.lyst"
NORTHGATE = "10012345"
SENDER = "sam.okafor@northgate.example.org"  # Northgate's portal user sam.okafor
# What the sender phones in: meets the guidance (15+ characters, letters, digits, symbols).
PASSPHRASE = "Quill-Meadow-7316-Copper?"
SHORT = "meadow7316"  # opens its own file, but falls short of the guidance (§1.4)
WRONG = "Quill-Meadow-0000-Tin?"
SIAN = "9276308686"  # in the register: the sheet's first row matches her by ULN


# --- what the provider sends (made here, in memory) -------------------------------------------

SHEET = (
    "ULN,Forename,Surname,DOB,Gender,Post Code\r\n"
    f"{SIAN},Sian,Jones,14/03/2008,2,SW1A 1AA\r\n"  # exact match by ULN (WSRC0004)
    ",Tobias,Quillfeather,02/06/2007,1,LS1 4AP\r\n"  # nobody like him: no match (WSRC0001)
    ",Mina,Ashdown,31/02/2008,2,M1 1AE\r\n"  # no 31 February: fails validation
)


def aes_zip(passphrase: str, members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(
        buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
    ) as archive:
        archive.setpassword(passphrase.encode())
        for name, text in members.items():
            archive.writestr(name, text.encode())
    return buffer.getvalue()


def email(
    *,
    subject: str = "Learners to match",
    body: str = "Please match the attached learners; the passphrase follows by phone.",
    sender: str | None = SENDER,
    attachment: tuple[str, bytes] | None = None,
) -> bytes:
    message = EmailMessage()
    if sender is not None:
        message["From"] = f"Sam Okafor <{sender}>"
    message["To"] = "lrs.desk@example.gov.uk"
    message["Subject"] = subject
    message["Date"] = "Mon, 23 Nov 2026 08:15:00 +0000"
    message["Message-ID"] = f"<{abs(hash((subject, body, attachment)))}@northgate.example.org>"
    message.set_content(body)
    if attachment is not None:
        name, content = attachment
        message.add_attachment(content, maintype="application", subtype="zip", filename=name)
    return message.as_bytes()


def compliant(passphrase: str = PASSPHRASE) -> bytes:
    """An AES-256 zip of learners, the passphrase phoned: no breach."""
    return email(attachment=("learners.zip", aes_zip(passphrase, {"learners.csv": SHEET})))


def breach() -> bytes:
    """A ULN and a date of birth in a plain body (§1.4: a ULN with a demographic)."""
    return email(
        subject="Learner query",
        body=f"Please check learner {SIAN}, date of birth 14/03/2008, before Friday.",
    )


# --- running the commands ---------------------------------------------------------------------


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
    available: bool = True
    stdout_is_terminal: bool = False
    opened: list[RecordingTerminal] = field(default_factory=list)

    def open(self, *, stdout_allowed: bool) -> RecordingTerminal | None:
        if not self.available:
            return None
        to_stdout = stdout_allowed and self.stdout_is_terminal
        where = "this terminal" if to_stdout else "the terminal (/dev/tty)"
        self.opened.append(RecordingTerminal(where, to_stdout))
        return self.opened[-1]

    @property
    def passphrases(self) -> list[str]:
        return [t.rsplit(": ", 1)[1] for o in self.opened for t in o.shown]


@pytest.fixture
def tty(monkeypatch: pytest.MonkeyPatch) -> Terminals:
    terminals = Terminals()
    monkeypatch.setattr(terminal, "open_terminal", terminals.open)
    return terminals


class IntakeRunner(Runner):
    """Runner, plus the cron jobs' runs with no operator and every output kept (to look for
    the passphrase in)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.everything: list[str] = []

    def __call__(self, who: str, *argv: str) -> tuple[int, str, str]:
        code, out, err = super().__call__(who, *argv)
        self.everything += [out, err]
        return code, out, err

    def system(self, *argv: str) -> tuple[int, str, str]:
        """`lrs-desk ARGV` with no --operator (and no password: cron has none)."""
        self.monkeypatch.delenv("LRS_OPERATOR_PASSWORD", raising=False)
        try:
            code = main(list(argv))
        except SystemExit as exit_info:
            code = int(exit_info.code or 0)
        captured = self.capsys.readouterr()
        self.everything += [captured.out, captured.err]
        return code, captured.out, captured.err

    def add(self, tmp: Path, raw: bytes, name: str = "message.eml") -> str:
        path = tmp / name
        path.write_bytes(raw)
        return str(self.json(ANALYST, "intake", "add", str(path))["row"]["reference"])


@pytest.fixture
def run(
    services: Services,
    agent: Actor,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> IntakeRunner:
    """Northgate College with its portal user sam.okafor (who sends the emails), Sian Jones
    in the register, an analyst (ana.lyst) who handles the intake and an agent (kim.lee), who
    may not."""
    monkeypatch.setenv("LRS_DATABASE_URL", database_url)
    monkeypatch.setitem(PASSWORDS, ANALYST, "Ana-Lyst-2026")
    with services.db.transaction() as session:
        college = organisation(session, NORTHGATE, "Northgate College")
        portal_user(session, college, "sam.okafor", "Sam", "Okafor", email=SENDER)
        session.add(learner(SIAN, "Sian", "Jones", date_of_birth=date(2008, 3, 14)))
    analyst(services, ANALYST, "Ana-Lyst-2026")
    return IntakeRunner(capsys, monkeypatch)


@pytest.fixture
def phoned(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The passphrase as a job with no terminal gives it."""
    monkeypatch.setenv(PASSPHRASE_VARIABLE, PASSPHRASE)
    yield


def opened(run: IntakeRunner, tmp_path: Path) -> str:
    reference = run.add(tmp_path, compliant())
    run.monkeypatch.setenv(PASSPHRASE_VARIABLE, PASSPHRASE)
    run.ok(ANALYST, "intake", "open", reference)
    return reference


# --- the commands exist, each with --json -----------------------------------------------------


def leaf_parsers() -> dict[str, object]:
    found = {}
    for name, parser in subcommands("intake").items():
        nested = [a for a in parser._actions if a.choices and a.dest.endswith("_command")]
        if nested:
            for sub, sub_parser in nested[0].choices.items():  # type: ignore[union-attr]
                found[f"{name} {sub}"] = sub_parser
        else:
            found[name] = parser
    return found


def test_every_intake_command_is_there_with_json() -> None:
    parsers = leaf_parsers()
    assert {"scan", "add", "list", "show", "open", "rows", "match", "export", "close", "purge",
            "incident show", "incident step", "incident close"} <= set(parsers)  # fmt: skip
    for name, parser in parsers.items():
        options = {o for a in parser._actions for o in a.option_strings}  # type: ignore[attr-defined]
        assert "--json" in options, name


@pytest.mark.parametrize("argv", [
    ["--passphrase", PASSPHRASE], [f"--passphrase={PASSPHRASE}"], ["--password", PASSPHRASE],
])  # fmt: skip
def test_the_passphrase_is_never_an_argument(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 13 item 7: an argument lands in the shell's history and the process list; argparse
    refuses it, saying how to give it, without repeating it."""
    with pytest.raises(SystemExit) as refused:
        main(["intake", "open", "IN-20261123-0001", *argv, "--operator", ANALYST])
    assert refused.value.code == EXIT_ERROR
    out, err = capsys.readouterr()
    assert out == "" and PASSPHRASE not in err
    assert "never an argument" in err and PASSPHRASE_VARIABLE in err
    assert len(err.strip().splitlines()) == 1
    # and no option of `open` takes one (the refusal is hidden from --help)
    parser = leaf_parsers()["open"]
    takes = [a for a in parser._actions if a.option_strings and a.help != "==SUPPRESS=="]  # type: ignore[attr-defined]
    assert not any("pass" in o for a in takes for o in a.option_strings)


# --- receiving --------------------------------------------------------------------------------


def test_scan_runs_from_cron_with_no_operator(run: IntakeRunner, tmp_path: Path) -> None:
    mailbox = tmp_path / "mailbox"
    mailbox.mkdir()
    (mailbox / "1.eml").write_bytes(compliant())
    (mailbox / "2.eml").write_bytes(breach())
    code, out, err = run.system("intake", "scan", "--folder", str(mailbox))
    assert code == 0, err
    assert out.splitlines()[0] == f"scanned {mailbox}: 2 added, 0 already received, 0 refused"
    added = [line.split()[1] for line in out.splitlines()[1:]]
    assert len(added) == 2 and all(r.startswith("IN-") for r in added)
    assert {e.actor for e in audit_log(run_services(run))} >= {"system:intake-scan"}
    # a second scan adds nothing: each message once
    code, out, _ = run.system("intake", "scan", "--folder", str(mailbox), "--json")
    assert code == 0
    assert json.loads(out) == {"added": [], "already": 2, "refused": []}


def run_services(run: IntakeRunner) -> Services:
    return cli.Context().services()


def test_scan_says_which_message_it_refused_and_exits_1(run: IntakeRunner, tmp_path: Path) -> None:
    mailbox = tmp_path / "mailbox"
    mailbox.mkdir()
    (mailbox / "good.eml").write_bytes(compliant())
    (mailbox / "nobody.eml").write_bytes(email(sender=None))  # no sender address at all
    code, out, err = run.system("intake", "scan", "--folder", str(mailbox))
    assert code == 1, err
    assert "1 added, 0 already received, 1 refused" in out
    assert any(line.startswith("refused nobody.eml: ") for line in out.splitlines())


def test_scan_and_purge_quiet_for_cron(run: IntakeRunner, tmp_path: Path) -> None:
    """Cron mails whatever a job prints: --quiet says nothing unless a message needs a look."""
    mailbox = tmp_path / "mailbox"
    mailbox.mkdir()
    (mailbox / "1.eml").write_bytes(compliant())
    assert run.system("intake", "scan", "--folder", str(mailbox), "--quiet") == (0, "", "")
    assert run.system("intake", "purge", "--quiet") == (0, "", "")
    (mailbox / "2.eml").write_bytes(email(sender=None))
    code, out, _ = run.system("intake", "scan", "--folder", str(mailbox), "--quiet")
    assert code == 1 and "refused 2.eml: " in out


def test_scan_as_an_operator(run: IntakeRunner, tmp_path: Path) -> None:
    mailbox = tmp_path / "mailbox"
    mailbox.mkdir()
    (mailbox / "1.eml").write_bytes(compliant())
    result = run.json(ANALYST, "intake", "scan", "--folder", str(mailbox))
    assert len(result["added"]) == 1
    assert ANALYST in {e.actor for e in audit_log(run_services(run))}


def test_add_shows_the_case_with_its_findings_first(run: IntakeRunner, tmp_path: Path) -> None:
    """§1.4: a breach is noticed before anyone reads further; the case view says so first."""
    path = tmp_path / "query.eml"
    path.write_bytes(breach())
    out = run.ok(ANALYST, "intake", "add", str(path))
    lines = out.splitlines()
    assert lines[0].startswith("received IN-") and lines[0].endswith(f"from {SENDER}")
    assert lines[1].endswith("BREACH")
    assert lines[2].startswith("Breach findings (")
    findings = lines[2 : lines.index("")]
    assert any(line.startswith("  uln-with-demographic: A ULN with") for line in findings)
    order = [next(i for i, line in enumerate(lines) if line.startswith(label))
             for label in ("Breach findings", "Sender", "Status", "Incident")]  # fmt: skip
    assert order == sorted(order)
    assert SIAN not in out  # the findings name the kind of data, never the data
    assert "next: nothing to open" in lines[-1]


def test_add_json(run: IntakeRunner, tmp_path: Path) -> None:
    path = tmp_path / "learners.eml"
    path.write_bytes(compliant())
    case = run.json(ANALYST, "intake", "add", str(path))
    assert case["row"]["status"] == "awaiting-passphrase"
    assert case["row"]["sender_email"] == SENDER
    assert case["row"]["breach"] is False and case["findings"] == []
    assert [(a["filename"], a["kind"]) for a in case["attachments"]] == [
        ("learners.zip", "aes-zip")
    ]
    assert case["row"]["organisation"].startswith(NORTHGATE)


def test_add_with_the_senders_address_when_the_message_has_none(
    run: IntakeRunner, tmp_path: Path
) -> None:
    path = tmp_path / "forwarded.eml"
    path.write_bytes(
        email(sender=None, attachment=("l.zip", aes_zip(PASSPHRASE, {"l.csv": SHEET})))
    )
    case = run.json(ANALYST, "intake", "add", str(path), "--sender", SENDER)
    assert case["row"]["sender_email"] == SENDER


@pytest.mark.parametrize(("make", "says"), [
    (lambda tmp: tmp / "missing.eml", "No such file or directory"),
    (lambda tmp: tmp, "Is a directory"),
])  # fmt: skip
def test_add_refuses_a_file_it_cannot_read_in_one_line(
    run: IntakeRunner, tmp_path: Path, make: object, says: str
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    err = run.refused(ANALYST, "intake", "add", str(path))
    assert err == f"lrs-desk: error: cannot read {path}: {says} (nothing was added)"


def test_the_same_message_twice_is_refused_naming_its_case(
    run: IntakeRunner, tmp_path: Path
) -> None:
    reference = run.add(tmp_path, compliant())
    assert reference in run.refused(ANALYST, "intake", "add", str(tmp_path / "message.eml"))


def test_an_agent_may_not_handle_the_intake(run: IntakeRunner, tmp_path: Path) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(compliant())
    for argv in (["add", str(path)], ["list"]):
        assert run.refused("kim.lee", "intake", *argv).startswith("lrs-desk: error: ")


# --- the queue and a case ---------------------------------------------------------------------


def test_list_filters_by_status_and_breach(run: IntakeRunner, tmp_path: Path) -> None:
    waiting = run.add(tmp_path, compliant(), "a.eml")
    flagged = run.add(tmp_path, breach(), "b.eml")
    out = run.ok(ANALYST, "intake", "list")
    assert out.splitlines()[-1] == "2 cases"
    assert {line.split()[0] for line in out.splitlines()[:-1]} == {waiting, flagged}
    only = run.ok(ANALYST, "intake", "list", "--breach").splitlines()
    assert [line.split()[0] for line in only[:-1]] == [flagged] and "BREACH" in only[0]
    listed = run.json(ANALYST, "intake", "list", "--status", "awaiting-passphrase")
    assert [c["reference"] for c in listed["cases"]] == [waiting]
    code, _, err = run(ANALYST, "intake", "list", "--status", "lost")
    assert code == EXIT_ERROR and "invalid choice" in err


def test_show_and_its_json(run: IntakeRunner, tmp_path: Path) -> None:
    reference = run.add(tmp_path, compliant())
    out = run.ok(ANALYST, "intake", "show", reference).splitlines()
    assert out[0] == f"{reference}  awaiting-passphrase"
    assert out[1] == "Breach findings: none"
    assert any(line.startswith("Tries left") and line.endswith("3 of 3") for line in out)
    assert any("learners.zip  aes-zip" in line for line in out)
    assert (
        out[-1]
        == f"next: when the sender phones the passphrase: `lrs-desk intake open {reference}`"
    )
    case = run.json(ANALYST, "intake", "show", reference)
    assert case["tries_left"] == 3 and case["row"]["reference"] == reference


def test_an_unknown_case_is_one_line(run: IntakeRunner) -> None:
    err = run.refused(ANALYST, "intake", "show", "IN-20261123-9999")
    assert "IN-20261123-9999" in err


def test_sender_set_by_an_analyst(run: IntakeRunner, services: Services, tmp_path: Path) -> None:
    """Item 1: the operator can set or correct who sent it."""
    with services.db.transaction() as session:
        school = organisation(session, "10023456", "Riverside School", kind="school")
        portal_user(session, school, "ann.lee", "Ann", "Lee", email="ann.lee@riverside.example")
    reference = run.add(tmp_path, compliant())
    out = run.ok(ANALYST, "intake", "sender", reference, "--username", "ann.lee")
    assert out.startswith(f"{reference}: sender set to ann.lee, 10023456 Riverside School")
    case = run.json(ANALYST, "intake", "sender", reference, "--ukprn", NORTHGATE)
    assert case["row"]["organisation"] == f"{NORTHGATE} Northgate College"
    assert case["sender_set_by"]
    err = run.refused(ANALYST, "intake", "sender", reference)
    assert "--username" in err and "--ukprn" in err


# --- the passphrase by phone ------------------------------------------------------------------


def test_open_reads_the_passphrase_from_the_environment_with_no_terminal(
    run: IntakeRunner, tmp_path: Path, phoned: None
) -> None:
    reference = run.add(tmp_path, compliant())
    out = run.ok(ANALYST, "intake", "open", reference)
    lines = out.splitlines()
    assert lines[0] == f"{reference}: opened; the passphrase meets the guidance"
    assert "3 rows from learners.zip" in out  # the source names the file
    counts = {line.split()[0]: line.split()[-1] for line in lines if line.startswith("  ")}
    assert counts == {"INVALID": "1", "WSRC0001": "1", "WSRC0004": "1"}
    assert lines[-1] == f"next: `lrs-desk intake rows {reference}`"
    assert PASSPHRASE not in "".join(run.everything)


def test_open_json(run: IntakeRunner, tmp_path: Path, phoned: None) -> None:
    reference = run.add(tmp_path, compliant())
    result = run.json(ANALYST, "intake", "open", reference)
    assert result["case"]["row"]["status"] == "open"
    assert result["guidance_met"] is True and result["advice"] == []
    assert result["row_count"] == 3
    assert result["outcome_counts"] == {"INVALID": 1, "WSRC0001": 1, "WSRC0004": 1}
    assert "rows" not in result  # counts only: the rows are `intake rows`, a look of its own
    assert PASSPHRASE not in json.dumps(result)


def test_open_asks_with_echo_off_at_a_terminal(
    run: IntakeRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At a terminal the passphrase is typed at getpass's prompt (echo off), even when the
    variable is set: the prompt is the way a person gives it."""
    reference = run.add(tmp_path, compliant())
    asked: list[str] = []
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or PASSPHRASE)
    monkeypatch.setenv(PASSPHRASE_VARIABLE, WRONG)
    run.ok(ANALYST, "intake", "open", reference)
    assert asked == [f"passphrase the sender phoned in for {reference} (not shown as you type): "]


def test_nothing_typed_at_the_prompt_is_one_line(
    run: IntakeRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = run.add(tmp_path, compliant())
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)

    def ctrl_d(prompt: str) -> str:
        raise EOFError

    monkeypatch.setattr("getpass.getpass", ctrl_d)
    assert "Passphrase: is required" in run.refused(ANALYST, "intake", "open", reference)


def test_open_with_no_terminal_and_no_variable_says_how(run: IntakeRunner, tmp_path: Path) -> None:
    reference = run.add(tmp_path, compliant())
    err = run.refused(ANALYST, "intake", "open", reference)
    assert "no passphrase" in err and PASSPHRASE_VARIABLE in err and "terminal" in err


def test_an_empty_passphrase_is_refused(
    run: IntakeRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = run.add(tmp_path, compliant())
    monkeypatch.setenv(PASSPHRASE_VARIABLE, "  ")
    assert "Passphrase: is required" in run.refused(ANALYST, "intake", "open", reference)


def test_a_short_passphrase_opens_the_file_with_advice(
    run: IntakeRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """§1.4's guidance (15+ characters, letters, digits, symbols) is advice: recorded as met
    or not, the lines naming what is missing, never the passphrase."""
    reference = run.add(tmp_path, compliant(SHORT))
    monkeypatch.setenv(PASSPHRASE_VARIABLE, SHORT)
    out = run.ok(ANALYST, "intake", "open", reference)
    lines = out.splitlines()
    assert lines[0] == f"{reference}: opened; the passphrase falls short of the guidance:"
    advice = [line for line in lines if line.startswith("  - ")]
    assert advice and "  (advice for the sender: it opened the file all the same)" in lines
    assert SHORT not in "".join(run.everything)
    assert run.json(ANALYST, "intake", "show", reference)["passphrase_guidance_met"] is False


def test_a_wrong_passphrase_is_one_line_with_the_tries_left(
    run: IntakeRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = run.add(tmp_path, compliant())
    monkeypatch.setenv(PASSPHRASE_VARIABLE, WRONG)
    first = run.refused(ANALYST, "intake", "open", reference)
    assert "left" in first and "2" in first
    run.refused(ANALYST, "intake", "open", reference)
    last = run.refused(ANALYST, "intake", "open", reference)
    assert "new file" in last
    assert run.json(ANALYST, "intake", "show", reference)["row"]["status"] == "new-file-needed"
    assert WRONG not in "".join(run.everything)
    details = json.dumps([e.detail for e in audit_log(run_services(run))])
    assert WRONG not in details and PASSPHRASE not in details


def test_open_refuses_a_stale_version(run: IntakeRunner, tmp_path: Path, phoned: None) -> None:
    reference = run.add(tmp_path, compliant())
    version = run.json(ANALYST, "intake", "show", reference)["row"]["row_version"]
    run.ok(ANALYST, "intake", "sender", reference, "--ukprn", NORTHGATE)
    run.refused(ANALYST, "intake", "open", reference, "--version", str(version))


# --- rows and matching ------------------------------------------------------------------------


def test_rows_table_and_filter(run: IntakeRunner, tmp_path: Path) -> None:
    reference = opened(run, tmp_path)
    lines = run.ok(ANALYST, "intake", "rows", reference).splitlines()
    assert lines[0] == f"{reference}: 3 rows from " + lines[0].split(" from ", 1)[1]
    table = {line.split()[0]: line for line in lines[2:]}
    assert set(table) == {"2", "3", "4"}  # the sheet's row numbers: the header is row 1
    assert table["2"].split()[1] == "WSRC0004" and SIAN in table["2"]
    assert table["3"].split()[1] == "WSRC0001"
    assert table["4"].split()[1] == "INVALID" and "Date of birth" in table["4"]
    only = run.ok(ANALYST, "intake", "rows", reference, "--outcome", "invalid").splitlines()
    assert [line.split()[0] for line in only[2:]] == ["4"]
    data = run.json(ANALYST, "intake", "rows", reference, "--outcome", "WSRC0004")
    assert [(r["number"], r["uln"]) for r in data["rows"]] == [(2, SIAN)]
    assert data["header"] == ["ULN", "Forename", "Surname", "DOB", "Gender", "Post Code"]
    assert data["mapping"]["2"] == "family_name"


def test_rows_refuses_an_outcome_that_is_no_code(run: IntakeRunner, tmp_path: Path) -> None:
    reference = opened(run, tmp_path)
    err = run.refused(ANALYST, "intake", "rows", reference, "--outcome", "WSRC9")
    assert "Outcome: must be one of WSRC0001" in err


def test_rows_of_a_case_not_open_is_one_line(run: IntakeRunner, tmp_path: Path) -> None:
    reference = run.add(tmp_path, compliant())
    run.refused(ANALYST, "intake", "rows", reference)


def test_match_again_and_correct_the_mapping(run: IntakeRunner, tmp_path: Path) -> None:
    reference = opened(run, tmp_path)
    out = run.ok(ANALYST, "intake", "match", reference)
    assert out.startswith(f"{reference}: matched again: 3 rows from ")
    # The operator says the Forename column is a preferred name: no given name is left, so
    # every row fails validation (given name is required).
    again = run.json(
        ANALYST, "intake", "match", reference, "--map", "Forename=preferred_given_name"
    )
    assert again["mapping"]["1"] == "preferred_given_name"
    assert again["outcome_counts"] == {"INVALID": 3}
    back = run.json(ANALYST, "intake", "match", reference, "--map", "2=given_name")
    assert back["outcome_counts"] == {"INVALID": 1, "WSRC0001": 1, "WSRC0004": 1}


@pytest.mark.parametrize(("mapping", "says"), [
    ("Forename", "write COL=field"),
    ("9=given_name", "column 9 is not in the sheet"),
    ("Nickname=given_name", "names no column"),
    ("2=shoe_size", "shoe_size"),
])  # fmt: skip
def test_a_wrong_mapping_is_one_line(
    run: IntakeRunner, tmp_path: Path, mapping: str, says: str
) -> None:
    reference = opened(run, tmp_path)
    assert says in run.refused(ANALYST, "intake", "match", reference, "--map", mapping)


def test_version_goes_with_map(run: IntakeRunner, tmp_path: Path) -> None:
    reference = opened(run, tmp_path)
    assert "--version goes with --map" in run.refused(
        ANALYST, "intake", "match", reference, "--version", "3"
    )


# --- the export: a new passphrase, shown once on the terminal only ----------------------------


def test_export_shows_its_passphrase_once_on_the_terminal_only(
    run: IntakeRunner, tmp_path: Path, tty: Terminals
) -> None:
    reference = opened(run, tmp_path)
    out_file = tmp_path / "results.zip"
    out = run.ok(ANALYST, "intake", "export", reference, "--out", str(out_file))
    assert out.splitlines()[0] == f"{reference}: wrote {out_file} (3 rows, an AES-256 zip)"
    assert "shown once on the terminal (/dev/tty), not in this output" in out
    [secret] = tty.passphrases
    assert secret not in "".join(run.everything)
    with pyzipper.AESZipFile(out_file) as archive:
        archive.setpassword(secret.encode())
        names = archive.namelist()
        assert SIAN in archive.read(names[0]).decode("utf-8-sig")
    assert SIAN.encode() not in out_file.read_bytes()  # never in clear


def test_export_json_carries_null_for_the_passphrase(
    run: IntakeRunner, tmp_path: Path, tty: Terminals
) -> None:
    reference = opened(run, tmp_path)
    tty.stdout_is_terminal = True  # even so: --json may be redirected, so /dev/tty
    result = run.json(ANALYST, "intake", "export", reference, "--out", str(tmp_path / "r.zip"))
    assert result["passphrase"] is None
    assert result["passphrase_shown_on"] == "the terminal (/dev/tty)"
    assert result["rows"] == 3 and len(tty.passphrases) == 1
    assert tty.passphrases[0] not in "".join(run.everything)


def test_export_to_a_terminal_stdout(run: IntakeRunner, tmp_path: Path, tty: Terminals) -> None:
    reference = opened(run, tmp_path)
    tty.stdout_is_terminal = True
    out = run.ok(ANALYST, "intake", "export", reference, "--out", str(tmp_path / "r.zip"))
    assert "not in this output" not in out and len(tty.passphrases) == 1
    assert tty.opened[0].to_stdout and tty.opened[0].closed


def test_export_with_no_terminal_refuses_before_exporting(
    run: IntakeRunner, tmp_path: Path, tty: Terminals
) -> None:
    reference = opened(run, tmp_path)
    tty.available = False
    before = len(audit_log(run_services(run)))
    out_file = tmp_path / "results.zip"
    err = run.refused(ANALYST, "intake", "export", reference, "--out", str(out_file))
    assert err == f"lrs-desk: error: {NO_TERMINAL}"
    assert not out_file.exists()
    assert len(audit_log(run_services(run))) == before  # not even a sign-in: nothing was done


# --- close and purge --------------------------------------------------------------------------


def test_close_then_purge_from_cron(
    run: IntakeRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = opened(run, tmp_path)
    version = run.json(ANALYST, "intake", "show", reference)["row"]["row_version"]
    out = run.ok(ANALYST, "intake", "close", reference, "--reason", "Matched and returned",
                 "--version", str(version))  # fmt: skip
    lines = out.splitlines()
    assert lines[0] == f"{reference}: closed; what was decrypted from it is deleted"
    assert lines[1].startswith("the message is kept sealed until ")
    code, out, err = run.system("intake", "purge")  # not yet due
    assert (code, out) == (0, "purged 0 cases due for disposal (0 bytes deleted)\n"), err
    # 31 days on (retention 30): due
    later = TEST_NOW + timedelta(days=31)

    def services(self: cli.Context) -> Services:
        self.db.require_current_schema()
        return Services(self.db, self.settings, lambda: later)

    monkeypatch.setattr(cli.Context, "services", services)
    code, out, err = run.system("intake", "purge", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["purged"] == [reference] and result["bytes_deleted"] > 0
    assert "system:intake-purge" in {e.actor for e in audit_log(run_services(run))}
    assert run.json(ANALYST, "intake", "show", reference)["row"]["status"] == "disposed"


def test_close_json(run: IntakeRunner, tmp_path: Path) -> None:
    reference = run.add(tmp_path, breach())
    case = run.json(ANALYST, "intake", "close", reference, "--reason", "Read; sender told")
    assert case["row"]["status"] == "closed" and case["close_reason"] == "Read; sender told"
    # kept [intake] retention_days (30) from the close, then purged
    assert case["dispose_after"].startswith((TEST_NOW + timedelta(days=30)).date().isoformat())
    again = run.refused(ANALYST, "intake", "close", reference, "--reason", "Again")
    assert reference in again or "closed" in again


def test_close_refuses_a_stale_version(run: IntakeRunner, tmp_path: Path) -> None:
    reference = run.add(tmp_path, breach())
    err = run.refused(ANALYST, "intake", "close", reference, "--reason", "Read", "--version", "99")
    assert reference in err or "changed" in err


def test_close_needs_a_reason(run: IntakeRunner, tmp_path: Path) -> None:
    code, out, err = run(ANALYST, "intake", "close", "IN-20261123-0001")
    assert (code, out) == (EXIT_ERROR, "") and "--reason" in err


# --- breach incidents and §1.4's ladder -------------------------------------------------------


def test_an_incident_and_its_ladder(run: IntakeRunner, tmp_path: Path) -> None:
    reference = run.add(tmp_path, breach())
    incident = run.json(ANALYST, "intake", "show", reference)["incident"]
    assert incident and incident.startswith("BR-")
    out = run.ok(ANALYST, "intake", "incident", "show", incident).splitlines()
    assert out[0] == f"{incident}  open  (intake case {reference})"
    ladder = [line for line in out if line.startswith("  ") and ". " in line and "[" in line]
    assert len(ladder) == 5
    assert ladder[0].split()[0] == "NEXT"  # a first breach: contact the user and super users
    assert f"1. {step_wording(LadderStep.CONTACT)}  [contact]" in ladder[0]  # §1.4's words
    step = run.json(ANALYST, "intake", "incident", "step", incident, "contact",
                    "--note", "Phoned Sam Okafor and the super users")  # fmt: skip
    contact = next(s for s in step["ladder"] if s["step"] == "contact")
    assert contact["done_at"] is not None and contact["note"].startswith("Phoned")
    out = run.ok(ANALYST, "intake", "incident", "close", incident, "--note", "Handled")
    assert out.splitlines()[0] == f"{incident}: closed"
    assert run.json(ANALYST, "intake", "incident", "show", incident)["status"] == "closed"


def test_an_organisations_incidents(run: IntakeRunner, tmp_path: Path) -> None:
    reference = run.add(tmp_path, breach())
    incident = run.json(ANALYST, "intake", "show", reference)["incident"]
    lines = run.ok(ANALYST, "intake", "incident", "list", "--ukprn", NORTHGATE).splitlines()
    assert lines[0].startswith(f"{incident}  open ") and f"case {reference}" in lines[0]
    assert lines[-1] == "1 incident"
    listed = run.json(ANALYST, "intake", "incident", "list", "--ukprn", NORTHGATE)
    assert [i["reference"] for i in listed["incidents"]] == [incident]


def test_a_ladder_step_must_be_one_of_the_five(run: IntakeRunner) -> None:
    code, out, err = run(ANALYST, "intake", "incident", "step", "BR-20261123-0001", "fine",
                         "--note", "x")  # fmt: skip
    assert (code, out) == (EXIT_ERROR, "") and "invalid choice" in err


def test_an_unknown_incident_is_one_line(run: IntakeRunner) -> None:
    assert "BR-20261123-9999" in run.refused(ANALYST, "intake", "incident", "show",
                                             "BR-20261123-9999")  # fmt: skip


# --- acting as: --as is --operator ------------------------------------------------------------


def test_as_names_the_operator_too(
    run: IntakeRunner, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LRS_OPERATOR_PASSWORD", "Ana-Lyst-2026")
    assert main(["intake", "list", "--as", ANALYST]) == 0
    assert capsys.readouterr().out == "0 cases\n"


# --- the whole walk: the passphrase nowhere ---------------------------------------------------


def test_the_passphrase_appears_in_no_output_and_no_audit_detail(
    run: IntakeRunner, tmp_path: Path, tty: Terminals, phoned: None
) -> None:
    reference = run.add(tmp_path, compliant())
    run.ok(ANALYST, "intake", "open", reference)
    run.ok(ANALYST, "intake", "export", reference, "--out", str(tmp_path / "r.zip"))
    run.json(ANALYST, "intake", "export", reference, "--out", str(tmp_path / "s.zip"))
    for argv in (["show", reference], ["rows", reference], ["match", reference], ["list"]):
        run.ok(ANALYST, "intake", *argv)
        run.json(ANALYST, "intake", *argv)
    run.ok(ANALYST, "intake", "close", reference, "--reason", "Done")
    everything = "".join(run.everything)
    assert PASSPHRASE not in everything
    assert not any(p in everything for p in tty.passphrases)
    details = json.dumps([e.detail for e in audit_log(run_services(run))])
    assert PASSPHRASE not in details and not any(p in details for p in tty.passphrases)


# --- the demo's samples -----------------------------------------------------------------------


def test_sample_lists_and_writes_one_to_take_in(run: IntakeRunner, tmp_path: Path) -> None:
    code, out, err = run.system("intake", "sample")
    assert code == 0, err
    names = [line.split()[0] for line in out.splitlines() if not line.startswith(" ")]
    assert len(names) == 7 and "compliant-aes-zip" in names
    path = tmp_path / "sample.eml"
    code, out, err = run.system("intake", "sample", "compliant-aes-zip", "--out", str(path))
    assert code == 0, err
    assert out.startswith(f"wrote {path}: the synthetic sample compliant-aes-zip (")
    assert out.splitlines()[-1] == f"take it in with `lrs-desk intake add {path} --operator NAME`"
    assert path.stat().st_mode & 0o777 == 0o600
    case = run.json(ANALYST, "intake", "add", str(path))
    assert case["row"]["status"] == "awaiting-passphrase"
    code, _, err = run.system("intake", "sample", "compliant-aes-zip", "--out", str(path))
    assert code == EXIT_ERROR and "already exists" in err
    code, _, err = run.system("intake", "sample", "nothing-like-it", "--out", str(tmp_path / "x"))
    assert code == EXIT_ERROR and "choose from" in err
    code, _, err = run.system("intake", "sample", "compliant-aes-zip")
    assert code == EXIT_ERROR and "--out" in err


def test_sample_all_makes_a_mailbox_to_scan(run: IntakeRunner, tmp_path: Path) -> None:
    folder = tmp_path / "demo-mailbox"
    code, out, err = run.system("intake", "sample", "--all", "--out", str(folder))
    assert code == 0, err
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == 7 and files[0] == "01-compliant-aes-zip.eml"
    assert out.splitlines()[-1] == f"take them in with `lrs-desk intake scan --folder {folder}`"
    code, out, err = run.system("intake", "scan", "--folder", str(folder), "--json")
    assert code == 0, err
    assert len(json.loads(out)["added"]) == 7
    written = json.loads(run.system("intake", "sample", "--all", "--out", str(tmp_path / "j"),
                                    "--json")[1])["written"]  # fmt: skip
    assert len(written) == 7 and written[0]["name"] == "compliant-aes-zip"
