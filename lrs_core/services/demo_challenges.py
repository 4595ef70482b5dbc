"""Demo data challenges: every type and status, some due soon, some breached, some awaiting
information, one merge already done (so a de-merge can be tried) and one possible-twins pair.

They are made through the real services, as the demo operators would make them (demo-agent
raises, demo-analyst claims and acts), so each one passes the same §6.1 rules, gets a real
reference and leaves the same audit trail. Only the clocks are then set back: a demo queue
whose challenges were all raised a second ago shows nothing due soon or breached, so each
challenge's raise time is moved back by the support hours its story needs (DOMAIN.md
"Service levels": 360 support hours at priority 4), and its due time recomputed from it.

The learners are picked from the seeded register in id order (the same seed gives the same
picks), never the README's or the named matching examples, which the README walks through.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from lrs_core import demo_data as data
from lrs_core.actor import Actor
from lrs_core.config import Settings
from lrs_core.db.database import Database
from lrs_core.db.models import (
    DataChallenge,
    DataChallengeNote,
    Learner,
    LearningEvent,
    Operator,
    Organisation,
)
from lrs_core.domain.challenges import RaiseRequest
from lrs_core.domain.kinds import ChallengeType, EventSource, LearnerStatus
from lrs_core.domain.learner_fields import FIELDS, field_text
from lrs_core.domain.support_hours import SupportCalendar
from lrs_core.services import Services

HOUR = 3600
# The stories need twins and learners with several events: a register this size has them.
FROM_LEARNERS = 500
_README_ULNS = frozenset(
    learner.uln
    for learner in (data.README_LEARNER, data.README_NEAR_MATCH, data.README_PLR_LEARNER)
)


@dataclass(frozen=True)
class DemoChallenges:
    """What was made, by reference: the queue's examples for the README and the tests."""

    references: tuple[str, ...]
    merged_duplicate_uln: str  # merged into its master: find by it gives WSRC0022
    to_merge: str  # an open duplicate-ULN challenge, ready for an analyst to merge
    twins: str  # a duplicate-ULN challenge on two twins: the detail warns
    demerge: str  # an incorrectly-merged challenge on the merge already done
    breached: str  # past its due time


def demo_operator(db: Database, username: str) -> Actor:
    """A demo operator as a signed-in actor (the demo acts as its own operators)."""
    with db.transaction(read_only=True) as session:
        op = session.execute(select(Operator).where(Operator.username == username)).scalar_one()
        return Actor(op.username, op.role, op.display_name, op.id)


def _raiser(organisation: tuple[str, str], n: int) -> dict[str, str]:
    ukprn, name = organisation
    first = ("Priya", "Tom", "Aisha", "Gareth", "Megan", "Callum", "Nia", "Hamza")[n % 8]
    family = ("Shah", "Roberts", "Okafor", "Evans", "Doyle", "Fraser", "Lloyd", "Iqbal")[n % 8]
    return {
        "raiser_name": f"{first} {family}",
        "raiser_email": f"{first.lower()}.{family.lower()}@{_domain(name)}",
        "raiser_phone": f"0161 496 {n % 10000:04d}",  # Ofcom's drama range: never a real line
        "organisation": ukprn,
    }


def _domain(name: str) -> str:
    letters = "".join(c for c in name.lower() if c.isascii() and c.isalnum())[:20]
    return f"{letters or 'provider'}.example.org"


def _learner_values(learner: Learner) -> dict[str, str]:
    return {spec.name: field_text(getattr(learner, spec.name)) for spec in FIELDS}


def seed_demo_challenges(db: Database, settings: Settings, now: datetime) -> DemoChallenges | None:
    """Raise and work the demo challenges at ``now`` through the services, then set their
    clocks back. Needs the demo operators and at least a few hundred learners."""
    services = Services(db, settings, lambda: now)
    agent = demo_operator(db, "demo-agent")
    analyst = demo_operator(db, "demo-analyst")
    picks = _Picks(db)
    orgs = picks.organisations()
    # Every learner is picked before anything is written: a register too small for the
    # stories (a seed of a few learners) gets no challenges rather than some.
    try:
        twin, other_twin = picks.twins()
        first, second, a, b, c, d, e, g, h = picks.with_events(9)
        (f,) = picks.with_events(1, at_least=3)
        events, target_events, h_events = picks.events(f, 3), picks.events(g, 1), picks.events(h, 1)
    except ValueError:
        return None
    made: list[tuple[str, float]] = []  # reference, support hours ago it was raised
    n = 0

    def raise_(hours_ago: float, **fields: Any) -> str:
        nonlocal n
        n += 1
        request = RaiseRequest(**{**_raiser(orgs[n % len(orgs)], n), **fields})
        reference: str = services.challenges.raise_challenge(agent, request).row.reference
        made.append((reference, hours_ago))
        return reference

    def version(reference: str) -> int:
        return int(services.challenges.detail(analyst, reference).row.row_version)

    challenges = services.challenges

    # A possible-twins pair raised as a duplicate: the detail warns before any merge.
    twins = raise_(
        30,
        challenge_type=ChallengeType.DUPLICATE_ULN,
        uln=twin.uln,
        other_uln=other_twin.uln,
        reason="Same surname, birthday and address; the college thinks one ULN was made twice.",
        comments="Registered at enrolment and again at the start of the second year.",
    )

    # Two duplicates registered by colleges that did not find the learner first: one open
    # (an analyst can merge it), one already merged (an analyst can de-merge it).
    duplicate = _register_again(services, agent, first, moved_to="LS6 2AB")
    to_merge = raise_(
        290,  # 80% of the budget used: due soon
        challenge_type=ChallengeType.DUPLICATE_ULN,
        uln=duplicate,
        other_uln=first.uln,
        master_uln=first.uln,
        reason="The learner moved to Leeds; the new college registered her again.",
        comments="Please merge the new ULN into the older one.",
    )
    merged_duplicate = _register_again(services, agent, second, moved_to="CF10 3AT")
    merged = raise_(
        120,
        challenge_type=ChallengeType.DUPLICATE_ULN,
        uln=merged_duplicate,
        other_uln=second.uln,
        master_uln=second.uln,
        reason="Moved to Cardiff and registered again by the new provider.",
    )
    challenges.claim(analyst, merged, version(merged))
    challenges.merge(analyst, merged, version(merged))
    demerge = raise_(
        12,
        challenge_type=ChallengeType.INCORRECTLY_MERGED,
        uln=second.uln,
        other_uln=merged_duplicate,
        reason="The learner says the merged record's GCSE results are not hers.",
    )

    # Every other type, in the statuses a working queue holds.
    breached = raise_(
        400,
        challenge_type=ChallengeType.FICTITIOUS_ULN,
        uln=a.uln,
        comments="No such pupil has ever attended; the ULN came from a test upload.",
    )
    awaiting = raise_(
        150,
        challenge_type=ChallengeType.SHARED_ULN,
        uln=b.uln,
        comments="Two sisters have been enrolled under the one ULN.",
    )
    challenges.claim(analyst, awaiting, version(awaiting))
    challenges.await_information(
        analyst, awaiting, version(awaiting), "Asked the school for both sisters' dates of birth."
    )
    deceased = raise_(
        60,
        challenge_type=ChallengeType.DECEASED,
        uln=c.uln,
        comments="The family told the school; the record should be closed.",
    )
    challenges.claim(analyst, deceased, version(deceased))
    rejected = raise_(
        200,
        challenge_type=ChallengeType.USING_ANOTHER_ULN,
        uln=d.uln,
        comments="After a change of name the learner may be using her cousin's ULN.",
    )
    challenges.claim(analyst, rejected, version(rejected))
    challenges.reject(
        analyst,
        rejected,
        version(rejected),
        "The ULN is the learner's own: her previous family name is on the record.",
    )
    withdrawn = raise_(
        40, challenge_type=ChallengeType.OTHER_ULN, uln=e.uln, comments="Raised in error."
    )
    challenges.withdraw(agent, withdrawn, version(withdrawn), "The provider found the answer.")

    wrong = raise_(
        100,
        challenge_type=ChallengeType.EVENT_INFORMATION_WRONG,
        uln=f.uln,
        event_ids=(events[0],),
        proposed_grade="Merit",
        comments="The certificate says Merit.",
    )
    challenges.claim(analyst, wrong, version(wrong))
    challenges.refer(analyst, wrong, version(wrong), "Asked the awarding body to confirm.")
    raise_(
        340,  # due within the day
        challenge_type=ChallengeType.EVENT_NOT_BELONGING,
        uln=g.uln,
        event_ids=target_events,
        event_action="transfer",
        target_uln=h.uln,
        target_given_name=h.given_name,
        target_family_name=h.family_name,
        comments=f"{h.uln} - {h.given_name} {h.family_name}: same class, wrong learner.",
    )
    raise_(
        8,
        challenge_type=ChallengeType.EVENT_NOT_BELONGING,
        uln=h.uln,
        event_ids=h_events,
        event_action="disputed",
        comments="The learner says she never sat this qualification.",
    )
    raise_(
        20,
        challenge_type=ChallengeType.EVENT_DUPLICATED,
        uln=f.uln,
        event_ids=tuple(events[1:3]),
        not_participation_confirmed=True,
        comments="The same award loaded twice.",
    )
    _set_clocks_back(db, settings, now, made)
    return DemoChallenges(
        references=tuple(reference for reference, _ in made),
        merged_duplicate_uln=merged_duplicate,
        to_merge=to_merge,
        twins=twins,
        demerge=demerge,
        breached=breached,
    )


def _register_again(services: Services, agent: Actor, learner: Learner, moved_to: str) -> str:
    """The learner registered a second time, by a provider that did not search well enough:
    a copy at a new address, confirmed past the possible-match warning, and the new
    provider's first achievement loaded against the new ULN (so a merge has events to move)."""
    values = {**_learner_values(learner), "postcode": moved_to, "address_line1": "1 New Street"}
    first = services.learners.register(agent, values)
    if first.learner is None:
        shown = [c.uln for c in first.possible_matches]
        first = services.learners.register(agent, values, confirmed_ulns=shown)
    if first.learner is None:
        raise ValueError(f"the demo duplicate of {learner.uln} was refused: {first.message}")
    with services.db.transaction() as session:
        duplicate = session.execute(select(Learner).where(Learner.uln == first.learner.uln))
        session.add(
            LearningEvent(
                learner_id=duplicate.scalar_one().id,
                subject="Functional Skills English",
                qualification_type="Functional Skills",
                level="Level 2",
                grade="Pass",
                source=EventSource.AO,
                awarding_organisation_name="City Skills Awards",
                award_date=date(2026, 7, 15),
                date_loaded=date(2026, 8, 1),
            )
        )
    return first.learner.uln


def _set_clocks_back(
    db: Database, settings: Settings, now: datetime, made: Sequence[tuple[str, float]]
) -> None:
    """Each challenge raised ``hours`` support hours before ``now``: the raise and the
    timeline moved back by the same real time, the clock's running period with them."""
    calendar = SupportCalendar.from_settings(settings.sla)
    budget = calendar.budget_seconds(4)
    with db.transaction() as session:
        for reference, hours in made:
            challenge = session.execute(
                select(DataChallenge).where(DataChallenge.reference == reference)
            ).scalar_one()
            raised = _support_hours_before(calendar, now, int(hours * HOUR))
            shift = now - raised
            challenge.raised_at = raised
            if challenge.clock_started_at is not None:  # running: all of it in this period
                challenge.clock_started_at = raised
                challenge.support_seconds_used = 0
                challenge.due_at = calendar.add(raised, budget)
            else:  # paused or stopped: the time to now counted as used
                challenge.support_seconds_used = int(hours * HOUR)
            for note in session.execute(
                select(DataChallengeNote).where(DataChallengeNote.challenge_id == challenge.id)
            ).scalars():
                note.created_at -= shift


def _support_hours_before(calendar: SupportCalendar, now: datetime, seconds: int) -> datetime:
    """The latest instant from which ``seconds`` support seconds reach ``now``."""
    low, high = now - timedelta(days=7 + seconds // 3600), now
    while calendar.between(low, now) < seconds:
        low -= timedelta(days=30)
    while (high - low) > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if calendar.between(middle, now) >= seconds:
            low = middle
        else:
            high = middle
    return low.replace(microsecond=0)


class _Picks:
    """Learners for the stories, in id order, each used once."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.used: set[int] = set()

    def _take(self, rows: Iterator[Learner], count: int) -> list[Learner]:
        taken: list[Learner] = []
        for learner in rows:
            if not self._free(learner):
                continue
            self.used.add(learner.id)
            taken.append(learner)
            if len(taken) == count:
                return taken
        raise ValueError("the demo register is too small for the demo challenges")

    def _free(self, learner: Learner) -> bool:
        """Not used for another story, and not one the README or the matching examples use."""
        named = {(given, family) for given, family, *_ in data.NAMED_LEARNERS}
        return (
            learner.id not in self.used
            and learner.uln not in _README_ULNS
            and (learner.given_name, learner.family_name) not in named
        )

    def organisations(self) -> list[tuple[str, str]]:
        with self.db.transaction(read_only=True) as session:
            rows = session.execute(
                select(Organisation.ukprn, Organisation.name)
                .where(Organisation.ukprn.is_not(None))
                .order_by(Organisation.id)
                .limit(12)
            ).all()
        return [(str(ukprn), str(name)) for ukprn, name in rows]

    def twins(self) -> tuple[Learner, Learner]:
        other = aliased(Learner)
        with self.db.transaction(read_only=True) as session:
            for one, two in session.execute(
                select(Learner, other)
                .join(
                    other,
                    (other.family_key == Learner.family_key)
                    & (other.date_of_birth == Learner.date_of_birth)
                    & (other.postcode == Learner.postcode)
                    & (other.given_key != Learner.given_key)
                    & (other.id > Learner.id),
                )
                .where(
                    Learner.status == LearnerStatus.ACTIVE,
                    other.status == LearnerStatus.ACTIVE,
                    Learner.postcode != "ZZ99 9ZZ",
                )
                .order_by(Learner.id)
            ):
                if self._free(one) and self._free(two):
                    self.used |= {one.id, two.id}
                    session.expunge_all()
                    return one, two
        raise ValueError("the demo register has no twins")

    def with_events(self, count: int, at_least: int = 1) -> list[Learner]:
        """Active learners with ``at_least`` events that are not ILR returns (an ILR event of
        the current return cannot be challenged), and no linked ULN of their own."""
        with self.db.transaction(read_only=True) as session:
            has_events = (
                select(LearningEvent.learner_id)
                .where(LearningEvent.source != EventSource.ILR)
                .group_by(LearningEvent.learner_id)
                .having(func.count() >= at_least)
            )
            rows = session.execute(
                select(Learner)
                .where(
                    Learner.status == LearnerStatus.ACTIVE,
                    Learner.id.in_(has_events),
                    ~Learner.id.in_(
                        select(Learner.master_learner_id).where(
                            Learner.master_learner_id.is_not(None)
                        )
                    ),
                )
                .order_by(Learner.id)
            ).scalars()
            taken = self._take(iter(rows), count)
            session.expunge_all()
            return taken

    def events(self, learner: Learner, count: int) -> tuple[int, ...]:
        with self.db.transaction(read_only=True) as session:
            return tuple(
                session.execute(
                    select(LearningEvent.id)
                    .where(
                        LearningEvent.learner_id == learner.id,
                        LearningEvent.source != EventSource.ILR,
                    )
                    .order_by(LearningEvent.id)
                    .limit(count)
                ).scalars()
            )
