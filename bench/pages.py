"""Benchmark: how long the pages take to render with a thousand organizations.

    python bench/pages.py [--orgs 1000] [--cycles 3] [--rounds 5]

Loads the demo into a temporary SQLite file (`cop-tracker demo`), then serves the real app with
`cop-tracker serve` on a loopback port and times each page as each role over HTTP (the median of
`--rounds` requests after one warm-up). Lists that grow (organizations, people, a cycle's reporting
overview, evidence, the outbox) are paginated, so their pages should stay flat as organizations are
added. Prints figures only; it never fails a build.
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

import httpx

REPO = Path(__file__).resolve().parent.parent
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=1000)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes and one-second runs: proves the script runs; its figures mean nothing",
    )
    args = parser.parse_args()
    if args.quick:
        args.orgs, args.cycles, args.rounds = 20, 2, 1

    with tempfile.TemporaryDirectory() as work:
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


if __name__ == "__main__":
    main()
