"""Who is acting: a signed-in desk operator, or the local system (CLI set-up tasks)."""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from lrs_core.permissions import OperatorRole, Permission, allows


@dataclass(frozen=True)
class Actor:
    username: str
    role: OperatorRole
    display_name: str
    operator_id: int | None = None  # None for the system actor
    anonymous: bool = False  # an unknown name typed at sign-in: may do nothing

    @classmethod
    def unknown(cls) -> Actor:
        """Someone who typed a username that does not exist (what they typed is not kept)."""
        return cls("(unknown)", OperatorRole.AGENT, "(unknown)", None, anonymous=True)

    @classmethod
    def system(cls, purpose: str = "cli") -> Actor:
        """Someone at the server's shell (e.g. `lrs-desk operator add`): audited by OS user."""
        try:
            who = getpass.getuser()
        except OSError:
            who = "unknown"
        return cls(f"system:{who}", OperatorRole.ADMIN, f"{purpose} ({who})")

    @property
    def is_system(self) -> bool:
        return self.operator_id is None and not self.anonymous

    @property
    def role_label(self) -> str:
        return "" if self.anonymous else ("system" if self.is_system else str(self.role))

    def may(self, permission: Permission) -> bool:
        return not self.anonymous and allows(self.role, permission)
