"""The pages of the emailed account links: accepting an invitation, asking for and using a
password reset (docs/design.md "Invitations and password reset"). They call the same services as
`POST /api/auth/invitation`, `/api/auth/password-reset` and `/api/auth/password-reset/confirm`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from api.auth import browser_language, client_address, session_cookie_for
from api.errors import retry_after_header
from api.pages.errors import PageController
from api.pages.render import error_status, form_errors, read_form, redirect, render
from models.caller import Caller
from models.errors import UserError
from models.passwords import MIN_PASSWORD_LENGTH
from models.services import account_tokens, sessions
from models.words import N_, gettext
from reminders import account_emails

ACCOUNT_LINK_PAGE_ACCESS = {
    "GET /invitation/{token}": "anyone",
    "POST /invitation/{token}": "anyone",
    "GET /password-reset": "anyone",
    "POST /password-reset": "anyone",
    "GET /password-reset/set/{token}": "anyone",
    "POST /password-reset/set/{token}": "anyone",
}
# (purpose, template, the form's action) of each link's page
LINKS = {
    account_tokens.INVITATION: ("invitation.html.jinja", "/invitation/"),
    account_tokens.RESET: ("password_set.html.jinja", "/password-reset/set/"),
}


class AccountLinkPages(PageController):
    async def _set_page(
        self,
        request: Request[Any, Any, Any],
        caller: Caller,
        purpose: str,
        token: str,
        errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Template:
        template, action = LINKS[purpose]
        found = await account_tokens.live_token(token, purpose)
        return render(
            request,
            caller,
            template,
            http_status=status if found else 404,
            found=found,
            action=action + token,
            min_length=MIN_PASSWORD_LENGTH,
            errors=errors or {},
        )

    async def _use(
        self,
        request: Request[Any, Any, Any],
        caller: Caller,
        purpose: str,
        token: str,
        then: Callable[[int], Awaitable[Redirect]],
    ) -> Template | Redirect:
        """Set the password from the link's form, then `then(person_id)`; the form again if refused."""
        form = await read_form(request)
        password = form.get("password", "")
        try:
            if password != form.get("password_again", ""):
                raise UserError(N_("the two passwords are not the same"), field="password_again")
            person_id = await account_tokens.use(token, purpose, password)
        except UserError as exc:
            return await self._set_page(request, caller, purpose, token, form_errors(exc), error_status(exc))
        return await then(person_id)

    @get("/invitation/{token:str}")
    async def invitation(self, request: Request[Any, Any, Any], caller: Caller, token: str) -> Template:
        return await self._set_page(request, caller, account_tokens.INVITATION, token)

    @post("/invitation/{token:str}")
    async def accept(
        self, request: Request[Any, Any, Any], caller: Caller, token: str
    ) -> Template | Redirect:
        async def signed_in(person_id: int) -> Redirect:
            cookie_value, person = await sessions.open_session(
                person_id, "invitation", browser_language(request.scope)
            )
            response = redirect(request, "/", gettext("Welcome, %(name)s.", name=person.name))
            response.set_cookie(session_cookie_for(cookie_value, request.app.state.settings))
            return response

        return await self._use(request, caller, account_tokens.INVITATION, token, signed_in)

    @get("/password-reset")
    async def reset_form(self, request: Request[Any, Any, Any], caller: Caller) -> Template:
        return render(request, caller, "password_reset.html.jinja", form={}, errors={}, sent=False)

    @post("/password-reset")
    async def reset(self, request: Request[Any, Any, Any], caller: Caller) -> Template:
        form = await read_form(request)
        settings = request.app.state.settings
        try:
            await account_emails.request_reset(
                settings, form.get("email", ""), client_address(request.scope, settings)
            )
        except UserError as exc:
            page = render(
                request,
                caller,
                "password_reset.html.jinja",
                http_status=error_status(exc),
                form={"email": form.get("email", "")},
                errors=form_errors(exc),
                sent=False,
            )
            page.headers.update(retry_after_header(exc))
            return page
        return render(request, caller, "password_reset.html.jinja", form={}, errors={}, sent=True)

    @get("/password-reset/set/{token:str}")
    async def set_form(self, request: Request[Any, Any, Any], caller: Caller, token: str) -> Template:
        return await self._set_page(request, caller, account_tokens.RESET, token)

    @post("/password-reset/set/{token:str}")
    async def set_password(
        self, request: Request[Any, Any, Any], caller: Caller, token: str
    ) -> Template | Redirect:
        async def to_login(_person_id: int) -> Redirect:
            message = N_("Your password was changed and every session ended. Log in with the new password.")
            return redirect(request, "/login", gettext(message))

        return await self._use(request, caller, account_tokens.RESET, token, to_login)
