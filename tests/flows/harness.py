"""An in-process harness for flow tests: ``Engine.handle`` with the simulator over real HTTP.

Fast and isolated (a memory store per test); the end-to-end tests keep the real web chat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from basics.digits import to_ascii
from bot.app import build_engine
from bot.engine.dialogue import Engine
from bot.engine.flow import Flow
from bot.engine.messages import Channel, Inbound, Outbound
from bot.settings import Settings


def make_engine(simulator_url: str, flows: dict[str, Flow] | None = None, **settings) -> Engine:
    """An engine on the simulator; ``flows`` replaces the registry when given."""
    engine = build_engine(Settings(tamin_backend_url=simulator_url, modules="", **settings))
    if flows is not None:
        engine = Engine(engine.deps, flows)
    return engine


@dataclass
class Person:
    """One person talking to an engine on one channel."""

    engine: Engine
    user: str
    channel: Channel = Channel.WEB
    last: list[Outbound] = field(default_factory=list)

    async def say(self, text: str) -> str:
        """Send text; the answer as one string."""
        return await self._send(Inbound(self.channel, self.user, text=text))

    async def press(self, choice: str) -> str:
        """Press the button whose id or title contains ``choice``."""
        for msg in reversed(self.last):
            for c in msg.choices:
                if c.id == choice or choice in c.title:
                    return await self._send(Inbound(self.channel, self.user, choice=c.id))
        return await self._send(Inbound(self.channel, self.user, choice=choice))

    def buttons(self) -> list[str]:
        """Ids of the buttons last offered."""
        return [c.id for m in self.last for c in m.choices]

    def code(self, mobile: str) -> str:
        """The last one-time code sent to ``mobile`` (the dev outbox)."""
        for m in reversed(self.engine.deps.sms.for_mobile(mobile)):
            found = re.search(r"\d{6}", to_ascii(m["text"]))
            if found:
                return found.group(0)
        raise AssertionError(f"no code sent to {mobile}")

    async def _send(self, inbound: Inbound) -> str:
        self.last = await self.engine.handle(inbound)
        return "\n".join(m.text for m in self.last)
