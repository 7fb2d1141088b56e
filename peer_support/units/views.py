from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.security import client_ip
from peer_support.units import blueprint, services
from peer_support.units.forms import UnitForm
from peer_support.units.models import Unit


@blueprint.get("/")
def index():
    return render_template("units/index.html", units=services.list_units())


@blueprint.route("/new", methods=["GET", "POST"])
def create():
    form = UnitForm()
    if form.validate_on_submit():
        try:
            unit = services.create_unit(current_user, code=form.code.data, name=form.name.data,
                                        ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            form.code.errors = list(form.code.errors) + [str(m) for m in error.messages]
        else:
            db.session.commit()
            flash(_("The unit %(code)s is created.", code=unit.code), "success")
            return redirect(url_for("units.index"))
    return render_template("units/form.html", form=form, unit=None)


@blueprint.route("/<int:unit_id>/edit", methods=["GET", "POST"])
def edit(unit_id: int):
    unit = db.session.get(Unit, unit_id) or abort(404)
    form = UnitForm(obj=unit)
    if form.validate_on_submit():
        try:
            services.update_unit(current_user, unit, code=form.code.data, name=form.name.data,
                                 is_active=form.is_active.data, person_messages=form.person_messages.data,
                                 ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            form.code.errors = list(form.code.errors) + [str(m) for m in error.messages]
        else:
            db.session.commit()
            flash(_("The unit %(code)s is saved.", code=unit.code), "success")
            return redirect(url_for("units.index"))
    return render_template("units/form.html", form=form, unit=unit)
