"""The secretariat's pages under /admin/: organizations, people and roles, cycles and publishing,
evidence to verify, and the reminder outbox. Lists that grow are filtered and paginated."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

PAGE_SIZE = 50


def paginate(items: list[Any], page: int, size: int = PAGE_SIZE) -> tuple[list[Any], int, int]:
    """One page of the items, the page number actually shown, and how many pages there are."""
    pages = max(1, math.ceil(len(items) / size))
    page = min(max(1, page), pages)
    return items[(page - 1) * size : page * size], page, pages


def page_base(path: str, **filters: Any) -> str:
    """The list's address with its filters, ready for `page=N` to be appended."""
    kept = {key: value for key, value in filters.items() if value not in (None, "")}
    return f"{path}?{urlencode(kept)}&" if kept else f"{path}?"


def matches(text: str, *values: Any) -> bool:
    needle = text.strip().lower()
    return not needle or any(needle in str(value or "").lower() for value in values)
