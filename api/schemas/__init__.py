"""Request and response shapes (msgspec Structs), kept apart from the tables.

`XCreate` / `XUpdate` are what a client may send: unknown fields are refused, and fields a role may
not set (organization, status, approver, version, verification) are simply not part of them.
`XRead` is what a client gets back. Constraints (`Meta`) turn bad input into a 400 naming the field.
"""

from __future__ import annotations

import msgspec


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every request body: a field the API does not know is an error, not silently dropped."""


class Shape(msgspec.Struct, kw_only=True):
    """Base of every response body."""
