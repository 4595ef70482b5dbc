"""Helpers for driving LRS Desk in tests: operators with known passwords, and the keys a
person would type, waiting for the workers they start (never sleeping)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.pilot import Pilot
from textual.widgets import Input

from lrs_core.actor import Actor
from lrs_core.services import Services

KNOWN_PASSWORD = "Desk-Shift-2026"


@dataclass(frozen=True)
class DeskOperator:
    username: str
    password: str
    display_name: str


def add_operator(services: Services, username: str, display_name: str, role: str) -> str:
    """A new operator, as `lrs-desk operator add` creates one; returns the one-time password."""
    return services.operators.add(Actor.system(), username, role, display_name).one_time_password


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
