"""Emails in the recipient's language (docs/design.md "Languages"): subject, text and HTML written in
it at sending time, with a Content-Language header and the HTML's lang and dir, through the real
SMTP test server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from models import words
from models.engine import fetch
from models.settings import Settings
from reminders.check import run_check
from reminders.emails import EmailRenderer
from reminders.sender import deliver_due
from tests.conftest import TODAY
from tests.reminders import world


async def test_each_recipient_reads_their_email_in_their_language(
    db: str, mail_settings: Settings, smtp_server: Any, translated_catalogs: Path
) -> None:
    people = {}
    for language in words.SUPPORTED_LANGUAGES:
        org = await world.organization(f"L{language.upper()}", champion_seniority=None)
        commitment = await world.commitment(org, title=f"Titre écrit par {language}")
        await world.milestone(commitment, TODAY + dt.timedelta(days=3))
        await fetch("UPDATE person SET language = {} WHERE id = {}", language, org.focal)
        people[language] = org
    await run_check(mail_settings, day=TODAY)
    await deliver_due(mail_settings)

    renderer = EmailRenderer(mail_settings.base_url)
    for language, org in people.items():
        (mail,) = [m for m in smtp_server.to(org.focal_email) if m.message["Content-Language"]]
        assert mail.message["Content-Language"] == language
        (row,) = await fetch(
            "SELECT rule, context, link FROM reminder WHERE recipient = {} AND status = 'sent'", org.focal
        )
        with words.speaking("en"):
            english = renderer.render(row["rule"], row["context"], row["link"], f"Focal {org.acronym}")
        html = mail.html
        assert f'<html lang="{language}" dir="{words.text_direction(language)}">' in html
        assert f"Titre écrit par {language}" in html  # user-written text stays as written
        assert words.translate("Choose how often you get emails, or turn some off", locale=language) in html
        if language == "en":
            assert mail.message["Subject"] == english.subject
            continue
        assert mail.message["Subject"] != english.subject
        assert mail.text.strip() != english.text.strip()
        assert "Choose how often you get emails" not in html
