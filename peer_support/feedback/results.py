"""The results summary of a form: responses per version, response rate, and the closed questions' figures.

Everything is counted by the database (GROUP BY), in a fixed number of statements whatever the number of
responses; what was given before last night comes from the night's tally (feedback/tallies.py) while it
holds. Free text is never summarised here: researchers read it, masked, in the research pages.

Which responses count depends on who reads: researchers see anonymous answers and the answers of
pseudonymous forms whose consent is still in force (never care-only forms); the care team sees every answer
except those whose consent was withdrawn without agreeing to keep them in care use.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import sqlalchemy as sa

from peer_support.extensions import db
from peer_support.feedback import tallies
from peer_support.feedback.models import (CHOICE_KINDS, CONSENT_CLASSES, NUMBER_KINDS, FeedbackAnswer,
                                          FeedbackForm, FeedbackInvitation, FeedbackResponse, FormQuestion)
from peer_support.research.models import ResearchConsent

LIKERT_VALUES = (1, 2, 3, 4, 5)
YES_NO_VALUES = (1, 0)


@dataclass
class VersionCount:
    number: int
    published_at: object
    responses: int


@dataclass
class QuestionSummary:
    """One closed question (by key, across versions): `counts` maps each value or choice code to a count."""

    question: FormQuestion  # its text and choices, from the newest version that has it
    answered: int = 0
    counts: dict = field(default_factory=dict)
    average: float | None = None
    # Codes answered in older versions that the newest one no longer offers: code -> option dict.
    other_options: dict = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.question.kind

    def share(self, count: int) -> float:
        """The part of the people who answered this question (0 to 1)."""
        return count / self.answered if self.answered else 0.0


@dataclass
class Summary:
    versions: list[VersionCount]
    responses: int
    invitations_sent: int
    invitations_answered: int
    questions: list[QuestionSummary]

    @property
    def response_rate(self) -> float | None:
        """Answered invitations over sent ones (cancelled left out); None when none was sent."""
        return self.invitations_answered / self.invitations_sent if self.invitations_sent else None


def researchers_may_read(form: FeedbackForm) -> bool:
    """Care-only answers are never seen outside the care team, not even summed up."""
    return form.privacy != "care_only"


def _usable(form: FeedbackForm, *, for_research: bool):
    """The condition on (response, its consent) for the responses this reader may count: their consent's class
    among those tallies.counted_classes gives, the one rule the night's tally follows too."""
    classes = tallies.counted_classes(form, for_research=for_research)
    return sa.true() if classes == CONSENT_CLASSES else tallies.consent_class().in_(classes)


def _responses(form: FeedbackForm, *, for_research: bool, columns):
    return (sa.select(*columns).select_from(FeedbackResponse)
            .outerjoin(ResearchConsent, ResearchConsent.id == FeedbackResponse.research_consent_id)
            .where(FeedbackResponse.form_id == form.id, _usable(form, for_research=for_research)))


def summarise(form: FeedbackForm, *, for_research: bool) -> Summary:
    """The figures of one form (its versions and questions must be loaded), in four to seven statements: from
    the night's tally while it holds (feedback/tallies.py), the responses given since counted here; else every
    response counted here."""
    tally = tallies.stored_tally(form)
    counted = tallies.counted_classes(form, for_research=for_research)
    since = FeedbackResponse.id > tally.last_response_id if tally is not None else sa.true()
    live = db.session.execute(_responses(form, for_research=for_research,
                                         columns=[FeedbackResponse.version_id, sa.func.count(FeedbackResponse.id)])
                              .where(since).group_by(FeedbackResponse.version_id)).all()
    per_version: dict[int, int] = {}
    for version_id, count in (tally.version_counts(counted) if tally is not None else []) + live:
        per_version[version_id] = per_version.get(version_id, 0) + count
    versions = [VersionCount(version.number, version.published_at, per_version.get(version.id, 0))
                for version in form.versions if version.published_at is not None]

    in_force = sa.and_(FeedbackInvitation.sent_at.is_not(None), FeedbackInvitation.cancelled_at.is_(None))
    sent, answered = db.session.execute(
        sa.select(sa.func.count(FeedbackInvitation.id),
                  sa.func.count(FeedbackInvitation.id).filter(FeedbackInvitation.answered_at.is_not(None)))
        .where(FeedbackInvitation.form_id == form.id, in_force)).one()

    summaries = _question_summaries(form)
    # Every closed answer in one pass, grouped by question and value: a number (scales, yes/no) or the set of
    # codes ticked (choices; few distinct sets), spread to one count per code here. Grouped by question id, the
    # key and kind come from the form's loaded versions: no join with the questions.
    closed = {question.id: (question.key, question.kind) for version in form.versions
              if version.published_at is not None for question in version.questions
              if question.kind in NUMBER_KINDS + CHOICE_KINDS}
    stored = [row for row in tally.answer_counts(counted) if row[0] in closed] if tally is not None else []
    ticked = sa.cast(FeedbackAnswer.choice_values, sa.Text)
    rows = db.session.execute(
        _responses(form, for_research=for_research,
                   columns=[FeedbackAnswer.question_id, FeedbackAnswer.number_value, ticked, sa.func.count()])
        .join(FeedbackAnswer, FeedbackAnswer.response_id == FeedbackResponse.id)
        .where(FeedbackAnswer.question_id.in_(sorted(closed)), since)
        .group_by(FeedbackAnswer.question_id, FeedbackAnswer.number_value, ticked)).all() if closed else []
    # A question and value may come on several rows (the tally's consent classes, the answers since): added up.
    for question_id, value, codes, count in stored + rows:
        key, kind = closed[question_id]
        summary = summaries.get((key, kind))
        if summary is None:
            continue
        if kind in NUMBER_KINDS:
            if value is not None:
                summary.counts[value] = summary.counts.get(value, 0) + count
                summary.answered += count
            continue
        codes = json.loads(codes) if codes else None
        if not isinstance(codes, list) or not codes:
            continue
        # People who ticked at least one choice (for several choices, the counts add up to more).
        summary.answered += count
        for code in codes:
            summary.counts[code] = summary.counts.get(code, 0) + count

    for summary in summaries.values():
        _complete(summary, form)
    return Summary(versions=versions, responses=sum(v.responses for v in versions), invitations_sent=sent,
                   invitations_answered=answered, questions=list(summaries.values()))


def _question_summaries(form: FeedbackForm) -> dict[tuple[str, str], QuestionSummary]:
    """One summary per closed question key (and kind), newest published version first, in its order."""
    summaries: dict[tuple[str, str], QuestionSummary] = {}
    for version in reversed([v for v in form.versions if v.published_at is not None]):
        for question in sorted(version.questions, key=lambda q: q.position):
            if question.kind in NUMBER_KINDS + CHOICE_KINDS and (question.key, question.kind) not in summaries:
                summaries[(question.key, question.kind)] = QuestionSummary(question=question)
    return summaries


def _complete(summary: QuestionSummary, form: FeedbackForm) -> None:
    """Every possible value shown (zeros too), the average of a scale, older choices named."""
    if summary.kind == "likert":
        summary.counts = {value: summary.counts.get(value, 0) for value in LIKERT_VALUES}
        if summary.answered:
            summary.average = sum(value * count for value, count in summary.counts.items()) / summary.answered
    elif summary.kind == "yes_no":
        summary.counts = {value: summary.counts.get(value, 0) for value in YES_NO_VALUES}
    else:
        offered = [option["code"] for option in summary.question.options or []]
        extra = [code for code in summary.counts if code not in offered]
        summary.counts = {code: summary.counts.get(code, 0) for code in offered + sorted(extra)}
        if extra:
            known = {option["code"]: option
                     for version in form.versions for question in version.questions
                     if question.key == summary.question.key for option in question.options or []}
            summary.other_options = {code: known.get(code, {"code": code}) for code in extra}
