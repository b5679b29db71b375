"""Benchmark: importing a large action matrix (xlsx), as a dry run, for real, and again (unchanged).

    python bench/import.py [--rows 5000] [--orgs 17] [--format xlsx|csv] [--quick] [--keep DIR]

A temporary SQLite file is migrated and given `--orgs` organizations; a matrix with the IASC
columns is generated (titles, comments, free-text timeframes in English and French, leads naming
one or two organizations, an unknown column), then `cop-tracker import` runs three times, each in
its own process, timed from start to exit (what a person at a terminal waits): `--dry-run`, the real
import, and the same file again (every row unchanged). Target: under 5 s each for 5,000 rows.
Prints figures only; it never fails a build.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEADERS = (
    "Recommendation",
    "Follow Up Action",
    "Comments",
    "Component actions (with timeframe)",
    "Lead",
    "Area",
)
TIMEFRAMES = (
    "1st draft by 24 February, endorsement by 31 March",
    "End of 2027",
    "(by end of April 2027)",
    "in March/April 2027",
    "after WHS",
    "post 90th WG meeting",
    "include in semi-annual reporting",
    "d'ici fin mars 2027",
    "T2 2027",
    "Q3 2027",
    "mid-2027",
    "1er trimestre 2027",
    "31/03/2027",
    "2027-03-31",
    "",
)
ACTIONS = (
    "Adopt a protection policy annex",
    "Train country staff on protection",
    "Report on protection through the annual report",
    "Allocate a budget line for protection advisers",
    "Name a senior champion at deputy level",
)
AREAS = ("policy", "capacity", "reporting", "budget", "champion")


def matrix_rows(count: int, acronyms: list[str], seed: int = 7) -> list[tuple[str, ...]]:
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        lead = rng.choice(acronyms)
        if n % 7 == 0:
            lead = f"{lead} + {rng.choice(acronyms)}"
        rows.append(
            (
                f"R{n // 10 + 1}",
                f"{rng.choice(ACTIONS)} ({n + 1})",
                "Follow-up of the 2024 workshop" if n % 3 == 0 else "",
                rng.choice(TIMEFRAMES),
                lead,
                AREAS[n % len(AREAS)],
            )
        )
    return rows


def write_matrix(path: Path, rows: list[tuple[str, ...]], fmt: str) -> None:
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        writer.writerow(HEADERS)
        writer.writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8-sig")
        return
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Matrix")
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)


def cop_tracker(env: dict[str, str], *args: str) -> tuple[float, float, str]:
    """Run the command; (wall seconds, the child's own CPU seconds, its stdout). On a shared,
    loaded machine the CPU time is the steadier figure; the wall time is what a person waits."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", *args], env=env, cwd=REPO, stdout=out, stderr=err
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status):
            sys.stderr.write(err.read().decode())
            raise SystemExit(f"step failed: cop-tracker {' '.join(args[:3])} ...")
        return seconds, usage.ru_utime + usage.ru_stime, out.read().decode().strip()


ORGS_SCRIPT = r"""
import asyncio, sys
from models.tables import Organization
async def main():
    for n in range(int(sys.argv[1])):
        await Organization(name=f"Bench organization {n}", acronym=f"B{n:02d}", org_type="ngo").save()
asyncio.run(main())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--orgs", type=int, default=17)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (50 rows), to prove the script runs")
    parser.add_argument("--keep", default=None, help="keep the database and the matrix in this directory")
    args = parser.parse_args()
    rows = 50 if args.quick else args.rows
    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="cop-bench-import-"))
    workdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite'}", "SCHEDULER": "off"}
    try:
        cop_tracker(env, "migrate")
        subprocess.run([sys.executable, "-c", ORGS_SCRIPT, str(args.orgs)], env=env, cwd=REPO, check=True)
        matrix = workdir / f"matrix.{args.format}"
        started = time.perf_counter()
        write_matrix(matrix, matrix_rows(rows, [f"B{n:02d}" for n in range(args.orgs)]), args.format)
        made = time.perf_counter() - started
        print(
            f"matrix: {rows:,} rows, {matrix.stat().st_size / 1024:,.0f} kB {args.format} (written in {made:.2f} s)"
        )
        base = ("import", str(matrix), "--reference-date", "2026-12-01")
        for label, extra in (("dry run", ("--dry-run",)), ("real import", ()), ("again (unchanged)", ())):
            seconds, cpu, summary = cop_tracker(env, *base, *extra)
            verdict = "under" if seconds < 5 else "OVER"
            print(
                f"{label:>18}: {seconds:6.2f} s wall ({verdict} the 5 s target), {cpu:5.2f} s CPU  {summary}"
            )
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
