"""No stored or typed text reaches the terminal raw from `lrs-desk` (issue 9 item 1 (b), (c)):
plain output, `--json`, `audit tail` and error lines all go through the core's shown()."""

from __future__ import annotations

import json
import unicodedata

import pytest
from factories import learner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrs_cli.main import EXIT_ERROR, main
from lrs_core.actor import Actor
from lrs_core.db.models import Learner
from lrs_core.domain.text import BIDI_CONTROLS
from lrs_core.permissions import OperatorRole
from lrs_core.services import Services
from lrs_core.services.audit import append

OP = ["--operator", "kim.lee"]
ULN = "9276308686"
HOSTILE = {
    "email": "z\x1b]0;PWNED\x1b\\@x.com",
    "other_verification_description": "\x1b[2J\x1b[H Leeds\x1b]52;c;UFdORUQ=\x07",
    "place_of_birth": "Leeds\nstatus  linked",
    "nationality": "Smith\x9b2J",
    "notes": "Smith\u202eevil.pdf [bold red]X[/]",
}


def terminal_safe(text: str) -> bool:
    """No control but the program's own line feeds; no bidi or other invisible character."""
    return not any(
        (unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") and c != "\n")
        or c in BIDI_CONTROLS
        for c in text
    )


@pytest.fixture
def cli(
    services: Services, agent: Actor, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Services:
    monkeypatch.setenv("LRS_DATABASE_URL", database_url)
    monkeypatch.setenv("LRS_OPERATOR_PASSWORD", "Desk-Shift-2026")
    # An old row, written before the text rule (inserted directly, bypassing it).
    with services.db.transaction() as session:
        session.add(learner(ULN, "Ffion", "Rees", verification_type=999, **HOSTILE))
    return services


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def tail_as_admin(capsys: pytest.CaptureFixture[str], n: int) -> tuple[int, str]:
    """`audit tail -n N` as ada.admin (VIEW_AUDIT), whose own sign-in is then the newest
    event: the N events before it are shown too."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LRS_OPERATOR_PASSWORD", "Desk-Admin-2026")  # tests/conftest.py's
        code, out, _ = run(capsys, "audit", "tail", "-n", str(n + 1), "--operator", "ada.admin")
    return code, out


@pytest.mark.usefixtures("cli")
def test_learner_show_prints_an_old_hostile_row_harmlessly(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "learner", "show", ULN, *OP)
    assert code == 0 and terminal_safe(out)
    lines = out.splitlines()
    # The newline in place of birth no longer forges a "status  linked" line.
    assert not any(line.startswith("status") and "linked" in line for line in lines)
    assert "place_of_birth                   Leeds␊status  linked" in lines
    assert "email                            z␛]0;PWNED␛\\@x.com" in lines
    assert "nationality                      Smith<U+009B>2J" in lines
    assert "notes                            Smith<U+202E>evil.pdf [bold red]X[/]" in lines


@pytest.mark.usefixtures("cli")
def test_json_is_ascii_so_c1_and_bidi_are_escapes(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "learner", "show", ULN, *OP, "--json")
    assert code == 0
    assert out.isascii() and "\\u009b" in out and "\\u202e" in out
    assert json.loads(out)["nationality"] == HOSTILE["nationality"]  # the data, exactly


def test_audit_tail_shows_a_hostile_actor_and_subject_harmlessly(  # type: ignore[no-untyped-def]
    cli: Services, capsys
) -> None:
    # The append-only audit cannot be rewritten: what an older version let in (a LOGNAME,
    # a --confirm value) is made harmless where it is printed.
    forged = Actor("system:\x1b]0;x\x07\nroot", OperatorRole.ADMIN, "forged")
    with cli.db.transaction() as session:
        append(session, forged, "register-learner", "learner", "\x9b2J\u202e")
    code, out = tail_as_admin(capsys, 1)
    assert code == 0 and terminal_safe(out) and len(out.splitlines()) == 2
    assert "system:␛]0;x␇␊root" in out and "<U+009B>2J<U+202E>" in out


@pytest.mark.usefixtures("cli")
def test_an_error_line_quoting_what_was_typed_is_one_harmless_line(capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "learner", "show", "12\x1b[2J\n34", *OP)
    assert code == EXIT_ERROR
    assert terminal_safe(err) and len(err.splitlines()) == 1
    assert err.startswith("lrs-desk: error: ULN:")


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Every category a database can hold (neither stores NUL nor a lone surrogate).
@given(
    text=st.text(
        st.characters(codec=None, exclude_categories=["Cs"], exclude_characters="\x00"),
        min_size=1,
        max_size=12,
    )
)
def test_every_category_through_learner_show_json_and_audit_tail(  # type: ignore[no-untyped-def]
    cli: Services, capsys, text: str
) -> None:
    # issue 9 item 1 (c): whatever is stored (old rows bypass the rule), every output path is
    # terminal-safe.
    with cli.db.transaction() as session:
        row = session.query(Learner).filter_by(uln=ULN).one()
        row.notes, row.address_town, row.email = text, text, text
        append(session, Actor(text, OperatorRole.AGENT, text), "look", "learner", text)
    for argv in (["learner", "show", ULN, *OP], ["learner", "show", ULN, *OP, "--json"]):
        code, out, err = run(capsys, *argv)
        assert code == 0 and terminal_safe(out) and terminal_safe(err)
    code, out = tail_as_admin(capsys, 3)  # the forged look and the two shows
    assert code == 0 and terminal_safe(out) and len(out.splitlines()) == 4
