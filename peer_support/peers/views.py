from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from peer_support import permissions
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.forms import ConfirmForm, choices, show_form_error
from peer_support.timezones import local_today
from peer_support.csv_export import to_csv
from peer_support.i18n import format_hours
from peer_support.peers import blueprint, services
from peer_support.peers import roster as roster_service
from peer_support.peers.services import record_export
from peer_support.peers.forms import (AbsenceForm, DirectoryFilterForm, DomainForm, NewProfileForm, PresenceSlotForm,
                                      ProfileAdminForm, ProfileForm, UnitFilterForm)
from peer_support.peers.labels import (ABSENCE_LABELS, EXPERIENCE_LABELS, FORMAT_LABELS, LANGUAGE_CODES,
                                       STATUS_LABELS, language_name, weekday_name)
from peer_support.peers.models import LivedExperienceDomain
from peer_support.security import client_ip
from peer_support.units.services import unit_choices


@blueprint.context_processor
def _labels():
    return {"status_labels": STATUS_LABELS, "format_labels": FORMAT_LABELS, "absence_labels": ABSENCE_LABELS}


def get_profile_or_404(profile_id: int, need: str = "view"):
    """The profile page's data, or 404 when it does not exist or the actor may not see it."""
    profile = services.load_profile_page(profile_id)
    rule = {"view": permissions.can_view_peer_profile, "edit": permissions.can_edit_peer_profile,
            "experience": permissions.is_own_profile}[need]
    if profile is None or not rule(current_user, profile):
        abort(404)
    return profile


def _profile_choices(form) -> None:
    form.languages.choices = choices((code, language_name(code)) for code in LANGUAGE_CODES)
    if isinstance(form, ProfileAdminForm):
        form.supervisor_id.choices = choices([("", _("No supervisor yet"))] +
                                             [(a.id, a.name) for a in services.supervisors()])


def _profile_data(form):
    data = {"presentation": form.presentation.data, "languages": form.languages.data or [],
            "meeting_formats": form.meeting_formats.data or []}
    if isinstance(form, ProfileAdminForm):
        return services.ProfileAdminData(**data, status=form.status.data, max_caseload=form.max_caseload.data,
                                         supervisor_id=form.supervisor_id.data, started_on=form.started_on.data)
    return services.ProfileData(**data)


@blueprint.get("/")
def index():
    filters = DirectoryFilterForm(request.args)
    filters.unit.choices = choices([("", _("All units"))] + unit_choices())
    filters.domain.choices = choices([("", _("All"))] + [(d.id, d.name(_locale()))
                                                        for d in services.list_domains(active_only=True)])
    valid = filters.validate()
    profiles = services.directory(include_left=permissions.is_coordinator(current_user),
                                  unit_id=filters.unit.data if valid else None,
                                  domain_id=filters.domain.data if valid else None)
    locale = _locale()
    shared = {profile.id: sorted(link.domain.name(locale) for link in profile.domains if link.consent_to_matching)
              for profile in profiles}
    return render_template("peers/index.html", profiles=profiles, filters=filters, shared=shared,
                           own=services.profile_of(current_user))


def _locale() -> str:
    from flask_babel import get_locale
    return str(get_locale())


@blueprint.get("/me")
def mine():
    profile = services.profile_of(current_user)
    if profile is None:
        return render_template("peers/no_profile.html")
    return redirect(url_for("peers.show", profile_id=profile.id))


@blueprint.route("/new", methods=["GET", "POST"])
def create():
    form = NewProfileForm()
    form.account_id.choices = choices((a.id, f"{a.name} — {a.email}") for a in services.accounts_without_profile())
    _profile_choices(form)
    if form.validate_on_submit():
        try:
            profile = services.create_profile(current_user, form.account_id.data, _profile_data(form),
                                              ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The profile is created. The peer worker can now fill in their lived experience and "
                    "presence times."), "success")
            return redirect(url_for("peers.show", profile_id=profile.id))
    return render_template("peers/form.html", form=form, profile=None)


@blueprint.get("/<int:profile_id>")
def show(profile_id: int):
    profile = get_profile_or_404(profile_id)
    # Experience kept private is shown to the worker alone; the frame (status, caseload,
    # supervisor, kinds of absence) to the worker, their supervisor and the coordinator.
    own = permissions.is_own_profile(current_user, profile)
    domains = sorted((link for link in profile.domains if link.consent_to_matching or own),
                     key=lambda link: link.domain.name(_locale()))
    return render_template("peers/show.html", profile=profile, own=own, domains=domains,
                           frame=permissions.can_view_peer_frame(current_user, profile),
                           absences=services.current_and_coming_absences(profile, local_today()),
                           language_name=language_name, weekday_name=weekday_name, locale=_locale())


@blueprint.route("/<int:profile_id>/edit", methods=["GET", "POST"])
def edit(profile_id: int):
    profile = get_profile_or_404(profile_id, need="edit")
    form_class = ProfileAdminForm if permissions.can_manage_peer_frame(current_user) else ProfileForm
    form = form_class(obj=profile)
    _profile_choices(form)
    if form.validate_on_submit():
        try:
            services.update_profile(current_user, profile, _profile_data(form), ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            profile = services.load_profile_page(profile_id)
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The profile is saved."), "success")
            return redirect(url_for("peers.show", profile_id=profile.id))
    return render_template("peers/form.html", form=form, profile=profile)


@blueprint.route("/<int:profile_id>/experience", methods=["GET", "POST"])
def experience(profile_id: int):
    profile = get_profile_or_404(profile_id, need="experience")
    domains = services.list_domains()
    current = {link.domain_id: ("shared" if link.consent_to_matching else "private") for link in profile.domains}
    # Inactive domains stay listed only for a worker who already has them.
    domains = [d for d in domains if d.is_active or d.id in current]
    form = ConfirmForm()
    if form.validate_on_submit():
        chosen = {d.id: request.form.get(f"domain-{d.id}", current.get(d.id, "none")) for d in domains}
        try:
            services.set_experience(current_user, profile, chosen, ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            profile = services.load_profile_page(profile_id)
            flash(str(error), "danger")
            current = chosen
        else:
            db.session.commit()
            flash(_("Your choices are saved. Only what you marked as shareable is used to match you with people."),
                  "success")
            return redirect(url_for("peers.show", profile_id=profile.id))
    return render_template("peers/experience.html", profile=profile, domains=domains, current=current, form=form,
                           labels=EXPERIENCE_LABELS, locale=_locale())


def _presence_forms(profile):
    slot_form = PresenceSlotForm(prefix="slot")
    slot_form.weekday.choices = choices((day, weekday_name(day)) for day in range(7))
    slot_form.unit_id.choices = choices([("", _("No particular unit"))] +
                                        unit_choices(include_ids=[u.id for u in profile.account.units]))
    return slot_form, AbsenceForm(prefix="absence")


@blueprint.get("/<int:profile_id>/presence")
def presence(profile_id: int):
    profile = get_profile_or_404(profile_id, need="edit")
    slot_form, absence_form = _presence_forms(profile)
    return _render_presence(profile, slot_form, absence_form)


def _render_presence(profile, slot_form, absence_form):
    return render_template("peers/presence.html", profile=profile, slot_form=slot_form, absence_form=absence_form,
                           confirm=ConfirmForm(), weekday_name=weekday_name,
                           absences=services.current_and_coming_absences(profile, local_today()))


@blueprint.post("/<int:profile_id>/presence/slots")
def add_slot(profile_id: int):
    profile = get_profile_or_404(profile_id, need="edit")
    slot_form, absence_form = _presence_forms(profile)
    if slot_form.validate_on_submit():
        try:
            services.add_presence_slot(current_user, profile, weekday=slot_form.weekday.data,
                                       starts_at=slot_form.starts_at.data, ends_at=slot_form.ends_at.data,
                                       unit_id=slot_form.unit_id.data, place=slot_form.place.data,
                                       ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            profile = services.load_profile_page(profile_id)
            show_form_error(slot_form, error)
        else:
            db.session.commit()
            flash(_("The presence time is added."), "success")
            return redirect(url_for("peers.presence", profile_id=profile.id))
    return _render_presence(profile, slot_form, absence_form), 400


@blueprint.post("/<int:profile_id>/presence/slots/<int:slot_id>/delete")
def delete_slot(profile_id: int, slot_id: int):
    profile = get_profile_or_404(profile_id, need="edit")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.remove_presence_slot(current_user, profile, slot_id, ip=client_ip(), now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "warning")
    else:
        db.session.commit()
        flash(_("The presence time is removed."), "success")
    return redirect(url_for("peers.presence", profile_id=profile.id))


@blueprint.post("/<int:profile_id>/presence/absences")
def add_absence(profile_id: int):
    profile = get_profile_or_404(profile_id, need="edit")
    slot_form, absence_form = _presence_forms(profile)
    if absence_form.validate_on_submit():
        try:
            services.add_absence(current_user, profile, starts_on=absence_form.starts_on.data,
                                 ends_on=absence_form.ends_on.data, kind=absence_form.kind.data,
                                 public_note=absence_form.public_note.data, ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            profile = services.load_profile_page(profile_id)
            show_form_error(absence_form, error)
        else:
            db.session.commit()
            flash(_("The absence is added."), "success")
            return redirect(url_for("peers.presence", profile_id=profile.id))
    return _render_presence(profile, slot_form, absence_form), 400


@blueprint.post("/<int:profile_id>/presence/absences/<int:absence_id>/delete")
def delete_absence(profile_id: int, absence_id: int):
    profile = get_profile_or_404(profile_id, need="edit")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.remove_absence(current_user, profile, absence_id, ip=client_ip(), now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "warning")
    else:
        db.session.commit()
        flash(_("The absence is removed."), "success")
    return redirect(url_for("peers.presence", profile_id=profile.id))


@blueprint.get("/roster")
def roster():
    filters = UnitFilterForm(request.args)
    filters.unit.choices = choices([("", _("All units"))] + unit_choices())
    valid = filters.validate()
    rows = roster_service.roster(today=local_today(), unit_id=filters.unit.data if valid else None)
    return render_template("peers/roster.html", rows=rows, filters=filters)


@blueprint.get("/roster.csv")
def roster_csv():
    filters = UnitFilterForm(request.args)
    filters.unit.choices = choices([("", "")] + unit_choices())
    valid = filters.validate()
    rows = roster_service.roster(today=local_today(), unit_id=filters.unit.data if valid else None)
    header = [_("Name"), _("Units"), _("Status"), _("Initial qualification"), _("Training hours this year"),
              _("Hours required per year"), _("Renewals needing attention"), _("Last supervision"),
              _("Days since last supervision"), _("Supervision overdue"), _("Open debrief requests"),
              _("Active caseload"), _("Maximum active caseload")]
    body = [[row.profile.account.name, " ".join(u.code for u in row.profile.account.units),
             str(STATUS_LABELS[row.profile.status]), _("yes") if row.training.qualified else _("no"),
             format_hours(row.training.ongoing_hours), row.required_hours, row.training.needs_renewal,
             row.supervision.last_session_on or "",
             row.supervision.days_since if row.supervision.days_since is not None else "",
             _("yes") if row.supervision.overdue else _("no"), row.open_debriefs, row.caseload,
             row.profile.max_caseload]
            for row in rows]
    record_export(current_user, "peers.roster_export", ip=client_ip(), now=utcnow(), rows=len(body))
    db.session.commit()
    return Response(to_csv(header, body), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=roster-{local_today().isoformat()}.csv"})


@blueprint.get("/domains")
def domains():
    return render_template("peers/domains.html", domains=services.list_domains())


@blueprint.route("/domains/new", methods=["GET", "POST"])
@blueprint.route("/domains/<int:domain_id>/edit", methods=["GET", "POST"], endpoint="edit_domain")
def create_domain(domain_id: int | None = None):
    domain = None
    if domain_id is not None:
        domain = db.session.get(LivedExperienceDomain, domain_id) or abort(404)
    form = DomainForm(obj=domain)
    if form.validate_on_submit():
        try:
            services.save_domain(current_user, domain, name_fr=form.name_fr.data, name_en=form.name_en.data,
                                 is_active=form.is_active.data, ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The list of lived-experience domains is saved."), "success")
            return redirect(url_for("peers.domains"))
    return render_template("peers/domain_form.html", form=form, domain=domain)


from peer_support.peers import activity_views  # noqa: E402,F401  (the activity summary, same blueprint)
from peer_support.peers import photo_views  # noqa: E402,F401  (the worker's photo, same blueprint)
