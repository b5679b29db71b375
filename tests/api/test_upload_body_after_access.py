"""A file upload's body (up to about 101 MB) is read only once the caller may write there (docs/design.md
"Running it"): an anonymous caller, a person of another organization and a focal point naming another
organization's record are refused before the server reads the upload, and a declared Content-Length
over the route's limit is refused before anything is read, whoever asks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from api.guard import UPLOAD_CHECK
from models import evidence_files
from tests.api.support import FOCAL_NRA, FOCAL_USP, SECRETARIAT, first_commitment, org_id
from tests.evidence_samples import pdf

BOUNDARY = "upload-boundary-7f3a"
CHUNK = 1024 * 1024
CHUNKS = 30  # a 30 MB upload: below the route's limit, above what anyone should buffer for nothing


class Upload:
    """A multipart body sent in 1 MB chunks, counting how many chunks the server pulled."""

    def __init__(self, field: str, chunks: int = CHUNKS) -> None:
        self.head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; filename="big.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode() + pdf()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.chunks = chunks
        self.pulled = 0

    @property
    def length(self) -> int:
        return len(self.head) + self.chunks * CHUNK + len(self.tail)

    async def body(self) -> AsyncIterator[bytes]:
        for part in [self.head, *(b" " * CHUNK for _ in range(self.chunks)), self.tail]:
            self.pulled += 1
            yield part

    def headers(self, signed: dict[str, str], length: int | None = None) -> dict[str, str]:
        return {
            **signed,
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            "Content-Length": str(self.length if length is None else length),
        }


async def send(
    client: httpx.AsyncClient, url: str, upload: Upload, headers: dict[str, str]
) -> httpx.Response:
    return await client.post(url, content=upload.body(), headers=headers)


async def nra_update(client: httpx.AsyncClient, focal: dict[str, str]) -> int:
    commitment = await first_commitment("NRA")
    made = await client.post(
        f"/api/commitments/{commitment['id']}/updates",
        json={"narrative": "Policy adopted", "visibility": "internal"},
        headers=focal,
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


async def refused_unread(
    client: httpx.AsyncClient, url: str, field: str, signed: dict[str, str], chunks: int = CHUNKS
) -> int:
    upload = Upload(field, chunks)
    answer = await send(client, url, upload, upload.headers(signed))
    assert upload.pulled <= 1, (
        f"{url}: the server read {upload.pulled} chunks before answering {answer.status_code}"
    )
    return answer.status_code


async def test_an_update_upload_by_someone_who_may_not_edit_the_update_is_refused_unread(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    update_id = await nra_update(client, await sign_in(FOCAL_NRA))
    url = f"/api/updates/{update_id}/files"
    assert await refused_unread(client, url, "file", {}) == 401
    assert await refused_unread(client, url, "file", await sign_in(FOCAL_USP)) == 404


async def test_an_update_form_with_files_on_another_organizations_commitment_is_refused_unread(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    nra, usp = await org_id("NRA"), await org_id("USP")
    theirs = await first_commitment("USP")
    focal_nra = await sign_in(FOCAL_NRA)
    # The organization in the path is the focal point's own; the commitment is not.
    url = f"/organizations/{nra}/commitments/{theirs['id']}/updates/new"
    assert await refused_unread(client, url, "evidence_files", focal_nra) == 404
    url = f"/organizations/{usp}/commitments/{theirs['id']}/updates/new"
    assert await refused_unread(client, url, "evidence_files", focal_nra) == 404


async def test_answer_and_plan_uploads_to_another_organization_are_refused_unread(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    nra = await org_id("NRA")
    focal_usp = await sign_in(FOCAL_USP)
    for url, field in [
        (f"/api/organizations/{nra}/expectation-answers/2026-H2/1/files", "file"),
        (f"/organizations/{nra}/expectations/2026-H2/1", "evidence_files"),
        (f"/api/organizations/{nra}/plan", "file"),
        (f"/organizations/{nra}/import", "file"),
    ]:
        # 5 MB: below the plan import's limit of 10 MB too
        assert await refused_unread(client, url, field, focal_usp, chunks=5) in (403, 404), url


async def test_a_declared_length_over_the_limit_is_refused_before_anything_is_read(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    focal = await sign_in(FOCAL_NRA)
    update_id = await nra_update(client, focal)
    upload = Upload("file")
    answer = await send(
        client,
        f"/api/updates/{update_id}/files",
        upload,
        upload.headers(focal, length=evidence_files.MAX_REQUEST_BYTES + 1),
    )
    assert answer.status_code == 413, answer.text
    assert "larger than" in answer.json()["detail"]
    assert upload.pulled == 0


@pytest.mark.parametrize("who", [FOCAL_NRA, SECRETARIAT])
async def test_an_upload_by_someone_who_may_edit_is_read_and_kept(
    client: httpx.AsyncClient, demo: Any, sign_in: Any, who: str
) -> None:
    update_id = await nra_update(client, await sign_in(FOCAL_NRA))
    upload = Upload("file", chunks=0)
    answer = await send(client, f"/api/updates/{update_id}/files", upload, upload.headers(await sign_in(who)))
    assert answer.status_code == 201, answer.text
    assert answer.json()[0]["file_name"] == "big.pdf"


def test_every_route_that_takes_more_than_the_default_body_names_its_upload_check(app: Any) -> None:
    """A new upload route cannot forget the check: its body would be read before the caller's."""
    default = app.request_max_body_size
    larger = [
        f"{sorted(handler.http_methods)} {route.path}"
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        if (handler.resolve_request_max_body_size() or 0) > default and UPLOAD_CHECK not in handler.opt
    ]
    assert larger == []
