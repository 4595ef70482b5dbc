"""Issue 13 item 1: emails to the desk's mailbox read into their facts and attachments
(intake/mail.py). Every message here is made by the test; nothing trusts the message (User
Guide §1.4: the desk reads what a provider sends, whatever it holds)."""

from __future__ import annotations

import mailbox
import os
import threading
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from lrs_core.intake import mail
from lrs_core.intake.mail import MessageRefused, parse_message, read_mailbox

SENDER = "Data.Officer@Example-College.ac.uk"


def message(
    *,
    sender: str | None = f"Dana Officer <{SENDER}>",
    subject: str = "Learners for matching",
    body: str | None = "Please find the file attached; we will phone the passphrase.",
    html: str | None = None,
    attachments: tuple[tuple[str, str, bytes], ...] = (),
) -> bytes:
    msg = EmailMessage()
    if sender is not None:
        msg["From"] = sender
    msg["To"] = "desk@example-lrs.org.uk"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 30 Nov 2026 09:15:00 +0100"
    msg["Message-ID"] = "<intake-test-1@example-college.ac.uk>"
    if body is not None:
        msg.set_content(body)
    if html is not None:
        if body is None:
            msg.set_content(html, subtype="html")
        else:
            msg.add_alternative(html, subtype="html")
    for filename, content_type, content in attachments:
        maintype, subtype = content_type.split("/")
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def test_a_message_s_facts_sender_lower_cased_and_date_in_utc() -> None:
    raw = message(attachments=(("learners.zip", "application/zip", b"PK\x05\x06" + bytes(18)),))
    got = parse_message(raw)
    assert got.sender_email == "data.officer@example-college.ac.uk"
    assert got.sender_name == "Dana Officer"
    assert got.subject == "Learners for matching"
    assert got.message_id == "<intake-test-1@example-college.ac.uk>"
    assert got.sent_at == datetime(2026, 11, 30, 8, 15, tzinfo=UTC)
    assert got.body == "Please find the file attached; we will phone the passphrase."
    (attachment,) = got.attachments
    assert (attachment.filename, attachment.content_type) == ("learners.zip", "application/zip")
    assert attachment.content == b"PK\x05\x06" + bytes(18)
    assert attachment.size == 22
    assert len(attachment.sha256) == 64
    assert got.raw == raw and got.sha256 != attachment.sha256


def test_the_body_and_contents_never_show_in_a_repr() -> None:
    got = parse_message(message(body="ULN 1000000043 born 2005-03-12"))
    assert "1000000043" not in repr(got)
    assert "PK" not in repr(got.attachments)


@pytest.mark.parametrize(
    ("subject_header", "expected"),
    [
        ("=?utf-8?q?Si=C3=A2n_O=E2=80=99Brien?=", "Siân O’Brien"),
        ("=?iso-8859-1?q?Caf=E9_list?=", "Café list"),
        ("=?windows-1252?q?O=92Brien_=96_list?=", "O’Brien – list"),
        ("=?utf-8?b?w6lsw6h2ZXM=?=", "élèves"),
        ("=?x-unknown-charset?q?plain?=", "plain"),
    ],
)
def test_a_subject_is_decoded_whatever_its_charset(subject_header: str, expected: str) -> None:
    raw = (
        f"From: {SENDER}\r\nSubject: {subject_header}\r\nDate: Mon, 30 Nov 2026 09:15:00 +0000"
        "\r\n\r\nHello\r\n"
    ).encode()
    assert parse_message(raw).subject == expected


@pytest.mark.parametrize(
    ("charset", "encoded"),
    [
        ("utf-8", "Siân O’Brien".encode()),
        ("windows-1252", "Siân O’Brien".encode("cp1252")),
        # Mislabelled: says us-ascii, is Windows-1252 (what an old Outlook sends).
        ("us-ascii", "Siân O’Brien".encode("cp1252")),
        ("x-no-such-charset", "Siân O’Brien".encode()),
    ],
)
def test_a_body_is_decoded_whatever_its_charset(charset: str, encoded: bytes) -> None:
    raw = (
        f"From: {SENDER}\r\nSubject: names\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode() + encoded
    assert parse_message(raw).body == "Siân O’Brien"


def test_an_html_only_body_is_reduced_to_its_text() -> None:
    html = (
        "<html><head><title>t</title><style>p {color: red}</style></head><body>"
        "<script>alert('x')</script><p>Dear desk,</p><p>ULN&nbsp;1000000043 &amp; O&#8217;Brien"
        "</p><table><tr><td>Siân</td><td>2005-03-12</td></tr></table></body></html>"
    )
    body = parse_message(message(body=None, html=html)).body
    assert body == "Dear desk,\n\nULN 1000000043 & O’Brien\n\nSiân 2005-03-12"


def test_the_plain_part_is_the_body_when_there_is_also_html() -> None:
    got = parse_message(message(body="plain words", html="<p>html words</p>"))
    assert got.body == "plain words"
    assert got.attachments == ()


def test_attachment_names_rfc_2231_and_rfc_2047_and_nameless_parts() -> None:
    raw = (
        f"From: {SENDER}\r\nSubject: files\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain\r\n\r\nThree files.\r\n"
        "--b1\r\nContent-Type: application/zip\r\n"
        "Content-Disposition: attachment; filename*=UTF-8''Sch%C3%BCler%20list.zip\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nUEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==\r\n"
        '--b1\r\nContent-Type: text/csv; name="=?UTF-8?B?w6lsw6h2ZXMuY3N2?="\r\n'
        'Content-Disposition: attachment; filename="=?UTF-8?B?w6lsw6h2ZXMuY3N2?="\r\n\r\n'
        "a,b\r\n"
        "--b1\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        "JVBERi0=\r\n--b1--\r\n"
    ).encode()
    got = parse_message(raw)
    assert got.body == "Three files."
    assert [(a.filename, a.content_type) for a in got.attachments] == [
        ("Schüler list.zip", "application/zip"),
        ("élèves.csv", "text/csv"),
        ("attachment-3.pdf", "application/pdf"),
    ]
    assert got.attachments[0].content.startswith(b"PK\x05\x06")
    assert got.attachments[2].content == b"%PDF-"


@pytest.mark.parametrize("boundary", ["", '; boundary="zz"'])
def test_a_multipart_with_no_parts_is_read_as_its_text(boundary: str) -> None:
    """The breach checks still see what a malformed message holds."""
    raw = (
        f"From: {SENDER}\r\nContent-Type: multipart/mixed{boundary}\r\n\r\nULN 1000000043\r\n"
    ).encode()
    got = parse_message(raw)
    assert got.body == "ULN 1000000043"
    assert got.attachments == ()


def test_parts_nested_too_deep_are_refused() -> None:
    raw = f"From: {SENDER}\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
    for n in range(1, 30):
        raw += f"--b{n - 1}\r\nContent-Type: multipart/mixed; boundary=b{n}\r\n\r\n"
    with pytest.raises(MessageRefused, match="nested more than 20 deep"):
        parse_message(raw.encode())


def test_a_text_file_attached_is_an_attachment_not_the_body() -> None:
    got = parse_message(
        message(body="See the list.", attachments=(("list.txt", "text/plain", b"1000000043"),))
    )
    assert got.body == "See the list."
    assert [a.filename for a in got.attachments] == ["list.txt"]


def test_a_forwarded_message_is_one_attachment() -> None:
    inner = EmailMessage()
    inner["From"] = "someone@example.org"
    inner["Subject"] = "the original"
    inner.set_content("ULN 1000000043")
    outer = EmailMessage()
    outer["From"] = SENDER
    outer["Subject"] = "Fwd: the original"
    outer.set_content("Forwarding this.")
    outer.add_attachment(inner)
    got = parse_message(outer.as_bytes())
    assert got.body == "Forwarding this."
    (attachment,) = got.attachments
    assert attachment.content_type == "message/rfc822"
    assert attachment.filename.endswith(".eml")
    assert b"ULN 1000000043" in attachment.content


@pytest.mark.parametrize(
    "date_header", ["not a date", "Mon, 99 Nov 2026 25:61:00 +0000", "Mon, 30 Nov 2026"]
)
def test_a_malformed_date_is_none_not_a_crash(date_header: str) -> None:
    raw = f"From: {SENDER}\r\nSubject: s\r\nDate: {date_header}\r\n\r\nbody".encode()
    assert parse_message(raw).sent_at is None


def test_a_date_without_a_zone_is_utc() -> None:
    raw = f"From: {SENDER}\r\nDate: Mon, 30 Nov 2026 09:15:00 -0000\r\n\r\nbody".encode()
    assert parse_message(raw).sent_at == datetime(2026, 11, 30, 9, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b"", "empty"),
        (b"   \r\n", "empty"),
        (bytes(range(256)) * 4, "no headers"),
        (b"just some words, no headers at all", "no headers"),
        (b"Subject: no sender\r\n\r\nbody", "no sender"),
        (b"From: Dana Officer\r\nSubject: s\r\n\r\nbody", "no sender"),
        (b"From: <not-an-address>\r\nSubject: s\r\n\r\nbody", "no sender"),
        (b"From: a@@b\r\nSubject: s\r\n\r\nbody", "no sender"),
    ],
)
def test_what_is_no_email_the_desk_can_take_is_refused(raw: bytes, why: str) -> None:
    with pytest.raises(MessageRefused, match=why):
        parse_message(raw)


def test_a_message_over_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mail, "MAX_MESSAGE_BYTES", 1024)
    with pytest.raises(MessageRefused, match="over the 1,024 bytes limit"):
        parse_message(message(body="x" * 2000))
    assert parse_message(message(body="x" * 100)).body == "x" * 100


def test_too_many_parts_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mail, "MAX_PARTS", 5)
    many = tuple((f"f{n}.txt", "application/octet-stream", b"x") for n in range(6))
    with pytest.raises(MessageRefused, match="more than 5 parts"):
        parse_message(message(attachments=many))


def _nested_multiparts(depth: int) -> bytes:
    raw = f"From: {SENDER}\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
    for n in range(1, depth):
        raw += f"--b{n - 1}\r\nContent-Type: multipart/mixed; boundary=b{n}\r\n\r\n"
    return raw.encode() + b"--b%d\r\n\r\nhello\r\n" % (depth - 1)


def _nested_messages(depth: int) -> bytes:
    raw = f"From: {SENDER}\r\n\r\nhello".encode()
    for _ in range(depth):
        raw = f"From: {SENDER}\r\nContent-Type: message/rfc822\r\n\r\n".encode() + raw
    return raw


@pytest.mark.parametrize(
    "raw",
    [_nested_multiparts(2400), _nested_messages(2000)],
    ids=["multiparts", "forwarded-messages"],
)
def test_parts_nested_past_the_parsers_depth_are_refused_not_a_crash(raw: bytes) -> None:
    """The standard library's parser descends once per part nested in another: a few
    thousand levels stopped it with a RecursionError, a traceback rather than a refusal
    (the manual add has no scan to catch it)."""
    with pytest.raises(MessageRefused, match="nested more than 20 deep"):
        parse_message(raw)


def test_a_message_of_countless_parts_is_refused_before_it_is_parsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The parser builds every part before MAX_PARTS could be counted: 60 MB of empty parts
    is millions of them, minutes and gigabytes at every scan (a refused message is read
    again by the next). A message with more part lines than could be MAX_PARTS parts is
    refused from its bytes alone."""
    raw = (
        f"From: {SENDER}\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n".encode()
        + b"--b\r\n\r\nx\r\n" * 100_000
        + b"--b--\r\n"
    )

    def not_parsed(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed")

    monkeypatch.setattr(mail.email, "message_from_bytes", not_parsed)
    with pytest.raises(MessageRefused, match="more than 500 parts"):
        parse_message(raw)


def test_a_manual_add_gives_the_sender_when_from_is_missing_or_unusable() -> None:
    no_from = message(sender=None)
    assert parse_message(no_from, sender_email=" Clerk@Example-College.ac.uk ").sender_email == (
        "clerk@example-college.ac.uk"
    )
    unusable = message(sender="Dana Officer <nowhere>")
    assert parse_message(unusable, sender_email="clerk@example-college.ac.uk").sender_name is None
    # A usable From: is the sender (the manual address only fills a gap).
    assert parse_message(message(), sender_email="clerk@example-college.ac.uk").sender_email == (
        SENDER.lower()
    )
    with pytest.raises(MessageRefused, match="not an email address"):
        parse_message(no_from, sender_email="not an address")


# --- read_mailbox ------------------------------------------------------------------------


def test_a_folder_of_eml_files_skipping_others_symlinks_and_subfolders(tmp_path: Path) -> None:
    (tmp_path / "b.eml").write_bytes(message(subject="second"))
    (tmp_path / "a.EML").write_bytes(message(subject="first"))
    (tmp_path / "notes.txt").write_text("not a message")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.eml").write_bytes(message(subject="nested"))
    outside = tmp_path.parent / f"{tmp_path.name}-outside.eml"
    outside.write_bytes(message(subject="outside"))
    os.symlink(outside, tmp_path / "link.eml")
    got = list(read_mailbox(tmp_path))
    assert [name for name, _ in got] == ["a.EML", "b.eml"]
    assert [parse_message(raw).subject for _, raw in got] == ["first", "second"]


def test_a_maildir_new_and_cur(tmp_path: Path) -> None:
    folder = mailbox.Maildir(tmp_path / "Maildir", create=True)
    first = folder.add(message(subject="new one"))
    second = folder.add(message(subject="read one"))
    moved = folder.get_message(second)
    moved.set_subdir("cur")
    folder[second] = moved
    got = dict(read_mailbox(tmp_path / "Maildir"))
    assert set(got) == {first, second}
    assert {parse_message(raw).subject for raw in got.values()} == {"new one", "read one"}


def _read_aside(path: Path) -> tuple[threading.Thread, list[tuple[str, bytes]]]:
    """read_mailbox(path) in a thread of its own: a read that waits forever is seen, not
    suffered."""
    got: list[tuple[str, bytes]] = []
    reader = threading.Thread(target=lambda: got.extend(read_mailbox(path)), daemon=True)
    reader.start()
    reader.join(timeout=20)
    return reader, got


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
@pytest.mark.parametrize("layout", ["maildir", "eml"])
def test_a_named_pipe_in_the_mailbox_is_skipped_not_waited_on(tmp_path: Path, layout: str) -> None:
    """Opening a named pipe waits for a writer: one in the mailbox held the scan (the cron
    job) forever, and every scan after it. Only regular files are read."""
    if layout == "maildir":
        folder = mailbox.Maildir(tmp_path / "Maildir", create=True)
        kept = folder.add(message(subject="kept"))
        path, pipe = tmp_path / "Maildir", tmp_path / "Maildir" / "new" / "1.pipe.host"
    else:
        (tmp_path / "a.eml").write_bytes(message(subject="kept"))
        kept, path, pipe = "a.eml", tmp_path, tmp_path / "b.eml"
    os.mkfifo(pipe)
    reader, got = _read_aside(path)
    if reader.is_alive():  # let the stuck reader go (it reads an empty message)
        os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
        reader.join()
        pytest.fail("the scan waited on a named pipe")
    assert [name for name, _ in got] == [kept]


def test_an_eml_file_gone_since_the_listing_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The desk's mail client may move a message while the scan runs: the next one is read."""
    (tmp_path / "a.eml").write_bytes(message(subject="moved"))
    (tmp_path / "b.eml").write_bytes(message(subject="kept"))
    read = mail._read_capped

    def moved_away(file: Path) -> bytes:
        if file.name == "a.eml":
            raise FileNotFoundError(2, "No such file or directory", str(file))
        return read(file)

    monkeypatch.setattr(mail, "_read_capped", moved_away)
    assert [name for name, _ in read_mailbox(tmp_path)] == ["b.eml"]


def test_an_empty_folder_has_no_messages(tmp_path: Path) -> None:
    assert list(read_mailbox(tmp_path)) == []


@pytest.mark.parametrize(
    ("what", "why"),
    [("missing", "no such folder"), ("a file", "no such folder"), ("other files", "neither")],
)
def test_a_path_that_is_no_mailbox_is_refused_naming_it(
    tmp_path: Path, what: str, why: str
) -> None:
    path = tmp_path / "mailbox"
    if what == "a file":
        path.write_text("x")
    elif what == "other files":
        path.mkdir()
        (path / "readme.txt").write_text("x")
    with pytest.raises(MessageRefused, match=why) as refused:
        list(read_mailbox(path))
    assert str(path) in str(refused.value)


def test_a_huge_file_is_read_only_past_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mail, "MAX_MESSAGE_BYTES", 100)
    (tmp_path / "big.eml").write_bytes(message(body="x" * 1000))
    ((_, raw),) = read_mailbox(tmp_path)
    assert len(raw) == 101
    with pytest.raises(MessageRefused, match="limit"):
        parse_message(raw)
