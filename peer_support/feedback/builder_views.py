"""The feedback-form builder (coordinators and researchers): forms, their settings, versions and questions,
and the results summary."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_percent, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.feedback import blueprint, results
from peer_support.feedback import forms_services as services
from peer_support.feedback import labels
from peer_support.feedback.builder_forms import FormSettingsForm, QuestionForm
from peer_support.feedback.models import FormQuestion
from peer_support.feedback.templates_builtin import TEMPLATES
from peer_support.research.models import ResearchStudy
from peer_support.forms import ConfirmForm, choices, show_form_error
from peer_support.security import client_ip


def _locale() -> str:
    return str(get_locale() or "fr")


def get_form_or_404(form_id: int):
    form = services.get_form(form_id)
    if form is None:
        abort(404)
    return form


def get_question_or_404(form, question_id: int) -> FormQuestion:
    question = next((q for version in form.versions for q in version.questions if q.id == question_id), None)
    if question is None:
        abort(404)
    return question


def _confirmed() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


def _common() -> dict:
    return {"labels": labels, "locale": _locale(), "confirm": ConfirmForm()}


@blueprint.get("/forms")
def forms():
    return render_template("feedback/builder_index.html", forms=services.list_forms(), templates=TEMPLATES,
                           **_common())


def _settings_form(obj=None) -> FormSettingsForm:
    form = FormSettingsForm(obj=obj)
    locale = _locale()
    form.study_id.choices = choices([("", _("No study"))] + [
        (study_id, f"{code} — {title_en if locale == 'en' else title_fr}")
        for study_id, code, title_fr, title_en in services.study_choices()])
    return form


@blueprint.route("/forms/new", methods=["GET", "POST"])
def new_form():
    template_key = request.values.get("template") or None
    if template_key is not None and template_key not in TEMPLATES:
        abort(404)
    suggested = services.settings_from_template(template_key) if template_key else None
    form = _settings_form(suggested if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            created = services.create_form(current_user, form.settings(), template_key=template_key, ip=client_ip(),
                                           now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The form is created as a draft. Check its questions, then publish it."), "success")
            return redirect(url_for("feedback.show_form", form_id=created.id))
    return render_template("feedback/builder_settings.html", form=form, feedback_form=None,
                           template_key=template_key, **_common())


@blueprint.get("/forms/<int:form_id>")
def show_form(form_id: int):
    form = get_form_or_404(form_id)
    draft = services.draft_version(form)
    current = services.current_version(form)
    return render_template("feedback/builder_show.html", feedback_form=form, draft=draft, current=current,
                           shown=draft or current, counts=services.responses_per_version(form.id),
                           study=db.session.get(ResearchStudy, form.study_id) if form.study_id else None,
                           **_common())


@blueprint.route("/forms/<int:form_id>/settings", methods=["GET", "POST"])
def edit_form(form_id: int):
    feedback_form = get_form_or_404(form_id)
    form = _settings_form(feedback_form)
    if form.validate_on_submit():
        try:
            services.update_settings(current_user, feedback_form, form.settings(), ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            feedback_form = get_form_or_404(form_id)
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The settings are saved."), "success")
            return redirect(url_for("feedback.show_form", form_id=form_id))
    return render_template("feedback/builder_settings.html", form=form, feedback_form=feedback_form,
                           template_key=None, **_common())


def _act(form_id: int, action, success: str):
    """A one-button action on a form: run it, commit, say what happened (or why not)."""
    form = get_form_or_404(form_id)
    _confirmed()
    try:
        action(form)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(url_for("feedback.show_form", form_id=form_id))


@blueprint.post("/forms/<int:form_id>/publish")
def publish_form(form_id: int):
    return _act(form_id, lambda form: services.publish(current_user, form, ip=client_ip(), now=utcnow()),
                _("The form is published: people answer this version from now on."))


@blueprint.post("/forms/<int:form_id>/close")
def close_form(form_id: int):
    return _act(form_id, lambda form: services.close(current_user, form, ip=client_ip(), now=utcnow()),
                _("The form is closed: nobody can answer it any more, and invitations not yet answered are "
                  "cancelled."))


@blueprint.post("/forms/<int:form_id>/reopen")
def reopen_form(form_id: int):
    return _act(form_id, lambda form: services.reopen(current_user, form, ip=client_ip(), now=utcnow()),
                _("The form is open again. Invitations cancelled when it closed stay cancelled."))


@blueprint.post("/forms/<int:form_id>/new-version")
def new_version(form_id: int):
    return _act(form_id, lambda form: services.start_new_version(current_user, form, ip=client_ip(), now=utcnow()),
                _("A new draft version is ready to edit. People keep answering the published version until you "
                  "publish this one."))


@blueprint.post("/forms/<int:form_id>/discard-version")
def discard_version(form_id: int):
    return _act(form_id, lambda form: services.discard_draft(current_user, form, ip=client_ip(), now=utcnow()),
                _("The draft version is discarded."))


# --- Questions --------------------------------------------------------------------------------------------

def _question_page(feedback_form, form, question):
    return render_template("feedback/builder_question.html", feedback_form=feedback_form, form=form,
                           question=question, **_common())


@blueprint.route("/forms/<int:form_id>/questions/new", methods=["GET", "POST"])
def new_question(form_id: int):
    feedback_form = get_form_or_404(form_id)
    if services.draft_version(feedback_form) is None or feedback_form.status == "closed":
        flash(_("This version is published and no longer changes: start a new version to edit the questions."),
              "warning")
        return redirect(url_for("feedback.show_form", form_id=form_id))
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            services.add_question(current_user, feedback_form, form.question_data(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            feedback_form = get_form_or_404(form_id)
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The question is added."), "success")
            return redirect(url_for("feedback.show_form", form_id=form_id) + "#questions")
    return _question_page(feedback_form, form, None)


@blueprint.route("/forms/<int:form_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
def edit_question(form_id: int, question_id: int):
    feedback_form = get_form_or_404(form_id)
    question = get_question_or_404(feedback_form, question_id)
    draft = services.draft_version(feedback_form)
    if draft is None or question.version_id != draft.id or feedback_form.status == "closed":
        flash(_("This version is published and no longer changes: start a new version to edit the questions."),
              "warning")
        return redirect(url_for("feedback.show_form", form_id=form_id))
    form = QuestionForm(obj=question)
    if request.method == "GET":
        form.options.data = services.options_text(question.options)
    if form.validate_on_submit():
        try:
            services.update_question(current_user, feedback_form, question, form.question_data(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            feedback_form = get_form_or_404(form_id)
            question = get_question_or_404(feedback_form, question_id)
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The question is saved."), "success")
            return redirect(url_for("feedback.show_form", form_id=form_id) + "#questions")
    return _question_page(feedback_form, form, question)


def _question_action(form_id: int, question_id: int, action, success: str | None):
    feedback_form = get_form_or_404(form_id)
    question = get_question_or_404(feedback_form, question_id)
    _confirmed()
    try:
        action(feedback_form, question)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        if success:
            flash(success, "success")
    return redirect(url_for("feedback.show_form", form_id=form_id) + "#questions")


@blueprint.post("/forms/<int:form_id>/questions/<int:question_id>/remove")
def remove_question(form_id: int, question_id: int):
    return _question_action(
        form_id, question_id,
        lambda form, question: services.remove_question(current_user, form, question, now=utcnow()),
        _("The question is removed from this version."))


@blueprint.post("/forms/<int:form_id>/questions/<int:question_id>/move")
def move_question(form_id: int, question_id: int):
    direction = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if direction is None:
        abort(400)
    return _question_action(
        form_id, question_id,
        lambda form, question: services.move_question(current_user, form, question, direction, now=utcnow()),
        None)


# --- Results ----------------------------------------------------------------------------------------------

@blueprint.get("/forms/<int:form_id>/results")
def results_page(form_id: int):
    form = get_form_or_404(form_id)
    for_research = current_user.role == "researcher"
    if for_research and not results.researchers_may_read(form):
        abort(403)
    summary = results.summarise(form, for_research=for_research)
    return render_template("feedback/results.html", feedback_form=form, summary=summary, for_research=for_research,
                           format_percent=format_percent, format_decimal=format_decimal, **_common())
