"""Pushing messages to a person who did not just write: agent replies and notices, on their own channel."""

from __future__ import annotations

import time
from typing import Any

from bot.engine.messages import Outbound


class DoorSender:
    """Renders messages for one door and sends them through it, with its rate limits."""

    def __init__(self, door: Any) -> None:
        self.door = door
        self.channel = door.channel

    def ops(self, user: str, messages: list[Outbound]) -> list[dict[str, Any]]:
        """The door's send operations for ``messages`` to ``user``."""
        if self.channel == "sms":
            from bot.channels.render_sms import render as render_sms

            return [{"t": "sms", "to": user, "text": text} for text in render_sms(messages)]
        from bot.channels.render_messenger import render as render_messenger

        chat: int | str = int(user) if user.lstrip("-").isascii() and user.lstrip("-").isdigit() else user
        return [{**op, "chat": chat} for op in render_messenger(messages)]

    async def send(self, user: str, messages: list[Outbound]) -> None:
        """Send ``messages`` to ``user`` now."""
        stamp = time.time_ns()
        for i, op in enumerate(self.ops(user, messages)):
            await self.door.deliver(op, f"push-{self.channel}-{user}-{stamp}-{i}")


def senders(app: Any) -> dict[str, DoorSender]:
    """A sender for every door the app has, by channel name."""
    runtime = getattr(app.state, "channels", None)
    if runtime is None:
        return {}
    return {name: DoorSender(door) for name, door in runtime.doors.items()}
