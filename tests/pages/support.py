"""Helpers for page tests over HTTP (no browser): sign in, post forms with the CSRF field."""

from __future__ import annotations

from typing import Any

import httpx

from models.demo import DEMO_DOMAIN


def demo_email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


class Visitor:
    """One signed-in person browsing the pages through the test client."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.client = client
        self.cookie = {"Cookie": headers["Cookie"]}
        self.csrf = headers["X-CSRF-Token"]

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.client.get(path, params=params or None, headers=self.cookie)

    async def post(self, path: str, data: dict[str, Any] | None = None, csrf: bool = True) -> httpx.Response:
        form = {**(data or {}), **({"_csrf": self.csrf} if csrf else {})}
        return await self.client.post(path, data=form, headers=self.cookie)


async def visitor(client: httpx.AsyncClient, sign_in: Any, local: str) -> Visitor:
    return Visitor(client, await sign_in(demo_email(local)))


def flash_of(response: httpx.Response) -> str:
    """The flash message a redirect carries (decoded from its signed cookie)."""
    import base64
    import json

    value = response.cookies.get("cop_flash", "")
    payload = value.strip('"').partition(".")[0]
    if not payload:
        return ""
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))[1])
