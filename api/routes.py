"""Everything the app serves, in one list: controllers, middleware and dependencies."""

from __future__ import annotations

from typing import Any

from litestar.types import ControllerRouterHandler

from api.settings import Settings


def route_handlers(settings: Settings) -> list[ControllerRouterHandler]:
    from api.pages.home import HomePage

    return [HomePage]


def app_middleware(settings: Settings) -> list[Any]:
    return []


def app_dependencies(settings: Settings) -> dict[str, Any]:
    return {}


def exception_handlers() -> dict[Any, Any]:
    return {}
