"""Calendar pages: a meeting's .ics file, the personal feed (settings and the public address), week views."""
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from peer_support import permissions
from peer_support.calendars import blueprint, feeds, ics
from peer_support.calendars.forms import FeedDetailsForm
from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.forms import ConfirmForm
from peer_support.security import client_ip

ICS_TYPE = "text/calendar; charset=utf-8"


def calendar_host() -> str:
    """The domain in events' UIDs: stable for a site (SERVER_NAME when set)."""
    return (current_app.config.get("SERVER_NAME") or request.host).split(":")[0]


def locale_of(account) -> str:
    return account.locale or current_app.config["PEER_SUPPORT_DEFAULT_LOCALE"]


def ics_response(body: bytes, filename: str) -> Response:
    response = Response(body, content_type=ICS_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Never kept by a proxy or a shared cache (security.py also sets no-store on every page).
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def get_meeting_for_calendar_or_404(meeting_id: int):
    meeting = feeds.get_meeting_for_calendar(meeting_id)
    if meeting is None or not permissions.can_download_meeting_calendar(current_user, meeting):
        abort(404)
    return meeting


@blueprint.get("/meetings/<int:meeting_id>.ics")
def meeting_ics(meeting_id: int):
    meeting = get_meeting_for_calendar_or_404(meeting_id)
    feed = feeds.get_feed(current_user)
    cancelled = feeds.cancelled_participations(current_user.id, [meeting.id])
    body = ics.calendar_bytes([meeting], locale=locale_of(current_user), host=calendar_host(), now=utcnow(),
                              show_details=bool(feed and feed.show_details), cancelled_ids=cancelled)
    return ics_response(body, f"meeting-{meeting.id}.ics")


# --- The personal feed -------------------------------------------------------------------------

@blueprint.get("/feed")
def feed_settings():
    feed = feeds.get_feed(current_user)
    address = (url_for("calendars.feed", token=feeds.feed_token(current_user.id, feed.version), _external=True)
               if feed is not None and feed.is_enabled else None)
    return render_template("calendars/feed.html", feed=feed, address=address, confirm=ConfirmForm(),
                           details_form=FeedDetailsForm(obj=feed))


def _confirmed():
    if not ConfirmForm().validate_on_submit():
        abort(400)


@blueprint.post("/feed/enable")
def feed_enable():
    _confirmed()
    feeds.enable_feed(current_user, ip=client_ip(), now=utcnow())
    db.session.commit()
    flash(_("Your calendar feed is on. Copy its address into your calendar application."), "success")
    return redirect(url_for("calendars.feed_settings"))


def _own_feed_or_404():
    feed = feeds.get_feed(current_user)
    if feed is None:
        abort(404)
    return feed


@blueprint.post("/feed/rotate")
def feed_rotate():
    feed = _own_feed_or_404()
    _confirmed()
    feeds.rotate_feed(current_user, feed, ip=client_ip(), now=utcnow())
    db.session.commit()
    flash(_("Your feed has a new address. The old address no longer works: put the new one in your calendar "
            "application."), "success")
    return redirect(url_for("calendars.feed_settings"))


@blueprint.post("/feed/disable")
def feed_disable():
    feed = _own_feed_or_404()
    _confirmed()
    feeds.disable_feed(current_user, feed, ip=client_ip(), now=utcnow())
    db.session.commit()
    flash(_("Your calendar feed is off: its address no longer works."), "success")
    return redirect(url_for("calendars.feed_settings"))


@blueprint.post("/feed/details")
def feed_details():
    feed = _own_feed_or_404()
    form = FeedDetailsForm()
    if not form.validate_on_submit():
        abort(400)
    feeds.set_feed_details(current_user, feed, form.show_details.data, ip=client_ip(), now=utcnow())
    db.session.commit()
    flash(_("Your choice is saved."), "success")
    return redirect(url_for("calendars.feed_settings"))


@blueprint.get("/feed/<token>.ics")
def feed(token: str):
    """Public: calendar applications cannot sign in. The address itself is the secret."""
    found = feeds.feed_for_token(token)
    if found is None:
        abort(404)
    account = found.account
    now = utcnow()
    meetings = feeds.feed_meetings(account, now)
    cancelled = feeds.cancelled_participations(account.id, [m.id for m in meetings])
    locale = locale_of(account)
    body = ics.calendar_bytes(meetings, locale=locale, host=calendar_host(), now=now,
                              show_details=found.show_details, cancelled_ids=cancelled,
                              name=feed_name(locale))
    return ics_response(body, "peer-support.ics")


def feed_name(locale: str) -> str:
    from flask_babel import force_locale

    with force_locale(locale):
        return _("Peer support meetings")


from peer_support.calendars import week_views  # noqa: E402,F401  (week pages, same blueprint)
