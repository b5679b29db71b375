"""/health: 200 while the database answers and the scheduled jobs run on time, 503 with the reason
otherwise. The clock is moved with time-machine; the jobs are the real ones, against a real SMTP
server, and write their record in the database as the scheduler does."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from models.engine import current_engine, is_sqlite
from models.settings import Settings
from reminders.jobs import (
    CHECK_JOB,
    DELIVERY_JOB,
    delivery_job,
    record_beat,
    record_run,
    record_start,
    timeline_check_job,
)
from tests.pages.harness import free_port

START = dt.datetime(2026, 11, 23, 5, 0, tzinfo=dt.UTC)  # a Monday, at the daily check's hour


@asynccontextmanager
async def server_started(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A web process started now (by the moved clock), with the scheduler off, as a web worker runs."""
    from api.app import create_app

    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def clock(time_machine: Any) -> Callable[..., None]:
    """`clock(minutes=3)`: the time is START plus that, standing still."""

    def move(**delta: float) -> None:
        time_machine.move_to(START + dt.timedelta(**delta), tick=False)

    move()
    return move


async def test_health_reports_each_job_and_fails_when_the_sender_stops(
    db: str, mail_settings: Settings, smtp_server: Any, clock: Callable[..., None]
) -> None:
    async with server_started(mail_settings) as client:
        await timeline_check_job(mail_settings)
        await delivery_job(mail_settings)

        clock(minutes=1, seconds=59)
        response = await client.get("/health")
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        body = response.json()
        assert body["status"] == "ok" and body["database"] == "ok" and body["reasons"] == []
        ran = START.isoformat()
        assert body["jobs"] == {
            DELIVERY_JOB: {
                "last_run_at": ran,
                "last_run_ok": True,
                "running_since": None,
                "every_seconds": 60,
                "late": False,
            },
            CHECK_JOB: {
                "last_run_at": ran,
                "last_run_ok": True,
                "running_since": None,
                "every_seconds": 86400,
                "late": False,
            },
        }

        clock(minutes=2, seconds=1)  # the sender's last run is now older than twice its interval
        response = await client.get("/health")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "failing" and body["database"] == "ok"
        assert body["reasons"] == [
            f"{DELIVERY_JOB} last ran 2 minutes ago, at 2026-11-23 05:00 UTC (it runs every 1 minute): "
            "is the scheduler running (one `cop-tracker scheduler`, or SCHEDULER=on in the web workers)?"
        ]
        assert body["jobs"][DELIVERY_JOB]["late"] and not body["jobs"][CHECK_JOB]["late"]

        await delivery_job(mail_settings)  # the sender is back
        response = await client.get("/health")
        assert response.status_code == 200
        assert (
            response.json()["jobs"][DELIVERY_JOB]["last_run_at"]
            == (START + dt.timedelta(minutes=2, seconds=1)).isoformat()
        )

        clock(days=2, minutes=2)  # the daily check is late too (the sender ran two minutes ago)
        await delivery_job(mail_settings)
        clock(days=2, minutes=3)
        body = (await client.get("/health")).json()
        assert [reason.split(" ")[0:4] for reason in body["reasons"]] == [[CHECK_JOB, "last", "ran", "2"]]
        assert "(it runs every 1 day)" in body["reasons"][0]


async def test_a_fresh_server_waits_for_the_first_runs_but_not_forever(
    db: str, settings: Settings, clock: Callable[..., None]
) -> None:
    async with server_started(settings) as client:
        clock(minutes=2)
        body = (await client.get("/health")).json()
        assert body["status"] == "ok"
        assert body["jobs"][DELIVERY_JOB]["last_run_at"] is None
        assert body["jobs"][DELIVERY_JOB]["last_run_ok"] is None

        clock(minutes=2, seconds=1)
        response = await client.get("/health")
        assert response.status_code == 503
        assert response.json()["reasons"] == [
            f"{DELIVERY_JOB} has never run in the 2 minutes since this server started (it runs every "
            "1 minute): is the scheduler running (one `cop-tracker scheduler`, or SCHEDULER=on in the "
            "web workers)?"
        ]


async def test_a_long_delivery_that_still_beats_is_running_not_late(
    db: str, settings: Settings, clock: Callable[..., None]
) -> None:
    async with server_started(settings) as client:
        await record_start(DELIVERY_JOB)  # what a run writes as it begins, and every half minute after
        clock(minutes=4, seconds=30)
        await record_beat(DELIVERY_JOB)
        clock(minutes=5)
        response = await client.get("/health")
        assert response.status_code == 200, response.text
        job = response.json()["jobs"][DELIVERY_JOB]
        assert job["running_since"] == START.isoformat() and job["last_run_at"] is None

        clock(minutes=6, seconds=31)  # the beats stopped: the process running it died
        response = await client.get("/health")
        assert response.status_code == 503
        assert response.json()["reasons"][0].startswith(
            f"{DELIVERY_JOB} last ran 2 minutes ago, at 2026-11-23 05:04 UTC"
        )


async def test_a_failing_job_is_reported_without_its_error_text(
    db: str, settings: Settings, clock: Callable[..., None]
) -> None:
    """The job ran (the scheduler is alive) but failed: /health says so, and leaves the error's
    wording, which may name hosts, in the database for the people who run the server."""
    await record_run(CHECK_JOB, "error: OSError: db.internal:5432 refused")  # what a failed run writes
    async with server_started(settings) as client:
        body = (await client.get("/health")).json()
    assert body["status"] == "ok"
    assert body["jobs"][CHECK_JOB]["last_run_ok"] is False
    assert "db.internal" not in str(body)


def make_database_unreachable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Point the engine at a database nobody serves: a file in a directory that does not exist, or a
    PostgreSQL port where nothing listens."""
    engine = current_engine()
    if is_sqlite(engine):
        monkeypatch.setattr(engine, "path", str(tmp_path / "gone" / "cop.sqlite"))
    else:
        monkeypatch.setattr(engine, "pool", None)
        dsn = f"postgresql://postgres:postgres@127.0.0.1:{free_port()}/cop"
        monkeypatch.setattr(engine, "config", {"dsn": dsn})


async def test_an_unreachable_database_is_a_503_with_the_reason(
    db: str, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    async with server_started(settings) as client:
        assert (await client.get("/health")).status_code == 200
        make_database_unreachable(monkeypatch, tmp_path)
        response = await client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing" and body["database"] == "unreachable" and body["jobs"] == {}
    assert len(body["reasons"]) == 1
    assert body["reasons"][0].startswith("the database cannot be reached (")
    assert "check DATABASE_URL" in body["reasons"][0]
    assert str(tmp_path) not in response.text


async def test_unknown_host_header_is_refused_and_ports_are_ignored(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health", headers={"host": "evil.example"})).status_code == 400
    for host in ("127.0.0.1:8123", "localhost:9"):
        response = await client.get("/health", headers={"host": host})
        # A server just started, its jobs not run yet: healthy, and saying why.
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "ok" and body["database"] == "ok" and body["reasons"] == []
        assert all(job["last_run_at"] is None and not job["late"] for job in body["jobs"].values())
        assert set(body["jobs"]) == {CHECK_JOB, DELIVERY_JOB}
