"""Who is acting: a signed-in desk operator, or the local system (a few named tasks only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lrs_core.permissions import OperatorRole, Permission, allows

# The only tasks done with no one signed in: creating the first admin of a database that has
# no operator at all, seeding demo data into an empty database, and the intake's two jobs for
# cron (issue 13): receiving what the mailbox delivered and purging what is due for disposal,
# both of which only add a case or delete data on its clock. Nothing else: every other action
# needs a signed-in operator, whose role the services re-read from the database.
SystemTask = Literal["bootstrap", "demo-seed", "intake-scan", "intake-purge"]


@dataclass(frozen=True)
class Actor:
    username: str
    role: OperatorRole
    display_name: str
    operator_id: int | None = None  # None for the system and for an unknown name
    anonymous: bool = False  # an unknown name typed at sign-in: may do nothing

    @classmethod
    def unknown(cls) -> Actor:
        """Someone who typed a username that does not exist (what they typed is not kept)."""
        return cls("(unknown)", OperatorRole.AGENT, "(unknown)", None, anonymous=True)

    @classmethod
    def system(cls, task: SystemTask) -> Actor:
        """The local system doing one set-up task, audited as ``system:<task>``.

        Its name is fixed text: nothing from the environment (a LOGNAME, say) reaches the
        audit trail unchecked. It holds no permission: the services refuse it everything they
        guard, so it can only do what a service does for it by name (the bootstrap).
        """
        return cls(f"system:{task}", OperatorRole.AGENT, f"LRS Desk ({task})")

    @property
    def is_system(self) -> bool:
        return self.operator_id is None and not self.anonymous

    @property
    def role_label(self) -> str:
        return "" if self.anonymous else ("system" if self.is_system else str(self.role))

    def may(self, permission: Permission) -> bool:
        """Whether this operator's role allows ``permission``; only signed-in operators may."""
        return self.operator_id is not None and allows(self.role, permission)
