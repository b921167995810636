"""The printable summary as a PDF, made by WeasyPrint from the same templates as the page.

WeasyPrint never fetches anything: the style sheets are read from the package and passed in, and
any other URL in the HTML is refused, so rendering cannot reach the network or the file system.

WeasyPrint is imported when the first PDF is made, not with the app: its import (Pango, fonts)
takes about half a second, which every start of the app and every test process would pay.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from weasyprint import CSS  # type: ignore[import-untyped]

PDF_FILENAME = "trd-navigator-summary.pdf"
SOURCES_FILENAME = "trd-navigator-sources.pdf"
STYLESHEETS = ("results.css", "print.css")


class FetchRefused(Exception):
    pass


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise FetchRefused("the PDF renderer does not fetch resources")


@cache
def _stylesheets() -> tuple[CSS, ...]:
    from weasyprint import CSS

    static = resources.files("trdnav.web").joinpath("static")
    return tuple(
        CSS(string=static.joinpath(name).read_text(encoding="utf-8"), url_fetcher=_refuse_fetch)
        for name in STYLESHEETS
    )


def paper_size(country: str) -> str:
    """The paper people print on in this country (ISO code): US Letter in the United States, else A4."""
    return "Letter" if country.upper() == "US" else "A4"


@cache
def _paper_stylesheet(paper: str) -> CSS:
    from weasyprint import CSS

    return CSS(string=f"@page {{ size: {paper}; }}", url_fetcher=_refuse_fetch)


def lay_out(html: str, *, base_url: str, paper: str = "A4") -> Any:
    """The summary HTML laid out in pages on this paper (a WeasyPrint document: its pages, their size)."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=base_url, url_fetcher=_refuse_fetch, media_type="print")
    return document.render(stylesheets=[*_stylesheets(), _paper_stylesheet(paper)])


def render_pdf(html: str, *, base_url: str, paper: str = "A4") -> bytes:
    """Render the summary HTML on this paper; ``base_url`` makes its relative links absolute in the PDF."""
    pdf: bytes = lay_out(html, base_url=base_url, paper=paper).write_pdf()
    return pdf
