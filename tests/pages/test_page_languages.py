"""Each main page in each language (docs/design.md "Languages"): no message that the reader's
catalog translates is left in English on the page. Run against the committed catalogs, or against
pseudo-translations of the template for a language whose catalog has not landed (tests/catalogs.py).

What people wrote (titles, narratives, names) is shown as written inside `dir="auto"` and is not
checked; everything else on the page, text and the labels assistive technology reads, is."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest

from models import words
from tests.api.support import CHAMPION_NRA, DONOR, FOCAL_NRA, REVIEWER_OF_NRA, SECRETARIAT
from tests.catalogs import TRANSLATED

LABELS = ("aria-label", "title", "placeholder", "alt")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdif]")


class Words(HTMLParser):
    """The text a reader sees on a page and the labels they hear, outside user-written text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.found: list[str] = []

    def _skipping(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skip = tag in ("script", "style") or values.get("dir") == "auto"
        if not skip and not self._skipping():
            self.found.extend(str(values[name]) for name in LABELS if values.get(name))
        if tag not in VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self._skipping():
            self.found.append(text)


class English:
    """The msgids a language translates, matched against whole pieces of page text."""

    def __init__(self, language: str) -> None:
        catalog = words.translations(language)
        self.exact: set[str] = set()
        self.patterns: list[tuple[str, re.Pattern[str]]] = []
        # A word the language writes as English does ("Pairs" is French for peers) is not a leak.
        self.written = {catalog.gettext(message) for message in _template_ids()}
        for message in _template_ids():
            if catalog.gettext(message) == message:
                continue  # untranslated, or written the same: English is right here
            if PLACEHOLDER.search(message):
                literal = max(PLACEHOLDER.split(message), key=len).strip()
                # Short literals ("%(cycle)s report") would match any user text ending that way.
                if len(literal) >= 10:
                    pattern = ".+?".join(re.escape(part) for part in PLACEHOLDER.split(message))
                    self.patterns.append((literal, re.compile(pattern)))
            elif len(message) > 2:
                self.exact.add(" ".join(message.split()))

    def left_in(self, text: str) -> bool:
        if text in self.written:
            return False
        if text in self.exact:
            return True
        return any(literal in text and pattern.fullmatch(text) for literal, pattern in self.patterns)


def _template_ids() -> list[str]:
    from tests.catalogs import template

    return [m.id for m in template() if m.id and isinstance(m.id, str) and not m.context]


def english_left(html: str, english: English) -> list[str]:
    parser = Words()
    parser.feed(html)
    return sorted({text for text in parser.found if english.left_in(text)})


PEOPLE = {
    "secretariat": SECRETARIAT,
    "focal point": FOCAL_NRA,
    "champion": CHAMPION_NRA,
    "peer reviewer": REVIEWER_OF_NRA,
    "donor": DONOR,
}
EXTRA = ["/account", "/method"]
HREF = re.compile(r'<a href="(/[^"#?]*)"')


async def pages_of(client: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    """The navigation's pages and what the home page links to, once each."""
    home = await client.get("/", headers=headers)
    links = [href for href in HREF.findall(home.text) if not href.startswith(("/static", "/logout"))]
    return sorted({"/", *links[:40], *EXTRA})


@pytest.mark.parametrize("language", TRANSLATED)
async def test_no_translated_message_is_left_in_english_on_a_page(
    client: httpx.AsyncClient, demo: Any, sign_in: Any, translated_catalogs: Path, language: str
) -> None:
    english = English(language)
    problems: dict[str, list[str]] = {}
    for anonymous in ("/login", "/method", "/no-such-page"):
        page = await client.get(anonymous, headers={"Accept-Language": language})
        assert f'<html lang="{language}"' in page.text, anonymous
        if left := english_left(page.text, english):
            problems[f"anonymous {anonymous}"] = left
    for role, email in PEOPLE.items():
        headers = await sign_in(email)
        changed = await client.patch("/api/auth/me", json={"language": language}, headers=headers)
        assert changed.status_code == 200, changed.text
        for path in await pages_of(client, headers):
            page = await client.get(path, headers=headers)
            if page.status_code != 200 or "text/html" not in page.headers.get("content-type", ""):
                continue
            assert f'<html lang="{language}" dir="{words.text_direction(language)}">' in page.text, path
            if left := english_left(page.text, english):
                problems[f"{role} {path}"] = left
    report = "\n".join(f"{where}: {left}" for where, left in problems.items())
    assert not problems, f"English left on {language} pages:\n{report}"
