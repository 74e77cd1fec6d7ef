"""The shared relational database: an async SQLAlchemy engine from ``DATABASE_URL``, and migrations.

Unset, the database is SQLite under ``var/``; ``postgresql://…`` URLs use asyncpg. Every
module's tables hang off :data:`Base`'s metadata and are created by the Alembic revisions in
``migrations/`` (``tamin-bot console migrate`` or automatically when the app starts).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from basics.cachedir import private_dir

log = logging.getLogger("tamin.storage")

DEFAULT_URL = "sqlite+aiosqlite:///var/tamin.db"
ROOT = Path(__file__).resolve().parents[2]


class Base(DeclarativeBase):
    """The declarative base whose metadata holds every table of the bot."""


def database_url(url: str | None = None) -> str:
    """The async driver URL for ``url`` (or ``DATABASE_URL``, or the SQLite default)."""
    url = url or os.environ.get("DATABASE_URL") or DEFAULT_URL
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url[len("postgresql://"):]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        url = "sqlite+aiosqlite://" + url[len("sqlite://"):]
    return url


def _sqlite_path(url: str) -> Path | None:
    prefix = "sqlite+aiosqlite:///"
    if not url.startswith(prefix) or ":memory:" in url:
        return None
    path = Path(url[len(prefix):].split("?", 1)[0])
    return path


class Database:
    """One async engine and its session factory; share it through :func:`for_app`."""

    def __init__(self, url: str | None = None, *, schema: str | None = None, echo: bool = False) -> None:
        self.url = database_url(url)
        self.schema = schema
        connect_args: dict[str, Any] = {}
        kwargs: dict[str, Any] = {"echo": echo, "pool_pre_ping": True}
        if self.url.startswith("sqlite"):
            path = _sqlite_path(self.url)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            connect_args["timeout"] = 30
        elif schema:
            connect_args["server_settings"] = {"search_path": schema}
        self.engine: AsyncEngine = create_async_engine(self.url, connect_args=connect_args, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed on success, rolled back on error."""
        async with self.sessions() as s, s.begin():
            yield s

    async def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (one process at a time on PostgreSQL)."""
        async with self.engine.begin() as conn:
            if not self.is_sqlite:
                from sqlalchemy import text

                await conn.execute(text("SELECT pg_advisory_xact_lock(7142001)"))
            if not await conn.run_sync(_at_head):  # at the newest revision already: Alembic is not even imported
                await conn.run_sync(_upgrade)

    async def ping(self) -> None:
        """Raise unless the database answers a trivial query."""
        from sqlalchemy import text

        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def alembic_config(connection=None):
    """The Alembic configuration of this repository (``alembic.ini``, ``migrations/``)."""
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _at_head(sync_conn) -> bool:
    """Whether the database already stands at the newest revisions of ``migrations/``."""
    from sqlalchemy import inspect, text

    heads = head_revisions()
    if not heads or not inspect(sync_conn).has_table("alembic_version"):
        return False
    return {row[0] for row in sync_conn.execute(text("SELECT version_num FROM alembic_version"))} == heads


@cache
def head_revisions() -> frozenset[str]:
    """The head revisions of ``migrations/``, read by Alembic once per change of its files (kept on disk)."""
    h = hashlib.sha256()
    try:
        for path in sorted([ROOT / "alembic.ini", *(ROOT / "migrations").rglob("*.py")]):
            h.update(str(path).encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    except OSError:
        return frozenset()
    folder = private_dir("tamin-migrations")
    kept = folder / f"heads-{h.hexdigest()[:32]}" if folder is not None else None
    if kept is not None and kept.exists():
        try:
            return frozenset(kept.read_text().split())
        except OSError:
            pass
    from alembic.script import ScriptDirectory

    heads = frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())
    if kept is not None:
        try:
            tmp = kept.with_suffix(f".{os.getpid()}")
            tmp.write_text("\n".join(sorted(heads)))
            os.replace(tmp, kept)
        except OSError:
            pass
    return heads


def _upgrade(sync_conn) -> None:
    from alembic import command

    command.upgrade(alembic_config(sync_conn), "head")


def load_models() -> None:
    """Import every module that defines tables, so their metadata is complete."""
    import importlib

    for name in ("bot.console.models", "bot.notify.models"):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def for_app(app, settings=None) -> Database:
    """The app's shared database (``app.state.db``), created on first use."""
    db = getattr(app.state, "db", None)
    if db is None:
        url = getattr(settings, "database_url", None) if settings is not None else None
        db = Database(url)
        app.state.db = db
    return db


__all__ = ["Base", "Database", "database_url", "for_app", "alembic_config", "load_models", "DEFAULT_URL"]
