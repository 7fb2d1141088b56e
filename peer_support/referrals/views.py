from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from peer_support import permissions
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.forms import choices, show_form_error
from peer_support.pagination import page_number
from peer_support.peers.labels import FORMAT_LABELS
from peer_support.peers.services import list_domains
from peer_support.people import services as people
from peer_support.people.forms import NewPersonFieldsForm
from peer_support.people.views import get_person_or_404, person_choices, person_data
from peer_support.referrals import blueprint, services
from peer_support.referrals.forms import ReferralForm
from peer_support.referrals.labels import CARE_STAGE_LABELS, CLOSE_REASON_LABELS, SOURCE_LABELS, STATUS_LABELS
from peer_support.security import client_ip

PER_PAGE = 50
INFORMATION_ENDPOINT = "information.peer_worker"


@blueprint.app_context_processor
def _labels():
    # App-wide: the record page and the staff home page show referral statuses too.
    return {"referral_status_labels": STATUS_LABELS, "care_stage_labels": CARE_STAGE_LABELS,
            "close_reason_labels": CLOSE_REASON_LABELS, "referral_source_labels": SOURCE_LABELS,
            "referral_format_labels": FORMAT_LABELS, "referral_worker": services.worker_shown,
            "my_recent_referrals": _my_recent_referrals}


def _my_recent_referrals(limit: int = 5):
    """For the staff home page: the last referrals the signed-in person made (queried only when called)."""
    return services.my_referrals(current_user, page=1, per_page=limit)


def get_referral_or_404(referral_id: int):
    """The referral for its referrer or the coordinator; 404 for anyone else, so its existence stays hidden."""
    referral = services.get_referral(referral_id)
    if referral is None or not permissions.can_follow_referral(current_user, referral):
        abort(404)
    return referral


def _referral_data(form) -> services.ReferralData:
    return services.ReferralData(
        unit_id=form.unit_id.data, reason=form.reason.data, care_stage=form.care_stage.data,
        information_given=form.information_given.data, information_page_given=form.information_page_given.data,
        agreed_to_contact=form.agreed_to_contact.data, preferred_formats=form.preferred_formats.data or [],
        constraints=form.constraints.data, wanted_domain_id=form.wanted_domain_id.data, on_hold=form.on_hold.data,
        review_on=form.review_on.data)


def _new_referral_form() -> ReferralForm:
    form = ReferralForm()
    locale = str(get_locale())
    form.wanted_domain_id.choices = choices([("", _("No preference"))] + [
        (domain.id, domain.name(locale)) for domain in list_domains(active_only=True)])
    return form


def _show_error(error: DomainError, *forms) -> None:
    if error.field == "unit_ids":
        error.field = "unit_id"  # a new record's only unit is the referral's
    target = next((form for form in forms if error.field and error.field in form), forms[0])
    show_form_error(target, error)


def _render_form(form, *, person=None, person_form=None, duplicates=()):
    information_url = (url_for(INFORMATION_ENDPOINT) if INFORMATION_ENDPOINT in current_app.view_functions
                       else None)
    return render_template("referrals/form.html", form=form, person=person, person_form=person_form,
                           duplicates=duplicates, information_url=information_url)


def _refer(person, form):
    """Create the referral of a known person from a validated form; a response, or None on refusal."""
    try:
        referral = services.create_staff_referral(current_user, person, _referral_data(form), ip=client_ip(),
                                                  now=utcnow())
    except DomainError as error:
        db.session.rollback()
        _show_error(error, form)
        return None
    db.session.commit()
    return _done(referral, person)


def _done(referral, person):
    if referral.status == "on_hold":
        flash(_("The referral of %(name)s is recorded, on hold until %(date)s.", name=person.display_name,
                date=referral.review_on.isoformat()), "success")
    else:
        flash(_("The referral of %(name)s is recorded. The coordinator will find a peer worker.",
                name=person.display_name), "success")
    return redirect(url_for("referrals.show", referral_id=referral.id))


@blueprint.route("/new", methods=["GET", "POST"])
def create():
    person_id = request.values.get("person", type=int)
    if person_id is None and "person" in request.values:
        abort(404)
    if person_id is not None:
        return _create_for_person(person_id)
    return _create_with_new_person()


def _create_for_person(person_id: int):
    person = get_person_or_404(person_id)
    form = _new_referral_form()
    form.unit_id.choices = choices((unit.id, f"{unit.code} — {unit.name}") for unit in person.units)
    if form.validate_on_submit():
        response = _refer(person, form)
        if response is not None:
            return response
        person = get_person_or_404(person_id)
    return _render_form(form, person=person)


def _create_with_new_person():
    """Refer someone who has no record yet: the record is created in the same step, after the duplicate check."""
    form = _new_referral_form()
    units = people.units_for_new_records(current_user)
    form.unit_id.choices = choices((unit.id, f"{unit.code} — {unit.name}") for unit in units)
    person_form = NewPersonFieldsForm(prefix="person")
    person_choices(person_form)
    duplicates = []
    if request.method == "POST":
        existing_id = request.form.get("existing_person", type=int)
        if existing_id is not None:
            # "Refer this record instead": the person's details typed here are not used.
            person = get_person_or_404(existing_id)
            if form.validate_on_submit():
                response = _refer(person, form)
                if response is not None:
                    return response
            return _render_form(form, person_form=person_form)
        referral_ok = form.validate_on_submit()
        if person_form.validate_on_submit() and referral_ok:
            data = _referral_data(form)
            now = utcnow()
            try:
                services.check_referral(None, data, now=now, unit_ids={unit.id for unit in units})
                person = people.create_person(current_user, person_data(person_form, unit_ids=[data.unit_id]),
                                              ip=client_ip(), now=now,
                                              different_person=person_form.different_person.data)
                referral = services.create_staff_referral(current_user, person, data, ip=client_ip(), now=now)
            except people.PossibleDuplicates as warning:
                db.session.rollback()
                duplicates = people.get_people(person.id for person in warning.people)
            except DomainError as error:
                db.session.rollback()
                _show_error(error, person_form, form)
            else:
                db.session.commit()
                return _done(referral, person)
    return _render_form(form, person_form=person_form, duplicates=duplicates)


@blueprint.get("/mine")
def mine():
    page = services.my_referrals(current_user, page=request.args.get("page", 1, type=page_number), per_page=PER_PAGE)
    return render_template("referrals/mine.html", page=page)


@blueprint.get("/<int:referral_id>")
def show(referral_id: int):
    referral = get_referral_or_404(referral_id)
    services.record_view(current_user, referral, ip=client_ip(), now=utcnow())
    page = render_template("referrals/show.html", referral=referral,
                           reasons=permissions.can_read_referral_reasons(current_user, referral))
    db.session.commit()  # after rendering: the commit expires what the page shows
    return page
