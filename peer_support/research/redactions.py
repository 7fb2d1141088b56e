"""Researchers' hand redactions: words of a free-text answer masked for every researcher and in every export.

A researcher sees the masked text only, so they name what to mask by copying it from there ("mask this text");
every place it appears in the masked answer is mapped back to characters of the stored answer and kept as an
AnswerRedaction. Nothing of the stored text is ever shown while doing so. A redaction can be removed by its
author only (a mistake of theirs); both are audited.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from peer_support.audit.services import record
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.feedback.models import FeedbackAnswer
from peer_support.research import masking
from peer_support.research.models import AnswerRedaction


@dataclass(frozen=True)
class _Piece:
    masked_start: int
    masked_end: int
    start: int
    end: int
    is_mask: bool


def _pieces(text: str, known_words: frozenset[str], redactions) -> tuple[str, list[_Piece]]:
    """The masked text, and how each of its pieces maps to the stored text."""
    pieces, out, position, masked_position = [], [], 0, 0
    for span in masking.spans(text, known_words, redactions):
        if span.start > position:
            verbatim = text[position:span.start]
            pieces.append(_Piece(masked_position, masked_position + len(verbatim), position, span.start, False))
            out.append(verbatim)
            masked_position += len(verbatim)
        pieces.append(_Piece(masked_position, masked_position + len(span.mask), span.start, span.end, True))
        out.append(span.mask)
        masked_position += len(span.mask)
        position = span.end
    if position < len(text):
        pieces.append(_Piece(masked_position, masked_position + len(text) - position, position, len(text), False))
        out.append(text[position:])
    return "".join(out), pieces


def _to_stored(pieces: list[_Piece], masked_start: int, masked_end: int) -> tuple[int, int]:
    """Characters masked_start..masked_end of the masked text, as characters of the stored text (a mask token
    partly covered counts whole)."""
    first = next(p for p in pieces if p.masked_start <= masked_start < p.masked_end)
    last = next(p for p in pieces if p.masked_start < masked_end <= p.masked_end)
    start = first.start if first.is_mask else first.start + (masked_start - first.masked_start)
    end = last.end if last.is_mask else last.start + (masked_end - last.masked_start)
    return start, end


def stored_spans(text: str, phrase: str, known_words: frozenset[str], redactions) -> list[tuple[int, int]]:
    """Where `phrase` appears in the masked text, as (start, end) in the stored text, in order."""
    masked, pieces = _pieces(text, known_words, list(redactions))
    found, position = [], 0
    while True:
        at = masked.find(phrase, position)
        if at < 0:
            return found
        found.append(_to_stored(pieces, at, at + len(phrase)))
        position = at + len(phrase)


def redactions_of(answer_ids) -> dict[int, list[AnswerRedaction]]:
    """answer id -> its redactions, oldest first (one query)."""
    result: dict[int, list[AnswerRedaction]] = {}
    ids = sorted(set(answer_ids))
    if not ids:
        return result
    for redaction in db.session.scalars(sa.select(AnswerRedaction).where(AnswerRedaction.answer_id.in_(ids))
                                        .order_by(AnswerRedaction.id)):
        result.setdefault(redaction.answer_id, []).append(redaction)
    return result


def redact(actor, answer_id: int, phrase: str, *, form_id: int, ip: str | None, now: datetime) -> int:
    """Mask every place `phrase` appears in the answer as researchers see it; returns how many. Audited."""
    phrase = (phrase or "").strip()
    answer = db.session.get(FeedbackAnswer, answer_id)
    if answer is None or not answer.text_value:
        raise DomainError(_l("This answer has no text to mask."), field="phrase")
    if len(phrase) < 2:
        raise DomainError(_l("Copy at least two characters of the answer."), field="phrase")
    existing = [(r.start_offset, r.end_offset) for r in redactions_of([answer_id]).get(answer_id, [])]
    spans = stored_spans(answer.text_value, phrase, masking.known_name_words(db.session), existing)
    if not spans:
        raise DomainError(_l("These words are not in the answer as you read it. Copy them exactly, with the same "
                             "spaces and punctuation."), field="phrase")
    for start, end in spans:
        db.session.add(AnswerRedaction(answer_id=answer_id, start_offset=start, end_offset=end,
                                       created_by_id=actor.id if actor else None, created_at=now))
    db.session.flush()
    # Never the words masked: the audit log must not keep what the redaction hides.
    record("research.redaction", actor=actor, object_type="feedback_answer", object_id=answer_id, ip=ip, now=now,
           details={"form_id": form_id, "spans": len(spans)})
    return len(spans)


def remove_redaction(actor, redaction: AnswerRedaction, *, form_id: int, ip: str | None, now: datetime) -> None:
    """Its author takes back a redaction made by mistake. Audited."""
    if actor is None or redaction.created_by_id != actor.id:
        raise DomainError(_l("Only the researcher who made this redaction can remove it."))
    answer_id = redaction.answer_id
    db.session.delete(redaction)
    db.session.flush()
    record("research.redaction_remove", actor=actor, object_type="feedback_answer", object_id=answer_id, ip=ip,
           now=now, details={"form_id": form_id})
