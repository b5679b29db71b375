"""Checks every resource service shares: who may read or edit an organization's records, input
validation with messages naming the field, and optimistic concurrency on `version` columns."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any
from urllib.parse import urlparse

from piccolo.table import Table

from models.caller import Caller
from models.engine import one_or_not_found
from models.errors import Forbidden, NotFound, PreconditionFailed, UserError
from models.versions import versioned_reader
from models.vocabulary import VISIBILITIES, visibilities_for
from models.words import N_, without_bidi_controls


def read_audience(caller: Caller, org_id: int, what: str = "organization") -> str:
    """The audience the caller reads this organization at; 404 when they may not read it at all."""
    audience = caller.audience_for(org_id)
    if audience is None:
        raise NotFound(N_("no %(what)s with that id"), what=what)
    return audience


def require_editor(caller: Caller, org_id: int, what: str) -> None:
    """Only the organization's focal points (and the secretariat) change its records.

    Someone who may not even read the organization's internal records learns nothing: 404.
    """
    if caller.can_edit(org_id):
        return
    if caller.audience_for(org_id) != "internal":
        raise NotFound(N_("no %(what)s with that id"), what=what)
    raise Forbidden(
        N_("only a focal point of this organization or the secretariat may change its %(what)ss"), what=what
    )


NO_ORGANIZATION = N_("no organization with id %(org_id)s")


async def organization_row(org_id: int, field: str | None = None) -> dict[str, Any]:
    """The organization's id and acronym; NotFound (on `field`, when the client sent the id in
    one) when there is no such organization."""
    return await one_or_not_found(
        "SELECT id, acronym FROM organization WHERE id = {}",
        org_id,
        missing=NO_ORGANIZATION,
        field=field,
        org_id=org_id,
        read=versioned_reader(org_id),
    )


def may_read(visibility: str, audience: str) -> bool:
    return visibility in visibilities_for(audience)


def readable_by(column: str, audience: str) -> tuple[str, list[str]]:
    """The SQL condition "`column` holds a visibility the audience may read", with its values, so a
    list leaves out what the caller may not read before it is paged and counted."""
    allowed = visibilities_for(audience)
    return f"{column} IN ({', '.join('{}' for _ in allowed)})", list(allowed)


def containing(columns: tuple[str, ...], text: str) -> tuple[str, list[str]]:
    """The SQL condition "one of `columns` contains `text`, ignoring case", with its values, so a
    search is filtered, paged and counted in the query (the text's % and _ match only themselves)."""
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    condition = " OR ".join(f"LOWER({column}) LIKE {{}} ESCAPE '\\'" for column in columns)
    return f"({condition})", [f"%{escaped}%"] * len(columns)


def visible_or_blank(text: str, visibility: str, audience: str) -> str:
    return text if may_read(visibility, audience) else ""


# Fields as a person names them (errors never show a column name such as drop_reason).
FIELD_WORDS = {
    "title": N_("the title"),
    "description": N_("the description"),
    "description_visibility": N_("who may read the description"),
    "visibility": N_("who may read it"),
    "target_date": N_("the target date"),
    "due_date": N_("the due date"),
    "completed_on": N_("the completion date"),
    "drop_reason": N_("the reason for dropping it"),
    "owner_id": N_("the owner"),
    "status": N_("the status"),
    "area": N_("the area"),
    "self_level": N_("the level"),
    "narrative": N_("what happened"),
    "justification": N_("the justification"),
    "url": N_("the link"),
    "comment": N_("the comment"),
    "cover_note": N_("the cover note"),
    "body": N_("the comment"),
}


# A part of one evidence link or file of a list (evidence[0].url, files[1].title): the index stays in
# the error's field, the words name the part.
LISTED_PART = re.compile(r"(evidence|files)\[\d+\]\.?(url|title|visibility)?")
LISTED_WORDS = {
    ("evidence", "url"): N_("the address of an evidence link"),
    ("evidence", "title"): N_("the title of an evidence link"),
    ("evidence", "visibility"): N_("who may open an evidence link"),
    ("files", "title"): N_("the title of an evidence file"),
    ("files", "visibility"): N_("who may open an evidence file"),
    ("files", None): N_("an evidence file"),
}


def field_words(field: str) -> str:
    listed = LISTED_PART.fullmatch(field)
    if listed and (listed.group(1), listed.group(2)) in LISTED_WORDS:
        return LISTED_WORDS[(listed.group(1), listed.group(2))]
    return FIELD_WORDS.get(field, field.replace("_", " "))


def _at_most(value: str, field: str, max_length: int) -> None:
    if len(value) > max_length:
        raise UserError(
            N_("%(name)s must have at most %(max_length)s characters"),
            field=field,
            name=field_words(field),
            max_length=max_length,
        )


def one_line(value: str, field: str, max_length: int, *, required: bool = True) -> str:
    value = without_bidi_controls(value).strip()
    if required and not value:
        raise UserError(N_("%(name)s must not be empty"), field=field, name=field_words(field))
    _at_most(value, field, max_length)
    if any(c in value for c in "\r\n\t\x00"):
        raise UserError(N_("%(name)s must be one line of text"), field=field, name=field_words(field))
    return value


def text_block(value: str, field: str, max_length: int = 20_000) -> str:
    value = without_bidi_controls(value)
    _at_most(value, field, max_length)
    if "\x00" in value:
        raise UserError(N_("%(name)s must not contain NUL characters"), field=field, name=field_words(field))
    return value.strip()


def choice(
    value: str,
    allowed: Collection[str],
    field: str,
    message: str = N_("%(name)s must be one of: %(allowed)s"),
    *,
    listed: str = "allowed",
    got: str | None = None,
) -> str:
    """`value` when it is one of `allowed`, else a UserError on `field`. Its `message` (marked with
    `N_`) reads the field's words as `name`, the allowed values, joined, as the parameter named by
    `listed` and, when `got` names one, the value refused."""
    if value not in allowed:
        params = {"name": field_words(field), listed: ", ".join(allowed)}
        if got is not None:
            params[got] = value
        raise UserError(message, field=field, **params)
    return value


def visibility(value: str, field: str = "visibility") -> str:
    return choice(value, VISIBILITIES, field)


def web_link(value: str, field: str = "url") -> str:
    value = one_line(value, field, 2000)
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UserError(
            N_("%(name)s must be an http:// or https:// address"), field=field, name=field_words(field)
        )
    return value


async def update_versioned(
    table: type[Table],
    row_id: int,
    expected_version: int,
    changes: dict[str, Any],
    what: str,
) -> None:
    """Apply `changes` only if the row still has `expected_version`; bump the version.

    The condition is part of the UPDATE itself, so two concurrent editors cannot both win, on
    either engine; the loser gets 412 and the first edit stays intact. No change, no new version.
    """
    if not changes:
        return
    values = {getattr(table, name): value for name, value in changes.items()}
    values[table.version] = expected_version + 1  # type: ignore[attr-defined]
    updated = (
        await table.update(values)
        .where((table.id == row_id) & (table.version == expected_version))  # type: ignore[attr-defined]
        .returning(table.id)
    )
    if not updated:
        raise stale(what)


def stale(what: str) -> PreconditionFailed:
    return PreconditionFailed(
        N_(
            "this %(what)s was changed by someone else since you read it (If-Match is stale): reload it and apply your change again"
        ),
        field="If-Match",
        what=what,
    )


def check_version(row: dict[str, Any], expected_version: int, what: str) -> None:
    if int(row["version"]) != expected_version:
        raise stale(what)


def changed_fields(before: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in changes.items() if before.get(key) != value}
