"""`cop-tracker serve` as the README starts it: demo data, several workers, the scheduler in one.

The real command in a subprocess, on a free loopback port, with the scheduler on and no SECRET_KEY
set (the development default).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.pages.harness import LiveServer, free_port, stop_server, wait_until_ready

REPO = Path(__file__).resolve().parents[2]
WORKERS = 2
JOBS_SECONDS = 30
DEMO_PASSWORD = "demo-password"


pytestmark = [pytest.mark.slow, pytest.mark.real_clock]  # the server runs on the real clock


def start_serve(db: str, log_path: Path, workers: int) -> LiveServer:
    """`cop-tracker serve --demo` in a subprocess on a free port, once it answers /health."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "SCHEDULER", "PRODUCTION")}
    env.update(DATABASE_URL=db, BASE_URL=f"http://127.0.0.1:{port}", SMTP_HOST="127.0.0.1", SMTP_PORT="9")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--demo", "--port", str(port)]
            + ["--workers", str(workers)],
            cwd=str(REPO),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return wait_until_ready(LiveServer(f"http://127.0.0.1:{port}", port, process, log_path))


@pytest.fixture
def served(db: str, tmp_path: Path) -> Iterator[LiveServer]:
    server = start_serve(db, tmp_path / "serve.log", WORKERS)
    try:
        deadline = time.monotonic() + JOBS_SECONDS
        while not _jobs_reported(server.url):
            assert time.monotonic() < deadline, f"no job reported on /health:\n{server.log()}"
            time.sleep(0.1)  # waiting for the scheduler's start-up runs, not timing a behaviour
        yield server
    finally:
        stop_server(server)


def _jobs_reported(url: str) -> bool:
    """True once /health shows both jobs ran (the scheduler's start-up delivery and catch-up)."""
    try:
        health = httpx.get(f"{url}/health", timeout=5).json()
    except (httpx.HTTPError, ValueError):
        return False
    jobs = health.get("jobs") or {}
    return all(jobs.get(job, {}).get("last_run_at") for job in ("deliver_reminders", "timeline_check"))


def _worker_pids(process: subprocess.Popen[bytes]) -> set[int]:
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    return {int(pid) for pid in children.read_text().split()} if children.exists() else set()


def test_serve_runs_the_demo_on_several_workers_with_one_scheduler(served: LiveServer) -> None:
    assert len(_worker_pids(served.process)) >= WORKERS
    log = served.log()
    assert f"{WORKERS} worker(s), scheduler on" in log
    assert "Demo logins" in log
    assert len(re.findall(r"Scheduler started", log)) == 1, log


def test_workers_share_one_secret_key_when_none_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each worker reads SECRET_KEY from the environment `serve` leaves them; left unset, every
    worker would sign cookies with a key of its own."""
    from api.cli import worker_environment
    from models.settings import Settings

    monkeypatch.delenv("SECRET_KEY", raising=False)
    settings = Settings.from_env({})
    assert worker_environment(settings, no_scheduler=False) == {"SECRET_KEY": settings.secret_key}
    assert len(settings.secret_key) >= 32
    assert worker_environment(settings, no_scheduler=True)["SCHEDULER"] == "off"


def test_a_signed_in_person_keeps_the_flash_and_the_session(served: LiveServer) -> None:
    """Signing in through the form, then the welcome message on the next page, over and over on
    new connections (which the kernel may hand to either worker)."""
    url = served.url
    for _ in range(8):  # new connections, spread by the kernel over the workers
        with httpx.Client(base_url=url, timeout=10, follow_redirects=False) as browser:
            signed_in = browser.post(
                "/login",
                data={"email": "focal.nra@demo.cop-tracker.example", "password": DEMO_PASSWORD},
                headers={"Origin": url},
            )
            assert signed_in.status_code in (302, 303), signed_in.text
        with httpx.Client(base_url=url, timeout=10, cookies=signed_in.cookies) as browser:
            page = browser.get(signed_in.headers["location"])
            assert page.status_code == 200
            assert "Welcome, " in page.text


def test_a_second_serve_demo_keeps_the_data_and_prints_the_logins_again(db: str, tmp_path: Path) -> None:
    """A newcomer whose first `serve --demo` stopped (or crashed) starts it again: the data is kept
    and the demo sign-ins are printed again, each of which signs in."""
    first = start_serve(db, tmp_path / "first.log", workers=1)
    stop_server(first)
    second = start_serve(db, tmp_path / "second.log", workers=1)
    try:
        log = second.log()
        assert "it was kept, and the demo was not loaded again" in log, log
        logins = re.findall(r"^\s+(\S+@demo\.cop-tracker\.example)\s+(\S.*)$", log, re.M)
        assert {"secretariat", "donor"} <= {role for _, role in logins}, log
        assert any(role.startswith("champion of ") for _, role in logins), log
        for email, _ in logins:
            answer = httpx.post(
                f"{second.url}/api/auth/login", json={"email": email, "password": DEMO_PASSWORD}, timeout=10
            )
            assert answer.status_code == 200, (email, answer.text)
    finally:
        stop_server(second)


def test_sigterm_under_write_load_exits_within_5_s_and_keeps_every_acknowledged_write(
    db: str, tmp_path: Path
) -> None:
    """Clients keep posting progress updates; SIGTERM to `serve` while they do. The server is gone
    within 5 s (no database thread left waiting), and every update answered 201 is in the database."""
    import signal
    import sqlite3
    import threading

    server = start_serve(db, tmp_path / "sigterm.log", workers=1)
    try:
        login = httpx.post(
            f"{server.url}/api/auth/login",
            json={"email": "focal.nra@demo.cop-tracker.example", "password": DEMO_PASSWORD},
            timeout=30,
        )
        login.raise_for_status()
        org_id = next(r["organization_id"] for r in login.json()["roles"] if r["role"] == "focal_point")
        headers = {"X-CSRF-Token": login.json()["csrf_token"]}
        commitments = httpx.get(
            f"{server.url}/api/organizations/{org_id}/commitments", cookies=login.cookies, timeout=30
        ).json()["items"]
        path = f"/api/commitments/{commitments[0]['id']}/updates"
        acknowledged: list[int] = []
        stop = threading.Event()

        def keep_writing(client_number: int) -> None:
            with httpx.Client(
                base_url=server.url, cookies=login.cookies, headers=headers, timeout=10
            ) as client:
                for count in range(100_000):
                    if stop.is_set():
                        return
                    try:
                        answer = client.post(
                            path, json={"narrative": f"before SIGTERM {client_number}-{count}"}
                        )
                    except httpx.HTTPError:
                        return  # the server is going away
                    if answer.status_code == 201:
                        acknowledged.append(int(answer.json()["id"]))

        clients = [threading.Thread(target=keep_writing, args=(n,)) for n in range(4)]
        for client in clients:
            client.start()
        deadline = time.monotonic() + 30
        while len(acknowledged) < 50:
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.05)  # waiting for the load to be under way
        sent_at = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pytest.fail(f"serve still running 5 s after SIGTERM under write load:\n{server.log()}")
        exit_seconds = time.monotonic() - sent_at
        stop.set()
        for client in clients:
            client.join(timeout=15)
    finally:
        stop_server(server)
    assert exit_seconds < 5
    if db.startswith("sqlite"):
        with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
            stored = {row[0] for row in conn.execute("SELECT id FROM progress_update")}
    else:
        import asyncio

        import asyncpg

        async def ids() -> set[int]:
            conn = await asyncpg.connect(db)
            try:
                return {row["id"] for row in await conn.fetch("SELECT id FROM progress_update")}
            finally:
                await conn.close()

        stored = asyncio.run(ids())
    missing = set(acknowledged) - stored
    assert not missing, f"{len(missing)} acknowledged updates are not in the database"
