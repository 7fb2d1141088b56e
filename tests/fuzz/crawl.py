"""Finding what to fuzz without listing it by hand: a small same-origin crawl, and the forms of its pages.

The crawl starts from every GET endpoint without arguments that the role may open
(permissions.endpoint_rule) and follows the links of the pages it reaches, so that
endpoints taking an id are reached with a real object the role can see. Each page's
<form>s are read with the standard library's HTMLParser; a new form in the app is
found (and fuzzed) without touching the tests.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

from werkzeug.exceptions import HTTPException

from peer_support import permissions

# One URL per endpoint, and one more with a query string (its filters, sorting or paging): the first
# object the role can see is enough to find the endpoint's forms, and each page costs ~0.1 s here.
# Downloads built page by page (the yearly report as PDF) cost seconds each and carry no form.
SLOW_DOWNLOAD_SUFFIXES = ("_pdf",)


@dataclass
class FormField:
    name: str
    kind: str  # input type (text, hidden, number, date, checkbox, radio, file…), "select" or "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)  # select options, radio values
    multiple: bool = False
    required: bool = False


@dataclass
class Form:
    page: str  # the URL of the page the form was found on
    method: str
    action: str  # a path with its query string, as the browser would send it
    endpoint: str
    fields: list[FormField]

    @property
    def key(self) -> tuple:
        """What makes two forms the same for fuzzing: where they go and what they send."""
        return (self.method, self.endpoint, tuple(sorted({f.name for f in self.fields})))


class _PageParser(HTMLParser):
    """Links (<a href>) and forms of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: FormField | None = None
        self._textarea: FormField | None = None
        self._radios: dict[str, FormField] = {}

    def handle_starttag(self, tag, attrs):
        attributes = {name: (value if value is not None else "") for name, value in attrs}
        if tag == "a" and "href" in attributes:
            self.links.append(attributes["href"])
        elif tag == "form":
            self._form = {"method": attributes.get("method", "get").upper(), "action": attributes.get("action"),
                          "fields": []}
            self._radios = {}
            self.forms.append(self._form)
        elif self._form is None or "name" not in attributes or "disabled" in attributes:
            return
        elif tag in ("input", "button"):
            kind = attributes.get("type", "text" if tag == "input" else "submit").lower()
            name = attributes["name"]
            if kind == "radio":
                if name not in self._radios:
                    self._radios[name] = FormField(name, "radio", required="required" in attributes)
                    self._form["fields"].append(self._radios[name])
                self._radios[name].options.append(attributes.get("value", "on"))
                if "checked" in attributes:
                    self._radios[name].value = attributes.get("value", "on")
                return
            if kind in ("submit", "button", "reset", "image") and not attributes.get("value"):
                return
            value = attributes.get("value", "on" if kind == "checkbox" else "")
            self._form["fields"].append(FormField(name, kind, value, required="required" in attributes,
                                                  options=["checked"] if "checked" in attributes else []))
        elif tag == "select":
            self._select = FormField(attributes["name"], "select", multiple="multiple" in attributes,
                                     required="required" in attributes)
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            self._select.options.append(attributes.get("value", ""))
            if "selected" in attributes:
                self._select.value = attributes.get("value", "")
        elif tag == "textarea":
            self._textarea = FormField(attributes["name"], "textarea", required="required" in attributes)
            self._form["fields"].append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            if self._select is not None and not self._select.value and self._select.options:
                self._select.value = self._select.options[0]
            self._select = None
        elif tag == "textarea":
            if self._textarea is not None and self._textarea.value.startswith("\n"):
                self._textarea.value = self._textarea.value[1:]  # as browsers do
            self._textarea = None


def parse_page(html: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return parser


def endpoint_of(app, url: str) -> str | None:
    """The endpoint a same-origin URL reaches, or None (another site, or no such page)."""
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "localhost"):
        return None
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(parts.path, method="GET")
    except HTTPException:
        try:
            endpoint, _ = adapter.match(parts.path, method="POST")
        except HTTPException:
            return None
    return endpoint


def may_open(endpoint: str, actor) -> bool:
    """The access rule of the endpoint lets this actor in (None: not signed in)."""
    rule = permissions.endpoint_rule(endpoint)
    if rule == "public":
        return True
    return actor is not None and rule is not None and rule(actor)


@dataclass
class Site:
    """What one role reaches: the pages (URL → endpoint) and the forms on them."""

    pages: dict[str, str] = field(default_factory=dict)
    forms: list[Form] = field(default_factory=list)

    def distinct_forms(self) -> list[Form]:
        """One form of each kind (the first found): a "deactivate" button per account is one form."""
        seen: dict[tuple, Form] = {}
        for form in self.forms:
            seen.setdefault(form.key, form)
        return list(seen.values())

    def query_urls(self) -> list[str]:
        """Pages reached with a query string (filters, sorting, paging)."""
        return [url for url in self.pages if urlsplit(url).query]


def seed_urls(app, actor) -> list[str]:
    """Every GET endpoint without arguments that the actor may open."""
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.arguments or rule.endpoint.endswith("static"):
                continue
            if may_open(rule.endpoint, actor) and not rule.endpoint.endswith(SLOW_DOWNLOAD_SUFFIXES):
                urls.append(url_for(rule.endpoint))
    return sorted(urls)


def crawl(app, client, actor, *, inspect=None, max_pages: int = 600) -> Site:
    """Fetch the pages the actor reaches by links (GET only), and read their forms; inspect(url, response) each."""
    site = Site()
    visited: set[tuple[str, bool]] = set()
    queue = deque(seed_urls(app, actor))
    seen = set(queue)
    while queue and len(site.pages) < max_pages:
        url = queue.popleft()
        endpoint = endpoint_of(app, url)
        variant = (endpoint, bool(urlsplit(url).query))
        if endpoint is None or variant in visited:
            continue
        visited.add(variant)
        response = client.get(url)
        if inspect is not None:
            inspect(url, response)
        if response.status_code != 200 or response.mimetype != "text/html":
            response.close()  # a streamed download is not read: closing ends its generator and its context
            continue
        site.pages[url] = endpoint
        page = parse_page(response.get_data(as_text=True))
        for raw in page.forms:
            action = urljoin(url, raw["action"]) if raw["action"] else url
            action_endpoint = endpoint_of(app, action)
            if action_endpoint is not None:
                parts = urlsplit(action)
                site.forms.append(Form(url, raw["method"], parts.path + (f"?{parts.query}" if parts.query else ""),
                                       action_endpoint, raw["fields"]))
        for href in page.links:
            target = urldefrag(urljoin(url, href)).url
            parts = urlsplit(target)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            target_endpoint = endpoint_of(app, target)
            if (target not in seen and target_endpoint is not None and target_endpoint != "static"
                    and not target_endpoint.endswith(SLOW_DOWNLOAD_SUFFIXES)):
                seen.add(target)
                queue.append(target)
    return site


def query_pairs(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)
