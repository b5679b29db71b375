"""Codes inside right-to-left sentences (docs/design.md "Languages"): in Arabic, a cycle such as
2026-H1 or an email address is set apart so that the bidi algorithm cannot reorder it (H1-2026);
in English, French and Spanish nothing changes, byte for byte."""

from __future__ import annotations

import pytest

from models import words
from models.words import FSI, LRI, PDI, isolate, ltr, speaking, template_environment
from reminders.emails import EmailRenderer

ISOLATES = (LRI, FSI, PDI)
LEFT_TO_RIGHT = ("en", "fr", "es")


def test_a_code_is_isolated_as_plain_text_in_arabic_only() -> None:
    assert ltr("2026-H1", "ar") == f"{LRI}2026-H1{PDI}"
    assert isolate("NRA", "ar") == f"{FSI}NRA{PDI}"
    assert ltr(ltr("2026-H1", "ar"), "ar") == f"{LRI}2026-H1{PDI}"  # isolated once, however often asked
    assert ltr("", "ar") == "" and isolate("", "ar") == ""
    for locale in LEFT_TO_RIGHT:
        assert ltr("2026-H1", locale) == "2026-H1" and isolate("NRA", locale) == "NRA"
    with speaking("ar"):
        assert ltr("2026-H1") == f"{LRI}2026-H1{PDI}"


def test_the_ltr_filter_is_markup_in_html_and_isolates_in_text() -> None:
    env = template_environment()
    html = env.from_string(
        "{% autoescape true %}{% trans cycle=c | ltr %}Reporting in {{ cycle }}{% endtrans %}{% endautoescape %}"
    )
    text = env.from_string("{{ _('Reporting in %(cycle)s', cycle=c | ltr) }} <{{ c | ltr_text }}>")
    with speaking("ar"):
        arabic_html, arabic_text = html.render(c="2026-H1<"), text.render(c="2026-H1")
    assert '<bdi dir="ltr">2026-H1&lt;</bdi>' in arabic_html
    assert f"{LRI}2026-H1{PDI}" in arabic_text and f"<{LRI}2026-H1{PDI}>" in arabic_text
    for locale in LEFT_TO_RIGHT:
        with speaking(locale):
            assert "bdi" not in html.render(c="2026-H1")
            assert not set(text.render(c="2026-H1")) & set(ISOLATES)


def test_python_formatted_messages_isolate_their_codes_in_arabic() -> None:
    message = "Cycle %(cycle)s opened."
    assert f"{LRI}2026-H1{PDI}" in words.translate(message, {"cycle": "2026-H1"}, locale="ar")
    with speaking("ar"):
        assert f"{LRI}2026-H1{PDI}" in words.gettext(message, cycle="2026-H1")
        assert f"{LRI}a@b.example{PDI}" in words.gettext(
            "Invitation sent again to %(email)s.", email="a@b.example"
        )
        assert words.gettext("%(count)s", count=3) == "3"  # only codes: a count is not isolated
    for locale in LEFT_TO_RIGHT:
        assert words.translate(message, {"cycle": "2026-H1"}, locale=locale).count("2026-H1") == 1
        assert not set(words.translate(message, {"cycle": "2026-H1"}, locale=locale)) & set(ISOLATES)


CONTEXT = {"cycle_name": "2026-H1", "organization_name": "Northbridge Relief", "organization_acronym": "NRA"}


@pytest.mark.parametrize("locale", [*LEFT_TO_RIGHT, "ar"])
def test_an_emails_subject_text_and_html_isolate_the_cycle_in_arabic_only(locale: str) -> None:
    with speaking(locale):
        email = EmailRenderer("https://cop.example").render(
            "report_published", CONTEXT, "https://cop.example/x/2026-H1", "Ana"
        )
    if locale == "ar":
        assert f"{LRI}2026-H1{PDI}" in email.subject and f"{LRI}2026-H1{PDI}" in email.text
        assert '<bdi dir="ltr">2026-H1</bdi>' in email.html
        assert "\n" not in email.subject and "\r" not in email.subject
    else:
        for part in (email.subject, email.text, email.html):
            assert not set(part) & set(ISOLATES) and "<bdi" not in part
    assert "https://cop.example/x/2026-H1" in email.text  # the link itself is never wrapped


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("Train field staff", "ltr"),
        ("تدريب الموظفين", "rtl"),
        ("שלום", "rtl"),
        ("2026: تدريب", "rtl"),  # digits and punctuation are weak: the first letter decides
        ("(1) Train", "ltr"),
        (f"{FSI}تدريب{PDI} for NRA", "ltr"),  # an isolated run does not decide (rule P2)
        (f"{LRI}2026-H1{PDI} تقرير", "rtl"),
    ],
)
def test_the_direction_of_what_people_write_is_its_first_strong_letters(text: str, direction: str) -> None:
    for locale in ("en", "ar"):
        assert words.direction_of(text, locale) == direction


def test_text_without_a_letter_takes_the_languages_direction() -> None:
    assert words.direction_of("2026", "en") == "ltr" and words.direction_of("2026", "ar") == "rtl"
    assert words.direction_of("", "ar") == "rtl" and words.direction_of(None, "en") == "ltr"
    with speaking("ar"):
        assert words.direction_of("42 %") == "rtl"
    html = template_environment().from_string('<td dir="{{ title | direction_of }}">{{ title }}</td>')
    with speaking("ar"):
        assert html.render(title="Train staff") == '<td dir="ltr">Train staff</td>'
    assert html.render(title="تدريب") == '<td dir="rtl">تدريب</td>'
