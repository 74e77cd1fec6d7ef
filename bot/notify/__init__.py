"""Notifications (issue #8): back-end events become notices on each person's channel.

``install(app, settings)`` is called by the composition root: it links messenger accounts from the
engine's ``identified`` hook, serves ``POST /events`` and the SMS delivery webhook, and, with Redis,
runs the dispatch workers (``NOTIFY_WORKERS``) and the event poller (``NOTIFY_POLL``).
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("tamin.notify")


def install(app: Any, settings: Any) -> None:
    """Wire the notifications into the app."""
    from bot.notify.hooks import NotifyHooks
    from bot.notify.http import router
    from bot.notify.ledger import Ledger
    from bot.notify.runtime import Notify
    from bot.storage import for_app

    engine = app.state.engine
    db = for_app(app, settings)
    ledger = Ledger(db.engine)
    events = engine.deps.events
    if events is not None and hasattr(events, "add"):
        events.add(NotifyHooks(ledger))
    app.include_router(router)
    app.state.notify = None
    if not settings.redis_url:
        log.info("notifications need REDIS_URL: POST /events answers 503; messenger links are still kept")

        async def migrate(app: Any) -> None:
            await db.migrate()

        app.state.on_start.append(migrate)
        return
    cfg = settings.notify
    notify = Notify.from_settings(settings, db, cfg=cfg, store=engine.deps.store, api=engine.deps.api,
                                  sms_gateway=engine.deps.sms)
    app.state.notify = notify
    from bot.notify.reminders import NotifyReminders

    engine.deps.reminders = NotifyReminders(notify)  # «وضعیت من» may now take reminders

    async def start(app: Any) -> None:
        await db.migrate()
        await notify.prepare()
        notify.start(cfg.workers, poll=cfg.poll, reports=True)

    async def stop(app: Any) -> None:
        await notify.aclose()

    app.state.on_start.append(start)
    app.state.on_stop.append(stop)
