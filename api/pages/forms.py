"""Turning typed form text into the values services take, with messages that name the field.

Browsers send every field as text; an empty optional field means "none". A value that cannot be
read raises the same UserError a service would, so the form shows it beside that field. The
choices a form offers (`area_options`) are read here too.
"""

from __future__ import annotations

import datetime as dt

from models.errors import UserError
from models.services.areas import list_areas
from models.words import N_


async def area_options() -> list[tuple[str, str]]:
    """The areas as a drop-down lists them: (key, name), in the framework's order."""
    return [(area["key"], area["name"]) for area in (await list_areas()).items]


def optional_date(form: dict[str, str], field: str, label: str | None = None) -> dt.date | None:
    value = form.get(field, "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UserError(
            N_("%(name)s must be a date like 2026-12-31"), field=field, name=label or field
        ) from None


def required_date(form: dict[str, str], field: str, label: str | None = None) -> dt.date:
    value = optional_date(form, field, label)
    if value is None:
        raise UserError(N_("%(name)s is required"), field=field, name=label or field)
    return value


def optional_int(form: dict[str, str], field: str, label: str | None = None) -> int | None:
    value = form.get(field, "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise UserError(N_("%(name)s must be a whole number"), field=field, name=label or field) from None


def version_of(form: dict[str, str]) -> int:
    """The version the form was read at, sent back so a concurrent edit is caught (412)."""
    value = optional_int(form, "version")
    if value is None:
        raise UserError(N_("the form lost its version; reload the page and apply your change again"))
    return value


def page_number(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1
