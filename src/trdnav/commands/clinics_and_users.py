"""Accounts from the command line: `trdnav clinics create|list` and `trdnav users create`.

These make an installation's first clinic and its first admin (who then manages the rest in the
clinic workspace). A password is never an argument, where it would stay in the shell's history and
the process list: it is asked for twice without echo, or read from standard input with
``--password-stdin`` for scripts. A value that cannot be used exits with status 2 and a line naming
the field. Every clinic and account created is recorded in the audit trail as done by the system.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from trdnav.commands import fail, opened
from trdnav.knowledge.loader import load
from trdnav.store import audit
from trdnav.store.accounts import ROLES, AccountError, create_clinic, create_staff, find_clinic
from trdnav.store.models import Clinic

clinics_app = typer.Typer(help="Create and list clinics.", no_args_is_help=True)
users_app = typer.Typer(help="Create staff accounts.", no_args_is_help=True)


def _therapies(value: str) -> list[str]:
    chosen = [therapy.strip() for therapy in value.split(",") if therapy.strip()]
    known = list(load().therapies)
    unknown = [therapy for therapy in chosen if therapy not in known]
    if not chosen or unknown:
        shown = f"unknown {unknown}" if unknown else "none given"
        raise fail([f"therapies: {shown}; expected some of: {', '.join(known)}, e.g. tms,iv_ketamine"])
    return chosen


@clinics_app.command("create")
def clinics_create(
    slug: Annotated[str, typer.Argument(help="Short name for the intake link /c/SLUG/, e.g. north-clinic.")],
    name: Annotated[str, typer.Option(help='The clinic\'s name as patients see it, e.g. "North Clinic".')],
    therapies: Annotated[
        str | None,
        typer.Option(help="Comma-separated therapies the clinic offers (default: TRDNAV_THERAPIES)."),
    ] = None,
) -> None:
    """Create a clinic with the installation's settings (therapies, crisis resources)."""
    chosen = _therapies(therapies) if therapies is not None else None
    try:
        with opened() as database, database.sessions.begin() as session:
            clinic = create_clinic(session, slug=slug, name=name, settings=database.settings)
            if chosen is not None:
                clinic.therapies = chosen
            audit.record(session, audit.SYSTEM, "create", "clinic", clinic.id, clinic_id=clinic.id)
            summary = f"Created clinic {clinic.slug} ({clinic.name}); its intake link is /c/{clinic.slug}/."
    except AccountError as error:
        raise fail([str(error)]) from None
    typer.echo(summary)


@clinics_app.command("list")
def clinics_list() -> None:
    """List the clinics: intake link, therapies, staff and whether two-factor sign-in is required."""
    with opened() as database, database.sessions() as session:
        clinics = list(session.scalars(select(Clinic).order_by(Clinic.slug)))
        if not clinics:
            typer.echo("No clinics yet; create one with: trdnav clinics create SLUG --name NAME")
            return
        table = Table("Slug", "Name", "Therapies", "Staff", "Two-factor required")
        for clinic in clinics:
            table.add_row(
                clinic.slug,
                clinic.name,
                ", ".join(clinic.therapies),
                str(len(clinic.staff)),
                "yes" if clinic.require_two_factor else "no",
            )
        Console(soft_wrap=True).print(table)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@users_app.command("create")
def users_create(
    clinic: Annotated[str, typer.Option(help="Slug of the staff member's clinic.")],
    email: Annotated[str, typer.Option(help="Email address, used to sign in.")],
    name: Annotated[str, typer.Option(help="Full name, as shown to colleagues.")],
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from standard input (its first line)."),
    ] = False,
) -> None:
    """Create a staff account; the password is asked for twice (or read from standard input). It is
    temporary: the person chooses their own at their first sign-in."""
    if role not in ROLES:
        raise fail([f"role: expected one of {', '.join(ROLES)}"])
    try:
        with opened() as database, database.sessions.begin() as session:
            found = find_clinic(session, clinic)
            if found is None:
                raise fail([f"clinic: no clinic called {clinic!r}; see trdnav clinics list"])
            staff = create_staff(
                session,
                clinic=found,
                email=email,
                name=name,
                role=role,
                password=_password(password_stdin),
                temporary=True,
            )
            audit.record(session, audit.SYSTEM, "create", "staff", staff.id, clinic_id=found.id)
            summary = (
                f"Created {staff.role} {staff.email} at {found.slug}; "
                "the password must be changed at the first sign-in."
            )
    except AccountError as error:
        raise fail([str(error)]) from None
    typer.echo(summary)
