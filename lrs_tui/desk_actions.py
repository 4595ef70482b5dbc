"""The app's own actions, declared once. The app's key bindings (so the footer), the command
palette and home's "What you can do" are all made from this list, so they cannot disagree:
an action the operator's role does not allow is in none of them, and nothing that is not
built is advertised. A screen's own actions (edit, sort, report...) stay with the screen, in
its bindings and its ``palette_commands()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from textual.binding import Binding

from lrs_core.actor import Actor
from lrs_core.permissions import Permission


class When(Enum):
    ALWAYS = "always"  # signed in or not (quit, theme)
    SIGNED_IN = "signed-in"  # from sign-in until sign-out, the lock included
    DESK = "desk"  # once the desk is open (agreement accepted, password in order)


PALETTE_KEY = "ctrl+p"


@dataclass(frozen=True)
class DeskAction:
    action: str  # the app's action_<action>
    title: str  # its name in the palette, and its line on home
    help: str  # the palette's line under the title
    key: str = ""  # "" : reached by name from the palette (ctrl+p)
    footer: str = ""  # its label in the footer; "" keeps it out (80 columns are few)
    permission: Permission | None = None  # the role must allow it
    when: When = When.DESK
    # A priority binding works from inside a text field too (Input would take ctrl+f).
    priority: bool = False
    # False: the footer label shows only on the screens that add ``screen_binding`` for it
    # (home), not in every screen's footer (80 columns are few).
    footer_everywhere: bool = True

    @property
    def key_label(self) -> str:
        """How home names the key: its own, or the palette's."""
        return self.key or PALETTE_KEY

    def allowed_for(self, actor: Actor | None) -> bool:
        """The role allows it (or nobody need be signed in for it)."""
        if self.when is When.ALWAYS:
            return True
        if actor is None:
            return False
        return self.permission is None or actor.may(self.permission)

    def binding(self) -> Binding:
        """The app's binding for the key (shown in the footer when it has a label)."""
        return Binding(
            self.key,
            self.action,
            self.footer or self.title,
            show=bool(self.footer) and self.footer_everywhere,
            priority=self.priority,
            id=f"app.{self.action}",
        )

    def screen_binding(self, id: str, label: str) -> Binding:
        """The same key and action in a screen's own footer, where it matters most (the
        app's footer has no room for it at 80 columns)."""
        return Binding(self.key, f"app.{self.action}", label, priority=self.priority, id=id)


FIND_LEARNER = DeskAction(
    "find_learner",
    "Find a learner",
    "By ULN and names, or by personal details",
    key="ctrl+f",
    footer="Find",
    permission=Permission.FIND_LEARNER,
    priority=True,
)
REGISTER_LEARNER = DeskAction(
    "register_learner",
    "Register a learner",
    "A new ULN, after the check for possible matches (from Find: the details typed there)",
    key="ctrl+r",  # in the find screen's footer, with the details typed there
    permission=Permission.REGISTER_LEARNER,
)
OPEN_PLR = DeskAction(
    "open_plr",
    "Open a PLR by ULN",
    "A learner's Personal Learning Record, as the desk or an organisation sees it",
    permission=Permission.VIEW_PLR,
)
CHALLENGE_QUEUE = DeskAction(
    "challenge_queue",
    "Data challenges",
    "The queue of open ULN and event challenges, by support-hour due time",
    # ctrl+d, not a priority binding: in a text field it still deletes to the right.
    key="ctrl+d",
    footer="Queue",
    permission=Permission.RAISE_CHALLENGE,  # agents read the queue; analysts act on it
    footer_everywhere=False,  # on home's footer; every other screen's is full at 80 columns
)
FIND_ORGANISATION = DeskAction(
    "find_organisation",
    "Find an organisation",
    "By UKPRN or name: its super users, portal users, security actions and super-user cases",
    # ctrl+g: free in every screen and in a text field (ctrl+o is Sign out).
    key="ctrl+g",
    footer="Orgs",
    permission=Permission.VIEW_ORGANISATIONS,
    footer_everywhere=False,  # on home's footer; every other screen's is full at 80 columns
)
INTAKE_QUEUE = DeskAction(
    "intake_queue",
    "Encrypted intake",
    "Learner data emailed to the desk: breaches first, the phoned passphrase, every row matched",
    # ctrl+e, not a priority binding: in a text field it still moves to the end of the line.
    key="ctrl+e",
    footer="Intake",
    permission=Permission.HANDLE_INTAKE,
    footer_everywhere=False,  # on home's footer; every other screen's is full at 80 columns
)
SUPER_USER_CASES = DeskAction(
    "super_user_cases",
    "Super-user cases awaiting approval",
    "Reinstatement cases prepared by another admin (§3.6): review the checks, approve or reject",
    permission=Permission.REINSTATE_SUPER_USER,
)
RESET_SECOND_FACTOR = DeskAction(
    "reset_second_factor",
    "Reset an operator's second factor",
    "After a lost phone: they set up a new authenticator at next sign-in",
    permission=Permission.MANAGE_OPERATORS,
)
CHANGE_PASSWORD = DeskAction(
    "change_password", "Change my password", "Choose a new password (you need the current one)"
)
THEME = DeskAction(
    "change_theme",
    "Theme",
    "Change the colours (ansi-dark and ansi-light use the terminal's own 16)",
    when=When.ALWAYS,
)
LOCK = DeskAction(
    "lock",
    "Lock the session",
    "Hide the screen until you enter your password",
    key="ctrl+l",
    footer="Lock",
    when=When.SIGNED_IN,
    priority=True,
)
SIGN_OUT = DeskAction(
    "sign_out",
    "Sign out",
    "End the session and return to sign-in",
    key="ctrl+o",
    footer="Sign out",
    when=When.SIGNED_IN,
    priority=True,
)
QUIT = DeskAction(
    "quit",
    "Quit",
    "Sign out and leave LRS Desk",
    key="ctrl+q",
    footer="Quit",
    when=When.ALWAYS,
    priority=True,
)

# In the order home and the palette list them.
DESK_ACTIONS: tuple[DeskAction, ...] = (
    FIND_LEARNER,
    REGISTER_LEARNER,
    OPEN_PLR,
    CHALLENGE_QUEUE,
    FIND_ORGANISATION,
    INTAKE_QUEUE,
    SUPER_USER_CASES,
    RESET_SECOND_FACTOR,
    CHANGE_PASSWORD,
    THEME,
    LOCK,
    SIGN_OUT,
    QUIT,
)
BY_ACTION = {action.action: action for action in DESK_ACTIONS}


def app_bindings() -> list[Binding]:
    """The app's bindings: every declared action that has a key."""
    return [action.binding() for action in DESK_ACTIONS if action.key]
