"""The coordinator's follow-up of service users' wish to become peer workers (the person's side is in My space)."""
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from peer_support import permissions
from peer_support.becoming import blueprint, services
from peer_support.becoming.forms import InterestFilterForm, InterestForm, RecordInterestForm
from peer_support.becoming.labels import INTEREST_STATUS_LABELS
from peer_support.csv_export import to_csv
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.forms import choices, show_form_error
from peer_support.pagination import page_number
from peer_support.security import client_ip
from peer_support.timezones import local_date, local_today

PER_PAGE = 50


def get_interest_or_404(interest_id: int):
    """The wish with its person and programmes, or 404 for whoever may not see it."""
    interest = services.get_interest(interest_id)
    if interest is None or not permissions.can_view_peer_work_interest(current_user, interest):
        abort(404)
    return interest


def _status_filter():
    filters = InterestFilterForm(request.args)
    return filters, (filters.status.data or None) if filters.validate() else None


@blueprint.get("/")
def index():
    filters, status = _status_filter()
    page = services.list_interests(status=status, page=request.args.get("page", 1, type=page_number), per_page=PER_PAGE)
    return render_template("becoming/index.html", page=page, filters=filters, status=status)


@blueprint.get("/export.csv")
def export():
    _filters, status = _status_filter()
    interests = services.all_interests(status=status)
    locale = str(get_locale())
    header = [_("Code"), _("Name"), _("Since"), _("Status"), _("Status since"), _("Training programmes")]
    rows = [(i.service_user.code, i.service_user.display_name, local_date(i.created_at).isoformat(),
             str(INTEREST_STATUS_LABELS[i.status]), local_date(i.status_changed_at).isoformat(),
             "; ".join(p.name(locale) for p in i.programmes)) for i in interests]
    services.record_export(current_user, status=status, count=len(rows), ip=client_ip(), now=utcnow())
    db.session.commit()
    return Response(to_csv(header, rows), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=peer-work-wishes-{local_today().isoformat()}.csv"})


def _programme_choices(form, interest) -> None:
    locale = str(get_locale())
    linked = [programme.id for programme in interest.programmes]
    form.programme_ids.choices = choices(
        (programme.id, programme.name(locale)) for programme in services.programme_choices(linked))


@blueprint.route("/<int:interest_id>", methods=["GET", "POST"])
def show(interest_id: int):
    interest = get_interest_or_404(interest_id)
    form = InterestForm(obj=interest)
    _programme_choices(form, interest)
    if request.method == "GET":
        form.programme_ids.data = [programme.id for programme in interest.programmes]
    if form.validate_on_submit():
        try:
            services.update_interest(current_user, interest, status=form.status.data, note=form.note.data,
                                     programme_ids=form.programme_ids.data, ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            interest = services.get_interest(interest_id)
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The follow-up is saved. The person sees it in their own space."), "success")
            return redirect(url_for("becoming.show", interest_id=interest_id))
    elif request.method == "GET":
        services.record_view(current_user, interest, ip=client_ip(), now=utcnow())
    page = render_template("becoming/show.html", interest=interest, form=form)
    db.session.commit()  # after rendering: the commit expires what the page shows
    return page, 400 if form.is_submitted() else 200


@blueprint.route("/new/<int:person_id>", methods=["GET", "POST"])
def record(person_id: int):
    from peer_support.people.views import get_person_or_404

    person = get_person_or_404(person_id)
    existing = services.interest_of(person.id)
    if existing is not None:
        return redirect(url_for("becoming.show", interest_id=existing.id))
    form = RecordInterestForm()
    if form.validate_on_submit():
        try:
            interest = services.record_interest_for(current_user, person, message=form.message.data,
                                                    ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The wish of %(name)s is recorded.", name=person.display_name), "success")
            return redirect(url_for("becoming.show", interest_id=interest.id))
    return render_template("becoming/record.html", form=form, person=person), 400 if form.is_submitted() else 200
