"""Super-user reinstatement (User Guide §3.6; DOMAIN.md "Accounts and super users"): a Change
of Super User form handled as a case. One admin opens it and records the checks: the reason
against the data, the signatory and the hand signature, a call-back on the register's number
(never the form's), the new super user's details; a second admin, who recorded none of it,
approves or rejects with a reason. Only approval creates the account, in one transaction,
with a one-time password returned once and stored only as its Argon2id hash.

Every step is REINSTATE_SUPER_USER (admins), one transaction, audited (refusals too); a
change locks the case row and refuses a stale screen (``expected_version``)."""

from __future__ import annotations

from datetime import date, datetime

from lrs_core.actor import Actor
from lrs_core.config import Settings
from lrs_core.db.database import Database
from lrs_core.domain.kinds import SuperUserCaseStatus, SuperUserLossReason
from lrs_core.services.accounts_view import Approval, CaseSummary, SuperUserCaseView
from lrs_core.services.audit import AuditService, Clock


class SuperUserCaseService:
    def __init__(self, db: Database, audit: AuditService, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.audit = audit
        self.clock = clock
        self.settings = settings

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
        raise NotImplementedError

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
        raise NotImplementedError

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
        raise NotImplementedError

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
        raise NotImplementedError

    def show(self, actor: Actor, reference: str) -> SuperUserCaseView:
        raise NotImplementedError

    def list(
        self,
        actor: Actor,
        *,
        status: SuperUserCaseStatus | None = None,
        ukprn: str | None = None,
    ) -> tuple[CaseSummary, ...]:
        raise NotImplementedError

    def approve(
        self, actor: Actor, reference: str, *, expected_version: int | None = None
    ) -> Approval:
        raise NotImplementedError

    def reject(
        self, actor: Actor, reference: str, reason: str, *, expected_version: int | None = None
    ) -> SuperUserCaseView:
        raise NotImplementedError

    def complete(
        self,
        actor: Actor,
        reference: str,
        handed_to: str,
        *,
        expected_version: int | None = None,
    ) -> SuperUserCaseView:
        raise NotImplementedError
