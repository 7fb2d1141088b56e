"""Finding a free room for a slot, and a room's week: for every professional (rooms are not health data)."""
from datetime import date

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from peer_support import permissions
from peer_support.calendars import weeks
from peer_support.forms import choices
from peer_support.rooms import blueprint, services
from peer_support.rooms.forms import FreeRoomForm
from peer_support.rooms.views import get_room_or_404
from peer_support.timezones import local_to_utc, local_today


@blueprint.context_processor
def _week_helpers():
    return weeks.template_helpers()


@blueprint.get("/free")
def free():
    form = FreeRoomForm(request.args)
    form.unit_id.choices = choices([("", _("All units"))] + services.unit_choices())
    rooms = None
    searched = bool(request.args)
    if searched and form.validate():
        starts_at = local_to_utc(form.day.data, form.starts_at.data)
        ends_at = local_to_utc(form.day.data, form.ends_at.data)
        if ends_at <= starts_at:
            form.ends_at.errors = list(form.ends_at.errors) + [_("The end must be after the start.")]
        else:
            rooms = services.free_rooms(starts_at, ends_at, unit_id=form.unit_id.data,
                                        min_capacity=form.min_capacity.data)
    elif not searched:
        form.day.data = local_today()
    return render_template("rooms/free.html", form=form, rooms=rooms, searched=searched)


def requested_week() -> weeks.Week:
    """The week of ?week=YYYY-MM-DD (any day of it), this week by default; 400 on a malformed date."""
    text = request.args.get("week")
    if not text:
        return weeks.week_of(local_today())
    try:
        return weeks.week_of(date.fromisoformat(text))
    except ValueError:
        abort(400)


@blueprint.get("/<int:room_id>/week")
def week(room_id: int):
    room = get_room_or_404(room_id)
    shown = requested_week()
    bookings = weeks.room_bookings(room.id, shown)
    closures = weeks.room_closures(room.id, shown)
    # Who booked, and for what, only for the meeting's leader and the coordinator: others see "Booked".
    detailed = {meeting.id for meeting in bookings if permissions.can_see_booking_details(current_user, meeting)}
    return render_template("rooms/week.html", room=room, week=shown,
                           bookings=weeks.by_day(shown, bookings, spanning=True),
                           closures=weeks.by_day(shown, closures, spanning=True), detailed=detailed)
