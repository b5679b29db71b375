"""Any body, a 4xx: hostile bodies sent to every write route, anonymously and as each role.

The routes are walked from the app itself, so a route added tomorrow is fuzzed too. Path parameters
name real demo records, so a caller allowed on the route gets past the access table and the body
reaches the handler's decoding and the service.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import msgspec
import pytest
from litestar.routes import HTTPRoute

from api.guard import LARGEST, MAX_DEPTH
from models.engine import fetch
from tests.api.support import CHAMPION_NRA, DONOR, FOCAL_NRA, REVIEWER_OF_NRA, SECRETARIAT, org_id

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data; boundary=xyz"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
IDENTITIES = (None, SECRETARIAT, FOCAL_NRA, CHAMPION_NRA, REVIEWER_OF_NRA, DONOR)

# (name, body, Content-Type or None for no header)
HOSTILE: list[tuple[str, bytes, str | None]] = [
    ("100,000 [", b"[" * 100_000, JSON),
    ("50,000 nested objects", b'{"a":' * 50_000 + b"1" + b"}" * 50_000, JSON),
    ("nested one level too deep", b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), JSON),
    ("invalid UTF-8", b'{"email": "\xff\xfe", "title": "\xc3\x28"}', JSON),
    ("invalid UTF-8 key", b'{"\xff\xfe": 1}', JSON),
    ("truncated JSON", b'{"title": "a', JSON),
    ("array for an object", b'[{"title": "a"}]', JSON),
    ("bare number", b"42", JSON),
    ("JSON null", b"null", JSON),
    ("integer past 64 bits", b'{"version": 1' + b"0" * 400 + b"}", JSON),
    ("integer past 32 bits", b'{"self_level": 9223372036854775807, "version": 4294967296}', JSON),
    ("number past float range", b'{"weight": 1e999}', JSON),
    ("escaped NUL", b'{"title": "a\\u0000b", "email": "\\u0000@x.example"}', JSON),
    ("raw NUL", b'{"title": "a\x00b"}', JSON),
    ("NUL in a key", b'{"ti\\u0000tle": "a"}', JSON),
    ("lone surrogate", b'{"title": "\\ud800"}', JSON),
    ("plain text", b"hello", "text/plain"),
    ("XML", b"<?xml version='1.0'?><a/>", "application/xml"),
    ("no Content-Type", b'{"title": "a"}', None),
    ("JSON in Latin-1", b'{"title": "caf\xe9"}', "application/json; charset=latin-1"),
    ("JSON sent as a form", b'{"title": "a"}', FORM),
    ("form with invalid UTF-8", b"email=%ff%fe&title=%c3%28", FORM),
    ("form with NUL", b"email=a%00b&title=%00&_csrf=x", FORM),
    ("form with raw bytes", b"title=\xff\x00\xfe", FORM),
    (
        "multipart with invalid UTF-8",
        b'--xyz\r\nContent-Disposition: form-data; name="title"\r\n\r\n\xff\xfe\r\n--xyz--\r\n',
        MULTIPART,
    ),
    ("multipart truncated", b'--xyz\r\nContent-Disposition: form-data; name="title"\r\n\r\nab', MULTIPART),
    ("multipart without boundary", b"--xyz\r\n\r\n", "multipart/form-data"),
    ("multipart garbage", b"\x00\x01\x02" * 100, MULTIPART),
    ("oversized", b'{"title": "' + b"a" * 1_100_000 + b'"}', JSON),
    ("empty JSON", b"", JSON),
]
# One body per way of being refused, plus ones that pass the door (they reach the handler's decoding):
# sent as every identity in the fast suite; the whole corpus runs in the slow one.
ONE_OF_EACH = (
    "100,000 [",
    "invalid UTF-8",
    "array for an object",
    "integer past 32 bits",
    "escaped NUL",
    "plain text",
    "form with NUL",
    "empty JSON",
)
# Well-formed bodies, built per route from the fields its handler reads: they pass the door and
# reach decoding and the service.
FIELD_VALUES: list[tuple[str, Any]] = [
    ("largest integers", LARGEST),
    ("smallest integers", -LARGEST - 1),
    ("nulls", None),
    ("lists", []),
    ("objects", {"a": [1, {"b": None}]}),
    ("long text", "é" * 40_000),
    ("odd text", "=cmd|'/C calc'!A0 '; DROP TABLE person; -- \u202e<script>x</script>\u0301\ufeff"),
    ("far dates", "9999-12-31"),
    ("early dates", "0001-01-01"),
]


@pytest.fixture(autouse=True)
def quiet_client_log() -> Iterator[None]:
    """Thousands of requests: the client's line per request would cost more than the requests."""
    logger = logging.getLogger("httpx")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


def write_routes(app: Any) -> list[tuple[str, str, Any]]:
    """(method, path template, handler) of every write route; logouts last, so sessions survive."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method, (handler, _) in route.route_handler_map.items():
            if method in WRITE_METHODS:
                found.append((method, route.path_format, handler))
    return sorted(found, key=lambda item: ("logout" in item[1], item[1], item[0]))


async def path_values() -> dict[str, str]:
    """A real record for every path parameter, none of them the signed-in identities' own."""
    nra = await org_id("NRA")

    async def first(sql: str, *args: Any) -> str:
        rows = await fetch(sql, *args)
        return str(rows[0]["v"]) if rows else "1"

    identities = [SECRETARIAT, FOCAL_NRA, CHAMPION_NRA, REVIEWER_OF_NRA, DONOR]
    marks = ", ".join("{}" for _ in identities)
    return {
        "org_id": str(nra),
        "commitment_id": await first("SELECT MIN(id) AS v FROM commitment WHERE organization = {}", nra),
        "milestone_id": await first(
            "SELECT MIN(m.id) AS v FROM milestone m JOIN commitment c ON c.id = m.commitment "
            "WHERE c.organization = {}",
            nra,
        ),
        "update_id": await first(
            "SELECT MIN(u.id) AS v FROM progress_update u JOIN commitment c ON c.id = u.commitment "
            "WHERE c.organization = {}",
            nra,
        ),
        "evidence_id": await first("SELECT MIN(id) AS v FROM evidence"),
        "cycle": await first("SELECT name AS v FROM cycle ORDER BY period_start DESC LIMIT 1"),
        "person_id": await first(
            f"SELECT MIN(id) AS v FROM person WHERE email NOT IN ({marks})", *identities
        ),
        "role_id": await first(
            "SELECT MIN(r.id) AS v FROM role_assignment r JOIN person p ON p.id = r.person "
            f"WHERE p.email NOT IN ({marks})",
            *identities,
        ),
        "expectation_id": await first("SELECT MIN(id) AS v FROM donor_expectation"),
        "reminder_id": await first("SELECT MIN(id) AS v FROM reminder"),
        "round_id": await first("SELECT MIN(id) AS v FROM review_round"),
        "review_id": await first("SELECT MIN(id) AS v FROM review"),
        "comment_id": await first("SELECT MIN(id) AS v FROM review_comment"),
        "token_id": "1",
        "token": "1.milestone_due_soon.0",  # an unsubscribe token (a wrong signature)
        "area_key": "policy",
    }


def concrete(template: str, values: dict[str, str]) -> str:
    path = template
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"no demo value for a parameter of {template}"
    return path


def field_names(handler: Any) -> list[str]:
    """The fields of the msgspec Struct the handler's `data` decodes into (none for pages)."""
    data = handler.parsed_fn_signature.parameters.get("data")
    annotation = getattr(data, "annotation", None)
    try:
        return [field.encode_name for field in msgspec.structs.fields(annotation)]
    except TypeError:
        return ["title", "name", "email", "password", "description", "version", "level"]


def field_bodies(handler: Any, path: str) -> list[tuple[str, bytes, str]]:
    names = field_names(handler)
    bodies = []
    for label, value in FIELD_VALUES:
        fields = dict.fromkeys(names, value)
        if path.startswith("/api/"):
            bodies.append((label, json.dumps(fields).encode(), JSON))
        else:
            text = value if isinstance(value, str) else json.dumps(value)
            bodies.append((label, httpx.QueryParams(dict.fromkeys(names, text)).__str__().encode(), FORM))
    return bodies


async def fuzz(app: Any, client: httpx.AsyncClient, sign_in: Any, everything: bool) -> list[str]:
    values = await path_values()
    headers_of = {None: {}}
    for identity in IDENTITIES[1:]:
        headers_of[identity] = await sign_in(identity)
    failures = []
    for method, template, handler in write_routes(app):
        path = concrete(template, values)
        if everything:
            bodies = HOSTILE + field_bodies(handler, path)
        else:
            bodies = [body for body in HOSTILE if body[0] in ONE_OF_EACH]
        for identity in IDENTITIES:
            for name, body, content_type in bodies:
                headers = dict(headers_of[identity])
                if content_type is not None:
                    headers["Content-Type"] = content_type
                response = await client.request(method, path, content=body, headers=headers)
                where = f"{method} {path} as {identity or 'anonymous'} with {name}"
                if response.status_code >= 500:
                    failures.append(f"{where}: {response.status_code} {response.text[:200]}")
                elif path.startswith("/api/") and response.status_code >= 400:
                    shape = response.json()
                    assert isinstance(shape.get("detail"), str) and isinstance(shape.get("errors"), list), (
                        where
                    )
    return failures


@pytest.mark.slow  # a fuzzing corpus: every write route, every caller
async def test_hostile_bodies_get_a_4xx_on_every_write_route_for_every_caller(
    app, client: httpx.AsyncClient, demo, sign_in
) -> None:
    failures = await fuzz(app, client, sign_in, everything=False)
    assert not failures, "\n".join(failures[:30])


@pytest.mark.slow
async def test_the_whole_corpus_and_extreme_field_values_never_answer_5xx(
    app, client: httpx.AsyncClient, demo, sign_in
) -> None:
    failures = await fuzz(app, client, sign_in, everything=True)
    assert not failures, "\n".join(failures[:30])


async def test_the_login_that_answered_500_now_says_what_to_fix(client: httpx.AsyncClient, demo) -> None:
    response = await client.post("/api/auth/login", content=b"[" * 100_000, headers={"Content-Type": JSON})
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"the JSON is nested deeper than {MAX_DEPTH} levels",
        "errors": [{"field": "body", "message": f"the JSON is nested deeper than {MAX_DEPTH} levels"}],
    }
    response = await client.post(
        "/api/auth/login", content=b'{"email": "\xff", "password": "x"}', headers={"Content-Type": JSON}
    )
    assert response.status_code == 400 and "UTF-8" in response.json()["detail"]
    response = await client.post("/api/auth/login", content=b"email=a", headers={"Content-Type": FORM})
    assert response.status_code == 415 and "application/json" in response.json()["detail"]
    response = await client.post(
        "/api/auth/login", content=b'{"email": "' + b"a" * 1_100_000 + b'"}', headers={"Content-Type": JSON}
    )
    assert response.status_code == 413 and response.json()["errors"][0]["field"] == "body"


async def test_a_page_form_with_a_nul_is_refused_before_signing_in(client: httpx.AsyncClient, demo) -> None:
    response = await client.post(
        "/login",
        content=b"email=secretariat%40demo.cop-tracker.example%00&password=x",
        headers={"Content-Type": FORM},
    )
    assert response.status_code == 400
    assert "NUL" in response.text and "<html" in response.text
    assert not await fetch("SELECT id FROM login_failure")  # refused at the door: no attempt counted


async def test_an_id_beyond_the_database_range_is_not_found(client: httpx.AsyncClient, demo, sign_in) -> None:
    headers = await sign_in(SECRETARIAT)
    response = await client.get(f"/api/commitments/{2**40}", headers=headers)
    assert response.status_code == 404
    assert response.json()["detail"] == f"no record has the id {2**40}"
    response = await client.get("/api/commitments/999999", headers=headers)
    assert response.status_code == 404


async def test_ordinary_json_and_forms_still_work(client: httpx.AsyncClient, demo) -> None:
    response = await client.post(
        "/api/auth/login",
        content=json.dumps({"email": SECRETARIAT, "password": "demo-password"}).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 200
    response = await client.post("/login", data={"email": SECRETARIAT, "password": "demo-password"})
    assert response.status_code == 303
