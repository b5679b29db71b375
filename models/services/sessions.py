"""Logins, server-side sessions and bearer tokens (failed logins are throttled by `throttle`).

The API and the pages both sign people in through `login` and out through `logout`. Only a SHA-256
hash of each cookie value or token is stored, so a copy of the database opens no session. A session
gets a fresh random id at every login (no fixation) and dies at logout, after `idle` without use, or
`absolute` after it started, whichever comes first.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from models import audit
from models.caller import Caller
from models.clock import utcnow
from models.engine import KeptRows, fetch, fetch_kept, fetch_page, write_transaction
from models.errors import NotFound, UserError
from models.paging import EVERYTHING, Page, Paging
from models.passwords import verify_dummy, verify_password
from models.services import throttle
from models.services.people import normalize_email
from models.tables import ApiToken, LoginSession
from models.words import DEFAULT_LOCALE, N_, supported_language

SESSION_COOKIE = "cop_session"
LOGIN_REFUSED = N_("the email or the password is wrong")
# last_seen_at is written at most this often, so reading a page is not a database write each time.
TOUCH_EVERY = dt.timedelta(minutes=1)
DEFAULT_IDLE = dt.timedelta(minutes=60)
DEFAULT_ABSOLUTE = dt.timedelta(hours=12)


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


async def _caller_rows(join_sql: str, token_hash: str) -> KeptRows:
    """One query: the credential row, its person and every role the person holds.

    Kept in memory until the database changes (`fetch_kept`): a login, a logout, a revoked token,
    a changed role or a deactivated person is a commit, so the next request reads again; the idle
    and absolute timeouts are computed from the rows at every request.
    """
    return await fetch_kept(
        "SELECT c.id AS credential_id, c.created_at AS created_at, c.last_seen AS last_seen, "
        "c.csrf AS csrf, p.id AS person_id, p.email AS email, p.name AS name, p.active AS active, "
        "p.language AS language, r.role AS role, r.organization AS organization "
        f"FROM {join_sql} JOIN person p ON p.id = c.person "
        "LEFT JOIN role_assignment r ON r.person = p.id WHERE c.token_hash = {}",
        token_hash,
    )


# The Caller last built from each list of kept rows (`fetch_kept` hands out the same list while the
# database is unchanged). Holding the list keeps its identity from being reused by another object.
_built: dict[tuple[str, str], tuple[KeptRows, Caller]] = {}
BUILT_CALLERS = 4096


def _caller_from_kept_rows(rows: KeptRows, via: str, csrf_token: str = "") -> Caller:
    key = (via, str(rows[0]["credential_id"]))
    built = _built.get(key)
    if built is not None and built[0] is rows:
        return built[1]
    caller = _caller_from_rows(rows, via, csrf_token)
    if len(_built) >= BUILT_CALLERS:
        _built.clear()
    _built[key] = (rows, caller)
    return caller


def _caller_from_rows(rows: KeptRows, via: str, csrf_token: str = "") -> Caller:
    first = rows[0]
    roles = frozenset(
        (row["role"], int(row["organization"]) if row["organization"] is not None else None)
        for row in rows
        if row["role"] is not None
    )
    return Caller(
        person_id=int(first["person_id"]),
        email=first["email"],
        name=first["name"],
        roles=roles,
        via=via,
        csrf_token=csrf_token,
        language=first.get("language") or "",
    )


async def caller_for_person(person_id: int, via: str = "session", csrf_token: str = "") -> Caller:
    rows = await fetch(
        "SELECT p.id AS person_id, p.email AS email, p.name AS name, p.language AS language, "
        "r.role AS role, "
        "r.organization AS organization FROM person p "
        "LEFT JOIN role_assignment r ON r.person = p.id WHERE p.id = {}",
        person_id,
    )
    if not rows:
        raise NotFound(N_("no person with id %(person_id)s"), person_id=person_id)
    return _caller_from_rows(rows, via, csrf_token)


# --- sessions ---------------------------------------------------------------------------------


async def login(
    email: str, password: str, client_address: str, browser_language: str = DEFAULT_LOCALE
) -> tuple[str, Caller]:
    """Check the password and open a new session; returns (cookie value, Caller).

    A person who never chose a language gets `browser_language` (what their browser's
    Accept-Language asks for) at this first sign-in; they may change it on their account page.

    An unknown email and a wrong password get the same message and cost one argon2 verification
    each, so neither the answer nor its timing tells which emails have accounts.
    """
    email = normalize_email(email)
    now = utcnow()
    await throttle.check(email, client_address, now)
    rows = await fetch(
        "SELECT id, password_hash, active FROM person WHERE email = {}",
        email,
    )
    person = rows[0] if rows else None
    # argon2 is deliberately slow: run it off the event loop so other requests keep flowing.
    if person is None:
        await asyncio.to_thread(verify_dummy, password)
        ok = False
    else:
        ok = await asyncio.to_thread(verify_password, person["password_hash"], password)
        ok = ok and bool(person["active"])
    if not ok or person is None:
        # Counted from when the verification ended: the first delays are not spent inside argon2.
        await throttle.record_failure(email, client_address, utcnow())
        raise UserError(LOGIN_REFUSED, field="password")
    async with write_transaction():
        await throttle.forget_pair(email, client_address)
        return await open_session(int(person["id"]), browser_language=browser_language)


async def open_session(
    person_id: int, via: str = "session", browser_language: str | None = None
) -> tuple[str, Caller]:
    """A new session for a person whose password (or emailed link) was just checked; a person who
    never chose a language gets `browser_language`."""
    cookie_value, csrf_token, now = new_secret(), new_secret(), utcnow()
    async with write_transaction():
        await LoginSession.insert(
            LoginSession(
                token_hash=hash_secret(cookie_value),
                person=person_id,
                csrf_token=csrf_token,
                created_at=now,
                last_seen_at=now,
            )
        )
        if browser_language:
            # The first sign-in chooses the language of one who never chose (docs/design.md "Languages").
            await fetch(
                "UPDATE person SET language = {} WHERE id = {} AND language = ''",
                supported_language(browser_language) or DEFAULT_LOCALE,
                person_id,
            )
        caller = await caller_for_person(person_id, "session", csrf_token)
        await audit.record(caller, "login", "person", person_id, None, {"via": via})
    return cookie_value, caller


async def logout(cookie_value: str) -> None:
    """End the session of this cookie value (a no-op for an unknown or expired one)."""
    if not cookie_value:
        return
    async with write_transaction():
        await LoginSession.delete().where(LoginSession.token_hash == hash_secret(cookie_value))


async def caller_for_session(
    cookie_value: str, idle: dt.timedelta = DEFAULT_IDLE, absolute: dt.timedelta = DEFAULT_ABSOLUTE
) -> Caller | None:
    """The Caller of a live session, or None; an expired session is deleted on sight."""
    if not cookie_value or len(cookie_value) > 200:
        return None
    token_hash = hash_secret(cookie_value)
    rows = await _caller_rows(
        "(SELECT id, token_hash, person, created_at, last_seen_at AS last_seen, csrf_token AS csrf "
        "FROM login_session) c",
        token_hash,
    )
    if not rows:
        return None
    first = rows[0]
    now = utcnow()
    if not first["active"] or now - first["created_at"] > absolute or now - first["last_seen"] > idle:
        async with write_transaction():
            await LoginSession.delete().where(LoginSession.id == first["credential_id"])
        return None
    if now - first["last_seen"] > TOUCH_EVERY and _claim_touch(("session", first["credential_id"]), now):
        async with write_transaction():
            await LoginSession.update({LoginSession.last_seen_at: now}).where(
                LoginSession.id == first["credential_id"]
            )
    return _caller_from_kept_rows(rows, "session", first["csrf"])


_touches: dict[tuple[str, int], dt.datetime] = {}


def _claim_touch(key: tuple[str, int], now: dt.datetime) -> bool:
    """True for the first request of this process to see a stale last-seen time; the requests
    arriving at the same moment skip the write instead of queueing for the write lock."""
    since = now - _touches.get(key, dt.datetime.min.replace(tzinfo=dt.UTC))
    if dt.timedelta(0) <= since <= TOUCH_EVERY:
        return False
    if len(_touches) > 10_000:
        _touches.clear()
    _touches[key] = now
    return True


def csrf_matches(caller: Caller, presented: str | None) -> bool:
    return bool(caller.csrf_token) and bool(presented) and hmac.compare_digest(caller.csrf_token, presented)


# --- bearer tokens ----------------------------------------------------------------------------


async def caller_for_token(token: str) -> Caller | None:
    if not token or len(token) > 200:
        return None
    rows = await _caller_rows(
        "(SELECT id, token_hash, person, created_at, last_used_at AS last_seen, '' AS csrf "
        "FROM api_token WHERE revoked_at IS NULL) c",
        hash_secret(token),
    )
    if not rows or not rows[0]["active"]:
        return None
    first, now = rows[0], utcnow()
    stale = first["last_seen"] is None or now - first["last_seen"] > TOUCH_EVERY
    if stale and _claim_touch(("token", first["credential_id"]), now):
        async with write_transaction():
            await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == first["credential_id"])
    return _caller_from_kept_rows(rows, "token")


def _token_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "created_at": row["created_at"],
        "last_used_at": row["last_used_at"],
        "revoked_at": row["revoked_at"],
    }


async def create_token(caller: Caller, name: str) -> tuple[str, dict[str, Any]]:
    """A new bearer token for the caller; the value is shown once and only its hash is kept."""
    if caller.person_id is None:
        raise UserError(N_("sign in before creating a token"))
    name = name.strip()
    if not name or len(name) > 100 or any(c in name for c in "\r\n"):
        raise UserError(N_("name the token in one line of at most 100 characters"), field="name")
    token = "cop_" + new_secret()
    async with write_transaction():
        row = ApiToken(token_hash=hash_secret(token), person=caller.person_id, name=name, created_at=utcnow())
        await row.save()
        after = _token_row(row.to_dict())
        await audit.record(caller, "create", "api_token", row.id, None, after)
    return token, after


async def list_tokens(caller: Caller, paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
    return await fetch_page(
        "SELECT id, name, created_at, last_used_at, revoked_at FROM api_token WHERE person = {}",
        "id",
        caller.person_id,
        paging=paging,
    )


async def revoke_token(caller: Caller, token_id: int) -> dict[str, Any]:
    async with write_transaction():
        row = (
            await ApiToken.select()
            .where((ApiToken.id == token_id) & (ApiToken.person == caller.person_id))
            .first()
        )
        if row is None:
            raise NotFound(N_("you have no token with id %(token_id)s"), token_id=token_id)
        if row["revoked_at"] is None:
            now = utcnow()
            await ApiToken.update({ApiToken.revoked_at: now}).where(ApiToken.id == token_id)
            after = {**row, "revoked_at": now}
            await audit.record(caller, "revoke", "api_token", token_id, _token_row(row), _token_row(after))
            row = after
    return _token_row(row)
