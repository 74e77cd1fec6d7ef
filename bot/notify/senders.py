"""Sending one rendered notice: to a messenger chat through the Bot API, or by SMS through Kavenegar."""

from __future__ import annotations

import asyncio
import json
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


_JSON = {"Content-Type": "application/json"}


class BotApiSender:
    """Telegram and Bale through their Bot API (``sendMessage`` with an inline keyboard): bodies serialised once,
    sent on keep-alive connections (``basics.wire``)."""

    def __init__(self, bots: dict[str, tuple[str, str]], timeout: float = 10.0, connections: int = 100) -> None:
        self.bots = bots  # channel -> (API base, token)
        self.timeout, self.connections = timeout, connections
        self._pools: dict[str, Any] = {}
        self._urls: dict[str, str] = {}
        self._markups: dict[tuple, str] = {}

    def _pool(self, channel: str) -> Any:
        from basics.wire import Pool

        pool = self._pools.get(channel)
        if pool is None:
            base, token = self.bots[channel]
            pool = self._pools[channel] = Pool(base, self.connections, self.timeout, min(self.timeout, 5.0))
            self._urls[channel] = f"/bot{token}/sendMessage"
        return pool

    def _body(self, notice: Notice, msg: Rendered) -> bytes:
        """The request body, serialised once; a batch's identical keyboards are serialised once between them."""
        head = f'{{"chat_id":{json.dumps(notice.address)},"text":{json.dumps(msg.text, ensure_ascii=False)}'
        if not msg.choices:  # Bale reads every text as Markdown and has no parse_mode: none is sent
            return (head + "}").encode()
        key = tuple((c.id, c.title) for c in msg.choices)
        markup = self._markups.get(key)
        if markup is None:
            markup = json.dumps({"inline_keyboard": [[{"text": t, "callback_data": i}] for i, t in key]},
                                ensure_ascii=False)
            if len(self._markups) > 1000:
                self._markups.clear()
            self._markups[key] = markup
        return f'{head},"reply_markup":{markup}}}'.encode()

    async def send(self, notice: Notice, msg: Rendered) -> str | None:
        """``sendMessage`` to the linked chat; the token is in the URL, so URLs are never logged."""
        from basics.wire import WireError, WireTimeout

        pool = self._pool(notice.channel)
        try:
            status, raw = await pool.post(self._urls[notice.channel], self._body(notice, msg))
        except WireTimeout:
            raise SendFailed(f"{notice.channel}: timeout", True) from None
        except WireError as exc:
            raise SendFailed(f"{notice.channel}: {exc}", True) from None
        try:
            data = json.loads(raw)
        except ValueError:
            data = {}
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
        for pool in self._pools.values():
            await pool.aclose()


ARRAY_MAX = 200  # receptors in one ``sendarray`` request (Kavenegar refuses too many records with 414)


class KavenegarSender:
    """SMS through Kavenegar with the ledger id as ``localid``, looked up before any second send.

    A batch goes as one ``sendarray`` request with the ledger ids as ``localmessageids``; where Kavenegar
    (or a stand-in) does not know ``sendarray``, or no sender line is set, each notice goes by ``sms/send``.
    """

    def __init__(self, client: Any, sender: str | None, concurrency: int = 64) -> None:
        self.client, self.line = client, sender
        self.array = bool(sender)  # sendarray needs a sender line per message
        self.concurrency = concurrency

    async def send(self, notice: Notice, msg: Rendered) -> str | None:
        from integrations.kavenegar.errors import BadReceptor, KavenegarError

        try:
            sent = await self.client.send_once(notice.address, msg.text, self.line, localid=str(notice.id))
        except BadReceptor as exc:
            raise SendFailed(f"sms: {exc.code}", False, unreachable=True) from None
        except KavenegarError as exc:
            raise SendFailed(f"sms: {exc.code or type(exc).__name__}", exc.retryable) from None
        return str(sent[0].messageid) if sent else None

    async def send_many(self, notices: list[Notice], msgs: list[Rendered]) -> list[str | None | SendFailed]:
        """Send a batch: for each notice its Kavenegar message id, or why it did not go."""
        out: list[str | None | SendFailed] = []
        i = 0
        while self.array and i < len(notices):
            part = await self._array(notices[i:i + ARRAY_MAX], msgs[i:i + ARRAY_MAX])
            if part is None:  # sendarray unknown here: nothing went out, every notice goes alone
                self.array = False
                log.warning("kavenegar sendarray not available; sending one by one")
                break
            out += part
            i += len(part)
        if i < len(notices):
            out += await self._singly(notices[i:], msgs[i:])
        return out

    async def _singly(self, notices: list[Notice], msgs: list[Rendered]) -> list[str | None | SendFailed]:
        sem = asyncio.Semaphore(self.concurrency)

        async def one(n: Notice, m: Rendered) -> str | None | SendFailed:
            async with sem:
                try:
                    return await self.send(n, m)
                except SendFailed as exc:
                    return exc

        return list(await asyncio.gather(*(one(n, m) for n, m in zip(notices, msgs, strict=True))))

    async def _array(self, notices: list[Notice], msgs: list[Rendered],
                     tries: int = 2) -> list[str | None | SendFailed] | None:
        """One ``sendarray``; after a timeout, only what Kavenegar does not know by local id is sent again."""
        from integrations.kavenegar.errors import KavenegarError, KavenegarTimeout, TransportError

        lids = [str(n.id) for n in notices]
        try:
            sent = await self.client.send_array([n.address for n in notices], [m.text for m in msgs],
                                                [self.line or ""] * len(notices), localmessageids=lids)
        except (KavenegarTimeout, TransportError) as exc:  # it may have gone out: ask before sending again
            try:
                found = await self._found(lids)
            except KavenegarError:
                return [SendFailed(f"sms: {type(exc).__name__}", True) for _ in notices]  # cannot tell: wait
            missing = [k for k, lid in enumerate(lids) if lid not in found]
            out: list[str | None | SendFailed] = [found.get(lid) for lid in lids]
            if missing and tries > 1:
                again = await self._array([notices[k] for k in missing], [msgs[k] for k in missing], tries - 1)
                for k, r in zip(missing, again or [], strict=False):
                    out[k] = r
                if again is None:
                    for k in missing:
                        out[k] = SendFailed("sms: sendarray unavailable", True)
            elif missing:
                for k in missing:
                    out[k] = SendFailed(f"sms: {type(exc).__name__}", True)
            return out
        except KavenegarError as exc:
            if exc.code == 404:  # unknown method
                return None
            if exc.retryable:  # busy: once more at once, as a single send does, then later
                if tries > 1:
                    again = await self._array(notices, msgs, tries - 1)
                    if again is not None:
                        return again
                return [SendFailed(f"sms: {exc.code or type(exc).__name__}", True) for _ in notices]
            # the whole request was refused (e.g. one bad number) and none went out: each alone says whose
            return await self._singly(notices, msgs)
        if len(sent) == len(notices):
            return [str(s.messageid) if s.messageid else None for s in sent]
        try:  # an answer that does not say which is which: ask by local id
            found = await self._found(lids)
        except KavenegarError:
            found = {}
        return [found[lid] if lid in found else SendFailed("sms: unclear sendarray answer", True) for lid in lids]

    async def _found(self, lids: list[str]) -> dict[str, str]:
        """Local id -> Kavenegar message id of those Kavenegar knows were sent."""
        from integrations.kavenegar.client import UNKNOWN

        out: dict[str, str] = {}
        for i in range(0, len(lids), ARRAY_MAX):
            part = lids[i:i + ARRAY_MAX]
            found = await self.client.status_by_localid(part)
            for k, s in enumerate(found):
                lid = s.localid if s.localid is not None else (part[k] if k < len(part) else None)
                if lid is not None and s.status != UNKNOWN and s.messageid:
                    out[lid] = str(s.messageid)
        return out

    async def already_sent(self, notice: Notice) -> str | None:
        """The Kavenegar message id of an earlier send of this notice, if it went out."""
        return (await self.already_sent_many([notice])).get(notice.id)

    async def already_sent_many(self, notices: list[Notice]) -> dict[int, str]:
        """Notice id -> Kavenegar message id of the earlier sends that went out, in one look-up per 200."""
        from integrations.kavenegar.errors import KavenegarError

        try:
            found = await self._found([str(n.id) for n in notices])
        except KavenegarError as exc:
            raise SendFailed(f"sms lookup: {exc.code or type(exc).__name__}", True) from None
        return {n.id: found[str(n.id)] for n in notices if str(n.id) in found}

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
