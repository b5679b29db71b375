"""Everything the app serves, in one list: controllers, middleware and dependencies."""

from __future__ import annotations

from typing import Any

from litestar.middleware import DefineMiddleware
from litestar.types import ControllerRouterHandler

from models.settings import Settings


def route_handlers(settings: Settings) -> list[ControllerRouterHandler]:
    from api.controllers.assessments import AssessmentController
    from api.controllers.audit import AuditController
    from api.controllers.auth import AuthController
    from api.controllers.briefs import BriefController
    from api.controllers.commitments import CommitmentController, MilestoneController
    from api.controllers.cycles import CycleController, SubmissionController
    from api.controllers.expectation_answers import (
        AnswerFileController,
        DonorMatrixController,
        ExpectationAnswerController,
    )
    from api.controllers.exports import ExportController
    from api.controllers.organizations import AreaController, OrganizationController
    from api.controllers.people import ExpectationController, PeopleController
    from api.controllers.plans import PlanController
    from api.controllers.reminders import ReminderController
    from api.controllers.reviews import ReviewController, ReviewRoundController
    from api.controllers.scorecards import ScorecardController
    from api.controllers.updates import EvidenceController, UpdateController
    from api.pages import page_handlers
    from api.pages.scorecards import ScorecardPages

    return [
        *page_handlers(),
        AuthController,
        AreaController,
        OrganizationController,
        CommitmentController,
        MilestoneController,
        PlanController,
        UpdateController,
        EvidenceController,
        CycleController,
        SubmissionController,
        AssessmentController,
        PeopleController,
        ExpectationController,
        AuditController,
        ExportController,
        BriefController,
        ExpectationAnswerController,
        AnswerFileController,
        DonorMatrixController,
        ScorecardController,
        ScorecardPages,
        ReminderController,
        ReviewRoundController,
        ReviewController,
    ]


def app_middleware(settings: Settings) -> list[Any]:
    """Outermost first: security headers on every answer, hostile input refused before any work,
    then the caller, access table and CSRF."""
    from api.access import AccessMiddleware
    from api.guard import InputGuardMiddleware
    from api.security import SecurityHeadersMiddleware

    return [
        DefineMiddleware(SecurityHeadersMiddleware, settings=settings),
        InputGuardMiddleware,
        DefineMiddleware(AccessMiddleware, settings=settings),
    ]


def app_dependencies(settings: Settings) -> dict[str, Any]:
    """`caller` (models.caller.Caller): who is asking, for every handler; `paging`
    (models.paging.Paging): `?limit=` and `?offset=`, for the handlers of lists."""
    from litestar.di import Provide

    from api.auth import caller_dependency
    from api.controllers import paging_from_query

    return {"caller": caller_dependency(), "paging": Provide(paging_from_query, sync_to_thread=False)}


def exception_handlers() -> dict[Any, Any]:
    """The API's error shape, except that a page path answers an HTML error page: an unknown page
    path is a 404 page, and a refusal never shows a route template (docs/design.md "Running it")."""
    from litestar.exceptions import HTTPException

    from api.auth import LANGUAGE_STATE_KEY, browser_language
    from api.errors import answer_headers, handle_http_exception
    from api.errors import exception_handlers as api_exception_handlers
    from api.pages.errors import page_http_error
    from models.words import speaking

    def answer(request: Any, exc: HTTPException) -> Any:
        if request.url.path.startswith(("/api/", "/schema", "/static/")):
            return handle_http_exception(request, exc)
        # An unknown path is answered before the middleware runs: the page carries the security
        # headers itself, as the API's error answers do.
        with speaking(
            request.scope.get("state", {}).get(LANGUAGE_STATE_KEY) or browser_language(request.scope)
        ):
            page = page_http_error(request, exc)
        page.headers.update({k: v for k, v in answer_headers(request).items() if k not in page.headers})
        return page

    handlers = api_exception_handlers()
    handlers[HTTPException] = answer
    return handlers
