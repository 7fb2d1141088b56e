"""The coordinator's topic vocabulary: list, create, rename, stop offering and offer again."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.forms import ConfirmForm, show_form_error
from peer_support.meetings import blueprint, services, topics
from peer_support.meetings.forms import TopicForm
from peer_support.meetings.models import MeetingTopic
from peer_support.security import client_ip


def get_topic_or_404(topic_id: int) -> MeetingTopic:
    return db.session.get(MeetingTopic, topic_id) or abort(404)


@blueprint.get("/topics", endpoint="topics")
def topic_list():
    return render_template("meetings/topics.html", topics=services.list_topics(), confirm=ConfirmForm())


@blueprint.route("/topics/new", methods=["GET", "POST"])
@blueprint.route("/topics/<int:topic_id>/edit", methods=["GET", "POST"], endpoint="edit_topic")
def create_topic(topic_id: int | None = None):
    topic = get_topic_or_404(topic_id) if topic_id is not None else None
    form = TopicForm(obj=topic)
    if form.validate_on_submit():
        try:
            topics.save_topic(current_user, topic, name_fr=form.name_fr.data, name_en=form.name_en.data,
                              ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The list of meeting topics is saved."), "success")
            return redirect(url_for("meetings.topics"))
    return render_template("meetings/topic_form.html", form=form, topic=topic)


def _set_active(topic_id: int, active: bool):
    topic = get_topic_or_404(topic_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    topics.set_topic_active(current_user, topic, active, ip=client_ip(), now=utcnow())
    name = topic.name(str(get_locale() or "fr"))
    db.session.commit()
    if active:
        flash(_("The topic “%(name)s” is offered again.", name=name), "success")
    else:
        flash(_("The topic “%(name)s” is no longer offered; the meetings that use it keep it.", name=name),
              "success")
    return redirect(url_for("meetings.topics"))


@blueprint.post("/topics/<int:topic_id>/deactivate")
def deactivate_topic(topic_id: int):
    return _set_active(topic_id, False)


@blueprint.post("/topics/<int:topic_id>/reactivate")
def reactivate_topic(topic_id: int):
    return _set_active(topic_id, True)
