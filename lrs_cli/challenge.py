"""`lrs-desk challenge ...`: data challenges from the command line (User Guide §6; DOMAIN.md
"Data challenges", "Service levels"; issue 11 item 6).

Every command is a thin call of :class:`lrs_core.services.challenges.ChallengeService`, as a
signed-in operator (``--operator``), so it obeys the same rules and writes the same audit
trail as the TUI: agents raise, read and withdraw; analysts claim, note and act. Nothing here
decides a rule. Human output passes stored text through ``shown()`` and dates through the
house style; ``--json`` is ASCII with ISO dates and times. A refusal is one line on stderr
and exit 2 (``main``'s handler).

Staleness: the TUI refuses an action taken from a screen another analyst has since changed.
A command reads the challenge and acts in one go, so by default it acts on the version it
has just read; give ``--version N`` (the ``row_version`` that ``show --json`` printed) to be
refused if the challenge changed since you looked.

The resolution actions (merge, demerge, transfer, remove-event, correct, retire, split) each
resolve the challenge. ``--preview`` prints the plan's lines and writes nothing (the look is
audited). Without it the command previews first and passes that plan back as the one
confirmed, so the records changing in between is refused and what it prints is exactly what
was done; possible twins (``--confirm-twins``) and possible matches of a split's new learner
(``--confirm ULNS``) need the second, explicit confirmation the core asks for. ``reopen``
undoes a challenge's record changes exactly (``reopen --preview`` shows how).

The one reading done here: ``--target-name "GIVEN FAMILY"`` is split at its last space (the
core then checks both names against the target learner, as find by ULN folds them);
``--target-given``/``--target-family`` give names with spaces.

``main.py`` registers the commands with :func:`add_challenge_commands`; nothing here imports
``main``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

from lrs_cli.command import Add, Context, count, signed_in
from lrs_cli.output import human, labelled, note, plain, print_json
from lrs_core.actor import Actor
from lrs_core.domain.challenges import Move, NotAChallenge, RaiseRequest
from lrs_core.domain.kinds import ChallengeKind, ChallengeStatus, ChallengeType, EventStatus
from lrs_core.domain.learner_fields import FIELDS
from lrs_core.domain.text import shown
from lrs_core.domain.values import DATE_FORMS
from lrs_core.errors import PossibleMatchesNeedConfirmation, TwinsNeedConfirmation
from lrs_core.services import Services
from lrs_core.services.challenges import (
    QUEUE_PAGE,
    ActionResult,
    ChallengeDetail,
    ChallengeRow,
    Comparison,
    QueueFilter,
    QueueSort,
)

OPERATOR_HELP = (
    "act as this operator (password: LRS_OPERATOR_PASSWORD, code if needed: LRS_OPERATOR_CODE,"
    " or asked)"
)
PREVIEW_HELP = "print what would change, exactly, and change nothing"
VERSION_HELP = (
    "act only if the challenge is still at this version (row.row_version in `challenge show"
    " --json`, or the version an action printed); without it the command acts on the version"
    " it has just read (the TUI refuses a stale screen: this asks the same of a command)"
)


# --- output -----------------------------------------------------------------------------------


def _flag(row: ChallengeRow) -> str:
    if row.breached:
        return "BREACHED"
    if row.warning:
        return "due soon"
    return ""


def row_line(row: ChallengeRow) -> str:
    """One challenge on one line, as the queue and a learner's history list it (the ULN is
    in the reference; --json carries every field)."""
    who = shown(row.assignee) if row.assignee else "unassigned"
    flag = _flag(row)
    return (
        f"{row.reference}  {row.status:<20} {row.challenge_type:<23}"
        f" {shown(row.learner_name):<20.20} {who:<12} {shown(row.clock_text)}"
        + (f"  [{flag}]" if flag else "")
    )


# The command that makes each of the service's moves (what "You may" names).
COMMAND_OF_MOVE = {
    Move.CLAIM: "claim",
    Move.RELEASE: "release",
    Move.AWAIT_INFORMATION: "await",
    Move.RESUME: "resume",
    Move.REFER: "refer",
    Move.AO_CONFIRMED: "ao-answer --confirmed",
    Move.AO_DECLINED: "ao-answer --declined",
    Move.RESOLVE: "resolve",
    Move.REJECT: "reject",
    Move.WITHDRAW: "withdraw",
    Move.REOPEN: "reopen",
}


def print_detail(d: ChallengeDetail) -> None:
    """The challenge as the detail screen shows it: what it is, the learners side by side
    with the matching engine's levels, the events, the timeline and the learner's history."""
    row = d.row
    print(f"{row.reference}  {row.type_label}")
    status = row.status_label
    if row.assignee and row.status not in _CLOSED_STATUSES:
        since = f" since {human(d.claimed_at)}" if d.claimed_at else ""
        status += f" (claimed by {shown(row.assignee)}{since})"
    labelled("Status", status)
    flag = _flag(row)
    labelled("Clock", shown(row.clock_text) + (f" [{flag}]" if flag else ""))
    labelled("Raised", row.raised_at)
    labelled("Organisation", row.organisation)
    labelled("Raiser", f"{d.raiser_name} <{d.raiser_email}>")
    labelled("Raiser phone", d.raiser_phone)
    labelled("Comments", d.comments)
    labelled("Reason", d.reason)
    if d.master_uln:
        labelled("Master ULN", d.master_uln)
    labelled("Event action", d.event_action)
    labelled("Target", d.target_name)
    labelled("Grade wanted", d.proposed_grade)
    labelled("End date", d.proposed_end_date)
    labelled("Award date", d.proposed_award_date)
    if d.not_participation_confirmed:
        labelled("Checked", "neither is a participation record")
    labelled("Referred", d.referred_at)
    labelled("AO answer", d.ao_answer)
    labelled("Closed", d.resolved_at)
    labelled("Resolution", d.resolution)
    print()
    if d.other is None:
        side = d.learner
        print(
            f"Learner: ULN {side.uln}  {shown(side.given_name)} {shown(side.family_name)}"
            f"  born {human(side.date_of_birth)}  {shown(side.postcode)}  {side.status}"
            f"  {side.events} events"
        )
    else:
        _print_compare(d)
    if d.differences:
        named = ", ".join(diff.field.lower() for diff in d.differences)
        print(f"Key data differ: {named}")
    if d.events:
        print()
        print(f"Events ({len(d.events)}):")
        for e in d.events:
            when = e.award_date or e.end_date
            parts = [f"event {e.id}", str(e.source), shown(e.subject)]
            parts += [f"level {shown(e.level)}"] if e.level else []
            parts += [f"grade {shown(e.grade)}"] if e.grade else []
            parts += [human(when)] if when else []
            parts.append(f"on ULN {e.uln}")
            parts += [f"({e.status})"] if e.status != EventStatus.ACTIVE else []
            print("  " + " · ".join(parts))
    print()
    print("Timeline:")
    for entry in d.timeline:
        who = shown(entry.who) if entry.who else "the system"
        print(f"  {human(entry.at)}  {who:<14} {entry.kind:<7} {shown(entry.text)}")
    if d.changes:
        print()
        print("Record changes:")
        for c in d.changes:
            undone = f" (reversed by change {c.reversed_by})" if c.reversed_by else ""
            print(f"  change {c.id}: {c.kind} by {shown(c.who)} at {human(c.performed_at)}{undone}")
    others = [h for h in d.history if h.reference != row.reference]
    if others:
        print()
        print(f"Other challenges on ULN {row.uln} ({len(others)}):")
        for h in others:
            print(f"  {row_line(h)}")
    print()
    moves = ", ".join(COMMAND_OF_MOVE.get(m, str(m)) for m in d.moves) or "nothing (read only)"
    print(f"You may: {moves}")


def _print_compare(d: ChallengeDetail) -> None:
    assert d.other is not None
    this, other = d.learner, d.other
    print_comparison(
        this.uln,
        other.uln,
        d.comparison,
        [
            ("Status", str(this.status), str(other.status)),
            ("Linked to", this.master_uln or "-", other.master_uln or "-"),
            ("Events", str(this.events), str(other.events)),
        ],
    )


def print_comparison(
    uln: str,
    other_uln: str,
    comparison: Comparison | None,
    extra: Sequence[tuple[str, str, str]] = (),
) -> None:
    """Two learners side by side: each key field, the matching engine's level for it (a
    field that is not the same is marked *), the possible-twins warning and the words."""
    print(f"{'':<14} {'ULN ' + uln:<24} {'ULN ' + other_uln:<24} match")
    rows: list[tuple[str, str, str, str]] = []
    if comparison is not None:
        for f in comparison.fields:
            rows.append((f.field, f.this, f.other, f.level + ("" if f.same else " *")))
    rows += [(label, a, b, "") for label, a, b in extra]
    for label, a, b, level in rows:
        print(f"{label:<14} {shown(a):<24} {shown(b):<24} {level}".rstrip())
    if comparison is not None:
        if comparison.possible_twins:
            print("WARNING: possible twins")
        for sentence in comparison.explanation:
            print(f"  {shown(sentence)}")


_CLOSED_STATUSES = frozenset(
    {ChallengeStatus.RESOLVED, ChallengeStatus.REJECTED, ChallengeStatus.WITHDRAWN}
)


def print_outcome(d: ChallengeDetail, args: argparse.Namespace) -> None:
    """What a change did: the timeline's lines it wrote (a reopen's undone record changes
    too), the status and the clock now, and the version to give --version next."""
    if args.json:
        print_json(d)
        return
    latest = d.timeline[-1] if d.timeline else None
    written = [t for t in d.timeline if latest and (t.at, t.who) == (latest.at, latest.who)]
    for entry in written[-5:]:
        print(f"{d.row.reference}: {shown(entry.text)}")
    print(f"status {d.row.status_label}; {shown(d.row.clock_text)} (version {d.row.row_version})")


# --- commands ---------------------------------------------------------------------------------


def _acting(ctx: Context, args: argparse.Namespace) -> tuple[Services, Actor]:
    services = ctx.services()
    return services, signed_in(ctx, services, args.operator)


def _version(services: Services, actor: Actor, args: argparse.Namespace) -> int:
    """The version to act on: ``--version``, else the one read now (see the module's note)."""
    if args.version is not None:
        return int(args.version)
    return services.challenges.detail(actor, args.reference).row.row_version


def _target_names(args: argparse.Namespace) -> tuple[str, str]:
    """The transfer target's given and family names: --target-given / --target-family as
    typed, else --target-name "GIVEN FAMILY" read with the family name as its last word."""
    given, family = args.target_given or "", args.target_family or ""
    if args.target_name and not (given or family):
        words = args.target_name.split()
        given, family = " ".join(words[:-1]), " ".join(words[-1:])
    return given, family


def cmd_raise(ctx: Context, args: argparse.Namespace) -> int:
    given, family = _target_names(args)
    master = ""
    if args.master == "this":
        master = args.uln
    elif args.master == "other":
        master = args.other_uln or ""
    request = RaiseRequest(
        challenge_type=args.type,
        uln=args.uln,
        raiser_name=args.raiser_name or "",
        raiser_email=args.raiser_email or "",
        raiser_phone=args.raiser_phone or "",
        organisation=args.organisation or "",
        comments=args.comments or "",
        other_uln=args.other_uln or "",
        master_uln=master,
        reason=args.reason or "",
        event_ids=tuple(args.event or ()),
        event_action=args.action or "",
        target_uln=args.target_uln or "",
        target_given_name=given,
        target_family_name=family,
        proposed_grade=args.grade or "",
        proposed_end_date=args.end_date or "",
        proposed_award_date=args.award_date or "",
        not_participation_confirmed=args.not_participation,
    )
    services, actor = _acting(ctx, args)
    detail = services.challenges.raise_challenge(actor, request)
    if args.json:
        print_json(detail)
    else:
        print(f"raised {detail.row.reference}: {detail.row.type_label}")
        print(f"{shown(detail.row.clock_text)}")
        if detail.differences:
            named = ", ".join(d.field.lower() for d in detail.differences)
            note(f"the two learners' {named} differ (the reason given is kept with it)")
        if detail.comparison is not None and detail.comparison.possible_twins:
            note(detail.comparison.explanation[0])
    return 0


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    statuses = frozenset(ChallengeStatus(s) for s in args.status) if args.status else None
    filters = QueueFilter(
        kind=ChallengeKind(args.kind) if args.kind else None,
        challenge_type=ChallengeType(args.type) if args.type else None,
        statuses=statuses,
        organisation=args.organisation or "",
        assignee=args.assignee or "",
        older_than_days=args.older_than,
        sort=QueueSort(args.sort),
        limit=args.limit,
        offset=args.offset,
    )
    services, actor = _acting(ctx, args)
    page = services.challenges.queue(actor, filters)
    if args.json:
        print_json({"total": page.total, "offset": args.offset, "challenges": page.rows})
        return 0
    for row in page.rows:
        print(row_line(row))
    shown_from = args.offset + 1 if page.rows else 0
    last = args.offset + len(page.rows)
    more = f"; --offset {last} for the next" if last < page.total and page.rows else ""
    print(f"{len(page.rows)} shown ({shown_from}-{last} of {page.total}){more}")
    return 0


def cmd_show(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting(ctx, args)
    detail = services.challenges.detail(actor, args.reference)
    if args.json:
        print_json(detail)
    else:
        print_detail(detail)
    return 0


def cmd_history(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting(ctx, args)
    rows = services.challenges.history(actor, args.uln)
    if args.json:
        print_json({"uln": args.uln.strip(), "challenges": rows})
        return 0
    for row in rows:
        print(row_line(row))
    print(f"{len(rows)} challenge{'s' if len(rows) != 1 else ''} on this learner")
    return 0


def cmd_compare(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting(ctx, args)
    comparison = services.challenges.compare(actor, args.uln, args.other_uln)
    if args.json:
        print_json(comparison)
    else:
        print_comparison(args.uln.strip(), args.other_uln.strip(), comparison)
    return 0


def cmd_note(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting(ctx, args)
    print_outcome(services.challenges.note(actor, args.reference, args.text), args)
    return 0


Versioned = Callable[[Services, Actor, str, int, argparse.Namespace], ChallengeDetail]


def _versioned(act: Versioned) -> Callable[[Context, argparse.Namespace], int]:
    """A status change taken on the version read (or ``--version``), its outcome printed."""

    def handler(ctx: Context, args: argparse.Namespace) -> int:
        services, actor = _acting(ctx, args)
        version = _version(services, actor, args)
        print_outcome(act(services, actor, args.reference, version, args), args)
        return 0

    return handler


cmd_claim = _versioned(lambda s, a, ref, v, args: s.challenges.claim(a, ref, v))
cmd_release = _versioned(lambda s, a, ref, v, args: s.challenges.release(a, ref, v))
cmd_await = _versioned(
    lambda s, a, ref, v, args: s.challenges.await_information(a, ref, v, args.note)
)
cmd_resume = _versioned(lambda s, a, ref, v, args: s.challenges.resume(a, ref, v, args.note or ""))
cmd_refer = _versioned(lambda s, a, ref, v, args: s.challenges.refer(a, ref, v, args.note))
cmd_ao_answer = _versioned(
    lambda s, a, ref, v, args: s.challenges.record_ao_answer(a, ref, v, args.answer, args.confirmed)
)
cmd_resolve = _versioned(lambda s, a, ref, v, args: s.challenges.resolve(a, ref, v, args.reason))
cmd_reject = _versioned(lambda s, a, ref, v, args: s.challenges.reject(a, ref, v, args.reason))
cmd_withdraw = _versioned(lambda s, a, ref, v, args: s.challenges.withdraw(a, ref, v, args.reason))


# --- resolution actions (issue 11 item 5) ---------------------------------------------------

# One of ChallengeService's actions (merge, demerge...): called with the reference, the
# expected version and the options the command took, plus preview= and previewed=.
Acting = Callable[
    [Services, Actor, str, int | None, argparse.Namespace, dict[str, Any]], ActionResult
]


def _acts(act: Acting) -> Callable[[Context, argparse.Namespace], int]:
    """A resolution action. It is always previewed first (a look, audited; nothing written):
    with --preview the plan's lines are printed and that is all; without, the action is taken
    on the version the preview read (or --version) and confirmed against that plan (the
    records changed since: refused, nothing written), and the lines printed are exactly what
    was done."""

    def handler(ctx: Context, args: argparse.Namespace) -> int:
        services, actor = _acting(ctx, args)
        shown_plan = act(services, actor, args.reference, args.version, args, {"preview": True})
        if args.preview:
            if args.json:
                print_json(_action_json(shown_plan))
            else:
                for line in shown_plan.lines:
                    print(line)
                print("preview: nothing was changed; run it again without --preview to do it")
            return 0
        version = args.version or shown_plan.detail.row.row_version
        try:
            done = act(services, actor, args.reference, version, args,
                       {"previewed": shown_plan.plan})  # fmt: skip
        except TwinsNeedConfirmation as twins:
            raise TwinsNeedConfirmation(
                f"{twins} Run it again with --confirm-twins once you are sure."
            ) from None
        except PossibleMatchesNeedConfirmation as matches:
            raise PossibleMatchesNeedConfirmation(
                f"{matches} If none is, run it again with --confirm {','.join(matches.ulns)}.",
                matches.ulns,
            ) from None
        if args.json:
            print_json(_action_json(done, shown_plan.lines))
            return 0
        for line in shown_plan.lines:
            print(line)
        assert done.change is not None
        print(f"done: change {done.change.change_id} ({done.change.kind}); reversible by reopen")
        print_outcome(done.detail, args)
        return 0

    return handler


def _action_json(result: ActionResult, lines: tuple[str, ...] = ()) -> dict[str, object]:
    return {
        "preview": result.preview,
        "kind": str(
            result.plan.kind if result.plan else result.change.kind if result.change else ""
        ),
        "lines": list(result.lines or lines),
        "plan": plain(result.plan),
        "change": plain(result.change),
        "challenge": plain(result.detail),
    }


def _new_learner(args: argparse.Namespace) -> dict[str, str]:
    """The second person's fields given on the command line (column name -> text)."""
    return {f.name: getattr(args, f.name) for f in FIELDS if getattr(args, f.name) is not None}


def _confirmed(args: argparse.Namespace) -> set[str]:
    return {u.strip() for u in (args.confirm or "").split(",") if u.strip()}


cmd_merge = _acts(
    lambda s, a, ref, v, args, kw: s.challenges.merge(
        a, ref, v, confirm_twins=args.confirm_twins, resolution=args.resolution or "", **kw
    )
)
cmd_demerge = _acts(
    lambda s, a, ref, v, args, kw: s.challenges.demerge(
        a, ref, v, resolution=args.resolution or "", **kw
    )
)
cmd_transfer = _acts(
    lambda s, a, ref, v, args, kw: s.challenges.transfer_event(
        a, ref, v, resolution=args.resolution or "", **kw
    )
)
cmd_remove_event = _acts(
    lambda s, a, ref, v, args, kw: s.challenges.remove_event(
        a, ref, v, args.reason, event_ids=args.event, resolution=args.resolution or "", **kw
    )
)
cmd_correct = _acts(
    lambda s, a, ref, v, args, kw: s.challenges.correct_event(
        a,
        ref,
        v,
        event_id=args.event,
        grade=args.grade,
        end_date=args.end_date,
        award_date=args.award_date,
        resolution=args.resolution or "",
        **kw,
    )
)
cmd_retire = _acts(
    lambda s, a, ref, v, args, kw: s.challenges.retire(
        a, ref, v, resolution=args.resolution or "", **kw
    )
)
cmd_split = _acts(
    lambda s, a, ref, v, args, kw: s.challenges.split_shared_uln(
        a,
        ref,
        v,
        _new_learner(args),
        args.event or (),
        confirmed_ulns=_confirmed(args),
        resolution=args.resolution or "",
        **kw,
    )
)


def cmd_reopen(ctx: Context, args: argparse.Namespace) -> int:
    """Reopen: its record changes are undone exactly (--preview shows each undo's plan)."""
    services, actor = _acting(ctx, args)
    if args.preview:
        plans = services.challenges.preview_reopen(actor, args.reference)
        if args.json:
            print_json({"preview": True, "plans": [
                {"kind": str(p.kind), "lines": list(p.lines()), "plan": plain(p)} for p in plans
            ]})  # fmt: skip
            return 0
        for plan in plans:
            for line in plan.lines():
                print(line)
        if not plans:
            print("no record change to undo: reopening only changes its status")
        print("preview: nothing was changed; run it again without --preview to do it")
        return 0
    version = _version(services, actor, args)
    # No --reason: the core refuses it (and audits the refusal), naming the field.
    reopened = services.challenges.reopen(actor, args.reference, version, args.reason or "")
    print_outcome(reopened, args)
    return 0


# --- the parser -------------------------------------------------------------------------------


def add_challenge_commands(commands: Any, add: Add) -> None:
    """Add `challenge ...` to the `lrs-desk` parser (``add`` is build_parser's helper)."""
    group = commands.add_parser(
        "challenge", help="data challenges: raise, the queue, the detail and every action"
    ).add_subparsers(dest="challenge_command", metavar="ACTION", required=True)
    types = ", ".join(str(t) for t in ChallengeType)
    not_challenges = ", ".join(str(n) for n in NotAChallenge)

    raise_ = add(
        group,
        "raise",
        cmd_raise,
        "raise a data challenge on a learner (User Guide §6.1): give --type and what that"
        " type needs; prints its reference (it contains the ULN)",
    )
    raise_.add_argument("uln", help="the learner's ULN")
    raise_.add_argument(
        "--type",
        required=True,
        metavar="TYPE",
        help=f"one of {types} (what is not a challenge, {not_challenges}, is refused with"
        " what to do instead)",
    )
    raise_.add_argument("--other-uln", help="the second ULN (duplicate ULN, incorrectly merged)")
    raise_.add_argument(
        "--master",
        choices=["this", "other"],
        help="duplicate ULN: which ULN is the master (default: this learner's)",
    )
    raise_.add_argument(
        "--reason",
        help="why: required for a de-merge, and for a duplicate whose key data differ",
    )
    raise_.add_argument(
        "--event",
        type=count(1),
        action="append",
        metavar="ID",
        help="an event on the learner's PLR (repeat for two): event challenges",
    )
    raise_.add_argument("--action", help="event does not belong: disputed, remove or transfer")
    raise_.add_argument("--target-uln", help="transfer: the ULN the event belongs to")
    raise_.add_argument(
        "--target-name",
        help='transfer: that learner\'s name, "GIVEN FAMILY" (the family name is the last'
        " word; use --target-given and --target-family otherwise)",
    )
    raise_.add_argument("--target-given", help="transfer: that learner's given name")
    raise_.add_argument("--target-family", help="transfer: that learner's family name")
    raise_.add_argument("--grade", help="information wrong: the grade it should be")
    raise_.add_argument(
        "--end-date", help=f"information wrong: the end date it should be, day first: {DATE_FORMS}"
    )
    raise_.add_argument("--award-date", help="information wrong: the award date it should be")
    raise_.add_argument(
        "--not-participation",
        action="store_true",
        help="event appears more than once: you checked neither is a participation record",
    )
    raise_.add_argument("--raiser-name", help="who raised it (required)")
    raise_.add_argument("--raiser-email", help="their email (required)")
    raise_.add_argument("--raiser-phone", help="their phone number (required)")
    raise_.add_argument("--organisation", help="their organisation's UKPRN")
    raise_.add_argument("--comments", help="the corrective action believed needed, and why")

    queue = add(
        group,
        "list",
        cmd_list,
        "the queue: open work (all but resolved, rejected and withdrawn) sorted by SLA due"
        " time; filter by kind, type, status, organisation, assignee and age",
    )
    queue.add_argument("--kind", choices=[k.value for k in ChallengeKind])
    queue.add_argument("--type", choices=[t.value for t in ChallengeType])
    queue.add_argument(
        "--status",
        action="append",
        choices=[s.value for s in ChallengeStatus],
        help="repeat for several; default: every open status",
    )
    queue.add_argument("--organisation", help="a UKPRN, or part of the organisation's name")
    queue.add_argument("--assignee", help="mine, unassigned or an operator's username")
    queue.add_argument(
        "--older-than", type=count(0), metavar="DAYS", help="raised more than DAYS days ago"
    )
    queue.add_argument(
        "--sort",
        choices=[s.value for s in QueueSort],
        default=QueueSort.DUE.value,
        help="due (default: least time left first), raised, status or reference",
    )
    queue.add_argument(
        "--limit",
        type=count(1),
        default=QUEUE_PAGE,
        help=f"at most this many (default {QUEUE_PAGE}, one page)",
    )
    queue.add_argument("--offset", type=count(0), default=0, help="skip this many first")

    def on_challenge(name: str, handler: Any, help_text: str) -> argparse.ArgumentParser:
        sub = add(group, name, handler, help_text)
        sub.add_argument("reference", help="the challenge's reference, DC-<ULN>-<nnnn>")
        return sub

    show = on_challenge(
        "show",
        cmd_show,
        "one challenge: its details, the two learners side by side (ULN challenges), the"
        " events, the timeline and every challenge on the learner",
    )
    compare = add(
        group,
        "compare",
        cmd_compare,
        "two learners side by side as the matching engine sees them (before raising a"
        " duplicate: which key data differ, possible twins)",
    )
    compare.add_argument("uln")
    compare.add_argument("other_uln", metavar="OTHER_ULN")
    history = add(group, "history", cmd_history, "every challenge ever raised on a learner (§6.4)")
    history.add_argument("uln")
    note = on_challenge("note", cmd_note, "add a note to a challenge's timeline (analysts)")
    note.add_argument("text", help="the note")

    def action(name: str, handler: Any, help_text: str) -> argparse.ArgumentParser:
        sub = on_challenge(name, handler, help_text)
        sub.add_argument("--version", type=count(1), metavar="N", help=VERSION_HELP)
        return sub

    claim = action(
        "claim", cmd_claim, "take an open challenge (analysts); told who has it if taken"
    )
    release = action("release", cmd_release, "give your claimed challenge back to the queue")
    await_ = action("await", cmd_await, "ask the raiser for more information: the SLA clock pauses")
    await_.add_argument("--note", required=True, help="what was asked for")
    resume = action("resume", cmd_resume, "the information came: the SLA clock restarts")
    resume.add_argument("--note", help="what came")
    refer = action(
        "refer", cmd_refer, "refer to the awarding organisation whose data it is: the clock stops"
    )
    refer.add_argument("--note", required=True, help="what was asked of them")
    ao = action(
        "ao-answer",
        cmd_ao_answer,
        "record the awarding organisation's answer to a referral: --confirmed brings it back"
        " to you to apply the correction, --declined keeps it referred to resolve or reject",
    )
    ao.add_argument("--answer", required=True, help="what they said")
    answer = ao.add_mutually_exclusive_group(required=True)
    answer.add_argument("--confirmed", dest="confirmed", action="store_true")
    answer.add_argument("--declined", dest="confirmed", action="store_false")
    closing = [
        action("resolve", cmd_resolve, "resolve it, with a reason the raiser can be given"),
        action("reject", cmd_reject, "reject it, with a reason the raiser can be given"),
        action("withdraw", cmd_withdraw, "withdraw it at the raiser's request (agents too; §6.4)"),
    ]
    for sub in closing:
        sub.add_argument("--reason", required=True, help="why (given to the raiser)")
    reopen = action(
        "reopen",
        cmd_reopen,
        "reopen a resolved or rejected challenge: it is yours, and the record changes made"
        " for it are undone exactly (--preview shows what would be undone)",
    )
    reopen.add_argument("--reason", help="why (required unless --preview)")
    reopen.add_argument("--preview", action="store_true", help=PREVIEW_HELP)

    def resolving(name: str, handler: Any, help_text: str) -> argparse.ArgumentParser:
        sub = action(name, handler, help_text + "; resolves the challenge (it must be yours)")
        sub.add_argument("--preview", action="store_true", help=PREVIEW_HELP)
        sub.add_argument(
            "--resolution", help="what to tell the raiser (default: what the action did)"
        )
        return sub

    merge = resolving(
        "merge",
        cmd_merge,
        "merge the duplicate ULN into the master the challenge names: the duplicate becomes a"
        " linked ULN (find by it gives the master, WSRC0022) and its events move to the master",
    )
    merge.add_argument(
        "--confirm-twins",
        action="store_true",
        help="the two may be twins (family name, date of birth and postcode agree, given"
        " names differ): merge only when you are sure they are one person",
    )
    demerge = resolving(
        "demerge",
        cmd_demerge,
        "undo the merge of the challenge's two ULNs exactly (events loaded onto the master"
        " since stay there)",
    )
    transfer = resolving(
        "transfer", cmd_transfer, "move the challenged event to the learner the raiser named"
    )
    remove = resolving(
        "remove-event",
        cmd_remove_event,
        "remove the challenged event from the PLR (a soft removal, kept for audit, reversible)",
    )
    remove.add_argument("--reason", required=True, help="why, kept with the event")
    remove.add_argument(
        "--event",
        type=count(1),
        action="append",
        metavar="ID",
        help="a duplicated event: which of the two to remove",
    )
    correct = resolving(
        "correct",
        cmd_correct,
        "correct the challenged event with the values proposed (or these); an awarding"
        " organisation's data only after its confirmation (ao-answer --confirmed)",
    )
    correct.add_argument("--event", type=count(1), metavar="ID", help="which challenged event")
    correct.add_argument("--grade", help="the grade it should be")
    correct.add_argument("--end-date", help=f"the end date it should be, day first: {DATE_FORMS}")
    correct.add_argument("--award-date", help="the award date it should be")
    retire = resolving(
        "retire",
        cmd_retire,
        "retire the learner's ULN as deceased, or fictitious or fraudulent, as the challenge"
        " says (a retired ULN is never used again)",
    )
    split = resolving(
        "split",
        cmd_split,
        "two people share the ULN: register a new ULN for the second person (the"
        " registration rules) and move the chosen events to it",
    )
    split.add_argument(
        "--event", type=count(1), action="append", metavar="ID", help="an event of theirs"
    )
    split.add_argument(
        "--confirm", metavar="ULNS", help="comma-separated ULNs shown as possible matches"
    )
    for spec in FIELDS:
        split.add_argument(
            "--" + spec.name.replace("_", "-"),
            dest=spec.name,
            metavar="TEXT",
            help="the second person's "
            + spec.label.lower()
            + (f", day first: {DATE_FORMS}" if "date" in spec.name else "")
            + (" (required)" if spec.required else ""),
        )
    actions = [reopen, merge, demerge, transfer, remove, correct, retire, split]

    reading = [raise_, queue, show, compare, history, note]
    for sub in (*reading, claim, release, await_, resume, refer, ao, *closing, *actions):
        sub.add_argument("--operator", required=True, help=OPERATOR_HELP)
        sub.add_argument("--json", action="store_true", help="machine-readable output")
