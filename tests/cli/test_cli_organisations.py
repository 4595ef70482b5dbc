"""`lrs-desk org ...` and `lrs-desk portal-user ...`: the organisation directory and the desk's
security actions from the command line, with the same rules, refusals and audit as the TUI
(issue 12 items 1, 2, 4 and 5; User Guide §1.4, §3.1-§3.3, §3.5.6.1; DOMAIN.md "Accounts and
super users"). Every refusal is one line on stderr, exit 2, nothing written."""

from __future__ import annotations

import json

import pytest
from factories import audit_log, organisation, portal_user
from running import Runner, subcommands
from sqlalchemy import select

from lrs_cli.main import EXIT_ERROR, main
from lrs_core.actor import Actor
from lrs_core.db.models import Organisation, PortalUser
from lrs_core.services import Services

NORTHGATE = "10012345"
ST_MARYS = "10023456"


@pytest.fixture
def run(
    services: Services,
    agent: Actor,
    admin: Actor,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Runner:
    """Northgate College with one active super user (§3.1: too few), a suspended online user
    and a generic-looking account (§3.3); St Mary's with no super user at all; an agent
    (kim.lee) and an admin (ada.admin), reached by the database URL."""
    monkeypatch.setenv("LRS_DATABASE_URL", database_url)
    with services.db.transaction() as session:
        college = organisation(session, NORTHGATE, "Northgate College")
        portal_user(session, college, "priya.shah", "Priya", "Shah")
        portal_user(session, college, "tom.reed", "Tom", "Reed", roles=("online-user",),
                    status="suspended")  # fmt: skip
        portal_user(session, college, "exams.office", "Exams", "Office", roles=("batch-user",))
        organisation(session, ST_MARYS, "St Mary's C of E School", kind="school")
    return Runner(capsys, monkeypatch)


def portal_status(services: Services, username: str) -> str:
    with services.db.transaction(read_only=True) as session:
        user = session.execute(select(PortalUser).where(PortalUser.username == username))
        return str(user.scalar_one().status)


def portal_enabled(services: Services, ukprn: str) -> bool:
    with services.db.transaction(read_only=True) as session:
        org = session.execute(select(Organisation).where(Organisation.ukprn == ukprn))
        return bool(org.scalar_one().portal_enabled)


# --- the directory (§3.1, §3.3) ---------------------------------------------------------------


@pytest.mark.parametrize("query", [NORTHGATE, "northgate", "NORTH", "Northgate Coll"])
def test_find_by_ukprn_or_any_part_of_the_name(run: Runner, query: str) -> None:
    # Issue 12 item 1: by UKPRN (exact) or by name (folded, partial); every operator reads.
    out = run.ok("kim.lee", "org", "find", query)
    assert out.splitlines()[0].startswith(f"{NORTHGATE}  Northgate College")
    assert "1 active super user" in out
    assert out.splitlines()[-1] == "1 found"


def test_find_json_carries_each_summary_and_whether_there_are_more(run: Runner) -> None:
    found = run.json("kim.lee", "org", "find", "school")
    assert found["more"] is False
    [org] = found["organisations"]
    assert (org["ukprn"], org["name"], org["kind"]) == (ST_MARYS, "St Mary's C of E School",
                                                        "school")  # fmt: skip
    assert org["active_super_users"] == 0 and org["portal_enabled"] is True
    assert "§3.1" in org["super_user_warning"]  # none: fewer than 3


def test_find_nothing_exits_1(run: Runner) -> None:
    code, out, _ = run("kim.lee", "org", "find", "Nowhere Academy")
    assert (code, out) == (1, "no organisation found\n")


@pytest.mark.parametrize(
    "argv",
    [
        ["org", "show", "1234"],
        ["org", "show", "1001234X"],
        ["org", "find", "123456789"],
        ["org", "disable", "12345", "--reason", "Breach"],
        ["org", "enable", "12345", "--reason", "Breach"],
    ],
)
def test_a_malformed_ukprn_is_one_line_naming_the_ukprn(run: Runner, argv: list[str]) -> None:
    # Issue 12 "Bad input": a malformed UKPRN, a clear message naming the field.
    err = run.refused("ada.admin", *argv)
    assert err.startswith("lrs-desk: error: UKPRN")


def test_an_unknown_ukprn_is_one_line(run: Runner) -> None:
    err = run.refused("kim.lee", "org", "show", "10099999")
    assert err.startswith("lrs-desk: error: ") and "10099999" in err


def test_show_gives_the_organisation_its_super_users_and_housekeeping(
    run: Runner, services: Services
) -> None:
    # §3.1: fewer than 3 active super users is warned; §3.3: a generic-looking username is
    # flagged; the register's number is the one to call back (§3.6).
    out = run.ok("kim.lee", "org", "show", NORTHGATE)
    lines = out.splitlines()
    assert lines[0] == f"Northgate College  (UKPRN {NORTHGATE})"
    assert "Telephone      0113 496 0500 (the register's)" in lines
    super_users = next(line for line in lines if line.startswith("Super users"))
    assert super_users.startswith("Super users    1 active; WARNING: only 1 active super user")
    assert any("priya.shah" in line and "Super user" in line for line in lines)
    assert any("exams.office" in line and "generic username" in line for line in lines)
    assert any("tom.reed" in line and "suspended" in line for line in lines)
    # The look lists portal users: audited as a look by the operator.
    assert audit_log(services, limit=1)[0].actor == "kim.lee"


def test_show_json_is_the_whole_view(run: Runner) -> None:
    view = run.json("kim.lee", "org", "show", NORTHGATE)
    assert set(view) >= {"summary", "phone", "super_users", "users", "by_role", "by_status",
                         "flagged", "security_actions", "cases"}  # fmt: skip
    assert view["summary"]["ukprn"] == NORTHGATE
    assert [u["username"] for u in view["super_users"]] == ["priya.shah"]
    assert {u["username"] for u in view["users"]} == {"priya.shah", "tom.reed", "exams.office"}
    assert "password_hash" not in json.dumps(view)


# --- portal users (§3.2, §3.5.3) ---------------------------------------------------------------


def test_portal_user_find_by_name_or_username_within_an_organisation(run: Runner) -> None:
    out = run.ok("kim.lee", "portal-user", "find", "reed")
    assert out.splitlines()[0].startswith("tom.reed")
    found = run.json("kim.lee", "portal-user", "find", "priya", "--ukprn", NORTHGATE)
    assert [u["username"] for u in found["users"]] == ["priya.shah"]
    code, out, _ = run("kim.lee", "portal-user", "find", "priya", "--ukprn", ST_MARYS)
    assert (code, out) == (1, "no portal user found\n")


def test_portal_user_show_says_the_desk_does_not_reset_and_whom_to_contact(
    run: Runner, services: Services
) -> None:
    # §3.2, in bold: the desk does not reset passwords or unlock accounts; the organisation's
    # active super users do, so the view names them.
    out = run.ok("kim.lee", "portal-user", "show", "tom.reed")
    assert out.startswith("tom.reed  Tom Reed\n")
    assert "Status         suspended" in out
    assert "does not reset passwords or unlock accounts" in out
    assert "Contact one of the organisation's active super users:\n  Priya Shah (priya.shah)" in out
    view = run.json("kim.lee", "portal-user", "show", "tom.reed")
    assert view["user"]["status"] == "suspended" and view["failed_attempts"] == 3
    assert [u["username"] for u in view["contact_super_users"]] == ["priya.shah"]
    assert "password_hash" not in json.dumps(view)
    assert audit_log(services, limit=1)[0].actor == "kim.lee"  # each look audited


def test_an_unknown_portal_user_is_one_line(run: Runner) -> None:
    err = run.refused("kim.lee", "portal-user", "show", "no.one")
    assert err.startswith("lrs-desk: error: ")


# --- the security actions (§1.4, §3.5.6.1): admins only, with a reason ------------------------


def test_an_admin_suspends_a_portal_user_with_a_reason_shown_on_the_organisation(
    run: Runner, services: Services
) -> None:
    out = run.ok("ada.admin", "portal-user", "suspend", "exams.office", "--reason",
                 "Shared account reported in a breach")  # fmt: skip
    assert out == "portal user exams.office (Exams Office): suspended\n"
    assert portal_status(services, "exams.office") == "suspended"
    view = run.json("kim.lee", "org", "show", NORTHGATE)
    [action] = view["security_actions"]
    assert action["reason"] == "Shared account reported in a breach"
    assert (action["operator"], action["portal_username"]) == ("ada.admin", "exams.office")
    shown = run.ok("kim.lee", "org", "show", NORTHGATE)
    assert "ada.admin: portal user suspended (exams.office): Shared account reported" in shown


def test_an_admin_disables_and_re_enables_an_organisations_portal(
    run: Runner, services: Services
) -> None:
    out = run.ok("ada.admin", "org", "disable", NORTHGATE, "--reason", "Repeated breaches")
    assert out.startswith(f"Northgate College ({NORTHGATE}): portal permissions DISABLED")
    assert not portal_enabled(services, NORTHGATE)
    found = run.json("kim.lee", "org", "find", NORTHGATE)
    assert found["organisations"][0]["portal_enabled"] is False
    view = run.json("ada.admin", "org", "enable", NORTHGATE, "--reason", "DPO satisfied")
    assert view["summary"]["portal_enabled"] is True
    assert [a["action"] for a in view["security_actions"]] == [
        "enable-organisation", "disable-organisation"
    ]  # fmt: skip


@pytest.mark.parametrize(
    "argv",
    [
        ["portal-user", "suspend", "tom.reed", "--reason", "Breach"],
        ["org", "disable", NORTHGATE, "--reason", "Breach"],
        ["org", "enable", NORTHGATE, "--reason", "Breach"],
    ],
)
def test_an_agent_is_refused_the_security_actions_and_the_refusal_is_audited(
    run: Runner, services: Services, argv: list[str]
) -> None:
    err = run.refused("kim.lee", *argv)
    assert err.startswith("lrs-desk: error: ")
    assert portal_enabled(services, NORTHGATE)
    assert portal_status(services, "tom.reed") == "suspended"  # as it was
    refusal = audit_log(services, limit=1)[0]
    assert (refusal.actor, refusal.outcome) != ("kim.lee", "ok")
    assert refusal.actor == "kim.lee"


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_security_action_needs_a_reason(run: Runner, services: Services, reason: str) -> None:
    err = run.refused("ada.admin", "org", "disable", NORTHGATE, "--reason", reason)
    assert err.startswith("lrs-desk: error: Reason")
    assert portal_enabled(services, NORTHGATE)


def test_stored_text_reaches_the_terminal_through_shown(run: Runner, services: Services) -> None:
    # An organisation name holding an escape sequence (written behind the text rule's back)
    # prints as ␛, never obeyed by the terminal.
    with services.db.transaction() as session:
        organisation(session, "10034567", "Evil\x1b]0;PWNED\x07 Academy")
    out = run.ok("kim.lee", "org", "find", "evil")
    assert "\x1b" not in out and "\x07" not in out and "Evil␛]0;PWNED␇ Academy" in out
    code, out, _ = run("kim.lee", "org", "show", "10034567", "--json")
    assert code == 0 and out.isascii() and "\\u001b" in out


# --- every command -----------------------------------------------------------------------------


@pytest.mark.parametrize("group", ["org", "portal-user"])
def test_every_command_acts_as_an_operator_and_speaks_json(group: str) -> None:
    commands = subcommands(group)
    assert set(commands) == (
        {"find", "show", "disable", "enable"} if group == "org" else {"find", "show", "suspend"}
    )
    for name, sub in commands.items():
        options = {o: a for a in sub._actions for o in a.option_strings}
        assert options["--operator"].required, name
        assert "--json" in options, name


@pytest.mark.parametrize(
    "argv", [["org", "show", NORTHGATE], ["portal-user", "suspend", "tom.reed", "--reason", "x"]]
)
def test_without_an_operator_nothing_is_read_or_changed(
    run: Runner, services: Services, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    before = len(audit_log(services, limit=1000))
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    err = capsys.readouterr().err
    assert exit_info.value.code == EXIT_ERROR and "--operator" in err
    assert len(audit_log(services, limit=1000)) == before
