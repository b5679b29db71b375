"""One vocabulary: the area keys are the `area` table's rows, and the champion rule is written once."""

from __future__ import annotations

from typing import Any

import pytest

from models.caller import SYSTEM
from models.engine import fetch
from models.errors import UserError
from models.services.commitments import create_commitment
from models.vocabulary import champion_gap
from tests.api.support import org_id


async def test_a_commitment_takes_any_area_of_the_area_table_and_only_those(demo: Any) -> None:
    nra = await org_id("NRA")
    await fetch(
        "INSERT INTO area (key, name, weight, descriptor, position, version) "
        "VALUES ('localization', 'Localization', 1.0, '', 6, 1)"
    )
    made = await create_commitment(SYSTEM, nra, {"area": "localization", "title": "Fund local partners"})
    assert made["area"] == "localization"
    with pytest.raises(UserError) as refused:
        await create_commitment(SYSTEM, nra, {"area": "nowhere", "title": "T"})
    assert refused.value.field == "area" and "localization" in refused.value.message


def test_the_champion_rule_reads_the_most_senior_champion() -> None:
    assert champion_gap([]) == "missing"
    assert champion_gap(["technical", None]) == "below_deputy"
    assert champion_gap(["technical", "deputy"]) is None
