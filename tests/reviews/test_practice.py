"""Peer learning: practice notes with a visibility, and "who could help you" from published levels."""

from __future__ import annotations

from typing import Any

import pytest

from models.engine import fetch
from models.errors import NotFound
from models.services import practice
from tests.api.support import org_id
from tests.reviews.support import caller


async def strong_and_weak() -> tuple[str, str, str]:
    """(area, an organization published at 3-4 in it, one published at 0-1 in it) of the demo."""
    levels = await practice.latest_published_levels()
    names = {int(r["id"]): r["acronym"] for r in await fetch("SELECT id, acronym FROM organization")}
    for area in ("policy", "capacity", "reporting", "budget", "champion"):
        strong = [names[o] for o, lv in sorted(levels.items()) if lv.get(area, 0) >= 3]
        weak = [names[o] for o, lv in sorted(levels.items()) if lv.get(area, 0) <= 1]
        if strong and weak:
            return area, strong[0], weak[0]
    raise AssertionError("the demo has no area with both strong and weak organizations")


async def test_a_weak_organization_sees_strong_ones_that_offered_to_share(demo: Any) -> None:
    area, strong, weak = await strong_and_weak()
    focal = await caller(f"focal.{strong.lower()}")
    await practice.add_note(
        focal,
        await org_id(strong),
        {
            "area": area,
            "what_worked": "A one-page brief for the board.",
            "documents": ["https://example.org/brief.pdf"],
            "contact": "focal point",
        },
    )
    await practice.add_note(
        focal,
        await org_id(strong),
        {"area": "budget", "what_worked": "internal only", "visibility": "internal"},
    )
    weak_caller = await caller(f"focal.{weak.lower()}")
    help_rows = {row["area"]: row for row in await practice.who_could_help(weak_caller, await org_id(weak))}
    helpers = help_rows[area]["helpers"]
    assert [h["organization_acronym"] for h in helpers] == [strong]
    assert helpers[0]["note"]["what_worked"] == "A one-page brief for the board."
    notes, total = await practice.list_notes(weak_caller, await org_id(strong))
    assert "internal only" not in str(notes) and "one-page brief" in str(notes)  # internal stays inside
    own, own_total = await practice.list_notes(focal, await org_id(strong))
    assert own_total == total + 1 and "internal only" in str(own)


async def test_withdrawing_the_offer_removes_the_organization_from_the_helpers(demo: Any) -> None:
    area, strong, weak = await strong_and_weak()
    focal = await caller(f"focal.{strong.lower()}")
    await practice.add_note(focal, await org_id(strong), {"area": area, "what_worked": "Indicators."})
    await practice.add_note(focal, await org_id(strong), {"area": area, "willing_to_share": False})
    rows = await practice.who_could_help(await caller(f"focal.{weak.lower()}"), await org_id(weak))
    assert all(h["organization_acronym"] != strong for row in rows for h in row["helpers"])


async def test_only_the_organizations_focal_points_write_its_notes(demo: Any) -> None:
    with pytest.raises(NotFound):
        await practice.add_note(await caller("focal.usp"), await org_id("NRA"), {"area": "policy"})
