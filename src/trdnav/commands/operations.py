"""Operating an installation: `trdnav db backup|restore|new-key|reencrypt`,
`trdnav audit verify|checkpoint|rotate-key`, `trdnav retention apply`.

Each command works on the database named by ``TRDNAV_DATABASE_URL`` (read like `trdnav serve`).
Input problems (a missing file, a backup of the wrong kind, a database that cannot be opened) are
printed as lines naming the argument or setting, with exit status 2 and no traceback; a database
URL is only ever printed with its password hidden. Exit status 1 means the check ran and found
problems (a broken audit trail, or one that no longer reaches a checkpoint).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import func, select

from trdnav.commands import fail
from trdnav.commands import opened as _opened
from trdnav.settings import Settings
from trdnav.store import audit
from trdnav.store.audit_checkpoint import (
    Checkpoint,
    CheckpointError,
    check_checkpoint,
    make_checkpoint,
    read_checkpoint,
)
from trdnav.store.audit_keys import DEVELOPMENT_ID, AuditKeyError, AuditKeyring, keyring_from_settings
from trdnav.store.backup import BackupError, backup, has_records, restore, shown
from trdnav.store.models import AuditEvent, now
from trdnav.store.retention import apply_retention
from trdnav.store.secrets_at_rest import SecretUnreadable, keyring_from, new_key, reencrypt_secrets

PROBLEMS_FOUND = 1
URL_SETTING = "TRDNAV_DATABASE_URL"

db_app = typer.Typer(help="Back up and restore the database.", no_args_is_help=True)
audit_app = typer.Typer(help="Check, checkpoint and re-key the audit trail.", no_args_is_help=True)
retention_app = typer.Typer(
    help="Delete assessments older than each clinic's retention period.", no_args_is_help=True
)


def _settings() -> Settings:
    """The configured settings, with the same checks (and messages) as `trdnav serve`."""
    from trdnav.web.serve import ServeError, settings_from_environment

    try:
        return settings_from_environment()
    except ServeError as error:
        raise fail(error.lines) from None


def _database_url() -> str:
    return _settings().database_url


def _keyring() -> AuditKeyring:
    try:
        return keyring_from_settings(_settings())
    except AuditKeyError as error:
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
        report = restore(url, file, _keyring())
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


DEVELOPMENT_NOTE = (
    "Note: new entries are chained with the public development audit key (no TRDNAV_AUDIT_KEY is set): "
    "anyone with database access could re-chain them. Set TRDNAV_AUDIT_KEY in production."
)


def _read_checkpoint(file: Path) -> Checkpoint:
    try:
        return read_checkpoint(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise fail([f"--checkpoint: cannot read {file}: {error.strerror or type(error).__name__}"]) from None
    except (CheckpointError, UnicodeDecodeError) as error:
        raise fail([f"--checkpoint: {file} is {error}"]) from None


@audit_app.command("verify")
def audit_verify(
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint",
            help="A file written by 'trdnav audit checkpoint': the trail must still reach it.",
        ),
    ] = None,
) -> None:
    """Check the audit trail's keyed chain (and that it still reaches a checkpoint): any edited,
    removed or re-chained entry is named (exit status 1)."""
    saved = _read_checkpoint(checkpoint) if checkpoint is not None else None
    with _opened() as database, database.sessions() as session:
        problems = audit.verify(session, database.audit_keyring)
        if saved is not None:
            problems += check_checkpoint(session, saved, database.audit_keyring)
        entries = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        legacy = audit.legacy_entries(session)
        development = database.audit_keyring.current == DEVELOPMENT_ID
    if development:
        typer.echo(DEVELOPMENT_NOTE, err=True)
    if problems:
        typer.echo(f"The audit trail is broken ({entries} entries):", err=True)
        for problem in problems:
            typer.echo(f"  - {problem}", err=True)
        raise typer.Exit(PROBLEMS_FOUND)
    typer.echo(f"Audit trail intact: {entries} entries")
    if legacy:
        typer.echo(
            f"  of which the first {legacy} are from before the keyed chain (plain SHA-256), sealed by the "
            "keyed entry after them"
        )
    if saved is not None:
        when = saved.at.isoformat(timespec="seconds")
        typer.echo(f"  and it reaches the checkpoint of {when} (entry {saved.seq})")


@audit_app.command("checkpoint")
def audit_checkpoint(
    output: Annotated[Path, typer.Option("--output", help="The checkpoint file to write (JSON).")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite the file if it exists.")] = False,
) -> None:
    """Write a signed checkpoint of the trail's newest entry; keep it on another host or write-once
    storage, and give it to 'trdnav audit verify --checkpoint' later."""
    if output.exists() and not force:
        raise fail([f"--output: {output} already exists; pass --force to overwrite it"])
    with _opened() as database, database.sessions() as session:
        problems = audit.verify(session, database.audit_keyring)
        if problems:
            typer.echo("The audit trail is broken; no checkpoint written (it would vouch for it):", err=True)
            for problem in problems:
                typer.echo(f"  - {problem}", err=True)
            raise typer.Exit(PROBLEMS_FOUND)
        saved = make_checkpoint(session, now(), database.audit_keyring)
    try:
        output.write_text(saved.to_json(), encoding="utf-8")
    except OSError as error:
        raise fail([f"--output: cannot write {output}: {error.strerror or type(error).__name__}"]) from None
    typer.echo(f"Checkpoint of entry {saved.seq} (key {saved.key_id}) written to {output}")


@audit_app.command("rotate-key")
def audit_rotate_key() -> None:
    """Start chaining with the current key (TRDNAV_AUDIT_KEY) now: a rotation entry names the
    previous key. Keep the previous key in TRDNAV_AUDIT_KEYS_FILE: verifying needs every key."""
    with _opened() as database:
        if database.audit_keyring.current == DEVELOPMENT_ID:
            typer.echo(DEVELOPMENT_NOTE, err=True)
        with database.sessions.begin() as session:
            refusal = audit.missing_key(session, database.audit_keyring)
            if refusal:
                raise fail([refusal])
            previous = audit.head_key(session)
            rotation = audit.rotate_key(session)
    if rotation is None:
        current = database.audit_keyring.current
        typer.echo(f"The audit trail is already chained with key {current}; nothing to do.")
        return
    was = f"key {previous}" if previous else "plain SHA-256 (before keys)"
    typer.echo(f"Entry {rotation.seq} rotates the audit key from {was} to key {rotation.key_id}.")


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
