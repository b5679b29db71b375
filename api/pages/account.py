"""A person's own account page (`/account`) and the unsubscribe links of the emails.

The page and `GET/PATCH /api/auth/me` call the same service (`models.services.account`).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from api.auth import session_cookie
from api.pages.errors import PageController
from api.pages.render import error_status, form_errors, read_form, redirect, render
from models.caller import Caller
from models.errors import UserError
from models.services import account as account_service
from models.services.sessions import hash_secret
from models.vocabulary import EMAIL_FREQUENCIES, ESSENTIAL_RULES, MUTABLE_RULES
from models.words import DEFAULT_LOCALE, SUPPORTED_LANGUAGES, gettext, language_name
from reminders.unsubscribe import read_token

ACCOUNT_PAGE_ACCESS = {
    "GET /account": "signed_in",
    "POST /account": "signed_in",
    "POST /account/password": "signed_in",
    "GET /unsubscribe/{token}": "anyone",
    "POST /unsubscribe/{token}": "anyone",
}


class AccountPages(PageController):
    async def _page(
        self,
        request: Request[Any, Any, Any],
        caller: Caller,
        errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Template:
        row = await account_service.get_account(caller)
        return render(
            request,
            caller,
            "account.html.jinja",
            http_status=status,
            account=row,
            frequencies=EMAIL_FREQUENCIES,
            languages={code: language_name(code) for code in SUPPORTED_LANGUAGES},
            mutable_rules=MUTABLE_RULES,
            essential_rules=sorted(ESSENTIAL_RULES),
            errors=errors or {},
        )

    @get("/account")
    async def show(self, request: Request[Any, Any, Any], caller: Caller) -> Template:
        return await self._page(request, caller)

    @post("/account")
    async def save(self, request: Request[Any, Any, Any], caller: Caller) -> Template | Redirect:
        form = await read_form(request)
        data = {
            "name": form.get("name", ""),
            "job_title": form.get("job_title", ""),
            "email_frequency": form.get("email_frequency", "daily"),
            "language": form.get("language", caller.language or DEFAULT_LOCALE),
            "muted_rules": [rule for rule in MUTABLE_RULES if form.get(f"mute-{rule}") == "on"],
        }
        try:
            await account_service.update_account(caller, data)
        except UserError as exc:
            return await self._page(request, caller, form_errors(exc), error_status(exc))
        return redirect(request, "/account", gettext("Your account was saved."))

    @post("/account/password")
    async def password(self, request: Request[Any, Any, Any], caller: Caller) -> Template | Redirect:
        form = await read_form(request)
        cookie = session_cookie(request.scope)
        try:
            ended = await account_service.change_password(
                caller,
                form.get("current_password", ""),
                form.get("new_password", ""),
                hash_secret(cookie) if cookie else None,
            )
        except UserError as exc:
            return await self._page(request, caller, form_errors(exc), error_status(exc))
        message = gettext("Your password was changed; %(count)s other sessions were ended.", count=ended)
        return redirect(request, "/account", message)

    @get("/unsubscribe/{token:str}")
    async def unsubscribe_form(self, request: Request[Any, Any, Any], caller: Caller, token: str) -> Template:
        return self._unsubscribe_page(request, caller, token, done=False)

    @post("/unsubscribe/{token:str}")
    async def unsubscribe(self, request: Request[Any, Any, Any], caller: Caller, token: str) -> Template:
        """RFC 8058 one-click: the mail client posts here; no sign-in, the signed token is the proof."""
        found = read_token(request.app.state.settings.secret_key, token)
        if found is not None and found.rules_turned_off:
            await account_service.mute_rules(found.person_id, found.rules_turned_off)
        return self._unsubscribe_page(request, caller, token, done=True)

    def _unsubscribe_page(
        self, request: Request[Any, Any, Any], caller: Caller, token: str, done: bool
    ) -> Template:
        found = read_token(request.app.state.settings.secret_key, token)
        status = 200 if found else 404
        return render(
            request, caller, "unsubscribe.html.jinja", http_status=status, found=found, token=token, done=done
        )
