"""Home: who is signed in, with which role, and what that role lets them do: the app's
declared actions (``lrs_tui.desk_actions``) the role allows, each with its key, as the
footer and the command palette offer them."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Label, Static
from textual.worker import Worker, WorkerState

from lrs_core.domain.text import shown
from lrs_core.services.operators import OperatorInfo, OperatorService, SignIn
from lrs_tui.desk_actions import DESK_ACTIONS
from lrs_tui.formatting import days_until, error_text, uk_date, uk_datetime
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.message_line import MessageLine

WORKER_GROUP = "home"


class HomeScreen(Screen[None]):
    CSS_PATH = "home.tcss"
    # The declared actions whose footer label is kept for home (the app's footer has no
    # room for them on every screen); the app still decides where each is offered.
    BINDINGS: ClassVar[list[BindingType]] = [
        action.screen_binding(f"home.{action.action}", action.footer)
        for action in DESK_ACTIONS
        if action.footer and not action.footer_everywhere
    ]

    def __init__(self, operators: OperatorService, signed_in: SignIn, database_label: str) -> None:
        super().__init__()
        self._operators = operators
        self._signed_in = signed_in
        self._database_label = database_label

    def compose(self) -> ComposeResult:
        actor = self._signed_in.actor
        previous = self._signed_in.previous_sign_in_at
        yield Header()
        with VerticalScroll(id="body"):
            with Grid(id="account"):
                yield Label("Signed in as", classes="key")
                yield Label(shown(f"{actor.display_name} ({actor.username})"), markup=False)
                yield Label("Role", classes="key")
                yield Label(actor.role_label)
                yield Label("Last sign-in", classes="key")
                yield Label(uk_datetime(previous) if previous else "first sign-in")
                yield Label("Password", classes="key")
                yield Label("…", id="password-expiry")
                yield Label("Database", classes="key")
                yield Label(self._database_label, markup=False, id="database")
            yield MessageLine(id="message")
            yield Static("What you can do", classes="heading")
            with Grid(id="actions"):
                for action in DESK_ACTIONS:
                    if action.allowed_for(actor):
                        yield Label(action.key_label, classes="key-name")
                        yield Label(action.title, classes="action")
            yield Static(
                "ctrl+p opens the command palette: type what you want to do, on any screen.",
                id="palette-note",
            )
        yield DeskFooter()

    def on_mount(self) -> None:
        actor = self._signed_in.actor
        self.sub_title = f"{shown(actor.display_name)} · {actor.role_label}"
        self._load_account()

    @work(thread=True, exclusive=True, exit_on_error=False, group=WORKER_GROUP)
    def _load_account(self) -> tuple[OperatorInfo, int]:
        info = self._operators.get(self._signed_in.actor)
        return info, days_until(info.password_expires_at, self._operators.clock())

    @on(Worker.StateChanged)
    def _account_loaded(self, event: Worker.StateChanged) -> None:
        if event.worker.group != WORKER_GROUP or not event.worker.is_finished:
            return
        expiry = self.query_one("#password-expiry", Label)
        if event.state is WorkerState.SUCCESS and event.worker.result is not None:
            info, days = event.worker.result
            when = "today" if days == 0 else f"in {days} day{'' if days == 1 else 's'}"
            expiry.update(f"expires {uk_date(info.password_expires_at)} ({when})")
            expiry.set_class(days <= 7, "-soon")
        elif event.state is WorkerState.ERROR:
            expiry.update("unknown")
            self.query_one(MessageLine).show_error(error_text(event.worker.error))
