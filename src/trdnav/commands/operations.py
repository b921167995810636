"""Operating an installation: `trdnav db backup|restore|new-key|reencrypt`, `trdnav audit verify`,
`trdnav retention apply`.

Each command works on the database named by ``TRDNAV_DATABASE_URL`` (read like `trdnav serve`).
Input problems (a missing file, a backup of the wrong kind, a database that cannot be opened) are
printed as lines naming the argument or setting, with exit status 2 and no traceback; a database
URL is only ever printed with its password hidden. Exit status 1 means the check ran and found
problems (a broken audit trail).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import func, select

from trdnav.commands import fail
from trdnav.commands import opened as _opened
from trdnav.store import audit
from trdnav.store.backup import BackupError, backup, has_records, restore, shown
from trdnav.store.models import AuditEvent, now
from trdnav.store.retention import apply_retention
from trdnav.store.secrets_at_rest import SecretUnreadable, keyring_from, new_key, reencrypt_secrets

PROBLEMS_FOUND = 1
URL_SETTING = "TRDNAV_DATABASE_URL"

db_app = typer.Typer(help="Back up and restore the database.", no_args_is_help=True)
audit_app = typer.Typer(help="Check the audit trail.", no_args_is_help=True)
retention_app = typer.Typer(
    help="Delete assessments older than each clinic's retention period.", no_args_is_help=True
)


def _database_url() -> str:
    """The configured database URL, with the same checks (and messages) as `trdnav serve`."""
    from trdnav.web.serve import ServeError, settings_from_environment

    try:
        return settings_from_environment().database_url
    except ServeError as error:
        raise fail(error.lines) from None


@db_app.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="The backup file to write.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Write a consistent backup of the database (safe while the app is running)."""
    url = _database_url()
    try:
        backup(url, file, overwrite=force)
    except BackupError as error:
        raise fail(error.lines) from None
    typer.echo(f"Backed up {shown(url)} to {file}")


@db_app.command("restore")
def db_restore(
    file: Annotated[Path, typer.Argument(help="A backup made by 'trdnav db backup'.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that already holds records.")
    ] = False,
) -> None:
    """Replace the database's contents with a backup; stop the app first."""
    url = _database_url()
    try:
        if not file.is_file():
            raise BackupError([f"FILE: {file} does not exist or is not a file; expected a backup file"])
        if not force and has_records(url):
            raise BackupError(
                [
                    f"{URL_SETTING}: the database {shown(url)} already holds records; restoring would "
                    "replace them. Pass --force to replace them."
                ]
            )
        report = restore(url, file)
    except BackupError as error:
        raise fail(error.lines) from None
    typer.echo(
        f"Restored {file} into {shown(url)}: {report.assessments} assessments, "
        f"{report.audit_entries} audit entries."
    )
    if report.problems:
        for problem in report.problems:
            typer.echo(f"  - {problem}", err=True)
        raise typer.Exit(PROBLEMS_FOUND)
    typer.echo("Audit trail intact.")


@db_app.command("new-key")
def db_new_key() -> None:
    """Print a new random encryption key (for TRDNAV_ENCRYPTION_KEY_FILE: put it first, keep the others
    after it until `trdnav db reencrypt` has run)."""
    typer.echo(new_key())


@db_app.command("reencrypt")
def db_reencrypt() -> None:
    """Encrypt every secret kept in the database with the newest key (after adding a key, or for
    secrets an earlier version kept in plain text)."""
    with _opened() as database:
        keyring = keyring_from(database.settings)  # checked by _opened already
        try:
            with database.sessions.begin() as session:
                changed = reencrypt_secrets(session, keyring)
        except SecretUnreadable as error:
            raise fail([f"{error}; put the key that encrypted it back in the ring"]) from None
    typer.echo(f"Re-encrypted {changed} secret(s) with the newest key.")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit trail's hash chain: any edited or removed entry is named (exit status 1)."""
    with _opened() as database, database.sessions() as session:
        problems = audit.verify(session)
        entries = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    if problems:
        typer.echo(f"The audit trail is broken ({entries} entries):", err=True)
        for problem in problems:
            typer.echo(f"  - {problem}", err=True)
        raise typer.Exit(PROBLEMS_FOUND)
    typer.echo(f"Audit trail intact: {entries} entries")


@retention_app.command("apply")
def retention_apply(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count; delete nothing.")] = False,
) -> None:
    """Delete each clinic's assessments older than its retention period (audited)."""
    with _opened() as database:
        if dry_run:
            with database.sessions() as session:
                counts = apply_retention(session, now(), dry_run=True)
        else:
            with database.sessions.begin() as session:
                counts = apply_retention(session, now())
    if not counts:
        typer.echo("No clinic has a retention period; nothing to do.")
        return
    verb = "would be deleted" if dry_run else "deleted"
    for slug, count in counts.items():
        typer.echo(f"{slug}: {count} assessment(s) {verb}")
    typer.echo(f"Total: {sum(counts.values())} assessment(s) {verb}")
