"""`lrs-desk`: with no arguments, the TUI; with a command, one task for scripts and set-up.

Every failure a user can cause prints one line on stderr and exits non-zero; never a
traceback. Commands run through lrs_core's services, so they obey the same rules and
write the same audit trail as the TUI.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from sqlalchemy.exc import SQLAlchemyError

from lrs_cli.bench import add_bench_commands
from lrs_cli.challenge import add_challenge_commands
from lrs_cli.command import Context, Handler, count, signed_in
from lrs_cli.intake import add_intake_commands
from lrs_cli.organisations import add_organisation_commands
from lrs_cli.output import human, shown_streams
from lrs_cli.su_case import add_su_case_commands
from lrs_core import secrets
from lrs_core.db.database import SchemaState, redact
from lrs_core.domain.learner_fields import FIELDS
from lrs_core.domain.plr import PlrView
from lrs_core.domain.text import shown
from lrs_core.domain.values import DATE_FORMS, display_date
from lrs_core.errors import (
    ConfigurationError,
    IdenticalLearner,
    LrsError,
    NotFound,
    StaleLearner,
    ValidationError,
)
from lrs_core.permissions import OperatorRole
from lrs_core.services.audit import AUDIT_KEY, Checkpoint, Verification
from lrs_core.services.learners import LearnerRecord
from lrs_core.services.plr import ReasonRequired
from lrs_core.services.search import WEAKER_LABEL, Candidate, DemographicQuery

EXIT_ERROR = 2
EXIT_AUDIT_BROKEN = 3


def print_learner(record: LearnerRecord) -> None:
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if value not in (None, "", ()):
            text = ", ".join(value) if isinstance(value, tuple) else human(value)
            print(f"{field.name:<32} {shown(text)}")


def _candidate_json(candidate: Candidate) -> dict[str, object]:
    return {
        "uln": candidate.uln,
        "score": candidate.score,
        "exact": candidate.exact,
        "given_name": candidate.given_name,
        "family_name": candidate.family_name,
        "date_of_birth": candidate.date_of_birth.isoformat(),
        "gender": candidate.gender,
        "postcode": candidate.postcode,
        "reasons": candidate.reasons(),
        "via_linked_uln": candidate.via_linked_uln,
    }


def print_candidates(candidates: Sequence[Candidate]) -> None:
    for rank, c in enumerate(candidates, 1):
        print(
            f"{rank:>2}. {c.uln}  {c.score:.2f}  {shown(c.given_name)} {shown(c.family_name)}"
            f"  born {display_date(c.date_of_birth)}  {shown(c.postcode)}"
        )
        for reason in c.reasons():
            print(f"      {shown(reason)}")


def cmd_learner_find(ctx: Context, args: argparse.Namespace) -> int:
    demographics = {
        "date_of_birth": args.dob,
        "gender": args.gender,
        "postcode": args.postcode,
        "preferred_given_name": args.preferred,
        "middle_names": args.middle,
        "previous_family_name": args.previous_family,
        "email": args.email,
        "upn": args.upn,
        "uci": args.uci,
    }
    if args.uln is not None and any(v is not None for v in demographics.values()):
        raise ValidationError(
            "ULN", "search by ULN or by personal details, not both: leave out --uln or the rest"
        )
    services = ctx.services()
    actor = signed_in(ctx, services, args.operator)
    if args.uln is None:
        query = DemographicQuery(
            given_name=args.given,
            family_name=args.family,
            **{k: v or "" for k, v in demographics.items()},
        )
        found = services.learners.find_by_details(actor, query)
        if args.json:
            print(
                json.dumps(
                    {
                        "outcome": str(found.outcome),
                        "message": found.message,
                        "widened": found.widened,
                        "candidates": [_candidate_json(c) for c in found.candidates],
                        # Never a match: shown apart when nothing is plausible.
                        "weaker": [_candidate_json(c) for c in found.weaker],
                        "ask_caller": list(found.ask_caller),
                    },
                    ensure_ascii=True,
                )
            )
        else:
            print(f"{found.outcome} {found.outcome.meaning}: {shown(found.message)}")
            print_candidates(found.candidates)
            if found.weaker:
                print(f"{WEAKER_LABEL}:")
                print_candidates(found.weaker)
        return 0 if found.candidates else 1
    result = services.learners.find_by_uln(actor, args.uln, args.given, args.family)
    if args.json:
        learner = dataclasses.asdict(result.learner) if result.learner else None
        print(
            json.dumps(
                {"outcome": str(result.outcome), "message": result.message, "learner": learner},
                default=str,
                ensure_ascii=True,
            )
        )
    else:
        print(f"{result.outcome} {result.outcome.meaning}: {shown(result.message)}")
        if result.learner:
            print_learner(result.learner)
    return 0 if result.learner else 1


def _field_values(args: argparse.Namespace) -> dict[str, str]:
    """The learner fields given on the command line (column name -> text)."""
    return {f.name: getattr(args, f.name) for f in FIELDS if getattr(args, f.name) is not None}


def cmd_learner_register(ctx: Context, args: argparse.Namespace) -> int:
    services = ctx.services()
    actor = signed_in(ctx, services, args.operator)
    confirmed = {u.strip() for u in (args.confirm or "").split(",") if u.strip()}
    result = services.learners.register(actor, _field_values(args), confirmed_ulns=confirmed)
    if args.json:
        print(
            json.dumps(
                {
                    "outcome": str(result.outcome),
                    "message": result.message,
                    "uln": result.learner.uln if result.learner else None,
                    "possible_matches": [_candidate_json(c) for c in result.possible_matches],
                    "identical_uln": result.identical_uln,
                },
                ensure_ascii=True,
            )
        )
    elif result.learner:
        print(f"registered: ULN {result.learner.uln}")
    else:
        print(f"{result.outcome} {result.outcome.meaning}: {shown(result.message)}")
        print_candidates(result.possible_matches)
        if result.possible_matches:
            ulns = ",".join(c.uln for c in result.possible_matches)
            print(
                f"not registered: if none of these is the learner, run again with --confirm {ulns}"
            )
    return 0 if result.learner else 1


def cmd_learner_update(ctx: Context, args: argparse.Namespace) -> int:
    changes = _field_values(args)
    if not changes:
        raise ValidationError("Fields", "name at least one field to change, e.g. --family-name")
    services = ctx.services()
    actor = signed_in(ctx, services, args.operator)
    original = services.learners.show(actor, args.uln)
    try:
        record = services.learners.update(actor, original, changes)
    except IdenticalLearner as refused:
        print(f"lrs-desk: {refused.code}: {shown(str(refused))}", file=sys.stderr)
        return 1
    except StaleLearner as stale:
        print(f"lrs-desk: {shown(str(stale))}", file=sys.stderr)
        for change in stale.changes:
            before, after = shown(repr(change.before)), shown(repr(change.after))
            print(f"  {change.field}: {before} -> {after}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(dataclasses.asdict(record), default=str, ensure_ascii=True))
    else:
        print(f"updated ULN {record.uln}")
        print_learner(record)
    return 0


def cmd_learner_show(ctx: Context, args: argparse.Namespace) -> int:
    services = ctx.services()
    record = services.learners.show(signed_in(ctx, services, args.operator), args.uln)
    if args.json:
        print(json.dumps(dataclasses.asdict(record), default=str, ensure_ascii=True))
    else:
        print_learner(record)
    return 0


def cmd_plr_show(ctx: Context, args: argparse.Namespace) -> int:
    services = ctx.services()
    actor = signed_in(ctx, services, args.operator)
    plr = services.plr.open(actor, args.uln, PlrView(args.view), reason=args.reason)
    if args.json:
        print(json.dumps(dataclasses.asdict(plr), default=str, ensure_ascii=True))
        return 0
    if plr.notice:
        print(shown(plr.notice))
    print(f"{plr.view.label}: ULN {plr.uln}, {shown(plr.given_name)} {shown(plr.family_name)}")
    print(shown(plr.empty_message or plr.explanation))
    for e in plr.events:
        mark = (
            f"  [challenge {shown(e.challenge.reference)}: {e.challenge.status}]"
            if e.challenge
            else ""
        )
        dates = " ".join(
            f"{display_date(d) if d else '-':<11}" for d in (e.start_date, e.end_date, e.award_date)
        )
        level, grade = shown(e.level or "-"), shown(e.grade or "-")
        print(f"{e.id:>8}  {e.source:<3}  {level:<6} {grade:<5} {dates}  {shown(e.subject)}{mark}")
    return 0


def cmd_plr_report(ctx: Context, args: argparse.Namespace) -> int:
    services = ctx.services()
    actor = signed_in(ctx, services, args.operator)
    result = services.plr.report(
        actor, args.uln, out=args.out, exclude=args.exclude or (), reason=args.reason
    )
    events = f"{result.events} event{'s' if result.events != 1 else ''}"
    print(f"wrote {shown(str(result.path))} ({events})")
    return 0


def cmd_db_upgrade(ctx: Context, args: argparse.Namespace) -> int:
    before = ctx.db.schema_state()
    if ctx.db.is_sqlite:
        # The embedded database makes its audit key now, before a migration needs it, so
        # the one who set it up is told once where it lives (a deployment sets its own).
        key = ctx.db.key(AUDIT_KEY)
        if key.created:
            print(
                f"made the audit key for the embedded database; it lives in {key.where}"
                " (back it up with the database: without it the audit trail cannot be verified)"
            )
    ctx.db.upgrade()
    if not args.quiet or before is not SchemaState.CURRENT:
        print(f"database {ctx.db.display_url} is up to date (was {before})")
    return 0


def cmd_db_grant(ctx: Context, args: argparse.Namespace) -> int:
    from lrs_core.db.roles import grant_application_role

    for grant in grant_application_role(ctx.db, args.role):
        print(f"{args.role}: {', '.join(grant.privileges)} on {grant.table}")
    return 0


def cmd_db_status(ctx: Context, args: argparse.Namespace) -> int:
    state = ctx.db.schema_state()
    print(f"{ctx.db.display_url}: {state}")
    return 0 if state is SchemaState.CURRENT else 1


def cmd_operator_add(ctx: Context, args: argparse.Namespace) -> int:
    services = ctx.services()
    if args.operator is not None:
        created = services.operators.add(
            signed_in(ctx, services, args.operator), args.name, args.role, args.display_name or ""
        )
    elif args.role != OperatorRole.ADMIN:
        raise ValidationError(
            "Operator",
            "name the admin you act as with --operator NAME (only the first admin of a new"
            " database is added without one)",
        )
    else:
        created = services.operators.bootstrap_admin(args.name, args.display_name or "")
    op = created.operator
    print(f"operator {shown(op.username)} ({op.role}) created.")
    print(
        f"one-time password (shown once; it must be changed at first sign-in): "
        f"{created.one_time_password}"
    )
    return 0


def cmd_operator_list(ctx: Context, args: argparse.Namespace) -> int:
    services = ctx.services()
    for op in services.operators.list(signed_in(ctx, services, args.operator)):
        last = human(op.last_sign_in_at) if op.last_sign_in_at else "never"
        print(f"{shown(op.username):<24} {op.role:<8} {op.status:<9} last sign-in {last}")
    return 0


def cmd_operator_reset(ctx: Context, args: argparse.Namespace) -> int:
    services = ctx.services()
    otp = services.operators.reset_password(signed_in(ctx, services, args.operator), args.name)
    print(f"new one-time password for {shown(args.name)} (shown once): {otp}")
    return 0


def cmd_operator_unlock(ctx: Context, args: argparse.Namespace) -> int:
    services = ctx.services()
    op = services.operators.unlock(signed_in(ctx, services, args.operator), args.name)
    print(f"operator {shown(op.username)} unlocked")
    return 0


def cmd_operator_reset_2fa(ctx: Context, args: argparse.Namespace) -> int:
    services = ctx.services()
    actor = signed_in(ctx, services, args.operator)
    op = services.operators.reset_second_factor(actor, args.name)
    print(f"second factor of {op.username} reset: they set up a new one at their next sign-in")
    return 0


def _checkpoints(value: str) -> list[Checkpoint]:
    """``--checkpoint``: a checkpoint pasted back, or a file of them kept over time."""
    if value.startswith("lrs-audit-checkpoint:"):
        return Checkpoint.find_all(value)
    try:
        kept = Path(value).read_text(encoding="utf-8", errors="replace")
    except (OSError, ValueError):  # not a file (or no name a file could have): the value
        return Checkpoint.find_all(value)
    return Checkpoint.find_all(kept)


def _print_broken(result: Verification) -> int:
    print(
        f"audit trail BROKEN at event {result.first_broken}: {shown(str(result.reason))} "
        f"({result.checked} events before it verified)",
        file=sys.stderr,
    )
    return EXIT_AUDIT_BROKEN


def cmd_audit_verify(ctx: Context, args: argparse.Namespace) -> int:
    checkpoints = _checkpoints(args.checkpoint) if args.checkpoint else []
    services = ctx.services()
    actor = signed_in(ctx, services, args.operator)
    result = services.audit.verify(actor, checkpoints=checkpoints)
    if not result.ok:
        return _print_broken(result)
    behind = f", {len(checkpoints)} checkpoint{'s' if len(checkpoints) != 1 else ''} held"
    print(f"audit trail intact: {result.checked} events verified{behind if checkpoints else ''}")
    return 0


def cmd_audit_checkpoint(ctx: Context, args: argparse.Namespace) -> int:
    services = ctx.services()
    result = services.audit.verify(signed_in(ctx, services, args.operator))
    if not result.ok:
        return _print_broken(result)  # a checkpoint of a broken trail would vouch for it
    if result.head is None:
        raise NotFound("the audit trail is empty: there is nothing to checkpoint yet")
    print(result.head)
    print(
        "keep this line outside the database (append it to a file kept elsewhere); check it"
        " later with: lrs-desk audit verify --checkpoint LINE-OR-FILE",
        file=sys.stderr,
    )
    return 0


def cmd_audit_tail(ctx: Context, args: argparse.Namespace) -> int:
    services = ctx.services()
    entries = services.audit.entries(signed_in(ctx, services, args.operator), limit=args.n)
    for e in reversed(entries):
        when = e.occurred_at.strftime("%Y-%m-%d %H:%M:%S")
        subject = shown(f"{e.subject_type}:{e.subject_id}") if e.subject_type else ""
        actor, action = shown(e.actor), shown(e.action)
        print(f"{e.sequence:>7} {when} {actor:<20} {action:<18} {subject:<20} {e.outcome}")
    return 0


def cmd_demo_seed(ctx: Context, args: argparse.Namespace) -> int:
    from lrs_core.services import demo

    if ctx.settings.database.url and not args.allow_configured_database:
        # The demo operators' passwords are in the README: never into a real deployment.
        if args.if_empty:
            print("demo data is seeded only into the embedded database: skipped", file=sys.stderr)
            return 0
        raise ConfigurationError(
            f"refusing to seed demo data into {ctx.db.display_url}: the demo operators' "
            "passwords are published; use --allow-configured-database for a benchmark database"
        )
    ctx.db.require_current_schema()
    if args.if_empty and not demo.is_empty(ctx.db):
        return 0
    # Into an empty database no one need sign in (`make run`'s first start); into one that
    # holds data the core asks for a signed-in admin.
    actor = None
    if args.operator is not None:
        actor = signed_in(ctx, ctx.services(), args.operator)
    learners = args.learners if args.learners is not None else ctx.settings.demo.learners
    seed = args.seed if args.seed is not None else ctx.settings.demo.seed
    started: list[bool] = []

    def progress(done: int, of: int) -> None:
        # Said once the core has let the seed go ahead: a refusal stays a single line.
        if not started:
            started.append(True)
            print(
                f"seeding {of:,} synthetic learners into {ctx.db.display_url} ...", file=sys.stderr
            )

    # The demo admin's published second factor is sealed under this database's totp-key.
    totp_key = ctx.services().key("totp-key").key
    summary = demo.seed_demo(
        ctx.db, learners=learners, seed=seed, totp_key=totp_key, actor=actor, progress=progress
    )
    challenges = ""
    from lrs_core.services import demo_challenges

    if summary.operators == len(demo.DEMO_OPERATORS) and summary.learners >= (
        demo_challenges.FROM_LEARNERS
    ):
        # A first demo seed also gets the analysts' queue: challenges of every type and status,
        # raised and worked through the services by the demo operators it has just made.
        made = demo_challenges.seed_demo_challenges(ctx.db, ctx.settings, ctx.services().clock())
        challenges = f", {len(made.references)} data challenges" if made else ""
    if summary.operators == len(demo.DEMO_OPERATORS):
        # And a super-user case prepared by demo-admin-2, waiting for demo-admin's approval.
        from lrs_core.services import demo_super_user_cases

        case = demo_super_user_cases.seed_demo_super_user_cases(
            ctx.db, ctx.settings, ctx.services().clock()
        )
        challenges += f", super-user case {case} waiting for approval" if case else ""
        # And this morning's mailbox: the seven intake samples, received and checked.
        from lrs_core.services import demo_intake

        received = demo_intake.seed_demo_intake(ctx.db, ctx.settings, ctx.services().clock())
        challenges += f", {len(received)} intake emails" if received else ""
    print(
        f"seeded {summary.learners:,} learners ({summary.linked_learners:,} linked), "
        f"{summary.events:,} learning events, {summary.organisations:,} organisations, "
        f"{summary.portal_users:,} portal users, {summary.operators} demo operators"
        f"{challenges} in {summary.seconds:.1f} s"
    )
    return 0


def cmd_config_show(ctx: Context, args: argparse.Namespace) -> int:
    s = ctx.settings
    print(f"configuration file: {s.source}")
    print(f"database: {redact(s.database_url)}")
    for section in ("accounts", "sla", "integrations", "demo"):
        for key, value in vars(getattr(s, section)).items():
            print(f"{section}.{key} = {value!r}")
    return 0


def cmd_secrets_status(ctx: Context, args: argparse.Namespace) -> int:
    if not secrets.keyring_available():
        print("no keyring backend on this machine: secrets come from LRS_SECRET_* variables")
    for name in secrets.KNOWN_SECRETS:
        print(secrets.describe(name))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lrs-desk",
        description="LRS Desk. With no command, starts the terminal application.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(
        group: argparse._SubParsersAction[argparse.ArgumentParser],
        name: str,
        handler: Handler,
        help_text: str,
    ) -> argparse.ArgumentParser:
        sub = group.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    db = commands.add_parser("db", help="database migrations").add_subparsers(
        dest="db_command", metavar="ACTION", required=True
    )
    upgrade = add(db, "upgrade", cmd_db_upgrade, "migrate the configured database to the newest")
    upgrade.add_argument("--quiet", action="store_true", help="say nothing when already current")
    add(db, "status", cmd_db_status, "say whether the database needs migrating")
    grant = add(
        db,
        "grant",
        cmd_db_grant,
        "PostgreSQL: give the application role what LRS Desk needs and no more (the audit"
        " trail: read and add only); run as the owner role after every upgrade",
    )
    grant.add_argument("role", help="the application role, e.g. lrsdesk_app")

    operator = commands.add_parser("operator", help="desk operators").add_subparsers(
        dest="operator_command", metavar="ACTION", required=True
    )
    op_add = add(
        operator, "add", cmd_operator_add, "create an operator; prints a one-time password"
    )
    op_add.add_argument("name", help="username, e.g. sam.okafor")
    op_add.add_argument("--role", required=True, choices=[r.value for r in OperatorRole])
    op_add.add_argument("--display-name", help="the name shown in LRS Desk")
    op_add.add_argument(
        "--operator",
        help="act as this admin (password: LRS_OPERATOR_PASSWORD or asked); left out only"
        " for the first admin of a database with no operator (--role admin)",
    )
    op_list = add(operator, "list", cmd_operator_list, "list operators")
    reset = add(operator, "reset-password", cmd_operator_reset, "issue a new one-time password")
    reset.add_argument("name")
    unlock = add(operator, "unlock", cmd_operator_unlock, "unlock an operator locked by failures")
    unlock.add_argument("name")
    reset_2fa = add(
        operator,
        "reset-2fa",
        cmd_operator_reset_2fa,
        "reset an operator's second factor (a lost phone); they set up a new one",
    )
    reset_2fa.add_argument("name")
    reset_2fa.add_argument(
        "--operator",
        required=True,
        help="the admin acting (password: LRS_OPERATOR_PASSWORD, code: LRS_OPERATOR_CODE, "
        "or asked)",
    )

    audit = commands.add_parser("audit", help="the audit trail").add_subparsers(
        dest="audit_command", metavar="ACTION", required=True
    )
    verify = add(
        audit, "verify", cmd_audit_verify, "check the keyed chain; exits 3 naming the first break"
    )
    verify.add_argument(
        "--checkpoint",
        metavar="LINE-OR-FILE",
        help="a checkpoint printed by `audit checkpoint`, or a file of them: each event must"
        " still be there, unchanged (catches a trail cut back or rewritten behind it)",
    )
    checkpoint = add(
        audit,
        "checkpoint",
        cmd_audit_checkpoint,
        "verify, then print the newest event's sequence, keyed hash and time, to keep outside"
        " the database",
    )
    tail = add(audit, "tail", cmd_audit_tail, "print the newest audit events")
    tail.add_argument("-n", type=count(1), default=20, help="how many (default 20)")
    for sub in (op_list, reset, unlock, verify, checkpoint, tail):
        sub.add_argument(
            "--operator",
            required=True,
            help="act as this admin (password: LRS_OPERATOR_PASSWORD or asked)",
        )

    demo = commands.add_parser("demo", help="synthetic demo data").add_subparsers(
        dest="demo_command", metavar="ACTION", required=True
    )
    seed = add(demo, "seed", cmd_demo_seed, "seed deterministic synthetic demo data")
    seed.add_argument("--learners", type=count(0), help="how many learners (default from config)")
    seed.add_argument("--seed", type=count(0), help="random seed (default from config)")
    seed.add_argument("--if-empty", action="store_true", help="only into an empty database")
    seed.add_argument(
        "--allow-configured-database",
        action="store_true",
        help="seed a configured (e.g. PostgreSQL) database, not just the embedded one: "
        "for benchmarks only, as it creates demo operators with published passwords",
    )
    seed.add_argument(
        "--operator",
        help="act as this admin: needed to seed a database that holds data already",
    )

    learner = commands.add_parser("learner", help="learners (as a named operator)")
    learner_actions = learner.add_subparsers(
        dest="learner_command", metavar="ACTION", required=True
    )
    find = add(
        learner_actions,
        "find",
        cmd_learner_find,
        "find a learner by ULN, given and family name, or by personal details (--dob,"
        " --gender, --postcode and optional fields); exits 1 when none matches",
    )
    find.add_argument("--uln", help="find by ULN (with --given and --family)")
    find.add_argument("--given", required=True, help="given name")
    find.add_argument("--family", required=True, help="family name")
    find.add_argument("--dob", help=f"date of birth, day first: {DATE_FORMS}")
    find.add_argument("--gender", help="0 not known, 1 male, 2 female, 9 not specified")
    find.add_argument("--postcode", help="postcode; ZZ99 9ZZ when unknown")
    find.add_argument("--preferred", help="preferred given name")
    find.add_argument("--middle", help="middle names")
    find.add_argument("--previous-family", help="previous family name")
    find.add_argument("--email")
    find.add_argument("--upn")
    find.add_argument("--uci")
    show = add(learner_actions, "show", cmd_learner_show, "every field of one learner")
    show.add_argument("uln")
    register = add(
        learner_actions,
        "register",
        cmd_learner_register,
        "register a learner for a new ULN; possible matches must be confirmed with --confirm;"
        " exits 1 when not registered",
    )
    register.add_argument(
        "--confirm", metavar="ULNS", help="comma-separated ULNs shown as possible matches"
    )
    update = add(
        learner_actions, "update", cmd_learner_update, "change fields of one learner's record"
    )
    update.add_argument("uln")
    for sub, registering in ((register, True), (update, False)):
        for spec in FIELDS:
            sub.add_argument(
                "--" + spec.name.replace("_", "-"),
                dest=spec.name,
                metavar="TEXT",
                help=spec.label
                + (f", day first: {DATE_FORMS}" if "date" in spec.name else "")
                + (" (required)" if registering and spec.required else ""),
            )
    for sub in (find, show, register, update):
        sub.add_argument(
            "--operator",
            required=True,
            help="act as this operator (password: LRS_OPERATOR_PASSWORD, code if needed: "
            "LRS_OPERATOR_CODE, or asked)",
        )
        sub.add_argument("--json", action="store_true", help="machine-readable output")

    plr = commands.add_parser("plr", help="Personal Learning Records (as a named operator)")
    plr_actions = plr.add_subparsers(dest="plr_command", metavar="ACTION", required=True)
    plr_show = add(plr_actions, "show", cmd_plr_show, "a learner's PLR events")
    plr_show.add_argument(
        "--view",
        choices=[v.value for v in PlrView],
        default=PlrView.DESK.value,
        help="org: what an organisation sees; desk (default): everything",
    )
    plr_report = add(plr_actions, "report", cmd_plr_report, "write the PLR report (PDF)")
    plr_report.add_argument(
        "--out", type=Path, help="the PDF to write (never overwritten); default under the data dir"
    )
    plr_report.add_argument(
        "--exclude", type=int, nargs="+", metavar="EVENT_ID", help="events to leave out"
    )
    for sub in (plr_show, plr_report):
        sub.add_argument("uln")
        sub.add_argument(
            "--reason", help="why you need a restricted record (audited with the look)"
        )
        sub.add_argument("--operator", required=True, help="act as this operator")
        if sub is plr_show:
            sub.add_argument("--json", action="store_true", help="machine-readable output")

    config = commands.add_parser("config", help="configuration").add_subparsers(
        dest="config_command", metavar="ACTION", required=True
    )
    add(config, "show", cmd_config_show, "print the settings in force (never secrets)")
    secret = commands.add_parser("secrets", help="where secrets come from").add_subparsers(
        dest="secrets_command", metavar="ACTION", required=True
    )
    add(secret, "status", cmd_secrets_status, "say which secrets are set, and where")
    add_challenge_commands(commands, add)
    add_organisation_commands(commands, add)
    add_su_case_commands(commands, add)
    add_intake_commands(commands, add)
    add_bench_commands(commands, add)
    return parser


def _fail(message: str, code: int = EXIT_ERROR) -> int:
    print(f"lrs-desk: {shown(message)}", file=sys.stderr)
    return code


class _Parser(argparse.ArgumentParser):
    """argparse with its complaints on one line, as every other error: what was wrong and
    where the usage is (the full usage would bury the message)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_ERROR, f"{self.prog}: error: {shown(message)} (see --help)\n")


class _Notes(logging.Handler):
    """The core's warnings (say, a database file it made private) as lines on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"lrs-desk: note: {shown(record.getMessage())}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    # Everything a command writes goes through the core's display function (lrs_cli/output).
    with shown_streams():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    core_log = logging.getLogger("lrs_core")
    if not any(isinstance(h, _Notes) for h in core_log.handlers):
        core_log.addHandler(_Notes(logging.WARNING))
    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "handler", None) is None:
            from lrs_tui.app import main as run_tui  # lazy: commands stay quick

            run_tui()
            return 0
        return int(args.handler(Context(), args))
    except ReasonRequired as exc:
        return _fail(f"error: {exc} Give it with --reason.")
    except LrsError as exc:
        return _fail(f"error: {exc}")
    except OSError as exc:
        return _fail(f"error: {exc.strerror or exc}")
    except ValueError as exc:
        # Input no rule of the core's caught (a NUL byte in a file name, say): still one line.
        return _fail(f"error: {exc}")
    except SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", exc)).strip().splitlines()[:1] or [type(exc).__name__]
        return _fail(f"database error: {first[0]}")
    except KeyboardInterrupt:
        return 130


def run() -> None:
    """Console entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
