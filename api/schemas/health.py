"""The shape of `/health`'s answer, the same with 200 (healthy) and 503 (failing)."""

from __future__ import annotations

from typing import Literal

from api.schemas import Shape


class JobRead(Shape):
    """One scheduled job as /health shows it (its result's wording stays in the database)."""

    last_run_at: str | None
    last_run_ok: bool | None
    running_since: str | None
    every_seconds: int
    late: bool


class HealthRead(Shape):
    status: Literal["ok", "failing"]
    database: Literal["ok", "unreachable"]
    reasons: list[str]  # why it is failing, in words; empty while healthy
    jobs: dict[str, JobRead]
