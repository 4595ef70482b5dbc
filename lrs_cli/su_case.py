"""`lrs-desk su-case ...`: super-user reinstatement from the command line (User Guide §3.6, FAQ
"I have lost my super user details"; DOMAIN.md "Accounts and super users"; issue 12 items 3
and 5).

An organisation that has lost its only super user sends a Change of Super User form; one admin
opens a case and records the desk's checks (``open``, ``check``, ``new-user``, then ``callback``,
which confirms the signatory and the new super user with the organisation (§3.6): changing
either afterwards clears it, to be made again), a second admin reviews them (``show``) and
approves or rejects (``approve``, ``reject``); once the one-time password has reached the new
super user the case is completed (``complete``). Every
command is a thin call of :class:`lrs_core.services.super_user_cases.SuperUserCaseService` as
a signed-in admin (``--operator``), so every rule is the core's and every step, refusals too,
is audited there: an agent is refused, a typed signature is refused (``--signature typed`` is
passed on as not hand-signed, for the core to refuse with the form's own rule), a call-back
on the form's number is refused, the admin who prepared a case cannot approve it.

Staleness: a change acts on the case as it is now, unless ``--version N`` (the version
``show`` printed) is given: then a case changed since by another admin is refused, as the TUI
refuses a stale screen. ``approve`` needs it (the core refuses an approval that names no
version): the second admin approves the case they reviewed, never one changed since.

**The one-time password** (``approve``) is shown once, on the terminal only: never in the
``--json`` output (which may be redirected to a file) and never in a log. The JSON, and the
human output when stdout is not a terminal, carry the username, ``one_time_password: null``
and where the password went; the password itself goes to standard output only when that is a
terminal and ``--json`` is not given, else to the controlling terminal (:mod:`lrs_cli.terminal`).
With no terminal at all, ``approve`` refuses before approving, so no account exists whose
password nobody saw.

``main.py`` registers the commands with :func:`add_su_case_commands`; nothing here imports
``main``.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from lrs_cli import terminal
from lrs_cli.command import Add, Context, count, signed_in
from lrs_cli.organisations import case_line, kind_line, portal_state
from lrs_cli.output import human, labelled, note, plain, print_json
from lrs_core.actor import Actor
from lrs_core.domain.kinds import SuperUserCaseStatus, SuperUserLossReason
from lrs_core.domain.text import shown
from lrs_core.domain.values import DATE_FORMS, parse_date, quoted
from lrs_core.errors import LrsError, ValidationError
from lrs_core.services import Services
from lrs_core.services.accounts_view import SuperUserCaseView

OPERATOR_HELP = (
    "act as this admin (password: LRS_OPERATOR_PASSWORD, code: LRS_OPERATOR_CODE, or asked)"
)
VERSION_HELP = (
    "act only if the case is still at this version (the version `su-case show` printed):"
    " a case another admin changed since is refused; without it the command acts on the"
    " case as it is now"
)
SIGNATURES = {"hand-signed": True, "typed": False}
LONDON = ZoneInfo("Europe/London")
NO_TERMINAL = "approve needs a terminal: the one-time password is shown there once"


class NoTerminal(LrsError):
    """The one-time password has nowhere it may be shown: nothing was approved."""


# --- reading what was typed -------------------------------------------------------------------

_CLOCK = re.compile(r"([0-9]{1,2})[:.]([0-9]{2})")


def parse_call_time(text: str, now: datetime) -> datetime:
    """When the call-back was made, as an admin types it: ``14:05`` (today), ``DATE 14:05``
    with the date day first as every command takes it (23/11/2026 14:05, 23 Nov 2026 14:05),
    or ISO 8601 (2026-11-23T14:05, with an offset if you like). UK time unless an offset is
    given; stored in UTC. Whether the time is possible (not in the future, not before the
    form arrived) is the core's rule."""
    field = "Call-back time"
    value = text.strip()
    today = now.astimezone(LONDON).date()
    if "T" in value:
        try:
            at = datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError(
                field, f"must be a time such as 14:05 or 23/11/2026 14:05, not {quoted(value)}"
            ) from None
    else:
        day_text, _, clock_text = value.rpartition(" ")
        match = _CLOCK.fullmatch(clock_text)
        if match is None:
            raise ValidationError(
                field, f"must be a time such as 14:05 or 23/11/2026 14:05, not {quoted(value)}"
            )
        hour, minute = int(match[1]), int(match[2])
        if hour > 23 or minute > 59:
            raise ValidationError(field, f"{quoted(clock_text)} is not a time of day")
        day = parse_date(day_text, field, today) if day_text.strip() else today
        at = datetime.combine(day, time(hour, minute))
    if at.tzinfo is None:
        at = at.replace(tzinfo=LONDON)
    try:
        return at.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 with an offset: no such time in UTC
        raise ValidationError(field, f"{quoted(value)} is not a time of the call") from None


# --- output -----------------------------------------------------------------------------------


def step_state(case: SuperUserCaseView) -> str:
    """What the case waits for, in one line."""
    if case.status is not SuperUserCaseStatus.PREPARED:
        return ""
    if case.missing:
        return f"still to record: {', '.join(case.missing)}"
    if case.approvable:
        return "ready: you may approve or reject it"
    return "ready for a second admin to approve or reject"


def print_case(case: SuperUserCaseView) -> None:
    """The case as the approval screen shows it: the organisation, the reason against the
    data, each recorded check, the new super user, the decision and the timeline."""
    org = case.organisation
    print(f"{case.reference}  {case.status}  {shown(org.name)} (UKPRN {org.ukprn})")
    labelled("Organisation", f"{kind_line(org)}; portal {portal_state(org)}")
    labelled("Active SUs", f"{org.active_super_users}")
    labelled("Reason", case.reason_label)
    labelled("Form arrived", case.form_received_on)
    old = case.old_super_user
    if old is not None:
        leave = " (on long-term leave)" if old.on_long_term_leave else ""
        labelled("Lost SU", f"{old.name} ({old.username}), {old.status}{leave}")
        labelled("", case.old_account_fate)
    else:
        labelled("Lost SU", "none on record")
    if case.caution:
        labelled("CAUTION", case.caution)
    labelled("Register tel", case.register_phone or "none held")
    labelled("Form tel", case.form_phone)
    print()
    signatory = case.signatory
    if signatory is None:
        labelled("Signatory", "not yet recorded (su-case check)")
    else:
        labelled("Signatory", f"{signatory.name}, {signatory.job_title}")
        labelled(
            "",
            ("manager status or above" if signatory.is_manager else "NOT a manager")
            + "; "
            + ("signed by hand" if signatory.hand_signed else "NOT signed by hand")
            + "; "
            + (
                "signed the Organisation Agreement"
                if signatory.signed_agreement
                else "did not sign the Organisation Agreement"
            ),
        )
    labelled("Agreement", case.agreement_note)
    new = case.new_user
    if new is None:
        labelled("New SU", "not yet recorded (su-case new-user)")
    else:
        title = f"{new.title} " if new.title else ""
        labelled("New SU", f"{title}{new.given_name} {new.family_name} <{new.email}>")
        labelled("Username", case.new_username)
        labelled("Telephone", new.phone)
        labelled("Verification", new.verification_provided)
    if case.callback_phone is None:
        labelled("Call-back", "not yet recorded (su-case callback, after check and new-user)")
    else:
        by = f" by {case.callback_by}" if case.callback_by else ""
        labelled("Call-back", f"{case.callback_phone}{by} at {human(case.callback_at)}")
        labelled("Confirmed by", case.callback_confirmed_by)
    print()
    labelled("Prepared", f"{human(case.prepared_at)} by {case.prepared_by}")
    if case.decided_at is not None:
        decision = "rejected" if case.status is SuperUserCaseStatus.REJECTED else "approved"
        labelled("Decided", f"{decision} {human(case.decided_at)} by {case.decided_by}")
    labelled("Reason given", case.decision_reason)
    if case.completed_at is not None:
        labelled("Completed", f"{human(case.completed_at)} by {case.completed_by}")
    labelled("Waiting", step_state(case))
    if case.status is SuperUserCaseStatus.PREPARED and not case.missing:
        labelled("", case.not_approvable_because)
    labelled("Version", str(case.version))
    if case.timeline:
        print()
        print("Timeline:")
        for step in case.timeline:
            print(
                f"  {human(step.at)}  {shown(step.operator):<14} {shown(step.step):<15}"
                f" {shown(step.text)}"
            )


def print_outcome(case: SuperUserCaseView, args: argparse.Namespace) -> None:
    """What a step did: the timeline's newest line, the status, what is still missing and
    the version to give --version next."""
    if args.json:
        print_json(case)
        return
    if case.timeline:
        latest = case.timeline[-1]
        if (
            latest.step == "call-back"
            and latest.text.startswith("to make again")
            and (len(case.timeline) > 1)
        ):  # the step's own line first, then why the call-back was cleared
            print(f"{case.reference}: {shown(case.timeline[-2].text)}")
            print(f"{case.reference}: call-back {shown(latest.text)}")
        else:
            print(f"{case.reference}: {shown(latest.text)}")
    state = step_state(case)
    print(f"status {case.status}" + (f"; {state}" if state else "") + f" (version {case.version})")


# --- commands ---------------------------------------------------------------------------------


def _acting(ctx: Context, args: argparse.Namespace) -> tuple[Services, Actor]:
    services = ctx.services()
    return services, signed_in(ctx, services, args.operator)


def cmd_open(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting(ctx, args)
    case = services.super_user_cases.open(
        actor,
        args.ukprn,
        args.reason,
        args.received,
        old_username=args.old_username,
        form_phone=args.form_phone,
    )
    if args.json:
        print_json(case)
        return 0
    print(f"opened {case.reference}: {shown(case.organisation.name)}; reason:"
          f" {case.reason_label}")  # fmt: skip
    if case.old_super_user is not None:
        old = case.old_super_user
        print(f"lost super user: {shown(old.name)} ({shown(old.username)});"
              f" {shown(case.old_account_fate)}")  # fmt: skip
    if case.caution:
        print(f"caution: {shown(case.caution)}")
    if case.register_phone:
        print("next: su-case check, then new-user, then call back on the register's number,"
              f" {shown(case.register_phone)} (never the form's) to confirm them")  # fmt: skip
    print_outcome(case, args)
    return 0


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting(ctx, args)
    status = SuperUserCaseStatus(args.status) if args.status else None
    cases = services.super_user_cases.list(actor, status=status, ukprn=args.ukprn)
    if args.json:
        print_json({"cases": cases})
        return 0
    for case in cases:
        print(f"{case_line(case)}  {shown(case.organisation_name)}")
    print(f"{len(cases)} case{'' if len(cases) == 1 else 's'}")
    return 0


def cmd_show(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting(ctx, args)
    case = services.super_user_cases.show(actor, args.reference)
    if args.json:
        print_json(case)
    else:
        print_case(case)
    return 0


Step = Callable[[Services, Actor, argparse.Namespace], SuperUserCaseView]


def _step(act: Step) -> Callable[[Context, argparse.Namespace], int]:
    def handler(ctx: Context, args: argparse.Namespace) -> int:
        services, actor = _acting(ctx, args)
        print_outcome(act(services, actor, args), args)
        return 0

    return handler


cmd_check = _step(
    lambda s, a, args: s.super_user_cases.record_signatory(
        a,
        args.reference,
        name=args.signatory,
        job_title=args.job_title,
        is_manager=args.manager,
        signed_agreement=args.signed_agreement,
        hand_signed=SIGNATURES[args.signature],
        form_phone=args.form_phone,
        expected_version=args.version,
    )
)


def cmd_callback(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting(ctx, args)
    at = parse_call_time(args.at, services.clock()) if args.at else None
    case = services.super_user_cases.record_callback(
        actor,
        args.reference,
        dialled=args.dialled,
        confirmed_by=args.confirmed_by,
        at=at,
        expected_version=args.version,
    )
    print_outcome(case, args)
    return 0


cmd_new_user = _step(
    lambda s, a, args: s.super_user_cases.set_new_super_user(
        a,
        args.reference,
        title=args.title or "",
        given_name=args.given,
        family_name=args.family,
        email=args.email,
        phone=args.phone or "",
        verification_provided=args.verification,
        expected_version=args.version,
    )
)
cmd_reject = _step(
    lambda s, a, args: s.super_user_cases.reject(
        a, args.reference, args.reason, expected_version=args.version
    )
)
cmd_complete = _step(
    lambda s, a, args: s.super_user_cases.complete(
        a, args.reference, args.handed_to, expected_version=args.version
    )
)


def cmd_approve(ctx: Context, args: argparse.Namespace) -> int:
    """Approve: the core creates the account and returns its one-time password, which is
    written to the terminal opened BEFORE approving (none: refused, nothing approved) and
    nowhere else."""
    shown_on = terminal.open_terminal(stdout_allowed=not args.json)
    if shown_on is None:
        raise NoTerminal(NO_TERMINAL)
    try:
        services, actor = _acting(ctx, args)
        approval = services.super_user_cases.approve(
            actor, args.reference, expected_version=args.version
        )
        case = approval.case
        if not shown_on.to_stdout:
            if args.json:
                print_json({
                    "case": plain(case),
                    "username": approval.username,
                    "one_time_password": None,
                    "one_time_password_shown_on": shown_on.where,
                })  # fmt: skip
            else:
                _print_approved(case, approval.username)
                print(f"one-time password: shown once on {shown_on.where}, not in this output")
        else:
            _print_approved(case, approval.username)
        try:
            shown_on.show_once(
                f"One-time password for {approval.username} (shown once, never again; they"
                f" change it at first sign-in): {approval.one_time_password}"
            )
        except OSError as exc:
            raise LrsError(
                f"{case.reference} was approved and {approval.username} created, but the"
                f" one-time password could not be shown ({exc.strerror or exc})"
            ) from None
    finally:
        shown_on.close()
    return 0


def _print_approved(case: SuperUserCaseView, username: str) -> None:
    print(f"{case.reference}: approved; super user {shown(username)} created for"
          f" {shown(case.organisation.name)}")  # fmt: skip
    old = case.old_super_user
    if old is not None:
        print(f"old super user: {shown(case.old_account_fate)}")
    note(
        "give the one-time password to the new super user by the checked route, then run"
        f" `lrs-desk su-case complete {case.reference} --handed-to NAME`"
    )


# --- the parser -------------------------------------------------------------------------------


def add_su_case_commands(commands: Any, add: Add) -> None:
    """Add `su-case ...` to the `lrs-desk` parser (``add`` is build_parser's helper)."""
    group = commands.add_parser(
        "su-case",
        help="super-user reinstatement (§3.6): an admin prepares the case, a second approves",
    ).add_subparsers(dest="su_case_command", metavar="ACTION", required=True)

    open_ = add(
        group,
        "open",
        cmd_open,
        "open a case for an organisation that has lost its only super user (a Change of"
        " Super User form came); refused while it has another active super user (named)",
    )
    open_.add_argument("ukprn", metavar="UKPRN", help="the organisation's UKPRN (8 digits)")
    open_.add_argument(
        "--reason",
        required=True,
        choices=[r.value for r in SuperUserLossReason],
        help="the form's reason: the only super user is suspended and cannot answer the"
        " security question, is on long-term leave, or has left (checked against the data)",
    )
    open_.add_argument(
        "--received", required=True, metavar="DATE", help=f"when the form arrived: {DATE_FORMS}"
    )
    open_.add_argument(
        "--old-username", metavar="U", help="the super user the form is about, if several fit"
    )
    open_.add_argument(
        "--form-phone",
        metavar="P",
        help="the telephone number the form gives (recorded: never the one to call back)",
    )

    listing = add(group, "list", cmd_list, "super-user cases, newest first")
    listing.add_argument("--status", choices=[s.value for s in SuperUserCaseStatus])
    listing.add_argument("--ukprn", help="one organisation's cases")

    def on_case(name: str, handler: Any, help_text: str) -> argparse.ArgumentParser:
        sub = add(group, name, handler, help_text)
        sub.add_argument("reference", help="the case's reference, SU-<UKPRN>-<nnnn>")
        return sub

    def step(name: str, handler: Any, help_text: str) -> argparse.ArgumentParser:
        sub = on_case(name, handler, help_text)
        sub.add_argument("--version", type=count(1), metavar="N", help=VERSION_HELP)
        return sub

    show = on_case(
        "show",
        cmd_show,
        "a case: the reason against the data, each recorded check, the new super user, what"
        " is missing, the decision and the timeline (the second admin's review)",
    )
    check = step(
        "check",
        cmd_check,
        "record the form's signatory: manager status or above, hand-signed (a typed name is"
        " refused), whether they signed the Organisation Agreement",
    )
    check.add_argument("--signatory", required=True, metavar="NAME", help="who signed the form")
    check.add_argument("--job-title", required=True, metavar="T", help="their job title")
    manager = check.add_mutually_exclusive_group(required=True)
    manager.add_argument("--manager", dest="manager", action="store_true",
                         help="of manager status or above")  # fmt: skip
    manager.add_argument("--not-manager", dest="manager", action="store_false")
    agreement = check.add_mutually_exclusive_group(required=True)
    agreement.add_argument(
        "--signed-agreement",
        dest="signed_agreement",
        action="store_true",
        help="they signed the Organisation Agreement",
    )
    agreement.add_argument("--not-signed-agreement", dest="signed_agreement", action="store_false")
    check.add_argument(
        "--signature",
        required=True,
        choices=list(SIGNATURES),
        help="how the form is signed: only a hand signature is accepted (§3.6)",
    )
    check.add_argument("--form-phone", metavar="P", help="the number the form gives, if not yet")
    new_user = step(
        "new-user",
        cmd_new_user,
        "record the new super user (§3.5.3): the username is made from the names as the"
        " portal does; never the security question or answer",
    )
    new_user.add_argument("--title", help="Mr, Mrs, Miss, Ms, Mx, Dr, Prof or Rev")
    new_user.add_argument("--given", required=True, help="given name")
    new_user.add_argument("--family", required=True, help="family name")
    new_user.add_argument("--email", required=True)
    new_user.add_argument("--phone", help="telephone (highly recommended)")
    new_user.add_argument(
        "--verification",
        required=True,
        metavar="TEXT",
        help="the organisation's own check (a staff ID, a school email): never the security answer",
    )
    callback = step(
        "callback",
        cmd_callback,
        "record the call-back, after check and new-user: you phoned the organisation on the"
        " register's number (never the form's) and someone confirmed the request, the"
        " signatory and the new super user; changing either later clears it (§3.6)",
    )
    callback.add_argument(
        "--dialled", required=True, metavar="NUMBER", help="the number you dialled"
    )
    callback.add_argument(
        "--confirmed-by",
        required=True,
        metavar='"NAME, ROLE"',
        help="who confirmed the request (the signatory and the new super user), and their role",
    )
    callback.add_argument(
        "--at",
        metavar="DATETIME",
        help="when you called (default now): 14:05, 23/11/2026 14:05 or ISO 8601; UK time",
    )
    approve = step(
        "approve",
        cmd_approve,
        "a second admin approves: creates the account; its one-time password is shown once,"
        " on the terminal only (never in --json or a redirected output); --version N (the"
        " version your review printed) is required",
    )
    reject = step("reject", cmd_reject, "a second admin rejects the case, with a reason")
    reject.add_argument("--reason", required=True, help="why (kept with the case)")
    complete = step(
        "complete",
        cmd_complete,
        "the one-time password reached the new super user: close the case",
    )
    complete.add_argument(
        "--handed-to", required=True, metavar="NAME", help="whom it was given to, and how"
    )

    for sub in (open_, listing, show, check, callback, new_user, approve, reject, complete):
        sub.add_argument("--operator", required=True, help=OPERATOR_HELP)
        sub.add_argument("--json", action="store_true", help="machine-readable output")
