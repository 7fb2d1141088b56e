"""The export page of a form (CSV, data dictionary, REFI-QDA .qdpx, participants) and the participants' page.

Researchers, and the coordinator (who runs the programme and answers for its data), may export; every other
role is refused. Care-only forms have no export (404). Each download writes a `research.export` audit entry,
committed before the file is streamed.
"""
from __future__ import annotations

import tempfile

from flask import Response, abort, render_template, send_file, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user

from peer_support.audit.services import record
from peer_support.auth.labels import PROFESSION_LABELS
from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.feedback.labels import AUDIENCE_LABELS, PRIVACY_LABELS
from peer_support.feedback.models import FeedbackForm
from peer_support.peers.labels import FORMAT_LABELS
from peer_support.people.labels import AGE_BAND_LABELS, GENDER_LABELS
from peer_support.research import blueprint, dataset, exports, qdpx
from peer_support.security import client_ip
from peer_support.timezones import local_today


def get_exportable_form_or_404(form_id: int) -> FeedbackForm:
    """A form research may export (anonymous or pseudonymous), else 404: care-only forms are never exported."""
    form = db.session.get(FeedbackForm, form_id)
    if form is None or form.privacy == "care_only":
        abort(404)
    return form


def _filename(form: FeedbackForm, what: str, extension: str) -> str:
    return f"form-{form.id}-{what}-{local_today().isoformat()}.{extension}"


def _audited(form: FeedbackForm, export_format: str) -> exports.ExportSummary:
    counted = exports.summary(form)
    exports.record_export(form, export_format, counted, actor=current_user, ip=client_ip(), now=utcnow())
    db.session.commit()
    return counted


def _csv_response(lines, filename: str) -> Response:
    return Response(stream_with_context(lines), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename={filename}", "Content-Type": "text/csv; charset=utf-8"})


@blueprint.get("/forms/<int:form_id>/export")
def export_form(form_id: int):
    form = get_exportable_form_or_404(form_id)
    counted = exports.summary(form)
    return render_template("research/export.html", form=form, counted=counted,
                           privacy_labels=PRIVACY_LABELS, audience_labels=AUDIENCE_LABELS)


@blueprint.get("/forms/<int:form_id>/export/responses.csv")
def export_csv(form_id: int):
    form = get_exportable_form_or_404(form_id)
    _audited(form, "csv")
    return _csv_response(exports.responses_csv(form), _filename(form, "responses", "csv"))


@blueprint.get("/forms/<int:form_id>/export/dictionary.csv")
def export_dictionary(form_id: int):
    form = get_exportable_form_or_404(form_id)
    _audited(form, "dictionary")
    return _csv_response(exports.dictionary_csv(form), _filename(form, "dictionary", "csv"))


@blueprint.get("/forms/<int:form_id>/export/participants.csv")
def participants_csv(form_id: int):
    form = get_exportable_form_or_404(form_id)
    _audited(form, "participants")
    return _csv_response(exports.participants_csv(form, now=utcnow()), _filename(form, "participants", "csv"))


@blueprint.get("/forms/<int:form_id>/export/project.qdpx")
def export_qdpx(form_id: int):
    form = get_exportable_form_or_404(form_id)
    _audited(form, "qdpx")
    # Built in a temporary file (deleted when closed, once sent), then streamed: memory stays flat.
    archive = tempfile.TemporaryFile()
    try:
        qdpx.write_qdpx(form, archive, now=utcnow())
        archive.seek(0)
    except BaseException:
        archive.close()
        raise
    return send_file(archive, mimetype="application/zip", as_attachment=True,
                     download_name=_filename(form, "project", "qdpx"))


@blueprint.get("/forms/<int:form_id>/participants")
def participants(form_id: int):
    form = get_exportable_form_or_404(form_id)
    rows = dataset.participants(form, now=utcnow())
    html = render_template("research/participants.html", form=form, rows=rows,
                           columns=exports.participant_columns(form), column_labels=_column_labels(),
                           value_labels=VALUE_LABELS)
    record("research.participants_view", actor=current_user, ip=client_ip(), object_type="feedback_form",
           object_id=form.id, details={"participants": len(rows)})
    db.session.commit()
    return html


# Codes shown by their name on the page (the CSV keeps the codes); other values (answers) as they are.
VALUE_LABELS = {"gender": GENDER_LABELS, "age_band": AGE_BAND_LABELS, "meeting_formats": FORMAT_LABELS,
                "profession": PROFESSION_LABELS}


def _column_labels() -> dict[str, str]:
    return {"gender": _("Gender"), "age_band": _("Age band"), "units": _("Units"),
            "meeting_formats": _("Formats of meetings"), "held_meetings": _("Meetings held"),
            "months_accompanied": _("Months accompanied"), "profession": _("Profession"),
            "years_of_experience": _("Years of experience")}
