"""An organization's page answers most of its reads from memory, under the versions the database's
triggers move (docs/design.md "Reads kept in memory"): every write, through any door and from any
process, reaches the page at the next view, and what one reader may see never reaches another.

"Elsewhere" is a write on a connection of its own (`write_elsewhere`), as a second worker, the
command line or a hand-written statement makes it: nothing in this process hears of it but the
database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from models.engine import fetch
from models.versions import forget_kept_reads
from tests.api.support import DONOR, FOCAL_NRA, FOCAL_USP, REVIEWER_OF_NRA, SECRETARIAT, email, org_id
from tests.pages.test_act_on_milestones import overdue_milestone
from tests.plans.files import MATRIX_HEADERS, csv_bytes
from tests.reviews.test_practice import strong_and_weak
from tests.scorecards.test_live_levels_cache import write_elsewhere

PLAN = [("R1", "Imported plan marker", "", "End of 2027", "NRA")]  # one row: a commitment and its milestone


async def page(client: httpx.AsyncClient, headers: dict[str, str], org: int) -> str:
    answer = await client.get(f"/organizations/{org}", headers=headers)
    assert answer.status_code == 200, answer.status_code
    return answer.text


async def retitled(
    client: httpx.AsyncClient, headers: dict[str, str], commitment_id: int, version: int, title: str
) -> int:
    """The commitment retitled through the API (by whichever server `client` reaches): its new version."""
    edited = await client.patch(
        f"/api/commitments/{commitment_id}",
        json={"title": title},
        headers={**headers, "If-Match": f'"{version}"'},
    )
    assert edited.status_code == 200, edited.text
    return int(edited.json()["version"])


async def nra_records() -> dict[str, Any]:
    nra = await org_id("NRA")
    commitment = (
        await fetch("SELECT id, owner, version FROM commitment WHERE organization = {} ORDER BY id", nra)
    )[0]
    milestone = await overdue_milestone(nra)  # listed on the page (overdue), with its title
    return {"org": nra, "commitment": commitment, "milestone": int(milestone["id"])}


async def test_a_write_made_elsewhere_reaches_the_page_at_the_next_view(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    """Each kind of row the page reads, changed behind the app's back, right after a view that put
    it in memory: the organization, its commitments, milestones, owners (people), the areas."""
    nra = await nra_records()
    focal = {"Cookie": (await sign_in(FOCAL_NRA))["Cookie"]}
    owner = nra["commitment"]["owner"]
    assert owner is not None, "the demo's first commitment of NRA has an owner"
    writes = [
        ("UPDATE organization SET name = {} WHERE id = {}", "Renamed elsewhere org", nra["org"]),
        ("UPDATE commitment SET title = {} WHERE id = {}", "Retitled elsewhere commitment", nra["commitment"]["id"]),
        ("UPDATE milestone SET title = {} WHERE id = {}", "Retitled elsewhere milestone", nra["milestone"]),
        ("UPDATE person SET name = {} WHERE id = {}", "Renamed elsewhere owner", owner),
        ("UPDATE area SET name = {} WHERE key = {}", "Renamed elsewhere area", "policy"),
    ]  # fmt: skip
    for sql, marker, key in writes:
        before = await page(client, focal, nra["org"])
        assert before == await page(client, focal, nra["org"])  # the second view from memory
        assert marker not in before
        await write_elsewhere(sql, marker, key)
        assert marker in await page(client, focal, nra["org"]), sql


async def test_writes_through_the_api_the_pages_and_an_import_reach_the_page(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    nra = await nra_records()
    headers = await sign_in(FOCAL_NRA)
    await page(client, headers, nra["org"])
    commitment = nra["commitment"]
    await retitled(client, headers, commitment["id"], commitment["version"], "Retitled through the API")
    assert "Retitled through the API" in await page(client, headers, nra["org"])

    imported = await client.post(
        f"/api/organizations/{nra['org']}/plan",
        headers=headers,
        files={"file": ("matrix.csv", csv_bytes(MATRIX_HEADERS, PLAN), "text/csv")},
        data={"reference_date": "2016-01-10", "accept_suggestions": "true", "area": "policy"},
    )
    assert imported.status_code == 200, imported.text
    assert "Imported plan marker" in await page(client, headers, nra["org"])

    submitted = await client.post(
        f"/organizations/{nra['org']}/submissions/2026-H2/submit",
        data={"_csrf": headers["X-CSRF-Token"], "cover_note": ""},
        headers={"Cookie": headers["Cookie"]},
    )
    assert submitted.status_code in (303, 200), submitted.status_code
    status = (
        await fetch(
            "SELECT s.status FROM submission s JOIN cycle c ON c.id = s.cycle "
            "WHERE s.organization = {} AND c.name = '2026-H2'",
            nra["org"],
        )
    )[0]["status"]
    assert status == "submitted"
    assert "Submitted" in await page(client, headers, nra["org"])


async def test_who_could_help_follows_the_helpers_notes_and_names_and_keeps_their_internal_words_inside(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    """The helpers' notes are kept as read, for everyone: each reader's audience filters them
    afresh, so the secretariat's view never hands an internal note to the weak organization's focal
    point, in either order."""
    area, strong, weak = await strong_and_weak()
    strong_id, weak_id = await org_id(strong), await org_id(weak)
    helper = await sign_in(email(f"focal.{strong.lower()}"))
    focal = {"Cookie": (await sign_in(email(f"focal.{weak.lower()}")))["Cookie"]}
    secretariat = {"Cookie": (await sign_in(SECRETARIAT))["Cookie"]}

    async def note(words: str, visibility: str) -> None:
        answer = await client.post(
            f"/api/organizations/{strong_id}/practice-notes",
            json={"area": area, "what_worked": words, "visibility": visibility},
            headers=helper,
        )
        assert answer.status_code == 201, answer.text

    await page(client, focal, weak_id)
    await note("Shared with peers marker", "peer")
    assert "Shared with peers marker" in await page(client, focal, weak_id)

    await note("Inside the helper marker", "internal")  # its latest word: internal only
    assert "Inside the helper marker" in await page(client, secretariat, weak_id)
    for _ in range(2):
        seen = await page(client, focal, weak_id)
        assert "Inside the helper marker" not in seen and "Shared with peers marker" not in seen
    assert "Inside the helper marker" in await page(client, secretariat, weak_id)

    await note("Shared again marker", "peer")
    await write_elsewhere(
        "UPDATE organization SET name = {} WHERE id = {}", "Helper renamed elsewhere", strong_id
    )
    seen = await page(client, focal, weak_id)
    assert "Shared again marker" in seen and "Helper renamed elsewhere" in seen


async def test_once_the_page_is_in_memory_outsiders_still_read_nothing_of_it(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    """A title changed since the organization's latest publication and an internal description,
    in memory after its own people's views: its peers, its reviewer and the donors get no page, and
    the commitments they read are the published ones, without either."""
    nra = await nra_records()
    await write_elsewhere(
        "UPDATE commitment SET title = {}, description = {}, description_visibility = 'internal' WHERE id = {}",
        "Unpublished title marker",
        "Internal description marker",
        nra["commitment"]["id"],
    )
    for own in (FOCAL_NRA, SECRETARIAT):
        headers = await sign_in(own)
        assert "Unpublished title marker" in await page(client, headers, nra["org"])
        listed = await client.get(f"/api/organizations/{nra['org']}/commitments", headers=headers)
        assert "Internal description marker" in listed.text
    for outsider in (FOCAL_USP, REVIEWER_OF_NRA, DONOR):
        headers = await sign_in(outsider)
        assert (await client.get(f"/organizations/{nra['org']}", headers=headers)).status_code == 404
        listed = await client.get(f"/api/organizations/{nra['org']}/commitments", headers=headers)
        assert listed.status_code == 200 and listed.json()["items"], outsider
        assert "marker" not in listed.text, outsider


async def test_a_second_view_reads_the_versions_the_caller_and_the_callers_reminders_only(
    client: httpx.AsyncClient, demo: Any, sign_in: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.pages.test_organization_page_reads import reads_recorded

    nra = await org_id("NRA")
    headers = await sign_in(FOCAL_NRA)
    forget_kept_reads()
    await page(client, headers, nra)
    with reads_recorded(monkeypatch) as reads:
        await page(client, headers, nra)
    tables = [sql for sql, _ in reads.queries]
    assert len(tables) <= 3, tables
    assert any("organization_version" in sql for sql in tables), tables


@pytest.mark.slow  # a server in a process of its own
async def test_a_write_in_one_process_reaches_the_page_served_by_another(
    client: httpx.AsyncClient, live_server: Any, sign_in: Any
) -> None:
    """Two processes serving one database, as two workers do: each puts the page in memory, the
    other writes, and the next view shows the write."""
    nra = await nra_records()
    headers = await sign_in(FOCAL_NRA)
    cookie = {"Cookie": headers["Cookie"]}
    async with httpx.AsyncClient(base_url=live_server.url, trust_env=False, timeout=30) as other:
        assert (await other.get(f"/organizations/{nra['org']}", headers=cookie)).status_code == 200
        commitment = nra["commitment"]
        version = await retitled(
            client, headers, commitment["id"], commitment["version"], "Written by this process"
        )
        assert (
            "Written by this process"
            in (await other.get(f"/organizations/{nra['org']}", headers=cookie)).text
        )

        assert "Written by this process" in await page(client, cookie, nra["org"])
        await retitled(other, headers, commitment["id"], version, "Written by the other process")
        assert "Written by the other process" in await page(client, cookie, nra["org"])


async def test_an_import_on_the_command_line_reaches_the_page(
    client: httpx.AsyncClient, demo: Any, sign_in: Any, cli: Any, tmp_path: Path
) -> None:
    nra = await org_id("NRA")
    headers = {"Cookie": (await sign_in(FOCAL_NRA))["Cookie"]}
    assert "Imported plan marker" not in await page(client, headers, nra)
    plan = tmp_path / "matrix.csv"
    plan.write_bytes(csv_bytes(MATRIX_HEADERS, PLAN))
    done = cli("import", str(plan), "--reference-date", "2016-01-10", "--area", "policy")
    assert done.returncode == 0, done.stderr
    assert "Imported plan marker" in await page(client, headers, nra)
