"""Who reads in which language (docs/design.md "Languages"): the person's choice, set from the
browser at the first sign-in and changed on the account page or PATCH /api/auth/me; anonymous
pages follow Accept-Language; Arabic pages are right to left."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from models.engine import fetch
from models.services.sessions import login
from models.words import SUPPORTED_LANGUAGES, negotiate_language, parse_accept_language, text_direction
from tests.api.support import DONOR, FOCAL_NRA
from tests.conftest import DEMO_PASSWORD


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "fr"),
        ("de-DE, es;q=0.4, ar;q=0.6", "ar"),
        ("en-US,en;q=0.9,ar;q=1.0", "en"),
        ("es-419", "es"),
        ("fr;q=0, es", "es"),
        ("de, it", "en"),
        ("", "en"),
        ("fr;q=abc, ar", "ar"),
    ],
)
def test_accept_language_is_read_with_its_weights(header: str, language: str) -> None:
    assert negotiate_language(header) == language


def test_the_supported_languages_and_their_direction() -> None:
    assert SUPPORTED_LANGUAGES == ("en", "fr", "es", "ar")
    assert parse_accept_language("a;q=0.1, b, c;q=0.5") == ["b", "c", "a"]
    assert [text_direction(code) for code in SUPPORTED_LANGUAGES] == ["ltr", "ltr", "ltr", "rtl"]


async def test_the_first_sign_in_takes_the_browser_language_and_the_account_changes_it(
    client: httpx.AsyncClient, demo: Any
) -> None:
    await fetch("UPDATE person SET language = '' WHERE email = {}", FOCAL_NRA)
    signed = await client.post(
        "/api/auth/login",
        json={"email": FOCAL_NRA, "password": DEMO_PASSWORD},
        headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"},
    )
    assert signed.status_code == 200 and signed.json()["language"] == "fr"
    headers = {"X-CSRF-Token": signed.json()["csrf_token"]}
    # A later sign-in from an English browser keeps the choice.
    await login(FOCAL_NRA, DEMO_PASSWORD, "127.0.0.1", "en")
    page = await client.get("/account", headers={"Accept-Language": "es"})
    assert '<html lang="fr" dir="ltr">' in page.text
    assert 'id="language-fr" name="language" value="fr" checked' in page.text

    wrong = await client.patch("/api/auth/me", json={"language": "de"}, headers=headers)
    assert wrong.status_code == 400 and "language" in wrong.text
    changed = await client.patch("/api/auth/me", json={"language": "ar"}, headers=headers)
    assert changed.status_code == 200 and changed.json()["language"] == "ar"
    page = await client.get("/account")
    assert '<html lang="ar" dir="rtl">' in page.text
    # The JSON API keeps its English codes whatever the language.
    assert (await client.get("/api/auth/me")).json()["email_frequency"] == "daily"

    form = page.text.split('name="_csrf" value="')[1].split('"')[0]
    saved = await client.post(
        "/account",
        data={"_csrf": form, "name": "Focal NRA", "email_frequency": "daily", "language": "es"},
    )
    assert saved.status_code == 303
    rows = await fetch("SELECT language FROM person WHERE email = {}", FOCAL_NRA)
    assert rows[0]["language"] == "es"


async def test_anonymous_pages_follow_accept_language(client: httpx.AsyncClient, demo: Any) -> None:
    arabic = await client.get("/login", headers={"Accept-Language": "ar-EG,ar;q=0.9"})
    assert '<html lang="ar" dir="rtl">' in arabic.text
    english = await client.get("/login", headers={"Accept-Language": "de"})
    assert '<html lang="en" dir="ltr">' in english.text
    missing = await client.get("/no-such-page", headers={"Accept-Language": "es"})
    assert missing.status_code == 404 and '<html lang="es" dir="ltr">' in missing.text


async def test_a_person_who_never_signed_in_reads_english_until_they_choose(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    await fetch("UPDATE person SET language = '' WHERE email = {}", DONOR)
    rows = await fetch("SELECT language FROM person WHERE email = {}", DONOR)
    assert rows[0]["language"] == ""
    headers = await sign_in(DONOR)
    assert (await client.get("/api/auth/me", headers=headers)).json()["language"] == "en"


async def test_exports_take_lang_and_default_to_the_callers_language(
    client: httpx.AsyncClient, demo: Any, sign_in: Any, translated_catalogs: Any
) -> None:
    import io

    from openpyxl import load_workbook

    from models.words import translate

    headers = await sign_in(DONOR)
    url = "/api/exports/2026-H1/comparison.xlsx"
    english = load_workbook(io.BytesIO((await client.get(url, headers=headers)).content))
    assert "Read me" in english.sheetnames
    french = load_workbook(io.BytesIO((await client.get(url + "?lang=fr", headers=headers)).content))
    assert translate("Read me", locale="fr") in french.sheetnames and "Read me" not in french.sheetnames
    await client.patch("/api/auth/me", json={"language": "ar"}, headers=headers)
    arabic = load_workbook(io.BytesIO((await client.get(url, headers=headers)).content))
    assert translate("Read me", locale="ar") in arabic.sheetnames
    csv = await client.get("/api/exports/2026-H1/comparison.csv?lang=es", headers=headers)
    assert csv.status_code == 200 and "Organization" not in csv.text.splitlines()[0]
    wrong = await client.get(url + "?lang=xx", headers=headers)
    assert wrong.status_code == 400 and "lang" in wrong.text


def test_charts_speak_the_readers_language_and_mirror_for_right_to_left() -> None:
    from models.words import speaking
    from scorecards.svg import AreaBar, area_levels_chart, index_history_chart

    bars = [AreaBar("Politique", 3, 4, 2.5)]
    with speaking("fr"):
        french = str(area_levels_chart("c", bars))
    assert "2,5" in french and "3 En place (autoévaluation 4)" in french
    with speaking("ar"):
        arabic = str(area_levels_chart("c", bars))
    # The levels chart is an HTML table: a right-to-left page puts its names column on the right,
    # and its marks stand from the right edge of the plot (the median 2.5 at 62.5% of it).
    assert 'dir="ltr"' in french.split(">")[0] and 'dir="rtl"' in arabic.split(">")[0]
    for chart, side, other in ((french, "left", "right"), (arabic, "right", "left")):
        assert f"{side}:0;width:75%" in chart and f"{side}:62.5%" in chart and f"{other}:62.5%" not in chart
    # The index history is still an svg, mirrored by its coordinates.
    with speaking("fr"):
        assert 'direction="ltr"' in str(index_history_chart("h", [("2025-H2", 50.0), ("2026-H1", 62.5)]))
    with speaking("ar"):
        assert 'direction="rtl"' in str(index_history_chart("h", [("2025-H2", 50.0), ("2026-H1", 62.5)]))
