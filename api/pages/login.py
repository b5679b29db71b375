"""Logging in and out through the pages, with the same session service as the JSON API."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from api.auth import (
    browser_language,
    client_address,
    expired_session_cookie,
    session_cookie,
    session_cookie_for,
)
from api.errors import retry_after_header
from api.pages.errors import PageController
from api.pages.render import error_status, form_errors, read_form, redirect, render
from models.caller import Caller
from models.errors import UserError
from models.services import sessions
from models.words import gettext


def safe_next(path: str | None) -> str:
    """Only a path on this site: never an absolute URL, a scheme-relative URL or a backslash trick,
    nor a control character (a browser drops tabs and line breaks, so "/<tab>/x" would lead to //x)."""
    if (
        not path
        or not path.startswith("/")
        or path.startswith("//")
        or "\\" in path
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in path)
    ):
        return "/"
    return path


class LoginPages(PageController):
    @get("/login")
    async def login_form(
        self,
        request: Request[Any, Any, Any],
        caller: Caller,
        next_path: Annotated[str | None, QueryParameter(name="next")] = None,
    ) -> Template | Redirect:
        if caller.authenticated:
            return redirect(request, safe_next(next_path))
        return render(request, caller, "login.html.jinja", form={"next": safe_next(next_path)})

    @post("/login")
    async def login(self, request: Request[Any, Any, Any], caller: Caller) -> Template | Redirect:
        form = await read_form(request)
        settings = request.app.state.settings
        try:
            cookie_value, person = await sessions.login(
                form.get("email", ""),
                form.get("password", ""),
                client_address(request.scope, settings),
                browser_language(request.scope),
            )
        except UserError as exc:
            kept = {"email": form.get("email", ""), "next": safe_next(form.get("next"))}
            page = render(
                request,
                caller,
                "login.html.jinja",
                http_status=error_status(exc),
                form=kept,
                errors=form_errors(exc),
            )
            page.headers.update(retry_after_header(exc))
            return page
        # As the API's login does: the session this browser held before ends (docs/design.md
        # "Running it"), so no earlier cookie outlives a new sign-in.
        if (old := session_cookie(request.scope)) is not None:
            await sessions.logout(old)
        response = redirect(
            request, safe_next(form.get("next")), gettext("Welcome, %(name)s.", name=person.name)
        )
        response.set_cookie(session_cookie_for(cookie_value, settings))
        return response

    @post("/logout")
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        await sessions.logout(session_cookie(request.scope) or "")
        response = redirect(request, "/login", gettext("You are logged out."), kind="info")
        response.set_cookie(expired_session_cookie(request.app.state.settings))
        return response
