"""Benchmark: scoring a whole cycle, and the scorecard JSON under load next to a bare endpoint.

    python bench/scorecards.py [--orgs 2000] [--cycles 6] [--seconds 5] [--connections 16] [--workers N]
                               [--database-url postgresql://.../EMPTY_DB]

Steps:
1. `cop-tracker demo --orgs N --cycles C` into a temporary SQLite file (five areas, about ten
   commitments per organization, five milestones per commitment);
2. in a process of its own (so its peak memory is the scoring's alone): every organization's
   scorecard of the latest published cycle, live, as the secretariat's comparison computes it: the
   SQL reads (latest claim per group selected in SQL), the engine, and peer positions. Target: under
   2 seconds. Prints the best and the median of a few runs, Python's peak allocations (tracemalloc)
   and the process's max RSS;
3. under load with wrk (loopback only, bounded by --seconds and --connections): the donor's
   organization scorecard and the donor's comparison from the real app (`cop-tracker serve`, signed
   in, access table, snapshot check), next to a bare Litestar app serving the same payloads from
   memory, both under granian with --workers processes (default: one per CPU, as `serve` runs),
   measured in the same run. Target: at least 50%. The app's own signed-in floor (`/api/auth/me`:
   session lookup, access table and the caller's account as it answers, no scorecard) is printed
   too, since no signed-in endpoint can be much faster than it;
4. the organization page's template rendered from the Structs the page uses, and from the same data
   as plain dictionaries.
Prints figures only; it never fails a build.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(
    0, str(REPO)
)  # bench._common resolves alike when run as a script and when a server imports this module

from bench._common import add_database_url, bench_parser  # noqa: E402

WRK = "/usr/bin/wrk"
DONOR = "donor@demo.cop-tracker.example"

SCORING = r"""
import asyncio, datetime as dt, json, resource, statistics, sys, time, tracemalloc

async def main():
    from models import clock
    from models.engine import current_engine
    from scorecards.engine import score_cycle
    from scorecards.loader import load_cycles, load_inputs
    from scorecards.positions import comparison_frame

    engine = current_engine()
    if engine.engine_type == "postgres":
        await engine.start_connection_pool()
    cycles = await load_cycles()
    cycle = cycles[-2].name  # the latest published cycle (the last one is open)
    today = clock.today()
    runs = []
    for round_ in range(4):
        if round_ == 3:
            tracemalloc.start()
        started = time.perf_counter()
        inputs = await load_inputs(cycle, today)
        read = time.perf_counter()
        scores = score_cycle(inputs)
        scored = time.perf_counter()
        frame = comparison_frame(scores, list(inputs.areas["key"]))
        done = time.perf_counter()
        runs.append((done - started, read - started, scored - read, done - scored))
    peak = tracemalloc.get_traced_memory()[1]
    totals = [r[0] for r in runs[:3]]
    best = min(runs[:3])
    print(json.dumps({
        "cycle": cycle, "organizations": len(frame), "best": best[0], "median": statistics.median(totals),
        "read": best[1], "engine": best[2], "positions": best[3], "traced_peak_mb": peak / 2**20,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))

asyncio.run(main())
"""

BARE = r"""
import json, os
from litestar import Litestar, get

payloads = json.load(open(os.environ["BENCH_PAYLOADS"]))

@get("/api/organizations/{org_id:int}/scorecards/{cycle:str}")
async def card(org_id: int, cycle: str) -> dict:
    return payloads["card"]

@get("/api/scorecards/{cycle:str}")
async def comparison(cycle: str) -> dict:
    return payloads["comparison"]

app = Litestar([card, comparison])
"""

TEMPLATES = r"""
import asyncio, datetime as dt, json, sys, time
import msgspec

async def main():
    from models.engine import current_engine
    from scorecards.cards import scorecard_read
    from scorecards.loader import load_cycles
    from scorecards.wording import AUDIENCE_NOTES, CHANGE_WORDS, LEVEL_MEANINGS

    engine = current_engine()
    if engine.engine_type == "postgres":
        await engine.start_connection_pool()
    cycle = (await load_cycles())[-2].name
    card = await scorecard_read(1, cycle, "donor")
    from api.pages.render import base_context
    from models.caller import ANONYMOUS
    from models.words import template_environment

    template = template_environment().get_template("scorecards/organization.html.jinja")
    def context(card):
        comments = {}
        for c in (card.comments if hasattr(card, "comments") else card["comments"]):
            comments.setdefault(c.area if hasattr(c, "area") else c["area"], []).append(c)
        # What every page reads (labels, levels, navigation) comes from the pages' own base context,
        # so the bench renders what the page renders when that grows.
        return dict(base_context(ANONYMOUS, ""), card=card, audience="donor", audiences=["donor"],
                    audience_note=AUDIENCE_NOTES["donor"], comments=comments, change_words=CHANGE_WORDS,
                    level_meanings=LEVEL_MEANINGS, levels_chart="", history_chart="")
    as_dicts = msgspec.to_builtins(card)
    figures = {}
    for name, value in (("structs", card), ("dictionaries", as_dicts)):
        ctx = context(value)
        template.render(**ctx)
        rounds = 300
        started = time.perf_counter()
        for _ in range(rounds):
            template.render(**ctx)
        figures[name] = (time.perf_counter() - started) / rounds * 1000
    print(json.dumps(figures))

asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(base: str) -> None:
    for _ in range(1200):
        try:
            httpx.get(base + "/", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"{base} did not start")


def run_json(script: str, env: dict[str, str]) -> dict:
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=REPO, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> tuple[float, str]:
    """Requests per second and the 99th percentile latency, from a bounded wrk run on loopback."""
    if not url.startswith("http://127.0.0.1:"):
        raise SystemExit("wrk runs against loopback only")
    args = [WRK, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, timeout=seconds + 30).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+(\S+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if rate is None or errors:
        raise SystemExit(f"wrk failed or got errors:\n{out}")
    return float(rate.group(1)), p99.group(1) if p99 else "?"


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--orgs", type=int, default=2000)
    parser.add_argument("--cycles", type=int, default=6)
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run (at most 30)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (at most 64)")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="worker processes per app (default: CPUs)"
    )
    add_database_url(parser)
    args = parser.parse_args()
    if args.quick:
        args.orgs, args.cycles, args.seconds, args.connections, args.workers = 20, 2, 1, 4, 1
    seconds, connections = min(args.seconds, 30), min(args.connections, 64)
    if not Path(WRK).exists() or shutil.which(WRK) is None:
        raise SystemExit(f"{WRK} is missing")

    with tempfile.TemporaryDirectory() as work:
        database_url = args.database_url or f"sqlite:///{Path(work) / 'bench.sqlite'}"
        env = {**os.environ, "DATABASE_URL": database_url, "SCHEDULER": "off"}
        print(f"database: {database_url.split('://')[0]}")
        cli = [sys.executable, "-m", "api.cli"]
        started = time.perf_counter()
        subprocess.run([*cli, "demo", "--orgs", str(args.orgs), "--cycles", str(args.cycles)],
                       env=env, cwd=REPO, check=True, capture_output=True)  # fmt: skip
        print(
            f"demo: {args.orgs} organizations, {args.cycles} cycles, loaded in {time.perf_counter() - started:.1f} s"
        )

        s = run_json(SCORING, env)
        print(
            f"scoring all {s['organizations']} scorecards of {s['cycle']}: best {s['best']:.3f} s, "
            f"median {s['median']:.3f} s (SQL reads {s['read']:.3f} s, engine {s['engine']:.3f} s, "
            f"positions {s['positions']:.3f} s); target < 2 s"
        )
        print(
            f"  peak Python allocations {s['traced_peak_mb']:.1f} MB; process max RSS {s['max_rss_mb']:.1f} MB"
        )

        port, bare_port = free_port(), free_port()
        base, bare = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
        server = subprocess.Popen([*cli, "serve", "--port", str(port), "--no-scheduler", "--workers", str(args.workers)],
                                  env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        bare_server = None
        try:
            wait_until_up(base)
            login = httpx.post(f"{base}/api/auth/login", json={"email": DONOR, "password": "demo-password"})
            headers = {"Cookie": f"cop_session={login.cookies['cop_session']}"}
            paths = {
                "card": f"/api/organizations/1/scorecards/{s['cycle']}",
                "comparison": f"/api/scorecards/{s['cycle']}",
            }
            payloads = {}
            for name, path in paths.items():
                response = httpx.get(base + path, headers=headers, timeout=60)
                response.raise_for_status()
                payloads[name] = response.json()
            payload_file = Path(work) / "payloads.json"
            payload_file.write_text(json.dumps(payloads))
            (Path(work) / "bare_scorecards.py").write_text(BARE)
            bare_server = subprocess.Popen(
                [sys.executable, "-m", "granian", "--interface", "asgi", "--loop", "uvloop",
                 "--workers", str(args.workers), "--host", "127.0.0.1", "--port", str(bare_port),
                 "--log-level", "warning", "--working-dir", work, "bare_scorecards:app"],
                env={**env, "BENCH_PAYLOADS": str(payload_file)}, cwd=REPO,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            wait_until_up(bare)
            print(
                f"under load: wrk, {connections} connections, {seconds} s each; both apps under granian "
                f"with {args.workers} worker(s), as `cop-tracker serve` runs"
            )
            signed_in_floor, floor_p99 = wrk(base + "/api/auth/me", seconds, connections, headers)
            print(
                f"  the app's signed-in floor (GET /api/auth/me): {signed_in_floor:.0f} req/s (p99 {floor_p99})"
            )
            for name, path in paths.items():
                size = len(json.dumps(payloads[name])) / 1024
                # app, bare, bare, app: a machine that speeds up or slows down during the run
                # weighs on both sides alike.
                ours1, _ = wrk(base + path, seconds, connections, headers)
                floor1, floor_p99 = wrk(bare + path, seconds, connections, {})
                floor2, _ = wrk(bare + path, seconds, connections, {})
                ours2, ours_p99 = wrk(base + path, seconds, connections, headers)
                ours, floor = (ours1 + ours2) / 2, (floor1 + floor2) / 2
                print(
                    f"  {name:<11} ({size:7.1f} KB): app {ours:8.0f} req/s (p99 {ours_p99}), bare {floor:8.0f} "
                    f"req/s (p99 {floor_p99}): {ours / floor:.0%} of bare; target >= 50%"
                )
        finally:
            for process in (server, bare_server):
                if process is not None:
                    process.terminate()
                    process.wait()

        t = run_json(TEMPLATES, env)
        print(
            f"organization page template: {t['structs']:.2f} ms from Structs, "
            f"{t['dictionaries']:.2f} ms from dictionaries"
        )


if __name__ == "__main__":
    main()
