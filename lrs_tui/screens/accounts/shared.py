"""What the organisation, portal-user and super-user-case screens share: calling the core in
a thread worker and answering its result, and the words a row or a detail is shown in.

Every rule is the core's (``lrs_core.services.organisations``, ``super_user_cases``); these
only word what it returns. Stored text goes through ``shown()`` and reaches widgets as plain
text (``markup=False``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from textual.worker import Worker, WorkerState

from lrs_core.domain.accounts import LOSS_REASON_LABELS, SUPER_USERS_MAX, SUPER_USERS_MIN
from lrs_core.domain.kinds import AccountStatus, OrganisationKind, PortalRole, SuperUserLossReason
from lrs_core.domain.text import shown
from lrs_core.services.accounts_view import ROLE_LABELS, OrganisationSummary, PortalUserRow
from lrs_tui.formatting import uk_date, uk_datetime

GROUP_PREFIX = "accounts-"

# Appendix A's roles, short, for a table's column (the user view names them in full).
ROLE_SHORT: dict[PortalRole, str] = {
    PortalRole.SUPER_USER: "SU",
    PortalRole.BATCH_USER: "BU",
    PortalRole.ONLINE_USER: "OU",
    PortalRole.VIEW_ONLY_USER: "VO",
    PortalRole.LEARNER_RECORD: "LR",
    PortalRole.VLD_LEARNING_PROVIDER: "VLD",
}
ROLE_LEGEND = " · ".join(f"{ROLE_SHORT[r]} {ROLE_LABELS[r].lower()}" for r in PortalRole)


class CoreCalls:
    """A screen's calls of the core, each in a thread worker: ``call("load", fn)`` runs
    ``fn`` off the UI thread and hands its result, or the core's refusal, to
    ``done_load(result, error)`` on the UI thread. One call of a name at a time."""

    def call(self, name: str, fn: Callable[[], object]) -> None:
        self.run_worker(  # type: ignore[attr-defined]
            fn,
            name=name,
            group=f"{GROUP_PREFIX}{type(self).__name__}-{name}",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if not worker.group.startswith(GROUP_PREFIX) or not worker.is_finished:
            return
        if event.state is WorkerState.CANCELLED:
            return
        handler = getattr(self, f"done_{worker.name}", None)
        if handler is None:
            return
        if event.state is WorkerState.SUCCESS:
            handler(worker.result, None)
        else:
            handler(None, worker.error)


def kind_label(kind: OrganisationKind) -> str:
    return str(kind).replace("-", " ").capitalize()


def organisation_kind(summary: OrganisationSummary) -> str:
    """Its kind, and whether it is a learning records body or an awarding organisation."""
    extra = [w for w, on in (("LRB", summary.is_lrb), ("AO", summary.is_ao)) if on]
    return " · ".join([kind_label(summary.kind), *extra])


def super_user_cell(summary: OrganisationSummary) -> str:
    """Active super users, with §3.1's warning in words: "2 SU: too few"."""
    n = summary.active_super_users
    if n < SUPER_USERS_MIN:
        return f"{n} SU: too few"
    if n > SUPER_USERS_MAX:
        return f"{n} SU: too many"
    return f"{n} SU"


def portal_words(enabled: bool) -> str:
    return "ENABLED" if enabled else "DISABLED"


def status_words(user: PortalUserRow) -> str:
    """active, suspended, deleted...; "on leave" added for long-term leave."""
    words = str(user.status)
    if user.on_long_term_leave and user.status is not AccountStatus.DELETED:
        words += ", on leave"
    return words


def when(at: datetime | None, *, never: str = "never") -> str:
    return uk_datetime(at) if at is not None else never


def day(at: datetime | None, *, never: str = "never") -> str:
    return uk_date(at) if at is not None else never


def roles_short(roles: Iterable[PortalRole]) -> str:
    return " ".join(ROLE_SHORT[r] for r in roles) or "—"


def roles_full(roles: Iterable[PortalRole]) -> str:
    return ", ".join(ROLE_LABELS[r] for r in roles) or "no role"


def person(user: PortalUserRow) -> str:
    """ "Ms Rhian Evans (rhian.evans)", through shown()."""
    title = f"{user.title} " if user.title else ""
    return shown(f"{title}{user.name} ({user.username})")


def short_day(at: datetime | None, *, never: str = "never") -> str:
    """``6 Jan 2027`` in UK time, for a table's cell."""
    from lrs_core.domain.values import display_date
    from lrs_tui.formatting import UK

    return display_date(at.astimezone(UK).date()) if at is not None else never


def reason_label(reason: SuperUserLossReason) -> str:
    """§3.6's reason after "the only super user": "is on long-term leave", "has left..."."""
    label = LOSS_REASON_LABELS[reason]
    return label if label.startswith("has ") else f"is {label}"


def reason_short(reason: object) -> str:
    return str(reason).replace("-", " ")
