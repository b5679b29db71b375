"""The fixtures of the whole suite.

The engine comes from DATABASE_URL like the app's: unset runs on SQLite (a migrated template file,
copied fresh for each test), a postgresql:// URL runs on that PostgreSQL database (migrated once,
tables emptied before each test). Append-only triggers refuse DELETE, so PostgreSQL is emptied with
TRUNCATE, which row triggers do not see. Under pytest-xdist (`-n auto`) every worker has its own
SQLite files, or its own PostgreSQL database beside DATABASE_URL's (`worker_database`).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest


def worker_database(url: str, worker: str) -> str:
    """The PostgreSQL database of one pytest-xdist worker: `<name>_<worker>` on DATABASE_URL's
    server, created on first use and kept for later runs (each run drops its tables and migrates
    afresh), so that workers never share tables."""
    import asyncio

    import asyncpg

    address, _, query = url.partition("?")
    base, name = address.rsplit("/", 1)
    own = f"{name}_{worker}"

    async def create() -> None:
        admin = await asyncpg.connect(url)
        try:
            if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", own):
                await admin.execute(f'CREATE DATABASE "{own}"')
        finally:
            await admin.close()

    asyncio.run(create())
    return f"{base}/{own}" + (f"?{query}" if query else "")


# Each process has its own folder; under pytest-xdist (`-n auto`) each worker is a process.
_TMP = Path(tempfile.mkdtemp(prefix="cop-tests-"))
if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
    os.environ["DATABASE_URL"] = f"sqlite:///{_TMP / 'template.sqlite'}"
else:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        os.environ["DATABASE_URL"] = worker_database(
            os.environ["DATABASE_URL"], os.environ["PYTEST_XDIST_WORKER"]
        )
    # On SQLite evidence files sit beside each test's database; on PostgreSQL in one folder per
    # test process: a forced restore removes the files of the database it replaces, and the
    # workers would otherwise inherit the first process's folder and share it.
    if os.environ.get("PYTEST_XDIST_WORKER") or "UPLOAD_DIR" not in os.environ:
        os.environ["UPLOAD_DIR"] = str(_TMP / "uploads")
os.environ.setdefault("SCHEDULER", "off")

import httpx  # noqa: E402
from litestar import Litestar  # noqa: E402

from models import clock, passwords  # noqa: E402
from models.engine import current_engine, fetch, is_sqlite  # noqa: E402
from models.settings import Settings  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 22)  # the demo's anchor date in tests
DEMO_PASSWORD = "demo-password"
KEEP_TABLES = {"migration", "area"}
# Every test runs on this clock (ticking from here), unless it drives a live server, which runs on
# the real one: tests are written against the demo's dates, so they must not depend on the day the
# suite happens to run. Subprocesses started by `run_cli` run on the same clock.
SUITE_NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
_frozen_at: list[str] = []
# A login with production argon2 parameters costs more than most tests: the suite hashes cheaply
# (tests/models/test_passwords.py checks that the app itself keeps the production parameters).
passwords.use_test_parameters()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests and tests that run the real command in a subprocess (the `cli` fixture: a
    second Python importing the whole app) are slow tests: `pytest -m "not slow"` leaves them out
    with the others, and CI runs them all."""
    for item in items:
        if item.get_closest_marker("browser") or "cli" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def suite_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """The suite's clock (SUITE_NOW, ticking); tests that move time travel further from it."""
    if "live_server" in request.fixturenames or request.node.get_closest_marker("real_clock"):
        yield
        return
    import time_machine

    with time_machine.travel(SUITE_NOW, tick=True):
        _frozen_at.append(SUITE_NOW.isoformat())
        try:
            yield
        finally:
            _frozen_at.pop()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_TMP, ignore_errors=True)


@pytest.fixture(scope="session")
def database_url() -> str:
    return os.environ["DATABASE_URL"]


@pytest.fixture(scope="session")
async def migrated_template() -> AsyncIterator[None]:
    from models.migrations import apply_migrations

    engine = current_engine()
    if engine.engine_type == "postgres":
        await engine.start_connection_pool(min_size=1, max_size=20)
        await drop_all_postgres_tables()
    await apply_migrations()
    if is_sqlite(engine):
        with sqlite3.connect(engine.path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    yield
    if engine.engine_type == "postgres":
        await engine.close_connection_pool()


async def drop_all_postgres_tables() -> None:
    rows = await fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    if rows:
        names = ", ".join(f'"{r["tablename"]}"' for r in rows)
        await current_engine().run_ddl(f"DROP TABLE IF EXISTS {names} CASCADE")


_copies = 0
_seeded_areas: list[dict[str, Any]] = []


async def restore_seeded_areas() -> None:
    """PostgreSQL keeps the area table between tests: put back the areas as migrated (a test may
    change a weight or a rubric, or add an area)."""
    if not _seeded_areas:
        _seeded_areas.extend(
            await fetch("SELECT id, name, weight, descriptor, rubric::text AS rubric, position FROM area")
        )
    ids = [int(a["id"]) for a in _seeded_areas]
    await fetch(f"DELETE FROM area WHERE id NOT IN ({', '.join(str(i) for i in ids)})")
    for a in _seeded_areas:
        await fetch(
            "UPDATE area SET name = {}, weight = {}, descriptor = {}, rubric = CAST({} AS JSON), position = {}, "
            "version = 1 WHERE id = {}",
            a["name"], a["weight"], a["descriptor"], a["rubric"], a["position"], a["id"],
        )  # fmt: skip


async def empty_database() -> str:
    """The engine switched to a fresh, migrated, empty database (areas seeded); its URL.

    The `db` fixture's database; a test that compares two databases calls it again for the second."""
    global _copies
    engine = current_engine()
    if is_sqlite(engine):
        template = _TMP / "template.sqlite"
        _copies += 1
        path = _TMP / f"test-{_copies}.sqlite"
        shutil.copyfile(template, path)
        engine.path = str(path)
        return f"sqlite:///{path}"
    rows = await fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    names = [r["tablename"] for r in rows if r["tablename"] not in KEEP_TABLES]
    await current_engine().run_ddl(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE")
    await restore_seeded_areas()
    return os.environ["DATABASE_URL"]


@pytest.fixture
async def db(migrated_template: None) -> AsyncIterator[str]:
    """A fresh, migrated, empty database (areas seeded). Yields its URL, for subprocesses."""
    engine = current_engine()
    yield await empty_database()
    if is_sqlite(engine):
        engine.path = str(_TMP / "template.sqlite")


_demo_cache: dict[str, Any] = {}


@pytest.fixture
async def demo(db: str) -> Any:
    """The standard demo (14 organizations, 3 cycles) as of TODAY.

    Built once per session, then restored for each test: a file copy on SQLite, a COPY of every
    table's rows on PostgreSQL. The first test pays for argon2 and the snapshot freezing.
    """
    return await restored_demo(TODAY)


async def restored_demo(day: dt.date) -> Any:
    """The standard demo as of `day`, built once per session and per day, then restored."""
    from scorecards.publishing import load_demo

    engine = current_engine()
    cached = _demo_cache.get(day.isoformat())
    if cached is None:
        summary = await load_demo(today=day)
        cached = {"summary": summary}
        if is_sqlite(engine):
            with sqlite3.connect(engine.path) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cached["file"] = _TMP / f"demo-{day.isoformat()}.sqlite"
            shutil.copyfile(engine.path, cached["file"])
        else:
            cached["rows"] = await _dump_postgres_rows()
        _demo_cache[day.isoformat()] = cached
        return summary
    if is_sqlite(engine):
        shutil.copyfile(cached["file"], engine.path)
    else:
        await _restore_postgres_rows(cached["rows"])
    return cached["summary"]


async def _dump_postgres_rows() -> dict[str, list[tuple[Any, ...]]]:
    conn = await current_engine().get_new_connection()
    try:
        tables = [
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        dump: dict[str, Any] = {}
        for table in tables:
            if table in KEEP_TABLES:
                continue
            records = await conn.fetch(f'SELECT * FROM "{table}"')
            if records:
                dump[table] = (list(records[0].keys()), [tuple(r.values()) for r in records])
        return dump
    finally:
        await conn.close()


async def _restore_postgres_rows(dump: dict[str, Any]) -> None:
    conn = await current_engine().get_new_connection()
    try:
        async with conn.transaction():
            # Rows go back in any order: foreign key and append-only triggers are off for this load.
            await conn.execute("SET LOCAL session_replication_role = replica")
            await conn.execute("DELETE FROM organization_version")  # moved by the reset; put back below
            for table, (columns, records) in dump.items():
                await conn.copy_records_to_table(table, records=records, columns=columns)
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM \"{table}\"))"
                )
    finally:
        await conn.close()


@pytest.fixture
def settings() -> Settings:
    return Settings.from_env(
        {
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "SECRET_KEY": "test-secret-key-" + "x" * 40,
            "BASE_URL": "http://testserver",
            "SCHEDULER": "off",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": "2525",
        }
    )


@pytest.fixture
def sign_in(db: str) -> Any:
    """`await sign_in(email)` -> headers that sign a request in with a fresh session (cookie + CSRF).

    Pass them per request (`client.get(url, headers=...)`) to act as several people in one test.
    """

    async def make(email: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
        from models.services.sessions import login

        cookie, caller = await login(email, password, "127.0.0.1")
        return {"Cookie": f"cop_session={cookie}", "X-CSRF-Token": caller.csrf_token}

    return make


_apps: dict[Settings, Litestar] = {}
SCHEDULER_GRACE_IN_TESTS = dt.timedelta(hours=1)  # see `app`


@pytest.fixture
def app(settings: Settings) -> Litestar:
    """The app for these settings, built once per session: building its routes costs more than most
    tests (the app keeps no state of its own between requests; the database is fresh per test).

    Each test gets it as started on the test's clock: /health counts a job that never ran from the
    server's start, which must not be the moment an earlier test, on another clock, built it. No
    scheduler runs under the suite, so the start is put an hour ahead of the test's clock: a long
    test (a crawl on a loaded machine) never outlives the grace period and sees /health's 503.
    Tests of the app's start (health's grace period) call `create_app` themselves."""
    from api.app import create_app
    from api.health import STARTED_AT

    if settings not in _apps:
        _apps[settings] = create_app(settings)
    app = _apps[settings]
    app.state[STARTED_AT] = clock.utcnow() + SCHEDULER_GRACE_IN_TESTS
    return app


@pytest.fixture
async def client(app: Litestar, db: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the app, in the test's own event loop (the engine's pool lives there).

    The app's lifespan is not run: the session fixture owns the database pool and the scheduler is
    off in tests.
    """
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def run_cli(
    db_url: str, *args: str, stdin: str = "", cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real `cop-tracker` command against the test database."""
    env = {**os.environ, "DATABASE_URL": db_url, "SCHEDULER": "off"}
    command = [sys.executable, "-m", "api.cli", *args]
    if _frozen_at:  # the command runs on the test's clock, as the code in the test does
        launcher = (
            "import sys, time_machine; time_machine.travel(sys.argv.pop(1), tick=True).start(); "
            "from api.cli import main; sys.exit(main())"
        )
        command = [sys.executable, "-c", launcher, _frozen_at[-1], *args]
    return subprocess.run(
        command,
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=str(cwd or REPO),
        timeout=120,
    )


@pytest.fixture
def cli(db: str) -> Iterator[Any]:
    def call(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return run_cli(db, *args, stdin=stdin)

    yield call


# Browser tests (tests/pages): the real server in a subprocess, Chromium driven by Playwright.


@pytest.fixture
async def live_demo(db: str) -> Any:
    """The standard demo as of the real today: the live server runs on the real clock."""
    return await restored_demo(clock.today())


@pytest.fixture
def live_server(db: str, live_demo: Any) -> Iterator[Any]:
    """The app under granian on a free loopback port, against this test's database, demo loaded."""
    from tests.pages.harness import ARTIFACTS, start_server, stop_server

    server = start_server(db, ARTIFACTS / "logs")
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    """Debian's Chromium, headless; skipped when absent locally, a failure in CI."""
    from tests.pages.harness import CHROMIUM, CHROMIUM_ARGS, missing

    if not CHROMIUM.exists():
        missing(f"Chromium ({CHROMIUM})")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        missing("Playwright (pip install -e '.[test]')")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()


@pytest.fixture
async def page(browser: Any, live_server: Any) -> AsyncIterator[Any]:
    """A fresh browser context (no cookies) on the live server, laptop-sized."""
    # bypass_csp lets the accessibility check inject axe-core past the app's script-src 'self'.
    context = await browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 800}, bypass_csp=True
    )
    context.set_default_timeout(15_000)
    tab = await context.new_page()
    yield tab
    await context.close()


@pytest.fixture
def pdf_sources(monkeypatch: pytest.MonkeyPatch) -> dict[bytes, str]:
    """{PDF: the HTML it was laid out from} for every PDF the app makes in this test.

    A PDF's words sit in compressed streams, where a crawl looking for a marker in the answers would
    never find one: the crawls read each PDF's HTML instead (its layout is tested in
    tests/scorecards/test_brief_pdf.py). The same HTML lays out to the same PDF, so each distinct
    HTML is laid out once: a crawl asks for every cycle's report at every audience as every caller.
    """
    from scorecards import brief

    lay_out = brief.html_to_pdf
    laid_out: dict[str, tuple[bytes, int]] = {}
    sources: dict[bytes, str] = {}

    def html_to_pdf(html: str) -> tuple[bytes, int]:
        if html not in laid_out:
            laid_out[html] = lay_out(html)
        sources[laid_out[html][0]] = html
        return laid_out[html]

    monkeypatch.setattr(brief, "html_to_pdf", html_to_pdf)
    return sources


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port; see tests/reminders/smtp.py."""
    from tests.reminders.smtp import SmtpServer

    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_settings(settings: Settings, smtp_server: Any) -> Settings:
    """The test settings, delivering reminders to `smtp_server`."""
    import dataclasses

    smtp = dataclasses.replace(settings.smtp, port=smtp_server.port, timeout=5.0)
    return dataclasses.replace(settings, smtp=smtp)


@pytest.fixture
def translated_catalogs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """fr, es and ar catalogs for this test: the committed ones, else pseudo-translations of the
    template (tests/catalogs.py), so that a message left in English is seen in every language."""
    from models import words
    from tests.catalogs import language_folder

    root = language_folder(tmp_path_factory.mktemp("locale"))
    monkeypatch.setattr(words, "LOCALE_DIR", root)
    words.translations.cache_clear()
    yield root
    words.translations.cache_clear()
