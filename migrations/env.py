"""Alembic environment: async engine from DATABASE_URL, or a connection handed over by the app."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context

from bot.storage import Base, Database, load_models

config = context.config
if config.config_file_name is not None and config.attributes.get("connection") is None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

load_models()
target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    """Emit SQL to stdout instead of running it."""
    from bot.storage import database_url

    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    """Run the migrations on a fresh async engine."""
    db = Database()
    async with db.engine.begin() as conn:
        await conn.run_sync(_run)
    await db.dispose()


if context.is_offline_mode():
    run_offline()
elif config.attributes.get("connection") is not None:
    _run(config.attributes["connection"])
else:
    asyncio.run(run_online())
