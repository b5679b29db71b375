"""Refusals keep their words: a value outside a fixed list is refused by one check (`choice`), a
record id that names nothing by one read (`one_or_not_found`), each with the message its field has
always had, so that the catalogs go on translating them (docs/design.md "Words")."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from api.controllers.exports import speaking_export
from models.caller import SYSTEM, Caller
from models.errors import NotFound, UserError
from models.services import (
    account,
    areas,
    commitments,
    cycles,
    evidence,
    expectations,
    milestones,
    people,
    review_rounds,
    reviews,
    updates,
)
from models.services.common import visibility
from models.vocabulary import AUDIENCES, EMAIL_FREQUENCIES, ORG_TYPES, ROLES, SENIORITIES, VISIBILITIES
from models.words import SUPPORTED_LANGUAGES
from reminders import outbox
from scorecards.exports import check_format
from scorecards.service import check_audience, check_peer_type

MISSING = 424242


def listed(values: Any) -> str:
    return ", ".join(values)


@pytest.mark.parametrize(
    ("check", "field", "message"),
    [
        (
            lambda: people.check_role("boss", None),
            "role",
            f"unknown role 'boss'; choose one of: {listed(ROLES)}",
        ),
        (
            lambda: check_audience("all"),
            "audience",
            f"audience must be one of {listed(AUDIENCES)} (got 'all')",
        ),
        (
            lambda: check_peer_type("club"),
            "peer_type",
            f"peer_type must be one of {listed(ORG_TYPES)} (got 'club')",
        ),
        (lambda: check_format("pdf"), "format", "format must be one of xlsx, csv (got 'pdf')"),
        (
            lambda: speaking_export("de").__enter__(),
            "lang",
            f"lang must be one of {listed(SUPPORTED_LANGUAGES)}",
        ),
        (
            lambda: visibility("secret"),
            "visibility",
            f"who may read it must be one of: {listed(VISIBILITIES)}",
        ),
    ],
)
def test_a_value_outside_its_list_is_refused_in_the_fields_own_words(
    check: Callable[[], Any], field: str, message: str
) -> None:
    with pytest.raises(UserError) as refused:
        check()
    assert (refused.value.field, refused.value.message, refused.value.status_code) == (field, message, 400)


PERSON = {"email": "ana@example.org", "name": "Ana", "password": None}


@pytest.mark.parametrize(
    ("check", "field", "message"),
    [
        (
            lambda: people.create_person(SYSTEM, **PERSON, seniority="boss"),
            "seniority",
            f"unknown seniority 'boss'; choose one of: {listed(SENIORITIES)}",
        ),
        (
            lambda: people.update_person(SYSTEM, MISSING, {"seniority": "boss"}, 1),
            "seniority",
            f"seniority must be one of: {listed(SENIORITIES)}",
        ),
        (
            lambda: account.update_account(Caller(person_id=MISSING), {"email_frequency": "hourly"}),
            "email_frequency",
            f"email_frequency must be one of {listed(EMAIL_FREQUENCIES)}",
        ),
        (
            lambda: account.update_account(Caller(person_id=MISSING), {"language": "de"}),
            "language",
            f"language must be one of {listed(SUPPORTED_LANGUAGES)}",
        ),
        (
            lambda: outbox.list_reminders(SYSTEM, status="lost"),
            "status",
            f"status must be one of {listed(outbox.STATUSES)} (got 'lost')",
        ),
    ],
)
async def test_a_service_refuses_a_value_outside_its_list_before_it_reads_anything(
    check: Callable[[], Awaitable[Any]], field: str, message: str
) -> None:
    with pytest.raises(UserError) as refused:
        await check()
    assert (refused.value.field, refused.value.message) == (field, message)


@pytest.mark.parametrize(
    ("read", "field", "message"),
    [
        (lambda: cycles.cycle_by_name("2099-H1"), "cycle", "no cycle named '2099-H1'"),
        (lambda: areas.get_area("finance"), "area", "no area with key 'finance'"),
        (lambda: people.get_person(SYSTEM, MISSING), None, f"no person with id {MISSING}"),
        (
            lambda: people.remove_role(SYSTEM, MISSING, 7),
            None,
            f"person {MISSING} has no role assignment 7",
        ),
        (
            lambda: people.register_person(SYSTEM, {**PERSON, "organization_id": MISSING}),
            "organization_id",
            f"no organization with id {MISSING}",
        ),
        (lambda: commitments.commitment_row(MISSING), None, f"no commitment with id {MISSING}"),
        (lambda: milestones.milestone_row(MISSING), None, f"no milestone with id {MISSING}"),
        (lambda: updates.update_row(MISSING), None, f"no progress update with id {MISSING}"),
        (lambda: evidence.evidence_row(MISSING), None, f"no evidence link with id {MISSING}"),
        (lambda: expectations.expectation_row(MISSING), None, f"no donor expectation with id {MISSING}"),
        (lambda: review_rounds.round_row(MISSING), None, f"no review round with id {MISSING}"),
        (lambda: reviews.review_row(MISSING), None, f"no review with id {MISSING}"),
        (lambda: outbox.retry_reminder(SYSTEM, MISSING), None, f"no reminder with id {MISSING}"),
    ],
)
async def test_an_id_that_names_no_record_is_a_404_in_the_records_own_words(
    db: str, read: Callable[[], Awaitable[Any]], field: str | None, message: str
) -> None:
    with pytest.raises(NotFound) as missing:
        await read()
    assert (missing.value.field, missing.value.message, missing.value.status_code) == (field, message, 404)
