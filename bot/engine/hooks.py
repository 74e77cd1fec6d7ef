"""Hooks the engine calls at moments others care about: measurements, handoffs, transcripts."""

from __future__ import annotations

from bot.engine.messages import Inbound, Outbound


class Hooks:
    """Does nothing; the console and the metrics override what they need."""

    async def turn(self, inbound: Inbound, out: list[Outbound], flow: str | None) -> None:
        """A turn finished: what the person sent and what the bot said."""

    async def saving(self, inbound: Inbound, out: list[Outbound], flow: str | None) -> None:
        """A turn is about to be saved, the person's lock still held (``turn`` follows, after the release)."""

    async def timed(self, inbound: Inbound, seconds: float) -> None:
        """How long the engine took over one turn."""

    async def flow_started(self, inbound: Inbound, flow: str) -> None:
        """A person started a service."""

    async def flow_ended(self, inbound: Inbound, flow: str, outcome: str, step: str | None) -> None:
        """A service ended: finished, cancelled, gave up (and at which step), or refused."""

    async def handoff(self, inbound: Inbound, reason: str) -> None:
        """The conversation goes to a human agent."""

    async def identified(self, inbound: Inbound, national_code: str, mobile: str) -> None:
        """A person proved who they are on this channel (links the account for notices)."""

    async def to_agent(self, inbound: Inbound) -> None:
        """A message for the agent who holds the conversation."""

    async def opt_out(self, inbound: Inbound) -> str | None:
        """The person wants no more notices; the catalog key of the answer, or None if nothing to stop."""
        return None


class MultiHooks(Hooks):
    """Calls several hooks in order; one failing does not stop the others."""

    def __init__(self, *hooks: Hooks) -> None:
        self.hooks = list(hooks)

    def add(self, hook: Hooks) -> None:
        self.hooks.append(hook)

    async def _each(self, name: str, *args) -> None:
        import logging

        for hook in self.hooks:
            try:
                await getattr(hook, name)(*args)
            except Exception:  # a hook must never break a conversation
                logging.getLogger("tamin.hooks").exception("hook %s failed", name)

    async def turn(self, inbound, out, flow):
        await self._each("turn", inbound, out, flow)

    async def saving(self, inbound, out, flow):
        import logging

        for hook in self.hooks:  # only those that listen: this runs inside every turn's lock
            if getattr(type(hook), "saving", Hooks.saving) is not Hooks.saving:
                try:
                    await hook.saving(inbound, out, flow)
                except Exception:
                    logging.getLogger("tamin.hooks").exception("hook saving failed")

    async def timed(self, inbound, seconds):
        await self._each("timed", inbound, seconds)

    async def flow_started(self, inbound, flow):
        await self._each("flow_started", inbound, flow)

    async def flow_ended(self, inbound, flow, outcome, step):
        await self._each("flow_ended", inbound, flow, outcome, step)

    async def handoff(self, inbound, reason):
        await self._each("handoff", inbound, reason)

    async def to_agent(self, inbound):
        await self._each("to_agent", inbound)

    async def identified(self, inbound, national_code, mobile):
        await self._each("identified", inbound, national_code, mobile)

    async def opt_out(self, inbound):
        import logging

        for hook in self.hooks:
            try:
                key = await hook.opt_out(inbound)
            except Exception:
                logging.getLogger("tamin.hooks").exception("hook opt_out failed")
                continue
            if key:
                return key
        return None
