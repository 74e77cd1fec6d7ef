"""The engine's side of the notifications: link messenger accounts, and stop notices on request."""

from __future__ import annotations

import logging

from basics.masking import mask_value
from bot.engine.hooks import Hooks
from bot.engine.messages import Inbound
from bot.notify.ledger import Ledger
from bot.notify.model import MESSENGERS, SMS, WEB

log = logging.getLogger("tamin.notify.hooks")


class NotifyHooks(Hooks):
    """Records who proved who they are on which messenger; records opt-outs."""

    def __init__(self, ledger: Ledger, web: bool = False) -> None:
        self.ledger = ledger
        self.doors = (*MESSENGERS, WEB) if web else MESSENGERS  # web: the embedded default reaches the web chat

    async def identified(self, inbound: Inbound, national_code: str, mobile: str) -> None:
        """Notices for this national code now go to this messenger account (or web-chat conversation)."""
        channel = inbound.channel.value
        if channel not in self.doors:
            return  # SMS goes to the registered mobile; outside the embedded default the web chat cannot be reached
        await self.ledger.link(f"nc:{national_code}", channel, inbound.user, mobile)
        log.info("linked %s account to nc=%s", channel, mask_value(national_code))

    async def opt_out(self, inbound: Inbound) -> str | None:
        """The person asked for no more notices (SMS «لغو» outside a service, or the settings choice)."""
        channel = inbound.channel.value
        if channel == SMS:
            subjects = [f"m:{inbound.user}"]
        elif channel in self.doors:
            subjects = await self.ledger.subjects_of(channel, inbound.user)
        else:
            return None
        if not subjects:
            return None
        for subject in subjects:
            await self.ledger.opt_out(subject, "sms" if channel == SMS else "messenger")
        log.info("opt-out from a %s user (%d subject(s))", channel, len(subjects))
        return "notify.optout.done"
