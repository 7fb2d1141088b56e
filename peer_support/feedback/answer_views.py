"""Answering a questionnaire: by the personal link (public: the token is the key), or signed in from My space
or the staff home page; the list of one's own questionnaires to answer."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import abort, redirect, render_template, session, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from peer_support.audit.models import AuditEntry
from peer_support.audit.services import record
from peer_support.config import LOCALES
from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.feedback import answering, blueprint
from peer_support.feedback.answer_forms import LIKERT_VALUES, build_answer_form, raw_answers
from peer_support.feedback.labels import bilingual
from peer_support.forms import show_form_error
from peer_support.i18n import select_locale
from peer_support.security import client_ip

# Links refused (unknown, used, expired, cancelled) from one address within the window; beyond, every
# answering link from that address gets "too many attempts" for a while (valid ones too: no oracle).
REFUSED_ACTION = "feedback.link_refused"
REFUSED_LIMIT = 30
REFUSED_WINDOW = timedelta(minutes=15)
NO_STORE = {"Cache-Control": "no-store"}

# What a respondent reads about what happens to their answers (the builder's explanations speak to the team).
RESPONDENT_PRIVACY = {
    "anonymous": _l("Your answers are anonymous: nobody, not even the team, can know who gave them."),
    "pseudonymous": _l("Your answers help the team and, if you agree, a research study, under a code instead of "
                       "your name."),
    "care_only": _l("Your answers are read by the peer support team only, to improve the accompaniment; they are "
                    "never used for research."),
}


@blueprint.app_context_processor
def _questionnaires_to_answer():
    def my_questionnaires_to_answer():
        if not current_user.is_authenticated or current_user.role not in ("staff", "service_user"):
            return []
        return answering.open_for_account(current_user, now=utcnow())

    return {"my_questionnaires_to_answer": my_questionnaires_to_answer}


def _too_many_refusals(ip: str, now) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == REFUSED_ACTION, AuditEntry.ip == ip, AuditEntry.at > now - REFUSED_WINDOW)) \
        >= REFUSED_LIMIT


def _unavailable(status: int = 404):
    # One page for a random, used, expired or cancelled link: it never says which.
    return render_template("feedback/answer_unavailable.html", too_many=status == 429), status, NO_STORE


def _page_locale(answerable: answering.Answerable) -> str:
    """The reader's own choice (account, language switch), else the invitee's language, else the browser's."""
    if current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    if session.get("locale") in LOCALES:
        return session["locale"]
    if answerable.language in LOCALES:
        return answerable.language
    return select_locale()


def _answer_page(answerable: answering.Answerable, *, actor, now):
    locale = _page_locale(answerable)
    with force_locale(locale):
        questions = answerable.version.questions
        form = build_answer_form(questions, locale, ask_consent=answerable.consent_text is not None)
        if form.validate_on_submit():
            consent_choice = form.research_consent.data if "research_consent" in form else None
            _cleaned, problems = answering.check_answers(questions, raw_answers(form, questions))
            problem = answering.check_consent_choice(answerable, consent_choice)
            for error in problems + ([problem] if problem else []):
                show_form_error(form, error)
            if not problems and problem is None:
                try:
                    answering.submit(answerable, raw_answers(form, questions), consent_choice=consent_choice,
                                     actor=actor, ip=client_ip(), locale=locale, now=now)
                except (answering.InvalidLink, IntegrityError):
                    # Used meanwhile (another tab, a double click): the same page as for any unusable link.
                    db.session.rollback()
                    return _unavailable()
                db.session.commit()
                return redirect(url_for("feedback.answer_thanks"))
        status = 400 if form.is_submitted() else 200
        page = render_template(
            "feedback/answer.html", form=form, answerable=answerable, questions=questions, locale=locale,
            title=bilingual(answerable.form, "title", locale),
            description=bilingual(answerable.form, "description", locale),
            privacy_note=RESPONDENT_PRIVACY[answerable.form.privacy],
            consent_text=(bilingual(answerable.consent_text, "text", locale) if answerable.consent_text else None),
            likert_values=LIKERT_VALUES, field_errors=_field_errors(form))
    return page, status, NO_STORE


def _field_errors(form) -> dict:
    return {name: list(field.errors) for name, field in form._fields.items() if field.errors}


@blueprint.route("/answer/<token>", methods=["GET", "POST"])
def answer(token: str):
    # The signed-in account (if any) first: loading it may commit its session's bookkeeping (security.py), which
    # would expire the invitation and questions loaded below, mid-view (their relationships do not lazy-load).
    signed_in = current_user.is_authenticated
    now = utcnow()
    ip = client_ip()
    if _too_many_refusals(ip, now):
        return _unavailable(429)
    answerable = answering.find_by_token(token, now=now)
    if answerable is None:
        record(REFUSED_ACTION, actor_label=answering.LINK_ACTOR, ip=ip, now=now, outcome="denied")
        db.session.commit()
        return _unavailable()
    mine = signed_in and current_user.id in (
        answerable.account.id if answerable.account else None,
        answerable.person.account_id if answerable.person else None)
    return _answer_page(answerable, actor=current_user if mine else None, now=now)


@blueprint.route("/mine/<int:invitation_id>", methods=["GET", "POST"])
def answer_mine(invitation_id: int):
    now = utcnow()
    answerable = answering.find_own(current_user, invitation_id, now=now)
    if answerable is None:
        abort(404)  # someone else's, used, expired or cancelled: its existence stays hidden
    return _answer_page(answerable, actor=current_user, now=now)


@blueprint.get("/thanks")
def answer_thanks():
    return render_template("feedback/answer_thanks.html"), 200, NO_STORE


@blueprint.get("/to-answer")
def to_answer():
    return render_template("feedback/answer_list.html",
                           questionnaires=answering.open_for_account(current_user, now=utcnow()))
