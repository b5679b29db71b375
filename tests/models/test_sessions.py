"""The session service the API and the pages share: login, logout, timeouts, tokens."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from models.errors import TooManyAttempts, UserError
from models.services import sessions, throttle
from models.services.sessions import LOGIN_REFUSED

FOCAL = "focal.nra@demo.cop-tracker.example"


async def test_login_returns_a_cookie_value_and_the_caller(demo) -> None:
    cookie, caller = await sessions.login(" Focal.NRA@demo.cop-tracker.example ", "demo-password", "10.0.0.1")
    assert caller.email == FOCAL and caller.via == "session" and caller.csrf_token
    assert ("focal_point", next(iter(caller.org_ids()))) in caller.roles
    again = await sessions.caller_for_session(cookie)
    assert again == caller


async def test_wrong_password_and_unknown_email_raise_the_same_error(demo) -> None:
    with pytest.raises(UserError) as wrong:
        await sessions.login(FOCAL, "not-the-password", "10.0.0.1")
    with pytest.raises(UserError) as unknown:
        await sessions.login("ghost@demo.cop-tracker.example", "not-the-password", "10.0.0.1")
    assert wrong.value.message == unknown.value.message == LOGIN_REFUSED
    assert type(wrong.value) is type(unknown.value) is UserError


async def test_logout_ends_the_session_for_good(demo) -> None:
    cookie, _ = await sessions.login(FOCAL, "demo-password", "10.0.0.1")
    await sessions.logout(cookie)
    assert await sessions.caller_for_session(cookie) is None
    await sessions.logout(cookie)  # twice is harmless
    await sessions.logout("")


async def test_idle_sessions_expire(demo) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC), tick=False) as traveller:
        cookie, _ = await sessions.login(FOCAL, "demo-password", "10.0.0.1")
        traveller.shift(dt.timedelta(minutes=30))
        assert await sessions.caller_for_session(cookie, idle=dt.timedelta(minutes=31)) is not None
        traveller.shift(dt.timedelta(minutes=32))
        assert await sessions.caller_for_session(cookie, idle=dt.timedelta(minutes=31)) is None


async def test_throttling_counts_failures_per_account_and_client(demo) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC), tick=False):
        for _ in range(throttle.FREE_PAIR_FAILURES):
            with pytest.raises(UserError):
                await sessions.login(FOCAL, "wrong-password", "10.0.0.1")
        with pytest.raises(TooManyAttempts) as refused:
            await sessions.login(FOCAL, "demo-password", "10.0.0.1")
        assert refused.value.retry_after == 1
        _, caller = await sessions.login(FOCAL, "demo-password", "10.0.0.2")
        assert caller.email == FOCAL


async def test_tokens_resolve_to_their_person_until_revoked(demo) -> None:
    _, caller = await sessions.login(FOCAL, "demo-password", "10.0.0.1")
    token, row = await sessions.create_token(caller, "script")
    resolved = await sessions.caller_for_token(token)
    assert resolved is not None and resolved.person_id == caller.person_id and resolved.via == "token"
    assert resolved.csrf_token == ""
    await sessions.revoke_token(caller, row["id"])
    assert await sessions.caller_for_token(token) is None


async def test_a_remembered_caller_is_read_again_after_any_change_to_the_database(demo) -> None:
    """The caller of a request is kept in memory only while nothing was committed since: a role
    taken away or a person deactivated counts at the very next request, whoever wrote it."""
    import sqlite3

    from models.engine import current_engine, fetch, is_sqlite, write_transaction

    cookie, caller = await sessions.login(FOCAL, "demo-password", "10.0.0.1")
    org_id = next(iter(caller.org_ids("focal_point")))
    for _ in range(3):
        assert ("focal_point", org_id) in (await sessions.caller_for_session(cookie)).roles

    async with write_transaction():
        await fetch(
            "DELETE FROM role_assignment WHERE person = {} AND role = 'focal_point'", caller.person_id
        )
    assert ("focal_point", org_id) not in (await sessions.caller_for_session(cookie)).roles

    if is_sqlite():  # a writer this process knows nothing of, as another process would be
        with sqlite3.connect(current_engine().path) as other:
            other.execute("UPDATE person SET active = 0 WHERE id = ?", (caller.person_id,))
    else:
        async with write_transaction():
            await fetch("UPDATE person SET active = false WHERE id = {}", caller.person_id)
    assert await sessions.caller_for_session(cookie) is None


def test_a_forked_worker_reads_on_a_connection_of_its_own(demo) -> None:
    """granian forks its workers after `serve` has read the database: SQLite's locks belong to a
    process, so a child must not go on using the parent's open connection."""
    import os

    from models.engine import current_engine, is_sqlite

    if not is_sqlite():
        return
    engine = current_engine()
    inherited = engine._reader()
    pid = os.fork()
    if pid == 0:  # the child: answer through the exit status only
        own = engine._reader()
        ok = own is not inherited and own.execute("SELECT COUNT(*) FROM organization").fetchone()[0] > 0
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert engine._reader() is inherited
