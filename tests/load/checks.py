"""What the load and fault tests check once the clients stopped: the answers, and the database itself.

Every acknowledged write is in the database exactly once (found by what identifies it); a write whose answer
was lost is there at most once; nothing was written twice; the rows that belong together are all there (a
meeting with its participant and its audit entry, a referral's status with its history); and the database
passes its own integrity checks.
"""
from __future__ import annotations

import sqlalchemy as sa

from peer_support.audit.models import AuditEntry
from peer_support.extensions import db
from peer_support.feedback.models import FeedbackAnswer, FeedbackInvitation, FeedbackResponse
from peer_support.meetings.models import Meeting, MeetingParticipant
from peer_support.referrals.models import Referral, ReferralEvent
from tests.load.traffic import Journal


def count(model, *conditions) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*conditions))


def baseline() -> dict[str, int]:
    """The rows the clients add to, counted before the run."""
    return {"meeting": count(Meeting), "answer": count(FeedbackResponse)}


def assert_answers_clean(journal: Journal, *, allowed_no_answer: int = 0) -> None:
    """No 5xx, no 4xx (every form was read before it was posted), no "database is locked" in any page, and no
    request without an answer beyond those allowed (the fault test's killed worker)."""
    summary = journal.summary()
    errors = [(e.client, e.method, e.path, e.status) for e in journal.exchanges if e.status and e.status >= 400]
    assert not errors, f"error answers {errors[:20]}; {summary}"
    locked = [(e.client, e.method, e.path) for e in journal.exchanges if e.locked]
    assert not locked, f"'database is locked' in {locked[:20]}"
    lost = [(e.client, e.method, e.path, e.error) for e in journal.exchanges if e.status is None]
    assert len(lost) <= allowed_no_answer, f"requests without an answer {lost[:20]}; {summary}"


def assert_every_write_stored_once(journal: Journal, programme, before: dict[str, int]) -> None:
    """Acknowledged writes are stored once, lost ones at most once, and the tables grew by exactly that."""
    db.session.expire_all()
    _meetings(journal, before["meeting"])
    _referral_moves(journal)
    _answers(journal, programme, before["answer"])


def _meetings(journal: Journal, before: int) -> None:
    notes = {w.identity[1]: w for w in journal.writes if w.kind == "meeting"}
    stored: dict[str, list[int]] = {}
    for meeting_id, note in db.session.execute(
            sa.select(Meeting.id, Meeting.private_notes).where(Meeting.private_notes.like("load %"))):
        stored.setdefault(note, []).append(meeting_id)
    assert set(stored) <= set(notes), "a meeting nobody logged"
    twice = {note: ids for note, ids in stored.items() if len(ids) > 1}
    assert not twice, f"logged once, stored twice: {twice}"
    for note, write in notes.items():
        if write.acknowledged:
            assert [f"/meetings/{i}" for i in stored.get(note, [])] == [write.result], (note, write.result)
    assert count(Meeting) == before + len(stored)
    # Each meeting whole: its participant and the audit entry of its logging, committed with it.
    ids = [i for found in stored.values() for i in found]
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        assert count(MeetingParticipant, MeetingParticipant.meeting_id.in_(chunk)) == len(chunk)
        assert count(AuditEntry, AuditEntry.action == "meetings.quick_log",
                     AuditEntry.object_id.in_([str(i) for i in chunk])) == len(chunk)


def _referral_moves(journal: Journal) -> None:
    moves = [w for w in journal.writes if w.kind == "referral"]
    referral_ids = sorted({w.identity[0] for w in moves})
    steps: dict[tuple[int, str], int] = {}
    for chunk in (referral_ids[i:i + 500] for i in range(0, len(referral_ids), 500)):
        for referral_id, to_status, number in db.session.execute(
                sa.select(ReferralEvent.referral_id, ReferralEvent.to_status, sa.func.count())
                .where(ReferralEvent.referral_id.in_(chunk))
                .group_by(ReferralEvent.referral_id, ReferralEvent.to_status)):
            steps[(referral_id, to_status)] = number
    for write in moves:
        stored = steps.get(write.identity, 0)
        assert stored == 1 if write.acknowledged else stored <= 1, (write, stored)
    last = {w.identity[0]: w for w in moves}
    statuses = dict(db.session.execute(
        sa.select(Referral.id, Referral.status).where(Referral.id.in_(referral_ids))).tuples().all())
    for referral_id, write in last.items():
        if write.acknowledged:
            assert statuses[referral_id] == write.identity[1], (referral_id, statuses[referral_id], write)


def _answers(journal: Journal, programme, before: int) -> None:
    answers = [w for w in journal.writes if w.kind == "answer"]
    stored = {}
    for invitation_id, text in db.session.execute(
            sa.select(FeedbackResponse.invitation_id, FeedbackAnswer.text_value)
            .join(FeedbackAnswer, FeedbackAnswer.response_id == FeedbackResponse.id)
            .where(FeedbackResponse.form_id == programme.form_id, FeedbackAnswer.text_value.is_not(None))):
        assert invitation_id not in stored, f"invitation {invitation_id} answered twice"
        stored[invitation_id] = text
    for write in answers:
        token, text = write.identity
        invitation_id = programme.tokens[token]
        if write.acknowledged:
            assert stored.get(invitation_id) == text, (write, stored.get(invitation_id))
            assert db.session.get(FeedbackInvitation, invitation_id).answered_at is not None
        else:
            assert stored.get(invitation_id) in (None, text), write
    assert count(FeedbackResponse) == before + len(stored)


def assert_referrals_consistent() -> None:
    """Every referral's status is the status its last history step led to."""
    last_step = (sa.select(ReferralEvent.to_status).where(ReferralEvent.referral_id == Referral.id)
                 .order_by(ReferralEvent.at.desc(), ReferralEvent.id.desc()).limit(1).scalar_subquery())
    wrong = db.session.execute(sa.select(Referral.id, Referral.status, last_step).where(
        Referral.status != last_step)).all()
    assert not wrong, f"status and history disagree: {wrong[:10]}"


def assert_database_intact() -> None:
    """SQLite: integrity_check says ok and foreign_key_check finds nothing. PostgreSQL: amcheck finds every
    B-tree index sound. Both: no row points to a missing one, by every foreign key the models declare."""
    db.session.commit()
    engine = db.engine
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalars().all() == ["ok"]
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    else:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS amcheck")
            checked = connection.exec_driver_sql(
                "SELECT count(bt_index_check(c.oid, true)) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_am am ON am.oid = c.relam WHERE am.amname = 'btree' "
                "AND c.relnamespace = 'public'::regnamespace").scalar()
            connection.exec_driver_sql("DROP EXTENSION amcheck")
        assert checked > 0
    orphans = []
    for table in db.metadata.sorted_tables:
        for constraint in table.foreign_key_constraints:
            child = table.alias("child")
            parent = constraint.referred_table.alias("parent")
            pairs = [(child.c[element.parent.name], parent.c[element.column.name]) for element in constraint.elements]
            missing = db.session.scalar(sa.select(sa.func.count()).select_from(child).where(
                *(column.is_not(None) for column, _ in pairs),
                ~sa.exists().where(*(column == referred for column, referred in pairs))))
            if missing:
                orphans.append((table.name, constraint.referred_table.name, missing))
    assert not orphans, f"rows pointing to missing rows: {orphans}"
