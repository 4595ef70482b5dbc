"""Breach incidents and §1.4's escalation ladder (issue 13 item 2; User Guide §1.4; DOMAIN.md
"Security and the encrypted intake"): a breach opens an incident on the sender's organisation,
the next step is proposed from the organisation's breach history in ``[intake]
breach_window_days``, an analyst confirms each step, and the two acting steps suspend the
sender or disable the organisation through the organisation directory, shown on the
organisation."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from factories import TEST_NOW, analyst, audit_log, intake_case, organisation, portal_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lrs_core.actor import Actor
from lrs_core.config import Settings
from lrs_core.db.models import (
    BreachIncident,
    BreachIncidentStep,
    IntakeCase,
    Organisation,
    PortalUser,
    SecurityAction,
)
from lrs_core.domain.kinds import (
    AccountStatus,
    IncidentStatus,
    LadderStep,
    SecurityActionKind,
)
from lrs_core.errors import NotFound, PermissionDenied, ValidationError
from lrs_core.services import Services
from lrs_core.services import breach_incidents as module
from lrs_core.services.breach_incidents import (
    BreachIncidentService,
    IncidentClosed,
    StaleIncident,
    StepAlreadyTaken,
    follow_sender,
    open_incident,
)

UKPRN = "10012345"
OTHER_UKPRN = "10054321"
C, U, O, D, I = (  # noqa: E741 - the ladder's five steps, in order
    LadderStep.CONTACT,
    LadderStep.USER_DISABLED,
    LadderStep.ORGANISATION_DISABLED,
    LadderStep.DPO_AND_SENIOR_MANAGEMENT,
    LadderStep.ICO,
)
# §1.4's words, pinned here as the guide has them (not read back from the code).
WORDS = {
    C: "Contact the user and the organisation's super user",
    U: "User permissions disabled",
    O: "Organisation permissions disabled",
    D: "Escalation to the Data Protection Officer and senior management",
    I: "Report to the Information Commissioner's Office",
}


@pytest.fixture
def college(services: Services) -> None:
    """Northgate College: a super user and the sender, a batch user; St. Mary's, another
    organisation with its own breaches."""
    with services.db.transaction() as s:
        org = organisation(s, UKPRN, "Northgate College")
        portal_user(s, org, "amy.brook", "Amy", "Brook")
        portal_user(s, org, "sam.okafor", "Sam", "Okafor", roles=("batch-user",))
        other = organisation(s, OTHER_UKPRN, "St. Mary's C of E School", kind="school")
        portal_user(s, other, "jo.hart", "Jo", "Hart")


@pytest.fixture
def ana(services: Services) -> Actor:
    return analyst(services)


def _org(s: Session, ukprn: str) -> Organisation:
    return s.execute(select(Organisation).where(Organisation.ukprn == ukprn)).scalar_one()


def _user(s: Session, username: str) -> PortalUser:
    return s.execute(select(PortalUser).where(PortalUser.username == username)).scalar_one()


def breach(
    services: Services,
    at: datetime = TEST_NOW,
    *,
    ukprn: str | None = UKPRN,
    sender: str | None = "sam.okafor",
    findings: tuple[str, ...] = ("uln-with-demographic",),
    steps: tuple[LadderStep, ...] = (),
) -> str:
    """An intake case received ``at`` with its findings and the incident it opened; ``steps``
    written straight onto it (history for a later incident). Returns the incident's reference."""
    with services.db.transaction() as s:
        number = s.execute(select(func.count()).select_from(IntakeCase)).scalar_one() + 1
        case = intake_case(
            s,
            f"IN-{at:%Y%m%d}-{number:04d}",
            organisation=_org(s, ukprn) if ukprn else None,
            portal_user=_user(s, sender) if sender else None,
            findings=findings,
            received_at=at,
        )
        incident = open_incident(s, case, at)
        for step in steps:
            s.add(BreachIncidentStep(incident_id=incident.id, step=step, performed_at=at, note=""))
        return incident.reference


def count(services: Services, model: Any, *where: Any) -> int:
    with services.db.transaction(read_only=True) as s:
        return int(s.execute(select(func.count()).select_from(model).where(*where)).scalar_one())


def sam_status(services: Services) -> AccountStatus:
    with services.db.transaction(read_only=True) as s:
        return _user(s, "sam.okafor").status


def portal_enabled(services: Services) -> bool:
    with services.db.transaction(read_only=True) as s:
        return _org(s, UKPRN).portal_enabled


# --- opening an incident ----------------------------------------------------------------------


def test_open_incident_numbers_per_desk_day_and_copies_the_sender(
    services: Services, college: None
) -> None:
    first = breach(services)
    second = breach(services, TEST_NOW + timedelta(hours=1))
    next_day = breach(services, TEST_NOW + timedelta(days=1))
    # 30 June 23:30 UTC is 1 July 00:30 in London (BST): the desk's day numbers it.
    summer = breach(services, datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    assert (first, second, next_day, summer) == (
        "BR-20261123-0001",
        "BR-20261123-0002",
        "BR-20261124-0001",
        "BR-20260701-0001",
    )
    with services.db.transaction(read_only=True) as s:
        incident = s.execute(
            select(BreachIncident).where(BreachIncident.reference == first)
        ).scalar_one()
        assert incident.organisation_id == _org(s, UKPRN).id
        assert incident.portal_user_id == _user(s, "sam.okafor").id
        assert incident.status is IncidentStatus.OPEN
        assert incident.opened_at == TEST_NOW


def test_open_incident_is_once_per_case(services: Services, college: None) -> None:
    with services.db.transaction() as s:
        case = intake_case(s, organisation=_org(s, UKPRN))
        first = open_incident(s, case, TEST_NOW)
        again = open_incident(s, case, TEST_NOW + timedelta(days=1))
        assert again.id == first.id and again.reference == "BR-20261123-0001"
    assert count(services, BreachIncident) == 1


def test_open_incident_with_an_unknown_sender(services: Services, college: None) -> None:
    reference = breach(services, ukprn=None, sender=None)
    with services.db.transaction(read_only=True) as s:
        incident = s.execute(select(BreachIncident)).scalar_one()
        assert incident.reference == reference
        assert (incident.organisation_id, incident.portal_user_id) == (None, None)


def test_the_unique_case_is_the_backstop_and_the_callers_transaction_goes_on(
    services: Services, college: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another unit of work opened the case's incident between the look and the insert: the
    existing one is returned, and the caller's transaction is still usable (a savepoint)."""
    with services.db.transaction() as s:
        case = intake_case(s, organisation=_org(s, UKPRN))
        first = open_incident(s, case, TEST_NOW)
        first_id = first.id
    real = module.incident_of
    missed: list[bool] = []

    def missed_once(s: Session, c: IntakeCase) -> BreachIncident | None:
        if not missed:
            missed.append(True)
            return None  # as if the other unit of work had not committed yet
        return real(s, c)

    monkeypatch.setattr(module, "incident_of", missed_once)
    with services.db.transaction() as s:
        case = s.execute(select(IntakeCase)).scalar_one()
        again = open_incident(s, case, TEST_NOW)
        assert again.id == first_id
        intake_case(s, "IN-20261123-0002")  # the transaction still writes
    assert missed
    assert count(services, BreachIncident) == 1
    assert count(services, IntakeCase) == 2


def test_follow_sender_moves_the_incident_to_the_case_sender(
    services: Services, college: None, ana: Actor
) -> None:
    reference = breach(services, ukprn=None, sender=None)
    before = services.breach_incidents.show(ana, reference)
    assert before.organisation is None and before.portal_user is None
    with services.db.transaction() as s:
        case = s.execute(select(IntakeCase)).scalar_one()
        user = _user(s, "sam.okafor")
        case.organisation_id, case.portal_user_id = user.organisation_id, user.id
        incident = follow_sender(s, case)
        assert incident is not None and incident.reference == reference
        follow_sender(s, case)  # nothing changed: no new version
    after = services.breach_incidents.show(ana, reference)
    assert after.organisation == "10012345 Northgate College"
    assert after.portal_user == "sam.okafor"
    assert after.row_version == before.row_version + 1
    # A screen that showed the unknown sender is stale.
    with pytest.raises(StaleIncident):
        services.breach_incidents.confirm_step(
            ana, reference, U, "", expected_version=before.row_version
        )
    assert sam_status(services) is AccountStatus.ACTIVE


def test_follow_sender_without_an_incident(services: Services, college: None) -> None:
    with services.db.transaction() as s:
        assert follow_sender(s, intake_case(s)) is None


# --- the ladder's proposal (§1.4) -----------------------------------------------------------------


DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("earlier", "proposed", "why"),
    [
        pytest.param((), C, "First breach by this organisation in 365 days", id="first"),
        pytest.param(
            ((100, (C,)),),
            U,
            "1 earlier breach in the last 365 days; the furthest step reached was"
            " 'Contact the user and the organisation's super user'",
            id="one-contacted",
        ),
        pytest.param(
            ((200, (C,)), (30, (C, U))),
            O,
            "2 earlier breaches in the last 365 days; the furthest step reached was"
            " 'User permissions disabled'",
            id="two-user-disabled",
        ),
        pytest.param(
            ((366, (C, U)),),
            C,
            "First breach by this organisation in 365 days",
            id="outside-the-window",
        ),
        pytest.param(
            ((365, (C, U)),),
            O,
            "1 earlier breach in the last 365 days; the furthest step reached was"
            " 'User permissions disabled'",
            id="window-edge-inside",
        ),
        pytest.param(
            ((400, (C, U, O)), (10, ())),
            C,
            "1 earlier breach in the last 365 days; no step of the ladder was taken on it",
            id="earlier-without-steps",
        ),
        pytest.param(
            ((50, (C, U, O, D, I)),),
            I,
            "1 earlier breach in the last 365 days; the furthest step reached was"
            " 'Report to the Information Commissioner's Office'",
            id="ico-at-most",
        ),
    ],
)
def test_the_proposal_and_why_from_the_history_in_the_window(
    services: Services,
    college: None,
    ana: Actor,
    earlier: tuple[tuple[int, tuple[LadderStep, ...]], ...],
    proposed: LadderStep,
    why: str,
) -> None:
    """§1.4's escalation for repeated breaches, over ``breach_window_days`` (365) before the
    incident; another organisation's breaches and later ones do not count."""
    history = [breach(services, TEST_NOW - days * DAY, steps=steps) for days, steps in earlier]
    breach(services, TEST_NOW - 20 * DAY, ukprn=OTHER_UKPRN, sender="jo.hart", steps=(C, U, O))
    reference = breach(services)
    breach(services, TEST_NOW + DAY, steps=(C, U, O, D))  # a later breach is no history
    view = services.breach_incidents.show(ana, reference)
    assert view.proposed is proposed
    assert view.why == why
    inside = [r for r, (days, _) in zip(history, earlier, strict=True) if days <= 365]
    assert view.history == tuple(reversed(inside))  # newest first
    assert [row.step for row in view.ladder if row.proposed] == [proposed]


def test_the_window_is_the_configured_one(
    services: Services, settings: Settings, college: None, ana: Actor
) -> None:
    breach(services, TEST_NOW - 40 * DAY, steps=(C,))
    reference = breach(services)
    assert services.breach_incidents.show(ana, reference).proposed is U
    short = dataclasses.replace(
        settings, intake=dataclasses.replace(settings.intake, breach_window_days=30)
    )
    service = BreachIncidentService(services.db, services.audit, services.clock, short)
    view = service.show(ana, reference)
    assert (view.proposed, view.why) == (C, "First breach by this organisation in 30 days")


def test_an_unknown_organisation_has_no_history(
    services: Services, college: None, ana: Actor
) -> None:
    reference = breach(services, ukprn=None, sender=None)
    view = services.breach_incidents.show(ana, reference)
    assert view.proposed is C
    assert "set the sender on case IN-" in view.why


# --- the view -------------------------------------------------------------------------------------


def test_the_view_shows_the_five_steps_and_the_findings_in_section_1_4_words(
    services: Services, college: None, ana: Actor
) -> None:
    reference = breach(
        services,
        findings=("weak-encryption", "uln-with-demographic", "weak-encryption", "demographics"),
    )
    view = services.breach_incidents.show(ana, reference)
    assert [(row.step, row.wording) for row in view.ladder] == list(WORDS.items())
    assert all(row.done_by is None and row.done_at is None for row in view.ladder)
    assert view.findings == (
        "The file is not encrypted to AES-256, as the passphrase guidance requires",
        "A ULN with any of the five demographics (given and family name, date of birth,"
        " gender, postcode) in an unencrypted email",
        "More than one demographic in an unencrypted email (given and family name count as one)",
    )
    assert (view.organisation, view.ukprn, view.portal_user) == (
        "10012345 Northgate College",
        UKPRN,
        "sam.okafor",
    )
    assert view.case_reference.startswith("IN-") and view.status is IncidentStatus.OPEN
    (look,) = audit_log(services, actions=["show-breach-incident"])
    assert (look.actor, look.subject_id, look.outcome) == ("ana.lyst", reference, "ok")


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("uln-with-demographic", "A ULN with any of the five demographics (given and family"
         " name, date of birth, gender, postcode) in an unencrypted email"),
        ("demographics", "More than one demographic in an unencrypted email (given and family"
         " name count as one)"),
        ("unencrypted-attachment", "Learner data sent unencrypted"),
        ("weak-encryption",
         "The file is not encrypted to AES-256, as the passphrase guidance requires"),
        ("passphrase-in-email", "The password in the same email as the encrypted file"),
        ("credentials-in-email", "A username and password in an email"),
    ],
)  # fmt: skip
def test_each_finding_in_section_1_4_words(
    services: Services, college: None, ana: Actor, rule: str, words: str
) -> None:
    reference = breach(services, findings=(rule,))
    assert services.breach_incidents.show(ana, reference).findings == (words,)


def test_for_organisation_lists_its_incidents_newest_first(
    services: Services, college: None, ana: Actor
) -> None:
    old = breach(services, TEST_NOW - 10 * DAY)
    new = breach(services)
    breach(services, ukprn=OTHER_UKPRN, sender="jo.hart")
    views = services.breach_incidents.for_organisation(ana, UKPRN)
    assert [v.reference for v in views] == [new, old]
    (look,) = audit_log(services, actions=["list-breach-incidents"])
    assert (look.subject_id, look.detail["shown"]) == (UKPRN, [new, old])
    with pytest.raises(NotFound):
        services.breach_incidents.for_organisation(ana, "10099999")


@pytest.mark.parametrize("typed", ["BR-1", "IN-20261123-0001", "BR-20261123-00011"])
def test_a_malformed_reference_is_refused(
    services: Services, college: None, ana: Actor, typed: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.breach_incidents.show(ana, typed)
    assert refused.value.field == "Reference"


def test_an_unknown_reference_is_not_found(services: Services, college: None, ana: Actor) -> None:
    with pytest.raises(NotFound):
        services.breach_incidents.show(ana, "br-20261123-0009")


# --- confirming steps -----------------------------------------------------------------------------


def test_the_proposed_step_needs_no_note(services: Services, college: None, ana: Actor) -> None:
    reference = breach(services)
    before = services.breach_incidents.show(ana, reference)
    view = services.breach_incidents.confirm_step(
        ana, reference, C, "", expected_version=before.row_version
    )
    row = view.ladder[0]
    assert (row.step, row.done_by, row.done_at, row.note) == (C, "ana.lyst", TEST_NOW, "")
    assert row.action is None
    assert view.row_version == before.row_version + 1
    assert view.proposed is None  # the proposed step is taken
    (event,) = audit_log(services, actions=["confirm-breach-step"])
    assert (event.actor, event.subject_id, event.outcome) == ("ana.lyst", reference, "ok")
    assert (event.detail["step"], event.detail["proposed"]) == ("contact", "contact")


def test_another_step_needs_a_note_saying_why(
    services: Services, college: None, ana: Actor
) -> None:
    reference = breach(services)
    with pytest.raises(ValidationError) as refused:
        services.breach_incidents.confirm_step(ana, reference, D, "  ")
    assert refused.value.field == "Note"
    assert "'Escalation to the Data Protection Officer and senior management' is not the" in str(
        refused.value
    )
    assert "'Contact the user and the organisation's super user'" in str(refused.value)
    assert count(services, BreachIncidentStep) == 0
    view = services.breach_incidents.confirm_step(
        ana, reference, "dpo-and-senior-management", "Fourth breach reported by phone."
    )
    assert view.ladder[3].note == "Fourth breach reported by phone."
    assert view.ladder[3].done_by == "ana.lyst"
    # A step beyond the proposal is taken: nothing is proposed now.
    assert view.proposed is None


def test_after_the_proposed_step_any_step_needs_a_note(
    services: Services, college: None, ana: Actor
) -> None:
    reference = breach(services)
    services.breach_incidents.confirm_step(ana, reference, C, "")
    with pytest.raises(ValidationError, match="no step is proposed now"):
        services.breach_incidents.confirm_step(ana, reference, I, "")


@pytest.mark.parametrize(
    "note", ["line one\nline two", "bell\x07", "\u202eevil", "x" * (module.NOTE_MAX + 1)]
)
def test_the_note_passes_the_text_rule(
    services: Services, college: None, ana: Actor, note: str
) -> None:
    reference = breach(services)
    with pytest.raises(ValidationError) as refused:
        services.breach_incidents.confirm_step(ana, reference, C, note)
    assert refused.value.field == "Note"
    assert count(services, BreachIncidentStep) == 0


def test_user_disabled_suspends_the_sender_shown_on_the_organisation(
    services: Services, college: None, ana: Actor
) -> None:
    """§1.4: user permissions disabled, through the directory's suspend action."""
    breach(services, TEST_NOW - 30 * DAY, steps=(C,))
    reference = breach(services)
    view = services.breach_incidents.confirm_step(ana, reference, U, "Second breach this year.")
    assert sam_status(services) is AccountStatus.SUSPENDED
    assert view.ladder[1].action == "portal user sam.okafor suspended"
    org = services.organisations.show(ana, UKPRN)
    (action,) = org.security_actions
    assert (action.action, action.portal_username, action.operator) == (
        SecurityActionKind.SUSPEND_USER,
        "sam.okafor",
        "ana.lyst",
    )
    assert action.reason == f"Breach {reference}: Second breach this year."
    assert [(i.reference, i.furthest_wording) for i in org.incidents] == [
        (reference, "User permissions disabled"),
        ("BR-20261024-0001", "Contact the user and the organisation's super user"),
    ]
    (suspended,) = audit_log(services, actions=["suspend-portal-user"])
    assert (suspended.actor, suspended.subject_id) == ("ana.lyst", "sam.okafor")
    with services.db.transaction(read_only=True) as s:
        step = s.execute(select(BreachIncidentStep)).scalars().all()[-1]
        assert step.security_action_id == s.execute(select(SecurityAction.id)).scalar_one()


def test_organisation_disabled_disables_its_portal_shown_on_the_organisation(
    services: Services, college: None, ana: Actor, admin: Actor
) -> None:
    """§1.4: organisation permissions disabled; re-enabling stays an admin's."""
    breach(services, TEST_NOW - 30 * DAY, steps=(C, U))
    reference = breach(services)
    view = services.breach_incidents.confirm_step(ana, reference, O, "")
    assert not portal_enabled(services)
    assert view.ladder[2].action == "Northgate College's portal permissions disabled"
    org = services.organisations.show(ana, UKPRN)
    assert not org.summary.portal_enabled
    (action,) = org.security_actions
    assert action.action is SecurityActionKind.DISABLE_ORGANISATION
    assert action.reason == f"Breach {reference}: Organisation permissions disabled"
    assert org.incidents[0].furthest is O
    with pytest.raises(PermissionDenied):
        services.organisations.enable_organisation(ana, UKPRN, "Breach resolved.")
    services.organisations.enable_organisation(admin, UKPRN, "Breach resolved.")
    assert portal_enabled(services)


def test_a_step_already_in_force_points_at_the_existing_action(
    services: Services, college: None, ana: Actor, admin: Actor
) -> None:
    reference = breach(services)
    services.organisations.suspend_user(admin, "sam.okafor", "Shared account.")
    services.organisations.disable_organisation(admin, UKPRN, "Unpaid agreement.")
    services.breach_incidents.confirm_step(ana, reference, U, "Already suspended: recorded.")
    view = services.breach_incidents.confirm_step(ana, reference, O, "Already disabled.")
    assert count(services, SecurityAction) == 2  # nothing new
    assert view.ladder[1].action is not None and view.ladder[1].action.startswith(
        "sam.okafor was already suspended: by ada.admin on "
    )
    assert view.ladder[1].action.endswith("(Shared account.)")
    assert view.ladder[2].action is not None and view.ladder[2].action.startswith(
        "Northgate College's portal permissions were already disabled: by ada.admin"
    )
    with services.db.transaction(read_only=True) as s:
        pointed = select(BreachIncidentStep.step, BreachIncidentStep.security_action_id)
        points = dict(s.execute(pointed).all())
        actions = dict(s.execute(select(SecurityAction.action, SecurityAction.id)).all())
    assert points == {
        U: actions[SecurityActionKind.SUSPEND_USER],
        O: actions[SecurityActionKind.DISABLE_ORGANISATION],
    }


def test_a_user_suspended_without_a_security_action(
    services: Services, college: None, ana: Actor
) -> None:
    with services.db.transaction() as s:
        _user(s, "sam.okafor").status = AccountStatus.SUSPENDED  # locked out by the portal
    reference = breach(services)
    view = services.breach_incidents.confirm_step(ana, reference, U, "Locked out already.")
    assert view.ladder[1].action == "sam.okafor was already suspended when the step was taken"
    assert count(services, SecurityAction) == 0


@pytest.mark.parametrize(
    ("ukprn", "sender", "step", "missing"),
    [
        (None, None, U, "portal user is not known"),
        (UKPRN, None, U, "portal user is not known"),
        (None, None, O, "organisation is not known"),
    ],
)
def test_an_acting_step_needs_the_sender(
    services: Services,
    college: None,
    ana: Actor,
    ukprn: str | None,
    sender: str | None,
    step: LadderStep,
    missing: str,
) -> None:
    reference = breach(services, ukprn=ukprn, sender=sender)
    case = services.breach_incidents.show(ana, reference).case_reference
    with pytest.raises(ValidationError) as refused:
        services.breach_incidents.confirm_step(ana, reference, step, "Repeat offender.")
    assert missing in refused.value.message
    assert f"set the sender on case {case} first" in refused.value.message
    assert count(services, BreachIncidentStep) == 0
    assert count(services, SecurityAction) == 0
    # Contacting needs no sender in the directory.
    services.breach_incidents.confirm_step(ana, reference, C, "Emailed the sender.")


def test_an_agent_is_refused_and_audited(services: Services, college: None, agent: Actor) -> None:
    reference = breach(services)
    with pytest.raises(PermissionDenied):
        services.breach_incidents.confirm_step(agent, reference, U, "")
    with pytest.raises(PermissionDenied):
        services.breach_incidents.show(agent, reference)
    with pytest.raises(PermissionDenied):
        services.breach_incidents.close(agent, reference, "Done.")
    denied = audit_log(services, outcome="denied")
    assert {(e.action, e.actor, e.subject_id) for e in denied} == {
        ("confirm-breach-step", "kim.lee", reference),
        ("show-breach-incident", "kim.lee", reference),
        ("close-breach-incident", "kim.lee", reference),
    }
    assert sam_status(services) is AccountStatus.ACTIVE
    assert count(services, BreachIncidentStep) == 0


def test_a_stale_screen_is_refused(services: Services, college: None, ana: Actor) -> None:
    reference = breach(services)
    seen = services.breach_incidents.show(ana, reference).row_version
    other = analyst(services, "bo.other")
    services.breach_incidents.confirm_step(other, reference, C, "")
    with pytest.raises(StaleIncident) as refused:
        services.breach_incidents.confirm_step(
            ana, reference, I, "Reported.", expected_version=seen
        )
    assert "Latest step: 'Contact the user and the organisation's super user' by bo.other" in str(
        refused.value
    )
    assert count(services, BreachIncidentStep) == 1
    (failed,) = audit_log(services, actions=["confirm-breach-step"], outcome="failed")
    assert failed.detail == {"outcome": StaleIncident.audit_summary}


def test_a_step_twice_is_refused_naming_who_took_it(
    services: Services, college: None, ana: Actor
) -> None:
    reference = breach(services)
    services.breach_incidents.confirm_step(ana, reference, U, "Suspend.")
    other = analyst(services, "bo.other")
    with pytest.raises(StepAlreadyTaken) as refused:
        services.breach_incidents.confirm_step(other, reference, U, "Suspend again.")
    assert refused.value.by == "ana.lyst" and refused.value.at == TEST_NOW
    assert "'User permissions disabled' was already taken on" in str(refused.value)
    assert "by ana.lyst on Mon 23 Nov 2026 10:00" in str(refused.value)
    assert count(services, SecurityAction) == 1


def test_the_unique_step_is_the_backstop(
    services: Services, college: None, ana: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the look finds nothing (another analyst's step committed after it), the unique
    (incident, step) refuses the second, naming who took it; nothing else is written."""
    reference = breach(services)
    services.breach_incidents.confirm_step(ana, reference, U, "Suspend.")
    version = services.breach_incidents.show(ana, reference).row_version
    real = module._step_taken
    missed: list[bool] = []

    def missed_once(s: Session, incident: BreachIncident, step: LadderStep) -> Any:
        if not missed:
            missed.append(True)
            return None  # as if the other analyst had not committed yet
        return real(s, incident, step)

    monkeypatch.setattr(module, "_step_taken", missed_once)
    with pytest.raises(StepAlreadyTaken, match=r"by ana\.lyst"):
        services.breach_incidents.confirm_step(
            analyst(services, "bo.other"), reference, U, "Suspend again."
        )
    assert missed
    assert count(services, BreachIncidentStep) == 1
    assert services.breach_incidents.show(ana, reference).row_version == version


# --- closing --------------------------------------------------------------------------------------


def test_close_and_a_closed_incident_is_refused(
    services: Services, college: None, ana: Actor
) -> None:
    reference = breach(services)
    services.breach_incidents.confirm_step(ana, reference, C, "")
    with pytest.raises(ValidationError) as refused:
        services.breach_incidents.close(ana, reference, " ")
    assert refused.value.field == "Note"
    seen = services.breach_incidents.show(ana, reference).row_version
    view = services.breach_incidents.close(
        ana, reference, "Sender re-trained.", expected_version=seen
    )
    assert view.status is IncidentStatus.CLOSED
    assert (view.closed_at, view.closed_by, view.close_note) == (
        TEST_NOW,
        "ana.lyst",
        "Sender re-trained.",
    )
    assert view.proposed is None and not any(row.proposed for row in view.ladder)
    (closed,) = audit_log(services, actions=["close-breach-incident"], outcome="ok")
    assert closed.detail["note"] == "Sender re-trained."
    with pytest.raises(IncidentClosed, match=r"closed by ana\.lyst on Mon 23 Nov 2026 10:00"):
        services.breach_incidents.confirm_step(ana, reference, U, "Late.")
    with pytest.raises(IncidentClosed):
        services.breach_incidents.close(ana, reference, "Again.")
    assert sam_status(services) is AccountStatus.ACTIVE
    org = services.organisations.show(ana, UKPRN)
    assert [(i.status, i.furthest) for i in org.incidents] == [(IncidentStatus.CLOSED, C)]


def test_an_organisation_without_incidents_shows_none(
    services: Services, college: None, ana: Actor
) -> None:
    assert services.organisations.show(ana, UKPRN).incidents == ()
