"""Two at once on intake cases, on the real PostgreSQL (issue 13; house rule: a rule that must
hold under concurrency is held by the database): the same message received twice at once
makes one case (the other is told which); two messages at once get the day's next two
references; two analysts opening one case at once open it once (the other is told, and
nothing of theirs is kept); wrong passphrases at once are each counted; a close racing an
open ends closed with nothing decrypted kept."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

import factories
import pytest
from factories import (
    INTAKE_PASSPHRASE,
    INTAKE_SENDER,
    PG_URL,
    aes_zip,
    intake_email,
    learner,
    learners_csv,
    organisation,
    portal_user,
)
from sqlalchemy import func, select

from lrs_core.actor import Actor
from lrs_core.db.models import IntakeCase
from lrs_core.domain.kinds import IntakeStatus
from lrs_core.errors import LrsError, ValidationError
from lrs_core.intake.passphrase import Passphrase
from lrs_core.services import Services
from lrs_core.services.intake import AlreadyReceived, OpenResult, StaleIntake, WrongPassphraseTries

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs LRS_TEST_DATABASE_URL (PostgreSQL)")

ROUNDS = 5
AVA = "1000000043"
HEADER = ("ULN", "Forename", "Surname", "DOB", "Gender", "Post Code")


def at_once(*actions: Callable[[], Any]) -> list[Any]:
    """Each action in its own thread, released together: what each returned or raised."""
    start = threading.Barrier(len(actions))
    outcomes: list[Any] = [None] * len(actions)

    def run(i: int) -> None:
        start.wait()
        try:
            outcomes[i] = actions[i]()
        except Exception as exc:  # the test inspects what each thread got
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.fixture
def postgres(services: Services) -> None:
    if services.db.is_sqlite:
        pytest.skip("PostgreSQL only: SQLite's writers serialise")


@pytest.fixture
def analysts(services: Services, postgres: None) -> tuple[Actor, Actor]:
    with services.db.transaction() as session:
        org = organisation(session)
        portal_user(session, org, "sam.okafor", email=INTAKE_SENDER)
        session.add(learner(AVA, "Ava", "Reed", date_of_birth=date(2008, 3, 14)))
    return factories.analyst(services), factories.analyst(services, "bo.lyst", "Bo-Lyst-2026")


def email(n: int) -> bytes:
    rows = [(AVA, "Ava", "Reed", "14/03/2008", "2", "SW1A 1AA")]
    archive = aes_zip({"learners.csv": learners_csv(rows, HEADER)})
    return intake_email(subject=f"Batch {n}", attachments=(("learners.zip", archive),))


def cases(services: Services) -> int:
    with services.db.transaction(read_only=True) as session:
        return int(session.execute(select(func.count()).select_from(IntakeCase)).scalar_one())


def test_one_message_received_twice_at_once_makes_one_case(
    services: Services, analysts: tuple[Actor, Actor]
) -> None:
    ana, _ = analysts
    scan = Actor.system("intake-scan")
    for n in range(ROUNDS):
        raw = email(n)
        outcomes = at_once(
            partial(services.intake.receive, ana, raw), partial(services.intake.receive, scan, raw)
        )
        won = [o for o in outcomes if not isinstance(o, Exception)]
        lost = [o for o in outcomes if isinstance(o, Exception)]
        assert len(won) == 1 and len(lost) == 1, outcomes
        assert isinstance(lost[0], AlreadyReceived)
        assert lost[0].reference == won[0].row.reference in str(lost[0])
    assert cases(services) == ROUNDS


def test_two_messages_at_once_get_the_days_next_two_references(
    services: Services, analysts: tuple[Actor, Actor]
) -> None:
    ana, bo = analysts
    references: list[str] = []
    for n in range(ROUNDS):
        outcomes = at_once(
            partial(services.intake.receive, ana, email(2 * n)),
            partial(services.intake.receive, bo, email(2 * n + 1)),
        )
        assert not any(isinstance(o, Exception) for o in outcomes), outcomes
        references += [o.row.reference for o in outcomes]
    assert sorted(references) == [f"IN-20261123-{n:04d}" for n in range(1, 2 * ROUNDS + 1)]


def test_two_analysts_opening_one_case_at_once_open_it_once(
    services: Services, analysts: tuple[Actor, Actor]
) -> None:
    ana, bo = analysts
    for n in range(ROUNDS):
        reference = services.intake.receive(ana, email(n)).row.reference
        outcomes = at_once(
            partial(services.intake.open, ana, reference, Passphrase(INTAKE_PASSPHRASE)),
            partial(services.intake.open, bo, reference, Passphrase(INTAKE_PASSPHRASE)),
        )
        won = [o for o in outcomes if isinstance(o, OpenResult)]
        lost = [o for o in outcomes if not isinstance(o, OpenResult)]
        assert len(won) == 1 and len(lost) == 1, outcomes
        # Told, whichever moment they lost at: while reading, or when about to write.
        assert isinstance(lost[0], StaleIntake | ValidationError), lost
        assert f"was opened by {won[0].view.opened_by}" in str(lost[0])
        with services.db.transaction(read_only=True) as session:
            case = session.execute(
                select(IntakeCase).where(IntakeCase.reference == reference)
            ).scalar_one()
            assert case.status is IntakeStatus.OPEN and case.row_count == 1
        matched = factories.audit_log(
            services, actions=["intake-match"], subject_id=AVA, limit=1000
        )
        assert len(matched) == n + 1  # one look per case: the loser's was not kept


def test_wrong_passphrases_at_once_are_each_counted(
    services: Services, analysts: tuple[Actor, Actor]
) -> None:
    ana, bo = analysts
    reference = services.intake.receive(ana, email(0)).row.reference
    outcomes = at_once(
        partial(services.intake.open, ana, reference, Passphrase("Wrong-One-1234!")),
        partial(services.intake.open, bo, reference, Passphrase("Wrong-Two-1234!")),
    )
    assert all(isinstance(o, WrongPassphraseTries) for o in outcomes), outcomes
    assert sorted(o.tries_left for o in outcomes) == [1, 2]
    with services.db.transaction(read_only=True) as session:
        tries = session.execute(
            select(IntakeCase.passphrase_tries).where(IntakeCase.reference == reference)
        ).scalar_one()
    assert tries == 2


def test_a_close_racing_an_open_ends_closed_with_nothing_decrypted_kept(
    services: Services, analysts: tuple[Actor, Actor]
) -> None:
    ana, bo = analysts
    for n in range(ROUNDS):
        reference = services.intake.receive(ana, email(n)).row.reference
        opening, closing = at_once(
            partial(services.intake.open, ana, reference, Passphrase(INTAKE_PASSPHRASE)),
            partial(services.intake.close, bo, reference, "The sender withdrew it."),
        )
        assert not isinstance(closing, Exception), closing
        if isinstance(opening, Exception):  # the close came first: the open is told
            assert isinstance(opening, LrsError) and "was closed by bo.lyst" in str(opening)
        with services.db.transaction(read_only=True) as session:
            case = session.execute(
                select(IntakeCase).where(IntakeCase.reference == reference)
            ).scalar_one()
            assert case.status is IntakeStatus.CLOSED and case.opened_sealed is None
