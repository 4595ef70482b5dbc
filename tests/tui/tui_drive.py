"""Helpers for driving LRS Desk in tests: operators with known passwords, and the keys a
person would type, waiting for the workers they start (never sleeping)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from factories import desk_admin, learner
from textual import events
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, Static

from lrs_core.services import Services

KNOWN_PASSWORD = "Desk-Shift-2026"


@dataclass(frozen=True)
class DeskOperator:
    username: str
    password: str
    display_name: str


def add_operator(services: Services, username: str, display_name: str, role: str) -> str:
    """A new operator, as an admin creates one; returns the one-time password."""
    return services.operators.add(
        desk_admin(services), username, role, display_name
    ).one_time_password


def settled_operator(services: Services) -> DeskOperator:
    """An analyst who has already swapped the one-time password for a known one."""
    otp = add_operator(services, "sam.okafor", "Sam Okafor", "analyst")
    actor = services.operators.sign_in("sam.okafor", otp).actor
    services.operators.change_password(actor, otp, KNOWN_PASSWORD)
    return DeskOperator("sam.okafor", KNOWN_PASSWORD, "Sam Okafor")


def new_operator(services: Services) -> DeskOperator:
    """An agent who still has the one-time password from `operator add`."""
    otp = add_operator(services, "asha.patel", "Asha Patel", "agent")
    return DeskOperator("asha.patel", otp, "Asha Patel")


class Keys:
    @staticmethod
    async def settle(pilot: Pilot[None]) -> None:
        """Wait until no worker runs. A finished worker's handler may start another
        (sign-in pushes screens, home loads the account), so wait a few rounds."""
        for _ in range(3):
            await pilot.pause()
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    @staticmethod
    async def type(pilot: Pilot[None], text: str) -> None:
        await pilot.press(*text)

    @staticmethod
    async def burst(pilot: Pilot[None], text: str) -> None:
        """Keys as a fast typist, a paste or SSH delivers them: all queued before the app
        handles the first. Tab, Enter, backspace and ctrl+u are written \\t \\r \\x7f \\x15."""
        names = {
            "\t": ("tab", "\t"),
            "\r": ("enter", "\r"),
            "\x7f": ("backspace", "\x7f"),
            "\x15": ("ctrl+u", None),
        }
        for char in text:
            key, character = names.get(char, (char, char))
            pilot.app.post_message(events.Key(key, character))
        await Keys.settle(pilot)

    @classmethod
    async def sign_in(cls, pilot: Pilot[None], username: str, password: str) -> None:
        """Username, Enter (moves to the password), password, Enter (submits)."""
        await cls.type(pilot, username)
        await pilot.press("enter")
        await cls.type(pilot, password)
        await pilot.press("enter")
        await cls.settle(pilot)

    @classmethod
    async def reach_home(cls, pilot: Pilot[None], operator: DeskOperator) -> None:
        await cls.sign_in(pilot, operator.username, operator.password)
        await pilot.press("a")  # accept the User Agreement
        await cls.settle(pilot)

    @staticmethod
    def stop_blinking(pilot: Pilot[None]) -> None:
        """Snapshots must not catch a cursor mid-blink."""
        for widget in pilot.app.screen.query(Input):
            widget.cursor_blink = False

    @classmethod
    async def fill(cls, pilot: Pilot[None], selector: str, text: str) -> None:
        """Move to a field (as Tab or a click would), empty it and type ``text``."""
        pilot.app.screen.query_one(selector).focus()
        await pilot.pause()
        await pilot.press("end", "ctrl+u")
        await cls.type(pilot, text)

    @classmethod
    async def choose(cls, pilot: Pilot[None], selector: str, code: str) -> None:
        """Pick a code from a Select: open it, type "(code)" to jump there, Enter."""
        pilot.app.screen.query_one(selector).focus()
        await pilot.pause()
        await pilot.press("enter")
        await cls.type(pilot, f"({code})")
        await pilot.press("enter")
        await pilot.pause()


def texts(app: App[Any], selector: str) -> list[str]:
    """What the Labels and Statics matching ``selector`` on the current screen say."""
    return [str(w.content) for w in app.screen.query(selector).results(Static)]


# -- learners ---------------------------------------------------------------------------------

AMELIA = "9276308686"
AVA = "1174112637"  # Amelia's twin: same date of birth, gender and postcode


def add_twins(services: Services) -> None:
    with services.db.transaction() as session:
        session.add(
            learner(
                AMELIA,
                "Amelia",
                "Clarke",
                address_line1="4 Mill Lane",
                address_town="York",
                postcode="YO1 7HH",
                created_at=datetime(2024, 9, 2, 9, 30, tzinfo=UTC),
            )
        )
        session.add(learner(AVA, "Ava", "Clarke", postcode="YO1 7HH"))


async def search_details(
    pilot: Pilot[None],
    given: str,
    family: str,
    dob: str,
    gender: str,
    postcode: str,
) -> None:
    """ctrl+f, then the personal-details form: Enter moves on, Enter in postcode searches."""
    await pilot.press("ctrl+f")
    await Keys.settle(pilot)
    await Keys.fill(pilot, "#given", given)
    await pilot.press("enter")
    await Keys.type(pilot, family)
    await pilot.press("enter")
    await Keys.type(pilot, dob)
    if gender:
        await Keys.choose(pilot, "#gender", gender)
    await Keys.fill(pilot, "#postcode", postcode)
    await pilot.press("enter")
    await Keys.settle(pilot)
