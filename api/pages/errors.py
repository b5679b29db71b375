"""Errors on pages are pages: the same refusal as the API gives, in HTML with the navigation.

Every page controller derives from `PageController`, whose exception handlers answer in HTML; the
JSON API keeps the app-wide handlers of `api.errors`.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Controller, MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException

from api.access import RedirectToLogin
from api.pages.render import render
from models.caller import ANONYMOUS, Caller
from models.errors import UserError
from models.words import N_, gettext, sentence

log = logging.getLogger("cop_tracker.pages")

TITLES = {
    400: N_("That request could not be done"),
    401: N_("Please log in"),
    403: N_("You do not have access to this page"),
    404: N_("Page not found"),
    409: N_("Someone else changed this first"),
    412: N_("Someone else changed this first"),
    413: N_("That form is too large"),
    415: N_("That form could not be read"),
    429: N_("Too many attempts"),
}


def _caller(request: Request[Any, Any, Any]) -> Caller:
    return request.scope.get("state", {}).get("caller", ANONYMOUS)


def error_page(request: Request[Any, Any, Any], status: int, message: str) -> Response[Any]:
    """The error page, rendered now: a refusal met before the handler ran is answered outside the
    request's language, so the words are written while it is still spoken."""
    page = render(
        request,
        _caller(request),
        "error.html.jinja",
        http_status=status,
        title=gettext(TITLES.get(status, N_("Something went wrong"))),
        message=sentence(message),
        status_code=status,
    )
    html = request.app.template_engine.get_template(page.template_name).render(**page.context)
    return Response(
        html, status_code=status, media_type=MediaType.HTML, headers=page.headers, cookies=page.cookies
    )


NOT_HERE = N_("there is no page at this address")
OTHER_ORGANIZATION = re.compile(r"^/organizations/(\d+)(/|$)")


def unknown_to(request: Request[Any, Any, Any]) -> bool:
    """A page of an organization the reader has no role in: whether it exists is not theirs to know,
    so a refusal there answers 404 like a page that does not exist (docs/design.md "Running it")."""
    match = OTHER_ORGANIZATION.match(request.url.path)
    if match is None:
        return False
    caller = _caller(request)
    return not caller.is_secretariat and int(match.group(1)) not in caller.org_ids()


def page_user_error(request: Request[Any, Any, Any], exc: UserError) -> Response[Any]:
    if exc.status_code == 403 and unknown_to(request):
        return error_page(request, 404, gettext(NOT_HERE))
    return error_page(request, exc.status_code, exc.message)


def page_http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, RedirectToLogin):
        from api.errors import handle_http_exception

        return handle_http_exception(request, exc)
    if isinstance(exc, NotAuthorizedException):
        return error_page(request, 401, gettext("your session has ended; log in again"))
    if exc.status_code >= 500:
        log.error("server error on %s %s: %s", request.method, request.url.path, exc.detail)
        return error_page(request, exc.status_code, gettext("the server could not answer; try again later"))
    # Refusals met before a page handler ran (the access table, an unknown path) are said in words,
    # never with the route's template.
    if exc.status_code == 403 and unknown_to(request):
        return error_page(request, 404, gettext(NOT_HERE))
    if exc.status_code == 403:
        return error_page(
            request, 403, gettext("this page is for other people; ask the secretariat if you need it")
        )
    if exc.status_code in (404, 405):
        return error_page(request, 404, gettext(NOT_HERE))
    return error_page(request, exc.status_code, str(exc.detail))


class PageController(Controller):
    """Base of every page controller: no OpenAPI entry, errors rendered as pages."""

    include_in_schema = False
    exception_handlers = {UserError: page_user_error, HTTPException: page_http_error}  # noqa: RUF012
