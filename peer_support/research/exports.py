"""The research exports as CSV: responses (one row per response, one column per question key), the data
dictionary, and the participants' characteristics; plus the audit entry every export writes.

CSV files are UTF-8 WITH a byte-order mark: Excel on Windows (what hospital researchers mostly have) reads
accents wrong without it; R, Python and LibreOffice skip it. Cells that a spreadsheet would run as a formula
get a leading apostrophe (csv_export), like every CSV of the app. Multiple-choice codes are joined by ";".
Column names are stable codes (not translated) so that analysis scripts keep working.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from peer_support.audit.services import record
from peer_support.csv_export import iter_csv
from peer_support.extensions import db
from peer_support.feedback.models import FeedbackForm
from peer_support.research import dataset
from peer_support.research.models import ConsentText, ResearchConsent

# What one can download from the export page or the command line.
FORMATS = ("csv", "dictionary", "qdpx", "participants")

SERVICE_USER_COLUMNS = ("gender", "age_band", "units", "meeting_formats", "held_meetings", "months_accompanied")
STAFF_COLUMNS = ("gender", "age_band", "profession", "years_of_experience")


@dataclass(frozen=True)
class ExportSummary:
    """What the audit entry says of an export: how many responses, under which consent text versions."""

    responses: int
    consent_versions: tuple[int, ...]


def summary(form: FeedbackForm) -> ExportSummary:
    """Counted before the export is streamed (two statements)."""
    return ExportSummary(responses=dataset.count_exportable(form), consent_versions=consent_versions(form))


def consent_versions(form: FeedbackForm) -> tuple[int, ...]:
    """The versions of the study's consent text in force for the authors of the exportable responses."""
    if form.privacy != "pseudonymous" or form.study_id is None:
        return ()
    responses = dataset.exportable_responses(form).subquery()
    versions = db.session.scalars(
        sa.select(ConsentText.version).distinct()
        .join(ResearchConsent, ResearchConsent.consent_text_id == ConsentText.id)
        .where(ConsentText.study_id == form.study_id, ResearchConsent.withdrawn_at.is_(None),
               sa.or_(ResearchConsent.service_user_id.in_(sa.select(responses.c.service_user_id)),
                      ResearchConsent.account_id.in_(sa.select(responses.c.account_id))))
        .order_by(ConsentText.version))
    return tuple(versions)


def record_export(form: FeedbackForm, export_format: str, counted: ExportSummary, *, actor=None,
                  actor_label: str | None = None, ip: str | None = None, now: datetime) -> None:
    """The audit entry of one export: who, which form, which format, how many responses, which consents."""
    record("research.export", actor=actor, actor_label=actor_label, ip=ip, now=now, object_type="feedback_form",
           object_id=form.id, details={"format": export_format, "responses": counted.responses,
                                       "privacy": form.privacy, "study_id": form.study_id,
                                       "consent_versions": list(counted.consent_versions)})


def exportable_forms() -> list[FeedbackForm]:
    """Every form that has responses research may see (care-only forms never), by id."""
    forms = db.session.scalars(sa.select(FeedbackForm).where(FeedbackForm.privacy != "care_only")
                               .order_by(FeedbackForm.id)).all()
    return [form for form in forms if dataset.count_exportable(form)]


# --- CSV ------------------------------------------------------------------------------------------------------

def _cell(value) -> object:
    if isinstance(value, (list, tuple)):
        return ";".join(str(item) for item in value)
    return value


def responses_csv(form: FeedbackForm, *, known_words: frozenset[str] | None = None) -> Iterator[str]:
    """One row per exportable response (streamed): pseudonym, version, submitted_on, locale, then each key."""
    keys = dataset.question_keys(form)
    header = ["pseudonym", "version", "submitted_on", "locale", *keys]
    rows = ([row.pseudonym, row.version, row.submitted_on.isoformat(), row.locale or "",
             *(_cell(row.answers.get(key)) for key in keys)]
            for row in dataset.research_responses(form, known_words=known_words))
    return iter_csv(header, rows)


def dictionary_csv(form: FeedbackForm) -> Iterator[str]:
    """The data dictionary: one row per question key and wording, with its allowed values and their codes."""
    header = ["question", "versions", "kind", "text_fr", "text_en", "required", "characteristic", "codes",
              "labels_fr", "labels_en"]
    rows = ([entry.key, ";".join(str(v) for v in entry.versions), entry.kind, entry.text_fr, entry.text_en,
             1 if entry.required else 0, entry.characteristic or "",
             ";".join(code for code, _fr, _en in entry.values),
             ";".join(f"{code}={fr}" if fr else code for code, fr, _en in entry.values),
             ";".join(f"{code}={en}" if en else code for code, _fr, en in entry.values)]
            for entry in dataset.dictionary(form))
    return iter_csv(header, rows)


def participant_columns(form: FeedbackForm) -> tuple[str, ...]:
    return STAFF_COLUMNS if form.audience == "staff" else SERVICE_USER_COLUMNS


def participants_csv(form: FeedbackForm, *, now: datetime) -> Iterator[str]:
    """The participants' characteristics (the studies' Table 1 / Table 2 columns)."""
    columns = participant_columns(form)
    rows = ([participant.pseudonym, participant.responses,
             *(_cell(getattr(participant, column)) for column in columns)]
            for participant in dataset.participants(form, now=now))
    return iter_csv(["pseudonym", "responses", *columns], rows)


def write_lines(lines: Iterator[str], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        for line in lines:
            handle.write(line)


def write_csv_files(form: FeedbackForm, folder: Path, *, now: datetime) -> list[Path]:
    """The three CSV files of one form in a folder: responses, data dictionary, participants."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        folder / f"form-{form.id}-responses.csv": responses_csv(form),
        folder / f"form-{form.id}-dictionary.csv": dictionary_csv(form),
        folder / f"form-{form.id}-participants.csv": participants_csv(form, now=now),
    }
    for path, lines in paths.items():
        write_lines(lines, path)
    return list(paths)
