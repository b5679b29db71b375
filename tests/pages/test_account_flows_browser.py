"""The account, invitation and password-reset pages in Chromium, each checked by axe-core: the
secretariat invites a person who sets a password and arrives signed in; a person who forgot theirs
asks for a link and chooses a new one; a person changes their own account and password.

The live server sends no email (nothing listens on its SMTP port); the link an email would carry is
issued here with the same service the sender uses (`account_tokens.issue`), and delivery is tested
with a real SMTP server in tests/mail/test_invitations_and_reset.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from models.demo import DEMO_DOMAIN, DEMO_PASSWORD
from models.engine import fetch
from models.services import account_tokens
from tests.pages.harness import assert_accessible, log_in, log_out, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NEW_PASSWORD = "a-brand-new-password"


async def choose_password(page: Any, password: str, again: str | None = None) -> None:
    await page.get_by_label("New password").fill(password)
    await page.get_by_label("The same password again").fill(again if again is not None else password)


async def test_an_invited_person_sets_a_password_and_arrives_signed_in(page: Any, live_demo: Any) -> None:
    await log_in(page, f"secretariat@{DEMO_DOMAIN}", DEMO_PASSWORD)
    await page.goto("/admin/people/new")
    await assert_accessible(page)
    await page.get_by_label("Name").fill("Nadia Focal")
    await page.get_by_label("Email").fill("nadia@example.org")
    await page.get_by_role("button", name="Add the person").click()
    await page.wait_for_load_state("domcontentloaded")
    assert "an invitation email is on its way" in await page.content()
    await page.goto("/admin/people?q=nadia")
    assert await page.get_by_role("button", name="Send the invitation again to Nadia Focal").count() == 1
    await assert_accessible(page)
    await log_out(page)

    # Not accepted yet: the invitee cannot log in, and the login page says what to do.
    await log_in(page, "nadia@example.org", "any password at all")
    assert "/login" in page.url and "invitation email" in await page.content()
    await assert_accessible(page)

    (person,) = await fetch("SELECT id FROM person WHERE email = 'nadia@example.org'")
    token = await account_tokens.issue(int(person["id"]), account_tokens.INVITATION)
    await page.goto(f"/invitation/{token}")
    await assert_accessible(page)
    await choose_password(page, NEW_PASSWORD, "something else entirely")
    await page.get_by_role("button", name="Set my password").click()
    await page.wait_for_load_state("domcontentloaded")
    assert await page.locator(".error-summary").count() == 1
    await assert_accessible(page)
    await choose_password(page, NEW_PASSWORD)
    await page.get_by_role("button", name="Set my password").click()
    await page.wait_for_load_state("domcontentloaded")
    assert urlsplit(page.url).path == "/" and "Welcome, Nadia Focal." in await page.content()
    await screenshot(page, "invitation-accepted")
    await log_out(page)

    # Used once: the link now says so, accessibly.
    answer = await page.goto(f"/invitation/{token}")
    assert answer is not None and answer.status == 404
    await assert_accessible(page)
    await log_in(page, "nadia@example.org", NEW_PASSWORD)
    assert "/login" not in page.url


async def test_a_person_resets_a_forgotten_password_from_the_link(page: Any, live_demo: Any) -> None:
    email = f"focal.nra@{DEMO_DOMAIN}"
    await page.goto("/login")
    await page.get_by_role("link", name="Forgot your password?").click()
    await page.wait_for_load_state("domcontentloaded")
    await assert_accessible(page)
    await page.get_by_label("Email").fill(email)
    await page.get_by_role("button", name="Send me a link").click()
    await page.wait_for_load_state("domcontentloaded")
    assert "a link to choose a new password is on its way" in await page.content()
    await assert_accessible(page)
    assert await fetch(
        "SELECT id FROM reminder WHERE rule = 'password_reset' AND recipient_email = {}", email
    )

    (person,) = await fetch("SELECT id FROM person WHERE email = {}", email)
    token = await account_tokens.issue(int(person["id"]), account_tokens.RESET)
    await page.goto(f"/password-reset/set/{token}")
    await assert_accessible(page)
    await choose_password(page, "short")
    await page.get_by_role("button", name="Change my password").click()
    await page.wait_for_load_state("domcontentloaded")
    assert await page.locator(".error-summary").count() == 1
    await assert_accessible(page)
    await choose_password(page, NEW_PASSWORD)
    await page.get_by_role("button", name="Change my password").click()
    await page.wait_for_load_state("domcontentloaded")
    assert "/login" in page.url and "every session ended" in await page.content()
    await screenshot(page, "password-reset-done")
    await log_in(page, email, NEW_PASSWORD)
    assert "/login" not in page.url


async def test_a_person_changes_their_account_and_password_on_the_account_page(
    page: Any, live_demo: Any
) -> None:
    email = f"focal.usp@{DEMO_DOMAIN}"
    await log_in(page, email, DEMO_PASSWORD)
    await page.goto("/account")
    await assert_accessible(page)
    await page.get_by_label("Job title").fill("Protection adviser")
    await page.get_by_role("button", name="Save").click()
    await page.wait_for_load_state("domcontentloaded")
    assert "Your account was saved." in await page.content()
    await page.get_by_label("Current password").fill("not the password")
    await page.get_by_label("New password").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Change the password").click()
    await page.wait_for_load_state("domcontentloaded")
    assert await page.locator(".error-summary").count() == 1
    await assert_accessible(page)
    await page.get_by_label("Current password").fill(DEMO_PASSWORD)
    await page.get_by_label("New password").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Change the password").click()
    await page.wait_for_load_state("domcontentloaded")
    assert "Your password was changed" in await page.content()
    await assert_accessible(page)
    await screenshot(page, "account-password-changed")
