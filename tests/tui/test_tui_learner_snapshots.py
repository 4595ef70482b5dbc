"""The learner screens at 80x24 (the desk's SSH terminals) and 120x40: find, results, profile,
the register form and its two modals. Look at a changed SVG before accepting it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from test_tui_snapshots import SIZES, SnapCompare, desk_app, steady
from textual.pilot import Pilot
from tui_drive import DeskOperator, Keys, add_twins, search_details

from lrs_core.services import Services

Drive = Callable[[Pilot[None]], Awaitable[None]]


def check(
    snap_compare: SnapCompare,
    services: Services,
    operator: DeskOperator,
    size: tuple[int, int],
    then: Drive,
) -> bool:
    add_twins(services)

    async def drive(pilot: Pilot[None]) -> None:
        await Keys.reach_home(pilot, operator)
        await then(pilot)

    return snap_compare(desk_app(services), terminal_size=size, run_before=steady(drive))


async def search_near_misses(pilot: Pilot[None]) -> None:
    """A caller who spells the name a little differently: the search widens and explains."""
    await search_details(pilot, "Amelie", "Clark", "2008-03-14", "2", "YO1 7HH")


async def search_married_and_moved(pilot: Pilot[None]) -> None:
    """A caller married and moved, neither recorded yet: no match, and Amelia Clarke (given
    name and date of birth right) apart as a weaker candidate, with the question to ask."""
    await search_details(pilot, "Amelia", "Okoro", "2008-03-14", "2", "M14 5RT")


async def open_register_form(pilot: Pilot[None]) -> None:
    await search_details(pilot, "Isla", "Clarke", "2008-03-14", "2", "YO1 7HH")
    await pilot.press("ctrl+r")
    await Keys.settle(pilot)
    await Keys.fill(pilot, "#f-email", "none")  # an inline error, as the operator types


async def submit_register_form(pilot: Pilot[None]) -> None:
    await search_details(pilot, "Isla", "Clarke", "2008-03-14", "2", "YO1 7HH")
    await pilot.press("ctrl+r")
    await Keys.settle(pilot)
    await Keys.choose(pilot, "#f-ability_to_share", "1")
    await Keys.choose(pilot, "#f-verification_type", "2")
    await pilot.press("ctrl+s")
    await Keys.settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_find_learner_empty(
    snap_compare: SnapCompare,
    sqlite_services: Services,
    snapshot_operator: DeskOperator,
    size: tuple[int, int],
) -> None:
    async def then(pilot: Pilot[None]) -> None:
        await pilot.press("ctrl+f")

    assert check(snap_compare, sqlite_services, snapshot_operator, size, then)


@pytest.mark.parametrize("size", SIZES)
def test_find_learner_results(
    snap_compare: SnapCompare,
    sqlite_services: Services,
    snapshot_operator: DeskOperator,
    size: tuple[int, int],
) -> None:
    assert check(snap_compare, sqlite_services, snapshot_operator, size, search_near_misses)


@pytest.mark.parametrize("size", SIZES)
def test_find_learner_weaker_candidates(
    snap_compare: SnapCompare,
    sqlite_services: Services,
    snapshot_operator: DeskOperator,
    size: tuple[int, int],
) -> None:
    # Issue 10 item 10: a separate, labelled section under the (empty) results, whole at 80x24.
    assert check(snap_compare, sqlite_services, snapshot_operator, size, search_married_and_moved)


@pytest.mark.parametrize("size", SIZES)
def test_learner_profile(
    snap_compare: SnapCompare,
    sqlite_services: Services,
    snapshot_operator: DeskOperator,
    size: tuple[int, int],
) -> None:
    async def then(pilot: Pilot[None]) -> None:
        await search_near_misses(pilot)
        await pilot.press("enter")
        await Keys.settle(pilot)
        # The page fills in after its worker ends: wait until the whole profile is shown.
        for _ in range(100):
            if getattr(pilot.app.screen, "profile", None) is not None:
                break
            await pilot.pause(0.05)
        await Keys.settle(pilot)

    assert check(snap_compare, sqlite_services, snapshot_operator, size, then)


@pytest.mark.parametrize("size", SIZES)
def test_register_form(
    snap_compare: SnapCompare,
    sqlite_services: Services,
    snapshot_operator: DeskOperator,
    size: tuple[int, int],
) -> None:
    assert check(snap_compare, sqlite_services, snapshot_operator, size, open_register_form)


@pytest.mark.parametrize("size", SIZES)
def test_register_possible_matches(
    snap_compare: SnapCompare,
    sqlite_services: Services,
    snapshot_operator: DeskOperator,
    size: tuple[int, int],
) -> None:
    assert check(snap_compare, sqlite_services, snapshot_operator, size, submit_register_form)


@pytest.mark.parametrize("size", SIZES)
def test_registered_new_uln(
    snap_compare: SnapCompare,
    sqlite_services: Services,
    snapshot_operator: DeskOperator,
    size: tuple[int, int],
) -> None:
    async def then(pilot: Pilot[None]) -> None:
        await submit_register_form(pilot)
        await pilot.press("shift+tab", "enter")  # Register learner

    assert check(snap_compare, sqlite_services, snapshot_operator, size, then)
