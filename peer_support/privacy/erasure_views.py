"""Erasure of a person's data on request, and the legal hold that blocks it (the coordinator's)."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.forms import ConfirmForm, show_form_error
from peer_support.people.services import get_person
from peer_support.privacy import blueprint
from peer_support.privacy.erasure import erase as erase_person
from peer_support.privacy.erasure import erasure_effects, lift_legal_hold, set_legal_hold
from peer_support.privacy.forms import ErasureForm, LegalHoldForm
from peer_support.security import client_ip


def _person_or_404(person_id: int):
    # The endpoint rule lets only coordinators in; they see every record.
    person = get_person(person_id)
    if person is None:
        abort(404)
    return person


@blueprint.route("/people/<int:person_id>/erase", methods=["GET", "POST"])
def erase(person_id: int):
    person = _person_or_404(person_id)
    form = ErasureForm()
    if person.anonymised_at is None and not person.legal_hold and form.validate_on_submit():
        try:
            code = erase_person(current_user, person, reason=form.reason.data, confirmation=form.confirmation.data,
                                ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
            person = _person_or_404(person_id)
        else:
            db.session.commit()
            flash(_("The person's identifying data is erased. The record is now %(code)s.", code=code), "success")
            return redirect(url_for("people.show", person_id=person_id))
    elif form.is_submitted() and (person.anonymised_at is not None or person.legal_hold):
        # Refused before anything is read from the form: the page says why.
        flash(_("This person's data has already been anonymised.") if person.anonymised_at is not None else
              _("A legal hold is set on this record: its data cannot be erased until the hold is lifted."), "danger")
    return render_template("privacy/erase.html", person=person, form=form, effects=erasure_effects(person))


@blueprint.route("/people/<int:person_id>/legal-hold", methods=["GET", "POST"])
def legal_hold(person_id: int):
    person = _person_or_404(person_id)
    form = LegalHoldForm()
    if form.validate_on_submit():
        try:
            set_legal_hold(current_user, person, reason=form.reason.data, ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
            person = _person_or_404(person_id)
        else:
            db.session.commit()
            flash(_("A legal hold is set: this record cannot be erased or anonymised until it is lifted."), "success")
            return redirect(url_for("people.show", person_id=person_id))
    return render_template("privacy/legal_hold.html", person=person, form=form, confirm=ConfirmForm())


@blueprint.post("/people/<int:person_id>/legal-hold/lift")
def lift_hold(person_id: int):
    person = _person_or_404(person_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        lift_legal_hold(current_user, person, ip=client_ip(), now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(_("The legal hold is lifted."), "success")
    return redirect(url_for("people.show", person_id=person_id))
