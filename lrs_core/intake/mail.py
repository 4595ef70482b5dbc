"""Emails to the desk's mailbox (issue 13, item 1): one message's bytes to its facts and
attachments (the standard library's ``email`` with the modern policy), and the messages a
mailbox folder holds: ``.eml`` files, or a Maildir (``new/`` and ``cur/``; the standard
library's ``mailbox``). Nothing here trusts the message: every header may be missing,
malformed, encoded oddly or hostile; the service passes each text through the text rule."""

from __future__ import annotations

import contextlib
import email
import email.header
import email.utils
import hashlib
import mailbox
import mimetypes
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from pathlib import Path

from lrs_core.errors import LrsError
from lrs_core.intake._html import html_to_text


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
MAX_PARTS = 500  # MIME parts in one message: more is no provider's email
_MAX_DEPTH = 20  # multiparts inside multiparts
# Lines starting "--" (every part opens with one, every multipart closes with one) past which
# a message is refused unparsed: the parser builds every part before a count could stop it,
# and 60 MB of empty parts is millions of them (minutes, gigabytes, at every scan).
_MAX_DELIMITER_LINES = 10 * MAX_PARTS

# An address the desk can answer and match to a portal user: one @, no spaces, a dot in the
# domain. Anything else in From: is "unusable".
_ADDRESS = re.compile(r"[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:.]+")


def parse_message(raw: bytes, sender_email: str | None = None) -> ReceivedMessage:
    """The message's facts; ``sender_email`` (a manual add) replaces a missing or unusable
    From:. Refuses (``MessageRefused``) bytes that are no email, over MAX_MESSAGE_BYTES, or
    with no sender address at all."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise MessageRefused(
            f"the message is over the {_size(MAX_MESSAGE_BYTES)} limit for an email to the desk"
        )
    if not raw.strip():
        raise MessageRefused("not an email: the file is empty")
    if raw.count(b"\n--") > _MAX_DELIMITER_LINES:
        raise MessageRefused(_too_many_parts())
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
    except RecursionError:  # the parser descends once per part nested in another
        raise MessageRefused(_too_many_parts()) from None
    if not isinstance(message, EmailMessage) or not message.keys():
        raise MessageRefused("not an email: it has no headers")
    sender, name = _sender(message)
    if sender is None:
        if sender_email is None:
            raise MessageRefused("the message has no sender address in From:")
        sender = _usable_address(sender_email)
        if sender is None:
            raise MessageRefused("the sender's address given is not an email address")
        name = None
    body, attachments = _contents(message)
    return ReceivedMessage(
        raw=raw,
        message_id=_header(message, "Message-ID") or None,
        sender_email=sender,
        sender_name=name,
        subject=_header(message, "Subject"),
        sent_at=_sent_at(message),
        body=body,
        attachments=attachments,
    )


def _too_many_parts() -> str:
    return (
        f"the message has more than {MAX_PARTS} parts, or parts nested more than {_MAX_DEPTH} deep"
    )


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def _header(message: Message, name: str) -> str:
    """A header's decoded text ("" when missing or beyond decoding), unfolded."""
    try:
        value = message.get(name)
        text = "" if value is None else str(value)
    except Exception:  # a malformed header the parser chokes on: as good as missing
        raw = message.get_all(name, failobj=[])
        text = str(raw[0]) if raw else ""
    return " ".join(text.split())


def _usable_address(text: str) -> str | None:
    address = text.strip().lower()
    return address if _ADDRESS.fullmatch(address) else None


def _sender(message: Message) -> tuple[str | None, str | None]:
    try:
        header = message.get("From")
        addresses: tuple[Address, ...] = tuple(getattr(header, "addresses", ()) or ())
    except Exception:
        return None, None
    for address in addresses:
        usable = _usable_address(address.addr_spec)
        if usable:
            return usable, " ".join(address.display_name.split()) or None
    return None, None


def _sent_at(message: Message) -> datetime | None:
    try:
        header = message.get("Date")
        moment = getattr(header, "datetime", None)
    except Exception:
        return None
    if not isinstance(moment, datetime):
        return None
    if moment.tzinfo is None:  # "-0000": the time is UTC, its zone unknown (RFC 5322)
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _contents(message: EmailMessage) -> tuple[str, tuple[Attachment, ...]]:
    """The body (text/plain parts; else text/html reduced to text) and every attachment."""
    plain: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    count = 0

    def visit(part: Message, depth: int) -> None:
        nonlocal count
        count += 1
        if count > MAX_PARTS or depth > _MAX_DEPTH:
            raise MessageRefused(_too_many_parts())
        content_type = part.get_content_type()
        if part.is_multipart() and content_type != "message/rfc822":
            for child in part.get_payload():
                if isinstance(child, Message):
                    visit(child, depth + 1)
            return
        filename = _filename(part)
        disposition = (part.get_content_disposition() or "").lower()
        if content_type == "message/rfc822":
            attachments.append(_attached_message(part, filename, len(attachments)))
        elif content_type.startswith("multipart/"):  # no parts found (no boundary): text
            plain.append(_text(part))
        elif (
            content_type in ("text/plain", "text/html")
            and not filename
            and disposition != "attachment"
        ):
            (plain if content_type == "text/plain" else html).append(_text(part))
        else:
            content = _payload(part)
            name = filename or _nameless(content_type, len(attachments))
            attachments.append(Attachment(name, content_type, content))

    visit(message, 0)
    texts = [t for t in plain if t.strip()]
    body = "\n\n".join(texts) if texts else "\n\n".join(html_to_text(t) for t in html)
    return body.strip(), tuple(attachments)


def _filename(part: Message) -> str:
    """The part's file name: RFC 2231 (filename*=) and RFC 2047 ("=?utf-8?...?=") decoded;
    the Content-Type's name= when the disposition names none; "" when there is none."""
    try:
        name = part.get_filename() or part.get_param("name", header="content-type") or ""
    except Exception:
        return ""
    if isinstance(name, tuple):  # an RFC 2231 value the parser left undecoded
        name = email.utils.collapse_rfc2231_value(name)
    text = str(name)
    if "=?" in text:
        with contextlib.suppress(Exception):  # left as it came when it does not decode
            text = str(email.header.make_header(email.header.decode_header(text)))
    return " ".join(text.split())


def _payload(part: Message) -> bytes:
    try:
        content = part.get_payload(decode=True)
    except Exception:
        content = None
    if isinstance(content, bytes):
        return content
    payload = part.get_payload()
    return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""


def _text(part: Message) -> str:
    """A text part decoded whatever its charset says: the declared one, else UTF-8, else
    Windows-1252 (what a mislabelled Outlook message usually is)."""
    content = _payload(part)
    charset = part.get_content_charset() or "utf-8"
    for encoding in (charset, "utf-8", "cp1252"):
        try:
            return content.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return content.decode("latin-1")


def _attached_message(part: Message, filename: str, position: int) -> Attachment:
    inner = part.get_payload()
    content = b""
    if isinstance(inner, list) and inner and isinstance(inner[0], Message):
        try:
            content = inner[0].as_bytes()
        except Exception:
            content = _payload(part)
    return Attachment(filename or f"attached-message-{position + 1}.eml", "message/rfc822", content)


def _nameless(content_type: str, position: int) -> str:
    extension = mimetypes.guess_extension(content_type) or ".bin"
    return f"attachment-{position + 1}{extension}"


def read_mailbox(path: Path) -> Iterator[tuple[str, bytes]]:
    """Each message in ``path`` as (a name for it, its bytes): a Maildir (``cur``, ``new``,
    ``tmp`` folders) or a folder of ``.eml`` files (not recursing, skipping anything else:
    symlinks, named pipes, devices, folders, files gone since the listing). Raises
    ``MessageRefused`` naming the path when it is neither.

    A file over MAX_MESSAGE_BYTES is read only to one byte beyond the limit (so
    :func:`parse_message` refuses it without the whole file in memory)."""
    if not path.is_dir():
        raise MessageRefused(f"{path}: no such folder (the mailbox_path of [intake])")
    if (path / "cur").is_dir() and (path / "new").is_dir():
        yield from _maildir(path)
        return
    found = False
    for entry in sorted(os.scandir(path), key=lambda e: e.name):
        if entry.name.lower().endswith(".eml"):
            found = True
            if entry.is_file(follow_symlinks=False):
                try:
                    content = _read_capped(Path(entry.path))
                except FileNotFoundError:  # moved or deleted since the folder was listed
                    continue
                yield entry.name, content
    if not found and any(p.is_file() and not p.name.startswith(".") for p in path.iterdir()):
        raise MessageRefused(f"{path}: neither a Maildir (cur, new, tmp) nor .eml files")


def _maildir(path: Path) -> Iterator[tuple[str, bytes]]:
    folder = mailbox.Maildir(path, factory=None, create=False)
    # Only regular files are read: a symlink may point anywhere, and opening a named pipe
    # (or a device) waits for a writer, which would hold the scan, and every scan after it.
    others = {
        entry.name.split(folder.colon)[0]
        for sub in ("new", "cur")
        for entry in os.scandir(path / sub)
        if not entry.is_file(follow_symlinks=False)
    }
    for key in sorted(folder.iterkeys()):
        if key in others:
            continue
        try:
            with folder.get_file(key) as handle:
                content = handle.read(MAX_MESSAGE_BYTES + 1)
        except (KeyError, FileNotFoundError):  # delivered elsewhere or deleted meanwhile
            continue
        yield key, content


def _read_capped(file: Path) -> bytes:
    with file.open("rb") as handle:
        return handle.read(MAX_MESSAGE_BYTES + 1)
