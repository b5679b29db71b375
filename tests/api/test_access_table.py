"""The route x role table: every route has a line, and the guard enforces it."""

from __future__ import annotations

import httpx
import pytest
from litestar.routes import HTTPRoute

from api.access import ACCESS, is_allowed, parse_rule, rule_for
from models.caller import ANONYMOUS, Caller


def test_every_registered_route_has_an_access_rule(app) -> None:
    missing = []
    for route in app.routes:
        methods = route.methods if isinstance(route, HTTPRoute) else {"GET"}
        for method in sorted(methods - {"OPTIONS"}):
            if rule_for(method, route.path_format) is None:
                missing.append(f"{method} {route.path_format}")
    assert not missing, "add these to api.access.ACCESS: " + ", ".join(missing)


def test_every_rule_uses_known_words() -> None:
    for key, who in ACCESS.items():
        method, _, path = key.partition(" ")
        assert method in {"GET", "POST", "PATCH", "PUT", "DELETE", "HEAD"} and path.startswith("/"), key
        parse_rule(who)
    with pytest.raises(ValueError):
        parse_rule("focal_point admins")


def test_scoped_roles_count_only_on_their_own_organization() -> None:
    focal_of_1 = Caller(person_id=1, roles=frozenset({("focal_point", 1)}), via="session")
    rule = parse_rule("focal_point")
    assert is_allowed(rule, focal_of_1, {"org_id": 1})
    assert not is_allowed(rule, focal_of_1, {"org_id": 2})
    assert not is_allowed(parse_rule("secretariat"), focal_of_1, {})
    assert not is_allowed(parse_rule("signed_in"), ANONYMOUS, {})
    assert is_allowed(parse_rule("anyone"), ANONYMOUS, {})


async def test_anonymous_api_calls_get_401_and_pages_redirect_to_login(
    client: httpx.AsyncClient, demo
) -> None:
    response = await client.get("/api/auth/tokens")
    assert response.status_code == 401
    assert "sign in" in response.json()["detail"]
    assert (await client.get("/api/auth/me")).status_code == 401
    # The login page and the schema are open.
    assert (await client.get("/schema/openapi.json")).status_code == 200
    health = await client.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok", health.text


async def test_a_role_outside_the_rule_gets_403_naming_who_may(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    headers = await sign_in("focal.nra@demo.cop-tracker.example")
    response = await client.get("/api/audit", headers=headers)
    assert response.status_code == 403
    assert "secretariat" in response.json()["detail"]


async def test_anonymous_api_reads_get_401(client: httpx.AsyncClient, demo) -> None:
    for path in ("/api/organizations", "/api/areas", "/api/cycles", "/api/audit"):
        assert (await client.get(path)).status_code == 401, path


async def test_anonymous_page_visits_are_sent_to_login_and_assets_stay_open(
    app, client: httpx.AsyncClient, demo
) -> None:
    pages = [
        route.path_format
        for route in app.routes
        if isinstance(route, HTTPRoute)
        and "GET" in route.methods
        and not route.path_format.startswith(("/api", "/schema", "/static"))
        and "{" not in route.path_format
        and rule_for("GET", route.path_format) not in (None, parse_rule("anyone"))
    ]
    assert pages, "expected at least one page that needs signing in"
    for path in pages:
        response = await client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/login?next={path}"
    assert (await client.get("/login")).status_code == 200
    assert rule_for("GET", "/static/{file_path}") == parse_rule("anyone")
