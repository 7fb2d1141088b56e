"""The yearly report as PDF, drawn by WeasyPrint from the same HTML as the printable page.

WeasyPrint fetches nothing: the HTML carries its charts inline, the stylesheet is read from the package, and
any URL (an image, a font from the network) is refused, so rendering a report never reaches out.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "css" / "reports.css"


@lru_cache(maxsize=1)
def pdf_available() -> bool:
    """Whether WeasyPrint and the Pango library it loads are installed on this machine."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def document(html: str):
    """The laid-out document (WeasyPrint) of a standalone HTML page, with the print rules of reports.css (A4)."""
    # Imported here: WeasyPrint loads Pango at import, which only this download needs.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"the report PDF loads no external resource ({url[:80]})")

    fetcher = NoFetching()
    stylesheet = CSS(string=STYLESHEET.read_text(encoding="utf-8"), url_fetcher=fetcher)
    return HTML(string=html, url_fetcher=fetcher).render(stylesheets=[stylesheet])


def render_pdf(html: str) -> bytes:
    """PDF bytes of a standalone HTML page."""
    return document(html).write_pdf()
