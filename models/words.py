"""One place for words: the message catalogs, the reader's locale, Babel's dates, numbers and plurals,
and the one Jinja environment factory that pages and emails both use.

Every user-facing string is written in English where it is used and marked for translation there:
`gettext`/`ngettext` in Python code that speaks now, `N_` where a message is only named (an error
raised by a service is formatted later, at the edge, in the reader's language), `{% trans %}` and
`_()` in templates. `pybabel extract` collects them into `locale/messages.pot` (see the README);
each language is then a `locale/<lang>/LC_MESSAGES/messages.po` and nothing else.

Catalogs are read from their `.po` files and compiled in memory on first use, so a fresh
`pip install -e .` needs no compile step and no binary file is kept beside its source.

Nothing here imports from a floor above `models/`: the pages (api/) and the emails (reminders/)
both import this module.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Mapping
from contextvars import ContextVar
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import jinja2
import jinja2.nodes
from babel import Locale, negotiate_locale
from babel.dates import format_date as babel_format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations
from markupsafe import Markup

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "locale"
TEMPLATES_DIR = ROOT / "templates"
DOMAIN = "messages"
DEFAULT_LOCALE = "en"
# The languages a person may read in (docs/design.md "Languages"); a new language is added here and
# as locale/<code>/LC_MESSAGES/messages.po. Arabic is written right to left.
SUPPORTED_LANGUAGES = ("en", "fr", "es", "ar")
RIGHT_TO_LEFT = frozenset({"ar"})
# "6 December 2026": day, month name, year. Written as a CLDR pattern so that another locale's
# month names come from Babel; a language that orders them differently changes this one pattern.
LONG_DATE = "d MMMM y"
SHORT_DATE = "d MMM y"

_locale: ContextVar[str] = ContextVar("cop_locale", default=DEFAULT_LOCALE)


def N_(message: str) -> str:  # noqa: N802 - the name gettext's tools look for
    """Mark a message for extraction without translating it yet (it is translated when shown)."""
    return message


@cache
def translations(locale: str = DEFAULT_LOCALE) -> NullTranslations:
    """The compiled catalog of a language (English falls back to the message ids themselves)."""
    po_file = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_file.is_file():
        return NullTranslations()
    with po_file.open("rb") as source:
        catalog = read_po(source, locale=locale, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def parse_accept_language(header: str | None) -> list[str]:
    """The language tags of an Accept-Language header, most wanted first (q=0 means "not this")."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")[:32]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and len(tag) <= 35 and quality > 0:
            weighted.append((-quality, position, tag.replace("_", "-")))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate_language(header: str | None) -> str:
    """The supported language a browser's Accept-Language asks for first, else English."""
    preferred = parse_accept_language(header)
    return negotiate_locale(preferred, SUPPORTED_LANGUAGES, sep="-") or DEFAULT_LOCALE


def supported_language(value: str | None) -> str | None:
    """`value` if it names a supported language, else None."""
    return value if value in SUPPORTED_LANGUAGES else None


def text_direction(locale: str | None = None) -> str:
    """ "rtl" for a language written right to left, else "ltr" (the `dir` of pages and emails)."""
    return "rtl" if (locale or current_locale()) in RIGHT_TO_LEFT else "ltr"


def start_side(locale: str | None = None) -> str:
    """The physical side a line starts on: emails' inline styles cannot rely on logical CSS."""
    return "right" if text_direction(locale) == "rtl" else "left"


def end_side(locale: str | None = None) -> str:
    return "left" if text_direction(locale) == "rtl" else "right"


# Unicode's isolates (docs/design.md "Languages"): LRI starts a left-to-right run, FSI one whose
# direction its first strong letter decides, PDI ends either. Inside them a code keeps its order.
LRI = "\u2066"
FSI = "\u2068"
PDI = "\u2069"
# What people write never carries an embedding, override or isolate (LRE, RLE, PDF, LRO, RLO, LRI,
# RLI, FSI, PDI, U+202A-U+202E and U+2066-U+2069): those reorder the words around them (a title
# that turns the "not met" shown after it, a file name that ends in "fdp.exe"), and the isolates
# are the application's own. The marks that only lean one way (LRM, RLM, ALM) stay.
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def without_bidi_controls(text: str) -> str:
    """People's text as stored: the bidi controls removed, silently (docs/design.md "Languages");
    they come with text pasted from a word processor more often than with a forgery."""
    return text.translate(_BIDI_CONTROLS)


def ltr(value: object, locale: str | None = None) -> str:
    """A code that reads left to right (a cycle such as 2026-H1, an email address, a reference) as
    plain text inside a sentence: between LRI and PDI in a right-to-left language, so that Arabic's
    bidi does not turn 2026-H1 into H1-2026; unchanged in any other language."""
    text = str(value)
    if not text or text_direction(locale) != "rtl" or (text.startswith(LRI) and text.endswith(PDI)):
        return text
    return f"{LRI}{text}{PDI}"


def isolate(value: object, locale: str | None = None) -> str:
    """What people write (an acronym, a name) set apart as plain text inside a sentence in a
    right-to-left language: its own first letter decides its direction (FSI ... PDI)."""
    text = str(value)
    return f"{FSI}{text}{PDI}" if text and text_direction(locale) == "rtl" else text


# The parameters of a Python-formatted message that always hold a code read left to right: in a
# right-to-left language they are isolated where the sentence is formatted (`ltr()`), so no caller
# has to remember it. Templates say it themselves with the `ltr` filter.
LTR_PARAMS = frozenset({"cycle", "cycle_name", "email"})


def isolated_params(params: Mapping[str, Any], locale: str | None = None) -> dict[str, Any]:
    """`params` with the codes of `LTR_PARAMS` isolated (in a right-to-left language only)."""
    if text_direction(locale) != "rtl":
        return dict(params)
    return {
        key: ltr(value, locale) if key in LTR_PARAMS and isinstance(value, str) else value
        for key, value in params.items()
    }


@jinja2.pass_eval_context
def ltr_filter(eval_ctx: jinja2.nodes.EvalContext, value: object) -> object:
    """`{{ cycle | ltr }}`: in an HTML template a `<bdi dir="ltr">` (WeasyPrint honours it, where a
    `<bdi>` left to decide its own direction stays right to left), in a text template the isolates
    of `ltr()`; unchanged in a language written left to right. Attributes, `<title>` and
    `<option>` cannot hold markup: there `ltr_text` gives the isolates."""
    if value is None or value == "" or text_direction() != "rtl":
        return value
    if eval_ctx.autoescape:
        return Markup('<bdi dir="ltr">%s</bdi>') % (value,)
    return ltr(value)


# The isolate initiators (LRI, RLI, FSI): what stands between one and its PDI does not decide the
# direction of the text around it (the bidi algorithm's rule P2).
ISOLATE_INITIATORS = frozenset({"\u2066", "\u2067", FSI})


def direction_of(value: object, locale: str | None = None) -> str:
    """ "ltr" or "rtl": the direction of what people write (a title, a note), from its first strong
    letter as Unicode's bidi algorithm finds it (rules P2 and P3), skipping isolated runs; text
    without a strong letter (a number) takes the language's direction. What `dir="auto"` does in a
    browser, for the PDFs: WeasyPrint ignores `dir="auto"` (docs/design.md "Languages")."""
    depth = 0
    for char in "" if value is None else str(value):
        if char in ISOLATE_INITIATORS:
            depth += 1
        elif char == PDI:
            depth = max(depth - 1, 0)
        elif depth == 0:
            kind = unicodedata.bidirectional(char)
            if kind == "L":
                return "ltr"
            if kind in ("R", "AL"):
                return "rtl"
    return text_direction(locale)


def sentence(text: str) -> str:
    """Text shown on its own (a flash, a form's refusal, a heading): its first letter a capital, the
    rest as written (a service's message starts in lower case, to be quoted inside another)."""
    return text[:1].upper() + text[1:]


def language_name(code: str) -> str:
    """A language in its own words ("Français", "العربية"), as a language chooser shows it."""
    return sentence(Locale.parse(code).get_display_name(code) or code)


def current_locale() -> str:
    """The language the current request or job speaks (English until a reader chooses another)."""
    return _locale.get()


class speaking:  # noqa: N801 - used like a function: `with speaking("fr"):`
    """Speak `locale` inside the block (a request, an email to one recipient, an export).

    A class rather than a generator context manager: every request enters one, and this costs a
    tenth as much."""

    __slots__ = ("locale", "token")

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def __enter__(self) -> None:
        self.token = _locale.set(self.locale)

    def __exit__(self, *exc_info: object) -> None:
        _locale.reset(self.token)


def gettext(message: str, **params: Any) -> str:
    """`message` in the current language, with `%(name)s` placeholders filled from `params`."""
    text = translations(current_locale()).gettext(message)
    return text % isolated_params(params) if params else text


def ngettext(singular: str, plural: str, count: int, **params: Any) -> str:
    """The singular or plural form for `count` in the current language; `%(num)s` is the count."""
    text = translations(current_locale()).ngettext(singular, plural, count)
    return text % isolated_params({"num": format_number(count), **params})


def translate(message: str, params: Mapping[str, Any] | None = None, locale: str | None = None) -> str:
    """A message named earlier (with `N_`) in a given language, its parameters filled in."""
    text = translations(locale or current_locale()).gettext(message)
    return text % isolated_params(params, locale) if params else text


def format_date(value: dt.date | str | None, pattern: str = LONG_DATE) -> str:
    """A date for the reader; accepts the ISO strings that dates become in stored JSON."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    elif isinstance(value, dt.datetime):
        value = value.date()
    return _formatted_date(value, pattern, current_locale())


def format_number(value: int | float) -> str:
    """A number with the reader's digits and separators (no grouping: ids and years read as typed)."""
    return _formatted_number(value, current_locale())


def format_figure(value: float, places: int = 1) -> str:
    """A figure with `places` decimals, as the reader's locale writes it (62.5, 62,5)."""
    return _formatted_figure(float(value), places, current_locale())


def format_share(value: float | None) -> str:
    """A share given in percent (0 to 100), as the reader's locale writes it (62.5%, 62,5 %)."""
    if value is None:
        return ""
    return _formatted_percent(float(value) / 100, current_locale())


# Babel's formatting walks CLDR data on every call; pages and emails format the same few dates and
# small numbers over and over, so the results are kept.
@lru_cache(maxsize=8192)
def _formatted_date(value: dt.date, pattern: str, locale: str) -> str:
    return babel_format_date(value, format=pattern, locale=Locale.parse(locale))


@lru_cache(maxsize=8192)
def _formatted_figure(value: float, places: int, locale: str) -> str:
    pattern = "0." + "0" * places if places else "0"
    return format_decimal(value, format=pattern, locale=Locale.parse(locale))


@lru_cache(maxsize=8192)
def _formatted_percent(value: float, locale: str) -> str:
    # The locale's own pattern (French puts a space before the sign) with the one decimal of the figures.
    parsed = Locale.parse(locale)
    pattern = parsed.percent_formats[None].pattern
    last = pattern.rfind("0") + 1
    return format_percent(value, format=pattern[:last] + ".0" + pattern[last:], locale=parsed)


@lru_cache(maxsize=8192)
def _formatted_number(value: int | float, locale: str) -> str:
    return format_decimal(value, locale=Locale.parse(locale), group_separator=False)


@lru_cache(maxsize=8192)
def _template_text(catalog: NullTranslations, message: str, autoescape: bool) -> str:
    """A template's message in one catalog, marked safe where the template escapes."""
    text = catalog.gettext(message)
    return Markup(text) if autoescape else text


@lru_cache(maxsize=8192)
def _template_shown(catalog: NullTranslations, message: str, autoescape: bool) -> str:
    """The message as shown when there is nothing to fill in: Jinja's newstyle gettext formats it
    all the same (`%%` reads as `%`)."""
    return _template_text(catalog, message, autoescape) % {}


@jinja2.pass_context
def template_gettext(context: jinja2.runtime.Context, message: str, **variables: Any) -> str:
    """`_()` and `gettext()` in templates: what Jinja's newstyle gettext returns (the message in the
    reader's language, marked safe where the template escapes, its `%(name)s` filled in and
    escaped), looked up once per catalog and message instead of through three nested template calls
    on every use; an organization's page says about fifty of them."""
    catalog = translations(current_locale())
    autoescape = context.eval_ctx.autoescape
    if variables:
        return _template_text(catalog, message, autoescape) % variables
    return _template_shown(catalog, message, autoescape)


class ReaderTranslations:
    """The catalog of whoever is reading now: one environment serves every language."""

    def gettext(self, message: str) -> str:
        return translations(current_locale()).gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return translations(current_locale()).ngettext(singular, plural, count)

    def pgettext(self, context: str, message: str) -> str:
        return translations(current_locale()).pgettext(context, message)

    def npgettext(self, context: str, singular: str, plural: str, count: int) -> str:
        return translations(current_locale()).npgettext(context, singular, plural, count)


# Labels of the enumerated values that pages show (the values themselves stay English keys).
STATUS_LABELS = {
    "planned": N_("Planned"),
    "in_progress": N_("In progress"),
    "done": N_("Done"),
    "dropped": N_("Dropped"),
    "active": N_("Active"),
    "completed": N_("Completed"),
    "missing": N_("Missing"),
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "approved": N_("Approved"),
    "returned": N_("Returned"),
    "published": N_("Published"),
    "queued": N_("Queued"),
    "held": N_("Held"),
    "sending": N_("Sending"),
    "sent": N_("Sent"),
    "failed": N_("Failed"),
    "digested": N_("Digested"),
    "open": N_("Open"),
    "closed": N_("Closed"),
}
# The same statuses inside a sentence ("3 reminders failed").
STATUS_WORDS = {
    "queued": N_("queued"),
    "held": N_("held"),
    "sending": N_("sending"),
    "sent": N_("sent"),
    "failed": N_("failed"),
    "digested": N_("digested"),
    "open": N_("open"),
    "closed": N_("closed"),
    "draft": N_("draft"),
    "submitted": N_("submitted"),
}
SENIORITY_LABELS = {
    "head": N_("Head"),
    "deputy": N_("Deputy"),
    "director": N_("Director"),
    "senior_manager": N_("Senior manager"),
    "technical": N_("Technical"),
    "other": N_("Other"),
}
ROLE_LABELS = {
    "secretariat": N_("secretariat"),
    "focal_point": N_("focal point"),
    "champion": N_("champion"),
    "peer_reviewer": N_("peer reviewer"),
    "donor": N_("donor"),
}
# The levels of an area (models/vocabulary.py LEVELS), from 0 to 4.
LEVEL_NAMES = {
    0: N_("Not started"),
    1: N_("Committed"),
    2: N_("In progress"),
    3: N_("In place"),
    4: N_("Institutionalized"),
}
# An audience (models/vocabulary.py) inside a sentence: "Printed from CoP Tracker: cycle 2026, donor view."
AUDIENCE_LABELS = {
    "internal": N_("internal"),
    "peer": N_("peer"),
    "donor": N_("donor"),
}


def _label(labels: Mapping[str, str], key: object, fallback: str) -> str:
    text = labels.get(str(key))
    return gettext(text) if text else fallback


def status_label(status: object) -> str:
    """A status as a badge or a heading shows it: in_progress reads In progress."""
    return _label(STATUS_LABELS, status, str(status).replace("_", " ").capitalize())


def status_word(status: object) -> str:
    return _label(STATUS_WORDS, status, str(status).replace("_", " "))


def role_label(role: object) -> str:
    """A role as a sentence names it: focal_point reads focal point, in the reader's language."""
    return _label(ROLE_LABELS, role, str(role).replace("_", " "))


def audience_label(audience: object) -> str:
    """An audience in the reader's language, as a sentence shows it ("vue bailleur de fonds")."""
    return _label(AUDIENCE_LABELS, audience, str(audience))


def seniority_label(seniority: object) -> str:
    return _label(SENIORITY_LABELS, seniority, str(seniority).replace("_", " ").capitalize())


def level_name(level: object) -> str:
    """A level's name in the reader's language, found by its number (0 to 4): a published
    scorecard stores the English name beside the number, which only the JSON API shows."""
    name = LEVEL_NAMES.get(level) if isinstance(level, int) else None
    return gettext(name) if name else str(level)


def translated(labels: Mapping[Any, str]) -> dict[Any, str]:
    """A table of English labels (marked with N_) in the reader's language, keys unchanged."""
    return {key: gettext(text) for key, text in labels.items()}


def html_autoescape(name: str | None) -> bool:
    """HTML templates are autoescaped; subjects and plain-text bodies are not."""
    return bool(name) and str(name).endswith(".html.jinja")


def template_environment(*, strict: bool = False, email: bool = False) -> jinja2.Environment:
    """The Jinja environment of every template (pages and emails) with gettext and Babel installed.

    Pages keep Jinja's whitespace as written; emails (`email=True`) trim the lines around block tags
    so their text parts read as typed, and refuse an undefined value (`strict`) instead of sending
    an empty sentence.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=html_autoescape,
        undefined=jinja2.StrictUndefined if strict else jinja2.Undefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=email,
        lstrip_blocks=email,
        keep_trailing_newline=email,
    )
    env.install_gettext_translations(ReaderTranslations(), newstyle=True)  # type: ignore[attr-defined]
    env.globals["gettext"] = env.globals["_"] = template_gettext
    env.filters["long_date"] = format_date
    env.filters["short_date"] = lambda value: format_date(value, SHORT_DATE)
    env.filters["number"] = format_number
    env.filters["figure"] = format_figure
    env.filters["share"] = format_share
    env.filters["status_label"] = status_label
    env.filters["status_word"] = status_word
    env.filters["role_label"] = role_label
    env.filters["audience_label"] = audience_label
    env.filters["level_name"] = level_name
    env.filters["ltr"] = ltr_filter
    env.filters["ltr_text"] = ltr
    env.filters["isolate"] = isolate
    env.filters["direction_of"] = direction_of
    env.globals["current_locale"] = current_locale
    env.globals["text_direction"] = text_direction
    env.globals["start_side"] = start_side
    env.globals["end_side"] = end_side
    return env
