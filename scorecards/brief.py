"""The champion's brief: one organization's scorecard in one cycle as a PDF of at most two A4 pages
(docs/design.md "PDF briefs").

The brief reads the same Struct as the scorecard page and its JSON (`scorecard_read`, at the same
audience), and its template is rendered by the same Jinja environment as the pages, in the reader's
language. WeasyPrint is imported only when a PDF is asked for: a server without its system
libraries (Pango) serves everything else and answers a PDF request with 503.
"""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import anyio.to_thread

from models import clock
from models.engine import fetch
from models.errors import UserError
from models.vocabulary import ORG_TYPE_LABELS
from models.words import N_, current_locale, gettext, template_environment, text_direction, translated
from scorecards.cards import scorecard_read
from scorecards.engine import AREA_FLAG_LABELS, FLAG_LABELS
from scorecards.export_rows import record_sources
from scorecards.loader import as_date
from scorecards.shapes import ScorecardRead
from scorecards.svg import AreaBar, area_levels_chart
from scorecards.wording import AUDIENCE_NOTES, CHANGE_WORDS, LEVEL_MEANINGS
from scorecards.workbook.answers import STATE_LABELS

PDF_MEDIA_TYPE = "application/pdf"
BRIEF_TEMPLATE = "briefs/brief.html.jinja"
REPORT_TEMPLATE = "briefs/report.html.jinja"
# What a champion can do about each flag the engine raises, in the order the brief lists them.
NEXT_STEPS = {
    "champion_missing": N_("Name a senior champion for the organization."),
    "champion_below_deputy": N_("Name a champion at deputy level or above."),
    "no_update_90_days": N_("Post a progress update on the commitments."),
    "submission_late": N_("Submit the cycle's self-assessment."),
    "area_at_zero": N_("Start work in the areas at level 0."),
    "milestones_overdue_30": N_("Close or reschedule the milestones overdue by more than 30 days."),
    "on_time_below_half": N_("Review why fewer than half of the due milestones were done on time."),
}
# Expectation states (`scorecards.answers.counted_state`) that leave something to do.
DONE_STATES = ("met", "not_applicable")
# Overdue milestones the brief lists by name, most overdue first; the rest are counted in one line,
# so that the brief stays within two A4 pages whatever the organization's backlog.
OVERDUE_LISTED = 10


# The package's own files a PDF may load (docs/design.md "PDF briefs"), as `file:` URLs: none today,
# since the stylesheet is inline, the charts are inline SVG and Pango finds the fonts by name.
PDF_ASSETS: frozenset[Path] = frozenset()


class PdfResourceRefused(ValueError):
    """A PDF's HTML named a resource outside `PDF_ASSETS`; WeasyPrint logs it and draws nothing."""


class PdfUnavailable(UserError):
    """The PDF renderer or its system libraries are missing on this server."""

    status_code = 503


def load_weasyprint() -> Any:
    """WeasyPrint, imported now; `PdfUnavailable` when it or Pango cannot be loaded."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(
            N_(
                "PDFs cannot be made on this server: WeasyPrint or its system libraries (Pango) are "
                "missing (%(error)s)"
            ),
            error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
        ) from None
    # Its INFO lines narrate every layout step; a server's log keeps its warnings only.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    return weasyprint


@dataclass(frozen=True)
class PdfFile:
    filename: str
    content: bytes
    pages: int
    media_type: str = PDF_MEDIA_TYPE


def brief_filename(acronym: str, cycle: str, audience: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", f"cop-brief-{acronym}-{cycle}-{audience}").strip("-")[:100]
    return f"{stem}.pdf"


def scorecard_context(card: ScorecardRead, audience: str) -> dict[str, Any]:
    """What the scorecard page and the brief both show beside the card: words and the levels chart."""
    median_label = (
        gettext("peer median") if card.position.ranked else gettext("peer median (none published yet)")
    )
    bars = [
        AreaBar(area.name, area.level, area.self_level, card.position.areas[area.key].median)
        for area in card.areas
    ]
    return {
        "card": card,
        "audience": audience,
        "audience_note": gettext(AUDIENCE_NOTES[audience]),
        "change_words": translated(CHANGE_WORDS),
        "level_meanings": translated(LEVEL_MEANINGS),
        # A published card stores its flags' English labels: print them by key in the reader's language.
        "flag_labels": translated(FLAG_LABELS),
        "area_flag_labels": translated(AREA_FLAG_LABELS),
        "levels_chart": area_levels_chart("area-levels", bars, median_label),
    }


def next_steps(card: ScorecardRead) -> list[str]:
    """The brief's "what to do next": one step per flag, then the open expectations."""
    keys = [flag.key for flag in card.flags]
    steps = [gettext(NEXT_STEPS[key]) for key in NEXT_STEPS if key in keys]
    if card.figures.overdue and "milestones_overdue_30" not in keys:
        steps.append(gettext("Close or reschedule the overdue milestones."))
    for item in card.expectations:
        if item.state not in DONE_STATES:
            steps.append(gettext("Answer or act on the donor expectation: %(text)s", text=item.text))
    return steps


@dataclass(frozen=True)
class OverdueMilestone:
    title: str
    commitment: str
    area: str
    due_date: dt.date
    days: int


@dataclass(frozen=True)
class OverdueList:
    listed: list[OverdueMilestone]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.listed)


async def overdue_milestones(card: ScorecardRead, audience: str) -> OverdueList:
    """The milestones the card counts as overdue, most overdue first, the first `OVERDUE_LISTED`.

    The same rule as the engine's count (`scorecards.engine.timeliness`): due in the cycle's period
    before the card's as-of date, neither done nor dropped, on a commitment not dropped. Peers and
    donors read the records frozen when the organization published this cycle, the same moment as
    the card's figures; the organization's people and the secretariat read the live rows.
    """
    commitments, milestones = record_sources(card.cycle.id, audience)
    as_of = dt.date.fromisoformat(card.as_of)
    last_due = min(dt.date.fromisoformat(card.cycle.period_end), as_of - dt.timedelta(days=1))
    rows = await fetch(
        f"""
        SELECT m.id, m.title, m.due_date, c.title AS commitment, a.key AS area_key, a.name AS area
          FROM {milestones} m JOIN {commitments} c ON c.id = m.commitment JOIN area a ON a.id = c.area
         WHERE c.organization = {{}} AND m.due_date >= {{}} AND m.due_date <= {{}}
           AND m.status NOT IN ('done', 'dropped') AND c.status <> 'dropped'
         ORDER BY m.due_date, m.id
        """,
        card.organization.id,
        dt.date.fromisoformat(card.cycle.period_start),
        last_due,
    )
    names = {area.key: area.name for area in card.areas}
    listed = []
    for row in rows[:OVERDUE_LISTED]:
        due = as_date(row["due_date"])
        assert due is not None  # the query keeps dated milestones only
        area = names.get(row["area_key"], row["area"])
        listed.append(OverdueMilestone(row["title"], row["commitment"], area, due, (as_of - due).days))
    return OverdueList(listed, len(rows))


def brief_html(card: ScorecardRead, audience: str, overdue: OverdueList | None = None) -> str:
    """The brief as HTML, in the current language (the same environment factory as the pages)."""
    locale = current_locale()
    return (
        template_environment()
        .get_template(BRIEF_TEMPLATE)
        .render(
            **scorecard_context(card, audience),
            lang=locale,
            direction=text_direction(locale),
            org_type_labels=translated(ORG_TYPE_LABELS),
            state_labels=translated(STATE_LABELS),
            steps=next_steps(card),
            overdue=overdue or OverdueList([], 0),
            printed_on=clock.today().isoformat(),
        )
    )


def asset_path(url: str) -> Path | None:
    """The file of `PDF_ASSETS` a URL names, or None: any other scheme, host or path is refused."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = Path(unquote(parts.path)).resolve()
    return path if path in PDF_ASSETS else None


def pdf_url_fetcher(weasyprint: Any) -> Any:
    """WeasyPrint's fetcher for every PDF: it serves `PDF_ASSETS` and opens nothing else, no file,
    no socket, so a template or a text that slipped an `<img>` or a `url()` in reads no server file
    and reaches no address."""

    class PackagedAssets(weasyprint.urls.URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            path = asset_path(url)
            if path is None:
                raise PdfResourceRefused(f"a PDF loads only the application's own assets, not {url[:200]!r}")
            media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return weasyprint.urls.URLFetcherResponse(
                path.as_uri(), path.read_bytes(), {"Content-Type": media_type}
            )

    return PackagedAssets(allowed_protocols=("file",), allow_redirects=False)


def html_to_pdf(html: str) -> tuple[bytes, int]:
    """Lay out and write the PDF: tagged (headings, tables), with its title and language (PDF/UA-1)."""
    weasyprint = load_weasyprint()
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=pdf_url_fetcher(weasyprint)).render()
    return document.write_pdf(pdf_variant="pdf/ua-1"), len(document.pages)


async def brief_pdf(org_id: int, cycle: str, audience: str, today: dt.date | None = None) -> PdfFile:
    """The champion's brief of an organization in a cycle at an already resolved audience."""
    load_weasyprint()
    card = await scorecard_read(org_id, cycle, audience, today)
    html = brief_html(card, audience, await overdue_milestones(card, audience))
    content, pages = await anyio.to_thread.run_sync(html_to_pdf, html)
    return PdfFile(brief_filename(card.organization.acronym, card.cycle.name, audience), content, pages)


# A level counts as "internalized" in the cycle report from here up (docs/design.md "PDF briefs").
STRONG_LEVEL = 3
CHAMPION_FLAGS = ("champion_missing", "champion_below_deputy")


async def index_trend(cycle: str, audience: str, today: dt.date | None) -> list[tuple[str, float]]:
    """The peer median index in each cycle up to `cycle` that the audience may read."""
    from models.errors import NotFound
    from scorecards.loader import find_cycle
    from scorecards.service import comparison_read

    current, _, cycles = await find_cycle(cycle)
    points = []
    for earlier in cycles:
        if earlier.period_start > current.period_start:
            break
        try:
            median = (await comparison_read(earlier.name, audience, None, today)).peer_median.get("index")
        except NotFound:
            continue
        if median is not None:
            points.append((earlier.name, float(median)))
    return points


def system_figures(result: Any) -> dict[str, Any]:
    """The cycle report's first page: counts over the comparison's rows (the Summary's numbers)."""
    rows = result.items
    # Keyed by type, in the order of the stored (English) labels, printed in the reader's language.
    labels = {row.org_type: row.org_type_label for row in rows}
    types = sorted(labels, key=labels.__getitem__)
    strong = {
        area.key: {
            "all": sum(getattr(row, f"{area.key}_level") >= STRONG_LEVEL for row in rows),
            **{
                kind: sum(
                    getattr(row, f"{area.key}_level") >= STRONG_LEVEL for row in rows if row.org_type == kind
                )
                for kind in types
            },
        }
        for area in result.areas
    }
    shares = sorted(row.on_time_share for row in rows if row.on_time_share is not None)
    return {
        "types": types,
        "type_counts": {kind: sum(row.org_type == kind for row in rows) for kind in types},
        "strong": strong,
        "deputy_champions": sum(not any(flag in row.flags for flag in CHAMPION_FLAGS) for row in rows),
        "median_on_time": shares[len(shares) // 2] if shares else None,
        "overdue": sum(row.overdue for row in rows),
        "expectations_met": sum(row.expectations_met for row in rows),
        "expectations_total": sum(row.expectations_total for row in rows),
    }


async def report_pdf(cycle: str, audience: str, today: dt.date | None = None) -> PdfFile:
    """The cycle report: system-wide figures and the trend, then one page per organization."""
    from scorecards.service import comparison_read
    from scorecards.svg import index_history_chart

    load_weasyprint()
    result = await comparison_read(cycle, audience, None, today)
    locale = current_locale()
    html = (
        template_environment()
        .get_template(REPORT_TEMPLATE)
        .render(
            result=result,
            audience=audience,
            audience_note=gettext(AUDIENCE_NOTES[audience]),
            figures=system_figures(result),
            trend_chart=index_history_chart("median-index", await index_trend(cycle, audience, today)),
            change_words=translated(CHANGE_WORDS),
            flag_labels=translated(FLAG_LABELS),
            org_type_labels=translated(ORG_TYPE_LABELS),
            strong_level=STRONG_LEVEL,
            lang=locale,
            direction=text_direction(locale),
            printed_on=clock.today().isoformat(),
        )
    )
    content, pages = await anyio.to_thread.run_sync(html_to_pdf, html)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", f"cop-report-{result.cycle.name}-{audience}").strip("-")[:100]
    return PdfFile(f"{stem}.pdf", content, pages)
