"""What every page handler shares: the base context, flash messages, forms and their errors.

Pages are plain server-rendered HTML. After an action a handler redirects (POST/redirect/GET) with a
flash message in a short-lived signed cookie; when a service refuses the input, the handler renders
the same form again, with what was typed and the service's message beside the field it names.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template

from api.pages.nav import navigation
from models.caller import Caller
from models.errors import InvalidFields, UserError
from models.signing import signature, signed_by
from models.vocabulary import LEVELS, ORG_TYPE_LABELS
from models.words import gettext, sentence

FLASH_COOKIE = "cop_flash"
FLASH_KINDS = ("success", "error", "info")
STATIC_DIR = Path(__file__).resolve().parent.parent.parent / "static"
# Pages show one organization's internal data: never keep them in a shared or back-button cache.
NO_STORE = {"Cache-Control": "no-store"}


@lru_cache(maxsize=1)
def static_version() -> str:
    """A digest of the static files, appended to their URLs so browsers fetch a changed stylesheet."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def _sign(request: Request[Any, Any, Any], payload: str) -> str:
    return signature(request.app.state.settings.secret_key, payload)


def flash_cookie(request: Request[Any, Any, Any], text: str, kind: str = "success") -> Cookie:
    """A cookie carrying one message to the next page; signed so nobody can plant text in it."""
    payload = base64.urlsafe_b64encode(json.dumps([kind, text]).encode()).decode().rstrip("=")
    settings = request.app.state.settings
    return Cookie(
        key=FLASH_COOKIE,
        value=f"{payload}.{_sign(request, payload)}",
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.https,
        max_age=120,
    )


def read_flash(request: Request[Any, Any, Any]) -> dict[str, str] | None:
    raw = request.cookies.get(FLASH_COOKIE, "")
    payload, _, presented = raw.partition(".")
    if not payload or not signed_by(request.app.state.settings.secret_key, payload, presented):
        return None
    try:
        kind, text = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, TypeError):
        return None
    return {"kind": kind if kind in FLASH_KINDS else "info", "text": str(text)}


def redirect(
    request: Request[Any, Any, Any], path: str, message: str | None = None, kind: str = "success"
) -> Redirect:
    """303 See Other to a page, optionally with a flash message for it."""
    cookies = [flash_cookie(request, message, kind)] if message else None
    return Redirect(path, status_code=303, cookies=cookies)


def base_context(caller: Caller, path: str, flash: dict[str, str] | None = None) -> dict[str, Any]:
    """What every page's template reads besides its own data: who is asking, where they may go."""
    return {
        "caller": caller,
        "nav": navigation(caller, path),
        "flash": flash,
        "static_version": static_version(),
        "levels": {level: gettext(name) for level, name in LEVELS.items()},
        "org_type_labels": {key: gettext(label) for key, label in ORG_TYPE_LABELS.items()},
        "errors": {},
        "form": {},
    }


def render(
    request: Request[Any, Any, Any],
    caller: Caller,
    template: str,
    http_status: int = 200,
    **context: Any,
) -> Template:
    """A page with the base context: who is asking, what they may navigate to, the flash message."""
    flash = read_flash(request)
    response = Template(
        template_name=template,
        context={**base_context(caller, request.url.path, flash), **context},
        status_code=http_status,
        headers=NO_STORE,
    )
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def form_errors(exc: UserError) -> dict[str, str]:
    """A service's refusal as {field: message}, every field at once; messages without a field go to
    the top of the form."""
    errors: dict[str, str] = {}
    for error in exc.errors if isinstance(exc, InvalidFields) else [exc]:
        errors.setdefault(error.field or "_form", sentence(error.message))
    return errors


def on_link(number: int, message: str) -> str:
    """A refusal of one evidence link of a form, saying which (counted from 1)."""
    return gettext("Link %(number)s: %(refusal)s", number=number, refusal=message)


def error_status(exc: UserError) -> int:
    """Form pages answer a refused input with its 4xx, shown with the form and what was typed."""
    return exc.status_code if 400 <= exc.status_code < 500 else 400


def refusal(exc: UserError | None) -> dict[str, Any]:
    """A form page's status and field errors: 200 and none when fresh, the service's when refused."""
    if exc is None:
        return {"http_status": 200, "errors": {}}
    return {"http_status": error_status(exc), "errors": form_errors(exc)}


async def read_form(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The posted form as plain strings (the CSRF field removed); repeated fields keep the last."""
    form = await request.form()
    return {key: str(value).strip() for key, value in form.items() if key != "_csrf"}


async def read_form_lists(request: Request[Any, Any, Any], *names: str) -> dict[str, list[str]]:
    """Repeated fields (a multiple choice, for example) as lists, in the order sent."""
    form = await request.form()
    return {name: [str(v).strip() for v in form.getall(name, [])] for name in names}
