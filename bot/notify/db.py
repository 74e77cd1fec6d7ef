"""The database behind the ledger: SQLite by default, PostgreSQL when DATABASE_URL is set."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.notify.tables import metadata

DEFAULT_URL = "sqlite+aiosqlite:///var/tamin.db"


def database_url(url: str | None) -> str:
    """An async SQLAlchemy URL: ``postgresql://`` gets asyncpg, nothing gets the SQLite default."""
    url = url or DEFAULT_URL
    if url.startswith(("postgres://", "postgresql://")):
        url = "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://"):
        url = "sqlite+aiosqlite://" + url[len("sqlite://"):]
    return url


def make_engine(url: str | None) -> AsyncEngine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and its folder."""
    url = database_url(url)
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(conn, _record) -> None:  # noqa: ANN001
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


# --- TEMPORARY until migrations/ exists: the tables are made here, not by Alembic ---------------
async def create_tables(engine: AsyncEngine) -> None:
    """Create the notifications' tables if missing (stand-in for the Alembic revision)."""
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
