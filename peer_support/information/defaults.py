"""The text shipped with the application for the "What is a peer worker?" page, in each language.

Written here rather than in the translation catalogues: it is a page, not interface
strings, and the coordinator may replace it per language (InformationPage rows).
Plain text; a blank line separates paragraphs.
"""
from __future__ import annotations

PEER_WORKER_SLUG = "peer_worker"

_FR_BODY = """\
Un pair-aidant (on dit aussi médiateur de santé pair) est une personne qui a elle-même vécu une maladie psychique ou un cancer, et qui s'en est rétablie. Elle a ensuite été formée à l'accompagnement et elle est salariée de l'hôpital. Son savoir vient de son expérience : elle sait ce que l'on traverse, parce qu'elle l'a traversé aussi.

Le pair-aidant n'est ni un médecin, ni un infirmier, ni un psychologue. Il ne pose pas de diagnostic et ne prescrit rien. Il partage son expérience, écoute, et vous aide à avancer à votre rythme, vers ce qui compte pour vous : la vie de tous les jours, le travail, les relations, les projets.

À quoi ressemble une rencontre ?
Il n'y a pas de modèle imposé. Vous pouvez vous voir seul à seul, en groupe, de façon informelle autour d'un café, au téléphone, en visio, ou lors d'une sortie. Une rencontre dure en général de 30 minutes à une heure. Rien n'est fixé à l'avance : vous décidez ensemble de ce dont vous parlez et de l'opportunité de vous revoir.

C'est gratuit, libre et confidentiel.
Rencontrer un pair-aidant ne vous coûte rien. Vous n'êtes jamais obligé d'accepter, et vous pouvez arrêter à tout moment, sans avoir à vous justifier et sans conséquence sur vos soins. Le pair-aidant est tenu au secret médical, comme toute l'équipe de soins.

Comment rencontrer un pair-aidant ?
Parlez-en à votre équipe de soins (votre médecin, votre infirmier ou tout autre soignant) : elle peut vous mettre en relation. Vous pouvez aussi le demander vous-même avec le formulaire de contact de ce site, ou passer pendant les temps de présence des pairs-aidants dans votre unité.

Un complément à vos soins
L'accompagnement par un pair-aidant s'ajoute à vos soins ; il ne les remplace pas. Continuez à voir votre équipe de soins et à suivre votre traitement comme convenu avec elle.
"""

_EN_BODY = """\
A peer worker (sometimes called a peer support worker or peer health mediator) is someone who has lived through a mental illness or a cancer themselves, and has recovered. They were then trained to support others, and they are employed and paid by the hospital. What they know comes from their own experience: they know what you are going through, because they went through it too.

A peer worker is not a doctor, a nurse or a psychologist. They do not diagnose or prescribe anything. They share their experience, listen, and help you move forward at your own pace towards what matters to you: daily life, work, relationships, plans.

What does a meeting look like?
There is no set format. You can meet one to one, in a group, informally over a coffee, on the phone, by video, or on an outing. A meeting usually lasts between 30 minutes and an hour. Nothing is fixed in advance: together you decide what to talk about and whether to meet again.

It is free, voluntary and confidential.
Meeting a peer worker costs you nothing. You never have to accept, and you can stop at any time, without giving a reason and without any effect on your care. The peer worker is bound by medical confidentiality, like the rest of the care team.

How can I meet a peer worker?
Ask your care team (your doctor, your nurse or anyone caring for you): they can put you in touch. You can also ask yourself with the contact form on this site, or drop by during the peer workers' presence times in your unit.

Alongside your care, not instead of it
Support from a peer worker comes in addition to your care; it does not replace it. Keep seeing your care team and following your treatment as agreed with them.
"""

DEFAULT_PAGES: dict[str, dict[str, tuple[str, str]]] = {
    PEER_WORKER_SLUG: {
        "fr": ("Qu'est-ce qu'un pair-aidant ?", _FR_BODY.strip()),
        "en": ("What is a peer worker?", _EN_BODY.strip()),
    },
}
