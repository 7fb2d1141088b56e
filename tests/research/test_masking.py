"""Masking free text before researchers read it (issue 7): e-mails, phones, known names, hand redactions."""
import sqlalchemy as sa

from peer_support.extensions import db
from peer_support.people.models import ServiceUser
from peer_support.research.masking import DATE, EMAIL, NAME, PHONE, REDACTED, fold, known_name_words, mask, name_words
from tests.triage.conftest import new_person

WORDS = name_words(["Hélène de la Tour", "Jean-Pierre Martin", "Lou", "Åsa Ødegård"])


def test_names_are_matched_whatever_the_case_and_accents():
    assert fold("HÉLÈNE") == "helene"
    assert (mask("J'ai vu helene et HÉLÈNE, puis Jean-Pierre.", WORDS)
            == f"J'ai vu {NAME} et {NAME}, puis {NAME}-{NAME}.")
    assert mask("Åsa Ødegård 😊 a aidé", WORDS) == f"{NAME} {NAME} 😊 a aidé"


def test_particles_and_short_words_are_not_masked_on_their_own():
    assert "de" not in WORDS and "la" not in WORDS and "lou" in WORDS
    assert mask("Un temps de la semaine avec Lou", WORDS) == f"Un temps de la semaine avec {NAME}"
    assert mask("La tour Eiffel", WORDS) == f"La {NAME} Eiffel"  # too much rather than too little


def test_emails_phone_numbers_and_full_dates_are_masked_but_not_years_or_counts():
    text = "Écrivez à jp.martin+pair@chu-lyon.fr ou au 06 12 34 56 78, +33 6 12 34 56 78, 06.12.34.56.78, 0612345678."
    assert mask(text, frozenset()) == f"Écrivez à {EMAIL} ou au {PHONE}, {PHONE}, {PHONE}, {PHONE}."
    assert mask("Née le 12/05/1984, depuis 2019, 3 rencontres de 45 minutes.", frozenset()) == (
        f"Née le {DATE}, depuis 2019, 3 rencontres de 45 minutes.")


def test_hand_redactions_are_applied_and_overlaps_merged():
    text = "Mon voisin du 3e étage, Jean, m'a parlé"
    start = text.index("voisin")
    end = text.index(",")
    assert mask(text, WORDS | {"jean"}, [(start, end)]) == f"Mon {REDACTED}, {NAME}, m'a parlé"
    # A redaction that covers a name: one mask.
    assert mask(text, WORDS | {"jean"}, [(start, text.index("m'a"))]) == f"Mon {REDACTED}m'a parlé"
    assert mask("", WORDS) == "" and mask(None, WORDS) is None


def test_known_names_come_from_people_and_accounts(app, make_account):
    new_person(name="Séverine")
    make_account("peer_worker", name="Mathilde Rousseau")
    words = known_name_words(db.session)
    assert {"severine", "mathilde", "rousseau"} <= words


def test_known_names_follow_every_new_or_changed_name(app, make_account):
    person = new_person(name="Séverine")
    before = known_name_words(db.session)
    assert known_name_words(db.session) is before  # kept while no name changed (no fold of every name again)
    # A person added, a person renamed, an account renamed: each shows in the very next call.
    new_person(name="Apolline")
    assert "apolline" in known_name_words(db.session)
    person.display_name = "Séraphine"
    db.session.commit()
    assert "seraphine" in known_name_words(db.session)
    account = make_account("peer_worker", name="Mathilde Rousseau")
    account.name = "Mathilde Kerbrat"
    db.session.commit()
    assert "kerbrat" in known_name_words(db.session)
    # Through a Core UPDATE (no ORM object), as a bulk change would do it.
    db.session.execute(sa.update(ServiceUser).where(ServiceUser.id == person.id).values(display_name="Ombeline"))
    assert "ombeline" in known_name_words(db.session)
