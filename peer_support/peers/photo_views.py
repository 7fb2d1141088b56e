"""A peer worker's photo: given by the worker (or the coordinator for them), shown to the people they accompany."""
from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from peer_support import permissions
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.forms import ConfirmForm, show_form_error
from peer_support.peers import blueprint, photos
from peer_support.peers.forms import PhotoForm
from peer_support.peers.services import get_profile
from peer_support.security import client_ip
from peer_support.training.certificates import human_size


def _profile_to_edit(profile_id: int):
    profile = get_profile(profile_id)
    if profile is None or not permissions.can_edit_peer_profile(current_user, profile):
        abort(404)
    return profile


@blueprint.get("/<int:profile_id>/photo")
def photo(profile_id: int):
    profile = get_profile(profile_id)
    if profile is None or not profile.photo_key or not permissions.can_view_peer_photo(current_user, profile):
        abort(404)
    path = photos.photo_store().path(profile.photo_key)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=profile.photo_content_type, max_age=0)


@blueprint.route("/<int:profile_id>/photo/edit", methods=["GET", "POST"])
def edit_photo(profile_id: int):
    profile = _profile_to_edit(profile_id)
    store = photos.photo_store()
    form = PhotoForm()
    form.photo.description = _("PNG or JPEG, %(limit)s at most.", limit=human_size(store.max_bytes))
    if form.validate_on_submit():
        try:
            photos.set_photo(current_user, profile, stream=form.photo.data.stream, store=store, ip=client_ip(),
                             now=utcnow())
        except DomainError as error:
            db.session.rollback()
            profile = _profile_to_edit(profile_id)
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The photo is saved."), "success")
            return redirect(url_for("peers.show", profile_id=profile.id))
    return render_template("peers/photo_form.html", form=form, profile=profile, confirm=ConfirmForm())


@blueprint.post("/<int:profile_id>/photo/remove")
def remove_photo(profile_id: int):
    profile = _profile_to_edit(profile_id)
    if ConfirmForm().validate_on_submit():
        photos.remove_photo(current_user, profile, store=photos.photo_store(), ip=client_ip(), now=utcnow())
        db.session.commit()
        flash(_("The photo is removed."), "success")
    return redirect(url_for("peers.show", profile_id=profile.id))
