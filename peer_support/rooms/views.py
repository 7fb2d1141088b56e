"""Room pages for the coordinator: rooms per unit, creating and changing one, closures."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.forms import ConfirmForm, choices, show_form_error
from peer_support.rooms import blueprint, services
from peer_support.rooms.forms import ClosureForm, RoomForm
from peer_support.rooms.models import RoomClosure
from peer_support.security import client_ip
from peer_support.timezones import local_to_utc


def get_room_or_404(room_id: int, *, closures: bool = False):
    room = services.get_room_with_closures(room_id) if closures else services.get_room(room_id)
    if room is None:
        abort(404)
    return room


@blueprint.get("/")
def index():
    return render_template("rooms/index.html", groups=services.rooms_by_unit(), confirm=ConfirmForm())


def _room_form(room=None) -> RoomForm:
    form = RoomForm(obj=room)
    form.unit_id.choices = choices([("", _("Choose..."))] + services.unit_choices(room.unit_id if room else None))
    return form


def _room_data(form) -> services.RoomData:
    return services.RoomData(name=form.name.data, unit_id=form.unit_id.data, capacity=form.capacity.data,
                             accessibility_note=form.accessibility_note.data)


@blueprint.route("/new", methods=["GET", "POST"])
def create():
    form = _room_form()
    if request.method == "GET" and request.args.get("unit", type=int):
        form.unit_id.data = request.args.get("unit", type=int)
    if form.validate_on_submit():
        try:
            room = services.create_room(current_user, _room_data(form), ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The room %(name)s is created.", name=room.name), "success")
            return redirect(url_for("rooms.index"))
    return render_template("rooms/form.html", form=form, room=None)


@blueprint.route("/<int:room_id>/edit", methods=["GET", "POST"])
def edit(room_id: int):
    room = get_room_or_404(room_id)
    form = _room_form(room)
    if form.validate_on_submit():
        try:
            services.update_room(current_user, room, _room_data(form), ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            room = get_room_or_404(room_id)
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The room %(name)s is saved.", name=room.name), "success")
            return redirect(url_for("rooms.index"))
    return render_template("rooms/form.html", form=form, room=room)


def _set_active(room_id: int, active: bool):
    room = get_room_or_404(room_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.set_room_active(current_user, room, active, ip=client_ip(), now=utcnow())
    db.session.commit()
    if active:
        flash(_("The room %(name)s can be booked again.", name=room.name), "success")
    else:
        flash(_("The room %(name)s is no longer in use: it cannot be booked. Meetings already booked keep it.",
                name=room.name), "success")
    return redirect(url_for("rooms.index"))


@blueprint.post("/<int:room_id>/deactivate")
def deactivate(room_id: int):
    return _set_active(room_id, False)


@blueprint.post("/<int:room_id>/reactivate")
def reactivate(room_id: int):
    return _set_active(room_id, True)


# --- Closures -----------------------------------------------------------------------------------

@blueprint.route("/<int:room_id>/closures", methods=["GET", "POST"])
def closures(room_id: int):
    room = get_room_or_404(room_id, closures=True)
    form = ClosureForm()
    if form.validate_on_submit():
        try:
            _closure, booked = services.add_closure(
                current_user, room, local_to_utc(form.starts_on.data, form.starts_at.data),
                local_to_utc(form.ends_on.data, form.ends_at.data), form.reason.data, ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            room = get_room_or_404(room_id, closures=True)
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The room %(name)s is closed for that period: it cannot be booked then.", name=room.name),
                  "success")
            if booked:
                flash(ngettext("%(num)d meeting was already booked in this room during the closure: "
                               "ask its peer worker to move it.",
                               "%(num)d meetings were already booked in this room during the closure: "
                               "ask their peer workers to move them.", len(booked)), "warning")
            return redirect(url_for("rooms.closures", room_id=room.id))
    return render_template("rooms/closures.html", room=room, form=form, confirm=ConfirmForm(), now=utcnow())


@blueprint.post("/<int:room_id>/closures/<int:closure_id>/remove")
def remove_closure(room_id: int, closure_id: int):
    closure = db.session.get(RoomClosure, closure_id)
    if closure is None or closure.room_id != room_id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.remove_closure(current_user, closure, ip=client_ip(), now=utcnow())
    db.session.commit()
    flash(_("The closure is removed: the room can be booked in that period again."), "success")
    return redirect(url_for("rooms.closures", room_id=room_id))


from peer_support.rooms import finder_views  # noqa: E402,F401  (free rooms and a room's week, same blueprint)
