"""Benchmark: an authenticated API read under load, next to a bare endpoint serving the same payload.

    python bench/api.py [--orgs 1000] [--seconds 8] [--connections 64] [--servers granian,uvicorn]
                        [--rounds 2] [--workers N] [--database-url postgresql://.../EMPTY_DB]

Steps:
1. `cop-tracker demo --orgs N` into a temporary SQLite file (or the EMPTY PostgreSQL database given);
2. a bearer token for the first organization's focal point (internal audience: the full payload);
3. for each ASGI server, with --workers processes (default: one per CPU, as `cop-tracker serve`
   runs), the real app and a bare Litestar app that returns the same payload from memory, served
   the same way and driven in turn by wrk on loopback (bounded by --seconds and --connections) at
   `GET /api/organizations/{id}/commitments`: requests per second, p50 and p99 latency, socket
   errors and timeouts, the app's share of the bare endpoint's throughput, and the server's own
   CPU time per request (its processes' user + system time over the run, from /proc: it moves far
   less with the machine's load than throughput does).
   Targets (SQLite, 64 connections): at least 50% of the bare throughput, p99 at most 3x p50, no
   timeouts.
Prints figures only; it never fails a build.
"""

from __future__ import annotations

import contextlib
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(
    0, str(REPO)
)  # bench._common resolves alike when run as a script and when a server imports this module

from bench._common import bench_parser, demo_environment, load_demo  # noqa: E402

WRK = "/usr/bin/wrk"
FOCAL = "focal.nra@demo.cop-tracker.example"
PATH = "/api/organizations/{org_id}/commitments"


# --- the two apps, built by the ASGI servers through these factories ---------------------------


def real_app() -> Any:
    from api.app import create_app
    from models.settings import Settings

    return create_app(Settings.from_env())


def bare_app() -> Any:
    """A Litestar app with one handler returning the payload from memory (decoded once)."""
    from litestar import Litestar, get

    payload = json.loads(Path(os.environ["BENCH_PAYLOAD"]).read_text())

    @get("/api/organizations/{org_id:int}/commitments")
    async def commitments(org_id: int) -> dict[str, Any]:
        return payload

    return Litestar([commitments])


# --- driving them ---------------------------------------------------------------------------


@dataclass
class Figures:
    rate: float
    p50_ms: float
    p99_ms: float
    socket_errors: str
    timeouts: int
    non_2xx: int
    max_ms: float = 0.0
    requests: int = 0
    cpu_us: float = 0.0  # the server's CPU time per request, in microseconds


def process_tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and all its descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, grew = {pid}, True
    while grew:
        found = {child for child, parent in parents.items() if parent in tree} - tree
        tree |= found
        grew = bool(found)
    return sum(times.get(member, 0.0) for member in tree)


def every_item(url: str, headers: dict[str, str]) -> list[Any]:
    """A whole list of the API, read a page at a time (`items`, `total`, `limit`, `offset`)."""
    items: list[Any] = []
    while True:
        page = httpx.get(url, params={"limit": 500, "offset": len(items)}, headers=headers).json()
        items += page["items"]
        if not page["items"] or len(items) >= page["total"]:
            return items


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_command(server: str, factory: str, port: int, workers: int) -> list[str]:
    if server == "granian":
        return [
            "granian", "--interface", "asgi", "--factory", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers), "--loop", "uvloop", "--no-access-log", "--log-level", "warning", factory,
        ]  # fmt: skip
    return [
        sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--loop", "uvloop", "--http", "httptools", "--no-access-log",
        "--log-level", "warning",
    ]  # fmt: skip


def start(
    server: str, factory: str, env: dict[str, str], workers: int = 1
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        server_command(server, factory, port, workers),
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, so `stop` ends its workers with it
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit(f"{server} ({factory}) exited with {process.returncode}")
        try:
            httpx.get(base + "/", timeout=2)
            return process, base
        except httpx.HTTPError:
            time.sleep(0.1)  # waiting for the server to listen
    process.terminate()
    raise SystemExit(f"{server} ({factory}) did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    """End the server and every worker it forked (a worker left behind keeps its database open)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # workers that outlived their parent's exit
    process.wait()


def milliseconds(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> Figures:
    if not url.startswith("http://127.0.0.1:"):
        raise SystemExit("wrk runs against loopback only")
    args = [WRK, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, timeout=seconds + 30).stdout
    return parse_wrk(out)


def parse_wrk(out: str) -> Figures:
    """The figures of wrk's report (run with --latency)."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    latency = re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", out)  # average, deviation, max
    p50, p99 = re.search(r"50%\s+([\d.]+\w+)", out), re.search(r"99%\s+([\d.]+\w+)", out)
    if rate is None or latency is None or p50 is None or p99 is None:
        raise SystemExit(f"wrk failed:\n{out}")
    errors = re.search(r"Socket errors: (.*)", out)
    timeouts = re.search(r"timeout (\d+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    requests = re.search(r"(\d+) requests in", out)
    return Figures(
        requests=int(requests.group(1)) if requests else 0,
        rate=float(rate.group(1)),
        p50_ms=milliseconds(p50.group(1)),
        p99_ms=milliseconds(p99.group(1)),
        socket_errors=errors.group(1) if errors else "none",
        timeouts=int(timeouts.group(1)) if timeouts else 0,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        max_ms=milliseconds(latency.group(1)),
    )


def bearer_token(base: str) -> str:
    login = httpx.post(f"{base}/api/auth/login", json={"email": FOCAL, "password": "demo-password"})
    login.raise_for_status()
    created = httpx.post(
        f"{base}/api/auth/tokens",
        json={"name": "benchmark"},
        cookies=login.cookies,
        headers={"X-CSRF-Token": login.json()["csrf_token"]},
    )
    created.raise_for_status()
    return str(created.json()["token"])


def line(label: str, f: Figures) -> str:
    return (
        f"  {label:<26} {f.rate:9.0f} req/s   p50 {f.p50_ms:7.2f} ms   p99 {f.p99_ms:7.2f} ms "
        f"(p99/p50 {f.p99_ms / f.p50_ms:4.1f})   timeouts {f.timeouts}   non-2xx {f.non_2xx}"
    )


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--orgs", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=8, help="length of each wrk run (at most 30)")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (at most 256)")
    parser.add_argument("--servers", default="granian,uvicorn")
    parser.add_argument("--rounds", type=int, default=2, help="alternating runs per app (best is kept)")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="worker processes per server (default: CPUs)"
    )
    parser.add_argument(
        "--database-url", default="", help="an EMPTY PostgreSQL database (default: a temporary SQLite file)"
    )
    args = parser.parse_args()
    if args.quick:
        args.orgs, args.seconds, args.connections, args.rounds, args.workers = 20, 1, 4, 1, 1
    seconds, connections = min(args.seconds, 30), min(args.connections, 256)
    servers = [s for s in args.servers.split(",") if s in ("granian", "uvicorn")]
    if not Path(WRK).exists() or shutil.which(WRK) is None:
        raise SystemExit(f"{WRK} is missing (apt-get install wrk)")

    with tempfile.TemporaryDirectory() as work:
        database_url = args.database_url or f"sqlite:///{Path(work) / 'bench.sqlite'}"
        env = demo_environment(database_url)
        demo_seconds = load_demo(env, args.orgs)
        print(f"database: {database_url.split(':')[0]}, demo with {args.orgs} organizations "
              f"loaded in {demo_seconds:.1f} s")  # fmt: skip

        process, base = start(servers[0], "bench.api:real_app", env)
        try:
            token = bearer_token(base)
            headers = {"Authorization": f"Bearer {token}"}
            org_id = next(
                o["id"] for o in every_item(f"{base}/api/organizations", headers) if o["acronym"] == "NRA"
            )
            path = PATH.format(org_id=org_id)
            payload = httpx.get(base + path, headers=headers).json()
        finally:
            stop(process)
        payload_file = Path(work) / "payload.json"
        payload_file.write_text(json.dumps(payload))
        env["BENCH_PAYLOAD"] = str(payload_file)
        print(f"GET {path}: {len(payload['items'])} commitments, {len(json.dumps(payload)) / 1024:.1f} KB; "
              f"wrk -t2 -c{connections} -d{seconds}s on loopback, {args.workers} worker process(es) per server")  # fmt: skip

        for server in servers:
            # Rounds alternate app and bare so both see the same background load; the best round
            # of each is reported.
            results: dict[str, Figures] = {}
            for _ in range(args.rounds):
                for name, factory, request_headers in (
                    ("app (signed in)", "bench.api:real_app", headers),
                    ("bare (from memory)", "bench.api:bare_app", {}),
                ):
                    process, base = start(server, factory, env, args.workers)
                    try:
                        wrk(base + path, 2, connections, request_headers)  # warm-up
                        cpu_before = process_tree_cpu_seconds(process.pid)
                        figures = wrk(base + path, seconds, connections, request_headers)
                        spent = process_tree_cpu_seconds(process.pid) - cpu_before
                        figures.cpu_us = spent / max(1, figures.requests) * 1e6
                    finally:
                        stop(process)
                    if name not in results or figures.rate > results[name].rate:
                        results[name] = figures
            app, bare = results["app (signed in)"], results["bare (from memory)"]
            print(f"{server} (best of {args.rounds} rounds):")
            print(line("app (signed in)", app))
            print(line("bare (from memory)", bare))
            ratio = app.rate / bare.rate
            print(
                f"  app/bare throughput {ratio:.0%} (target >= 50%); app p99/p50 {app.p99_ms / app.p50_ms:.1f} "
                f"(target <= 3); app timeouts {app.timeouts} (target 0)"
            )
            print(
                f"  server CPU per request: app {app.cpu_us:.0f} us, bare {bare.cpu_us:.0f} us "
                f"(bare/app {bare.cpu_us / max(app.cpu_us, 1e-9):.0%})"
            )


if __name__ == "__main__":
    main()
