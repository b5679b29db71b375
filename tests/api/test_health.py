from __future__ import annotations

import httpx


async def test_health_reports_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert isinstance(body["jobs"], dict)


async def test_unknown_host_header_is_refused_and_ports_are_ignored(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health", headers={"host": "evil.example"})).status_code == 400
    assert (await client.get("/health", headers={"host": "127.0.0.1:8123"})).status_code == 200
    assert (await client.get("/health", headers={"host": "localhost:9"})).status_code == 200
