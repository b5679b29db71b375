"""Every script in bench/ runs, in its quick mode: tiny sizes, one-second runs, no figure judged.

A benchmark that only exists rots; this proves each one still starts, loads its data, drives the
app and prints its figures. New scripts are picked up by name, so each must accept `--quick`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = sorted(p for p in (REPO / "bench").glob("*.py") if not p.name.startswith("_"))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.real_clock,  # its servers run on the real clock
    # The scripts make their own SQLite databases whatever DATABASE_URL says: one run proves them.
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="bench scripts run once, on SQLite"
    ),
]


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_the_bench_script_runs_in_quick_mode(script: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(script), "--quick"], capture_output=True, text=True, cwd=REPO, timeout=600
    )
    output = out.stdout + out.stderr
    assert out.returncode == 0, output[-4000:]
    assert "Traceback" not in output, output[-4000:]
    assert out.stdout.strip(), "the script printed no figures"
