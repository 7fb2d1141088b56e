"""Sending questionnaires by hand: a form's invitations (the coordinator), a person's questionnaires (the
coordinator or their peer worker), cancelling one, printing a new link for a person without e-mail."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload
from wtforms import SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, Optional

from peer_support import permissions
from peer_support.audit.services import record
from peer_support.auth.models import Account
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.feedback import blueprint, invitations
from peer_support.feedback.labels import TRIGGER_LABELS, bilingual
from peer_support.feedback.models import FeedbackForm, FeedbackInvitation
from peer_support.forms import ConfirmForm, SelectField, choices, optional_int, show_form_error, stripped
from peer_support.people.models import ServiceUser
from peer_support.security import client_ip
from peer_support.units.models import Unit

LIST_LIMIT = 500

STATE_LABELS = {
    "open": _l("Waiting for an answer"),
    "answered": _l("Answered"),
    "cancelled": _l("Cancelled"),
    "expired": _l("Expired"),
}
CANCEL_REASON_LABELS = {
    "by_hand": _l("by hand"),
    "reopened": _l("the accompaniment reopened"),
    "consent_withdrawn": _l("research consent withdrawn"),
    "form_closed": _l("questionnaire closed"),
    "erasure": _l("data erased"),
}


class InvitePersonForm(FlaskForm):
    person_code = StringField(_l("Code of the person"), filters=[stripped],
                              validators=[InputRequired(_l("Enter the person's code, such as PA-7K3M9Q.")),
                                          Length(max=12)],
                              description=_l("The code shown on the person's record."))


class InviteStaffForm(FlaskForm):
    account_ids = SelectMultipleField(_l("Members of staff"), coerce=int, validate_choice=False)
    unit_id = SelectField(_l("Or every member of staff of a unit"), coerce=optional_int, validators=[Optional()])


class ChooseFormForm(FlaskForm):
    form_id = SelectField(_l("Questionnaire"), coerce=optional_int,
                          validators=[InputRequired(_l("Choose a questionnaire."))])


@blueprint.app_context_processor
def _invitation_labels():
    return {"invitation_state_labels": STATE_LABELS, "invitation_cancel_reason_labels": CANCEL_REASON_LABELS,
            "invitation_trigger_labels": TRIGGER_LABELS}


def _get_form_or_404(form_id: int) -> FeedbackForm:
    form = db.session.get(FeedbackForm, form_id)
    if form is None:
        abort(404)
    return form


def _get_person_or_404(person_id: int) -> ServiceUser:
    person = db.session.scalar(sa.select(ServiceUser).options(selectinload(ServiceUser.units))
                               .where(ServiceUser.id == person_id))
    if person is None or not permissions.can_invite_to_feedback(current_user, person):
        abort(404)
    return person


def _get_invitation_or_404(invitation_id: int) -> FeedbackInvitation:
    """The invitation, if the actor may act on it: a person's (coordinator, their worker), staff's (coordinator)."""
    invitation = db.session.get(FeedbackInvitation, invitation_id)
    if invitation is None:
        abort(404)
    if invitation.service_user_id is not None:
        person = db.session.get(ServiceUser, invitation.service_user_id)
        if not permissions.can_invite_to_feedback(current_user, person):
            abort(404)
    elif not permissions.is_coordinator(current_user):
        abort(404)
    return invitation


def _rows(*conditions):
    """Invitations with their form and invitee (person or account), newest first: one query."""
    return db.session.execute(
        sa.select(FeedbackInvitation, FeedbackForm, ServiceUser, Account)
        .join(FeedbackForm, FeedbackForm.id == FeedbackInvitation.form_id)
        .outerjoin(ServiceUser, ServiceUser.id == FeedbackInvitation.service_user_id)
        .outerjoin(Account, Account.id == FeedbackInvitation.account_id)
        .where(*conditions)
        .order_by(FeedbackInvitation.created_at.desc(), FeedbackInvitation.id.desc()).limit(LIST_LIMIT)).all()


def _back(invitation: FeedbackInvitation) -> str:
    target = request.form.get("back")
    if target == "person" and invitation.service_user_id is not None:
        return url_for("feedback.person_invitations", person_id=invitation.service_user_id)
    return url_for("feedback.form_invitations", form_id=invitation.form_id)


@blueprint.route("/forms/<int:form_id>/invitations", methods=["GET", "POST"])
def form_invitations(form_id: int):
    form = _get_form_or_404(form_id)
    now = utcnow()
    staff = form.audience == "staff"
    invite_form = InviteStaffForm() if staff else InvitePersonForm()
    if staff:
        invite_form.account_ids.choices = choices(
            (account.id, account.name) for account in db.session.scalars(
                sa.select(Account).where(Account.role == "staff", Account.is_active).order_by(Account.name)))
        units = db.session.scalars(sa.select(Unit).order_by(Unit.code))
        invite_form.unit_id.choices = choices([(None, _("No unit"))]
                                              + [(unit.id, f"{unit.code} — {unit.name}") for unit in units])
    if invite_form.validate_on_submit():
        try:
            if staff:
                chosen = set(invite_form.account_ids.data or [])
                accounts = list(db.session.scalars(sa.select(Account).where(Account.id.in_(sorted(chosen))))) \
                    if chosen else []
                if invite_form.unit_id.data:
                    accounts += [a for a in invitations.staff_accounts_of_unit(invite_form.unit_id.data)
                                 if a.id not in chosen]
                count = invitations.invite_staff(current_user, form, accounts, ip=client_ip(), now=now)
                message = ngettext("%(num)d invitation sent.", "%(num)d invitations sent.", count)
            else:
                person = db.session.scalar(sa.select(ServiceUser).where(
                    sa.func.upper(ServiceUser.code) == invite_form.person_code.data.upper()))
                if person is None:
                    raise DomainError(_l("No record has this code."), field="person_code")
                invitation = invitations.invite_person(current_user, form, person, ip=client_ip(), now=now)
                message = (_("The invitation is sent by e-mail.") if invitation.sent_at is not None else
                           _("The invitation is ready. The person has no e-mail address: it shows in their own "
                             "space, or print a link for them below."))
        except DomainError as error:
            db.session.rollback()
            show_form_error(invite_form, error)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("feedback.form_invitations", form_id=form.id))
    status = 400 if invite_form.is_submitted() else 200
    return render_template("feedback/invitations_form.html", form=form, invite_form=invite_form,
                           rows=_rows(FeedbackInvitation.form_id == form.id), now=now,
                           title=bilingual(form, "title", str(get_locale())),
                           action_form=ConfirmForm()), status


@blueprint.route("/people/<int:person_id>/questionnaires", methods=["GET", "POST"])
def person_invitations(person_id: int):
    person = _get_person_or_404(person_id)
    now = utcnow()
    locale = str(get_locale())
    choose = ChooseFormForm()
    published = list(db.session.scalars(sa.select(FeedbackForm).where(
        FeedbackForm.status == "published", FeedbackForm.audience == "service_user").order_by(FeedbackForm.id)))
    # The placeholder's value is empty (None would be sent as "None"): HTML requires it of a required list.
    choose.form_id.choices = choices([("", _("Choose…"))] + [(f.id, bilingual(f, "title", locale))
                                                              for f in published])
    if choose.validate_on_submit():
        form = next((f for f in published if f.id == choose.form_id.data), None)
        try:
            if form is None:
                raise DomainError(_l("Only a published questionnaire can be sent."), field="form_id")
            if person.anonymised_at is not None:
                raise DomainError(_l("This person's data has been anonymised: they cannot be invited."))
            invitation = invitations.invite_person(current_user, form, person, ip=client_ip(), now=now)
        except DomainError as error:
            db.session.rollback()
            person = _get_person_or_404(person_id)
            show_form_error(choose, error)
        else:
            db.session.commit()
            flash(_("The invitation is sent by e-mail.") if invitation.sent_at is not None else
                  _("The invitation is ready. The person has no e-mail address: it shows in their own space, or "
                    "print a link for them below."), "success")
            return redirect(url_for("feedback.person_invitations", person_id=person.id))
    status = 400 if choose.is_submitted() else 200
    page = render_template("feedback/invitations_person.html", person=person, choose=choose,
                           rows=_rows(FeedbackInvitation.service_user_id == person.id), now=now,
                           action_form=ConfirmForm(), locale=locale)
    record("feedback.person_invitations_view", actor=current_user, object_type="service_user", object_id=person.id,
           ip=client_ip(), now=now)
    db.session.commit()
    return page, status


@blueprint.post("/invitations/<int:invitation_id>/cancel")
def cancel_invitation(invitation_id: int):
    invitation = _get_invitation_or_404(invitation_id)
    back = _back(invitation)
    if ConfirmForm().validate_on_submit():
        try:
            invitations.cancel_by_hand(current_user, invitation, ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("The invitation is cancelled: its link no longer works."), "success")
    return redirect(back)


@blueprint.post("/invitations/<int:invitation_id>/link")
def print_link(invitation_id: int):
    invitation = _get_invitation_or_404(invitation_id)
    back = _back(invitation)
    if not ConfirmForm().validate_on_submit():
        return redirect(back)
    now = utcnow()
    try:
        token = invitations.link_to_print(current_user, invitation, ip=client_ip(), now=now)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(back)
    form = db.session.get(FeedbackForm, invitation.form_id)
    link = url_for("feedback.answer", token=token, _external=True)
    page = render_template("feedback/invitations_link.html", link=link, invitation=invitation, form=form, back=back,
                           title=bilingual(form, "title", str(get_locale())))
    db.session.commit()
    return page
