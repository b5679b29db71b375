"""Every word a user reads goes through the catalog: no unmarked text in a template, and the committed
`locale/messages.pot` is what `pybabel extract` finds today (the README says how to refresh it).
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

from models import words
from models.errors import NotFound
from models.words import LOCALE_DIR, N_, TEMPLATES_DIR, format_date, ngettext, template_environment
from reminders.emails import EmailRenderer
from tests.conftest import REPO

# The same command as the README's "Words and languages" section.
EXTRACT = [
    "pybabel", "-q", "extract", "-F", "babel.cfg", "--no-location", "--sort-output",
    "--project", "CoP Tracker", "--copyright-holder", "CoP Tracker",
    "api", "models", "reminders", "scorecards", "templates",
]  # fmt: skip
PLACEHOLDER = "\x00"
LETTER = re.compile(r"[^\W\d_]")
URL_PATH = re.compile(r"(?:https?://|/)[\w./?=&%-]*")  # links in plain-text emails are not words
# A macro that writes attributes (aria-invalid="true") leaves markup, not words, outside any tag.
ATTRIBUTE = re.compile(r'[\w-]+="[^"]*"')
# Attributes a person reads or hears (screen readers); the others (class, id, href...) are code.
READ_ATTRIBUTES = {"title", "aria-label", "aria-description", "placeholder", "alt", "label", "summary"}
BUTTON_INPUTS = {"submit", "button", "reset"}


def template_with_marked_text_removed(source: str) -> str:
    """The template's literal text with every Jinja tag, and everything inside {% trans %}, replaced
    by a placeholder: what is left is text nobody marked for translation."""
    env = template_environment()
    pieces: list[str] = []
    in_trans = False
    tag: list[str] = []
    for _, kind, value in env.lex(source):
        if kind == "block_begin":
            tag = []
        elif kind == "name" and not tag:
            tag.append(value)
            if value == "trans":
                in_trans = True
            elif value == "endtrans":
                in_trans = False
        if kind == "data" and not in_trans:
            pieces.append(value)
        elif not pieces or pieces[-1] != PLACEHOLDER:
            pieces.append(PLACEHOLDER)
    return "".join(pieces)


class UnmarkedText(HTMLParser):
    """Collects text nodes and user-facing attribute values that contain letters."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._code_depth = 0

    def _check(self, text: str, where: str) -> None:
        text = text.replace(PLACEHOLDER, " ")
        if has_words(text):
            self.found.append(f"{where}: {' '.join(text.split())!r}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._code_depth += 1
        values = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            is_button_text = name == "value" and tag == "input" and values.get("type") in BUTTON_INPUTS
            if name in READ_ATTRIBUTES or is_button_text or (tag == "meta" and name == "content"):
                if tag == "meta" and values.get("name") not in ("description", None):
                    continue
                self._check(value, f"<{tag} {name}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._code_depth = max(0, self._code_depth - 1)

    def handle_data(self, data: str) -> None:
        if not self._code_depth:
            self._check(data, "text")


def has_words(text: str) -> bool:
    return bool(LETTER.search(ATTRIBUTE.sub(" ", URL_PATH.sub(" ", text))))


def unmarked_text(source: str, name: str) -> list[str]:
    """User-visible words in a template that are not inside {% trans %} or a gettext call."""
    remains = template_with_marked_text_removed(source)
    if not name.endswith(".html.jinja"):
        return [f"text: {' '.join(line.split())!r}" for line in remains.split(PLACEHOLDER) if has_words(line)]
    parser = UnmarkedText()
    parser.feed(remains)
    parser.close()
    return parser.found


def test_the_checker_finds_unmarked_words_and_passes_marked_ones() -> None:
    assert unmarked_text('<p class="lead">Hello {{ name }}</p>', "a.html.jinja") == ["text: 'Hello'"]
    assert unmarked_text('<a title="Open it" href="/x">{{ _("Open") }}</a>', "a.html.jinja") == [
        "<a title>: 'Open it'"
    ]
    assert unmarked_text('<input type="submit" value="Send">', "a.html.jinja") == ["<input value>: 'Send'"]
    assert unmarked_text("Dear {{ name }},\n", "a.txt.jinja") == ["text: 'Dear'"]
    marked = (
        '<p class="lead" id="x">{% trans %}Hello {{ name }}{% endtrans %} · {{ _("Bye") }}</p>'
        '<style>.lead { color: red }</style><input type="hidden" name="csrf" value="{{ token }}">'
        '<button aria-label="{{ _("Close") }}" value="approve">{% trans %}Close{% endtrans %}</button>'
    )
    assert unmarked_text(marked, "a.html.jinja") == []


def test_every_template_marks_its_words_for_translation() -> None:
    problems = []
    for path in sorted(TEMPLATES_DIR.rglob("*.jinja")):
        name = path.relative_to(TEMPLATES_DIR).as_posix()
        problems += [f"{name}: {found}" for found in unmarked_text(path.read_text(), name)]
    assert problems == [], "wrap these in {% trans %} or _():\n" + "\n".join(problems)


def _messages(path: Path) -> list[tuple[object, ...]]:
    """A catalog's entries as written (the header, with its dates and tool version, left out)."""
    with path.open("rb") as source:
        catalog = read_po(source)
    return [(m.id, m.context, m.string, sorted(m.flags), m.auto_comments) for m in catalog if m.id]


def test_the_committed_catalog_is_a_fresh_extraction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    fresh = tmp_path / "messages.pot"
    CommandLineInterface().run([*EXTRACT, "-o", str(fresh)])
    committed = _messages(LOCALE_DIR / "messages.pot")
    assert committed == _messages(fresh), "locale/messages.pot is out of date: refresh it (see the README)"
    english = {entry[0] for entry in _messages(LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po")}
    assert english == {entry[0] for entry in committed}, "locale/en is out of date: run pybabel update"


def test_a_new_language_is_a_catalog_and_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A French catalog alone turns a page word, an email's plural subject, a service's error and
    a date into French: no code changes."""
    catalog = Catalog(locale="fr", domain="messages")
    catalog.add("Log in", "Se connecter")
    catalog.add(
        (
            "Submission for %(cycle)s is %(num)s day late [%(acronym)s]",
            "Submission for %(cycle)s is %(num)s days late [%(acronym)s]",
        ),
        # French has three plural forms in CLDR (one, many, other); Babel's rule picks the form.
        (
            "Rapport %(cycle)s : %(num)s jour de retard [%(acronym)s]",
            "Rapport %(cycle)s : %(num)s de jours de retard [%(acronym)s]",
            "Rapport %(cycle)s : %(num)s jours de retard [%(acronym)s]",
        ),
        flags=["python-format"],
    )
    catalog.add("no milestone with id %(milestone_id)s", "aucun jalon n'a l'identifiant %(milestone_id)s")
    folder = tmp_path / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.po").open("wb") as po:
        write_po(po, catalog)
    monkeypatch.setattr(words, "LOCALE_DIR", tmp_path)
    words.translations.cache_clear()
    try:
        context = {"cycle_name": "2026-H2", "days_late": 3, "organization_acronym": "UNHCR"}
        with words.speaking("fr"):
            page = template_environment().get_template("login.html.jinja").render(form={}, errors={})
            subject = EmailRenderer("").subject("submission_late", context)
            error = NotFound(N_("no milestone with id %(milestone_id)s"), milestone_id=7).message
            day = format_date(dt.date(2026, 12, 6))
        english_subject = EmailRenderer("").subject("submission_late", context)
    finally:
        words.translations.cache_clear()
    assert "<h1>Se connecter</h1>" in page and '<html lang="fr" dir="ltr">' in page
    assert subject == "Rapport 2026-H2 : 3 jours de retard [UNHCR]"
    assert error == "aucun jalon n'a l'identifiant 7"
    assert day == "6 décembre 2026"
    assert english_subject == "Submission for 2026-H2 is 3 days late [UNHCR]"


def test_english_dates_and_plurals_read_as_before() -> None:
    assert format_date(dt.date(2026, 12, 6)) == "6 December 2026"
    assert format_date("2026-01-09") == "9 January 2026"
    assert ngettext("%(num)s day", "%(num)s days", 1) == "1 day"
    assert ngettext("%(num)s day", "%(num)s days", 12) == "12 days"


FLASHING_CALLS = {"redirect", "refusal", "_move", "_decide"}  # page helpers whose text a person reads


def unmarked_flash_messages(source: str) -> list[str]:
    """Sentences written as bare string literals into a page's redirect or refusal, where a
    translation can never reach them (a marked one is a gettext call, not a literal)."""
    import ast

    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        if name not in FLASHING_CALLS:
            continue
        for arg in [*node.args, *(keyword.value for keyword in node.keywords)]:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                text = arg.value
                if " " in text and LETTER.search(text) and not text.startswith("/"):
                    found.append(text)
    return found


def test_the_flash_checker_finds_a_bare_sentence_and_passes_a_marked_one() -> None:
    source = 'redirect(request, "/x", "Reply added.")\nredirect(request, "/x", gettext("Reply added."))\n'
    assert unmarked_flash_messages(source) == ["Reply added."]


def test_every_page_message_goes_through_the_catalog() -> None:
    unmarked = {
        str(path.relative_to(REPO)): found
        for path in sorted((REPO / "api" / "pages").glob("*.py"))
        if (found := unmarked_flash_messages(path.read_text(encoding="utf-8")))
    }
    assert unmarked == {}


@pytest.mark.parametrize("locale", ["en", "fr", "ar"])
@pytest.mark.parametrize("autoescape", [False, True])
def test_templates_say_a_message_as_jinjas_own_gettext_does(locale: str, autoescape: bool) -> None:
    """Templates look each message up once per catalog (an organization's page says about fifty):
    what they print is what Jinja's newstyle gettext prints, escaping, `%%` and parameters alike."""
    source = (
        '{{ _("Overall") }} {{ gettext("Overall") }} {{ _("100%% done") }} {{ _("Hello %(name)s", name=n) }} '
        "{% trans %}Hi {{ n }}, 5% of {{ n }}{% endtrans %} {{ _(missing) }}"
    )
    if autoescape:
        source = "{% autoescape true %}" + source + "{% endautoescape %}"
    ours = template_environment()
    assert ours.globals["_"] is ours.globals["gettext"] is words.template_gettext
    jinjas = template_environment()
    jinjas.install_gettext_translations(words.ReaderTranslations(), newstyle=True)  # type: ignore[attr-defined]
    with words.speaking(locale):
        for _ in range(2):  # the second time from what the first looked up
            printed = ours.from_string(source).render(n="<b> & co", missing="Overall")
            assert printed == jinjas.from_string(source).render(n="<b> & co", missing="Overall")
    assert ("&lt;b&gt; &amp; co" in printed) is autoescape and "100% done" in printed and "5% of" in printed
