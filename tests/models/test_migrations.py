"""Migrations, uniqueness and the append-only guarantees, on whichever engine DATABASE_URL names."""

from __future__ import annotations

import datetime as dt

import pytest

from models.engine import fetch
from models.tables import (
    Area,
    AuditEvent,
    Commitment,
    Organization,
    Person,
    ProgressUpdate,
    Reminder,
    RoleAssignment,
)


async def test_migrations_create_every_table_and_seed_the_five_areas(db: str) -> None:
    areas = await Area.select(Area.key, Area.weight).order_by(Area.position)
    assert [a["key"] for a in areas] == ["champion", "policy", "capacity", "reporting", "budget"]
    assert all(a["weight"] == 1.0 for a in areas)
    for table in ("organization", "person", "milestone", "scorecard_snapshot", "reminder", "audit_event"):
        assert (await fetch(f"SELECT COUNT(*) AS n FROM {table}"))[0]["n"] == 0


async def test_migrating_again_changes_nothing(db: str) -> None:
    from models.migrations import apply_migrations

    await apply_migrations()
    assert len(await Area.select()) == 5


async def _org(acronym: str = "ABC") -> int:
    org = Organization(name=f"{acronym} org", acronym=acronym, org_type="ngo")
    await org.save()
    return org.id


async def test_acronym_is_unique(db: str) -> None:
    await _org("ABC")
    with pytest.raises(Exception, match="(?i)unique"):
        await _org("ABC")


async def test_email_is_unique(db: str) -> None:
    await Person(email="a@example.org", name="A").save()
    with pytest.raises(Exception, match="(?i)unique"):
        await Person(email="a@example.org", name="B").save()


async def test_dedupe_key_is_unique(db: str) -> None:
    await Reminder(dedupe_key="k1", rule="r", recipient_email="a@example.org", subject="s").save()
    with pytest.raises(Exception, match="(?i)unique"):
        await Reminder(dedupe_key="k1", rule="r", recipient_email="a@example.org", subject="s").save()


async def test_a_role_is_held_once_per_organization_even_when_unscoped(db: str) -> None:
    person = Person(email="p@example.org", name="P")
    await person.save()
    await RoleAssignment(person=person.id, role="secretariat", organization=None).save()
    with pytest.raises(Exception, match="(?i)unique"):
        await RoleAssignment(person=person.id, role="secretariat", organization=None).save()


async def _update() -> int:
    org_id = await _org()
    area = await Area.select(Area.id).first()
    commitment = Commitment(organization=org_id, area=area["id"], title="T")
    await commitment.save()
    update = ProgressUpdate(commitment=commitment.id, narrative="original", self_level=1)
    await update.save()
    return update.id


async def test_database_refuses_to_update_or_delete_a_progress_update(db: str) -> None:
    update_id = await _update()
    with pytest.raises(Exception, match="append-only"):
        await ProgressUpdate.update({ProgressUpdate.narrative: "rewritten"}).where(
            ProgressUpdate.id == update_id
        )
    with pytest.raises(Exception, match="append-only"):
        await ProgressUpdate.delete().where(ProgressUpdate.id == update_id)
    row = await ProgressUpdate.select(ProgressUpdate.narrative).where(ProgressUpdate.id == update_id).first()
    assert row["narrative"] == "original"


async def test_database_refuses_to_update_or_delete_an_audit_event(db: str) -> None:
    event = AuditEvent(action="create", entity="x", entity_id="1", at=dt.datetime.now(dt.UTC))
    await event.save()
    with pytest.raises(Exception, match="append-only"):
        await AuditEvent.update({AuditEvent.action: "forged"}).where(AuditEvent.id == event.id)
    with pytest.raises(Exception, match="append-only"):
        await AuditEvent.delete(force=True)
    assert len(await AuditEvent.select()) == 1
