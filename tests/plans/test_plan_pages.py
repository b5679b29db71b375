"""The plan import page over HTTP: upload, preview with each row's result, confirm, commitments."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.api.support import org_id, row_count
from tests.pages.support import flash_of, visitor
from tests.plans.files import MATRIX_HEADERS, MATRIX_ROWS, csv_bytes

NRA_ROWS = [row[:4] + ("NRA",) for row in MATRIX_ROWS]


async def test_upload_preview_confirm(client: httpx.AsyncClient, demo: Any, sign_in: Any) -> None:
    nra = await org_id("NRA")
    focal = await visitor(client, sign_in, "focal.nra")
    assert "Import a plan" in (await focal.get(f"/organizations/{nra}")).text
    form_page = await focal.get(f"/organizations/{nra}/import")
    assert form_page.status_code == 200 and 'enctype="multipart/form-data"' in form_page.text
    before = await row_count("commitment")
    preview = await client.post(
        f"/organizations/{nra}/import",
        headers=focal.cookie,
        data={"_csrf": focal.csrf, "reference_date": "2016-01-10"},
        files={"file": ("matrix.csv", csv_bytes(MATRIX_HEADERS, NRA_ROWS), "text/csv")},
    )
    assert preview.status_code == 200, preview.text
    assert "Preview of matrix.csv" in preview.text
    assert "1st draft: 2016-02-24" in preview.text and "date depends on an event" in preview.text
    assert "Accept the 4 suggested areas" in preview.text
    assert await row_count("commitment") == before
    carried = re.search(r'name="content" value="([^"]+)"', preview.text).group(1)  # type: ignore[union-attr]
    refused = await focal.post(
        f"/organizations/{nra}/import/confirm",
        {"content": carried, "file_name": "matrix.csv", "reference_date": "2016-01-10"},
    )
    assert refused.status_code == 200 and "was not imported" in refused.text
    assert await row_count("commitment") == before
    done = await focal.post(
        f"/organizations/{nra}/import/confirm",
        {
            "content": carried,
            "file_name": "matrix.csv",
            "reference_date": "2016-01-10",
            "accept_suggestions": "on",
        },
    )
    assert done.status_code == 303 and flash_of(done) == "matrix.csv: 4 created (written)"
    dashboard = (await focal.get(f"/organizations/{nra}")).text
    assert "Adopt a protection policy" in dashboard and "Allocate a budget line for protection" in dashboard


async def test_a_refused_file_is_shown_beside_the_file_field(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    nra = await org_id("NRA")
    focal = await visitor(client, sign_in, "focal.nra")
    answer = await client.post(
        f"/organizations/{nra}/import",
        headers=focal.cookie,
        data={"_csrf": focal.csrf},
        files={"file": ("plan.xlsm", b"PK\x03\x04", "application/octet-stream")},
    )
    assert answer.status_code == 400 and "macro-enabled workbook" in answer.text
    other = await visitor(client, sign_in, "focal.usp")
    assert (await other.get(f"/organizations/{nra}/import")).status_code == 404
