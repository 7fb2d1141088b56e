"""The three built-in feedback forms the team copies and adapts, as plain data (French first, then English).

1. post_meeting: a short feedback after meetings (felt understood, practical help, hope, what to change).
2. end_of_accompaniment: follows the themes of Dias (2019), Table 3 (shared/seeds/004): what people knew and
   expected, what the meetings brought (identification, complement to care, recovery), their limits (timing,
   a framework too loose or not, being contacted again), the wish to become a peer worker; plus age band
   and gender, the participants' table of that study.
3. staff_perception: follows the interview guide of Paillard-Brunet & Couillet (2024), Figure 1
   (shared/seeds/000): the participant (profession, age band, years of experience), prior knowledge,
   expectations and needs, limits and brakes, what would help.

Creating a form from a template copies these questions into an ordinary draft form (keys q1, q2 ... in this
order); nothing links the copy back, so the team may change anything.
"""
from __future__ import annotations

AGREE_LOW = {"likert_low_fr": "Pas du tout d'accord", "likert_low_en": "Strongly disagree"}
AGREE_HIGH = {"likert_high_fr": "Tout à fait d'accord", "likert_high_en": "Strongly agree"}


def _likert(text_fr: str, text_en: str, **extra) -> dict:
    return {"kind": "likert", "text_fr": text_fr, "text_en": text_en, **AGREE_LOW, **AGREE_HIGH, **extra}


def _text(text_fr: str, text_en: str, *, long: bool = True, **extra) -> dict:
    return {"kind": "long_text" if long else "short_text", "text_fr": text_fr, "text_en": text_en, **extra}


def _choice(text_fr: str, text_en: str, options: list[tuple[str, str, str]], *, multiple: bool = False,
            **extra) -> dict:
    return {"kind": "multiple_choice" if multiple else "single_choice", "text_fr": text_fr, "text_en": text_en,
            "options": [{"code": code, "fr": fr, "en": en} for code, fr, en in options], **extra}


def _yes_no(text_fr: str, text_en: str, **extra) -> dict:
    return {"kind": "yes_no", "text_fr": text_fr, "text_en": text_en, **extra}


POST_MEETING = {
    "title_fr": "Votre avis sur la rencontre",
    "title_en": "Your view of the meeting",
    "description_fr": "Quatre questions courtes sur votre rencontre avec le pair-aidant. Cela prend deux "
                      "minutes. Vos réponses aident l'équipe à améliorer les rencontres.",
    "description_en": "Four short questions about your meeting with the peer worker. It takes two minutes. "
                      "Your answers help the team improve the meetings.",
    "audience": "service_user",
    "privacy": "anonymous",
    "trigger": "after_meetings",
    "trigger_meeting_count": 1,
    "questions": [
        _likert("Pendant cette rencontre, j'ai senti que le pair-aidant me comprenait.",
                "During this meeting, I felt the peer worker understood me.", required=True),
        _likert("Cette rencontre m'a apporté une aide concrète pour ma vie de tous les jours.",
                "This meeting gave me practical help for my everyday life.", required=True),
        _likert("Cette rencontre m'a donné de l'espoir pour la suite.",
                "This meeting gave me hope for what comes next.", required=True),
        _text("Que changeriez-vous ?", "What would you change?",
              help_fr="Par exemple le lieu, la durée, le moment, la façon d'en parler. Vous pouvez laisser vide.",
              help_en="For example the place, the length, the time, the way things were discussed. "
                      "You may leave it empty."),
    ],
}

_MEETING_FORMATS = [
    ("individual", "Seul à seul avec le pair-aidant", "One to one with the peer worker"),
    ("group", "En groupe", "In a group"),
    ("informal", "De façon informelle (autour d'un café, dans un couloir)",
     "Informally (over a coffee, in a corridor)"),
    ("phone", "Par téléphone", "By phone"),
    ("video", "En visioconférence", "By video call"),
    ("outing", "Lors d'une sortie", "During an outing"),
]

END_OF_ACCOMPANIMENT = {
    "title_fr": "Votre accompagnement par un pair-aidant : votre bilan",
    "title_en": "Your accompaniment by a peer worker: looking back",
    "description_fr": "Votre accompagnement se termine. Ce questionnaire reprend ce que d'autres personnes "
                      "accompagnées ont dit de leurs rencontres avec un pair-aidant : ce qu'elles en savaient, "
                      "ce que cela leur a apporté, ce qui leur a manqué. Répondez avec vos mots ; toutes les "
                      "questions à texte libre peuvent rester vides.",
    "description_en": "Your accompaniment is coming to an end. This questionnaire follows what other people "
                      "said about meeting a peer worker: what they knew, what it brought them, what they "
                      "missed. Answer in your own words; every free-text question may stay empty.",
    "audience": "service_user",
    "privacy": "pseudonymous",
    "trigger": "at_closing",
    "trigger_meeting_count": None,
    "questions": [
        # Meeting a peer worker: something new (Table 3, theme 1)
        _text("Avant de rencontrer le pair-aidant, que saviez-vous de ce métier ?",
              "Before meeting the peer worker, what did you know about this job?"),
        _choice("Avant la première rencontre, vous avait-on expliqué ce qu'est un pair-aidant ?",
                "Before the first meeting, had someone explained to you what a peer worker is?",
                [("yes_clear", "Oui, clairement", "Yes, clearly"),
                 ("yes_vague", "Oui, mais de façon vague", "Yes, but vaguely"),
                 ("no", "Non", "No"),
                 ("dont_remember", "Je ne m'en souviens pas", "I don't remember")], required=True),
        _text("Qu'attendiez-vous de ces rencontres ?", "What did you expect from these meetings?"),
        _choice("Comment avez-vous rencontré le pair-aidant ?", "How did you meet the peer worker?",
                _MEETING_FORMATS, multiple=True, help_fr="Cochez tout ce qui correspond.",
                help_en="Tick everything that applies."),
        # What meeting a peer worker brought (theme 3): identification, complement to care, recovery
        _likert("Ce que le pair-aidant a vécu m'a aidé à mieux comprendre ce que je vis.",
                "What the peer worker went through helped me understand what I am going through.",
                required=True),
        _likert("Les rencontres avec le pair-aidant ont apporté quelque chose de plus que les autres soignants "
                "(médecin, infirmier, psychologue...).",
                "The meetings with the peer worker brought something more than my other caregivers "
                "(doctor, nurse, psychologist...).", required=True),
        _likert("Ces rencontres m'ont donné de l'espoir pour mon rétablissement.",
                "These meetings gave me hope for my recovery.", required=True),
        _text("Qu'est-ce que ces rencontres vous ont apporté ?", "What did these meetings bring you?"),
        # Its limits (theme 4): timing, a framework too loose or not, being contacted again
        _choice("Dans votre parcours de soins, vous avez rencontré le pair-aidant :",
                "In your care, you met the peer worker:",
                [("too_early", "Trop tôt", "Too early"),
                 ("right_time", "Au bon moment", "At the right time"),
                 ("too_late", "Trop tard", "Too late"),
                 ("dont_know", "Je ne sais pas", "I don't know")], required=True),
        _choice("Les rencontres n'avaient pas de calendrier fixe. Pour vous, ce cadre était :",
                "The meetings had no fixed schedule. For you, this way of working was:",
                [("too_loose", "Trop souple : il m'a manqué des repères", "Too loose: I missed some structure"),
                 ("right", "Comme il faut", "About right"),
                 ("too_strict", "Trop rigide", "Too rigid")], required=True),
        _yes_no("Auriez-vous aimé que le pair-aidant vous recontacte plus souvent ?",
                "Would you have liked the peer worker to get back in touch with you more often?", required=True),
        _text("Selon vous, quelles sont les limites de ces rencontres ?",
              "In your view, what are the limits of these meetings?",
              help_fr="Par exemple : ce qui vous a manqué, les personnes pour qui ce n'est pas adapté.",
              help_en="For example: what you missed, people for whom it is not suitable."),
        # Becoming a peer worker (theme 5)
        _choice("Aimeriez-vous un jour devenir pair-aidant vous-même ?",
                "Would you like to become a peer worker yourself one day?",
                [("yes", "Oui", "Yes"), ("maybe", "Peut-être, j'y pense", "Maybe, I am thinking about it"),
                 ("not_now", "Pas pour l'instant", "Not for now"), ("no", "Non", "No")]),
        _text("Voulez-vous ajouter quelque chose ?", "Is there anything you would like to add?"),
        # About you (the participants' table of the study)
        _choice("Votre tranche d'âge", "Your age band",
                [("18-25", "18 à 25 ans", "18 to 25"), ("26-35", "26 à 35 ans", "26 to 35"),
                 ("36-50", "36 à 50 ans", "36 to 50"), ("51-65", "51 à 65 ans", "51 to 65"),
                 ("66+", "66 ans et plus", "66 and over")],
                characteristic="age_band", help_fr="Vous pouvez ne pas répondre.",
                help_en="You may leave it unanswered."),
        _choice("Vous êtes", "You are",
                [("woman", "Une femme", "A woman"), ("man", "Un homme", "A man"),
                 ("non_binary", "Non binaire", "Non-binary"), ("other", "Autre", "Other"),
                 ("not_said", "Je préfère ne pas le dire", "I prefer not to say")],
                characteristic="gender", help_fr="Vous pouvez ne pas répondre.",
                help_en="You may leave it unanswered."),
    ],
}

STAFF_PERCEPTION = {
    "title_fr": "La pair-aidance vue par les soignants",
    "title_en": "Peer support as seen by staff",
    "description_fr": "Ce questionnaire reprend la grille d'entretien d'une étude auprès des soignants : ce "
                      "que vous connaissez de la pair-aidance, ce que vous en attendez, ses limites et ce qui "
                      "faciliterait sa mise en place dans votre service.",
    "description_en": "This questionnaire follows the interview guide of a study of care staff: what you know "
                      "about peer support, what you expect from it, its limits and what would help set it up "
                      "in your department.",
    "audience": "staff",
    "privacy": "pseudonymous",
    "trigger": "manual",
    "trigger_meeting_count": None,
    "questions": [
        # About you (Figure 1, part 2; Table 1)
        _choice("Quelle est votre profession ?", "What is your profession?",
                [("doctor", "Médecin", "Doctor"), ("nurse", "Infirmier ou infirmière", "Nurse"),
                 ("psychologist", "Psychologue", "Psychologist"),
                 ("social_worker", "Assistant ou assistante de service social", "Social worker"),
                 ("other", "Autre profession", "Other profession")],
                characteristic="profession", required=True),
        _choice("Votre tranche d'âge", "Your age band",
                [("20-35", "20 à 35 ans", "20 to 35"), ("36-50", "36 à 50 ans", "36 to 50"),
                 ("51-65", "51 à 65 ans", "51 to 65"), ("66+", "66 ans et plus", "66 and over")],
                characteristic="age_band"),
        _choice("Depuis combien d'années travaillez-vous auprès de ces patients ?",
                "For how many years have you worked with these patients?",
                [("0-2", "Moins de 2 ans", "Under 2 years"), ("2-5", "2 à 5 ans", "2 to 5 years"),
                 ("6-10", "6 à 10 ans", "6 to 10 years"), ("11-20", "11 à 20 ans", "11 to 20 years"),
                 ("20+", "Plus de 20 ans", "Over 20 years")],
                characteristic="years_of_experience"),
        _text("En quoi consiste votre travail auprès des patients ?", "What does your work with patients involve?"),
        # Prior knowledge of peer support (part 3)
        _yes_no("Connaissiez-vous la pair-aidance avant ce questionnaire ?",
                "Did you know about peer support before this questionnaire?", required=True),
        _text("Si oui, en quelques mots, en quoi consiste-t-elle ?",
              "If so, in a few words, what does it consist of?"),
        _yes_no("Avez-vous déjà travaillé avec des pairs-aidants ?", "Have you ever worked with peer workers?",
                required=True),
        _text("Quelle idée générale vous faites-vous de la pair-aidance ?",
              "What is your general idea of peer support?"),
        # Expectations and needs (part 4)
        _text("Selon vous, quels besoins des patients pourraient justifier de faire appel à des pairs-aidants ?",
              "In your view, which needs of patients could call for peer workers?"),
        _text("Dans votre travail de tous les jours, quels besoins ne sont pas couverts par les soins actuels et "
              "pourraient l'être par des pairs-aidants ?",
              "In your everyday work, which needs are not met by the current care and could be met by peer "
              "workers?"),
        # Limits and brakes (part 5)
        _text("Selon vous, quelles sont les limites de la pair-aidance ?",
              "In your view, what are the limits of peer support?"),
        _choice("Quels freins voyez-vous à sa mise en place dans votre service ?",
                "What could hold back setting it up in your department?",
                [("timing", "Le bon moment pour la proposer au patient", "The right time to offer it to a patient"),
                 ("training", "La formation et la reconnaissance des pairs-aidants",
                  "The training and recognition of peer workers"),
                 ("stability", "La stabilité du pair-aidant, le risque de trop s'identifier au patient",
                  "The peer worker's own stability, the risk of over-identifying with the patient"),
                 ("team", "La place du pair-aidant dans l'équipe", "The peer worker's place in the team"),
                 ("secrecy", "Le secret médical", "Medical secrecy"),
                 ("resources", "Le manque de locaux et de temps des soignants", "Lack of rooms and of staff time"),
                 ("other", "Autre", "Other")],
                multiple=True, help_fr="Cochez tout ce qui correspond.", help_en="Tick everything that applies."),
        _text("Pouvez-vous préciser ces freins, ou d'autres ?", "Could you say more about these or other brakes?"),
        # What would help (part 5, last question)
        _text("Qu'est-ce qui pourrait faciliter sa mise en place dans votre service ?",
              "What could help set it up in your department?"),
        # Conclusion (part 6)
        _text("Avez-vous d'autres remarques sur la pair-aidance ?", "Do you have any other remarks on peer support?"),
    ],
}

TEMPLATES = {
    "post_meeting": POST_MEETING,
    "end_of_accompaniment": END_OF_ACCOMPANIMENT,
    "staff_perception": STAFF_PERCEPTION,
}
