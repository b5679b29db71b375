"""The README's first command, as a newcomer runs it on a machine that never saw the project.

The command is read from README.md (the first shell block that runs `cop-tracker serve`), so the
two cannot drift, and run verbatim from the repository root in a brand-new virtual environment
(nothing preinstalled, not the test environment), on a free loopback port. Then, as a newcomer
would: wait for /health, sign in with a demo account that the command printed, and read a
published scorecard as the donor. Fails when any step does not work or when the server's output
holds a traceback. Prints one line with the time from the command to a healthy /health.

    python .ci/fresh_start.py [--timeout SECONDS]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LOGIN_LINE = re.compile(r"^\s+(\S+@\S+)\s+(\S.*)$", re.M)
PASSWORD_LINE = re.compile(r"password for all: (\S+)\)")


def readme_serve_command() -> str:
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"```(?:sh|bash)\n(.*?)```", readme, re.S)
    command = next((b.strip() for b in blocks if "cop-tracker serve" in b), None)
    if command is None:
        raise SystemExit("README.md has no shell block that runs `cop-tracker serve`")
    return command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(opener: urllib.request.OpenerDirector, url: str, body: dict | None = None) -> tuple[int, object]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with opener.open(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for /health")
    args = parser.parse_args()

    command = readme_serve_command()
    work = Path(tempfile.mkdtemp(prefix="cop-fresh-"))
    subprocess.run([sys.executable, "-m", "venv", str(work / "venv")], check=True)
    port, smtp_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env.update(
        PATH=f"{work / 'venv' / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}",
        VIRTUAL_ENV=str(work / "venv"),
        DATABASE_URL=f"sqlite:///{work / 'cop_tracker.sqlite'}",
        BASE_URL=f"http://127.0.0.1:{port}",
        SMTP_PORT=str(smtp_port),  # nothing listens there: reminders wait for a retry, as they would
    )
    # The command as written; only the port is chosen, so that a busy 8000 cannot fail the run.
    shell = command.replace("cop-tracker serve", f"cop-tracker serve --port {port}")
    log_path = work / "serve.log"
    started = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["bash", "-c", shell],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    problem = ""
    try:
        healthy_after = wait_for_health(base, process, started, args.timeout)
        if healthy_after is None:
            problem = (
                f"no healthy /health within {args.timeout:.0f} s (it last said {last_health})"
                if process.poll() is None
                else f"the command exited ({process.returncode})"
            )
        else:
            problem = sign_in_and_read(base, log_path.read_text(errors="replace"))
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
    output = log_path.read_text(errors="replace")
    if not problem and "Traceback" in output:
        problem = "a traceback in the server's output"
    if problem:
        print(f"README's first command, in a brand-new venv: {problem}.\n--- its output:\n{output[-6000:]}")
        return 1
    shutil.rmtree(work, ignore_errors=True)
    print(
        f"README's first command in a brand-new venv: healthy /health after {healthy_after:.0f} s; "
        "a demo login signed in and the donor read a published scorecard."
    )
    return 0


# Straight to loopback: a proxy named in http_proxy (as some machines set) would never reach it.
LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))
last_health = "no answer yet"  # what /health last said, printed when it never became healthy


def wait_for_health(
    base: str, process: subprocess.Popen[bytes], started: float, timeout: float
) -> float | None:
    global last_health
    while time.monotonic() - started < timeout and process.poll() is None:
        try:
            with LOOPBACK.open(f"{base}/health", timeout=3) as answer:
                if answer.status == 200:
                    return time.monotonic() - started
                last_health = f"{answer.status}"
        except urllib.error.HTTPError as error:
            last_health = f"{error.code}: {error.read()[:500].decode(errors='replace')}"
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            last_health = f"{type(error).__name__}: {error}"
        time.sleep(1)
    return None


def sign_in_and_read(base: str, output: str) -> str:
    """Sign in with the printed logins; as the donor, read a published cycle's scorecards."""
    logins = dict((email, role.strip()) for email, role in LOGIN_LINE.findall(output))
    password = PASSWORD_LINE.search(output)
    donor = next((email for email, role in logins.items() if role == "donor"), None)
    if not logins or password is None or donor is None:
        return "the command printed no demo logins (or none for a donor)"
    for email in logins:
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(CookieJar())
        )
        status, body = get(opener, f"{base}/api/auth/login", {"email": email, "password": password.group(1)})
        if status != 200:
            return f"the printed login {email} did not sign in ({status}: {body})"
        if email != donor:
            continue
        status, cycles = get(opener, f"{base}/api/cycles")
        items = cycles.get("items", cycles) if isinstance(cycles, dict) else cycles
        if status != 200 or not isinstance(items, list):
            return f"the donor could not list cycles ({status}: {cycles})"
        for cycle in items:
            status, card = get(opener, f"{base}/api/scorecards/{cycle['name']}")
            if status == 200 and isinstance(card, dict) and card.get("items"):
                break
        else:
            return "the donor found no published scorecard in any cycle"
    return ""


if __name__ == "__main__":
    sys.exit(main())
