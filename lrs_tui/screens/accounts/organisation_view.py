"""One organisation (issue 12 items 1, 3, 4; User Guide §3.1, §3.3, §1.4): its kind, LRB/AO,
the register's telephone number, the agreement signatory, its portal permissions (ENABLED /
DISABLED in words and bold), its super users with status and last sign-in and §3.1's
warning, its users by role and status with §3.3's housekeeping flags, the desk's security
actions and its super-user cases.

Enter on a user opens the user; Enter on a case opens it (a prepared case with steps still
missing: the form, to go on where it stopped; else the review). Admins only, and refused by
the core for anyone else: ``x`` disables or re-enables the portal permissions (a reason is
asked), ``n`` starts a reinstatement case (§3.6). Every look is audited by the core."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Label, Static

from lrs_core.actor import Actor
from lrs_core.domain.kinds import IncidentStatus, SuperUserCaseStatus
from lrs_core.domain.text import shown
from lrs_core.permissions import Permission
from lrs_core.services import Services
from lrs_core.services.accounts_view import (
    ROLE_LABELS,
    CaseSummary,
    IncidentSummary,
    OrganisationView,
    PortalUserRow,
)
from lrs_tui.formatting import error_text
from lrs_tui.screens.accounts.shared import (
    ROLE_LEGEND,
    CoreCalls,
    organisation_kind,
    person,
    portal_words,
    reason_short,
    roles_short,
    short_day,
    status_words,
    when,
)
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.message_line import MessageLine
from lrs_tui.widgets.row_table import RowTable

WIDE = 110
TABLE_ROWS_MAX = 12  # rows a table shows before it scrolls (the screen scrolls too)
INSET = 4  # the body's padding each side, its scrollbar and the table's


def user_columns(width: int) -> list[tuple[str, int]]:
    fixed = [("Username", 15), ("Name", 15), ("Roles", 8), ("Status", 10), ("Last sign-in", 12)]
    if width >= WIDE:
        fixed[0], fixed[1], fixed[2] = ("Username", 22), ("Name", 24), ("Roles", 12)
    spare = width - RowTable.gaps(len(fixed) + 1) - INSET - sum(w for _, w in fixed)
    return [*fixed, ("Flags", max(10, spare))]


def user_cells(user: PortalUserRow) -> list[str]:
    return [
        user.username,
        user.name,
        roles_short(user.roles),
        status_words(user),
        short_day(user.last_sign_in_at),
        ", ".join(user.flags) or "—",
    ]


def case_columns(width: int) -> list[tuple[str, int]]:
    fixed = [("Reference", 16), ("Status", 9), ("Form arrived", 12), ("Still missing", 16)]
    if width >= WIDE:
        fixed[3] = ("Still missing", 32)
        fixed.append(("Prepared by", 16))
    spare = width - RowTable.gaps(len(fixed) + 1) - INSET - sum(w for _, w in fixed)
    return [fixed[0], fixed[1], ("Reason", max(10, spare)), *fixed[2:]]


def incident_columns(width: int) -> list[tuple[str, int]]:
    fixed = [("Reference", 16), ("Opened", 11), ("Status", 6)]
    spare = width - RowTable.gaps(len(fixed) + 1) - INSET - sum(w for _, w in fixed)
    return [*fixed, ("Furthest step of the ladder", max(12, spare))]


def incident_cells(incident: IncidentSummary) -> list[str]:
    """The incident's reference, day opened, status in words (OPEN in capitals) and the
    furthest §1.4 step taken on it."""
    status = "OPEN" if incident.status is IncidentStatus.OPEN else "closed"
    return [
        incident.reference,
        short_day(incident.opened_at),
        status,
        incident.furthest_wording or "none taken yet",
    ]


def case_cells(case: CaseSummary, *, wide: bool) -> list[str]:
    from lrs_core.domain.values import display_date

    missing = ", ".join(case.missing) if case.status is SuperUserCaseStatus.PREPARED else "—"
    cells = [
        case.reference,
        str(case.status),
        reason_short(case.reason),
        display_date(case.form_received_on),
        missing or "nothing",
    ]
    if wide:
        cells.append(case.prepared_by)
    return cells


class OrganisationViewScreen(CoreCalls, Screen[None]):
    CSS_PATH = "organisation_view.tcss"
    AUTO_FOCUS = "#body"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="org.back"),
        Binding("x", "toggle_portal", "Portal on/off", id="org.portal"),
        Binding("n", "new_case", "New SU case", id="org.new-case"),
        Binding("r", "reload", "Reload", id="org.reload", show=False),
    ]

    def __init__(self, services: Services, actor: Actor, ukprn: str) -> None:
        super().__init__()
        self._services = services
        self._actor = actor
        self.ukprn = ukprn
        self.view: OrganisationView | None = None
        self._opened = False  # a screen opened from here: read again on coming back

    def compose(self) -> ComposeResult:
        yield Header()
        yield MessageLine(id="message")
        with VerticalScroll(id="body"):
            yield Static("", id="title", markup=False)
            yield Static("", id="warning", markup=False)
            with Grid(id="facts"):
                for key, label in (
                    ("kind", "Kind"),
                    ("phone", "Register telephone"),
                    ("signatory", "Agreement signatory"),
                    ("portal", "Portal permissions"),
                    ("by-role", "Users by role"),
                    ("by-status", "Users by status"),
                    ("flagged", "Housekeeping (§3.3)"),
                ):
                    yield Label(label, classes="key")
                    yield Label("", id=f"fact-{key}", markup=False)
            yield Static("Super users", classes="heading")
            yield Static("", id="super-users", markup=False)
            yield Static("Users · Enter opens one", classes="heading")
            yield RowTable(id="users")
            yield Static(ROLE_LEGEND, id="legend", markup=False)
            yield Static("Security actions by the desk", classes="heading")
            yield Static("", id="security", markup=False)
            yield Static("Super-user cases (§3.6)", classes="heading")
            yield RowTable(id="cases")
            yield Static("", id="no-cases", markup=False)
            yield Static("Breach incidents (§1.4)", classes="heading")
            yield RowTable(id="incidents")
            yield Static("", id="no-incidents", markup=False)
        yield DeskFooter()

    def on_mount(self) -> None:
        self.sub_title = f"Organisation {self.ukprn}"
        self.action_reload()

    def on_screen_resume(self) -> None:
        # Back from a user, a case or a case form (escape pops without a result): read it
        # again. Not after the palette or the lock: each read is an audited look.
        if self._opened and self.view is not None:
            self._opened = False
            self.action_reload()

    def _push(self, screen: Screen[None]) -> None:
        self._opened = True
        self.app.push_screen(screen)

    @property
    def admin_portal(self) -> bool:
        return self._actor.may(Permission.MANAGE_PORTAL_USERS)

    @property
    def admin_cases(self) -> bool:
        return self._actor.may(Permission.REINSTATE_SUPER_USER)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_portal":
            return self.admin_portal and self.view is not None
        if action == "new_case":
            return self.admin_cases and self.view is not None
        return True

    # -- loading --------------------------------------------------------------------------

    def action_reload(self) -> None:
        if self.view is None:
            self.query_one(MessageLine).show_busy("Loading the organisation…")
        self.call("load", lambda: self._services.organisations.show(self._actor, self.ukprn))

    def done_load(self, view: OrganisationView | None, error: BaseException | None) -> None:
        line = self.query_one(MessageLine)
        if view is None:
            line.show_error(error_text(error))
            return
        if line.has_class("-busy"):
            line.clear()
        first = self.view is None
        self.show(view)
        if first:
            # The users' table takes the keys (Enter opens one); the screen starts at the top.
            self.query_one("#users", RowTable).focus(scroll_visible=False)

    def show(self, view: OrganisationView) -> None:
        self.view = view
        s = view.summary
        self.sub_title = shown(f"{s.name} · UKPRN {s.ukprn}")
        self.query_one("#title", Static).update(shown(f"{s.name} · UKPRN {s.ukprn}"))
        warning = self.query_one("#warning", Static)
        warning.update(f"WARNING: {s.super_user_warning}" if s.super_user_warning else "")
        warning.display = bool(s.super_user_warning)

        def fact(key: str, text: str) -> None:
            self.query_one(f"#fact-{key}", Label).update(shown(text))

        fact("kind", organisation_kind(s))
        fact("phone", view.phone or "none on the register: a call-back cannot be made")
        fact("signatory", view.agreement_signatory or "not recorded")
        portal = self.query_one("#fact-portal", Label)
        portal.update(portal_words(s.portal_enabled))
        portal.set_class(not s.portal_enabled, "-disabled")
        roles = " · ".join(f"{ROLE_LABELS[r]} {n}" for r, n in view.by_role if n) or "no users"
        fact("by-role", roles)
        statuses = " · ".join(f"{st} {n}" for st, n in view.by_status if n)
        fact("by-status", statuses or "no users")
        fact("flagged", f"{view.flagged} user{'s' if view.flagged != 1 else ''} flagged")
        supers = [
            f"{person(u)} · {status_words(u)} · last sign-in {when(u.last_sign_in_at)}"
            + (" · can act" if u.can_act else "")
            for u in view.super_users
        ]
        n = s.active_super_users
        active = f"{n} active super user{'s' if n != 1 else ''}"
        self.query_one("#super-users", Static).update("\n".join([active, *supers]))
        actions = [
            shown(
                f"{when(a.performed_at)} · {a.label}"
                + (f" ({a.portal_username})" if a.portal_username else "")
                + f" · by {a.operator} · reason: {a.reason}"
            )
            for a in view.security_actions
        ]
        self.query_one("#security", Static).update("\n".join(actions) or "none")
        self._show_tables()

    def on_resize(self) -> None:
        self._show_tables()

    def _show_tables(self) -> None:
        view = self.view
        if view is None:
            return
        width = self.size.width
        users = self.query_one("#users", RowTable)
        chosen = user_columns(width)
        keep = users.cursor
        users.set_rows([h for h, _ in chosen], [w for _, w in chosen],
                       [user_cells(u) for u in view.users])  # fmt: skip
        users.cursor = min(keep, max(0, len(view.users) - 1))
        users.styles.height = min(len(view.users), TABLE_ROWS_MAX) + 1
        users.display = bool(view.users)
        cases = self.query_one("#cases", RowTable)
        chosen = case_columns(width)
        cases.set_rows([h for h, _ in chosen], [w for _, w in chosen],
                       [case_cells(c, wide=width >= WIDE) for c in view.cases])  # fmt: skip
        cases.styles.height = min(len(view.cases), TABLE_ROWS_MAX) + 1
        cases.display = bool(view.cases)
        none = self.query_one("#no-cases", Static)
        none.update("none" if not view.cases else "Enter opens a case")
        incidents = self.query_one("#incidents", RowTable)
        chosen = incident_columns(width)
        incidents.set_rows([h for h, _ in chosen], [w for _, w in chosen],
                           [incident_cells(i) for i in view.incidents])  # fmt: skip
        incidents.styles.height = min(len(view.incidents), TABLE_ROWS_MAX) + 1
        incidents.display = bool(view.incidents)
        opens = self.may_open_incidents and view.incidents
        self.query_one("#no-incidents", Static).update(
            "none" if not view.incidents else ("Enter opens an incident" if opens else "")
        )
        self.refresh_bindings()

    # -- opening what is listed -------------------------------------------------------------

    @on(RowTable.RowChosen)
    def _row_chosen(self, event: RowTable.RowChosen) -> None:
        view = self.view
        if view is None:
            return
        if event.table.id == "users" and 0 <= event.index < len(view.users):
            self.open_user(view.users[event.index].username)
        elif event.table.id == "cases" and 0 <= event.index < len(view.cases):
            self.open_case(view.cases[event.index])
        elif event.table.id == "incidents" and 0 <= event.index < len(view.incidents):
            self.open_incident(view.incidents[event.index].reference)

    @property
    def may_open_incidents(self) -> bool:
        return self._actor.may(Permission.HANDLE_INTAKE)

    def open_incident(self, reference: str) -> None:
        """The incident and its ladder (analysts: the core refuses anyone else)."""
        from lrs_tui.screens.intake.incident import IncidentScreen

        if self.may_open_incidents:
            self._push(IncidentScreen(self._services, self._actor, reference))

    def open_user(self, username: str) -> None:
        from lrs_tui.screens.accounts.portal_user_view import PortalUserViewScreen

        self._push(PortalUserViewScreen(self._services, self._actor, username))

    def action_open_user(self) -> None:
        users = self.query_one("#users", RowTable)
        if self.view is not None and 0 <= users.cursor < len(self.view.users):
            self.open_user(self.view.users[users.cursor].username)

    def open_case(self, case: CaseSummary) -> None:
        from lrs_tui.screens.accounts.case_form import CaseFormScreen
        from lrs_tui.screens.accounts.case_review import CaseReviewScreen

        screen: Screen[None]
        if case.status is SuperUserCaseStatus.PREPARED and case.missing:
            screen = CaseFormScreen(self._services, self._actor, reference=case.reference)
        else:
            screen = CaseReviewScreen(self._services, self._actor, case.reference)
        self._push(screen)

    # -- the admins' actions ----------------------------------------------------------------

    def action_toggle_portal(self) -> None:
        from lrs_tui.screens.challenge_dialogs import WordsDialog

        view = self.view
        if view is None:
            return
        s = view.summary
        organisations, actor, ukprn = self._services.organisations, self._actor, s.ukprn
        if s.portal_enabled:
            dialog = WordsDialog(
                f"Disable portal permissions · {s.ukprn}",
                shown(
                    f"{s.name}'s portal users will not be able to use the Organisation Portal"
                    " until the permissions are re-enabled (§1.4). The reason is recorded and"
                    " shown on the organisation."
                ),
                "Reason",
                lambda reason: organisations.disable_organisation(actor, ukprn, reason),
                button="Disable",
            )
        else:
            dialog = WordsDialog(
                f"Re-enable portal permissions · {s.ukprn}",
                shown(f"{s.name}'s portal users can use the Organisation Portal again."),
                "Reason",
                lambda reason: organisations.enable_organisation(actor, ukprn, reason),
                button="Re-enable",
            )
        self.app.push_screen(dialog, callback=self._toggled)

    def _toggled(self, result: object) -> None:
        if isinstance(result, OrganisationView):
            self.show(result)
            self.query_one(MessageLine).show_notice(
                f"Portal permissions are now {portal_words(result.summary.portal_enabled)}."
            )
        elif isinstance(result, BaseException):
            self.query_one(MessageLine).show_error(error_text(result))
            self.action_reload()

    def action_new_case(self) -> None:
        from lrs_tui.screens.accounts.case_form import CaseFormScreen

        if self.view is None:
            return
        self._push(CaseFormScreen(self._services, self._actor, organisation=self.view.summary))

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Organisation: open the selected user",
                            "Their details, roles, status, whom to contact (§3.2)",
                            self.action_open_user)  # fmt: skip
        if self.admin_portal and self.view is not None:
            if self.view.summary.portal_enabled:
                yield SystemCommand("Organisation: disable portal permissions",
                                    "With a reason (§1.4)", self.action_toggle_portal)  # fmt: skip
            else:
                yield SystemCommand("Organisation: re-enable portal permissions",
                                    "With a reason", self.action_toggle_portal)  # fmt: skip
        if self.admin_cases:
            yield SystemCommand("Organisation: start a super-user case", "A Change of Super "
                                "User form arrived (§3.6)", self.action_new_case)  # fmt: skip
        yield SystemCommand("Organisation: reload", "Read it again", self.action_reload)
