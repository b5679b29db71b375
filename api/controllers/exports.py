"""Comparison downloads: the workbook (xlsx) and the Summary table (CSV) of one cycle.

The access table lets any signed-in caller in; the export service then decides which audiences the
caller may ask for (a donor only `donor`, an organization's staff `peer` or `donor`, the secretariat
any) and filters every cell for it. The file is built in a worker thread, so a large workbook does not
hold up other requests.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from litestar import Controller, Response, get
from litestar.params import QueryParameter

from api.access import allow
from api.auth import CallerDep
from api.controllers import PathText
from api.controllers.scorecards import Audience, PeerType
from models.services.common import choice
from models.words import N_, SUPPORTED_LANGUAGES, current_locale, speaking
from scorecards.brief import PdfFile
from scorecards.exports import ExportFile, comparison_file

Language = Annotated[
    str | None,
    QueryParameter(
        query="lang",
        description="en, fr, es or ar: the language of sheet names, headers and labels; defaults to "
        "the caller's language (user-written text is never translated)",
        max_length=8,
    ),
]


@contextmanager
def speaking_export(lang: str | None) -> Iterator[None]:
    """Build a file in `?lang=`, else in the caller's language (docs/design.md "Languages")."""
    if lang is not None:
        choice(lang, SUPPORTED_LANGUAGES, "lang", N_("lang must be one of %(choices)s"), listed="choices")
    with speaking(lang or current_locale()):
        yield


allow(
    {
        "GET /api/exports/{cycle}/comparison.xlsx": "signed_in",
        "GET /api/exports/{cycle}/comparison.csv": "signed_in",
    }
)


def download(file: ExportFile | PdfFile) -> Response[bytes]:
    """An attachment that no cache keeps and no browser sniffs into something else."""
    return Response(
        content=file.content,
        media_type=file.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{file.filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


async def download_in(
    lang: str | None, build: Callable[..., Awaitable[ExportFile | PdfFile]], *args: Any
) -> Response[bytes]:
    """`build(*args)` in the language asked for, as a download: every export and brief route."""
    with speaking_export(lang):
        return download(await build(*args))


class ExportController(Controller):
    path = "/api/exports"
    tags = ["exports"]

    @get(
        "/{cycle:str}/comparison.xlsx",
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    async def comparison_xlsx(
        self,
        caller: CallerDep,
        cycle: PathText,
        audience: Audience = None,
        peer_type: PeerType = None,
        lang: Language = None,
    ) -> Response[bytes]:
        """The comparison workbook: Read me, Summary, Trend, Commitments, Milestones, Donor expectations."""
        return await download_in(lang, comparison_file, caller, cycle, audience, peer_type, "xlsx")

    @get("/{cycle:str}/comparison.csv", media_type="text/csv")
    async def comparison_csv(
        self,
        caller: CallerDep,
        cycle: PathText,
        audience: Audience = None,
        peer_type: PeerType = None,
        lang: Language = None,
    ) -> Response[bytes]:
        """The Summary table as CSV, each row led by the cycle and the audience (UTF-8 with a
        byte-order mark, so Excel reads the accents)."""
        return await download_in(lang, comparison_file, caller, cycle, audience, peer_type, "csv")
