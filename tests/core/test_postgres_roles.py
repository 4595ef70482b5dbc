"""The PostgreSQL deployment with two roles (issue 9 item 5; README "PostgreSQL"): the owner
migrates and runs `lrs-desk db grant APP`; the application role then does the desk's work
but cannot change or remove an audit event, whatever it holds."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from factories import PG_URL, desk_admin, scratch_postgres
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import ProgrammingError

from lrs_cli.main import EXIT_ERROR, main
from lrs_core.config import load_settings
from lrs_core.db.database import Database
from lrs_core.services import Services

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs LRS_TEST_DATABASE_URL (PostgreSQL)")


@dataclass(frozen=True)
class Deployment:
    owner_url: str
    app_url: str
    app_role: str


@pytest.fixture
def deployment() -> Iterator[Deployment]:
    """A scratch database owned by a new owner role, and a new application role: the
    README's set-up, with trust authentication standing in for passwords."""
    suffix = uuid.uuid4().hex[:8]
    owner, app = f"lrs_owner_{suffix}", f"lrs_app_{suffix}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE ROLE "{owner}" LOGIN'))
        connection.execute(text(f'CREATE ROLE "{app}" LOGIN'))
    try:
        with scratch_postgres() as url:
            name = make_url(url).database
            with admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE "{name}" OWNER TO "{owner}"'))
            as_role = make_url(url).set(password=None)
            yield Deployment(
                as_role.set(username=owner).render_as_string(hide_password=False),
                as_role.set(username=app).render_as_string(hide_password=False),
                app,
            )
    finally:
        with admin.connect() as connection:  # roles outlive databases: drop them too
            connection.execute(text(f'DROP ROLE IF EXISTS "{app}"'))
            connection.execute(text(f'DROP ROLE IF EXISTS "{owner}"'))
        admin.dispose()


def test_the_application_role_appends_to_the_audit_trail_and_cannot_rewrite_it(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LRS_DATABASE_URL", deployment.owner_url)
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "grant", deployment.app_role]) == 0
    granted = capsys.readouterr().out
    assert f"{deployment.app_role}: SELECT, INSERT on audit_event" in granted

    # The app's normal work, as the application role.
    db = Database(deployment.app_url)
    services = Services(db, load_settings())
    db.require_current_schema()
    otp = services.operators.add(desk_admin(services), "kim.lee", "agent").one_time_password
    actor = services.operators.sign_in("kim.lee", otp).actor
    services.operators.change_password(actor, otp, "Desk-Shift-2026")
    registered = services.learners.register(
        actor,
        {
            "given_name": "Carys", "family_name": "Rees", "date_of_birth": "2008-09-01",
            "gender": "2", "postcode": "CF10 3AT", "verification_type": "1",
            "ability_to_share": "1",
        },
    )  # fmt: skip
    assert registered.learner is not None
    assert services.learners.show(actor, registered.learner.uln).given_name == "Carys"
    assert services.audit.verify(desk_admin(services)).ok

    # What it may not do to the audit trail.
    for statement in (
        "UPDATE audit_event SET actor = 'someone.else' WHERE sequence = 1",
        "DELETE FROM audit_event WHERE sequence = (SELECT max(sequence) FROM audit_event)",
        "TRUNCATE audit_event",
        "DELETE FROM audit_chain_head",
    ):
        with (
            pytest.raises(ProgrammingError, match="permission denied"),
            db.engine.begin() as connection,
        ):
            connection.execute(text(statement))
    assert services.audit.verify(desk_admin(services)).ok
    db.dispose()


def test_grant_refuses_a_role_that_could_bypass_it(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LRS_DATABASE_URL", deployment.owner_url)
    assert main(["db", "upgrade"]) == 0
    owner = make_url(deployment.owner_url).username
    for role, message in (
        (owner, "owns the tables or is a superuser"),
        ("postgres", "owns the tables or is a superuser"),
        ("no_such_role_x", "PostgreSQL has no role 'no_such_role_x'"),
        ('app"; DROP TABLE learner; --', "PostgreSQL has no role"),
    ):
        capsys.readouterr()
        assert main(["db", "grant", str(role)]) == EXIT_ERROR
        err = capsys.readouterr().err
        assert message in err and err.startswith("lrs-desk: error: Role: ")


def test_a_deployment_without_the_audit_key_is_told_where_to_set_it(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The key is read when first needed: migrating an empty database needs none.
    monkeypatch.delenv("LRS_SECRET_AUDIT_KEY")
    monkeypatch.setenv("LRS_DATABASE_URL", deployment.owner_url)
    assert main(["db", "upgrade"]) == 0
    monkeypatch.setenv("LRS_OPERATOR_PASSWORD", "Any-Password-2026")
    # Even the sign-in is audited, so it is where the missing key is found.
    assert main(["audit", "verify", "--operator", "nobody.here"]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "audit-key: not set" in err and "$LRS_SECRET_AUDIT_KEY" in err
    assert err.count("\n") == 1
