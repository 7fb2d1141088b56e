"""Demo data of feedback forms and research (peer_support/demo.py calls add_demo_feedback).

A study with a published consent text; the three built-in templates as published forms (post-meeting feedback,
anonymous; end of accompaniment and staff perception, pseudonymous in the study); a few dozen responses whose
free text reads like the participants of the seeds (hope, identification, a framework too loose, "j'aurais aimé
qu'on me recontacte"); consents in force, withdrawn, and answers given without consent; invitations open,
answered and expired. The demo is the same at both sizes: research data stays small even with --size large.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from peer_support.extensions import db
from peer_support.feedback import forms_services
from peer_support.feedback.answering import day_of
from peer_support.feedback.invitations import token_hash
from peer_support.feedback.models import (MAX_REMINDERS, FeedbackAnswer, FeedbackForm, FeedbackInvitation,
                                          FeedbackResponse, FormQuestion)
from peer_support.referrals.models import Referral
from peer_support.research.models import ConsentText, ResearchConsent, ResearchStudy

STUDY = {
    "code": "PAIR-2026",
    "title_fr": "Ce que la pair-aidance professionnelle apporte aux usagers",
    "title_en": "What professional peer support brings to service users",
    "description_fr": "Étude qualitative des retours des personnes accompagnées et des soignants (CL3R, TS2A), "
                      "dans la suite de Dias (2019) et de Paillard-Brunet et Couillet (2024).",
    "description_en": "A qualitative study of the feedback of people accompanied and of staff (CL3R, TS2A), "
                      "following Dias (2019) and Paillard-Brunet and Couillet (2024).",
}
CONSENT_FR = ("Vos réponses aux questionnaires de retour peuvent aider une étude sur la pair-aidance menée par "
              "l'équipe de recherche de l'hôpital.\n\n"
              "Si vous êtes d'accord, les chercheurs lisent vos réponses sous un code (un pseudonyme), jamais sous "
              "votre nom. Les noms, adresses e-mail et numéros de téléphone écrits dans vos réponses sont masqués "
              "avant qu'ils les lisent.\n\n"
              "Vous pouvez retirer votre accord à tout moment depuis votre espace : vos réponses sortent alors de "
              "toutes les exportations suivantes. Refuser ne change rien à votre accompagnement.")
CONSENT_EN = ("Your answers to feedback questionnaires can help a study of peer support run by the hospital's "
              "research team.\n\n"
              "If you agree, researchers read your answers under a code (a pseudonym), never under your name. "
              "Names, e-mail addresses and phone numbers written in your answers are masked before they read them."
              "\n\n"
              "You can withdraw your agreement at any time from your own space: your answers then leave every later "
              "export. Saying no changes nothing in your accompaniment.")

# Free text in the words of the participants of Dias (2019), Table 3 (French; English for English speakers).
KNEW_BEFORE = {
    "fr": ["Rien du tout, je ne savais pas que ce métier existait.",
           "On m'en avait parlé vaguement, « quelqu'un qui est passé par là ».",
           "J'avais vu un reportage sur les médiateurs de santé pairs, sans trop comprendre leur rôle.",
           "Pas grand-chose. Je pensais que c'était un bénévole."],
    "en": ["Nothing at all, I did not know this job existed.", "Someone told me vaguely about it."],
}
EXPECTED = {
    "fr": ["Parler avec quelqu'un qui comprend vraiment, sans blouse blanche.",
           "Je ne savais pas trop quoi attendre, j'étais curieuse.",
           "Des conseils concrets pour reprendre le travail.",
           "Savoir si on peut vraiment s'en sortir."],
    "en": ["Talking with someone who really understands.", "Practical advice for going back to work."],
}
BROUGHT = {
    "fr": ["De l'espoir. Voir que Julie s'en est sortie, ça m'a montré que c'était possible 🙂",
           "Je me suis sentie comprise sans avoir besoin de tout expliquer. C'est quelqu'un qui a vécu la même "
           "chose.",
           "Un autre regard que celui des soignants, complémentaire. On parle d'égal à égal.",
           "Des astuces pour le quotidien : les transports, les démarches, dormir mieux.",
           "Ça m'a redonné confiance. Aujourd'hui je pense à mon rétablissement, pas seulement à la maladie.",
           "On a parlé autour d'un café, c'était moins intimidant qu'un rendez-vous."],
    "en": ["Hope. Seeing that recovery is possible.", "Someone who went through the same, on an equal footing."],
}
LIMITS = {
    "fr": ["J'aurais aimé qu'on me recontacte. Après deux rencontres, plus de nouvelles, et je n'osais pas "
           "appeler.",
           "Ça arrive trop tard dans le parcours : au début, j'en aurais eu plus besoin.",
           "Le cadre est un peu trop souple, il n'y a pas de rendez-vous fixes. J'ai cherché Karim plusieurs fois "
           "dans le service sans le trouver.",
           "Pendant les moments les plus difficiles, je n'étais pas en état de le rencontrer.",
           "Aucune, pour moi c'était bien comme ça."],
    "en": ["I wish I had been contacted again.", "It came too late in my care."],
}
ADD = {
    "fr": ["Merci. J'aimerais moi aussi devenir pair-aidant un jour.",
           "Il faudrait que tout le monde puisse en bénéficier dès l'hospitalisation.",
           "Vous pouvez me joindre au 06 12 34 56 78 si besoin.",
           None, None],
    "en": ["Thank you.", None],
}
POST_MEETING_CHANGE = ["Un lieu plus calme que la cafétéria.", "Rien, c'était très bien.",
                       "Plus de temps : la rencontre est passée trop vite.", "Pouvoir se revoir plus souvent.",
                       "J'aurais aimé qu'on me recontacte la semaine suivante.", None, None, None]
STAFF_TEXT = {
    "q4": ["Suivi des patients en hôpital de jour, entretiens et éducation thérapeutique.",
           "Soins infirmiers, accompagnement au quotidien dans l'unité.",
           "Entretiens individuels et groupes de parole.", "Accès aux droits, logement, retour à l'emploi."],
    "q8": ["Un soutien complémentaire au nôtre, fondé sur le vécu.", "Utile, mais le rôle doit être clair pour "
           "l'équipe.", "Une aide pour rompre l'isolement des patients."],
    "q9": ["L'isolement, la peur de l'avenir, les questions qu'ils n'osent pas poser aux médecins.",
           "Le besoin d'espoir : voir quelqu'un qui va mieux."],
    "q11": ["Le moment : trop tôt, le patient n'est pas prêt.", "Le risque que le pair-aidant s'identifie trop au "
            "patient, et sa propre stabilité.", "Le secret médical : que peut-on lui transmettre ?"],
    "q14": ["Une présentation à l'équipe et une fiche de poste claire.", "Un bureau pour recevoir, et du temps "
            "pour se coordonner.", "Une formation reconnue des pairs-aidants."],
}
# Of the people who answered the end-of-accompaniment questionnaire, in order: consent in force, withdrawn later,
# or none (they declined: the answers are kept, never exported).
CONSENT_PLAN = ["in_force"] * 8 + ["withdrawn", "none", "in_force", "withdrawn", "none"]
ANONYMOUS_RESPONSES = 20


def _study(researcher, now: datetime) -> tuple[ResearchStudy, ConsentText]:
    created = now - timedelta(days=150)
    study = ResearchStudy(**STUDY, created_by_id=researcher.id if researcher else None, created_at=created)
    db.session.add(study)
    db.session.flush()
    text = ConsentText(study_id=study.id, version=1, text_fr=CONSENT_FR, text_en=CONSENT_EN,
                       created_by_id=study.created_by_id, created_at=created, published_at=created)
    db.session.add(text)
    db.session.flush()
    return study, text


def _form(template_key: str, coordinator, study: ResearchStudy, now: datetime) -> FeedbackForm:
    settings = forms_services.settings_from_template(template_key)
    if settings.privacy == "pseudonymous":
        settings.study_id = study.id
    form = forms_services.create_form(coordinator, settings, template_key=template_key, now=now)
    forms_services.publish(coordinator, forms_services.get_form(form.id), now=now)
    return form


def _questions(form: FeedbackForm) -> dict[str, FormQuestion]:
    return {question.key: question for question in forms_services.current_version(forms_services.get_form(form.id))
            .questions}


def _response(form, questions, answers: dict, *, when: datetime, locale: str, service_user_id=None,
              account_id=None, invitation_id=None, consent_id=None) -> FeedbackResponse:
    """A response; `answers` by key: str (text, or a single choice's code), int (scale, yes/no) or list (codes)."""
    response = FeedbackResponse(form_id=form.id, version_id=next(iter(questions.values())).version_id,
                                service_user_id=service_user_id, account_id=account_id, invitation_id=invitation_id,
                                submitted_at=when, locale=locale, research_consent_id=consent_id)
    rows = []
    for key, value in answers.items():
        if value is None or value == []:
            continue
        question = questions[key]
        answer = FeedbackAnswer(question_id=question.id)
        if question.kind in ("long_text", "short_text"):
            answer.text_value = value
        elif question.kind in ("likert", "yes_no"):
            answer.number_value = value
        else:
            answer.choice_values = value if isinstance(value, list) else [value]
        rows.append(answer)
    response.answers = rows
    db.session.add(response)
    return response


def _invitation(form, *, service_user_id=None, account_id=None, trigger="manual", created: datetime,
                valid_days: int, now: datetime, answered_at: datetime | None = None, coordinator=None,
                referral_id=None) -> FeedbackInvitation:
    """An invitation sent when created: answered if `answered_at`, else open or expired by `now`, with the
    reminders the job would have sent meanwhile."""
    invitation = FeedbackInvitation(
        form_id=form.id, service_user_id=service_user_id, account_id=account_id, trigger=trigger,
        referral_id=referral_id, token_hash=token_hash(secrets.token_urlsafe(32)),  # a link nobody holds
        created_by_id=coordinator.id if coordinator is not None and trigger == "manual" else None,
        created_at=created, expires_at=created + timedelta(days=valid_days), sent_at=created,
        answered_at=answered_at)
    until = min(answered_at or now, invitation.expires_at)
    invitation.reminders_sent = min(MAX_REMINDERS, (until - created).days // form.reminder_interval_days)
    if invitation.reminders_sent:
        invitation.last_reminder_at = created + timedelta(days=form.reminder_interval_days * invitation.reminders_sent)
    db.session.add(invitation)
    return invitation


def _likert(rng, positive: bool = True) -> int:
    return rng.choice([3, 4, 4, 5, 5, 5] if positive else [1, 2, 3, 3, 4])


def _text(rng, pool: dict, locale: str):
    return rng.choice(pool.get(locale) or pool["fr"])


def _accompanied(people) -> list:
    """The demo people, those with an accompaniment (a peer worker assigned) first, in a stable order."""
    with_worker = dict(db.session.execute(
        sa.select(Referral.service_user_id, Referral.id).where(Referral.peer_profile_id.is_not(None),
                                                               Referral.service_user_id.is_not(None))
        .order_by(Referral.id)).all())
    ordered = sorted(people, key=lambda p: (p.id not in with_worker, p.id))
    return [(person, with_worker.get(person.id)) for person in ordered]


def add_demo_feedback(rng, people, accounts: list, coordinator, researcher, now: datetime) -> None:
    """The study, the three forms and their responses, consents and invitations (see the module's docstring).

    `people`: the demo ServiceUser records; `accounts`: every demo account (staff are taken from it)."""
    db.session.flush()
    study, text = _study(researcher, now)
    published = now - timedelta(days=120)
    post_meeting = _form("post_meeting", coordinator, study, published)
    closing = _form("end_of_accompaniment", coordinator, study, published)
    staff_form = _form("staff_perception", coordinator, study, published)
    db.session.flush()

    candidates = _accompanied(people)
    by_account = {person.account_id: person for person in people if person.account_id is not None}
    emails = {account.id: account.email.split("@")[0] for account in accounts}
    ines = next((p for a, p in by_account.items() if emails.get(a) == "usager.ines"), None)
    # Inès has a questionnaire waiting in her space; the others answered (or were asked and did not).
    answering = [(person, referral_id) for person, referral_id in candidates if person is not ines]

    _add_closing_responses(rng, closing, text, answering[:len(CONSENT_PLAN)], coordinator, now)
    rest = answering[len(CONSENT_PLAN):]
    if ines is not None:
        _invitation(closing, service_user_id=ines.id, created=now - timedelta(days=3), valid_days=14, now=now,
                    coordinator=coordinator)
    for person, _referral_id in rest[:2]:  # asked, never answered
        _invitation(closing, service_user_id=person.id, created=now - timedelta(days=rng.randint(20, 35)),
                    valid_days=closing.invitation_valid_days, now=now, coordinator=coordinator)

    _add_post_meeting_responses(rng, post_meeting, [person for person, referral_id in candidates if referral_id],
                                now)
    staff = [account for account in accounts if account.role == "staff"][:8]
    _add_staff_responses(rng, staff_form, text, staff, coordinator, now)
    db.session.flush()


def _add_closing_responses(rng, form, text, respondents, coordinator, now: datetime) -> None:
    questions = _questions(form)
    # A small data set may have fewer respondents than the plan has answers: the plan is cut short.
    for (person, referral_id), plan in zip(respondents, CONSENT_PLAN, strict=False):
        locale = "en" if person.preferred_language == "en" else "fr"
        created = now - timedelta(days=rng.randint(4, 25))
        answered = created + timedelta(days=rng.randint(0, 3), hours=rng.randint(1, 10))
        invitation = _invitation(form, service_user_id=person.id, trigger="at_closing" if referral_id else "manual",
                                 referral_id=referral_id, created=created, valid_days=form.invitation_valid_days,
                                 now=now, answered_at=answered, coordinator=coordinator)
        db.session.flush()
        consent_id = None
        if plan != "none":
            consent = ResearchConsent(
                consent_text_id=text.id, service_user_id=person.id, given_at=answered,
                method="paper" if rng.random() < 0.2 else "in_app", care_use=rng.random() < 0.5,
                recorded_by_id=None)
            if consent.method == "paper":
                consent.recorded_by_id = coordinator.id
            if plan == "withdrawn":
                consent.withdrawn_at = answered + timedelta(days=rng.randint(2, 8))
                consent.withdrawal_method = "in_app"
            db.session.add(consent)
            db.session.flush()
            consent_id = consent.id
        hopeful = rng.random() < 0.8
        _response(form, questions, {
            "q1": _text(rng, KNEW_BEFORE, locale),
            "q2": rng.choice(["yes_clear", "yes_vague", "yes_vague", "no", "dont_remember"]),
            "q3": _text(rng, EXPECTED, locale) if rng.random() < 0.8 else None,
            "q4": sorted(rng.sample(["individual", "group", "informal", "phone", "video", "outing"],
                                    k=rng.randint(1, 3))),
            "q5": _likert(rng, hopeful), "q6": _likert(rng, hopeful), "q7": _likert(rng, hopeful),
            "q8": _text(rng, BROUGHT, locale),
            "q9": rng.choice(["too_late", "too_late", "right_time", "right_time", "too_early", "dont_know"]),
            "q10": rng.choice(["too_loose", "too_loose", "right", "right", "too_strict"]),
            "q11": rng.choice([1, 1, 0]),
            "q12": _text(rng, LIMITS, locale) if rng.random() < 0.9 else None,
            "q13": rng.choice(["yes", "maybe", "not_now", "no", "no"]),
            "q14": _text(rng, ADD, locale),
            "q15": rng.choice(["18-25", "26-35", "26-35", "36-50", "51-65", None]),
            "q16": person.gender if person.gender in ("woman", "man", "non_binary") else "not_said",
        }, when=answered, locale=locale, service_user_id=person.id, invitation_id=invitation.id,
            consent_id=consent_id)


def _add_post_meeting_responses(rng, form, accompanied, now: datetime) -> None:
    """Anonymous: invitations answered (the day only) and responses with no link to them or to anyone."""
    questions = _questions(form)
    for number in range(ANONYMOUS_RESPONSES):
        day = day_of(now - timedelta(days=rng.randint(1, 40)))
        if accompanied:
            person = accompanied[number % len(accompanied)]
            # answered_at: the day only, as for any anonymous form (answering.submit)
            _invitation(form, service_user_id=person.id, trigger="after_meetings",
                        created=day - timedelta(days=rng.randint(1, 3)), valid_days=form.invitation_valid_days,
                        now=now, answered_at=day)
        _response(form, questions, {"q1": _likert(rng), "q2": _likert(rng, rng.random() < 0.6),
                                    "q3": _likert(rng), "q4": rng.choice(POST_MEETING_CHANGE)},
                  when=day, locale="fr")
    if accompanied:
        # One waiting for an answer, one that expired unanswered.
        _invitation(form, service_user_id=accompanied[0].id, trigger="after_meetings",
                    created=now - timedelta(days=9), valid_days=form.invitation_valid_days, now=now)
        _invitation(form, service_user_id=accompanied[-1].id, trigger="after_meetings",
                    created=now - timedelta(days=30), valid_days=form.invitation_valid_days, now=now)


def _add_staff_responses(rng, form, text, staff, coordinator, now: datetime) -> None:
    """Staff perception: most staff answered with consent, one withdrew later, one has the questionnaire waiting."""
    questions = _questions(form)
    if not staff:
        return
    waiting, answering = (staff[1], [staff[0]] + staff[2:]) if len(staff) > 1 else (None, staff)
    if waiting is not None:
        _invitation(form, account_id=waiting.id, created=now - timedelta(days=4), valid_days=14, now=now,
                    coordinator=coordinator)
    for number, account in enumerate(answering):
        created = now - timedelta(days=rng.randint(20, 90))
        answered = created + timedelta(days=rng.randint(0, 5), hours=rng.randint(1, 8))
        invitation = _invitation(form, account_id=account.id, created=created, valid_days=form.invitation_valid_days,
                                 now=now, answered_at=answered, coordinator=coordinator)
        consent = ResearchConsent(consent_text_id=text.id, account_id=account.id, given_at=answered, method="in_app",
                                  withdrawn_at=answered + timedelta(days=10) if number == len(answering) - 1
                                  and len(answering) > 2 else None)
        consent.withdrawal_method = "in_app" if consent.withdrawn_at else None
        db.session.add(consent)
        db.session.flush()
        knew = rng.random() < 0.6
        _response(form, questions, {
            "q1": account.profession if account.profession in ("doctor", "nurse", "psychologist", "social_worker")
            else "other",
            "q2": rng.choice(["20-35", "36-50", "36-50", "51-65"]),
            "q3": rng.choice(["2-5", "6-10", "11-20", "20+"]),
            "q4": rng.choice(STAFF_TEXT["q4"]), "q5": int(knew),
            "q6": "Des personnes formées qui s'appuient sur leur propre vécu de la maladie." if knew else None,
            "q7": rng.choice([0, 0, 1]), "q8": rng.choice(STAFF_TEXT["q8"]), "q9": rng.choice(STAFF_TEXT["q9"]),
            "q11": rng.choice(STAFF_TEXT["q11"]),
            "q12": sorted(rng.sample(["timing", "training", "stability", "team", "secrecy", "resources"],
                                     k=rng.randint(1, 3))),
            "q14": rng.choice(STAFF_TEXT["q14"]),
        }, when=answered, locale="fr", account_id=account.id, invitation_id=invitation.id, consent_id=consent.id)
