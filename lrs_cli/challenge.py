"""`lrs-desk challenge ...`: data challenges from the command line (issue 11 item 6), through
the same service as the TUI, so the same rules, refusals and audit apply.

raise | list | show | history | claim | release | note | await | resume | refer | ao-answer |
resolve | reject | withdraw | reopen, and the actions merge | demerge | transfer | remove-event
| correct | retire, each with ``--preview`` (shows the plan, changes nothing). Every command
acts as ``--operator`` and takes ``--json`` (ASCII-only). Stale screens have an equivalent:
``--expect-version N`` refuses the change if the challenge moved on since version N.

``main.py`` registers these with :func:`add_challenge_commands`, passing its sign-in; this
module never imports ``main``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from lrs_cli.command import Add, Context, count
from lrs_core.actor import Actor
from lrs_core.domain.challenges import RaiseRequest, choices
from lrs_core.domain.kinds import ChallengeKind, ChallengeStatus, ChallengeType
from lrs_core.domain.text import shown
from lrs_core.domain.values import DATE_FORMS, display_date
from lrs_core.services import Services
from lrs_core.services.challenges import (
    ActionResult,
    ChallengeDetail,
    ChallengeRow,
    QueueFilter,
    QueueSort,
)

SignIn = Callable[[Context, Services, str], Actor]


def _when(value: datetime | date | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        at = value.astimezone(UTC)
        return f"{display_date(at.date())} {at:%H:%M} UTC"
    return display_date(value)


def _json(value: object) -> None:
    data = dataclasses.asdict(value) if dataclasses.is_dataclass(value) else value  # type: ignore[arg-type]
    print(json.dumps(data, default=str, ensure_ascii=True))


def _row_line(row: ChallengeRow) -> str:
    flag = "BREACHED" if row.breached else ("due soon" if row.warning else "")
    return (
        f"{row.reference}  {row.status_label:<22} {row.challenge_type:<24}"
        f" {row.uln} {shown(row.learner_name)}  [{shown(row.assignee or 'unassigned')}]"
        f"  {shown(row.clock_text)} {flag}".rstrip()
    )


def print_detail(detail: ChallengeDetail) -> None:
    row = detail.row
    print(_row_line(row))
    print(f"type        {row.type_label}")
    raiser = f"{shown(detail.raiser_name)} <{shown(detail.raiser_email)}>"
    print(f"raised      {_when(row.raised_at)} by {raiser} {shown(detail.raiser_phone or '')}")
    if row.organisation:
        print(f"organisation {shown(row.organisation)}")
    for label, value in (
        ("comments", detail.comments),
        ("reason", detail.reason),
        ("other ULN", detail.other_uln),
        ("master ULN", detail.master_uln),
        ("event action", detail.event_action),
        ("target name", detail.target_name),
        ("proposed grade", detail.proposed_grade),
        ("proposed end", detail.proposed_end_date and _when(detail.proposed_end_date)),
        ("proposed award", detail.proposed_award_date and _when(detail.proposed_award_date)),
        ("AO answer", detail.ao_answer),
        ("resolution", detail.resolution),
    ):
        if value:
            print(f"{label:<12}{shown(str(value), multiline=True)}")
    if detail.comparison is not None and detail.other is not None:
        print(f"compare     {detail.learner.uln} / {detail.other.uln}")
        for f in detail.comparison.fields:
            print(f"  {f.field:<14} {shown(f.this):<24} {shown(f.other):<24} {shown(f.level)}")
        for sentence in detail.comparison.explanation:
            print(f"  {shown(sentence)}")
    for e in detail.events:
        print(
            f"event       {e.id} {e.uln} {shown(e.subject)} grade {shown(e.grade or '-')}"
            f" award {_when(e.award_date)} ({e.status})"
        )
    for t in detail.timeline:
        print(f"{_when(t.at)}  {shown(t.who or 'system'):<12} {t.kind:<6} {shown(t.text)}")
    for c in detail.changes:
        undone = f" (reversed by {c.reversed_by})" if c.reversed_by else ""
        print(f"change      {c.id} {c.kind} by {shown(c.who)} {_when(c.performed_at)}{undone}")
    if len(detail.history) > 1:
        print(f"history     {len(detail.history)} challenges on this learner")


def _request(args: argparse.Namespace) -> RaiseRequest:
    return RaiseRequest(
        challenge_type=args.type,
        uln=args.uln,
        raiser_name=args.raiser_name,
        raiser_email=args.raiser_email,
        raiser_phone=args.raiser_phone,
        organisation=args.organisation or "",
        comments=args.comments or "",
        other_uln=args.other_uln or "",
        master_uln=args.master_uln or "",
        reason=args.reason or "",
        event_ids=tuple(args.event or ()),
        event_action=args.event_action or "",
        target_uln=args.target_uln or "",
        target_given_name=args.target_given or "",
        target_family_name=args.target_family or "",
        proposed_grade=args.proposed_grade or "",
        proposed_end_date=args.proposed_end_date or "",
        proposed_award_date=args.proposed_award_date or "",
        not_participation_confirmed=args.not_participation,
    )


def add_challenge_commands(commands: Any, add: Add, sign_in: SignIn) -> None:
    """Add `challenge ...` to the `lrs-desk` parser (``add`` is build_parser's helper,
    ``sign_in`` its sign-in as ``--operator``)."""
    group = commands.add_parser(
        "challenge", help="data challenges (as a named operator)"
    ).add_subparsers(dest="challenge_command", metavar="ACTION", required=True)

    def acting(handler: Callable[[Services, Actor, argparse.Namespace], object]) -> Any:
        def run(ctx: Context, args: argparse.Namespace) -> int:
            services = ctx.services()
            result = handler(services, sign_in(ctx, services, args.operator), args)
            if isinstance(result, int):
                return result
            if args.json:
                _json(result)
            elif isinstance(result, ChallengeDetail):
                print_detail(result)
            elif isinstance(result, ActionResult):
                if result.preview:
                    print("preview: nothing has been changed; run again without --preview")
                    for line in result.lines:
                        print(f"  {shown(line)}")
                else:
                    assert result.change is not None
                    print(
                        f"done: {shown(result.change.summary)} (change {result.change.change_id})"
                    )
                    print(_row_line(result.detail.row))
            return 0

        return run

    def command(
        name: str, handler: Callable[[Services, Actor, argparse.Namespace], object], text: str
    ) -> argparse.ArgumentParser:
        sub = add(group, name, acting(handler), text)
        sub.add_argument("--operator", required=True, help="act as this operator")
        sub.add_argument("--json", action="store_true", help="machine-readable output")
        return sub

    type_names = ", ".join(value for value, _ in choices())
    raise_ = command(
        "raise",
        lambda s, a, args: s.challenges.raise_challenge(a, _request(args)),
        "raise a data challenge with what §6.1 requires of its type",
    )
    raise_.add_argument("--type", required=True, help=f"one of {type_names}")
    raise_.add_argument("--uln", required=True, help="the learner's ULN")
    raise_.add_argument("--raiser-name", required=True)
    raise_.add_argument("--raiser-email", required=True)
    raise_.add_argument("--raiser-phone", required=True)
    raise_.add_argument("--organisation", help="the raiser's UKPRN (or organisation id)")
    raise_.add_argument("--comments", help="additional comments")
    raise_.add_argument("--other-uln", help="the second ULN (duplicate, de-merge)")
    raise_.add_argument("--master-uln", help="which of the two ULNs is the master")
    raise_.add_argument("--reason", help="why (a de-merge; a duplicate whose key data differ)")
    raise_.add_argument("--event", type=count(1), action="append", metavar="ID", help="event id")
    raise_.add_argument("--event-action", choices=["disputed", "remove", "transfer"])
    raise_.add_argument("--target-uln", help="the ULN to transfer the event to")
    raise_.add_argument("--target-given", help="the target learner's given name")
    raise_.add_argument("--target-family", help="the target learner's family name")
    raise_.add_argument("--proposed-grade")
    raise_.add_argument("--proposed-end-date", help=f"day first: {DATE_FORMS}")
    raise_.add_argument("--proposed-award-date", help=f"day first: {DATE_FORMS}")
    raise_.add_argument(
        "--not-participation",
        action="store_true",
        help="confirm neither duplicated event is a participation record",
    )

    def listing(services: Services, actor: Actor, args: argparse.Namespace) -> int:
        filters = QueueFilter(
            kind=ChallengeKind(args.kind) if args.kind else None,
            challenge_type=ChallengeType(args.type) if args.type else None,
            statuses=frozenset(ChallengeStatus(s) for s in args.status) if args.status else None,
            organisation=args.organisation or "",
            assignee=args.assignee or "",
            older_than_days=args.older_than,
            sort=QueueSort(args.sort),
            limit=args.limit,
        )
        page = services.challenges.queue(actor, filters)
        if args.json:
            _json({"total": page.total, "rows": [dataclasses.asdict(r) for r in page.rows]})
        else:
            for row in page.rows:
                print(_row_line(row))
            print(f"{len(page.rows)} of {page.total} challenge{'s' if page.total != 1 else ''}")
        return 0 if page.rows else 1

    listed = command("list", listing, "the queue (open work by default); exits 1 when empty")
    listed.add_argument("--kind", choices=[k.value for k in ChallengeKind])
    listed.add_argument("--type", choices=[t.value for t in ChallengeType])
    listed.add_argument("--status", action="append", choices=[s.value for s in ChallengeStatus])
    listed.add_argument("--organisation", help="UKPRN or part of the name")
    listed.add_argument("--assignee", help="mine, unassigned or a username")
    listed.add_argument("--older-than", type=count(0), metavar="DAYS")
    listed.add_argument("--sort", choices=[s.value for s in QueueSort], default="due")
    listed.add_argument("--limit", type=count(1))

    show = command(
        "show", lambda s, a, args: s.challenges.detail(a, args.reference), "one challenge"
    )
    show.add_argument("reference")

    def history(services: Services, actor: Actor, args: argparse.Namespace) -> int:
        rows = services.challenges.history(actor, args.uln)
        if args.json:
            _json([dataclasses.asdict(r) for r in rows])
        else:
            for row in rows:
                print(_row_line(row))
        return 0

    command("history", history, "every challenge on a learner (§6.4)").add_argument("uln")

    def changing(
        name: str,
        text: str,
        call: Callable[[Services], Callable[..., object]],
        words: str | None = None,
    ) -> argparse.ArgumentParser:
        def handler(services: Services, actor: Actor, args: argparse.Namespace) -> object:
            extra = [args.text] if words else []
            return call(services)(actor, args.reference, args.expect_version, *extra)

        sub = command(name, handler, text)
        sub.add_argument("reference")
        sub.add_argument(
            "--expect-version", type=count(1), metavar="N", help="refuse if it changed since N"
        )
        if words:
            sub.add_argument("text", metavar=words.upper(), help=words)
        return sub

    changing("claim", "take an open challenge", lambda s: s.challenges.claim)
    changing("release", "give a claimed challenge back", lambda s: s.challenges.release)
    changing(
        "await", "ask for information (pauses the clock)", lambda s: s.challenges.await_information,
        "what is asked for",
    )  # fmt: skip
    changing("resume", "the information came", lambda s: s.challenges.resume, "note")
    changing("refer", "refer to the awarding organisation", lambda s: s.challenges.refer, "note")
    changing(
        "resolve", "resolve, with a reason for the raiser", lambda s: s.challenges.resolve,
        "reason",
    )  # fmt: skip
    changing(
        "reject", "reject, with a reason for the raiser", lambda s: s.challenges.reject, "reason"
    )
    changing("withdraw", "the raiser withdraws it", lambda s: s.challenges.withdraw, "reason")
    changing(
        "reopen", "reopen, undoing its record changes", lambda s: s.challenges.reopen, "reason"
    )

    def ao_answer(services: Services, actor: Actor, args: argparse.Namespace) -> object:
        return services.challenges.record_ao_answer(
            actor, args.reference, args.expect_version, args.answer, confirmed=args.confirmed
        )

    answer = command("ao-answer", ao_answer, "record the awarding organisation's answer")
    answer.add_argument("reference")
    answer.add_argument("answer")
    answer.add_argument("--confirmed", action="store_true", help="the AO confirmed it")
    answer.add_argument("--expect-version", type=count(1), metavar="N")

    def note(services: Services, actor: Actor, args: argparse.Namespace) -> object:
        return services.challenges.note(actor, args.reference, args.text)

    noted = command("note", note, "add a note to the timeline")
    noted.add_argument("reference")
    noted.add_argument("text")

    def action(
        name: str, text: str, call: Callable[[Services, Actor, argparse.Namespace], object]
    ) -> argparse.ArgumentParser:
        sub = command(name, call, text + "; --preview shows what would change")
        sub.add_argument("reference")
        sub.add_argument("--preview", action="store_true", help="show the plan; change nothing")
        sub.add_argument("--expect-version", type=count(1), metavar="N")
        sub.add_argument("--resolution", default="", help="the resolution the raiser is given")
        return sub

    merge = action(
        "merge", "merge the duplicate into the master",
        lambda s, a, args: s.challenges.merge(
            a, args.reference, args.expect_version, preview=args.preview,
            confirm_twins=args.confirm_twins, resolution=args.resolution,
        ),
    )  # fmt: skip
    merge.add_argument(
        "--confirm-twins", action="store_true", help="merge even though they may be twins"
    )
    action(
        "demerge", "undo the merge exactly",
        lambda s, a, args: s.challenges.demerge(
            a, args.reference, args.expect_version, preview=args.preview,
            resolution=args.resolution,
        ),
    )  # fmt: skip
    action(
        "transfer", "move the event to the learner named",
        lambda s, a, args: s.challenges.transfer_event(
            a, args.reference, args.expect_version, preview=args.preview,
            resolution=args.resolution,
        ),
    )  # fmt: skip
    remove = action(
        "remove-event", "remove the event softly (hidden, kept, reversible)",
        lambda s, a, args: s.challenges.remove_event(
            a, args.reference, args.expect_version, args.reason, event_ids=args.event,
            preview=args.preview, resolution=args.resolution,
        ),
    )  # fmt: skip
    remove.add_argument("--reason", required=True, help="why it is removed")
    remove.add_argument("--event", type=count(1), action="append", metavar="ID")
    correct = action(
        "correct", "correct the event's grade or dates (AO data: after its confirmation)",
        lambda s, a, args: s.challenges.correct_event(
            a, args.reference, args.expect_version, grade=args.grade, end_date=args.end_date,
            award_date=args.award_date, preview=args.preview, resolution=args.resolution,
        ),
    )  # fmt: skip
    correct.add_argument("--grade")
    correct.add_argument("--end-date")
    correct.add_argument("--award-date")
    action(
        "retire", "retire the ULN (deceased, fictitious or fraudulent)",
        lambda s, a, args: s.challenges.retire(
            a, args.reference, args.expect_version, preview=args.preview,
            resolution=args.resolution,
        ),
    )  # fmt: skip
