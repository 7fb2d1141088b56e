"""My space: the signed-in service user's own record, worker, meetings and choices; the public invitation page."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from peer_support.becoming import services as becoming
from peer_support.becoming.labels import INTEREST_STATUS_EXPLANATIONS, INTEREST_STATUS_LABELS
from peer_support.audit.labels import ACTION_LABELS
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.forms import show_form_error
from peer_support.myspace import blueprint, invitations, services
from peer_support.myspace.forms import (AcceptInvitationForm, AskContactForm, CancelParticipationForm,
                                        ContactMessageForm, FollowUpForm, PeerWorkInterestForm)
from peer_support.pagination import page_number
from peer_support.peers.labels import FORMAT_LABELS, weekday_name
from peer_support.people.accesses import ACCESSES_PER_PAGE, record_accesses
from peer_support.security import client_ip
from peer_support.timezones import local_date


@blueprint.app_context_processor
def _labels():
    return {"interest_status_labels": INTEREST_STATUS_LABELS,
            "interest_status_explanations": INTEREST_STATUS_EXPLANATIONS}


def _no_record():
    # A service_user account not (yet) linked to a record: a kind explanation, not an error.
    return render_template("myspace/no_record.html")


def my_space_page():
    """The whole space (also what the home page shows a service user)."""
    person = services.own_record(current_user)
    if person is None:
        return _no_record()
    now = utcnow()
    workers = services.my_workers(person, today=local_date(now))
    meetings = services.my_upcoming_meetings(person, now=now)
    form = FollowUpForm(data={"choice": person.follow_up_choice})
    # Offered only where it applies; shown too while it is on, so that it can always be turned off.
    offered = services.contact_messages_offered(person)
    message_form = (ContactMessageForm(formdata=None, data={"wanted": person.contact_message_opt_in})
                    if offered or person.contact_message_opt_in else None)
    page = render_template("myspace/index.html", person=person, workers=workers, meetings=meetings,
                           follow_up_form=form, open_request=services.open_self_request(person),
                           message_form=message_form, messages_offered=offered,
                           interest=becoming.interest_of(person.id), format_labels=FORMAT_LABELS,
                           weekday_name=weekday_name, today=local_date(now))
    services.record_view(current_user, person, ip=client_ip(), now=now)
    db.session.commit()
    return page


@blueprint.get("/")
def index():
    return my_space_page()


@blueprint.get("/who-saw-my-record")
def accesses():
    """Who saw my record: the accesses of others to my data (my own visits are left out)."""
    person = services.own_record(current_user)
    if person is None:
        return _no_record()
    page = record_accesses(person.id, page=request.args.get("page", 1, type=page_number), per_page=ACCESSES_PER_PAGE,
                           except_account_id=current_user.id)
    return render_template("myspace/accesses.html", page=page, action_labels=ACTION_LABELS)


@blueprint.route("/meetings/<int:meeting_id>/cancel", methods=["GET", "POST"])
def cancel_meeting(meeting_id: int):
    person = services.own_record(current_user)
    if person is None:
        abort(404)
    mine = services.my_participation(person, meeting_id)
    if mine is None:
        abort(404)  # not one of mine: whether the meeting exists stays hidden
    form = CancelParticipationForm()
    if form.validate_on_submit():
        try:
            whole = services.cancel_participation(current_user, person, mine, reason=form.reason.data,
                                                  ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            mine = services.my_participation(services.own_record(current_user), meeting_id)
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The meeting is cancelled. Your peer worker will see it.") if whole
                  else _("Your participation is cancelled. Your peer worker will see it."), "success")
            return redirect(url_for("myspace.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("myspace/cancel_meeting.html", form=form, mine=mine, format_labels=FORMAT_LABELS,
                           now=utcnow()), status


@blueprint.route("/contact", methods=["GET", "POST"])
def ask_contact():
    person = services.own_record(current_user)
    if person is None:
        return _no_record()
    form = AskContactForm()
    open_request = services.open_self_request(person)
    if form.validate_on_submit():
        try:
            services.ask_for_contact(current_user, person, contact=form.contact.data, message=form.message.data,
                                     ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
            person = services.own_record(current_user)
            open_request = services.open_self_request(person)
        else:
            db.session.commit()
            flash(_("Your request is sent. The programme's coordinator will pass it on, and someone will contact "
                    "you soon."), "success")
            return redirect(url_for("myspace.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("myspace/contact.html", form=form, person=person, open_request=open_request), status


@blueprint.post("/follow-up")
def follow_up():
    person = services.own_record(current_user)
    if person is None:
        abort(404)
    form = FollowUpForm()
    if form.validate_on_submit():
        try:
            services.set_follow_up_choice(current_user, person, form.choice.data, ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("Your choice is saved. You can change it at any time."), "success")
    else:
        flash(_("Choose one of the two ways."), "danger")
    return redirect(url_for("myspace.index") + "#follow-up-title")


@blueprint.post("/contact-messages")
def contact_messages():
    person = services.own_record(current_user)
    if person is None:
        abort(404)
    form = ContactMessageForm()
    if form.validate_on_submit():
        try:
            services.set_contact_message_opt_in(current_user, person, form.wanted.data, ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("Your choice is saved: you will receive these messages.") if form.wanted.data
                  else _("Your choice is saved: you will not receive these messages."), "success")
    return redirect(url_for("myspace.index") + "#contact-messages-title")


@blueprint.route("/become-a-peer-worker", methods=["GET", "POST"])
def peer_work():
    person = services.own_record(current_user)
    if person is None:
        return _no_record()
    interest = becoming.interest_of(person.id)
    form = PeerWorkInterestForm(data={"message": interest.message if interest else None})
    if form.validate_on_submit():
        try:
            becoming.express_interest(current_user, person, message=form.message.data, ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
            interest = becoming.interest_of(services.own_record(current_user).id)
        else:
            db.session.commit()
            flash(_("Thank you: the coordinator receives your message."), "success")
            return redirect(url_for("myspace.peer_work"))
    status = 400 if form.is_submitted() else 200
    return render_template("myspace/peer_work.html", form=form, interest=interest), status


# --- The public invitation page (/invitation/<token>, outside /my-space) ------------------

def invitation(token: str):
    now = utcnow()
    if invitations.find_usable(token, now=now) is None:
        # Unknown, expired, used or withdrawn: one page, which never says which, nor whether an account exists.
        return render_template("myspace/invitation_invalid.html"), 404
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            invitations.accept(token, form.new_password.data, ip=client_ip(), now=now,
                               default_locale=current_app.config.get("PEER_SUPPORT_DEFAULT_LOCALE", "fr"))
        except (invitations.InvalidInvitation, IntegrityError):
            # IntegrityError: the same link accepted twice at the same moment; the other one won.
            db.session.rollback()
            return render_template("myspace/invitation_invalid.html"), 404
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("Your account is ready. Sign in with your e-mail address and the password you chose."), "success")
            return redirect(url_for("auth.login"))
    status = 400 if form.is_submitted() else 200
    return render_template("myspace/invitation.html", form=form), status


@blueprint.record_once
def _register_invitation_page(state):
    # Public and short, at the site's root: the link in the e-mail must be easy to read and type.
    state.app.add_url_rule("/invitation/<token>", endpoint="myspace.invitation", view_func=invitation,
                           methods=["GET", "POST"])
