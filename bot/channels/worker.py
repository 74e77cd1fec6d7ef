"""``tamin-bot worker``: ingress workers in their own process (any number, on any machine),
and ``--poll telegram|bale`` long polling for local development."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

log = logging.getLogger("tamin.worker")


def add_arguments(sub: argparse._SubParsersAction) -> None:
    """Register the ``worker`` command."""
    p = sub.add_parser("worker", help="handle queued messenger and SMS updates (and long-poll, for development)")
    p.add_argument("--poll", action="append", choices=["telegram", "bale"], default=[],
                   help="fetch updates with getUpdates instead of a webhook (repeatable)")
    p.add_argument("--tasks", type=int, default=None, help="worker tasks in this process (default INGRESS_WORKERS)")
    p.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    from bot.logs import setup_logging

    setup_logging()
    try:
        return asyncio.run(run(args.poll, args.tasks))
    except KeyboardInterrupt:
        return 0


async def run(poll: list[str], tasks: int | None = None) -> int:
    """Build the engine and the doors, work until SIGTERM/SIGINT."""
    from bot.app import build_engine
    from bot.channels import messenger
    from bot.channels.runtime import Runtime
    from bot.channels.sms import SmsDoor
    from bot.settings import get_settings

    settings = get_settings()
    if not settings.redis_url and not poll:
        log.error("a separate worker needs REDIS_URL (the queue is shared through Redis); or use --poll")
        return 2
    engine = build_engine(settings)
    runtime = Runtime(settings, engine)
    for door in messenger.doors(settings, engine, runtime.limiter, runtime.cfg):
        runtime.add(door)
    runtime.add(SmsDoor(engine, runtime.limiter))
    for name in poll:
        door = runtime.doors.get(name)
        if door is None:
            log.error("--poll %s: no %s bot token in the settings", name, name)
            return 2
        runtime.spawn(door.poll(runtime, runtime.stopping))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    runtime.start(tasks if tasks is not None else max(runtime.cfg.ingress_workers, 1))
    log.info("worker started: %d tasks, doors %s", runtime.running, sorted(runtime.doors))
    await stop.wait()
    await runtime.stop()
    for closer in (getattr(engine.deps.api, "aclose", None), getattr(engine.deps.store, "close", None),
                   getattr(engine.deps.sms, "aclose", None)):
        if closer is not None:
            try:
                await closer()
            except Exception:
                log.exception("close failed")
    return 0
