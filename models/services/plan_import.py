"""The one door for importing a plan file (the CLI, the API and the page call it): a workbook this
app exported goes back through `plan_roundtrip`, any other file through `plans`."""

from __future__ import annotations

import uuid

from models.caller import Caller
from models.plan_files import read_plan_file
from models.services import plan_roundtrip
from models.services.plans import ImportOptions, ImportResult, plan_rows, write_planned


async def import_plan(caller: Caller, data: bytes, file_name: str, options: ImportOptions) -> ImportResult:
    """Read, plan and (unless a dry run, and only when no row is refused) write a plan file."""
    import_id = str(uuid.uuid4())
    if plan_roundtrip.is_exported_plan(data, file_name):
        return await plan_roundtrip.reimport(caller, data, file_name, options, import_id)
    table = read_plan_file(data, file_name, sheet=options.sheet)
    planned, outcomes, suggested = await plan_rows(caller, table, options)
    result = ImportResult(import_id, file_name, options.dry_run, False, outcomes, suggested)
    if options.dry_run or result.refused:
        return result
    await write_planned(caller, planned, import_id, file_name)
    result.written = True
    return result
