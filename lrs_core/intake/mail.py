"""Emails to the desk's mailbox (issue 13, item 1): one message's bytes to its facts and
attachments (the standard library's ``email`` with the modern policy), and the messages a
mailbox folder holds: ``.eml`` files, or a Maildir (``new/`` and ``cur/``; the standard
library's ``mailbox``). Nothing here trusts the message: every header may be missing,
malformed, encoded oddly or hostile; the service passes each text through the text rule."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from lrs_core.errors import LrsError


class MessageRefused(LrsError):
    """The bytes are not an email the desk can take (no sender address, not a message at
    all, too large); the message says why."""


@dataclass(frozen=True)
class Attachment:
    filename: str  # as the message names it: untrusted (the service cleans it for display)
    content_type: str
    content: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class ReceivedMessage:
    raw: bytes = field(repr=False)  # the message as it came
    message_id: str | None
    sender_email: str  # lower-cased address from From: (or the operator's, on a manual add)
    sender_name: str | None
    subject: str
    sent_at: datetime | None  # the Date header, aware (UTC); None when missing or malformed
    body: str = field(repr=False)  # text/plain parts; else text/html reduced to its text
    attachments: tuple[Attachment, ...] = ()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


MAX_MESSAGE_BYTES = 60 * 1024 * 1024


def parse_message(raw: bytes, sender_email: str | None = None) -> ReceivedMessage:
    """The message's facts; ``sender_email`` (a manual add) replaces a missing or unusable
    From:. Refuses (``MessageRefused``) bytes that are no email, over MAX_MESSAGE_BYTES, or
    with no sender address at all."""
    raise NotImplementedError


def read_mailbox(path: Path) -> Iterator[tuple[str, bytes]]:
    """Each message in ``path`` as (a name for it, its bytes): a Maildir (``cur``, ``new``,
    ``tmp`` folders) or a folder of ``.eml`` files (not recursing, skipping anything else and
    symlinks). Raises ``MessageRefused`` naming the path when it is neither."""
    raise NotImplementedError
