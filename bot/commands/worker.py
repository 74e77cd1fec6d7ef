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
    from bot.channels.ingress_cli import add_arguments as ingress_arguments

    ingress_arguments(sub)  # ``tamin-bot ingress dead-letters [--redrive]``


def _main(args: argparse.Namespace) -> int:
    from bot.logs import setup_logging

    setup_logging()
    try:
        return asyncio.run(run(args.poll, args.tasks))
    except KeyboardInterrupt:
        return 0


HEARTBEAT = "/tmp/tamin-worker.alive"  # docker-compose's health check reads its age


async def run(poll: list[str], tasks: int | None = None) -> int:
    """The whole app without its HTTP server: ingress workers, notices, console hooks; until SIGTERM."""
    import os
    import time

    from bot.app import create_app
    from bot.channels.runtime import runtime_of
    from bot.settings import get_settings

    settings = get_settings()
    if not settings.redis_url and not poll:
        log.error("a separate worker needs REDIS_URL (the queue is shared through Redis); or use --poll")
        return 2
    app = create_app(settings)  # the same hooks as the servers: metrics, console transcripts, notices
    runtime = runtime_of(app)
    for name in poll:
        if name not in runtime.doors:
            log.error("--poll %s: no %s bot token in the settings", name, name)
            return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with app.router.lifespan_context(app):
        wanted = tasks if tasks is not None else max(runtime.cfg.ingress_workers, 1)
        if runtime.running < wanted:
            runtime.start(wanted - runtime.running)
        for name in poll:
            runtime.spawn(runtime.doors[name].poll(runtime, runtime.stopping))
        log.info("worker started: %d tasks, doors %s", runtime.running, sorted(runtime.doors))
        while not stop.is_set():
            try:
                with open(HEARTBEAT, "w") as beat:
                    beat.write(str(int(time.time())))
            except OSError:
                pass
            try:
                await asyncio.wait_for(stop.wait(), 10)
            except TimeoutError:
                pass
        try:
            os.remove(HEARTBEAT)
        except OSError:
            pass
    return 0
