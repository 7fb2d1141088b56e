from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from peer_support.config import LOCALES
from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.forms import ConfirmForm, choices
from peer_support.i18n import LANGUAGE_NAMES
from peer_support.information import blueprint, services
from peer_support.information.defaults import PEER_WORKER_SLUG
from peer_support.information.forms import ContactRequestForm, InformationPageForm
from peer_support.security import client_ip
from peer_support.units.services import unit_choices

# Public contact requests accepted from one address within the window; more get a 429.
DEFAULT_CONTACT_REQUEST_LIMIT = 5
DEFAULT_CONTACT_REQUEST_WINDOW = timedelta(hours=1)


# The link to the other language, written in that language (whoever needs it reads that one).
READ_IN = {"fr": "Lire cette page en français", "en": "Read this page in English"}


def _other(locale: str) -> str:
    return next(code for code in LOCALES if code != locale)


@blueprint.get("/what-is-a-peer-worker")
def peer_worker():
    # ?lang= shows the page in the other language (a referrer printing it for someone),
    # the whole page then rendered in that language; otherwise the reader's own.
    requested = request.args.get("lang")
    locale = requested if requested in LOCALES else str(get_locale())
    page = services.page_text(PEER_WORKER_SLUG, locale)
    with force_locale(locale):
        return render_template("information/peer_worker.html", page=page, page_locale=locale,
                               other_locale=_other(locale), language_names=LANGUAGE_NAMES, read_in=READ_IN)


def _check_locale(locale: str) -> None:
    if locale not in LOCALES:
        abort(404)


@blueprint.route("/what-is-a-peer-worker/edit/<locale>", methods=["GET", "POST"])
def edit_page(locale: str):
    _check_locale(locale)
    page = services.page_text(PEER_WORKER_SLUG, locale)
    form = InformationPageForm(data={"title": page.title, "body": page.body})
    if form.validate_on_submit():
        services.save_page(current_user, PEER_WORKER_SLUG, locale, title=form.title.data, body=form.body.data,
                           ip=client_ip(), now=utcnow())
        db.session.commit()
        flash(_("The page is saved (%(language)s).", language=LANGUAGE_NAMES[locale]), "success")
        return redirect(url_for("information.peer_worker", lang=locale))
    status = 400 if form.is_submitted() else 200
    return render_template("information/edit.html", form=form, page=page, locale=locale,
                           other_locale=_other(locale), confirm=ConfirmForm(),
                           language_names=LANGUAGE_NAMES), status


@blueprint.post("/what-is-a-peer-worker/edit/<locale>/restore")
def restore_page(locale: str):
    _check_locale(locale)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.restore_default(current_user, PEER_WORKER_SLUG, locale, ip=client_ip(), now=utcnow())
    db.session.commit()
    flash(_("The default text is back (%(language)s).", language=LANGUAGE_NAMES[locale]), "success")
    return redirect(url_for("information.peer_worker", lang=locale))


def _limit_reached(ip: str) -> bool:
    config = current_app.config
    limit = config.get("CONTACT_REQUEST_LIMIT", DEFAULT_CONTACT_REQUEST_LIMIT)
    window = config.get("CONTACT_REQUEST_WINDOW", DEFAULT_CONTACT_REQUEST_WINDOW)
    return services.recent_contact_requests(ip, now=utcnow(), window=window) >= limit


@blueprint.route("/contact", methods=["GET", "POST"])
def contact():
    form = ContactRequestForm()
    form.unit_id.choices = choices([("", _("I don't know"))] + unit_choices())
    if request.method == "POST" and _limit_reached(client_ip()):
        return render_template("information/too_many_requests.html"), 429
    if form.is_submitted() and form.website.data:
        # A robot filled the trap: answer as for a person whose request went through, keep nothing.
        return redirect(url_for("information.contact_sent"))
    if form.validate_on_submit():
        services.create_contact_request(
            services.ContactRequest(name=form.name.data, contact=form.contact.data, unit_id=form.unit_id.data,
                                    message=form.message.data),
            ip=client_ip(), now=utcnow())
        db.session.commit()
        return redirect(url_for("information.contact_sent"))
    status = 400 if form.is_submitted() else 200
    return render_template("information/contact.html", form=form), status


@blueprint.get("/contact/sent")
def contact_sent():
    # The same page whoever asked: it never says whether the person is known.
    return render_template("information/contact_sent.html")
