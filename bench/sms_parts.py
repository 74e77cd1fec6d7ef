"""Every poster service's whole SMS conversation in UCS-2 parts, against its budget.

    .venv/bin/python bench/sms_parts.py [--redis redis://127.0.0.1:6379/9] [--transcript]

Starts the bot (every door on, the in-process simulator) beside a fake Kavenegar, runs each
conversation of ``tests/doors/sms_conversations.py`` from a fresh session, and prints one
Markdown row per service: turns, SMS sent, parts on main before → now, budget before → now.
The Redis database given is emptied first. A one-time code goes by the operator's template
and is not counted.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    """Print the table; exit 1 when a service is over its budget."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--redis", default=os.environ.get("TAMIN_TEST_REDIS", "redis://127.0.0.1:6379") + "/9")
    ap.add_argument("--transcript", action="store_true", help="print every SMS with its parts")
    args = ap.parse_args()
    import redis

    from bot.channels.render_sms import segments
    from tests.channels.support import bot_env, bot_server
    from tests.doors.sms_conversations import BEFORE, OLD_BUDGET, TALKS, converse
    from tests.fakes.botapi import FakeBotAPI
    from tests.fakes.kavenegar import FakeKavenegar

    redis.Redis.from_url(args.redis).flushdb()
    api, sms = FakeBotAPI(), FakeKavenegar()
    over = 0
    rows = ["| service | turns | SMS sent | UCS-2 parts (before → now) | budget (before → now) |",
            "|---|---|---|---|---|"]
    try:
        with bot_server(bot_env(api, sms, args.redis)) as base:
            for talk in TALKS:
                cost = converse(base, sms, args.redis, talk)
                over += cost.parts > talk.budget
                rows.append(f"| {talk.service} | {cost.turns} | {cost.sms} | "
                            f"{BEFORE.get(talk.service, '–')} → {cost.parts} | "
                            f"{OLD_BUDGET.get(talk.service, '–')} → {talk.budget} |")
                if args.transcript:
                    for said, reply in cost.transcript:
                        print(f"> {said}")
                        for t in reply:
                            print(f"< [{segments(t)}] " + t.replace("\n", " ⏎ "))
    finally:
        api.release()
        api.stop()
        sms.stop()
    print("\n".join(rows))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
