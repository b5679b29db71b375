"""Snapshots published before assessments decided levels still answer the same bytes.

`fixtures/pre_assessment_snapshots.json` holds scorecard snapshots frozen by the code as it was
before the assessment tables (commit e2a7c9c: four demo organizations, two published cycles, peer
and donor audiences) and the JSON that code's API answered for them. Loaded into a database of
today's schema, today's API must answer exactly those bytes (plus the fields added since, named in
ADDED_SINCE): published figures never move, whatever
the scoring rules became (docs/design.md, "Cycles, submissions and publishing"). How the fixture
was made is in `fixtures/make_pre_assessment_snapshots.py`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import httpx

from models.bulk import bulk_insert
from models.caller import SYSTEM
from models.services.people import create_person

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "pre_assessment_snapshots.json").read_text())
DATES = {"period_start", "period_end", "due_date"}
EMAIL = "secretariat@old-snapshots.example"
PASSWORD = "old-snapshots-password"
# Added to every scorecard since (the peer-review record and the expectation answers, empty for these
# cycles): the one difference allowed, and only as this exact tail, so everything the old code
# answered stays byte-for-byte.
ADDED_SINCE = ',"published_early":false,"publication_note":null,"expectations":[],"peer_review":[]}'
# Added to every comparison since: whether a row, and any row, was published before the cycle closed.
ROW_ADDED_SINCE = ',"published_early":false}'
LIST_ADDED_SINCE = ',"published_early":false,"publication_note":null}'


def typed(column: str, value: Any) -> Any:
    if value is None:
        return None
    if column in DATES:
        return dt.date.fromisoformat(value)
    if column == "created_at":
        return dt.datetime.fromisoformat(value)
    return value


async def load_fixture() -> None:
    batches = []
    for table, rows in FIXTURE["tables"].items():
        columns = tuple(rows[0])
        batches.append((table, columns, [tuple(typed(c, row[c]) for c in columns) for row in rows]))
    await bulk_insert(batches)
    await create_person(SYSTEM, email=EMAIL, name="Old Snapshots", password=PASSWORD, role="secretariat")


async def test_snapshots_published_before_assessments_answer_the_same_json(
    client: httpx.AsyncClient, db: str, sign_in: Any
) -> None:
    await load_fixture()
    headers = await sign_in(EMAIL, PASSWORD)
    answers: dict[str, str] = FIXTURE["answers"]
    assert len(answers) == 20 and any("/organizations/" in path for path in answers)
    for path_and_query, expected in answers.items():
        answer = await client.get(path_and_query, headers=headers)
        assert answer.status_code == 200, (path_and_query, answer.text[:300])
        text = answer.text
        if "/organizations/" in path_and_query:
            assert text.endswith(ADDED_SINCE), (path_and_query, text[-160:])
            text = text.removesuffix(ADDED_SINCE) + "}"
        elif path_and_query.startswith("/api/scorecards/"):
            assert text.endswith(LIST_ADDED_SINCE), (path_and_query, text[-160:])
            text = text.removesuffix(LIST_ADDED_SINCE).replace(ROW_ADDED_SINCE, "}") + "}"
            text = text.replace('"flags","published_early"]', '"flags"]')
        assert text == expected, path_and_query


async def test_the_frozen_payload_is_served_as_it_was_stored(
    client: httpx.AsyncClient, db: str, sign_in: Any
) -> None:
    """Every key of a stored snapshot comes back with the stored value, in the stored order."""
    await load_fixture()
    headers = await sign_in(EMAIL, PASSWORD)
    cycles = {row["id"]: row["name"] for row in FIXTURE["tables"]["cycle"]}
    for row in FIXTURE["tables"]["scorecard_snapshot"]:
        stored = json.loads(row["payload"])
        path = f"/api/organizations/{row['organization']}/scorecards/{cycles[row['cycle']]}"
        served = (await client.get(path, params={"audience": row["audience"]}, headers=headers)).json()
        assert list(served)[: len(stored)] == list(stored), path
        assert {key: served[key] for key in stored} == stored, path
