"""The PLR report as a PDF (User Guide §5.4), drawn with fpdf2 in DejaVu Sans.

DejaVu Sans (shipped in ``fonts/``, Bitstream Vera licence) covers Siân, Zoë, Ó Súilleabháin
and Łukasz, which a Latin-1 core font cannot. Every page carries the OFFICIAL marking and the
learner's header. The file is written beside its destination and linked into place, so a
failure leaves nothing half-written and an existing file is never overwritten.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from fpdf import FPDF

from lrs_core.domain.plr import COLUMNS, PlrEvent
from lrs_core.domain.values import display_date
from lrs_core.files import FileRefused, new_file_path, reason

if TYPE_CHECKING:
    from lrs_core.services.plr import Plr

FONTS = Path(__file__).resolve().parent / "fonts"
MARKING = "OFFICIAL"
_WIDTHS = (120, 22, 20, 15, 16, 28, 28, 28)  # mm: landscape A4 has 277 mm between margins


class ReportFileError(FileRefused):
    """The report cannot be written where asked (exists, no such folder, not writable)."""


def _uk(day: date | None) -> str:
    return display_date(day) if day else ""


class _Report(FPDF):
    def __init__(self, title: str, produced: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.report_title = title
        self.produced = produced
        self.set_auto_page_break(auto=True, margin=16)
        self.set_title("Personal Learning Record")
        self.set_creator("LRS Desk")

    def header(self) -> None:
        self.set_font("DejaVu", "B", 10)
        self.cell(0, 5, MARKING, align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", "B", 13)
        self.cell(0, 7, "Personal Learning Record", new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", "", 10)
        self.cell(0, 5, self.report_title, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)
        self.set_font("DejaVu", "B", 8)
        for (_, heading), width in zip(COLUMNS, _WIDTHS, strict=True):
            self.cell(width, 6, heading, border="B")
        self.ln(6)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 4, f"{self.produced}    Page {self.page_no()}/{{nb}}", align="L")
        self.set_font("DejaVu", "B", 8)
        self.cell(0, 4, MARKING, align="R")


def _cells(event: PlrEvent) -> tuple[str, ...]:
    return (
        event.subject,
        event.level or "",
        event.grade or "",
        "" if event.credits is None else str(event.credits),
        event.source,
        _uk(event.start_date),
        _uk(event.end_date),
        _uk(event.award_date),
    )


def _line_count(pdf: FPDF, width: float, text: str) -> int:
    lines = pdf.multi_cell(width, 4.5, text, dry_run=True, output="LINES")
    return len(lines) if isinstance(lines, list) else 1


def render(plr: Plr, events: Sequence[PlrEvent], produced_by: str, at: datetime) -> bytes:
    title = (
        f"ULN {plr.uln}    {plr.given_name} {plr.family_name}    "
        f"Date of birth {_uk(plr.date_of_birth)}"
    )
    produced = (
        f"Produced by {produced_by} on {display_date(at.date())} at {at:%H:%M} UTC with LRS Desk"
    )
    pdf = _Report(title, produced)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font("DejaVu", "", 8)
    for event in events:
        texts = _cells(event)
        # Subjects may wrap; the row is as tall as its tallest cell.
        lines = max(_line_count(pdf, w, t) for t, w in zip(texts, _WIDTHS, strict=True))
        height = 4.5 * lines + 1
        if pdf.will_page_break(height):
            pdf.add_page()
        x, y = pdf.get_x(), pdf.get_y()
        for text, width in zip(texts, _WIDTHS, strict=True):
            pdf.set_xy(x, y)
            pdf.multi_cell(width, 4.5, text)
            x += width
        pdf.set_xy(pdf.l_margin, y + height)
    return bytes(pdf.output())


def write_plr_report(
    path: Path, plr: Plr, events: Sequence[PlrEvent], *, produced_by: str, at: datetime
) -> None:
    """Put the report at ``path`` atomically, refusing to replace a file or to make a
    folder (``files.new_file_path``): the place is tried before the PDF is drawn, so a
    refusal is quick and names the real reason."""
    try:
        path = new_file_path(path, "File")
    except FileRefused as error:
        raise ReportFileError(str(error)) from None
    try:
        # mkstemp makes the file 0600 (its owner's alone) and the link below keeps that
        # mode: the report holds a minor's personal data.
        handle, temporary = tempfile.mkstemp(prefix=".plr-", suffix=".pdf", dir=path.parent)
    except OSError as error:
        raise ReportFileError(
            f"cannot write to {path.parent}: {reason(error)} (nothing was written)"
        ) from None
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(render(plr, events, produced_by, at))
        os.link(temporary, path)  # fails if the name was taken meanwhile: never overwrites
    except FileExistsError:
        raise ReportFileError(
            f"{path} already exists: choose another name (nothing was written)"
        ) from None
    except OSError as error:
        raise ReportFileError(
            f"cannot write {path}: {reason(error)} (nothing was written)"
        ) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
