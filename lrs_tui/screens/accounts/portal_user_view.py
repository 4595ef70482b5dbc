"""One portal user (issue 12 item 2; User Guide §3.2, Appendix A): details, roles by their
Appendix A names, status, failed attempts, last sign-in, §3.3's flags and the desk's security
actions; and, first and in bold, §3.2's rule: the Service Desk does not reset passwords or
unlock accounts, with the organisation's active super users to contact instead.

The one exception the guide gives the desk (§1.4, §3.5.6.1): an admin suspends the user
(``s``, with a reason); refused by the core for anyone else. The look is audited by the core."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Label, Static

from lrs_core.actor import Actor
from lrs_core.domain.kinds import AccountStatus
from lrs_core.domain.text import shown
from lrs_core.permissions import Permission
from lrs_core.services import Services
from lrs_core.services.accounts_view import PortalUserView, phone_shown
from lrs_tui.formatting import error_text
from lrs_tui.screens.accounts.shared import CoreCalls, person, roles_full, status_words, when
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.message_line import MessageLine

FACTS = (
    ("username", "Username"),
    ("name", "Name"),
    ("organisation", "Organisation"),
    ("roles", "Roles (Appendix A)"),
    ("status", "Status"),
    ("failed", "Failed sign-ins"),
    ("last", "Last sign-in"),
    ("must-change", "Password"),
    ("email", "Email"),
    ("phone", "Telephone"),
    ("verification", "Verification provided"),
    ("created", "Created"),
    ("flags", "Housekeeping (§3.3)"),
)


class PortalUserViewScreen(CoreCalls, Screen[None]):
    CSS_PATH = "portal_user_view.tcss"
    AUTO_FOCUS = "#body"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="portal-user.back"),
        Binding("s", "suspend", "Suspend", id="portal-user.suspend"),
        Binding("r", "reload", "Reload", id="portal-user.reload", show=False),
    ]

    def __init__(self, services: Services, actor: Actor, username: str) -> None:
        super().__init__()
        self._services = services
        self._actor = actor
        self.username = username
        self.view: PortalUserView | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield MessageLine(id="message")
        with VerticalScroll(id="body"):
            yield Static("", id="advice", markup=False)
            yield Static("", id="contacts", markup=False)
            with Grid(id="facts"):
                for key, label in FACTS:
                    yield Label(label, classes="key")
                    yield Label("", id=f"fact-{key}", markup=False)
            yield Static("Security actions by the desk", classes="heading")
            yield Static("", id="security", markup=False)
        yield DeskFooter()

    def on_mount(self) -> None:
        self.sub_title = shown(f"Portal user {self.username}")
        self.action_reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "suspend":
            return self._actor.may(Permission.MANAGE_PORTAL_USERS) and self.view is not None
        return True

    def action_reload(self) -> None:
        if self.view is None:
            self.query_one(MessageLine).show_busy("Loading the portal user…")
        self.call(
            "load", lambda: self._services.organisations.portal_user(self._actor, self.username)
        )

    def done_load(self, view: PortalUserView | None, error: BaseException | None) -> None:
        line = self.query_one(MessageLine)
        if view is None:
            line.show_error(error_text(error))
            return
        if line.has_class("-busy"):
            line.clear()
        self.show(view)

    def show(self, view: PortalUserView) -> None:
        self.view = view
        user, org = view.user, view.organisation
        self.query_one("#advice", Static).update(view.desk_advice)
        if view.contact_super_users:
            contacts = ["Contact one of the organisation's active super users:"]
            contacts += [f"  {person(u)}" for u in view.contact_super_users]
        else:
            contacts = [
                "The organisation has no active super user to contact: it sends a Change of"
                " Super User form (§3.6)."
            ]
        self.query_one("#contacts", Static).update("\n".join(contacts))

        def fact(key: str, text: str) -> None:
            self.query_one(f"#fact-{key}", Label).update(shown(text))

        title = f"{user.title} " if user.title else ""
        fact("username", user.username)
        fact("name", f"{title}{user.name}")
        fact("organisation", f"{org.name} · UKPRN {org.ukprn}")
        fact("roles", roles_full(user.roles))
        status = self.query_one("#fact-status", Label)
        status.update(status_words(user).upper() if user.status is not AccountStatus.ACTIVE
                      else status_words(user))  # fmt: skip
        status.set_class(user.status is not AccountStatus.ACTIVE, "-alert")
        fact("failed", str(view.failed_attempts))
        fact("last", when(user.last_sign_in_at))
        fact("must-change", "must change it at next sign-in" if view.must_change_password
             else "in use")  # fmt: skip
        fact("email", view.email)
        fact("phone", phone_shown(view.phone) or "none given")
        fact("verification", view.verification_provided or "none recorded")
        fact("created", when(view.created_at))
        fact("flags", ", ".join(user.flags) or "none")
        actions = [
            shown(f"{when(a.performed_at)} · {a.label} · by {a.operator} · reason: {a.reason}")
            for a in view.security_actions
        ]
        self.query_one("#security", Static).update("\n".join(actions) or "none")
        self.refresh_bindings()

    def action_suspend(self) -> None:
        from lrs_tui.screens.challenge_dialogs import WordsDialog

        view = self.view
        if view is None:
            return
        organisations, actor, username = self._services.organisations, self._actor, self.username
        dialog = WordsDialog(
            "Suspend this portal user",  # a title is markup: no stored text in it
            shown(
                f"{view.user.name} will not be able to sign in to the Organisation Portal until"
                f" one of {view.organisation.name}'s super users reactivates them (§3.5.6.1)."
                " The reason is recorded and shown on the organisation."
            ),
            "Reason",
            lambda reason: organisations.suspend_user(actor, username, reason),
            button="Suspend",
        )
        self.app.push_screen(dialog, callback=self._suspended)

    def _suspended(self, result: object) -> None:
        if isinstance(result, PortalUserView):
            self.show(result)
            self.query_one(MessageLine).show_notice(shown(f"{self.username} is suspended."))
        elif isinstance(result, BaseException):
            self.query_one(MessageLine).show_error(error_text(result))

    def palette_commands(self) -> Iterable[SystemCommand]:
        if self._actor.may(Permission.MANAGE_PORTAL_USERS) and self.view is not None:
            yield SystemCommand("Portal user: suspend", "With a reason (§1.4, §3.5.6.1)",
                                self.action_suspend)  # fmt: skip
        yield SystemCommand("Portal user: reload", "Read them again", self.action_reload)
