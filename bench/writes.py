"""Benchmark: progress updates written through the API, a 90/10 read/write load, SIGTERM under writes.

    python bench/writes.py [--orgs 100] [--sessions 8] [--seconds 8] [--connections 16] [--rounds 3]
                           [--workers 1] [--database-url postgresql://.../EMPTY_DB]

Steps:
1. `cop-tracker demo --orgs N` into a temporary SQLite file (or the EMPTY PostgreSQL database
   given), then `cop-tracker serve --no-scheduler --workers W` on a loopback port;
2. --sessions focal points (one per organization) sign in as API clients do: `POST /api/auth/login`
   gives a session cookie and a CSRF token, sent back as `X-CSRF-Token` on every write;
3. writes: wrk (--connections) posts progress updates (`POST /api/commitments/{id}/updates`, each
   client on a commitment of its organization): writes per second, p50, p99 and max latency.
   Targets (SQLite, one worker): at least 1,000 writes/s, no request over 1 s, no timeouts.
   Each run also prints the server's CPU time per request (its workers, from /proc), which stays
   put on a machine busy with other work where requests per second do not;
4. the read-only load (`GET /api/organizations/{id}/commitments`, same clients) and a 90/10
   read/write mix of the same reads and writes, alternately, --rounds times each in one run:
   the mix's throughput as a share of the read-only throughput (best round of each).
   Target: at least 50%;
5. SIGTERM to `serve` while wrk keeps writing: seconds until the process has exited, and the
   updates acknowledged (201) against those found in the database afterwards.
   Targets: exit within 5 s; every acknowledged update is in the database.
Prints figures only; it never fails a build.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._common import add_database_url, bench_parser, demo_environment, load_demo  # noqa: E402
from bench.api import WRK, Figures, free_port, parse_wrk  # noqa: E402  (the same wrk as bench/api.py)

DOMAIN = "demo.cop-tracker.example"
PASSWORD = "demo-password"
SIGTERM_MARK = "written under SIGTERM"

# wrk's script: each request goes to the next signed-in client; a share of them (the first script
# argument) are writes. `response` counts the writes answered 201, read back by `done`.
LUA = r"""
local clients = %(clients)s
local write_share, mark = 0, "bench"
local sent = 0
local threads = {}
created = 0  -- a global: `done` reads it from each thread

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  write_share = tonumber(args[1])
  mark = args[2]
  math.randomseed(id * 7919)
end

local writing = false
function request()
  sent = sent + 1
  local client = clients[(sent %% #clients) + 1]
  local headers = {Cookie = client.cookie}
  writing = write_share > 0 and math.random() < write_share
  if writing then
    headers["X-CSRF-Token"] = client.csrf
    headers["Content-Type"] = "application/json"
    local body = '{"narrative": "' .. mark .. ' ' .. id .. '-' .. sent .. '", "self_level": 2}'
    return wrk.format("POST", client.write, headers, body)
  end
  return wrk.format("GET", client.read, headers)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("created")
  end
  io.write(string.format("created: %%d\n", total))
end
"""


def lua_table(clients: list[dict[str, str]]) -> str:
    rows = (
        "{" + ", ".join(f"{key} = {json.dumps(value)}" for key, value in client.items()) + "}"
        for client in clients
    )
    return "{" + ", ".join(rows) + "}"


def wrk_command(
    script: Path, base: str, seconds: float, connections: int, write_share: float, mark: str = "bench"
) -> list[str]:
    return [
        WRK, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "--latency", "-s", str(script),
        base, "--", str(write_share), mark,
    ]  # fmt: skip


@dataclass
class Run:
    figures: Figures
    cpu_ms: float | None  # CPU time of the server's workers per request (None where /proc is missing)


def workers_cpu_seconds(server: subprocess.Popen[bytes]) -> float | None:
    """User and system CPU time of the server's worker processes so far (Linux /proc)."""
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        total = 0
        for pid in children:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    except OSError:
        return None
    return total / os.sysconf("SC_CLK_TCK")


def wrk_run(
    server: subprocess.Popen[bytes],
    script: Path,
    base: str,
    seconds: float,
    connections: int,
    write_share: float,
) -> Run:
    """One wrk run; the server's CPU per request tells what a busy machine's throughput cannot."""
    command = wrk_command(script, base, seconds, connections, write_share)
    before = workers_cpu_seconds(server)
    figures = parse_wrk(subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60).stdout)
    after = workers_cpu_seconds(server)
    requests = figures.rate * seconds
    cpu_ms = (
        (after - before) / requests * 1000 if before is not None and after is not None and requests else None
    )
    return Run(figures, cpu_ms)


def created(out: str) -> int:
    """The writes answered 201, as the script's `done` reports them."""
    found = re.search(r"created: (\d+)", out)
    return int(found.group(1)) if found else 0


def serve(env: dict[str, str], workers: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`cop-tracker serve` on a free loopback port (its own process group), once it answers /health."""
    port = free_port()
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", str(workers)]
            + ["--no-scheduler"],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"cop-tracker serve exited with {process.returncode}:\n{log.read_text()[-3000:]}"
            )
        try:
            if httpx.get(base + "/health", timeout=2).status_code in (200, 503):
                return process, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)  # waiting for the server to listen
    os.killpg(process.pid, signal.SIGKILL)
    raise SystemExit("cop-tracker serve did not start")


def sign_in(base: str, count: int) -> list[dict[str, str]]:
    """`count` focal points of different organizations, each signed in with its session and CSRF
    token, and the paths its requests use."""
    secretariat = httpx.post(
        f"{base}/api/auth/login", json={"email": f"secretariat@{DOMAIN}", "password": PASSWORD}
    )
    secretariat.raise_for_status()
    organizations = httpx.get(
        f"{base}/api/organizations", params={"limit": count}, cookies=secretariat.cookies
    ).json()["items"]
    clients = []
    for organization in organizations:
        email = f"focal.{organization['acronym'].lower()}@{DOMAIN}"
        login = httpx.post(f"{base}/api/auth/login", json={"email": email, "password": PASSWORD}, timeout=30)
        login.raise_for_status()
        read = f"/api/organizations/{organization['id']}/commitments"
        commitments = httpx.get(base + read, cookies=login.cookies).json()["items"]
        if not commitments:
            continue
        cookie = "; ".join(f"{name}={value}" for name, value in login.cookies.items())
        clients.append(
            {
                "cookie": cookie,
                "csrf": login.json()["csrf_token"],
                "read": read,
                "write": f"/api/commitments/{commitments[0]['id']}/updates",
            }
        )
    if not clients:
        raise SystemExit("no focal point with a commitment to write on")
    return clients


def updates_marked(database_url: str, mark: str) -> int:
    """How many progress updates in the database carry `mark` (read through the app's own engine)."""
    os.environ["DATABASE_URL"] = database_url
    from models.engine import fetch

    rows = asyncio.run(
        fetch("SELECT COUNT(*) AS n FROM progress_update WHERE narrative LIKE {}", f"{mark} %")
    )
    return int(rows[0]["n"])


def sigterm_under_writes(
    script: Path,
    env: dict[str, str],
    workers: int,
    connections: int,
    database_url: str,
    lead: float,
    log: Path,
) -> tuple[float | None, int, int]:
    """Seconds from SIGTERM to exit (None past 30 s), updates acknowledged, updates stored."""
    process, base = serve(env, workers, log)
    load_seconds = lead + 8
    load = subprocess.Popen(
        wrk_command(script, base, load_seconds, connections, 1.0, SIGTERM_MARK),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    time.sleep(lead)  # the load is under way
    exit_seconds = stop(process)
    out, _ = load.communicate(timeout=load_seconds + 60)
    return exit_seconds, created(out), updates_marked(database_url, SIGTERM_MARK)


def stop(process: subprocess.Popen[bytes]) -> float | None:
    """SIGTERM, then the seconds until the process exited (None: killed after 30 s)."""
    started = time.perf_counter()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its workers too
        process.wait()
        return None
    return time.perf_counter() - started


def said(seconds: float | None) -> str:
    return f"{seconds:.2f} s" if seconds is not None else "still running after 30 s (killed)"


def line(label: str, run: Run) -> str:
    f = run.figures
    cpu = f"{run.cpu_ms:5.2f} ms" if run.cpu_ms is not None else "   n/a  "
    return (
        f"  {label:<22} {f.rate:8.0f} req/s   p50 {f.p50_ms:7.2f} ms   p99 {f.p99_ms:7.2f} ms   "
        f"max {f.max_ms:7.1f} ms   server CPU {cpu}/request   timeouts {f.timeouts}   non-2xx {f.non_2xx}"
    )


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--orgs", type=int, default=100)
    parser.add_argument(
        "--sessions", type=int, default=8, help="focal points signed in (one per organization)"
    )
    parser.add_argument("--seconds", type=float, default=8, help="length of each wrk run (at most 30)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (at most 256)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating read-only and 90/10 runs")
    parser.add_argument("--workers", type=int, default=1, help="worker processes of `cop-tracker serve`")
    add_database_url(parser)
    args = parser.parse_args()
    if args.quick:
        args.orgs, args.sessions, args.seconds, args.connections, args.rounds = 5, 2, 1, 4, 1
    seconds, connections = min(args.seconds, 30), min(args.connections, 256)
    if not Path(WRK).exists():
        raise SystemExit(f"{WRK} is missing (apt-get install wrk)")

    with tempfile.TemporaryDirectory() as work:
        database_url = args.database_url or f"sqlite:///{Path(work) / 'bench.sqlite'}"
        env = demo_environment(database_url)
        load_demo(env, args.orgs)
        log = Path(work) / "serve.log"
        process, base = serve(env, args.workers, log)
        try:
            clients = sign_in(base, args.sessions)
            script = Path(work) / "requests.lua"
            script.write_text(LUA % {"clients": lua_table(clients)})
            print(
                f"database: {database_url.split(':')[0]}, demo with {args.orgs} organizations; "
                f"{args.workers} worker(s); {len(clients)} focal points signed in; "
                f"wrk -t2 -c{connections} -d{seconds}s on loopback"
            )
            wrk_run(process, script, base, min(seconds, 2), connections, 1.0)  # warm-up
            run = wrk_run(process, script, base, seconds, connections, 1.0)
            writes = run.figures
            print("writes (POST /api/commitments/{id}/updates):")
            print(line("writes only", run))
            print(
                f"  writes/s {writes.rate:.0f} (target >= 1000); max {writes.max_ms / 1000:.2f} s "
                f"(target <= 1 s); timeouts {writes.timeouts} (target 0)"
            )
            if run.cpu_ms:
                print(
                    f"  server CPU {run.cpu_ms:.2f} ms a write: about {1000 / run.cpu_ms:.0f} writes/s "
                    "on a core of its own (a figure that a busy machine's throughput hides)"
                )
            reads: list[Run] = []
            mixes: list[Run] = []
            for _ in range(args.rounds):
                reads.append(wrk_run(process, script, base, seconds, connections, 0.0))
                mixes.append(wrk_run(process, script, base, seconds, connections, 0.1))
        finally:
            stopped = stop(process)
        print(f"read-only and 90/10 read/write, alternately ({args.rounds} rounds each):")
        for index, (read, mix) in enumerate(zip(reads, mixes, strict=True), start=1):
            print(line(f"round {index} read-only", read))
            print(line(f"round {index} 90/10", mix))
        best_read, best_mix = max(r.figures.rate for r in reads), max(m.figures.rate for m in mixes)
        worst = max(f.max_ms for f in [writes, *(r.figures for r in reads + mixes)])
        print(
            f"  90/10 / read-only throughput {best_mix / best_read:.0%} (target >= 50%); "
            f"slowest request of all runs {worst / 1000:.2f} s (target <= 1 s)"
        )

        exit_seconds, acknowledged, stored = sigterm_under_writes(
            script, env, args.workers, connections, database_url, min(seconds, 2), log
        )
        print("SIGTERM:")
        print(f"  after the runs above, idle: exit {said(stopped)} (target <= 5 s)")
        print(
            f"  under write load: exit {said(exit_seconds)} (target <= 5 s); updates acknowledged {acknowledged}, "
            f"in the database {stored} (target: every acknowledged one)"
        )


if __name__ == "__main__":
    main()
