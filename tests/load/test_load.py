"""Load (issue 9): gunicorn with 4 workers, 20 clients for LOAD_SECONDS (60 by default), 9 GETs for 1 post.

Peer workers log meetings and answer the referrals proposed to them, coordinators triage referrals and propose
them, people answer a questionnaire by its link, and everyone reads the main pages. Afterwards: no 5xx (nor any
error answer), no connection error, "database is locked" nowhere (pages and gunicorn's log), and every write
acknowledged is in the database once, every table grown by exactly what was acknowledged. SQLite (WAL) or
PostgreSQL, as DATABASE_URL says.
"""
import pytest

from peer_support.demo import DEFAULT_PASSWORD
from tests.load.checks import (
    assert_answers_clean,
    assert_database_intact,
    assert_every_write_stored_once,
    assert_referrals_consistent,
    baseline,
)
from tests.load.conftest import LOAD_SECONDS, prepare_programme, server_problems
from tests.load.traffic import run_load

pytestmark = pytest.mark.load


def test_twenty_clients_for_a_minute_lose_no_write_and_never_see_a_locked_database(app, gunicorn):
    programme = prepare_programme(seconds=LOAD_SECONDS)
    before = baseline()
    server = gunicorn()
    journal = run_load(server.base_url, programme.plans, seconds=LOAD_SECONDS, password=DEFAULT_PASSWORD)
    server.stop()
    summary = journal.summary()
    print(summary)

    assert_answers_clean(journal)
    assert server.process.returncode == 0, server.log()[-3000:]
    assert not server_problems(server), server_problems(server)[:20]
    # A clean run: every write posted was acknowledged, and each kind was exercised.
    assert not journal.unacknowledged(), [(w.client, w.kind, w.result) for w in journal.unacknowledged()][:20]
    assert all(journal.acknowledged(kind) for kind in ("meeting", "referral", "answer")), summary

    assert_every_write_stored_once(journal, programme, before)
    assert_referrals_consistent()
    assert_database_intact()
