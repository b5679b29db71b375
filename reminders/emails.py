"""Reminder emails: Jinja2 subject/text/HTML triples per rule, and header-safe MIME messages.

Templates live in `templates/emails/<rule>/{subject.txt,body.txt,body.html}.jinja` and are rendered
by the one template environment of `models.words` (gettext, Babel dates and plurals); only the HTML
part is autoescaped. Every header value passes through `one_line`, and recipients are built with
`email.headerregistry.Address`, so a carriage return or line feed in a name or a title can never
start a new header. Links are absolute, built from BASE_URL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from functools import lru_cache
from typing import Any
from urllib.parse import urlparse

import jinja2
import msgspec

from models.words import DEFAULT_LOCALE, gettext, ngettext, supported_language, template_environment

SUBJECT_MAX = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ADDRESS = re.compile(r"[^@\s<>()\[\]\\,;:\"]+@[A-Za-z0-9.-]+")


class InvalidAddress(ValueError):
    """A recipient address that cannot be used in an envelope or a header."""


def one_line(value: Any, limit: int | None = None) -> str:
    """Collapse every kind of line break and control character to single spaces."""
    text = _CONTROL.sub(" ", str(value))
    text = " ".join(text.split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


_encode_json = msgspec.json.Encoder(order="sorted").encode


def context_json(context: Mapping[str, Any]) -> str:
    """A rule's template values as stored in `Reminder.context` (dates become ISO strings)."""
    return _encode_json(context).decode()


def due_in(days_left: int) -> str:
    """When a deadline falls, as the middle of a sentence: today, tomorrow, in 5 days."""
    if days_left == 0:
        return gettext("today")
    if days_left == 1:
        return gettext("tomorrow")
    return ngettext("in %(num)s day", "in %(num)s days", days_left)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    link: str


class EmailRenderer:
    """Renders a rule's three templates with titles, dates and a link; nothing else is passed in."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.env = template_environment(strict=True, email=True)
        self.env.filters["one_line"] = one_line
        self.env.globals["due_in"] = due_in
        self._cache: dict[str, tuple[jinja2.Template, jinja2.Template, jinja2.Template]] = {}

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def _templates(self, rule: str) -> tuple[jinja2.Template, jinja2.Template, jinja2.Template]:
        if rule not in self._cache:
            self._cache[rule] = (
                self.env.get_template(f"emails/{rule}/subject.txt.jinja"),
                self.env.get_template(f"emails/{rule}/body.txt.jinja"),
                self.env.get_template(f"emails/{rule}/body.html.jinja"),
            )
        return self._cache[rule]

    def _values(self, context: Mapping[str, Any] | str, link: str, recipient_name: str) -> dict[str, Any]:
        values = json.loads(context) if isinstance(context, str) else dict(context)
        values.update(
            recipient_name=one_line(recipient_name),
            link=link,
            base_url=self.base_url,
            preferences_link=f"{self.base_url}/account",
        )
        return values

    def subject(self, rule: str, context: Mapping[str, Any] | str) -> str:
        values = self._values(context, "", "")
        return one_line(self._templates(rule)[0].render(values), SUBJECT_MAX)

    def render(
        self, rule: str, context: Mapping[str, Any] | str, link: str, recipient_name: str
    ) -> RenderedEmail:
        """The three parts of a rule's email; `context` is a mapping or its stored JSON."""
        subject_t, text_t, html_t = self._templates(rule)
        values = self._values(context, link, recipient_name)
        return RenderedEmail(
            subject=one_line(subject_t.render(values), SUBJECT_MAX),
            text=text_t.render(values),
            html=html_t.render(values),
            link=link,
        )


@lru_cache(maxsize=1)
def _subject_renderer() -> EmailRenderer:
    return EmailRenderer("")


def subject_of(rule: str, context: Mapping[str, Any] | str) -> str:
    """A reminder's subject line, for listings of reminders not sent yet."""
    return _subject_renderer().subject(rule, context)


def mail_domain(sender: str, base_url: str) -> str:
    """The domain for Message-IDs: the sender address's, else BASE_URL's host."""
    addresses = getaddresses([sender])
    if addresses and "@" in addresses[0][1]:
        return one_line(addresses[0][1].rsplit("@", 1)[1]).replace(" ", "") or "localhost"
    return urlparse(base_url).hostname or "localhost"


def message_id_for(dedupe_key: str, domain: str) -> str:
    """The same Message-ID on every attempt, so a mail client shows a resent reminder once."""
    digest = hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]
    return f"<reminder.{digest}@{domain}>"


def check_address(email: str) -> str:
    email = email.strip()
    if not _ADDRESS.fullmatch(email):
        raise InvalidAddress(f"{email!r} is not a usable email address")
    return email


def sender_address(sender: str) -> tuple[str, str]:
    """(header value, envelope address) of SMTP_FROM, each on one line."""
    name, address = getaddresses([one_line(sender)])[0]
    address = check_address(address)
    header = str(Address(display_name=one_line(name), addr_spec=address)) if name else address
    return header, address


def build_message(
    *,
    sender: str,
    recipient_email: str,
    recipient_name: str,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    now: dt.datetime,
    unsubscribe_url: str = "",
    language: str = DEFAULT_LOCALE,
) -> EmailMessage:
    """A multipart/alternative message whose headers cannot be split by the values put in them."""
    header_from, _ = sender_address(sender)
    address = check_address(recipient_email)
    message = EmailMessage()
    message["From"] = header_from
    message["To"] = Address(display_name=one_line(recipient_name), addr_spec=address)
    message["Subject"] = one_line(subject, SUBJECT_MAX)
    message["Date"] = format_datetime(now.astimezone(dt.UTC))
    message["Message-ID"] = one_line(message_id)
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe_url:
        # RFC 8058: the mail client posts "List-Unsubscribe=One-Click" to the URL, no sign-in needed.
        message["List-Unsubscribe"] = f"<{one_line(unsubscribe_url).replace(' ', '')}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    # The language the subject and both bodies are written in (RFC 3282); set after the bodies,
    # which clear every Content- header.
    message["Content-Language"] = supported_language(language) or DEFAULT_LOCALE
    return message
