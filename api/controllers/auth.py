"""Sign-in with email and password (session cookie), sign-out, the current caller, bearer tokens."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from api.auth import (
    CallerDep,
    browser_language,
    client_address,
    expired_session_cookie,
    session_cookie,
    session_cookie_for,
)
from api.controllers import listed, shape
from api.schemas.auth import (
    ErrorRead,
    LoginRequest,
    MeRead,
    MeUpdate,
    NewPassword,
    PasswordChange,
    PasswordChanged,
    PasswordResetAccepted,
    PasswordResetRequest,
    PasswordSet,
    RoleRead,
    TokenCreate,
    TokenCreated,
    TokenRead,
)
from models.paging import ListOf, Paging
from models.services import account, account_tokens, sessions
from models.services.sessions import hash_secret
from models.words import DEFAULT_LOCALE, N_, gettext
from reminders import account_emails

RESET_ANSWER = N_(
    "If an account has this address, a link to choose a new password is on its way; it works for one hour."
)


EVERY_FIELD = "Every refused field at once: `errors` has one entry per field, `detail` joins them."


def refusals(**described: str) -> dict[int, ResponseSpec]:
    """OpenAPI entries of a route's refusals (status: when), all with the error body."""
    return {
        int(status.removeprefix("s")): ResponseSpec(data_container=ErrorRead, description=text)
        for status, text in described.items()
    }


def me_of(caller: CallerDep) -> MeRead:
    return MeRead(
        id=caller.person_id,
        email=caller.email,
        name=caller.name,
        via=caller.via,
        roles=[RoleRead(role=r, organization_id=o) for r, o in sorted(caller.roles, key=str)],
        csrf_token=caller.csrf_token,
        language=caller.language or DEFAULT_LOCALE,
    )


async def my_account(caller: CallerDep) -> MeRead:
    me = me_of(caller)
    if caller.person_id is None:
        return me
    row = await account.get_account(caller)
    return msgspec.structs.replace(
        me,
        job_title=row["job_title"],
        email_frequency=row["email_frequency"],
        language=row["language"],
        muted_rules=row["muted_rules"],
        mutable_rules=row["mutable_rules"],
    )


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post("/login", status_code=HTTP_200_OK)
    async def login(self, request: Request[Any, Any, Any], data: JSONBody[LoginRequest]) -> Response[MeRead]:
        """Sign in; sets the `cop_session` cookie (a new session id at every login).

        The answer carries `csrf_token`: send it as `X-CSRF-Token` on every POST/PATCH/PUT/DELETE
        made with the cookie.
        """
        settings = request.app.state.settings
        address = request.scope["state"].get("client_address", "unknown")
        old = session_cookie(request.scope)
        if old:
            await sessions.logout(old)
        cookie_value, caller = await sessions.login(
            data.email, data.password, address, browser_language(request.scope)
        )
        return Response(me_of(caller), cookies=[session_cookie_for(cookie_value, settings)])

    @post("/logout", status_code=HTTP_204_NO_CONTENT)
    async def logout(self, request: Request[Any, Any, Any]) -> Response[None]:
        """End the session: the cookie value is dead from now on, even if replayed."""
        cookie = session_cookie(request.scope)
        if cookie:
            await sessions.logout(cookie)
        return Response(
            None,
            status_code=HTTP_204_NO_CONTENT,
            cookies=[expired_session_cookie(request.app.state.settings)],
        )

    @get("/me")
    async def me(self, caller: CallerDep) -> MeRead:
        """The caller, with their own account settings (job title, email frequency, muted rules)."""
        return await my_account(caller)

    @patch("/me")
    async def update_me(self, caller: CallerDep, data: JSONBody[MeUpdate]) -> MeRead:
        """Change one's name, job title, language (en, fr, es, ar), email frequency (immediate, daily,
        weekly) or muted rules (only those in `mutable_rules`: escalations, the champion-gap alert and
        what a champion must sign cannot be turned off)."""
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        await account.update_account(caller, changes)
        return await my_account(caller)

    @post("/me/password", status_code=HTTP_200_OK)
    async def change_password(
        self, request: Request[Any, Any, Any], caller: CallerDep, data: JSONBody[PasswordChange]
    ) -> PasswordChanged:
        """Set a new password (the current one required); every other session of the person ends."""
        cookie = session_cookie(request.scope)
        ended = await account.change_password(
            caller, data.current_password, data.new_password, hash_secret(cookie) if cookie else None
        )
        return PasswordChanged(sessions_ended=ended)

    @get("/tokens")
    async def list_tokens(self, caller: CallerDep, paging: Paging) -> ListOf[TokenRead]:
        return listed(await sessions.list_tokens(caller, paging), TokenRead)

    @post("/tokens", status_code=HTTP_201_CREATED)
    async def create_token(self, caller: CallerDep, data: JSONBody[TokenCreate]) -> TokenCreated:
        """A bearer token for scripts (`Authorization: Bearer <token>`); shown once, stored hashed."""
        token, row = await sessions.create_token(caller, data.name)
        return TokenCreated(token=token, details=shape(row, TokenRead))

    @delete("/tokens/{token_id:int}", status_code=HTTP_200_OK)
    async def revoke_token(self, caller: CallerDep, token_id: FromPath[int]) -> TokenRead:
        return shape(await sessions.revoke_token(caller, token_id), TokenRead)

    @post(
        "/password-reset",
        status_code=HTTP_202_ACCEPTED,
        responses=refusals(
            s400="the body is not `{email}`", s429="too many requests from the caller's network (Retry-After)"
        ),
    )
    async def request_reset(
        self, request: Request[Any, Any, Any], data: JSONBody[PasswordResetRequest]
    ) -> PasswordResetAccepted:
        """Ask for a password-reset link by email. The answer is the same whether or not the address
        has an account; the link works once, for one hour. Limited per address and per network."""
        settings = request.app.state.settings
        await account_emails.request_reset(settings, data.email, client_address(request.scope, settings))
        return PasswordResetAccepted(detail=gettext(RESET_ANSWER))

    @post(
        "/password-reset/confirm",
        status_code=HTTP_200_OK,
        responses=refusals(
            s400="the password is too short", s404="the link was used, expired or was replaced"
        ),
    )
    async def confirm_reset(self, data: JSONBody[NewPassword]) -> PasswordSet:
        """Choose a new password with the token of a reset link; every session of the person ends
        (sign in again with the new password)."""
        await account_tokens.use(data.token, account_tokens.RESET, data.password)
        return PasswordSet(sessions_ended=True)

    @post(
        "/invitation",
        status_code=HTTP_200_OK,
        responses=refusals(
            s400="the password is too short", s404="the link was used, expired or was replaced"
        ),
    )
    async def accept_invitation(
        self, request: Request[Any, Any, Any], data: JSONBody[NewPassword]
    ) -> Response[MeRead]:
        """Accept an invitation: set one's first password with the token of the invitation link;
        signs the person in (sets the `cop_session` cookie)."""
        settings = request.app.state.settings
        person_id = await account_tokens.use(data.token, account_tokens.INVITATION, data.password)
        cookie_value, caller = await sessions.open_session(
            person_id, "invitation", browser_language(request.scope)
        )
        return Response(me_of(caller), cookies=[session_cookie_for(cookie_value, settings)])
