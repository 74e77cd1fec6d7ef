"""Notifications (issue #8): back-end events become notices on each person's channel.

``install(app, settings)`` is called by the composition root: it links messenger accounts from the
engine's ``identified`` hook, serves ``POST /events`` and the SMS delivery webhook, and runs the dispatch
workers (``NOTIFY_WORKERS``) and the event poller (``NOTIFY_POLL``): on Redis Streams with ``REDIS_URL``,
else (the embedded default) on a queue in this process's memory, notices reaching the web chat and the
dev SMS outbox through the same planner, ledger and workers.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
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
    web = settings.embedded_default  # only there is the web chat a door notices reach (through its page)
    events = engine.deps.events
    if events is not None and hasattr(events, "add"):
        events.add(NotifyHooks(ledger, web=web))
    app.include_router(router)
    app.state.events_secret = events_secret(settings)
    cfg = settings.notify
    box = (lambda: getattr(app.state, "pending_replies", None)) if web else None
    notify = Notify.from_settings(settings, db, cfg=cfg, store=engine.deps.store, api=engine.deps.api,
                                  sms_gateway=engine.deps.sms, web_box=box)
    app.state.notify = notify
    from bot.notify.reminders import NotifyReminders

    engine.deps.reminders = NotifyReminders(notify)  # «وضعیت من» may now take reminders
    if not settings.redis_url:
        log.info("notices: the queue is in this process's memory (set REDIS_URL to share it among processes)")

    async def start(app: Any) -> None:
        await db.migrate()
        await notify.prepare()
        notify.start(cfg.workers, poll=cfg.poll, reports=True)

    async def stop(app: Any) -> None:
        await notify.aclose()

    app.state.on_start.append(start)
    app.state.on_stop.append(stop)


DEV_SECRET = Path("var") / "events-secret"


def events_secret(settings: Any) -> str | None:
    """The key ``POST /events`` checks: ``EVENTS_HMAC_SECRET``, or where development parts run, one made
    once and kept in ``var/events-secret`` (readable by this machine's user only; never logged)."""
    if settings.events_hmac_secret or not settings.dev_parts:
        return settings.events_hmac_secret
    try:
        if not DEV_SECRET.exists():
            DEV_SECRET.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(DEV_SECRET, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        secret = DEV_SECRET.read_text().strip()
    except OSError as exc:
        log.warning("no events key (%s): POST /events answers 503; set EVENTS_HMAC_SECRET", type(exc).__name__)
        return None
    log.info("signed events: EVENTS_HMAC_SECRET is unset; the key is in %s", DEV_SECRET)
    return secret or None
