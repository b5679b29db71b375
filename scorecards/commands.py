"""`cop-tracker export`: write the comparison workbook or CSV of a cycle to a file.

The command runs as the system (it is given shell access to the database anyway), so any audience
may be asked for; the audience filter applies exactly as for a download. The file appears complete
or not at all: it is written next to its destination and renamed into place.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from models.caller import SYSTEM
from models.errors import UserError
from scorecards.exports import check_format, comparison_export, comparison_file, render


def write_atomically(path: Path, content: bytes) -> None:
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise UserError(f"the directory {str(directory)!r} does not exist; create it or choose another -o")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


async def run_export_command(
    cycle: str, audience: str, fmt: str, output: str, peer_type: str | None = None
) -> int:
    check_format(fmt)
    path = Path(output)
    if path.is_dir():
        raise UserError(f"{output!r} is a directory; give a file name, e.g. -o comparison.{fmt}")
    file = await comparison_file(SYSTEM, cycle, audience, peer_type, fmt)
    write_atomically(path, file.content)
    scope = f", {peer_type} only" if peer_type else ""
    print(f"Wrote {output}: {cycle}, audience {audience}{scope}, {file.organizations} organizations.")
    return 0


async def latest_published_cycle() -> str:
    from models.engine import fetch

    rows = await fetch(
        "SELECT c.name FROM cycle c WHERE EXISTS (SELECT 1 FROM submission s WHERE s.cycle = c.id "
        "AND s.status = 'published') ORDER BY c.period_start DESC LIMIT 1"
    )
    if not rows:
        raise UserError("no cycle has published scorecards yet")
    return str(rows[0]["name"])


async def export_timed(output: str, audience: str, cycle: str | None = None) -> dict[str, Any]:
    """The export with its two phases timed apart, for `bench/export.py`."""
    cycle = cycle or await latest_published_cycle()
    started = time.perf_counter()
    export = await comparison_export(SYSTEM, cycle, audience, None, dt.date.today())
    loaded = time.perf_counter()
    content = await asyncio.to_thread(render, export, "xlsx")
    written = time.perf_counter()
    write_atomically(Path(output), content)
    return {
        "cycle": cycle,
        "organizations": len(export.summary),
        "load_seconds": loaded - started,
        "write_seconds": written - loaded,
    }
