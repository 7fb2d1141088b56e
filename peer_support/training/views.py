from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from peer_support import permissions
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.forms import ConfirmForm, choices, show_form_error
from peer_support.peers import services as peers
from peer_support.i18n import format_hours
from peer_support.security import client_ip
from peer_support.timezones import local_today
from peer_support.training import blueprint, services
from peer_support.training.certificates import certificate_store, human_size, sanitise_filename
from peer_support.training.forms import CertificateForm, ProgrammeForm, RecordForm, RequirementsForm
from peer_support.training.labels import KIND_LABELS, STATUS_LABELS


@blueprint.context_processor
def _labels():
    return {"kind_labels": KIND_LABELS, "training_status_labels": STATUS_LABELS, "format_hours": format_hours}


def _locale() -> str:
    return str(get_locale() or "fr")


def get_programme_or_404(programme_id: int):
    programme = services.get_programme(programme_id)
    if programme is None:
        abort(404)
    return programme


def get_profile_or_404(profile_id: int, need: str = "view"):
    """A worker's profile, 404 when it does not exist, 403 when the actor may not see (or change) their training."""
    profile = peers.get_profile(profile_id)
    if profile is None:
        abort(404)
    rule = {"view": permissions.can_view_training, "edit": permissions.can_edit_training}[need]
    if not rule(current_user, profile):
        abort(403)
    return profile


def get_record_or_404(record_id: int, need: str = "view"):
    """A record with its profile and programme; for a certificate download, 404 to whoever may not see it."""
    record = services.get_record(record_id)
    if record is None:
        abort(404)
    if need == "download":
        if not permissions.can_view_training(current_user, record.profile):
            abort(404)
        return record
    rule = {"view": permissions.can_view_training, "edit": permissions.can_edit_training}[need]
    if not rule(current_user, record.profile):
        abort(403)
    return record


# --- the catalogue ---------------------------------------------------------------------------

def _programme_data(form) -> services.ProgrammeData:
    return services.ProgrammeData(
        kind=form.kind.data, name_fr=form.name_fr.data, name_en=form.name_en.data, provider=form.provider.data,
        default_hours=form.default_hours.data, validity_months=form.validity_months.data,
        renewal_notice_days=form.renewal_notice_days.data, grace_days=form.grace_days.data)


@blueprint.get("/")
def index():
    return render_template("training/index.html", programmes=services.list_programmes(_locale()),
                           confirm=ConfirmForm())


@blueprint.route("/programmes/new", methods=["GET", "POST"])
def create_programme():
    form = ProgrammeForm()
    if form.validate_on_submit():
        try:
            programme = services.create_programme(current_user, _programme_data(form), ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The programme “%(name)s” is added to the catalogue.", name=programme.name(_locale())), "success")
            return redirect(url_for("training.index"))
    return render_template("training/programme_form.html", form=form, programme=None)


@blueprint.route("/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
def edit_programme(programme_id: int):
    programme = get_programme_or_404(programme_id)
    form = ProgrammeForm(obj=programme)
    if form.validate_on_submit():
        try:
            services.update_programme(current_user, programme, _programme_data(form), ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The programme “%(name)s” is saved.", name=programme.name(_locale())), "success")
            return redirect(url_for("training.index"))
    return render_template("training/programme_form.html", form=form, programme=programme, confirm=ConfirmForm())


def _set_active(programme_id: int, active: bool):
    programme = get_programme_or_404(programme_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.set_programme_active(current_user, programme, active, ip=client_ip(), now=utcnow())
    db.session.commit()
    name = programme.name(_locale())
    if active:
        flash(_("The programme “%(name)s” is offered again.", name=name), "success")
    else:
        flash(_("The programme “%(name)s” is no longer offered; the records that use it are kept.", name=name),
              "success")
    return redirect(url_for("training.index"))


@blueprint.post("/programmes/<int:programme_id>/deactivate")
def deactivate_programme(programme_id: int):
    return _set_active(programme_id, False)


@blueprint.post("/programmes/<int:programme_id>/reactivate")
def reactivate_programme(programme_id: int):
    return _set_active(programme_id, True)


@blueprint.route("/requirements", methods=["GET", "POST"])
def requirements():
    form = RequirementsForm(obj=services.current_requirements())
    if form.validate_on_submit():
        data = services.RequirementsData(
            initial_qualification_before_caseload=form.initial_qualification_before_caseload.data,
            ongoing_training_hours_per_year=form.ongoing_training_hours_per_year.data,
            supervision_interval_weeks=form.supervision_interval_weeks.data)
        try:
            services.update_requirements(current_user, data, ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The programme's requirements are saved."), "success")
            return redirect(url_for("training.requirements"))
    return render_template("training/requirements.html", form=form)


# --- workers' training -----------------------------------------------------------------------

@blueprint.get("/workers/")
def workers():
    today = local_today()
    return render_template("training/workers.html", rows=services.workers_overview(today=today), year=today.year,
                           requirements=services.current_requirements())


@blueprint.get("/mine")
def mine():
    profile = peers.profile_of(current_user)
    if profile is None:
        return render_template("training/no_profile.html")
    return redirect(url_for("training.worker", profile_id=profile.id))


@blueprint.get("/workers/<int:profile_id>")
def worker(profile_id: int):
    profile = get_profile_or_404(profile_id)
    today = local_today()
    return render_template(
        "training/worker.html", profile=profile, today=today, lines=services.worker_records(profile.id, today=today),
        status=services.training_status([profile.id], today.year, today)[profile.id],
        requirements=services.current_requirements(), confirm=ConfirmForm())


def _record_form(form, *, include_id=None):
    form.programme_id.choices = choices([("", _("Choose a programme"))]
                                        + services.programme_choices(_locale(), include_id=include_id))
    return form


def _record_data(form) -> services.RecordData:
    return services.RecordData(programme_id=form.programme_id.data, status=form.status.data,
                               starts_on=form.starts_on.data, ends_on=form.ends_on.data, hours=form.hours.data)


@blueprint.route("/workers/<int:profile_id>/records/new", methods=["GET", "POST"])
def create_record(profile_id: int):
    profile = get_profile_or_404(profile_id, need="edit")
    form = _record_form(RecordForm())
    if form.validate_on_submit():
        try:
            services.create_record(current_user, profile, _record_data(form), ip=client_ip(), now=utcnow(),
                                   today=local_today())
        except DomainError as error:
            db.session.rollback()
            profile = get_profile_or_404(profile_id, need="edit")
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The training is recorded."), "success")
            return redirect(url_for("training.worker", profile_id=profile_id))
    return render_template("training/record_form.html", form=form, profile=profile, record=None)


@blueprint.route("/records/<int:record_id>/edit", methods=["GET", "POST"])
def edit_record(record_id: int):
    record = get_record_or_404(record_id, need="edit")
    form = _record_form(RecordForm(obj=record), include_id=record.programme_id)
    if form.validate_on_submit():
        try:
            services.update_record(current_user, record, _record_data(form), ip=client_ip(), now=utcnow(),
                                   today=local_today())
        except DomainError as error:
            db.session.rollback()
            record = get_record_or_404(record_id, need="edit")
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The training record is saved."), "success")
            return redirect(url_for("training.worker", profile_id=record.profile_id))
    return render_template("training/record_form.html", form=form, profile=record.profile, record=record,
                           confirm=ConfirmForm())


@blueprint.post("/records/<int:record_id>/delete")
def delete_record(record_id: int):
    record = get_record_or_404(record_id, need="edit")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    profile_id = record.profile_id
    services.delete_record(current_user, record, store=certificate_store(), ip=client_ip(), now=utcnow())
    db.session.commit()
    flash(_("The training record is deleted."), "success")
    return redirect(url_for("training.worker", profile_id=profile_id))


@blueprint.route("/records/<int:record_id>/certificate", methods=["GET", "POST"])
def upload_certificate(record_id: int):
    record = get_record_or_404(record_id, need="edit")
    store = certificate_store()
    form = CertificateForm()
    form.certificate.description = _("PDF, PNG or JPEG, %(limit)s at most.", limit=human_size(store.max_bytes))
    if form.validate_on_submit():
        upload = form.certificate.data
        try:
            services.attach_certificate(current_user, record, stream=upload.stream, filename=upload.filename,
                                        store=store, ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            record = get_record_or_404(record_id, need="edit")
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The certificate is saved."), "success")
            return redirect(url_for("training.worker", profile_id=record.profile_id))
    return render_template("training/certificate_form.html", form=form, record=record)


@blueprint.get("/records/<int:record_id>/certificate/download")
def download_certificate(record_id: int):
    record = get_record_or_404(record_id, need="download")
    path = services.certificate_for_download(current_user, record, store=certificate_store(), ip=client_ip(),
                                             now=utcnow())
    if path is None:
        abort(404)
    content_type = record.certificate_content_type
    download_name = sanitise_filename(record.certificate_filename, content_type)
    db.session.commit()
    return send_file(path, mimetype=content_type, as_attachment=True, download_name=download_name, max_age=0)
