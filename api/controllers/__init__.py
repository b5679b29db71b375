"""One controller per resource of the JSON API. Controllers hold no business rules: they turn HTTP
into calls of `models.services` and rows into response shapes."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

T = TypeVar("T")


def shape(row: Any, type_: type[T]) -> T:
    """A service row (dict) as a response Struct."""
    return msgspec.convert(row, type_, from_attributes=True)


def shapes(rows: list[Any], type_: type[T]) -> list[T]:
    return [msgspec.convert(row, type_, from_attributes=True) for row in rows]
