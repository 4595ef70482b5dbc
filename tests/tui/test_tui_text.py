"""No stored text reaches the operator's terminal raw from the TUI (issue 9 item 1 (b), (c)).

What is checked is what Textual would write to the terminal: the screen rendered to its escape
sequences, Textual's own cursor and colour sequences (CSI ... letter) taken out, and the rest
searched for any control, bidi or invisible format character.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from factories import learner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.app import App
from textual.screen import Screen
from tui_drive import DeskOperator, Keys

from lrs_core.actor import Actor
from lrs_core.db.models import Learner
from lrs_core.domain.text import BIDI_CONTROLS
from lrs_core.services import Services
from lrs_tui.app import LrsDeskApp
from lrs_tui.screens.learner_form import LearnerFormScreen
from lrs_tui.screens.learner_profile import LearnerProfileScreen

ULN = "9276308686"
HOSTILE = {
    "email": "z\x1b]0;PWNED\x1b\\@x.com",
    "other_verification_description": "\x1b[2J\x1b[H\x1b]52;c;UFdORUQ=\x07",
    "place_of_birth": "Leeds\nstatus  linked",
    "nationality": "Smith\x9b2J",
    "title": "[bold red]X[/]",
    "address_town": "[@click=app.quit]quit[/]",
    "notes": "Smith\u202eevil.pdf",
}
_TEXTUAL_OWN = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # cursor moves and colours Textual writes


def terminal_text(app: App[None]) -> str:
    """The screen as Textual would write it, less its own CSI sequences."""
    update = app.screen._compositor.render_full_update()
    return _TEXTUAL_OWN.sub("", update.render_segments(app.console))


def terminal_safe(text: str) -> bool:
    return not any(
        (unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") and c != "\n")
        or c in BIDI_CONTROLS
        for c in text
    )


class Host(App[None]):
    """Just the screen under test: no line filter, so shown() alone must make it safe."""

    def __init__(self, screen: Screen[None]) -> None:
        super().__init__()
        self._screen = screen

    def on_mount(self) -> None:
        self.push_screen(self._screen)


def add_old_row(services: Services, **fields: object) -> None:
    # Written before the text rule: inserted directly, as old rows were.
    with services.db.transaction() as session:
        session.add(learner(ULN, "Ffion", "Rees", verification_type=999, **fields))


async def show_profile(services: Services, agent: Actor) -> tuple[Host, str]:
    app = Host(LearnerProfileScreen(services.learners, agent, ULN))
    async with app.run_test(size=(100, 60)) as pilot:
        await Keys.settle(pilot)
        screen = app.screen
        assert isinstance(screen, LearnerProfileScreen) and screen.profile is not None
        return app, terminal_text(app)


async def test_profile_shows_an_old_hostile_row_harmlessly_and_markup_literally(
    services: Services, agent: Actor
) -> None:
    add_old_row(services, **HOSTILE)
    _, out = await show_profile(services, agent)
    assert terminal_safe(out)
    assert "z␛]0;PWNED␛\\@x.com" in out  # visible, not obeyed
    assert "Leeds␊status  linked" in out
    assert "Smith<U+009B>2J" in out and "Smith<U+202E>evil.pdf" in out
    assert "[bold red]X[/]" in out and "[@click=app.quit]quit[/]" in out  # literal


@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    text=st.text(
        st.characters(codec=None, exclude_categories=["Cs"], exclude_characters="\x00"),
        min_size=1,
        max_size=10,
    )
)
async def test_every_category_through_the_profile(
    services: Services, agent: Actor, text: str
) -> None:
    # issue 9 item 1 (c): any stored text (a database holds all but NUL and lone surrogates).
    with services.db.transaction() as session:
        session.query(Learner).delete()
    add_old_row(services, notes=text, email=text, address_town=text, title=text)
    _, out = await show_profile(services, agent)
    assert terminal_safe(out)


async def test_an_input_holding_an_old_value_writes_no_control(
    services: Services, desk_operator: DeskOperator, agent: Actor
) -> None:
    # The edit form fills its inputs with the stored values (so an unchanged field is not
    # sent); the app's line filter keeps their controls from the terminal.
    add_old_row(services, **HOSTILE)
    app = LrsDeskApp(services)
    async with app.run_test(size=(100, 60)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        record = services.learners.show(agent, ULN)
        await app.push_screen(LearnerFormScreen.edit(services.learners, agent, record))
        await Keys.settle(pilot)
        out = terminal_text(app)
    assert "PWNED" in out  # the email input is on screen
    assert terminal_safe(out)


@pytest.mark.parametrize("broken", [False, True])
async def test_the_bare_host_shows_raw_controls_without_shown(broken: bool) -> None:
    # The check above can fail: Textual itself writes ESC from a widget's text.
    from textual.widgets import Label

    from lrs_core.domain.text import shown

    text = "a\x1b]0;X\x07b"

    class One(Screen[None]):
        def compose(self):  # type: ignore[no-untyped-def]
            yield Label(text if broken else shown(text), markup=False)

    app = Host(One())
    async with app.run_test() as pilot:
        await pilot.pause()
        assert terminal_safe(terminal_text(app)) is not broken
