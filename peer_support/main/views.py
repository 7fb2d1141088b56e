from datetime import timedelta

import sqlalchemy as sa
from flask import abort, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user

from peer_support.auth.services import set_own_locale
from peer_support.config import LOCALES
from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.main import blueprint
from peer_support.operations.jobs import scheduler_health
from peer_support.security import safe_next_url


@blueprint.get("/")
def home():
    if current_user.role == "service_user":
        # A person accompanied lands in their own space (shown here, so the address stays the home page).
        from peer_support.myspace.views import my_space_page

        return my_space_page()
    return render_template(f"main/home_{current_user.role}.html")


@blueprint.get("/healthz")
def healthz():
    # Public: the scheduler's last success and a stale flag only, never a job's error or any data.
    stale_after = timedelta(minutes=current_app.config["SCHEDULER_STALE_AFTER_MINUTES"])
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable"), 503
    try:
        scheduler = scheduler_health(utcnow(), stale_after).as_json()
    except sa.exc.SQLAlchemyError:  # the database answers (status ok) but its job runs cannot be read
        db.session.rollback()
        scheduler = {"last_success_at": None, "stale": True}
    return jsonify(status="ok", scheduler=scheduler)


@blueprint.post("/language")
def set_language():
    locale = request.form.get("locale")
    if locale not in LOCALES:
        abort(400)
    if current_user.is_authenticated:
        set_own_locale(current_user, locale)
        db.session.commit()
    session["locale"] = locale
    return redirect(safe_next_url(request.form.get("next"), url_for("main.home")))
