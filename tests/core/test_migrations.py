"""Schema changes go through Alembic: migrating from empty gives exactly the models'
schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from factories import desk_admin, plr_learners
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from lrs_core.actor import Actor
from lrs_core.db.database import Database, SchemaState
from lrs_core.db.models import Base
from lrs_core.domain.matching import phonetic_key
from lrs_core.errors import ConfigurationError
from lrs_core.permissions import OperatorRole


def test_migrated_schema_matches_the_models(db: Database) -> None:
    assert db.schema_state() is SchemaState.CURRENT
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrade_from_empty_down_and_up_again(empty_database_url: str) -> None:
    db = Database(empty_database_url)
    assert db.schema_state() is SchemaState.EMPTY
    with pytest.raises(ConfigurationError, match="lrs-desk db upgrade"):
        db.require_current_schema()
    db.upgrade()
    assert db.schema_state() is SchemaState.CURRENT
    db.require_current_schema()
    db.upgrade()  # idempotent

    from alembic import command

    from lrs_core.db.database import alembic_config

    command.downgrade(alembic_config(db.url), "base")
    assert db.schema_state() is SchemaState.EMPTY
    db.upgrade()
    assert db.schema_state() is SchemaState.CURRENT
    db.dispose()


def test_match_keys_are_backfilled_for_learners_already_there(empty_database_url: str) -> None:
    """Migration 0002 computes the phonetic and previous-value keys for existing rows."""
    from alembic import command

    from lrs_core.db.database import alembic_config

    db = Database(empty_database_url)
    command.upgrade(alembic_config(db.url), "0001")
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO learner (id, uln, given_name, family_name, postcode, date_of_birth,"
                " gender, ability_to_share, verification_type, given_key, family_key, status,"
                " created_at, created_by, row_version) VALUES (1, '1000000043', 'Stephen',"
                " 'Mac Donald', 'M1 1AA', '2005-01-02', 1, 1, 0, 'stephen', 'macdonald',"
                " 'active', '2025-01-01 09:00:00', 'test', 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO learner_previous_value (id, learner_id, kind, value, recorded_at)"
                " VALUES (1, 1, 'family_name', 'O''Brien-Smith', '2025-01-01 09:00:00')"
            )
        )
    db.upgrade()
    with db.engine.connect() as connection:
        keys = connection.execute(text("SELECT given_phonetic, family_phonetic FROM learner")).one()
        previous = connection.execute(text("SELECT value_key FROM learner_previous_value")).one()
    db.dispose()
    assert tuple(keys) == (phonetic_key("Stephen"), phonetic_key("Mac Donald"))
    assert previous[0] == "obriensmith"


def test_letters_without_accents_are_refolded(empty_database_url: str) -> None:
    """Migration 0005: keys made before ł, ø... were folded are recomputed (Łukasz ~ Lukasz)."""
    from alembic import command

    from lrs_core.db.database import alembic_config

    db = Database(empty_database_url)
    command.upgrade(alembic_config(db.url), "0004")
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO learner (id, uln, given_name, family_name, postcode, date_of_birth,"
                " gender, ability_to_share, verification_type, given_key, family_key,"
                " given_phonetic, family_phonetic, status, created_at, created_by, row_version,"
                " sensitive) VALUES (1, '1000000043', 'Łukasz', 'Søndergaard', 'M1 1AA',"
                " '2005-01-02', 1, 1, 0, 'łukasz', 'søndergaard', 'KS', 'SNTRKRT', 'active',"
                " '2025-01-01 09:00:00', 'test', 1, false)"
            )
        )
    db.upgrade()
    with db.engine.connect() as connection:
        keys = connection.execute(
            text("SELECT given_key, family_key, given_phonetic FROM learner")
        ).one()
    db.dispose()
    assert tuple(keys) == ("lukasz", "sondergaard", phonetic_key("Lukasz"))


def test_lookalike_letters_are_refolded(empty_database_url: str) -> None:
    """Migration 0006 (issue 9 item 2): keys made before lookalike letters were read as Latin
    are recomputed, so a stored Cyrillic "Сarys Rееs" has Carys Rees's keys; plain keys stay."""
    from alembic import command

    from lrs_core.db.database import alembic_config

    db = Database(empty_database_url)
    command.upgrade(alembic_config(db.url), "0005")
    with db.engine.begin() as connection:
        for i, uln, given, family, given_key, family_key in (
            (1, "1000000043", "Сarys", "Rееs", "сarys", "rееs"),
            (2, "9276308686", "Siân", "Ó Súilleabháin", "sian", "osuilleabhain"),
        ):
            connection.execute(
                text(
                    "INSERT INTO learner (id, uln, given_name, family_name, postcode,"
                    " date_of_birth, gender, ability_to_share, verification_type, given_key,"
                    " family_key, given_phonetic, family_phonetic, status, created_at,"
                    " created_by, row_version, sensitive) VALUES (:i, :uln, :given, :family,"
                    " 'CF10 3AT', '2008-09-01', 2, 1, 1, :gk, :fk, 'old', 'old', 'active',"
                    " '2025-01-01 09:00:00', 'test', 1, false)"
                ),
                {"i": i, "uln": uln, "given": given, "family": family, "gk": given_key,
                 "fk": family_key},
            )  # fmt: skip
        connection.execute(
            text(
                "INSERT INTO learner_previous_value (id, learner_id, kind, value, value_key,"
                " recorded_at) VALUES (1, 1, 'family_name', 'Јоnеѕ', 'јоnеѕ',"
                " '2025-01-01 09:00:00')"
            )
        )
    db.upgrade()
    with db.engine.connect() as connection:
        keys = connection.execute(
            text("SELECT given_key, family_key, given_phonetic, family_phonetic FROM learner"
                 " ORDER BY id")
        ).all()  # fmt: skip
        previous = connection.execute(text("SELECT value_key FROM learner_previous_value")).one()
    db.dispose()
    assert [tuple(k) for k in keys] == [
        ("carys", "rees", phonetic_key("Carys"), phonetic_key("Rees")),
        ("sian", "osuilleabhain", "old", "old"),  # untouched: its keys were plain already
    ]
    assert previous[0] == "jones"


def _unkeyed_trail(db: Database, count: int) -> None:
    """Events as LRS Desk wrote them before 0008: a plain SHA-256 chain."""
    import hashlib
    import json
    from datetime import UTC, datetime, timedelta

    prev = "0" * 64
    with db.engine.begin() as connection:
        for sequence in range(1, count + 1):
            when = datetime(2026, 1, 5, 9, 0, tzinfo=UTC) + timedelta(minutes=sequence)
            fields = [sequence, when.isoformat(timespec="microseconds"), "kim.lee", "agent",
                      "view-learner", "learner", "1000000043", "ok", "{}", prev]  # fmt: skip
            body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            digest = hashlib.sha256(body.encode()).hexdigest()
            connection.execute(
                text(
                    "INSERT INTO audit_event (sequence, occurred_at, actor, role, action,"
                    " subject_type, subject_id, outcome, detail, prev_hash, hash) VALUES"
                    " (:s, :t, 'kim.lee', 'agent', 'view-learner', 'learner', '1000000043',"
                    " 'ok', '{}', :p, :h)"
                ),
                {"s": sequence, "t": when, "p": prev, "h": digest},
            )
            prev = digest
        connection.execute(text("DELETE FROM audit_chain_head"))
        connection.execute(
            text("INSERT INTO audit_chain_head (id, sequence, hash) VALUES (1, :s, :h)"),
            {"s": count, "h": prev},
        )


def test_an_unkeyed_trail_is_re_keyed_and_verifies(empty_database_url: str) -> None:
    """Migration 0008 (issue 9 item 5): an existing trail is checked unkeyed, then keyed."""
    from alembic import command

    from lrs_core.config import load_settings
    from lrs_core.db.database import alembic_config
    from lrs_core.services import Services

    db = Database(empty_database_url)
    command.upgrade(alembic_config(db.url), "0005")
    _unkeyed_trail(db, 3)
    with db.engine.connect() as connection:
        before = connection.execute(text("SELECT hash FROM audit_event ORDER BY sequence")).all()
    db.upgrade()
    services = Services(db, load_settings())
    result = services.audit.verify(desk_admin(services))
    assert (result.ok, result.checked) == (True, 3)
    assert result.head is not None and result.head.hash != before[-1][0]
    services.audit.record(Actor("kim.lee", OperatorRole.AGENT, "Kim Lee", 1), "view-learner")
    assert services.audit.verify(desk_admin(services)).checked == 4  # the re-keyed chain goes on
    command.downgrade(alembic_config(db.url), "0005")  # and back: unkeyed again
    with db.engine.connect() as connection:
        last = connection.execute(text("SELECT hash FROM audit_event WHERE sequence = 3")).one()
    assert last[0] == before[-1][0]
    db.dispose()


@pytest.mark.parametrize("break_it", ["edit", "cut"])
def test_a_trail_already_broken_is_not_re_keyed(empty_database_url: str, break_it: str) -> None:
    from alembic import command

    from lrs_core.db.database import alembic_config

    db = Database(empty_database_url)
    command.upgrade(alembic_config(db.url), "0005")
    _unkeyed_trail(db, 3)
    with db.engine.begin() as connection:
        if break_it == "edit":
            connection.execute(text("UPDATE audit_event SET actor = 'x' WHERE sequence = 2"))
        else:
            connection.execute(text("DELETE FROM audit_event WHERE sequence = 3"))
    with pytest.raises(ConfigurationError, match="the audit trail is already broken") as caught:
        db.upgrade()
    assert ("event 2 was altered" if break_it == "edit" else "after 2 were removed") in str(
        caught.value
    )
    assert db.schema_state() is SchemaState.BEHIND  # nothing changed
    db.dispose()


@pytest.mark.parametrize(
    ("table", "column", "kept", "refused"),
    [
        ("data_challenge", "status", "referred", "closed"),
        ("data_challenge", "challenge_type", "duplicate-uln", "missing-qualification"),
        ("learning_event", "status", "removed", "deleted"),
        ("learner", "retired_reason", "deceased", "emigrated"),
    ],
)
def test_the_new_codes_are_enforced_by_the_database(
    db: Database, table: str, column: str, kept: str, refused: str
) -> None:
    """Migration 0009's closed sets (issue 11) hold in the database itself, not only in the
    models: a value outside them is refused on both databases, however it is written."""
    with db.transaction() as session:
        plr_learners(session)
    with db.engine.connect() as connection:
        row_id = connection.execute(text(f"SELECT min(id) FROM {table}")).scalar_one()
        update = text(f"UPDATE {table} SET {column} = :value WHERE id = :id")
        connection.execute(update, {"value": kept, "id": row_id})
        with pytest.raises(IntegrityError):
            connection.execute(update, {"value": refused, "id": row_id})
        connection.rollback()


def test_organisations_already_there_get_a_search_key(empty_database_url: str) -> None:
    """Migration 0010 folds the names of organisations already registered, so find by name
    finds them at once (issue 12 item 1)."""
    from alembic import command

    from lrs_core.db.database import alembic_config

    db = Database(empty_database_url)
    command.upgrade(alembic_config(db.url), "0009")
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO organisation (ukprn, name, kind, is_lrb, is_ao, created_at)"
                " VALUES ('10012345', 'St. Mary''s Académie', 'school', true, false,"
                " CURRENT_TIMESTAMP)"
            )
        )
    db.upgrade()
    with db.engine.connect() as connection:
        row = connection.execute(text("SELECT name_key, portal_enabled FROM organisation")).one()
    assert tuple(row) == ("st marys academie", True)
    db.dispose()


def test_one_live_super_user_case_per_organisation(db: Database) -> None:
    """Two admins opening a Change of Super User case (§3.6) for one organisation at once
    cannot both succeed: the database allows one prepared or approved case per organisation,
    and any number that are closed."""
    import factories

    with db.transaction() as session:
        org = factories.organisation(session)
        actor = factories.operator(
            session, "ada.admin", "admin", "Desk-Admin-2026", now=datetime(2026, 11, 23, tzinfo=UTC)
        )
        org_id, operator_id = org.id, actor.operator_id
    insert = text(
        "INSERT INTO super_user_case (reference, organisation_id, reason, form_received_on,"
        " status, prepared_by_operator_id, prepared_at, updated_at, row_version)"
        " VALUES (:ref, :org, 'left', '2026-11-20', :status, :op, CURRENT_TIMESTAMP,"
        " CURRENT_TIMESTAMP, 1)"
    )
    with db.engine.connect() as connection:
        for n, status in enumerate(("rejected", "completed", "prepared", "rejected"), 1):
            connection.execute(
                insert, {"ref": f"SU-{n}", "org": org_id, "status": status, "op": operator_id}
            )
        with pytest.raises(IntegrityError):
            connection.execute(
                insert, {"ref": "SU-9", "org": org_id, "status": "approved", "op": operator_id}
            )
        connection.rollback()
