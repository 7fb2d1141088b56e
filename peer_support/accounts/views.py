from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from peer_support import permissions
from peer_support.accounts import blueprint, services
from peer_support.accounts.forms import AccountFilterForm, AccountForm, NewAccountForm, ResetPasswordForm
from peer_support.auth.services import end_sessions_of
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.forms import ConfirmForm, choices, show_form_error
from peer_support.pagination import page_number
from peer_support.security import client_ip
from peer_support.units.services import unit_choices

PER_PAGE = 50


def get_account_or_404(account_id: int, need: str = "edit"):
    account = services.get_account(account_id)
    if account is None:
        abort(404)
    rule = {"edit": permissions.can_edit_account, "deactivate": permissions.can_deactivate_account}[need]
    if not rule(current_user, account):
        abort(403)
    return account


def _data(form) -> services.AccountData:
    return services.AccountData(email=form.email.data, name=form.name.data, role=form.role.data,
                                profession=form.profession.data or None, locale=form.locale.data or None,
                                unit_ids=form.unit_ids.data or [])


@blueprint.get("/")
def index():
    filters = AccountFilterForm(request.args)
    filters.validate()
    status = filters.status.data
    page = services.list_accounts(role=filters.role.data or None,
                                  active={"active": True, "inactive": False}.get(status),
                                  text=filters.q.data or None, page=request.args.get("page", 1, type=page_number),
                                  per_page=PER_PAGE)
    return render_template("accounts/index.html", page=page, filters=filters, confirm=ConfirmForm())


@blueprint.route("/new", methods=["GET", "POST"])
def create():
    form = NewAccountForm()
    form.unit_ids.choices = choices(unit_choices())
    if form.validate_on_submit():
        try:
            account = services.create_account(current_user, _data(form), password=form.new_password.data,
                                              ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The account of %(name)s is created. Give them their temporary password; "
                    "they will choose their own at first sign-in.", name=account.name), "success")
            return redirect(url_for("accounts.index"))
    return render_template("accounts/form.html", form=form, account=None)


@blueprint.route("/<int:account_id>/edit", methods=["GET", "POST"])
def edit(account_id: int):
    account = get_account_or_404(account_id)
    form = AccountForm(obj=account)
    form.unit_ids.choices = choices(unit_choices(include_ids=[u.id for u in account.units]))
    if request.method == "GET":
        form.unit_ids.data = [u.id for u in account.units]
        form.profession.data = account.profession or ""
        form.locale.data = account.locale or ""
    if form.validate_on_submit():
        try:
            services.update_account(current_user, account, _data(form), ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The account of %(name)s is saved.", name=account.name), "success")
            return redirect(url_for("accounts.index"))
    return render_template("accounts/form.html", form=form, account=account, confirm=ConfirmForm())


@blueprint.post("/<int:account_id>/deactivate")
def deactivate(account_id: int):
    account = get_account_or_404(account_id, need="deactivate")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.deactivate_account(current_user, account, ip=client_ip(), now=utcnow())
    db.session.commit()
    flash(_("The account of %(name)s is deactivated; its sessions are closed.", name=account.name), "success")
    return redirect(url_for("accounts.edit", account_id=account.id))


@blueprint.post("/<int:account_id>/end-sessions")
def end_sessions(account_id: int):
    account = get_account_or_404(account_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ended = end_sessions_of(current_user, account, ip=client_ip(), now=utcnow())
    db.session.commit()
    flash(ngettext("%(num)d session of %(name)s is ended.", "%(num)d sessions of %(name)s are ended.", ended,
                   name=account.name), "success")
    return redirect(url_for("accounts.edit", account_id=account.id))


@blueprint.post("/<int:account_id>/two-factor/reset")
def two_factor_reset(account_id: int):
    from peer_support.auth import two_factor

    account = get_account_or_404(account_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if two_factor.is_enabled(account):
        two_factor.reset(current_user, account, ip=client_ip(), now=utcnow())
        db.session.commit()
        flash(_("The second factor of %(name)s is removed; they set it up again at their next sign-in.",
                name=account.name), "success")
    else:
        flash(_("%(name)s has no second factor.", name=account.name), "info")
    return redirect(url_for("accounts.edit", account_id=account.id))


@blueprint.post("/<int:account_id>/reactivate")
def reactivate(account_id: int):
    account = get_account_or_404(account_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.reactivate_account(current_user, account, ip=client_ip(), now=utcnow())
    db.session.commit()
    flash(_("The account of %(name)s is active again.", name=account.name), "success")
    return redirect(url_for("accounts.edit", account_id=account.id))


@blueprint.route("/<int:account_id>/password", methods=["GET", "POST"])
def reset_password(account_id: int):
    account = get_account_or_404(account_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(current_user, account, form.new_password.data, ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("A temporary password is set for %(name)s; they will choose their own at next sign-in.",
                    name=account.name), "success")
            return redirect(url_for("accounts.edit", account_id=account.id))
    return render_template("accounts/reset_password.html", form=form, account=account)
