"""The organisation directory (User Guide §3; DOMAIN.md "Accounts and super users"): find an
organisation by UKPRN or name, its view (super users, users by role and status, §3.3's
housekeeping flags, the desk's security actions, its super-user cases), a portal user's view,
and the security actions the guide gives the desk (§1.4's escalation, §3.5.6.1): suspend a
portal user, disable and re-enable an organisation's portal permissions.

Every operator reads the directory (VIEW_ORGANISATIONS); each look at a portal user's
details (an organisation's view lists them) is audited; the security actions are for admins
(MANAGE_PORTAL_USERS), each with a reason, audited, shown on the organisation."""

from __future__ import annotations

from lrs_core.actor import Actor
from lrs_core.config import Settings
from lrs_core.db.database import Database
from lrs_core.services.accounts_view import (
    OrganisationSummary,
    OrganisationView,
    PortalUserRow,
    PortalUserView,
)
from lrs_core.services.audit import AuditService, Clock

FIND_LIMIT = 50


class OrganisationService:
    def __init__(self, db: Database, audit: AuditService, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.audit = audit
        self.clock = clock
        self.settings = settings

    def find(self, actor: Actor, query: str) -> tuple[tuple[OrganisationSummary, ...], bool]:
        """By UKPRN (all digits: the 8-digit rule, exact) or by name (folded, partial, at
        least 2 characters); at most FIND_LIMIT, and whether there were more."""
        raise NotImplementedError

    def show(self, actor: Actor, ukprn: str) -> OrganisationView:
        """The organisation's view; audited as a look (it lists portal users)."""
        raise NotImplementedError

    def find_users(
        self, actor: Actor, query: str, ukprn: str | None = None
    ) -> tuple[PortalUserRow, ...]:
        """Portal users by username or by given and family name (§3.5.3's Find User),
        optionally within one organisation; audited."""
        raise NotImplementedError

    def portal_user(self, actor: Actor, username: str) -> PortalUserView:
        """One portal user's details; audited as a look."""
        raise NotImplementedError

    def suspend_user(self, actor: Actor, username: str, reason: str) -> PortalUserView:
        """Admins (§1.4, §3.5.6.1): suspend a portal user, with the reason."""
        raise NotImplementedError

    def disable_organisation(self, actor: Actor, ukprn: str, reason: str) -> OrganisationView:
        """Admins (§1.4): disable the organisation's portal permissions, with the reason."""
        raise NotImplementedError

    def enable_organisation(self, actor: Actor, ukprn: str, reason: str) -> OrganisationView:
        """Admins: re-enable them, with the reason."""
        raise NotImplementedError
