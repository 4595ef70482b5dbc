"""The record changes that resolve data challenges (User Guide §6.1; DOMAIN.md "Data
challenges": merge semantics; issue 11 item 5): merge, de-merge, the split of a shared ULN,
retiring a ULN, and an event's transfer, removal or correction. Each is previewed, exact and
reversible.

Each change has a ``plan_*`` function, a preview that only reads and returns a frozen plan
(plain data, ``lines()`` to print it), and an ``apply_*`` function that writes it and records
a :class:`RecordChange` holding the exact state before it, from which :func:`reverse` undoes
it. Every function works inside the caller's unit of work (a ``Session`` from
``Database.transaction()``): it checks no permission, writes no audit and never commits —
the challenge service that calls it does those, in the same transaction.

Every apply locks the learner rows it touches (``SELECT ... FOR UPDATE`` in id order, so two
analysts merging A into B and B into A at once cannot deadlock) and then checks the rules
again on what it locked: of two such merges exactly one succeeds and the other is refused,
with no cycle. On SQLite every writer already holds the database's write lock. A change is
reversed at most once: ``record_change.reverses_id`` is unique. Events are moved with
set-based UPDATEs (a learner with 500 events merges in one statement), and their ids are
stored compactly in the before-state.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar, cast

from sqlalchemy import Date, delete, func, select, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.schema import Table

from lrs_core.config import SearchSettings
from lrs_core.db.models import (
    Learner,
    LearnerPreviousValue,
    LearningEvent,
    Operator,
    RecordChange,
)
from lrs_core.db.types import UtcDateTime
from lrs_core.domain.kinds import (
    EventSource,
    EventStatus,
    LearnerStatus,
    RecordChangeKind,
    RetiredReason,
)
from lrs_core.domain.learner_fields import BY_NAME, display_text, validate_learner_fields
from lrs_core.domain.names import name_key
from lrs_core.domain.record_changes import (
    STATE_VERSION,
    name_matches,
    possible_twins,
    to_json,
)
from lrs_core.domain.text import clean_text, shown
from lrs_core.domain.values import (
    display_date,
    is_unknown_postcode,
    parse_date,
    validate_uln,
)
from lrs_core.errors import (
    IdenticalLearner,
    NotFound,
    PossibleMatchesNeedConfirmation,
    StalePreview,
    TwinsNeedConfirmation,
    ValidationError,
)
from lrs_core.services.learners import (
    RETIRED_WHY,
    check_registration,
    create_learner,
    identical_learner,
    retired_message,
)
from lrs_core.services.search import DemographicSearch

REASON_MAX = 500  # a removal's reason, kept with the event
NOTE_MAX = 1000  # the awarding organisation's confirmation of a correction
GRADE_MAX = 20  # learning_event.grade

# --- What a plan shows --------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One field of a learner or event: its label and its value before and after."""

    label: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class LearnerSide:
    """One learner in a plan, each field before and after the change."""

    uln: str
    fields: tuple[FieldChange, ...]

    @property
    def changes(self) -> tuple[FieldChange, ...]:
        return tuple(f for f in self.fields if f.changed)

    def value(self, label: str) -> str:
        return next(f.before for f in self.fields if f.label == label)

    @property
    def name(self) -> str:
        return f"{self.value('Given name')} {self.value('Family name')}"


@dataclass(frozen=True)
class EventLine:
    """One learning event as a plan lists it."""

    id: int
    subject: str
    level: str | None
    grade: str | None
    source: str
    date: date | None  # awarded, else ended, else started
    status: str

    def text(self) -> str:
        """The event in one line, fit for a terminal (outside text through ``shown``)."""
        parts = [f"event {self.id}", shown(self.subject)]
        parts += [shown(p) for p in (self.level, self.grade) if p]
        parts.append(self.source)
        if self.date:
            parts.append(display_date(self.date))
        if self.status != EventStatus.ACTIVE:
            parts.append(f"({self.status})")
        return " · ".join(parts)


@dataclass(frozen=True)
class AppliedChange:
    """A change made: its record (the id a reversal names), its kind and what it did."""

    change_id: int
    kind: RecordChangeKind
    learner_uln: str
    other_uln: str | None
    summary: str
    reverses_id: int | None = None


def _event_lines(lines: Iterable[EventLine], heading: str, limit: int = 20) -> list[str]:
    events = list(lines)
    if not events:
        return []
    out = [f"{heading} ({len(events)}):"]
    out += [f"  {e.text()}" for e in events[:limit]]
    if len(events) > limit:
        out.append(f"  ... and {len(events) - limit} more")
    return out


def _side_lines(title: str, side: LearnerSide) -> list[str]:
    out = [f"{title}: ULN {side.uln} ({shown(side.name)})"]
    for f in side.changes:
        out.append(f"  {f.label}: {shown(f.before) or '-'} -> {shown(f.after) or '-'}")
    return out


@dataclass(frozen=True)
class MergePlan:
    kind: ClassVar[RecordChangeKind] = RecordChangeKind.MERGE
    duplicate: LearnerSide
    master: LearnerSide
    events_moving: tuple[EventLine, ...]
    previous_values_added: tuple[tuple[str, str], ...]  # (kind, value) kept on the master
    links_repointed: tuple[str, ...]  # ULNs linked to the duplicate, re-linked to the master
    possible_twins: bool
    warnings: tuple[str, ...]

    def lines(self) -> tuple[str, ...]:
        out = [f"Merge ULN {self.duplicate.uln} into ULN {self.master.uln}"]
        out += _side_lines("Duplicate", self.duplicate)
        out.append(f"Master: ULN {self.master.uln} ({shown(self.master.name)}): details unchanged")
        out += _event_lines(self.events_moving, "Events moving to the master")
        if not self.events_moving:
            out.append("No events to move.")
        for kind, value in self.previous_values_added:
            label = "previous family name" if kind == "family_name" else "previous postcode"
            out.append(f"Kept on the master for matching: {label} {shown(value)}")
        if self.links_repointed:
            out.append("Linked ULNs re-linked to the master: " + ", ".join(self.links_repointed))
        out += [f"Warning: {w}" for w in self.warnings]
        return tuple(out)


@dataclass(frozen=True)
class DemergePlan:
    kind: ClassVar[RecordChangeKind] = RecordChangeKind.DEMERGE
    merge_change_id: int
    linked: LearnerSide
    master: LearnerSide
    events_returning: tuple[EventLine, ...]
    events_staying: tuple[EventLine, ...]  # loaded onto the master after the merge
    events_not_returning: tuple[int, ...]  # moved by the merge, moved elsewhere since
    previous_values_removed: tuple[tuple[str, str], ...]
    links_restored: tuple[str, ...]
    master_edited_since: tuple[str, ...]  # labels of the master's fields edited since
    warnings: tuple[str, ...]

    def lines(self) -> tuple[str, ...]:
        out = [f"De-merge ULN {self.linked.uln} from ULN {self.master.uln}"]
        out += _side_lines("Restored", self.linked)
        out += _event_lines(self.events_returning, f"Events returning to {self.linked.uln}")
        out += _event_lines(
            self.events_staying, f"Events loaded after the merge, staying on {self.master.uln}"
        )
        for kind, value in self.previous_values_removed:
            label = "previous family name" if kind == "family_name" else "previous postcode"
            out.append(f"Removed from the master: {label} {shown(value)}")
        if self.links_restored:
            out.append(
                f"Linked ULNs returned to {self.linked.uln}: " + ", ".join(self.links_restored)
            )
        out += [f"Warning: {w}" for w in self.warnings]
        return tuple(out)


@dataclass(frozen=True)
class SplitPlan:
    kind: ClassVar[RecordChangeKind] = RecordChangeKind.SHARED_ULN_SPLIT
    shared: LearnerSide
    new_learner: tuple[FieldChange, ...]  # the second person's details (before: "")
    events_moving: tuple[EventLine, ...]
    possible_matches: tuple[tuple[str, str, float], ...]  # (ULN, name, score) to confirm
    warnings: tuple[str, ...]

    def lines(self) -> tuple[str, ...]:
        out = [f"Split shared ULN {self.shared.uln}: register a new ULN for the second person"]
        out += [f"  {f.label}: {shown(f.after)}" for f in self.new_learner if f.after]
        out += _event_lines(self.events_moving, "Events moving to the new ULN")
        for uln, name, score in self.possible_matches:
            out.append(f"Possible match to confirm: ULN {uln} {shown(name)} (score {score:.2f})")
        out += [f"Warning: {w}" for w in self.warnings]
        return tuple(out)


@dataclass(frozen=True)
class RetirePlan:
    kind: ClassVar[RecordChangeKind] = RecordChangeKind.RETIRE
    learner: LearnerSide
    reason: RetiredReason
    linked_ulns: tuple[str, ...]
    warnings: tuple[str, ...]

    def lines(self) -> tuple[str, ...]:
        out = [f"Retire ULN {self.learner.uln}: {RETIRED_WHY[self.reason]}"]
        out += _side_lines("Learner", self.learner)
        out += [f"Warning: {w}" for w in self.warnings]
        return tuple(out)


@dataclass(frozen=True)
class TransferPlan:
    kind: ClassVar[RecordChangeKind] = RecordChangeKind.EVENT_TRANSFER
    source: LearnerSide
    target: LearnerSide
    events_moving: tuple[EventLine, ...]
    warnings: tuple[str, ...]

    def lines(self) -> tuple[str, ...]:
        out = [
            f"Transfer events from ULN {self.source.uln} to ULN {self.target.uln}"
            f" ({shown(self.target.name)})"
        ]
        out += _event_lines(self.events_moving, "Events moving")
        out += [f"Warning: {w}" for w in self.warnings]
        return tuple(out)


@dataclass(frozen=True)
class RemovalPlan:
    kind: ClassVar[RecordChangeKind] = RecordChangeKind.EVENT_REMOVAL
    learner_uln: str
    events_removing: tuple[EventLine, ...]
    reason: str

    def lines(self) -> tuple[str, ...]:
        out = [f"Remove events from the PLR of ULN {self.learner_uln}: {shown(self.reason)}"]
        out += _event_lines(self.events_removing, "Events removed (kept for the audit)")
        return tuple(out)


@dataclass(frozen=True)
class CorrectionPlan:
    kind: ClassVar[RecordChangeKind] = RecordChangeKind.EVENT_CORRECTION
    learner_uln: str
    event: EventLine
    changes: tuple[FieldChange, ...]
    ao_confirmation_note: str

    def lines(self) -> tuple[str, ...]:
        out = [f"Correct {self.event.text()} on ULN {self.learner_uln}"]
        out += [f"  {c.label}: {shown(c.before) or '-'} -> {shown(c.after)}" for c in self.changes]
        if self.ao_confirmation_note:
            out.append(f"Awarding organisation's confirmation: {shown(self.ao_confirmation_note)}")
        return tuple(out)


@dataclass(frozen=True)
class ReversalPlan:
    """The undo of a change other than a merge (a merge's undo is a :class:`DemergePlan`)."""

    kind: ClassVar[RecordChangeKind] = RecordChangeKind.REVERSAL
    change_id: int
    reverses: RecordChangeKind
    learner: LearnerSide
    events_restored: tuple[EventLine, ...]
    events_not_restored: tuple[int, ...]  # changed again since: left as they are
    warnings: tuple[str, ...]
    # A correction's undo: each corrected field, from its value now to the one it goes back to.
    event_changes: tuple[FieldChange, ...] = ()

    def lines(self) -> tuple[str, ...]:
        out = [f"Reverse change {self.change_id} ({self.reverses}) on ULN {self.learner.uln}"]
        out += _side_lines("Learner", self.learner)
        out += _event_lines(self.events_restored, "Events restored")
        out += [f"  {c.label}: {shown(c.before) or '-'} -> {shown(c.after) or '-'}"
                for c in self.event_changes]  # fmt: skip
        out += [f"Warning: {w}" for w in self.warnings]
        return tuple(out)


Plan = (
    MergePlan
    | DemergePlan
    | SplitPlan
    | RetirePlan
    | TransferPlan
    | RemovalPlan
    | CorrectionPlan
    | ReversalPlan
)

# --- Reading ------------------------------------------------------------------------------

_SIDE_FIELDS = (
    ("given_name", "Given name"),
    ("middle_other_name", "Middle names"),
    ("family_name", "Family name"),
    ("date_of_birth", "Date of birth"),
    ("gender", "Gender"),
    ("postcode", "Postcode"),
    ("status", "Status"),
    ("master_learner_id", "Linked to"),
    ("retired_reason", "Retired"),
)
_EVENT_COLUMNS = (
    LearningEvent.id,
    LearningEvent.subject,
    LearningEvent.level,
    LearningEvent.grade,
    LearningEvent.source,
    LearningEvent.award_date,
    LearningEvent.participation_end_date,
    LearningEvent.participation_start_date,
    LearningEvent.status,
)


def _uln_of(session: Session, learner_id: int | None) -> str:
    if learner_id is None:
        return ""
    return str(session.execute(select(Learner.uln).where(Learner.id == learner_id)).scalar_one())


def _side(session: Session, learner: Learner, **after: object) -> LearnerSide:
    """``learner`` as a plan shows it, with the fields ``after`` names changed."""

    def text(name: str, value: object) -> str:
        if name == "master_learner_id":
            return _uln_of(session, value if isinstance(value, int) else None)
        return display_text(value)

    fields = tuple(
        FieldChange(
            label,
            text(name, getattr(learner, name)),
            text(name, after[name] if name in after else getattr(learner, name)),
        )
        for name, label in _SIDE_FIELDS
    )
    return LearnerSide(learner.uln, fields)


def _event_line(row: Any) -> EventLine:
    return EventLine(
        id=row.id,
        subject=row.subject,
        level=row.level,
        grade=row.grade,
        source=str(row.source),
        date=row.award_date or row.participation_end_date or row.participation_start_date,
        status=str(row.status),
    )


def _events(session: Session, *where: Any) -> tuple[EventLine, ...]:
    rows = session.execute(select(*_EVENT_COLUMNS).where(*where).order_by(LearningEvent.id))
    return tuple(_event_line(r) for r in rows)


def _learner(session: Session, uln: str, field: str) -> Learner:
    """The learner with ``uln`` (check digit first), or a refusal naming the field."""
    uln = validate_uln(uln, field)
    found = session.execute(select(Learner).where(Learner.uln == uln)).scalar_one_or_none()
    if found is None:
        raise ValidationError(field, f"no learner has ULN {uln}")
    return found


def _lock(session: Session, ids: Iterable[int]) -> None:
    """Lock these learner rows (``FOR UPDATE``, in id order: two writers locking the same
    rows take them in the same order, so neither deadlocks) and re-read them, so the rules
    are checked again on what is now locked. SQLite writers already hold the write lock."""
    wanted = sorted(set(ids))
    if not wanted:
        return
    session.execute(
        select(Learner)
        .where(Learner.id.in_(wanted))
        .order_by(Learner.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalars().all()


def _expire_events(session: Session, ids: Collection[int]) -> None:
    """Set-based UPDATEs bypass the session: forget any event it holds that they changed."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, LearningEvent) and obj.id in ids:
            session.expire(obj)


def _row_state(table: Table, row: object) -> dict[str, object]:
    """Every column of ``row`` as JSON: the exact state a change records before it."""
    return {c.key: to_json(getattr(row, c.key)) for c in table.columns}


def _typed(column: Any, value: object) -> object:
    if value is None:
        return None
    if isinstance(column.type, UtcDateTime):
        return datetime.fromisoformat(str(value))
    if isinstance(column.type, Date):
        return date.fromisoformat(str(value))
    return value


_LEARNER = cast(Table, Learner.__table__)
_EVENT = cast(Table, LearningEvent.__table__)


def _restore(learner: Learner, state: Mapping[str, object], names: Iterable[str]) -> None:
    columns = _LEARNER.columns
    for name in names:
        setattr(learner, name, _typed(columns[name], state[name]))


def _grouped_moves(rows: Iterable[tuple[int, int | None]]) -> list[list[Any]]:
    """Event ids grouped by where they had moved from before (compact JSON): [[from, [ids]]]."""
    groups: dict[int | None, list[int]] = defaultdict(list)
    for event_id, moved_from in rows:
        groups[moved_from].append(event_id)
    return [[k, sorted(v)] for k, v in sorted(groups.items(), key=lambda kv: kv[0] or 0)]


def _move_events(
    session: Session, ids: Collection[int], source_id: int, target_id: int, moved_from: int | None
) -> int:
    """Move the events ``ids`` still on ``source_id`` to ``target_id`` in one UPDATE."""
    if not ids:
        return 0
    result = session.execute(
        update(LearningEvent)
        .where(LearningEvent.id.in_(sorted(ids)), LearningEvent.learner_id == source_id)
        .values(learner_id=target_id, moved_from_learner_id=moved_from)
        .execution_options(synchronize_session=False)
    )
    _expire_events(session, ids)
    return int(result.rowcount)  # type: ignore[attr-defined]


def _record(
    session: Session,
    kind: RecordChangeKind,
    learner_id: int,
    other_learner_id: int | None,
    before: Mapping[str, object],
    after: Mapping[str, object],
    *,
    operator_id: int | None,
    challenge_id: int | None,
    now: datetime,
    reverses_id: int | None = None,
) -> RecordChange:
    change = RecordChange(
        kind=kind,
        learner_id=learner_id,
        other_learner_id=other_learner_id,
        operator_id=operator_id,
        challenge_id=challenge_id,
        performed_at=now,
        before_state={"v": STATE_VERSION, **before},
        after_state={"v": STATE_VERSION, **after},
        reverses_id=reverses_id,
    )
    session.add(change)
    session.flush()
    return change


def _check_previewed(previewed: Plan | None, plan: Plan) -> None:
    if previewed is not None and previewed != plan:
        raise StalePreview(
            "The records changed after your preview (another analyst may have acted first):"
            " nothing was changed. Preview again and confirm what it shows now."
        )


def _active_target(learner: Learner, field: str, what: str) -> None:
    """``learner`` may receive a merge or events: neither retired nor linked."""
    if learner.status is LearnerStatus.RETIRED:
        raise ValidationError(
            field, retired_message(learner.uln, learner.retired_reason) + f" It is not {what}."
        )


# --- Merge ---------------------------------------------------------------------------------


@dataclass
class _Merge:
    plan: MergePlan
    duplicate: Learner
    master: Learner
    moves: list[tuple[int, int | None]]
    new_values: list[tuple[str, str]]
    link_ids: list[int]


def _chain_reaches(session: Session, start: Learner, target_id: int) -> bool:
    seen: set[int] = set()
    current: Learner | None = start
    while current is not None and current.master_learner_id and current.id not in seen:
        seen.add(current.id)
        if current.master_learner_id == target_id:
            return True
        current = session.get(Learner, current.master_learner_id)
    return False


def _added_by_merges_into(session: Session, master_id: int) -> set[int]:
    """The ids of the previous values that merges into ``master_id``, not undone, added."""
    reversal = aliased(RecordChange, name="reversal")
    found = session.execute(
        select(RecordChange.after_state)
        .outerjoin(reversal, reversal.reverses_id == RecordChange.id)
        .where(
            RecordChange.kind == RecordChangeKind.MERGE,
            RecordChange.other_learner_id == master_id,
            reversal.id.is_(None),
        )
    ).scalars()
    added = (cast(list[int], after.get("previous_values_added") or []) for after in found)
    return {int(i) for ids in added for i in ids}


def _merge(session: Session, duplicate_uln: str, master_uln: str) -> _Merge:
    dup_uln = validate_uln(duplicate_uln, "Duplicate ULN")
    if validate_uln(master_uln, "Master ULN") == dup_uln:
        raise ValidationError(
            "Master ULN", "is the duplicate ULN: a ULN is never merged into itself"
        )
    dup = _learner(session, dup_uln, "Duplicate ULN")
    master = _learner(session, master_uln, "Master ULN")
    _active_target(dup, "Duplicate ULN", "merged")
    _active_target(master, "Master ULN", "merged into")
    if _chain_reaches(session, master, dup.id):
        raise ValidationError(
            "Master ULN",
            f"ULN {master.uln} is linked to {dup.uln}: merging {dup.uln} into it would form a"
            " cycle",
        )
    if master.status is LearnerStatus.LINKED:
        into = _uln_of(session, master.master_learner_id)
        raise ValidationError(
            "Master ULN", f"ULN {master.uln} is linked to {into}: merge into {into}"
        )
    if dup.status is LearnerStatus.LINKED:
        into = _uln_of(session, dup.master_learner_id)
        raise ValidationError(
            "Duplicate ULN", f"ULN {dup.uln} is already linked to {into}: it was merged before"
        )
    rows = session.execute(
        select(*_EVENT_COLUMNS, LearningEvent.moved_from_learner_id)
        .where(LearningEvent.learner_id == dup.id)
        .order_by(LearningEvent.id)
    ).all()
    moves = [(r.id, r.moved_from_learner_id) for r in rows]
    # The duplicate's family name and postcode, and its own earlier ones, kept for matching.
    # A value another standing merge added is not the master's own: that merge's de-merge
    # removes it, so this merge keeps its own copy.
    merged_in = _added_by_merges_into(session, master.id)
    have = {
        (kind, key)
        for row_id, kind, key in session.execute(
            select(
                LearnerPreviousValue.id, LearnerPreviousValue.kind, LearnerPreviousValue.value_key
            ).where(LearnerPreviousValue.learner_id == master.id)
        )
        if row_id not in merged_in
    }
    have |= {("family_name", master.family_key), ("postcode", master.postcode)}
    candidates = [("family_name", dup.family_name), ("postcode", dup.postcode)]
    candidates += [
        (kind, value)
        for kind, value in session.execute(
            select(LearnerPreviousValue.kind, LearnerPreviousValue.value)
            .where(LearnerPreviousValue.learner_id == dup.id)
            .order_by(LearnerPreviousValue.id)
        )
    ]
    new_values: list[tuple[str, str]] = []
    for kind, value in candidates:
        key = name_key(value) if kind == "family_name" else value
        if not key or (kind == "postcode" and is_unknown_postcode(value)) or (kind, key) in have:
            continue
        have.add((kind, key))
        new_values.append((kind, value))
    links = session.execute(
        select(Learner.id, Learner.uln)
        .where(Learner.master_learner_id == dup.id)
        .order_by(Learner.uln)
    ).all()
    twins = possible_twins(
        dup.given_name, dup.family_name, dup.date_of_birth, dup.postcode,
        master.given_name, master.family_name, master.date_of_birth, master.postcode,
        a_preferred=dup.preferred_given_name or "", b_preferred=master.preferred_given_name or "",
    )  # fmt: skip
    warnings = []
    if twins:
        warnings.append(
            "possible twins: family name, date of birth and postcode agree but the given names"
            " differ. Merge only if you are sure they are one person."
        )
    differ = [
        label
        for name, label in (
            ("family_name", "family name"),
            ("date_of_birth", "date of birth"),
            ("postcode", "postcode"),
        )
        if display_text(getattr(dup, name)) != display_text(getattr(master, name))
    ]
    if differ:
        warnings.append("their key data differ: " + ", ".join(differ))
    plan = MergePlan(
        duplicate=_side(session, dup, status=LearnerStatus.LINKED, master_learner_id=master.id),
        master=_side(session, master),
        events_moving=tuple(_event_line(r) for r in rows),
        previous_values_added=tuple(new_values),
        links_repointed=tuple(uln for _, uln in links),
        possible_twins=twins,
        warnings=tuple(warnings),
    )
    return _Merge(plan, dup, master, moves, new_values, [i for i, _ in links])


def plan_merge(session: Session, duplicate_uln: str, master_uln: str) -> MergePlan:
    """What merging ``duplicate_uln`` into ``master_uln`` would change; writes nothing.
    Refused (:class:`ValidationError` naming the field) as :func:`apply_merge` is."""
    return _merge(session, duplicate_uln, master_uln).plan


def apply_merge(
    session: Session,
    duplicate_uln: str,
    master_uln: str,
    *,
    operator_id: int | None,
    challenge_id: int | None,
    now: datetime,
    confirm_twins: bool = False,
    previewed: MergePlan | None = None,
) -> AppliedChange:
    """Merge the duplicate into the master (DOMAIN.md "Data challenges": merge semantics).

    The duplicate becomes LINKED to the master (find by its ULN returns the master,
    WSRC0022); its events, removed ones too, move to the master, each remembering where it
    came from; its family name and postcode (and its own earlier ones) are kept on the master
    for matching; ULNs linked to the duplicate are re-linked to the master (no chains). The
    exact state before is recorded for :func:`apply_demerge`.

    Refused: a ULN into itself, into a linked ULN (naming its master), a retired ULN on
    either side, a cycle, an unknown ULN or a bad check digit (:class:`ValidationError`);
    possible twins without ``confirm_twins`` (:class:`TwinsNeedConfirmation`); a
    ``previewed`` plan that no longer matches the records (:class:`StalePreview`)."""
    dup_id = _learner(session, duplicate_uln, "Duplicate ULN").id
    master_id = _learner(session, master_uln, "Master ULN").id
    link_ids = session.execute(select(Learner.id).where(Learner.master_learner_id == dup_id))
    locked = {dup_id, master_id, *link_ids.scalars()}
    _lock(session, locked)
    work = _merge(session, duplicate_uln, master_uln)  # the rules, on the locked rows
    _lock(session, set(work.link_ids) - locked)
    _check_previewed(previewed, work.plan)
    if work.plan.possible_twins and not confirm_twins:
        raise TwinsNeedConfirmation(
            f"ULN {work.duplicate.uln} and ULN {work.master.uln} may be twins: family name, date"
            " of birth and postcode agree but the given names differ. Confirm again that they"
            " are one person to merge them."
        )
    dup, master = work.duplicate, work.master
    before: dict[str, object] = {
        "duplicate": _row_state(_LEARNER, dup),
        "master": _row_state(_LEARNER, master),
        "events": _grouped_moves(work.moves),
        "links": work.link_ids,
        "max_event_id": session.execute(select(func.max(LearningEvent.id))).scalar_one() or 0,
    }
    moved = _move_events(session, [i for i, _ in work.moves], dup.id, master.id, dup.id)
    added = [
        LearnerPreviousValue(learner_id=master.id, kind=kind, value=value, recorded_at=now)
        for kind, value in work.new_values
    ]
    session.add_all(added)
    if work.link_ids:
        session.execute(
            update(Learner)
            .where(Learner.id.in_(work.link_ids), Learner.master_learner_id == dup.id)
            .values(master_learner_id=master.id, row_version=Learner.row_version + 1)
            .execution_options(synchronize_session="fetch")
        )
    dup.status = LearnerStatus.LINKED
    dup.master_learner_id = master.id
    session.flush()
    change = _record(
        session,
        RecordChangeKind.MERGE,
        dup.id,
        master.id,
        before,
        {
            "duplicate": {"status": str(LearnerStatus.LINKED), "master_learner_id": master.id},
            "previous_values_added": [v.id for v in added],
            "links": work.link_ids,
            "events_moved": moved,
        },
        operator_id=operator_id,
        challenge_id=challenge_id,
        now=now,
    )
    return AppliedChange(
        change.id,
        RecordChangeKind.MERGE,
        dup.uln,
        master.uln,
        f"Merged ULN {dup.uln} into ULN {master.uln}: {moved} event{'s' * (moved != 1)} moved,"
        f" {len(added)} previous value{'s' * (len(added) != 1)} kept for matching.",
    )


# --- De-merge -------------------------------------------------------------------------------


@dataclass
class _Demerge:
    plan: DemergePlan
    merge: RecordChange
    linked: Learner
    master: Learner
    returning: list[int]


def _unreversed(session: Session, change_id: int) -> RecordChange | None:
    """The change that reversed ``change_id``, if any."""
    return session.execute(
        select(RecordChange).where(RecordChange.reverses_id == change_id)
    ).scalar_one_or_none()


def _latest_merge(session: Session, linked: Learner) -> RecordChange:
    """The merge that linked ``linked``: its latest (:func:`_demerge` refuses it if undone)."""
    merge = session.execute(
        select(RecordChange)
        .where(RecordChange.kind == RecordChangeKind.MERGE, RecordChange.learner_id == linked.id)
        .order_by(RecordChange.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if merge is None:
        raise ValidationError(
            "Linked ULN",
            f"ULN {linked.uln} has no merge recorded by LRS Desk to undo (it was linked before"
            " merges were recorded): it cannot be de-merged exactly",
        )
    return merge


def _demerge(session: Session, merge: RecordChange) -> _Demerge:
    linked = session.get(Learner, merge.learner_id)
    master = session.get(Learner, merge.other_learner_id)
    assert linked is not None and master is not None
    reversal = _unreversed(session, merge.id)
    if reversal is not None:
        raise ValidationError(
            "Change", f"the merge of ULN {linked.uln} was already undone (change {reversal.id})"
        )
    _not_linked(linked)
    if linked.master_learner_id != master.id:
        now_into = _uln_of(session, linked.master_learner_id)
        raise ValidationError(
            "Linked ULN",
            f"ULN {linked.uln}'s master ULN {master.uln} was itself merged into {now_into}"
            f" since: de-merge {master.uln} from {now_into} first",
        )
    before = merge.before_state
    after = merge.after_state
    moved = [i for _, ids in before["events"] for i in ids]  # type: ignore[attr-defined]
    on_master = set(
        session.execute(
            select(LearningEvent.id).where(
                LearningEvent.id.in_(moved), LearningEvent.learner_id == master.id
            )
        ).scalars()
    )
    returning = [i for i in moved if i in on_master]
    staying = _events(
        session,
        LearningEvent.learner_id == master.id,
        LearningEvent.id > int(before["max_event_id"]),  # type: ignore[call-overload]
    )
    added_ids: list[int] = list(after["previous_values_added"])  # type: ignore[call-overload]
    removed = session.execute(
        select(LearnerPreviousValue.kind, LearnerPreviousValue.value)
        .where(LearnerPreviousValue.id.in_(added_ids))
        .order_by(LearnerPreviousValue.id)
    ).all()
    link_ids: list[int] = list(before["links"])  # type: ignore[call-overload]
    links = session.execute(
        select(Learner.uln)
        .where(
            Learner.id.in_(link_ids),
            Learner.master_learner_id == master.id,
            Learner.status == LearnerStatus.LINKED,
        )
        .order_by(Learner.uln)
    ).scalars()
    old = before["duplicate"]
    assert isinstance(old, dict)
    master_before = before["master"]
    assert isinstance(master_before, dict)
    edited = tuple(
        spec.label
        for name, spec in BY_NAME.items()
        if to_json(getattr(master, name)) != master_before.get(name)
    )
    warnings = []
    if edited:
        warnings.append(
            f"ULN {master.uln}'s details were edited after the merge ({', '.join(edited)}):"
            " the merge changed none of them, so those later edits are kept"
        )
    gone = tuple(i for i in moved if i not in on_master)
    if gone:
        warnings.append(
            f"{len(gone)} event{'s were' if len(gone) != 1 else ' was'} moved off the master"
            " since the merge and stay where they are now"
        )
    if staying:
        warnings.append(
            f"{len(staying)} event{'s' * (len(staying) != 1)} loaded onto ULN {master.uln} after"
            " the merge stay on it (transfer them afterwards if they belong to the other ULN)"
        )
    plan = DemergePlan(
        merge_change_id=merge.id,
        linked=_side(
            session, linked, status=old["status"], master_learner_id=old["master_learner_id"]
        ),
        master=_side(session, master),
        events_returning=_events(session, LearningEvent.id.in_(returning)),
        events_staying=staying,
        events_not_returning=gone,
        previous_values_removed=tuple((k, v) for k, v in removed),
        links_restored=tuple(links),
        master_edited_since=edited,
        warnings=tuple(warnings),
    )
    return _Demerge(plan, merge, linked, master, returning)


def _not_linked(linked: Learner) -> None:
    if linked.status is not LearnerStatus.LINKED or linked.master_learner_id is None:
        raise ValidationError(
            "Linked ULN",
            f"ULN {linked.uln} is not linked to another ULN: there is no merge to undo",
        )


def plan_demerge(session: Session, linked_uln: str) -> DemergePlan:
    """What de-merging ``linked_uln`` would restore (the latest merge of it not yet undone);
    writes nothing."""
    linked = _learner(session, linked_uln, "Linked ULN")
    _not_linked(linked)
    return _demerge(session, _latest_merge(session, linked)).plan


def apply_demerge(
    session: Session,
    linked_uln: str,
    *,
    operator_id: int | None,
    challenge_id: int | None,
    now: datetime,
    previewed: DemergePlan | None = None,
) -> AppliedChange:
    """Undo the latest merge of ``linked_uln`` exactly (DOMAIN.md "Data challenges": a
    de-merge must restore exactly what the merge changed): the linked learner's status and
    link, every moved event back (where it had moved from before, too), the previous values
    the merge added removed, the ULNs it re-linked returned. Events loaded onto the master
    since stay; the master's later edits are kept. Recorded as a DEMERGE reversing the
    merge: the unique key lets only one of two analysts de-merge it."""
    linked = _learner(session, linked_uln, "Linked ULN")
    _not_linked(linked)
    _lock(session, [linked.id, linked.master_learner_id or linked.id])
    _not_linked(linked)  # again, on the locked row: another analyst may have de-merged it
    return _apply_demerge(
        session,
        _latest_merge(session, linked),
        operator_id=operator_id,
        challenge_id=challenge_id,
        now=now,
        previewed=previewed,
    )


def _apply_demerge(
    session: Session,
    merge: RecordChange,
    *,
    operator_id: int | None,
    challenge_id: int | None,
    now: datetime,
    previewed: Plan | None,
) -> AppliedChange:
    links = merge.before_state["links"]
    assert isinstance(links, list)
    _lock(session, [merge.learner_id, *links])
    work = _demerge(session, merge)
    _check_previewed(previewed, work.plan)
    linked, master = work.linked, work.master
    before = merge.before_state
    state = {
        "duplicate": _row_state(_LEARNER, linked),
        "master": _row_state(_LEARNER, master),
    }
    returning = set(work.returning)
    for moved_from, ids in before["events"]:  # type: ignore[attr-defined]
        _move_events(session, [i for i in ids if i in returning], master.id, linked.id, moved_from)
    added_ids = list(merge.after_state["previous_values_added"])  # type: ignore[call-overload]
    if added_ids:
        session.execute(
            delete(LearnerPreviousValue)
            .where(LearnerPreviousValue.id.in_(added_ids))
            .execution_options(synchronize_session="fetch")
        )
    link_ids = list(before["links"])  # type: ignore[call-overload]
    if link_ids:
        session.execute(
            update(Learner)
            .where(
                Learner.id.in_(link_ids),
                Learner.master_learner_id == master.id,
                Learner.status == LearnerStatus.LINKED,
            )
            .values(master_learner_id=linked.id, row_version=Learner.row_version + 1)
            .execution_options(synchronize_session="fetch")
        )
    old = before["duplicate"]
    assert isinstance(old, dict)
    _restore(linked, old, ("status", "master_learner_id"))
    session.flush()
    change = _record(
        session,
        RecordChangeKind.DEMERGE,
        linked.id,
        master.id,
        state,
        {
            "events_returned": sorted(returning),
            "events_staying": [e.id for e in work.plan.events_staying],
            "previous_values_removed": added_ids,
        },
        operator_id=operator_id,
        challenge_id=challenge_id,
        now=now,
        reverses_id=merge.id,
    )
    n = len(returning)
    return AppliedChange(
        change.id,
        RecordChangeKind.DEMERGE,
        linked.uln,
        master.uln,
        f"De-merged ULN {linked.uln} from ULN {master.uln}: {n} event{'s' * (n != 1)} returned.",
        reverses_id=merge.id,
    )


# --- Shared ULN: a new ULN for the second person ----------------------------------------------


def _event_ids(event_ids: Iterable[int], *, required: bool = True) -> list[int]:
    ids = sorted(set(event_ids))
    if required and not ids:
        raise ValidationError("Events", "choose at least one event")
    return ids


def _events_of(session: Session, ids: Sequence[int]) -> tuple[Learner, list[Any]]:
    """The events ``ids`` (all of one learner) and their learner; refused otherwise."""
    rows = session.execute(
        select(*_EVENT_COLUMNS, LearningEvent.learner_id, LearningEvent.moved_from_learner_id)
        .where(LearningEvent.id.in_(ids))
        .order_by(LearningEvent.id)
    ).all()
    unknown = sorted(set(ids) - {r.id for r in rows})
    if unknown:
        raise ValidationError("Events", f"no event {', '.join(map(str, unknown))}")
    owners = {r.learner_id for r in rows}
    if len(owners) != 1:
        raise ValidationError(
            "Events", "the events belong to more than one learner: choose one learner's events"
        )
    owner = session.get(Learner, owners.pop())
    assert owner is not None
    return owner, list(rows)


@dataclass
class _Split:
    plan: SplitPlan
    shared: Learner
    values: dict[str, Any]
    rows: list[Any]
    confirmed: tuple[str, ...]


def _split(
    session: Session,
    uln: str,
    new_learner_fields: Mapping[str, str],
    event_ids: Iterable[int],
    today: date,
    search: DemographicSearch | None,
    confirmed_ulns: Collection[str] | None,
) -> _Split:
    shared = _learner(session, uln, "ULN")
    _active_target(shared, "ULN", "split")
    if shared.status is LearnerStatus.LINKED:
        into = _uln_of(session, shared.master_learner_id)
        raise ValidationError("ULN", f"ULN {shared.uln} is linked to {into}: split {into} instead")
    values = validate_learner_fields(new_learner_fields, today, complete=True)
    ids = _event_ids(event_ids, required=False)
    rows: list[Any] = []
    if ids:
        owner, rows = _events_of(session, ids)
        if owner.id != shared.id:
            raise ValidationError("Events", f"the events chosen are not on ULN {shared.uln}")
    check = check_registration(
        session, search or DemographicSearch(SearchSettings()), values, confirmed_ulns
    )
    matches: tuple[tuple[str, str, float], ...] = ()
    if check.refusal is not None:
        if check.refusal.identical_uln:
            raise IdenticalLearner(check.refusal.message, check.refusal.identical_uln)
        matches = tuple(
            (c.uln, f"{c.given_name} {c.family_name}", c.score)
            for c in check.refusal.possible_matches
        )
    plan = SplitPlan(
        shared=_side(session, shared),
        new_learner=tuple(
            FieldChange(BY_NAME[name].label, "", display_text(value))
            for name, value in values.items()
            if value is not None
        ),
        events_moving=tuple(_event_line(r) for r in rows),
        possible_matches=matches,
        warnings=(
            ("the search found learners who may be the second person: confirm each first",)
            if matches
            else ()
        ),
    )
    return _Split(plan, shared, values, rows, check.confirmed)


def plan_split_shared_uln(
    session: Session,
    uln: str,
    new_learner_fields: Mapping[str, str],
    event_ids: Iterable[int],
    *,
    today: date,
    search: DemographicSearch | None = None,
    confirmed_ulns: Collection[str] | None = None,
) -> SplitPlan:
    """What splitting a ULN two people share would do: a new ULN for the second person
    (``new_learner_fields`` as register takes them) and the chosen events moved to it;
    the possible matches the registration search finds, to confirm. Writes nothing."""
    return _split(session, uln, new_learner_fields, event_ids, today, search, confirmed_ulns).plan


def apply_split_shared_uln(
    session: Session,
    uln: str,
    new_learner_fields: Mapping[str, str],
    event_ids: Iterable[int],
    *,
    operator_id: int,
    challenge_id: int | None,
    now: datetime,
    search: DemographicSearch | None = None,
    confirmed_ulns: Collection[str] | None = None,
    previewed: SplitPlan | None = None,
) -> AppliedChange:
    """Register the second person under the registration rules (identical key data refused,
    :class:`IdenticalLearner`; possible matches confirmed, else
    :class:`PossibleMatchesNeedConfirmation`) and move the chosen events to the new ULN."""
    first = _split(session, uln, new_learner_fields, event_ids, now.date(), search, confirmed_ulns)
    _lock(session, [first.shared.id])
    work = _split(session, uln, new_learner_fields, event_ids, now.date(), search, confirmed_ulns)
    _check_previewed(previewed, work.plan)
    if work.plan.possible_matches:
        raise PossibleMatchesNeedConfirmation(
            "The search found learners who may be this person: confirm that the second person"
            " is none of them to register a new ULN.",
            [m[0] for m in work.plan.possible_matches],
        )
    operator = session.get(Operator, operator_id)
    created_by = operator.username if operator else "lrs-desk"
    shared = work.shared
    before: dict[str, object] = {
        "shared": _row_state(_LEARNER, shared),
        "events": _grouped_moves((r.id, r.moved_from_learner_id) for r in work.rows),
    }
    new = create_learner(session, work.values, now=now, created_by=created_by)
    moved = _move_events(session, [r.id for r in work.rows], shared.id, new.id, shared.id)
    change = _record(
        session,
        RecordChangeKind.SHARED_ULN_SPLIT,
        shared.id,
        new.id,
        before,
        {
            "new_learner_id": new.id,
            "new_uln": new.uln,
            "confirmed_possible_matches": list(work.confirmed),
        },
        operator_id=operator_id,
        challenge_id=challenge_id,
        now=now,
    )
    return AppliedChange(
        change.id,
        RecordChangeKind.SHARED_ULN_SPLIT,
        shared.uln,
        new.uln,
        f"Registered ULN {new.uln} for the second person sharing ULN {shared.uln}:"
        f" {moved} event{'s' * (moved != 1)} moved to it.",
    )


# --- Retire -------------------------------------------------------------------------------


def _retire(session: Session, uln: str, reason: RetiredReason | str) -> tuple[RetirePlan, Learner]:
    try:
        why = RetiredReason(reason)
    except ValueError:
        raise ValidationError(
            "Reason", "must be deceased or fictitious (fictitious or fraudulent)"
        ) from None
    learner = _learner(session, uln, "ULN")
    if learner.status is LearnerStatus.RETIRED:
        raise ValidationError("ULN", retired_message(learner.uln, learner.retired_reason))
    if learner.status is LearnerStatus.LINKED:
        into = _uln_of(session, learner.master_learner_id)
        raise ValidationError(
            "ULN", f"ULN {learner.uln} is linked to {into}: retire its master {into} instead"
        )
    linked = tuple(
        session.execute(
            select(Learner.uln).where(Learner.master_learner_id == learner.id).order_by(Learner.uln)
        ).scalars()
    )
    warnings = (
        (f"ULNs linked to it stay linked to the retired ULN: {', '.join(linked)}",)
        if linked
        else ()
    )
    plan = RetirePlan(
        _side(session, learner, status=LearnerStatus.RETIRED, retired_reason=why),
        why,
        linked,
        warnings,
    )
    return plan, learner


def plan_retire(session: Session, uln: str, reason: RetiredReason | str) -> RetirePlan:
    """What retiring ``uln`` (deceased, or fictitious or fraudulent) would change."""
    return _retire(session, uln, reason)[0]


def apply_retire(
    session: Session,
    uln: str,
    reason: RetiredReason | str,
    *,
    operator_id: int | None,
    challenge_id: int | None,
    now: datetime,
    previewed: RetirePlan | None = None,
) -> AppliedChange:
    """Retire the ULN with its reason (§6.1 deceased, fictitious or fraudulent): find by it
    says so; update and merge refuse it; the ULN is never issued again."""
    _, found = _retire(session, uln, reason)
    _lock(session, [found.id])
    plan, learner = _retire(session, uln, reason)
    _check_previewed(previewed, plan)
    before = {
        "learner": _row_state(_LEARNER, learner),
        "max_learner_id": session.execute(select(func.max(Learner.id))).scalar_one(),
    }
    learner.status = LearnerStatus.RETIRED
    learner.retired_reason = plan.reason
    session.flush()
    change = _record(
        session,
        RecordChangeKind.RETIRE,
        learner.id,
        None,
        before,
        {"status": str(LearnerStatus.RETIRED), "retired_reason": str(plan.reason)},
        operator_id=operator_id,
        challenge_id=challenge_id,
        now=now,
    )
    return AppliedChange(
        change.id,
        RecordChangeKind.RETIRE,
        learner.uln,
        None,
        f"Retired ULN {learner.uln}: {RETIRED_WHY[plan.reason]}.",
    )


# --- Event transfer --------------------------------------------------------------------------


def _transfer(
    session: Session, event_ids: Iterable[int], target_uln: str, target_name: str
) -> tuple[TransferPlan, Learner, Learner, list[Any]]:
    ids = _event_ids(event_ids)
    target = _learner(session, target_uln, "Target ULN")
    source, rows = _events_of(session, ids)
    if target.id == source.id:
        raise ValidationError("Target ULN", f"the events are already on ULN {target.uln}")
    _active_target(target, "Target ULN", "given events")
    if target.status is LearnerStatus.LINKED:
        into = _uln_of(session, target.master_learner_id)
        raise ValidationError(
            "Target ULN", f"ULN {target.uln} is linked to {into}: transfer to {into}"
        )
    removed = [r.id for r in rows if r.status != EventStatus.ACTIVE]
    if removed:
        raise ValidationError(
            "Events",
            f"event {', '.join(map(str, removed))} was removed: restore it before transferring it",
        )
    name = clean_text(target_name, "Target name", 120, required=True, collapse=True)
    if not name_matches(
        name,
        target.given_name,
        target.family_name,
        middle=target.middle_other_name or "",
        preferred=target.preferred_given_name or "",
    ):
        raise ValidationError(
            "Target name",
            f"is not the name of the learner with ULN {target.uln} (names are compared as find"
            " by ULN compares them: given and family name, any case and accents)",
        )
    plan = TransferPlan(
        source=_side(session, source),
        target=_side(session, target),
        events_moving=tuple(_event_line(r) for r in rows),
        warnings=(),
    )
    return plan, source, target, rows


def plan_event_transfer(
    session: Session, event_ids: Iterable[int], target_uln: str, target_name: str
) -> TransferPlan:
    """What transferring the events to the learner with ``target_uln``, named
    ``target_name`` (§6.1: "1234567894 – John A Smith"), would change; writes nothing."""
    return _transfer(session, event_ids, target_uln, target_name)[0]


def apply_event_transfer(
    session: Session,
    event_ids: Iterable[int],
    target_uln: str,
    target_name: str,
    *,
    operator_id: int | None,
    challenge_id: int | None,
    now: datetime,
    previewed: TransferPlan | None = None,
) -> AppliedChange:
    """Move the events to the target learner (the name must be the target's)."""
    ids = list(event_ids)
    _, source, target, _ = _transfer(session, ids, target_uln, target_name)
    _lock(session, [source.id, target.id])
    plan, source, target, rows = _transfer(session, ids, target_uln, target_name)
    _check_previewed(previewed, plan)
    moved = _move_events(session, [r.id for r in rows], source.id, target.id, source.id)
    change = _record(
        session,
        RecordChangeKind.EVENT_TRANSFER,
        source.id,
        target.id,
        {"events": _grouped_moves((r.id, r.moved_from_learner_id) for r in rows)},
        {"events": [r.id for r in rows]},
        operator_id=operator_id,
        challenge_id=challenge_id,
        now=now,
    )
    return AppliedChange(
        change.id,
        RecordChangeKind.EVENT_TRANSFER,
        source.uln,
        target.uln,
        f"Transferred {moved} event{'s' * (moved != 1)} from ULN {source.uln} to ULN {target.uln}.",
    )


# --- Event removal -------------------------------------------------------------------------


def _removal(
    session: Session, event_ids: Iterable[int], reason: str
) -> tuple[RemovalPlan, Learner, list[Any]]:
    ids = _event_ids(event_ids)
    text = clean_text(reason or "", "Reason", REASON_MAX, required=True, collapse=True)
    owner, rows = _events_of(session, ids)
    removed = [r.id for r in rows if r.status != EventStatus.ACTIVE]
    if removed:
        raise ValidationError("Events", f"event {', '.join(map(str, removed))} is already removed")
    plan = RemovalPlan(owner.uln, tuple(_event_line(r) for r in rows), text)
    return plan, owner, rows


def plan_event_removal(session: Session, event_ids: Iterable[int], reason: str) -> RemovalPlan:
    """What removing the events (disputed or duplicated, §6.1) would do; writes nothing."""
    return _removal(session, event_ids, reason)[0]


def apply_event_removal(
    session: Session,
    event_ids: Iterable[int],
    reason: str,
    *,
    operator_id: int | None,
    challenge_id: int | None,
    now: datetime,
    previewed: RemovalPlan | None = None,
) -> AppliedChange:
    """A soft removal: each event REMOVED with the reason and time, hidden from both PLR
    views and the report, kept for the audit, restored by :func:`reverse`."""
    ids = list(event_ids)
    _, owner, _ = _removal(session, ids, reason)
    _lock(session, [owner.id])
    plan, owner, rows = _removal(session, ids, reason)
    _check_previewed(previewed, plan)
    event_ids_ = [r.id for r in rows]
    session.execute(
        update(LearningEvent)
        .where(LearningEvent.id.in_(event_ids_), LearningEvent.status == EventStatus.ACTIVE)
        .values(status=EventStatus.REMOVED, removed_reason=plan.reason, removed_at=now)
        .execution_options(synchronize_session=False)
    )
    _expire_events(session, event_ids_)
    change = _record(
        session,
        RecordChangeKind.EVENT_REMOVAL,
        owner.id,
        None,
        {"events": event_ids_, "status": str(EventStatus.ACTIVE)},
        {"events": event_ids_, "status": str(EventStatus.REMOVED), "reason": plan.reason},
        operator_id=operator_id,
        challenge_id=challenge_id,
        now=now,
    )
    n = len(event_ids_)
    return AppliedChange(
        change.id,
        RecordChangeKind.EVENT_REMOVAL,
        owner.uln,
        None,
        f"Removed {n} event{'s' * (n != 1)} from the PLR of ULN {owner.uln} (kept for the audit).",
    )


# --- Event correction ------------------------------------------------------------------------

_CORRECTABLE = (
    ("grade", "Grade"),
    ("participation_end_date", "End date"),
    ("award_date", "Award date"),
)


def _correction(
    session: Session,
    event_id: int,
    grade: str | None,
    end_date: str | date | None,
    award_date: str | date | None,
    ao_confirmation_note: str | None,
    today: date,
) -> tuple[CorrectionPlan, Learner, LearningEvent, dict[str, object]]:
    event = session.get(LearningEvent, event_id, populate_existing=True)
    if event is None:
        raise ValidationError("Event", f"no event {event_id}")
    if event.status is not EventStatus.ACTIVE:
        raise ValidationError(
            "Event", f"event {event_id} was removed: restore it before correcting it"
        )
    owner = session.get(Learner, event.learner_id)
    assert owner is not None
    proposed: dict[str, object] = {}
    if grade is not None:
        proposed["grade"] = clean_text(grade, "Grade", GRADE_MAX, required=True, collapse=True)

    def day(value: str | date, label: str) -> date:
        parsed = value if isinstance(value, date) else parse_date(value, label, today)
        if parsed > today:
            raise ValidationError(label, f"cannot be in the future ({display_date(parsed)})")
        return parsed

    if end_date is not None:
        proposed["participation_end_date"] = day(end_date, "End date")
        start = event.participation_start_date
        if start and proposed["participation_end_date"] < start:  # type: ignore[operator]
            raise ValidationError(
                "End date", f"cannot be before the start date ({display_date(start)})"
            )
    if award_date is not None:
        proposed["award_date"] = day(award_date, "Award date")
    changes = tuple(
        FieldChange(label, display_text(getattr(event, name)), display_text(proposed[name]))
        for name, label in _CORRECTABLE
        if name in proposed and proposed[name] != getattr(event, name)
    )
    if not changes:
        raise ValidationError(
            "Correction", "give a new grade, end date or award date that differs from the event's"
        )
    note = clean_text(ao_confirmation_note or "", "AO confirmation", NOTE_MAX, multiline=True)
    if event.source is EventSource.AO and not note:
        raise ValidationError(
            "AO confirmation",
            "the awarding organisation's data is corrected only with its confirmation noted:"
            " refer the challenge to the AO and record its answer first",
        )
    row = session.execute(select(*_EVENT_COLUMNS).where(LearningEvent.id == event_id)).one()
    plan = CorrectionPlan(owner.uln, _event_line(row), changes, note)
    values = {name: proposed[name] for name, _ in _CORRECTABLE if name in proposed}
    return plan, owner, event, values


def plan_event_correction(
    session: Session,
    event_id: int,
    *,
    grade: str | None = None,
    end_date: str | date | None = None,
    award_date: str | date | None = None,
    ao_confirmation_note: str | None = None,
    today: date,
) -> CorrectionPlan:
    """What correcting an event's grade, end date or award date would change (values
    validated; an awarding organisation's data only with its confirmation noted)."""
    return _correction(session, event_id, grade, end_date, award_date, ao_confirmation_note, today)[
        0
    ]


def apply_event_correction(
    session: Session,
    event_id: int,
    *,
    grade: str | None = None,
    end_date: str | date | None = None,
    award_date: str | date | None = None,
    ao_confirmation_note: str | None = None,
    operator_id: int | None,
    challenge_id: int | None,
    now: datetime,
    previewed: CorrectionPlan | None = None,
) -> AppliedChange:
    """Correct the event (§6.1 "information wrong"), recording its values before."""
    args = (event_id, grade, end_date, award_date, ao_confirmation_note, now.date())
    _, owner, _, _ = _correction(session, *args)
    _lock(session, [owner.id])
    plan, owner, event, values = _correction(session, *args)
    _check_previewed(previewed, plan)
    before = {name: to_json(getattr(event, name)) for name in values}
    for name, value in values.items():
        setattr(event, name, value)
    session.flush()
    change = _record(
        session,
        RecordChangeKind.EVENT_CORRECTION,
        owner.id,
        None,
        {"event": event.id, "values": before},
        {
            "event": event.id,
            "values": {k: to_json(v) for k, v in values.items()},
            "ao_confirmation_note": plan.ao_confirmation_note,
        },
        operator_id=operator_id,
        challenge_id=challenge_id,
        now=now,
    )
    return AppliedChange(
        change.id,
        RecordChangeKind.EVENT_CORRECTION,
        owner.uln,
        None,
        f"Corrected event {event.id} on ULN {owner.uln}: "
        + ", ".join(f"{c.label} {c.after}" for c in plan.changes)
        + ".",
    )


# --- Reversal: the exact undo of any change ------------------------------------------------


def _change(session: Session, change_id: int) -> RecordChange:
    change = session.get(RecordChange, change_id, populate_existing=True)
    if change is None:
        raise NotFound(f"no record change {change_id}")
    if change.kind in (RecordChangeKind.DEMERGE, RecordChangeKind.REVERSAL):
        raise ValidationError(
            "Change",
            f"change {change_id} is itself an undo: it is not reversed (make the change again)",
        )
    done = _unreversed(session, change.id)
    if done is not None:
        raise ValidationError(
            "Change", f"change {change_id} was already reversed (change {done.id})"
        )
    return change


@dataclass
class _Reversal:
    plan: ReversalPlan
    learner: Learner
    event_groups: list[tuple[int | None, list[int]]]  # (moved_from to restore, ids)
    source_id: int | None  # where the events are now (moved back from)


def _reversal(session: Session, change: RecordChange) -> _Reversal:
    learner = session.get(Learner, change.learner_id)
    assert learner is not None
    before, after = change.before_state, change.after_state
    kind = change.kind
    warnings: list[str] = []
    groups: list[tuple[int | None, list[int]]] = []
    source_id: int | None = None
    restored: list[int] = []
    not_restored: list[int] = []
    event_changes: tuple[FieldChange, ...] = ()
    side = _side(session, learner)
    if kind is RecordChangeKind.RETIRE:
        if learner.status is not LearnerStatus.RETIRED:
            raise ValidationError("Change", f"ULN {learner.uln} is no longer retired")
        # The same key data registered (or edited in) since the retirement: WSRC0021.
        last_id = before.get("max_learner_id")
        since = (last_id, change.performed_at) if isinstance(last_id, int) else None
        same = identical_learner(session, learner, since=since)
        if same is not None:
            raise IdenticalLearner(
                f"ULN {learner.uln} cannot be returned to use: ULN {same.uln} has the same"
                " given name, family name, date of birth, gender and postcode since it was"
                " retired (WSRC0021)",
                same.uln,
            )
        old = before["learner"]
        assert isinstance(old, dict)
        side = _side(session, learner, status=old["status"], retired_reason=old["retired_reason"])
    elif kind in (RecordChangeKind.EVENT_TRANSFER, RecordChangeKind.SHARED_ULN_SPLIT):
        source_id = change.other_learner_id
        assert source_id is not None
        if kind is RecordChangeKind.SHARED_ULN_SPLIT:
            new = session.get(Learner, source_id)
            assert new is not None
            if new.status is not LearnerStatus.ACTIVE:
                raise ValidationError(
                    "Change", f"ULN {new.uln} is {new.status} since the split: undo that first"
                )
        moved = [i for _, ids in before["events"] for i in ids]  # type: ignore[attr-defined]
        here = set(
            session.execute(
                select(LearningEvent.id).where(
                    LearningEvent.id.in_(moved), LearningEvent.learner_id == source_id
                )
            ).scalars()
        )
        if kind is RecordChangeKind.SHARED_ULN_SPLIT:
            others = session.execute(
                select(func.count()).where(
                    LearningEvent.learner_id == source_id, LearningEvent.id.not_in(moved)
                )
            ).scalar_one()
            if others:
                raise ValidationError(
                    "Change",
                    f"ULN {_uln_of(session, source_id)} has {others} event(s) of its own since"
                    " the split: transfer them first",
                )
        for moved_from, ids in before["events"]:  # type: ignore[attr-defined]
            groups.append((moved_from, [i for i in ids if i in here]))
        restored = sorted(here)
        not_restored = sorted(set(moved) - here)
        if kind is RecordChangeKind.SHARED_ULN_SPLIT:
            warnings.append(
                f"ULN {_uln_of(session, source_id)} is linked to ULN {learner.uln}: a ULN once"
                " issued is never reused"
            )
    elif kind is RecordChangeKind.EVENT_REMOVAL:
        ids = list(before["events"])  # type: ignore[call-overload]
        restored = list(
            session.execute(
                select(LearningEvent.id).where(
                    LearningEvent.id.in_(ids), LearningEvent.status == EventStatus.REMOVED
                )
            ).scalars()
        )
        not_restored = sorted(set(ids) - set(restored))
    elif kind is RecordChangeKind.EVENT_CORRECTION:
        event = session.get(LearningEvent, before["event"], populate_existing=True)
        assert event is not None
        new_values = after["values"]
        assert isinstance(new_values, dict)
        kept = [n for n, v in new_values.items() if to_json(getattr(event, n)) != v]
        old_values = before["values"]
        assert isinstance(old_values, dict)
        event_changes = tuple(
            FieldChange(
                label,
                display_text(getattr(event, name)),
                display_text(_typed(_EVENT.c[name], old_values[name])),
            )
            for name, label in _CORRECTABLE
            if name in old_values and name not in kept
        )
        if kept:
            warnings.append(
                "changed again since the correction, so left as they are: "
                + ", ".join(dict(_CORRECTABLE)[n] for n in kept)
            )
        restored = [event.id]
    if not_restored:
        warnings.append(
            f"{len(not_restored)} event(s) changed again since, left as they are: "
            + ", ".join(map(str, not_restored))
        )
    plan = ReversalPlan(
        change_id=change.id,
        reverses=kind,
        learner=side,
        events_restored=_events(session, LearningEvent.id.in_(restored)),
        events_not_restored=tuple(not_restored),
        warnings=tuple(warnings),
        event_changes=event_changes,
    )
    return _Reversal(plan, learner, groups, source_id)


def plan_reverse(session: Session, change_id: int) -> DemergePlan | ReversalPlan:
    """What undoing change ``change_id`` would restore (a merge's undo is its de-merge)."""
    change = _change(session, change_id)
    if change.kind is RecordChangeKind.MERGE:
        return _demerge(session, change).plan
    return _reversal(session, change).plan


def reverse(
    session: Session,
    change_id: int,
    *,
    operator_id: int | None,
    challenge_id: int | None,
    now: datetime,
    previewed: Plan | None = None,
) -> AppliedChange:
    """Undo change ``change_id`` exactly (reopening a resolved challenge): a merge by its
    de-merge, any other change by a REVERSAL. Each change is reversed at most once (the
    unique ``reverses_id``); what was changed again since is left as it is, and the plan
    says so."""
    change = _change(session, change_id)
    if change.kind is RecordChangeKind.MERGE:
        _lock(session, [change.learner_id, change.other_learner_id or change.learner_id])
        return _apply_demerge(
            session,
            _change(session, change_id),
            operator_id=operator_id,
            challenge_id=challenge_id,
            now=now,
            previewed=previewed,
        )
    _lock(session, [change.learner_id, change.other_learner_id or change.learner_id])
    change = _change(session, change_id)  # again, on the locked rows
    work = _reversal(session, change)
    _check_previewed(previewed, work.plan)
    learner, before, after = work.learner, change.before_state, change.after_state
    kind = change.kind
    if kind is RecordChangeKind.RETIRE:
        old = before["learner"]
        assert isinstance(old, dict)
        _restore(learner, old, ("status", "retired_reason"))
    elif kind in (RecordChangeKind.EVENT_TRANSFER, RecordChangeKind.SHARED_ULN_SPLIT):
        assert work.source_id is not None
        for moved_from, ids in work.event_groups:
            _move_events(session, ids, work.source_id, learner.id, moved_from)
        if kind is RecordChangeKind.SHARED_ULN_SPLIT:
            new = session.get(Learner, work.source_id)
            assert new is not None
            new.status = LearnerStatus.LINKED
            new.master_learner_id = learner.id
    elif kind is RecordChangeKind.EVENT_REMOVAL:
        ids = [e.id for e in work.plan.events_restored]
        session.execute(
            update(LearningEvent)
            .where(LearningEvent.id.in_(ids))
            .values(status=EventStatus.ACTIVE, removed_reason=None, removed_at=None)
            .execution_options(synchronize_session=False)
        )
        _expire_events(session, ids)
    elif kind is RecordChangeKind.EVENT_CORRECTION:
        event = session.get(LearningEvent, before["event"])
        assert event is not None
        old_values, new_values = before["values"], after["values"]
        assert isinstance(old_values, dict) and isinstance(new_values, dict)
        columns = _EVENT.columns
        for name, value in old_values.items():
            if to_json(getattr(event, name)) == new_values[name]:
                setattr(event, name, _typed(columns[name], value))
    session.flush()
    record = _record(
        session,
        RecordChangeKind.REVERSAL,
        change.learner_id,
        change.other_learner_id,
        {"learner": _row_state(_LEARNER, learner)},
        {"reversed": str(kind), "events_restored": [e.id for e in work.plan.events_restored]},
        operator_id=operator_id,
        challenge_id=challenge_id,
        now=now,
        reverses_id=change.id,
    )
    return AppliedChange(
        record.id,
        RecordChangeKind.REVERSAL,
        learner.uln,
        _uln_of(session, change.other_learner_id) or None,
        f"Reversed change {change.id} ({kind}) on ULN {learner.uln}.",
        reverses_id=change.id,
    )
