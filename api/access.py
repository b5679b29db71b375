"""Who may call which route: the route x role table, and the middleware that enforces it.

HOW TO ADD A ROUTE. Add one line to ACCESS (or call `allow(...)` from your own module, imported by
`api/routes.py`):

    "METHOD /path/{param}": "who",

- the key is the HTTP method, one space, and the path as Litestar registers it, with the parameter
  types left out: `@get("/organizations/{org_id:int}")` under `/api` is "GET /api/organizations/{org_id}";
- "who" is words separated by spaces:
    anyone       no sign-in needed (the login page, static files, health, the OpenAPI schema)
    signed_in    any signed-in person; the service then filters what they read by audience
    secretariat, focal_point, champion, peer_reviewer, donor
                 a caller holding one of these roles. On a path with `{org_id}`, the roles that are
                 scoped to an organization (focal_point, champion, peer_reviewer) count only when held
                 on THAT organization.
- HEAD falls back to the GET entry; OPTIONS (answered by Litestar with the Allow header) is allowed.

A route without an entry is refused for everyone (and `tests/api/test_access_table.py` fails), so a
forgotten line shows up at once instead of opening a hole. The table is the first gate; services
check again the organization of the record they touch (a commitment id carries no org in its path).

Refusals: an anonymous caller gets 401 on the API and a redirect to /login on an HTML page; a
signed-in caller gets 403 saying which roles may call the route.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.types import ASGIApp, Receive, Scope, Send

from api.auth import CALLER_STATE_KEY, LANGUAGE_STATE_KEY, client_address, reader_language, resolve_caller
from api.controllers import DIRECT_READ
from api.guard import UPLOAD_CHECK, WRITE_METHODS, check_body, takes_files
from api.security import check_csrf_and_origin
from models.caller import Caller
from models.settings import Settings
from models.vocabulary import ORG_SCOPED_ROLES, ROLES
from models.words import gettext, speaking

ANYONE = "anyone"
SIGNED_IN = "signed_in"
KEYWORDS = (ANYONE, SIGNED_IN, *ROLES)
STAFF = "secretariat focal_point"  # who edits an organization's records (scoped to it by the service)

ACCESS: dict[str, str] = {
    # --- infrastructure and pages -------------------------------------------------------------
    "GET /health": ANYONE,
    "GET /": ANYONE,  # each role's home; the page sends anonymous visitors to /login itself
    "GET /login": ANYONE,
    "POST /login": ANYONE,
    "POST /logout": ANYONE,
    "GET /schema": ANYONE,
    "GET /schema/openapi.json": ANYONE,
    "GET /schema/openapi.yaml": ANYONE,
    "GET /schema/openapi.yml": ANYONE,
    "GET /schema/swagger": ANYONE,
    "GET /schema/redoc": ANYONE,
    "GET /schema/elements": ANYONE,
    "GET /schema/rapidoc": ANYONE,
    "GET /schema/oauth2-redirect.html": ANYONE,
    "GET /schema/{path}": ANYONE,
    # --- authentication -----------------------------------------------------------------------
    "POST /api/auth/login": ANYONE,
    "POST /api/auth/logout": ANYONE,
    "GET /api/auth/me": SIGNED_IN,
    "PATCH /api/auth/me": SIGNED_IN,
    "POST /api/auth/me/password": SIGNED_IN,
    "POST /api/auth/password-reset": ANYONE,
    "POST /api/auth/password-reset/confirm": ANYONE,
    "POST /api/auth/invitation": ANYONE,
    "GET /api/auth/tokens": SIGNED_IN,
    "POST /api/auth/tokens": SIGNED_IN,
    "DELETE /api/auth/tokens/{token_id}": SIGNED_IN,
    # --- reference data -----------------------------------------------------------------------
    "GET /api/areas": SIGNED_IN,
    "POST /api/areas": "secretariat",
    "PATCH /api/areas/{area_key}": "secretariat",
    "GET /api/cycles": SIGNED_IN,
    "POST /api/cycles": "secretariat",
    "GET /api/cycles/{cycle}": SIGNED_IN,
    "GET /api/cycles/{cycle}/submissions": "secretariat",
    # --- organizations and their records ------------------------------------------------------
    "GET /api/organizations": SIGNED_IN,
    "POST /api/organizations": "secretariat",
    "GET /api/organizations/{org_id}": SIGNED_IN,
    "PATCH /api/organizations/{org_id}": "secretariat",
    "GET /api/organizations/{org_id}/commitments": SIGNED_IN,
    "POST /api/organizations/{org_id}/commitments": STAFF,
    "GET /api/commitments/{commitment_id}": SIGNED_IN,
    "PATCH /api/commitments/{commitment_id}": STAFF,
    "GET /api/commitments/{commitment_id}/milestones": SIGNED_IN,
    "POST /api/commitments/{commitment_id}/milestones": STAFF,
    "GET /api/milestones/{milestone_id}": SIGNED_IN,
    "PATCH /api/milestones/{milestone_id}": STAFF,
    "POST /api/organizations/{org_id}/plan": STAFF,
    "GET /api/organizations/{org_id}/plan.xlsx": STAFF,
    "GET /api/commitments/{commitment_id}/updates": SIGNED_IN,
    "POST /api/commitments/{commitment_id}/updates": STAFF,
    "GET /api/updates/{update_id}": SIGNED_IN,
    "GET /api/updates/{update_id}/evidence": SIGNED_IN,
    "POST /api/updates/{update_id}/evidence": STAFF,
    "GET /api/evidence/{evidence_id}": SIGNED_IN,
    "PATCH /api/evidence/{evidence_id}": STAFF,
    "POST /api/evidence/{evidence_id}/verify": "secretariat",
    "POST /api/updates/{update_id}/files": STAFF,
    "GET /api/evidence/{evidence_id}/file": SIGNED_IN,
    "GET /api/evidence/{evidence_id}/preview": SIGNED_IN,
    "POST /api/evidence/{evidence_id}/decision": "secretariat",
    # --- submissions and sign-off -------------------------------------------------------------
    "GET /api/submissions/queue": "secretariat champion",
    "GET /api/organizations/{org_id}/submissions/{cycle}": "secretariat focal_point champion",
    "POST /api/organizations/{org_id}/submissions/{cycle}/submit": "focal_point",
    "POST /api/organizations/{org_id}/submissions/{cycle}/approve": "champion",
    "POST /api/organizations/{org_id}/submissions/{cycle}/return": "champion",
    "POST /api/organizations/{org_id}/submissions/{cycle}/publish": "secretariat",
    "POST /api/organizations/{org_id}/submissions/{cycle}/comments": "secretariat focal_point champion",
    "GET /api/organizations/{org_id}/submissions/{cycle}/assessments": "secretariat focal_point champion",
    "PUT /api/organizations/{org_id}/submissions/{cycle}/assessments/{area_key}": "secretariat focal_point",
    "POST /api/assessment-evidence/{evidence_id}/decision": "secretariat",
    # --- people (secretariat) -----------------------------------------------------------------
    "GET /api/people": "secretariat",
    "POST /api/people": "secretariat",
    "GET /api/people/{person_id}": "secretariat",
    "PATCH /api/people/{person_id}": "secretariat",
    "POST /api/people/{person_id}/invitation": "secretariat",
    "POST /api/people/{person_id}/roles": "secretariat",
    "DELETE /api/people/{person_id}/roles/{role_id}": "secretariat",
    # --- donor expectations -------------------------------------------------------------------
    "GET /api/donor-expectations": SIGNED_IN,
    "POST /api/donor-expectations": "secretariat",
    "PATCH /api/donor-expectations/{expectation_id}": "secretariat",
    "GET /api/organizations/{org_id}/donor-expectations": SIGNED_IN,
    "PUT /api/organizations/{org_id}/donor-expectations/{expectation_id}": "secretariat",
    # --- audit --------------------------------------------------------------------------------
    "GET /api/audit": "secretariat",
}


def allow(rules: dict[str, str]) -> None:
    """Add entries from another module (scorecards, exports, reminders, pages)."""
    for key, who in rules.items():
        parse_rule(who)
        ACCESS[key] = who
    _parsed.clear()


def parse_rule(who: str) -> frozenset[str]:
    words = frozenset(who.split())
    unknown = words - set(KEYWORDS)
    if not words or unknown:
        raise ValueError(f"access rule {who!r}: use words among {', '.join(KEYWORDS)}")
    return words


_parsed: dict[str, frozenset[str] | None] = {}  # "METHOD /path" -> parsed rule, filled on first use


def rule_for(method: str, path_template: str) -> frozenset[str] | None:
    key = f"{method} {path_template}"
    if key not in _parsed:
        who = ACCESS.get(key)
        if who is None and method == "HEAD":
            who = ACCESS.get(f"GET {path_template}")
        _parsed[key] = parse_rule(who) if who is not None else None
    return _parsed[key]


def is_allowed(rule: frozenset[str], caller: Caller, path_params: dict[str, Any]) -> bool:
    if ANYONE in rule:
        return True
    if not caller.authenticated:
        return False
    if SIGNED_IN in rule:
        return True
    org_id = path_params.get("org_id")
    for role in rule:
        if role in ORG_SCOPED_ROLES and org_id is not None:
            try:
                if caller.has_role(role, int(org_id)):
                    return True
            except (TypeError, ValueError):
                continue
        elif caller.has_role(role) or (role == "secretariat" and caller.is_secretariat):
            return True
    return False


def is_html_page(scope: Scope) -> bool:
    path = scope["path"]
    return scope.get("method") in ("GET", "HEAD") and not path.startswith(("/api/", "/schema"))


class RedirectToLogin(NotAuthorizedException):
    """Raised for an anonymous visitor of an HTML page; answered with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(gettext("sign in to see this page"))
        self.location = "/login?next=" + quote(next_path, safe="/")


class AccessMiddleware:
    """Resolve the Caller, then enforce the access table and CSRF, before any handler runs."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        caller = await resolve_caller(scope, self.settings)
        state = scope.setdefault("state", {})  # type: ignore[typeddict-item]
        state[CALLER_STATE_KEY] = caller
        language = state[LANGUAGE_STATE_KEY] = reader_language(scope, caller)
        with speaking(language):
            await self._answer(scope, receive, send, caller)

    async def _answer(self, scope: Scope, receive: Receive, send: Send, caller: Caller) -> None:
        state = scope["state"]  # type: ignore[typeddict-item]
        state["client_address"] = client_address(scope, self.settings)
        method = scope["method"]
        if method != "OPTIONS":
            template = scope.get("path_template") or scope["path"]
            rule = rule_for(method, template)
            if rule is None:
                raise PermissionDeniedException(
                    gettext("%(route)s has no access rule", route=method + " " + template)
                )
            if not is_allowed(rule, caller, scope.get("path_params") or {}):
                if not caller.authenticated:
                    if is_html_page(scope):
                        raise RedirectToLogin(scope["path"])
                    raise NotAuthorizedException(
                        gettext("sign in first (session cookie or Authorization: Bearer)")
                    )
                open_to = ", ".join(sorted(rule))
                if "org_id" in (scope.get("path_params") or {}):
                    message = gettext(
                        "%(route)s is open to: %(roles)s of this organization",
                        route=method + " " + template,
                        roles=open_to,
                    )
                else:
                    message = gettext(
                        "%(route)s is open to: %(roles)s", route=method + " " + template, roles=open_to
                    )
                raise PermissionDeniedException(message)
            if method in WRITE_METHODS and takes_files(scope):
                # An upload's body is read only now that the caller may write there (api/guard.py).
                upload_check = scope["route_handler"].opt[UPLOAD_CHECK]
                if upload_check is not None:
                    await upload_check(caller, scope.get("path_params") or {})
                await check_body(scope, receive)
            await check_csrf_and_origin(scope, receive, caller, self.settings)
            direct = scope["route_handler"].opt.get(DIRECT_READ) if method == "GET" else None
            if direct is not None:
                # The most read lists, answered without Litestar's work per request
                # (api/controllers `DirectRead`), once every check above let the caller through.
                answer = await direct.answer(scope, caller)
                if answer is not None:
                    await answer(scope, receive, send)
                    return
        await self.app(scope, receive, send)
