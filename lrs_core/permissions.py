"""Desk operator roles and what each may do. Checked in the services, never only in a screen."""

from __future__ import annotations

from enum import StrEnum


class OperatorRole(StrEnum):
    AGENT = "agent"
    ANALYST = "analyst"
    ADMIN = "admin"


class Permission(StrEnum):
    FIND_LEARNER = "find-learner"
    REGISTER_LEARNER = "register-learner"
    EDIT_LEARNER = "edit-learner"
    VIEW_PLR = "view-plr"
    VIEW_ORGANISATIONS = "view-organisations"
    RAISE_CHALLENGE = "raise-challenge"
    RESOLVE_CHALLENGE = "resolve-challenge"
    HANDLE_INTAKE = "handle-intake"
    MANAGE_PORTAL_USERS = "manage-portal-users"
    REINSTATE_SUPER_USER = "reinstate-super-user"
    MANAGE_OPERATORS = "manage-operators"
    VIEW_AUDIT = "view-audit"


_AGENT = frozenset(
    {
        Permission.FIND_LEARNER,
        Permission.REGISTER_LEARNER,
        Permission.EDIT_LEARNER,
        Permission.VIEW_PLR,
        Permission.VIEW_ORGANISATIONS,
        Permission.RAISE_CHALLENGE,
    }
)
_ANALYST = _AGENT | {Permission.RESOLVE_CHALLENGE, Permission.HANDLE_INTAKE}
_ADMIN = _ANALYST | {
    Permission.MANAGE_PORTAL_USERS,
    Permission.REINSTATE_SUPER_USER,
    Permission.MANAGE_OPERATORS,
    Permission.VIEW_AUDIT,
}

ROLE_PERMISSIONS: dict[OperatorRole, frozenset[Permission]] = {
    OperatorRole.AGENT: _AGENT,
    OperatorRole.ANALYST: frozenset(_ANALYST),
    OperatorRole.ADMIN: frozenset(_ADMIN),
}

PERMISSION_LABELS: dict[Permission, str] = {
    Permission.FIND_LEARNER: "Find learners by ULN or personal details",
    Permission.REGISTER_LEARNER: "Register learners",
    Permission.EDIT_LEARNER: "Update learners' details",
    Permission.VIEW_PLR: "View Personal Learning Records",
    Permission.VIEW_ORGANISATIONS: "Look up organisations and their portal users",
    Permission.RAISE_CHALLENGE: "Raise data challenges and read the queue and their history",
    Permission.RESOLVE_CHALLENGE: "Resolve data challenges (merges, de-merges, events)",
    Permission.HANDLE_INTAKE: (
        "Open encrypted learner data sent to the desk and take the steps of its breach"
        " incidents (§1.4), suspending a sender or disabling an organisation among them"
    ),
    Permission.MANAGE_PORTAL_USERS: (
        "Suspend portal users; disable and re-enable organisations' portal permissions"
    ),
    Permission.REINSTATE_SUPER_USER: "Reinstate an organisation's super user",
    Permission.MANAGE_OPERATORS: "Manage desk operators",
    Permission.VIEW_AUDIT: "Read and verify the audit trail",
}


def allows(role: OperatorRole, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
