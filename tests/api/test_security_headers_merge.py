"""The security headers middleware appends what an answer lacks, once, after the answer's own headers."""

from __future__ import annotations

from typing import Any

from api.security import SCHEMA_VIEWER_POLICY, SecurityHeadersMiddleware, security_headers
from models.settings import Settings


async def headers_sent(
    path: str, own: list[tuple[bytes, bytes]], settings: Settings
) -> list[tuple[bytes, bytes]]:
    async def answer(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": list(own)})
        await send({"type": "http.response.body", "body": b""})

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    middleware = SecurityHeadersMiddleware(answer, settings)
    await middleware({"type": "http", "path": path}, None, send)  # type: ignore[arg-type]
    assert sent[1]["type"] == "http.response.body"
    return sent[0]["headers"]


async def test_what_an_answer_lacks_is_appended_in_order() -> None:
    settings = Settings.from_env({})
    page = security_headers("/", settings)
    json_type = (b"content-type", b"application/json")
    assert await headers_sent("/api/things", [json_type], settings) == [
        json_type,
        *page,
        (b"cache-control", b"no-store"),
    ]
    assert await headers_sent("/organizations/1", [json_type], settings) == [json_type, *page]
    own = [(b"Cache-Control", b"private"), (b"X-Content-Type-Options", b"nosniff")]
    assert await headers_sent("/api/files/1", own, settings) == [
        *own,
        *(item for item in page if item[0] != b"x-content-type-options"),
    ]
    schema = await headers_sent("/schema/swagger", [], settings)
    assert (b"content-security-policy", SCHEMA_VIEWER_POLICY.encode()) in schema
    assert b"cache-control" not in dict(schema)
    token = dict(await headers_sent("/invitation/abc", [], settings))
    assert token[b"referrer-policy"] == b"strict-origin"
    hsts = dict(await headers_sent("/api/x", [], Settings.from_env({"BASE_URL": "https://cop.example"})))
    assert hsts[b"strict-transport-security"].startswith(b"max-age=")
