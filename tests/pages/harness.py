"""The browser-test harness: the real app in its own process, Debian's Chromium, axe-core.

The server is the real app under granian (the server of `cop-tracker serve`) in a subprocess, pointed at the test database through
DATABASE_URL: it owns its event loop and its connection pool, exactly as in production, so the same
fixture works on SQLite and PostgreSQL. Chromium and axe-core are what CI installs; without
them the browser tests are skipped locally and fail in CI (CI set), so a missing install step is
never hidden by a green run.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
AXE_SCRIPT = REPO / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_SECONDS = 90.0
# axe impact levels that fail a page.
BLOCKING_IMPACTS = ("serious", "critical")


def missing(what: str) -> None:
    """Skip locally, fail in CI: CI must have everything the browser tests need."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing in CI; .ci/run must install it")
    pytest.skip(f"{what} is missing (install it to run the browser tests)")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class LiveServer:
    url: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def launch_server(database_url: str, log_dir: Path) -> LiveServer:
    """Start the app (`api.app:create_app` under granian, as `cop-tracker serve` runs it) on a
    free loopback port; the test database is already migrated. `wait_until_ready` before use."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SCHEDULER": "off",
        "BASE_URL": url,
        "SECRET_KEY": "browser-test-secret-" + "k" * 40,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": "9",  # nothing listens: a delivery attempt fails fast and stays visible
    }
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--loop", "uvloop"]
            + ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "api.app:create_app"],
            cwd=str(REPO),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return LiveServer(url=url, port=port, process=process, log_path=log_path)


def start_server(database_url: str, log_dir: Path) -> LiveServer:
    return wait_until_ready(launch_server(database_url, log_dir))


def wait_until_ready(server: LiveServer) -> LiveServer:
    """Wait until the server answers /health."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    with httpx.Client(trust_env=False, timeout=5) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"the server exited with {server.process.returncode}:\n{server.log()}")
            if listening(server.port):
                try:
                    if client.get(f"{server.url}/health").status_code == 200:
                        return server
                except httpx.HTTPError:
                    pass
            time.sleep(0.05)  # waiting for a process to listen, not timing a behaviour
    stop_server(server)
    raise RuntimeError(f"the server did not answer within {SERVER_START_SECONDS} s:\n{server.log()}")


def stop_server(server: LiveServer) -> None:
    """Stop the server; its log is printed (shown by pytest when a test fails) and removed."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    log = server.log()
    if "Traceback" in log:
        print(f"server log ({server.url}):\n{log}")
    server.log_path.unlink(missing_ok=True)


def artifact_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")


async def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot of a key page under test-artifacts/ (ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{artifact_name(name)}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core in the page and return its serious and critical violations."""
    if not AXE_SCRIPT.exists():
        missing(f"axe-core ({AXE_SCRIPT.relative_to(REPO)}; npm install --prefix .tools axe-core@4)")
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE_SCRIPT))
    violations = await page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
            }));
        }"""
    )
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS]


async def assert_accessible(page: Any) -> None:
    violations = await axe_violations(page)
    assert not violations, f"axe found serious problems on {page.url}: {violations}"


async def log_in(page: Any, email: str, password: str) -> None:
    """Log in through the login form, as a person would."""
    await page.goto("/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_load_state("domcontentloaded")


async def log_out(page: Any) -> None:
    await page.get_by_role("button", name="Log out").click()
    await page.wait_for_load_state("domcontentloaded")


async def follow_nav(page: Any, label: str) -> None:
    """Follow a link of the main navigation, as a person scanning the header would."""
    await page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True).click()
    await page.wait_for_load_state("domcontentloaded")
