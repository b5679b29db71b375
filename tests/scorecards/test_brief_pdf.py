"""The champion's brief (PDF): what it says, to whom, and what happens without WeasyPrint."""

from __future__ import annotations

import builtins
import datetime as dt
import re
import subprocess
import unicodedata
from pathlib import Path

import httpx
import msgspec
import pytest
import time_machine

from models.engine import fetch
from models.errors import UserError
from models.vocabulary import LEVELS, ORG_TYPE_LABELS
from models.words import format_figure, gettext, speaking, template_environment
from scorecards.brief import (
    OVERDUE_LISTED,
    PdfUnavailable,
    brief_html,
    brief_pdf,
    html_to_pdf,
    overdue_milestones,
    report_pdf,
)
from scorecards.cards import scorecard_read
from scorecards.engine import AREA_FLAG_LABELS, FLAG_LABELS
from scorecards.svg import AreaBar, area_levels_chart
from tests.api.support import org_id
from tests.conftest import TODAY
from tests.scorecards.test_export_confidentiality import INTERNAL, OPEN_CYCLE, PEER_ONLY, plant_markers

LIVE_ONLY = "ZQXLIVEMILESTONEMARKER"
DONOR = "donor@demo.cop-tracker.example"
FOCAL = "focal.nra@demo.cop-tracker.example"
SECRETARIAT = "secretariat@demo.cop-tracker.example"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(dt.datetime.combine(TODAY, dt.time(10), tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
async def planted(demo) -> None:
    await plant_markers()


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


# The direction marks, embeddings and isolates pdftotext writes around right-to-left text.
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def pdf_info(content: bytes) -> str:
    return subprocess.run(["pdfinfo", "-"], input=content, capture_output=True, check=True).stdout.decode()


def brief_url(org: int, cycle: str = "2026-H1") -> str:
    return f"/api/organizations/{org}/scorecards/{cycle}/brief.pdf"


async def test_the_brief_shows_the_scorecards_numbers_on_two_pages_at_most(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    nra = await org_id("NRA")
    headers = await sign_in(DONOR)
    card = (await client.get(f"/api/organizations/{nra}/scorecards/2026-H1", headers=headers)).json()
    response = await client.get(brief_url(nra), headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="cop-brief-NRA-2026-H1-donor.pdf"'
    text = pdf_text(response.content)
    assert "2026-H1" in text and "NRA" in text
    assert str(card["figures"]["index"]) in text
    for area in card["areas"]:
        assert area["name"] in text
    info = pdf_info(response.content)
    assert "Title:           NRA brief 2026-H1" in info
    assert "Tagged:          yes" in info
    assert int(info.split("Pages:")[1].split()[0]) <= 2
    assert "A4" in info


async def test_the_brief_is_in_the_readers_language_right_to_left_for_arabic(demo) -> None:
    nra = await org_id("NRA")
    card = await scorecard_read(nra, "2026-H1", "donor", TODAY)
    with speaking("ar"):
        html = brief_html(card, "donor")
        arabic_pdf = (await brief_pdf(nra, "2026-H1", "donor", TODAY)).content
        arabic = pdf_text(arabic_pdf)
    assert '<html lang="ar" dir="rtl">' in html
    with speaking("fr"):
        french = brief_html(card, "donor")
    assert '<html lang="fr" dir="ltr">' in french and "Résumé" in french
    # pdftotext writes a left-to-right run of an RTL line in display order: the cycle, isolated
    # (docs/design.md "Languages"), is drawn 2026-H1, never H1-2026 as the bare code would be.
    # Its bidi controls are dropped before looking.
    shown = BIDI_CONTROLS.sub("", arabic)
    assert "2026-H1" in shown and "H1-2026" not in shown
    # So is an ISO date, which Arabic's bidi would draw 30-06-2026.
    assert "2026-06-30" in shown and "30-06-2026" not in shown
    # The PDF's title (its metadata: plain text, no markup) isolates the cycle with Unicode's
    # controls; the English title is unchanged.
    title = pdf_info(arabic_pdf).split("Title:")[1].splitlines()[0]
    assert "\u20662026-H1\u2069" in title and "<bdi" not in title


@pytest.mark.parametrize(("lang", "label"), [("fr", "bailleur de fonds"), ("ar", "جهة مانحة")])
async def test_the_brief_names_its_audience_in_the_readers_language(demo, lang: str, label: str) -> None:
    # The footer says which view was printed with the audience's word (models/words.py
    # AUDIENCE_LABELS), never its English code inside a translated sentence.
    with speaking(lang):
        content = (await brief_pdf(await org_id("NRA"), "2026-H1", "donor", TODAY)).content
    # From the start of the footer's line: pdftotext writes an Arabic line in reading or in drawn
    # order, as it guesses the direction of the page's text, so "CoP Tracker" may come first or last.
    text = BIDI_CONTROLS.sub("", pdf_text(content))
    footer = " ".join(text[text.rfind("\n", 0, text.rindex("CoP Tracker")) + 1 :].split())
    assert label in footer and "donor" not in footer.lower()
    assert "donor" not in pdf_info(content).lower()


def level_words(level: int, self_level: int) -> str:
    return f"{level} {gettext(LEVELS[level])} " + gettext("(self %(level)s)", level=self_level)


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
async def test_every_label_of_the_briefs_levels_chart_is_whole(demo, lang: str) -> None:
    # Each level once, each self-assessed one level apart: the longest labels the chart can show
    # ("4 Institutionnalisé (autoévaluation 3)"). Before, the chart cut them at its right edge.
    nra = await org_id("NRA")
    card = await scorecard_read(nra, "2026-H1", "donor", TODAY)
    areas = [
        msgspec.structs.replace(area, level=level, self_level=level + 1 if level < 4 else 3)
        for level, area in zip(range(5), card.areas, strict=False)
    ]
    card = msgspec.structs.replace(card, areas=areas)
    with speaking(lang):
        text = " ".join(pdf_text(html_to_pdf(brief_html(card, "donor"))[0]).split())
        for area in areas:
            assert level_words(area.level, area.self_level) in text
        # The legend's longest median label, as a cycle no one has published yet shows it.
        legend = [
            gettext("counted level"),
            gettext("self-assessed"),
            gettext("peer median (none published yet)"),
        ]
        chart = area_levels_chart(
            "c", [AreaBar("A much longer area name than the demo's", 4, 3, 2.5)], legend[2]
        )
        style = template_environment().get_template("briefs/_style.html.jinja").render()
        page = f'<html lang="{lang}"><head>{style}</head><body>{chart}</body></html>'
        drawn = " ".join(pdf_text(html_to_pdf(page)[0]).split())
        assert "A much longer area name than the demo's" in drawn and level_words(4, 3) in drawn
    for words in legend:
        assert words in drawn


def pdf_words(content: bytes) -> list[tuple[str, float, float]]:
    """Each word pdftotext finds, with its left and top edges (points)."""
    boxes = subprocess.run(
        ["pdftotext", "-bbox", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    found = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)</word>', boxes
    )
    return [(text, float(x), float(y)) for x, y, text in found]


async def retitle_the_most_overdue_milestone(nra: int, title: str) -> None:
    card = await scorecard_read(nra, OPEN_CYCLE, "internal", TODAY)
    first = (await overdue_milestones(card, "internal")).listed[0]
    await fetch("UPDATE milestone SET title = {} WHERE title = {}", title, first.title)


async def test_what_people_write_keeps_its_own_direction_in_a_pdf_of_either_direction(demo) -> None:
    # WeasyPrint ignores dir="auto": each title gets dir="ltr" or dir="rtl" from its first strong
    # letter. An English title in an Arabic brief reads left to right: its full stop ends it,
    # instead of standing at its left as a right-to-left paragraph puts it (".Zebrafield").
    nra = await org_id("NRA")
    await retitle_the_most_overdue_milestone(nra, "Zebrafield staff trained.")
    with speaking("ar"):
        arabic = (await brief_pdf(nra, OPEN_CYCLE, "internal", TODAY)).content
    words = {text: (x, y) for text, x, y in pdf_words(arabic)}
    assert "Zebrafield" in words and "trained." in words and ".Zebrafield" not in words
    assert words["Zebrafield"][0] < words["trained."][0] and words["Zebrafield"][1] == words["trained."][1]
    # An Arabic title in an English brief stands at the right of its column (its start), not at the
    # left edge where the column's English heading starts.
    await retitle_the_most_overdue_milestone(nra, "تدريب الموظفين الميدانيين.")
    english = pdf_words((await brief_pdf(nra, OPEN_CYCLE, "internal", TODAY)).content)
    heading = next(x for text, x, _y in english if text == "Milestone")
    arabic_words = [x for text, x, _y in english if re.search("[\u0600-\u06ff\ufb50-\ufeff]", text)]
    assert arabic_words and min(arabic_words) > heading + 40
    with speaking("ar"):
        html = brief_html(await scorecard_read(nra, OPEN_CYCLE, "internal", TODAY), "internal", None)
    assert 'dir="auto"' not in html


@pytest.mark.slow  # the cycle report of 14 organizations in Arabic: about 5 s
async def test_the_arabic_cycle_report_draws_codes_and_dates_left_to_right(demo) -> None:
    with speaking("ar"):
        arabic = pdf_text((await report_pdf("2026-H1", "donor", TODAY)).content)
    shown = BIDI_CONTROLS.sub("", arabic)
    first_page = shown.split("\f")[0]
    assert "2026-H1" in first_page.splitlines()[0] and "H1-2026" not in shown
    assert "2026-06-30" in first_page and "30-06-2026" not in shown


@pytest.mark.slow  # six PDFs: about 3 s
async def test_internal_text_never_reaches_a_donors_or_peers_brief(planted) -> None:
    nra = await org_id("NRA")
    # After publishing, the live titles of the overdue milestones change: outsiders' briefs list
    # the milestones as published, never the live rows.
    published = await fetch(
        "SELECT m.title FROM milestone m JOIN commitment c ON c.id = m.commitment "
        "WHERE c.organization = {} AND m.status NOT IN ('done', 'dropped') AND m.due_date < {} "
        "AND m.due_date >= '2026-07-01' ORDER BY m.due_date, m.id",
        nra,
        TODAY,
    )
    assert published, "the demo's NRA has overdue milestones in the open cycle"
    await fetch(
        "UPDATE milestone SET title = {} || title WHERE commitment IN "
        "(SELECT id FROM commitment WHERE organization = {})",
        f"{LIVE_ONLY} ",
        nra,
    )
    for audience in ("donor", "peer"):
        text = pdf_text((await brief_pdf(nra, OPEN_CYCLE, audience, TODAY)).content)
        assert INTERNAL.lower() not in text.lower(), audience
        assert PEER_ONLY.lower() not in text.lower(), audience
        assert LIVE_ONLY.lower() not in text.lower(), audience
        assert "Overdue milestones, most overdue first" in text, audience
        assert published[0]["title"][:25] in text, audience
        report = pdf_text((await report_pdf(OPEN_CYCLE, audience, TODAY)).content)
        assert INTERNAL.lower() not in report.lower(), audience
    # The control: the internal brief does print the markers (an expectation answer's note, and
    # the live titles of the overdue milestones).
    internal = pdf_text((await brief_pdf(nra, OPEN_CYCLE, "internal", TODAY)).content)
    assert INTERNAL in internal and LIVE_ONLY in internal


async def test_the_brief_lists_overdue_milestones_most_overdue_first_within_two_pages(demo) -> None:
    """The open cycle's internal brief of the demo organization with the most overdue milestones,
    and more of them than the brief lists: at most two pages, with an "and N more" line."""
    overdue = await fetch(
        "SELECT c.organization, COUNT(*) AS n FROM milestone m JOIN commitment c ON c.id = m.commitment "
        "WHERE m.status NOT IN ('done', 'dropped') AND m.due_date < {} AND m.due_date >= '2026-07-01' "
        "GROUP BY c.organization ORDER BY COUNT(*) DESC, c.organization",
        TODAY,
    )
    org = int(overdue[0]["organization"])
    commitment = (await fetch("SELECT MIN(id) AS id FROM commitment WHERE organization = {}", org))[0]["id"]
    for day in range(1, OVERDUE_LISTED + 6):
        await fetch(
            "INSERT INTO milestone (commitment, title, due_date, status, drop_reason, version, "
            "timeframe_text, date_flags, derived_state, created_at) "
            "VALUES ({}, {}, {}, 'planned', '', 1, '', '', '', {})",
            commitment,
            f"Milestone number {day} with a long title that wraps onto a second line of the cell",
            dt.date(2026, 7, day),
            dt.datetime(2026, 6, 1, tzinfo=dt.UTC),
        )
    card = await scorecard_read(org, OPEN_CYCLE, "internal", TODAY)
    listed = await overdue_milestones(card, "internal")
    assert listed.total == card.figures.overdue > OVERDUE_LISTED
    assert len(listed.listed) == OVERDUE_LISTED and listed.more == listed.total - OVERDUE_LISTED
    days = [item.days for item in listed.listed]
    assert days == sorted(days, reverse=True) and days[0] == (TODAY - dt.date(2026, 7, 1)).days
    brief = await brief_pdf(org, OPEN_CYCLE, "internal", TODAY)
    text = pdf_text(brief.content)
    assert brief.pages <= 2 and int(pdf_info(brief.content).split("Pages:")[1].split()[0]) <= 2
    assert "Milestone number 1 with a long title" in text
    assert f"and {listed.more} more overdue milestones" in " ".join(text.split())


@pytest.mark.parametrize(
    ("email", "cycle", "query", "status"),
    [
        (DONOR, "2026-H2", "", 404),  # not published: the same answer as the scorecard JSON
        (DONOR, "2026-H1", "?audience=internal", 403),
        (FOCAL, "2026-H1", "?audience=internal", 200),
        (SECRETARIAT, "2026-H1", "?lang=xx", 400),
    ],
)
async def test_the_brief_follows_the_scorecards_audience_rules(
    client: httpx.AsyncClient, demo, sign_in, email: str, cycle: str, query: str, status: int
) -> None:
    nra = await org_id("NRA")
    headers = await sign_in(email)
    card = await client.get(f"/api/organizations/{nra}/scorecards/{cycle}{query}", headers=headers)
    brief = await client.get(brief_url(nra, cycle) + query, headers=headers)
    assert brief.status_code == status, brief.text
    if "lang" not in query:
        assert card.status_code == status
    if status >= 400:
        assert brief.json()["detail"]
    assert (await client.get(brief_url(nra))).status_code == 401


async def test_without_weasyprint_the_api_answers_503_in_its_error_shape(
    client: httpx.AsyncClient, demo, sign_in, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_import = builtins.__import__

    def no_weasyprint(name: str, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    response = await client.get(brief_url(await org_id("NRA")), headers=await sign_in(DONOR))
    assert response.status_code == 503
    body = response.json()
    assert "WeasyPrint" in body["detail"] and "libpango" in body["detail"]
    assert body["errors"] == [] or isinstance(body["errors"], list)
    with pytest.raises(PdfUnavailable) as refused:
        await brief_pdf(1, "2026-H1", "donor")
    assert isinstance(refused.value, UserError)


def test_cli_brief_writes_a_pdf_and_prints_one_line(cli, demo, tmp_path: Path) -> None:
    target = tmp_path / "nra.pdf"
    result = cli("brief", "--cycle", "2026-H1", "--org", "nra", "--audience", "donor", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1 and "brief of NRA, 2026-H1, audience donor" in result.stdout
    assert "2026-H1" in pdf_text(target.read_bytes())
    missing = cli("brief", "--cycle", "2026-H1", "--org", "NOPE", "-o", str(tmp_path / "x.pdf"))
    assert missing.returncode == 2 and "no organization with acronym 'NOPE'" in missing.stderr
    unpublished = cli("brief", "--cycle", "2026-H2", "--org", "NRA", "-o", str(tmp_path / "y.pdf"))
    assert unpublished.returncode == 2 and "no scorecards have been published" in unpublished.stderr
    report = cli("report", "--cycle", "2026-H1", "--audience", "donor", "-o", str(tmp_path / "cycle.pdf"))
    assert report.returncode == 0, report.stderr
    assert (
        report.stdout.count("\n") == 1 and "cycle report 2026-H1, audience donor, 15 page(s)" in report.stdout
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cycle.pdf", "nra.pdf"]


async def test_the_cycle_report_has_system_figures_then_a_page_per_organization(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    headers = await sign_in(DONOR)
    comparison = (await client.get("/api/scorecards/2026-H1", headers=headers)).json()
    response = await client.get("/api/scorecards/2026-H1/report.pdf", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == 'attachment; filename="cop-report-2026-H1-donor.pdf"'
    pages = pdf_text(response.content).split("\f")
    assert "cycle report 2026-H1" in pages[0] and "Most improved" in pages[0]
    assert len([page for page in pages if page.strip()]) == 1 + len(comparison["items"])
    for row, page in zip(comparison["items"], pages[1:], strict=False):
        assert row["acronym"] in page and str(row["index"]) in page
    assert "Tagged:          yes" in pdf_info(response.content)
    unpublished = await client.get("/api/scorecards/2026-H2/report.pdf", headers=headers)
    assert unpublished.status_code == 404 and unpublished.json()["detail"]
    assert (
        await client.get("/api/scorecards/2026-H1/report.pdf?audience=internal", headers=headers)
    ).status_code == 403


@pytest.mark.parametrize("lang", ["fr", "ar"])
async def test_the_briefs_levels_are_named_in_the_readers_language(demo, lang: str) -> None:
    # A published scorecard stores each area's level name in English beside its number; the brief
    # names the level by its number in the reader's language (models/words.py level_name).
    nra = await org_id("NRA")
    with speaking(lang):
        card = await scorecard_read(nra, "2026-H1", "donor", TODAY)
        text = " ".join(BIDI_CONTROLS.sub("", pdf_text(html_to_pdf(brief_html(card, "donor"))[0])).split())
        names = {area.level: gettext(LEVELS[area.level]) for area in card.areas}
    assert {area.level_name for area in card.areas} <= set(LEVELS.values()), "the card keeps English"
    for name in names.values():
        assert name in text
    for english in LEVELS.values():
        assert english not in text


def letters(text: str) -> str:
    """Text compared by its letters, as pdftotext reads an Arabic PDF back: without the bidi
    controls it writes around right-to-left runs and without the marks (vowels, hamza) it may write
    apart from their letter, spaces folded; and the lam-alef ligature, one glyph, is read in the
    order its two letters are drawn (alef, lam), so a lam before an alef is compared that way."""
    text = BIDI_CONTROLS.sub("", unicodedata.normalize("NFD", text))
    text = "".join(char for char in text if not unicodedata.combining(char)).replace(
        "\u0644\u0627", "\u0627\u0644"
    )
    return " ".join(text.split())


async def test_the_arabic_briefs_chart_prints_joined_words_in_reading_order(demo) -> None:
    # WeasyPrint draws an svg's text letter by letter: the chart drew "قائم" as unjoined letters
    # that pdftotext read back reversed. Its words are now HTML text, shaped like the rest.
    nra = await org_id("NRA")
    card = await scorecard_read(nra, "2026-H1", "donor", TODAY)
    arabic_name = "السياسات والاستراتيجية"
    areas = [msgspec.structs.replace(card.areas[0], name=arabic_name), *card.areas[1:]]
    card = msgspec.structs.replace(card, areas=areas)
    with speaking("ar"):
        content, pages = html_to_pdf(brief_html(card, "donor"))
        text = letters(pdf_text(content))
        chart_words = [gettext("self-assessed"), gettext("peer median")]
        names = {gettext(LEVELS[area.level]) for area in areas}
    assert pages <= 2
    # The area's name and each level's name stand in the levels table and again in the chart.
    for words in [arabic_name, *names]:
        assert text.count(letters(words)) >= 2, words
        assert letters(words)[::-1] not in text, words
    for words in chart_words:
        assert letters(words) in text and letters(words)[::-1] not in text, words


@pytest.mark.parametrize("lang", ["fr", "ar"])
async def test_the_briefs_flags_type_and_index_are_in_the_readers_language(demo, lang: str) -> None:
    # A published card stores its flags' and its organization type's English labels: the brief
    # prints them by key in the reader's language, and the index with the reader's decimal sign.
    lrc = await org_id("LRC")
    with speaking(lang):
        card = await scorecard_read(lrc, "2026-H1", "donor", TODAY)
        text = letters(pdf_text(html_to_pdf(brief_html(card, "donor"))[0]))
        words = [gettext(FLAG_LABELS[flag.key]) for flag in card.flags]
        words.append(gettext(ORG_TYPE_LABELS[card.organization.org_type]))
        index = format_figure(card.figures.index)
    stored = [flag.label for flag in card.flags] + [card.organization.org_type_label]
    assert card.flags and set(stored).isdisjoint(words), "the card keeps English"
    for word in words:
        assert letters(word) in text, word
    # An area's flags stand in a narrow column, wrapped: none of their English words is left.
    stored += [AREA_FLAG_LABELS[flag.key].split(":")[0] for area in card.areas for flag in area.flags]
    for english in stored:
        assert english not in text, english
    assert index in text
    if lang == "fr":
        assert "45,0" in text and "45.0" not in text


async def test_the_french_cycle_report_names_types_and_writes_decimals_in_french(demo) -> None:
    with speaking("fr"):
        text = " ".join(pdf_text((await report_pdf("2026-H1", "donor", TODAY)).content).split())
        labels = [gettext(label) for label in ORG_TYPE_LABELS.values()]
    assert "Agence des Nations Unies" in labels
    assert all(label in text for label in labels) and "UN agency" not in text
    assert re.search(r"\b\d+,\d\b", text) and not re.search(r"\b\d+\.\d\b", text)
