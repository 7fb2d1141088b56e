from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from peer_support import permissions
from peer_support.audit.labels import ACTION_LABELS
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.forms import choices, show_form_error
from peer_support.pagination import page_number
from peer_support.people import blueprint, services
from peer_support.people.accesses import ACCESSES_PER_PAGE, record_access_log_view, record_accesses
from peer_support.people.forms import NewPersonForm, PeopleFilterForm, PersonAccountForm, PersonForm
from peer_support.people.labels import AGE_BAND_LABELS, CONTACT_CHANNEL_LABELS, FOLLOW_UP_LABELS, GENDER_LABELS
from peer_support.peers.labels import LANGUAGE_CODES, language_name
from peer_support.security import client_ip
from peer_support.units.services import unit_choices

PER_PAGE = 50


@blueprint.app_context_processor
def _labels():
    # App-wide: the referral pages show people's details with the same words.
    return {"age_band_labels": AGE_BAND_LABELS, "gender_labels": GENDER_LABELS,
            "contact_channel_labels": CONTACT_CHANNEL_LABELS, "follow_up_labels": FOLLOW_UP_LABELS,
            "language_name": language_name}


def get_person_or_404(person_id: int, need: str = "view"):
    """The record with its units and account, or 404 when it does not exist or the actor may not see it."""
    person = services.get_person(person_id)
    rule = {"view": permissions.can_view_person, "edit": permissions.can_edit_person,
            "account": permissions.can_link_person_account,
            "accesses": permissions.can_read_record_accesses}[need]
    if person is None or not permissions.can_view_person(current_user, person) or not rule(current_user, person):
        abort(404)
    return person


def person_choices(form, *, include_unit_ids=()) -> None:
    """Fill the choices of a person form: languages, and the units the actor may use."""
    form.preferred_language.choices = choices(
        [("", _("Not given"))] + [(code, language_name(code)) for code in LANGUAGE_CODES])
    if "unit_ids" in form:
        units = services.units_for_new_records(current_user)
        allowed = [(unit.id, f"{unit.code} — {unit.name}") for unit in units]
        kept = [pair for pair in unit_choices(include_ids=list(include_unit_ids))
                if pair[0] in include_unit_ids and pair[0] not in {u.id for u in units}]
        form.unit_ids.choices = choices(sorted(allowed + kept, key=lambda pair: pair[1]))


def person_data(form, unit_ids=None) -> services.PersonData:
    return services.PersonData(
        display_name=form.display_name.data or "",
        unit_ids=list(unit_ids if unit_ids is not None else form.unit_ids.data or []),
        year_of_birth=form.year_of_birth.data, age_band=form.age_band.data or None, gender=form.gender.data or None,
        preferred_language=form.preferred_language.data or None, contact_channel=form.contact_channel.data,
        phone=form.phone.data, email=form.email.data, contact_note=form.contact_note.data)


@blueprint.get("/")
def index():
    filters = PeopleFilterForm(request.args)
    filters.unit.choices = choices([("", _("All units"))] + unit_choices())
    valid = filters.validate()
    page = services.list_people(current_user, text=filters.q.data if valid else None,
                                unit_id=filters.unit.data if valid else None,
                                page=request.args.get("page", 1, type=page_number), per_page=PER_PAGE)
    return render_template("people/index.html", page=page, filters=filters)


@blueprint.route("/new", methods=["GET", "POST"])
def create():
    form = NewPersonForm()
    person_choices(form)
    duplicates = []
    if form.validate_on_submit():
        try:
            person = services.create_person(current_user, person_data(form), ip=client_ip(), now=utcnow(),
                                            different_person=form.different_person.data)
        except services.PossibleDuplicates as warning:
            db.session.rollback()
            duplicates = services.get_people(person.id for person in warning.people)
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The record of %(name)s is created with the code %(code)s.", name=person.display_name,
                    code=person.code), "success")
            return redirect(url_for("people.show", person_id=person.id))
    return render_template("people/form.html", form=form, person=None, duplicates=duplicates,
                           no_units=not form.unit_ids.choices)


@blueprint.get("/<int:person_id>")
def show(person_id: int):
    person = get_person_or_404(person_id)
    from peer_support.referrals.services import referrals_of_person

    # The coordinator sees every referral of the person; staff only those they made.
    referrals = referrals_of_person(person.id, referred_by_id=None if permissions.is_coordinator(current_user)
                                    else current_user.id)
    from peer_support.becoming.services import interest_of
    from peer_support.forms import ConfirmForm
    from peer_support.myspace.invitations import open_invitations_of

    # The coordinator follows the person's account invitations and wish to become a peer worker.
    coordinator = permissions.is_coordinator(current_user)
    open_invitations = open_invitations_of(person.id, now=utcnow()) if coordinator and not person.account else []
    interest = interest_of(person.id) if coordinator else None
    services.record_view(current_user, person, ip=client_ip(), now=utcnow())
    page = render_template("people/show.html", person=person, referrals=referrals,
                           open_invitations=open_invitations, interest=interest, confirm=ConfirmForm())
    db.session.commit()  # after rendering: the commit expires what the page shows
    return page


@blueprint.get("/<int:person_id>/accesses")
def accesses(person_id: int):
    """Who saw this record: the coordinator (the person reads theirs in My space)."""
    person = get_person_or_404(person_id, need="accesses")
    page = record_accesses(person.id, page=request.args.get("page", 1, type=page_number), per_page=ACCESSES_PER_PAGE)
    record_access_log_view(current_user, person.id, ip=client_ip(), now=utcnow())
    rendered = render_template("people/accesses.html", person=person, page=page, action_labels=ACTION_LABELS)
    db.session.commit()  # after rendering: the commit expires what the page shows
    return rendered


@blueprint.route("/<int:person_id>/edit", methods=["GET", "POST"])
def edit(person_id: int):
    person = get_person_or_404(person_id, need="edit")
    kept_units = [unit.id for unit in person.units]
    form = PersonForm(obj=person)
    person_choices(form, include_unit_ids=kept_units)
    if request.method == "GET":
        form.unit_ids.data = kept_units
        for name in ("age_band", "gender", "preferred_language"):
            form[name].data = getattr(person, name) or ""
    if form.validate_on_submit():
        try:
            services.update_person(current_user, person, person_data(form), ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            person = services.get_person(person_id)
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The record of %(name)s is saved.", name=person.display_name), "success")
            return redirect(url_for("people.show", person_id=person.id))
    return render_template("people/form.html", form=form, person=person, duplicates=[], no_units=False)


@blueprint.route("/<int:person_id>/account", methods=["GET", "POST"])
def create_account(person_id: int):
    person = get_person_or_404(person_id, need="account")
    form = PersonAccountForm()
    if form.validate_on_submit():
        try:
            account = services.create_account_for(current_user, person, email=form.email.data,
                                                  password=form.new_password.data, ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            person = services.get_person(person_id)
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The account of %(name)s is created (%(email)s). Give them their temporary password; "
                    "they will choose their own at first sign-in.", name=person.display_name, email=account.email),
                  "success")
            return redirect(url_for("people.show", person_id=person.id))
    return render_template("people/account.html", form=form, person=person)


# --- Account invitations by e-mail link (issue 4; services in peer_support/myspace/invitations.py) ---

@blueprint.route("/<int:person_id>/invite", methods=["GET", "POST"])
def invite(person_id: int):
    from peer_support.myspace import invitations
    from peer_support.myspace.forms import InviteForm

    person = get_person_or_404(person_id)
    if not permissions.can_invite_person(current_user, person):
        abort(404)
    form = InviteForm()
    if form.validate_on_submit():
        now = utcnow()
        try:
            invitation = invitations.invite(
                current_user, person, email=form.email.data,
                link_for=lambda token: url_for("myspace.invitation", token=token, _external=True),
                config=current_app.config, ip=client_ip(), now=now)
        except DomainError as error:
            db.session.rollback()
            person = services.get_person(person_id)
            show_form_error(form, error)
        except OSError:
            # The mail server refused or could not be reached: nothing is kept, the coordinator may retry.
            db.session.rollback()
            person = services.get_person(person_id)
            flash(_("The invitation could not be sent: the mail server did not answer. Try again later."), "danger")
        else:
            db.session.commit()
            flash(_("The invitation is sent to %(email)s. The link works for 7 days.", email=invitation.email),
                  "success")
            return redirect(url_for("people.show", person_id=person_id))
    return render_template("people/invite.html", form=form, person=person,
                           open_invitations=invitations.open_invitations_of(person.id, now=utcnow()))


@blueprint.post("/<int:person_id>/invitations/<int:invitation_id>/revoke")
def revoke_invitation(person_id: int, invitation_id: int):
    from peer_support.forms import ConfirmForm
    from peer_support.myspace import invitations

    person = get_person_or_404(person_id)
    invitation = invitations.get_invitation(person.id, invitation_id)
    if invitation is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        invitations.revoke(current_user, invitation, ip=client_ip(), now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(_("The invitation is withdrawn: its link no longer works."), "success")
    return redirect(url_for("people.show", person_id=person_id))
