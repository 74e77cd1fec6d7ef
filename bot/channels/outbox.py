"""The embedded default's SMS gateway: nothing leaves the machine; a local outbox shows it all."""

from __future__ import annotations

import logging
from collections import deque
from datetime import UTC, datetime

from bot.engine.catalog import t

log = logging.getLogger("tamin.outbox")


class DevOutbox:
    """Keeps the SMS it would have sent (one-time codes included) for the log and ``/dev/outbox``."""

    def __init__(self, size: int = 500) -> None:
        self.messages: deque[dict] = deque(maxlen=size)

    async def send_otp(self, mobile: str, code: str) -> None:
        text = t("identity.otp_sms", code=code)
        self._keep(mobile, text)
        # the dev outbox exists only without a gateway: showing the code here is the point
        log.warning("DEV OUTBOX one-time code for %s: %s", mobile[:4] + "***" + mobile[-3:], code)

    async def send_text(self, mobile: str, text: str) -> None:
        self._keep(mobile, text)
        log.info("DEV OUTBOX sms to %s (%d chars)", mobile[:4] + "***" + mobile[-3:], len(text))

    def _keep(self, mobile: str, text: str) -> None:
        self.messages.append({"to": mobile, "text": text, "at": datetime.now(UTC).isoformat(timespec="seconds")})

    def for_mobile(self, mobile: str) -> list[dict]:
        """What was sent to ``mobile``, oldest first."""
        return [m for m in self.messages if m["to"] == mobile]
