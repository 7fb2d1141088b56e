"""The second factor in "My account": turning it on (scan, first code, recovery codes), new codes, turning it off."""
from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from peer_support.auth import blueprint, two_factor
from peer_support.auth.forms import EnrolForm, PasswordCheckForm
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.forms import ConfirmForm, show_form_error
from peer_support.privacy.settings import two_factor_required
from peer_support.security import client_ip


def _status_page(codes_form=None, off_form=None, status=200):
    account = current_user
    required = two_factor_required() and account.role in two_factor.PROFESSIONAL_ROLES
    return render_template(
        "auth/two_factor.html", enabled=two_factor.is_enabled(account), required=required,
        must_enrol=two_factor.must_enrol(account, required=two_factor_required()),
        codes_left=two_factor.unused_recovery_codes(account) if two_factor.is_enabled(account) else 0,
        codes_form=codes_form or PasswordCheckForm(formdata=None, prefix="codes"),
        off_form=off_form or PasswordCheckForm(formdata=None, prefix="off"), confirm=ConfirmForm(),
    ), status


@blueprint.get("/account/two-factor")
def two_factor_status():
    return _status_page()


@blueprint.post("/account/two-factor/start")
def two_factor_start():
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("auth.two_factor_status"))
    try:
        two_factor.start_enrolment(current_user, issuer=current_app.config["TWO_FACTOR_ISSUER"])
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "info")
        return redirect(url_for("auth.two_factor_status"))
    db.session.commit()
    return redirect(url_for("auth.two_factor_enrol"))


@blueprint.route("/account/two-factor/enrol", methods=["GET", "POST"])
def two_factor_enrol():
    account = current_user
    if two_factor.is_enabled(account) or not account.totp_secret:
        return _status_page()  # nothing to confirm: on already, or not started
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_enrolment(account, form.code.data, ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
        else:
            page = render_template("auth/recovery_codes.html", codes=codes, first_time=True)
            db.session.commit()
            return page
    enrolment = two_factor.enrolment_of(account, issuer=current_app.config["TWO_FACTOR_ISSUER"])
    return render_template("auth/two_factor_enrol.html", form=form, enrolment=enrolment,
                           qr=enrolment.qr_svg(_("Code to scan with your authenticator app"))), \
        (400 if form.errors else 200)


@blueprint.post("/account/two-factor/recovery-codes")
def two_factor_recovery_codes():
    form = PasswordCheckForm(prefix="codes")
    if form.validate():
        try:
            codes = two_factor.renew_recovery_codes(current_user, form.password.data, ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.commit()  # keeps the audit entry of the failed attempt
            show_form_error(form, error)
        else:
            page = render_template("auth/recovery_codes.html", codes=codes, first_time=False)
            db.session.commit()
            return page
    return _status_page(codes_form=form, status=400)


@blueprint.post("/account/two-factor/off")
def two_factor_off():
    form = PasswordCheckForm(prefix="off")
    if form.validate():
        try:
            two_factor.turn_off(current_user, form.password.data, required=two_factor_required(), ip=client_ip(),
                                now=utcnow())
        except DomainError as error:
            db.session.commit()
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("Two-factor sign-in is off. Your password alone now opens your account."), "success")
            return redirect(url_for("auth.two_factor_status"))
    return _status_page(off_form=form, status=400)
