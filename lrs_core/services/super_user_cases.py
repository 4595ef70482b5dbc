"""Super-user reinstatement (User Guide §3.6; DOMAIN.md "Accounts and super users"): a Change
of Super User form handled as a case. One admin opens it and records the checks: the reason
against the data, the signatory and the hand signature, a call-back on the register's number
(never the form's), the new super user's details; a second admin, who recorded none of it,
approves or rejects with a reason. Only approval creates the account, in one transaction,
with a one-time password returned once and stored only as its Argon2id hash.

Every step is REINSTATE_SUPER_USER (admins), one transaction, audited (refusals too); a
change locks the case row and refuses a stale screen (``expected_version``).

What holds under concurrency, and how:

- one live case per organisation: ``open`` locks the organisation's row (``FOR UPDATE``)
  before it looks for a live case and numbers the new one, so a second admin opening a case
  for the same organisation waits, then sees the first one's; the partial unique index
  ``ux_super_user_case_live_organisation`` is the backstop (its violation becomes a clear
  refusal);
- one approval: ``approve`` locks the case row, so a second approval waits and then finds it
  approved;
- no second super user by surprise: ``approve`` locks the organisation's row and every one of
  its portal users' rows before it checks again that none can act. A portal user added
  meanwhile takes a key-share lock on the organisation's row (its foreign key), a role added
  one on the user's row, a user reactivated the row itself: each either committed before the
  check (which then sees it and refuses) or waits for the approval's commit;
- a unique username: the portal user's unique constraint; its violation becomes "username X
  was taken meanwhile".

The one-time password exists only in the :class:`Approval` returned (``repr=False``): the
database holds its Argon2id hash, and no audit detail, timeline entry, log record or error
message ever holds it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import case as sql_case
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from lrs_core.actor import Actor
from lrs_core.config import Settings
from lrs_core.db.database import Database
from lrs_core.db.locks import hold_until_commit
from lrs_core.db.models import (
    Operator,
    Organisation,
    PortalUser,
    PortalUserRole,
    SuperUserCase,
    SuperUserCaseEvent,
)
from lrs_core.domain.accounts import (
    CALLBACK_NEEDS,
    CASE_STEPS,
    LOSS_REASON_LABELS,
    OLD_ACCOUNT_FATE,
    PERSON_TEXT_MAX,
    NewSuperUser,
    Signatory,
    agreement_note,
    case_reference,
    check_callback,
    check_new_super_user,
    check_signatory,
    display_phone,
    lost_super_user,
    phone_digits,
    portal_username,
    reason_caution,
)
from lrs_core.domain.kinds import (
    AccountStatus,
    PortalRole,
    SuperUserCaseStatus,
    SuperUserLossReason,
)
from lrs_core.domain.names import name_key, validate_text
from lrs_core.domain.support_hours import LONDON, desk_time
from lrs_core.domain.values import display_date, parse_date, quoted, validate_ukprn
from lrs_core.errors import LrsError, NotFound, PermissionDenied, ValidationError
from lrs_core.passwords import hash_password, one_time_password
from lrs_core.permissions import Permission
from lrs_core.services.accounts_view import (
    Approval,
    CaseStep,
    CaseSummary,
    SuperUserCaseView,
    account_facts,
    audit_subject,
    case_missing,
    case_summary,
    organisation_users,
    phone_shown,
    summary,
    user_row,
)
from lrs_core.services.audit import AuditService, Clock, append

# A form older than this is not acted on: the people it names (the signatory, the new super
# user) and the accounts it describes may have changed since it was signed, and an old form
# found in a drawer is a forger's cheapest tool. Three months leaves time for the post and
# the desk's checks; the organisation is asked for a form signed now.
FORM_MAX_AGE_DAYS = 90
DECISION_MAX = 1000  # a rejection's reason
SUBJECT = "super-user-case"
LIVE = (SuperUserCaseStatus.PREPARED, SuperUserCaseStatus.APPROVED)
# The steps that prepare a case: an admin who recorded any of them cannot approve it.
PREPARING_STEPS = ("opened", *CASE_STEPS)
_REFERENCE = re.compile(r"SU-[0-9]{8}-[0-9]{4}")
_QUOTED = 160  # characters of the latest timeline entry a stale-screen refusal repeats


# --- errors -----------------------------------------------------------------------------------


class CaseAlreadyOpen(LrsError):
    """The organisation already has a live case (prepared or approved): carry on with it."""

    audit_summary = "refused: a live case exists"


class StaleCase(LrsError):
    """The case changed after the screen showed it; the message says what changed."""

    audit_summary = "refused: the case changed meanwhile"


class SecondAdminRequired(PermissionDenied):
    """§3.6's two admins: the one who prepared a case (opened it or recorded any of its
    checks) cannot approve it. Audited as denied."""

    audit_summary = "refused: a second admin must approve"


class UsernameTaken(LrsError):
    """The new super user's username was taken after the case recorded it."""

    audit_summary = "refused: the username was taken meanwhile"


# --- the service ------------------------------------------------------------------------------


class SuperUserCaseService:
    def __init__(self, db: Database, audit: AuditService, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.audit = audit
        self.clock = clock
        self.settings = settings

    # -- opening -----------------------------------------------------------------------------

    def open(
        self,
        actor: Actor,
        ukprn: str,
        reason: SuperUserLossReason | str,
        form_received_on: date | str,
        *,
        old_username: str | None = None,
        form_phone: str | None = None,
    ) -> SuperUserCaseView:
        """Open a case (status prepared): refused while the organisation has a super user
        who can act (named), when the reason does not fit the data, when a live case exists."""
        subject = audit_subject(ukprn if isinstance(ukprn, str) else str(ukprn))
        with self.audit.guarded(
            actor, Permission.REINSTATE_SUPER_USER, "open-super-user-case", "organisation", subject
        ) as session:
            now = self.clock()
            checked_ukprn = validate_ukprn(subject)
            why = _reason(reason)
            received = _form_date(form_received_on, _today(now))
            phone = _form_phone(form_phone)
            # The organisation's row, locked to the commit: a second admin opening a case for
            # it waits here, then sees this one's case (and its number is not reused).
            organisation = _organisation(session, checked_ukprn, for_update=True)
            users = organisation_users(session, organisation.id)
            old_id = _old_id(users, old_username, organisation) if old_username else None
            _refuse_disabled(organisation)
            old = lost_super_user(why, [account_facts(u) for u in users], old_id)
            live = _live_case(session, organisation.id)
            if live is not None:
                who = _username(session, live.prepared_by_operator_id)
                raise CaseAlreadyOpen(
                    f"{organisation.name} already has a live case, {live.reference}"
                    f" ({live.status}), prepared by {who} on {desk_time(live.prepared_at)}:"
                    " carry on with it, or reject it first"
                )
            case = SuperUserCase(
                reference=case_reference(
                    organisation.ukprn, _next_number(session, organisation.id)
                ),
                organisation_id=organisation.id,
                reason=why,
                form_received_on=received,
                old_portal_user_id=old.id if old else None,
                status=SuperUserCaseStatus.PREPARED,
                prepared_by_operator_id=actor.operator_id,
                prepared_at=now,
                form_phone=phone,
                updated_at=now,
            )
            session.add(case)
            name = organisation.name  # read now: a failed insert expires the session's rows
            try:
                session.flush()
            except IntegrityError:
                # The partial unique index: another admin's case committed between the check
                # and this insert (it cannot while the organisation's row is locked: a backstop).
                raise CaseAlreadyOpen(
                    f"another admin has just opened a case for {name}:"
                    " reload the organisation and carry on with theirs"
                ) from None
            lost = f"{old.name} ({old.username})" if old else "none on record"
            text = (
                f"Change of Super User form received {display_date(received)}: the super user"
                f" is {LOSS_REASON_LABELS[why]}; lost super user: {lost}"
            )
            if phone:
                text += f"; the form's telephone: {phone} (never dialled for the call-back)"
            _timeline(session, case, actor, "opened", text, now)
            session.flush()
            append(
                session,
                actor,
                "open-super-user-case",
                SUBJECT,
                case.reference,
                detail={
                    "organisation": organisation.ukprn,
                    "reason": str(why),
                    "form_received_on": received.isoformat(),
                    "old_username": old.username if old else "",
                },
                now=now,
            )
            return self._view(session, actor, case, now)

    # -- the preparing admin's checks --------------------------------------------------------

    def record_signatory(
        self,
        actor: Actor,
        reference: str,
        *,
        name: str,
        job_title: str,
        is_manager: bool,
        signed_agreement: bool,
        hand_signed: bool,
        form_phone: str | None = None,
        expected_version: int | None = None,
    ) -> SuperUserCaseView:
        """§3.6: the form hand-signed by a member of staff of manager status or above
        (preferably whoever signed the Organisation Agreement: the view says whether the
        register agrees). A typed signature or a signatory below manager is refused."""

        def apply(
            session: Session, case: SuperUserCase, organisation: Organisation
        ) -> tuple[str, str | None]:
            signatory = check_signatory(
                name,
                job_title,
                is_manager=is_manager,
                signed_agreement=signed_agreement,
                hand_signed=hand_signed,
            )
            before = _signatory_values(case)
            if form_phone is not None and form_phone.strip():
                case.form_phone = _form_phone(form_phone)
            case.signatory_name = signatory.name
            case.signatory_job_title = signatory.job_title
            case.signatory_is_manager = signatory.is_manager
            case.signatory_signed_agreement = signatory.signed_agreement
            case.hand_signed = signatory.hand_signed
            agreement = "signed" if signatory.signed_agreement else "did not sign"
            text = (
                f"{signatory.name}, {signatory.job_title}: manager status or above, signed by"
                f" hand; the form says they {agreement} the Organisation Agreement"
            )
            note = agreement_note(signatory.name, organisation.agreement_signatory)
            text = f"{text}; {note}" if note else text
            return text, _void_callback(case, "the signatory", before, _signatory_values(case))

        return self._step(
            actor, "record-signatory", "signatory", reference, expected_version, apply
        )

    def record_callback(
        self,
        actor: Actor,
        reference: str,
        *,
        dialled: str,
        confirmed_by: str,
        at: datetime | None = None,
        expected_version: int | None = None,
    ) -> SuperUserCaseView:
        """The step that defeats a forged form (§3.6): the admin called the organisation on
        the register's number (``Organisation.phone``), never the form's, and records who
        confirmed the request and when (``at`` defaults to now; a time without a zone is
        London's, as the desk reads it)."""

        def apply(session: Session, case: SuperUserCase, organisation: Organisation) -> str:
            # §3.6: the call-back confirms the request as recorded, so both must be there.
            if case.signatory_name is None or case.new_username is None:
                raise ValidationError("Call-back", CALLBACK_NEEDS)
            now = self.clock()
            when = now if at is None else at
            if when.tzinfo is None:
                when = when.replace(tzinfo=LONDON)
            try:
                local = when.astimezone(LONDON)
            except OverflowError:  # the first or last day Python holds: no such London time
                early = when.replace(tzinfo=None) < now.replace(tzinfo=None)
                raise ValidationError(
                    "Call-back time", "is before the form arrived" if early else "is in the future"
                ) from None
            checked = check_callback(
                dialled,
                confirmed_by,
                local,
                register_phone=organisation.phone,
                form_phone=case.form_phone,
                form_received_on=case.form_received_on,
                now=now,
            )
            case.callback_phone = display_phone(checked.phone)
            case.callback_confirmed_by = checked.confirmed_by
            case.callback_at = checked.at
            case.callback_operator_id = actor.operator_id
            return (
                f"called the register's number, {display_phone(checked.phone)}, at"
                f" {desk_time(checked.at)}: {checked.confirmed_by} confirmed the request:"
                f" signatory {case.signatory_name}, new super user"
                f" {case.new_given_name} {case.new_family_name} ({case.new_username})"
            )

        return self._step(actor, "record-callback", "call-back", reference, expected_version, apply)

    def set_new_super_user(
        self,
        actor: Actor,
        reference: str,
        *,
        title: str,
        given_name: str,
        family_name: str,
        email: str,
        phone: str,
        verification_provided: str,
        expected_version: int | None = None,
    ) -> SuperUserCaseView:
        """§3.5.3: the new super user's details (never the security answer), refused when
        the person already has a portal account (searched first, by name and email); the
        username made from the names as the portal does, unique (a number added when taken,
        by an account or by another live case), a generic one refused (§3.5.1)."""

        def apply(
            session: Session, case: SuperUserCase, organisation: Organisation
        ) -> tuple[str, str | None]:
            new = check_new_super_user(
                title=title,
                given_name=given_name,
                family_name=family_name,
                email=email,
                phone=phone,
                verification_provided=verification_provided,
            )
            _refuse_existing_person(session, new)
            username = _username_for(session, new, case.id)
            before = _new_user_values(case)
            case.new_title = new.title
            case.new_given_name = new.given_name
            case.new_family_name = new.family_name
            case.new_email = new.email
            case.new_phone = display_phone(new.phone) if new.phone else None
            case.new_verification_provided = new.verification_provided
            case.new_username = username
            named = f"{new.title} " if new.title else ""
            text = (
                f"{named}{new.given_name} {new.family_name}, {new.email}; username {username};"
                f" verification provided: {new.verification_provided}"
            )
            return text, _void_callback(case, "the new super user", before, _new_user_values(case))

        return self._step(
            actor,
            "set-new-super-user",
            "new super user",
            reference,
            expected_version,
            apply,
            audit_detail=lambda case: {"new_username": case.new_username or ""},
        )

    # -- reading -----------------------------------------------------------------------------

    def show(self, actor: Actor, reference: str) -> SuperUserCaseView:
        """A case with its checks and timeline, and whether the asking admin may approve
        it. A look at people's details: audited."""
        subject = audit_subject(reference.upper())
        with self.audit.guarded(
            actor, Permission.REINSTATE_SUPER_USER, "show-super-user-case", SUBJECT, subject
        ) as session:
            now = self.clock()
            case = _case(session, _parse_reference(reference))
            view = self._view(session, actor, case, now)
            append(
                session,
                actor,
                "show-super-user-case",
                SUBJECT,
                case.reference,
                detail={"status": str(case.status)},
                now=now,
            )
            return view

    def list(
        self,
        actor: Actor,
        *,
        status: SuperUserCaseStatus | None = None,
        ukprn: str | None = None,
    ) -> tuple[CaseSummary, ...]:
        """The cases, the work first: prepared (waiting for checks or a second admin), then
        approved (a one-time password to hand on), then closed; oldest first within each.
        A look at the new super users' usernames: audited."""
        with self.audit.guarded(
            actor, Permission.REINSTATE_SUPER_USER, "list-super-user-cases", SUBJECT
        ) as session:
            order = sql_case(
                (SuperUserCase.status == SuperUserCaseStatus.PREPARED, 0),
                (SuperUserCase.status == SuperUserCaseStatus.APPROVED, 1),
                else_=2,
            )
            query = (
                select(SuperUserCase, Organisation, Operator.username)
                .join(Organisation, Organisation.id == SuperUserCase.organisation_id)
                .outerjoin(Operator, Operator.id == SuperUserCase.prepared_by_operator_id)
                .order_by(order, SuperUserCase.prepared_at, SuperUserCase.id)
            )
            if status is not None:
                query = query.where(SuperUserCase.status == SuperUserCaseStatus(status))
            within = validate_ukprn(ukprn) if ukprn is not None and ukprn.strip() else None
            if within is not None:
                query = query.where(Organisation.ukprn == within)
            found = tuple(
                case_summary(case, organisation, who or "")
                for case, organisation, who in session.execute(query)
            )
            # A look at portal users (each case's new super user), audited as find-portal-user
            # audits the usernames it shows.
            detail: dict[str, object] = {
                "shown": [c.reference for c in found],
                "new_usernames": [c.new_username for c in found if c.new_username],
            }
            if status is not None:
                detail["status"] = str(status)
            if within is not None:
                detail["organisation"] = within
            append(
                session,
                actor,
                "list-super-user-cases",
                SUBJECT,
                "",
                detail=detail,
                now=self.clock(),
            )
            return found

    # -- the second admin --------------------------------------------------------------------

    def approve(
        self, actor: Actor, reference: str, *, expected_version: int | None = None
    ) -> Approval:
        """The second admin's approval: creates the super-user account with a one-time
        password (returned once, stored only as its Argon2id hash) and applies the reason's
        fate to the old super user, in one transaction. Refused, nothing created: to the
        admin who prepared any of it (audited as denied), while a step is missing, without
        ``expected_version`` (the version the second admin reviewed: required) or with a
        stale one, when the organisation has gained a super user who can act since
        (re-checked now, named)."""
        subject = audit_subject(reference.upper())
        with self.audit.guarded(
            actor, Permission.REINSTATE_SUPER_USER, "approve-super-user-case", SUBJECT, subject
        ) as session:
            now = self.clock()
            case = _case(session, _parse_reference(reference), for_update=True)
            _refuse_unless_prepared(session, case)
            _refuse_stale(session, case, expected_version)
            involved = _involvement(session, case, actor)
            if involved:
                raise SecondAdminRequired(_own_case(case.reference, involved))
            missing = case_missing(case)
            if missing:
                raise ValidationError("Case", f"{case.reference} still lacks: {', '.join(missing)}")
            if expected_version is None:
                # The second admin approves the checks they reviewed (§3.6): an approval that
                # names no version would approve a step re-recorded after the review.
                raise ValidationError(
                    "Version",
                    f"approve {case.reference} as you reviewed it: give the version your review"
                    " showed, so a case changed since is refused, not approved unseen",
                )
            # The organisation's row, then its users' rows: locked to the commit, so nobody
            # gives it a super user between this check and the account's creation.
            organisation = _organisation_by_id(session, case.organisation_id, for_update=True)
            users = list(
                session.scalars(
                    select(PortalUser)
                    .where(PortalUser.organisation_id == organisation.id)
                    .order_by(PortalUser.id)
                    .with_for_update()
                )
            )
            _refuse_disabled(organisation)
            _refuse_gained_super_user(case, organisation, users)
            lost_super_user(case.reason, [account_facts(u) for u in users], case.old_portal_user_id)
            new = _recorded_new_user(case)
            _refuse_existing_person(session, new)
            username = case.new_username or ""
            otp = one_time_password()
            account = PortalUser(
                organisation_id=organisation.id,
                username=username,
                title=case.new_title,
                given_name=new.given_name,
                family_name=new.family_name,
                email=new.email,
                phone=case.new_phone,
                verification_provided=new.verification_provided,
                status=AccountStatus.ACTIVE,
                failed_attempts=0,
                password_hash=hash_password(otp),
                password_changed_at=now,
                must_change_password=True,
                # Set by the new super user at their first sign-in, never by the desk.
                secret_question=None,
                secret_answer_hash=None,
                on_long_term_leave=False,
                created_at=now,
                last_sign_in_at=None,
                roles=[PortalUserRole(role=PortalRole.SUPER_USER)],
            )
            session.add(account)
            try:
                session.flush()
            except IntegrityError:
                # The username's unique constraint: an account took it after the case recorded it.
                raise _taken(username) from None
            fate = self._old_account_fate(session, case)
            case.status = SuperUserCaseStatus.APPROVED
            case.decided_by_operator_id = actor.operator_id
            case.decided_at = now
            case.new_portal_user_id = account.id
            case.updated_at = now
            text = (
                f"approved: super-user account {username} created with a one-time password,"
                " to be given to the new super user by a call to the register's number"
            )
            if fate:
                text += f"; {fate}"
            _timeline(session, case, actor, "approved", text, now)
            session.flush()
            old = (
                session.get(PortalUser, case.old_portal_user_id)
                if case.old_portal_user_id
                else None
            )
            append(
                session,
                actor,
                "approve-super-user-case",
                SUBJECT,
                case.reference,
                detail={
                    "organisation": organisation.ukprn,
                    "new_username": username,
                    "old_username": old.username if old else "",
                    "old_status": str(old.status) if old else "",
                },
                now=now,
            )
            return Approval(self._view(session, actor, case, now), username, otp)

    def reject(
        self, actor: Actor, reference: str, reason: str, *, expected_version: int | None = None
    ) -> SuperUserCaseView:
        """Reject a prepared case with a reason. Any admin may, the one who prepared it too:
        abandoning a case is the safe direction. Nothing is created."""

        def apply(session: Session, case: SuperUserCase, organisation: Organisation) -> str:
            words = validate_text(reason, "Reason", DECISION_MAX, required=True)
            case.status = SuperUserCaseStatus.REJECTED
            case.decided_by_operator_id = actor.operator_id
            case.decided_at = self.clock()
            case.decision_reason = words
            return f"rejected: {words}"

        return self._step(
            actor, "reject-super-user-case", "rejected", reference, expected_version, apply
        )

    def complete(
        self,
        actor: Actor,
        reference: str,
        handed_to: str,
        *,
        expected_version: int | None = None,
    ) -> SuperUserCaseView:
        """Record that the one-time password reached the new super user (``handed_to``: who
        took it), given by a call to the register's number. Approved cases only."""

        def apply(session: Session, case: SuperUserCase, organisation: Organisation) -> str:
            who = validate_text(handed_to, "Handed to", PERSON_TEXT_MAX, required=True)
            case.status = SuperUserCaseStatus.COMPLETED
            case.completed_by_operator_id = actor.operator_id
            case.completed_at = self.clock()
            number = phone_shown(organisation.phone) or "the register's number"
            return (
                f"one-time password for {case.new_username} given to {who} by a call to the"
                f" register's number, {number}"
            )

        return self._step(
            actor,
            "complete-super-user-case",
            "completed",
            reference,
            expected_version,
            apply,
            allowed=SuperUserCaseStatus.APPROVED,
        )

    # -- the machinery of a step -------------------------------------------------------------

    def _step(
        self,
        actor: Actor,
        action: str,
        step: str,
        reference: str,
        expected_version: int | None,
        apply: Callable[[Session, SuperUserCase, Organisation], str | tuple[str, str | None]],
        *,
        allowed: SuperUserCaseStatus = SuperUserCaseStatus.PREPARED,
        audit_detail: Callable[[SuperUserCase], dict[str, object]] | None = None,
    ) -> SuperUserCaseView:
        """One step on one case, in the order an admin needs to be told why not: no such
        case; its status does not allow it (who decided); the screen is stale (what changed);
        then the step's own checks. A refusal writes nothing and is audited."""
        subject = audit_subject(reference.upper())
        with self.audit.guarded(
            actor, Permission.REINSTATE_SUPER_USER, action, SUBJECT, subject
        ) as session:
            now = self.clock()
            case = _case(session, _parse_reference(reference), for_update=True)
            _refuse_unless_status(session, case, allowed)
            _refuse_stale(session, case, expected_version)
            organisation = _organisation_by_id(session, case.organisation_id)
            done = apply(session, case, organisation)
            text, voided = done if isinstance(done, tuple) else (done, None)
            case.updated_at = now
            # Written even when the clock has not moved on, so the version always bumps.
            flag_modified(case, "updated_at")
            _timeline(session, case, actor, step, text, now)
            if voided is not None:
                _timeline(session, case, actor, "call-back", voided, now)
            session.flush()
            append(
                session,
                actor,
                action,
                SUBJECT,
                case.reference,
                detail={
                    "status": str(case.status),
                    "version": case.row_version,
                    **({"callback_cleared": True} if voided is not None else {}),
                    **(audit_detail(case) if audit_detail else {}),
                },
                now=now,
            )
            return self._view(session, actor, case, now)

    def _old_account_fate(self, session: Session, case: SuperUserCase) -> str | None:
        """What approval does to the super user the form is about (OLD_ACCOUNT_FATE): a
        leaver's account deleted, a suspended one left suspended, one on leave suspended."""
        if case.old_portal_user_id is None:
            return None
        old = session.get(PortalUser, case.old_portal_user_id)
        if old is None:
            return None
        fate = OLD_ACCOUNT_FATE[case.reason]
        before = old.status
        old.status = fate
        if before is fate:
            return f"the old super user's account, {old.username}, left {fate}"
        return f"the old super user's account, {old.username}, {fate} (was {before})"

    def _view(
        self, session: Session, actor: Actor, case: SuperUserCase, now: datetime
    ) -> SuperUserCaseView:
        organisation = _organisation_by_id(session, case.organisation_id)
        users = organisation_users(session, organisation.id)
        old = next((u for u in users if u.id == case.old_portal_user_id), None)
        dormant = self.settings.organisations.dormant_days
        names = _operator_names(
            session,
            {
                case.prepared_by_operator_id,
                case.callback_operator_id,
                case.decided_by_operator_id,
                case.completed_by_operator_id,
            },
        )
        timeline = _timeline_of(session, case.id)
        missing = case_missing(case)
        approvable, because = _approvable(session, case, actor, missing)
        signatory = (
            Signatory(
                case.signatory_name,
                case.signatory_job_title or "",
                bool(case.signatory_is_manager),
                bool(case.signatory_signed_agreement),
                bool(case.hand_signed),
            )
            if case.signatory_name is not None
            else None
        )
        new_user = (
            NewSuperUser(
                case.new_title,
                case.new_given_name or "",
                case.new_family_name or "",
                case.new_email or "",
                case.new_phone,
                case.new_verification_provided or "",
            )
            if case.new_username is not None
            else None
        )
        return SuperUserCaseView(
            reference=case.reference,
            version=case.row_version,
            status=case.status,
            organisation=summary(organisation, users),
            register_phone=phone_shown(organisation.phone),
            reason=case.reason,
            reason_label=LOSS_REASON_LABELS[case.reason],
            form_received_on=case.form_received_on,
            old_super_user=user_row(old, now, dormant) if old is not None else None,
            old_account_fate=_fate_words(case, old),
            form_phone=phone_shown(case.form_phone),
            signatory=signatory,
            agreement_note=(
                agreement_note(case.signatory_name, organisation.agreement_signatory)
                if case.signatory_name
                else None
            ),
            callback_phone=case.callback_phone,
            callback_confirmed_by=case.callback_confirmed_by,
            callback_at=case.callback_at,
            callback_by=names.get(case.callback_operator_id or 0),
            new_user=new_user,
            new_username=case.new_username,
            prepared_by=names.get(case.prepared_by_operator_id, ""),
            prepared_at=case.prepared_at,
            decided_by=names.get(case.decided_by_operator_id or 0),
            decided_at=case.decided_at,
            decision_reason=case.decision_reason,
            completed_by=names.get(case.completed_by_operator_id or 0),
            completed_at=case.completed_at,
            missing=missing if case.status is SuperUserCaseStatus.PREPARED else (),
            timeline=timeline,
            approvable=approvable,
            not_approvable_because=because,
            caution=(
                reason_caution(case.reason, account_facts(old) if old is not None else None)
                if case.status is SuperUserCaseStatus.PREPARED
                else None
            ),
        )


# --- reading what the steps need -----------------------------------------------------------------


def _today(now: datetime) -> date:
    return now.astimezone(LONDON).date()


def _reason(value: SuperUserLossReason | str) -> SuperUserLossReason:
    if isinstance(value, SuperUserLossReason):
        return value
    text = str(value).strip().casefold().replace("_", "-").replace(" ", "-")
    try:
        return SuperUserLossReason(text)
    except ValueError:
        choices = "; ".join(f"{r.value} ({LOSS_REASON_LABELS[r]})" for r in SuperUserLossReason)
        raise ValidationError(
            "Reason", f"must be one of §3.6's three: {choices}; not {quoted(value)}"
        ) from None


def _form_date(value: date | str, today: date) -> date:
    field = "Form received"
    if isinstance(value, datetime):
        received = value.astimezone(LONDON).date() if value.tzinfo else value.date()
    elif isinstance(value, date):
        received = value
    else:
        received = parse_date(str(value), field, today)
    if received > today:
        raise ValidationError(field, f"{display_date(received)} is in the future")
    if received < today - timedelta(days=FORM_MAX_AGE_DAYS):
        raise ValidationError(
            field,
            f"{display_date(received)} is more than {FORM_MAX_AGE_DAYS} days ago: the people"
            " and accounts it describes may have changed; ask the organisation for a form"
            " signed now",
        )
    return received


def _form_phone(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return display_phone(phone_digits(value, "Form telephone"))


def _parse_reference(reference: str) -> str:
    text = reference.strip().upper()
    if not _REFERENCE.fullmatch(text):
        raise ValidationError(
            "Reference", f"must look like SU-10012345-0001, not {quoted(reference.strip())}"
        )
    return text


def _organisation(session: Session, ukprn: str, *, for_update: bool = False) -> Organisation:
    query = select(Organisation).where(Organisation.ukprn == ukprn)
    if for_update:
        query = query.with_for_update()
    found = session.execute(query).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no organisation has UKPRN {ukprn}")
    return found


def _organisation_by_id(
    session: Session, organisation_id: int, *, for_update: bool = False
) -> Organisation:
    query = select(Organisation).where(Organisation.id == organisation_id)
    if for_update:
        query = query.with_for_update()
    return session.execute(query).scalar_one()


def _case(session: Session, reference: str, *, for_update: bool = False) -> SuperUserCase:
    query = select(SuperUserCase).where(SuperUserCase.reference == reference)
    if for_update:
        query = query.with_for_update()
    found = session.execute(query).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no super-user case has reference {reference}")
    return found


def _old_id(users: list[PortalUser], old_username: str, organisation: Organisation) -> int:
    wanted = old_username.strip().casefold()
    found = next((u for u in users if u.username.casefold() == wanted), None)
    if found is None:
        raise ValidationError(
            "Lost super user",
            f"{quoted(old_username.strip())} is not a portal user of {organisation.name}",
        )
    return found.id


def _live_case(session: Session, organisation_id: int) -> SuperUserCase | None:
    return session.execute(
        select(SuperUserCase).where(
            SuperUserCase.organisation_id == organisation_id,
            SuperUserCase.status.in_(LIVE),
        )
    ).scalar_one_or_none()


def _next_number(session: Session, organisation_id: int) -> int:
    """The organisation's next case number (its row is locked: nobody draws the same)."""
    taken = session.execute(
        select(SuperUserCase.reference).where(SuperUserCase.organisation_id == organisation_id)
    ).scalars()
    return max((int(r.rsplit("-", 1)[1]) for r in taken), default=0) + 1


def _username(session: Session, operator_id: int | None) -> str:
    if operator_id is None:
        return "the system"
    name = session.execute(
        select(Operator.username).where(Operator.id == operator_id)
    ).scalar_one_or_none()
    return name or "a former operator"


def _operator_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(Operator.id, Operator.username).where(Operator.id.in_(wanted)))
    return {row.id: row.username for row in rows}


def _timeline(
    session: Session, case: SuperUserCase, actor: Actor, step: str, text: str, now: datetime
) -> None:
    session.add(
        SuperUserCaseEvent(
            case_id=case.id, operator_id=actor.operator_id, occurred_at=now, step=step, text=text
        )
    )


_SIGNATORY_FIELDS = (
    ("name", "signatory_name"),
    ("job title", "signatory_job_title"),
    ("manager status", "signatory_is_manager"),
    ("Organisation Agreement", "signatory_signed_agreement"),
    ("hand signature", "hand_signed"),
    ("the form's number", "form_phone"),
)
_NEW_USER_FIELDS = (
    ("title", "new_title"),
    ("given name", "new_given_name"),
    ("family name", "new_family_name"),
    ("email", "new_email"),
    ("phone", "new_phone"),
    ("verification provided", "new_verification_provided"),
    ("username", "new_username"),
)


def _signatory_values(case: SuperUserCase) -> dict[str, object]:
    return {label: getattr(case, column) for label, column in _SIGNATORY_FIELDS}


def _new_user_values(case: SuperUserCase) -> dict[str, object]:
    return {label: getattr(case, column) for label, column in _NEW_USER_FIELDS}


def _void_callback(
    case: SuperUserCase, who: str, before: dict[str, object], after: dict[str, object]
) -> str | None:
    """§3.6: a call-back confirms the signatory and the new super user as they were recorded.
    When either changes after it, the call-back no longer confirms who gets the account: it
    is cleared (approval then refused until it is made again), and the timeline says why.
    Re-recording the same values keeps it."""
    if case.callback_at is None:
        return None
    changed = [label for label in before if before[label] != after[label]]
    if not changed:
        return None
    confirmed_by = case.callback_confirmed_by
    case.callback_phone = None
    case.callback_confirmed_by = None
    case.callback_at = None
    case.callback_operator_id = None
    return (
        f"to make again: {who} changed ({', '.join(changed)}) after {confirmed_by} confirmed"
        " the request, so the call-back no longer confirms who gets the account"
    )


def _timeline_of(session: Session, case_id: int) -> tuple[CaseStep, ...]:
    found = session.execute(
        select(SuperUserCaseEvent, Operator.username)
        .outerjoin(Operator, Operator.id == SuperUserCaseEvent.operator_id)
        .where(SuperUserCaseEvent.case_id == case_id)
        .order_by(SuperUserCaseEvent.id)
    ).all()
    return tuple(CaseStep(e.occurred_at, who or "", e.step, e.text) for e, who in found)


# --- the refusals ------------------------------------------------------------------------------


def _refuse_disabled(organisation: Organisation) -> None:
    if not organisation.portal_enabled:
        raise ValidationError(
            "Organisation",
            f"{organisation.name}'s portal permissions are disabled (a security action, §1.4):"
            " re-enable them before the desk makes it a super user",
        )


def _refuse_unless_prepared(session: Session, case: SuperUserCase) -> None:
    _refuse_unless_status(session, case, SuperUserCaseStatus.PREPARED)


def _refuse_unless_status(
    session: Session, case: SuperUserCase, allowed: SuperUserCaseStatus
) -> None:
    if case.status is allowed:
        return
    if case.status in (SuperUserCaseStatus.APPROVED, SuperUserCaseStatus.REJECTED):
        by = _username(session, case.decided_by_operator_id)
        when = f" on {desk_time(case.decided_at)}" if case.decided_at else ""
        said = f"{case.status} by {by}{when}"
    elif case.status is SuperUserCaseStatus.COMPLETED:
        said = f"completed by {_username(session, case.completed_by_operator_id)}"
    else:
        said = str(case.status)
    if allowed is SuperUserCaseStatus.APPROVED:
        need = "only an approved case is completed"
    else:
        need = "its checks and decision are made only while it is prepared"
    raise ValidationError("Status", f"{case.reference} is {said}: {need}")


def _refuse_stale(session: Session, case: SuperUserCase, expected_version: int | None) -> None:
    if expected_version is None or case.row_version == expected_version:
        return
    latest = session.execute(
        select(SuperUserCaseEvent, Operator.username)
        .outerjoin(Operator, Operator.id == SuperUserCaseEvent.operator_id)
        .where(SuperUserCaseEvent.case_id == case.id)
        .order_by(SuperUserCaseEvent.id.desc())
        .limit(1)
    ).first()
    said = f"{case.reference} changed after you opened it; nothing was saved."
    if latest is not None:
        event, who = latest
        text = event.text if len(event.text) <= _QUOTED else event.text[: _QUOTED - 1] + "…"
        said += (
            f" Latest: {who or 'the system'} at {desk_time(event.occurred_at)},"
            f" {event.step}: {text}."
        )
    raise StaleCase(said + " Reload it and try again.")


def _involvement(session: Session, case: SuperUserCase, actor: Actor) -> tuple[str, ...]:
    """The preparing steps ``actor`` recorded on the case (opened, call-back...), in order."""
    if actor.operator_id is None:
        return ()
    steps = set(
        session.execute(
            select(SuperUserCaseEvent.step).where(
                SuperUserCaseEvent.case_id == case.id,
                SuperUserCaseEvent.operator_id == actor.operator_id,
                SuperUserCaseEvent.step.in_(PREPARING_STEPS),
            )
        ).scalars()
    )
    if case.prepared_by_operator_id == actor.operator_id:
        steps.add("opened")
    if case.callback_operator_id == actor.operator_id:
        steps.add("call-back")
    return tuple(s for s in PREPARING_STEPS if s in steps)


def _own_case(reference: str, steps: tuple[str, ...]) -> str:
    return (
        f"you prepared {reference} (you recorded: {', '.join(steps)}): a second admin, who"
        " recorded none of its checks, must review and approve it (§3.6)"
    )


def _approvable(
    session: Session, case: SuperUserCase, actor: Actor, missing: tuple[str, ...]
) -> tuple[bool, str | None]:
    """Whether ``actor`` may approve the case now, and if not, why (as approve would say)."""
    if case.status is not SuperUserCaseStatus.PREPARED:
        return False, f"it is {case.status}: only a prepared case is approved"
    involved = _involvement(session, case, actor)
    if involved:
        return False, _own_case(case.reference, involved)
    if missing:
        return False, f"still lacks: {', '.join(missing)}"
    return True, None


def _refuse_gained_super_user(
    case: SuperUserCase, organisation: Organisation, users: list[PortalUser]
) -> None:
    """§3.2, §3.6, checked again at approval: a super user who can act, other than the one
    the form is about, now exists (added, promoted or reactivated since the case was
    prepared): they make super users themselves."""
    others = [
        account_facts(u)
        for u in users
        if u.id != case.old_portal_user_id and account_facts(u).can_act
    ]
    if others:
        names = ", ".join(f"{u.name} ({u.username})" for u in others)
        raise ValidationError(
            "Organisation",
            f"{organisation.name} has gained an active super user since {case.reference} was"
            f" prepared: {names}; they create super users themselves (§3.2, §3.6): reject"
            " this case",
        )


def _recorded_new_user(case: SuperUserCase) -> NewSuperUser:
    return NewSuperUser(
        case.new_title,
        case.new_given_name or "",
        case.new_family_name or "",
        case.new_email or "",
        case.new_phone,
        case.new_verification_provided or "",
    )


def _refuse_existing_person(session: Session, new: NewSuperUser) -> None:
    """§3.5.3: "search first that the person has no account": a portal user (not deleted)
    of any organisation with the same given and family name (folded) and email is them."""
    candidates = session.execute(
        select(PortalUser, Organisation)
        .join(Organisation, Organisation.id == PortalUser.organisation_id)
        .where(
            func.lower(PortalUser.email) == new.email.lower(),
            PortalUser.status != AccountStatus.DELETED,
        )
        .order_by(PortalUser.id)
    ).all()
    for user, organisation in candidates:
        if name_key(user.given_name) == name_key(new.given_name) and name_key(
            user.family_name
        ) == name_key(new.family_name):
            raise ValidationError(
                "New super user",
                f"{user.given_name} {user.family_name} already has a portal account,"
                f" {user.username} ({user.status}), at {organisation.name}"
                f" ({organisation.ukprn}), with this email: the desk searches first that the"
                " person has no account (§3.5.3), and accounts are never reassigned (§3.5.4)",
            )


def _username_taken(session: Session, username: str, *, other_than_case: int | None = None) -> bool:
    """A username held by a portal account (any status: usernames are never reused), or
    recorded for another live case's new super user."""
    account = exists().where(func.lower(PortalUser.username) == username.lower())
    if session.execute(select(account)).scalar():
        return True
    if other_than_case is None:
        return False
    case = exists().where(
        SuperUserCase.new_username == username,
        SuperUserCase.status.in_(LIVE),
        SuperUserCase.id != other_than_case,
    )
    return bool(session.execute(select(case)).scalar())


def _username_for(session: Session, new: NewSuperUser, case_id: int) -> str:
    # Two cases given the same names at once must not both record one username: the lock
    # named by the names' username is held to the commit (SQLite's writers already queue).
    hold_until_commit(
        session, "portal username", name_key(new.given_name), name_key(new.family_name)
    )
    return portal_username(
        new.given_name,
        new.family_name,
        lambda candidate: _username_taken(session, candidate, other_than_case=case_id),
    )


def _taken(username: str) -> UsernameTaken:
    return UsernameTaken(
        f"username {username} was taken meanwhile: set the new super user again (a new"
        " username is made)"
    )


def _fate_words(case: SuperUserCase, old: PortalUser | None) -> str:
    """What approval does (or did) to the old super user, in words."""
    if old is None:
        return "no account on record to change"
    fate = OLD_ACCOUNT_FATE[case.reason]
    if case.status in (SuperUserCaseStatus.APPROVED, SuperUserCaseStatus.COMPLETED):
        return f"{old.username}: {old.status}"
    if fate is AccountStatus.DELETED:
        return f"{old.username} deleted on approval"
    if old.status is AccountStatus.SUSPENDED:
        return f"{old.username} left suspended"
    return f"{old.username} suspended on approval (for the new super user to reactivate)"
