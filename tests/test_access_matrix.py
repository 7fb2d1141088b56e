"""The access matrix: every endpoint x every role x our object / theirs, generated from app.url_map.

tests/test_permissions.py checks the role-level rules with object id 1; this goes further. In a world with two of
everything (tests/access_world.py), each role signs in as the "ours" side and requests every rule of the URL map,
with every method, once with our objects in the URL and once with theirs:

- the endpoint's rule (permissions.endpoint_rule) refuses the role: 403;
- it allows it: our object is served (neither 403 nor 404); theirs is refused (403 or 404) unless the role sees
  the whole programme (coordinator, researcher) or the argument names something nobody owns (a room, a study, a
  form...); OBJECT_RULE_EXCEPTIONS lists every cell where that generic expectation does not hold, and why;
- no page served to a role, refused or not, shows what World.hidden_from(role) lists: the other side's names,
  record codes and texts; anyone's for a researcher; private meeting and supervision notes for the coordinator;
- a refused POST changes nothing in the database (a hash of every table's rows, before and after); nor does a
  request answered without effect (NO_EFFECT: e.g. ending someone else's sign-in session).

Each URL argument of the map must be known to ARGUMENTS: a new endpoint argument fails the test until it is
mapped, so the matrix stays complete as the application grows.
"""
from __future__ import annotations

import hashlib

import jinja2
import pytest
import sqlalchemy as sa

from peer_support import permissions
from peer_support.auth.models import AuthSession
from peer_support.extensions import db
from peer_support.feedback.models import FormQuestion, FormVersion
from tests.access_world import SIDES, World, build_world
from tests.conftest import ROLES, sign_in

ALLOWED, DENIED, FORBIDDEN = "allowed", "denied (403/404)", "forbidden (403)"
NO_EFFECT = "answered without effect"


@pytest.fixture
def app_config(tmp_path):
    """Training certificates go to the test's own folder."""
    return {"CERTIFICATE_DIR": str(tmp_path / "certificates")}


class _CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once for the five roles' applications, not once per application (the matrix renders
    nearly every template; compiling them is most of its time). Keyed by the template's source checksum."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_COMPILED_TEMPLATES = _CompiledTemplates()


# --- URL arguments ------------------------------------------------------------------------------------------

def _ids(key):
    return lambda world, side, endpoint, role: world.sides[side].ids[key]


def _pair(key):
    """One of two things nobody owns (domains, topics, programmes, studies): the first for ours, then theirs."""
    return lambda world, side, endpoint, role: world.shared[key][SIDES.index(side)]


def _session_id(world, side, endpoint, role):
    """auth.*: a sign-in session (ours: the actor's own; theirs: their worker's); else a supervision session."""
    if not endpoint.startswith("auth."):
        return world.sides[side].ids["supervision_session"]
    account_id = world.actor(role).id if side == "ours" else world.sides["theirs"].ids["worker_account"]
    return db.session.scalar(sa.select(sa.func.max(AuthSession.id)).where(AuthSession.account_id == account_id,
                                                                        AuthSession.ended_at.is_(None)))


def _person_id(world, side, endpoint, role):
    """Invitations and account creation concern a person without an account yet; else the accompanied person."""
    newcomer = endpoint in ("people.invite", "people.revoke_invitation", "people.create_account")
    return world.sides[side].ids["newcomer" if newcomer else "person"]


def _referral_id(world, side, endpoint, role):
    """The worker's answers concern a referral proposed to them (accept, decline) or accepted (start)."""
    key = {"triage.accept": "proposed_referral", "triage.decline": "proposed_referral",
           "triage.start_mine": "accepted_referral"}.get(endpoint, "referral")
    return world.sides[side].ids[key]


def _invitation_id(world, side, endpoint, role):
    if endpoint == "people.revoke_invitation":
        return world.sides[side].ids["account_invitation"]
    if endpoint == "feedback.answer_mine" and role == "staff":
        return world.sides[side].ids["staff_invitation"]
    return world.sides[side].ids["person_invitation"]


# Endpoints that read one response by its key: the key is of a response to the first research form.
RESPONSE_ENDPOINTS = {"research.response", "research.redact", "research.remove_redaction"}


def _form_id(world, side, endpoint, role):
    """A research form for ours, another study's form for theirs (a response's endpoints: its own form)."""
    if endpoint in RESPONSE_ENDPOINTS:
        return world.shared["research_form"]
    return world.shared["research_form" if side == "ours" else "other_research_form"]


def _question_id(world, side, endpoint, role):
    form_id = _form_id(world, side, endpoint, role)
    return db.session.scalar(sa.select(sa.func.min(FormQuestion.id))
                             .join(FormVersion, FormVersion.id == FormQuestion.version_id)
                             .where(FormVersion.form_id == form_id))


def _key(world, side, endpoint, role):
    if endpoint == "reports.table_download":
        return ("active_accompaniments", "nudges_by_rule")[SIDES.index(side)]
    return world.sides[side].ids["response_key"]


def _token(world, side, endpoint, role):
    key = {"calendars.feed": "feed_token", "feedback.answer": "feedback_token",
           "myspace.invitation": "account_token"}[endpoint]
    return world.sides[side].ids[key]


def _filename(world, side, endpoint, role):
    return "css/app.css" if endpoint == "static" else "css/bootstrap.min.css"


# argument name -> (owned by one side?, value). An owned argument names something of "ours" or of "theirs";
# the others name one of two things nobody owns (a unit, a topic, a study...), where ours and theirs are alike.
ARGUMENTS = {
    "absence_id": (True, _ids("absence")),
    "account_id": (True, _ids("worker_account")),
    "closure_id": (True, _ids("closure")),
    "debrief_id": (True, _ids("debrief")),
    "interest_id": (True, _ids("interest")),
    "invitation_id": (True, _invitation_id),
    "meeting_id": (True, _ids("meeting")),
    "nudge_id": (True, _ids("nudge")),
    "person_id": (True, _person_id),
    "profile_id": (True, _ids("profile")),
    "record_id": (True, _ids("record")),
    "redaction_id": (True, _ids("redaction")),
    "referral_id": (True, _referral_id),
    "session_id": (True, _session_id),
    "slot_id": (True, _ids("slot")),
    "token": (True, _token),
    "key": (True, _key),
    "room_id": (False, _ids("room")),
    "unit_id": (False, _ids("unit")),
    "domain_id": (False, _pair("domains")),
    "topic_id": (False, _pair("topics")),
    "programme_id": (False, _pair("programmes")),
    "study_id": (False, _pair("studies")),
    "form_id": (False, _form_id),
    "question_id": (False, _question_id),
    "locale": (False, lambda world, side, endpoint, role: ("en", "fr")[SIDES.index(side)]),
    "version": (False, lambda world, side, endpoint, role: 1),
    "filename": (False, _filename),
}


# --- Expectations -------------------------------------------------------------------------------------------

# (endpoint, role) -> (ours, theirs, why): the cells where the generic expectation does not hold.
OBJECT_RULE_EXCEPTIONS: dict[tuple[str, str], tuple[str, str, str]] = {}


def _except(endpoints, roles, ours: str, theirs: str, why: str) -> None:
    for endpoint in endpoints:
        for role in roles:
            OBJECT_RULE_EXCEPTIONS[(endpoint, role)] = (ours, theirs, why)


_except(["peers.show", "peers.photo"], ["staff", "peer_worker"], ALLOWED, ALLOWED,
        "a worker's public profile and photo are for every professional of the programme")
_except(["auth.end_session"], ROLES, ALLOWED, NO_EFFECT,
        "ends only the actor's own sessions: someone else's answers 'already ended', without telling or ending it")
_except(["meetings.show", "calendars.meeting_ics"], ["staff"], DENIED, DENIED,
        "the referrer follows dates on the referral page; a meeting itself is for its worker and co-facilitators")
_except(["nudges.done", "nudges.snooze", "nudges.dismiss"], ["staff"], DENIED, DENIED,
        "the nudges of the world are addressed to the workers; a supervisor acts only on those addressed to them")
_except(["calendars.feed_details"], ["staff", "service_user"], DENIED, DENIED,
        "no calendar feed is enabled for this account: there is no feed to change (404)")
_except(["research.give_my_consent", "research.withdraw_my_consent"], ["coordinator", "staff", "peer_worker"],
        DENIED, DENIED, "one's own consent, to the studies one is asked about: none for professionals here")
_except(["research.give_my_consent", "research.withdraw_my_consent"], ["service_user"], ALLOWED, DENIED,
        "the person is asked about the study of the form they answered, not about the other study")
_except(["supervision.session", "supervision.debrief", "training.download_certificate"], ["service_user", "researcher"],
        DENIED, DENIED, "anyone signed in reaches the endpoint; the loader hides what is not theirs (404)")
_except(["calendars.meeting_ics"], ["researcher"], DENIED, DENIED,
        "a meeting's .ics is for its worker, co-facilitators, coordinator and people enrolled")

# (endpoint, role) -> why: pages that may show this role what World.hidden_from(role) lists.
SHOWS_HIDDEN = {
    ("privacy.person_data", "coordinator"): "the right of access: all of the person's data, the notes of meetings "
                                            "with them alone included, gathered for a request received on paper",
    ("privacy.person_data_json", "coordinator"): "the same right of access, as the JSON download",
}

# Roles that see the whole programme: where their endpoint rule lets them in, theirs is served as ours.
WHOLE_PROGRAMME = ("coordinator", "researcher")


def _owned(rule) -> bool:
    return any(ARGUMENTS[name][0] for name in rule.arguments)


def expected(rule, method: str, role: str, side: str, actor) -> str:
    """What the role must get for this rule, method and side: ALLOWED, DENIED or FORBIDDEN."""
    access = permissions.endpoint_rule(rule.endpoint)
    if access == "public":
        return ALLOWED  # the token in the URL is the key, whoever holds it
    if access is None or not access(actor):
        return FORBIDDEN
    exception = OBJECT_RULE_EXCEPTIONS.get((rule.endpoint, role))
    if exception is not None:
        return exception[SIDES.index(side)]
    if side == "ours" or role in WHOLE_PROGRAMME or not _owned(rule):
        return ALLOWED
    return DENIED


def fingerprint() -> str:
    """A hash of every row of every table but those each request writes (the audit log, sign-in attempts)."""
    skipped = {"audit_entry", "login_attempt"}
    digest = hashlib.sha256()
    db.session.commit()  # read what the requests committed, in a transaction of our own
    for table in db.metadata.sorted_tables:
        if table.name not in skipped:
            # A sign-in session's last use changes with every request; whether it ended must not.
            columns = [table.c.id, table.c.ended_at] if table.name == "auth_session" else [table]
            rows = db.session.execute(sa.select(*columns)).all()
            digest.update(table.name.encode())
            digest.update(repr(sorted(map(repr, rows))).encode())
    db.session.commit()
    return digest.hexdigest()


# --- The requests -------------------------------------------------------------------------------------------

# Requests that end the actor's own sign-in, sent last.
SIGNING_OUT = {("auth.logout", "ours"), ("auth.end_session", "ours")}
# Words of endpoints that delete, end or settle something: their POSTs go after the others, so nothing a later
# request needs is gone (an accepted proposal can no longer be declined).
DESTRUCTIVE = ("delete", "remove", "revoke", "erase", "deactivate", "discard", "cancel", "close", "withdraw",
               "end_", "disable", "rotate", "accept")


def _requests(app, world: World, role: str):
    """(rule, method, side, url, expected) for every rule and method, in this order: GETs; POSTs that must be
    refused or have no effect (the database must stay as it was before the first of them); the others, those
    that delete or end something last, and the actor's own sign-out at the very end.

    Without an argument, or when the endpoint rule refuses the role (before any object is loaded), one side
    is enough."""
    actor = world.actor(role)
    cases = []
    for rule in app.url_map.iter_rules():
        one_side = not rule.arguments or expected(rule, "GET", role, "theirs", actor) == FORBIDDEN
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for side in SIDES[:1] if one_side else SIDES:
                values = {name: ARGUMENTS[name][1](world, side, rule.endpoint, role) for name in rule.arguments}
                url = rule.build(values)[1] if values else rule.rule
                want = expected(rule, method, role, side, actor)
                post = method != "GET"
                order = (post, post and want not in (DENIED, NO_EFFECT), (rule.endpoint, side) in SIGNING_OUT,
                         post and any(word in rule.endpoint for word in DESTRUCTIVE), rule.endpoint, side)
                cases.append((order, (rule, method, side, url, want)))
    cases.sort(key=lambda case: case[0])
    return [case for _order, case in cases]


def test_every_url_argument_is_mapped(app):
    """A new endpoint argument must be given "ours" and "theirs" values here before the matrix can pass."""
    unknown = sorted({(name, rule.endpoint) for rule in app.url_map.iter_rules() for name in rule.arguments
                      if name not in ARGUMENTS})
    assert unknown == [], f"map these URL arguments in ARGUMENTS (tests/test_access_matrix.py): {unknown}"


def test_every_exception_names_a_real_endpoint_and_role(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    keys = set(OBJECT_RULE_EXCEPTIONS) | set(SHOWS_HIDDEN)
    assert sorted(key for key in keys if key[0] not in endpoints or key[1] not in ROLES) == []
    reasons = [cell[2] for cell in OBJECT_RULE_EXCEPTIONS.values()] + list(SHOWS_HIDDEN.values())
    assert all(len(reason) > 20 for reason in reasons)


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, client, role):
    app.jinja_env.bytecode_cache = _COMPILED_TEMPLATES
    world = build_world()
    # Their worker signed in elsewhere: a sign-in session of someone else's to try to end.
    assert sign_in(app.test_client(), world.sides["theirs"].worker).status_code == 302
    actor = world.actor(role)
    assert sign_in(client, actor).status_code == 302
    hidden = world.hidden_from(role)
    failures = []
    unchanged = None
    for rule, method, side, url, want in _requests(app, world, role):
        refused_post = method != "GET" and want in (DENIED, NO_EFFECT)
        if refused_post and unchanged is None:
            unchanged = fingerprint()  # the refused POSTs come together, before any other POST
        response = client.open(url, method=method, data={} if method != "GET" else None)
        status = response.status_code
        cell = f"{method} {rule.endpoint} [{side}] {url} -> {status}, expected {want}"
        if status >= 500:
            failures.append(cell)
        elif want == FORBIDDEN and status != 403:
            failures.append(cell)
        elif want == DENIED and status not in (403, 404):
            failures.append(cell)
        elif want == ALLOWED and status in (403, 404):
            failures.append(cell)
        if method == "GET" and response.mimetype.startswith(("text/", "application/json")) \
                and (rule.endpoint, role) not in SHOWS_HIDDEN:
            body = response.get_data(as_text=True)
            shown = [text for text in hidden if text in body]
            if shown:
                failures.append(f"{cell}: shows the other side's {shown}")
        if refused_post and fingerprint() != unchanged:
            failures.append(f"{cell}: changed the database")
            unchanged = fingerprint()
    assert failures == [], f"{len(failures)} cells of the access matrix fail for {role}:\n" + "\n".join(failures)
