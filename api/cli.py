"""The `cop-tracker` command. Every command calls the same services as the API and the pages.

Errors a user can cause print one line on stderr and exit with status 2; nothing is half-written.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import getpass
import os
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn

EXIT_USAGE = 2


class CliError(Exception):
    pass


def _(message: str, **params: Any) -> str:
    """gettext, imported when a message is shown: the command line starts without Babel and Jinja."""
    from models.words import gettext

    return gettext(message, **params)


def _fail(message: str) -> int:
    print(f"cop-tracker: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _run(coro_factory: Callable[[], Awaitable[Any]]) -> Any:
    """Run a coroutine, translating user and database errors into CliError."""
    from models.errors import UserError
    from models.migrations import MigrationError

    async def main() -> Any:
        from models.engine import connection_pool

        async with connection_pool(min_size=1, max_size=4):
            return await coro_factory()

    try:
        return asyncio.run(main())
    except UserError as exc:
        raise CliError(exc.message) from None
    except MigrationError as exc:
        raise CliError(str(exc)) from None
    except (OSError, sqlite3.OperationalError) as exc:
        raise CliError(_("the database is unreachable (%(error)s); check DATABASE_URL", error=exc)) from None
    except Exception as exc:
        if type(exc).__module__.startswith("asyncpg"):
            raise CliError(
                _("the database refused the request (%(error)s); check DATABASE_URL", error=exc)
            ) from None
        raise


def print_demo_logins(summary: Any) -> None:
    print(
        f"Demo data loaded: {summary.organizations} fictional organizations, {summary.commitments} "
        f"commitments, {summary.milestones} milestones, cycles {', '.join(summary.cycles)}."
    )
    print_logins(summary.logins)


def print_logins(logins: list[tuple[str, str]]) -> None:
    from models.demo import DEMO_PASSWORD

    print(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for email, role in logins:
        print(f"  {email:<48} {role}")


def cmd_migrate(args: argparse.Namespace) -> int:
    from models.migrations import apply_migrations

    _run(apply_migrations)
    print("Migrations applied.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from models.demo import DemoNotEmptyError
    from models.migrations import apply_migrations
    from scorecards.publishing import load_demo

    async def go() -> Any:
        await apply_migrations()
        try:
            return await load_demo(orgs=args.orgs, cycles=args.cycles, today=args.date)
        except DemoNotEmptyError as exc:
            raise CliError(str(exc)) from None

    summary = _run(go)
    print_demo_logins(summary)
    return 0


def worker_environment(settings: Any, *, no_scheduler: bool) -> dict[str, str]:
    """What `serve` adds to the environment its workers read their settings from.

    Without SECRET_KEY each worker would make up a key of its own, and a cookie signed by one
    worker would not be believed by the next: the key this process settled on is passed on.
    """
    extra = {"SECRET_KEY": os.environ.get("SECRET_KEY") or settings.secret_key}
    if no_scheduler:
        extra["SCHEDULER"] = "off"
    return extra


def event_loop_choice() -> Any:
    """uvloop when it is installed (a declared dependency), else asyncio's loop, said once."""
    import importlib.util

    from granian.constants import Loops

    if importlib.util.find_spec("uvloop") is not None:
        return Loops.uvloop
    print("uvloop is not installed: serving on asyncio's own event loop.", flush=True)
    return Loops.asyncio


def cmd_serve(args: argparse.Namespace) -> int:
    from granian import Granian
    from granian.constants import Interfaces

    from models.migrations import apply_migrations, database_is_empty
    from models.settings import Settings

    if args.workers < 1:
        raise CliError(_("--workers must be at least 1 (got %(workers)s)", workers=args.workers))
    settings = Settings.from_env()  # a bad setting stops here, before any worker starts
    os.environ.update(worker_environment(settings, no_scheduler=args.no_scheduler))

    async def prepare() -> tuple[Any, list[tuple[str, str]]]:
        from models.demo import demo_logins
        from scorecards.publishing import load_demo

        await apply_migrations()
        if not args.demo:
            return None, []
        if await database_is_empty():
            return await load_demo(), []
        return None, await demo_logins()

    summary, kept_logins = _run(prepare)
    if summary is not None:
        print_demo_logins(summary)
    elif args.demo:
        print("The database already has data: it was kept, and the demo was not loaded again.")
        if kept_logins:
            print_logins(kept_logins)
        else:
            print("It holds no demo sign-in that still works; add a person with `cop-tracker user add`.")
    scheduler = "on" if settings.scheduler and not args.no_scheduler else "off"
    print(
        f"CoP Tracker at http://{args.host}:{args.port}  ({args.workers} worker(s), scheduler {scheduler})",
        flush=True,
    )
    Granian(
        "api.app:create_app",
        factory=True,
        address=args.host,
        port=args.port,
        interface=Interfaces.ASGI,
        workers=args.workers,
        loop=event_loop_choice(),
        log_level="warning",
        respawn_failed_workers=True,
    ).serve()
    return 0


def read_password(prompt_twice: bool = True) -> str:
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if prompt_twice and getpass.getpass("Repeat password: ") != first:
        raise CliError(_("the two passwords differ"))
    return first


def cmd_user_add(args: argparse.Namespace) -> int:
    from models.caller import SYSTEM
    from models.errors import UserError
    from models.services.people import check_role, create_person

    try:
        check_role(args.role, args.org)
    except UserError as exc:
        raise CliError(exc.message) from None
    password = read_password()

    person = _run(
        lambda: create_person(
            SYSTEM,
            email=args.email,
            name=args.name,
            password=password,
            role=args.role,
            org_acronym=args.org,
            job_title=args.job_title or "",
            seniority=args.seniority,
        )
    )
    scope = f" of {person['organization']}" if person["organization"] else ""
    print(f"Created {person['email']} as {person['role']}{scope}.")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from models.settings import Settings
    from reminders.commands import run_check_command

    return _run(lambda: run_check_command(Settings.from_env(), day=args.date, dry_run=args.dry_run))


def cmd_send(args: argparse.Namespace) -> int:
    from models.settings import Settings
    from reminders.commands import run_send_command

    return _run(lambda: run_send_command(Settings.from_env()))


def cmd_scheduler(args: argparse.Namespace) -> int:
    from models.migrations import apply_migrations
    from models.settings import Settings
    from reminders.scheduler import run_scheduler_forever

    _run(apply_migrations)
    return _run(lambda: run_scheduler_forever(Settings.from_env()))


def cmd_export(args: argparse.Namespace) -> int:
    from scorecards.commands import run_export_command

    return _run(
        lambda: run_export_command(
            cycle=args.cycle,
            audience=args.audience,
            fmt=args.format,
            output=args.output,
            peer_type=args.peer_type,
        )
    )


def cmd_brief(args: argparse.Namespace) -> int:
    from scorecards.commands import run_brief_command

    return _run(
        lambda: run_brief_command(
            cycle=args.cycle, acronym=args.org, audience=args.audience, output=args.output, lang=args.lang
        )
    )


def cmd_report(args: argparse.Namespace) -> int:
    from scorecards.commands import run_report_command

    return _run(
        lambda: run_report_command(
            cycle=args.cycle, audience=args.audience, output=args.output, lang=args.lang
        )
    )


class TerminalProgress:
    """Long work says what it is doing on a terminal (one line on stderr, rewritten in place);
    when stderr is no terminal (cron, a pipe) it stays silent and only the summary is printed."""

    def __init__(self) -> None:
        self.shown = sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, status: str) -> None:
        import time

        now = time.monotonic()
        if self.shown and now - self.last >= 0.1:
            self.last = now
            print(f"\r\x1b[K{status}", end="", file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.shown and self.last:
            print("\r\x1b[K", end="", file=sys.stderr, flush=True)


def cmd_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from models.backup import write_backup
    from models.engine import current_engine

    progress = TerminalProgress()
    try:
        summary = _run(lambda: write_backup(current_engine(), Path(args.file), progress=progress))
    finally:
        progress.done()
    print(
        f"Backup written: {summary.path}, {summary.tables} tables, {summary.rows} rows, "
        f"{summary.megabytes:.1f} MB in {summary.seconds:.1f} s"
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from models.backup import restore_backup
    from models.engine import current_engine
    from models.migrations import apply_migrations

    progress = TerminalProgress()
    try:
        summary = _run(
            lambda: restore_backup(current_engine(), Path(args.file), force=args.force, progress=progress)
        )
    finally:
        progress.done()
    _run(apply_migrations)  # a backup from an older version is brought up to this one's schema
    manifest = summary.manifest
    print(
        f"Backup restored: {summary.path} (made {manifest['created_at']}, schema {manifest['schema_version']}), "
        f"{summary.tables} tables, {summary.rows} rows, {len(manifest['files'])} files, "
        f"{summary.megabytes:.1f} MB in {summary.seconds:.1f} s; "
        f"{summary.removed} files of the replaced database removed"
    )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import an action plan; one summary line, a progress line on a terminal, exit 2 on refusal."""
    import json
    from pathlib import Path

    from models.caller import SYSTEM
    from models.engine import fetch
    from models.services.plan_import import import_plan
    from models.services.plans import ImportOptions

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(_("cannot read %(path)s: %(error)s", path=path, error=exc.strerror)) from None
    progress = TerminalProgress()

    async def go() -> Any:
        org_id = None
        if args.org:
            rows = await fetch("SELECT id FROM organization WHERE LOWER(acronym) = {}", args.org.lower())
            if not rows:
                raise CliError(_("no organization with acronym %(acronym)r", acronym=args.org))
            org_id = int(rows[0]["id"])
        progress(_("Importing %(file)s ...", file=path.name))
        options = ImportOptions(
            org_id=org_id,
            area=args.area,
            reference_date=args.reference_date,
            dry_run=args.dry_run,
            sheet=args.sheet,
            accept_suggestions=args.accept_suggestions,
        )
        return await import_plan(SYSTEM, data, path.name, options)

    try:
        result = _run(go)
    finally:
        progress.done()
    if args.report:
        Path(args.report).write_text(json.dumps(result.report(), indent=2, ensure_ascii=False) + "\n")
    if result.refused and not args.dry_run:
        return _fail(result.summary())
    print(result.summary())
    return 0


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; use YYYY-MM-DD") from None


class OneLineParser(argparse.ArgumentParser):
    """A usage error is one line on stderr and exit status 2, like every other user error."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    from models.vocabulary import AUDIENCES, ORG_TYPES, ROLES, SENIORITIES

    parser = OneLineParser(
        prog="cop-tracker",
        description="CoP Tracker: commitments, reminders and scorecards for the Centrality of Protection.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    serve = sub.add_parser("serve", help="apply migrations and serve the pages and API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="load demo data into an empty database")
    serve.add_argument("--no-scheduler", action="store_true", help="do not run the scheduler in the workers")
    serve.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="worker processes (default: one per CPU); one of them runs the scheduler",
    )
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="apply migrations")
    migrate.set_defaults(func=cmd_migrate)

    demo = sub.add_parser("demo", help="load demo data (fictional organizations) into an empty database")
    demo.add_argument("--orgs", type=int, default=14, help="number of organizations (default 14)")
    demo.add_argument("--cycles", type=int, default=3, help="number of cycles, the last one open (default 3)")
    demo.add_argument("--date", type=parse_date, default=None, help="anchor date (default today)")
    demo.set_defaults(func=cmd_demo)

    user = sub.add_parser("user", help="manage people")
    user_sub = user.add_subparsers(dest="user_command", metavar="ACTION")
    user_sub.required = True
    add = user_sub.add_parser("add", help="create a person; the password is read from stdin or prompted")
    add.add_argument("--email", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, help=f"one of: {', '.join(ROLES)}")
    add.add_argument("--org", default=None, metavar="ACRONYM", help="organization, for scoped roles")
    add.add_argument("--job-title", default="")
    add.add_argument("--seniority", default="other", help=f"one of: {', '.join(SENIORITIES)}")
    add.set_defaults(func=cmd_user_add)

    check = sub.add_parser("check", help="run the timeline check once")
    check.add_argument("--date", type=parse_date, default=None, help="as of this date (default today)")
    check.add_argument("--dry-run", action="store_true", help="print the reminders it would queue")
    check.set_defaults(func=cmd_check)

    send = sub.add_parser("send", help="deliver queued reminders now")
    send.set_defaults(func=cmd_send)

    scheduler = sub.add_parser("scheduler", help="run only the scheduler")
    scheduler.set_defaults(func=cmd_scheduler)

    export = sub.add_parser("export", help="write a comparison workbook or CSV")
    export.add_argument("--cycle", required=True, help="cycle name, e.g. 2025-H2")
    export.add_argument("--audience", default="donor", choices=AUDIENCES)
    export.add_argument("--format", default="xlsx", choices=("xlsx", "csv"))
    export.add_argument("--peer-type", default=None, choices=ORG_TYPES)
    export.add_argument("-o", "--output", required=True, help="file to write")
    export.set_defaults(func=cmd_export)

    brief = sub.add_parser("brief", help="write the champion's brief of one organization as a PDF")
    brief.add_argument("--cycle", required=True, help="cycle name, e.g. 2025-H2")
    brief.add_argument("--org", required=True, metavar="ACRONYM", help="the organization")
    brief.add_argument("--audience", default="donor", choices=AUDIENCES)
    brief.add_argument("--lang", default=None, choices=("en", "fr", "es", "ar"), help="language of the brief")
    brief.add_argument("-o", "--output", required=True, help="PDF file to write")
    brief.set_defaults(func=cmd_brief)

    report = sub.add_parser("report", help="write the cycle report (every organization) as a PDF")
    report.add_argument("--cycle", required=True, help="cycle name, e.g. 2025-H2")
    report.add_argument("--audience", default="donor", choices=AUDIENCES)
    report.add_argument(
        "--lang", default=None, choices=("en", "fr", "es", "ar"), help="language of the report"
    )
    report.add_argument("-o", "--output", required=True, help="PDF file to write")
    report.set_defaults(func=cmd_report)

    backup = sub.add_parser(
        "backup", help="write a backup of the database while it runs (see README, Backups)"
    )
    backup.add_argument("file", metavar="FILE", help="backup file to write (replaced if it exists)")
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser("restore", help="restore a backup into an empty database")
    restore.add_argument("file", metavar="FILE", help="backup file written by cop-tracker backup")
    restore.add_argument("--force", action="store_true", help="replace a database that is not empty")
    restore.set_defaults(func=cmd_restore)

    plan = sub.add_parser(
        "import", help="import an action plan (xlsx or CSV), or an exported plan edited in bulk"
    )
    plan.add_argument("file", metavar="FILE", help="the plan: .xlsx or .csv")
    plan.add_argument("--org", default=None, metavar="ACRONYM", help="every row into this organization")
    plan.add_argument("--area", default=None, metavar="KEY", help="area of the rows without one")
    plan.add_argument(
        "--reference-date",
        type=parse_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="the document's date: a date without a year takes its year",
    )
    plan.add_argument("--dry-run", action="store_true", help="say what each row would do; write nothing")
    plan.add_argument(
        "--sheet", default=None, metavar="NAME", help="the workbook's sheet (default: the first)"
    )
    plan.add_argument("--report", default=None, metavar="FILE", help="write the per-row report as JSON")
    plan.add_argument(
        "--accept-suggestions",
        action="store_true",
        help="give rows without an area the area suggested for them",
    )
    plan.set_defaults(func=cmd_import)
    return parser


def main(argv: list[str] | None = None) -> int:
    import warnings

    # Piccolo warns on stderr before our own one-line message; the message already says it all.
    warnings.filterwarnings("ignore", module=r"piccolo\..*")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
