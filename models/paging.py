"""One shape for every list: a page of items, how many there are in all, and where the page starts.

The API answers every list as `{"items": [...], "total": N, "limit": L, "offset": O}` and the pages
show 50 rows at a time; both ask the services for a `Paging` and get a `Page` back, so the paging
and the filters run where the data is queried (LIMIT/OFFSET and a COUNT in SQL), never by slicing a
full list in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import msgspec

from models.errors import UserError
from models.words import N_

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_OFFSET = 2**31 - 1

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True, slots=True)
class Paging:
    """Which slice of a list to read: at most `limit` items (None: all of them) from `offset` on.

    `limit=None` is for the app's own needs (a drop-down of every cycle); the API always sends a
    bounded limit.
    """

    limit: int | None = DEFAULT_LIMIT
    offset: int = 0

    def __post_init__(self) -> None:
        if self.limit is not None and not 1 <= self.limit <= MAX_LIMIT:
            raise UserError(
                N_("limit must be a whole number from 1 to %(max_limit)s"), field="limit", max_limit=MAX_LIMIT
            )
        if not 0 <= self.offset <= MAX_OFFSET:
            raise UserError(N_("offset must be a whole number, 0 or more"), field="offset")
        if self.limit is None and self.offset:
            raise ValueError("a list read whole starts at offset 0")

    @classmethod
    def page_number(cls, number: int, size: int = DEFAULT_LIMIT) -> Paging:
        """Page `number` (1 for the first) of `size` rows, as the HTML pages count them."""
        return cls(limit=size, offset=(max(1, number) - 1) * size)

    def sql(self) -> str:
        """The LIMIT/OFFSET clause (the values are checked integers, so inlining them is safe)."""
        if self.limit is None:
            return ""
        return f" LIMIT {self.limit} OFFSET {self.offset}"

    def total_known_from(self, listed: int) -> bool:
        """True when the rows read already say how many there are: a first page not filled up."""
        return self.offset == 0 and (self.limit is None or listed < self.limit)


EVERYTHING = Paging(limit=None)
FIRST_PAGE = Paging()


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int  # how many items the filters let through, on every page alike
    limit: int | None
    offset: int

    @classmethod
    def empty(cls, paging: Paging) -> Page[T]:
        return cls(items=[], total=0, limit=paging.limit, offset=paging.offset)

    @property
    def pages(self) -> int:
        """How many pages of `limit` items the whole list fills (at least one, even when empty)."""
        if not self.limit:
            return 1
        return max(1, -(-self.total // self.limit))

    def map(self, convert: Callable[[T], U]) -> Page[U]:
        return Page(
            items=[convert(item) for item in self.items],
            total=self.total,
            limit=self.limit,
            offset=self.offset,
        )

    def with_items(self, items: list[U]) -> Page[U]:
        """The same page with its items replaced (enriched rows, not a different selection)."""
        return Page(items=items, total=self.total, limit=self.limit, offset=self.offset)


class ListOf(msgspec.Struct, Generic[T], kw_only=True):
    """The JSON shape of every list the API answers (a route may add keys of its own beside these).

    `total` counts every item the filters let through; page on with `offset` += `limit` until
    `offset` >= `total`.
    """

    items: list[T]
    total: int
    limit: int
    offset: int
