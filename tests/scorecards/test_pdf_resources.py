"""What a PDF may load besides its HTML: the package's own assets, never a file or an address
(docs/design.md "PDF briefs")."""

from __future__ import annotations

import builtins
import logging
import socket
from pathlib import Path

import pytest

from scorecards import brief
from scorecards.brief import PdfResourceRefused, brief_html, html_to_pdf, load_weasyprint, pdf_url_fetcher
from scorecards.cards import scorecard_read
from tests.api.support import org_id
from tests.conftest import TODAY
from tests.scorecards.test_brief_pdf import pdf_text

# Everything WeasyPrint would fetch: an image, a stylesheet, an import, a font, a background, an
# attachment and an SVG image, at a server file and at a local port.
HOSTILE_HEAD = """
<link rel="stylesheet" href="http://127.0.0.1:1/sheet.css">
<style>
@import url("file:///etc/hostname");
@font-face { font-family: Hostile; src: url("http://127.0.0.1:1/font.woff"); }
h1 { font-family: Hostile; background: url("file:///etc/passwd"); }
</style>
"""
HOSTILE_BODY = """
<img src="file:///etc/passwd" alt="">
<img src="http://127.0.0.1:1/" alt="">
<a rel="attachment" href="file:///etc/passwd">passwd</a>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="https://127.0.0.1:1/i.png" width="10" height="10"/></svg>
"""
HOSTILE_URLS = {
    "http://127.0.0.1:1/sheet.css",
    "file:///etc/hostname",
    "http://127.0.0.1:1/font.woff",
    "file:///etc/passwd",
    "http://127.0.0.1:1/",
    "https://127.0.0.1:1/i.png",
}
STYLESHEET = Path(__file__).resolve().parents[2] / "static" / "app.css"


@pytest.fixture
def no_file_or_socket(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every socket connection and every open of a file under /etc, recorded and refused."""
    attempts: list[object] = []
    real_open = builtins.open

    def connect(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise AssertionError(f"a PDF opened a socket to {address}")

    def create_connection(address: object, *args: object, **kwargs: object) -> None:
        attempts.append(address)
        raise AssertionError(f"a PDF opened a connection to {address}")

    def guarded_open(file: object, *args: object, **kwargs: object) -> object:
        if str(file).startswith("/etc/"):
            attempts.append(file)
            raise AssertionError(f"a PDF opened {file}")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(builtins, "open", guarded_open)
    return attempts


def refused_urls(caplog: pytest.LogCaptureFixture) -> set[str]:
    return {
        url
        for record in caplog.records
        if PdfResourceRefused.__name__ in record.getMessage()
        for url in HOSTILE_URLS
        if repr(url) in record.getMessage()
    }


async def test_a_brief_with_hostile_html_reads_no_file_and_opens_no_socket(
    demo, no_file_or_socket: list[object], caplog: pytest.LogCaptureFixture
) -> None:
    card = await scorecard_read(await org_id("NRA"), "2026-H1", "donor", TODAY)
    html = brief_html(card, "donor").replace("</head>", HOSTILE_HEAD + "</head>")
    html = html.replace("</body>", HOSTILE_BODY + "</body>")
    assert html.count("127.0.0.1:1") == 4
    with caplog.at_level(logging.DEBUG, logger="weasyprint"):
        content, pages = html_to_pdf(html)
    assert no_file_or_socket == []
    # Each one was asked for, and refused with its reason, and the brief is still written.
    assert refused_urls(caplog) == HOSTILE_URLS
    assert content.startswith(b"%PDF-") and pages <= 2
    assert "NRA" in pdf_text(content) and "root:" not in pdf_text(content)


def test_the_fetcher_refuses_every_url_but_the_listed_assets(monkeypatch: pytest.MonkeyPatch) -> None:
    weasyprint = load_weasyprint()
    fetcher = pdf_url_fetcher(weasyprint)
    for url in [
        "file:///etc/passwd",
        "http://127.0.0.1:1/",
        "https://example.org/logo.png",
        "data:text/css,h1{color:red}",
        STYLESHEET.as_uri(),  # a file of the package, but not one a PDF uses
    ]:
        with pytest.raises(PdfResourceRefused, match="only the application's own assets"):
            fetcher.fetch(url)
    monkeypatch.setattr(brief, "PDF_ASSETS", frozenset({STYLESHEET}))
    served = fetcher.fetch(STYLESHEET.as_uri())
    assert served.read() == STYLESHEET.read_bytes() and served.content_type == "text/css"
    for url in [
        (STYLESHEET.parent / "missing.css").as_uri(),
        f"file://other.host{STYLESHEET}",
        STYLESHEET.with_name("app.css.bak").as_uri(),
    ]:
        with pytest.raises(PdfResourceRefused):
            fetcher.fetch(url)


async def test_a_brief_loads_its_listed_assets(
    demo, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A stylesheet of the package, once listed, is served to the layout like any asset.
    monkeypatch.setattr(brief, "PDF_ASSETS", frozenset({STYLESHEET}))
    card = await scorecard_read(await org_id("NRA"), "2026-H1", "donor", TODAY)
    link = f'<link rel="stylesheet" href="{STYLESHEET.as_uri()}">'
    with caplog.at_level(logging.DEBUG, logger="weasyprint"):
        content, _ = html_to_pdf(brief_html(card, "donor").replace("</head>", link + "</head>"))
    assert content.startswith(b"%PDF-")
    assert not [record for record in caplog.records if PdfResourceRefused.__name__ in record.getMessage()]
