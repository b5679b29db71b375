"""The cop-tracker command: help, user add, and its error cases (exit 2, one line, nothing written)."""

from __future__ import annotations

from typing import Any

import pytest

from models.engine import fetch

USER = ["user", "add", "--email", "ana@example.org", "--name", "Ana Focal"]


async def counts() -> dict[str, int]:
    result = {}
    for table in ("person", "role_assignment", "audit_event"):
        result[table] = int((await fetch(f"SELECT COUNT(*) AS n FROM {table}"))[0]["n"])
    return result


def test_help_lists_every_command(cli: Any) -> None:
    out = cli("--help")
    assert out.returncode == 0
    for command in ("serve", "migrate", "demo", "user", "check", "send", "scheduler", "export"):
        assert command in out.stdout


async def test_user_add_reads_the_password_from_stdin(cli: Any, demo: Any) -> None:
    out = cli(*USER, "--role", "focal_point", "--org", "NRA", stdin="a long enough password\n")
    assert out.returncode == 0, out.stderr
    assert "ana@example.org" in out.stdout
    rows = await fetch(
        "SELECT p.password_hash, r.role, o.acronym FROM person p JOIN role_assignment r ON r.person = p.id "
        "JOIN organization o ON o.id = r.organization WHERE p.email = 'ana@example.org'"
    )
    assert rows[0]["role"] == "focal_point" and rows[0]["acronym"] == "NRA"
    assert rows[0]["password_hash"].startswith("$argon2id$")
    assert "a long enough password" not in rows[0]["password_hash"]


async def assert_refused(
    cli: Any, args: list[str], message: str, stdin: str = "a long enough password\n"
) -> None:
    before = await counts()
    out = cli(*args, stdin=stdin)
    assert out.returncode == 2, (out.stdout, out.stderr)
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], out.stderr
    assert await counts() == before


async def test_unknown_role_is_refused(cli: Any, demo: Any) -> None:
    await assert_refused(cli, [*USER, "--role", "king"], "unknown role 'king'")


async def test_unknown_organization_is_refused(cli: Any, demo: Any) -> None:
    await assert_refused(
        cli, [*USER, "--role", "champion", "--org", "NOPE"], "no organization with acronym 'NOPE'"
    )


async def test_duplicate_email_is_refused(cli: Any, demo: Any) -> None:
    out = cli(*USER, "--role", "donor", stdin="a long enough password\n")
    assert out.returncode == 0, out.stderr
    await assert_refused(cli, [*USER, "--role", "donor"], "already exists")


async def test_short_password_is_refused(cli: Any, demo: Any) -> None:
    await assert_refused(cli, [*USER, "--role", "donor"], "at least 10 characters", stdin="short\n")


async def test_scoped_role_needs_an_organization(cli: Any, demo: Any) -> None:
    await assert_refused(cli, [*USER, "--role", "champion"], "needs an organization")


@pytest.mark.slow  # two real commands in subprocesses
def test_unreachable_database_is_one_clear_line(db: str) -> None:
    from tests.conftest import run_cli

    for url in ("postgresql://nobody:x@127.0.0.1:1/none", "sqlite:////nonexistent-dir/x/db.sqlite"):
        out = run_cli(url, "migrate")
        assert out.returncode == 2, (url, out.stdout, out.stderr)
        lines = [line for line in out.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and "database" in lines[0], out.stderr


def test_demo_into_a_database_with_data_is_refused(cli: Any, db: str) -> None:
    assert cli("demo", "--date", "2026-11-22").returncode == 0
    out = cli("demo")
    assert out.returncode == 2 and "empty database" in out.stderr


def test_a_malformed_argument_is_one_line(capsys: Any) -> None:
    import pytest

    from api.cli import main

    with pytest.raises(SystemExit) as stopped:
        main(["check", "--date", "2026-13-01"])
    assert stopped.value.code == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert lines == ["cop-tracker check: error: argument --date: '2026-13-01' is not a date; use YYYY-MM-DD"]
