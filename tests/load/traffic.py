"""The clients of the load and fault tests: browsers speaking HTTP to gunicorn over loopback, and the run.

Each client is a thread with its own cookies, signed in through the login form (or not signed in, for the
people answering a questionnaire by its link). Like a browser, it reads each form before posting it (the
CSRF token, the choices offered) and follows the redirect that answers a post. Every exchange is kept in
the journal; every write is kept with what identifies it in the database (the note of a logged meeting, the
referral and the status it was moved to, the questionnaire link and the answer given) and whether the app
acknowledged it: the redirect to the page of what was written, or the confirmation flashed after it.

An operation is a write with probability 1/8: a write takes three requests (the form, the post, the page it
redirects to), a read one, so a tenth of the requests are posts and nine tenths GETs.
"""
from __future__ import annotations

import random
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.client import HTTPException
from http.cookiejar import CookieJar
from urllib.error import HTTPError
from urllib.parse import urlencode, urlsplit
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, Request, build_opener

WRITE_SHARE = 1 / 8
REQUEST_TIMEOUT = 60  # gunicorn's worker timeout is 30 s: a request never waits longer than that for an answer
LOCKED = "database is locked"


# --- What a client sees: pages, forms ------------------------------------------------------------

@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)  # hidden and pre-filled inputs, by name
    options: dict[str, list[str]] = field(default_factory=dict)  # the values each <select> offers


class _Forms(HTMLParser):
    """The forms of a page: their action, hidden inputs and the options of their selects and radio buttons."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append(Form(action=attributes.get("action") or ""))
        elif not self.forms:
            return
        elif tag == "input" and attributes.get("name") and attributes.get("type") == "hidden":
            self.forms[-1].fields[attributes["name"]] = attributes.get("value") or ""
        elif tag == "input" and attributes.get("type") == "radio" and attributes.get("value"):
            # A choice offered as radio buttons (the triage page's "Propose to" table).
            self.forms[-1].options.setdefault(attributes.get("name"), []).append(attributes["value"])
        elif tag == "select":
            self._select = attributes.get("name")
            self.forms[-1].options.setdefault(self._select, [])
        elif tag == "option" and self._select and attributes.get("value"):
            self.forms[-1].options[self._select].append(attributes["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


@dataclass
class Page:
    status: int | None  # None: no answer (connection refused, reset or timed out)
    path: str = ""  # what was asked for (a form without an action posts there)
    location: str = ""  # the path a redirect points to
    text: str = ""
    error: str = ""

    def form(self, action: str | None = None) -> Form | None:
        """The form posting to `action` (a path), or the page's main form (not the header's language or
        sign-out forms) when `action` is None."""
        parser = _Forms()
        parser.feed(self.text)
        for form in parser.forms:
            target = urlsplit(form.action).path or urlsplit(self.path).path
            if action is not None and target == action:
                return form
            if action is None and target not in ("/language", "/logout") and "csrf_token" in form.fields:
                return form
        return None


@dataclass
class Exchange:
    client: str
    method: str
    path: str
    status: int | None
    error: str
    locked: bool  # "database is locked" in the body
    at: float  # time.monotonic() when the answer came
    seconds: float  # how long it took (printed, never asserted)


@dataclass
class Write:
    client: str
    kind: str  # "meeting", "referral", "answer"
    identity: tuple  # ("meeting", note) / (referral id, target status) / (token, answer text)
    acknowledged: bool = False
    result: str = ""  # the meeting's page when acknowledged
    at: float = 0.0


class _NoRedirects(HTTPRedirectHandler):
    """Redirects are answers to record, not to follow blindly: the client follows them itself."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Journal:
    """Every exchange and every write of a run (threads append; list.append is atomic)."""

    def __init__(self):
        self.exchanges: list[Exchange] = []
        self.writes: list[Write] = []
        self.started = float("inf")  # when the clients, all signed in, began together

    def timed(self) -> list[Exchange]:
        """The exchanges of the run itself (not the sign-ins before it)."""
        return [e for e in self.exchanges if e.at >= self.started]

    def acknowledged(self, kind: str) -> list[Write]:
        return [w for w in self.writes if w.kind == kind and w.acknowledged]

    def unacknowledged(self, kind: str | None = None) -> list[Write]:
        return [w for w in self.writes if not w.acknowledged and kind in (None, w.kind)]

    def summary(self) -> str:
        statuses: dict[str, int] = {}
        for exchange in self.exchanges:
            key = str(exchange.status) if exchange.status is not None else f"no answer ({exchange.error})"
            statuses[key] = statuses.get(key, 0) + 1
        posts = sum(1 for e in self.timed() if e.method == "POST")
        kinds = {kind: (len(self.acknowledged(kind)), sum(1 for w in self.writes if w.kind == kind))
                 for kind in ("meeting", "referral", "answer")}
        slowest = sorted(self.timed(), key=lambda e: e.seconds)[-3:]
        return (f"{len(self.exchanges)} requests ({len(self.timed())} in the run, {posts} posts), "
                f"statuses {dict(sorted(statuses.items()))}; writes acknowledged/attempted {kinds}; slowest "
                + ", ".join(f"{e.method} {e.path} {e.seconds:.2f} s" for e in reversed(slowest)))


class Browser:
    """One person's browser: its own cookies, English pages, every exchange written to the journal."""

    def __init__(self, base_url: str, name: str, journal: Journal):
        self.base_url = base_url
        self.name = name
        self.journal = journal
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()), _NoRedirects())

    def get(self, path: str) -> Page:
        return self._send("GET", path, None)

    def post(self, path: str, fields: dict) -> Page:
        return self._send("POST", path, urlencode(fields, doseq=True).encode())

    def _send(self, method: str, path: str, body: bytes | None) -> Page:
        request = Request(self.base_url + path, data=body, method=method,
                          headers={"Accept-Language": "en", "User-Agent": f"load-test/{self.name}"})
        sent = time.monotonic()
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                page = Page(response.status, path, text=response.read().decode("utf-8", "replace"))
        except HTTPError as answer:  # 3xx (not followed), 4xx, 5xx: an answer all the same
            with answer:
                try:
                    text = answer.read().decode("utf-8", "replace")
                except (HTTPException, OSError):
                    # Its status came, its body was cut (the fault tests kill the worker that was sending it):
                    # still the server's answer, and the client goes on (the exception ended its thread).
                    text = ""
            page = Page(answer.code, path, location=urlsplit(answer.headers.get("Location") or "").path, text=text)
        except (HTTPException, OSError) as error:  # refused, reset, timed out (URLError is an OSError)
            page = Page(None, path, error=type(getattr(error, "reason", error)).__name__)
        answered = time.monotonic()
        self.journal.exchanges.append(Exchange(self.name, method, path, page.status, page.error,
                                               LOCKED in page.text, answered, answered - sent))
        return page

    def submit(self, page: Page, action: str | None, values: dict) -> Page:
        """Post the form of `page` (its hidden fields, the CSRF token among them, plus `values`)."""
        form = page.form(action)
        if form is None:
            return Page(None, error="form not found")
        return self.post(urlsplit(form.action).path or urlsplit(page.path).path, {**form.fields, **values})


# --- The people and what they do -------------------------------------------------------------------

@dataclass
class ClientPlan:
    """What one client is: who signs in (None: nobody), what it reads, what it may write."""

    name: str
    kind: str  # "worker", "coordinator", "service_user", "respondent"
    email: str | None
    reads: list[str]
    referrals: list[int] = field(default_factory=list)  # moved by this client only, in this order
    tokens: list[str] = field(default_factory=list)  # questionnaire links answered by this client only


# A worker's step on a referral proposed to them: from status -> (the step's URL, status after, what is flashed).
WORKER_MOVES = {"proposed": ("accept", "accepted", "You accepted."),
                "accepted": ("start", "active", "The accompaniment is under way.")}


class Client:
    """One client of the run: signs in, then reads and writes until the deadline."""

    def __init__(self, plan: ClientPlan, base_url: str, journal: Journal, seed: int, password: str):
        self.plan = plan
        self.browser = Browser(base_url, plan.name, journal)
        self.journal = journal
        self.rng = random.Random(seed)
        self.password = password
        self.notes = 0
        # Referrals still to move, each with the status it is in: moved one step per write.
        self.referrals = [(referral_id, "proposed" if plan.kind == "worker" else "new")
                          for referral_id in plan.referrals]
        self.tokens = list(plan.tokens)

    def sign_in(self) -> bool:
        if self.plan.email is None:
            return True
        page = self.browser.get("/login")
        answer = self.browser.submit(page, "/login", {"email": self.plan.email, "password": self.password})
        return answer.status == 302 and answer.location != "/login"

    def run(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.rng.random() < WRITE_SHARE and self.write():
                continue
            self.browser.get(self.read_path())

    def read_path(self) -> str:
        if self.plan.kind == "respondent" and self.tokens and self.rng.random() < 0.5:
            return f"/feedback/answer/{self.tokens[0]}"  # reading the questionnaire does not use the link
        return self.rng.choice(self.plan.reads)

    def write(self) -> bool:
        """One write of this client's kind; False when it has nothing left to write (it reads instead)."""
        if self.plan.kind == "worker":
            self.move_proposal() if self.referrals and self.rng.random() < 0.5 else self.log_meeting()
        elif self.plan.kind == "coordinator" and self.referrals:
            self.triage()
        elif self.plan.kind in ("service_user", "respondent") and self.tokens:
            self.answer()
        else:
            return False
        return True

    def _record(self, kind: str, identity: tuple, form: Form | None) -> Write:
        """A write about to be posted; one whose form could not be read is recorded as not acknowledged."""
        write = Write(self.plan.name, kind, identity)
        if form is None:
            write.result = "form not found"
        self.journal.writes.append(write)
        return write

    def _acknowledged(self, write: Write, result: str = "") -> None:
        write.acknowledged, write.result, write.at = True, result, time.monotonic()

    def log_meeting(self) -> None:
        """The quick log: someone of the caseload, informal, 15 minutes, a note that identifies the write."""
        page = self.browser.get("/meetings/quick-log")
        form = page.form("/meetings/quick-log")
        self.notes += 1
        note = f"load {self.plan.name} #{self.notes} {uuid.uuid4().hex[:12]}"
        write = self._record("meeting", ("meeting", note), form)
        if form is None or not form.options.get("person_id"):
            return
        answer = self.browser.submit(page, "/meetings/quick-log", {
            "person_id": self.rng.choice(form.options["person_id"]), "format": "informal", "duration_minutes": "15",
            "topic_ids": (form.options.get("topic_ids") or [])[:1], "private_notes": note})
        if answer.status == 302 and re.fullmatch(r"/meetings/\d+", answer.location):
            self._acknowledged(write, answer.location)
            self.browser.get(answer.location)

    def move_proposal(self) -> None:
        """Accept a referral proposed to the worker, or start one accepted: the confirmation is flashed.
        Each step is posted once: one whose answer was lost is not tried again (its outcome is unknown)."""
        referral_id, status = self.referrals.pop(0)
        step, target, confirmation = WORKER_MOVES[status]
        page = self.browser.get("/triage/proposals")
        action = f"/triage/proposals/{referral_id}/{step}"
        form = page.form(action)
        write = self._record("referral", (referral_id, target), form)
        if form is None:
            return
        answer = self.browser.submit(page, action, {})
        if answer.status == 302 and answer.location == "/triage/proposals":
            shown = self.browser.get(answer.location)
            if shown.status == 200 and confirmation in shown.text:
                self._acknowledged(write)
                if target == "accepted":
                    self.referrals.insert(0, (referral_id, target))

    def triage(self) -> None:
        """The coordinator marks a new referral triaged, then proposes it to the first worker the page
        suggests (the referral then waits in that worker's proposals, moved by nobody here)."""
        referral_id, status = self.referrals.pop(0)
        page = self.browser.get(f"/triage/{referral_id}")
        if status == "new":
            step, target, values = "triaged", "triaged", {"triaged-reason": ""}
        else:
            step, target, values = "propose", "proposed", {"propose-reason": ""}
        action = f"/triage/{referral_id}/{step}"
        form = page.form(action)
        if form is not None and step == "propose":
            workers = form.options.get("propose-peer_profile_id")
            form = form if workers else None
            values["propose-peer_profile_id"] = workers[0] if workers else ""
        write = self._record("referral", (referral_id, target), form)
        if form is None:
            return
        answer = self.browser.submit(page, action, values)
        if answer.status == 302 and answer.location == f"/triage/{referral_id}":
            self._acknowledged(write)
            self.browser.get(answer.location)
            if target == "triaged":
                self.referrals.insert(0, (referral_id, target))

    def answer(self) -> None:
        """Answer the questionnaire of the next link: a text that identifies the answer, a rating."""
        token = self.tokens.pop(0)
        path = f"/feedback/answer/{token}"
        page = self.browser.get(path)
        text = f"load answer {self.plan.name} {uuid.uuid4().hex[:12]}"
        form = page.form(path)
        write = self._record("answer", (token, text), form)
        if form is None:
            return
        answer = self.browser.submit(page, path, {"q1": text, "q2": str(self.rng.randint(1, 5))})
        if answer.status == 302 and answer.location == "/feedback/thanks":
            self._acknowledged(write)
            self.browser.get(answer.location)


def run_load(base_url: str, plans: list[ClientPlan], *, seconds: float, password: str, seed: int = 2019,
             during=None) -> Journal:
    """Sign every client in, then run them together for `seconds`; `during(journal)` runs meanwhile in this
    thread (the fault tests kill a worker from there). Returns the journal once every client has stopped."""
    journal = Journal()
    clients = [Client(plan, base_url, journal, seed + number, password) for number, plan in enumerate(plans)]
    signed_in = [client.sign_in() for client in clients]
    failed = [client.plan.name for client, ok in zip(clients, signed_in, strict=True) if not ok]
    assert not failed, f"could not sign in: {failed}; {journal.summary()}"
    journal.started = time.monotonic()
    deadline = journal.started + seconds
    threads = [threading.Thread(target=client.run, args=(deadline,), name=client.plan.name, daemon=True)
               for client in clients]
    for thread in threads:
        thread.start()
    if during is not None:
        during(journal)
    for thread in threads:
        thread.join(seconds + 4 * REQUEST_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a client is still waiting for an answer"
    return journal
