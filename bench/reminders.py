"""Benchmark: the daily timeline check over a large demo (about 100,000 milestones at 2000 orgs).

    python bench/reminders.py [--orgs 2000] [--database-url postgresql://...] [--keep DIR]

Steps:
1. `cop-tracker demo --orgs N --date 2026-11-22` into a temporary SQLite file (or the given
   PostgreSQL database, which must be empty);
2. the check as the scheduler runs it on the anchor day (05:00 UTC): the first run queues the
   demo's whole backlog of reminders;
3. the same check again on the same day: it must read only what is due, i.e. almost nothing;
4. the check of the next day: the steady state.

For each run: wall seconds, CPU seconds of this process (the database work of SQLite included),
rows read per table, and reminders queued to go at once or held for a digest (daily or weekly
emails that gather them). Target: under 3 s on SQLite for a run, and the second run
of a day reading only what is due. Prints figures only; it never fails a build.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(
    0, str(REPO)
)  # bench._common resolves alike when run as a script and when a server imports this module

from bench._common import bench_parser  # noqa: E402

ANCHOR = dt.date(2026, 11, 22)


def load_demo(orgs: int, env: dict[str, str]) -> str:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "api.cli", "demo", "--orgs", str(orgs), "--date", ANCHOR.isoformat()],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        sys.stderr.write(out.stderr)
        raise SystemExit("loading the demo failed")
    first_line = out.stdout.splitlines()[0]
    return f"{first_line} ({time.perf_counter() - started:.1f} s)"


async def measure(label: str, when: dt.datetime) -> None:
    from models.settings import Settings
    from reminders.check import run_check

    settings = Settings.from_env()
    wall, cpu = time.perf_counter(), time.process_time()
    result = await run_check(settings, now=when)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rows = ", ".join(f"{table} {count}" for table, count in sorted(result.rows_read.items()))
    print(
        f"{label:<26} {wall:6.2f} s wall {cpu:6.2f} s cpu   rows read {result.rows_read_total:>7}   "
        f"queued {result.queued:>6}   held for a digest {result.held:>6}   "
        f"milestones moved on {result.milestones_updated:>6}"
    )
    print(f"{'':<26} rows read by table: {rows}")


async def run_checks() -> None:
    from models.engine import current_engine, fetch

    engine = current_engine()
    if engine.engine_type == "postgres":
        await engine.start_connection_pool(min_size=1, max_size=4)
    try:
        total = (await fetch("SELECT COUNT(*) AS n FROM milestone"))[0]["n"]
        print(f"milestones in the database: {total}")
        at = dt.datetime.combine(ANCHOR, dt.time(5, 0), tzinfo=dt.UTC)
        await measure("first check of the day", at)
        await measure("second check, same day", at + dt.timedelta(hours=1))
        await measure("check of the next day", at + dt.timedelta(days=1))
    finally:
        if engine.engine_type == "postgres":
            await engine.close_connection_pool()


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--orgs", type=int, default=2000)
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--keep", default=None, help="keep the SQLite file in this directory")
    args = parser.parse_args()
    if args.quick:
        args.orgs = 20

    workdir = Path(args.keep or tempfile.mkdtemp(prefix="cop-bench-reminders-"))
    workdir.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite'}"
    env = {**os.environ, "DATABASE_URL": url, "SCHEDULER": "off"}
    try:
        print(f"engine: {'PostgreSQL' if url.startswith('postgres') else 'SQLite'}; demo --orgs {args.orgs}")
        print(load_demo(args.orgs, env))
        os.environ["DATABASE_URL"] = url  # before the engine is first imported
        sys.path.insert(0, str(REPO))
        asyncio.run(run_checks())
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
