"""Meeting pages: a worker's meetings, planning or logging one, its page, what follows it, the quick log."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from peer_support import permissions
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.forms import ConfirmForm, choices, show_form_error
from peer_support.meetings import actions, blueprint, planning, services
from peer_support.meetings.forms import CancelForm, EnrolForm, MeetingFilterForm, MeetingForm, OutcomeForm, QuickLogForm
from peer_support.meetings.labels import (FOLLOW_UP_LABELS, FORMAT_LABELS, INITIATOR_LABELS,
                                          PARTICIPANT_STATUS_LABELS, PLACE_LABELS, STATUS_LABELS)
from peer_support.peers.services import get_profile
from peer_support.security import client_ip
from peer_support.timezones import local_to_utc, to_local

PER_PAGE = 25


@blueprint.context_processor
def _labels():
    return {"place_labels": PLACE_LABELS, "initiator_labels": INITIATOR_LABELS,
            "follow_up_labels": FOLLOW_UP_LABELS, "participant_status_labels": PARTICIPANT_STATUS_LABELS}


@blueprint.app_template_global()
def referrer_meetings(person_id: int):
    """For the referral page: dates, format and status of the meetings of a person the signed-in
    member of staff referred (empty for anyone else)."""
    return services.meetings_for_referrer(current_user, person_id)


@blueprint.app_context_processor
def _referrer_labels():
    # App-wide: the referral page shows meetings' formats and statuses too.
    return {"meeting_status_labels": STATUS_LABELS, "meeting_format_labels": FORMAT_LABELS}


def _locale() -> str:
    return str(get_locale() or "fr")


def get_meeting_or_404(meeting_id: int, need: str = "view"):
    """The meeting, or 404 when it does not exist or the actor may not see (or change) it."""
    meeting = services.get_meeting(meeting_id)
    rule = {"view": permissions.can_view_meeting, "change": permissions.can_change_meeting}[need]
    if meeting is None or not rule(current_user, meeting):
        abort(404)
    return meeting


def _own_profile_or_404():
    profile = services.own_profile(current_user)
    if profile is None:
        abort(404)
    return profile


# --- Lists ---------------------------------------------------------------------------------------

@blueprint.get("/")
def index():
    """The signed-in worker's meetings; the coordinator opens any worker's (?worker=<profile id>)."""
    filters = MeetingFilterForm(request.args)
    valid = filters.validate()
    if permissions.is_coordinator(current_user):
        if not (valid and filters.worker.data):
            return render_template("meetings/workers.html", workers=services.worker_list())
        profile = get_profile(filters.worker.data)
        if profile is None:
            abort(404)
    else:
        profile = services.own_profile(current_user)
        if profile is None:
            return render_template("meetings/no_profile.html")
    now = utcnow()
    page = services.worker_meetings(profile.id, now=now, status=(filters.status.data or None) if valid else None,
                                    page=(filters.page.data if valid and filters.page.data else 1),
                                    per_page=PER_PAGE)
    services.record_list_view(current_user, profile.id, ip=client_ip(), now=now)
    response = render_template("meetings/index.html", page=page, profile=profile, filters=filters, now=now,
                               own=permissions.is_own_profile(current_user, profile))
    db.session.commit()
    return response


# --- Planning, logging, changing ---------------------------------------------------------------------

def _room_label(room) -> str:
    label = f"{room.name} ({room.unit.code})"
    if room.capacity:
        label += " — " + _("%(n)d places", n=room.capacity)
    if room.accessibility_note:
        label += " — " + room.accessibility_note
    return label


def _form_choices(form, profile, meeting=None) -> None:
    people = services.caseload_people(profile.id, [p.service_user_id for p in meeting.participants] if meeting else ())
    form.participant_ids.choices = choices((person.id, person.display_name) for person in people)
    rooms = services.worker_rooms(profile, meeting.room_id if meeting else None)
    form.room_id.choices = choices([("", _("Choose a room"))] + [(room.id, _room_label(room)) for room in rooms])
    form.co_facilitator_ids.choices = choices(services.co_facilitator_choices(
        [a.id for a in meeting.co_facilitators] if meeting else ()))
    form.topic_ids.choices = choices((t.id, t.name(_locale())) for t in services.list_topics(
        active_only=True, include_ids=[t.id for t in meeting.topics] if meeting else ()))


def _meeting_data(form, status: str) -> planning.MeetingData:
    day = form.starts_on.data
    starts_at = local_to_utc(day, form.starts_at.data)
    ends_at = local_to_utc(day, form.ends_at.data) if form.ends_at.data else None
    return planning.MeetingData(
        format=form.format.data, status=status, starts_at=starts_at, ends_at=ends_at,
        duration_minutes=form.duration_minutes.data, participant_ids=form.participant_ids.data or [],
        title=form.title.data, co_facilitator_ids=form.co_facilitator_ids.data or [],
        place_kind=form.place_kind.data, room_id=form.room_id.data if form.place_kind.data == "room" else None,
        place_detail=form.place_detail.data, initiated_by=form.initiated_by.data,
        topic_ids=form.topic_ids.data or [], private_notes=form.private_notes.data,
        team_summary=form.team_summary.data, team_summary_agreed=form.team_summary_agreed.data,
        follow_up_intention=form.follow_up_intention.data or None, follow_up_by=form.follow_up_by.data,
        capacity=form.capacity.data,
        previous_meeting_id=int(form.previous_meeting_id.data) if (form.previous_meeting_id.data or "").isdigit()
        else None)


def _prefill_from(form, previous) -> None:
    """"Plan the next one": the same people, format, place, co-facilitators and title; a new date."""
    form.format.data = previous.format
    form.title.data = previous.title
    form.participant_ids.data = [p.service_user_id for p in previous.participants if p.status != "cancelled"]
    form.co_facilitator_ids.data = [a.id for a in previous.co_facilitators]
    form.place_kind.data = previous.place_kind
    form.room_id.data = previous.room_id
    form.place_detail.data = previous.place_detail
    form.capacity.data = previous.capacity
    form.initiated_by.data = previous.initiated_by
    form.duration_minutes.data = previous.duration_minutes
    local = to_local(previous.starts_at)
    form.starts_at.data = local.time().replace(second=0, microsecond=0)
    form.previous_meeting_id.data = str(previous.id)


def _field_of(error):
    # The form splits the start in a date and a time; a service speaks of the start.
    if error.field == "starts_at":
        error.field = "starts_on"
    return error


@blueprint.route("/new", methods=["GET", "POST"])
def create():
    profile = _own_profile_or_404()
    form = MeetingForm()
    previous = None
    after = request.args.get("after", type=int)
    if after is not None:
        previous = get_meeting_or_404(after, need="change")
    _form_choices(form, profile)
    if request.method == "GET":
        if previous is not None:
            _prefill_from(form, previous)
        person = request.args.get("person", type=int)
        if person is not None:
            form.participant_ids.data = [person]
    if form.validate_on_submit():
        try:
            meeting = planning.create_meeting(current_user, _meeting_data(form, form.status.data or "planned"),
                                              ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, _field_of(error))
        else:
            db.session.commit()
            flash(_("The meeting is planned.") if meeting.status == "planned" else _("The meeting is logged."),
                  "success")
            return redirect(url_for("meetings.show", meeting_id=meeting.id))
    return render_template("meetings/form.html", form=form, meeting=None, previous=previous)


@blueprint.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
def edit(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id, need="change")
    profile = _own_profile_or_404()
    form = MeetingForm(obj=meeting)
    del form.status
    _form_choices(form, profile, meeting)
    if request.method == "GET":
        local = to_local(meeting.starts_at)
        form.starts_on.data, form.starts_at.data = local.date(), local.time().replace(second=0, microsecond=0)
        form.ends_at.data = to_local(meeting.ends_at).time().replace(second=0, microsecond=0)
        form.duration_minutes.data = None  # the end time says it (one of the two, not both)
        form.participant_ids.data = [p.service_user_id for p in meeting.participants]
        form.co_facilitator_ids.data = [a.id for a in meeting.co_facilitators]
        form.topic_ids.data = [t.id for t in meeting.topics]
    if form.validate_on_submit():
        try:
            planning.update_meeting(current_user, meeting, _meeting_data(form, meeting.status), ip=client_ip(),
                                    now=utcnow())
        except DomainError as error:
            db.session.rollback()
            meeting = services.get_meeting(meeting_id)
            show_form_error(form, _field_of(error))
        else:
            db.session.commit()
            flash(_("The meeting is saved."), "success")
            return redirect(url_for("meetings.show", meeting_id=meeting_id))
    return render_template("meetings/form.html", form=form, meeting=meeting, previous=None)


# --- A meeting -------------------------------------------------------------------------------------

@blueprint.get("/<int:meeting_id>")
def show(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    now = utcnow()
    services.record_view(current_user, meeting, ip=client_ip(), now=now)
    enrol_form = None
    if permissions.can_change_meeting(current_user, meeting) and meeting.format == "group" \
            and meeting.status == "planned":
        enrol_form = EnrolForm()
        taken = {p.service_user_id for p in meeting.participants if p.status != "cancelled"}
        enrol_form.person_id.choices = choices(
            [("", _("Choose a person"))] + [(person.id, person.display_name)
                                            for person in services.caseload_people(meeting.peer_profile_id)
                                            if person.id not in taken])
    # Rendered before the commit, which would expire what the page loaded.
    response = render_template("meetings/show.html", meeting=meeting, now=now, confirm=ConfirmForm(),
                               enrol_form=enrol_form, locale=_locale())
    db.session.commit()
    return response


@blueprint.route("/<int:meeting_id>/hold", methods=["GET", "POST"])
def hold(meeting_id: int):
    """Mark held: attendance of each person, what follows, topics and notes."""
    meeting = get_meeting_or_404(meeting_id, need="change")
    form = OutcomeForm(obj=meeting)
    form.topic_ids.choices = choices((t.id, t.name(_locale())) for t in services.list_topics(
        active_only=True, include_ids=[t.id for t in meeting.topics]))
    if request.method == "GET":
        form.topic_ids.data = [t.id for t in meeting.topics]
    attendance = {p.service_user_id: request.form.get(f"attendance-{p.service_user_id}", "attended")
                  for p in meeting.participants}
    if form.validate_on_submit():
        data = planning.OutcomeData(
            attendance=attendance, follow_up_intention=form.follow_up_intention.data or None,
            follow_up_by=form.follow_up_by.data, topic_ids=form.topic_ids.data or [],
            private_notes=form.private_notes.data, team_summary=form.team_summary.data,
            team_summary_agreed=form.team_summary_agreed.data)
        try:
            actions.hold_meeting(current_user, meeting, data, ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            meeting = services.get_meeting(meeting_id)
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The meeting is marked held."), "success")
            return redirect(url_for("meetings.show", meeting_id=meeting_id))
    elif request.method == "GET":
        attendance = {p.service_user_id: (p.status if p.status in ("attended", "absent") else "attended")
                      for p in meeting.participants}
    return render_template("meetings/hold.html", form=form, meeting=meeting, attendance=attendance,
                           now=utcnow())


@blueprint.route("/<int:meeting_id>/cancel", methods=["GET", "POST"])
def cancel(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id, need="change")
    form = CancelForm()
    if form.validate_on_submit():
        try:
            actions.cancel_meeting(current_user, meeting, form.reason.data, ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            meeting = services.get_meeting(meeting_id)
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The meeting is cancelled."), "success")
            return redirect(url_for("meetings.show", meeting_id=meeting_id))
    return render_template("meetings/cancel.html", form=form, meeting=meeting)


def _one_click(meeting_id: int, action, success: str, **kwargs):
    """A one-button action: check the token, call the service, commit; a refusal is flashed."""
    meeting = get_meeting_or_404(meeting_id, need="change")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        action(current_user, meeting, ip=client_ip(), now=utcnow(), **kwargs)
    except DomainError as error:
        db.session.rollback()
        for message in error.messages:
            flash(str(message), "danger")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(url_for("meetings.show", meeting_id=meeting_id))


@blueprint.post("/<int:meeting_id>/missed")
def missed(meeting_id: int):
    return _one_click(meeting_id, actions.mark_missed, _("The meeting is marked missed."))


@blueprint.post("/<int:meeting_id>/enrol")
def enrol(meeting_id: int):
    person_id = request.form.get("person_id", type=int)
    return _one_click(meeting_id, actions.enrol, _("The person is enrolled."), person_id=person_id)


@blueprint.post("/<int:meeting_id>/participants/<int:person_id>/withdraw")
def withdraw(meeting_id: int, person_id: int):
    return _one_click(meeting_id, actions.withdraw, _("The person is withdrawn from the session."),
                      person_id=person_id)


# --- Quick log -------------------------------------------------------------------------------------

@blueprint.route("/quick-log", methods=["GET", "POST"])
def quick_log():
    """An encounter just held, in one screen: who, format, how long, topics."""
    profile = _own_profile_or_404()
    form = QuickLogForm()
    form.person_id.choices = choices([("", _("Choose a person"))] + [
        (person.id, person.display_name) for person in services.caseload_people(profile.id)])
    form.topic_ids.choices = choices((t.id, t.name(_locale())) for t in services.list_topics(active_only=True))
    if request.method == "GET":
        form.person_id.data = request.args.get("person", type=int)
    if form.validate_on_submit():
        try:
            meeting = actions.quick_log(current_user, person_id=form.person_id.data, format=form.format.data,
                                        duration_minutes=form.duration_minutes.data,
                                        topic_ids=form.topic_ids.data or [], private_notes=form.private_notes.data,
                                        ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The meeting is logged."), "success")
            return redirect(url_for("meetings.show", meeting_id=meeting.id))
    return render_template("meetings/quick_log.html", form=form)


from peer_support.meetings import topic_views  # noqa: E402,F401  (the topic vocabulary pages, same blueprint)
