"""Trusted CDS Hooks clients from the command line: `trdnav cds clients add|list|remove`.

An EHR that calls the CDS service signs each call with a JWT; the clinic trusts it by its issuer
(``iss``) and its public keys: a JWK Set file (public keys only, checked) or the URL where the
EHR publishes them. A value that cannot be used exits with status 2 and a line naming the field.
Adding and removing are recorded in the audit trail as done by the system.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from trdnav.commands import fail, opened
from trdnav.store import audit
from trdnav.store.accounts import find_clinic
from trdnav.store.cds_clients import CdsClientError, add_client, clients_of, remove_client
from trdnav.store.models import Clinic

cds_app = typer.Typer(help="The CDS Hooks service: the EHRs a clinic trusts.", no_args_is_help=True)
clients_app = typer.Typer(help="Add, list and remove trusted CDS clients (EHRs).", no_args_is_help=True)
cds_app.add_typer(clients_app, name="clients")


def _clinic(session: Session, slug: str) -> Clinic:
    clinic = find_clinic(session, slug)
    if clinic is None:
        raise fail([f"--clinic: no clinic {slug!r}; `trdnav clinics list` shows them"])
    return clinic


def _read_jwks(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise fail([f"--jwks-file: cannot read {path} ({error.strerror or error})"]) from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise fail([f"--jwks-file: {path} is not JSON (expected a JWK Set)"]) from None


@clients_app.command("add")
def clients_add(
    clinic: Annotated[str, typer.Option("--clinic", help="The clinic's slug.")],
    issuer: Annotated[
        str, typer.Option("--issuer", help="The client's JWT issuer (iss), exactly as it sends it.")
    ],
    jwks_file: Annotated[
        Path | None, typer.Option("--jwks-file", help="A JWK Set file with the client's public keys.")
    ] = None,
    jwks_url: Annotated[
        str | None, typer.Option("--jwks-url", help="The https URL where the client publishes its JWK Set.")
    ] = None,
) -> None:
    """Trust a CDS client for a clinic (give --jwks-file or --jwks-url)."""
    if (jwks_file is None) == (jwks_url is None):
        raise fail(["--jwks-file/--jwks-url: give exactly one of the two"])
    jwks = _read_jwks(jwks_file) if jwks_file is not None else None
    try:
        with opened() as database, database.sessions.begin() as session:
            found = _clinic(session, clinic)
            client = add_client(session, audit.SYSTEM, found, issuer, jwks=jwks, jwks_url=jwks_url)
            summary = f"Clinic {found.slug} now trusts the CDS client {client.issuer}."
    except CdsClientError as error:
        raise fail([f"{error.field}: {error.message}"]) from None
    typer.echo(summary)


@clients_app.command("list")
def clients_list(
    clinic: Annotated[str | None, typer.Option("--clinic", help="Only this clinic's clients.")] = None,
) -> None:
    """List the trusted CDS clients, one per line: clinic, issuer, where the keys come from, when added."""
    with opened() as database, database.sessions() as session:
        clinic_id = _clinic(session, clinic).id if clinic is not None else None
        clients = clients_of(session, clinic_id)
        if not clients:
            typer.echo(
                "No trusted CDS clients; add one with: trdnav cds clients add --clinic SLUG --issuer ISS ..."
            )
            return
        slugs = {c.id: c.slug for c in [session.get(Clinic, x.clinic_id) for x in clients] if c is not None}
        # One line per client, never cut short: issuers and URLs are copied from here.
        for client in clients:
            keys = client.jwks_url or f"JWK Set with {len((client.jwks or {}).get('keys', []))} key(s)"
            added = client.added_at.strftime("%Y-%m-%d %H:%M UTC")
            typer.echo(f"{slugs.get(client.clinic_id, '?')}\t{client.issuer}\t{keys}\tadded {added}")


@clients_app.command("remove")
def clients_remove(
    clinic: Annotated[str, typer.Option("--clinic", help="The clinic's slug.")],
    issuer: Annotated[str, typer.Option("--issuer", help="The client's JWT issuer (iss).")],
) -> None:
    """Stop trusting a CDS client: its next call is refused (401)."""
    with opened() as database, database.sessions.begin() as session:
        found = _clinic(session, clinic)
        removed = remove_client(session, audit.SYSTEM, found.id, issuer)
    if not removed:
        raise fail(
            [
                f"--issuer: clinic {clinic} does not trust {issuer!r}; "
                "`trdnav cds clients list` shows who it does"
            ]
        )
    typer.echo(f"Clinic {clinic} no longer trusts the CDS client {issuer}.")
