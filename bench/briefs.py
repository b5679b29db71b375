"""Benchmark: the cycle report and the champion's brief as PDFs, for a demo of 200 organizations.

    python bench/briefs.py [--orgs 200] [--org NRA] [--repeat 2] [--keep DIR]
                           [--database-url postgresql://.../EMPTY_DB]

Steps:
1. `cop-tracker demo --orgs N` into a temporary SQLite file (or into the EMPTY database given);
2. for the donor and the internal audience, alternating, `--repeat` times, each run in a process of
   its own: the cycle report of the latest published cycle (system-wide figures, then a page per
   organization), then the champion's brief of one organization twice: the first brief of a
   process pays for the fonts and templates, as `cop-tracker brief` does; the second is what a
   running server pays. Each is timed in wall seconds and in the process's CPU seconds (all its
   threads): on a loaded machine the wall figure grows with the load, the CPU one much less. On
   PostgreSQL the database's own CPU is not counted.
3. pages are counted in the written files by `pdfinfo` (poppler) when it is installed, else by
   pypdf when it is importable, else as WeasyPrint laid them out (the line says which).

Targets: the report under 20 s, the brief under 2 s. The best run of each is printed. Prints
figures only; it never fails a build.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # bench._common resolves alike from any working directory

from bench._common import add_database_url, bench_parser, demo_environment, load_demo  # noqa: E402

AUDIENCES = ("donor", "internal")
REPORT_TARGET, BRIEF_TARGET = 20.0, 2.0

MEASURE = r"""
import asyncio, json, sys, time

async def main():
    cycle, acronym, audience, folder = sys.argv[1:5]
    from models import clock
    from models.engine import current_engine, fetch
    from scorecards.brief import brief_pdf, load_weasyprint, report_pdf

    engine = current_engine()
    if engine.engine_type == "postgres":
        await engine.start_connection_pool()
    load_weasyprint()
    org = (await fetch("SELECT id FROM organization WHERE acronym = {}", acronym))[0]["id"]
    today = clock.today()
    steps = [
        ("report", lambda: report_pdf(cycle, audience, today)),
        ("brief", lambda: brief_pdf(org, cycle, audience, today)),
        ("brief_again", lambda: brief_pdf(org, cycle, audience, today)),
    ]
    figures = {}
    for name, make in steps:
        wall, cpu = time.perf_counter(), time.process_time()
        pdf = await make()
        figures[name] = {
            "wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "pages": pdf.pages,
            "kb": len(pdf.content) / 1024, "file": f"{folder}/{name}-{audience}.pdf",
        }
        with open(figures[name]["file"], "wb") as out:
            out.write(pdf.content)
    print(json.dumps(figures))

asyncio.run(main())
"""


def run_json(script: str, env: dict[str, str], *args: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", script, *args], env=env, cwd=REPO, capture_output=True, text=True
    )
    if result.returncode:
        raise SystemExit(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def counted_pages(path: str, laid_out: int) -> tuple[int, str]:
    """The file's page count and who counted it."""
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
        found = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
        if found:
            return int(found.group(1)), "pdfinfo"
    try:
        from pypdf import PdfReader
    except ImportError:
        return laid_out, "WeasyPrint's layout"
    return len(PdfReader(path).pages), "pypdf"


def latest_published_cycle(env: dict[str, str]) -> str:
    script = (
        "import asyncio, json\n"
        "from models.engine import current_engine\n"
        "from scorecards.commands import latest_published_cycle\n"
        "async def main():\n"
        "    if current_engine().engine_type == 'postgres':\n"
        "        await current_engine().start_connection_pool()\n"
        "    print(json.dumps({'cycle': await latest_published_cycle()}))\n"
        "asyncio.run(main())\n"
    )
    return str(run_json(script, env)["cycle"])


def line(label: str, runs: list[dict], target: float) -> str:
    best = min(runs, key=lambda run: run["wall"])
    pages, counter = counted_pages(best["file"], best["pages"])
    wall, cpu = ("met" if best[kind] < target else "MISSED" for kind in ("wall", "cpu"))
    return (
        f"  {label:<34} {best['wall']:6.2f} s wall, {best['cpu']:6.2f} s CPU  (target < {target:.0f} s: "
        f"wall {wall}, CPU {cpu})  {pages} page(s) by {counter}, {best['kb']:.0f} KB"
    )


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--orgs", type=int, default=200)
    parser.add_argument("--org", default="NRA", help="acronym of the organization whose brief is timed")
    parser.add_argument("--repeat", type=int, default=2, help="runs per audience (the best is printed)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the PDFs in this directory")
    add_database_url(parser)
    args = parser.parse_args()
    if args.quick:
        args.orgs, args.repeat = 14, 1

    with tempfile.TemporaryDirectory(prefix="cop-bench-") as work:
        database_url = args.database_url or f"sqlite:///{Path(work) / 'bench.sqlite'}"
        env = demo_environment(database_url)
        print(f"database: {database_url.split('://')[0]}")
        print(f"demo --orgs {args.orgs}: loaded in {load_demo(env, args.orgs):.1f} s")
        cycle = latest_published_cycle(env)

        runs: dict[str, list[dict]] = {audience: [] for audience in AUDIENCES}
        for _ in range(args.repeat):
            for audience in AUDIENCES:  # alternate, so both audiences see the same machine load
                runs[audience].append(run_json(MEASURE, env, cycle, args.org, audience, work))
        print(f"cycle {cycle}, best of {args.repeat} run(s) per audience, each in a fresh process:")
        for audience in AUDIENCES:
            print(line(f"{audience} cycle report", [run["report"] for run in runs[audience]], REPORT_TARGET))
            print(
                line(
                    f"{audience} brief of {args.org}", [run["brief"] for run in runs[audience]], BRIEF_TARGET
                )
            )
            print(
                line(
                    f"{audience} brief, second in process",
                    [run["brief_again"] for run in runs[audience]],
                    BRIEF_TARGET,
                )
            )
        load = os.getloadavg()[0]
        print(f"load average while measuring: {load:.1f} on {os.cpu_count()} CPU(s)")
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for pdf in Path(work).glob("*.pdf"):
                shutil.copy(pdf, args.keep / pdf.name)


if __name__ == "__main__":
    main()
