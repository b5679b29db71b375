"""CSRF and origin checks, and the security headers every response carries.

CSRF: a state-changing request signed in with the session cookie must present the session's CSRF
token (`caller.csrf_token`, also returned by /api/auth/me) in the `X-CSRF-Token` header or, for HTML
forms, in a `_csrf` form field. Bearer-token requests need none: browsers never attach them on their
own. Any state-changing request that states an Origin must come from this site (this also stops
login CSRF, where no session exists yet).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from litestar import Request
from litestar.exceptions import PermissionDeniedException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import header_value
from models.caller import Caller
from models.services.sessions import csrf_matches
from models.settings import Settings
from models.words import gettext

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"
CSRF_FORM_FIELD = "_csrf"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Signing in proves itself with the password, and a person already signed in may sign in again; the
# Origin check still applies to these.
# The one-click unsubscribe (RFC 8058) is posted by the mail client; its signed token is the proof.
CSRF_EXEMPT = frozenset({"POST /api/auth/login", "POST /login", "POST /unsubscribe/{token}"})

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# The interactive schema viewers load their scripts from a CDN; only they get this policy.
SCHEMA_VIEWER_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://unpkg.com; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://unpkg.com https://fonts.googleapis.com; "
    "img-src 'self' data: https://cdn.jsdelivr.net; font-src 'self' https://fonts.gstatic.com; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


def origin_is_ours(origin: str, scope: Scope, settings: Settings) -> bool:
    if origin == "null":
        return False
    netloc = urlparse(origin).netloc.lower()
    host = (header_value(scope, b"host") or "").lower()
    return netloc in (host, urlparse(settings.base_url).netloc.lower())


async def check_csrf_and_origin(scope: Scope, receive: Receive, caller: Caller, settings: Settings) -> None:
    if scope["method"] in SAFE_METHODS or caller.via == "token":
        return
    origin = header_value(scope, b"origin")
    if origin is not None and not origin_is_ours(origin, scope, settings):
        raise PermissionDeniedException(gettext("cross-site request refused: the Origin is not this site"))
    if caller.via != "session" or f"{scope['method']} {scope.get('path_template')}" in CSRF_EXEMPT:
        return
    presented = header_value(scope, CSRF_HEADER.encode())
    if presented is None:
        content_type = (header_value(scope, b"content-type") or "").split(";")[0].strip().lower()
        if content_type in FORM_TYPES:
            # The body is cached in the scope, so the handler can still read the form.
            request: Request[Any, Any, Any] = Request(scope, receive)
            form = await request.form()
            value = form.get(CSRF_FORM_FIELD)
            presented = value if isinstance(value, str) else None
    if not csrf_matches(caller, presented):
        raise PermissionDeniedException(
            gettext(
                "CSRF token missing or wrong: send the X-CSRF-Token header (its value is csrf_token "
                "in GET /api/auth/me) or the _csrf form field"
            )
        )


TOKEN_PATHS = ("/invitation/", "/password-reset/set/")


def security_headers(path: str, settings: Settings) -> list[tuple[bytes, bytes]]:
    policy = SCHEMA_VIEWER_POLICY if path.startswith("/schema") else CONTENT_SECURITY_POLICY
    headers = [
        (b"content-security-policy", policy.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    ]
    if settings.https:
        headers.append((b"strict-transport-security", HSTS.encode()))
    return headers


NO_STORE = (b"cache-control", b"no-store")


class SecurityHeadersMiddleware:
    """Adds the security headers, and `Cache-Control: no-store` to API answers that set none.

    What is added to each kind of path (pages, the schema, emailed links' tokens; under /api/ or
    not) is made once, with the set of its names: an answer that sets none of them, the usual case,
    gets them appended in one step."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.page_headers = security_headers("/", settings)
        self.schema_headers = security_headers("/schema", settings)
        # An emailed link's token is in the path: a request the page makes names only the site's origin
        # in its Referer, never the path, not even to our own static files and their logs; unlike
        # no-referrer, the form's POST still carries its Origin, which the CSRF check reads
        # (docs/design.md "Invitations and password reset").
        self.token_headers = [
            (name, b"strict-origin" if name == b"referrer-policy" else value)
            for name, value in self.page_headers
        ]
        self.added: dict[tuple[str, bool], tuple[list[tuple[bytes, bytes]], frozenset[bytes]]] = {}
        kinds = {"page": self.page_headers, "schema": self.schema_headers, "token": self.token_headers}
        for kind, extra in kinds.items():
            for is_api in (False, True):
                added = [*extra, NO_STORE] if is_api else list(extra)
                self.added[kind, is_api] = (added, frozenset(name for name, _ in added))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        kind = "token" if path.startswith(TOKEN_PATHS) else "schema" if path.startswith("/schema") else "page"
        added, names = self.added[kind, path.startswith("/api/")]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Appended to the raw list, skipping any header the response already set.
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _ in headers}
                if present.isdisjoint(names):
                    headers += added
                else:
                    headers += [item for item in added if item[0] not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
