"""Property-based requests generated from /schema/openapi.json against the real server: whatever
an anonymous caller or a focal point sends, the answer is never a 5xx.

The real `cop-tracker serve` runs in a subprocess (see tests/pages/harness.py) so it owns its event
loop and database pool on both engines. The run is bounded: fuzzing only, a fixed seed and a fixed
number of examples per operation.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from models.engine import fetch
from models.services.sessions import caller_for_person, create_token
from tests.api.support import FOCAL_NRA

pytestmark = pytest.mark.slow

RUNNER = "from schemathesis.cli import schemathesis; schemathesis()"


def run_schemathesis(
    base_url: str, examples: int, headers: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-c",
        RUNNER,
        "run",
        f"{base_url}/schema/openapi.json",
        "--checks",
        "not_a_server_error",
        "--phases",
        "fuzzing",
        "--max-examples",
        str(examples),
        "--seed",
        "1",
        # One worker: hypothesis describes strategies with ast.parse, which is not thread-safe.
        "--workers",
        "1",
        "--no-color",
        # /health answers 503 by design when no scheduler runs, and none runs here (its answers are
        # tested in tests/api/test_health.py); a long run would see that as a server error.
        "--exclude-path",
        "/health",
        "--request-timeout",
        "20",
    ]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("who", ["anonymous", "focal point"])
async def test_generated_requests_never_get_a_server_error(live_server: Any, who: str) -> None:
    headers: dict[str, str] = {}
    if who == "focal point":
        person = await fetch("SELECT id FROM person WHERE email = {}", FOCAL_NRA)
        token, _ = await create_token(await caller_for_person(int(person[0]["id"])), "schemathesis")
        headers["Authorization"] = f"Bearer {token}"
    result = run_schemathesis(live_server.url, examples=5 if who == "anonymous" else 20, headers=headers)
    report = result.stdout[-4000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    assert "passed" in result.stdout
    assert "Traceback" not in live_server.log(), live_server.log()[-4000:]
