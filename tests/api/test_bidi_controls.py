"""What people write loses Unicode's bidi embeddings, overrides and isolates on the way in, and
keeps the marks (docs/design.md "Languages"): a title cannot reorder the words shown after it."""

from __future__ import annotations

import datetime as dt

import httpx

from models import clock
from models.engine import fetch
from models.plan_files import read_plan_file
from models.words import without_bidi_controls
from tests.api.support import FOCAL_NRA, org_id
from tests.api.test_evidence_files import upload
from tests.evidence_samples import pdf
from tests.plans.files import csv_bytes

# Every control removed: LRE RLE PDF LRO RLO and LRI RLI FSI PDI.
CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# The marks that stay: LRM, RLM and the Arabic letter mark.
MARKS = "\u200e\u200f\u061c"


def spoofed(text: str) -> str:
    """`text` with a right-to-left override in it and every other control around it."""
    return f"{CONTROLS[:4]}{text}\u202e tem ton{CONTROLS[5:]}"


def test_only_the_controls_are_removed() -> None:
    assert without_bidi_controls(spoofed("Budget")) == "Budget tem ton"
    assert without_bidi_controls(f"الميزانية{MARKS} 2026") == f"الميزانية{MARKS} 2026"


async def stored(table: str, row_id: int, *columns: str) -> list[str]:
    row = (await fetch(f"SELECT {', '.join(columns)} FROM {table} WHERE id = {{}}", row_id))[0]
    return [row[column] for column in columns]


async def test_commitments_milestones_updates_and_files_are_stored_without_bidi_controls(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    focal = await sign_in(FOCAL_NRA)
    nra = await org_id("NRA")
    commitment = await client.post(
        f"/api/organizations/{nra}/commitments",
        json={"area": "policy", "title": spoofed("Budget"), "description": spoofed("Line\n2027") + MARKS},
        headers=focal,
    )
    assert commitment.status_code == 201, commitment.text
    cid = commitment.json()["id"]
    assert commitment.json()["title"] == "Budget tem ton"
    assert await stored("commitment", cid, "title", "description") == [
        "Budget tem ton",
        f"Line\n2027 tem ton{MARKS}",
    ]
    patched = await client.patch(
        f"/api/commitments/{cid}", json={"title": spoofed("Edited")}, headers={**focal, "If-Match": '"1"'}
    )
    assert patched.status_code == 200 and patched.json()["title"] == "Edited tem ton"

    milestone = await client.post(
        f"/api/commitments/{cid}/milestones",
        json={"title": spoofed("Draft"), "due_date": str(clock.today() + dt.timedelta(days=9))},
        headers=focal,
    )
    assert milestone.status_code == 201, milestone.text
    assert await stored("milestone", milestone.json()["id"], "title") == ["Draft tem ton"]

    update = await client.post(
        f"/api/commitments/{cid}/updates",
        json={
            "narrative": spoofed("Adopted"),
            "visibility": "internal",
            "evidence": [{"url": "https://nra.example.org/a", "title": spoofed("Decree")}],
        },
        headers=focal,
    )
    assert update.status_code == 201, update.text
    assert await stored("progress_update", update.json()["id"], "narrative") == ["Adopted tem ton"]
    assert update.json()["evidence"][0]["title"] == "Decree tem ton"

    # A file named "report", RLO, "fdp.exe" reads "reportexe.pdf": its name is stored without the
    # override (and with the extension of what it holds), and so is its title.
    files = await upload(
        client, focal, update.json()["id"], "report\u202efdp.exe", pdf(), title=spoofed("Scan")
    )
    assert files.status_code == 201, files.text
    row = files.json()[0]
    assert row["file_name"] == "reportfdp.pdf" and row["title"] == "Scan tem ton"
    assert await stored("evidence", row["id"], "file_name", "title") == ["reportfdp.pdf", "Scan tem ton"]


def test_an_imported_plan_is_read_without_bidi_controls() -> None:
    data = csv_bytes(("Action", "Responsable"), [(spoofed("Policy"), f"NRA{MARKS}")])
    (row,) = read_plan_file(data, "plan.csv").rows
    assert row.values == {"title": "Policy tem ton", "lead": f"NRA{MARKS}"}
