"""Downloads over HTTP and the `cop-tracker export` command: headers, access rules, clear errors."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import threading
from pathlib import Path

import httpx
import pandas as pd
import pytest
import time_machine
from openpyxl import load_workbook

from models.caller import SYSTEM
from models.cells import csv_value
from scorecards import exports
from scorecards.exports import comparison_export, safe_filename
from scorecards.service import comparison, comparison_mapping
from tests.conftest import TODAY
from tests.scorecards.workbooks import DONOR_SHEETS, as_json, summary_matches_json

DONOR = "donor@demo.cop-tracker.example"
FOCAL = "focal.nra@demo.cop-tracker.example"
SECRETARIAT = "secretariat@demo.cop-tracker.example"
XLSX = "/api/exports/2026-H1/comparison.xlsx"
CSV = "/api/exports/2026-H1/comparison.csv"


@pytest.fixture(autouse=True)
def frozen_clock():
    """The demo is as of TODAY; downloads compute 'today' from the clock."""
    with time_machine.travel(dt.datetime.combine(TODAY, dt.time(10), tzinfo=dt.UTC), tick=False):
        yield


async def test_donor_downloads_the_workbook_as_a_safe_attachment(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    response = await client.get(XLSX, headers=await sign_in(DONOR))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert (
        response.headers["content-disposition"] == 'attachment; filename="cop-comparison-2026-H1-donor.xlsx"'
    )
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == DONOR_SHEETS
    facts = {row[0]: row[1] for row in wb["Read me"].iter_rows(values_only=True) if row[0]}
    assert facts["Audience"].startswith("donor.")  # a donor's default audience
    sheets = pd.read_excel(io.BytesIO(response.content), sheet_name=None, engine="calamine")
    assert list(sheets) == DONOR_SHEETS and len(sheets["Summary"]) == 14


async def test_csv_download_is_the_summary_equal_to_the_json(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    response = await client.get(CSV + "?audience=donor&peer_type=ngo", headers=await sign_in(DONOR))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"  # one charset, not two
    assert (
        response.headers["content-disposition"]
        == 'attachment; filename="cop-comparison-2026-H1-donor-ngo.csv"'
    )
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    expected = as_json(comparison_mapping(await comparison("2026-H1", "donor", "ngo", TODAY)))
    assert len(rows) == 1 + len(expected["items"]) and expected["items"]
    assert rows[0][:2] == ["Cycle", "Audience"]  # every row says where it came from
    for row, item in zip(rows[1:], expected["items"], strict=True):
        assert row == ["2026-H1", "donor", *(str(csv_value(item[key])) for key in expected["columns"])]


@pytest.mark.parametrize(
    ("email", "audience"),
    [(DONOR, "donor"), (FOCAL, "peer"), (SECRETARIAT, "internal"), (SECRETARIAT, "donor")],
)
async def test_downloaded_summary_equals_the_scorecard_json_of_the_api(
    client: httpx.AsyncClient, demo, sign_in, email: str, audience: str
) -> None:
    headers = await sign_in(email)
    scorecards = await client.get(f"/api/scorecards/2026-H1?audience={audience}", headers=headers)
    assert scorecards.status_code == 200, scorecards.text
    expected = scorecards.json()
    workbook = await client.get(f"{XLSX}?audience={audience}", headers=headers)
    assert workbook.status_code == 200, workbook.text
    export = await comparison_export(SYSTEM, "2026-H1", audience, None, TODAY, summary_only=True)
    headers_by_key = {column.key: column.header for column in export.summary_columns}
    assert list(headers_by_key) == expected["columns"]
    summary_matches_json(workbook.content, expected["items"], headers_by_key)


@pytest.mark.parametrize(
    ("email", "query", "status"),
    [
        (DONOR, "?audience=internal", 403),
        (DONOR, "?audience=peer", 403),
        (DONOR, "?audience=donor", 200),
        (FOCAL, "", 200),  # an organization's staff default to the peer view
        (FOCAL, "?audience=internal", 403),
        (FOCAL, "?audience=donor", 200),
        (SECRETARIAT, "?audience=internal", 200),
        (SECRETARIAT, "?audience=everything", 400),
        (SECRETARIAT, "?peer_type=banks", 400),
    ],
)
async def test_audience_access_rules(
    client: httpx.AsyncClient, demo, sign_in, email: str, query: str, status: int
) -> None:
    for url in (XLSX, CSV):
        response = await client.get(url + query, headers=await sign_in(email))
        assert response.status_code == status, (url, response.text)
        if status >= 400:
            assert response.json()["detail"]


async def test_default_audience_is_the_widest_the_caller_may_read(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    focal = await client.get(XLSX, headers=await sign_in(FOCAL))
    assert 'filename="cop-comparison-2026-H1-peer.xlsx"' in focal.headers["content-disposition"]
    secretariat = await client.get(XLSX, headers=await sign_in(SECRETARIAT))
    assert 'filename="cop-comparison-2026-H1-internal.xlsx"' in secretariat.headers["content-disposition"]


async def test_anonymous_callers_are_refused(client: httpx.AsyncClient, demo) -> None:
    for url in (XLSX, CSV, XLSX + "?audience=donor"):
        assert (await client.get(url)).status_code == 401


async def test_unknown_or_unpublished_cycles_are_a_clear_404(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    headers = await sign_in(DONOR)
    unpublished = await client.get("/api/exports/2026-H2/comparison.xlsx", headers=headers)
    assert unpublished.status_code == 404
    assert "no scorecards have been published for 2026-H2" in unpublished.json()["detail"]
    unknown = await client.get("/api/exports/1999-H1/comparison.csv", headers=headers)
    assert unknown.status_code == 404 and "no cycle named" in unknown.json()["detail"]


async def test_an_open_cycle_gives_the_secretariat_a_well_formed_workbook(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    """Internal figures are live, so an unpublished cycle still has a Summary (nobody ranked yet)."""
    response = await client.get("/api/exports/2026-H2/comparison.xlsx", headers=await sign_in(SECRETARIAT))
    assert response.status_code == 200
    summary = pd.read_excel(io.BytesIO(response.content), sheet_name="Summary", engine="calamine")
    assert len(summary) == 14 and summary["Rank"].isna().all()


async def test_building_a_workbook_does_not_hold_up_other_requests(
    client: httpx.AsyncClient, demo, sign_in, monkeypatch
) -> None:
    release = threading.Event()
    real_render = exports.render
    finished: list[str] = []

    def slow_render(export, fmt):
        release.wait(timeout=30)  # a render on the event loop would stall /health until this times out
        return real_render(export, fmt)

    monkeypatch.setattr(exports, "render", slow_render)
    headers = await sign_in(DONOR)

    async def download() -> httpx.Response:
        response = await client.get(XLSX, headers=headers)
        finished.append("download")
        return response

    task = asyncio.create_task(download())
    await asyncio.sleep(0)
    health = await client.get("/health")
    finished.append("health")
    release.set()
    response = await task
    assert health.status_code == 200 and response.status_code == 200
    assert finished == ["health", "download"]


def test_file_names_keep_only_safe_characters() -> None:
    name = safe_filename('../2025"\r\nX-Evil: 1', "donor", None, "xlsx")
    assert name.endswith(".xlsx") and all(c.isalnum() or c in "._-" for c in name)
    assert ".." not in name and "/" not in name


def test_cli_export_writes_files_that_read_back(cli, demo, tmp_path: Path) -> None:
    workbook = tmp_path / "donor.xlsx"
    result = cli(
        "export", "--cycle", "2026-H1", "--audience", "donor", "--format", "xlsx", "-o", str(workbook)
    )
    assert result.returncode == 0, result.stderr
    assert "14 organizations" in result.stdout
    assert load_workbook(workbook).sheetnames == DONOR_SHEETS
    assert len(pd.read_excel(workbook, sheet_name="Summary", engine="calamine")) == 14
    table = tmp_path / "peer-ngo.csv"
    result = cli(
        "export",
        "--cycle",
        "2026-H1",
        "--audience",
        "peer",
        "--format",
        "csv",
        "--peer-type",
        "ngo",
        "-o",
        str(table),
    )
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(table, encoding="utf-8-sig")
    assert set(frame["Type key"]) == {"ngo"} and len(frame) == 5


def test_cli_export_refuses_clearly_and_writes_nothing(cli, demo, tmp_path: Path) -> None:
    target = tmp_path / "none.xlsx"
    result = cli("export", "--cycle", "2026-H2", "--audience", "donor", "-o", str(target))
    assert result.returncode == 2
    assert "no scorecards have been published for 2026-H2" in result.stderr
    assert not target.exists() and list(tmp_path.iterdir()) == []
    result = cli("export", "--cycle", "2026-H1", "-o", str(tmp_path / "missing-dir" / "x.xlsx"))
    assert result.returncode == 2 and "does not exist" in result.stderr
