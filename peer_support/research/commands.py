"""flask --app wsgi export research --format csv|qdpx --out PATH [--form ID]: the research export (DESIGN.md §7).

- `--format qdpx --form ID`: OUT is the .qdpx file.
- `--format qdpx` without --form: OUT is a folder; one `form-<id>.qdpx` per form with exportable responses.
- `--format csv`: OUT is always a folder (a CSV export is several files): per form, `form-<id>-responses.csv`,
  `form-<id>-dictionary.csv` and `form-<id>-participants.csv`.
Prints one line per file written with the number of responses it holds. Each form's export is audited
(`research.export`, actor "cli"), committed when its files are written.
"""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.feedback.models import FeedbackForm
from peer_support.research import exports, qdpx

export_command = AppGroup("export", help="Exports.")


@export_command.command("research")
@click.option("--format", "export_format", type=click.Choice(("csv", "qdpx")), required=True)
@click.option("--out", "out", type=click.Path(path_type=Path), required=True,
              help="The .qdpx file (qdpx with --form), else a folder (created if missing).")
@click.option("--form", "form_id", type=int, default=None, help="One form (default: every form with exportable "
              "responses).")
def research_command(export_format: str, out: Path, form_id: int | None):
    """The consented, pseudonymised research export."""
    if form_id is not None:
        form = db.session.get(FeedbackForm, form_id)
        if form is None or form.privacy == "care_only":
            raise click.BadParameter("no such form, or a care-only form (never exported)", param_hint="--form")
        forms = [form]
    else:
        forms = exports.exportable_forms()
    if out.exists() and not out.is_dir() and (export_format == "csv" or form_id is None):
        raise click.BadParameter(f"{out} is a file; a folder is expected here", param_hint="--out")
    total = 0
    for form in forms:
        counted = exports.summary(form)
        now = utcnow()
        if export_format == "csv":
            paths = exports.write_csv_files(form, out, now=now)
        else:
            path = out if form_id is not None else out / f"form-{form.id}.qdpx"
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as target:
                qdpx.write_qdpx(form, target, now=now)
            paths = [path]
        exports.record_export(form, export_format, counted, actor_label="cli", now=now)
        db.session.commit()
        for path in paths:
            click.echo(f"{path}\t{counted.responses} responses")
        total += counted.responses
    click.echo(f"exported {len(forms)} forms, {total} responses")
