"""The import through the API (multipart, `?dry_run=true`, the route x role table) and the command
line (one-line errors with exit 2, the JSON report, the summary line)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import httpx
from openpyxl import load_workbook

from tests.api.support import FOCAL_NRA, FOCAL_USP, SECRETARIAT, org_id, row_count
from tests.plans.files import MATRIX_HEADERS, MATRIX_ROWS, csv_bytes, xlsx_bytes

NRA_ROWS = [row[:4] + ("NRA",) for row in MATRIX_ROWS]


def _upload(data: bytes, name: str = "matrix.csv", **fields: str) -> dict[str, Any]:
    return {"files": {"file": (name, data, "text/csv")}, "data": fields}


async def test_a_focal_point_previews_then_imports_a_plan(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    focal = await sign_in(FOCAL_NRA)
    nra = await org_id("NRA")
    before = await row_count("commitment")
    data = csv_bytes(MATRIX_HEADERS, NRA_ROWS)
    preview = await client.post(
        f"/api/organizations/{nra}/plan?dry_run=true",
        headers=focal,
        **_upload(data, reference_date="2016-01-10"),
    )
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["dry_run"] is True and body["written"] is False
    assert [r["status"] for r in body["rows"]] == ["created"] * 4
    assert body["rows"][0]["milestones"][0] == {
        "title": "1st draft",
        "due_date": "2016-02-24",
        "note": "no year given: the year of the reference date",
        "text": "1st draft by 24 February",
    }
    assert await row_count("commitment") == before
    done = await client.post(
        f"/api/organizations/{nra}/plan",
        headers=focal,
        **_upload(data, reference_date="2016-01-10", accept_suggestions="true"),
    )
    assert done.status_code == 200, done.text
    assert done.json()["counts"]["created"] == 4 and done.json()["written"] is True
    assert await row_count("commitment") == before + 4
    listed = (await client.get(f"/api/organizations/{nra}/commitments", headers=focal)).json()
    titles = [c["title"] for c in (listed["items"] if isinstance(listed, dict) else listed)]
    assert "Adopt a protection policy" in titles


async def test_a_refused_real_import_answers_422_and_writes_nothing(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    focal = await sign_in(FOCAL_NRA)
    nra = await org_id("NRA")
    before = await row_count("commitment")
    answer = await client.post(f"/api/organizations/{nra}/plan", headers=focal, **_upload(csv_bytes()))
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("matrix.csv: nothing was written")
    assert await row_count("commitment") == before


async def test_only_the_organizations_focal_points_and_the_secretariat_import_and_export(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    nra = await org_id("NRA")
    other = await sign_in(FOCAL_USP)
    refused = await client.post(
        f"/api/organizations/{nra}/plan?dry_run=true", headers=other, **_upload(csv_bytes())
    )
    assert refused.status_code == 403
    assert (await client.get(f"/api/organizations/{nra}/plan.xlsx", headers=other)).status_code == 403
    assert (await client.get(f"/api/organizations/{nra}/plan.xlsx")).status_code == 401
    secretariat = await sign_in(SECRETARIAT)
    exported = await client.get(f"/api/organizations/{nra}/plan.xlsx", headers=secretariat)
    assert exported.status_code == 200
    assert exported.headers["content-disposition"].startswith('attachment; filename="plan-NRA-')
    assert load_workbook(io.BytesIO(exported.content)).sheetnames == ["Commitments", "Milestones", "Lists"]


async def test_a_hostile_upload_is_one_clear_400(client: httpx.AsyncClient, demo: Any, sign_in: Any) -> None:
    focal = await sign_in(FOCAL_NRA)
    nra = await org_id("NRA")
    answer = await client.post(
        f"/api/organizations/{nra}/plan?dry_run=true", headers=focal, **_upload(xlsx_bytes(), "plan.xlsm")
    )
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("plan.xlsm is a macro-enabled workbook")
    missing = await client.post(f"/api/organizations/{nra}/plan", headers=focal, files={"other": ("x", b"x")})
    assert missing.status_code == 400


async def test_the_command_imports_with_a_report_and_refuses_in_one_line(
    cli: Any, demo: Any, tmp_path: Path
) -> None:
    plan = tmp_path / "matrix.csv"
    plan.write_bytes(csv_bytes(delimiter=";", encoding="cp1252"))
    report = tmp_path / "report.json"
    dry = cli("import", str(plan), "--reference-date", "2016-01-10", "--dry-run", "--report", str(report))
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.strip().startswith("matrix.csv: 5 created (dry run: nothing was written")
    rows = json.loads(report.read_text())["rows"]
    assert [r["row"] for r in rows] == [2, 3, 3, 4, 5] and rows[3]["organization"] == "USP"
    refused = cli("import", str(plan), "--reference-date", "2016-01-10")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert refused.stderr.startswith(
        "cop-tracker: error: matrix.csv: nothing was written: 4 of 4 rows refused"
    )
    done = cli("import", str(plan), "--reference-date", "2016-01-10", "--accept-suggestions")
    assert done.returncode == 0 and done.stdout.strip() == "matrix.csv: 5 created (written)"
    again = cli("import", str(plan), "--reference-date", "2016-01-10", "--accept-suggestions")
    assert again.stdout.strip() == "matrix.csv: 5 unchanged (nothing new to write)"
    into_one = cli("import", str(plan), "--org", "usp", "--area", "policy", "--dry-run")
    # USP already has the rows that named it (same organization, same row): only the other two are new.
    assert into_one.returncode == 0 and into_one.stdout.startswith("matrix.csv: 2 created, 2 unchanged")


async def test_the_command_names_what_to_fix(cli: Any, demo: Any, tmp_path: Path) -> None:
    plan = tmp_path / "plan.xlsm"
    plan.write_bytes(xlsx_bytes())
    for args, message in [
        ((str(plan),), "plan.xlsm is a macro-enabled workbook"),
        ((str(tmp_path / "missing.csv"),), "cannot read"),
        ((str(plan).replace(".xlsm", ".csv"), "--org", "NOPE"), "no organization with acronym 'NOPE'"),
    ]:
        if args[0].endswith(".csv") and "NOPE" in args:
            Path(args[0]).write_bytes(csv_bytes())
        answer = cli("import", *args)
        assert answer.returncode == 2 and message in answer.stderr and answer.stderr.count("\n") == 1
