"""LRS Desk's own theme: the terminal's 16 colours, legible on a dark and on a light background.

Textual's ``ansi-dark`` draws an unfocused input or button border in ANSI black (gone on a
dark background), titles and headings in ANSI blue (faint on black), the table cursor and the
input cursor in ANSI white (gone on a light background) and warnings in yellow (faint on white).
``lrs-ansi`` is ``ansi-dark`` with every one of those moved to a colour that shows on both:

- lines, titles and headings in the terminal's own foreground (``ansi_default``), which is by
  definition readable on its own background, dark or light; headings are bold;
- the focused field or button in magenta *and* with a different look (a thicker border on a
  field, reverse video on a button), so focus does not rest on colour alone;
- errors in red and bold, always with words naming the field; warnings and success in bold
  default text with only their frames coloured;
- cursors (the table's row, the input's caret) in reverse video, which every terminal shows.

Widgets take these through the theme variables (``$border``, ``$text-primary``...), so a new
screen that uses the variables is legible too. ``ansi-light`` and ``ansi-dark`` stay selectable
from the palette's theme command.
"""

from __future__ import annotations

from textual.theme import BUILTIN_THEMES, Theme

# The colours that vanish on one of the two backgrounds: never a line, title or label colour.
INVISIBLE_ON_DARK = frozenset({"ansi_black", "ansi_blue", "ansi_bright_black"})
INVISIBLE_ON_LIGHT = frozenset({"ansi_white", "ansi_bright_white", "ansi_yellow", "ansi_cyan"})

THEME_NAME = "lrs-ansi"

_BASE = BUILTIN_THEMES["ansi-dark"]

LRS_ANSI = Theme(
    name=THEME_NAME,
    ansi=True,
    dark=True,
    primary="ansi_default",
    secondary="ansi_default",
    warning="ansi_red",
    error="ansi_red",
    success="ansi_default",
    accent="ansi_magenta",
    foreground="ansi_default",
    background="ansi_default",
    surface="ansi_default",
    panel="ansi_default",
    boost="ansi_default",
    variables={
        **_BASE.variables,
        # Borders: unfocused in the terminal's foreground, focused in magenta.
        "border": "ansi_magenta",
        "border-blurred": "ansi_default",
        # Text that was blue, yellow or green: the foreground (headings are bold anyway).
        "text-primary": "ansi_default",
        "text-secondary": "ansi_default",
        "text-accent": "ansi_default",
        "text-warning": "ansi_default",
        "text-success": "ansi_default",
        "link-color": "ansi_default",
        "markdown-h1-color": "ansi_default",
        "markdown-h2-color": "ansi_default",
        "markdown-h3-color": "ansi_default",
        "markdown-h3-text-style": "bold",
        "markdown-h4-color": "ansi_default",
        "markdown-h5-color": "ansi_default",
        "markdown-h6-color": "ansi_default",
        # Cursors in reverse video: visible whatever the terminal's colours.
        "block-cursor-foreground": "ansi_default",
        "block-cursor-background": "ansi_default",
        "block-cursor-text-style": "bold reverse",
        "block-cursor-blurred-foreground": "ansi_default",
        "block-cursor-blurred-background": "ansi_default",
        "block-cursor-blurred-text-style": "underline",
        "input-cursor-foreground": "ansi_default",
        "input-cursor-background": "ansi_default",
        "input-cursor-text-style": "reverse",
        "footer-key-foreground": "ansi_magenta",
        "scrollbar": "ansi_magenta",
        "scrollbar-hover": "ansi_magenta",
        "scrollbar-active": "ansi_magenta",
        "scrollbar-background": "ansi_default",
        "scrollbar-background-hover": "ansi_default",
        "scrollbar-background-active": "ansi_default",
    },
)
