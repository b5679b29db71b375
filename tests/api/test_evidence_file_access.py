"""Evidence files reach only those who may read them once the organization publishes
(docs/design.md "Evidence files"): tried as every outside role, on download and preview."""

from __future__ import annotations

import httpx

from tests.api.support import DONOR, FOCAL_NRA, FOCAL_USP, REVIEWER_OF_NRA, SECRETARIAT, org_id
from tests.api.test_evidence_files import new_update, upload
from tests.evidence_samples import pdf
from tests.test_security_review import publish_open_cycle

OUTSIDERS = (DONOR, FOCAL_USP, REVIEWER_OF_NRA)


async def attach(client: httpx.AsyncClient, headers: dict[str, str], update_id: int, visibility: str) -> int:
    answer = await upload(
        client, headers, update_id, f"{visibility}.pdf", pdf(visibility), visibility=visibility
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()[0]["id"])


async def test_outsiders_download_only_shared_files_of_published_updates(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    focal = await sign_in(FOCAL_NRA)
    public_update = await new_update(client, focal, "public")
    internal_update = await new_update(client, focal, "internal")
    internal_file = await attach(client, focal, public_update, "internal")
    shared_file = await attach(client, focal, public_update, "public")
    under_internal = await attach(client, focal, internal_update, "public")
    await publish_open_cycle(await org_id("NRA"))
    late_file = await attach(client, focal, public_update, "public")
    for email in OUTSIDERS:
        outsider = await sign_in(email)
        assert (await client.get(f"/api/evidence/{shared_file}/file", headers=outsider)).status_code == 200
        for hidden in (internal_file, under_internal):
            for route in ("file", "preview"):
                answer = await client.get(f"/api/evidence/{hidden}/{route}", headers=outsider)
                assert answer.status_code == 404, (email, hidden, route)
        assert (await client.get(f"/api/evidence/{shared_file}/preview", headers=outsider)).status_code == 404
        # Added after publishing: it goes out with the next publication, not before.
        assert (await client.get(f"/api/evidence/{late_file}/file", headers=outsider)).status_code == 404
        listed = await client.get(f"/api/updates/{public_update}/evidence", headers=outsider)
        assert [row["id"] for row in listed.json()["items"]] == [shared_file], email
    for route in ("file", "preview"):
        assert (await client.get(f"/api/evidence/{shared_file}/{route}")).status_code in (401, 404)
    secretariat = await sign_in(SECRETARIAT)
    assert (
        await client.get(f"/api/evidence/{internal_file}/preview", headers=secretariat)
    ).status_code == 200


async def test_nobody_outside_the_organization_attaches_or_changes_its_files(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    focal = await sign_in(FOCAL_NRA)
    update_id = await new_update(client, focal, "public")
    own = await attach(client, focal, update_id, "internal")
    for email in OUTSIDERS:
        outsider = await sign_in(email)
        answer = await upload(client, outsider, update_id, "x.pdf", pdf("x"))
        assert answer.status_code in (403, 404), (email, answer.status_code)
        patched = await client.patch(
            f"/api/evidence/{own}", json={"visibility": "public"}, headers={**outsider, "If-Match": '"1"'}
        )
        assert patched.status_code in (403, 404), (email, patched.status_code)
        decided = await client.post(
            f"/api/evidence/{own}/decision", json={"decision": "verify"}, headers=outsider
        )
        assert decided.status_code in (403, 404), (email, decided.status_code)
