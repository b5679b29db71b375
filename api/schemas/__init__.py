"""Request and response shapes (msgspec Structs), kept apart from the tables.

`XCreate` / `XUpdate` are what a client may send: unknown fields are refused, and fields a role may
not set (organization, status, approver, version, verification) are simply not part of them.
`XRead` is what a client gets back. Constraints (`Meta`) turn bad input into a 400 naming the field.
"""

from __future__ import annotations

import msgspec


def whole(pattern: str) -> str:
    r"""A `Meta(pattern=)` that the whole string must match. msgspec searches with Python's `re`, whose
    `$` also matches before a final newline ("2026-H1\n" would pass); `(?![\s\S])`, nothing after,
    is the end of the string in Python and in the JSON Schema's ECMA dialect alike."""
    return rf"^(?:{pattern})(?![\s\S])"


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every request body: a field the API does not know is an error, not silently dropped."""


class Shape(msgspec.Struct, kw_only=True):
    """Base of every response body."""
