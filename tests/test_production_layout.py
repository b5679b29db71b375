"""The production layout of the README's "Deploy" section, started as real processes.

PostgreSQL; `cop-tracker migrate` once; two web workers (`cop-tracker serve --workers 1
--no-scheduler`, each on its own port, as a reverse proxy on the same machine would reach them,
with PRODUCTION=on, one SECRET_KEY and TRUSTED_PROXIES); one `cop-tracker scheduler` and, on purpose,
a second one. Both schedulers run the missed daily check and a delivery as they start, against a
real SMTP server (aiosmtpd): every reminder must arrive exactly once. A progress update written
through one worker must be read through the other, and both workers' /health must show the
scheduler's runs, which happen in another process.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from models.engine import fetch
from tests.conftest import DEMO_PASSWORD, REPO
from tests.pages.harness import free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.real_clock,  # its servers run on the real clock
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        reason="the production layout runs on PostgreSQL (set DATABASE_URL=postgresql://...)",
    ),
]

START_SECONDS = 90.0
DELIVERY_SECONDS = 120.0
SECRET_KEY = "production-layout-secret-" + "s" * 40
PUBLIC_URL = "https://cop.example.org"
PROXY = "127.0.0.1"  # the reverse proxy: here the test itself, on the same machine
FOCAL_POINT = "focal.nra@demo.cop-tracker.example"
SECRETARIAT = "secretariat@demo.cop-tracker.example"


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> int:
        """SIGTERM, as systemd stops a unit; the exit status (killed after 30 s)."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        return self.popen.returncode


@dataclass
class Layout:
    env: dict[str, str]
    logs: Path
    processes: list[Process]

    def start(self, name: str, *args: str) -> Process:
        log_path = self.logs / f"{name}.log"
        with log_path.open("wb") as log:
            popen = subprocess.Popen(
                [sys.executable, "-m", "api.cli", *args],
                cwd=str(REPO),
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        process = Process(name, popen, log_path)
        self.processes.append(process)
        return process

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "api.cli", *args],
            cwd=str(REPO),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def logs_text(self) -> str:
        return "\n".join(f"--- {p.name} (exit {p.popen.poll()}):\n{p.log()}" for p in self.processes)

    async def wait_for(self, condition: Callable[[], Awaitable[bool]], what: str, seconds: float) -> float:
        """Poll `condition` until it holds (seconds taken), failing with every log at the deadline."""
        started = time.monotonic()
        while not await condition():
            for process in self.processes:
                assert process.popen.poll() is None, f"{process.name} exited:\n{self.logs_text()}"
            assert time.monotonic() - started < seconds, f"gave up waiting for {what}:\n{self.logs_text()}"
            await asyncio.sleep(0.1)  # polling processes that work on their own, not timing them
        return time.monotonic() - started


@pytest.fixture
async def layout(db: str, smtp_server: Any, tmp_path: Path) -> AsyncIterator[Layout]:
    env = {k: v for k, v in os.environ.items() if k not in ("SCHEDULER", "ALLOWED_HOSTS")}
    env.update(
        DATABASE_URL=db,
        PRODUCTION="on",
        SECRET_KEY=SECRET_KEY,
        BASE_URL=PUBLIC_URL,
        TRUSTED_PROXIES=PROXY,
        SCHEDULER="off",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_server.port),
        SMTP_FROM="CoP Tracker <cop-tracker@example.org>",
    )
    started = Layout(env, tmp_path, [])
    try:
        yield started
    finally:
        for process in started.processes:
            process.stop()


def proxied(host: str = "cop.example.org") -> dict[str, str]:
    """What the reverse proxy adds: the public host, the client's address, the scheme."""
    return {"Host": host, "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


async def reminder_statuses() -> collections.Counter[str]:
    rows = await fetch("SELECT status, COUNT(*) AS n FROM reminder GROUP BY status")
    return collections.Counter({row["status"]: int(row["n"]) for row in rows})


async def test_two_workers_and_two_schedulers_deliver_each_reminder_once_and_share_every_write(
    layout: Layout, live_demo: Any, smtp_server: Any
) -> None:
    timings: dict[str, float] = {}
    began = time.monotonic()
    migrated = layout.run("migrate")
    assert migrated.returncode == 0, migrated.stderr
    timings["migrate"] = time.monotonic() - began

    ports = [free_port(), free_port()]
    for index, port in enumerate(ports):
        layout.start(
            f"web-{index + 1}", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"
        )
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    async with httpx.AsyncClient(timeout=10, trust_env=False) as http:

        async def healthy() -> bool:
            for url in urls:
                try:
                    if (await http.get(f"{url}/health", headers=proxied())).status_code != 200:
                        return False
                except httpx.HTTPError:
                    return False
            return True

        timings["web workers healthy"] = await layout.wait_for(healthy, "both web workers", START_SECONDS)
        for process in layout.processes:
            assert "1 worker(s), scheduler off" in process.log(), process.log()
        assert await reminder_statuses() == collections.Counter(), "no reminder before a scheduler runs"

        first = layout.start("scheduler-1", "scheduler")
        second = layout.start("scheduler-2", "scheduler")  # by mistake, on purpose

        async def all_delivered() -> bool:
            statuses = await reminder_statuses()
            check = await fetch("SELECT last_run_at FROM job_run WHERE job = 'timeline_check'")
            settled = statuses["queued"] == statuses["sending"] == 0 and statuses["sent"] > 0
            return (
                bool(check and check[0]["last_run_at"])
                and settled
                and len(smtp_server.messages) >= statuses["sent"]
            )

        timings["schedulers: check and delivery"] = await layout.wait_for(
            all_delivered, "the schedulers' check and delivery", DELIVERY_SECONDS
        )

        # Both web workers see the scheduler's runs, which happened in other processes.
        for url in urls:
            response = await http.get(f"{url}/health", headers=proxied())
            assert response.status_code == 200, response.text
            jobs = response.json()["jobs"]
            assert jobs["timeline_check"]["last_run_at"] and jobs["timeline_check"]["last_run_ok"]
            assert jobs["deliver_reminders"]["last_run_at"] and jobs["deliver_reminders"]["last_run_ok"]

        timings["update through one, read through the other"] = await write_through_one_read_through_other(
            http, urls
        )

        stopped = time.monotonic()
        assert first.stop() == 0 and second.stop() == 0, layout.logs_text()
        timings["schedulers stopped"] = time.monotonic() - stopped
        for scheduler in (first, second):
            log = scheduler.log()
            assert "Scheduler running" in log and "Scheduler stopped." in log and "Traceback" not in log

    rows = await fetch("SELECT status, message_id, recipient_email FROM reminder")
    statuses = collections.Counter(row["status"] for row in rows)
    assert statuses["queued"] == statuses["sending"] == statuses["failed"] == 0, statuses
    received = collections.Counter(m.message["Message-ID"] for m in smtp_server.messages)
    sent = {row["message_id"]: row["recipient_email"] for row in rows if row["status"] == "sent"}
    assert len(sent) == statuses["sent"], "each reminder has a Message-ID of its own"
    assert set(received) == set(sent), "every sent reminder arrived, and nothing else did"
    assert all(count == 1 for count in received.values()), received.most_common(3)
    for message in smtp_server.messages:
        assert message.rcpt_tos == [sent[message.message["Message-ID"]]]

    # The command line agrees: a second check queues nothing, a send has nothing to send.
    again = layout.run("check")
    assert again.returncode == 0 and "queued 0, held for digests 0" in again.stdout, again.stdout
    send = layout.run("send")
    assert "Reminders sent: 0; to retry later: 0; failed: 0." in send.stdout, send.stdout
    assert send.returncode == (1 if statuses["held"] else 0), send.stdout
    assert len(smtp_server.messages) == len(sent)
    for process in layout.processes:
        assert "Traceback" not in process.log(), layout.logs_text()

    timings["total"] = time.monotonic() - began
    print(
        f"\nproduction layout: {len(rows)} reminders ({dict(statuses)}), {len(received)} messages "
        f"received, {sum(received.values())} deliveries; "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items())
    )


async def write_through_one_read_through_other(http: httpx.AsyncClient, urls: list[str]) -> float:
    """A focal point signs in and writes through worker 1 (session cookie, then a bearer token);
    worker 2 reads the update with either. Seconds taken."""
    began = time.monotonic()
    one, two = urls
    login = await http.post(
        f"{one}/api/auth/login", json={"email": FOCAL_POINT, "password": DEMO_PASSWORD}, headers=proxied()
    )
    assert login.status_code == 200, login.text
    session = {**proxied(), "Cookie": f"cop_session={login.cookies['cop_session']}"}
    csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
    org_id = next(role["organization_id"] for role in login.json()["roles"] if role["role"] == "focal_point")
    token = await http.post(
        f"{one}/api/auth/tokens", json={"name": "deploy check"}, headers={**session, **csrf}
    )
    assert token.status_code == 201, token.text
    bearer = {**proxied(), "Authorization": f"Bearer {token.json()['token']}"}

    commitments = await http.get(f"{two}/api/organizations/{org_id}/commitments", headers=session)
    assert commitments.status_code == 200, commitments.text
    commitment_id = commitments.json()["items"][0]["id"]
    narrative = f"Policy draft sent to the board on {dt.date.today():%d %B %Y}, written through worker 1."
    written = await http.post(
        f"{one}/api/commitments/{commitment_id}/updates",
        json={"narrative": narrative, "visibility": "internal"},
        headers=bearer,
    )
    assert written.status_code == 201, written.text
    for headers in (bearer, session):
        read = await http.get(f"{two}/api/updates/{written.json()['id']}", headers=headers)
        assert read.status_code == 200, read.text
        assert read.json()["narrative"] == narrative and read.json()["commitment_id"] == commitment_id
    return time.monotonic() - began
