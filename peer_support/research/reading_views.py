"""The researchers' pages: a form's responses under pseudonyms, one response with its free text masked, and the
hand redactions. Only what research/dataset.py gives; no person's id in any address (responses have opaque keys).
The coordinator sees the same masked pages (they run the programme); every other role is refused."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from peer_support.audit.services import record
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.forms import ConfirmForm, show_form_error
from peer_support.feedback.labels import KIND_LABELS, PRIVACY_LABELS, YES_NO_LABELS, bilingual, option_label
from peer_support.pagination import page_number
from peer_support.research import blueprint, reading, redactions, studies
from peer_support.research.forms import RedactionForm
from peer_support.research.models import AnswerRedaction
from peer_support.security import client_ip

PER_PAGE = 50


@blueprint.app_template_global()
def research_overview() -> list:
    """(study or None, [FormRow]) for the researchers' home: each study's forms, then anonymous forms."""
    overview = [(row.study, reading.forms_of_study(row.study.id)) for row in studies.list_studies()]
    anonymous = reading.forms_of_study(None)
    if anonymous:
        overview.append((None, anonymous))
    return overview


@blueprint.app_template_global()
def has_endpoint(endpoint: str) -> bool:
    """Whether a page exists (the export pages are a separate part of this feature)."""
    return endpoint in current_app.view_functions


def get_form_or_404(form_id: int):
    return reading.research_form(form_id) or abort(404)


def _response_or_404(form, key: str):
    response_id = reading.find_response_id(form, key)
    if response_id is None:
        abort(404)  # unknown key, or the person withdrew: the same answer
    keyed = reading.one_response(form, response_id)
    return response_id, keyed or abort(404)


@blueprint.get("/forms/<int:form_id>/responses")
def responses(form_id: int):
    form = get_form_or_404(form_id)
    page = reading.responses_page(form, page=request.args.get("page", 1, type=page_number), per_page=PER_PAGE)
    rendered = render_template("research/responses.html", form=form, page=page, privacy_labels=PRIVACY_LABELS,
                               study=studies.get_study(form.study_id) if form.study_id else None, bilingual=bilingual)
    record("research.responses_view", actor=current_user, object_type="feedback_form", object_id=form.id,
           ip=client_ip(), now=utcnow(), details={"page": page.page, "responses": len(page.items)})
    db.session.commit()  # after rendering: the commit expires what the page shows
    return rendered


def _response_page(form, response_id, keyed, redaction_form=None, status=200):
    text_answers = {key: answer_id for key, answer_id in keyed.response.answer_ids.items()
                    if isinstance(keyed.response.answers.get(key), str)}
    questions = reading.questions_of(form, keyed.response.version)
    rendered = render_template(
        "research/response.html", form=form, keyed=keyed, questions=questions, text_answers=text_answers,
        redactions=redactions.redactions_of(text_answers.values()), redaction_form=redaction_form,
        confirm=ConfirmForm(), kind_labels=KIND_LABELS, yes_no_labels=YES_NO_LABELS, bilingual=bilingual,
        option_label=option_label)
    record("research.responses_view", actor=current_user, object_type="feedback_form", object_id=form.id,
           ip=client_ip(), now=utcnow(), details={"response_id": response_id, "responses": 1})
    db.session.commit()
    return rendered, status


@blueprint.get("/forms/<int:form_id>/responses/<key>")
def response(form_id: int, key: str):
    form = get_form_or_404(form_id)
    response_id, keyed = _response_or_404(form, key)
    return _response_page(form, response_id, keyed)


@blueprint.post("/forms/<int:form_id>/responses/<key>/redactions")
def redact(form_id: int, key: str):
    form = get_form_or_404(form_id)
    response_id, keyed = _response_or_404(form, key)
    redaction_form = RedactionForm()
    if redaction_form.validate_on_submit():
        answer_id = keyed.response.answer_ids.get(redaction_form.answer.data)
        if answer_id is None or not isinstance(keyed.response.answers.get(redaction_form.answer.data), str):
            abort(400)
        try:
            count = redactions.redact(current_user, answer_id, redaction_form.phrase.data, form_id=form.id,
                                      ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_form_error(redaction_form, error)
        else:
            db.session.commit()
            flash(ngettext("Masked in %(num)d place, for every researcher and in every export.",
                           "Masked in %(num)d places, for every researcher and in every export.", count), "success")
            return redirect(url_for("research.response", form_id=form.id, key=key)
                            + f"#answer-{redaction_form.answer.data}")
    elif redaction_form.answer.errors:
        abort(400)
    form = get_form_or_404(form_id)
    return _response_page(form, response_id, reading.one_response(form, response_id), redaction_form, status=400)


@blueprint.post("/forms/<int:form_id>/responses/<key>/redactions/<int:redaction_id>/remove")
def remove_redaction(form_id: int, key: str, redaction_id: int):
    form = get_form_or_404(form_id)
    _response_id, keyed = _response_or_404(form, key)
    redaction = db.session.get(AnswerRedaction, redaction_id)
    if redaction is None or redaction.answer_id not in keyed.response.answer_ids.values():
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        redactions.remove_redaction(current_user, redaction, form_id=form.id, ip=client_ip(), now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(_("The redaction is removed."), "success")
    return redirect(url_for("research.response", form_id=form_id, key=key))
