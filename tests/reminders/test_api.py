"""/api/reminders (the outbox), /api/reminders/check and the retry of a failed reminder."""

from __future__ import annotations

from typing import Any

import httpx

from models import clock
from models.engine import fetch
from tests.conftest import TODAY
from tests.reminders import world

SECRETARIAT = "secretariat@demo.cop-tracker.example"
FOCAL = "focal.nra@demo.cop-tracker.example"


async def test_the_secretariat_runs_a_dry_run_then_a_check_and_lists_the_outbox(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    headers = await sign_in(SECRETARIAT)
    dry = await client.post(
        "/api/reminders/check", json={"dry_run": True, "date": TODAY.isoformat()}, headers=headers
    )
    assert dry.status_code == 200, dry.text
    planned = dry.json()
    assert planned["dry_run"] is True and planned["queued"] == 0
    assert planned["reminders_total"] > 0
    assert {r["rule"] for r in planned["reminders"]} >= {"milestone_due_soon", "escalation", "champion_gap"}
    assert await world.count("reminder") == 0

    real = await client.post("/api/reminders/check", json={"date": TODAY.isoformat()}, headers=headers)
    assert real.status_code == 200, real.text
    done = real.json()
    # Everyone batches by default: a reminder is queued alone (an urgent one) or held for its batch.
    assert done["queued"] + done["held"] == planned["reminders_total"] and done["held"] > 0
    assert 0 < done["digests"] < done["held"]
    assert done["rows_read"]["milestone"] > 0
    audit = await fetch("SELECT action FROM audit_event WHERE entity = 'reminder'")
    assert [row["action"] for row in audit] == ["check"]

    listing = await client.get("/api/reminders", params={"status": "queued", "limit": 5}, headers=headers)
    assert listing.status_code == 200
    body = listing.json()
    counts = body["counts"]
    # What goes out: the batched emails, and the urgent reminders that were alone in their batch.
    assert body["total"] == counts["queued"] > done["digests"]
    assert counts["digested"] + counts["queued"] - done["digests"] == planned["reminders_total"]
    assert len(body["items"]) == 5 and all(item["status"] == "queued" for item in body["items"])
    assert all(item["subject"] and item["link"].startswith("http://testserver/") for item in body["items"])
    escalations = await client.get("/api/reminders", params={"rule": "escalation"}, headers=headers)
    assert {item["rule"] for item in escalations.json()["items"]} == {"escalation"}


async def test_a_failed_reminder_is_retried_through_the_api(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    headers = await sign_in(SECRETARIAT)
    await client.post("/api/reminders/check", json={"date": TODAY.isoformat()}, headers=headers)
    (row,) = await fetch("SELECT id FROM reminder ORDER BY id LIMIT 1")
    await fetch(
        "UPDATE reminder SET status = 'failed', last_error = '550 5.1.1 No such user' WHERE id = {}",
        row["id"],
    )
    failed = (await client.get("/api/reminders", params={"status": "failed"}, headers=headers)).json()
    assert [item["id"] for item in failed["items"]] == [row["id"]]
    assert failed["items"][0]["last_error"].startswith("550")

    retried = await client.post(f"/api/reminders/{row['id']}/retry", headers=headers)
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "queued"
    again = await client.post(f"/api/reminders/{row['id']}/retry", headers=headers)
    assert again.status_code == 409
    assert (await client.post("/api/reminders/999999/retry", headers=headers)).status_code == 404


async def test_only_the_secretariat_may_see_or_run_reminders(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    assert (await client.get("/api/reminders")).status_code == 401
    focal = await sign_in(FOCAL)
    assert (await client.get("/api/reminders", headers=focal)).status_code == 403
    assert (
        await client.post("/api/reminders/check", json={"dry_run": True}, headers=focal)
    ).status_code == 403
    assert (await client.post("/api/reminders/1/retry", headers=focal)).status_code == 403
    assert await world.count("reminder") == 0


async def test_bad_input_is_a_400_naming_what_to_fix(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    headers = await sign_in(SECRETARIAT)
    unknown = await client.post(
        "/api/reminders/check", json={"dry_run": True, "force": True}, headers=headers
    )
    assert unknown.status_code == 400
    bad_date = await client.post("/api/reminders/check", json={"date": "22/11/2026"}, headers=headers)
    assert bad_date.status_code == 400
    for unsaid in ({}, None):
        # A real check queues reminders: it takes an explicit body, never an empty or missing one.
        vague = await client.post("/api/reminders/check", json=unsaid, headers=headers)
        assert vague.status_code == 400, vague.text
    loose = await client.post("/api/reminders/check", json={"dry_run": "yes"}, headers=headers)
    assert loose.status_code == 400 and loose.json()["errors"][0]["field"] == "dry_run"
    bad_status = await client.get("/api/reminders", params={"status": "lost"}, headers=headers)
    assert bad_status.status_code == 400 and "status must be one of" in bad_status.text
    assert await world.count("reminder") == 0


async def test_a_post_without_the_csrf_token_is_refused(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    headers = await sign_in(SECRETARIAT)
    del headers["X-CSRF-Token"]
    response = await client.post("/api/reminders/check", json={"dry_run": True}, headers=headers)
    assert response.status_code == 403


async def test_a_real_check_for_a_later_day_is_refused(
    client: httpx.AsyncClient, sign_in: Any, demo: Any
) -> None:
    import datetime as dt

    headers = await sign_in(SECRETARIAT)
    ahead = (clock.today() + dt.timedelta(days=2)).isoformat()
    refused = await client.post("/api/reminders/check", json={"date": ahead}, headers=headers)
    assert refused.status_code in (400, 422), refused.text
    assert "has not begun anywhere yet" in refused.text
    assert await world.count("reminder") == 0
    preview = await client.post(
        "/api/reminders/check", json={"date": ahead, "dry_run": True}, headers=headers
    )
    assert preview.status_code == 200, preview.text
