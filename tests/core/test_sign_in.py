"""Sign-in that tells strangers nothing, stronger passwords, and the admins' second factor.
Issue 9 items 7 and 8; DOMAIN.md "Accounts and super users"."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from factories import TOTP_SECRET, MovableClock, audit_log, desk_admin, next_code
from sqlalchemy import select, text, update

from lrs_core import passwords, second_factor
from lrs_core.actor import Actor
from lrs_core.config import load_settings
from lrs_core.db.models import Operator
from lrs_core.domain.kinds import AccountStatus
from lrs_core.errors import (
    AuthenticationFailed,
    ConfigurationError,
    PermissionDenied,
    SecondFactorRequired,
    ValidationError,
)
from lrs_core.services import Services
from lrs_core.services.operators import SIGN_IN_FAILED

PASSWORD = "Desk-Shift-2026"
ADMIN_PASSWORD = "Desk-Admin-2026"  # tests/conftest.py's ada.admin


def operator(services: Services, name: str, role: str = "agent") -> Actor:
    """An operator with their own password (PASSWORD); admins also get TOTP_SECRET."""
    otp = services.operators.add(desk_admin(services), name, role).one_time_password
    actor = services.operators.sign_in(name, otp).actor
    services.operators.change_password(actor, otp, PASSWORD)
    return actor


def set_row(services: Services, name: str, **values: object) -> None:
    with services.db.transaction() as session:
        session.execute(update(Operator).where(Operator.username == name).values(**values))


def row(services: Services, name: str) -> Operator:
    with services.db.transaction() as session:
        found = session.execute(select(Operator).where(Operator.username == name)).scalar_one()
        session.expunge(found)
        return found


class CountingArgon2:
    """Stands in for cryptography's Argon2id in lrs_core.passwords: counts the checks,
    each of which still does the real Argon2id work."""

    def __init__(self) -> None:
        self.real = passwords.Argon2id
        self.verifications = 0

    def __call__(self, *args: object, **kwargs: object) -> object:
        return self.real(*args, **kwargs)  # type: ignore[arg-type]

    def verify_phc_encoded(self, key: bytes, phc: str) -> None:
        self.verifications += 1
        self.real.verify_phc_encoded(key, phc)


# -- item 7: one message, the same work ---------------------------------------------------


def _unknown(services: Services, admin: Actor, clock: MovableClock) -> tuple[str, str, str | None]:
    return "nobody.here", PASSWORD, None


def _wrong_password(services: Services, admin: Actor, clock: MovableClock) -> tuple[str, str, None]:
    operator(services, "kim.lee")
    return "kim.lee", "Wrong-Password-1", None


def _locked(services: Services, admin: Actor, clock: MovableClock) -> tuple[str, str, None]:
    operator(services, "kim.lee")
    set_row(services, "kim.lee", status="locked", locked_until=clock.now + timedelta(minutes=5))
    return "kim.lee", PASSWORD, None  # the right password: still refused


def _admin_locked(services: Services, admin: Actor, clock: MovableClock) -> tuple[str, str, None]:
    operator(services, "kim.lee")
    set_row(services, "kim.lee", status="locked", locked_until=None)  # until an admin acts
    return "kim.lee", PASSWORD, None


@pytest.mark.parametrize("status", ["suspended", "disabled", "deleted"])
def test_every_inactive_status_is_refused_alike(
    services: Services, admin: Actor, clock: MovableClock, status: str
) -> None:
    operator(services, "kim.lee")
    set_row(services, "kim.lee", status=status)
    with pytest.raises(AuthenticationFailed) as refused:
        services.operators.sign_in("kim.lee", PASSWORD)
    assert str(refused.value) == SIGN_IN_FAILED


def _suspended(services: Services, admin: Actor, clock: MovableClock) -> tuple[str, str, None]:
    operator(services, "kim.lee")
    set_row(services, "kim.lee", status="suspended")
    return "kim.lee", PASSWORD, None


def _wrong_code(services: Services, admin: Actor, clock: MovableClock) -> tuple[str, str, str]:
    code = next_code(clock)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    return "ada.admin", ADMIN_PASSWORD, wrong


def _used_code(services: Services, admin: Actor, clock: MovableClock) -> tuple[str, str, str]:
    code = next_code(clock)
    services.operators.sign_in("ada.admin", ADMIN_PASSWORD, code)
    return "ada.admin", ADMIN_PASSWORD, code  # the same code again, within its 30 seconds


def _wrong_password_with_code(
    services: Services, admin: Actor, clock: MovableClock
) -> tuple[str, str, str]:
    return "ada.admin", "Wrong-Password-1", next_code(clock)


FAILURES: dict[str, Callable[[Services, Actor, MovableClock], tuple[str, str, str | None]]] = {
    "unknown username": _unknown,
    "wrong password": _wrong_password,
    "locked for a while": _locked,
    "locked until an admin acts": _admin_locked,
    "suspended": _suspended,
    "wrong code": _wrong_code,
    "code used already": _used_code,
    "wrong password with a right code": _wrong_password_with_code,
}


@pytest.mark.parametrize("kind", list(FAILURES))
def test_every_failure_says_the_same_after_one_argon2_check(
    services: Services,
    admin: Actor,
    clock: MovableClock,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    # Issue 9 item 7: one message for every failure, and the same work whatever the
    # account's state (so neither the words nor the time tell a stranger anything).
    username, password, code = FAILURES[kind](services, admin, clock)
    counting = CountingArgon2()
    monkeypatch.setattr(passwords, "Argon2id", counting)
    with pytest.raises(AuthenticationFailed) as refused:
        services.operators.sign_in(username, password, code)
    assert str(refused.value) == SIGN_IN_FAILED
    assert "tries left" not in str(refused.value)
    assert counting.verifications == 1
    assert audit_log(services, limit=1)[0].outcome == "failed"


def test_the_decoy_check_does_real_argon2_work() -> None:
    # An unknown name is checked against a decoy hash with today's parameters.
    counting = CountingArgon2()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "Argon2id", counting)
        assert passwords.verify_password(PASSWORD, None) is False
    assert counting.verifications == 1
    assert f"m={passwords._MEMORY_KIB},t={passwords._ITERATIONS}" in passwords._DECOY


def test_expiry_is_told_only_after_the_right_password(services: Services, clock) -> None:  # type: ignore[no-untyped-def]
    # Issue 9 item 7: the rightful user may be told their password expired.
    operator(services, "kim.lee")
    clock.now += timedelta(days=45)
    with pytest.raises(AuthenticationFailed, match=SIGN_IN_FAILED):
        services.operators.sign_in("kim.lee", "Wrong-Password-1")
    reason = services.operators.sign_in("kim.lee", PASSWORD).password_change_reason
    assert reason is not None and "44 days" in reason


def test_admins_are_locked_too_and_the_lock_lifts_by_itself(
    services: Services, admin: Actor, clock: MovableClock
) -> None:
    # Issue 9 item 7: a lock lifts by itself after [accounts] lockout_minutes (30).
    assert services.settings.accounts.lockout_minutes == 30
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            services.operators.sign_in("ada.admin", "Wrong-Password-1", next_code(clock))
    locked = row(services, "ada.admin")
    assert locked.status is AccountStatus.LOCKED
    assert locked.locked_until == clock.now + timedelta(minutes=30)

    clock.now += timedelta(minutes=29)
    with pytest.raises(AuthenticationFailed, match=SIGN_IN_FAILED):
        services.operators.sign_in("ada.admin", ADMIN_PASSWORD, next_code(clock))  # 29.5 min
    clock.now += timedelta(seconds=1)
    assert services.operators.sign_in("ada.admin", ADMIN_PASSWORD, next_code(clock)).actor == admin
    assert row(services, "ada.admin").status is AccountStatus.ACTIVE
    lifted = audit_log(services, actions=["lock-lifted"], limit=1)[0]
    assert lifted.actor == "ada.admin" and lifted.detail["by"] == "time"


def test_an_open_session_works_again_once_the_lock_is_over(
    services: Services, admin: Actor, clock: MovableClock
) -> None:
    set_row(services, "ada.admin", status="locked", locked_until=clock.now + timedelta(minutes=1))
    with pytest.raises(AuthenticationFailed, match="locked"):
        services.operators.list(admin)
    clock.now += timedelta(minutes=1)
    assert [o.username for o in services.operators.list(admin)] == ["ada.admin"]


def test_an_admin_lifts_a_lock_sooner(services: Services, admin: Actor, clock) -> None:  # type: ignore[no-untyped-def]
    operator(services, "kim.lee")
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            services.operators.sign_in("kim.lee", "Wrong-Password-1")
    services.operators.unlock(admin, "kim.lee")
    assert row(services, "kim.lee").locked_until is None
    services.operators.sign_in("kim.lee", PASSWORD)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("LRS_ACCOUNTS_LOCKOUT_MINUTES", "5", ("lockout_minutes", 5.0)),
        ("LRS_ACCOUNTS_SECOND_FACTOR_ROLES", "admin, analyst", ("second_factor_roles", None)),
    ],
)
def test_the_new_settings_come_from_the_file_and_the_environment(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: tuple[str, object]
) -> None:
    assert load_settings().accounts.lockout_minutes == 30
    assert load_settings().accounts.second_factor_roles == ("admin",)
    monkeypatch.setenv(name, value)
    field, want = expected
    got = getattr(load_settings().accounts, field)
    assert got == (want if want is not None else ("admin", "analyst"))


@pytest.mark.parametrize(
    ("value", "message"),
    [("analyst", "must include admin"), ("admin,boss", "'boss' is not a role")],
)
def test_second_factor_roles_are_checked(
    monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv("LRS_ACCOUNTS_SECOND_FACTOR_ROLES", value)
    with pytest.raises(ConfigurationError, match=message):
        load_settings()


# -- item 7: common or guessable passwords ------------------------------------------------


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("kim.lee", "Password1"),  # among the most common passwords
        ("kim.lee", "Summer2026"),  # a season and a year
        ("demo-agent", "demo-agent-1A"),  # the username
        ("asha.patel", "AshaPatel#26"),  # the operator's own name
        ("kim.lee", "Lrsdesk#2026"),  # "lrs" and "desk" count against it
        ("kim.lee", "LRS-Desk-2026"),
    ],
)
def test_common_or_guessable_passwords_are_refused(
    services: Services, username: str, password: str
) -> None:
    # Issue 9 item 7: §3.4 still applies, and beyond it common or guessable passwords are
    # refused, the operator's name, username, "lrs" and "desk" counting against them.
    passwords.check_policy(password)  # each one passes §3.4 on its own
    otp = services.operators.add(desk_admin(services), username, "agent").one_time_password
    actor = services.operators.sign_in(username, otp).actor
    with pytest.raises(ValidationError) as refused:
        services.operators.change_password(actor, otp, password)
    assert refused.value.field == "New password"
    assert "too easy to guess" in refused.value.message


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("demo-agent", "Agent-Demo-2026"),  # README's demo passwords
        ("demo-analyst", "Analyst-Demo-2026"),
        ("demo-admin", "Admin-Demo-2026"),
        ("demo-admin-2", "Admin2-Demo-2026"),
        ("kim.lee", "Desk-Shift-2026"),  # tests/conftest.py
        ("asha.patel", "Correct-Horse-9"),  # tests/core/test_operators.py
        ("kim.lee", "AshaPatel#26"),  # someone else's name is not this operator's
    ],
)
def test_the_project_passwords_are_strong_enough(username: str, password: str) -> None:
    passwords.check_policy(password)
    passwords.check_strength(password, passwords.context_words(username))


def test_the_strength_check_copes_with_the_longest_password() -> None:
    import random
    import string

    rng = random.Random(9)
    longest = "".join(rng.choice(string.ascii_letters + "0123456789!-") for _ in range(128))
    passwords.check_strength(longest, passwords.context_words("kim.lee"))
    with pytest.raises(ValidationError, match="too easy"):
        passwords.check_strength("Zq7!" * 32, passwords.context_words("kim.lee"))  # repeats


# -- item 8: the second factor ------------------------------------------------------------


def test_an_admin_needs_a_code_and_a_code_works_once(
    services: Services, admin: Actor, clock: MovableClock
) -> None:
    # Issue 9 item 8: sign-in asks an admin for the code; a code is accepted once.
    before = row(services, "ada.admin").failed_attempts
    with pytest.raises(SecondFactorRequired, match="six-digit code"):
        services.operators.sign_in("ada.admin", ADMIN_PASSWORD)
    assert row(services, "ada.admin").failed_attempts == before  # not a failure
    code = next_code(clock)
    signed_in = services.operators.sign_in(
        "ada.admin", ADMIN_PASSWORD, code.replace("", " ").strip()
    )
    assert signed_in.actor == admin and not signed_in.must_enrol_second_factor
    clock.now += timedelta(seconds=10)  # still within the code's 30 seconds
    with pytest.raises(AuthenticationFailed, match=SIGN_IN_FAILED):
        services.operators.sign_in("ada.admin", ADMIN_PASSWORD, code)
    # A code from the step before, typed late, is refused too once a later one was used.
    earlier = second_factor.code_at(TOTP_SECRET, clock.now - timedelta(seconds=30))
    with pytest.raises(AuthenticationFailed, match=SIGN_IN_FAILED):
        services.operators.sign_in("ada.admin", ADMIN_PASSWORD, earlier)


def test_a_code_from_the_next_or_previous_step_is_accepted(
    services: Services, admin: Actor, clock: MovableClock
) -> None:
    # A phone's clock drifts: one step either side is accepted (and then used up).
    clock.now += timedelta(minutes=5)
    ahead = second_factor.code_at(TOTP_SECRET, clock.now + timedelta(seconds=30))
    services.operators.sign_in("ada.admin", ADMIN_PASSWORD, ahead)
    clock.now += timedelta(minutes=5)
    behind = second_factor.code_at(TOTP_SECRET, clock.now - timedelta(seconds=30))
    services.operators.sign_in("ada.admin", ADMIN_PASSWORD, behind)
    far = second_factor.code_at(TOTP_SECRET, clock.now + timedelta(seconds=90))
    with pytest.raises(AuthenticationFailed):
        services.operators.sign_in("ada.admin", ADMIN_PASSWORD, far)


def test_wrong_codes_count_towards_the_lockout(
    services: Services, admin: Actor, clock: MovableClock
) -> None:
    # Issue 9 item 8: wrong codes count like wrong passwords.
    for attempt in range(3):
        with pytest.raises(AuthenticationFailed, match=SIGN_IN_FAILED):
            services.operators.sign_in("ada.admin", ADMIN_PASSWORD, f"00000{attempt}")
    assert row(services, "ada.admin").status is AccountStatus.LOCKED
    reasons = [e.detail["reason"] for e in audit_log(services, actions=["sign-in"], limit=3)]
    assert reasons == ["wrong code"] * 3
    with pytest.raises(AuthenticationFailed, match=SIGN_IN_FAILED):
        services.operators.sign_in("ada.admin", ADMIN_PASSWORD, next_code(clock))


def test_an_admin_without_a_second_factor_must_set_one_up_first(
    services: Services, clock: MovableClock
) -> None:
    # Issue 9 item 8: required for admins; the core refuses everything else until then.
    otp = services.operators.add(desk_admin(services), "ada.admin", "admin").one_time_password
    signed_in = services.operators.sign_in("ada.admin", otp)
    assert signed_in.must_enrol_second_factor
    actor = signed_in.actor
    services.operators.change_password(actor, otp, PASSWORD)
    with pytest.raises(PermissionDenied, match="second factor"):
        services.operators.list(actor)
    assert audit_log(services, limit=1)[0].outcome == "denied"

    enrolment = services.operators.start_enrolment(actor)
    assert enrolment.secret not in repr(enrolment)
    assert enrolment.uri.startswith("otpauth://totp/LRS%20Desk:ada.admin?secret=")
    with pytest.raises(ValidationError) as wrong:
        services.operators.confirm_enrolment(actor, enrolment.secret, "123456x")
    assert wrong.value.field == "Code"
    code = second_factor.code_at(enrolment.secret, clock.now)
    wrong_code = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(ValidationError, match="does not match"):
        services.operators.confirm_enrolment(actor, enrolment.secret, wrong_code)
    services.operators.confirm_enrolment(actor, enrolment.secret, code)
    assert audit_log(services, limit=1)[0].action == "enrol-second-factor"
    services.operators.list(actor)
    with pytest.raises(AuthenticationFailed):  # the confirming code is used up
        services.operators.sign_in("ada.admin", ADMIN_PASSWORD, code)
    with pytest.raises(ValidationError, match="already set up"):
        services.operators.confirm_enrolment(actor, TOTP_SECRET, next_code(clock))


def test_other_roles_need_a_code_when_configured(
    services: Services, settings, clock: MovableClock, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    # Issue 9 item 8: configurable for other roles ([accounts] second_factor_roles).
    agent = operator(services, "kim.lee")
    assert not services.operators.sign_in("kim.lee", PASSWORD).must_enrol_second_factor
    monkeypatch.setenv("LRS_ACCOUNTS_SECOND_FACTOR_ROLES", "admin,agent")
    strict = Services(services.db, load_settings(), clock)
    assert strict.operators.sign_in("kim.lee", PASSWORD).must_enrol_second_factor
    with pytest.raises(PermissionDenied, match="second factor"):
        strict.learners.find_by_uln(agent, "9276308686", "Sian", "Suilleabhain")


def test_the_secret_is_sealed_at_rest(services: Services, admin: Actor) -> None:
    # Issue 9 item 8: stored encrypted (AES-GCM under the totp-key), never in clear; not in
    # the audit trail either.
    sealed = row(services, "ada.admin").totp_secret
    assert sealed is not None
    with services.db.transaction() as session:
        dump = " ".join(
            repr(r)
            for table in ("operator", "audit_event")
            for r in session.execute(text(f"SELECT * FROM {table}")).all()
        )
    assert TOTP_SECRET not in dump and TOTP_SECRET.lower() not in dump
    assert TOTP_SECRET.encode() not in sealed
    key = services.key("totp-key").key
    assert second_factor.unseal(key, sealed, admin.operator_id or 0) == TOTP_SECRET
    with pytest.raises(ConfigurationError, match="totp-key"):
        second_factor.unseal(bytes(32), sealed, admin.operator_id or 0)
    with pytest.raises(ConfigurationError):  # bound to its operator
        second_factor.unseal(key, sealed, (admin.operator_id or 0) + 1)


def test_an_admin_resets_another_operators_second_factor(
    services: Services, admin: Actor, clock: MovableClock
) -> None:
    # Issue 9 item 8: recovery is an admin resetting it, audited.
    agent = operator(services, "kim.lee")
    with pytest.raises(PermissionDenied):
        services.operators.reset_second_factor(agent, "ada.admin")
    with pytest.raises(ValidationError, match="another admin"):
        services.operators.reset_second_factor(admin, "ada.admin")
    otp = services.operators.add(desk_admin(services), "bo.admin", "admin").one_time_password
    second = services.operators.sign_in("bo.admin", otp).actor
    services.operators.change_password(second, otp, PASSWORD)
    services.operators.confirm_enrolment(second, TOTP_SECRET, next_code(clock))

    info = services.operators.reset_second_factor(second, "ada.admin")
    assert not info.second_factor
    entry = audit_log(services, limit=1)[0]
    assert (entry.action, entry.actor, entry.detail["was_set_up"]) == (
        "reset-second-factor",
        "bo.admin",
        True,
    )
    again = services.operators.sign_in("ada.admin", ADMIN_PASSWORD)  # password alone, then enrol
    assert again.must_enrol_second_factor


@pytest.mark.parametrize("tries", [6])
def test_one_code_signs_in_once_even_at_the_same_moment(
    services: Services, admin: Actor, clock: MovableClock, tries: int
) -> None:
    # The replay rule holds under concurrency (the operator's row is locked for the check).
    code = next_code(clock)

    def attempt(_: int) -> bool:
        try:
            services.operators.sign_in("ada.admin", ADMIN_PASSWORD, code)
        except AuthenticationFailed:
            return False
        return True

    with ThreadPoolExecutor(max_workers=tries) as pool:
        results = list(pool.map(attempt, range(tries)))
    assert results.count(True) == 1


def test_the_demo_admin_has_the_published_second_factor(services: Services) -> None:
    # Issue 9 item 8: README publishes the demo admin's TOTP secret (demo database only).
    from lrs_core.services.demo import DEMO_ADMIN_TOTP_SECRET, seed_demo

    seed_demo(services.db, learners=0, seed=1, totp_key=services.key("totp-key").key)
    with pytest.raises(SecondFactorRequired):
        services.operators.sign_in("demo-admin", "Admin-Demo-2026")
    code = second_factor.code_at(DEMO_ADMIN_TOTP_SECRET, services.clock())
    assert services.operators.sign_in("demo-admin", "Admin-Demo-2026", code).actor.role == "admin"
    assert services.operators.sign_in("demo-agent", "Agent-Demo-2026").actor.role == "agent"


def test_a_used_code_is_refused_without_counting_as_a_guess(
    services: Services, admin: Actor, clock: MovableClock
) -> None:
    # RFC 6238 §5.2: a code works once. Typed again (an admin's second command within the
    # same 30 seconds), it is refused with the one message, but it is no guess: three of
    # them do not lock the account, and the app's next code signs in.
    code = next_code(clock)
    services.operators.sign_in("ada.admin", ADMIN_PASSWORD, code)
    for _ in range(3):
        with pytest.raises(AuthenticationFailed, match=SIGN_IN_FAILED):
            services.operators.sign_in("ada.admin", ADMIN_PASSWORD, code)
    assert row(services, "ada.admin").status is AccountStatus.ACTIVE
    reasons = [e.detail["reason"] for e in audit_log(services, actions=["sign-in"], limit=3)]
    assert reasons == ["code used already"] * 3
    services.operators.sign_in("ada.admin", ADMIN_PASSWORD, next_code(clock))
