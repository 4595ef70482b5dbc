"""The synthetic demo data: deterministic, valid, full of the hard cases, and never holding a
plain-text secret. DOMAIN.md throughout; the seed's own docstring lists the hard cases."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from factories import TOTP_SECRET
from sqlalchemy import func, inspect, select

from lrs_core import second_factor
from lrs_core.actor import Actor
from lrs_core.db.database import Database
from lrs_core.db.models import (
    AuditEvent,
    Base,
    Learner,
    LearnerPreviousValue,
    LearningEvent,
    Operator,
    Organisation,
    PortalUser,
    PortalUserRole,
)
from lrs_core.demo_data import SECRET_QUESTIONS
from lrs_core.domain.kinds import AccountStatus, OrganisationKind, PortalRole
from lrs_core.domain.names import (
    name_key,
    validate_email,
    validate_name,
    validate_school_at_16,
)
from lrs_core.domain.values import (
    TEMPORARY_ULN,
    UNKNOWN_POSTCODE,
    OutcomeCode,
    age_on,
    is_valid_uln,
    make_uln,
    validate_postcode,
    validate_ukprn,
    validate_upn,
    validate_verification,
)
from lrs_core.passwords import verify_password
from lrs_core.services import Services, demo
from lrs_core.services.audit import AuditService
from lrs_core.services.demo import (
    DEFAULT_TODAY,
    DEMO_OPERATORS,
    DEMO_PORTAL_PASSWORD,
    PORTAL_STATUSES,
    fold_answer,
    is_empty,
    seed_demo,
)
from lrs_core.services.search import DemographicQuery

LEARNERS = 300
SEED = 7
BULK_TABLES = ("learner", "learner_previous_value", "learning_event")
NAME_FIELDS = (
    "given_name",
    "preferred_given_name",
    "middle_other_name",
    "family_name",
    "previous_family_name",
    "family_name_at_16",
)


def rows(db: Database, model: type[Base], *exclude: str) -> list[dict[str, Any]]:
    """Every row of a table as dicts, in id (or key) order, without the excluded columns."""
    table = model.__table__
    with db.transaction() as session:
        result = session.execute(select(table).order_by(*table.primary_key.columns))
        return [{k: v for k, v in row._mapping.items() if k not in exclude} for row in result.all()]


def demo_admin(db: Database) -> Actor:
    """The seeded demo admin, as a signed-in actor with a second factor (admins need one;
    these tests seed without the totp-key, so it is set up here)."""
    with db.transaction() as session:
        op = session.execute(select(Operator).where(Operator.username == "demo-admin")).scalar_one()
        if op.totp_secret is None:
            op.totp_secret = second_factor.seal(db.key("totp-key").key, TOTP_SECRET, op.id)
        return Actor(op.username, op.role, op.display_name, op.id)


@pytest.fixture
def seeded(db: Database) -> demo.SeedSummary:
    return seed_demo(db, learners=LEARNERS, seed=SEED)


def test_same_seed_gives_identical_data(db: Database, tmp_path: Path) -> None:
    other = Database(f"sqlite:///{tmp_path}/b.sqlite3")
    other.upgrade()
    try:
        first = seed_demo(db, learners=LEARNERS, seed=SEED)
        second = seed_demo(other, learners=LEARNERS, seed=SEED)
        assert (first.learners, first.events, first.linked_learners) == (
            second.learners,
            second.events,
            second.linked_learners,
        )
        learners = rows(db, Learner)
        assert len(learners) == LEARNERS
        assert learners == rows(other, Learner)
        assert rows(db, LearningEvent) == rows(other, LearningEvent)
        assert rows(db, LearnerPreviousValue) == rows(other, LearnerPreviousValue)
        assert rows(db, Organisation) == rows(other, Organisation)
        # Hashes are salted, so they differ; everything else about portal users is the same.
        salted = ("password_hash", "secret_answer_hash")
        assert rows(db, PortalUser, *salted) == rows(other, PortalUser, *salted)
        assert rows(db, PortalUserRole) == rows(other, PortalUserRole)

        third = Database(f"sqlite:///{tmp_path}/c.sqlite3")
        third.upgrade()
        seed_demo(third, learners=LEARNERS, seed=SEED + 1)
        assert rows(third, Learner) != learners  # the seed matters
        third.dispose()
    finally:
        other.dispose()


def test_every_uln_is_valid_and_unique(db: Database, seeded: demo.SeedSummary) -> None:
    # DOMAIN.md "ULN check digit"; 9999999999 is the ILR's temporary ULN, never a learner's.
    ulns = [r["uln"] for r in rows(db, Learner)]
    assert len(ulns) == seeded.learners == LEARNERS
    assert len(set(ulns)) == len(ulns)
    assert all(is_valid_uln(u) and make_uln(u[:9]) == u for u in ulns)
    assert TEMPORARY_ULN not in ulns


def test_learner_fields_pass_the_domain_rules(db: Database, seeded: demo.SeedSummary) -> None:
    for learner in rows(db, Learner):
        for field in NAME_FIELDS:
            value = learner[field]
            if value is not None:
                assert validate_name(value, field) == value, (field, value)
                assert len(value) <= 35
        assert learner["given_key"] == name_key(learner["given_name"])
        assert learner["family_key"] == name_key(learner["family_name"])
        assert validate_postcode(learner["postcode"]) == learner["postcode"]
        assert 14 <= age_on(learner["date_of_birth"], DEFAULT_TODAY) <= 60
        assert learner["gender"] in {0, 1, 2, 9}
        assert learner["ability_to_share"] in {0, 1}
        validate_verification(
            learner["verification_type"], learner["other_verification_description"]
        )
        if learner["upn"] is not None:
            assert validate_upn(learner["upn"]) == learner["upn"]
        if learner["email"] is not None:
            assert validate_email(learner["email"]) == learner["email"]
        if learner["school_at_16"] is not None:
            validate_school_at_16(learner["school_at_16"])
        assert learner["status"] in {"active", "linked"}
        assert learner["row_version"] == 1
        assert learner["created_at"].date() < DEFAULT_TODAY
        assert learner["created_by"]
        assert "" not in learner.values()  # the bulk writers' "" means NULL


def test_the_hard_name_and_address_cases_are_present(
    db: Database, seeded: demo.SeedSummary
) -> None:
    learners = rows(db, Learner)
    family = {r["family_name"] for r in learners}
    assert any(f.startswith("Mc") for f in family)
    assert any(f.startswith("Mac") for f in family)
    assert any("-" in f for f in family)
    assert any("'" in f for f in family)
    names = [r["given_name"] for r in learners] + sorted(family)
    assert any(not n.isascii() for n in names)  # Siân, Zoë, Müller...
    assert any(r["preferred_given_name"] for r in learners)
    assert any(r["middle_other_name"] for r in learners)
    assert any(r["postcode"] == UNKNOWN_POSTCODE for r in learners)
    assert any(r["postcode"] != UNKNOWN_POSTCODE for r in learners)
    assert any(r["upn"] for r in learners)
    assert any(r["email"] for r in learners)
    assert any(r["verification_type"] == 999 for r in learners)
    assert any(r["ability_to_share"] == 0 for r in learners)
    assert {r["ability_to_share"] for r in learners} == {0, 1}
    # Previous family names are on the learner and in learner_previous_value.
    previous = rows(db, LearnerPreviousValue)
    assert {p["kind"] for p in previous} == {"family_name", "postcode"}
    by_id = {r["id"]: r for r in learners}
    for value in previous:
        learner = by_id[value["learner_id"]]
        if value["kind"] == "family_name":
            assert learner["previous_family_name"] == value["value"]
            assert learner["family_name"] != value["value"]
        else:
            assert validate_postcode(value["value"]) == value["value"]
            assert value["value"] != learner["postcode"]
    # A crowd of Mohammed/Muhammad/... Khan, born 1 January, at the default postcode: more
    # than 10 for a phonetic search ("too many results"), yet no identical key data.
    crowd: dict[tuple[str, date], int] = defaultdict(int)
    for r in learners:
        if r["postcode"] == UNKNOWN_POSTCODE and r["given_key"].startswith(("moh", "muh", "mah")):
            crowd[r["family_key"], r["date_of_birth"]] += 1
    assert max(crowd.values()) > 10


def test_no_two_active_learners_share_identical_key_data(
    db: Database, seeded: demo.SeedSummary
) -> None:
    # DOMAIN.md "Identical key data": registering such a learner is refused, so the seed
    # must not hold any (a linked duplicate may match its master: that is the point).
    keys = [
        (r["given_key"], r["family_key"], r["date_of_birth"], r["gender"], r["postcode"])
        for r in rows(db, Learner)
        if r["status"] == "active"
    ]
    assert len(keys) == len(set(keys))
    assert len(keys) > LEARNERS * 0.9


def test_twins_and_siblings_are_present(db: Database, seeded: demo.SeedSummary) -> None:
    # DOMAIN.md "Possible match": twins and siblings share most key data.
    active = [r for r in rows(db, Learner) if r["status"] == "active"]
    households: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in active:
        households[r["family_name"], r["postcode"]].append(r)
    twins = siblings = 0
    for members in households.values():
        if len(members) < 2:
            continue
        by_dob: dict[date, set[str]] = defaultdict(set)
        for m in members:
            by_dob[m["date_of_birth"]].add(m["given_name"])
        twins += sum(1 for given in by_dob.values() if len(given) >= 2)
        siblings += len(by_dob) >= 2
    assert twins >= 2
    assert siblings >= 2


def test_linked_learners_point_at_an_active_master(db: Database, seeded: demo.SeedSummary) -> None:
    # DOMAIN.md "Merge semantics": the duplicate is a linked ULN of its master, which holds
    # its events.
    learners = {r["id"]: r for r in rows(db, Learner)}
    linked = [r for r in learners.values() if r["status"] == "linked"]
    assert len(linked) == seeded.linked_learners >= 2
    for dup in linked:
        master = learners[dup["master_learner_id"]]
        assert master["status"] == "active"
        assert master["master_learner_id"] is None
        assert master["uln"] != dup["uln"]
        assert master["date_of_birth"] == dup["date_of_birth"]
    for r in learners.values():
        if r["status"] == "active":
            assert r["master_learner_id"] is None
    events = rows(db, LearningEvent)
    linked_ids = {d["id"] for d in linked}
    assert not any(e["learner_id"] in linked_ids for e in events)
    moved = [e for e in events if e["moved_from_learner_id"] is not None]
    assert moved
    for e in moved:
        assert (
            learners[e["learner_id"]]["id"]
            == learners[e["moved_from_learner_id"]]["master_learner_id"]
        )


def test_learning_events_cover_every_source_and_shape(
    db: Database, seeded: demo.SeedSummary
) -> None:
    # DOMAIN.md "Personal Learning Record": NPD award date only, ILR start (end often
    # missing), AO always an award date; levels Entry-8 or blank; some sensitive.
    events = rows(db, LearningEvent)
    assert len(events) == seeded.events
    assert {e["source"] for e in events} == {"NPD", "ILR", "AO"}
    assert any(e["sensitive"] for e in events)
    assert not all(e["sensitive"] for e in events)
    levels = {e["level"] for e in events}
    assert levels <= {None, "Entry", "1", "2", "3", "4", "5", "6", "7", "8"}
    assert {None, "Entry", "1", "2", "3"} <= levels
    grades = {e["grade"] for e in events}
    assert None in grades
    assert grades & {"A*", "A", "B", "C", "9", "8", "7", "6", "5", "4"}
    assert grades & {"Pass", "Merit", "Distinction"}
    for e in events:
        assert "" not in e.values()
        assert e["date_loaded"] is not None and e["date_loaded"] <= DEFAULT_TODAY
        if e["source"] == "NPD":
            assert e["award_date"] is not None
            assert e["participation_start_date"] is None
        if e["source"] == "AO":
            assert e["award_date"] is not None
            assert e["awarding_organisation_ukprn"] is not None
    ilr = [e for e in events if e["source"] == "ILR"]
    assert any(e["participation_start_date"] for e in ilr)
    assert any(e["participation_end_date"] is None for e in ilr)
    assert any(e["grade"] is None for e in ilr)
    per_learner: dict[int, int] = defaultdict(int)
    for e in events:
        per_learner[e["moved_from_learner_id"] or e["learner_id"]] += 1
    assert max(per_learner.values()) <= 6
    assert 1.5 <= len(events) / LEARNERS <= 3.5


def test_organisations_of_every_kind_with_valid_ukprns(
    db: Database, seeded: demo.SeedSummary
) -> None:
    orgs = rows(db, Organisation)
    assert len(orgs) == seeded.organisations
    assert {o["kind"] for o in orgs} == set(OrganisationKind)
    for o in orgs:
        assert validate_ukprn(o["ukprn"]) == o["ukprn"] and o["ukprn"].startswith("1")
        assert o["is_ao"] == (o["kind"] is OrganisationKind.AWARDING_ORGANISATION)
    assert "Northern Examinations Board" in {o["name"] for o in orgs if o["is_ao"]}


def test_every_portal_role_and_status_and_the_lost_super_user_cases(
    db: Database, seeded: demo.SeedSummary
) -> None:
    # DOMAIN.md "Lost your only super user": suspended, on long-term leave, or left.
    users = {u["id"]: u for u in rows(db, PortalUser)}
    assert len(users) == seeded.portal_users
    roles: dict[int, set[PortalRole]] = defaultdict(set)
    for r in rows(db, PortalUserRole):
        roles[r["portal_user_id"]].add(r["role"])
    assert set().union(*roles.values()) == set(PortalRole)
    assert {u["status"] for u in users.values()} == set(PORTAL_STATUSES)
    supers: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for uid, user in users.items():
        if PortalRole.SUPER_USER in roles[uid]:
            supers[user["organisation_id"]].append(user)
    only = [s[0] for s in supers.values() if len(s) == 1]
    assert any(u["status"] is AccountStatus.SUSPENDED for u in only)
    assert any(u["status"] is AccountStatus.DELETED for u in only)
    assert any(u["on_long_term_leave"] and u["status"] is AccountStatus.ACTIVE for u in only)
    assert any(len(s) >= 3 for s in supers.values())


def test_portal_secrets_are_hashed_once_and_verify(db: Database, seeded: demo.SeedSummary) -> None:
    users = rows(db, PortalUser)
    hashes = {u["password_hash"] for u in users if u["password_hash"]}
    assert len(hashes) == 1  # one Argon2 hash reused, never one per row
    assert verify_password(DEMO_PORTAL_PASSWORD, hashes.pop())
    assert all(u["password_hash"] is None for u in users if u["status"] is AccountStatus.DELETED)
    answers = dict(SECRET_QUESTIONS)
    for user in users[:10]:
        answer = answers[user["secret_question"]]
        assert verify_password(fold_answer(answer.upper()), user["secret_answer_hash"])
    assert len({u["secret_answer_hash"] for u in users}) <= len(SECRET_QUESTIONS)


def test_no_plain_text_password_or_answer_is_stored(db: Database, seeded: demo.SeedSummary) -> None:
    secrets = [o[3] for o in DEMO_OPERATORS] + [DEMO_PORTAL_PASSWORD]
    secrets += [a for _, a in SECRET_QUESTIONS] + [fold_answer(a) for _, a in SECRET_QUESTIONS]
    with db.transaction() as session:
        dump = "\n".join(
            repr(tuple(row))
            for table in Base.metadata.sorted_tables
            for row in session.execute(select(table)).all()
        )
    assert "Demo Agent" in dump and "$argon2id$" in dump  # the dump does hold the tables
    for secret in secrets:
        assert secret not in dump
        assert secret.lower() not in dump.lower()


def test_demo_operators_can_sign_in(services: Services) -> None:
    seed_demo(services.db, learners=20, seed=SEED)
    for username, role, display, password in DEMO_OPERATORS:
        signed_in = services.operators.sign_in(username, password)
        assert signed_in.actor.role is role
        assert signed_in.actor.display_name == display
    operators = rows(services.db, Operator)
    assert {o["username"] for o in operators} == {o[0] for o in DEMO_OPERATORS}
    assert not any(o["must_change_password"] for o in operators)
    assert all(o["status"] is AccountStatus.ACTIVE for o in operators)


def test_the_matching_examples_are_seeded_last_and_behave_as_described(
    services: Services, tmp_path: Path
) -> None:
    # Issue 10 items 9 and 10 on the demo data (DOMAIN.md "Learners and ULNs", Appendix B):
    # Kyra George is found as "Georte Kyra"; Olivia Whitfield, married and moved, only as a
    # weaker candidate. Seeded as the last learners, so every learner before them is the same
    # whether they come after it or not (a seed of two fewer has them two places earlier).
    seed_demo(services.db, learners=LEARNERS, seed=SEED)
    learners = rows(services.db, Learner)
    assert [(r["given_name"], r["family_name"]) for r in learners[-2:]] == [
        ("Kyra", "George"),
        ("Olivia", "Whitfield"),
    ]
    small = Database(f"sqlite:///{tmp_path}/small.sqlite3")
    small.upgrade()
    try:
        seed_demo(small, learners=LEARNERS - 2, seed=SEED)
        assert rows(small, Learner)[: LEARNERS - 4] == learners[: LEARNERS - 4]
    finally:
        small.dispose()
    agent = services.operators.sign_in("demo-agent", "Agent-Demo-2026").actor
    found = services.learners.find_by_details(
        agent, DemographicQuery("Georte", "Kyra", "2007-03-14", "2", "LS6 3HN")
    )
    assert found.candidates[0].family_name == "George"
    assert "swapped" in " | ".join(found.candidates[0].reasons())
    found = services.learners.find_by_details(
        agent, DemographicQuery("Olivia", "Okoro", "1994-06-21", "2", "M14 5RT")
    )
    assert (found.outcome, found.candidates) == (OutcomeCode.NO_MATCH, ())
    assert [c.family_name for c in found.weaker] == ["Whitfield"]


def test_is_empty_before_and_after(db: Database) -> None:
    assert is_empty(db)
    seed_demo(db, learners=0, seed=SEED)  # operators only
    assert not is_empty(db)


def test_seeding_twice_adds_learners_but_not_operators(db: Database) -> None:
    first = seed_demo(db, learners=LEARNERS, seed=SEED)
    second = seed_demo(db, learners=50, seed=SEED, actor=demo_admin(db))
    assert first.operators == len(DEMO_OPERATORS)
    assert second.operators == 0
    with db.transaction() as session:
        usernames = session.execute(select(Operator.username)).scalars().all()
        ulns = session.execute(select(Learner.uln)).scalars().all()
        ukprns = session.execute(select(Organisation.ukprn)).scalars().all()
    assert sorted(usernames) == sorted(o[0] for o in DEMO_OPERATORS)
    assert len(ulns) == LEARNERS + 50 == len(set(ulns))
    assert len(ukprns) == len(set(ukprns))
    # The second seed repeats the first one's draws, yet never its key data (§4.2.4).
    keys = [
        (r["given_key"], r["family_key"], r["date_of_birth"], r["gender"], r["postcode"])
        for r in rows(db, Learner)
        if r["status"] == "active"
    ]
    assert len(keys) == len(set(keys))


def test_the_seed_is_audited_without_secrets(db: Database, seeded: demo.SeedSummary) -> None:
    audit = AuditService(db)
    entries = [e for e in audit.entries(demo_admin(db)) if e.action == "demo-seed"]
    assert len(entries) == 1
    detail = entries[0].detail
    assert detail["learners"] == LEARNERS
    assert detail["learning_events"] == seeded.events
    assert detail["linked_learners"] == seeded.linked_learners
    assert detail["operators_created"] == [o[0] for o in DEMO_OPERATORS]
    assert entries[0].actor == "system:demo-seed"  # fixed text: nothing from the environment
    assert audit.verify(demo_admin(db)).ok


def test_ids_continue_after_the_seed(db: Database, seeded: demo.SeedSummary) -> None:
    # PostgreSQL sequences must be moved past the ids the seed assigned.
    with db.transaction() as session:
        org = Organisation(ukprn="19999999", name="Later Org", kind=OrganisationKind.COLLEGE)
        session.add(org)
        session.flush()
        assert org.id == seeded.organisations + 1
        event = LearningEvent(learner_id=1, subject="Later", source="AO", date_loaded=DEFAULT_TODAY)
        session.add(event)
        session.flush()
        assert event.id == seeded.events + 1
        value = LearnerPreviousValue(learner_id=1, kind="postcode", value="LS6 1AA")
        session.add(value)
        session.flush()
        count = session.execute(select(func.count()).select_from(LearnerPreviousValue)).scalar()
        assert value.id == count


def test_progress_is_reported_per_batch(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "BATCH_SIZE", 100)
    calls: list[tuple[int, int]] = []
    seed_demo(db, learners=250, seed=SEED, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(100, 250), (200, 250), (250, 250)]


def test_a_failure_leaves_nothing_behind(db: Database) -> None:
    def fail(done: int, total: int) -> None:
        if done == total:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        seed_demo(db, learners=LEARNERS, seed=SEED, progress=fail)
    assert is_empty(db)
    with db.transaction() as session:
        for model in (Organisation, PortalUser, LearningEvent, AuditEvent):
            assert session.execute(select(func.count()).select_from(model)).scalar() == 0


def index_names(db: Database) -> dict[str, set[str]]:
    found = inspect(db.engine)
    return {t: {str(i["name"]) for i in found.get_indexes(t)} for t in BULK_TABLES}


def test_big_seeds_rebuild_the_indexes_they_drop(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Large seeds drop the bulk tables' indexes and build them again, in the transaction.
    before = index_names(db)
    assert "ix_learner_family_key_dob" in before["learner"]
    monkeypatch.setattr(demo, "REBUILD_INDEXES_FROM", 1)
    monkeypatch.setattr(demo, "BATCH_SIZE", 100)

    def fail(done: int, total: int) -> None:
        if done == total:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        seed_demo(db, learners=200, seed=SEED, progress=fail)
    assert index_names(db) == before
    seed_demo(db, learners=200, seed=SEED)
    assert index_names(db) == before
    with db.transaction() as session:
        assert session.execute(select(func.count()).select_from(Learner)).scalar() == 200
