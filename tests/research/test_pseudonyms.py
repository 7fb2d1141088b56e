"""Per-study pseudonyms: a keyed hash, stable, different between studies and kinds, not the database id."""
from peer_support.research.pseudonyms import pseudonym


def test_pseudonyms_are_stable_per_study_and_keyed(app):
    first = pseudonym(1, "service_user", 42)
    assert first == pseudonym(1, "service_user", 42)
    assert first.startswith("P-") and len(first) == 10 and "42" not in first[2:]
    assert pseudonym(2, "service_user", 42) != first
    assert pseudonym(1, "account", 42).startswith("S-")
    assert pseudonym(1, "service_user", 42, key=b"another key") != first


def test_the_key_comes_from_the_configuration(app_config, app):
    assert app.config["RESEARCH_PSEUDONYM_KEY"]
    assert app.config["RESEARCH_PSEUDONYM_KEY"] != app.config["SECRET_KEY"]
