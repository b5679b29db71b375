"""What every bench script shares: its command line starts here (not a script: tests skip `_` names)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def bench_parser(doc: str) -> argparse.ArgumentParser:
    """The script's parser, its description the docstring's first line, with the `--quick` flag
    every script takes (tests/test_bench_scripts.py runs each one that way)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes and one-second runs: proves the script runs; its figures mean nothing",
    )
    return parser


def add_database_url(parser: argparse.ArgumentParser) -> None:
    """`--database-url`: the EMPTY PostgreSQL database a script loads its demo into (default: SQLite)."""
    parser.add_argument(
        "--database-url",
        default="",
        help="an EMPTY PostgreSQL database to run on (default: a temporary SQLite file)",
    )


def demo_environment(database_url: str, **extra: str) -> dict[str, str]:
    """The environment every bench command runs in: the bench's database, no scheduler (a bench
    measures requests, not reminders), the repository importable, and a production-length key."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SCHEDULER": "off",
        "PYTHONPATH": str(REPO),
        "SECRET_KEY": "benchmark-secret-" + "k" * 40,
        **extra,
    }


def load_demo(env: dict[str, str], orgs: int, *more: str) -> float:
    """`cop-tracker demo --orgs N [more...]` into the environment's database: seconds it took."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "api.cli", "demo", "--orgs", str(orgs), *more],
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started
