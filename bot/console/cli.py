"""``tamin-bot console …``: create staff accounts (the first supervisor), run the database migrations."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys


def add_arguments(sub) -> None:
    """Add the ``console`` command and its subcommands."""
    console = sub.add_parser("console", help="the 1420 call-centre console: accounts and database")
    inner = console.add_subparsers(dest="console_command", required=True)

    create = inner.add_parser("create-user", help="create a staff account (password from stdin or a prompt)")
    create.add_argument("--username", required=True)
    create.add_argument("--role", choices=["agent", "supervisor"], default="agent")
    create.add_argument("--name", default="", help="the name shown in the console")
    create.set_defaults(func=_create_user)

    migrate = inner.add_parser("migrate", help="bring the database schema up to date (Alembic head)")
    migrate.set_defaults(func=_migrate)


def _read_password(min_length: int) -> str:
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise SystemExit("passwords differ")
    if len(password) < min_length:
        raise SystemExit(f"password: at least {min_length} characters")
    return password


def _create_user(args: argparse.Namespace) -> int:
    from bot.console.auth import create_staff
    from bot.settings import get_settings
    from bot.storage import Database

    cfg = get_settings().console
    password = _read_password(cfg.min_password_length)

    async def run() -> None:
        db = Database()
        try:
            await db.migrate()
            await create_staff(db, args.username, password, args.role, args.name, min_length=cfg.min_password_length)
        finally:
            await db.dispose()

    try:
        asyncio.run(run())
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"created {args.role} {args.username.strip().lower()}")
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from bot.storage import Database

    async def run() -> None:
        db = Database()
        try:
            await db.migrate()
        finally:
            await db.dispose()

    asyncio.run(run())
    print("database is up to date")
    return 0
