"""Each form's closed answers counted by the night, so that its results page reads a few hundred rows rather than
every answer (750 000 answers on the bench's large data set: 0.4 s a page on SQLite).

compute_tallies(now), run by the nightly snapshot (reports/snapshots.py), replaces every form's tally in four
statements: the answers of every response up to the largest id at that instant, grouped by form, question, value
(a number, or the set of codes as JSON text) and the class of the response's consent then (CONSENT_CLASSES), and
those responses per version and consent class.

The results (feedback/results.py) read a form's tally while it holds (stored_tally): the responses given since
are counted live (ids above last_response_id), the tally's rows in the classes the reader may count are added.
A tally no longer holds once a response it counted changed class:
- a consent withdrawn since it was computed (in force -> withdrawn): seen by the reading, which then counts the
  form live until the next night;
- an erasure (forget_person removes the consent link, or the responses): it drops the tally of the person's
  forms.
Nothing else changes a response or its answers once given.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from peer_support.extensions import db
from peer_support.feedback.models import (CHOICE_KINDS, CONSENT_CLASSES, NUMBER_KINDS, FeedbackAnswer,
                                          FeedbackForm, FeedbackResponse, FeedbackTally, FeedbackTallyForm,
                                          FeedbackTallyVersion, FormQuestion)
from peer_support.research.models import ResearchConsent

# The tally counts consents as they stood a little before it ran: a withdrawal written while it ran (stamped
# just before, committed just after its reading) is then seen as one made since, and the form counted live.
MARGIN = timedelta(minutes=5)


# What the care team counts of a form that is not anonymous: every answer but those whose consent was withdrawn
# without agreeing to keep them in care use.
CARE_CLASSES = ("none", "in_force", "withdrawn_care")


def consent_class() -> sa.ColumnElement:
    """SQL: the class of a response's consent (feedback_response LEFT JOIN research_consent). The values are
    literal SQL, not parameters, so that PostgreSQL takes the GROUP BY expression for the selected one."""
    def word(value: str):
        return sa.literal_column(f"'{value}'", sa.String)

    return sa.case((ResearchConsent.id.is_(None), word("none")),
                   (ResearchConsent.withdrawn_at.is_(None), word("in_force")),
                   (ResearchConsent.care_use.is_(True), word("withdrawn_care")),
                   else_=word("withdrawn"))


def counted_classes(form: FeedbackForm, *, for_research: bool) -> tuple[str, ...]:
    """The consent classes a reader counts (results._usable and the tally alike): every response of an anonymous
    form; for research, those of a pseudonymous form whose consent is in force; for the care team, all but
    those withdrawn without care use."""
    if form.privacy == "anonymous":
        return CONSENT_CLASSES
    if for_research:
        return ("in_force",) if form.privacy == "pseudonymous" else ()
    return CARE_CLASSES


def compute_tallies(now: datetime) -> None:
    """Replace every form's tally by the responses given until now (4 statements, and 3 deletes); the caller
    commits."""
    for table in (FeedbackTally, FeedbackTallyVersion, FeedbackTallyForm):
        db.session.execute(sa.delete(table))
    last = db.session.scalar(sa.select(sa.func.max(FeedbackResponse.id)))
    if last is None:
        return
    ticked = sa.cast(FeedbackAnswer.choice_values, sa.Text)
    consent = consent_class()
    counted = (sa.select(FeedbackResponse.form_id, FeedbackAnswer.question_id, FeedbackAnswer.number_value, ticked,
                         consent, sa.func.count())
               .select_from(FeedbackResponse)
               .outerjoin(ResearchConsent, ResearchConsent.id == FeedbackResponse.research_consent_id)
               .join(FeedbackAnswer, FeedbackAnswer.response_id == FeedbackResponse.id)
               .join(FormQuestion, FormQuestion.id == FeedbackAnswer.question_id)
               .where(FeedbackResponse.id <= last, FormQuestion.kind.in_(NUMBER_KINDS + CHOICE_KINDS))
               .group_by(FeedbackResponse.form_id, FeedbackAnswer.question_id, FeedbackAnswer.number_value, ticked,
                         consent))
    db.session.execute(sa.insert(FeedbackTally).from_select(
        ["form_id", "question_id", "number_value", "choice_values", "consent", "answers"], counted))
    by_version = (sa.select(FeedbackResponse.form_id, FeedbackResponse.version_id, consent, sa.func.count())
                  .select_from(FeedbackResponse)
                  .outerjoin(ResearchConsent, ResearchConsent.id == FeedbackResponse.research_consent_id)
                  .where(FeedbackResponse.id <= last)
                  .group_by(FeedbackResponse.form_id, FeedbackResponse.version_id, consent))
    db.session.execute(sa.insert(FeedbackTallyVersion).from_select(
        ["form_id", "version_id", "consent", "responses"], by_version))
    db.session.execute(sa.insert(FeedbackTallyForm).from_select(
        ["form_id", "last_response_id", "computed_at"],
        sa.select(FeedbackForm.id, sa.literal(last), sa.literal(now - MARGIN, FeedbackTallyForm.computed_at.type))))


@dataclass(frozen=True)
class Tally:
    """A form's tally: the responses up to last_response_id, as (version id, consent class, responses) and
    (question id, number, codes as JSON text, consent class, answers) rows."""

    last_response_id: int
    versions: list
    answers: list

    def version_counts(self, classes) -> list[tuple[int, int]]:
        """(version id, responses) in these consent classes, a version possibly on several rows."""
        return [(version_id, count) for version_id, consent, count in self.versions if consent in classes]

    def answer_counts(self, classes) -> list[tuple]:
        """(question id, number, codes as JSON text, answers) in these consent classes, a question and value
        possibly on several rows."""
        return [(question_id, value, codes, count)
                for question_id, value, codes, consent, count in self.answers if consent in classes]


def stored_tally(form: FeedbackForm) -> Tally | None:
    """The form's tally, or None when it has none or no longer holds (4 statements at most)."""
    state = db.session.execute(sa.select(FeedbackTallyForm.last_response_id, FeedbackTallyForm.computed_at)
                               .where(FeedbackTallyForm.form_id == form.id)).first()
    if state is None:
        return None
    # From the few consents withdrawn since (the "+ 0" keeps SQLite from walking the form's responses instead).
    withdrawn_since = db.session.scalar(
        sa.select(FeedbackResponse.id)
        .join(ResearchConsent, ResearchConsent.id == FeedbackResponse.research_consent_id)
        .where(ResearchConsent.withdrawn_at >= state.computed_at, FeedbackResponse.form_id + 0 == form.id,
               FeedbackResponse.id + 0 <= state.last_response_id).limit(1))
    if withdrawn_since is not None:
        return None
    versions = db.session.execute(
        sa.select(FeedbackTallyVersion.version_id, FeedbackTallyVersion.consent, FeedbackTallyVersion.responses)
        .where(FeedbackTallyVersion.form_id == form.id)).all()
    answers = db.session.execute(
        sa.select(FeedbackTally.question_id, FeedbackTally.number_value, FeedbackTally.choice_values,
                  FeedbackTally.consent, FeedbackTally.answers).where(FeedbackTally.form_id == form.id)).all()
    return Tally(state.last_response_id, versions, answers)


def drop_tallies_of(person_id: int) -> None:
    """The tallies of the forms this person answered no longer hold (their erasure changes their responses)."""
    answered = sa.select(FeedbackResponse.form_id).where(FeedbackResponse.service_user_id == person_id)
    db.session.execute(sa.delete(FeedbackTallyForm).where(FeedbackTallyForm.form_id.in_(answered))
                       .execution_options(synchronize_session=False))
