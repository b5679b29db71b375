"""Who is calling: the Caller of a request, from its bearer token or its session cookie.

The access middleware (`api.access`) resolves the Caller once per request and keeps it in the
scope's state; every handler receives it through the app-wide `caller` dependency. A bearer token
wins over a cookie: scripts send tokens, browsers send cookies, and only cookies need CSRF checks.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.types import Scope

from models.caller import ANONYMOUS, Caller
from models.services.sessions import SESSION_COOKIE, caller_for_session, caller_for_token
from models.settings import Settings
from models.words import negotiate_language, supported_language

CALLER_STATE_KEY = "caller"
LANGUAGE_STATE_KEY = "language"
# Annotate handler parameters with it: `caller: CallerDep` (plain `caller: Caller` works too).
CallerDep = NamedDependency[Caller]


def header_value(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def browser_language(scope: Scope) -> str:
    """The supported language the request's Accept-Language asks for first (English by default)."""
    return negotiate_language(header_value(scope, b"accept-language"))


def reader_language(scope: Scope, caller: Caller) -> str:
    """The language a request is answered in: the person's choice, else the browser's
    (docs/design.md "Languages")."""
    return supported_language(caller.language) or browser_language(scope)


def bearer_token(scope: Scope) -> str | None:
    value = header_value(scope, b"authorization")
    if value and value[:7].lower() == "bearer ":
        return value[7:].strip()
    return None


def session_cookie(scope: Scope) -> str | None:
    raw = header_value(scope, b"cookie")
    if not raw:
        return None
    for part in raw.split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE:
            return value.strip('"')
    return None


async def resolve_caller(scope: Scope, settings: Settings) -> Caller:
    """The Caller of a request: bearer token, else session cookie, else ANONYMOUS."""
    token = bearer_token(scope)
    if token is not None:
        return await caller_for_token(token) or ANONYMOUS
    cookie = session_cookie(scope)
    if cookie:
        caller = await caller_for_session(
            cookie,
            idle=dt.timedelta(minutes=settings.session_idle_minutes),
            absolute=dt.timedelta(hours=settings.session_absolute_hours),
        )
        return caller or ANONYMOUS
    return ANONYMOUS


def client_address(scope: Scope, settings: Settings) -> str:
    """The client's address; X-Forwarded-For is believed only when the peer is a trusted proxy.

    Walking the header from the right, the first address that is not itself a trusted proxy is the
    client: anything further left could have been written by the client.
    """
    peer = (scope.get("client") or ("unknown", 0))[0]
    if not settings.trusted_proxies or not _is_trusted(peer, settings.trusted_proxies):
        return peer
    forwarded = header_value(scope, b"x-forwarded-for") or ""
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, settings.trusted_proxies):
            return hop
    return hops[0] if hops else peer


def _is_trusted(address: str, proxies: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for proxy in proxies:
        try:
            if ip in ipaddress.ip_network(proxy, strict=False):
                return True
        except ValueError:
            continue
    return False


def provide_caller(request: Request[Any, Any, Any]) -> Caller:
    """The app-wide `caller` dependency: what the access middleware resolved for this request."""
    return request.scope["state"].get(CALLER_STATE_KEY, ANONYMOUS)


def caller_dependency() -> Provide:
    return Provide(provide_caller, sync_to_thread=False)


def session_cookie_for(value: str, settings: Settings) -> Cookie:
    """The session cookie: HttpOnly, SameSite=Lax, Secure under https; no Max-Age (dies with the
    browser; the server enforces the idle and absolute timeouts anyway)."""
    return Cookie(
        key=SESSION_COOKIE,
        value=value,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.https,
    )


def expired_session_cookie(settings: Settings) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value="",
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.https,
        max_age=0,
        expires=0,
    )
