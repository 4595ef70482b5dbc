"""`lrs-desk org ...` and `lrs-desk portal-user ...`: the organisation directory, portal users
and the desk's security actions from the command line (User Guide §1.4, §3, §3.5.6.1; DOMAIN.md
"Accounts and super users"; issue 12 items 1, 2, 4 and 5).

Every command is a thin call of :class:`lrs_core.services.organisations.OrganisationService`
as a signed-in operator (``--operator``), so it obeys the same rules and writes the same audit
trail as the TUI: every operator reads the directory (each look at portal users audited);
suspending a portal user and disabling or re-enabling an organisation's portal permissions are
for admins, each with a reason. Nothing here decides a rule: a malformed UKPRN, an unknown
user, a missing reason are the core's refusals, one line on stderr, exit 2 (``main``'s handler).
Human output passes stored text through ``shown()`` and dates through the house style;
``--json`` is ASCII with ISO dates and times.

The desk does not reset passwords or unlock accounts (§3.2): ``portal-user show`` says so and
names the organisation's super users to contact, as the TUI does.

``main.py`` registers the commands with :func:`add_organisation_commands`; nothing here imports
``main``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from lrs_cli.command import Add, Context, signed_in
from lrs_cli.output import human, labelled, note, print_json
from lrs_core.actor import Actor
from lrs_core.domain.text import shown
from lrs_core.services import Services
from lrs_core.services.accounts_view import (
    ROLE_LABELS,
    CaseSummary,
    OrganisationSummary,
    OrganisationView,
    PortalUserRow,
    PortalUserView,
    SecurityActionRow,
)

OPERATOR_HELP = (
    "act as this operator (password: LRS_OPERATOR_PASSWORD, code if needed: LRS_OPERATOR_CODE,"
    " or asked)"
)
EXIT_NONE_FOUND = 1


# --- output -----------------------------------------------------------------------------------


def kind_line(org: OrganisationSummary) -> str:
    """The organisation's kind and what it is on the LRS: a learning-related body (LRB), an
    awarding organisation (AO)."""
    roles = [name for name, held in (("LRB", org.is_lrb), ("AO", org.is_ao)) if held]
    return f"{org.kind}" + (f" ({', '.join(roles)})" if roles else "")


def portal_state(org: OrganisationSummary) -> str:
    return "enabled" if org.portal_enabled else "DISABLED (the desk's security action)"


def organisation_line(org: OrganisationSummary) -> str:
    """One organisation on one line, as find lists it."""
    supers = org.active_super_users
    portal = "" if org.portal_enabled else "  [portal DISABLED]"
    return (
        f"{org.ukprn}  {shown(org.name):<36.36} {kind_line(org):<24}"
        f" {supers} active super user{'' if supers == 1 else 's'}{portal}"
    )


def role_names(roles: Sequence[Any]) -> str:
    return ", ".join(ROLE_LABELS.get(r, str(r)) for r in roles) or "no role"


def user_status(user: PortalUserRow) -> str:
    return f"{user.status}" + (" (on long-term leave)" if user.on_long_term_leave else "")


def user_flags(user: PortalUserRow) -> tuple[str, ...]:
    """What a list marks a user with: on long-term leave, then §3.3's housekeeping flags."""
    return (("on long-term leave",) if user.on_long_term_leave else ()) + user.flags


def user_line(user: PortalUserRow) -> str:
    """One portal user on one line: username, name, status, last sign-in, roles, §3.3 flags."""
    last = "never signed in"
    if user.last_sign_in_at:
        last = f"last sign-in {human(user.last_sign_in_at)}"
    flags = f"  [{'; '.join(user_flags(user))}]" if user_flags(user) else ""
    return (
        f"{shown(user.username):<24.24} {shown(user.name):<24.24} {user.status:<10}"
        f" {last:<35} {role_names(user.roles)}{flags}"
    )


def security_line(action: SecurityActionRow) -> str:
    user = f" ({shown(action.portal_username)})" if action.portal_username else ""
    return (
        f"{human(action.performed_at)}  {shown(action.operator)}: {shown(action.label)}{user}:"
        f" {shown(action.reason)}"
    )


def case_line(case: CaseSummary) -> str:
    """One super-user case on one line, as an organisation's view and `su-case list` show it."""
    missing = f"  missing: {', '.join(case.missing)}" if case.missing else ""
    new = f"  new: {shown(case.new_username)}" if case.new_username else ""
    return (
        f"{case.reference}  {case.status:<9} {case.reason:<15} received"
        f" {human(case.form_received_on)}  by {shown(case.prepared_by)}{new}{missing}"
    )


def print_organisation(view: OrganisationView) -> None:
    """The organisation as its view in the TUI shows it: what it is, its portal permissions,
    the register's number, its super users (with §3.1's warning), its users by role and
    status with §3.3's housekeeping flags, the desk's security actions and its cases."""
    org = view.summary
    print(f"{shown(org.name)}  (UKPRN {org.ukprn})")
    labelled("Kind", kind_line(org))
    labelled("Portal", portal_state(org))
    labelled("Telephone", f"{shown(view.phone)} (the register's)" if view.phone else "none held")
    labelled("Agreement", view.agreement_signatory and f"signed by {view.agreement_signatory}")
    active = org.active_super_users
    labelled("Super users", f"{active} active" + (f"; WARNING: {org.super_user_warning}"
                                                   if org.super_user_warning else ""))  # fmt: skip
    for user in view.super_users:
        print(f"  {user_line(user)}")
    print()
    by_role = ", ".join(f"{ROLE_LABELS.get(r, str(r))} {n}" for r, n in view.by_role if n)
    by_status = ", ".join(f"{s} {n}" for s, n in view.by_status if n)
    print(f"Users ({len(view.users)})")
    labelled("  by role", by_role or "none")
    labelled("  by status", by_status or "none")
    if view.flagged:
        labelled("  to review", f"{view.flagged} flagged by the annual housekeeping (§3.3)")
    for user in view.users:
        print(f"  {user_line(user)}")
    if view.security_actions:
        print()
        print("Security actions (newest first):")
        for action in view.security_actions:
            print(f"  {security_line(action)}")
    if view.cases:
        print()
        print("Super-user cases (newest first):")
        for case in view.cases:
            print(f"  {case_line(case)}")


def print_portal_user(view: PortalUserView) -> None:
    """One portal user's details, and §3.2: the desk does not reset passwords or unlock
    accounts; whom to contact instead."""
    user = view.user
    title = f"{shown(user.title)} " if user.title else ""
    print(f"{shown(user.username)}  {title}{shown(user.name)}")
    org = view.organisation
    labelled("Organisation", f"{org.name} (UKPRN {org.ukprn})")
    labelled("Roles", role_names(user.roles))
    labelled("Status", user_status(user))
    labelled("Failed tries", str(view.failed_attempts))
    labelled("Last sign-in", user.last_sign_in_at or "never")
    labelled("Created", view.created_at)
    if view.must_change_password:
        labelled("Password", "one-time: to be changed at the next sign-in")
    labelled("Email", view.email)
    labelled("Telephone", view.phone)
    labelled("Verification", view.verification_provided)
    labelled("Housekeeping", "; ".join(user.flags))
    print()
    print(shown(view.desk_advice))
    if view.contact_super_users:
        print("Contact one of the organisation's active super users:")
        for su in view.contact_super_users:
            print(f"  {shown(su.name)} ({shown(su.username)})")
    else:
        print("An admin handles the form with `lrs-desk su-case open`.")
    if view.security_actions:
        print()
        print("Security actions (newest first):")
        for action in view.security_actions:
            print(f"  {security_line(action)}")


# --- commands ---------------------------------------------------------------------------------


def _acting(ctx: Context, args: argparse.Namespace) -> tuple[Services, Actor]:
    services = ctx.services()
    return services, signed_in(ctx, services, args.operator)


def cmd_org_find(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting(ctx, args)
    found, more = services.organisations.find(actor, args.query)
    if args.json:
        print_json({"organisations": found, "more": more})
    else:
        for org in found:
            print(organisation_line(org))
            if org.super_user_warning:
                print(f"          {shown(org.super_user_warning)}")
        count = f"{len(found)} found" if found else "no organisation found"
        print(count + ("; there are more: give more of the name" if more else ""))
    return 0 if found else EXIT_NONE_FOUND


def cmd_org_show(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting(ctx, args)
    view = services.organisations.show(actor, args.ukprn)
    if args.json:
        print_json(view)
    else:
        print_organisation(view)
    return 0


def cmd_org_disable(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting(ctx, args)
    view = services.organisations.disable_organisation(actor, args.ukprn, args.reason)
    if args.json:
        print_json(view)
    else:
        org = view.summary
        print(f"{shown(org.name)} ({org.ukprn}): portal permissions {portal_state(org)}")
    return 0


def cmd_org_enable(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting(ctx, args)
    view = services.organisations.enable_organisation(actor, args.ukprn, args.reason)
    if args.json:
        print_json(view)
    else:
        org = view.summary
        print(f"{shown(org.name)} ({org.ukprn}): portal permissions {portal_state(org)}")
    return 0


def cmd_user_find(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting(ctx, args)
    found = services.organisations.find_users(actor, args.query, args.ukprn)
    if args.json:
        print_json({"users": found})
    else:
        for user in found:
            print(user_line(user))
        print(f"{len(found)} found" if found else "no portal user found")
    return 0 if found else EXIT_NONE_FOUND


def cmd_user_show(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting(ctx, args)
    view = services.organisations.portal_user(actor, args.username)
    if args.json:
        print_json(view)
    else:
        print_portal_user(view)
    return 0


def cmd_user_suspend(ctx: Context, args: argparse.Namespace) -> int:
    services, actor = _acting(ctx, args)
    view = services.organisations.suspend_user(actor, args.username, args.reason)
    if args.json:
        print_json(view)
    else:
        user = view.user
        print(f"portal user {shown(user.username)} ({shown(user.name)}): {user_status(user)}")
        names = ", ".join(f"{shown(su.name)} ({shown(su.username)})"
                          for su in view.contact_super_users)  # fmt: skip
        if names:
            note(f"their organisation's super users reactivate them: {names}")
    return 0


# --- the parser -------------------------------------------------------------------------------


def add_organisation_commands(commands: Any, add: Add) -> None:
    """Add `org ...` and `portal-user ...` to the `lrs-desk` parser (``add`` is
    build_parser's helper)."""
    org = commands.add_parser(
        "org", help="organisations: the directory and the desk's security actions"
    ).add_subparsers(dest="org_command", metavar="ACTION", required=True)
    find = add(
        org,
        "find",
        cmd_org_find,
        "find organisations by UKPRN (8 digits, exact) or by name (any part, accents and"
        " punctuation ignored); exits 1 when none is found",
    )
    find.add_argument("query", help="a UKPRN or part of the name")
    show = add(
        org,
        "show",
        cmd_org_show,
        "an organisation: kind, portal permissions, the register's telephone number, super"
        " users (fewer than 3 or more than 5 active: warned, §3.1), users by role and status"
        " with the annual housekeeping flags (§3.3), security actions and super-user cases;"
        " the look at its users is audited",
    )
    disable = add(
        org,
        "disable",
        cmd_org_disable,
        "admins: disable the organisation's portal permissions (§1.4's escalation), with a"
        " reason; audited and shown on the organisation",
    )
    enable = add(
        org, "enable", cmd_org_enable, "admins: re-enable its portal permissions, with a reason"
    )
    for sub in (show, disable, enable):
        sub.add_argument("ukprn", metavar="UKPRN", help="the organisation's UKPRN (8 digits)")
    for sub in (disable, enable):
        sub.add_argument("--reason", required=True, help="why (audited, shown on the organisation)")

    user = commands.add_parser(
        "portal-user", help="organisations' portal users: find, details, suspend"
    ).add_subparsers(dest="portal_user_command", metavar="ACTION", required=True)
    ufind = add(
        user,
        "find",
        cmd_user_find,
        "find portal users by username or by name (audited); exits 1 when none is found",
    )
    ufind.add_argument("query", help="a username, or given and family name")
    ufind.add_argument("--ukprn", help="only this organisation's users")
    ushow = add(
        user,
        "show",
        cmd_user_show,
        "a portal user's details, roles, status, failed attempts and last sign-in (audited);"
        " the desk does not reset passwords or unlock accounts (§3.2): it names the super"
        " users to contact",
    )
    suspend = add(
        user,
        "suspend",
        cmd_user_suspend,
        "admins: suspend a portal user (§1.4, §3.5.6.1), with a reason; audited and shown on"
        " the organisation",
    )
    for sub in (ushow, suspend):
        sub.add_argument("username", metavar="USERNAME", help="the portal username")
    suspend.add_argument("--reason", required=True, help="why (audited, shown on the organisation)")

    for sub in (find, show, disable, enable, ufind, ushow, suspend):
        sub.add_argument("--operator", required=True, help=OPERATOR_HELP)
        sub.add_argument("--json", action="store_true", help="machine-readable output")
