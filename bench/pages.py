"""Benchmark: how long the pages take to render with a thousand organizations.

    python bench/pages.py [--orgs 1000] [--cycles 3] [--rounds 5] [--sizes 100,5000]
                          [--seconds 8] [--connections 64] [--workers 2]
                          [--organization-page-only] [--keep DIR]
                          [--database-url postgresql://.../bench_{size}]

Loads the demo into a temporary SQLite file (`cop-tracker demo`), then serves the real app with
`cop-tracker serve` on a loopback port and times each page as each role over HTTP (the median of
`--rounds` requests after one warm-up). Lists that grow (organizations, people, a cycle's reporting
overview, evidence, the outbox) are paginated, so their pages should stay flat as organizations are
added.

Then the organization's page (`/organizations/{id}`, as its focal point) next to a bare Litestar
endpoint that renders the same template from the same context, read once and held in memory, for
each of `--sizes` organizations: both served by granian, requested alternately in one run
(`--rounds` times each), medians compared. Targets: the page's median at the largest size within
1.5x its median at the smallest; under wrk (`--connections`, `--workers`, after a two-second
warm-up of each) at the largest size, at
least 30% of the bare endpoint's throughput, no timeouts, p99 at most 3x p50.
`--organization-page-only` skips the table of pages. `--keep DIR` keeps each size's demo in DIR and
loads it again only if it is missing (`page-{size}-{cycles}.sqlite`), so a second run skips the
load. `--database-url` runs the side-by-side part on PostgreSQL: `{size}` in it is replaced by the
size, and each database named must be empty (the demo is loaded) or hold that demo already (kept).
Prints figures only; it never fails a build.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._common import bench_parser  # noqa: E402
from bench.api import Figures, start, stop, wrk  # noqa: E402  (the same servers and wrk as bench/api.py)

DOMAIN = "demo.cop-tracker.example"
PASSWORD = "demo-password"

PAGES = {
    "secretariat": [
        "/",
        "/admin/organizations",
        "/admin/organizations?page=10",
        "/admin/organizations?q=D0999",
        "/admin/people",
        "/admin/cycles/{open}",
        "/admin/cycles/{open}?show=all&page=5",
        "/admin/evidence",
        "/admin/reminders",
        "/published",
    ],
    "focal.nra": ["/", "/organizations/1", "/organizations/1/submissions/{open}"],
    "champion.nra": ["/sign-off"],
    "donor": ["/published"],
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def signed_in(base: str, who: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=120)
    response = client.post("/login", data={"email": f"{who}@{DOMAIN}", "password": PASSWORD, "next": "/"})
    if response.status_code != 303:
        raise SystemExit(f"{who} could not log in: {response.status_code}")
    return client


def bare_app() -> Any:
    """The dashboard's template rendered from the context the page builds, built once at startup."""
    from litestar import Litestar, MediaType, get

    from api.pages.dashboard import dashboard_context
    from api.pages.render import base_context
    from models.engine import current_engine, fetch
    from models.services.sessions import caller_for_person
    from models.words import template_environment

    held: dict[str, Any] = {}
    org_id = int(os.environ["BENCH_ORG"])

    async def hold_context() -> None:
        engine = current_engine()
        if engine.engine_type == "postgres":
            await engine.start_connection_pool()
        person = await fetch("SELECT id FROM person WHERE email = {}", os.environ["BENCH_EMAIL"])
        caller = await caller_for_person(int(person[0]["id"]))
        held["template"] = template_environment().get_template("organizations/dashboard.html.jinja")
        held["context"] = {
            **base_context(caller, f"/organizations/{org_id}"),
            **await dashboard_context(caller, org_id),
        }

    @get("/organizations/{org_id:int}", media_type=MediaType.HTML)
    async def dashboard(org_id: int) -> str:
        return str(held["template"].render(**held["context"]))

    return Litestar([dashboard], on_startup=[hold_context])


def spread(figures: Figures) -> float:
    """p99 over p50 (a run too short to time anything counts as no spread)."""
    return figures.p99_ms / figures.p50_ms if figures.p50_ms else 0.0


def describe(label: str, f: Figures) -> str:
    return (
        f"  {label:<14} {f.rate:9.0f} req/s   p50 {f.p50_ms:7.2f} ms   p99 {f.p99_ms:7.2f} ms "
        f"(p99/p50 {spread(f):4.1f})   timeouts {f.timeouts}   non-2xx {f.non_2xx}   socket errors: {f.socket_errors}"
    )


def timed_get(client: httpx.Client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url}: {response.status_code}")
    return elapsed


def demo_database(args: argparse.Namespace, work: str, size: int) -> str:
    """The database URL holding the demo of `size` organizations, loaded unless it is already there."""
    if args.database_url:
        url = args.database_url.replace("{size}", str(size))
    else:
        folder = Path(args.keep or work)
        folder.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{folder / f'page-{size}-{args.cycles}.sqlite'}"
    env = {**os.environ, "DATABASE_URL": url, "SCHEDULER": "off", "PYTHONPATH": str(REPO)}
    counted = subprocess.run([sys.executable, "-c", HELD_ORGANIZATIONS], env=env, cwd=REPO,
                             capture_output=True, text=True)  # fmt: skip
    if counted.returncode != 0:
        raise SystemExit(
            f"cannot read the database for {size} organizations ({url}):\n{counted.stderr.strip()}"
        )
    held = counted.stdout.strip()
    if held == str(size):
        print(f"demo with {size} organizations kept from an earlier run ({url.split(':')[0]})")
        return url
    if held != "0":
        raise SystemExit(f"the database for {size} organizations holds {held}: give an empty one")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "api.cli", "demo", "--orgs", str(size), "--cycles", str(args.cycles)],
                   env=env, cwd=REPO, check=True, capture_output=True)  # fmt: skip
    print(
        f"demo with {size} organizations loaded in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})"
    )
    return url


# How many organizations a database holds (0 when it is empty or not even migrated).
HELD_ORGANIZATIONS = """
import asyncio
from models.engine import fetch
from models.migrations import apply_migrations
async def main():
    await apply_migrations()
    print((await fetch("SELECT COUNT(*) AS n FROM organization"))[0]["n"])
asyncio.run(main())
"""


def organization_page_side_by_side(args: argparse.Namespace, work: str) -> None:
    """The dashboard against the bare endpoint, per size, then under load at the largest size."""
    medians: dict[int, tuple[float, float]] = {}
    for size in args.sizes:
        env = {
            **os.environ,
            "DATABASE_URL": demo_database(args, work, size),
            "SCHEDULER": "off",
            "PYTHONPATH": str(REPO),
            "BENCH_ORG": "1",
            "BENCH_EMAIL": f"focal.nra@{DOMAIN}",
        }
        app, app_base = start("granian", "bench.api:real_app", env)
        bare, bare_base = start("granian", "bench.pages:bare_app", env)
        try:
            signed = signed_in(app_base, "focal.nra")
            plain = httpx.Client(base_url=bare_base, timeout=120)
            ours, theirs = [], []
            for _ in range(2):  # warm-up
                timed_get(signed, "/organizations/1"), timed_get(plain, "/organizations/1")
            for _ in range(max(args.rounds, 1) * 10):
                ours.append(timed_get(signed, "/organizations/1"))
                theirs.append(timed_get(plain, "/organizations/1"))
            medians[size] = (statistics.median(ours), statistics.median(theirs))
            print(f"/organizations/1 at {size:>5} organizations: app median {medians[size][0]:6.2f} ms, "
                  f"bare median {medians[size][1]:6.2f} ms ({len(ours)} requests each, alternately)")  # fmt: skip
            if size == args.sizes[-1]:
                stop(app), stop(bare)
                cookie = {"Cookie": f"cop_session={signed.cookies['cop_session']}"}
                app, app_base = start("granian", "bench.api:real_app", env, args.workers)
                bare, bare_base = start("granian", "bench.pages:bare_app", env, args.workers)
                url, seconds, connections = "/organizations/1", args.seconds, args.connections
                # Fresh workers open their pools and fill their caches first, as bench/api.py lets them.
                wrk(app_base + url, 2, connections, cookie), wrk(bare_base + url, 2, connections, {})
                runs = [
                    wrk(app_base + url, seconds, connections, cookie),
                    wrk(bare_base + url, seconds, connections, {}),
                    wrk(bare_base + url, seconds, connections, {}),
                    wrk(app_base + url, seconds, connections, cookie),
                ]  # app, bare, bare, app: a machine that changes speed weighs on both alike
                print(f"under load at {size} organizations: wrk -c{connections} -d{seconds}s, "
                      f"{args.workers} granian worker(s) each")  # fmt: skip
                for number, (label, figures) in enumerate(
                    zip(("app", "bare", "bare", "app"), runs, strict=True)
                ):
                    print(describe(f"{label} (run {number + 1})", figures))
                app_rate = (runs[0].rate + runs[3].rate) / 2
                bare_rate = (runs[1].rate + runs[2].rate) / 2
                worst = max(spread(runs[0]), spread(runs[3]))
                timeouts = runs[0].timeouts + runs[3].timeouts
                print(f"  app/bare throughput {app_rate / max(bare_rate, 1e-9):.0%} (target >= 30%); app p99/p50 at most "
                      f"{worst:.1f} (target <= 3); app timeouts {timeouts} (target 0)")  # fmt: skip
        finally:
            stop(app), stop(bare)
    smallest, largest = args.sizes[0], args.sizes[-1]
    if largest != smallest:
        print(f"app median at {largest} / at {smallest}: {medians[largest][0] / medians[smallest][0]:.2f}x "
              "(target <= 1.5x)")  # fmt: skip


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--orgs", type=int, default=1000)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sizes", default="100,5000", help="organizations for the side-by-side page run")
    parser.add_argument("--seconds", type=int, default=8, help="length of each wrk run (at most 30)")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (at most 64)")
    parser.add_argument("--workers", type=int, default=2, help="granian workers per app under load")
    parser.add_argument("--organization-page-only", action="store_true", help="skip the table of pages")
    parser.add_argument(
        "--keep", default="", help="a directory that keeps each size's SQLite demo for the next run"
    )
    parser.add_argument(
        "--database-url", default="", help="PostgreSQL for the side-by-side part, {size} replaced by the size"
    )
    args = parser.parse_args()
    if args.quick:
        args.orgs, args.cycles, args.rounds = 20, 2, 1
        args.sizes, args.seconds, args.connections, args.workers = "20", 1, 4, 1
    args.sizes = sorted(int(size) for size in args.sizes.split(","))
    args.seconds, args.connections = min(args.seconds, 30), min(args.connections, 64)

    with tempfile.TemporaryDirectory() as work:
        if args.organization_page_only:
            organization_page_side_by_side(args, work)
            return
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{Path(work) / 'bench.sqlite'}",
            "SCHEDULER": "off",
            "BASE_URL": base,
        }
        cli = [sys.executable, "-m", "api.cli"]
        started = time.perf_counter()
        subprocess.run([*cli, "demo", "--orgs", str(args.orgs), "--cycles", str(args.cycles)], env=env, cwd=REPO,
                       check=True, capture_output=True)  # fmt: skip
        print(f"demo with {args.orgs} organizations loaded in {time.perf_counter() - started:.1f} s")
        server = subprocess.Popen(
            [*cli, "serve", "--port", str(port), "--no-scheduler"],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(600):
                try:
                    if httpx.get(f"{base}/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            open_cycle = signed_in(base, "secretariat").get("/api/cycles").json()["items"][-1]["name"]
            print(f"{'page':<52} {'role':<14} {'median ms':>10} {'KB':>7}")
            for who, paths in PAGES.items():
                client = signed_in(base, who)
                for path in paths:
                    url = path.format(open=open_cycle)
                    client.get(url)
                    timings, size = [], 0
                    for _ in range(args.rounds):
                        started = time.perf_counter()
                        response = client.get(url)
                        timings.append((time.perf_counter() - started) * 1000)
                        size = len(response.content)
                        if response.status_code != 200:
                            raise SystemExit(f"{url} as {who}: {response.status_code}")
                    print(f"{url:<52} {who:<14} {statistics.median(timings):>10.1f} {size / 1024:>7.1f}")
        finally:
            server.terminate()
            server.wait()
        organization_page_side_by_side(args, work)


if __name__ == "__main__":
    main()
