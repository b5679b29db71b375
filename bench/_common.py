"""What every bench script shares: its command line starts here (not a script: tests skip `_` names)."""

from __future__ import annotations

import argparse


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
