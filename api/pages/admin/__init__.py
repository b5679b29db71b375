"""The secretariat's pages under /admin/: organizations, people and roles, cycles and publishing,
evidence to verify, and the reminder outbox. Lists that grow are filtered and paginated."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from models.paging import Page, Paging

PAGE_SIZE = 50


async def page_of(read: Callable[[Paging], Awaitable[Page[Any]]], number: int) -> Page[Any]:
    """Page `number` of a list a service pages, or its last page when `number` is past the end."""
    page = await read(Paging.page_number(number, PAGE_SIZE))
    if not page.items and page.offset and page.total:
        page = await read(Paging.page_number(page.pages, PAGE_SIZE))
    return page


def page_number_of(page: Page[Any]) -> int:
    return page.offset // PAGE_SIZE + 1


def page_base(path: str, **filters: Any) -> str:
    """The list's address with its filters, ready for `page=N` to be appended."""
    kept = {key: value for key, value in filters.items() if value not in (None, "")}
    return f"{path}?{urlencode(kept)}&" if kept else f"{path}?"
