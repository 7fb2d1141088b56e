"""The demo data of feedback forms and research: the three templates as forms, answers with and without consent,
invitations in every state, and what the demo researcher reads and exports."""
import io
import zipfile

import sqlalchemy as sa

from peer_support.auth.models import Account
from peer_support.db import utcnow
from peer_support.demo import DOMAIN, load_demo_data
from peer_support.extensions import db
from peer_support.feedback.answering import open_for_account
from peer_support.feedback.invitations import invitation_state
from peer_support.feedback.models import FeedbackAnswer, FeedbackForm, FeedbackInvitation, FeedbackResponse
from peer_support.feedback.templates_builtin import TEMPLATES
from peer_support.research import dataset
from peer_support.research.models import ResearchConsent
from tests.conftest import sign_in

PASSWORD = "demo-pairs-aidants-2026"


def _forms() -> dict[str, FeedbackForm]:
    return {form.template_key: form for form in db.session.scalars(sa.select(FeedbackForm))}


def test_demo_feedback_forms_responses_consents_and_invitations(app):
    load_demo_data(size="small", seed=2019, password=PASSWORD)
    db.session.commit()
    forms = _forms()
    assert set(forms) == set(TEMPLATES) and {form.status for form in forms.values()} == {"published"}
    assert forms["post_meeting"].privacy == "anonymous"
    assert forms["end_of_accompaniment"].privacy == forms["staff_perception"].privacy == "pseudonymous"
    assert forms["end_of_accompaniment"].study_id == forms["staff_perception"].study_id is not None

    responses = db.session.scalars(sa.select(FeedbackResponse)).all()
    assert len(responses) >= 30
    anonymous = [r for r in responses if r.form_id == forms["post_meeting"].id]
    assert anonymous and all(r.service_user_id is None and r.account_id is None and r.invitation_id is None
                             for r in anonymous)
    # With and without consent: some answered without it, some withdrew later; research sees the others only.
    closing = forms["end_of_accompaniment"]
    given = [r for r in responses if r.form_id == closing.id]
    assert any(r.research_consent_id is None for r in given)
    withdrawn = db.session.scalars(sa.select(ResearchConsent).where(ResearchConsent.withdrawn_at.is_not(None))).all()
    assert withdrawn
    assert 0 < dataset.count_exportable(closing) < len(given)
    assert dataset.count_exportable(forms["staff_perception"]) > 0

    now = utcnow()
    states = {invitation_state(i, now=now) for i in db.session.scalars(sa.select(FeedbackInvitation))}
    assert {"open", "answered", "expired"} <= states
    # Inès and the nurse find a questionnaire waiting for them when they sign in.
    for local in ("usager.ines", "infirmier.roux"):
        account = db.session.scalar(sa.select(Account).where(Account.email == f"{local}@{DOMAIN}"))
        assert len(open_for_account(account, now=now)) == 1
    texts = db.session.scalars(sa.select(FeedbackAnswer.text_value).where(FeedbackAnswer.text_value.is_not(None)))
    assert any("recontacte" in text for text in texts)


def test_the_demo_researcher_reads_masked_answers_and_exports_them(app, client):
    load_demo_data(size="small", seed=2019, password=PASSWORD)
    db.session.commit()
    closing = _forms()["end_of_accompaniment"]
    researcher = f"recherche@{DOMAIN}"
    assert sign_in(client, researcher, PASSWORD).status_code == 302

    home = client.get("/").get_data(as_text=True)
    assert f"/research/forms/{closing.id}/responses" in home
    page = client.get(f"/research/forms/{closing.id}/responses").get_data(as_text=True)
    first = dataset.research_responses(closing).__next__()
    assert first.pseudonym in page
    exported = client.get(f"/research/forms/{closing.id}/export/project.qdpx")
    assert exported.status_code == 200
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        assert "project.qde" in archive.namelist()
        sources = "".join(archive.read(name).decode() for name in archive.namelist() if name.startswith("Sources/"))
    # Names of people known to the programme (a peer worker's, in the demo's free text) never reach research.
    assert "[NAME]" in sources and "Julie" not in sources and "Karim" not in sources
    assert "[PHONE]" in sources and "06 12 34 56 78" not in sources

    # A service user of the demo must not read them.
    sign_in(client, f"usager.paul@{DOMAIN}", PASSWORD)
    assert client.get(f"/research/forms/{closing.id}/responses").status_code == 403
