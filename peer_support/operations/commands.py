"""flask --app wsgi backup PATH [--force] and restore PATH [--yes]: for operators, in English.

Failures end with a one-line message and exit status 1, never a traceback; no
output ever carries the database password.
"""
from __future__ import annotations

from pathlib import Path

import click

from peer_support.extensions import db
from peer_support.operations.backup import (BackupError, check_backup, code_head, create_backup,
                                            newer_revision_message, restore_backup, revision_status)


def _database_url():
    return db.engine.url


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it already exists.")
def backup_command(path: Path, force: bool):
    """Make an online, consistent, verified copy of the database into PATH."""
    try:
        summary = create_backup(_database_url(), path, force=force)
    except BackupError as error:
        raise click.ClickException(f"backup failed: {error}") from None
    click.echo(f"{summary.path}: {summary.size} bytes, {summary.tables} tables, verified")


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path: Path, yes: bool):
    """Replace the whole database by the backup at PATH (stop the web workers and the scheduler first)."""
    url = _database_url()
    try:
        summary = check_backup(url, path)
    except BackupError as error:
        raise click.ClickException(f"restore refused: {error}") from None
    status = revision_status(summary.revision)
    if status == "newer":
        raise click.ClickException(f"restore refused: {newer_revision_message(summary.revision)}")
    click.echo(f"{summary.path}: {summary.size} bytes, {summary.tables} tables, database revision "
               f"{summary.revision}, readable.")
    click.echo(f"Restoring REPLACES ALL CURRENT DATA of {url.render_as_string(hide_password=True)} "
               "by the content of this backup.")
    click.echo("Stop the web workers and the scheduler before going on.")
    if not yes and not click.confirm("Replace the current data by this backup?", default=False):
        click.echo("Nothing restored.")
        raise click.exceptions.Exit(1)
    # No connection of this process may hold a lock on what is about to be replaced.
    db.session.remove()
    db.engine.dispose()
    try:
        restore_backup(url, path)
    except BackupError as error:
        raise click.ClickException(f"restore failed: {error}") from None
    finally:
        db.engine.dispose()
    click.echo(f"restored {summary.path}")
    if status == "older":
        click.echo(f"The backup is at revision {summary.revision}, older than this code ({code_head()}): "
                   "run `flask --app wsgi db upgrade` before starting the application.")
