from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from peer_support import permissions
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.forms import ConfirmForm, choices, show_form_error
from peer_support.peers.labels import FORMAT_LABELS, language_name
from peer_support.peers.services import list_domains
from peer_support.referrals.models import STATUSES
from peer_support.security import client_ip
from peer_support.triage import blueprint, matching, queue, services
from peer_support.triage.forms import CloseForm, DeclineForm, HoldForm, NoteForm, ProposeForm, QueueFilterForm
from peer_support.triage.labels import (CARE_STAGE_LABELS, CLOSE_REASON_LABELS, CONTACT_CHANNEL_LABELS,
                                        EVENT_LABELS, SOURCE_LABELS, STATUS_LABELS)
from peer_support.units.services import unit_choices


@blueprint.context_processor
def _labels():
    return {"status_labels": STATUS_LABELS, "care_stage_labels": CARE_STAGE_LABELS,
            "close_reason_labels": CLOSE_REASON_LABELS, "source_labels": SOURCE_LABELS,
            "contact_channel_labels": CONTACT_CHANNEL_LABELS, "event_labels": EVENT_LABELS,
            "format_labels": FORMAT_LABELS, "language_name": language_name}


@blueprint.app_template_global()
def triage_new_count() -> int:
    """New referrals waiting for the coordinator (the coordinator's home page)."""
    return queue.count_by_status("new")


@blueprint.app_template_global()
def my_proposal_count() -> int:
    """Referrals proposed to the signed-in worker (their home page)."""
    return queue.count_for_worker(services.own_profile_id(current_user), "proposed")


# --- The coordinator's queue -------------------------------------------------------

STATUS_FILTERS = {"": services.TO_HANDLE_STATUSES, "open": services.OPEN_STATUSES, "all": STATUSES}


@blueprint.get("/")
def index():
    filters = QueueFilterForm(request.args)
    filters.unit.choices = choices([("", _("All units"))] + unit_choices())
    valid = filters.validate()
    wanted = queue.QueueFilter()
    if valid:
        status = filters.status.data or ""
        wanted = queue.QueueFilter(statuses=STATUS_FILTERS.get(status, (status,)), unit_id=filters.unit.data,
                                   care_stage=filters.stage.data or None, older_than_days=filters.older_than.data)
    now = utcnow()
    page = queue.triage_queue(wanted, now=now, page=(filters.page.data if valid and filters.page.data else 1))
    return render_template("triage/index.html", filters=filters, page=page, now=now)


# --- One referral ----------------------------------------------------------------------

FORMS = {"triaged": NoteForm, "propose": ProposeForm, "revoke": NoteForm, "hold": HoldForm, "resume": NoteForm,
         "start": NoteForm, "close": CloseForm}


def get_referral_or_404(referral_id: int):
    referral = queue.load_referral(referral_id)
    if referral is None:
        abort(404)
    return referral


def _wanted_domain_ids(referral) -> list[int]:
    """The domains ticked on the page once the coordinator ranked again; the referral's own choice before."""
    if request.args.get("ranked"):
        return [int(value) for value in request.args.getlist("domain") if value.isdigit()]
    return [referral.wanted_domain_id] if referral.wanted_domain_id else []


def _render_show(referral, posted: str | None = None, form=None, status: int = 200):
    forms = {name: (form if name == posted else cls(prefix=name, formdata=None)) for name, cls in FORMS.items()}
    steps = services.allowed_steps(referral)
    suggestions = []
    if referral.status in ("new", "triaged"):
        suggestions = matching.suggest_for(referral, wanted_domain_ids=_wanted_domain_ids(referral))
        forms["propose"].peer_profile_id.choices = choices(
            [("", _("Choose a peer worker"))]
            + [(s.profile.id, s.name + (" — " + _("caseload full") if s.full else "")) for s in suggestions])
    locale = str(get_locale())
    domains = [(d.id, d.name(locale)) for d in list_domains(active_only=True)]
    names = queue.worker_names(event.peer_profile_id for event in referral.events)
    return render_template("triage/show.html", referral=referral, forms=forms, steps=steps,
                           suggestions=suggestions, domains=domains, wanted_domains=set(_wanted_domain_ids(referral)),
                           worker_names=names, resume_to=services.resume_status(referral)
                           if referral.status == "on_hold" else None), status


@blueprint.get("/<int:referral_id>")
def show(referral_id: int):
    referral = get_referral_or_404(referral_id)
    now = utcnow()
    services.record_view(current_user, referral, ip=client_ip(), now=now)
    if referral.service_user is not None:
        # The page shows the person's record: audited as any view of it.
        from peer_support.people.services import record_view as record_person_view

        record_person_view(current_user, referral.service_user, ip=client_ip(), now=now)
    # Rendered before the commit, which would expire what the page loaded.
    page = _render_show(referral)
    db.session.commit()
    return page


def _take_step(referral_id: int, name: str, action, success: str):
    """Validate the step's form, call the service, commit once; on refusal, show the page with the error."""
    referral = get_referral_or_404(referral_id)
    form = FORMS[name](prefix=name)
    if name == "propose":
        # Any active worker may be chosen, not only those the page listed.
        form.peer_profile_id.choices = choices(
            (s.profile.id, s.name) for s in matching.suggest_for(referral))
    if form.validate_on_submit():
        try:
            warnings = action(referral, form)
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(success, "success")
            for warning in warnings or ():
                flash(str(warning), "warning")
            return redirect(url_for("triage.show", referral_id=referral_id))
    return _render_show(get_referral_or_404(referral_id), name, form, 400)


def _common():
    return {"ip": client_ip(), "now": utcnow()}


@blueprint.post("/<int:referral_id>/triaged")
def mark_triaged(referral_id: int):
    return _take_step(referral_id, "triaged", lambda r, f: services.mark_triaged(
        current_user, r, reason=f.reason.data, **_common()), _("The referral is marked as triaged."))


@blueprint.post("/<int:referral_id>/propose")
def propose(referral_id: int):
    return _take_step(referral_id, "propose", lambda r, f: services.propose(
        current_user, r, f.peer_profile_id.data, reason=f.reason.data, **_common()),
        _("The referral is proposed to the peer worker, who can now accept or decline it."))


@blueprint.post("/<int:referral_id>/revoke")
def revoke(referral_id: int):
    return _take_step(referral_id, "revoke", lambda r, f: services.revoke(
        current_user, r, reason=f.reason.data, **_common()),
        _("The proposal is withdrawn. You can propose the referral to someone else."))


@blueprint.post("/<int:referral_id>/hold")
def hold(referral_id: int):
    return _take_step(referral_id, "hold", lambda r, f: services.put_on_hold(
        current_user, r, review_on=f.review_on.data, reason=f.reason.data, **_common()),
        _("The referral is on hold until its review date."))


@blueprint.post("/<int:referral_id>/resume")
def resume(referral_id: int):
    return _take_step(referral_id, "resume", lambda r, f: services.resume(
        current_user, r, reason=f.reason.data, **_common()), _("The referral is resumed."))


@blueprint.post("/<int:referral_id>/start")
def start(referral_id: int):
    return _take_step(referral_id, "start", lambda r, f: services.start(
        current_user, r, reason=f.reason.data, **_common()), _("The accompaniment is under way."))


@blueprint.post("/<int:referral_id>/close")
def close(referral_id: int):
    return _take_step(referral_id, "close", lambda r, f: services.close(
        current_user, r, close_reason=f.close_reason.data, reason=f.reason.data, **_common()),
        _("The referral is closed."))


# --- The worker's proposals -------------------------------------------------------------

def _render_proposals(posted_id: int | None = None, posted_form=None, status: int = 200):
    profile_id = services.own_profile_id(current_user)
    proposed = queue.referrals_of_worker(profile_id, ("proposed",)) if profile_id else []
    accepted = queue.referrals_of_worker(profile_id, ("accepted",)) if profile_id else []
    decline_forms = {r.id: (posted_form if r.id == posted_id else DeclineForm(prefix=f"decline-{r.id}",
                                                                              formdata=None))
                     for r in proposed}
    return render_template("triage/proposals.html", has_profile=profile_id is not None, proposed=proposed,
                           accepted=accepted, decline_forms=decline_forms, confirm=ConfirmForm(formdata=None)), status


def _own_referral_or_404(referral_id: int, statuses: tuple[str, ...]):
    """Only a referral proposed to (or accepted by) the signed-in worker; anyone else's is 404."""
    referral = queue.load_with_worker(referral_id)
    if (referral is None or referral.status not in statuses
            or not permissions.is_proposed_worker(current_user, referral)):
        abort(404)
    return referral


@blueprint.get("/proposals")
def proposals():
    return _render_proposals()


@blueprint.post("/proposals/<int:referral_id>/accept")
def accept(referral_id: int):
    referral = _own_referral_or_404(referral_id, ("proposed",))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.accept(current_user, referral, **_common())
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(_("You accepted. Contact the person the way they prefer, then mark the first contact as made."),
              "success")
    return redirect(url_for("triage.proposals"))


@blueprint.post("/proposals/<int:referral_id>/decline")
def decline(referral_id: int):
    referral = _own_referral_or_404(referral_id, ("proposed",))
    form = DeclineForm(prefix=f"decline-{referral_id}")
    if form.validate_on_submit():
        try:
            services.decline(current_user, referral, reason=form.reason.data, **_common())
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("You declined. The coordinator will propose the referral to someone else."), "success")
            return redirect(url_for("triage.proposals"))
    return _render_proposals(referral_id, form, 400)


@blueprint.post("/proposals/<int:referral_id>/start")
def start_mine(referral_id: int):
    referral = _own_referral_or_404(referral_id, ("accepted",))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.start(current_user, referral, **_common())
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(_("The accompaniment is under way."), "success")
    return redirect(url_for("triage.proposals"))
