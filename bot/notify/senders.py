"""Sending one rendered notice: to a messenger chat through the Bot API, or by SMS through Kavenegar."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from bot.engine.messages import Outbound
from bot.notify.model import Notice
from bot.notify.render import Rendered

log = logging.getLogger("tamin.notify.send")


class SendFailed(Exception):
    """A send did not go through; ``retryable`` says whether trying later may help."""

    def __init__(self, reason: str, retryable: bool, retry_after: float | None = None,
                 unreachable: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.retryable, self.retry_after = reason, retryable, retry_after
        self.unreachable = unreachable  # the account is gone or blocked the bot: try another channel


class Sender(Protocol):
    """Sends a notice on one kind of channel and returns the provider's message id."""

    async def send(self, notice: Notice, msg: Rendered) -> str | None: ...
    async def already_sent(self, notice: Notice) -> str | None: ...
    async def aclose(self) -> None: ...


class BotApiSender:
    """Telegram and Bale through their Bot API (``sendMessage`` with an inline keyboard), on aiohttp."""

    def __init__(self, bots: dict[str, tuple[str, str]], timeout: float = 10.0, connections: int = 100) -> None:
        self.bots = bots  # channel -> (API base, token)
        self.timeout, self.connections = timeout, connections
        self._http: Any = None

    def _session(self) -> Any:
        import aiohttp

        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout, connect=min(self.timeout, 5.0)),
                connector=aiohttp.TCPConnector(limit=self.connections))
        return self._http

    async def send(self, notice: Notice, msg: Rendered) -> str | None:
        """``sendMessage`` to the linked chat; the token is in the URL, so URLs are never logged."""
        import aiohttp

        base, token = self.bots[notice.channel]
        body: dict[str, Any] = {"chat_id": notice.address, "text": msg.text}
        if msg.choices:  # Bale reads every text as Markdown and has no parse_mode: none is sent
            body["reply_markup"] = {"inline_keyboard": [[{"text": c.title, "callback_data": c.id}]
                                                        for c in msg.choices]}
        try:
            async with self._session().post(f"{base.rstrip('/')}/bot{token}/sendMessage", json=body) as resp:
                status = resp.status
                try:
                    data = await resp.json(content_type=None)
                except ValueError:
                    data = {}
        except TimeoutError:
            raise SendFailed(f"{notice.channel}: timeout", True) from None
        except aiohttp.ClientError as exc:
            raise SendFailed(f"{notice.channel}: {type(exc).__name__}", True) from None
        data = data if isinstance(data, dict) else {}
        if status == 200 and data.get("ok"):
            return str((data.get("result") or {}).get("message_id", ""))
        desc = str(data.get("description", ""))[:120]
        if status == 429:
            after = (data.get("parameters") or {}).get("retry_after")
            raise SendFailed(f"{notice.channel}: 429", True, float(after) if after is not None else None)
        if status >= 500:
            raise SendFailed(f"{notice.channel}: HTTP {status}", True)
        gone = status in (400, 403) and any(w in desc.lower() for w in ("blocked", "not found", "deactivated",
                                                                          "kicked"))
        raise SendFailed(f"{notice.channel}: {status} {desc}", False, unreachable=gone)

    async def already_sent(self, notice: Notice) -> str | None:
        """The Bot API cannot be asked what was sent: unknown."""
        return None

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.close()


class KavenegarSender:
    """SMS through Kavenegar with the ledger id as ``localid``, looked up before any second send."""

    def __init__(self, client: Any, sender: str | None) -> None:
        self.client, self.line = client, sender

    async def send(self, notice: Notice, msg: Rendered) -> str | None:
        from integrations.kavenegar.errors import BadReceptor, KavenegarError

        try:
            sent = await self.client.send_once(notice.address, msg.text, self.line, localid=str(notice.id))
        except BadReceptor as exc:
            raise SendFailed(f"sms: {exc.code}", False, unreachable=True) from None
        except KavenegarError as exc:
            raise SendFailed(f"sms: {exc.code or type(exc).__name__}", exc.retryable) from None
        return str(sent[0].messageid) if sent else None

    async def already_sent(self, notice: Notice) -> str | None:
        """The Kavenegar message id of an earlier send of this notice, if it went out."""
        from integrations.kavenegar.client import UNKNOWN
        from integrations.kavenegar.errors import KavenegarError

        try:
            found = await self.client.status_by_localid([str(notice.id)])
        except KavenegarError as exc:
            raise SendFailed(f"sms lookup: {exc.code or type(exc).__name__}", True) from None
        for s in found:
            if s.status != UNKNOWN and s.messageid:
                return str(s.messageid)
        return None

    async def aclose(self) -> None:
        await self.client.aclose()


class OutboxSender:
    """The embedded default: SMS goes to the engine's gateway (the dev outbox without Kavenegar)."""

    def __init__(self, gateway: Any) -> None:
        self.gateway = gateway

    async def send(self, notice: Notice, msg: Rendered) -> str | None:
        await self.gateway.send_text(notice.address, msg.text)
        return None

    async def already_sent(self, notice: Notice) -> str | None:
        return None

    async def aclose(self) -> None:
        return None


class WebSender:
    """The embedded default's web chat: the notice waits with the conversation's pending messages, which the
    page polls (``/api/chat/pending``), its buttons the notice's choices."""

    def __init__(self, box: Callable[[], Any]) -> None:
        self.box = box  # the app's pending messages (the console's), looked up when a notice goes

    async def send(self, notice: Notice, msg: Rendered) -> str | None:
        box = self.box()
        if box is None:
            raise SendFailed("web: no pending messages", False, unreachable=True)
        await box.put(notice.address, Outbound(msg.text, list(msg.choices)).as_json())
        return None

    async def already_sent(self, notice: Notice) -> str | None:
        return None

    async def aclose(self) -> None:
        return None
