"""Publishing safely: a preview first, "publish early" before the period ends, and the words
"published before the cycle closed" on every page, JSON, CSV and workbook of such a scorecard."""

from __future__ import annotations

import io
from typing import Any

import httpx
import openpyxl

from models.engine import fetch
from tests.api.support import CHAMPION_NRA, DONOR, FOCAL_NRA, SECRETARIAT, org_id
from tests.pages.support import flash_of, visitor

OPEN = "2026-H2"  # runs until 2026-12-31; the suite's clock says 2026-12-01
NOTE = "Published before the cycle closed"


async def approved(client: httpx.AsyncClient, sign_in: Any, acronym: str = "NRA") -> int:
    org = await org_id(acronym)
    base = f"/api/organizations/{org}/submissions/{OPEN}"
    assert (await client.post(f"{base}/submit", headers=await sign_in(FOCAL_NRA))).status_code == 201
    assert (await client.post(f"{base}/approve", headers=await sign_in(CHAMPION_NRA))).status_code == 201
    return org


async def snapshots(org: int) -> int:
    rows = await fetch(
        "SELECT COUNT(*) AS n FROM scorecard_snapshot s JOIN cycle c ON c.id = s.cycle "
        "WHERE s.organization = {} AND c.name = {}",
        org,
        OPEN,
    )
    return int(rows[0]["n"])


async def test_publishing_before_the_period_ends_needs_publish_early_and_then_says_so_everywhere(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    org = await approved(client, sign_in)
    sec, donor = await sign_in(SECRETARIAT), await sign_in(DONOR)
    url = f"/api/organizations/{org}/submissions/{OPEN}/publish"

    refused = await client.post(url, headers=sec)
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["errors"] == [{"field": "publish_early", "message": body["detail"]}]
    assert "2026-12-31" in body["detail"] and "publish early" in body["detail"]
    assert await snapshots(org) == 0  # nothing half-written
    status = (await client.get(f"/api/organizations/{org}/submissions/{OPEN}", headers=sec)).json()
    assert status["status"] == "approved"

    assert (await client.post(url, json={"publish_early": True}, headers=sec)).status_code == 201
    card = (await client.get(f"/api/organizations/{org}/scorecards/{OPEN}", headers=donor)).json()
    assert card["published_early"] is True and card["publication_note"] == "published before the cycle closed"
    listing = (await client.get(f"/api/scorecards/{OPEN}", headers=donor)).json()
    assert listing["published_early"] is True and listing["publication_note"]
    assert [row["published_early"] for row in listing["items"] if row["org_id"] == org] == [True]

    csv = await client.get(f"/api/exports/{OPEN}/comparison.csv", headers=donor)
    header, *rows = csv.content.decode("utf-8-sig").splitlines()
    assert header.endswith(NOTE) and all(row.endswith(",true") for row in rows)
    workbook = openpyxl.load_workbook(
        io.BytesIO((await client.get(f"/api/exports/{OPEN}/comparison.xlsx", headers=donor)).content)
    )
    readme = [cell for row in workbook.worksheets[0].iter_rows(values_only=True) for cell in row if cell]
    assert f"{NOTE}." in readme
    summary = list(workbook["Summary"].iter_rows(values_only=True))
    assert NOTE in summary[0]

    page = await visitor(client, sign_in, "donor")
    for path in (f"/scorecards/{OPEN}", f"/organizations/{org}/scorecards/{OPEN}", "/published", "/donors"):
        answer = await page.get(path) if path != "/donors" else await page.get(path, cycle=OPEN)
        assert answer.status_code == 200 and NOTE in answer.text, path


async def test_a_cycle_published_after_its_period_needs_no_confirmation_and_says_nothing(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    donor = await sign_in(DONOR)
    for cycle in demo.cycles[:-1]:  # the demo's past cycles were published after they closed
        listing = (await client.get(f"/api/scorecards/{cycle}", headers=donor)).json()
        assert listing["published_early"] is False and listing["publication_note"] is None
        csv = (await client.get(f"/api/exports/{cycle}/comparison.csv", headers=donor)).content
        assert all(row.endswith(",false") for row in csv.decode("utf-8-sig").splitlines()[1:])
    page = await visitor(client, sign_in, "donor")
    assert NOTE not in (await page.get(f"/scorecards/{demo.cycles[-2]}")).text


async def test_the_secretariat_previews_the_peer_and_donor_view_then_confirms(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    org = await approved(client, sign_in)
    sec = await visitor(client, sign_in, "secretariat")
    here = f"/organizations/{org}/submissions/{OPEN}"
    report = await sec.get(here)
    assert f'href="{here}/publish"' in report.text and f'action="{here}/publish"' not in report.text
    preview = await sec.get(f"{here}/publish")
    assert preview.status_code == 200
    assert "What peers will read" in preview.text and "What donors will read" in preview.text
    assert "published before the cycle closed" in preview.text and 'name="publish_early"' in preview.text

    unconfirmed = await sec.post(f"{here}/publish", {"publish_early": "yes"})
    assert unconfirmed.status_code == 400 and "confirm that you have read the preview" in unconfirmed.text
    not_early = await sec.post(f"{here}/publish", {"confirm_publish": "yes"})
    assert not_early.status_code == 409 and 'id="error-publish_early"' in not_early.text
    assert await snapshots(org) == 0
    done = await sec.post(f"{here}/publish", {"confirm_publish": "yes", "publish_early": "yes"})
    assert done.status_code == 303 and "was published" in flash_of(done)
    assert await snapshots(org) == 3

    focal = await visitor(client, sign_in, "focal.nra")
    assert (await focal.get(f"{here}/publish")).status_code in (403, 404)


async def test_publishing_every_approved_report_early_needs_the_box_ticked(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    org = await approved(client, sign_in)
    sec = await visitor(client, sign_in, "secretariat")
    page = await sec.get(f"/admin/cycles/{OPEN}")
    assert 'name="publish_early"' in page.text
    refused = await sec.post(f"/admin/cycles/{OPEN}/publish-approved")
    assert "Publish early" in flash_of(refused) and await snapshots(org) == 0
    done = await sec.post(f"/admin/cycles/{OPEN}/publish-approved", {"publish_early": "yes"})
    assert flash_of(done).startswith("Published") and await snapshots(org) == 3
