"""The 1420 call-centre console at ``/console``: service guide, flows run for callers, handoff inbox,
supervision and the audit log. ``install(app, settings)`` is called by the composition root."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

log = logging.getLogger("tamin.console")

HERE = Path(__file__).parent


def install(app: FastAPI, settings) -> None:
    """Mount the console, listen to the engine, and prepare the database on start."""
    from bot.console import routes
    from bot.console.inbox import PendingReplies
    from bot.console.recorder import Recorder
    from bot.storage import for_app

    cfg = settings.console
    for_app(app, settings)
    app.state.console_config = cfg
    app.state.pending_replies = PendingReplies(app.state.db)  # the web chat hands agents' replies out
    engine = app.state.engine
    events = engine.deps.events
    if events is not None and hasattr(events, "add"):
        app.state.console_recorder = Recorder(app, engine.deps.store)
        events.add(app.state.console_recorder)
    else:
        log.warning("the engine has no MultiHooks: handoffs and measurements will not reach the console")
    if not hasattr(app.state, "senders"):
        app.state.senders = {}
    app.mount("/console/static", StaticFiles(directory=str(HERE / "static")), name="console-static")
    routes.include(app)

    async def start(app: FastAPI) -> None:
        current = app.state.db
        if cfg.auto_migrate:
            await current.migrate()

    async def stop(app: FastAPI) -> None:
        recorder = getattr(app.state, "console_recorder", None)
        if recorder is not None:
            await recorder.flush()
        await app.state.db.dispose()

    app.state.on_start.append(start)
    app.state.on_stop.append(stop)
