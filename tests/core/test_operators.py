"""Desk operators: sign-in, one-time passwords, lockout, expiry and roles.
DOMAIN.md "Accounts and super users"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories import TOTP_SECRET, MovableClock, audit_log, desk_admin, next_code
from sqlalchemy import select, text, update

from lrs_core.db.models import Operator
from lrs_core.domain.kinds import AccountStatus
from lrs_core.errors import AuthenticationFailed, PermissionDenied, ValidationError
from lrs_core.permissions import OperatorRole
from lrs_core.services import Services

NEW_PASSWORD = "Correct-Horse-9"


def make_operator(services: Services, name: str = "asha.patel", role: str = "agent") -> str:
    created = services.operators.add(desk_admin(services), name, role, "Asha Patel")
    return created.one_time_password


def test_new_operator_signs_in_with_one_time_password_and_must_change_it(
    services: Services,
) -> None:
    # DOMAIN.md "Accounts": a first login uses a one-time password that must be changed.
    otp = make_operator(services)
    signed_in = services.operators.sign_in("asha.patel", otp)
    assert signed_in.actor.role is OperatorRole.AGENT
    assert signed_in.password_change_reason is not None
    assert "one-time password" in signed_in.password_change_reason

    services.operators.change_password(signed_in.actor, otp, NEW_PASSWORD)
    again = services.operators.sign_in("ASHA.PATEL ", NEW_PASSWORD)
    assert again.password_change_reason is None
    with pytest.raises(AuthenticationFailed):
        services.operators.sign_in("asha.patel", otp)


def test_new_password_must_meet_policy(services: Services) -> None:
    # DOMAIN.md "Accounts": at least 8 characters from three of upper, lower, digit, special.
    otp = make_operator(services)
    actor = services.operators.sign_in("asha.patel", otp).actor
    with pytest.raises(ValidationError) as short:
        services.operators.change_password(actor, otp, "Ab1!")
    assert short.value.field == "New password"
    assert "8 characters" in short.value.message
    with pytest.raises(ValidationError) as weak:
        services.operators.change_password(actor, otp, "alllowercase")
    assert "three of" in weak.value.message
    with pytest.raises(ValidationError):
        services.operators.change_password(actor, otp, otp)


def _status(services: Services, name: str = "asha.patel") -> tuple[AccountStatus, int]:
    with services.db.transaction() as session:
        operator = session.execute(select(Operator).where(Operator.username == name)).scalar_one()
        return operator.status, operator.failed_attempts


def test_lockout_after_configured_wrong_passwords(services: Services) -> None:
    # DOMAIN.md "Accounts": suspended after repeated wrong passwords, 3 by default (choice).
    otp = make_operator(services)
    assert services.settings.accounts.lockout_threshold == 3
    for attempt in (1, 2, 3):
        with pytest.raises(AuthenticationFailed, match=r"^sign-in refused"):
            services.operators.sign_in("asha.patel", f"Wrong-pass-{attempt}")
    assert _status(services) == (AccountStatus.LOCKED, 3)
    # The right password no longer helps until an admin acts (or the lock's time is up).
    with pytest.raises(AuthenticationFailed, match=r"^sign-in refused"):
        services.operators.sign_in("asha.patel", otp)

    new_otp = services.operators.reset_password(desk_admin(services), "asha.patel")
    assert services.operators.sign_in("asha.patel", new_otp).actor.username == "asha.patel"


def test_successful_sign_in_resets_the_failure_count(services: Services) -> None:
    otp = make_operator(services)
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            services.operators.sign_in("asha.patel", "nope")
    assert _status(services) == (AccountStatus.ACTIVE, 2)
    services.operators.sign_in("asha.patel", otp)
    assert _status(services) == (AccountStatus.ACTIVE, 0)


def test_password_expires_after_44_days(services: Services, clock) -> None:  # type: ignore[no-untyped-def]
    # DOMAIN.md "Accounts": passwords expire after 44 days (§2.3.1).
    otp = make_operator(services)
    actor = services.operators.sign_in("asha.patel", otp).actor
    services.operators.change_password(actor, otp, NEW_PASSWORD)
    clock.now += timedelta(days=43, hours=23)
    assert services.operators.sign_in("asha.patel", NEW_PASSWORD).password_change_reason is None
    clock.now += timedelta(hours=1)
    reason = services.operators.sign_in("asha.patel", NEW_PASSWORD).password_change_reason
    assert reason is not None and "44 days" in reason


def test_only_admins_manage_operators_and_refusals_are_audited(services: Services) -> None:
    otp = make_operator(services, "agent.one", "agent")
    agent = services.operators.sign_in("agent.one", otp).actor
    services.operators.change_password(agent, otp, NEW_PASSWORD)
    before = services.audit.count()
    with pytest.raises(PermissionDenied, match="agent role"):
        services.operators.add(agent, "someone.else", "admin")
    denied = audit_log(services, limit=1)[0]
    assert denied.outcome == "denied"
    assert denied.actor == "agent.one"
    assert denied.action == "add-operator"
    assert services.audit.count() == before + 1
    with services.db.transaction() as session:
        names = session.execute(select(Operator.username)).scalars().all()
    assert "someone.else" not in names


def test_add_operator_rejects_bad_input_and_writes_nothing(services: Services) -> None:
    with pytest.raises(ValidationError, match="Role"):
        services.operators.add(desk_admin(services), "valid.name", "superhero")
    with pytest.raises(ValidationError) as bad_name:
        services.operators.add(desk_admin(services), "x; DROP TABLE operator", "agent")
    assert bad_name.value.field == "Username"
    make_operator(services)
    with pytest.raises(ValidationError, match="already taken"):
        make_operator(services)
    with services.db.transaction() as session:
        names = session.execute(select(Operator.username)).scalars().all()
    assert sorted(names) == ["asha.patel", "head.admin"]


def test_no_password_is_stored_in_plain_text(services: Services) -> None:
    otp = make_operator(services)
    actor = services.operators.sign_in("asha.patel", otp).actor
    services.operators.change_password(actor, otp, NEW_PASSWORD)
    with pytest.raises(AuthenticationFailed):
        services.operators.sign_in("asha.patel", "Guess-Password-7")
    with services.db.transaction() as session:
        operator = session.execute(
            select(Operator).where(Operator.username == "asha.patel")
        ).scalar_one()
        assert operator.password_hash.startswith("$argon2id$")
        dump = " ".join(
            str(row)
            for table in ("operator", "audit_event")
            for row in session.execute(text(f"SELECT * FROM {table}")).all()
        )
    for secret in (otp, NEW_PASSWORD, "Guess-Password-7"):
        assert secret not in dump


def test_idle_unlock_needs_the_password_and_counts_failures(services: Services) -> None:
    otp = make_operator(services)
    actor = services.operators.sign_in("asha.patel", otp).actor
    services.operators.confirm_password(actor, otp)
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            services.operators.confirm_password(actor, "wrong")
    with pytest.raises(AuthenticationFailed, match="locked"):
        services.operators.confirm_password(actor, "wrong")
    with services.db.transaction() as session:
        status = select(Operator.status).where(Operator.username == "asha.patel")
        assert session.execute(status).scalar_one() is AccountStatus.LOCKED


def test_no_password_in_the_sqlite_file_bytes(sqlite_template, tmp_path, settings, clock) -> None:  # type: ignore[no-untyped-def]
    # The raw file and its write-ahead log, as someone copying the database would see them.
    import shutil

    from lrs_core.db.database import Database

    path = tmp_path / "raw.sqlite3"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    services = Services(db, settings, clock)
    otp = make_operator(services)
    actor = services.operators.sign_in("asha.patel", otp).actor
    services.operators.change_password(actor, otp, NEW_PASSWORD)
    with pytest.raises(AuthenticationFailed):
        services.operators.sign_in("asha.patel", "Typo-Password-8")
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("raw.sqlite3*"))
    db.dispose()
    assert b"asha.patel" in raw  # the check reads real content
    for secret in (otp, NEW_PASSWORD, "Typo-Password-8"):
        assert secret.encode() not in raw


def test_agreement_answers_and_sign_out_are_audited(services: Services) -> None:
    # DOMAIN.md "Accounts": a user accepts the User Agreement at every login.
    otp = make_operator(services)
    actor = services.operators.sign_in("asha.patel", otp).actor
    services.operators.record_agreement(actor, accepted=False)
    services.operators.record_agreement(actor, accepted=True)
    services.operators.sign_out(actor, "idle")
    actions = [e.action for e in audit_log(services, limit=3)]
    assert actions == ["sign-out", "accept-agreement", "decline-agreement"]
    assert audit_log(services, limit=1)[0].detail == {"reason": "idle"}


def test_last_sign_in_is_the_last_time_the_agreement_was_accepted(
    services: Services, clock: MovableClock
) -> None:
    # DOMAIN.md "Accounts": the User Agreement is accepted at every login and declining
    # returns to the login screen, so a declined attempt never got in: it is not shown as
    # the operator's last sign-in (issue 10 item 8).
    otp = make_operator(services)
    first = services.operators.sign_in("asha.patel", otp, agreement_follows=True)
    assert first.previous_sign_in_at is None
    accepted_at = clock.now
    services.operators.record_agreement(first.actor, accepted=True)

    clock.now += timedelta(hours=3)
    declined = services.operators.sign_in("asha.patel", otp, agreement_follows=True)
    assert declined.previous_sign_in_at == accepted_at
    services.operators.record_agreement(declined.actor, accepted=False)

    clock.now += timedelta(hours=1)
    again = services.operators.sign_in("asha.patel", otp, agreement_follows=True)
    assert again.previous_sign_in_at == accepted_at  # not the declined attempt
    assert services.operators.get(again.actor).last_sign_in_at == accepted_at


def test_a_command_signing_in_is_a_sign_in_at_once(services: Services, clock: MovableClock) -> None:
    # A command (no agreement follows) got in as soon as its sign-in succeeded.
    otp = make_operator(services)
    actor = services.operators.sign_in("asha.patel", otp).actor
    assert services.operators.get(actor).last_sign_in_at == clock.now


def test_an_unknown_name_is_audited_without_what_was_typed(services: Services) -> None:
    # Someone may type their password into the username box.
    with pytest.raises(AuthenticationFailed):
        services.operators.sign_in("Hunter2-Secret!", "Whatever-1")
    entry = audit_log(services, limit=1)[0]
    assert entry.outcome == "failed" and entry.actor == "(unknown)"
    assert "hunter2" not in str(entry).lower()


def test_parallel_wrong_passwords_all_count(services: Services) -> None:
    # The lockout cannot be beaten by trying several passwords at once.
    from concurrent.futures import ThreadPoolExecutor

    make_operator(services)

    def attempt(n: int) -> str:
        try:
            services.operators.sign_in("asha.patel", f"Wrong-pass-{n}")
        except AuthenticationFailed as exc:
            return str(exc)
        return "signed in"

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(attempt, range(6)))
    assert "signed in" not in answers
    with services.db.transaction() as session:
        operator = session.execute(
            select(Operator).where(Operator.username == "asha.patel")
        ).scalar_one()
        assert operator.status is AccountStatus.LOCKED
        assert operator.failed_attempts == 3  # counted one by one up to the threshold


def test_the_core_rereads_role_and_status_for_every_guarded_action(
    services: Services, clock: MovableClock
) -> None:
    # A session already open cannot outlive a locked account, a new role or a reset password.
    otp = make_operator(services, "ada.admin", "admin")
    admin = services.operators.sign_in("ada.admin", otp).actor
    with pytest.raises(PermissionDenied, match="choose your own password"):
        services.operators.add(admin, "new.agent", "agent")  # one-time password not changed
    services.operators.change_password(admin, otp, NEW_PASSWORD)
    # Issue 9 item 8: an admin without a second factor may do nothing until it is set up.
    with pytest.raises(PermissionDenied, match="second factor"):
        services.operators.add(admin, "new.agent", "agent")
    services.operators.confirm_enrolment(admin, TOTP_SECRET, next_code(clock))
    services.operators.add(admin, "new.agent", "agent")

    with services.db.transaction() as session:
        session.execute(
            update(Operator).where(Operator.username == "ada.admin").values(role="agent")
        )
    with pytest.raises(PermissionDenied, match="agent role"):
        services.operators.add(admin, "another.agent", "agent")
    assert audit_log(services, limit=1)[0].role == "agent"  # the refusal, as they are now

    with services.db.transaction() as session:
        session.execute(
            update(Operator).where(Operator.username == "ada.admin").values(status="locked")
        )
    with pytest.raises(AuthenticationFailed, match="locked"):
        services.operators.list(admin)
    assert audit_log(services, limit=1)[0].outcome == "denied"
