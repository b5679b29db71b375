"""The OpenAPI document says every answer a route can give, errors included (docs/design.md, "Running it").

Errors come from a few places shared by every route (the input guard, the access table, CSRF, the
throttle, If-Match), so their responses are attached here from what each route is, not written on
each handler: `document_responses(app)` runs once when the app is built, before the schema is.

- every API route: 400 (a bad parameter or body), 404 (an unknown path or record);
- a route that needs a sign-in: 401 and 403 (the access table);
- a write: 403 (CSRF and origin), 409 (a conflict with the records), 413 and 415 (the body), 429;
- a route that reads `If-Match`: 412 (stale) and 428 (missing);
- a route that answers 204 says so with no body; `OPTIONS` (the Allow header) is documented as 204;
- every 429 carries `Retry-After` (whole seconds), every refusal being a `TooManyAttempts`;
- `/health`, outside `/api/`, answers 503 with its own body (`HealthRead`) while failing.

The document is rendered once per process, as JSON and as YAML (`openapi_config`): it does not change
while the app runs, and the YAML costs about 0.4 s of CPU on a route anyone may call.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar, Request
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.plugins import (
    JsonRenderPlugin,
    OpenAPIRenderPlugin,
    RapidocRenderPlugin,
    RedocRenderPlugin,
    StoplightRenderPlugin,
    SwaggerRenderPlugin,
    YamlRenderPlugin,
)
from litestar.openapi.spec import OpenAPIHeader, OpenAPIResponse, OpenAPIType, Schema
from litestar.types import Empty

from api.access import ACCESS, ANYONE
from api.guard import WRITE_METHODS
from api.schemas.auth import ErrorRead
from api.schemas.health import HealthRead

WORDS = {
    400: "The request cannot be read: a parameter or the body is malformed or refused (see errors).",
    401: "Sign in first (session cookie or Authorization: Bearer token).",
    403: "The caller's roles may not do this, or the CSRF token or origin is missing.",
    404: "No such record, or not one the caller may see.",
    409: "The change conflicts with the records as they stand.",
    412: "If-Match names a version that is no longer current: read again and retry.",
    413: "The body is larger than the app accepts.",
    415: "The body's media type is not one this route reads.",
    422: "The document was read, but some of its rows are refused (see the body).",
    428: "Send the ETag you read in If-Match.",
    429: "Too many attempts: wait for the time Retry-After gives.",
    503: "This server cannot make the file now (a PDF renderer's system libraries are missing).",
}


def error_spec(status: int) -> ResponseSpec:
    return ResponseSpec(data_container=ErrorRead, description=WORDS[status], generate_examples=False)


# Routes outside /api/ that answer more than their 200, with what they answer.
OUTSIDE_API = {
    "/health": {
        503: ResponseSpec(
            data_container=HealthRead,
            description="Failing: the database cannot be reached or a scheduled job is late (see reasons).",
            generate_examples=False,
        )
    }
}
RETRY_AFTER = OpenAPIHeader(
    schema=Schema(type=OpenAPIType.INTEGER, minimum=1),
    description="Seconds to wait before trying again.",
    required=True,
)


TYPED = re.compile(r"\{(\w+):\w+\}")


def error_statuses(method: str, path: str, handler: HTTPRouteHandler) -> set[int]:
    statuses = {400, 404}
    who = ACCESS.get(method + " " + TYPED.sub(r"{\1}", path), "")
    if who != ANYONE:
        statuses |= {401, 403}
    if method in WRITE_METHODS:
        statuses |= {403, 409, 413, 415, 429}
    if "if_match" in handler.parsed_fn_signature.parameters:
        statuses |= {412, 428}
    return statuses


def document_responses(app: Litestar) -> None:
    """Attach the shared response specs to every route in the schema (see the module docstring)."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if not isinstance(handler, HTTPRouteHandler):
                continue
            methods = set(handler.http_methods)
            if methods == {"OPTIONS"}:
                # Litestar adds these itself, left out of the schema; its resolved flag is reset.
                handler.include_in_schema = route.path.startswith("/api/")
                handler._resolved_include_in_schema = Empty  # noqa: SLF001
                handler.operation_id = "Options " + TYPED.sub(r"{\1}", route.path)
                handler.summary = "The methods this path allows"
                handler.status_code = 204
                handler.responses = {
                    204: ResponseSpec(None, description="The methods allowed, in Allow."),
                    **{status: error_spec(status) for status in (400, 404)},
                }
                continue
            if route.path in OUTSIDE_API and handler.resolve_include_in_schema():
                handler.responses = {**OUTSIDE_API[route.path], **(handler.responses or {})}
                continue
            if not handler.resolve_include_in_schema() or not route.path.startswith("/api/"):
                continue
            specs: dict[int, Any] = {}
            for method in methods:
                for status in error_statuses(method, route.path, handler):
                    specs[status] = error_spec(status)
            if handler.status_code == 204:
                specs[204] = ResponseSpec(None, description="Done; nothing follows.")
            specs.update(handler.responses or {})
            handler.responses = dict(sorted(specs.items()))
    retry_after_on_429(app)


def retry_after_on_429(app: Litestar) -> None:
    """Name the `Retry-After` header on every 429 of the document (a `ResponseSpec` cannot carry
    headers): the document is built now, once, and served as patched."""
    for path_item in (app.openapi_schema.paths or {}).values():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(path_item, method, None)
            answer = (operation.responses or {}).get("429") if operation is not None else None
            if isinstance(answer, OpenAPIResponse):
                answer.headers = {**(answer.headers or {}), "Retry-After": RETRY_AFTER}


class KeptRendering(OpenAPIRenderPlugin):
    """A render plugin that renders the document on the first request and answers every later
    one with the same bytes: the schema is built once per app and never changes after."""

    kept: bytes | None = None

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        if self.kept is None:
            self.kept = super().render(request, openapi_schema)
        return self.kept


class KeptJson(KeptRendering, JsonRenderPlugin):
    """/schema/openapi.json, rendered once."""


class KeptYaml(KeptRendering, YamlRenderPlugin):
    """/schema/openapi.yaml and /schema/openapi.yml, rendered once."""


def openapi_config() -> OpenAPIConfig:
    """The document under /schema: the viewers Litestar offers (ReDoc at /schema itself) and the
    document as JSON and YAML, each rendered once per process."""
    return OpenAPIConfig(
        title="CoP Tracker",
        version="1.0.0",
        path="/schema",
        render_plugins=[
            RedocRenderPlugin(),
            KeptJson(),
            KeptYaml(),
            SwaggerRenderPlugin(),
            StoplightRenderPlugin(),
            RapidocRenderPlugin(),
        ],
    )
