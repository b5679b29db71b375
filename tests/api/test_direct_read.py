"""An organization's commitments list answered directly (api/controllers `DirectRead`) is the answer
Litestar gives: same status, bytes and headers for every reader and paging value, every refusal in
Litestar's own words, and a route that declares more than DirectRead does is refused at start-up."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from litestar import Litestar, get

from api.controllers import DirectRead, EncodedJSON, check_direct_reads, direct_read, plain_paging
from models.engine import fetch
from models.paging import FIRST_PAGE, ListOf, Paging
from tests.api.support import DONOR, FOCAL_NRA, FOCAL_USP, REVIEWER_OF_NRA, SECRETARIAT, org_id

SECURITY_HEADERS = [
    "content-security-policy",
    "x-content-type-options",
    "referrer-policy",
    "x-frame-options",
    "cross-origin-opener-policy",
    "permissions-policy",
]
QUERIES = ["", "?limit=2", "?limit=2&offset=2", "?offset=1", "?offset=0&limit=500", "?limit=50"]
ODD_QUERIES = [
    "?limit=0",
    "?limit=501",
    "?offset=-1",
    "?limit=abc",
    "?limit=050",
    "?limit=",
    "?limit=2&limit=3",
    "?limit=%32",
    "?limit=+2",
    "?offset=2147483648",
    "?lang=fr",
    "?limit=2&",
]


async def token_headers(client: httpx.AsyncClient, sign_in: Any, email: str) -> dict[str, str]:
    created = await client.post("/api/auth/tokens", json={"name": "script"}, headers=await sign_in(email))
    assert created.status_code == 201, created.text
    return {"Authorization": f"Bearer {created.json()['token']}"}


def answer_of(response: httpx.Response) -> tuple[int, bytes, list[tuple[str, str]]]:
    return response.status_code, response.content, list(response.headers.multi_items())


async def through_litestar(
    monkeypatch: pytest.MonkeyPatch, client: httpx.AsyncClient, url: str, headers: dict[str, str]
) -> httpx.Response:
    """The answer with every request left to Litestar."""

    async def never(self: DirectRead, scope: Any, caller: Any) -> None:
        return None

    with monkeypatch.context() as patched:
        patched.setattr(DirectRead, "answer", never)
        return await client.get(url, headers=headers)


async def test_every_reader_gets_the_answer_litestar_gives(
    client: httpx.AsyncClient, demo, sign_in, monkeypatch: pytest.MonkeyPatch
) -> None:
    organizations = [int(row["id"]) for row in await fetch("SELECT id FROM organization ORDER BY id")]
    readers = [await token_headers(client, sign_in, FOCAL_NRA), await sign_in(SECRETARIAT)]
    readers += [await sign_in(email) for email in (FOCAL_USP, REVIEWER_OF_NRA, DONOR)]
    readers.append({})  # anonymous: 401
    statuses, answered = set(), []
    answer = DirectRead.answer

    async def counted(self: DirectRead, scope: Any, caller: Any) -> Any:
        direct = await answer(self, scope, caller)
        answered.append(direct is not None)
        return direct

    monkeypatch.setattr(DirectRead, "answer", counted)
    for headers in readers:
        for org in [*organizations, 999_999, 0, 2**31]:
            for query in [*QUERIES, *ODD_QUERIES]:
                url = f"/api/organizations/{org}/commitments{query}"
                direct = answer_of(await client.get(url, headers=headers))
                plain = answer_of(await through_litestar(monkeypatch, client, url, headers))
                assert direct == plain, url
                statuses.add(direct[0])
    assert statuses >= {200, 400, 401, 404}
    assert any(answered) and not all(answered)  # both ways were taken


async def test_a_signed_in_answer_carries_its_headers_and_no_etag(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    nra = await org_id("NRA")
    for headers in (await token_headers(client, sign_in, FOCAL_NRA), await sign_in(FOCAL_NRA)):
        response = await client.get(f"/api/organizations/{nra}/commitments?limit=3", headers=headers)
        assert response.status_code == 200
        names = [name for name, _ in response.headers.multi_items()]
        assert names == ["content-type", "content-length", *SECURITY_HEADERS, "cache-control"]
        assert response.headers["content-type"] == "application/json"
        assert int(response.headers["content-length"]) == len(response.content)
        assert response.headers["cache-control"] == "no-store"
        assert "etag" not in response.headers and "set-cookie" not in response.headers
        assert response.json()["limit"] == 3 and len(response.json()["items"]) == 3


async def test_refusals_keep_their_shape(client: httpx.AsyncClient, demo, sign_in) -> None:
    nra = await org_id("NRA")
    anonymous = await client.get(f"/api/organizations/{nra}/commitments")
    assert anonymous.status_code == 401
    assert set(anonymous.json()) == {"detail", "errors"}
    assert anonymous.headers["cache-control"] == "no-store"
    assert all(name in anonymous.headers for name in SECURITY_HEADERS)
    focal = await token_headers(client, sign_in, FOCAL_NRA)
    missing = await client.get("/api/organizations/999999/commitments", headers=focal)
    assert missing.status_code == 404 and set(missing.json()) == {"detail", "errors"}
    assert missing.headers["cache-control"] == "no-store"
    for query, field in (("limit=0", "limit"), ("limit=501", "limit"), ("offset=-1", "offset")):
        refused = await client.get(f"/api/organizations/{nra}/commitments?{query}", headers=focal)
        assert refused.status_code == 400, query
        assert [error["field"] for error in refused.json()["errors"]] == [field], query
    zero = await client.get("/api/organizations/0/commitments", headers=focal)
    assert zero.status_code == 400


def test_plain_paging_reads_only_plain_values() -> None:
    assert plain_paging(b"") is FIRST_PAGE
    assert plain_paging(b"limit=7") == Paging(limit=7, offset=0)
    assert plain_paging(b"offset=9&limit=500") == Paging(limit=500, offset=9)
    assert plain_paging(b"offset=2147483647") == Paging(offset=2**31 - 1)
    for odd in (b"limit=0", b"limit=501", b"limit=07", b"limit=", b"limit=2&limit=2", b"x=1", b"limit=2&"):
        assert plain_paging(odd) is None, odd
    assert plain_paging(b"offset=2147483648") is None


async def _read(caller: Any, record_id: int, paging: Paging) -> ListOf[int]:
    return ListOf(items=[record_id], total=1, limit=paging.limit or 0, offset=paging.offset)


def route_app(**declared: Any) -> Litestar:
    from api.routes import app_dependencies
    from models.settings import Settings

    @get(
        "/things/{thing_id:int}/parts",
        response_class=EncodedJSON,
        opt=direct_read(_read, "thing_id"),
        **declared,
    )
    async def parts(caller: Any, thing_id: int, paging: Paging) -> ListOf[int]:
        return await _read(caller, thing_id, paging)

    return Litestar([parts], dependencies=app_dependencies(Settings.from_env({})))


def test_a_direct_read_route_that_declares_more_is_refused() -> None:
    check_direct_reads(route_app())
    for declared in (
        {"response_headers": {"X-More": "yes"}},
        {"guards": [lambda connection, handler: None]},
        {"cache": 60},
        {"status_code": 203},
    ):
        with pytest.raises(RuntimeError, match="direct_read"):
            check_direct_reads(route_app(**declared))
