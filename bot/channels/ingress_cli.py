"""``tamin-bot ingress dead-letters [--redrive]``: list the updates parked after failing, or queue them again."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time


def add_arguments(sub: argparse._SubParsersAction) -> None:
    """Register the ``ingress`` command."""
    p = sub.add_parser("ingress", help="the durable ingress queue (REDIS_URL)")
    isub = p.add_subparsers(dest="ingress_command", required=True)
    dl = isub.add_parser("dead-letters", help="list the updates that failed every attempt (or --redrive them)")
    dl.add_argument("--redrive", action="store_true", help="queue them again, at the end of each person's inbox")
    dl.add_argument("--json", action="store_true", help="one JSON object a line")
    dl.set_defaults(func=_dead_letters)


def _dead_letters(args: argparse.Namespace) -> int:
    from bot.settings import get_settings

    settings = get_settings()
    if not settings.redis_url:
        print("the ingress keeps dead letters only with REDIS_URL (in-process queues die with the process)",
              file=sys.stderr)
        return 2
    return asyncio.run(run(settings, args.redrive, args.json))


async def run(settings, redrive: bool, as_json: bool, out=None) -> int:
    """List (and with ``redrive`` re-queue) the dead letters; personal data masked."""
    from bot.channels.ingress import RedisIngress, masked, redis_client

    out = out or sys.stdout
    cfg = settings.channels
    ingress = RedisIngress(redis_client(settings.redis_url, bool(getattr(settings, "redis_cluster", False))),
                           prefix=cfg.ingress_prefix, shards=cfg.ingress_shards)
    try:
        await ingress.adopt_legacy()
        letters = await ingress.dead_letters()
        for rec in letters:
            item = rec.get("item", {})
            row = {"id": item.get("id"), "user": masked(str(item.get("user", ""))), "channel": item.get("channel"),
                   "error": str(rec.get("error", ""))[:200],
                   "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(rec.get("at") or 0)))}
            if as_json:
                print(json.dumps(row, ensure_ascii=False), file=out)
            else:
                print(f"{row['at']}  {row['id']}  {row['user']}  {row['error']}", file=out)
        print(f"{len(letters)} dead letter(s)", file=sys.stderr)
        if redrive:
            moved = await ingress.redrive()
            print(f"{moved} queued again", file=sys.stderr)
    finally:
        await ingress.aclose()
    return 0
