"""The OpenAPI document describes the answers: errors in the error shape, bodiless 204s, OPTIONS."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin

from api.access import ACCESS, ANYONE
from models.settings import Settings

WRITES = {"post", "put", "patch", "delete"}


async def test_every_api_operation_documents_its_errors(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    error = schema["components"]["schemas"]["ErrorRead"]
    assert error["required"] == ["detail", "errors"]
    for path, operations in schema["paths"].items():
        if not path.startswith("/api/"):
            continue
        assert "options" in operations, path
        assert "content" not in operations["options"]["responses"]["204"], path
        for method, operation in operations.items():
            responses = operation["responses"]
            expected = {"400", "404"}
            if method in WRITES:
                expected |= {"403", "409", "413", "415", "429"}
            if method != "options" and ACCESS[f"{method.upper()} {path}"] != ANYONE:
                expected |= {"401", "403"}
            assert expected <= set(responses), (method, path, sorted(responses))
            for status in expected:
                body = responses[status]["content"]["application/json"]["schema"]
                assert body == {"$ref": "#/components/schemas/ErrorRead"}, (method, path, status)
    patch = schema["paths"]["/api/commitments/{commitment_id}"]["patch"]["responses"]
    assert {"412", "428"} <= set(patch)
    logout = schema["paths"]["/api/auth/logout"]["post"]["responses"]
    assert "content" not in logout["204"]


async def test_an_error_answer_has_the_documented_shape(client: httpx.AsyncClient) -> None:
    refused = await client.get("/api/organizations")
    assert refused.status_code == 401
    assert set(refused.json()) == {"detail", "errors"}


async def test_health_documents_its_failing_answer(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    responses = schema["paths"]["/health"]["get"]["responses"]
    for status in ("200", "503"):
        body = responses[status]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/HealthRead"}, status
    health = schema["components"]["schemas"]["HealthRead"]
    assert set(health["required"]) == {"status", "database", "reasons", "jobs"}
    assert health["properties"]["status"]["enum"] == ["ok", "failing"]


async def test_every_429_names_its_retry_after_header(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    seen = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if "429" not in operation["responses"]:
                continue
            seen += 1
            header = operation["responses"]["429"].get("headers", {}).get("Retry-After")
            assert header is not None, (method, path)
            assert header["required"] is True and header["schema"]["type"] == "integer", (method, path)
    assert seen >= 10  # every write, and the login


async def test_the_document_is_rendered_once_and_answered_the_same_again(
    settings: Settings, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anyone may ask for the document, and its YAML costs about 0.4 s of CPU to render: each
    format is rendered on the first request only, and every later one gets the same bytes."""
    from api.app import create_app

    renders: Counter[str] = Counter()
    for plugin in (JsonRenderPlugin, YamlRenderPlugin):

        def counted(self: Any, request: Any, schema: Any, render: Any = plugin.render) -> bytes:
            renders[type(self).__name__] += 1
            return render(self, request, schema)

        monkeypatch.setattr(plugin, "render", counted)
    app = create_app(settings)  # a fresh app: the suite's own has rendered the document already
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        json_first, json_again = [await client.get("/schema/openapi.json") for _ in range(2)]
        yaml_first, yaml_again, yml = [
            await client.get(path)
            for path in ("/schema/openapi.yaml", "/schema/openapi.yaml", "/schema/openapi.yml")
        ]
    assert json_first.status_code == yaml_first.status_code == 200
    assert json_first.content == json_again.content and json_first.json()["openapi"]
    assert yaml_first.content == yaml_again.content == yml.content and yaml_first.content.startswith(
        b"components:"
    )
    assert renders == {"KeptJson": 1, "KeptYaml": 1}
