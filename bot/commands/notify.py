"""``tamin-bot notify …``: send a CSV campaign, run workers, poll events, stop or restart notices."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from pathlib import Path
from typing import Any

log = logging.getLogger("tamin.notify.cli")


def add_arguments(sub: Any) -> None:
    """Add ``notify`` and its subcommands to the ``tamin-bot`` parser."""
    notify = sub.add_parser("notify", help="notifications: campaigns, workers, event poller, opt-outs")
    cmds = notify.add_subparsers(dest="notify_command", required=True)

    send = cmds.add_parser("send", help="send the notices of a CSV file (resumable: the ledger skips what it has)")
    send.add_argument("--file", required=True, type=Path)
    send.add_argument("--name", default=None, help="campaign name (default: the file's name)")
    send.add_argument("--workers", type=int, default=1, help="dispatch workers in this process (0: others send)")
    send.set_defaults(func=_send)

    worker = cmds.add_parser("worker", help="run dispatch workers until stopped")
    worker.add_argument("--workers", type=int, default=1)
    worker.add_argument("--poll", action="store_true", help="also poll the back-end's event feed")
    worker.set_defaults(func=_worker)

    poll = cmds.add_parser("poll", help="read the back-end's event feed once")
    poll.set_defaults(func=_poll)

    for name, on in (("optout", True), ("optin", False)):
        p = cmds.add_parser(name, help=("stop" if on else "restart") + " notices for a national code or mobile")
        p.add_argument("--national-code")
        p.add_argument("--mobile")
        p.set_defaults(func=_opt, on=on)


async def _notify(api: bool = False):
    from bot.notify.runtime import Notify
    from bot.settings import get_settings
    from bot.storage import Database

    settings = get_settings()
    if not settings.redis_url:
        raise SystemExit("notify needs REDIS_URL")
    db = Database(settings.database_url)
    await db.migrate()
    client = None
    if api:
        from bot.app import build_backend

        client = build_backend(settings)[0]
    from bot.app import build_store

    return Notify.from_settings(settings, db, store=build_store(settings), api=client), db


def _send(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from bot.notify import campaign

    async def main() -> int:
        notify, db = await _notify()
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("{task.fields[rate]} /s · {task.fields[left]} left")) as bar:
            task = bar.add_task(args.file.name, total=None, rate="-", left="-")

            def report(stage: str, p: campaign.Progress) -> None:
                left = "-" if p.left_seconds is None else f"{int(p.left_seconds // 60)}:{int(p.left_seconds % 60):02d}"
                bar.update(task, total=p.total, completed=p.done, rate=f"{p.rate:.1f}", left=left)

            try:
                final = await campaign.run(notify, args.file, args.name, args.workers, report)
            finally:
                await notify.aclose()
                await db.dispose()
        return 0 if final.done >= final.total else 1

    return asyncio.run(main())


def _worker(args: argparse.Namespace) -> int:
    async def main() -> int:
        notify, db = await _notify(api=args.poll)
        await notify.prepare()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        notify.start(args.workers, poll=args.poll, reports=True)
        log.info("notify: %d worker(s) running", args.workers)
        await stop.wait()
        await notify.aclose()
        await db.dispose()
        return 0

    return asyncio.run(main())


def _poll(args: argparse.Namespace) -> int:
    async def main() -> int:
        from bot.notify.poller import EventPoller

        notify, db = await _notify(api=True)
        await notify.prepare()
        n = await EventPoller(notify.api, notify.intake, notify.ledger).poll_once()
        print(f"{n} new event(s)")
        await notify.aclose()
        await db.dispose()
        return 0

    return asyncio.run(main())


def _opt(args: argparse.Namespace) -> int:
    from basics.mobile import normalize_mobile

    async def main() -> int:
        notify, db = await _notify()
        subjects = [f"nc:{args.national_code}"] if args.national_code else []
        if args.mobile and normalize_mobile(args.mobile):
            subjects.append(f"m:{normalize_mobile(args.mobile)}")
        for s in subjects:
            await (notify.ledger.opt_out(s, "console") if args.on else notify.ledger.opt_in(s))
        await notify.aclose()
        await db.dispose()
        return 0 if subjects else 2

    return asyncio.run(main())
