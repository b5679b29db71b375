"""Benchmark: the CPU time of one authenticated API read, in process, next to a bare endpoint.

    python bench/api_cpu.py [--orgs 100] [--requests 5000] [--rounds 8]

The same read as bench/api.py (`GET /api/organizations/{id}/commitments` with the first
organization's focal point's bearer token) and the same bare Litestar endpoint returning its
payload from memory, but without servers or wrk: each app is called as an ASGI application in this
process, `--requests` times a round, and the CPU time per request (`time.process_time`) is printed,
the best of `--rounds` rounds alternating app and bare. On a shared machine this moves far less than
throughput does; it leaves out the server's own work (HTTP parsing, sockets).
Target (SQLite): the bare endpoint's CPU per request at least 50% of the app's.
Prints figures only; it never fails a build.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._common import bench_parser, demo_environment, load_demo  # noqa: E402
from bench.api import FOCAL, PATH  # noqa: E402


async def started(app: Any) -> None:
    """Run the app's lifespan startup (its database pool); the task keeps it open."""
    events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    answers: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await events.put({"type": "lifespan.startup"})
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    asyncio.get_running_loop().create_task(app(scope, events.get, answers.put))
    answer = await answers.get()
    if answer["type"] != "lifespan.startup.complete":
        raise SystemExit(f"the app did not start: {answer}")


def request_scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
        "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": b"", "headers": [(b"host", b"localhost"), *headers],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {},
    }  # fmt: skip


async def cpu_per_request(app: Any, path: str, headers: list[tuple[bytes, bytes]], requests: int) -> float:
    """Microseconds of CPU per request over `requests` calls (after a short warm-up)."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    for _ in range(100):
        await app(request_scope(path, headers), receive, send)
    if sent[0]["status"] != 200:
        raise SystemExit(f"GET {path} answered {sent[0]['status']}: {sent[1]['body'][:300]!r}")
    started_at = time.process_time()
    for _ in range(requests):
        sent.clear()
        await app(request_scope(path, headers), receive, send)
    return (time.process_time() - started_at) / requests * 1e6


async def measure(work: Path, requests: int, rounds: int) -> None:
    import httpx

    from api.app import create_app
    from bench.api import bare_app
    from models.settings import Settings

    app = create_app(Settings.from_env())
    await started(app)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per setup request otherwise
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://localhost"
    ) as client:
        login = await client.post("/api/auth/login", json={"email": FOCAL, "password": "demo-password"})
        login.raise_for_status()
        created = await client.post(
            "/api/auth/tokens",
            json={"name": "benchmark"},
            headers={"X-CSRF-Token": login.json()["csrf_token"]},
        )
        created.raise_for_status()
        client.cookies.clear()
        bearer = {"Authorization": f"Bearer {created.json()['token']}"}
        listed = await client.get("/api/organizations", params={"limit": 500}, headers=bearer)
        org_id = next(o["id"] for o in listed.json()["items"] if o["acronym"] == "NRA")
        path = PATH.format(org_id=org_id)
        payload = (await client.get(path, headers=bearer)).json()
    payload_file = work / "payload.json"
    payload_file.write_text(json.dumps(payload))
    os.environ["BENCH_PAYLOAD"] = str(payload_file)
    bare = bare_app()
    await started(bare)
    headers = [(b"authorization", bearer["Authorization"].encode()), (b"accept", b"*/*")]
    print(f"GET {path}: {len(payload['items'])} commitments, {len(json.dumps(payload)) / 1024:.1f} KB; "
          f"{rounds} rounds of {requests} requests each, in process")  # fmt: skip
    figures: dict[str, list[float]] = {"app": [], "bare": []}
    for _ in range(rounds):
        figures["app"].append(await cpu_per_request(app, path, headers, requests))
        figures["bare"].append(await cpu_per_request(bare, path, [], requests))
    best_app, best_bare = min(figures["app"]), min(figures["bare"])
    for name, values in figures.items():
        print(
            f"  {name:<5} CPU per request: best {min(values):6.1f} us, rounds {', '.join(f'{v:.0f}' for v in values)}"
        )
    print(
        f"  bare/app {best_bare / best_app:.0%} (target >= 50%); app overhead {best_app - best_bare:.1f} us"
    )


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--orgs", type=int, default=100)
    parser.add_argument("--requests", type=int, default=5000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=8, help="alternating rounds per app (best is kept)")
    args = parser.parse_args()
    if args.quick:
        args.orgs, args.requests, args.rounds = 20, 200, 1
    with tempfile.TemporaryDirectory() as work:
        env = demo_environment(f"sqlite:///{Path(work) / 'bench.sqlite'}")
        seconds = load_demo(env, args.orgs)
        print(f"database: sqlite, demo with {args.orgs} organizations loaded in {seconds:.1f} s")
        os.environ.update({key: env[key] for key in ("DATABASE_URL", "SCHEDULER", "SECRET_KEY")})
        asyncio.run(measure(Path(work), args.requests, args.rounds))


if __name__ == "__main__":
    main()
