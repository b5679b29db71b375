"""Evidence files on progress updates (docs/design.md "Evidence files"): each allowed type accepted
by its content, others refused with nothing left behind, served to those who may read them only."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from models import evidence_files
from models.engine import fetch as fetch_rows
from tests.api.support import DONOR, FOCAL_NRA, FOCAL_USP, SECRETARIAT, first_commitment, row_count
from tests.evidence_samples import ALLOWED, REFUSED, pdf


async def new_update(client: httpx.AsyncClient, headers: dict[str, str], visibility: str = "internal") -> int:
    commitment = await first_commitment("NRA")
    answer = await client.post(
        f"/api/commitments/{commitment['id']}/updates",
        json={"narrative": "Policy adopted", "visibility": visibility},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def stored_count() -> int:
    return len(evidence_files.stored_files())


async def upload(
    client: httpx.AsyncClient, headers: dict[str, str], update_id: int, name: str, data: bytes, **fields: str
) -> httpx.Response:
    return await client.post(
        f"/api/updates/{update_id}/files",
        files=[("file", (name, data, "application/octet-stream"))],
        data=fields,
        headers=headers,
    )


async def test_each_allowed_type_is_accepted_by_its_content(client: httpx.AsyncClient, demo, sign_in) -> None:
    focal = await sign_in(FOCAL_NRA)
    update_id = await new_update(client, focal)
    for name, (build, content_type) in ALLOWED.items():
        data = build()
        answer = await upload(client, focal, update_id, name, data)
        assert answer.status_code == 201, (name, answer.text)
        row = answer.json()[0]
        assert (row["file_name"], row["file_type"], row["file_size"]) == (name, content_type, len(data))
        download = await client.get(row["url"], headers=focal)
        assert download.status_code == 200 and download.content == data
        assert download.headers["content-type"].startswith(content_type)
        assert download.headers["x-content-type-options"] == "nosniff"
        assert download.headers["cache-control"] == "no-store"
        assert download.headers["content-disposition"].startswith("attachment")
    listed = await client.get(f"/api/updates/{update_id}/evidence", headers=focal)
    assert len(listed.json()["items"]) == len(ALLOWED)
    # Stored under random names, never the original one.
    assert all(len(path.name) == 32 for path in evidence_files.stored_files())


@pytest.mark.parametrize("name", sorted(REFUSED))
async def test_a_file_that_only_pretends_is_refused_and_nothing_is_kept(
    client: httpx.AsyncClient, demo, sign_in, name: str
) -> None:
    focal = await sign_in(FOCAL_NRA)
    update_id = await new_update(client, focal)
    rows, files = await row_count("evidence"), stored_count()
    answer = await upload(client, focal, update_id, name, REFUSED[name])
    assert answer.status_code == 400, answer.text
    assert name in answer.json()["detail"] and "PDF, Word" in answer.json()["detail"]
    assert (await row_count("evidence"), stored_count()) == (rows, files)


async def test_one_refused_file_refuses_the_whole_update(client: httpx.AsyncClient, demo, sign_in) -> None:
    focal = await sign_in(FOCAL_NRA)
    update_id = await new_update(client, focal)
    rows, files = await row_count("evidence"), stored_count()
    answer = await client.post(
        f"/api/updates/{update_id}/files",
        files=[
            ("file", ("ok.pdf", pdf(), "application/pdf")),
            ("file", ("page.png", REFUSED["chart.png"], "image/png")),
        ],
        headers=focal,
    )
    assert answer.status_code == 400 and "page.png" in answer.json()["detail"]
    assert (await row_count("evidence"), stored_count()) == (rows, files)


async def test_a_file_over_20_mb_is_refused(client: httpx.AsyncClient, demo, sign_in) -> None:
    focal = await sign_in(FOCAL_NRA)
    update_id = await new_update(client, focal)
    big = pdf() + b"\0" * (evidence_files.MAX_FILE_BYTES + 1 - len(pdf()))
    files = stored_count()
    answer = await upload(client, focal, update_id, "big.pdf", big)
    assert answer.status_code == 413, answer.text
    assert "big.pdf" in answer.json()["detail"] and "20 MB" in answer.json()["detail"]
    assert stored_count() == files


async def test_files_are_served_only_to_those_who_may_read_them(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    focal = await sign_in(FOCAL_NRA)
    update_id = await new_update(client, focal, visibility="public")
    answer = await upload(client, focal, update_id, 'draft"; x=1\r\n.pdf', pdf("draft"))
    assert answer.status_code == 201
    row: dict[str, Any] = answer.json()[0]
    assert row["visibility"] == "internal"
    assert '"' not in row["file_name"] and "\n" not in row["file_name"]
    secretariat = await sign_in(SECRETARIAT)
    assert (await client.get(row["url"], headers=secretariat)).status_code == 200
    for outsider in (await sign_in(DONOR), await sign_in(FOCAL_USP), {}):
        assert (await client.get(row["url"], headers=outsider)).status_code in (401, 404)
        assert (await client.get(f"/api/evidence/{row['id']}/preview", headers=outsider)).status_code in (
            401,
            404,
        )
    preview = await client.get(f"/api/evidence/{row['id']}/preview", headers=secretariat)
    assert preview.status_code == 200 and preview.headers["content-disposition"].startswith("inline")
    assert preview.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in preview.headers["content-security-policy"]
    # A public file of an update not yet published stays unknown outside the organization.
    public = (await upload(client, focal, update_id, "public.pdf", pdf(), visibility="public")).json()[0]
    assert (await client.get(public["url"], headers=await sign_in(DONOR))).status_code == 404
    assert (await client.get(f"/api/evidence/{public['id']}/file", headers=focal)).status_code == 200


async def test_the_secretariat_rejects_a_file_with_a_reason_and_the_focal_points_are_told(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    focal = await sign_in(FOCAL_NRA)
    update_id = await new_update(client, focal)
    row = (await upload(client, focal, update_id, "policy.pdf", pdf())).json()[0]
    secretariat = await sign_in(SECRETARIAT)
    refused = await client.post(
        f"/api/evidence/{row['id']}/decision", json={"decision": "reject", "reason": ""}, headers=secretariat
    )
    assert refused.status_code == 400
    assert (
        await client.post(
            f"/api/evidence/{row['id']}/decision", json={"decision": "reject", "reason": "x"}, headers=focal
        )
    ).status_code == 403
    before = await row_count("reminder")
    answer = await client.post(
        f"/api/evidence/{row['id']}/decision",
        json={"decision": "reject", "reason": "The scan is unreadable; send the signed PDF."},
        headers=secretariat,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["rejection_reason"].startswith("The scan is unreadable")
    assert await row_count("reminder") > before
    again = await client.post(
        f"/api/evidence/{row['id']}/decision", json={"decision": "verify"}, headers=secretariat
    )
    assert again.status_code == 409


async def test_the_update_form_takes_files_and_names_a_refused_one(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    focal = await sign_in(FOCAL_NRA)
    commitment = await first_commitment("NRA")
    path = f"/organizations/{commitment['organization']}/commitments/{commitment['id']}/updates/new"
    form = await client.get(path, headers=focal)
    assert 'enctype="multipart/form-data"' in form.text and 'name="evidence_files"' in form.text
    assert 'accept=".pdf' in form.text
    fields = {
        "_csrf": focal["X-CSRF-Token"],
        "narrative": "Signed policy",
        "evidence_files_visibility": "peer",
    }
    cookie = {"Cookie": focal["Cookie"]}
    rows, files = await row_count("evidence"), stored_count()
    refused = await client.post(
        path,
        data=fields,
        files=[
            ("evidence_files", ("policy.pdf", pdf(), "application/pdf")),
            ("evidence_files", ("run.pdf", REFUSED["report.pdf"], "application/pdf")),
        ],
        headers=cookie,
    )
    assert refused.status_code == 400, refused.text
    assert "un.pdf is not a file type we accept: send PDF, Word" in refused.text
    assert 'id="error-evidence_files"' in refused.text
    assert (await row_count("evidence"), stored_count()) == (rows, files)
    added = await client.post(
        path,
        data=fields,
        files=[("evidence_files", ("policy.pdf", pdf(), "application/pdf"))],
        headers=cookie,
    )
    assert added.status_code == 303, added.text
    stored = await fetch_rows(
        "SELECT file_name, visibility, url FROM evidence WHERE file_key <> '' ORDER BY id DESC"
    )
    assert (stored[0]["file_name"], stored[0]["visibility"]) == ("policy.pdf", "peer")
    page = await client.get(added.headers["location"], headers=cookie)
    assert stored[0]["url"] in page.text


async def test_the_secretariat_previews_and_rejects_a_file_on_the_verification_page(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    focal = await sign_in(FOCAL_NRA)
    update_id = await new_update(client, focal)
    row = (await upload(client, focal, update_id, "policy.pdf", pdf())).json()[0]
    image = (await upload(client, focal, update_id, "chart.png", ALLOWED["chart.png"][0]())).json()[0]
    # The demo's own links wait too; these two alone are left in the queue.
    await fetch_rows("UPDATE evidence SET verified_at = created_at WHERE id < {}", row["id"])
    secretariat = await sign_in(SECRETARIAT)
    queue = await client.get("/admin/evidence/?page=1", headers=secretariat)
    assert f'<iframe src="/api/evidence/{row["id"]}/preview"' in queue.text
    assert f'<img src="/api/evidence/{image["id"]}/preview"' in queue.text
    assert "default-src 'self'" in queue.headers["content-security-policy"]
    cookie = {"Cookie": secretariat["Cookie"]}
    fields = {"_csrf": secretariat["X-CSRF-Token"], "next": "/admin/evidence"}
    empty = await client.post(
        f"/admin/evidence/{row['id']}/reject", data={**fields, "reason": ""}, headers=cookie
    )
    assert empty.status_code == 303
    assert (await fetch_rows("SELECT rejected_at FROM evidence WHERE id = {}", row["id"]))[0][
        "rejected_at"
    ] is None
    rejected = await client.post(
        f"/admin/evidence/{row['id']}/reject", data={**fields, "reason": "Unsigned draft."}, headers=cookie
    )
    assert rejected.status_code == 303
    after = await client.get("/admin/evidence/?page=1", headers=secretariat)
    assert f"/api/evidence/{row['id']}/preview" not in after.text
    commitment = await first_commitment("NRA")
    page = await client.get(
        f"/organizations/{commitment['organization']}/commitments/{commitment['id']}",
        headers={"Cookie": focal["Cookie"]},
    )
    assert "Unsigned draft." in page.text


async def test_the_original_name_is_kept_as_data_only(client: httpx.AsyncClient, demo, sign_in) -> None:
    focal = await sign_in(FOCAL_NRA)
    update_id = await new_update(client, focal)
    named = (await upload(client, focal, update_id, "политика été.pdf", pdf())).json()[0]
    download = await client.get(named["url"], headers=focal)
    assert download.headers["content-disposition"] == (
        "attachment; filename*=utf-8''%D0%BF%D0%BE%D0%BB%D0%B8%D1%82%D0%B8%D0%BA%D0%B0%20%C3%A9t%C3%A9.pdf"
    )
    # No path survives, and the extension is the one the content proves.
    path = (await upload(client, focal, update_id, "../../etc/passwd.exe", pdf())).json()[0]
    assert path["file_name"] == "passwd.pdf"
    moved = await client.patch(
        f"/api/evidence/{path['id']}",
        json={"url": "https://elsewhere.example.org/"},
        headers={**focal, "If-Match": '"1"'},
    )
    assert moved.status_code == 400
