"""A file written for a write that then fails to commit goes too (docs/design.md "Evidence files"):
PostgreSQL checks deferred constraints at COMMIT, so a refusal can come after the last statement."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from models import engine
from models.services import evidence, updates
from tests.api.support import FOCAL_NRA, first_commitment
from tests.api.test_evidence_files import new_update, stored_count
from tests.evidence_samples import pdf
from tests.test_security_review import person_caller


class CommitRefused(Exception):
    pass


@asynccontextmanager
async def refused_at_commit() -> AsyncIterator[None]:
    async with engine.write_transaction():
        yield
        raise CommitRefused("refused at commit")


async def test_files_of_a_write_refused_at_commit_are_removed(
    client: httpx.AsyncClient, demo, sign_in, monkeypatch: pytest.MonkeyPatch
) -> None:
    update_id = await new_update(client, await sign_in(FOCAL_NRA))
    commitment = await first_commitment("NRA")
    focal = await person_caller(FOCAL_NRA)
    before = stored_count()
    for module in (evidence, updates):
        monkeypatch.setattr(module, "write_transaction", refused_at_commit)
    with pytest.raises(CommitRefused):
        await evidence.add_files(focal, update_id, [{"name": "policy.pdf", "data": pdf()}])
    data: dict[str, Any] = {"narrative": "Signed", "files": [{"name": "a.pdf", "data": pdf()}]}
    with pytest.raises(CommitRefused):
        await updates.create_update(focal, int(commitment["id"]), data)
    assert stored_count() == before
