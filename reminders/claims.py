"""Who holds a claim on outbox rows, and whether that sender is still running.

A claim names its sender as `host:pid:start:nonce`: the host, the process id, the process's start
time (from /proc, so a process id reused by a later process is not mistaken for the sender) and a
random nonce per delivery run. A sender on this host whose process no longer runs (or is a zombie
left by a kill) has stopped for good, and its claims can be taken back at once instead of waiting
for their lease to run out. A sender on another host cannot be checked from here: its lease decides.
"""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

NO_START = "-"


def this_host() -> str:
    return socket.gethostname()[:30]


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name, or None when unreadable."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()


def process_start(pid: int) -> str:
    """The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat)."""
    fields = _stat_fields(pid)
    return fields[19] if fields and len(fields) > 19 else NO_START


def claimer_name() -> str:
    pid = os.getpid()
    return f"{this_host()}:{pid}:{process_start(pid)}:{uuid.uuid4().hex[:8]}"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    fields = _stat_fields(pid)
    return not (fields and fields[0] in ("Z", "X"))  # a zombie has stopped, only not been reaped


def has_stopped(claimed_by: str) -> bool:
    """True when the claim's sender ran on this host and is no longer running; False when it runs,
    when it ran elsewhere, or when the name is not one `claimer_name` wrote."""
    parts = claimed_by.rsplit(":", 3)
    if len(parts) != 4 or parts[0] != this_host() or not parts[1].isdigit():
        return False
    pid, start = int(parts[1]), parts[2]
    if pid == os.getpid():
        return start != NO_START and start != process_start(pid)
    if not _running(pid):
        return True
    return start != NO_START and process_start(pid) not in (start, NO_START)
