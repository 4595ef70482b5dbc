"""The organisation directory and the desk's security actions (issue 12 items 1, 2 and 4;
User Guide §3.1 super users, §3.2 the desk does not reset passwords, §3.3 housekeeping,
§1.4's escalation and §3.5.6.1 manual suspension; DOMAIN.md "Accounts and super users")."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from factories import audit_log, desk_admin, organisation, portal_user
from sqlalchemy import func, select, update

from lrs_core.actor import Actor
from lrs_core.db.models import PortalUser, SecurityAction, SuperUserCase
from lrs_core.domain.kinds import (
    AccountStatus,
    PortalRole,
    SecurityActionKind,
    SuperUserCaseStatus,
    SuperUserLossReason,
)
from lrs_core.errors import NotFound, PermissionDenied, ValidationError
from lrs_core.services import Services
from lrs_core.services.accounts_view import (
    DESK_DOES_NOT_RESET,
    NO_SUPER_USER_CAN_ACT,
    ONLY_SUPER_USER,
)
from lrs_core.services.organisations import FIND_LIMIT, AlreadyDone

UKPRN = "10012345"
HOSTILE = [
    entry["text"]
    for entry in json.loads((Path(__file__).parent.parent / "data/hostile-text.json").read_text())
    if entry["name"] in {"osc-title", "csi-clear", "bel", "newline-forgery", "bidi-rlo", "nul"}
]
LONG_AGO = datetime(2025, 9, 1, 9, tzinfo=UTC)  # over 12 months before the clock's 23 Nov 2026


@pytest.fixture
def org(services: Services) -> None:
    """Northgate College: two super users who can act, one on leave, one suspended, one
    deleted; an online user who has not signed in for over a year; a generic "exams.office"."""
    with services.db.transaction() as s:
        college = organisation(s, UKPRN, "Northgate College")
        portal_user(s, college, "amy.brook", "Amy", "Brook")
        portal_user(s, college, "zoe.muller", "Zoë", "Müller")
        portal_user(s, college, "lee.park", "Lee", "Park", on_long_term_leave=True)
        portal_user(s, college, "ola.suspended", "Ola", "Bell", status="suspended")
        portal_user(s, college, "old.leaver", "Ned", "Gone", status="deleted")
        portal_user(s, college, "tom.dormant", "Tom", "Dale", roles=("online-user",),
                    last_sign_in_at=LONG_AGO)  # fmt: skip
        portal_user(s, college, "exams.office", "Exams", "Office", roles=("batch-user",))
        organisation(s, "10054321", "St. Mary's C of E School", kind="school")
        organisation(s, "10099999", "Northgate_Academy 100%", kind="school")


def summaries(services: Services, actor: Actor, query: str) -> list[str]:
    found, _more = services.organisations.find(actor, query)
    return [f.ukprn for f in found]


# --- find (§3, issue item 1) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("10012345", ["10012345"]),
        (" 1001 2345 ", ["10012345"]),  # spaces trimmed
        ("northgate", ["10012345", "10099999"]),  # sorted by name
        ("NORTHGATÉ coll", ["10012345"]),  # folded: case, accents
        ("st marys", ["10054321"]),  # punctuation dropped
        ("St. Mary's C of E", ["10054321"]),
        ("ry", ["10054321"]),  # two characters are enough
        ("academy 100", ["10099999"]),
    ],
)
def test_find_by_ukprn_or_folded_partial_name(
    services: Services, agent: Actor, org: None, query: str, expected: list[str]
) -> None:
    assert summaries(services, agent, query) == expected


def test_a_query_s_wildcards_fold_away(services: Services, agent: Actor, org: None) -> None:
    # "%" and "_" in a query are punctuation, folded to a space, never LIKE's wildcards:
    # "n%e" folds to "n e", which no name holds.
    assert summaries(services, agent, "n%e") == []
    assert summaries(services, agent, "gate_aca") == ["10099999"]


def test_an_unknown_well_formed_ukprn_finds_nothing(
    services: Services, agent: Actor, org: None
) -> None:
    assert services.organisations.find(agent, "19999999") == ((), False)


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("1234567", "UKPRN", "8 digits"),
        ("123456789", "UKPRN", "8 digits"),
        ("01234567", "UKPRN", "cannot start with 0"),
        ("x", "Organisation", "at least 2"),
        ("'.'", "Organisation", "at least 2"),
        ("   ", "Organisation", "required"),
        ("North\x1b[2Jgate", "Organisation", ""),
    ],
)
def test_find_refuses_a_malformed_query_naming_the_rule(
    services: Services, agent: Actor, org: None, query: str, field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.organisations.find(agent, query)
    assert caught.value.field == field and words in caught.value.message


def test_find_counts_only_super_users_who_can_act_and_warns_per_section_3_1(
    services: Services, agent: Actor, org: None
) -> None:
    # §3.1: at least three super users recommended, no more than five. On leave, suspended
    # and deleted super users do not count; neither does a non-super user.
    (found,), more = services.organisations.find(agent, UKPRN)
    assert not more
    assert found.active_super_users == 2
    assert found.super_user_warning is not None and "only 2" in found.super_user_warning
    with services.db.transaction() as s:
        seven = organisation(s, "10077777", "Sevenoaks Training Ltd", kind="training-provider")
        for n in range(7):
            portal_user(s, seven, f"su{n}.seven", "Sam", f"Seven{'abcdefg'[n]}")
        organisation(s, "10000001", "Sevenoaks Empty School", kind="school")
    by_ukprn = {f.ukprn: f for f in services.organisations.find(agent, "sevenoaks")[0]}
    assert by_ukprn["10077777"].active_super_users == 7
    assert "more than the 5" in (by_ukprn["10077777"].super_user_warning or "")
    assert by_ukprn["10000001"].active_super_users == 0
    assert "no active super user" in (by_ukprn["10000001"].super_user_warning or "")


def test_find_returns_at_most_the_limit_and_says_there_were_more(
    services: Services, agent: Actor
) -> None:
    with services.db.transaction() as s:
        for n in range(FIND_LIMIT + 1):
            organisation(s, f"{10020000 + n}", f"Limit Academy {n:03d}", kind="school")
    found, more = services.organisations.find(agent, "limit academy")
    assert len(found) == FIND_LIMIT and more
    assert [f.name for f in found] == sorted(f.name for f in found)
    found, more = services.organisations.find(agent, "limit academy 00")
    assert len(found) == 10 and not more


def test_find_is_not_audited_but_a_refusal_is(services: Services, agent: Actor, org: None) -> None:
    before = len(audit_log(services))
    services.organisations.find(agent, "northgate")
    assert len(audit_log(services)) == before  # no one's personal data
    nobody = Actor("ghost", agent.role, "Ghost", None)
    with pytest.raises(PermissionDenied):
        services.organisations.find(nobody, "northgate")
    assert audit_log(services, actions=["find-organisation"])[0].outcome == "denied"


# --- show --------------------------------------------------------------------------------------


def test_show_lists_super_users_active_first_and_deleted_last_with_counts_and_flags(
    services: Services, agent: Actor, org: None
) -> None:
    view = services.organisations.show(agent, UKPRN)
    assert [u.username for u in view.super_users] == [
        "amy.brook",
        "zoe.muller",
        "ola.suspended",  # Bell
        "lee.park",  # on leave
        "old.leaver",  # deleted, last
    ]
    assert len(view.users) == 7
    roles = dict(view.by_role)
    assert roles[PortalRole.SUPER_USER] == 4  # the deleted one not counted
    assert roles[PortalRole.ONLINE_USER] == 1 and roles[PortalRole.BATCH_USER] == 1
    assert dict(view.by_status) == {
        AccountStatus.ACTIVE: 5,
        AccountStatus.SUSPENDED: 1,
        AccountStatus.DELETED: 1,
    }
    flags = {u.username: u.flags for u in view.users}
    assert flags["tom.dormant"] == ("dormant: 12+ months",)  # §3.3, [organisations] 12 months
    assert flags["exams.office"] == ("generic username",)
    assert flags["old.leaver"] == ()
    assert view.flagged == 2
    assert view.phone == "0113 496 0500" and view.agreement_signatory == "Priya Shah"
    assert view.summary.active_super_users == 2


def test_show_is_an_audited_look_and_an_unknown_ukprn_is_named(
    services: Services, agent: Actor, org: None
) -> None:
    services.organisations.show(agent, UKPRN)
    (entry,) = audit_log(services, actions=["view-organisation"])
    assert (entry.actor, entry.subject_type, entry.subject_id, entry.outcome) == (
        "kim.lee",
        "organisation",
        UKPRN,
        "ok",
    )
    with pytest.raises(NotFound, match="no organisation has UKPRN 19999999"):
        services.organisations.show(agent, "19999999")
    assert audit_log(services, actions=["view-organisation"])[0].outcome == "failed"
    with pytest.raises(ValidationError, match="UKPRN"):
        services.organisations.show(agent, "1234")


def test_show_lists_security_actions_and_cases_newest_first(
    services: Services, admin: Actor, agent: Actor, org: None, clock: object
) -> None:
    services.organisations.suspend_user(admin, "amy.brook", "Sent a learner file unencrypted.")
    services.organisations.disable_organisation(admin, UKPRN, "Repeated breaches (§1.4).")
    with services.db.transaction() as s:
        org_id = services.organisations.show(agent, UKPRN).summary.id
        for n, status in enumerate((SuperUserCaseStatus.REJECTED, SuperUserCaseStatus.PREPARED)):
            s.add(
                SuperUserCase(
                    reference=f"SU-{UKPRN}-000{n + 1}",
                    organisation_id=org_id,
                    reason=SuperUserLossReason.LEFT,
                    form_received_on=datetime(2026, 11, 1 + n).date(),
                    status=status,
                    prepared_by_operator_id=admin.operator_id,
                    prepared_at=datetime(2026, 11, 2 + n, 9, tzinfo=UTC),
                    signatory_name="Priya Shah" if n == 1 else None,
                )
            )
    view = services.organisations.show(agent, UKPRN)
    assert [a.action for a in view.security_actions] == [
        SecurityActionKind.DISABLE_ORGANISATION,
        SecurityActionKind.SUSPEND_USER,
    ]
    latest, first = view.security_actions
    assert latest.label == "portal permissions disabled" and latest.operator == "ada.admin"
    assert first.portal_username == "amy.brook" and first.reason.startswith("Sent a learner")
    assert [c.reference for c in view.cases] == [f"SU-{UKPRN}-0002", f"SU-{UKPRN}-0001"]
    assert view.cases[0].missing == ("new super user", "call-back")
    assert view.cases[0].prepared_by == "ada.admin"
    assert view.cases[1].missing == ()  # a closed case lacks nothing


# --- portal users (§3.5.3's Find User; §3.2) ---------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("amy.brook", ["amy.brook"]),
        ("AMY.BR", ["amy.brook"]),  # by its start, any case
        ("zoe muller", ["zoe.muller"]),  # names folded: accents
        ("Müller Zoë", ["zoe.muller"]),  # either order
        ("tom", ["tom.dormant"]),
        ("bro", ["amy.brook"]),  # a word begins a name
        ("ook", []),  # but not from its middle
        ("Sam Okafor", []),
    ],
)
def test_find_users_by_username_or_folded_names(
    services: Services, agent: Actor, org: None, query: str, expected: list[str]
) -> None:
    assert [u.username for u in services.organisations.find_users(agent, query)] == expected


def test_find_users_within_one_organisation_and_audited(
    services: Services, agent: Actor, org: None
) -> None:
    with services.db.transaction() as s:
        other = organisation(s, "10054322", "Eastmoor College")
        portal_user(s, other, "amy.brook2", "Amy", "Brook")
    assert [u.username for u in services.organisations.find_users(agent, "amy brook")] == [
        "amy.brook",
        "amy.brook2",
    ]
    within = services.organisations.find_users(agent, "amy brook", ukprn="10054322")
    assert [u.username for u in within] == ["amy.brook2"]
    entry = audit_log(services, actions=["find-portal-user"])[0]
    assert entry.detail == {"shown": ["amy.brook2"], "organisation": "10054322"}
    with pytest.raises(NotFound):
        services.organisations.find_users(agent, "amy", ukprn="19999999")


def test_find_users_at_most_fifty(services: Services, agent: Actor) -> None:
    with services.db.transaction() as s:
        big = organisation(s)
        for n in range(55):
            portal_user(s, big, f"pat.lee{n}", "Pat", "Lee", roles=("online-user",))
    assert len(services.organisations.find_users(agent, "pat lee")) == 50


def test_portal_user_view_names_super_users_to_contact_and_never_a_secret(
    services: Services, agent: Actor, org: None
) -> None:
    # §3.2 (in bold): the desk does not reset passwords or unlock accounts; the view names
    # the organisation's super users who can act.
    with services.db.transaction() as s:
        query = select(PortalUser).where(PortalUser.username == "tom.dormant")
        user = s.execute(query).scalar_one()
        user.secret_question = "First pet?"
        user.secret_answer_hash = "$argon2id$answer"
    view = services.organisations.portal_user(agent, "Tom.Dormant")
    assert view.user.username == "tom.dormant"
    assert [u.username for u in view.contact_super_users] == ["amy.brook", "zoe.muller"]
    assert view.desk_advice == DESK_DOES_NOT_RESET
    assert view.organisation.ukprn == UKPRN and view.phone == "0113 496 0101"
    text = repr(view)
    for secret in ("argon2", "First pet", "password_hash", "secret"):
        assert secret not in text
    (entry,) = audit_log(services, actions=["view-portal-user"])
    assert (entry.subject_type, entry.subject_id, entry.outcome) == (
        "portal_user",
        "tom.dormant",
        "ok",
    )


def test_a_super_user_is_not_their_own_contact_and_none_left_means_the_form(
    services: Services, agent: Actor
) -> None:
    # §3.6: with no super user who can act, the organisation needs a Change of Super User form.
    with services.db.transaction() as s:
        school = organisation(s, "10011111", "Ashdown Academy", kind="school")
        portal_user(s, school, "only.super", "Una", "Only", status="suspended")
        portal_user(s, school, "sole.active", "Sol", "Active")
        portal_user(s, school, "exams.clerk", "Eve", "Clerk", roles=("batch-user",))
    view = services.organisations.portal_user(agent, "sole.active")
    assert view.contact_super_users == ()
    assert view.desk_advice == f"{DESK_DOES_NOT_RESET} {ONLY_SUPER_USER}"
    view = services.organisations.portal_user(agent, "only.super")
    assert [u.username for u in view.contact_super_users] == ["sole.active"]
    assert view.desk_advice == DESK_DOES_NOT_RESET
    with services.db.transaction() as s:
        s.execute(
            update(PortalUser)
            .where(PortalUser.username == "sole.active")
            .values(on_long_term_leave=True)
        )
    view = services.organisations.portal_user(agent, "exams.clerk")
    assert view.contact_super_users == ()
    assert view.desk_advice == f"{DESK_DOES_NOT_RESET} {NO_SUPER_USER_CAN_ACT}"
    assert "Change of Super User form" in view.desk_advice


def test_an_unknown_portal_user_is_named_and_the_failed_look_audited(
    services: Services, agent: Actor, org: None
) -> None:
    with pytest.raises(NotFound, match=r"no\.one"):
        services.organisations.portal_user(agent, "no.one")
    assert audit_log(services, actions=["view-portal-user"])[0].outcome == "failed"


# --- security actions (§1.4, §3.5.6.1) ---------------------------------------------------------


def security_actions(services: Services) -> list[SecurityAction]:
    with services.db.transaction(read_only=True) as s:
        return list(s.scalars(select(SecurityAction).order_by(SecurityAction.id)))


def test_an_admin_suspends_a_portal_user_with_the_reason_audited(
    services: Services, admin: Actor, org: None
) -> None:
    view = services.organisations.suspend_user(admin, "amy.brook", "Shared their password.")
    assert view.user.status is AccountStatus.SUSPENDED
    assert [a.reason for a in view.security_actions] == ["Shared their password."]
    assert view.organisation.active_super_users == 1  # shown on the organisation at once
    (action,) = security_actions(services)
    assert action.action is SecurityActionKind.SUSPEND_USER
    assert action.operator_id == admin.operator_id
    (entry,) = audit_log(services, actions=["suspend-portal-user"])
    assert entry.subject_id == "amy.brook" and entry.outcome == "ok"
    assert entry.detail == {"organisation": UKPRN, "reason": "Shared their password."}


@pytest.mark.parametrize("username", ["ola.suspended", "old.leaver"])
def test_suspending_a_suspended_or_deleted_user_is_refused(
    services: Services, admin: Actor, org: None, username: str
) -> None:
    with pytest.raises(AlreadyDone, match=f"{username} is already"):
        services.organisations.suspend_user(admin, username, "Breach.")
    assert security_actions(services) == []
    assert audit_log(services, actions=["suspend-portal-user"])[0].outcome == "failed"


def test_a_second_suspension_names_who_suspended_and_when(
    services: Services, admin: Actor, org: None
) -> None:
    other = desk_admin(services, "other.admin")
    services.organisations.suspend_user(admin, "amy.brook", "Breach one.")
    with pytest.raises(AlreadyDone) as caught:
        services.organisations.suspend_user(other, "amy.brook", "Breach two.")
    assert caught.value.by == "ada.admin"
    assert "by ada.admin on Mon 23 Nov 2026 10:00 (Breach one.)" in str(caught.value)
    assert len(security_actions(services)) == 1


def test_an_admin_disables_and_re_enables_an_organisations_portal_permissions(
    services: Services, admin: Actor, org: None
) -> None:
    view = services.organisations.disable_organisation(admin, UKPRN, "Third breach (§1.4).")
    assert not view.summary.portal_enabled
    with pytest.raises(AlreadyDone, match=r"already disabled: by ada\.admin"):
        services.organisations.disable_organisation(admin, UKPRN, "Again.")
    view = services.organisations.enable_organisation(admin, UKPRN, "Training done.")
    assert view.summary.portal_enabled
    with pytest.raises(AlreadyDone, match=r"already enabled: by ada\.admin"):
        services.organisations.enable_organisation(admin, UKPRN, "Again.")
    assert [a.action for a in security_actions(services)] == [
        SecurityActionKind.DISABLE_ORGANISATION,
        SecurityActionKind.ENABLE_ORGANISATION,
    ]
    assert [(e.action, e.outcome) for e in audit_log(services)][:4] == [
        ("enable-organisation", "failed"),
        ("enable-organisation", "ok"),
        ("disable-organisation", "failed"),
        ("disable-organisation", "ok"),
    ]
    assert audit_log(services, actions=["disable-organisation"])[1].detail == {
        "reason": "Third breach (§1.4)."
    }


@pytest.mark.parametrize("typed", ["\x1b[2J\x1b[H", "1234", "A" * 100_000, ""])
@pytest.mark.parametrize(
    "act",
    [
        lambda svc, who, typed: svc.organisations.suspend_user(who, typed, "Breach."),
        lambda svc, who, typed: svc.organisations.disable_organisation(who, typed, "Breach."),
        lambda svc, who, typed: svc.organisations.enable_organisation(who, typed, "Breach."),
    ],
    ids=["suspend", "disable", "enable"],
)
def test_an_agent_is_refused_an_admin_action_whatever_they_type_and_audited(
    services: Services, agent: Actor, org: None, act: object, typed: str
) -> None:
    # §1.4: the security actions are admins'. The permission is checked first: an agent's
    # attempt with a malformed username or UKPRN was a ValidationError nobody audited. The
    # refusal names what was typed made visible and cut to the trail's subject column.
    with pytest.raises(PermissionDenied):
        act(services, agent, typed)  # type: ignore[operator]
    entry = audit_log(services)[0]
    assert (entry.actor, entry.outcome) == ("kim.lee", "denied")
    assert len(entry.subject_id) <= 64 and "\x1b" not in entry.subject_id


def test_enabling_an_organisation_never_disabled_is_refused_without_a_name(
    services: Services, admin: Actor, org: None
) -> None:
    with pytest.raises(AlreadyDone, match="already enabled: nothing was changed"):
        services.organisations.enable_organisation(admin, UKPRN, "Why not.")


@pytest.mark.parametrize(
    "act",
    [
        lambda svc, who: svc.organisations.suspend_user(who, "amy.brook", "Breach."),
        lambda svc, who: svc.organisations.disable_organisation(who, UKPRN, "Breach."),
        lambda svc, who: svc.organisations.enable_organisation(who, UKPRN, "Breach."),
    ],
    ids=["suspend", "disable", "enable"],
)
def test_an_agent_reads_but_is_refused_the_security_actions_and_audited(
    services: Services, agent: Actor, org: None, act: object
) -> None:
    assert services.organisations.show(agent, UKPRN).summary.ukprn == UKPRN
    with pytest.raises(PermissionDenied):
        act(services, agent)  # type: ignore[operator]
    entry = audit_log(services)[0]
    assert entry.actor == "kim.lee" and entry.outcome == "denied"
    assert security_actions(services) == []
    with services.db.transaction(read_only=True) as s:
        suspended = s.execute(
            select(func.count()).where(PortalUser.status == AccountStatus.SUSPENDED)
        ).scalar_one()
    assert suspended == 1  # only the fixture's


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501, *HOSTILE])
@pytest.mark.parametrize("action", ["suspend", "disable"])
def test_a_reason_is_required_one_line_and_clean(
    services: Services, admin: Actor, org: None, reason: str, action: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        if action == "suspend":
            services.organisations.suspend_user(admin, "amy.brook", reason)
        else:
            services.organisations.disable_organisation(admin, UKPRN, reason)
    assert caught.value.field == "Reason"
    assert security_actions(services) == []
    entry = audit_log(services)[0]
    assert entry.outcome == "failed" and entry.detail["field"] == "Reason"
    assert services.organisations.show(admin, UKPRN).summary.portal_enabled


def test_unknown_targets_of_a_security_action_are_named(
    services: Services, admin: Actor, org: None
) -> None:
    with pytest.raises(NotFound, match=r"no portal user has the username no\.one"):
        services.organisations.suspend_user(admin, "no.one", "Breach.")
    with pytest.raises(NotFound, match="no organisation has UKPRN 19999999"):
        services.organisations.disable_organisation(admin, "19999999", "Breach.")


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_in_a_look_is_refused_naming_the_field(
    services: Services, agent: Actor, org: None, hostile: str
) -> None:
    looks = {
        "Organisation": lambda: services.organisations.find(agent, hostile),
        "Portal user": lambda: services.organisations.find_users(agent, hostile),
        "Username": lambda: services.organisations.portal_user(agent, hostile),
    }
    for field, look in looks.items():
        with pytest.raises(ValidationError) as caught:
            look()
        assert caught.value.field == field
