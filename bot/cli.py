"""The `reintegrate-bot` command line: every verb (run, chat, migrate, backup, …) in one place.

Each verb parses its arguments, gets what it works on from the composition root
(bot/bootstrap.py) and says how it went. Only `run` may import a messenger library;
everything else starts fast.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings, SettingsError, load_settings
from bot.logs import setup_logging

if TYPE_CHECKING:
    from bot.bootstrap import App  # imported lazily at run time: keeps `chat` free of aiogram

log = logging.getLogger("reintegrate.schema")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="reintegrate-bot", description="RE!NTEGRATE chatbot")
    sub = p.add_subparsers(dest="verb", required=True)
    sub.add_parser("run", help="serve the configured messengers")
    chat = sub.add_parser("chat", help="talk to the bot in this terminal (no token needed)")
    chat.add_argument("--user", default="me", help="who you are; other names are other people")
    chat.add_argument("--lang", default=None, help="phone language to pretend (e.g. de, sr-Latn)")
    sub.add_parser("migrate", help="bring the database to the newest schema")
    seed = sub.add_parser("seed", help="load data")
    seed.add_argument(
        "--demo",
        action="store_true",
        required=True,
        help="demo centres, three weeks of workshops, three legal advisers, two weeks of "
        "volunteer shifts and three approved volunteers (console:vesna, console:luka, "
        "console:emina)",
    )
    for verb in ("grant", "revoke"):
        g = sub.add_parser(
            verb,
            help=f"{verb} a role (volunteer, adviser, coordinator, admin)",
            description=ROLES_HELP if verb == "grant" else REVOKE_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        g.add_argument("who", help="<platform>:<user id>, e.g. telegram:123456 or console:ana")
        g.add_argument("role", help="volunteer, adviser, coordinator or admin")
        g.add_argument(
            "--centre", metavar="SLUG", action="append", default=[],
            help="coordinator or adviser: a centre the person acts on (repeat for several; "
            "e.g. novi-pazar, tutin, sjenica, pirot, krusevac)",
        )  # fmt: skip
        g.add_argument(
            "--all-centres", action="store_true",
            help="coordinator or adviser: every centre (programme-wide staff)",
        )  # fmt: skip
        if verb == "grant":
            g.add_argument(
                "--adviser", metavar="NAME",
                help="with role adviser: this person is the adviser NAME (e.g. Jelena from the "
                "demo data); their appointments and hours become theirs",
            )  # fmt: skip
    imp = sub.add_parser("import", help="import a schedule from a .csv or .xlsx file")
    imp.add_argument(
        "what", choices=["workshops", "advisers", "shifts"],
        help="what the file holds: workshops, advisers' weekly hours and days off, or "
        "volunteer shifts",
    )  # fmt: skip
    imp.add_argument(
        "file", metavar="FILE",
        help="see templates/workshops.csv, templates/advisers.csv or templates/shifts.csv for "
        "the columns",
    )  # fmt: skip
    loc = sub.add_parser("locales", help="write compiled catalogs (.mo) and the generated sr_Cyrl")
    loc.add_argument("--update", action="store_true", help="re-extract strings, merge into .po")
    bak = sub.add_parser("backup", help="write a consistent copy of the database to FILE")
    bak.add_argument(
        "file", metavar="FILE",
        help="where to write it (replaced only once the new copy is complete); safe while the "
        "bot runs",
    )  # fmt: skip
    res = sub.add_parser(
        "restore", help="replace the database with the backup in FILE (stop the bot first)"
    )
    res.add_argument("file", metavar="FILE", help="a file written by `reintegrate-bot backup`")
    res.add_argument(
        "--force", action="store_true",
        help="restore even though other programs (the bot) are connected to the PostgreSQL "
        "database; without it, restore refuses",
    )  # fmt: skip
    return p


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    setup_logging("WARNING" if args.verb == "chat" else settings.log_level, settings.log_format)
    interrupted = _INTERRUPTED.get(args.verb)
    if interrupted is None:
        raise SystemExit(asyncio.run(_VERBS[args.verb](settings, args)))
    try:
        code = asyncio.run(_stoppable(_VERBS[args.verb](settings, args)))
    except (KeyboardInterrupt, _Terminated):
        print(interrupted.format(file=args.file), file=sys.stderr)
        code = 130  # 128 + SIGINT, as a shell reports it
    raise SystemExit(code)


# What an interrupted backup or restore has left: both are all or nothing.
_INTERRUPTED = {
    "backup": "backup interrupted: {file} is as it was, or the new backup if it was complete",
    "restore": (
        "restore interrupted: a restore is all or nothing, so the database is either as it "
        "was or wholly restored from {file}"
    ),
}


class _Terminated(Exception):
    """SIGTERM (`docker stop`, `kill`) stopped the work."""


async def _stoppable(work: Awaitable[int]) -> int:
    """`work`, cancelled by SIGTERM as asyncio.run cancels it on Ctrl-C: its cleanup stops
    pg_dump or psql (bot.backup._run) instead of leaving them running."""
    task = asyncio.ensure_future(work)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        return await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise  # Ctrl-C: asyncio.run raises KeyboardInterrupt
        raise _Terminated from None
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.telegram_bot_token and not settings.viber_auth_token:
        print(
            "No messenger configured (TELEGRAM_BOT_TOKEN or VIBER_AUTH_TOKEN); "
            "to try the bot without one, run `reintegrate-bot chat`.",
            file=sys.stderr,
        )
        return 1
    from bot.bootstrap import migrate, run

    # Migrations are applied at start (replicas starting together take turns, see
    # storage.migrate.upgrade), so updating is
    # `git pull && docker compose up -d --build`.
    from storage.migrate import SchemaOutdated

    try:
        before, after = await migrate(settings)
    except SchemaOutdated as exc:  # a newer version's schema: this one was rolled back
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 1
    except (OSError, SQLAlchemyError) as exc:  # the database is unreachable or refuses us
        print(f"Cannot start: database: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return 1
    if before != after:
        log.info("schema migrated", extra={"from_revision": before, "to_revision": after})
    else:
        log.info("schema current", extra={"revision": after})
    return await _serve(settings, run)


async def _chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot.bootstrap import chat

    async def terminal(app: App) -> None:
        await chat(app, args.user, sys.stdin, sys.stdout, lang_hint=args.lang)

    return await _serve(settings, terminal)


async def _serve(settings: Settings, serve: Callable[[App], Awaitable[None]]) -> int:
    """Wire the app and hand it to a transport; an outdated schema stops with one line."""
    from bot.bootstrap import build
    from storage.migrate import SchemaOutdated

    try:
        app = await build(settings)
    except SchemaOutdated as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 1
    try:
        await serve(app)
    finally:
        await app.close()
    return 0


async def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    from bot.bootstrap import migrate
    from storage.migrate import SchemaOutdated

    try:
        before, after = await migrate(settings)
    except SchemaOutdated as exc:
        print(f"Cannot migrate: {exc}", file=sys.stderr)
        return 1
    print(
        f"database schema: {before or 'empty'} -> {after}"
        if before != after
        else f"database schema: {after} (newest)"
    )
    return 0


async def _seed(settings: Settings, args: argparse.Namespace) -> int:
    from bot.bootstrap import seed
    from storage.migrate import SchemaOutdated

    try:
        changed = await seed(settings)
    except SchemaOutdated as exc:
        print(f"Cannot seed: {exc}", file=sys.stderr)
        return 1
    print(f"demo data: {changed} change(s)")
    return 0


ROLES_HELP = """\
roles:
  volunteer     sees open shifts, signs up, checks in and out
  adviser       legal adviser: their appointments and call-backs, at their centres
  coordinator   centre staff: workshops, shifts, volunteers, advisers' hours and
                announcements, at the centres given with --centre (or --all-centres)
  admin         programme IT: everything, at every centre

A coordinator or adviser acts only on the centres they are bound to, never on the centre
they picked in their own Settings. Examples:
  reintegrate-bot grant telegram:123456 coordinator --centre pirot --centre krusevac
  reintegrate-bot grant viber:AbC== coordinator --all-centres
  reintegrate-bot grant console:jelena adviser --adviser Jelena   (bound where Jelena has hours)
"""
REVOKE_HELP = """\
Without --centre or --all-centres the whole role goes, with every centre it was bound to;
with them, only those centres (or the programme-wide reach) go and the role stays.
"""
BOUND_ROLES = ("coordinator", "adviser")


async def _grant(settings: Settings, args: argparse.Namespace) -> int:
    from bot.bootstrap import database
    from handlers.model import Role
    from storage.migrate import SchemaOutdated

    platform, sep, external_id = args.who.partition(":")
    if not sep or not platform or not external_id:
        print(
            "WHO must look like telegram:123456 (platform, a colon, the user id)", file=sys.stderr
        )
        return 2
    try:
        role = Role(args.role.lower())
    except ValueError:
        print(
            f"unknown role {args.role!r}: use {', '.join(r.value for r in Role)}", file=sys.stderr
        )
        return 2
    if role is Role.BENEFICIARY:
        print("everyone is a beneficiary already; nothing to do")
        return 0
    scoped = bool(args.centre or args.all_centres)
    if scoped and role.value not in BOUND_ROLES:
        print(f"--centre and --all-centres are for {' and '.join(BOUND_ROLES)}", file=sys.stderr)
        return 2
    try:
        async with database(settings) as db, db.uow() as uow:
            user = await uow.users.by_identity(platform, external_id)
            if user is None:
                print(
                    f"no one with {args.who} has agreed to the data notice yet: "
                    "ask them to send /start to the bot first",
                    file=sys.stderr,
                )
                return 1
            centres: list[int] = []
            for slug in args.centre:
                centre = await uow.centres.by_slug(slug)
                if centre is None:
                    known = ", ".join(c.slug for c in await uow.centres.all())
                    print(f"unknown centre {slug!r}: use one of {known}", file=sys.stderr)
                    return 2
                centres.append(centre.id)
            if args.verb == "grant":
                adviser = getattr(args, "adviser", None)
                if role is Role.ADVISER and adviser and not scoped:
                    centres = await uow.legal.adviser_centres(adviser)
                bound = centres or args.all_centres or user.centres_for(role)
                if role.value in BOUND_ROLES and not bound:
                    print(
                        f"a {role.value} acts only on the centres they are bound to: add "
                        "--centre SLUG (repeatable) or --all-centres",
                        file=sys.stderr,
                    )
                    return 2
                changed = await uow.users.grant(
                    user.id, role, db.clock.now(),
                    centres=centres, all_centres=args.all_centres,
                )  # fmt: skip
                if role is Role.ADVISER and adviser:
                    await uow.legal.link_adviser(user.id, adviser)
                    changed = True
            else:
                changed = await uow.users.revoke(
                    user.id, role, centres=centres, all_centres=args.all_centres
                )
            await uow.commit()
    except SchemaOutdated as exc:
        print(f"Cannot {args.verb}: {exc}", file=sys.stderr)
        return 1
    done = "granted" if args.verb == "grant" else "revoked"
    print(
        f"{role.value} {done} for {args.who}"
        if changed
        else f"nothing to do: {args.who} already so"
    )
    return 0


async def _import(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.bootstrap import build
    from bot.importer import (
        ImportFailed,
        ImportLimits,
        import_advisers,
        import_shifts,
        import_workshops,
        read_table,
    )
    from storage.migrate import SchemaOutdated

    # The file is read before the database is opened: a wrong file needs no database.
    try:
        table = read_table(Path(args.file), ImportLimits.of(settings))
    except ImportFailed as exc:
        print(exc, file=sys.stderr)  # one line: the file itself is wrong (type, size, encoding)
        return 2
    try:
        app = await build(settings)
    except SchemaOutdated as exc:
        print(f"Cannot import: {exc}", file=sys.stderr)
        return 1
    try:
        if args.what == "advisers":
            advisers = await import_advisers(app, table)
            days_off = "1 day off" if advisers.days_off == 1 else f"{advisers.days_off} days off"
            summary = (
                f"imported {_count(advisers.advisers, 'adviser')}, "
                f"{_count(advisers.hours, 'weekly hour')}, {days_off}"
            )
        elif args.what == "shifts":
            shifts = await import_shifts(app, table)
            summary = f"imported {_count(shifts.shifts, 'shift')} from {_count(shifts.rows, 'row')}"
        else:
            done = await import_workshops(app, table)
            summary = (
                f"imported {_count(done.workshops, 'workshop')}, {_count(done.sessions, 'session')}"
            )
    except ImportFailed as exc:
        for line in exc.errors:
            print(line, file=sys.stderr)
        print(f"nothing imported: {_count(len(exc.errors), 'problem')}", file=sys.stderr)
        return 2
    finally:
        await app.close()
    print(summary)
    return 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


async def _locales(settings: Settings, args: argparse.Namespace) -> int:
    from bot.i18n import update_catalogs, write_compiled

    for path in update_catalogs() if args.update else write_compiled():
        print(path)
    return 0


async def _backup(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.backup import BackupError, backup

    try:
        size = await backup(settings.database_url, Path(args.file))
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return exc.code
    print(f"backup written: {args.file} ({size} bytes)")
    return 0


async def _restore(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.backup import BackupError, restore, revision_note

    try:
        revision = await restore(settings.database_url, Path(args.file), force=args.force)
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return exc.code
    print(f"restored from {args.file}")
    print(revision_note(revision))
    return 0


_VERBS = {
    "run": _run,
    "chat": _chat,
    "migrate": _migrate,
    "seed": _seed,
    "grant": _grant,
    "revoke": _grant,
    "import": _import,
    "locales": _locales,
    "backup": _backup,
    "restore": _restore,
}
