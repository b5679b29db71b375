"""Property-based requests generated from /schema/openapi.json against the real server: whatever
an anonymous caller or any role sends, the answer is never a 5xx and is the one the document
describes (its status, media type, headers and body schema).

The real `cop-tracker serve` runs in a subprocess (see tests/pages/harness.py) so it owns its event
loop and database pool on both engines. The run is bounded: fuzzing only, a fixed seed and a fixed
number of examples per operation.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from models.engine import fetch
from models.services.sessions import caller_for_person, create_token
from tests.api.support import CHAMPION_NRA, DONOR, FOCAL_NRA, REVIEWER_OF_NRA, SECRETARIAT

pytestmark = pytest.mark.slow

CHECKS = os.environ.get(
    "SCHEMATHESIS_CHECKS",
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_headers_conformance,response_schema_conformance",
)
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
        CHECKS,
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


ROLES = {
    "anonymous": None,
    "focal point": FOCAL_NRA,
    "champion": CHAMPION_NRA,
    "peer reviewer": REVIEWER_OF_NRA,
    "donor": DONOR,
    "secretariat": SECRETARIAT,
}


@pytest.mark.parametrize("who", list(ROLES))
async def test_generated_requests_get_the_documented_answers(live_server: Any, who: str) -> None:
    headers: dict[str, str] = {}
    if ROLES[who]:
        person = await fetch("SELECT id FROM person WHERE email = {}", ROLES[who])
        token, _ = await create_token(await caller_for_person(int(person[0]["id"])), "schemathesis")
        headers["Authorization"] = f"Bearer {token}"
    result = run_schemathesis(live_server.url, examples=5 if who == "anonymous" else 20, headers=headers)
    report = result.stdout[-4000:] + result.stderr[-2000:]
    if os.environ.get("SCHEMATHESIS_REPORT"):
        with open(os.environ["SCHEMATHESIS_REPORT"], "a") as out:
            out.write(f"=== {who}\n{result.stdout}\n")
    assert result.returncode == 0, report
    assert "passed" in result.stdout
    assert "Traceback" not in live_server.log(), live_server.log()[-4000:]
