"""Research consent pages: the person's own (My space, or "My research consents" for staff accounts), and the
consents given on paper, recorded on the person's behalf by the coordinator or their peer worker."""
from datetime import time

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from peer_support import permissions
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.forms import ConfirmForm, choices
from peer_support.research import blueprint, consent, studies
from peer_support.research.forms import MyConsentForm, PaperConsentForm, PaperWithdrawalForm
from peer_support.research.models import ConsentText
from peer_support.security import client_ip
from peer_support.timezones import local_date, local_to_utc


# --- The person's own consents ---------------------------------------------------------------------

def own_subject() -> dict | None:
    """Whose consents the signed-in account manages: a service user's own record, or the account itself."""
    if current_user.role == "service_user":
        from peer_support.myspace.services import own_record

        person = own_record(current_user)
        return {"service_user_id": person.id} if person is not None else None
    return {"account_id": current_user.id}


def my_studies() -> list:
    """The studies the signed-in person is asked about, for My space and the "My research consents" page."""
    subject = own_subject()
    return studies.studies_of(**subject) if subject else []


@blueprint.app_template_global()
def my_research_studies() -> list:
    return my_studies()


@blueprint.app_context_processor
def _consent_forms():
    return {"my_consent_form": MyConsentForm, "confirm_form": ConfirmForm}


def _back():
    if current_user.role == "service_user":
        return redirect(url_for("myspace.index") + "#research-title")
    return redirect(url_for("research.my_consents"))


@blueprint.get("/my-consents")
def my_consents():
    return render_template("research/consent_mine.html", items=my_studies())


@blueprint.post("/my-consents/<int:study_id>/agree")
def give_my_consent(study_id: int):
    subject = own_subject() or abort(404)
    item = studies.person_study(study_id, **subject) or abort(404)
    form = MyConsentForm()
    if not form.validate_on_submit():
        abort(400)
    text = item.current_text
    if text is None or str(text.version) != form.version.data:
        # The text changed while the page was open: the person must read the new one first.
        flash(_("The consent text has changed since you opened the page. Read the new version, then agree again."),
              "danger")
        return _back()
    try:
        consent.give_consent(text, **subject, method="in_app", care_use=form.care_use.data, actor=current_user,
                             ip=client_ip(), now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(_("Thank you: your consent is recorded. You can withdraw it at any time."), "success")
    return _back()


@blueprint.post("/my-consents/<int:study_id>/withdraw")
def withdraw_my_consent(study_id: int):
    subject = own_subject() or abort(404)
    studies.person_study(study_id, **subject) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    withdrawn = consent.withdraw_consent(study_id, **subject, method="in_app", actor=current_user, ip=client_ip(),
                                         now=utcnow())
    db.session.commit()
    if withdrawn:
        flash(_("Your consent is withdrawn. Your answers are no longer given to the researchers."), "success")
    return _back()


# --- Consents on paper, recorded by the coordinator or the person's peer worker -------------------------

def get_person_for_consents_or_404(person_id: int):
    from peer_support.people.services import get_person

    person = get_person(person_id)
    if person is None or not permissions.can_record_paper_consent(current_user, person):
        abort(404)
    return person


def _paper_forms(items, consent_form=None, withdrawal_form=None):
    consent_form = consent_form or PaperConsentForm(formdata=None, data={"given_on": local_date(utcnow())})
    withdrawal_form = withdrawal_form or PaperWithdrawalForm(formdata=None)
    consent_form.text_id.choices = choices(
        [(item.current_text.id, f"{item.study.code} — {_('version %(version)d', version=item.current_text.version)}")
         for item in items if item.current_text is not None])
    withdrawal_form.study_id.choices = choices([(item.study.id, item.study.code) for item in items if item.consent])
    return consent_form, withdrawal_form


def _person_page(person, consent_form=None, withdrawal_form=None, status=200):
    items = studies.studies_of(service_user_id=person.id, every_study=True)
    consent_form, withdrawal_form = _paper_forms(items, consent_form, withdrawal_form)
    page = render_template("research/consent_person.html", person=person, items=items, consent_form=consent_form,
                           withdrawal_form=withdrawal_form)
    from peer_support.audit.services import record

    record("research.person_consents_view", actor=current_user, object_type="service_user", object_id=person.id,
           ip=client_ip(), now=utcnow())
    db.session.commit()  # after rendering: the commit expires what the page shows
    return page, status


@blueprint.get("/people/<int:person_id>/consents")
def person_consents(person_id: int):
    return _person_page(get_person_for_consents_or_404(person_id))


@blueprint.post("/people/<int:person_id>/consents")
def record_paper_consent(person_id: int):
    person = get_person_for_consents_or_404(person_id)
    items = studies.studies_of(service_user_id=person.id, every_study=True)
    form, _withdrawal = _paper_forms(items, PaperConsentForm())
    now = utcnow()
    valid = form.validate_on_submit()
    if valid and form.given_on.data > local_date(now):
        form.given_on.errors = list(form.given_on.errors) + [_("The date of signature cannot be in the future.")]
    elif valid:
        text = db.session.get(ConsentText, form.text_id.data)
        try:
            given = consent.give_consent(text, service_user_id=person.id, method="paper", care_use=form.care_use.data,
                                         recorded_by=current_user, actor=current_user, ip=client_ip(), now=now)
        except DomainError as error:
            db.session.rollback()
            person = get_person_for_consents_or_404(person_id)
            form.text_id.errors = list(form.text_id.errors) + [str(error)]
        else:
            signed = local_to_utc(form.given_on.data, time(12))
            if given.given_at == now:  # a new consent (the same one already in force is returned unchanged)
                given.given_at = min(signed, now)  # the date on the paper form (noon, local time), not today
            db.session.commit()
            flash(_("The consent on paper is recorded."), "success")
            return redirect(url_for("research.person_consents", person_id=person_id))
    return _person_page(person, consent_form=form, status=400)


@blueprint.post("/people/<int:person_id>/consents/withdraw")
def record_paper_withdrawal(person_id: int):
    person = get_person_for_consents_or_404(person_id)
    items = studies.studies_of(service_user_id=person.id, every_study=True)
    _consent_form, form = _paper_forms(items, None, PaperWithdrawalForm())
    if form.validate_on_submit():
        consent.withdraw_consent(form.study_id.data, service_user_id=person.id, method="paper",
                                 recorded_by=current_user, actor=current_user, ip=client_ip(), now=utcnow())
        db.session.commit()
        flash(_("The withdrawal is recorded: the person's answers are no longer given to the researchers."),
              "success")
        return redirect(url_for("research.person_consents", person_id=person_id))
    return _person_page(person, withdrawal_form=form, status=400)


@blueprint.app_template_global()
def research_consents_url(person) -> str | None:
    """The link to a person's research consents, for those who may record them (the record, the caseload)."""
    if permissions.can_record_paper_consent(current_user, person):
        return url_for("research.person_consents", person_id=person.id)
    return None

