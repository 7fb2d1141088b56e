from datetime import datetime, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from peer_support.auth import blueprint
from peer_support.auth import services
from peer_support import permissions
from peer_support.auth.forms import (ChangePasswordForm, LoginForm, NudgeMailForm, SecondFactorForm, SettingsForm,
                                     parse_clock)
from peer_support.auth.models import Account
from peer_support.auth.labels import device_name
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.forms import ConfirmForm, show_form_error
from peer_support.security import client_ip, safe_next_url


def _throttle_policy() -> services.ThrottlePolicy:
    config = current_app.config
    return services.ThrottlePolicy(
        max_failures_per_account=config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        max_failures_per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        window=config["LOGIN_FAILURE_WINDOW"],
    )


# How long the second-factor page waits for the code after the right password.
_PENDING_SIGN_IN = timedelta(minutes=5)


def _throttled_page(throttled_for: timedelta):
    minutes = max(1, -(-int(throttled_for.total_seconds()) // 60))
    return render_template("auth/throttled.html", minutes=minutes), 429, {
        "Retry-After": str(int(throttled_for.total_seconds()) + 1)}


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        result = services.sign_in(form.email.data, form.password.data, ip=client_ip(),
                                  policy=_throttle_policy(), now=utcnow())
        if result.throttled_for is not None:
            db.session.commit()
            return _throttled_page(result.throttled_for)
        if not result.succeeded:
            db.session.commit()
            form.password.errors.append(_("The e-mail address or the password is not correct."))
            return render_template("auth/login.html", form=form), 200
        next_url = safe_next_url(request.args.get("next"), url_for("main.home"))
        if result.needs_second_factor:
            db.session.commit()
            session["pending_sign_in"] = {"account_id": result.account.id, "since": utcnow().isoformat(),
                                          "next": next_url}
            return redirect(url_for("auth.second_factor"))
        return _complete_sign_in(result.account, next_url)
    return render_template("auth/login.html", form=form)


def _complete_sign_in(account, next_url: str):
    """A fresh session: nothing from before signing in carries over (but the language chosen)."""
    locale = session.get("locale")
    session.clear()
    token = services.start_session(account, ip=client_ip(), user_agent=request.user_agent.string, now=utcnow())
    login_user(account)
    session["auth_token"] = token
    if locale and not account.locale:
        session["locale"] = locale
    db.session.commit()
    return redirect(next_url)


def _pending_sign_in():
    """The account whose password was right a moment ago in this browser, and where to go next."""
    pending = session.get("pending_sign_in")
    if not isinstance(pending, dict):
        return None
    try:
        since = datetime.fromisoformat(pending["since"])
        account = db.session.get(Account, int(pending["account_id"]))
    except (KeyError, TypeError, ValueError):
        return None
    if account is None or not account.is_active or utcnow() - since > _PENDING_SIGN_IN:
        return None
    return account, pending.get("next") or url_for("main.home")


@blueprint.route("/login/second-factor", methods=["GET", "POST"])
def second_factor():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    pending = _pending_sign_in()
    if pending is None:
        session.pop("pending_sign_in", None)
        flash(_("Sign in again: the page for the code waited more than 5 minutes."), "info")
        return redirect(url_for("auth.login"))
    account, next_url = pending
    form = SecondFactorForm()
    if form.validate_on_submit():
        result = services.second_factor_attempt(account, form.code.data, ip=client_ip(), policy=_throttle_policy(),
                                                now=utcnow())
        db.session.commit()
        if result.throttled_for is not None:
            session.pop("pending_sign_in", None)
            return _throttled_page(result.throttled_for)
        if not result.succeeded:
            form.code.errors.append(_("This code is not correct, or it was already used. Wait for the next one "
                                      "your app shows, or use a recovery code."))
            return render_template("auth/second_factor.html", form=form), 200
        return _complete_sign_in(account, next_url)
    return render_template("auth/second_factor.html", form=form)


@blueprint.post("/logout")
def logout():
    token = session.get("auth_token")
    if token:
        services.end_session(token, reason="logout", now=utcnow())
    services.record_logout(current_user, ip=client_ip(), now=utcnow())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


def _settings_form() -> SettingsForm:
    return SettingsForm(locale=current_user.locale or current_app.config["PEER_SUPPORT_DEFAULT_LOCALE"])


def _nudge_mail_form() -> NudgeMailForm | None:
    """The e-mail choice for nudges, for those who receive nudges (not service users, not researchers)."""
    if not permissions.can_receive_nudges(current_user):
        return None
    from peer_support.nudges.delivery import preference_of

    pref = preference_of(current_user)
    return NudgeMailForm(formdata=None, data={"mode": pref.mode, "quiet_start": pref.quiet_start.strftime("%H:%M"),
                                              "quiet_end": pref.quiet_end.strftime("%H:%M"),
                                              "digest_hour": pref.digest_hour})


@blueprint.route("/account/settings", methods=["GET", "POST"])
def settings():
    form = _settings_form()
    if form.validate_on_submit():
        services.set_own_locale(current_user, form.locale.data)
        db.session.commit()
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("auth.settings"))
    return _settings_page(form, _nudge_mail_form())


def _settings_page(form, mail_form):
    config = current_app.config
    sessions = services.open_sessions(current_user, idle_timeout=config["SESSION_IDLE_TIMEOUT"],
                                      absolute_timeout=config["SESSION_ABSOLUTE_TIMEOUT"], now=utcnow())
    return render_template("auth/settings.html", form=form, mail_form=mail_form, sessions=sessions,
                           this_session=lambda s: services.is_session_of(s, session.get("auth_token")),
                           device_name=device_name, confirm=ConfirmForm())


@blueprint.post("/account/sessions/<int:session_id>/end")
def end_session(session_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if services.end_own_session(current_user, session_id, ip=client_ip(), now=utcnow()):
        db.session.commit()
        flash(_("That session is ended: the browser is signed out."), "success")
    else:
        flash(_("That session had already ended."), "info")
    return redirect(url_for("auth.settings") + "#sessions-title")


@blueprint.post("/account/settings/nudge-mail")
def nudge_mail():
    from peer_support.nudges.delivery import save_preference

    mail_form = NudgeMailForm()
    if mail_form.validate():
        try:
            save_preference(current_user, mode=mail_form.mode.data, quiet_start=parse_clock(mail_form.quiet_start.data),
                            quiet_end=parse_clock(mail_form.quiet_end.data), digest_hour=mail_form.digest_hour.data,
                            ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_form_error(mail_form, error)
        else:
            db.session.commit()
            flash(_("Your choice for the reminder e-mails is saved."), "success")
            return redirect(url_for("auth.settings") + "#nudge-mail-title")
    # The language form shows its saved value; what the person typed here is kept.
    return _settings_page(_settings_form(), mail_form), 400


@blueprint.route("/account/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_own_password(current_user, form.current_password.data, form.new_password.data,
                                         keep_token=session.get("auth_token"), ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.commit()  # keeps the audit entry of a failed attempt
            form[error.field or "new_password"].errors.extend(str(m) for m in error.messages)
        else:
            db.session.commit()
            flash(_("Your password is changed. Your other sessions have been signed out."), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)


from peer_support.auth import two_factor_views  # noqa: E402,F401  (the second factor's own pages)
