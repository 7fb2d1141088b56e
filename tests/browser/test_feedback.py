"""Issue 7 in a real browser: the coordinator builds a form from the end-of-accompaniment template, publishes it
and invites a service user by hand; the person answers on a phone, without an account, after reading the
consent text; the researcher reads the answer under its pseudonym, with a known name masked, and downloads the
CSV and the REFI-QDA project. The answering pages are checked with axe-core in French and English."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.feedback import forms_services, invitations
from peer_support.feedback.models import FeedbackForm, FeedbackResponse
from peer_support.people.models import ServiceUser
from peer_support.people.services import new_code
from peer_support.research.models import ConsentText, ResearchStudy
from peer_support.research.pseudonyms import pseudonym
from peer_support.units.models import Unit
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_sign_in import LOCALES, assert_accessible, sign_in
from tests.conftest import new_account

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
CONSENT_FR = "J'accepte que mes réponses servent à l'étude PAIR-LYON, sous un pseudonyme."
CONSENT_EN = "I agree that my answers are used by the PAIR-LYON study, under a pseudonym."
# "Julie" is the name of a peer worker known to the programme: researchers must read [NAME] instead.
FREE_TEXT = ("Julie m'a redonné de l'espoir 🌱 : elle est passée par là, ça change tout.\n"
             "J'aurais aimé qu'on me recontacte après l'été.")
MASKED_FIRST_LINE = "[NAME] m'a redonné de l'espoir 🌱 : elle est passée par là, ça change tout."
# End-of-accompaniment template: the questions that need an answer (keys q1 ... in the template's order).
LIKERT_KEYS = ("q5", "q6", "q7")
REQUIRED_CHOICES = {"q2": "yes_vague", "q9": "too_late", "q10": "too_loose", "q11": "1"}


@pytest.fixture
def phone_page(browser):
    """phone_page("fr-FR"): a page in a fresh, phone-sized browser context (no account, no cookies)."""
    contexts = []

    def make(locale: str = "fr-FR"):
        context = browser.new_context(locale=locale, viewport=PHONE, is_mobile=True, has_touch=True)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def _study(code: str = "PAIR-LYON") -> ResearchStudy:
    study = ResearchStudy(code=code, title_fr="Apports de la pair-aidance", title_en="What peer support brings")
    db.session.add(study)
    db.session.flush()
    db.session.add(ConsentText(study_id=study.id, version=1, text_fr=CONSENT_FR, text_en=CONSENT_EN,
                               published_at=utcnow()))
    return study


def _person(name: str, *, email: str | None, language: str | None, unit: Unit) -> ServiceUser:
    person = ServiceUser(code=new_code(), display_name=name, name_key=name.lower(),
                         preferred_language=language, contact_channel="email" if email else "phone", email=email,
                         phone=None if email else "06 12 34 56 78")
    person.units = [unit]
    db.session.add(person)
    db.session.flush()
    return person


def _world(app) -> dict:
    """A unit, the coordinator, a researcher, a peer worker named Julie, a study and a person with an e-mail."""
    with app.app_context():
        unit = Unit(code="CL3R", name="Réhabilitation psychosociale")
        db.session.add(unit)
        db.session.flush()
        study = _study()
        person = _person("Mireille", email="mireille@example.org", language="fr", unit=unit)
        world = {"study_id": study.id, "person_id": person.id, "person_code": person.code}
        db.session.commit()
        world["coordinator"] = new_account("coordinator", locale="en").email
        world["researcher"] = new_account("researcher", locale="en").email
        new_account("peer_worker", name="Julie Moreau", units=[unit], locale="en")
        world["pseudonym"] = pseudonym(world["study_id"], "service_user", world["person_id"])
        db.session.remove()
    return world


def _invitation_link(server) -> str:
    [mail] = list(Path(server.app.config["OUTBOX_DIR"]).glob("*.eml"))
    message = BytesParser(policy=policy.default).parse(mail.open("rb"))
    path = re.search(r"/feedback/answer/\S+", message.get_body(("plain",)).get_content()).group(0)
    return server.url + path  # the mail's host is APP_BASE_URL; the live server has its own port


def _answer_required(page) -> None:
    for key in LIKERT_KEYS:
        page.locator(f"label[for='{key}-4']").click()  # 5: strongly agree (the radio itself is visually hidden)
    for key, value in REQUIRED_CHOICES.items():
        page.locator(f"input[name={key}][value='{value}']").check()


def _translated(app, locale: str, text: str) -> str:
    with app.test_request_context(), force_locale(locale):
        return gettext(text)


def test_a_person_answers_on_a_phone_and_the_researcher_reads_and_exports(live_server, new_page, phone_page):
    world = _world(live_server.app)

    # The coordinator copies the end-of-accompaniment template into a form of the study, publishes it, and
    # invites the person by hand (by the code shown on their record).
    coordinator = new_page("en-US")
    sign_in(coordinator, live_server, world["coordinator"])
    coordinator.goto(f"{live_server.url}/feedback/forms")
    coordinator.locator("main a[href$='template=end_of_accompaniment']").click()
    expect(coordinator.locator("input[name=privacy][value=pseudonymous]")).to_be_checked()
    coordinator.locator("#study_id").select_option(str(world["study_id"]))
    coordinator.locator("main form button[type=submit]").click()
    coordinator.wait_for_url(re.compile(r"/feedback/forms/\d+$"))
    form_id = int(coordinator.url.rsplit("/", 1)[1])
    coordinator.get_by_role("button", name="Publish", exact=True).click()
    expect(coordinator.get_by_role("status").filter(has_text="The form is published")).to_be_visible()
    coordinator.get_by_role("link", name="Invitations to answer").click()
    coordinator.locator("#person_code").fill(world["person_code"].lower())
    coordinator.get_by_role("button", name="Send the invitation").click()
    expect(coordinator.get_by_role("status")).to_be_visible()
    expect(coordinator.get_by_role("rowheader", name=re.compile(world["person_code"]))).to_be_visible()
    link = _invitation_link(live_server)

    # The person opens the link on a phone, in French, without an account; reads the consent text, agrees,
    # answers a scale, choices and a free text with accents and an emoji, and sends.
    phone = phone_page("fr-FR")
    phone.goto(link)
    expect(phone.locator("html")).to_have_attribute("lang", "fr")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Votre accompagnement par un pair-aidant : votre bilan")
    expect(phone.locator("#consent-text")).to_have_text(CONSENT_FR)
    phone.locator("input[name=research_consent][value=agree]").check()
    _answer_required(phone)
    phone.locator("input[name=q4][value=informal]").check()
    phone.locator("input[name=q4][value=individual]").check()
    phone.locator("#q8").fill(FREE_TEXT)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_url(f"{live_server.url}/feedback/thanks")
    expect(phone.get_by_role("heading", level=1)).to_have_text(_translated(live_server.app, "fr", "Thank you"))

    # The same link again: the neutral page, whatever the reason.
    again = phone.goto(link)
    assert again.status == 404
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        _translated(live_server.app, "fr", "This link cannot be used"))
    expect(phone.locator("main form")).to_have_count(0)
    with live_server.app.app_context():
        response = db.session.scalar(sa.select(FeedbackResponse).where(FeedbackResponse.form_id == form_id))
        assert response.service_user_id == world["person_id"] and response.research_consent_id is not None
        db.session.remove()

    # The researcher finds the form on their home page, reads the answer under the study's pseudonym, with the
    # peer worker's name masked, and never the person's name nor their address.
    researcher = new_page("en-US")
    sign_in(researcher, live_server, world["researcher"])
    researcher.locator(f"main a[href$='/research/forms/{form_id}/responses']").click()
    expect(researcher.get_by_role("link", name=world["pseudonym"])).to_be_visible()
    assert_accessible(researcher, "the researcher's list of responses")
    researcher.get_by_role("link", name=world["pseudonym"]).click()
    expect(researcher.get_by_role("heading", level=1)).to_contain_text(world["pseudonym"])
    expect(researcher.locator("#answer-q8 blockquote")).to_contain_text(MASKED_FIRST_LINE)
    expect(researcher.locator("#answer-q8 blockquote")).to_contain_text("J'aurais aimé qu'on me recontacte")
    page_text = researcher.locator("main").inner_text()
    for identifier in ("Julie", "Mireille", "mireille@example.org", world["person_code"]):
        assert identifier not in page_text
    assert_accessible(researcher, "the researcher's page of one response")

    # Both exports: the CSV (one row, the pseudonym, the masked text) and the .qdpx (a zip with project.qde
    # and the free text as a source, emoji intact).
    researcher.goto(f"{live_server.url}/research/forms/{form_id}/export")
    assert_accessible(researcher, "the export page")
    with researcher.expect_download() as download_info:
        researcher.locator(f"a[href$='/research/forms/{form_id}/export/responses.csv']").click()
    exported = Path(download_info.value.path()).read_bytes()
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert len(rows) == 2 and world["pseudonym"] in rows[1]
    assert any(cell.startswith(MASKED_FIRST_LINE) for cell in rows[1])
    with researcher.expect_download() as download_info:
        researcher.locator(f"a[href$='/research/forms/{form_id}/export/project.qdpx']").click()
    assert download_info.value.suggested_filename.endswith(".qdpx")
    project = Path(download_info.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(project)) as archive:
        names = archive.namelist()
        assert "project.qde" in names
        sources = [archive.read(name).decode("utf-8") for name in names if name.startswith("Sources/")]
    assert sources == [FREE_TEXT.replace("Julie", "[NAME]")]
    for identifier in ("Julie", "Mireille", "mireille@example.org", world["person_code"]):
        assert identifier.encode() not in exported and identifier.encode() not in project
    researcher.goto(f"{live_server.url}/research/forms/{form_id}/participants")
    expect(researcher.get_by_role("cell", name=world["pseudonym"]).or_(
        researcher.get_by_role("rowheader", name=world["pseudonym"]))).to_be_visible()
    assert_accessible(researcher, "the participants' page")

    # Who must not: the researcher never sees who was invited.
    refused = researcher.goto(f"{live_server.url}/feedback/forms/{form_id}/invitations")
    assert refused.status == 403


def _published_form_and_link(app) -> tuple[str, int]:
    """A published end-of-accompaniment form of a study, and the link of an invitation to a person whose
    language is unknown (the browser's decides the page's)."""
    with app.app_context():
        unit = Unit(code="TS2A", name="Troubles du spectre de l'autisme")
        db.session.add(unit)
        db.session.flush()
        study = _study()
        person = _person("Bastien", email=None, language=None, unit=unit)
        coordinator = new_account("coordinator")
        now = utcnow()
        settings = forms_services.settings_from_template("end_of_accompaniment")
        settings.study_id = study.id
        form = forms_services.create_form(coordinator, settings, template_key="end_of_accompaniment", now=now)
        db.session.commit()
        forms_services.publish(coordinator, forms_services.get_form(form.id), now=now)
        invitation = invitations.invite_person(coordinator, db.session.get(FeedbackForm, form.id), person, ip=None,
                                               now=now)
        token = invitations.new_link(invitation.id)
        db.session.commit()
        form_id = form.id
        db.session.remove()
    return f"/feedback/answer/{token}", form_id


@pytest.mark.parametrize("locale", LOCALES)
def test_the_answering_pages_are_accessible(live_server, phone_page, locale):
    path, form_id = _published_form_and_link(live_server.app)
    language = locale[:2]
    page = phone_page(locale)

    page.goto(live_server.url + path)
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("#consent-text")).to_have_text(CONSENT_FR if language == "fr" else CONSENT_EN)
    assert_accessible(page, f"the answering page ({locale})")

    # Sent empty: every required question and the consent choice say what is missing; nothing is lost.
    page.locator("#q1").fill("Presque rien, on m'en avait parlé vaguement.")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main .invalid-feedback")).to_have_count(1 + len(LIKERT_KEYS) + len(REQUIRED_CHOICES))
    expect(page.locator("#q1")).to_have_value("Presque rien, on m'en avait parlé vaguement.")
    assert_accessible(page, f"the answering page with errors ({locale})")

    # Declining research is a valid answer: the answers are kept, never exported.
    page.locator("input[name=research_consent][value=decline]").check()
    _answer_required(page)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/feedback/thanks")
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert_accessible(page, f"the thank-you page ({locale})")
    with live_server.app.app_context():
        [response] = db.session.scalars(sa.select(FeedbackResponse).where(FeedbackResponse.form_id == form_id))
        assert response.research_consent_id is None and response.locale == language
        db.session.remove()

    page.goto(live_server.url + path)
    expect(page.locator("main form")).to_have_count(0)
    assert_accessible(page, f"the page of a link that cannot be used ({locale})")
