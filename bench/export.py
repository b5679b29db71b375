"""Benchmark: the donor comparison workbook for a large demo, next to a floor measured in the same run.

    python bench/export.py [--orgs 2000] [--cycles 6] [--keep DIR] [--database-url postgresql://.../EMPTY_DB]

Steps, each in its own process so that peak memory (the process's maximum resident set size, as
the kernel counts it: imports, data and the writer alike, not a tracemalloc figure) is that step's
alone:
1. `cop-tracker demo --orgs N --cycles C` into a temporary SQLite file (or the EMPTY PostgreSQL
   database given);
2. `cop-tracker export --audience donor --format xlsx` for the latest published cycle, with the time
   spent reading and scoring vs writing the workbook reported by the export itself;
3. the floor: openpyxl write-only mode writing the same number of plain cells (same sheets, rows and
   columns, short text and numbers), no styles, no formats, no chart.

Each measurement runs `--repeat` times, alternating, and the fastest run of each is compared (the
figures move with the machine's load). Targets: within 2x of the floor, peak memory under 150 MB.
Prints figures only; it never fails a build.
"""

from __future__ import annotations

import json
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

MB = 1024 * 1024


def run_measured(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a child process; return (wall seconds, its own peak RSS in MB, its stdout)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(args, env=env, cwd=REPO, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(process.pid, 0)  # wait4 gives this child's rusage alone
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode:
            sys.stderr.write(err.read().decode())
            raise SystemExit(f"step failed: {' '.join(args[:4])} ...")
        return seconds, usage.ru_maxrss * 1024 / MB, out.read().decode()


FLOOR_SCRIPT = r"""
import json, sys, time
from openpyxl import Workbook
shape = json.loads(sys.argv[1])
started = time.perf_counter()
wb = Workbook(write_only=True)
for title, rows, cols in shape:
    ws = wb.create_sheet(title=title)
    for r in range(rows):
        ws.append([("text %d" % c) if c % 2 == 0 else r * 0.5 + c for c in range(cols)])
wb.save(sys.argv[2])
print(json.dumps({"write_seconds": time.perf_counter() - started}))
"""

EXPORT_SCRIPT = r"""
import asyncio, json, sys
from scorecards.commands import export_timed, peak_memory_mb
imports = peak_memory_mb()
result = asyncio.run(export_timed(sys.argv[1], sys.argv[2]))
print(json.dumps({**result, "import_peak_mb": imports}))
"""


def workbook_shape(path: Path) -> list[tuple[str, int, int]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    shape = []
    for ws in wb.worksheets:
        ws.reset_dimensions()
        rows = cols = 0
        for row in ws.iter_rows(values_only=True):
            rows += 1
            cols = max(cols, len(row))
        shape.append((ws.title, rows, cols))
    wb.close()
    return shape


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--orgs", type=int, default=2000)
    parser.add_argument("--cycles", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (best is kept)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the files in this directory")
    parser.add_argument(
        "--database-url", default="", help="an EMPTY PostgreSQL database (default: a temporary SQLite file)"
    )
    args = parser.parse_args()
    if args.quick:
        args.orgs, args.cycles, args.repeat = 20, 2, 1

    work = Path(tempfile.mkdtemp(prefix="cop-bench-"))
    try:
        database = work / "bench.sqlite"
        database_url = args.database_url or f"sqlite:///{database}"
        env = {**os.environ, "DATABASE_URL": database_url, "SCHEDULER": "off"}
        seconds, _peak, _ = run_measured(
            [sys.executable, "-m", "api.cli", "demo", "--orgs", str(args.orgs), "--cycles", str(args.cycles)],
            env,
        )
        print(
            f"database: {database_url.split(':')[0]}; demo --orgs {args.orgs} --cycles {args.cycles}: {seconds:.1f} s"
        )

        workbook = work / "donor.xlsx"
        floor_file = work / "floor.xlsx"
        exports: list[tuple[float, float, dict[str, float]]] = []
        floors: list[tuple[float, float, dict[str, float]]] = []
        shape: list[tuple[str, int, int]] = []
        for _ in range(args.repeat):  # alternate, so both see the same machine load
            seconds, peak, out = run_measured(
                [sys.executable, "-c", EXPORT_SCRIPT, str(workbook), "donor"], env
            )
            exports.append((seconds, peak, json.loads(out.strip().splitlines()[-1])))
            shape = shape or workbook_shape(workbook)
            seconds, peak, out = run_measured(
                [sys.executable, "-c", FLOOR_SCRIPT, json.dumps(shape), str(floor_file)], env
            )
            floors.append((seconds, peak, json.loads(out.strip().splitlines()[-1])))
        cells = sum(rows * cols for _t, rows, cols in shape)
        seconds, peak, export = min(exports, key=lambda run: run[0])
        floor_seconds, floor_peak, floor = min(floors, key=lambda run: run[0])
        peak = max(run[1] for run in exports)

        print(f"donor workbook for {export['cycle']}: {export['organizations']} organizations, {cells} cells")
        for title, rows, cols in shape:
            print(f"  {title:<20} {rows:>7} rows x {cols:>2} columns")
        print(f"best of {args.repeat} runs each (peak memory: the largest of the runs)")
        print(
            f"export (process):   {seconds:6.2f} s   peak {peak:6.1f} MB   "
            f"(read Summary, trend, expectations {export['load_seconds']:.2f} s; write, reading "
            f"commitments and milestones in batches, {export['write_seconds']:.2f} s; "
            f"{workbook.stat().st_size / MB:.1f} MB file)"
        )
        print(
            f"floor (process):    {floor_seconds:6.2f} s   peak {floor_peak:6.1f} MB   "
            f"(write {floor['write_seconds']:.2f} s, {floor_file.stat().st_size / MB:.1f} MB file)"
        )
        print(
            f"export vs floor: {seconds / floor_seconds:.2f}x whole process, "
            f"{export['write_seconds'] / floor['write_seconds']:.2f}x writing (target within 2x)"
        )
        print(
            f"export peak memory: {peak:.1f} MB (target under 150 MB): {export['import_peak_mb']:.1f} MB "
            f"after imports, {export['read_peak_mb']:.1f} MB after reading the Summary, trend and "
            "expectations"
        )
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for path in (workbook, floor_file, *([] if args.database_url else [database])):
                shutil.copy(path, args.keep / path.name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
