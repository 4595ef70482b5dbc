"""The stored records. Services read and write these inside a unit of work and hand
plain dataclasses to callers, so no lazy load ever runs outside a transaction."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates
from sqlalchemy.sql.expression import false, true

from lrs_core.db.types import UtcDateTime, utcnow
from lrs_core.domain.kinds import (
    AccountStatus,
    AttachmentKind,
    AuditOutcome,
    BreachRule,
    ChallengeKind,
    ChallengeStatus,
    ChallengeType,
    EventChallengeAction,
    EventSource,
    EventStatus,
    IncidentStatus,
    IntakeStatus,
    LadderStep,
    LearnerStatus,
    OrganisationKind,
    PortalRole,
    RecordChangeKind,
    RetiredReason,
    SecurityActionKind,
    SuperUserCaseStatus,
    SuperUserLossReason,
)
from lrs_core.domain.matching import phonetic_key
from lrs_core.domain.names import name_key
from lrs_core.permissions import OperatorRole

# Stable constraint names, so migrations can alter them on both databases.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def code(enum: type[StrEnum], name: str) -> Enum:
    """A string column restricted to an enum's values (VARCHAR + CHECK on both databases)."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    ukprn: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrganisationKind] = mapped_column(code(OrganisationKind, "organisation_kind"))
    is_lrb: Mapped[bool] = mapped_column(Boolean, default=True)
    is_ao: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The name folded for search (accents, case and punctuation dropped: domain.accounts).
    name_key: Mapped[str] = mapped_column(String(200), index=True, default="", server_default="")
    # The register's telephone number: a call-back dials this, never the number on a form.
    phone: Mapped[str | None] = mapped_column(String(32))
    # Who signed the Organisation Agreement, as the register records it.
    agreement_signatory: Mapped[str | None] = mapped_column(String(100))
    # Portal permissions (§1.4's escalation): False while disabled after a breach.
    portal_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    portal_users: Mapped[list[PortalUser]] = relationship(back_populates="organisation")


class PortalUser(Base):
    """An Organisation Portal user (User Guide §2–3). Never reassigned; leavers are deleted."""

    __tablename__ = "portal_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str | None] = mapped_column(String(10))
    given_name: Mapped[str] = mapped_column(String(35))
    family_name: Mapped[str] = mapped_column(String(35))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    # The organisation's own check of the person (§3.5.3: a staff ID, a school email), never
    # the security question or its answer.
    verification_provided: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[AccountStatus] = mapped_column(code(AccountStatus, "portal_user_status"))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    password_hash: Mapped[str | None] = mapped_column(String(200))  # Argon2id PHC string
    password_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    secret_question: Mapped[str | None] = mapped_column(String(200))
    secret_answer_hash: Mapped[str | None] = mapped_column(String(200))  # of the folded answer
    on_long_term_leave: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    organisation: Mapped[Organisation] = relationship(back_populates="portal_users")
    roles: Mapped[list[PortalUserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class PortalUserRole(Base):
    __tablename__ = "portal_user_role"

    portal_user_id: Mapped[int] = mapped_column(ForeignKey("portal_user.id"), primary_key=True)
    role: Mapped[PortalRole] = mapped_column(code(PortalRole, "portal_role"), primary_key=True)


class SecurityAction(Base):
    """A security action the desk took on an organisation's portal access (User Guide §1.4's
    escalation, §3.5.6.1): a portal user suspended, the organisation's portal permissions
    disabled or re-enabled; always with the reason, shown on the organisation."""

    __tablename__ = "security_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    portal_user_id: Mapped[int | None] = mapped_column(ForeignKey("portal_user.id"), index=True)
    action: Mapped[SecurityActionKind] = mapped_column(
        code(SecurityActionKind, "security_action_kind")
    )
    reason: Mapped[str] = mapped_column(Text)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"))
    performed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SuperUserCase(Base):
    """A Change of Super User form being handled (User Guide §3.6): the organisation has
    lost its only super user and asks the desk for a new one. One admin prepares it and
    records the checks (the signatory, a hand signature, a call-back on the register's
    number); a second admin approves or rejects it; only approval creates the account.

    At most one live case (prepared or approved) per organisation: a partial unique index,
    so two admins opening a case for one organisation at once cannot both succeed."""

    __tablename__ = "super_user_case"
    __table_args__ = (
        Index(
            "ux_super_user_case_live_organisation",
            "organisation_id",
            unique=True,
            sqlite_where=text("status IN ('prepared', 'approved')"),
            postgresql_where=text("status IN ('prepared', 'approved')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)  # SU-<UKPRN>-<nnnn>
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    reason: Mapped[SuperUserLossReason] = mapped_column(
        code(SuperUserLossReason, "super_user_loss_reason")
    )
    form_received_on: Mapped[date] = mapped_column(Date)
    # The super user the form says was lost (None: the organisation has none on record).
    old_portal_user_id: Mapped[int | None] = mapped_column(ForeignKey("portal_user.id"))
    status: Mapped[SuperUserCaseStatus] = mapped_column(
        code(SuperUserCaseStatus, "super_user_case_status")
    )
    prepared_by_operator_id: Mapped[int] = mapped_column(ForeignKey("operator.id"))
    prepared_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The form: its telephone number (never dialled for the call-back), the signatory and
    # the signature (hand-signed only: a typed name is refused, as the form requires).
    form_phone: Mapped[str | None] = mapped_column(String(32))
    signatory_name: Mapped[str | None] = mapped_column(String(100))
    signatory_job_title: Mapped[str | None] = mapped_column(String(100))
    signatory_is_manager: Mapped[bool | None] = mapped_column(Boolean)
    signatory_signed_agreement: Mapped[bool | None] = mapped_column(Boolean)
    hand_signed: Mapped[bool | None] = mapped_column(Boolean)
    # The call-back on the register's number: who at the organisation confirmed, and when.
    callback_phone: Mapped[str | None] = mapped_column(String(32))
    callback_confirmed_by: Mapped[str | None] = mapped_column(String(100))
    callback_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    callback_operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"))
    # The new super user (§3.5.3); the username as the portal makes it from the names.
    new_title: Mapped[str | None] = mapped_column(String(10))
    new_given_name: Mapped[str | None] = mapped_column(String(35))
    new_family_name: Mapped[str | None] = mapped_column(String(35))
    new_email: Mapped[str | None] = mapped_column(String(254))
    new_phone: Mapped[str | None] = mapped_column(String(32))
    new_verification_provided: Mapped[str | None] = mapped_column(String(100))
    new_username: Mapped[str | None] = mapped_column(String(64))
    # The second admin's decision, and the account approval made.
    decided_by_operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    new_portal_user_id: Mapped[int | None] = mapped_column(ForeignKey("portal_user.id"))
    # The one-time password handed to the new super user (by a call to the register's number).
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_by_operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012 - SQLAlchemy's API

    timeline: Mapped[list[SuperUserCaseEvent]] = relationship(
        cascade="all, delete-orphan", order_by="SuperUserCaseEvent.id"
    )


class SuperUserCaseEvent(Base):
    """A super-user case's timeline: each step, by whom and when (refusals are audited)."""

    __tablename__ = "super_user_case_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("super_user_case.id"), index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    step: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)


class Learner(Base):
    """A learner on the register (User Guide §4; fields in the web-service order)."""

    __tablename__ = "learner"
    __table_args__ = (
        CheckConstraint("gender IN (0, 1, 2, 9)", name="gender_code"),
        CheckConstraint("ability_to_share IN (0, 1)", name="ability_to_share_code"),
        Index("ix_learner_family_key_dob", "family_key", "date_of_birth"),
        Index("ix_learner_dob_postcode", "date_of_birth", "postcode"),
        Index("ix_learner_given_key_dob", "given_key", "date_of_birth"),
        Index("ix_learner_family_phonetic_dob", "family_phonetic", "date_of_birth"),
        Index("ix_learner_family_key_given_key_dob", "family_key", "given_key", "date_of_birth"),
        Index("ix_learner_postcode_family_key_dob", "postcode", "family_key", "date_of_birth"),
        Index("ix_learner_postcode_given_key_dob", "postcode", "given_key", "date_of_birth"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uln: Mapped[str] = mapped_column(String(10), unique=True)
    mis_identifier: Mapped[str | None] = mapped_column(String(50))
    title: Mapped[str | None] = mapped_column(String(35))
    given_name: Mapped[str] = mapped_column(String(35))
    preferred_given_name: Mapped[str | None] = mapped_column(String(35))
    middle_other_name: Mapped[str | None] = mapped_column(String(35))
    family_name: Mapped[str] = mapped_column(String(35))
    previous_family_name: Mapped[str | None] = mapped_column(String(35))
    family_name_at_16: Mapped[str | None] = mapped_column(String(35))
    school_at_16: Mapped[str | None] = mapped_column(String(254))
    address_line1: Mapped[str | None] = mapped_column(String(50))
    address_line2: Mapped[str | None] = mapped_column(String(50))
    address_town: Mapped[str | None] = mapped_column(String(50))
    address_county_or_city: Mapped[str | None] = mapped_column(String(50))
    postcode: Mapped[str] = mapped_column(String(8))
    date_of_address_capture: Mapped[date | None] = mapped_column(Date)
    date_of_birth: Mapped[date] = mapped_column(Date)
    place_of_birth: Mapped[str | None] = mapped_column(String(35))
    email: Mapped[str | None] = mapped_column(String(254))
    gender: Mapped[int] = mapped_column(Integer)
    nationality: Mapped[str | None] = mapped_column(String(35))
    scottish_candidate_number: Mapped[str | None] = mapped_column(String(9))
    ability_to_share: Mapped[int] = mapped_column(Integer)
    verification_type: Mapped[int] = mapped_column(Integer)
    other_verification_description: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(String(4000))
    upn: Mapped[str | None] = mapped_column(String(13), index=True)
    uci: Mapped[str | None] = mapped_column(String(13))
    # Precomputed match keys: folded case, no accents, hyphens, apostrophes or spaces.
    given_key: Mapped[str] = mapped_column(String(35))
    family_key: Mapped[str] = mapped_column(String(35))
    # Metaphone codes of the keys (lrs_core.domain.matching.phonetic_key).
    given_phonetic: Mapped[str] = mapped_column(String(16))
    family_phonetic: Mapped[str] = mapped_column(String(16))
    status: Mapped[LearnerStatus] = mapped_column(code(LearnerStatus, "learner_status"))
    # Set when this ULN was merged into another: the master it is linked to (§4.2.3).
    master_learner_id: Mapped[int | None] = mapped_column(ForeignKey("learner.id"), index=True)
    # Set with status RETIRED: why (deceased, fictitious or fraudulent; §6.1).
    retired_reason: Mapped[RetiredReason | None] = mapped_column(
        code(RetiredReason, "retired_reason")
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))  # operator username or organisation
    created_by_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    amended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    amended_by: Mapped[str | None] = mapped_column(String(100))
    amended_by_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    # A record the desk may open only with a reason (e.g. a learner at risk); Appendix E.
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012 - SQLAlchemy's API

    @validates("given_name", "family_name")
    def _set_match_keys(self, name: str, value: str) -> str:
        """Keep the match keys in step with the names, however a learner is written."""
        side = "given" if name == "given_name" else "family"
        setattr(self, f"{side}_key", name_key(value))
        setattr(self, f"{side}_phonetic", phonetic_key(value))
        return value


class LearnerPreviousValue(Base):
    """Earlier family names and postcodes, kept for matching (Appendix B search tips)."""

    __tablename__ = "learner_previous_value"
    __table_args__ = (
        CheckConstraint("kind IN ('family_name', 'postcode')", name="kind"),
        Index("ix_learner_previous_value_kind_value_key", "kind", "value_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(35))
    # What searches compare: a family name's name_key, a postcode as validated.
    value_key: Mapped[str] = mapped_column(String(35))

    @validates("kind", "value")
    def _set_value_key(self, name: str, given: str) -> str:
        kind = given if name == "kind" else self.kind
        value = given if name == "value" else self.value
        if kind and value:
            self.value_key = name_key(value) if kind == "family_name" else value
        return given

    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class UlnAllocation(Base):
    """The one-row counter new ULNs are drawn from: it only ever goes up, so a ULN once
    issued is never issued again, even if its learner is retired."""

    __tablename__ = "uln_allocation"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)
    # Migration 0002 starts the counter here: far above any demo learner id, from which the
    # demo derives its ULNs by the same permutation, so the two never meet.
    FIRST_SERIAL: ClassVar[int] = 50_000_000

    id: Mapped[int] = mapped_column(primary_key=True)
    next_serial: Mapped[int] = mapped_column(BigInteger)


class LearningEvent(Base):
    """One event on a Personal Learning Record (User Guide §5; GetLearnerLearningEvents)."""

    __tablename__ = "learning_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id"), index=True)
    # Where the event lived before a merge moved it, so a de-merge can put it back.
    moved_from_learner_id: Mapped[int | None] = mapped_column(ForeignKey("learner.id"))
    achievement_provider_ukprn: Mapped[str | None] = mapped_column(String(8))
    achievement_provider_name: Mapped[str | None] = mapped_column(String(200))
    awarding_organisation_name: Mapped[str | None] = mapped_column(String(200))
    awarding_organisation_ukprn: Mapped[str | None] = mapped_column(String(8))
    qualification_type: Mapped[str | None] = mapped_column(String(100))
    subject_code: Mapped[str | None] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    level: Mapped[str | None] = mapped_column(String(20))
    grade: Mapped[str | None] = mapped_column(String(20))
    credits: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[EventSource] = mapped_column(code(EventSource, "event_source"))
    participation_start_date: Mapped[date | None] = mapped_column(Date)
    participation_end_date: Mapped[date | None] = mapped_column(Date)
    award_date: Mapped[date | None] = mapped_column(Date)
    date_loaded: Mapped[date] = mapped_column(Date)
    status: Mapped[EventStatus] = mapped_column(
        code(EventStatus, "event_status"), default=EventStatus.ACTIVE
    )
    # A removal after an event challenge (soft: the event stays, hidden from the PLR views).
    removed_reason: Mapped[str | None] = mapped_column(Text)
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    restriction: Mapped[str | None] = mapped_column(String(50))
    collection_type: Mapped[str | None] = mapped_column(String(20))
    return_number: Mapped[str | None] = mapped_column(String(10))
    language_for_assessment: Mapped[str | None] = mapped_column(String(20))
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)


class Operator(Base):
    """A desk operator: signs in to LRS Desk. Never an organisation's portal user."""

    __tablename__ = "operator"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[OperatorRole] = mapped_column(code(OperatorRole, "operator_role"))
    status: Mapped[AccountStatus] = mapped_column(code(AccountStatus, "operator_status"))
    password_hash: Mapped[str] = mapped_column(String(200))  # Argon2id PHC string
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    password_changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    # When a lock after repeated failures lifts by itself; None: only an admin lifts it.
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The TOTP secret sealed with AES-GCM under the totp-key (lrs_core.second_factor).
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)  # no code is used twice
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    def lock_in_force(self, now: datetime) -> bool:
        """Locked, and the lock has not yet lifted by itself (the one place this is decided)."""
        return self.status is AccountStatus.LOCKED and (
            self.locked_until is None or now < self.locked_until
        )


class DataChallenge(Base):
    """A ULN or event data challenge (User Guide §6), with its SLA clock in support hours.

    The clock: ``support_seconds_used`` counts the support time spent before the current
    running period, which began at ``clock_started_at`` (None while paused, awaiting
    information, or stopped); ``due_at`` is when the budget runs out if it keeps running,
    stored so the queue sorts by it (None while paused or stopped)."""

    __tablename__ = "data_challenge"
    __table_args__ = (Index("ix_data_challenge_status_due_at", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)  # contains the ULN (§6)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id"), index=True)
    kind: Mapped[ChallengeKind] = mapped_column(code(ChallengeKind, "challenge_kind"))
    challenge_type: Mapped[ChallengeType] = mapped_column(code(ChallengeType, "challenge_type"))
    status: Mapped[ChallengeStatus] = mapped_column(code(ChallengeStatus, "challenge_status"))
    priority: Mapped[int] = mapped_column(Integer, default=4)
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    raised_by_operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"))
    raised_by_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    raiser_name: Mapped[str] = mapped_column(String(100))
    raiser_email: Mapped[str] = mapped_column(String(254))
    raiser_phone: Mapped[str | None] = mapped_column(String(32))
    comments: Mapped[str | None] = mapped_column(Text)
    # ULN challenges on two learners (duplicate, incorrectly merged) and event transfers:
    # the other ULN as the raiser gave it, its learner, and which of the two is the master.
    other_uln: Mapped[str | None] = mapped_column(String(10))
    other_learner_id: Mapped[int | None] = mapped_column(ForeignKey("learner.id"), index=True)
    master_learner_id: Mapped[int | None] = mapped_column(ForeignKey("learner.id"))
    # Why: required for a duplicate whose key data differ and for a de-merge.
    reason: Mapped[str | None] = mapped_column(Text)
    # "Event does not belong": disputed, remove or transfer (to other_uln, named target_name).
    event_action: Mapped[EventChallengeAction | None] = mapped_column(
        code(EventChallengeAction, "event_challenge_action")
    )
    target_name: Mapped[str | None] = mapped_column(String(120))
    # "Event information wrong": the values proposed.
    proposed_grade: Mapped[str | None] = mapped_column(String(20))
    proposed_end_date: Mapped[date | None] = mapped_column(Date)
    proposed_award_date: Mapped[date | None] = mapped_column(Date)
    # "Event appears more than once": the raiser confirmed neither is a participation record.
    not_participation_confirmed: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    assigned_operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    clock_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    support_seconds_used: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    referred_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ao_answer: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)  # a reason the raiser can be given
    # Every change bumps both: the queue polls updated_at, a stale screen is told by version.
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012 - SQLAlchemy's API

    events: Mapped[list[DataChallengeEvent]] = relationship(cascade="all, delete-orphan")
    notes: Mapped[list[DataChallengeNote]] = relationship(cascade="all, delete-orphan")


class DataChallengeEvent(Base):
    __tablename__ = "data_challenge_event"

    challenge_id: Mapped[int] = mapped_column(ForeignKey("data_challenge.id"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("learning_event.id"), primary_key=True)


class DataChallengeNote(Base):
    """The challenge's timeline: analysts' notes, status changes, claims and actions."""

    __tablename__ = "data_challenge_note"
    __table_args__ = (
        CheckConstraint("kind IN ('note', 'status', 'claim', 'action')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("data_challenge.id"), index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(16), default="note", server_default="note")
    text: Mapped[str] = mapped_column(Text)


class RecordChange(Base):
    """A change made to learners or events to resolve a challenge (merge, de-merge, event
    transfer, removal...), with the exact state before and after it, so it is previewed
    from the same plan it applies and reversed exactly. A change is reversed at most once:
    ``reverses_id`` is unique, so two analysts undoing it at once cannot both succeed."""

    __tablename__ = "record_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int | None] = mapped_column(ForeignKey("data_challenge.id"), index=True)
    kind: Mapped[RecordChangeKind] = mapped_column(code(RecordChangeKind, "record_change_kind"))
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id"), index=True)
    other_learner_id: Mapped[int | None] = mapped_column(ForeignKey("learner.id"), index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"))
    performed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    before_state: Mapped[dict[str, object]] = mapped_column(JSON)
    after_state: Mapped[dict[str, object]] = mapped_column(JSON)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("record_change.id"), unique=True)


class IntakeCase(Base):
    """An email a provider sent to the desk's mailbox with learner data (User Guide §1.4,
    §7.1; issue 13). The message is kept as it came, sealed with AES-GCM under the intake key
    (a breach email holds personal data in clear); what is decrypted from it is kept only
    sealed the same way, and only while the case is open. The provider's passphrase is never
    stored: only whether it met the guidance. The subject is stored with every breach
    finding masked ("[ULN]", "[date]"), so a queue can show it."""

    __tablename__ = "intake_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)  # IN-<yyyymmdd>-<nnnn>
    # The message's SHA-256: a second scan of the same mailbox adds nothing (unique).
    message_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(255))
    sender_email: Mapped[str] = mapped_column(String(254))
    sender_name: Mapped[str | None] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(255), default="")  # findings masked
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the Date header
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The sender as the directory knows them: matched by email on receipt, or set by an
    # operator (set_by: None when matched by email).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    portal_user_id: Mapped[int | None] = mapped_column(ForeignKey("portal_user.id"))
    sender_set_by_operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"))
    status: Mapped[IntakeStatus] = mapped_column(code(IntakeStatus, "intake_status"), index=True)
    message_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    opened_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The body with the phoned passphrase masked, sealed, when the body held it (§1.4): the
    # passphrase is never stored, so a later view could not mask it from the message itself.
    masked_body_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    passphrase_tries: Mapped[int] = mapped_column(Integer, default=0)
    passphrase_guidance_met: Mapped[bool | None] = mapped_column(Boolean)
    row_count: Mapped[int | None] = mapped_column(Integer)
    outcome_counts: Mapped[dict[str, int] | None] = mapped_column(JSON)  # counts only
    opened_by_operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"))
    opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_by_operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    close_reason: Mapped[str | None] = mapped_column(Text)
    dispose_after: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    disposed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class IntakeAttachment(Base):
    """One attachment of an intake email, as received: its facts only (the bytes are in the
    sealed message)."""

    __tablename__ = "intake_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("intake_case.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1, 2... in the message's order
    filename: Mapped[str] = mapped_column(String(255))  # through the text rule, or shown()
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[AttachmentKind] = mapped_column(code(AttachmentKind, "attachment_kind"))


class IntakeFinding(Base):
    """A breach the core found in an intake email (§1.4): which rule, where, and what kind of
    data, never the data itself."""

    __tablename__ = "intake_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("intake_case.id"), index=True)
    rule: Mapped[BreachRule] = mapped_column(code(BreachRule, "breach_rule"))
    location: Mapped[str] = mapped_column(String(300))  # "subject", "body", "attachment x.csv"
    summary: Mapped[str] = mapped_column(Text)  # e.g. "a ULN with a date of birth"
    found_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"))  # None: receipt


class BreachIncident(Base):
    """A breach by a sender's organisation, opened from an intake case's findings, and the
    §1.4 escalation ladder's steps taken on it. One per case."""

    __tablename__ = "breach_incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)  # BR-<yyyymmdd>-<nnnn>
    case_id: Mapped[int] = mapped_column(ForeignKey("intake_case.id"), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    portal_user_id: Mapped[int | None] = mapped_column(ForeignKey("portal_user.id"))
    status: Mapped[IncidentStatus] = mapped_column(code(IncidentStatus, "incident_status"))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_by_operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"))
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class BreachIncidentStep(Base):
    """A step of §1.4's ladder an analyst confirmed on an incident; each step once."""

    __tablename__ = "breach_incident_step"
    __table_args__ = (UniqueConstraint("incident_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("breach_incident.id"), index=True)
    step: Mapped[LadderStep] = mapped_column(code(LadderStep, "ladder_step"))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"))
    performed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text)
    # The suspension or disable this step took through the organisation directory's actions.
    security_action_id: Mapped[int | None] = mapped_column(ForeignKey("security_action.id"))


class AuditEvent(Base):
    """Append-only, hash-chained record of every look at personal data and every change."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_subject", "subject_type", "subject_id"),
        UniqueConstraint("sequence", name="uq_audit_event_sequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer)  # 1, 2, 3... with no gaps
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[AuditOutcome] = mapped_column(code(AuditOutcome, "audit_outcome"))
    detail: Mapped[str] = mapped_column(Text)  # canonical JSON, secrets redacted
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """One row: the last event's sequence and hash. Locked while appending, so concurrent
    operators extend the chain one at a time; deleting the newest event is detected."""

    __tablename__ = "audit_chain_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
