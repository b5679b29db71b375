"""EncodedJSON sends a Struct's bytes itself, or hands a route that declares more to Litestar."""

from __future__ import annotations

import msgspec
from litestar import Litestar, get
from litestar.background_tasks import BackgroundTask
from litestar.testing import TestClient

from api.controllers import EncodedJSON


class Item(msgspec.Struct):
    name: str


ran: list[str] = []


@get("/plain", response_class=EncodedJSON)
async def plain() -> Item:
    return Item(name="é")


@get("/declared", response_class=EncodedJSON, response_headers={"X-Declared": "yes"})
async def declared() -> Item:
    return Item(name="b")


@get("/later", response_class=EncodedJSON, background=BackgroundTask(lambda: ran.append("done")))
async def later() -> Item:
    return Item(name="c")


def test_the_same_bytes_and_nothing_a_route_declares_is_dropped() -> None:
    with TestClient(Litestar([plain, declared, later])) as client:
        answer = client.get("/plain")
        assert answer.content == msgspec.json.encode(Item(name="é"))
        assert answer.headers["content-type"] == "application/json"
        assert int(answer.headers["content-length"]) == len(answer.content)
        assert "x-declared" not in answer.headers
        with_header = client.get("/declared")
        assert with_header.headers["x-declared"] == "yes"
        assert with_header.json() == {"name": "b"}
        assert client.get("/later").json() == {"name": "c"}
        assert ran == ["done"]
