"""``tamin-bot chat``: the same conversation in a terminal, on the embedded default."""

from __future__ import annotations

import asyncio
import sys

from bot.app import build_engine
from bot.engine.catalog import t
from bot.engine.messages import Channel, Inbound
from bot.settings import get_settings


async def run_chat(user: str = "terminal") -> None:
    """Read lines, print the bot's answers; a number picks a button."""
    engine = build_engine(get_settings())
    sms = engine.deps.sms
    print(t("web.terminal_hint"), flush=True)
    choices: list[tuple[str, str]] = []
    seen = 0
    while True:
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line or line.strip() in ("خروج", "exit", "quit"):
            break
        text = line.strip()
        inbound = Inbound(Channel.WEB, user, text=text)
        if text.isascii() and text.isdigit() and choices and 1 <= int(text) <= len(choices):
            inbound = Inbound(Channel.WEB, user, choice=choices[int(text) - 1][0])
        out = await engine.handle(inbound)
        choices = []
        for msg in out:
            print(f"\n🤖 {msg.text}")
            for link in msg.links:
                print(f"   🔗 {link.title}: {link.url}")
            for c in msg.choices:
                choices.append((c.id, c.title))
                print(f"   [{len(choices)}] {c.title}")
        box = getattr(sms, "messages", None)
        if box is not None and len(box) > seen:
            for m in list(box)[seen:]:
                print("\n📱 " + t("web.terminal_sms", to=m["to"], text=m["text"]))
            seen = len(box)
        print(flush=True)
