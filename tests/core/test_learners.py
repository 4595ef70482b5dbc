"""Find a learner by ULN and read the record. DOMAIN.md "Learners and ULNs" (§4.2.3) and
"Formats and codes" (ULN check digit, outcome codes)."""

from __future__ import annotations

import pytest
from factories import audit_log, learner

from lrs_core.actor import Actor
from lrs_core.domain.kinds import LearnerStatus
from lrs_core.domain.values import OutcomeCode
from lrs_core.errors import NotFound, PermissionDenied, ValidationError
from lrs_core.permissions import OperatorRole
from lrs_core.services import Services

MASTER_ULN = "9276308686"
LINKED_ULN = "1174112637"
PASSWORD = "Desk-Shift-2026"


@pytest.fixture
def register(services: Services) -> None:
    with services.db.transaction() as session:
        master = learner(MASTER_ULN, "Siân", "O'Brien-Jones")
        session.add(master)
        session.flush()
        session.add(
            learner(
                LINKED_ULN,
                "Sian",
                "OBrien Jones",
                status=LearnerStatus.LINKED,
                master_learner_id=master.id,
            )
        )


@pytest.mark.usefixtures("register")
@pytest.mark.parametrize(
    ("given", "family"),
    [("Siân", "O'Brien-Jones"), ("SIAN", "obrien jones"), ("sian", "O’Brien Jones")],
)
def test_exact_match_ignores_case_accents_hyphens_and_apostrophes(
    services: Services, agent: Actor, given: str, family: str
) -> None:
    result = services.learners.find_by_uln(agent, MASTER_ULN, given, family)
    assert result.outcome is OutcomeCode.EXACT_MATCH
    assert result.learner is not None and result.learner.uln == MASTER_ULN
    assert result.learner.linked_ulns == (LINKED_ULN,)


@pytest.mark.usefixtures("register")
def test_all_three_must_match(services: Services, agent: Actor) -> None:
    # §4.2.3: ULN, given name and family name must all match; nothing is shown otherwise.
    result = services.learners.find_by_uln(agent, MASTER_ULN, "Sean", "O'Brien-Jones")
    assert result.outcome is OutcomeCode.NO_MATCH and result.learner is None
    assert services.learners.find_by_uln(agent, "1000000043", "Siân", "O'Brien-Jones").outcome is (
        OutcomeCode.NO_MATCH
    )


@pytest.mark.usefixtures("register")
def test_a_merged_ulns_master_is_returned_with_wsrc0022(services: Services, agent: Actor) -> None:
    result = services.learners.find_by_uln(agent, LINKED_ULN, "Sian", "OBrien Jones")
    assert result.outcome is OutcomeCode.LINKED_LEARNER_MATCH
    assert result.learner is not None and result.learner.uln == MASTER_ULN
    assert LINKED_ULN in result.message and MASTER_ULN in result.message


def test_a_bad_check_digit_is_refused_before_any_query(services: Services, agent: Actor) -> None:
    before = services.audit.count()
    with pytest.raises(ValidationError) as error:
        services.learners.find_by_uln(agent, "9276308687", "Siân", "O'Brien-Jones")
    assert error.value.field == "ULN" and "check digit" in error.value.message
    with pytest.raises(ValidationError, match="Given name"):
        services.learners.find_by_uln(agent, MASTER_ULN, "  ", "O'Brien-Jones")
    assert services.audit.count() == before


@pytest.mark.usefixtures("register")
def test_every_look_is_audited_whatever_it_finds(services: Services, agent: Actor) -> None:
    services.learners.find_by_uln(agent, LINKED_ULN, "Sian", "OBrien Jones")
    services.learners.find_by_uln(agent, MASTER_ULN, "Nobody", "Here")
    services.learners.show(agent, MASTER_ULN)
    view, miss, linked = audit_log(services, limit=3)
    assert (view.action, view.subject_id, view.actor) == ("view-learner", MASTER_ULN, "kim.lee")
    assert miss.detail == {"outcome": "WSRC0001", "asked_for": MASTER_ULN}
    assert linked.subject_id == MASTER_ULN and linked.detail["asked_for"] == LINKED_ULN
    before = services.audit.count()
    with pytest.raises(NotFound):
        services.learners.show(agent, "1000000043")
    # The look rolled back, and was audited on its own: a look that finds nobody is still a
    # look (issue 9 item 6).
    assert services.audit.count() == before + 1
    nothing = audit_log(services, limit=1)[0]
    assert (nothing.action, nothing.subject_id, nothing.outcome, nothing.detail) == (
        "view-learner", "1000000043", "failed", {"outcome": "nothing found"},
    )  # fmt: skip


def test_a_role_without_find_is_refused(services: Services) -> None:
    nobody = Actor("(unknown)", OperatorRole.AGENT, "(unknown)", None, anonymous=True)
    with pytest.raises(PermissionDenied):
        services.learners.find_by_uln(nobody, MASTER_ULN, "Siân", "O'Brien-Jones")
    assert audit_log(services, limit=1)[0].outcome == "denied"


@pytest.mark.usefixtures("register")
def test_a_look_by_a_session_whose_account_was_locked_is_refused_and_audited(
    services: Services, agent: Actor
) -> None:
    # The check runs inside the look's own transaction: the refusal is still kept.
    from sqlalchemy import update

    from lrs_core.db.models import Operator
    from lrs_core.errors import AuthenticationFailed

    services.learners.show(agent, MASTER_ULN)
    with services.db.transaction() as session:
        session.execute(
            update(Operator).where(Operator.username == "kim.lee").values(status="locked")
        )
    before = services.audit.count()
    with pytest.raises(AuthenticationFailed, match="locked"):
        services.learners.find_by_uln(agent, MASTER_ULN, "Siân", "O'Brien-Jones")
    assert services.audit.count() == before + 1
    refusal = audit_log(services, limit=1)[0]
    assert (refusal.action, refusal.outcome) == ("use-session", "denied")
    assert "locked" in refusal.detail["reason"]
