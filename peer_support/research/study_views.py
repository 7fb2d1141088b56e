"""Studies and their consent texts: the coordinator and researchers create and edit them."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.forms import ConfirmForm, show_form_error
from peer_support.research import blueprint, studies
from peer_support.research.forms import ConsentTextForm, StudyForm
from peer_support.security import client_ip


def get_study_or_404(study_id: int):
    return studies.get_study(study_id) or abort(404)


def _study_data(form) -> studies.StudyData:
    return studies.StudyData(code=form.code.data, title_fr=form.title_fr.data, title_en=form.title_en.data,
                             description_fr=form.description_fr.data, description_en=form.description_en.data)


@blueprint.get("/studies")
def studies_index():
    return render_template("research/studies.html", rows=studies.list_studies())


@blueprint.route("/studies/new", methods=["GET", "POST"])
def create_study():
    form = StudyForm()
    if form.validate_on_submit():
        try:
            study = studies.create_study(current_user, _study_data(form), ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The study %(code)s is created. Write its consent text next.", code=study.code), "success")
            return redirect(url_for("research.study", study_id=study.id))
    status = 400 if form.is_submitted() else 200
    return render_template("research/study_form.html", form=form, study=None), status


@blueprint.get("/studies/<int:study_id>")
def study(study_id: int):
    from peer_support.research.reading import forms_of_study

    item = get_study_or_404(study_id)
    return render_template("research/study.html", study=item, texts=studies.consent_texts(item.id),
                           draft=studies.draft_text(item.id), forms=forms_of_study(item.id))


@blueprint.route("/studies/<int:study_id>/edit", methods=["GET", "POST"])
def edit_study(study_id: int):
    item = get_study_or_404(study_id)
    form = StudyForm(obj=item)
    if form.validate_on_submit():
        try:
            studies.update_study(current_user, item, _study_data(form), ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            item = get_study_or_404(study_id)
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The study is saved."), "success")
            return redirect(url_for("research.study", study_id=study_id))
    status = 400 if form.is_submitted() else 200
    return render_template("research/study_form.html", form=form, study=item), status


@blueprint.route("/studies/<int:study_id>/consent-texts/new", methods=["GET", "POST"])
def new_consent_text(study_id: int):
    """Write the next version; it starts from the current one, so a change is an edit, not a rewrite."""
    item = get_study_or_404(study_id)
    draft = studies.draft_text(item.id)
    if draft is not None:
        return redirect(url_for("research.consent_text", study_id=item.id, version=draft.version))
    from peer_support.research.consent import current_text

    latest = current_text(item.id)
    form = ConsentTextForm(data={"text_fr": latest.text_fr, "text_en": latest.text_en} if latest else None)
    return _save_text(item, form, text=None)


@blueprint.route("/studies/<int:study_id>/consent-texts/<int:version>", methods=["GET", "POST"])
def consent_text(study_id: int, version: int):
    item = get_study_or_404(study_id)
    text = studies.get_consent_text(item.id, version) or abort(404)
    if text.published_at is not None:
        return render_template("research/consent_text.html", study=item, text=text, form=None,
                               publish=ConfirmForm())
    return _save_text(item, ConsentTextForm(obj=text), text=text)


def _save_text(item, form, *, text):
    if form.validate_on_submit():
        try:
            text = studies.save_draft_text(current_user, item, text_fr=form.text_fr.data, text_en=form.text_en.data,
                                           ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            item = get_study_or_404(item.id)
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("Version %(version)d is saved as a draft. Publish it when it is final.", version=text.version),
                  "success")
            return redirect(url_for("research.consent_text", study_id=item.id, version=text.version))
    status = 400 if form.is_submitted() else 200
    return render_template("research/consent_text.html", study=item, text=text, form=form,
                           publish=ConfirmForm()), status


@blueprint.post("/studies/<int:study_id>/consent-texts/<int:version>/publish")
def publish_consent_text(study_id: int, version: int):
    item = get_study_or_404(study_id)
    text = studies.get_consent_text(item.id, version) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        studies.publish_text(current_user, text, ip=client_ip(), now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(_("Version %(version)d is published: people now consent to it.", version=version), "success")
    return redirect(url_for("research.study", study_id=study_id))
