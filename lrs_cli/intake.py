"""`lrs-desk intake ...`: the encrypted-passphrase intake from the command line (User Guide
§1.4, §7.1; DOMAIN.md "Security and the encrypted intake"; issue 13 item 7).

Providers email the desk learner data in an encrypted file and phone the passphrase in. The
mailbox delivers into a folder, ``scan`` (cron) takes in what it holds, ``add`` takes one
``.eml`` by hand; the core checks every email for §1.4's breaches before anyone opens
anything (a breach opens an incident on the sender's organisation, ``incident ...``); ``open``
decrypts in memory with the phoned passphrase and matches every row against the register,
``rows`` shows the outcome per row, ``match`` matches again (``--map`` corrects the header's
mapping), ``export`` writes the results for the sender as an AES zip under a new passphrase,
``close`` deletes what was decrypted and schedules the message's disposal, ``purge`` (cron)
deletes what is due.

Every command is a thin call of :class:`lrs_core.services.intake.IntakeService` or
:class:`lrs_core.services.breach_incidents.BreachIncidentService` as a signed-in operator
(``--operator NAME``, or ``--as NAME``), so every rule, refusal and audit event is the core's.
``scan`` and ``purge`` run with no operator for cron, as ``system:intake-scan`` and
``system:intake-purge``. Every refusal is one line on stderr and exit 2 (``main``'s handler).
Whatever came from outside (a subject, a file name, a sender) is printed through ``shown()``.

**The provider's passphrase** (``open``) comes only from a prompt with echo off (``getpass``)
when standard input is a terminal, else from ``LRS_INTAKE_PASSPHRASE`` (a job with no
terminal); never from an argument, which would put it in the shell's history and in the
process list for anyone on the machine to read. It is wrapped in
:class:`lrs_core.intake.passphrase.Passphrase` at once and never printed: what falls short of
the guidance is advice, naming what is missing, never the passphrase.

**The export's new passphrase** is shown once, on the terminal only, as ``su-case approve``
shows a one-time password (:mod:`lrs_cli.terminal`): never in ``--json`` output (which carries
``"passphrase": null`` and where it was shown) or a redirected stdout; with no terminal,
``export`` refuses before exporting, so no file exists whose passphrase nobody saw.

``intake sample`` writes one of the demo's synthetic emails (``lrs_core.intake.samples``) to a
file, to try the intake on (its passphrase is the published demo one).

``main.py`` registers the commands with :func:`add_intake_commands`; nothing here imports
``main``.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lrs_cli import terminal
from lrs_cli.command import Add, Context, count, signed_in
from lrs_cli.output import human, labelled, note, plain, print_json
from lrs_core.actor import Actor, SystemTask
from lrs_core.domain.kinds import IntakeStatus, LadderStep
from lrs_core.domain.text import shown
from lrs_core.domain.values import OutcomeCode, quoted
from lrs_core.errors import ConfigurationError, LrsError, ValidationError
from lrs_core.files import (
    PRIVATE_FILE,
    FileRefused,
    check_path,
    new_file_path,
    private_dir,
    reason,
)
from lrs_core.intake.passphrase import Passphrase
from lrs_core.services import Services
from lrs_core.services.breach_incidents import IncidentView
from lrs_core.services.intake import (
    IntakeCaseView,
    IntakeRow,
    IntakeRows,
    RowResult,
    WrongPassphraseTries,
)

if TYPE_CHECKING:
    from lrs_core.intake.samples import Sample

PASSPHRASE_VARIABLE = "LRS_INTAKE_PASSPHRASE"
OPERATOR_HELP = (
    "act as this operator, an analyst (password: LRS_OPERATOR_PASSWORD, code if needed:"
    " LRS_OPERATOR_CODE, or asked)"
)
SYSTEM_HELP = (
    "act as this operator; left out (cron), the job acts as LRS Desk itself ({task}),"
    " audited as such"
)
VERSION_HELP = (
    "act only if it is still at this version (the version `show` printed): one another"
    " analyst changed since is refused; without it the command acts on it as it is now"
)
NO_TERMINAL = (
    "export needs a terminal: the export's new passphrase is shown there once (nothing was"
    " exported)"
)
INVALID = "INVALID"  # a row that fails validation: no search was made
# How many candidates a row's line shows (the core gives at most 3).
EXIT_REFUSED_MESSAGES = 1


class NoTerminal(LrsError):
    """The export's passphrase has nowhere it may be shown: nothing was exported."""


# --- the passphrase ---------------------------------------------------------------------------


def read_passphrase(reference: str) -> Passphrase:
    """The passphrase the sender phoned in: typed at a prompt with echo off when standard
    input is a terminal, else ``LRS_INTAKE_PASSPHRASE``; never an argument. Refused, saying
    how to give it, when there is neither."""
    if sys.stdin is not None and sys.stdin.isatty():
        try:
            text = getpass.getpass(
                f"passphrase the sender phoned in for {shown(reference)} (not shown as you type): "
            )
        except EOFError:  # ctrl+d at the prompt: nothing typed
            text = ""
    else:
        found = os.environ.get(PASSPHRASE_VARIABLE)
        if found is None:
            raise ConfigurationError(
                f"no passphrase: run from a terminal to be asked (it is not shown as you type),"
                f" or set {PASSPHRASE_VARIABLE} for a job with no terminal; never give it as an"
                " argument"
            )
        text = found
    if not text.strip():
        raise ValidationError("Passphrase", "is required: type the passphrase the sender phoned in")
    return Passphrase(text)


# --- output -----------------------------------------------------------------------------------


def outcome_label(code: str) -> str:
    """An outcome code's meaning, as the LRS gives it; a row that fails validation says so."""
    if code == INVALID:
        return "fails validation (not searched)"
    try:
        return OutcomeCode(code).meaning
    except ValueError:
        return code


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def case_line(row: IntakeRow) -> str:
    """One case on one line, as the queue lists it."""
    breach = "BREACH " if row.breach else ""
    rows = f" {plural(row.row_count, 'row')}" if row.row_count is not None else ""
    org = f"  {shown(row.organisation)}" if row.organisation else ""
    return (
        f"{row.reference}  {row.status:<19} {breach:<7}{human(row.received_at)}"
        f"  {shown(row.sender_email)}{org}  {plural(row.attachments, 'attachment')}{rows}"
        f"  {shown(row.subject)}"
    )


def print_counts(counts: Mapping[str, int], heading: str) -> None:
    """Rows matched: how many per outcome, as the LRS codes them."""
    print(heading)
    for code, n in sorted(counts.items()):
        print(f"  {shown(code):<9} {outcome_label(code):<40} {n:>6,}")


def row_counts(rows: IntakeRows) -> dict[str, int]:
    return dict(Counter(r.outcome for r in rows.rows))


def print_case(case: IntakeCaseView) -> None:
    """The case as its screen shows it: the breach findings FIRST, then the sender, the
    attachments, where it stands (tries left, the guidance), the incident, the rows matched,
    and last the body (findings masked)."""
    row = case.row
    breach = "  BREACH" if row.breach else ""
    print(f"{row.reference}  {row.status}{breach}")
    if case.findings:
        print(f"Breach findings ({len(case.findings)}), User Guide §1.4:")
        for finding in case.findings:
            print(f"  {finding.rule}: {shown(finding.wording)}")
            by = f" by {shown(finding.found_by)}" if finding.found_by else " on receipt"
            print(
                f"    in {shown(finding.location)}: {shown(finding.summary)}"
                f" (found {human(finding.found_at)}{by})"
            )
    else:
        print("Breach findings: none")
    print()
    name = f"{case.sender_name} <{row.sender_email}>" if case.sender_name else row.sender_email
    labelled("Sender", name)
    labelled("Portal user", case.portal_user)
    labelled("Organisation", row.organisation or "not known to the directory")
    if case.sender_set_by:
        labelled("", f"set by {case.sender_set_by}")
    labelled("Subject", row.subject or "(none)")
    labelled("Sent", case.sent_at)
    labelled("Received", row.received_at)
    if case.attachments:
        print(f"Attachments ({len(case.attachments)}):")
        for a in case.attachments:
            print(
                f"  {a.position}. {shown(a.filename)}  {a.kind}  {plural(a.size, 'byte')}"
                f"  SHA-256 {a.sha256}"
            )
    else:
        labelled("Attachments", "none")
    labelled("Status", str(row.status))
    if row.status in (IntakeStatus.AWAITING_PASSPHRASE, IntakeStatus.NEW_FILE_NEEDED):
        total = case.passphrase_tries + case.tries_left
        labelled("Tries left", f"{case.tries_left} of {total}")
    if case.passphrase_guidance_met is not None:
        labelled(
            "Passphrase",
            "met the guidance"
            if case.passphrase_guidance_met
            else "did not meet the guidance (at least 15 characters, letters, digits, symbols)",
        )
    labelled("Incident", case.incident)
    if case.outcome_counts:
        rows = sum(case.outcome_counts.values())
        labelled("Rows", f"{plural(rows, 'row')} matched")
        for code, n in sorted(case.outcome_counts.items()):
            print(f"{'':<14} {shown(code):<9} {outcome_label(code):<40} {n:>6,}")
    if case.opened_at is not None:
        labelled("Opened", f"{human(case.opened_at)} by {case.opened_by}")
    if case.closed_at is not None:
        labelled("Closed", f"{human(case.closed_at)} by {case.closed_by}")
        labelled("Reason", case.close_reason)
    labelled("Dispose after", case.dispose_after)
    labelled("Disposed", case.disposed_at)
    labelled("Version", str(row.row_version))
    if case.body.strip():
        print()
        print("Body (findings masked):")
        for line in case.body.splitlines():
            print(f"  {shown(line)}".rstrip())


def next_step(case: IntakeCaseView) -> str:
    """What the case waits for, as the next command to run."""
    ref = case.row.reference
    return {
        IntakeStatus.NEW: f"nothing to open: read the findings, then `lrs-desk intake close {ref}"
        " --reason TEXT`",
        IntakeStatus.AWAITING_PASSPHRASE: "when the sender phones the passphrase:"
        f" `lrs-desk intake open {ref}`",
        IntakeStatus.NEW_FILE_NEEDED: "too many wrong passphrases: ask the sender for a new file",
        IntakeStatus.OPEN: f"`lrs-desk intake rows {ref}`, then export or close it",
        IntakeStatus.CLOSED: "closed: `lrs-desk intake purge` disposes of it when due",
        IntakeStatus.DISPOSED: "disposed of: nothing of it remains",
    }[case.row.status]


def rows_json(rows: IntakeRows, *, with_rows: bool) -> dict[str, Any]:
    """An open case's rows as --json gives them (``with_rows``: each row, a look at personal
    data; else the counts only)."""
    data: dict[str, Any] = {
        "reference": rows.reference,
        "source": rows.source,
        "header": list(rows.header),
        "mapping": {str(i): f for i, f in sorted(rows.mapping.items())},
        "row_count": len(rows.rows),
        "outcome_counts": row_counts(rows),
        "row_version": rows.row_version,
    }
    if with_rows:
        data["rows"] = [plain(r) for r in rows.rows]
    return data


def mapping_line(rows: IntakeRows) -> str:
    """The header's mapping: column number (1 first), its heading, the learner field."""
    parts = []
    for i, heading in enumerate(rows.header):
        field = rows.mapping.get(i)
        parts.append(f"{i + 1} {shown(heading)}" + (f" -> {field}" if field else " (not used)"))
    return "; ".join(parts)


def print_matched(rows: IntakeRows, what: str) -> None:
    print(f"{rows.reference}: {what} {plural(len(rows.rows), 'row')} from {shown(rows.source)}")
    print(f"columns: {mapping_line(rows)}")
    print_counts(row_counts(rows), "rows matched:")


def candidates_text(row: RowResult) -> str:
    if row.uln:
        best = next((c for c in row.candidates if c.uln == row.uln), None)
        return row.uln + (f" {shown(best.name)}" if best else "")
    return ", ".join(f"{c.uln} {shown(c.name)} ({c.score:.2f})" for c in row.candidates) or "-"


def print_rows(rows: IntakeRows, outcome: str | None) -> int:
    shown_rows = [r for r in rows.rows if outcome is None or r.outcome == outcome]
    print(
        f"{rows.reference}: {plural(len(rows.rows), 'row')} from {shown(rows.source)}"
        + (f", {len(shown_rows):,} with outcome {outcome}" if outcome else "")
    )
    print(f"{'row':>6}  {'outcome':<9} {'as sent':<28} {'ULN / candidates':<40} errors")
    for r in shown_rows:
        sent = " ".join(
            v for v in (r.values.get("given_name", ""), r.values.get("family_name", "")) if v
        )
        errors = "; ".join(f"{label}: {rule}" for label, rule in r.errors)
        print(
            f"{r.number:>6}  {shown(r.outcome):<9} {shown(sent):<28.28}"
            f" {candidates_text(r):<40} {shown(errors)}".rstrip()
        )
    return 0


def print_incident(incident: IncidentView) -> None:
    """The incident and §1.4's ladder: each step done (by whom, when, the note), the one
    proposed next and why."""
    print(f"{incident.reference}  {incident.status}  (intake case {incident.case_reference})")
    labelled("Organisation", incident.organisation or "not known to the directory")
    labelled("Portal user", incident.portal_user)
    labelled("Opened", incident.opened_at)
    if incident.findings:
        print("Findings:")
        for wording in incident.findings:
            print(f"  - {shown(wording)}")
    print("Escalation ladder (User Guide §1.4):")
    for n, step in enumerate(incident.ladder, 1):
        if step.done_at is not None:
            mark = "done"
        elif step.proposed:
            mark = "NEXT"
        else:
            mark = "    "
        print(f"  {mark}  {n}. {shown(step.wording)}  [{step.step}]")
        if step.done_at is not None:
            print(f"          {human(step.done_at)} by {shown(step.done_by or '')}")
            if step.note:
                print(f"          {shown(step.note)}")
    if incident.proposed is not None:
        labelled("Proposed", f"{incident.proposed}: {incident.why}")
    else:
        labelled("Why", incident.why)
    if incident.history:
        labelled("History", ", ".join(incident.history))
    labelled("Version", str(incident.row_version))


# --- commands ---------------------------------------------------------------------------------


def _acting(ctx: Context, args: argparse.Namespace) -> tuple[Services, Actor]:
    services = ctx.services()
    return services, signed_in(ctx, services, args.operator)


def _acting_or_system(
    ctx: Context, args: argparse.Namespace, task: SystemTask
) -> tuple[Services, Actor]:
    """The named operator, or (cron: no --operator) LRS Desk itself doing ``task``."""
    services = ctx.services()
    if args.operator is None:
        return services, Actor.system(task)
    return services, signed_in(ctx, services, args.operator)


def cmd_scan(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting_or_system(ctx, args, "intake-scan")
    result = services.intake.scan(actor, args.folder)
    if args.json:
        print_json(result)
    elif not (args.quiet and not result.refused):
        folder = args.folder or ctx.settings.intake.mailbox_path or "the mailbox"
        print(
            f"scanned {shown(str(folder))}: {len(result.added)} added,"
            f" {result.already} already received, {len(result.refused)} refused"
        )
        for reference in result.added:
            print(f"added {reference}")
        for name, why in result.refused:
            print(f"refused {shown(name)}: {shown(why)}")
    return EXIT_REFUSED_MESSAGES if result.refused else 0


def cmd_add(ctx: Context, args: argparse.Namespace) -> int:
    path = check_path(args.file, "File")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise FileRefused(f"cannot read {path}: {reason(error)} (nothing was added)") from None
    services, actor = _acting(ctx, args)
    case = services.intake.receive(actor, raw, sender_email=args.sender, source=path.name)
    if args.json:
        print_json(case)
        return 0
    print(f"received {case.row.reference} from {shown(case.row.sender_email)}")
    print_case(case)
    print(f"next: {next_step(case)}")
    return 0


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting(ctx, args)
    status = IntakeStatus(args.status) if args.status else None
    cases = services.intake.queue(actor, status, breach=True if args.breach else None)
    if args.json:
        print_json({"cases": cases})
        return 0
    for case in cases:
        print(case_line(case))
    print(plural(len(cases), "case"))
    return 0


def cmd_show(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting(ctx, args)
    case = services.intake.show(actor, args.reference)
    if args.json:
        print_json(case)
        return 0
    print_case(case)
    print(f"next: {next_step(case)}")
    return 0


def cmd_sender(ctx: Context, args: argparse.Namespace) -> int:
    if args.ukprn is None and args.username is None:
        raise ValidationError("Sender", "name the portal user (--username) or the organisation"
                              " (--ukprn) who sent it")  # fmt: skip
    services, actor = _acting(ctx, args)
    case = services.intake.set_sender(
        actor,
        args.reference,
        ukprn=args.ukprn,
        username=args.username,
        expected_version=args.version,
    )
    if args.json:
        print_json(case)
        return 0
    who = case.portal_user or case.row.sender_email
    org = case.row.organisation or "no organisation"
    print(f"{case.row.reference}: sender set to {shown(who)}, {shown(org)}"
          f" (version {case.row.row_version})")  # fmt: skip
    return 0


def cmd_open(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting(ctx, args)
    passphrase = read_passphrase(args.reference)
    try:
        result = services.intake.open(
            actor, args.reference, passphrase, expected_version=args.version
        )
    except WrongPassphraseTries as wrong:
        message = str(wrong)
        if "left" not in message:
            message += f" ({plural(wrong.tries_left, 'try', 'tries')} left)"
        raise LrsError(message) from None
    case, rows = result.view, result.rows
    if args.json:
        print_json({
            "case": plain(case),
            "guidance_met": result.guidance_met,
            "advice": list(result.advice),
            **rows_json(rows, with_rows=False),
        })  # fmt: skip
        return 0
    if result.guidance_met:
        print(f"{case.row.reference}: opened; the passphrase meets the guidance")
    else:
        print(f"{case.row.reference}: opened; the passphrase falls short of the guidance:")
        for line in result.advice:
            print(f"  - {shown(line)}")
        print("  (advice for the sender: it opened the file all the same)")
    new = [f for f in case.findings if f.found_by is not None]
    for finding in new:
        note(f"breach: {finding.wording} ({finding.location}: {finding.summary})")
    if case.incident:
        print(f"breach incident: {case.incident} (`lrs-desk intake incident show {case.incident}`)")
    print_matched(rows, "matched")
    print(f"next: `lrs-desk intake rows {case.row.reference}`")
    return 0


def cmd_rows(ctx: Context, args: argparse.Namespace) -> int:
    outcome = args.outcome.strip().upper() if args.outcome else None
    known = [c.value for c in OutcomeCode] + [INVALID]
    if outcome is not None and outcome not in known:
        raise ValidationError(
            "Outcome", f"must be one of {', '.join(known)}, not {quoted(args.outcome)}"
        )
    services, actor = _acting(ctx, args)
    rows = services.intake.rows(actor, args.reference)
    if args.json:
        data = rows_json(rows, with_rows=True)
        if outcome is not None:
            data["rows"] = [r for r in data["rows"] if r["outcome"] == outcome]
        print_json(data)
        return 0
    return print_rows(rows, outcome)


def parse_map(items: Sequence[str], rows: IntakeRows) -> dict[int, str]:
    """``COL=field`` corrections applied to the case's mapping: COL a column's number (1
    first) or its heading; ``field`` a learner field, or nothing (``COL=``) to leave the
    column out. A field moved to another column leaves the column it was on. Whether the
    fields are learner fields is the core's check."""
    mapping = dict(rows.mapping)
    for item in items:
        column, sep, field = item.partition("=")
        if not sep:
            raise ValidationError("Mapping", f"write COL=field, not {quoted(item)}")
        column, field = column.strip(), field.strip()
        index = _column(column, rows.header)
        if not field:
            mapping.pop(index, None)
            continue
        for other in [i for i, f in mapping.items() if f == field and i != index]:
            del mapping[other]
        mapping[index] = field
    return mapping


def _column(column: str, header: Sequence[str]) -> int:
    if column.isdigit():
        index = int(column) - 1
        if not 0 <= index < len(header):
            raise ValidationError(
                "Mapping", f"column {column} is not in the sheet (columns 1 to {len(header)})"
            )
        return index
    folded = column.casefold()
    found = [i for i, heading in enumerate(header) if heading.strip().casefold() == folded]
    if len(found) != 1:
        why = "names no column" if not found else "names more than one column: use its number"
        raise ValidationError("Mapping", f"{quoted(column)} {why}")
    return found[0]


def cmd_match(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting(ctx, args)
    if args.map:
        current = services.intake.rows(actor, args.reference)
        mapping = parse_map(args.map, current)
        rows = services.intake.remap(actor, args.reference, mapping, expected_version=args.version)
        what = "mapping corrected; matched again"
    else:
        if args.version is not None:
            raise ValidationError("Version", "--version goes with --map (the mapping it corrects)")
        rows = services.intake.match(actor, args.reference)
        what = "matched again"
    if args.json:
        print_json(rows_json(rows, with_rows=False))
        return 0
    print_matched(rows, what + ":")
    return 0


def cmd_export(ctx: Context, args: argparse.Namespace) -> int:
    """The results for the sender as an AES zip under a new passphrase, shown once on the
    terminal opened BEFORE exporting (none: refused, nothing written) and nowhere else."""
    shown_on = terminal.open_terminal(stdout_allowed=not args.json)
    if shown_on is None:
        raise NoTerminal(NO_TERMINAL)
    try:
        services, actor = _acting(ctx, args)
        export = services.intake.export(actor, args.reference, args.out)
        if args.json:
            print_json({
                "reference": args.reference,
                "path": str(export.path),
                "rows": export.rows,
                "passphrase": None,
                "passphrase_shown_on": shown_on.where,
            })  # fmt: skip
        else:
            print(
                f"{shown(args.reference)}: wrote {shown(str(export.path))}"
                f" ({plural(export.rows, 'row')}, an AES-256 zip)"
            )
            if not shown_on.to_stdout:
                print(f"its passphrase: shown once on {shown_on.where}, not in this output")
            note(
                "phone the passphrase to the sender (never email it with the file); it is not"
                " kept anywhere and cannot be shown again"
            )
        try:
            shown_on.show_once(
                f"Passphrase of {shown(args.reference)}'s export (shown once, never again; phone it"
                f" to the sender): {export.passphrase.reveal()}"
            )
        except OSError as exc:
            raise LrsError(
                f"{args.reference}: {export.path} was written, but its passphrase could not be"
                f" shown ({reason(exc)}): delete the file and export again"
            ) from None
    finally:
        shown_on.close()
    return 0


def cmd_close(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting(ctx, args)
    case = services.intake.close(actor, args.reference, args.reason, expected_version=args.version)
    if args.json:
        print_json(case)
        return 0
    print(f"{case.row.reference}: closed; what was decrypted from it is deleted")
    if case.dispose_after is not None:
        print(
            f"the message is kept sealed until {human(case.dispose_after)}, then"
            " `lrs-desk intake purge` deletes it"
        )
    return 0


def cmd_purge(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting_or_system(ctx, args, "intake-purge")
    result = services.intake.purge(actor)
    if args.json:
        print_json(result)
        return 0
    if args.quiet:
        return 0
    print(
        f"purged {plural(len(result.purged), 'case')} due for disposal"
        f" ({plural(result.bytes_deleted, 'byte')} deleted)"
    )
    for reference in result.purged:
        print(f"disposed of {reference}")
    return 0


def _write_sample(path: Path, raw: bytes) -> None:
    """A new file (never over one), readable by its owner alone like every file LRS Desk
    writes."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except OSError as error:
        raise FileRefused(f"cannot write {path}: {reason(error)} (nothing was written)") from None
    with os.fdopen(fd, "wb") as file:
        file.write(raw)


def _sample_note(sample: Sample) -> str:
    from lrs_core.intake.samples import DEMO_PASSPHRASE

    if sample.passphrase is None:
        return "nothing to open"
    if sample.passphrase.reveal() == DEMO_PASSPHRASE:
        return "the sender phones the demo passphrase README gives"
    return "the sender's own passphrase (samples.py)"


def cmd_sample(ctx: Context, args: argparse.Namespace) -> int:
    """Write the demo's synthetic emails: one to a file, or all into a folder (a mailbox for
    ``scan --folder``); with neither, list them. No database, no operator: nothing in them
    is anyone's data."""
    from lrs_core.db.types import utcnow
    from lrs_core.intake.samples import samples  # made (and its libraries loaded) when asked
    from lrs_core.services.demo_intake import demo_rows, this_morning

    made = {s.name: s for s in samples(demo_rows(), sent_at=this_morning(utcnow()))}
    if args.name is None and not args.all:
        if args.json:
            print_json({"samples": [
                {"name": s.name, "expected_rules": list(s.expected_rules)} for s in made.values()
            ]})  # fmt: skip
            return 0
        for s in made.values():
            rules = ", ".join(s.expected_rules) or "no breach"
            print(f"{s.name:<20} {rules}; {_sample_note(s)}")
            if s.note:
                print(f"{'':<20} {shown(s.note)}")
        return 0
    if args.out is None:
        what = "the folder to write them in" if args.all else "the .eml file to write"
        raise ValidationError("Out", f"name {what} with --out")
    written: list[tuple[Sample, Path]] = []
    if args.all:
        if args.name is not None:
            raise ValidationError("Sample", "name one sample or give --all, not both")
        folder = check_path(args.out, "Out")
        try:
            private_dir(folder, tighten=False)
        except OSError as error:
            raise FileRefused(f"cannot make the folder {folder}: {reason(error)}") from None
        # Numbered in the samples' order: a scan of the folder takes them in that order.
        for n, sample in enumerate(made.values(), 1):
            path = new_file_path(folder / f"{n:02d}-{sample.name}.eml", "Out")
            _write_sample(path, sample.raw)
            written.append((sample, path))
    else:
        found = made.get(args.name)
        if found is None:
            raise ValidationError(
                "Sample", f"{quoted(args.name)} is not one: choose from {', '.join(made)}"
            )
        path = new_file_path(args.out, "Out")
        _write_sample(path, found.raw)
        written.append((found, path))
    if args.json:
        print_json({"written": [
            {"name": s.name, "path": str(p), "bytes": len(s.raw),
             "expected_rules": list(s.expected_rules), "has_passphrase": s.passphrase is not None}
            for s, p in written
        ]})  # fmt: skip
        return 0
    for sample, path in written:
        print(
            f"wrote {shown(str(path))}: the synthetic sample {sample.name}"
            f" ({plural(len(sample.raw), 'byte')}); {_sample_note(sample)}"
        )
    target = shown(str(args.out))
    if args.all:
        print(f"take them in with `lrs-desk intake scan --folder {target}`")
    else:
        print(f"take it in with `lrs-desk intake add {target} --operator NAME`")
    return 0


def cmd_incident_show(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting(ctx, args)
    incident = services.breach_incidents.show(actor, args.reference)
    if args.json:
        print_json(incident)
    else:
        print_incident(incident)
    return 0


def cmd_incident_list(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting(ctx, args)
    incidents = services.breach_incidents.for_organisation(actor, args.ukprn)
    if args.json:
        print_json({"incidents": incidents})
        return 0
    for incident in incidents:
        done = [s.step.value for s in incident.ladder if s.done_at is not None]
        furthest = done[-1] if done else "no step yet"
        print(f"{incident.reference}  {incident.status:<6} {human(incident.opened_at)}"
              f"  case {incident.case_reference}  {furthest}")  # fmt: skip
    print(plural(len(incidents), "incident"))
    return 0


def cmd_incident_step(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting(ctx, args)
    incident = services.breach_incidents.confirm_step(
        actor, args.reference, LadderStep(args.step), args.note, expected_version=args.version
    )
    if args.json:
        print_json(incident)
        return 0
    done = next(s for s in incident.ladder if s.step == LadderStep(args.step))
    print(f"{incident.reference}: confirmed {done.step}: {shown(done.wording)}")
    _print_next(incident)
    return 0


def cmd_incident_close(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting(ctx, args)
    incident = services.breach_incidents.close(
        actor, args.reference, args.note, expected_version=args.version
    )
    if args.json:
        print_json(incident)
        return 0
    print(f"{incident.reference}: {incident.status}")
    _print_next(incident)
    return 0


def _print_next(incident: IncidentView) -> None:
    proposed = f"; proposed next: {incident.proposed}" if incident.proposed else ""
    print(f"status {incident.status}{proposed} (version {incident.row_version})")


# --- the parser -------------------------------------------------------------------------------


class _RefusePassphraseArgument(argparse.Action):
    """``--passphrase`` (or ``--password``) on ``open``: refused, without repeating what was
    given, saying why and how to give it instead."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        parser.error(
            "the passphrase is never an argument (it would land in the shell's history and"
            " the process list): `intake open` asks for it with echo off, or reads"
            f" {PASSPHRASE_VARIABLE} when there is no terminal"
        )


def add_intake_commands(commands: Any, add: Add) -> None:
    """Add `intake ...` to the `lrs-desk` parser (``add`` is build_parser's helper)."""
    group = commands.add_parser(
        "intake",
        help="encrypted learner data emailed to the desk (§1.4): breaches, decrypt, match, purge",
    ).add_subparsers(dest="intake_command", metavar="ACTION", required=True)

    def operator(sub: argparse.ArgumentParser, *, system: SystemTask | None = None) -> None:
        sub.add_argument(
            "--operator",
            "--as",
            dest="operator",
            metavar="NAME",
            required=system is None,
            help=OPERATOR_HELP if system is None else SYSTEM_HELP.format(task=f"system:{system}"),
        )
        sub.add_argument("--json", action="store_true", help="machine-readable output")

    def on_case(name: str, handler: Callable[..., int], help_text: str) -> argparse.ArgumentParser:
        sub = add(group, name, handler, help_text)
        sub.add_argument("reference", metavar="REF", help="the case's reference, IN-<date>-<n>")
        return sub

    def versioned(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument("--version", type=count(1), metavar="N", help=VERSION_HELP)
        return sub

    scan = add(
        group,
        "scan",
        cmd_scan,
        "take in every message the mailbox folder holds ([intake] mailbox_path: .eml files or"
        " a Maildir) not yet received, each checked for breaches; for cron (no --operator);"
        " exits 1 when a message was refused (it needs a look)",
    )
    scan.add_argument("--folder", type=Path, metavar="PATH", help="another folder to scan")
    scan.add_argument(
        "--quiet", action="store_true", help="say nothing unless a message was refused (cron)"
    )
    operator(scan, system="intake-scan")

    add_ = add(
        group,
        "add",
        cmd_add,
        "take in one email (.eml) by hand: checked for breaches before anyone opens it",
    )
    add_.add_argument("file", metavar="FILE", help="the .eml file")
    add_.add_argument(
        "--sender",
        metavar="EMAIL",
        help="the sender's address, when the message has no usable From:",
    )
    operator(add_)

    listing = add(group, "list", cmd_list, "the intake queue, newest first")
    listing.add_argument("--status", choices=[s.value for s in IntakeStatus])
    listing.add_argument("--breach", action="store_true", help="only cases with breach findings")
    operator(listing)

    show = on_case(
        "show",
        cmd_show,
        "a case: its breach findings first, then the sender, attachments, status, tries left,"
        " incident, rows matched",
    )
    operator(show)

    sender = versioned(
        on_case(
            "sender", cmd_sender, "set or correct who sent it: a portal user, or an organisation"
        )
    )
    sender.add_argument("--username", metavar="U", help="the sender's portal username")
    sender.add_argument("--ukprn", metavar="UKPRN", help="the sender's organisation")
    operator(sender)

    open_ = versioned(
        on_case(
            "open",
            cmd_open,
            "decrypt in memory with the passphrase the sender phoned in (asked with echo off;"
            f" with no terminal, {PASSPHRASE_VARIABLE}; never an argument) and match every row",
        )
    )
    open_.add_argument(
        "--passphrase",
        "--password",
        nargs="?",
        action=_RefusePassphraseArgument,
        help=argparse.SUPPRESS,
    )
    operator(open_)

    rows = on_case(
        "rows",
        cmd_rows,
        "the rows of an open case: number, outcome code, the ULN or best candidates, errors"
        " (a look at personal data, audited)",
    )
    rows.add_argument(
        "--outcome",
        metavar="CODE",
        help="only rows with this outcome: WSRC0001-0004, WSRC0022 or INVALID",
    )
    operator(rows)

    match = on_case(
        "match",
        cmd_match,
        "match every row again against the register as it is now; --map corrects the header's"
        " mapping first",
    )
    match.add_argument(
        "--map",
        nargs="+",
        metavar="COL=field",
        help="columns (number, 1 first, or heading) to learner fields, e.g. 3=family_name"
        " DOB=date_of_birth; COL= leaves a column out",
    )
    versioned(match)
    operator(match)

    export = on_case(
        "export",
        cmd_export,
        "write the results for the sender as an AES-256 zip under a new passphrase, shown once"
        " on the terminal only (never in --json or a redirected output); no terminal: refused",
    )
    export.add_argument("--out", required=True, type=Path, metavar="FILE", help="the zip to write")
    operator(export)

    close = versioned(
        on_case(
            "close",
            cmd_close,
            "close a case: what was decrypted is deleted now, the message at its disposal date",
        )
    )
    close.add_argument("--reason", required=True, help="why (kept with the case)")
    operator(close)

    purge = add(
        group,
        "purge",
        cmd_purge,
        "delete every closed case due for disposal ([intake] retention_days), audited; for"
        " cron (no --operator)",
    )
    purge.add_argument("--quiet", action="store_true", help="say nothing (cron); still audited")
    operator(purge, system="intake-purge")

    sample = add(
        group,
        "sample",
        cmd_sample,
        "write one of the demo's synthetic intake emails to a file, to try the intake on;"
        " with no NAME, list them",
    )
    sample.add_argument("name", nargs="?", metavar="NAME", help="the sample to write")
    sample.add_argument(
        "--all",
        action="store_true",
        help="write every sample into the folder --out names (made if missing), numbered in"
        " order: a mailbox for `intake scan --folder`",
    )
    sample.add_argument(
        "--out", type=Path, metavar="PATH", help="the .eml file to write (with --all, a folder)"
    )
    sample.add_argument("--json", action="store_true", help="machine-readable output")

    incident = group.add_parser(
        "incident", help="breach incidents and §1.4's escalation ladder"
    ).add_subparsers(dest="incident_command", metavar="ACTION", required=True)

    def on_incident(
        name: str, handler: Callable[..., int], help_text: str
    ) -> argparse.ArgumentParser:
        sub = add(incident, name, handler, help_text)
        sub.add_argument("reference", metavar="BR-REF", help="the incident's reference")
        return sub

    inc_show = on_incident(
        "show", cmd_incident_show, "an incident, its ladder and the step proposed next"
    )
    operator(inc_show)
    inc_list = add(incident, "list", cmd_incident_list, "an organisation's breach incidents")
    inc_list.add_argument("--ukprn", required=True, metavar="UKPRN")
    operator(inc_list)
    step = versioned(
        on_incident(
            "step",
            cmd_incident_step,
            "confirm a step of the ladder (the proposed one, or another with the note saying"
            " why); user-disabled and organisation-disabled suspend and disable in the portal",
        )
    )
    step.add_argument("step", metavar="STEP", choices=[s.value for s in LadderStep],
                      help=", ".join(s.value for s in LadderStep))  # fmt: skip
    step.add_argument("--note", required=True, help="what was done (kept with the step)")
    operator(step)
    inc_close = versioned(on_incident("close", cmd_incident_close, "close an incident"))
    inc_close.add_argument("--note", required=True, help="why it is closed")
    operator(inc_close)
