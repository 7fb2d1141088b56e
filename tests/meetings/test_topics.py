"""The coordinator's topic vocabulary: list, create, rename, stop offering and offer again."""
import pytest
import sqlalchemy as sa

from peer_support.extensions import db
from peer_support.meetings.models import MeetingTopic
from tests.helpers import audit_entries, has_field_error


@pytest.mark.parametrize("role", ["staff", "peer_worker", "service_user", "researcher"])
def test_only_the_coordinator_manages_topics(client, signed_in, topics, role):
    signed_in(role)
    for url in ("/meetings/topics", "/meetings/topics/new", f"/meetings/topics/{topics[0].id}/edit"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/meetings/topics/{topics[0].id}/deactivate").status_code == 403
    assert db.session.get(MeetingTopic, topics[0].id).is_active


def test_create_rename_deactivate_and_reactivate(client, signed_in, topics):
    signed_in("coordinator", locale="en")
    assert "Recovery and hope" in client.get("/meetings/topics").get_data(as_text=True)
    response = client.post("/meetings/topics/new", data={"name_fr": "Logement", "name_en": "Housing"})
    assert response.status_code == 302
    topic = db.session.scalars(sa.select(MeetingTopic).where(MeetingTopic.name_en == "Housing")).one()
    html = client.post("/meetings/topics/new", data={"name_fr": "logement", "name_en": "Home"}).get_data(as_text=True)
    assert has_field_error(html, "name_fr") and "already in the list" in html
    assert client.post(f"/meetings/topics/{topic.id}/edit", data={"name_fr": "Logement", "name_en": "Housing and home"}
                       ).status_code == 302
    assert client.post(f"/meetings/topics/{topic.id}/deactivate").status_code == 302
    assert not db.session.get(MeetingTopic, topic.id).is_active
    assert "no longer offered" in client.get("/meetings/topics").get_data(as_text=True)
    assert client.post(f"/meetings/topics/{topic.id}/reactivate").status_code == 302
    assert db.session.get(MeetingTopic, topic.id).is_active
    assert [len(audit_entries(a)) for a in ("meetings.topic_create", "meetings.topic_update",
                                             "meetings.topic_deactivate", "meetings.topic_reactivate")] == [1, 1, 1, 1]


def test_an_unknown_topic_is_not_found(client, signed_in):
    signed_in("coordinator")
    assert client.get("/meetings/topics/999/edit").status_code == 404
