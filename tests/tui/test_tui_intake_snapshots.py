"""The intake screens at 80x24 (the desk's SSH terminals) and 120x40 (issue 13 "Done when"):
the queue with a BREACH, a case with its findings first, the passphrase prompt with the
passphrase typed (masked), and the row table after it opened the file. SQLite, the fixed
clock (factories.TEST_NOW) and the core's own synthetic samples, so references and times are
the same every run. Look at a changed SVG before accepting it. The last test reads every SVG
of the suite: the typed passphrase is in none."""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from test_tui_intake import receive, seed, type_passphrase
from test_tui_snapshots import SIZES, SnapCompare, desk_app, steady
from textual.pilot import Pilot
from tui_drive import DeskOperator, Keys

from lrs_core.intake.samples import ZIPCRYPTO_PASSPHRASE, samples
from lrs_core.services import Services

Drive = Callable[[Pilot[None]], Awaitable[None]]
SNAPSHOTS = Path(__file__).parent / "__snapshots__"


def check(
    snap_compare: SnapCompare,
    services: Services,
    operator: DeskOperator,
    size: tuple[int, int],
    then: Drive,
) -> bool:
    """Three cases received (a compliant AES zip, a ULN and date of birth in a body, a
    ZipCrypto zip), the analyst at the intake queue, then ``then``."""
    made = seed(services)
    receive(services, made["compliant-aes-zip"], made["uln-and-dob-in-body"],
            made["zipcrypto-zip"])  # fmt: skip

    async def drive(pilot: Pilot[None]) -> None:
        await Keys.reach_home(pilot, operator)
        await pilot.press("ctrl+e")
        await Keys.settle(pilot)
        await then(pilot)

    return snap_compare(desk_app(services), terminal_size=size, run_before=steady(drive))


async def nothing(pilot: Pilot[None]) -> None:
    pass


async def case_view(pilot: Pilot[None]) -> None:
    await pilot.press("enter")  # the newest: the ZipCrypto zip, a breach
    await Keys.settle(pilot)


async def passphrase_typed(pilot: Pilot[None]) -> None:
    await case_view(pilot)
    await pilot.press("p")
    await Keys.settle(pilot)
    await Keys.type(pilot, ZIPCRYPTO_PASSPHRASE)


async def row_table(pilot: Pilot[None]) -> None:
    await case_view(pilot)
    await pilot.press("p")
    await Keys.settle(pilot)
    await type_passphrase(pilot, ZIPCRYPTO_PASSPHRASE)


@pytest.mark.parametrize("size", SIZES)
def test_intake_queue(
    snap_compare: SnapCompare,
    sqlite_services: Services,
    snapshot_operator: DeskOperator,
    size: tuple[int, int],
) -> None:
    # BREACH in words and bold on two of the three; statuses in words; UK times.
    assert check(snap_compare, sqlite_services, snapshot_operator, size, nothing)


@pytest.mark.parametrize("size", SIZES)
def test_intake_case_view(
    snap_compare: SnapCompare,
    sqlite_services: Services,
    snapshot_operator: DeskOperator,
    size: tuple[int, int],
) -> None:
    # §1.4's words first, boxed: the file is not encrypted to AES-256; then the sender.
    assert check(snap_compare, sqlite_services, snapshot_operator, size, case_view)


@pytest.mark.parametrize("size", SIZES)
def test_intake_passphrase_prompt(
    snap_compare: SnapCompare,
    sqlite_services: Services,
    snapshot_operator: DeskOperator,
    size: tuple[int, int],
) -> None:
    # The passphrase typed: one dot a character, never the text.
    assert check(snap_compare, sqlite_services, snapshot_operator, size, passphrase_typed)


@pytest.mark.parametrize("size", SIZES)
def test_intake_row_table(
    snap_compare: SnapCompare,
    sqlite_services: Services,
    snapshot_operator: DeskOperator,
    size: tuple[int, int],
) -> None:
    # Every row with its outcome code and words, the learner or best candidate, the
    # fields refused; the guidance's advice (the phoned passphrase is short of it).
    assert check(snap_compare, sqlite_services, snapshot_operator, size, row_table)


def svg_text(path: Path) -> str:
    """What an SVG snapshot says, its tags and spacing gone (a text split over spans joins
    up again)."""
    text = html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))
    return re.sub(r"\s+", "", text)


def test_the_typed_passphrase_is_in_no_snapshot() -> None:
    """DOMAIN.md "Security and the encrypted intake": the passphrase is never shown. Every
    SVG of the TUI's snapshots, the intake's prompt with it typed among them; the prompt's
    field shows one dot a character."""
    svgs = sorted(SNAPSHOTS.rglob("*.svg"))
    prompts = [p for p in svgs if "test_intake_passphrase_prompt" in p.name]
    assert len(prompts) == 2, "the passphrase prompt's snapshots are missing"
    secrets = {s.passphrase.reveal() for s in samples() if s.passphrase is not None}
    assert ZIPCRYPTO_PASSPHRASE in secrets
    for path in svgs:
        text = svg_text(path)
        for secret in secrets:
            assert re.sub(r"\s+", "", secret) not in text, (path.name, "passphrase shown")
    for path in prompts:
        assert "•" * len(ZIPCRYPTO_PASSPHRASE) in svg_text(path)
