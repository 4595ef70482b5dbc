"""The words the intake screens show for what the core returns: statuses, attachment kinds,
sizes, the sender, the passphrase's state. Words mark what matters (BREACH, WEAK), never
colour alone: the desk's SSH terminals have 16 colours, some none."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from lrs_core.domain.kinds import AttachmentKind, IntakeStatus
from lrs_core.domain.learner_fields import FIELDS
from lrs_core.domain.text import shown
from lrs_core.services.intake import AttachmentView, IntakeCaseView, IntakeRow
from lrs_tui.formatting import UK

STATUS_WORDS: dict[IntakeStatus, str] = {
    IntakeStatus.NEW: "New",
    IntakeStatus.AWAITING_PASSPHRASE: "Awaiting passphrase",
    IntakeStatus.NEW_FILE_NEEDED: "New file needed",
    IntakeStatus.OPEN: "Open",
    IntakeStatus.CLOSED: "Closed",
    IntakeStatus.DISPOSED: "Disposed",
}

# What the status asks of the desk next, for the case view.
STATUS_NEXT: dict[IntakeStatus, str] = {
    IntakeStatus.NEW: "nothing encrypted to open: read the findings, then close it",
    IntakeStatus.AWAITING_PASSPHRASE: "waiting for the sender to telephone the passphrase",
    IntakeStatus.NEW_FILE_NEEDED: "too many wrong passphrases: ask the sender for a new file",
    IntakeStatus.OPEN: "decrypted (kept sealed) and matched: the rows are ready",
    IntakeStatus.CLOSED: "closed: what was decrypted is deleted; the message awaits disposal",
    IntakeStatus.DISPOSED: "disposed: nothing of the message or its data remains",
}

KIND_WORDS: dict[AttachmentKind, str] = {
    AttachmentKind.AES_ZIP: "AES-256 zip (encrypted)",
    AttachmentKind.ZIPCRYPTO_ZIP: "ZipCrypto zip: WEAK encryption, not AES-256",
    AttachmentKind.ENCRYPTED_OFFICE: "encrypted Office file",
    AttachmentKind.PLAIN_ZIP: "zip, NOT encrypted",
    AttachmentKind.PLAIN_FILE: "file, NOT encrypted",
}

# The learner fields a row's column can be mapped to (the core's ROW_FIELDS), in words.
FIELD_LABELS: dict[str, str] = {"uln": "ULN", **{f.name: f.label for f in FIELDS}}


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " "))


def received_short(at: datetime) -> str:
    """``23 Nov 10:00`` in UK time, for a table's cell (the case view says it in full)."""
    local = at.astimezone(UK)
    return f"{local.day} {local:%b %H:%M}"


def size_words(size: int) -> str:
    """``812 bytes``, ``14.2 KB``, ``3.1 MB``."""
    if size < 1024:
        return f"{size} byte{'' if size == 1 else 's'}"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def attachment_line(attachment: AttachmentView) -> str:
    return shown(
        f"{attachment.filename} · {size_words(attachment.size)} · {KIND_WORDS[attachment.kind]}"
    )


def sender_cell(row: IntakeRow) -> str:
    """The organisation when the directory knows it, else the address."""
    return row.organisation or row.sender_email


def sender_words(view: IntakeCaseView) -> str:
    name = f"{view.sender_name} " if view.sender_name else ""
    return shown(f"{name}<{view.row.sender_email}>")


def breach_cell(row: IntakeRow) -> str:
    return "BREACH" if row.breach else ""


def guidance_words(met: bool | None) -> str:
    if met is None:
        return "not yet known (no passphrase entered)"
    return "met" if met else "NOT met: tell the sender what it lacks"


def outcome_words(counts: Mapping[str, int]) -> str:
    """``WSRC0004 12 · WSRC0003 2 · INVALID 1``; "" before the rows are matched."""
    return " · ".join(f"{code} {n}" for code, n in sorted(counts.items()) if n)
