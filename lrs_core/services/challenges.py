"""Data challenges (User Guide §6; DOMAIN.md "Data challenges", "Service levels"): raise, the
queue with its support-hour clocks, the detail, claims, notes and every status change.

Each public method is one user action: the operator's permission is checked (agents raise,
read and withdraw: RAISE_CHALLENGE; analysts do the rest: RESOLVE_CHALLENGE), one
transaction, audited inside it (a refusal in a transaction of its own), frozen dataclasses
returned. A change locks the challenge's row first (SELECT ... FOR UPDATE), so of two
analysts pressing at once one wins and the other is told who; a change made from a stale
screen (``expected_version`` no longer the row's) is refused with what changed, nothing
written. Every change sets ``updated_at`` (the version bumps with it) and, on PostgreSQL,
sends ``NOTIFY lrs_challenges`` in the same transaction, so watchers hear of it on commit
(:mod:`lrs_core.services.challenge_watch`).

The clock (Service Charter, priority 4): it runs while the challenge is open or in progress;
awaiting information pauses it, a referral to the awarding organisation, a resolution, a
rejection or a withdrawal stop it; the support seconds used before the current running
period are kept in ``support_seconds_used`` and ``due_at`` is stored for the queue's sort.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import Row, Select, case, func, or_, select, text
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import flag_modified

from lrs_core.actor import Actor
from lrs_core.config import Settings
from lrs_core.db.database import Database
from lrs_core.db.locks import hold_until_commit
from lrs_core.db.models import (
    DataChallenge,
    DataChallengeEvent,
    DataChallengeNote,
    Learner,
    LearnerPreviousValue,
    LearningEvent,
    Operator,
    Organisation,
    RecordChange,
)
from lrs_core.domain import challenges as rules
from lrs_core.domain.challenges import (
    CLOCK_RUNS,
    CLOSED,
    MOVE_WORDS,
    OPEN_WORK,
    STATUS_LABELS,
    TYPE_LABELS,
    CheckedRequest,
    Difference,
    EventFacts,
    LearnerFacts,
    Move,
    RaiseRequest,
    check_against_records,
    check_request,
    check_text,
    next_status,
    parse_reference,
)
from lrs_core.domain.kinds import (
    ChallengeKind,
    ChallengeStatus,
    ChallengeType,
    EventChallengeAction,
    EventSource,
    EventStatus,
    LearnerStatus,
    RecordChangeKind,
    RetiredReason,
)
from lrs_core.domain.matching import (
    Level,
    compare_dob,
    compare_family,
    compare_gender,
    compare_given,
    compare_names_swapped,
    compare_postcode,
)
from lrs_core.domain.record_changes import possible_twins
from lrs_core.domain.support_hours import (
    ClockState,
    SupportCalendar,
    clock_state,
    describe,
    desk_time,
    support_time,
)
from lrs_core.domain.values import Gender, display_date, validate_uln
from lrs_core.errors import LrsError, NotFound, ValidationError
from lrs_core.permissions import Permission
from lrs_core.services import record_changes
from lrs_core.services.audit import AuditService, Clock, append
from lrs_core.services.record_changes import AppliedChange, Plan
from lrs_core.services.search import DemographicSearch

NOTIFY_CHANNEL = "lrs_challenges"
DEFAULT_PRIORITY = 4  # ULN and event data challenges (Service Charter)
HISTORY_LIMIT = 200
QUEUE_PAGE = 200
_QUOTED = 160  # characters of the latest note a stale-screen refusal repeats


# --- errors -----------------------------------------------------------------------------------


class ChallengeClaimed(LrsError):
    """Another analyst has the challenge: ``by`` (their username) since ``since``."""

    audit_summary = "refused: claimed by another analyst"

    def __init__(self, reference: str, by: str, since: datetime | None) -> None:
        when = f" since {_desk_when(since)}" if since else ""
        super().__init__(f"{reference} is claimed by {by}{when}: ask them, or leave it to them")
        self.reference = reference
        self.by = by
        self.since = since


class StaleChallenge(LrsError):
    """The challenge changed after the screen showed it; ``changes`` says what it is now."""

    audit_summary = "refused: the challenge changed meanwhile"

    def __init__(self, reference: str, changes: tuple[str, ...]) -> None:
        super().__init__(
            f"{reference} changed after you opened it; nothing was saved. "
            + " ".join(changes)
            + " Reload it and try again."
        )
        self.reference = reference
        self.changes = changes


# --- what the service returns -----------------------------------------------------------------


class QueueSort(StrEnum):
    DUE = "due"  # the SLA due time; paused clocks after running ones, least time left first
    RAISED = "raised"  # oldest first
    STATUS = "status"  # in the workflow's order, then by due time
    REFERENCE = "reference"


class Assignee(StrEnum):
    """The assignee filter's two special values (any other text is a username)."""

    MINE = "mine"
    UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows. ``statuses`` None: all open work (not resolved, rejected or
    withdrawn). ``organisation``: a UKPRN, or part of the organisation's name. ``assignee``:
    "mine", "unassigned" or a username. ``older_than_days``: raised more than N days ago."""

    kind: ChallengeKind | None = None
    challenge_type: ChallengeType | None = None
    statuses: frozenset[ChallengeStatus] | None = None
    organisation: str = ""
    assignee: str = ""
    older_than_days: int | None = None
    sort: QueueSort = QueueSort.DUE
    # One page (None: every row). A screen shows a page and pages on with ``offset``: with
    # 10,000 open challenges a page of 200 is read, clocked and sorted in well under 300 ms,
    # every row would take seconds (each row's clock is worked out in support hours).
    limit: int | None = QUEUE_PAGE
    offset: int = 0


@dataclass(frozen=True)
class ChallengeRow:
    """One challenge as the queue and a learner's history list it. Text is as stored:
    front ends show it through ``shown()``."""

    reference: str
    challenge_type: ChallengeType
    type_label: str
    kind: ChallengeKind
    status: ChallengeStatus
    status_label: str
    uln: str
    learner_name: str
    organisation: str  # its name (or UKPRN), "" when none was given
    assignee: str | None  # username
    raised_at: datetime
    age_days: int
    clock: ClockState
    clock_text: str  # "due in 37 support hours (Tue 8 Dec 2026 15:00)"
    row_version: int
    updated_at: datetime

    @property
    def warning(self) -> bool:
        return self.clock.warning

    @property
    def breached(self) -> bool:
        return self.clock.breached


@dataclass(frozen=True)
class QueuePage:
    rows: tuple[ChallengeRow, ...]
    total: int  # rows matching the filter (``rows`` may be one page of them)
    filters: QueueFilter


@dataclass(frozen=True)
class LearnerSide:
    """One learner of a challenge, as the detail shows it side by side."""

    uln: str
    given_name: str
    middle_names: str | None
    family_name: str
    date_of_birth: date
    gender: str
    postcode: str
    status: LearnerStatus
    master_uln: str | None
    retired_reason: str | None
    events: int  # active events on the PLR


@dataclass(frozen=True)
class FieldComparison:
    """A field of the two learners and the matching engine's level for it."""

    field: str
    this: str
    other: str
    level: str  # the matching engine's words: exact, near spelling, sounds alike, swapped...
    value: float  # 1.0 exact ... 0.0 different

    @property
    def same(self) -> bool:
        return self.value >= 1.0


@dataclass(frozen=True)
class Comparison:
    fields: tuple[FieldComparison, ...]
    possible_twins: bool
    explanation: tuple[str, ...]  # plain sentences, the most important first
    # The key data that differ (family name, date of birth, postcode): a duplicate whose key
    # data differ needs a reason (§6.1).
    differences: tuple[Difference, ...] = ()


@dataclass(frozen=True)
class ChallengeEvent:
    id: int
    uln: str  # the learner whose PLR holds it now
    subject: str
    qualification_type: str | None
    level: str | None
    grade: str | None
    source: EventSource
    awarding_organisation: str | None
    end_date: date | None
    award_date: date | None
    status: EventStatus


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    who: str  # username, or "" for the system
    kind: str  # note, status, claim or action
    text: str


@dataclass(frozen=True)
class ChangeRecord:
    """A record change made for a challenge (merge, transfer...), for the detail and undo."""

    id: int
    kind: RecordChangeKind
    performed_at: datetime
    who: str
    reversed_by: int | None  # the reversal's id, once reversed


@dataclass(frozen=True)
class ChallengeDetail:
    row: ChallengeRow
    raiser_name: str
    raiser_email: str
    raiser_phone: str | None
    comments: str | None
    reason: str | None
    other_uln: str | None
    master_uln: str | None
    event_action: EventChallengeAction | None
    target_name: str | None
    proposed_grade: str | None
    proposed_end_date: date | None
    proposed_award_date: date | None
    not_participation_confirmed: bool
    claimed_at: datetime | None
    referred_at: datetime | None
    ao_answer: str | None
    resolved_at: datetime | None
    resolution: str | None
    learner: LearnerSide
    other: LearnerSide | None
    comparison: Comparison | None
    differences: tuple[Difference, ...]  # key data that differ (a duplicate needs a reason)
    events: tuple[ChallengeEvent, ...]
    timeline: tuple[TimelineEntry, ...]  # oldest first
    history: tuple[ChallengeRow, ...]  # every challenge ever raised on this learner (§6.4)
    changes: tuple[ChangeRecord, ...]
    moves: tuple[Move, ...] = field(default=())  # what this operator may do with it now


@dataclass(frozen=True)
class ActionResult:
    """A resolution action: previewed (``plan`` and its ``lines``, nothing changed) or
    applied (``change``, the record change made; the challenge resolved)."""

    preview: bool
    plan: Plan | None
    lines: tuple[str, ...]
    change: AppliedChange | None
    detail: ChallengeDetail


# --- the service ------------------------------------------------------------------------------


class ChallengeService:
    def __init__(self, db: Database, audit: AuditService, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.audit = audit
        self.clock = clock
        self.settings = settings
        self.calendar = SupportCalendar.from_settings(settings.sla)
        self.warn_share = settings.sla.warn_share
        self._search = DemographicSearch(settings.search)

    # -- raising -----------------------------------------------------------------------------

    def raise_challenge(self, actor: Actor, request: RaiseRequest) -> ChallengeDetail:
        """Raise a challenge with exactly what §6.1 requires of its type; the clock starts
        now (priority 4). A refusal names the field and the rule; nothing is written."""
        subject = request.uln.strip()
        with self.audit.guarded(
            actor, Permission.RAISE_CHALLENGE, "raise-challenge", "learner", subject
        ) as session:
            now = self.clock()
            checked = check_request(request, now.date())
            learner = _learner_by_uln(session, checked.uln)
            other = _learner_by_uln(session, checked.other_uln) if checked.other_uln else None
            events = _event_facts(session, checked.event_ids)
            differences = check_against_records(
                checked,
                _facts(session, learner) if learner else None,
                _facts(session, other) if other else None,
                events,
                now.date(),
            )
            assert learner is not None
            organisation_id = _organisation_id(session, checked)
            challenge = self._new_challenge(session, actor, checked, learner, other, now)
            challenge.raised_by_organisation_id = organisation_id
            session.add(challenge)
            session.flush()
            for event_id in checked.event_ids:
                session.add(DataChallengeEvent(challenge_id=challenge.id, event_id=event_id))
            _timeline(session, challenge, actor, "status", "raised", now)
            session.flush()
            _notify(session, challenge.reference)
            append(
                session,
                actor,
                "raise-challenge",
                "learner",
                learner.uln,
                detail={
                    "reference": challenge.reference,
                    "type": str(challenge.challenge_type),
                    "events": list(checked.event_ids),
                    "other_uln": checked.other_uln or "",
                    "key_data_differ": [d.field for d in differences],
                },
                now=now,
            )
            return self._detail(session, actor, challenge, now)

    def _new_challenge(
        self,
        session: Session,
        actor: Actor,
        checked: CheckedRequest,
        learner: Learner,
        other: Learner | None,
        now: datetime,
    ) -> DataChallenge:
        # Two raises on one learner at once must not draw the same number: the lock named by
        # the learner is held to the commit (SQLite's writers already run one at a time), and
        # the reference's unique constraint backs it.
        hold_until_commit(session, "challenge reference", learner.id)
        taken = session.execute(
            select(DataChallenge.reference).where(DataChallenge.learner_id == learner.id)
        ).scalars()
        sequence = max((rules.reference_sequence(r) for r in taken), default=0) + 1
        budget = self.calendar.budget_seconds(DEFAULT_PRIORITY)
        master_id: int | None = None
        if checked.master_uln is not None:
            if checked.master_uln == learner.uln:
                master_id = learner.id
            elif other is not None:
                master_id = other.id
        return DataChallenge(
            reference=rules.reference(learner.uln, sequence),
            learner_id=learner.id,
            kind=checked.kind,
            challenge_type=checked.challenge_type,
            status=ChallengeStatus.OPEN,
            priority=DEFAULT_PRIORITY,
            raised_at=now,
            raised_by_operator_id=actor.operator_id,
            raiser_name=checked.raiser_name,
            raiser_email=checked.raiser_email,
            raiser_phone=checked.raiser_phone or None,
            comments=checked.comments or None,
            other_uln=checked.other_uln,
            other_learner_id=other.id if other else None,
            master_learner_id=master_id,
            reason=checked.reason or None,
            event_action=checked.event_action,
            target_name=checked.target_name,
            proposed_grade=checked.proposed_grade,
            proposed_end_date=checked.proposed_end_date,
            proposed_award_date=checked.proposed_award_date,
            not_participation_confirmed=checked.not_participation_confirmed,
            clock_started_at=now,
            support_seconds_used=0,
            due_at=self.calendar.add(now, budget),
            updated_at=now,
        )

    # -- reading -----------------------------------------------------------------------------
    def compare(self, actor: Actor, uln: str, other_uln: str) -> Comparison:
        """Two learners compared as a raise form shows them before a duplicate is raised
        (which key data differ, the matching engine's levels, possible twins). A look at
        two learners: audited."""
        subject = uln.strip()
        with self.audit.guarded(
            actor, Permission.RAISE_CHALLENGE, "compare-learners", "learner", subject
        ) as session:
            uln = validate_uln(uln)
            other_uln = validate_uln(other_uln, "Other ULN")
            learner = _learner_by_uln(session, uln)
            other = _learner_by_uln(session, other_uln)
            if learner is None:
                raise NotFound(f"no learner has ULN {uln}")
            if other is None:
                raise NotFound(f"no learner has ULN {other_uln}")
            append(
                session,
                actor,
                "compare-learners",
                "learner",
                uln,
                detail={"other_uln": other_uln},
                now=self.clock(),
            )
            return _compare(session, learner, other)

    def queue(self, actor: Actor, filters: QueueFilter | None = None) -> QueuePage:
        """The challenges ``filters`` selects, sorted (by SLA due time by default), in one
        query. The look is audited (it lists learners' names)."""
        filters = filters or QueueFilter()
        with self.audit.guarded(
            actor, Permission.RAISE_CHALLENGE, "view-challenge-queue", "challenge", ""
        ) as session:
            now = self.clock()
            rows, total = self._rows(session, actor, filters, now)
            append(
                session,
                actor,
                "view-challenge-queue",
                "challenge",
                "",
                detail={"filters": _filter_detail(filters), "shown": len(rows), "total": total},
                now=now,
            )
            return QueuePage(tuple(rows), total, filters)

    def my_counts(self, actor: Actor) -> tuple[int, int]:
        """(due soon, breached) among the open challenges this analyst has claimed: the
        footer's count. Reads no personal data, so it is not audited."""
        self.audit.require(actor, Permission.RAISE_CHALLENGE, "count-my-challenges", "challenge")
        with self.db.transaction(read_only=True) as session:
            now = self.clock()
            found = session.execute(
                select(
                    DataChallenge.priority,
                    DataChallenge.support_seconds_used,
                    DataChallenge.clock_started_at,
                ).where(
                    DataChallenge.assigned_operator_id == actor.operator_id,
                    DataChallenge.status.in_(OPEN_WORK),
                )
            ).all()
            due_soon = breached = 0
            for priority, used, since in found:
                state = self._clock(priority, used, since, now)
                due_soon += state.warning
                breached += state.breached
            return due_soon, breached

    def detail(self, actor: Actor, reference: str) -> ChallengeDetail:
        """Everything about one challenge (a look at personal data: audited)."""
        ref = reference.strip().upper()
        with self.audit.guarded(
            actor, Permission.RAISE_CHALLENGE, "view-challenge", "challenge", ref
        ) as session:
            ref = parse_reference(reference)
            challenge = _challenge(session, ref)
            now = self.clock()
            result = self._detail(session, actor, challenge, now)
            append(
                session,
                actor,
                "view-challenge",
                "learner",
                result.row.uln,
                detail={"reference": ref, "other_uln": result.other.uln if result.other else ""},
                now=now,
            )
            return result

    def history(self, actor: Actor, uln: str) -> tuple[ChallengeRow, ...]:
        """Every challenge ever raised on a learner, from any organisation, newest first
        (§6.4): raised on its ULN or naming it as the other ULN. Audited as a look."""
        subject = uln.strip()
        with self.audit.guarded(
            actor, Permission.RAISE_CHALLENGE, "challenge-history", "learner", subject
        ) as session:
            uln = validate_uln(uln)
            learner = _learner_by_uln(session, uln)
            if learner is None:
                raise NotFound(f"no learner has ULN {uln}")
            now = self.clock()
            rows = self._history(session, learner.id, now)
            append(
                session,
                actor,
                "challenge-history",
                "learner",
                uln,
                detail={"shown": len(rows)},
                now=now,
            )
            return rows

    # -- claims, notes and statuses ----------------------------------------------------------

    def claim(self, actor: Actor, reference: str, expected_version: int | None) -> ChallengeDetail:
        """Take an open challenge. Of two analysts at once exactly one wins; the other is
        told who has it (:class:`ChallengeClaimed`)."""

        def claim(session: Session, challenge: DataChallenge, now: datetime) -> str:
            challenge.status = next_status(Move.CLAIM, challenge.status)
            challenge.assigned_operator_id = actor.operator_id
            challenge.claimed_at = now
            return "claimed"

        return self._change(
            actor, Move.CLAIM, reference, expected_version, claim, kind="claim", own=False
        )

    def release(
        self, actor: Actor, reference: str, expected_version: int | None
    ) -> ChallengeDetail:
        """Give a claimed challenge back to the queue (its clock keeps running)."""

        def release(session: Session, challenge: DataChallenge, now: datetime) -> str:
            challenge.status = next_status(Move.RELEASE, challenge.status)
            challenge.assigned_operator_id = None
            challenge.claimed_at = None
            return "released to the queue"

        return self._change(actor, Move.RELEASE, reference, expected_version, release, kind="claim")

    def note(self, actor: Actor, reference: str, note: str) -> ChallengeDetail:
        """An analyst's note on the timeline (any status; notes are not actions)."""

        def add(session: Session, challenge: DataChallenge, now: datetime) -> str:
            return check_text(note, "Note", required=True)

        return self._change(
            actor, None, reference, None, add, kind="note", own=False, action="note-challenge"
        )

    def await_information(
        self, actor: Actor, reference: str, expected_version: int | None, note: str
    ) -> ChallengeDetail:
        """Ask the raiser for more: the clock pauses (its support time so far is kept)."""
        words = _Said.of(note, "Note", required=True)
        return self._move(actor, Move.AWAIT_INFORMATION, reference, expected_version, words)

    def resume(
        self, actor: Actor, reference: str, expected_version: int | None, note: str = ""
    ) -> ChallengeDetail:
        """The information came: the clock restarts with the budget that was left."""
        words = _Said.of(note, "Note")
        return self._move(actor, Move.RESUME, reference, expected_version, words)

    def refer(
        self, actor: Actor, reference: str, expected_version: int | None, note: str
    ) -> ChallengeDetail:
        """Refer to the awarding organisation whose data it is: the clock stops."""
        words = _Said.of(note, "Note", required=True)
        return self._move(actor, Move.REFER, reference, expected_version, words)

    def record_ao_answer(
        self,
        actor: Actor,
        reference: str,
        expected_version: int | None,
        answer: str,
        confirmed: bool,
    ) -> ChallengeDetail:
        """The awarding organisation's answer. Confirmed: back in progress with this analyst
        (clock restarted) to apply the correction; not confirmed: it stays referred, the
        answer kept, for the analyst to resolve or reject."""
        words = _Said.of(answer, "AO answer", required=True)
        move = Move.AO_CONFIRMED if confirmed else Move.AO_DECLINED
        return self._move(actor, move, reference, expected_version, words)

    def resolve(
        self, actor: Actor, reference: str, expected_version: int | None, reason: str
    ) -> ChallengeDetail:
        """Resolved, with a reason the raiser can be given; the clock stops."""
        words = _Said.of(reason, "Reason", required=True, max_len=rules.REASON_MAX)
        return self._move(actor, Move.RESOLVE, reference, expected_version, words)

    def reject(
        self, actor: Actor, reference: str, expected_version: int | None, reason: str
    ) -> ChallengeDetail:
        """Rejected, with a reason the raiser can be given (required); the clock stops."""
        words = _Said.of(reason, "Reason", required=True, max_len=rules.REASON_MAX)
        return self._move(actor, Move.REJECT, reference, expected_version, words)

    def withdraw(
        self, actor: Actor, reference: str, expected_version: int | None, reason: str
    ) -> ChallengeDetail:
        """The raiser withdraws it (§6.4): an agent may record this, whoever has it claimed."""
        words = _Said.of(reason, "Reason", required=True, max_len=rules.REASON_MAX)
        return self._move(
            actor,
            Move.WITHDRAW,
            reference,
            expected_version,
            words,
            permission=Permission.RAISE_CHALLENGE,
            own=False,
        )

    def reopen(
        self, actor: Actor, reference: str, expected_version: int | None, reason: str
    ) -> ChallengeDetail:
        """Reopen a resolved or rejected challenge: it is this analyst's, in progress, and
        its clock runs again with the budget that was left."""
        words = _Said.of(reason, "Reason", required=True, max_len=rules.REASON_MAX)
        return self._move(actor, Move.REOPEN, reference, expected_version, words, own=False)

    # -- resolution actions (issue 11 item 5) ------------------------------------------------
    #
    # Each is previewed (``preview=True``: the plan, nothing written but the audit of the
    # look) and then applied with an explicit confirmation: the record change (through
    # lrs_core.services.record_changes), an "action" entry on the timeline and the challenge
    # resolved (its clock stopped), audited, all in one transaction. Passing back the plan the
    # operator confirmed (``previewed``) refuses the action if the records changed since.

    def merge(
        self,
        actor: Actor,
        reference: str,
        expected_version: int | None,
        *,
        preview: bool = False,
        confirm_twins: bool = False,
        previewed: Plan | None = None,
        resolution: str = "",
    ) -> ActionResult:
        """Merge a duplicate ULN into the master the challenge names (possible twins need
        ``confirm_twins``)."""

        def ulns(session: Session, challenge: DataChallenge) -> tuple[str, str]:
            this = _uln(session, challenge.learner_id)
            other = _uln(session, challenge.other_learner_id)
            master = _uln(session, challenge.master_learner_id) or this
            return (other if master == this else this), master

        def plan(session: Session, challenge: DataChallenge, now: datetime) -> Plan:
            return record_changes.plan_merge(session, *ulns(session, challenge))

        def apply(session: Session, challenge: DataChallenge, now: datetime) -> AppliedChange:
            duplicate, master = ulns(session, challenge)
            return record_changes.apply_merge(
                session,
                duplicate,
                master,
                operator_id=actor.operator_id,
                challenge_id=challenge.id,
                now=now,
                confirm_twins=confirm_twins,
                previewed=_same_kind(previewed, record_changes.MergePlan),
            )

        return self._act(
            actor, reference, expected_version, "merge", {ChallengeType.DUPLICATE_ULN},
            plan, apply, preview=preview, resolution=resolution,
        )  # fmt: skip

    def demerge(
        self,
        actor: Actor,
        reference: str,
        expected_version: int | None,
        *,
        preview: bool = False,
        previewed: Plan | None = None,
        resolution: str = "",
    ) -> ActionResult:
        """Undo the merge of the challenge's two ULNs exactly (the linked one of the two)."""

        def linked(session: Session, challenge: DataChallenge) -> str:
            pair = (challenge.learner_id, challenge.other_learner_id)
            for learner_id, partner_id in (pair, pair[::-1]):
                learner = session.get(Learner, learner_id) if learner_id else None
                if learner is None or learner.status is not LearnerStatus.LINKED:
                    continue
                if learner.master_learner_id != partner_id:
                    # Only the merge of the two ULNs the challenge names is undone here.
                    raise ValidationError(
                        "Other ULN",
                        f"ULN {learner.uln} is linked to"
                        f" {_uln(session, learner.master_learner_id)}, not to"
                        f" {_uln(session, partner_id)}: this challenge de-merges only"
                        " the two ULNs it names",
                    )
                return learner.uln
            raise ValidationError(
                "Other ULN",
                f"neither {_uln(session, challenge.learner_id)} nor"
                f" {_uln(session, challenge.other_learner_id)} is linked now: nothing to de-merge",
            )

        def plan(session: Session, challenge: DataChallenge, now: datetime) -> Plan:
            return record_changes.plan_demerge(session, linked(session, challenge))

        def apply(session: Session, challenge: DataChallenge, now: datetime) -> AppliedChange:
            return record_changes.apply_demerge(
                session,
                linked(session, challenge),
                operator_id=actor.operator_id,
                challenge_id=challenge.id,
                now=now,
                previewed=_same_kind(previewed, record_changes.DemergePlan),
            )

        return self._act(
            actor, reference, expected_version, "demerge", {ChallengeType.INCORRECTLY_MERGED},
            plan, apply, preview=preview, resolution=resolution,
        )  # fmt: skip

    def split_shared_uln(
        self,
        actor: Actor,
        reference: str,
        expected_version: int | None,
        new_learner_fields: Mapping[str, str],
        event_ids: Sequence[int],
        *,
        confirmed_ulns: Collection[str] | None = None,
        preview: bool = False,
        previewed: Plan | None = None,
        resolution: str = "",
    ) -> ActionResult:
        """Register a new ULN for the second person sharing the ULN (the registration rules,
        possible matches confirmed by ``confirmed_ulns``) and move ``event_ids`` to it."""

        def plan(session: Session, challenge: DataChallenge, now: datetime) -> Plan:
            return record_changes.plan_split_shared_uln(
                session,
                _uln(session, challenge.learner_id),
                new_learner_fields,
                event_ids,
                today=now.date(),
                search=self._search,
                confirmed_ulns=confirmed_ulns,
            )

        def apply(session: Session, challenge: DataChallenge, now: datetime) -> AppliedChange:
            assert actor.operator_id is not None  # guarded: only an operator gets here
            return record_changes.apply_split_shared_uln(
                session,
                _uln(session, challenge.learner_id),
                new_learner_fields,
                event_ids,
                operator_id=actor.operator_id,
                challenge_id=challenge.id,
                now=now,
                search=self._search,
                confirmed_ulns=confirmed_ulns,
                previewed=_same_kind(previewed, record_changes.SplitPlan),
            )

        return self._act(
            actor, reference, expected_version, "split-shared-uln", {ChallengeType.SHARED_ULN},
            plan, apply, preview=preview, resolution=resolution,
        )  # fmt: skip

    def retire(
        self,
        actor: Actor,
        reference: str,
        expected_version: int | None,
        *,
        preview: bool = False,
        previewed: Plan | None = None,
        resolution: str = "",
    ) -> ActionResult:
        """Retire the learner's ULN: deceased, or fictitious / fraudulent, as the challenge
        says; a retired ULN is never used again."""

        def why(challenge: DataChallenge) -> RetiredReason:
            if challenge.challenge_type is ChallengeType.DECEASED:
                return RetiredReason.DECEASED
            return RetiredReason.FICTITIOUS

        def plan(session: Session, challenge: DataChallenge, now: datetime) -> Plan:
            uln = _uln(session, challenge.learner_id)
            return record_changes.plan_retire(session, uln, why(challenge))

        def apply(session: Session, challenge: DataChallenge, now: datetime) -> AppliedChange:
            return record_changes.apply_retire(
                session,
                _uln(session, challenge.learner_id),
                why(challenge),
                operator_id=actor.operator_id,
                challenge_id=challenge.id,
                now=now,
                previewed=_same_kind(previewed, record_changes.RetirePlan),
            )

        return self._act(
            actor, reference, expected_version, "retire",
            {ChallengeType.DECEASED, ChallengeType.FICTITIOUS_ULN},
            plan, apply, preview=preview, resolution=resolution,
        )  # fmt: skip

    def transfer_event(
        self,
        actor: Actor,
        reference: str,
        expected_version: int | None,
        *,
        preview: bool = False,
        previewed: Plan | None = None,
        resolution: str = "",
    ) -> ActionResult:
        """Move the challenged event to the learner the raiser named (ULN and name)."""

        def args(session: Session, challenge: DataChallenge) -> tuple[list[int], str, str]:
            if challenge.event_action is not EventChallengeAction.TRANSFER:
                raise ValidationError(
                    "Action", "the raiser did not ask for a transfer: remove the event instead"
                )
            return (
                _event_ids_of(session, challenge.id),
                challenge.other_uln or "",
                challenge.target_name or "",
            )

        def plan(session: Session, challenge: DataChallenge, now: datetime) -> Plan:
            return record_changes.plan_event_transfer(session, *args(session, challenge))

        def apply(session: Session, challenge: DataChallenge, now: datetime) -> AppliedChange:
            return record_changes.apply_event_transfer(
                session,
                *args(session, challenge),
                operator_id=actor.operator_id,
                challenge_id=challenge.id,
                now=now,
                previewed=_same_kind(previewed, record_changes.TransferPlan),
            )

        return self._act(
            actor, reference, expected_version, "transfer-event",
            {ChallengeType.EVENT_NOT_BELONGING},
            plan, apply, preview=preview, resolution=resolution,
        )  # fmt: skip

    def remove_event(
        self,
        actor: Actor,
        reference: str,
        expected_version: int | None,
        reason: str,
        *,
        event_ids: Sequence[int] | None = None,
        preview: bool = False,
        previewed: Plan | None = None,
        resolution: str = "",
    ) -> ActionResult:
        """A soft removal with ``reason`` (kept with the event, hidden from both PLR views,
        reversible): the challenged event, or for a duplicated one, the one of the two
        chosen in ``event_ids``."""

        def ids(session: Session, challenge: DataChallenge) -> list[int]:
            challenged = _event_ids_of(session, challenge.id)
            if challenge.challenge_type is ChallengeType.EVENT_DUPLICATED:
                chosen = list(dict.fromkeys(event_ids or ()))
                if len(chosen) != 1 or chosen[0] not in challenged:
                    raise ValidationError(
                        "Events",
                        "choose which one of the two duplicated qualifications to remove",
                    )
                return chosen
            if event_ids and set(event_ids) != set(challenged):
                raise ValidationError("Events", "only the challenged qualification can be removed")
            return challenged

        def plan(session: Session, challenge: DataChallenge, now: datetime) -> Plan:
            return record_changes.plan_event_removal(session, ids(session, challenge), reason)

        def apply(session: Session, challenge: DataChallenge, now: datetime) -> AppliedChange:
            return record_changes.apply_event_removal(
                session,
                ids(session, challenge),
                reason,
                operator_id=actor.operator_id,
                challenge_id=challenge.id,
                now=now,
                previewed=_same_kind(previewed, record_changes.RemovalPlan),
            )

        return self._act(
            actor, reference, expected_version, "remove-event",
            {ChallengeType.EVENT_NOT_BELONGING, ChallengeType.EVENT_DUPLICATED},
            plan, apply, preview=preview, resolution=resolution,
        )  # fmt: skip

    def correct_event(
        self,
        actor: Actor,
        reference: str,
        expected_version: int | None,
        *,
        event_id: int | None = None,
        grade: str | None = None,
        end_date: str | None = None,
        award_date: str | None = None,
        preview: bool = False,
        previewed: Plan | None = None,
        resolution: str = "",
    ) -> ActionResult:
        """Correct the challenged event with the values proposed (or those given here). An
        awarding organisation's data only once the AO's confirmation is recorded
        (:meth:`record_ao_answer` with ``confirmed=True``)."""

        def kwargs(session: Session, challenge: DataChallenge) -> dict[str, Any]:
            challenged = _event_ids_of(session, challenge.id)
            chosen = event_id if event_id is not None else (challenged[0] if challenged else 0)
            if chosen not in challenged:
                raise ValidationError("Event", "only a challenged qualification can be corrected")
            given = (grade, end_date, award_date)
            if all(v is None for v in given):
                given = (
                    challenge.proposed_grade,
                    challenge.proposed_end_date.isoformat()
                    if challenge.proposed_end_date
                    else None,
                    (
                        challenge.proposed_award_date.isoformat()
                        if challenge.proposed_award_date
                        else None
                    ),
                )
            return {
                "event_id": chosen,
                "grade": given[0],
                "end_date": given[1],
                "award_date": given[2],
                "ao_confirmation_note": _ao_confirmation(session, challenge),
            }

        def plan(session: Session, challenge: DataChallenge, now: datetime) -> Plan:
            return record_changes.plan_event_correction(
                session, **kwargs(session, challenge), today=now.date()
            )

        def apply(session: Session, challenge: DataChallenge, now: datetime) -> AppliedChange:
            return record_changes.apply_event_correction(
                session,
                **kwargs(session, challenge),
                operator_id=actor.operator_id,
                challenge_id=challenge.id,
                now=now,
                previewed=_same_kind(previewed, record_changes.CorrectionPlan),
            )

        return self._act(
            actor, reference, expected_version, "correct-event",
            {ChallengeType.EVENT_INFORMATION_WRONG},
            plan, apply, preview=preview, resolution=resolution,
        )  # fmt: skip

    def preview_reopen(self, actor: Actor, reference: str) -> tuple[Plan, ...]:
        """What reopening would undo: the plans of reversing each record change made for
        the challenge and not yet reversed, newest first. A look: audited, nothing written."""
        ref = reference.strip().upper()
        with self.audit.guarded(
            actor, Permission.RESOLVE_CHALLENGE, "preview-reopen-challenge", "challenge", ref
        ) as session:
            ref = parse_reference(reference)
            challenge = _challenge(session, ref)
            _refuse_standing_demerge(session, challenge)
            plans = tuple(
                record_changes.plan_reverse(session, change_id)
                for change_id in _unreversed_changes(session, challenge.id)
            )
            append(
                session,
                actor,
                "preview-reopen-challenge",
                "challenge",
                ref,
                detail={"changes": len(plans)},
                now=self.clock(),
            )
            return plans

    def _act(
        self,
        actor: Actor,
        reference: str,
        expected_version: int | None,
        name: str,
        types: Collection[ChallengeType],
        plan: Callable[[Session, DataChallenge, datetime], Plan],
        apply: Callable[[Session, DataChallenge, datetime], AppliedChange],
        *,
        preview: bool,
        resolution: str,
    ) -> ActionResult:
        action = f"challenge-{name}"
        if preview:
            ref = reference.strip().upper()
            with self.audit.guarded(
                actor, Permission.RESOLVE_CHALLENGE, f"preview-{action}", "challenge", ref
            ) as session:
                ref = parse_reference(reference)
                now = self.clock()
                challenge = _checked(
                    session, actor, Move.RESOLVE, ref, expected_version, own=True, for_update=False
                )
                _may_act(challenge, name, types)
                shown_plan = plan(session, challenge, now)
                append(
                    session,
                    actor,
                    f"preview-{action}",
                    "challenge",
                    ref,
                    detail={"reference": ref},
                    now=now,
                )
                return ActionResult(
                    True, shown_plan, shown_plan.lines(), None,
                    self._detail(session, actor, challenge, now),
                )  # fmt: skip
        applied: list[AppliedChange] = []
        said = _Said.of(resolution, "Resolution", max_len=rules.REASON_MAX)
        audited: dict[str, object] = {}

        def run(session: Session, challenge: DataChallenge, now: datetime) -> str:
            words = said.check()
            _may_act(challenge, name, types)
            change = apply(session, challenge, now)
            applied.append(change)
            audited.update(
                change_id=change.change_id,
                change=str(change.kind),
                learner=change.learner_uln,
                other=change.other_uln or "",
            )
            _timeline(session, challenge, actor, "action", change.summary, now)
            challenge.status = next_status(Move.RESOLVE, challenge.status)
            challenge.resolution = words or change.summary
            challenge.resolved_at = now
            self._set_clock(challenge, now)
            return f"{MOVE_WORDS[Move.RESOLVE]}: {challenge.resolution}"

        detail = self._change(
            actor, Move.RESOLVE, reference, expected_version, run,
            action=action, audit_detail=audited,
        )  # fmt: skip
        return ActionResult(False, None, (), applied[0], detail)

    # -- the machinery of a change -----------------------------------------------------------

    def _move(
        self,
        actor: Actor,
        move: Move,
        reference: str,
        expected_version: int | None,
        said: _Said,
        *,
        permission: Permission = Permission.RESOLVE_CHALLENGE,
        own: bool = True,
    ) -> ChallengeDetail:
        def apply(session: Session, challenge: DataChallenge, now: datetime) -> str:
            words = said.check()  # inside the action's transaction: a refusal is audited
            closed_by = _closed_by(session, challenge) if challenge.status in CLOSED else None
            challenge.status = next_status(move, challenge.status, closed_by)
            if move in (Move.RESOLVE, Move.REJECT) or move is Move.WITHDRAW:
                challenge.resolution = words
                challenge.resolved_at = now
            elif move is Move.REOPEN:
                _refuse_standing_demerge(session, challenge)
                # Its record changes are undone exactly, newest first (a merge by its de-merge).
                for change_id in _unreversed_changes(session, challenge.id):
                    undone = record_changes.reverse(
                        session,
                        change_id,
                        operator_id=actor.operator_id,
                        challenge_id=challenge.id,
                        now=now,
                    )
                    _timeline(session, challenge, actor, "action", undone.summary, now)
                challenge.resolution = None
                challenge.resolved_at = None
                challenge.assigned_operator_id = actor.operator_id
                challenge.claimed_at = now
            elif move is Move.REFER:
                challenge.referred_at = now
                challenge.ao_answer = None
            elif move in (Move.AO_CONFIRMED, Move.AO_DECLINED):
                challenge.ao_answer = words
            self._set_clock(challenge, now)
            done = MOVE_WORDS[move]
            return f"{done}: {words}" if words else done

        return self._change(
            actor, move, reference, expected_version, apply, permission=permission, own=own
        )

    def _change(
        self,
        actor: Actor,
        move: Move | None,
        reference: str,
        expected_version: int | None,
        apply: Callable[[Session, DataChallenge, datetime], str],
        *,
        kind: str = "status",
        permission: Permission = Permission.RESOLVE_CHALLENGE,
        own: bool = True,
        action: str | None = None,
        audit_detail: dict[str, object] | None = None,
    ) -> ChallengeDetail:
        """One change to one challenge, in the order an analyst needs to be told why not:
        no such challenge; already closed (by whom); claimed by someone else (who); the
        screen is stale (what changed); the status does not allow it."""
        action = action or f"{move or 'change'}-challenge"
        ref = reference.strip().upper()
        with self.audit.guarded(actor, permission, action, "challenge", ref) as session:
            ref = parse_reference(reference)
            now = self.clock()
            challenge = _checked(session, actor, move, ref, expected_version, own=own)
            said = apply(session, challenge, now)
            challenge.updated_at = now
            # Written even when the clock has not moved on, so the version always bumps: a
            # watcher sees every change and a screen from before it is stale.
            flag_modified(challenge, "updated_at")
            _timeline(session, challenge, actor, kind, said, now)
            session.flush()
            _notify(session, ref)
            append(
                session,
                actor,
                action,
                "challenge",
                ref,
                detail={
                    "status": str(challenge.status),
                    "version": challenge.row_version,
                    **(audit_detail or {}),
                },
                now=now,
            )
            return self._detail(session, actor, challenge, now)

    def _set_clock(self, challenge: DataChallenge, now: datetime) -> None:
        """Run or stop the clock as the new status says (see the module's note)."""
        runs = challenge.status in CLOCK_RUNS
        if runs and challenge.clock_started_at is None:
            budget = self.calendar.budget_seconds(challenge.priority)
            left = max(budget - challenge.support_seconds_used, 0)
            challenge.clock_started_at = now
            challenge.due_at = self.calendar.add(now, left)
        elif not runs and challenge.clock_started_at is not None:
            challenge.support_seconds_used += self.calendar.between(challenge.clock_started_at, now)
            challenge.clock_started_at = None
            challenge.due_at = None

    def _clock(
        self, priority: int, used: int, running_since: datetime | None, now: datetime
    ) -> ClockState:
        return clock_state(
            self.calendar,
            self.calendar.budget_seconds(priority),
            used,
            running_since,
            now,
            self.warn_share,
        )

    # -- rows and the detail -----------------------------------------------------------------

    def _rows(
        self, session: Session, actor: Actor, filters: QueueFilter, now: datetime
    ) -> tuple[list[ChallengeRow], int]:
        query = _row_query()
        statuses = filters.statuses if filters.statuses is not None else OPEN_WORK
        query = query.where(DataChallenge.status.in_(sorted(statuses)))
        if filters.kind is not None:
            query = query.where(DataChallenge.kind == filters.kind)
        if filters.challenge_type is not None:
            query = query.where(DataChallenge.challenge_type == filters.challenge_type)
        organisation = filters.organisation.strip()
        if organisation:
            query = query.where(
                or_(
                    Organisation.ukprn == organisation,
                    func.lower(Organisation.name).contains(organisation.lower(), autoescape=True),
                )
            )
        assignee = filters.assignee.strip()
        if assignee == Assignee.MINE:
            query = query.where(DataChallenge.assigned_operator_id == actor.operator_id)
        elif assignee == Assignee.UNASSIGNED:
            query = query.where(DataChallenge.assigned_operator_id.is_(None))
        elif assignee:
            query = query.where(_ASSIGNEE.username == assignee)
        if filters.older_than_days is not None:
            if filters.older_than_days < 0:
                raise ValidationError("Age", "must be a number of days, 0 or more")
            query = query.where(
                DataChallenge.raised_at < now - timedelta(days=filters.older_than_days)
            )
        if (filters.limit is not None and filters.limit < 0) or filters.offset < 0:
            raise ValidationError("Page", "limit and offset must be 0 or more")
        # One query: the rows of the page and, beside each, how many match in all.
        paged = query.add_columns(func.count().over().label("total"))
        paged = paged.order_by(*self._order(filters.sort)).offset(filters.offset or None)
        if filters.limit is not None:
            paged = paged.limit(filters.limit)
        rows: list[ChallengeRow] = []
        total = 0
        for found in session.execute(paged):
            total = int(found.total)
            rows.append(self._row(found, now))
        if not rows and filters.offset:  # a page past the end still says how many there are
            counted = select(func.count()).select_from(query.subquery())
            total = int(session.execute(counted).scalar_one())
        return rows, total

    def _order(self, sort: QueueSort) -> list[Any]:
        remaining = (
            case(
                *(
                    (DataChallenge.priority == p, self.calendar.budget_seconds(p))
                    for p in self.settings.sla.priority_hours
                ),
                else_=0,
            )
            - DataChallenge.support_seconds_used
        )
        by_due = [DataChallenge.due_at.is_(None), DataChallenge.due_at, remaining]
        if sort is QueueSort.RAISED:
            keys: list[Any] = [DataChallenge.raised_at]
        elif sort is QueueSort.STATUS:
            order = {status: i for i, status in enumerate(ChallengeStatus)}
            keys = [case(order, value=DataChallenge.status), *by_due]
        elif sort is QueueSort.REFERENCE:
            keys = []
        else:
            keys = by_due
        return [*keys, DataChallenge.reference]

    def _row(self, found: Row[Any], now: datetime) -> ChallengeRow:
        c = found.DataChallenge
        status = ChallengeStatus(c.status)
        state = self._clock(c.priority, c.support_seconds_used, c.clock_started_at, now)
        if status in CLOSED:
            words = f"closed ({support_time(state.used_seconds)} used)"
        elif status is ChallengeStatus.REFERRED:
            # Stopped, not paused: the desk waits on the AO, whose answer restarts it.
            left = state.remaining_seconds
            words = "stopped while with the awarding organisation: " + (
                f"{support_time(left)} left" if left >= 0 else f"overdue by {support_time(left)}"
            )
        else:
            words = describe(state)
        organisation = found.organisation_name or found.organisation_ukprn or ""
        return ChallengeRow(
            reference=c.reference,
            challenge_type=ChallengeType(c.challenge_type),
            type_label=TYPE_LABELS[ChallengeType(c.challenge_type)],
            kind=ChallengeKind(c.kind),
            status=status,
            status_label=STATUS_LABELS[status],
            uln=found.uln,
            learner_name=f"{found.given_name} {found.family_name}",
            organisation=organisation,
            assignee=found.assignee,
            raised_at=c.raised_at,
            age_days=max((now - c.raised_at).days, 0),
            clock=state,
            clock_text=words,
            row_version=c.row_version,
            updated_at=c.updated_at,
        )

    def _history(
        self, session: Session, learner_id: int, now: datetime
    ) -> tuple[ChallengeRow, ...]:
        query = (
            _row_query()
            .where(
                or_(
                    DataChallenge.learner_id == learner_id,
                    DataChallenge.other_learner_id == learner_id,
                )
            )
            .order_by(DataChallenge.raised_at.desc(), DataChallenge.reference.desc())
            .limit(HISTORY_LIMIT)
        )
        return tuple(self._row(found, now) for found in session.execute(query))

    def _detail(
        self, session: Session, actor: Actor, challenge: DataChallenge, now: datetime
    ) -> ChallengeDetail:
        found = session.execute(_row_query().where(DataChallenge.id == challenge.id)).one()
        row = self._row(found, now)
        learner = session.get(Learner, challenge.learner_id)
        assert learner is not None
        other = (
            session.get(Learner, challenge.other_learner_id) if challenge.other_learner_id else None
        )
        this_side = _side(session, learner)
        other_side = _side(session, other) if other else None
        comparison = None
        differences: tuple[Difference, ...] = ()
        if other is not None:
            comparison = _compare(session, learner, other)
            differences = rules.key_data_differences(
                _facts(session, learner), _facts(session, other)
            )
        master = (
            session.get(Learner, challenge.master_learner_id)
            if challenge.master_learner_id
            else None
        )
        return ChallengeDetail(
            row=row,
            raiser_name=challenge.raiser_name,
            raiser_email=challenge.raiser_email,
            raiser_phone=challenge.raiser_phone,
            comments=challenge.comments,
            reason=challenge.reason,
            other_uln=challenge.other_uln,
            master_uln=master.uln if master else None,
            event_action=(
                EventChallengeAction(challenge.event_action) if challenge.event_action else None
            ),
            target_name=challenge.target_name,
            proposed_grade=challenge.proposed_grade,
            proposed_end_date=challenge.proposed_end_date,
            proposed_award_date=challenge.proposed_award_date,
            not_participation_confirmed=challenge.not_participation_confirmed,
            claimed_at=challenge.claimed_at,
            referred_at=challenge.referred_at,
            ao_answer=challenge.ao_answer,
            resolved_at=challenge.resolved_at,
            resolution=challenge.resolution,
            learner=this_side,
            other=other_side,
            comparison=comparison,
            differences=differences,
            events=_challenge_events(session, challenge.id),
            timeline=_timeline_of(session, challenge.id),
            history=self._history(session, learner.id, now),
            changes=_changes_of(session, challenge.id),
            moves=_offered_moves(session, actor, challenge),
        )


# --- helpers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Said:
    """Free text given with a change, checked by the text rule inside the change's own
    transaction (so a refusal is audited with the action)."""

    raw: str
    field: str
    required: bool = False
    max_len: int = rules.COMMENTS_MAX

    @classmethod
    def of(
        cls, raw: str, field: str, *, required: bool = False, max_len: int = rules.COMMENTS_MAX
    ) -> _Said:
        return cls(raw, field, required, max_len)

    def check(self) -> str:
        return check_text(self.raw, self.field, required=self.required, max_len=self.max_len)


_ASSIGNEE = aliased(Operator, name="assignee_operator")


def _row_query() -> Select[*tuple[Any, ...]]:
    """The queue's one query: the challenge, its learner's ULN and name, the assignee's
    username and the organisation, by indexed joins (no query per row)."""
    return (
        select(
            DataChallenge,
            Learner.uln,
            Learner.given_name,
            Learner.family_name,
            _ASSIGNEE.username.label("assignee"),
            Organisation.name.label("organisation_name"),
            Organisation.ukprn.label("organisation_ukprn"),
        )
        .join(Learner, Learner.id == DataChallenge.learner_id)
        .outerjoin(_ASSIGNEE, _ASSIGNEE.id == DataChallenge.assigned_operator_id)
        .outerjoin(Organisation, Organisation.id == DataChallenge.raised_by_organisation_id)
    )


def _filter_detail(filters: QueueFilter) -> dict[str, object]:
    return {
        "kind": str(filters.kind or ""),
        "type": str(filters.challenge_type or ""),
        "statuses": sorted(str(s) for s in filters.statuses) if filters.statuses else [],
        "organisation": bool(filters.organisation.strip()),
        "assignee": filters.assignee
        if filters.assignee in (Assignee.MINE, Assignee.UNASSIGNED, "")
        else "operator",
        "older_than_days": filters.older_than_days,
        "sort": str(filters.sort),
    }


def _checked(
    session: Session,
    actor: Actor,
    move: Move | None,
    ref: str,
    expected_version: int | None,
    *,
    own: bool,
    for_update: bool = True,
) -> DataChallenge:
    """The challenge, locked, once the change may go on; else why not, in the order an
    analyst needs it: no such challenge; already closed (by whom); claimed by someone else
    (who, since when); the screen is stale (what changed); not claimed yet."""
    challenge = _challenge(session, ref, for_update=for_update)
    holder = challenge.assigned_operator_id
    closed = challenge.status in CLOSED
    if move is not None and closed and move is not Move.REOPEN:
        next_status(move, challenge.status, _closed_by(session, challenge))
    taken_by_other = holder is not None and holder != actor.operator_id
    if taken_by_other and not closed and (own or move is Move.CLAIM):
        raise ChallengeClaimed(ref, _username(session, holder), challenge.claimed_at)
    if expected_version is not None and challenge.row_version != expected_version:
        raise StaleChallenge(ref, _what_changed(session, challenge))
    if own and move is not None and not closed and holder is None:
        raise ValidationError(
            "Status", f"{ref} is {STATUS_LABELS[challenge.status].lower()}: claim it first"
        )
    return challenge


def _uln(session: Session, learner_id: int | None) -> str:
    if learner_id is None:
        return ""
    return session.execute(select(Learner.uln).where(Learner.id == learner_id)).scalar_one()


def _event_ids_of(session: Session, challenge_id: int) -> list[int]:
    return list(
        session.execute(
            select(DataChallengeEvent.event_id)
            .where(DataChallengeEvent.challenge_id == challenge_id)
            .order_by(DataChallengeEvent.event_id)
        ).scalars()
    )


def _unreversed_changes(session: Session, challenge_id: int) -> list[int]:
    """The challenge's own record changes (not reversals) not yet reversed, newest first."""
    reversal = aliased(RecordChange, name="reversal")
    return list(
        session.execute(
            select(RecordChange.id)
            .outerjoin(reversal, reversal.reverses_id == RecordChange.id)
            .where(
                RecordChange.challenge_id == challenge_id,
                RecordChange.reverses_id.is_(None),
                reversal.id.is_(None),
            )
            .order_by(RecordChange.id.desc())
        ).scalars()
    )


def _refuse_standing_demerge(session: Session, challenge: DataChallenge) -> None:
    """Reopening undoes the challenge's record changes; a de-merge it made as its action (not
    the undo a reopen made of its own merge) is never undone, so reopening it is refused
    rather than leaving the records de-merged under a challenge being worked again."""
    merged = aliased(RecordChange, name="merged")
    found = session.execute(
        select(RecordChange.learner_id, RecordChange.other_learner_id)
        .join(merged, merged.id == RecordChange.reverses_id)
        .where(
            RecordChange.challenge_id == challenge.id,
            RecordChange.kind == RecordChangeKind.DEMERGE,
            or_(merged.challenge_id.is_(None), merged.challenge_id != challenge.id),
        )
        .order_by(RecordChange.id.desc())
        .limit(1)
    ).first()
    if found is not None:
        linked, master = _uln(session, found[0]), _uln(session, found[1])
        raise ValidationError(
            "Status",
            f"{challenge.reference} de-merged ULN {linked} from ULN {master}, and reopening"
            " cannot undo a de-merge: to merge them again, raise a duplicate ULN challenge",
        )


def _ao_confirmation(session: Session, challenge: DataChallenge) -> str | None:
    """The awarding organisation's answer, when its latest answer confirmed the correction."""
    confirmed, declined = MOVE_WORDS[Move.AO_CONFIRMED], MOVE_WORDS[Move.AO_DECLINED]
    latest = session.execute(
        select(DataChallengeNote.text)
        .where(
            DataChallengeNote.challenge_id == challenge.id,
            DataChallengeNote.kind == "status",
            or_(
                DataChallengeNote.text.startswith(confirmed, autoescape=True),
                DataChallengeNote.text.startswith(declined, autoescape=True),
            ),
        )
        .order_by(DataChallengeNote.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if latest is None or not latest.startswith(confirmed):
        return None
    return challenge.ao_answer


def _may_act(challenge: DataChallenge, name: str, types: Collection[ChallengeType]) -> None:
    """An action resolves a challenge in progress, of a type it answers."""
    if challenge.status is not ChallengeStatus.IN_PROGRESS:
        label = STATUS_LABELS[challenge.status].lower()
        raise ValidationError(
            "Status", f"the challenge is {label}: an action needs it in progress (claimed)"
        )
    if challenge.challenge_type not in types:
        words = name.replace("-", " ")
        raise ValidationError(
            "Action",
            f"{words} does not resolve a {TYPE_LABELS[challenge.challenge_type].lower()} challenge",
        )


_P = TypeVar("_P")


def _same_kind(plan: Plan | None, kind: type[_P]) -> _P | None:
    """The plan the operator confirmed, if it is a plan of this action (else none)."""
    if plan is None:
        return None
    if not isinstance(plan, kind):
        raise ValidationError("Preview", "the preview given is of another action: preview again")
    return plan


def _notify(session: Session, reference: str) -> None:
    """Tell watchers (PostgreSQL LISTEN) on commit; SQLite's watchers poll instead."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_notify(:channel, :ref)"), {"channel": NOTIFY_CHANNEL, "ref": reference}
        )


def _challenge(session: Session, reference: str, *, for_update: bool = False) -> DataChallenge:
    query = select(DataChallenge).where(DataChallenge.reference == reference)
    if for_update:
        query = query.with_for_update()
    found = session.execute(query).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no data challenge has reference {reference}")
    return found


def _learner_by_uln(session: Session, uln: str | None) -> Learner | None:
    if not uln:
        return None
    return session.execute(select(Learner).where(Learner.uln == uln)).scalar_one_or_none()


def _facts(session: Session, learner: Learner) -> LearnerFacts:
    master = (
        session.execute(select(Learner.uln).where(Learner.id == learner.master_learner_id))
        .scalars()
        .one_or_none()
        if learner.master_learner_id
        else None
    )
    return LearnerFacts(
        id=learner.id,
        uln=learner.uln,
        given_name=learner.given_name,
        family_name=learner.family_name,
        date_of_birth=learner.date_of_birth,
        postcode=learner.postcode,
        status=LearnerStatus(learner.status),
        master_uln=master,
    )


def _event_facts(session: Session, event_ids: Sequence[int]) -> list[EventFacts]:
    if not event_ids:
        return []
    found = session.execute(
        select(LearningEvent, Learner.uln)
        .join(Learner, Learner.id == LearningEvent.learner_id)
        .where(LearningEvent.id.in_(list(event_ids)))
    ).all()
    return [
        EventFacts(
            id=event.id,
            learner_uln=uln,
            subject=event.subject,
            source=EventSource(event.source),
            status=EventStatus(event.status),
            collection_type=event.collection_type,
            return_number=event.return_number,
            date_loaded=event.date_loaded,
        )
        for event, uln in found
    ]


def _organisation_id(session: Session, checked: CheckedRequest) -> int | None:
    named = checked.organisation
    if named is None:
        return None
    if named.ukprn is not None:
        found = session.execute(
            select(Organisation.id).where(Organisation.ukprn == named.ukprn)
        ).scalar_one_or_none()
        if found is None:
            raise ValidationError("Organisation", f"no organisation has UKPRN {named.ukprn}")
        return int(found)
    if session.get(Organisation, named.organisation_id) is None:
        raise ValidationError("Organisation", f"no organisation has id {named.organisation_id}")
    return named.organisation_id


def _timeline(
    session: Session, challenge: DataChallenge, actor: Actor, kind: str, words: str, now: datetime
) -> None:
    session.add(
        DataChallengeNote(
            challenge_id=challenge.id,
            operator_id=actor.operator_id,
            created_at=now,
            kind=kind,
            text=words,
        )
    )


def _username(session: Session, operator_id: int | None) -> str:
    if operator_id is None:
        return "the system"
    name = session.execute(
        select(Operator.username).where(Operator.id == operator_id)
    ).scalar_one_or_none()
    return name or "a former operator"


def _closed_by(session: Session, challenge: DataChallenge) -> str:
    """Who closed it: the operator of its latest status change."""
    found = session.execute(
        select(DataChallengeNote.operator_id)
        .where(DataChallengeNote.challenge_id == challenge.id, DataChallengeNote.kind == "status")
        .order_by(DataChallengeNote.id.desc())
        .limit(1)
    ).first()
    return _username(session, found[0] if found else None)


def _what_changed(session: Session, challenge: DataChallenge) -> tuple[str, ...]:
    status = STATUS_LABELS[challenge.status].lower()
    said = [f"It is now {status}"]
    if challenge.assigned_operator_id is not None and challenge.status not in CLOSED:
        said[0] += f", claimed by {_username(session, challenge.assigned_operator_id)}"
    said[0] += "."
    latest = session.execute(
        select(DataChallengeNote, Operator.username)
        .outerjoin(Operator, Operator.id == DataChallengeNote.operator_id)
        .where(DataChallengeNote.challenge_id == challenge.id)
        .order_by(DataChallengeNote.id.desc())
        .limit(1)
    ).first()
    if latest is not None:
        note, who = latest
        text = note.text if len(note.text) <= _QUOTED else note.text[: _QUOTED - 1] + "…"
        said.append(f"Latest: {who or 'the system'} at {_desk_when(note.created_at)}: {text}.")
    return tuple(said)


def _desk_when(at: datetime) -> str:
    return desk_time(at)


def _side(session: Session, learner: Learner) -> LearnerSide:
    facts = _facts(session, learner)
    events = session.execute(
        select(func.count())
        .select_from(LearningEvent)
        .where(LearningEvent.learner_id == learner.id, LearningEvent.status == EventStatus.ACTIVE)
    ).scalar_one()
    return LearnerSide(
        uln=learner.uln,
        given_name=learner.given_name,
        middle_names=learner.middle_other_name,
        family_name=learner.family_name,
        date_of_birth=learner.date_of_birth,
        gender=Gender(learner.gender).label,
        postcode=learner.postcode,
        status=facts.status,
        master_uln=facts.master_uln,
        retired_reason=str(learner.retired_reason) if learner.retired_reason else None,
        events=int(events),
    )


def _previous(session: Session, learner: Learner, kind: str) -> list[str]:
    return list(
        session.execute(
            select(LearnerPreviousValue.value).where(
                LearnerPreviousValue.learner_id == learner.id, LearnerPreviousValue.kind == kind
            )
        ).scalars()
    )


def _compare(session: Session, this: Learner, other: Learner) -> Comparison:
    """The two learners field by field with the matching engine's levels (what the search
    itself would say of them), the possible-twins flag, and the words for both."""
    previous_family = _previous(session, other, "family_name")
    if other.previous_family_name:
        previous_family.append(other.previous_family_name)
    given = compare_given(
        this.given_name,
        other.given_name,
        other.preferred_given_name or "",
        other.middle_other_name or "",
        other.given_phonetic,
    )
    family = compare_family(
        this.family_name, other.family_name, previous_family, other.family_phonetic
    )
    swapped_given, swapped_family = compare_names_swapped(
        this.given_name,
        this.family_name,
        other.given_name,
        other.family_name,
        previous=previous_family,
        preferred=other.preferred_given_name or "",
        middle=other.middle_other_name or "",
        given_phonetic=other.given_phonetic,
        family_phonetic=other.family_phonetic,
    )
    if swapped_given.value + swapped_family.value > given.value + family.value:
        given, family = swapped_given, swapped_family
    levels: list[tuple[str, str, str, Level]] = [
        ("Given name", this.given_name, other.given_name, given),
        ("Family name", this.family_name, other.family_name, family),
        (
            "Date of birth",
            display_date(this.date_of_birth),
            display_date(other.date_of_birth),
            compare_dob(this.date_of_birth, other.date_of_birth),
        ),
        (
            "Gender",
            Gender(this.gender).label,
            Gender(other.gender).label,
            compare_gender(this.gender, other.gender),
        ),
        (
            "Postcode",
            this.postcode,
            other.postcode,
            compare_postcode(this.postcode, other.postcode, _previous(session, other, "postcode")),
        ),
    ]
    fields = tuple(FieldComparison(n, a, b, lv.label, lv.value) for n, a, b, lv in levels)
    twins = possible_twins(
        this.given_name, this.family_name, this.date_of_birth, this.postcode,
        other.given_name, other.family_name, other.date_of_birth, other.postcode,
        a_preferred=this.preferred_given_name or "",
        b_preferred=other.preferred_given_name or "",
    )  # fmt: skip
    explanation: list[str] = []
    if twins:
        explanation.append(
            "Possible twins: the same family name, date of birth and postcode but different"
            " given names. Confirm they are one person before merging."
        )
    differing = [f for f in fields if not f.same]
    if not differing:
        explanation.append("The two records agree on every key field.")
    for f in differing:
        if f.value <= 0:
            explanation.append(f"{f.field}: different ({f.this} / {f.other}).")
        else:
            explanation.append(f"{f.field}: {f.level}, not the same ({f.this} / {f.other}).")
    differences = rules.key_data_differences(_facts(session, this), _facts(session, other))
    return Comparison(fields, twins, tuple(explanation), differences)


def _challenge_events(session: Session, challenge_id: int) -> tuple[ChallengeEvent, ...]:
    found = session.execute(
        select(LearningEvent, Learner.uln)
        .join(DataChallengeEvent, DataChallengeEvent.event_id == LearningEvent.id)
        .join(Learner, Learner.id == LearningEvent.learner_id)
        .where(DataChallengeEvent.challenge_id == challenge_id)
        .order_by(LearningEvent.id)
    ).all()
    return tuple(
        ChallengeEvent(
            id=e.id,
            uln=uln,
            subject=e.subject,
            qualification_type=e.qualification_type,
            level=e.level,
            grade=e.grade,
            source=EventSource(e.source),
            awarding_organisation=e.awarding_organisation_name,
            end_date=e.participation_end_date,
            award_date=e.award_date,
            status=EventStatus(e.status),
        )
        for e, uln in found
    )


def _timeline_of(session: Session, challenge_id: int) -> tuple[TimelineEntry, ...]:
    found = session.execute(
        select(DataChallengeNote, Operator.username)
        .outerjoin(Operator, Operator.id == DataChallengeNote.operator_id)
        .where(DataChallengeNote.challenge_id == challenge_id)
        .order_by(DataChallengeNote.created_at, DataChallengeNote.id)
    ).all()
    return tuple(TimelineEntry(n.created_at, who or "", n.kind, n.text) for n, who in found)


def _changes_of(session: Session, challenge_id: int) -> tuple[ChangeRecord, ...]:
    reversal = aliased(RecordChange, name="reversal")
    found = session.execute(
        select(RecordChange, Operator.username, reversal.id)
        .outerjoin(Operator, Operator.id == RecordChange.operator_id)
        .outerjoin(reversal, reversal.reverses_id == RecordChange.id)
        .where(RecordChange.challenge_id == challenge_id)
        .order_by(RecordChange.id)
    ).all()
    return tuple(
        ChangeRecord(c.id, RecordChangeKind(c.kind), c.performed_at, who or "", reversed_by)
        for c, who, reversed_by in found
    )


def _offered_moves(session: Session, actor: Actor, challenge: DataChallenge) -> tuple[Move, ...]:
    """The moves a screen may offer: the status table's, less a reopen the core would refuse
    (a challenge resolved by a de-merge), so no screen offers what is then refused."""
    moves = _moves_for(actor, challenge)
    if Move.REOPEN in moves:
        try:
            _refuse_standing_demerge(session, challenge)
        except ValidationError:
            return tuple(m for m in moves if m is not Move.REOPEN)
    return moves


def _moves_for(actor: Actor, challenge: DataChallenge) -> tuple[Move, ...]:
    """The status changes this operator may make now (a screen offers only these)."""
    status = ChallengeStatus(challenge.status)
    holder = challenge.assigned_operator_id
    mine = holder is not None and holder == actor.operator_id
    analyst = actor.may(Permission.RESOLVE_CHALLENGE)
    moves: list[Move] = []
    for move, (allowed, _) in rules.TRANSITIONS.items():
        if status not in allowed:
            continue
        if move is Move.WITHDRAW:
            if actor.may(Permission.RAISE_CHALLENGE):
                moves.append(move)
        elif not analyst:
            continue
        elif move in (Move.CLAIM, Move.REOPEN) or mine:
            moves.append(move)
    return tuple(moves)
