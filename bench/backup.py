"""Benchmark: `cop-tracker backup` and `cop-tracker restore` of a large demo.

    python bench/backup.py [--orgs 2000] [--cycles 3] [--postgres URL] [--quick]

Steps, each a real `cop-tracker` process: `demo --orgs N` into a fresh database, `backup FILE`, then
`restore FILE` into a second, empty database. SQLite always (temporary files); PostgreSQL too when
`--postgres postgresql://.../NAME` is given: it creates (and drops afterwards) the databases
NAME_bench_source and NAME_bench_restored next to NAME. `--quick` uses a tiny demo (seconds).

Prints, per engine: the database's rows, the backup file's size, and for each command the wall time
of the whole process and the time the command itself reports (without Python's start-up).
Prints figures only; it never fails a build.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REPORTED = re.compile(
    r"(?P<tables>\d+) tables, (?P<rows>\d+) rows, (?:\d+ files?, )?(?P<mb>[\d.]+) MB in (?P<seconds>[\d.]+) s"
)


def cop_tracker(url: str, *args: str) -> tuple[float, str]:
    """Run one command against `url`; (wall seconds, its stdout)."""
    env = {**os.environ, "DATABASE_URL": url, "SCHEDULER": "off"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", *args], env=env, cwd=REPO, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"step failed: cop-tracker {' '.join(args)}")
    return seconds, done.stdout


def measure(engine: str, source: str, restored: str, backup: Path, orgs: int, cycles: int) -> None:
    demo_seconds, _ = cop_tracker(source, "demo", "--orgs", str(orgs), "--cycles", str(cycles))
    backup_wall, out = cop_tracker(source, "backup", str(backup))
    made = REPORTED.search(out)
    restore_wall, out = cop_tracker(restored, "restore", str(backup))
    back = REPORTED.search(out)
    assert made and back, out
    print(
        f"{engine:<10} demo --orgs {orgs} --cycles {cycles}: {demo_seconds:.1f} s to load; "
        f"{made['tables']} tables, {int(made['rows']):,} rows; backup file {made['mb']} MB"
    )
    print(f"{'':<10} backup   {made['seconds']:>6} s reported, {backup_wall:6.1f} s wall")
    print(f"{'':<10} restore  {back['seconds']:>6} s reported, {restore_wall:6.1f} s wall (checks included)")


async def _postgres(url: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=2000)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--postgres", default=None, metavar="URL", help="also measure PostgreSQL")
    parser.add_argument("--quick", action="store_true", help="a tiny demo: proves the script runs")
    args = parser.parse_args()
    orgs, cycles = (14, 2) if args.quick else (args.orgs, args.cycles)

    with tempfile.TemporaryDirectory(prefix="cop-bench-backup-") as work:
        folder = Path(work)
        measure(
            "SQLite",
            f"sqlite:///{folder / 'source.sqlite'}",
            f"sqlite:///{folder / 'restored.sqlite'}",
            folder / "sqlite.cop-backup",
            orgs,
            cycles,
        )
        if args.postgres:
            base, name = args.postgres.rsplit("/", 1)
            names = [f"{name}_bench_source", f"{name}_bench_restored"]
            drop = [f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in names]
            asyncio.run(_postgres(args.postgres, *drop, *(f'CREATE DATABASE "{n}"' for n in names)))
            try:
                measure(
                    "PostgreSQL",
                    f"{base}/{names[0]}",
                    f"{base}/{names[1]}",
                    folder / "postgres.cop-backup",
                    orgs,
                    cycles,
                )
            finally:
                asyncio.run(_postgres(args.postgres, *drop))


if __name__ == "__main__":
    main()
