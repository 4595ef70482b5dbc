"""Deterministic synthetic demo data: organisations, portal users, learners with their
Personal Learning Records, and the four demo desk operators.

The same ``learners`` and ``seed`` always give the same data (one ``random.Random(seed)``;
dates count from a fixed ``today``). Only the operators' password hashes and
``password_changed_at``, and the audit event's time, come from the real clock.

The data is made to exercise the hard cases of DOMAIN.md (User Guide §4.2, Appendix B):

* **Twins**: same family name, date of birth, postcode and address, different given names;
  their key data differ only in the given name (and perhaps gender).
* **Siblings**: same family name, postcode and address, different dates of birth.
* **Linked (merged) ULNs**: about 1% of learners are duplicates merged into the learner
  generated just before them (status ``linked``, ``master_learner_id`` set). A duplicate
  has its master's key data or a near variant (nickname as given name, accents dropped,
  Mc/Mac swapped); its events have moved to the master (``moved_from_learner_id``).
* **Names**: Mc/Mac pairs (McDonald, MacDonald), double-barrelled (Smith-Jones),
  apostrophes (O'Brien, D'Souza), prefixes with a space (De Souza), accented Unicode
  (Siân, Zoë, Eóin, Müller), phonetic pairs (Czaja, Chiah), middle names, preferred
  (nick) names (Alfie for Alfred, Ollie for Oliver), people known by their middle name.
* **Previous values**: married names (``previous_family_name``, ``family_name_at_16``) and
  earlier postcodes, also in ``learner_previous_value`` (kinds ``family_name``, ``postcode``).
* **Searches that return too many**: the unknown postcode ZZ99 9ZZ, 1 January birthdays,
  and a dozen spellings of Mohammed Khan (Muhammad, Mohamed, Mohammod...) all born on one
  1 January at ZZ99 9ZZ: different key data, but more than 10 for a phonetic search.
* **Named examples** (``demo_data.NAMED_LEARNERS``), the last learners of a seed of at least
  30: Kyra George (found as "Georte Kyra", names swapped with a typo) and Olivia Whitfield
  (married and moved, neither recorded: a weaker candidate). Seeded last, so every learner
  before them is the same as without them.
* **No identical key data** (§4.2.4): no two active learners share given name, family
  name, date of birth, gender and postcode (matched as folded keys), not even across two
  seeds into one database; a linked duplicate may match its master, as in real merges.
* **Identifiers**: every ULN valid and unique (a fixed permutation of the learner id, so a
  second seed never collides with the first); UPNs with valid check letters for
  learners registered by a school; verification type 999 (Other) with an accepted
  description; some learners who have not seen the Privacy Notice (ability to share 0).
* **PLR events** (0-6 per learner, about 2.5; one learner in 1,000 has 150-400):
  NPD (GCSE / A level, award date only), ILR (start date, end date often missing, grade
  often blank, sometimes no dates at all) and AO (always an award date), levels Entry to 8
  or blank, grades A*-U, 9-1, Pass/Merit/Distinction or blank, and some sensitive
  qualifications.
* **Portal users** in every role and status, including an organisation whose only super
  user is suspended, one whose only super user is on long-term leave, and one whose only
  super user has left (deleted) - the "lost your only super user" cases (§3.6): the first
  school, college and training provider (``demo_data.DEMO_ORG_SUSPENDED_SUPER_USER``,
  ``DEMO_ORG_LEAVE``, ``DEMO_ORG_LEFT`` with the configured seed).
* **The organisation directory's cases** (User Guide §3.1, §3.3, §1.4), with fixed UKPRNs
  and names (``demo_data.DEMO_ORG_*``), written once per database: an organisation with no
  super user at all, one with 1, one with 3 and one with 7 active super users (§3.1's
  warning below 3 and above 5); on each a dormant account (no sign-in for 14 months before
  ``today``) and, on three of them, a generic-looking username ("exams.office",
  "reception1"); and one whose portal permissions the demo admin disabled after repeated
  breaches, with its security action, and a shared "admin" account holding every role.
  Every organisation has a register telephone number (020 7946 0xxx) and an Organisation
  Agreement signatory.
  These come from a generator of their own (``random.Random("organisations:<seed>")``), so
  the learners, README's examples among them, are what they were before them.

Passwords and secret answers are hashed once each and the hashes reused; no plain-text
password or answer is ever stored.

Speed (a million learners in about two minutes on SQLite or PostgreSQL): rows are
generated as plain tuples, in batches, by a background thread while the previous batch is
written with SQLite's ``executemany`` or PostgreSQL's ``COPY``. Primary keys are assigned
here (after the current maximum) so events point at learners without a round trip; big
seeds drop the bulk tables' non-unique indexes and build them again at the end. The whole
seed is one transaction: a failure leaves nothing behind (dropped indexes included).
"""

from __future__ import annotations

import contextlib
import dataclasses
import queue
import random
import threading
import time
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, Index, func, insert, select, text
from sqlalchemy.orm import Session

from lrs_core import demo_data as data
from lrs_core import second_factor
from lrs_core.actor import Actor
from lrs_core.db.database import Database
from lrs_core.db.models import (
    Base,
    Learner,
    LearnerPreviousValue,
    LearningEvent,
    Operator,
    Organisation,
    PortalUser,
    PortalUserRole,
    SecurityAction,
)
from lrs_core.db.types import utcnow
from lrs_core.domain.accounts import fold_organisation_name
from lrs_core.domain.kinds import (
    AccountStatus,
    AuditOutcome,
    EventSource,
    LearnerStatus,
    OrganisationKind,
    PortalRole,
    SecurityActionKind,
)
from lrs_core.domain.matching import phonetic_key
from lrs_core.domain.names import name_key
from lrs_core.domain.values import (
    TEMPORARY_ULN,
    UNKNOWN_POSTCODE,
    VerificationType,
    upn_check_letter,
)
from lrs_core.errors import PermissionDenied
from lrs_core.passwords import hash_password
from lrs_core.permissions import OperatorRole, Permission
from lrs_core.services.audit import AuditService, append, serialise_writers

DEMO_OPERATORS: tuple[tuple[str, OperatorRole, str, str], ...] = (
    ("demo-agent", OperatorRole.AGENT, "Demo Agent", "Agent-Demo-2026"),
    ("demo-analyst", OperatorRole.ANALYST, "Demo Analyst", "Analyst-Demo-2026"),
    ("demo-admin", OperatorRole.ADMIN, "Demo Admin", "Admin-Demo-2026"),
    # The second admin a super-user case needs (§3.6): demo-admin-2 prepared the demo's case,
    # so demo-admin, who recorded none of it, can approve it.
    ("demo-admin-2", OperatorRole.ADMIN, "Demo Admin Two", "Admin2-Demo-2026"),
)
# The demo admins' second factors (TOTP), published in the README beside the passwords so
# the demo stays a two-minute tour: add them to an authenticator app, or print today's code
# with pyotp or oathtool. Demo database only, like the passwords; each admin has their own.
DEMO_ADMIN_TOTP_SECRET = "LRSDESKDEMOADMINTOTPSECRETXYZ234"
DEMO_ADMIN_2_TOTP_SECRET = "LRSDESKDEMOADMINTWOTOTPSECRET234"
DEMO_TOTP_SECRETS: dict[str, str] = {
    "demo-admin": DEMO_ADMIN_TOTP_SECRET,
    "demo-admin-2": DEMO_ADMIN_2_TOTP_SECRET,
}
# Every demo portal user's password (stored only as one Argon2id hash).
DEMO_PORTAL_PASSWORD = "Portal-Demo-2026"
# The statuses a portal account can have (locked and disabled are desk-operator states).
PORTAL_STATUSES = (AccountStatus.ACTIVE, AccountStatus.SUSPENDED, AccountStatus.DELETED)
DEFAULT_TODAY = date(2026, 9, 1)
SEED_BY = "demo-seed"
BATCH_SIZE = 10_000
# Seeds of at least this many learners (and no fewer than are already stored) drop the
# bulk tables' non-unique indexes and build them again afterwards.
REBUILD_INDEXES_FROM = 50_000
SQLITE_CACHE_KIB = 65_536

Progress = Callable[[int, int], None]
Row = tuple[Any, ...]


@dataclass(frozen=True)
class SeedSummary:
    organisations: int
    portal_users: int
    learners: int
    linked_learners: int
    events: int
    operators: int  # demo operators created by this seed (0 when they already existed)
    seconds: float


def is_empty(db: Database) -> bool:
    """True when the database has no learners and no desk operators (a fresh install)."""
    with db.transaction(read_only=True) as session:
        return _holds_nothing(session)


def _holds_nothing(session: Session) -> bool:
    has_learner = session.execute(select(Learner.id).limit(1)).first() is not None
    has_operator = session.execute(select(Operator.id).limit(1)).first() is not None
    return not (has_learner or has_operator)


@contextlib.contextmanager
def _seeding(db: Database, actor: Actor | None) -> Iterator[Session]:
    """The seed's transaction. Into a database that holds data only as a signed-in admin
    (it adds operators whose passwords are published); with no one signed in (the system,
    for `make run`'s first start) only into an empty one. A refusal is audited."""
    audit = AuditService(db)
    if actor is not None:
        with audit.guarded(actor, Permission.MANAGE_OPERATORS, "demo-seed", "database") as session:
            yield session
        return
    with db.transaction() as session:
        serialise_writers(session)  # the database stays empty until this seed commits
        if _holds_nothing(session):
            yield session
            return
    audit.record(
        Actor.system("demo-seed"),
        "demo-seed",
        "database",
        outcome=AuditOutcome.DENIED,
        detail={"reason": "the database is not empty"},
    )
    raise PermissionDenied(
        "this database holds data already: only a signed-in admin may seed more demo data"
        " (with the CLI: --operator NAME)"
    )


def fold_answer(answer: str) -> str:
    """A secret answer as hashed: spaces collapsed, case folded (§3.5.6.2 compares
    answers case-insensitively)."""
    return " ".join(answer.split()).casefold()


def seed_demo(
    db: Database,
    *,
    learners: int,
    seed: int,
    progress: Progress | None = None,
    today: date | None = None,
    totp_key: bytes | None = None,
    actor: Actor | None = None,
) -> SeedSummary:
    """Add deterministic synthetic data: ``learners`` learners from ``random.Random(seed)``,
    with organisations, portal users, PLR events and the demo operators (skipped when they
    exist). One transaction; one audit event ("demo-seed") records the counts. With
    ``totp_key`` (the totp-key application key) each demo admin gets their published second
    factor; without it they set one up at their first sign-in. With no ``actor`` (the
    system) only into an empty database; else ``actor`` must be an admin."""
    if learners < 0:
        raise ValueError("learners must be zero or more")
    started = time.perf_counter()
    day = today or DEFAULT_TODAY
    rng = random.Random(seed)
    # Argon2id takes ~50 ms a hash: hash each secret once, before the write lock is taken.
    portal_hash = hash_password(DEMO_PORTAL_PASSWORD)
    answer_hashes = {a: hash_password(fold_answer(a)) for _, a in data.SECRET_QUESTIONS}
    with db.transaction() as session:
        existing = {
            name
            for (name,) in session.execute(
                select(Operator.username).where(
                    Operator.username.in_([o[0] for o in DEMO_OPERATORS])
                )
            )
        }
        new_operators = [o for o in DEMO_OPERATORS if o[0] not in existing]
    operator_hashes = {o[0]: hash_password(o[3]) for o in new_operators}

    with _seeding(db, actor) as session:
        connection = session.connection()
        writer = _BulkWriter(connection, db.is_sqlite)
        next_ids = {
            table: (connection.execute(select(func.max(column))).scalar() or 0) + 1
            for table, column in (
                ("organisation", Organisation.id),
                ("portal_user", PortalUser.id),
                ("learner", Learner.id),
                ("learner_previous_value", LearnerPreviousValue.id),
                ("learning_event", LearningEvent.id),
            )
        }
        taken_ukprns = set(connection.execute(select(Organisation.ukprn)).scalars())
        taken_ulns: set[str] = set()
        taken_keys: list[tuple[str, str, int, int, str]] = []
        if next_ids["learner"] > 1:  # learners exist: keep clear of their ULNs and key data
            taken_ulns = set(connection.execute(select(Learner.uln)).scalars())
            taken_keys = [
                (g, f, dob.toordinal(), gender, postcode)
                for g, f, dob, gender, postcode in connection.execute(
                    select(
                        Learner.given_key,
                        Learner.family_key,
                        Learner.date_of_birth,
                        Learner.gender,
                        Learner.postcode,
                    ).where(Learner.status == LearnerStatus.ACTIVE)
                )
            ]

        orgs = _organisations(rng, next_ids["organisation"], learners, taken_ukprns, day)
        # The directory's own cases come from a generator of their own, so the learners
        # (README's examples) stay exactly what the main generator made before they existed.
        side = random.Random(f"organisations:{seed}")
        named = _named_organisations(next_ids["organisation"] + len(orgs), taken_ukprns, day)
        _register_contacts(side, [*orgs, *named])
        connection.execute(insert(Organisation), [*orgs, *named])
        users, roles = _portal_users(
            rng, next_ids["portal_user"], orgs, day, portal_hash, answer_hashes
        )
        more_users, more_roles = _named_portal_users(
            side, next_ids["portal_user"] + len(users), named, day, portal_hash, answer_hashes
        )
        users += more_users
        roles += more_roles
        connection.execute(insert(PortalUser), users)
        connection.execute(insert(PortalUserRole), roles)

        gen = _LearnerGenerator(
            rng,
            day,
            orgs,
            learners,
            taken_ulns,
            taken_keys,
            timestamp_suffix="" if db.is_sqlite else "+00",
            first_event_id=next_ids["learning_event"],
            first_previous_id=next_ids["learner_previous_value"],
        )
        done = 0
        batches = _in_background(gen.batches(next_ids["learner"], learners))
        rebuild = learners >= REBUILD_INDEXES_FROM and learners >= next_ids["learner"]
        with contextlib.closing(batches), _bulk_load(connection, db.is_sqlite, rebuild):
            for people, previous, events in batches:
                writer.write("learner", _LEARNER_COLUMNS, people)
                writer.write("learner_previous_value", _PREVIOUS_COLUMNS, previous)
                writer.write("learning_event", _EVENT_COLUMNS, events)
                done += len(people)
                if progress is not None:
                    progress(done, learners)

        now = utcnow()
        for username, role, display, _password in new_operators:
            created = Operator(
                username=username,
                display_name=display,
                role=role,
                status=AccountStatus.ACTIVE,
                password_hash=operator_hashes[username],
                must_change_password=False,
                password_changed_at=now,
                failed_attempts=0,
                created_at=now,
                created_by=SEED_BY,
            )
            session.add(created)
            if role is OperatorRole.ADMIN and totp_key is not None:
                session.flush()  # the sealed secret is bound to the operator's id
                created.totp_secret = second_factor.seal(
                    totp_key, DEMO_TOTP_SECRETS[username], created.id
                )
                created.totp_enrolled_at = now
        session.flush()
        _disabled_portal(session, named, day)
        if not db.is_sqlite:
            _finish_postgres(connection)
        summary = SeedSummary(
            organisations=len(orgs) + len(named),
            portal_users=len(users),
            learners=learners,
            linked_learners=gen.linked,
            events=gen.events,
            operators=len(new_operators),
            seconds=0.0,
        )
        append(
            session,
            actor or Actor.system("demo-seed"),
            "demo-seed",
            "database",
            "",
            detail={
                "seed": seed,
                "today": day.isoformat(),
                "organisations": summary.organisations,
                "portal_users": summary.portal_users,
                "learners": summary.learners,
                "linked_learners": summary.linked_learners,
                "learning_events": summary.events,
                "previous_values": gen.previous,
                "operators_created": [o[0] for o in new_operators],
            },
        )
    return dataclasses.replace(summary, seconds=time.perf_counter() - started)


_Batch = tuple[list[Row], list[Row], list[Row]]
_END = object()


def _in_background(batches: Iterator[_Batch], ahead: int = 2) -> Generator[_Batch, None, None]:
    """Run a generator in a thread, ``ahead`` items in front of the consumer. The database
    driver lets go of the GIL while it writes, so the next batch is generated meanwhile.
    One thread makes every batch in turn, so the data stay deterministic."""
    handoff: queue.Queue[Any] = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in batches:
                if stop.is_set():
                    return
                handoff.put(batch)
            handoff.put(_END)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            handoff.put(exc)

    worker = threading.Thread(target=produce, name="demo-seed-generator", daemon=True)
    worker.start()
    try:
        while (item := handoff.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting to hand over a batch
            with contextlib.suppress(queue.Empty):
                handoff.get(timeout=0.05)
        worker.join()


# --- bulk writing -----------------------------------------------------------------------------

_LEARNER_COLUMNS = (
    "id", "uln", "mis_identifier", "title", "given_name", "preferred_given_name",
    "middle_other_name", "family_name", "previous_family_name", "family_name_at_16",
    "school_at_16", "address_line1", "address_line2", "address_town",
    "address_county_or_city", "postcode", "date_of_address_capture", "date_of_birth",
    "place_of_birth", "email", "gender", "nationality", "scottish_candidate_number",
    "ability_to_share", "verification_type", "other_verification_description", "notes",
    "upn", "uci", "given_key", "family_key", "given_phonetic", "family_phonetic", "status",
    "master_learner_id", "created_at", "created_by", "created_by_organisation_id",
    "amended_at", "amended_by", "amended_by_organisation_id", "row_version",
)  # fmt: skip
_PREVIOUS_COLUMNS = ("id", "learner_id", "kind", "value", "value_key", "recorded_at")
_EVENT_COLUMNS = (
    "id", "learner_id", "moved_from_learner_id", "achievement_provider_ukprn",
    "achievement_provider_name", "awarding_organisation_name", "awarding_organisation_ukprn",
    "qualification_type", "subject_code", "subject", "level", "grade", "credits", "source",
    "participation_start_date", "participation_end_date", "award_date", "date_loaded",
    "status", "restriction", "collection_type", "return_number", "language_for_assessment",
    "sensitive",
)  # fmt: skip


class _BulkWriter:
    """Rows of plain values straight to the driver, "" standing for NULL: SQLite
    ``executemany`` (dates and times as the text SQLAlchemy itself stores) or PostgreSQL
    ``COPY``."""

    def __init__(self, connection: Connection, sqlite: bool) -> None:
        self.raw = connection.connection.driver_connection
        self.sqlite = sqlite
        self.statements: dict[str, str] = {}

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Row]) -> None:
        assert self.raw is not None
        statement = self.statements.get(table)
        if statement is None:
            statement = self.statements[table] = self._statement(table, columns)
        if self.sqlite:
            self.raw.executemany(statement, rows)
            return
        with self.raw.cursor() as cursor, cursor.copy(statement) as copy:
            write_row = copy.write_row
            for row in rows:
                write_row(row)

    def _statement(self, table: str, columns: Sequence[str]) -> str:
        names = ", ".join(columns)
        if not self.sqlite:
            return f"COPY {table} ({names}) FROM STDIN (FORMAT text, NULL '')"
        nullable = Base.metadata.tables[table].c
        marks = ", ".join("NULLIF(?, '')" if nullable[c].nullable else "?" for c in columns)
        return f"INSERT INTO {table} ({names}) VALUES ({marks})"


_BULK_TABLES = tuple(
    Base.metadata.tables[name] for name in ("learner", "learner_previous_value", "learning_event")
)


@contextlib.contextmanager
def _bulk_load(connection: Connection, sqlite: bool, rebuild_indexes: bool) -> Iterator[None]:
    """Settings for a big load, inside the seed's transaction. With ``rebuild_indexes``
    the bulk tables' non-unique indexes are dropped first and built again at the end (one
    sort each instead of a million random inserts); the transaction keeps this all-or-
    nothing. On SQLite, a 64 MiB page cache for the load instead of the default 2 MiB."""
    raw = connection.connection.driver_connection
    assert raw is not None
    cache_size = None
    if sqlite:
        cache_size = raw.execute("PRAGMA cache_size").fetchone()[0]
        raw.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
    dropped: list[Index] = []
    if rebuild_indexes:
        for table in _BULK_TABLES:
            for index in sorted(table.indexes, key=lambda i: str(i.name)):
                if not index.unique:
                    index.drop(connection)
                    dropped.append(index)
    try:
        yield
        for index in dropped:
            index.create(connection)
    finally:
        if cache_size is not None:
            raw.execute(f"PRAGMA cache_size = {int(cache_size)}")


def _finish_postgres(connection: Connection) -> None:
    """Move the id sequences past the ids assigned here, and refresh the planner's stats."""
    for table in ("organisation", "portal_user", "learner", "learner_previous_value",
                  "learning_event"):  # fmt: skip
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
                " HAVING max(id) IS NOT NULL"
            )
        )
    connection.execute(
        text(
            "ANALYZE organisation, portal_user, portal_user_role, learner,"
            " learner_previous_value, learning_event"
        )
    )


# --- organisations and portal users ----------------------------------------------------------

_LRB_KINDS = (
    (OrganisationKind.SCHOOL, 6),
    (OrganisationKind.COLLEGE, 5),
    (OrganisationKind.TRAINING_PROVIDER, 4),
    (OrganisationKind.HIGHER_EDUCATION, 2),
    (OrganisationKind.PRISON_EDUCATION, 2),
    (OrganisationKind.ARMED_FORCES, 1),
    (OrganisationKind.CAREERS_SERVICE, 2),
)
_GROWING_KINDS = (
    OrganisationKind.SCHOOL,
    OrganisationKind.COLLEGE,
    OrganisationKind.TRAINING_PROVIDER,
)


def _organisations(
    rng: random.Random, first_id: int, learners: int, taken: set[str], today: date
) -> list[dict[str, Any]]:
    """Every kind of organisation, a few awarding organisations, more schools, colleges and
    providers for bigger seeds. UKPRNs are 8 digits starting with 1, unused so far."""
    kinds: list[OrganisationKind] = []
    for kind, count in _LRB_KINDS:
        kinds += [kind] * count
    kinds += [_GROWING_KINDS[i % 3] for i in range(min(170, learners // 10_000))]
    used_names: set[str] = set()
    orgs: list[dict[str, Any]] = []

    def add(kind: OrganisationKind, name: str, is_ao: bool) -> None:
        ukprn = str(rng.randrange(10_000_000, 10_100_000))
        while ukprn in taken:
            ukprn = str(rng.randrange(10_000_000, 10_100_000))
        taken.add(ukprn)
        created = datetime(2008, 1, 7, 9, tzinfo=UTC) + timedelta(
            days=rng.randrange(today.toordinal() - _ORD_2008), seconds=rng.randrange(32400)
        )
        orgs.append(
            {
                "id": first_id + len(orgs),
                "ukprn": ukprn,
                "name": name,
                "name_key": fold_organisation_name(name),
                "kind": kind,
                "is_lrb": not is_ao,
                "is_ao": is_ao,
                "created_at": created,
            }
        )

    for kind in kinds:
        patterns = data.ORGANISATION_PATTERNS[kind.value]
        name = rng.choice(patterns).format(p=rng.choice(data.PLACES))
        while name in used_names:
            name = rng.choice(patterns).format(p=rng.choice(data.PLACES))
        used_names.add(name)
        add(kind, name, is_ao=False)
    for name in data.AWARDING_ORGANISATIONS:
        add(OrganisationKind.AWARDING_ORGANISATION, name, is_ao=True)
    return orgs


# The directory's named cases: (organisation, kind, active super users).
_NAMED_ORGANISATIONS = (
    (data.DEMO_ORG_NO_SUPER_USERS, OrganisationKind.SCHOOL, 0),
    (data.DEMO_ORG_ONE_SUPER_USER, OrganisationKind.COLLEGE, 1),
    (data.DEMO_ORG_THREE_SUPER_USERS, OrganisationKind.TRAINING_PROVIDER, 3),
    (data.DEMO_ORG_SEVEN_SUPER_USERS, OrganisationKind.HIGHER_EDUCATION, 7),
    (data.DEMO_ORG_PORTAL_DISABLED, OrganisationKind.PRISON_EDUCATION, 3),
)
_PORTAL_DISABLED_REASON = (
    "Third breach in six months: learner details sent unencrypted by email (§1.4);"
    " the organisation's super users were contacted after the first two."
)


def _named_organisations(first_id: int, taken: set[str], today: date) -> list[dict[str, Any]]:
    """The directory's named cases (``demo_data.DEMO_ORG_*``), with fixed UKPRNs outside the
    generated ones; skipped where a UKPRN is taken (an earlier seed wrote them)."""
    orgs: list[dict[str, Any]] = []
    for org, kind, _supers in _NAMED_ORGANISATIONS:
        if org.ukprn in taken:
            continue
        taken.add(org.ukprn)
        orgs.append(
            {
                "id": first_id + len(orgs),
                "ukprn": org.ukprn,
                "name": org.name,
                "name_key": fold_organisation_name(org.name),
                "kind": kind,
                "is_lrb": True,
                "is_ao": False,
                "created_at": _midnight(today) - timedelta(days=2000 + 100 * len(orgs), hours=-9),
            }
        )
    return orgs


def _register_contacts(rng: random.Random, orgs: list[dict[str, Any]]) -> None:
    """Every organisation's register telephone number (Ofcom's drama range, 020 7946 0xxx:
    a call-back dials it, never a form's number) and who signed its Organisation Agreement."""
    for org in orgs:
        female = rng.random() < 0.5
        given = _skewed(rng.random(), data.FEMALE_GIVEN if female else data.MALE_GIVEN)
        family = _skewed(rng.random(), data.FAMILY)
        org["phone"] = f"020 7946 0{rng.randrange(1000):03d}"
        org["agreement_signatory"] = f"{given} {family}"
        org["portal_enabled"] = org["ukprn"] != data.DEMO_ORG_PORTAL_DISABLED.ukprn


def _named_portal_users(
    rng: random.Random,
    first_id: int,
    orgs: list[dict[str, Any]],
    today: date,
    password_hash: str,
    answer_hashes: dict[str, str],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The named organisations' users: their active super users (0, 1, 3, 7), a dormant
    account (no sign-in for ``DEMO_DORMANT_MONTHS``), a generic-looking username (§3.5.1)
    and, at the one whose portal permissions are disabled, a shared "admin" holding every role
    (§3.3's review flags)."""
    users: list[dict[str, Any]] = []
    roles: list[dict[str, Any]] = []
    midnight = _midnight(today)
    dormant = midnight - timedelta(days=round(data.DEMO_DORMANT_MONTHS * 30.44), hours=-10)
    supers_of = {o.ukprn: n for o, _kind, n in _NAMED_ORGANISATIONS}
    generic = dict(
        zip(
            (data.DEMO_ORG_NO_SUPER_USERS.ukprn, data.DEMO_ORG_THREE_SUPER_USERS.ukprn,
             data.DEMO_ORG_PORTAL_DISABLED.ukprn),
            data.DEMO_GENERIC_USERNAMES,
            strict=True,
        )
    )  # fmt: skip

    def add(org: dict[str, Any], role_set: Sequence[PortalRole], *, username: str | None = None,
            last: datetime | None = None) -> None:  # fmt: skip
        uid = first_id + len(users)
        female = rng.random() < 0.5
        given = _skewed(rng.random(), data.FEMALE_GIVEN if female else data.MALE_GIVEN)
        family = _skewed(rng.random(), data.FAMILY)
        if username is not None:  # a shared account: named after the office, not a person
            given, family = username.split(".")[0].rstrip("0123456789").title(), "Account"
        slug = _ascii(org["name"]).replace(" ", "-")[:40].strip("-")
        question, answer = data.SECRET_QUESTIONS[rng.randrange(len(data.SECRET_QUESTIONS))]
        changed = midnight - timedelta(days=rng.randrange(1, 40), minutes=rng.randrange(600))
        users.append(
            {
                "id": uid,
                "organisation_id": org["id"],
                "username": username or f"{_ascii(given)}.{_ascii(family)}{uid}",
                "given_name": given,
                "family_name": family,
                "email": f"{username or _ascii(given) + '.' + _ascii(family)}@{slug}.example.org",
                "phone": f"0113 496 0{rng.randrange(1000):03d}",  # Ofcom's drama range
                "status": AccountStatus.ACTIVE,
                "failed_attempts": 0,
                "password_hash": password_hash,
                "password_changed_at": min(changed, last) if last else changed,
                "must_change_password": False,
                "secret_question": question,
                "secret_answer_hash": answer_hashes[answer],
                "on_long_term_leave": False,
                "created_at": midnight - timedelta(days=rng.randrange(900, 3000)),
                "last_sign_in_at": last or changed + timedelta(hours=2),
            }
        )
        roles.extend({"portal_user_id": uid, "role": role} for role in role_set)

    for org in orgs:
        for n in range(supers_of[org["ukprn"]]):
            add(org, (PortalRole.SUPER_USER, *((PortalRole.ONLINE_USER,) if n == 1 else ())))
        add(org, (PortalRole.ONLINE_USER, PortalRole.LEARNER_RECORD))
        add(org, (PortalRole.VIEW_ONLY_USER,), last=dormant)
        name = generic.get(org["ukprn"])
        if name == "admin":
            add(org, tuple(PortalRole), username=name)
        elif name is not None:
            add(org, (PortalRole.BATCH_USER,), username=name)
    return users, roles


def _disabled_portal(session: Session, named: list[dict[str, Any]], today: date) -> None:
    """The security action that disabled DEMO_ORG_PORTAL_DISABLED's portal permissions, by
    the demo admin (§1.4's escalation)."""
    org = next((o for o in named if o["ukprn"] == data.DEMO_ORG_PORTAL_DISABLED.ukprn), None)
    if org is None:
        return
    admin_id = (
        session.execute(
            select(Operator.id).where(Operator.role == OperatorRole.ADMIN).order_by(Operator.id)
        )
        .scalars()
        .first()
    )
    session.add(
        SecurityAction(
            organisation_id=org["id"],
            action=SecurityActionKind.DISABLE_ORGANISATION,
            reason=_PORTAL_DISABLED_REASON,
            operator_id=admin_id,
            performed_at=_midnight(today) - timedelta(days=12, hours=-11),
        )
    )
    session.flush()


_ROLE_MIXES: tuple[tuple[PortalRole, ...], ...] = (
    (PortalRole.ONLINE_USER,),
    (PortalRole.ONLINE_USER, PortalRole.LEARNER_RECORD),
    (PortalRole.VIEW_ONLY_USER,),
    (PortalRole.BATCH_USER,),
    (PortalRole.BATCH_USER, PortalRole.ONLINE_USER),
    (PortalRole.LEARNER_RECORD,),
    (PortalRole.VLD_LEARNING_PROVIDER,),
    (PortalRole.ONLINE_USER, PortalRole.VLD_LEARNING_PROVIDER),
)


def _portal_users(
    rng: random.Random,
    first_id: int,
    orgs: list[dict[str, Any]],
    today: date,
    password_hash: str,
    answer_hashes: dict[str, str],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Three super users and a few others per organisation, in every role and status. The
    first school's only super user is suspended, the first college's is on long-term leave
    and the first training provider's has left (deleted): each needs a Change of Super User
    form (§3.6)."""
    users: list[dict[str, Any]] = []
    roles: list[dict[str, Any]] = []
    midnight = _midnight(today)
    special: dict[int, str] = {}
    for kind, case in (
        (OrganisationKind.SCHOOL, "suspended"),
        (OrganisationKind.COLLEGE, "leave"),
        (OrganisationKind.TRAINING_PROVIDER, "left"),
    ):
        special[next(o["id"] for o in orgs if o["kind"] is kind)] = case
    mix = 0

    def add(org: dict[str, Any], role_set: Sequence[PortalRole], status: AccountStatus,
            leave: bool = False) -> None:  # fmt: skip
        uid = first_id + len(users)
        female = rng.random() < 0.5
        given = _skewed(rng.random(), data.FEMALE_GIVEN if female else data.MALE_GIVEN)
        family = _skewed(rng.random(), data.FAMILY)
        slug = _ascii(org["name"]).replace(" ", "-")[:40].strip("-")
        question, answer = data.SECRET_QUESTIONS[rng.randrange(len(data.SECRET_QUESTIONS))]
        created = midnight - timedelta(days=rng.randrange(60, 3000), minutes=rng.randrange(600))
        changed = midnight - timedelta(days=rng.randrange(1, 40), minutes=rng.randrange(600))
        users.append(
            {
                "id": uid,
                "organisation_id": org["id"],
                "username": f"{_ascii(given)}.{_ascii(family)}{uid}",
                "given_name": given,
                "family_name": family,
                "email": f"{_ascii(given)}.{_ascii(family)}@{slug}.example.org",
                "phone": f"0113 496 0{rng.randrange(1000):03d}",  # Ofcom's drama range
                "status": status,
                "failed_attempts": 3 if status is AccountStatus.SUSPENDED else 0,
                "password_hash": None if status is AccountStatus.DELETED else password_hash,
                "password_changed_at": changed,
                "must_change_password": rng.random() < 0.1,
                "secret_question": question,
                "secret_answer_hash": answer_hashes[answer],
                "on_long_term_leave": leave,
                "created_at": created,
                "last_sign_in_at": changed + timedelta(days=rng.randrange(0, 3), hours=2),
            }
        )
        roles.extend({"portal_user_id": uid, "role": role} for role in role_set)

    for org in orgs:
        lost = special.get(org["id"])
        supers = 1 if lost else (2 if org["is_ao"] else 3)
        for n in range(supers):
            status, leave = AccountStatus.ACTIVE, False
            if lost == "suspended":
                status = AccountStatus.SUSPENDED
            elif lost == "leave":
                leave = True
            elif lost == "left":
                status = AccountStatus.DELETED
            elif n == 2 and rng.random() < 0.15:
                status = rng.choice((AccountStatus.SUSPENDED, AccountStatus.DELETED))
            extra = (PortalRole.ONLINE_USER,) if n == 1 else ()
            add(org, (PortalRole.SUPER_USER, *extra), status, leave)
        others = 1 if org["is_ao"] else 2 + rng.randrange(4)
        for _ in range(others):
            role_set = (PortalRole.BATCH_USER,) if org["is_ao"] else _ROLE_MIXES[mix % 8]
            mix += 0 if org["is_ao"] else 1
            r = rng.random()
            status = (
                AccountStatus.SUSPENDED
                if r < 0.08
                else AccountStatus.DELETED
                if r < 0.15
                else AccountStatus.ACTIVE
            )
            add(org, role_set, status, leave=status is AccountStatus.ACTIVE and r > 0.97)
    return users, roles


# Weighted sums of ULN digits 1-4 (weights 10, 9, 8, 7) and 5-8 (6, 5, 4, 3), by value.
_ULN_HIGH = [
    sum(int(d) * w for d, w in zip(f"{n:04d}", (10, 9, 8, 7), strict=True)) for n in range(10_000)
]
_ULN_LOW = [
    sum(int(d) * w for d, w in zip(f"{n:04d}", (6, 5, 4, 3), strict=True)) for n in range(10_000)
]


# --- learners and their PLR --------------------------------------------------------------------

_ORD_2008 = date(2008, 1, 7).toordinal()  # the register's first registrations
_ORD_2009 = date(2009, 1, 1).toordinal()  # PLR data runs from 2009
_ORD_ILR_START = date(2009, 8, 1).toordinal()
_DAYS_13Y = 4748
_DAYS_14Y = 5114
_DAYS_16Y = 5844

# Events per learner, 0 to 6 (mean about 2.6), as a 100-slot lookup table.
# One learner in this many has a few hundred events (a PLR that needs paging and sorting).
HEAVY_PLR_EVERY = 1000
_EVENT_COUNTS = tuple(
    n for n, weight in enumerate((14, 17, 20, 19, 14, 9, 7)) for _ in range(weight)
)
# Verification types by share (out of 100).
_VERIFICATION = tuple(
    int(v)
    for v, weight in (
        (VerificationType.RELATIONSHIP_WITH_SCHOOL, 30),
        (VerificationType.NONE_PROVIDED, 22),
        (VerificationType.PASSPORT, 18),
        (VerificationType.DRIVING_LICENCE, 10),
        (VerificationType.ID_CARD, 4),
        (VerificationType.NATIONAL_INSURANCE_CARD, 4),
        (VerificationType.CERTIFICATE_OF_ENTITLEMENT_TO_FUNDING, 4),
        (VerificationType.BANK_CARD, 3),
        (VerificationType.OTHER, 5),
    )
    for _ in range(weight)
)
_OTHER = int(VerificationType.OTHER)
_BY_SCHOOL = int(VerificationType.RELATIONSHIP_WITH_SCHOOL)
_PASSPORT = int(VerificationType.PASSPORT)
_NPD, _ILR, _AO = EventSource.NPD.value, EventSource.ILR.value, EventSource.AO.value
_ACTIVE, _LINKED = LearnerStatus.ACTIVE.value, LearnerStatus.LINKED.value

# Learner kinds.
_NORMAL, _TWIN, _SIBLING, _DUPLICATE, _CROWD = range(5)
# The first learners of every seed show each hard case, however few are seeded.
_SHOWCASE: tuple[tuple[int, frozenset[str]], ...] = (
    (_NORMAL, frozenset({"nickname", "middle"})),
    (_TWIN, frozenset()),
    (_NORMAL, frozenset({"mc"})),
    (_SIBLING, frozenset()),
    (_NORMAL, frozenset({"apostrophe", "email"})),
    (_DUPLICATE, frozenset()),
    (_NORMAL, frozenset({"hyphen", "previous-family"})),
    (_TWIN, frozenset({"accented"})),
    (_NORMAL, frozenset({"accented", "young"})),
    (_NORMAL, frozenset({"previous-postcode", "unknown-postcode"})),
    (_NORMAL, frozenset({"prefixed", "other-verification"})),
    (_DUPLICATE, frozenset()),
    (_NORMAL, frozenset({"young"})),
    (_NORMAL, frozenset({"mc", "nickname"})),
    (_NORMAL, frozenset({"not-shared", "previous-family"})),
    (_SIBLING, frozenset({"young"})),
    *((_CROWD, frozenset()) for _ in range(12)),
)
_NO_FORCE: frozenset[str] = frozenset()
# GCSE grade -> level: 9-4 and A*-C are Level 2, below that Level 1, U none.
_GCSE_LEVELS: dict[str, str | None] = {
    **dict.fromkeys(("9", "8", "7", "6", "5", "4", "A*", "A", "B", "C"), "2"),
    **dict.fromkeys(("3", "2", "1", "D", "E", "F", "G"), "1"),
    "U": None,
}
# Learning aim references for vocational qualifications: stable, invented, 8 characters.
_SUBJECT_CODES = {
    subject: f"{6000 + n * 37:04d}{n % 10}{'ABCDEFGHJK'[n % 10]}{n:02d}"
    for n, (subject, *_rest) in enumerate(
        data.ILR_AIMS + data.AO_QUALIFICATIONS + data.SENSITIVE_QUALIFICATIONS
    )
}


def _skewed(r: float, items: Sequence[str]) -> str:
    """An item biased towards the head of the list (r**1.6: the first of 300 gets ~3%)."""
    return items[int(len(items) * r**1.6)]


def _ascii(s: str) -> str:
    """Lower-case ASCII letters and digits of a name, for usernames and email addresses."""
    key = name_key(s).encode("ascii", "ignore").decode()
    return "".join(c for c in key if c.isalnum()) or "x"


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# Generated rows hold "" for NULL: SQLite binds a str much faster than None, and the
# writers turn "" back into NULL (NULLIF on SQLite, COPY's NULL '' on PostgreSQL).
_NULL = ""
_Address = tuple[str, str, str, str]
_NO_ADDRESS: _Address = (_NULL, _NULL, _NULL, _NULL)
_Org = tuple[int | str, str, str]  # id, name, UKPRN
_NO_ORG: _Org = (_NULL, _NULL, _NULL)


class _Person(NamedTuple):
    """What a twin, sibling or duplicate copies from the learner before it."""

    id: int
    given: str
    gender: int
    family: str
    dob: int  # ordinal
    postcode: str
    address: _Address
    org: _Org
    middle: str
    created: int  # ordinal


class _LearnerGenerator:
    def __init__(
        self,
        rng: random.Random,
        today: date,
        orgs: list[dict[str, Any]],
        learners: int,
        taken_ulns: set[str],
        taken_keys: Iterable[tuple[str, str, int, int, str]],
        *,
        timestamp_suffix: str,
        first_event_id: int,
        first_previous_id: int,
    ) -> None:
        self.rng = rng
        self.today = today
        self.today_ord = today.toordinal()
        self.taken_ulns = taken_ulns
        self.suffix = timestamp_suffix
        self.next_event = first_event_id
        self.next_previous = first_previous_id
        self.events = 0
        self.previous = 0
        self.linked = 0
        self.position = 0
        self.prev: _Person | None = None
        # The last learners of a seed big enough for the showcase too are the named examples.
        named = data.NAMED_LEARNERS if learners >= len(_SHOWCASE) + len(data.NAMED_LEARNERS) else ()
        self.named_from = learners - len(named)
        self.named = named
        self.crowd_count = 0
        self.crowd_member = ("", "", 0)
        # Key data already used (a bitmap of hashes): no two active learners get identical
        # given name, family name, date of birth, gender and postcode (§4.2.4). A false
        # "used" only makes the generator pick again, deterministically (CRC-32).
        keys = list(taken_keys)
        self.key_bits = max(16, ((learners + len(keys)) * 64).bit_length())
        self.used_keys = bytearray(1 << (self.key_bits - 3))
        for key in keys:
            self.claim_key(*key)
        # Ages 14 to 60 on ``today``.
        self.dob_lo = _years_before(today, 61).toordinal() + 1
        self.dob_hi = _years_before(today, 14).toordinal()
        self.day0 = self.dob_lo - 1
        self.day_text = [
            date.fromordinal(o).isoformat() for o in range(self.day0, self.today_ord + 2)
        ]
        # Office-hours clock times, every 10 seconds from 08:00 to 17:59:50.
        self.clock_text = [
            f"{8 + s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.000000"
            for s in range(0, 36000, 10)
        ]
        self.keys: dict[str, str] = {}
        self.nicknamed = {
            female: [n for n in names if n in data.NICKNAMES]
            for female, names in ((True, data.FEMALE_GIVEN), (False, data.MALE_GIVEN))
        }
        by_kind: dict[str, list[_Org]] = {}
        for o in orgs:
            by_kind.setdefault(o["kind"].value, []).append((o["id"], o["name"], o["ukprn"]))
        self.schools = by_kind["school"]
        self.school_ids = {o[0] for o in self.schools}
        self.colleges = by_kind["college"]
        self.providers = by_kind["college"] + by_kind["training-provider"]
        self.adult_orgs = (
            by_kind["college"] * 3
            + by_kind["training-provider"] * 3
            + by_kind["higher-education"]
            + by_kind["careers-service"]
            + by_kind["prison-education"]
            + by_kind["armed-forces"]
        )
        self.prisons = by_kind["prison-education"]
        self.aos = by_kind["awarding-organisation"]

    # -- small helpers -----------------------------------------------------------------

    def key(self, name: str) -> str:
        k = self.keys.get(name)
        if k is None:
            k = self.keys[name] = name_key(name)
        return k

    def phonetic(self, name: str) -> str:
        p = self.keys.get("~" + name)
        if p is None:
            p = self.keys["~" + name] = phonetic_key(name)
        return p

    def ascii(self, name: str) -> str:
        a = self.keys.get("@" + name)
        if a is None:
            a = self.keys["@" + name] = _ascii(name)
        return a

    def claim(self, given: str, family: str, dob: int, gender: int, postcode: str) -> bool:
        """Mark this key data used; False when it (or a hash twin) already was."""
        return self.claim_key(self.key(given), self.key(family), dob, gender, postcode)

    def claim_key(
        self, given_key: str, family_key: str, dob: int, gender: int, postcode: str
    ) -> bool:
        text = f"{given_key}|{family_key}|{dob}|{gender}|{postcode}"
        bit = zlib.crc32(text.encode()) & ((1 << self.key_bits) - 1)
        byte, mask = bit >> 3, 1 << (bit & 7)
        if self.used_keys[byte] & mask:
            return False
        self.used_keys[byte] |= mask
        return True

    def stamp(self, day_ord: int, r: float) -> str:
        """A timestamp on day ``day_ord`` in office hours, as the database stores it."""
        return f"{self.day_text[day_ord - self.day0]} {self.clock_text[int(r * 3600)]}{self.suffix}"

    def uln(self, learner_id: int) -> str:
        """A valid ULN from a fixed permutation of the learner id, so unique across seeds:
        eight digits from the permutation, a ninth for which a check digit exists, then
        the check digit (as :func:`lrs_core.domain.values.uln_check_digit`, from lookup tables)."""
        core = 10_000_000 + (61_803_401 * learner_id + 12_345_679) % 90_000_000
        partial = _ULN_HIGH[core // 10_000] + _ULN_LOW[core % 10_000]
        first = (learner_id * 7 + core) % 10
        for step in range(10):
            ninth = (first + step) % 10
            remainder = (partial + 2 * ninth) % 11
            if remainder:  # 0: no check digit exists for this prefix
                uln = f"{core}{ninth}{10 - remainder}"
                if uln not in self.taken_ulns and uln != TEMPORARY_ULN:
                    return uln
        raise RuntimeError(f"no free ULN for learner {learner_id}")  # pragma: no cover

    def postcode(self) -> tuple[str, str, str]:
        r = self.rng.random
        outward, town, county = data.POSTCODE_AREAS[int(r() * len(data.POSTCODE_AREAS))]
        letters = data.INWARD_LETTERS
        inward = f"{int(r() * 10)}{letters[int(r() * 20)]}{letters[int(r() * 20)]}"
        return f"{outward} {inward}", town, county

    def family_name(self, force: frozenset[str]) -> str:
        r = self.rng.random
        x = r()
        if "mc" in force or x < 0.03:
            return data.MC_MAC[int(r() * len(data.MC_MAC))]
        if "hyphen" in force or x < 0.055:
            first = data.BARREL_FIRST[int(r() * len(data.BARREL_FIRST))]
            second = _skewed(r(), data.FAMILY)
            return f"{first}-{second}" if second != first else f"{first}-Jones"
        if "apostrophe" in force or x < 0.075:
            return data.APOSTROPHE[int(r() * len(data.APOSTROPHE))]
        if "accented" in force or x < 0.09:
            return data.ACCENTED_FAMILY[int(r() * len(data.ACCENTED_FAMILY))]
        if "prefixed" in force or x < 0.097:
            return data.PREFIXED[int(r() * len(data.PREFIXED))]
        return _skewed(r(), data.FAMILY)

    def given_name(self, gender: int, force: frozenset[str], avoid: str = "") -> str:
        r = self.rng.random
        female = gender == 2 or (gender not in (1, 2) and r() < 0.5)
        while True:
            pool: Sequence[str]
            if "nickname" in force:
                pool = self.nicknamed[female]
                name = pool[int(r() * len(pool))]
            elif "accented" in force or r() < 0.04:
                pool = data.FEMALE_GIVEN_ACCENTED if female else data.MALE_GIVEN_ACCENTED
                name = pool[int(r() * len(pool))]
            else:
                name = _skewed(r(), data.FEMALE_GIVEN if female else data.MALE_GIVEN)
            if name != avoid:
                return name

    def gender(self) -> int:
        x = self.rng.random()
        return 2 if x < 0.49 else 1 if x < 0.98 else 9 if x < 0.99 else 0

    def dob(self, force: frozenset[str]) -> int:
        r = self.rng.random
        if "young" in force:
            return self.dob_hi - int(r() * 1400)
        return self.dob_hi - int((self.dob_hi - self.dob_lo) * r() ** 2.2)

    def next_crowd_member(self) -> int:
        """Pick a crowd member's (given, family, dob): every one different, so the crowd
        never holds identical key data. The showcase's dozen share a family name and
        birthday. Returns the kind to generate (normal once a pick is taken)."""
        r = self.rng.random
        if self.crowd_count < len(data.CROWD_GIVEN):
            given, family, years = data.CROWD_GIVEN[self.crowd_count], data.CROWD_FAMILY[0], 20
        else:
            given = data.CROWD_GIVEN[int(r() * len(data.CROWD_GIVEN))]
            family = data.CROWD_FAMILY[int(r() * len(data.CROWD_FAMILY))]
            years = 16 + int(r() * 10)
        member = (given, family, date(self.today.year - years, 1, 1).toordinal())
        if not self.claim(given, family, member[2], 1, UNKNOWN_POSTCODE):
            return _NORMAL
        self.crowd_member = member
        self.crowd_count += 1
        return _CROWD

    def named_key_data(
        self, force: frozenset[str]
    ) -> tuple[str, str, int, int, str, _Address] | None:
        """A named example's key data and an address at its postcode; None when ``force``
        names none, or its key data is taken (a second seed) or its age out of range."""
        index = next((int(f[6:]) for f in force if f.startswith("named:")), None)
        if index is None:
            return None
        given, family, born, gender, postcode = self.named[index]
        dob = date.fromisoformat(born).toordinal()
        if not self.dob_lo <= dob <= self.dob_hi:
            return None
        if not self.claim(given, family, dob, gender, postcode):
            return None
        outward = postcode.split()[0]
        town, county = next((t, c) for o, t, c in data.POSTCODE_AREAS if o == outward)
        street = data.STREETS[int(self.rng.random() * len(data.STREETS))]
        return given, family, dob, gender, postcode, (f"12 {street}", _NULL, town, county)

    def batches(self, first_id: int, learners: int) -> Iterator[_Batch]:
        for start in range(0, learners, BATCH_SIZE):
            yield self.batch(first_id + start, min(BATCH_SIZE, learners - start))

    # -- one batch ---------------------------------------------------------------------

    def batch(self, first_id: int, count: int) -> tuple[list[Row], list[Row], list[Row]]:
        people: list[Row] = []
        previous: list[Row] = []
        events: list[Row] = []
        r = self.rng.random
        for learner_id in range(first_id, first_id + count):
            if self.position < len(_SHOWCASE):
                kind, force = _SHOWCASE[self.position]
            elif self.position >= self.named_from:
                kind, force = _NORMAL, frozenset({f"named:{self.position - self.named_from}"})
            else:
                x = r()
                kind = (
                    _TWIN
                    if x < 0.01
                    else _SIBLING
                    if x < 0.035
                    else _DUPLICATE
                    if x < 0.045
                    else _CROWD
                    if x < 0.0452
                    else _NORMAL
                )
                force = _NO_FORCE
            self.position += 1
            if kind == _CROWD:
                kind = self.next_crowd_member()
            elif kind != _NORMAL and self.prev is None:
                kind = _NORMAL
            self.learner(learner_id, kind, force, people, previous, events)
        return people, previous, events

    def learner(
        self,
        learner_id: int,
        kind: int,
        force: frozenset[str],
        people: list[Row],
        previous: list[Row],
        events: list[Row],
    ) -> None:
        r = self.rng.random
        prev = self.prev
        today_ord = self.today_ord
        day_text, day0 = self.day_text, self.day0
        status = _ACTIVE
        master_id = 0  # 0: not linked
        middle = preferred = previous_family = at_16 = notes = _NULL
        org: _Org | None = None
        named = self.named_key_data(force) if kind == _NORMAL and self.named else None
        if kind == _CROWD:
            gender = 1
            given, family, dob = self.crowd_member
            postcode, address = UNKNOWN_POSTCODE, _NO_ADDRESS
        elif named is not None:  # key data fixed; no previous name or postcode recorded
            given, family, dob, gender, postcode, address = named
        elif kind == _NORMAL or prev is None:
            gender = self.gender()
            given = self.given_name(gender, force)
            family = self.family_name(force)
            dob = self.dob(force)
            if r() < 0.004:  # an unknown birthday recorded as 1 January
                first_jan = date.fromordinal(dob).replace(month=1, day=1).toordinal()
                dob = first_jan if first_jan >= self.dob_lo else dob
            if "unknown-postcode" in force or r() < 0.02:
                postcode, address = UNKNOWN_POSTCODE, _NO_ADDRESS
            else:
                postcode, town, county = self.postcode()
                line2 = data.FLATS[int(r() * len(data.FLATS))] if r() < 0.12 else _NULL
                street = data.STREETS[int(r() * len(data.STREETS))]
                address = (f"{1 + int(r() * 180)} {street}", line2, town, county)
            # Married (or otherwise changed) family names.
            age_days = today_ord - dob
            if (
                "previous-family" in force
                or (gender == 2 and age_days > 8000 and r() < 0.25)
                or r() < 0.01
            ):
                previous_family = family
                family = self.family_name(_NO_FORCE)
                if family == previous_family:
                    family = f"{previous_family}-Jones"
                if r() < 0.5 and age_days > 7000:
                    at_16 = previous_family
            while not self.claim(given, family, dob, gender, postcode):
                given = self.given_name(gender, force)
        else:
            family, postcode, address, org = prev.family, prev.postcode, prev.address, prev.org
            if kind == _DUPLICATE:  # the same person registered again, merged into prev
                gender, dob, given, middle = prev.gender, prev.dob, prev.given, prev.middle
                status, master_id = _LINKED, prev.id
                x = r()
                nicknames = data.NICKNAMES.get(given)
                if x < 0.25 and nicknames:
                    given = nicknames[0]
                elif x < 0.4 and self.key(given) != given.lower():
                    given = self.key(given).capitalize()  # Siân registered as Sian
                elif x < 0.55 and family.startswith(("Mc", "Mac")):
                    prefix = "Mac" if family.startswith("Mac") else "Mc"
                    family = data.MC_MAC_SWAP[prefix] + family[len(prefix) :]
                elif x < 0.75:
                    postcode, town, county = self.postcode()
                    address = (f"{1 + int(r() * 180)} Station Road", _NULL, town, county)
                self.linked += 1
            else:  # a twin or sibling: same household, other key data
                while True:
                    gender = self.gender()
                    given = self.given_name(gender, force, avoid=prev.given)
                    dob = prev.dob
                    if kind == _SIBLING:
                        gap = 365 + int(r() * 2900)
                        dob = prev.dob - gap if prev.dob - gap >= self.dob_lo else prev.dob + gap
                        if not self.dob_lo <= dob <= self.dob_hi or dob == prev.dob:
                            continue
                    if self.claim(given, family, dob, gender, postcode):
                        break
        if kind != _DUPLICATE and ("middle" in force or r() < 0.3):
            middle = self.given_name(gender, _NO_FORCE, avoid=given)
            if r() < 0.1:
                middle = f"{middle} {self.given_name(gender, _NO_FORCE, avoid=middle)}"
        nick = data.NICKNAMES.get(given)
        if nick and ("nickname" in force or r() < 0.35):
            preferred = nick[int(r() * len(nick))]
        elif middle and r() < 0.05:
            preferred = middle.split()[0]  # known by a middle name
            notes = f"Known by middle name {preferred}"

        # Registration: from age 13 (schools register early) or 2008, skewed early.
        reg_lo = max(dob + _DAYS_13Y, _ORD_2008)
        reg = reg_lo + int(max(0, today_ord - 1 - reg_lo) * r() ** 1.5)
        if prev is not None and kind == _DUPLICATE:
            reg = min(reg, prev.created)  # registered elsewhere first, found and merged later
        elif prev is not None and kind == _TWIN:
            reg = prev.created
        reg_age = (reg - dob) / 365.25
        if org is None:
            if reg_age < 16:
                org = self.schools[int(r() * len(self.schools))]
            elif reg_age < 19:
                pool = self.schools if r() < 0.4 else self.colleges
                org = pool[int(r() * len(pool))]
            else:
                org = self.adult_orgs[int(r() * len(self.adult_orgs))]
        by_seed = r() < 0.03
        created_by = SEED_BY if by_seed else org[1]
        created_by_org = _NULL if by_seed else org[0]
        created_at = self.stamp(reg, r())

        # Amendments (a change of family name among them), and moves.
        amended_at = amended_by = _NULL
        amended_org: int | str = _NULL
        if previous_family or r() < 0.15:
            change = reg + 1 + int(r() * max(1, today_ord - reg - 1))
            amended_at = self.stamp(min(change, today_ord - 1), r())
            amended_by, amended_org = created_by, created_by_org
            if previous_family:
                previous.append(
                    (
                        self.next_previous,
                        learner_id,
                        "family_name",
                        previous_family,
                        self.key(previous_family),
                        amended_at,
                    )
                )
                self.next_previous += 1
                self.previous += 1
        if "previous-postcode" in force or (
            kind == _NORMAL and named is None and postcode != UNKNOWN_POSTCODE and r() < 0.08
        ):
            old = self.postcode()[0]
            previous.append((self.next_previous, learner_id, "postcode", old, old, created_at))
            self.next_previous += 1
            self.previous += 1

        age_now = (today_ord - dob) / 365.25
        dob_day = date.fromordinal(dob)
        upn = _NULL
        if org[0] in self.school_ids and age_now < 19 and r() < 0.75:
            la = 201 + int(r() * 738)
            body = f"{la:03d}{int(r() * 10000):04d}{(dob_day.year + 11) % 100:02d}"
            body += f"{int(r() * 1000):03d}"
            upn = upn_check_letter(body) + body
        email = _NULL
        if "email" in force or r() < 0.35:
            domain = ("example.com", "example.org", "example.net")[int(r() * 3)]
            num = f"{int(r() * 100)}" if r() < 0.5 else ""
            email = f"{self.ascii(given)}.{self.ascii(family)}{num}@{domain}"
        vtype = _OTHER if "other-verification" in force else _VERIFICATION[int(r() * 100)]
        if vtype == _BY_SCHOOL and reg_age >= 19:
            vtype = _PASSPORT
        other_desc = (
            data.OTHER_VERIFICATION[int(r() * len(data.OTHER_VERIFICATION))]
            if vtype == _OTHER
            else _NULL
        )
        share = 0 if "not-shared" in force or r() < 0.05 else 1
        title = _NULL
        if age_now >= 18 and r() < 0.25:
            titles = data.TITLES_MALE if gender == 1 else data.TITLES_FEMALE
            title = "Mx" if gender in (0, 9) else titles[int(r() * len(titles))]
        school_at_16 = _NULL
        if age_now >= 17 and r() < 0.2:
            school_at_16 = data.SCHOOLS_AT_16[int(r() * len(data.SCHOOLS_AT_16))]
        nationality = "British" if r() < 0.6 else _NULL
        if not nationality and r() < 0.2:
            nationality = data.NATIONALITIES[int(r() * len(data.NATIONALITIES))]
        place = data.PLACES_OF_BIRTH[int(r() * 16)] if r() < 0.3 else _NULL
        scn = _NULL
        if postcode.startswith(data.SCOTTISH_OUTWARD_PREFIXES) and r() < 0.4:
            scn = f"{int(r() * 1_000_000_000):09d}"
        mis = f"MIS{int(r() * 10_000_000):07d}" if r() < 0.4 else _NULL

        people.append(
            (
                learner_id, self.uln(learner_id), mis, title, given, preferred, middle, family,
                previous_family, at_16, school_at_16, *address, postcode,
                day_text[reg - day0] if address[0] else _NULL, day_text[dob - day0], place,
                email, gender, nationality, scn, share, vtype, other_desc, notes, upn, _NULL,
                self.key(given), self.key(family), self.phonetic(given), self.phonetic(family),
                status, master_id or _NULL, created_at,
                created_by, created_by_org, amended_at, amended_by, amended_org, 1,
            )
        )  # fmt: skip
        if kind in (_NORMAL, _TWIN, _SIBLING):  # not the crowd, nor a duplicate
            self.prev = _Person(
                learner_id, given, gender, family, dob, postcode, address, org, middle, reg
            )
        welsh = postcode.startswith(data.WELSH_OUTWARD_PREFIXES)
        if master_id:  # the merge moved the duplicate's events to its master
            self.plr(master_id, learner_id, dob, dob_day, welsh, events)
        else:
            self.plr(learner_id, _NULL, dob, dob_day, welsh, events)

    def plr(
        self,
        owner: int,
        moved_from: int | str,
        dob: int,
        dob_day: date,
        welsh: bool,
        events: list[Row],
    ) -> None:
        """0-6 learning events (a few hundred for one learner in 1,000) from NPD, ILR and AO,
        each only when the learner's age and the date allow it."""
        r = self.rng.random
        today_ord = self.today_ord
        day_text, day0 = self.day_text, self.day0
        # Key Stage 4 results in the August after the school year in which they turn 16.
        year16 = dob_day.year + 16 + (dob_day.month >= 9)
        ks4 = date(year16, 8, 20 + year16 % 5).toordinal()
        ks5 = date(year16 + 2, 8, 13 + year16 % 5).toordinal()
        npd_ok = year16 >= 2009 and ks4 <= today_ord
        ilr_lo = max(dob + _DAYS_16Y, _ORD_ILR_START)
        ao_lo = max(dob + _DAYS_14Y, _ORD_2009)
        language = "Welsh" if welsh and r() < 0.3 else "English"
        count = _EVENT_COUNTS[int(r() * 100)]
        if owner % HEAVY_PLR_EVERY == HEAVY_PLR_EVERY // 2:
            count = 150 + (owner * 7919) % 250  # a long ILR and AO history: a few hundred
        for _ in range(count):
            x = r()
            source = _NPD if x < 0.45 and npd_ok else _ILR if x < 0.8 else _AO
            if source == _ILR and ilr_lo >= today_ord:
                source = _AO
            if source == _AO and ao_lo >= today_ord:
                continue  # too young for any event yet
            start = end = award = 0  # 0: no date
            level: str | None
            grade: str | None
            provider = ao = _NO_ORG
            credits = 0
            return_no = _NULL
            sensitive = 0
            if source == _NPD:
                if ks5 <= today_ord and r() < 0.35:
                    subject, code = data.ALEVEL_SUBJECTS[int(r() * len(data.ALEVEL_SUBJECTS))]
                    qual, level, award = "GCE A Level", "3", ks5
                    grade = data.ALEVEL_GRADES[int(r() * len(data.ALEVEL_GRADES))]
                else:
                    subject, code = data.GCSE_SUBJECTS[int(r() * len(data.GCSE_SUBJECTS))]
                    award = ks4
                    if year16 >= 2017:
                        qual = "GCSE (9-1) Full Course"
                        grade = data.GCSE_GRADES_NUMERIC[int(r() * 17)]
                    else:
                        qual = "GCSE Full Course"
                        grade = data.GCSE_GRADES_LETTER[int(r() * 15)]
                    level = _GCSE_LEVELS[grade]
                if r() < 0.03:
                    grade = None
                provider = self.schools[int(r() * len(self.schools))]
                ao = self.aos[int(r() * len(self.aos))]
                loaded = award + 100  # NPD data arrives in the winter after results
                collection = "NPD"
            elif source == _ILR:
                if r() < 0.015:
                    subject, qual, level, credits = data.SENSITIVE_QUALIFICATIONS[
                        int(r() * len(data.SENSITIVE_QUALIFICATIONS))
                    ]
                    sensitive = 1
                    pool = self.prisons if r() < 0.6 else self.providers
                else:
                    subject, qual, level, credits = data.ILR_AIMS[int(r() * len(data.ILR_AIMS))]
                    pool = self.providers
                provider = pool[int(r() * len(pool))]
                code = _SUBJECT_CODES[subject]
                start = ilr_lo + int((today_ord - ilr_lo) * r())
                loaded = start + 30 + int(r() * 60)
                if r() < 0.55:
                    end = start + 60 + int(r() * 700)
                    end = end if end < today_ord else 0
                grade = data.PMD_GRADES[int(r() * 7)] if r() < 0.5 else None
                if end and grade and r() < 0.4:
                    award = end + int(r() * 60)
                    award = award if award < today_ord else 0
                collection, return_no = "ILR", f"R{1 + int(r() * 14):02d}"
                if r() < 0.01:
                    start = end = award = 0  # a provider return with no dates at all
            else:
                if r() < 0.015:
                    subject, qual, level, credits = data.SENSITIVE_QUALIFICATIONS[
                        int(r() * len(data.SENSITIVE_QUALIFICATIONS))
                    ]
                    sensitive = 1
                else:
                    subject, qual, level, credits = data.AO_QUALIFICATIONS[
                        int(r() * len(data.AO_QUALIFICATIONS))
                    ]
                ao = self.aos[int(r() * len(self.aos))]
                if r() < 0.6:
                    provider = self.providers[int(r() * len(self.providers))]
                code = _SUBJECT_CODES[subject]
                award = ao_lo + int((today_ord - ao_lo) * r())
                grade = data.AO_GRADES[int(r() * len(data.AO_GRADES))] if r() < 0.8 else None
                loaded = award + 7 + int(r() * 50)
                collection = "AO"
            events.append(
                (
                    self.next_event, owner, moved_from, provider[2], provider[1], ao[1], ao[2],
                    qual, code, subject, level or _NULL, grade or _NULL, credits or _NULL,
                    source, day_text[start - day0] if start else _NULL,
                    day_text[end - day0] if end else _NULL,
                    day_text[award - day0] if award else _NULL,
                    day_text[min(loaded, today_ord) - day0], "active", _NULL, collection,
                    return_no, language, sensitive,
                )
            )  # fmt: skip
            self.next_event += 1
            self.events += 1
