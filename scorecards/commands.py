"""`cop-tracker export`: write the comparison workbook or CSV of a cycle to a file.

The command runs as the system (it is given shell access to the database anyway), so any audience
may be asked for; the audience filter applies exactly as for a download. The file appears complete
or not at all: it is written next to its destination and renamed into place.
"""

from __future__ import annotations

import ctypes
import gc
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio.to_thread

from models import clock
from models.caller import SYSTEM
from models.errors import UserError
from models.words import N_
from scorecards.exports import check_format, comparison_export, render_into
from scorecards.workbook.builder import ComparisonExport


def checked_destination(output: str, fmt: str) -> Path:
    """The file to write, refused before any work if it cannot be written there."""
    path = Path(output)
    if path.is_dir():
        raise UserError(
            N_("%(output)r is a directory; give a file name, e.g. -o comparison.%(fmt)s"),
            output=output,
            fmt=fmt,
        )
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise UserError(
            N_("the directory %(directory)r does not exist; create it or choose another -o"),
            directory=str(directory),
        )
    return path


def release_memory() -> None:
    """Free what the command no longer needs before it writes its file: the caches of published
    figures serve the requests of a running server, while the command has already read all it
    writes (the export holds its own frames). The freed pages go back to the system (glibc's
    `malloc_trim`), so the writer's allocations, made in its own thread, start from there: the
    command's peak is that of the reading, not that of reading and writing stacked."""
    from scorecards.service import forget_published_cache

    forget_published_cache()
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (AttributeError, OSError):  # not glibc: the memory is reused, only not given back
        pass


async def write_export(path: Path, export: ComparisonExport, fmt: str) -> None:
    """Render straight into a temporary file beside `path` (in a worker thread), then rename it."""
    release_memory()
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", dir=path.parent if str(path.parent) else "."
    )
    try:
        with os.fdopen(handle, "wb") as out:
            await anyio.to_thread.run_sync(render_into, export, fmt, out)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


async def run_export_command(
    cycle: str, audience: str, fmt: str, output: str, peer_type: str | None = None
) -> int:
    check_format(fmt)
    path = checked_destination(output, fmt)
    export = await comparison_export(SYSTEM, cycle, audience, peer_type, summary_only=fmt == "csv")
    await write_export(path, export, fmt)
    scope = f", {peer_type} only" if peer_type else ""
    print(f"Wrote {output}: {cycle}, audience {audience}{scope}, {len(export.summary)} organizations.")
    return 0


async def latest_published_cycle() -> str:
    from models.engine import fetch

    rows = await fetch(
        "SELECT c.name FROM cycle c WHERE EXISTS (SELECT 1 FROM submission s WHERE s.cycle = c.id "
        "AND s.status = 'published') ORDER BY c.period_start DESC LIMIT 1"
    )
    if not rows:
        raise UserError(N_("no cycle has published scorecards yet"))
    return str(rows[0]["name"])


async def export_timed(output: str, audience: str, cycle: str | None = None) -> dict[str, Any]:
    """The export with its two phases timed apart, for `bench/export.py`: reading the Summary, the
    trend and the expectations; then writing the workbook (commitments and milestones are read in
    batches while it is written, so that phase includes their queries)."""
    cycle = cycle or await latest_published_cycle()
    started = time.perf_counter()
    export = await comparison_export(SYSTEM, cycle, audience, None, clock.today())
    loaded = time.perf_counter()
    read_peak = peak_memory_mb()
    await write_export(checked_destination(output, "xlsx"), export, "xlsx")
    written = time.perf_counter()
    return {
        "cycle": cycle,
        "organizations": len(export.summary),
        "load_seconds": loaded - started,
        "write_seconds": written - loaded,
        "read_peak_mb": read_peak,
    }


def peak_memory_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_atomically(path: Path, content: bytes) -> None:
    """Write beside `path`, then rename into place: the file appears complete or not at all."""
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", dir=path.parent if str(path.parent) else "."
    )
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


async def run_brief_command(cycle: str, acronym: str, audience: str, output: str, lang: str | None) -> int:
    """`cop-tracker brief`: the champion's brief of one organization as a PDF file."""
    from models.engine import fetch
    from models.words import current_locale, speaking
    from scorecards.brief import brief_pdf, load_weasyprint

    path = checked_destination(output, "pdf")
    load_weasyprint()
    rows = await fetch("SELECT id, acronym FROM organization WHERE LOWER(acronym) = {}", acronym.lower())
    if not rows:
        raise UserError(N_("no organization with acronym %(acronym)r"), field="org", acronym=acronym)
    started = time.perf_counter()
    with speaking(lang or current_locale()):
        brief = await brief_pdf(int(rows[0]["id"]), cycle, audience, clock.today())
    return written(path, brief, started, f"brief of {rows[0]['acronym']}, {cycle}, audience {audience}")


def written(path: Path, pdf: Any, started: float, what: str) -> int:
    """Put the PDF in place and say so in one line, with its pages, size and time."""
    write_atomically(path, pdf.content)
    seconds = time.perf_counter() - started
    print(f"Wrote {path}: {what}, {pdf.pages} page(s), {len(pdf.content) // 1024} KB in {seconds:.2f} s.")
    return 0


async def run_report_command(cycle: str, audience: str, output: str, lang: str | None) -> int:
    """`cop-tracker report`: the cycle report as a PDF file."""
    from models.words import current_locale, speaking
    from scorecards.brief import load_weasyprint, report_pdf

    path = checked_destination(output, "pdf")
    load_weasyprint()
    started = time.perf_counter()
    with speaking(lang or current_locale()):
        report = await report_pdf(cycle, audience, clock.today())
    return written(path, report, started, f"cycle report {cycle}, audience {audience}")
