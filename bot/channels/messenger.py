"""Telegram and Bale on aiogram 3: webhooks into the durable ingress, updates as ``Inbound``,
answers sent through the Bot API under the shared limiter (429s waited out, never dropped)."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import TYPE_CHECKING, Any

import httpx
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from pydantic import ValidationError
from starlette.routing import Route

from basics.masking import hide_secret
from bot.channels.botapi import FastApi, markup
from bot.channels.config import ChannelSettings
from bot.channels.deferral import wait_or_defer
from bot.channels.limiter import Limiter
from bot.channels.render_messenger import render
from bot.channels.runtime import runtime_of
from bot.engine.catalog import t
from bot.engine.messages import Channel, Contact, Inbound

if TYPE_CHECKING:
    from fastapi import FastAPI

    from bot.engine.dialogue import Engine
    from bot.settings import Settings

log = logging.getLogger("tamin.messenger")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_DOCUMENT = 20 * 1024 * 1024




def fix_update(raw: dict[str, Any]) -> dict[str, Any]:
    """Fill what Bale leaves out and aiogram requires (CallbackQuery.chat_instance)."""
    cq = raw.get("callback_query")
    if isinstance(cq, dict) and not cq.get("chat_instance"):
        raw = {**raw, "callback_query": {**cq, "chat_instance": "bale"}}
    return raw


def _id(value: Any) -> int:
    """An id as aiogram reads it (an integer; the webhook has validated the update already)."""
    return int(value)


def _private_chat(msg: dict[str, Any]) -> int | None:
    chat = msg["chat"]
    return _id(chat["id"]) if chat.get("type") == "private" else None


def chat_of(raw: dict[str, Any]) -> int | None:
    """The private chat a (validated) raw update belongs to, or None for updates we do not answer."""
    msg = raw.get("message") or raw.get("edited_message")
    if msg:
        return _private_chat(msg)
    cq = raw.get("callback_query")
    if cq:
        if cq.get("message") is not None:
            return _private_chat(cq["message"])
        return _id(cq["from"]["id"])
    return None


def group_of(raw: dict[str, Any]) -> int | None:
    """The group chat a new message was written in (answered with one line: write privately)."""
    msg = raw.get("message")
    if not msg or msg["chat"].get("type") not in ("group", "supergroup") or not msg.get("text"):
        return None
    return _id(msg["chat"]["id"])


def to_inbound(channel: Channel, raw: dict[str, Any]) -> Inbound | None:
    """A (validated) raw update as the engine's ``Inbound`` (None when there is nothing the engine can read)."""
    chat = chat_of(raw)
    if chat is None:
        return None
    update_id = _id(raw["update_id"])
    cq = raw.get("callback_query")
    if cq:
        return Inbound(channel, str(chat), choice=cq.get("data") or None, message_id=str(update_id))
    edited = raw.get("edited_message")
    if edited:
        text = edited.get("text")
        return Inbound(channel, str(chat), text=text, message_id=f"e{update_id}", edited=True) if text else None
    msg = raw["message"]
    c = msg.get("contact")
    if c is not None:
        user_id = c.get("user_id")
        return Inbound(channel, str(chat), contact=Contact(c["phone_number"], None if user_id is None else str(_id(user_id)),
                                                          c.get("first_name") or ""), message_id=str(_id(msg["message_id"])))
    if msg.get("text"):
        return Inbound(channel, str(chat), text=msg["text"], message_id=str(_id(msg["message_id"])))
    return Inbound(channel, str(chat), message_id=str(_id(msg["message_id"])), media=True)


class MessengerDoor:
    """One bot (Telegram or Bale) on one Bot API server."""

    def __init__(self, channel: Channel, token: str, api_base: str, engine: Engine, limiter: Limiter,
                 cfg: ChannelSettings | None = None) -> None:
        self.channel = channel.value
        self.kind = channel
        self.engine, self.limiter = engine, limiter
        self.cfg = cfg or ChannelSettings()
        self.token, self.api_base = token, api_base.rstrip("/")
        hide_secret(token)  # httpx logs Bot API URLs, which carry the token
        self.bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(self.api_base),
                                                     timeout=self.cfg.bot_api_timeout_seconds))
        self.api = FastApi(self.bot)  # sendMessage and answerCallbackQuery as pre-serialized JSON
        self.bot_key = f"{self.channel}:{token.split(':', 1)[0]}"
        self._files: httpx.AsyncClient | None = None
        self.receives = True  # False: no webhook secret, its webhook refuses every update

    def parse(self, raw: dict[str, Any]) -> Update:
        """Validate a raw update with aiogram's types (after the Bale fix); the webhook only reads it, so no
        bot is bound to its objects (a fifth of the validation's cost)."""
        return Update.model_validate(fix_update(raw))

    async def prepare(self, payload: dict[str, Any]) -> list[dict[str, Any]]:
        """Answer the button press, run the engine, render its answer for this chat.

        ``payload`` is an update the webhook validated with aiogram before queueing it, so it is read as
        the dict it is (no second validation into aiogram objects on every turn)."""
        payload = fix_update(payload)
        chat = chat_of(payload)
        cq = payload.get("callback_query")
        if cq:
            try:
                await self.api.answer_callback(cq["id"])
            except Exception as exc:  # an old or repeated callback: the answer is only cosmetic
                log.info("%s answerCallbackQuery failed: %s", self.channel, type(exc).__name__)
        if chat is None:
            group = group_of(payload)
            if group is None:
                return []
            return [{"t": "text", "text": t("channels.write_privately"), "inline": None, "contact": None, "chat": group}]
        inbound = to_inbound(self.kind, payload)
        if inbound is None:
            if payload.get("message"):
                return [{"t": "text", "text": t("channels.unsupported"), "inline": None, "contact": None, "chat": chat}]
            return []
        outs = await self.engine.handle(inbound)
        return [{**op, "chat": chat} for op in render(outs)]

    async def deliver(self, op: dict[str, Any], op_id: str) -> None:
        """Send one op; a 429 is waited out (or deferred, in a worker), a refused chat is logged and skipped."""
        while True:
            await self.limiter.acquire(self.bot_key, str(op["chat"]))
            try:
                await self._send(op)
                return
            except TelegramRetryAfter as exc:
                log.warning("%s 429: retrying after %ss", self.channel, exc.retry_after)
                await wait_or_defer(max(float(exc.retry_after), 0.05), "429")
            except (TelegramForbiddenError, TelegramBadRequest) as exc:
                log.warning("%s refused a message (%s): %s", self.channel, type(exc).__name__, exc.message)
                return

    async def _send(self, op: dict[str, Any]) -> None:
        chat = op["chat"]
        if op["t"] == "doc":
            data = await self._download(op["url"])
            if data is None:
                await self.api.send_message(chat, op["fallback"], markup(op))
                return
            await self.bot.send_document(chat, BufferedInputFile(data, op["filename"]),
                                         caption=op.get("caption") or None, reply_markup=_markup(op))
            return
        await self.api.send_message(chat, op["text"], markup(op))

    async def _download(self, url: str) -> bytes | None:
        if self._files is None:
            self._files = httpx.AsyncClient(timeout=self.cfg.document_timeout_seconds, follow_redirects=True)
        try:
            resp = await self._files.get(url)
            resp.raise_for_status()
        except httpx.HTTPError as exc:
            log.warning("document download failed (%s): sending the link", type(exc).__name__)
            return None
        if not resp.content or len(resp.content) > MAX_DOCUMENT:
            return None
        return resp.content

    async def poll(self, runtime: Any, stop: asyncio.Event) -> None:
        """Long polling (local development): getUpdates into the same ingress as the webhook."""
        base = f"{self.api_base}/bot{self.token}"
        timeout = self.cfg.poll_timeout_seconds
        async with httpx.AsyncClient(timeout=timeout + 10) as http:
            try:
                await http.post(f"{base}/deleteWebhook")
            except httpx.HTTPError:
                log.warning("%s deleteWebhook failed", self.channel)
            offset = None
            while not stop.is_set():
                try:
                    params: dict[str, Any] = {"timeout": timeout}
                    if offset is not None:
                        params["offset"] = offset
                    resp = await http.post(f"{base}/getUpdates", data=params)
                    body = resp.json()
                    if not body.get("ok"):
                        raise ValueError(f"getUpdates refused: {body.get('error_code')}")
                    updates = body.get("result") or []
                except (httpx.HTTPError, ValueError, AttributeError) as exc:
                    log.warning("%s getUpdates failed: %s", self.channel, exc if isinstance(exc, ValueError)
                                else type(exc).__name__)
                    await asyncio.sleep(2)
                    continue
                for raw in updates:
                    try:
                        await accept_update(runtime, self, raw)
                    except ValidationError:
                        log.warning("%s update %s unreadable: skipped", self.channel, raw.get("update_id"))
                    except Exception:
                        log.exception("%s update not queued; fetching it again", self.channel)
                        await asyncio.sleep(2)
                        break
                    offset = int(raw["update_id"]) + 1

    async def aclose(self) -> None:
        """Close the Bot API session and the download client."""
        await self.api.aclose()
        await self.bot.session.close()
        if self._files is not None:
            await self._files.aclose()


def _markup(op: dict[str, Any]):
    if op.get("contact"):
        return ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text=op["contact"], request_contact=True)]],
                                   one_time_keyboard=True, resize_keyboard=True)
    if op.get("inline"):
        rows = [[InlineKeyboardButton(text=b["text"], url=b["url"]) if "url" in b
                 else InlineKeyboardButton(text=b["text"], callback_data=b["data"]) for b in row]
                for row in op["inline"]]
        return InlineKeyboardMarkup(inline_keyboard=rows)
    return None


async def accept_update(runtime: Any, door: MessengerDoor, raw: dict[str, Any]) -> bool | None:
    """Validate and queue one raw update; None when it is not for us, False for a duplicate."""
    raw = fix_update(raw)
    update = door.parse(raw)  # aiogram's validation: only a well-formed update is queued
    chat = chat_of(raw)
    group = group_of(raw) if chat is None else None
    if chat is None and update.callback_query is None and group is None:
        return None
    user = str(chat if chat is not None else f"g{group}" if group is not None else update.callback_query.from_user.id)
    return await runtime.accept(door.channel, user, str(update.update_id), raw)


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


_OK, _REFUSED, _UNREADABLE = b'{"ok":true}', b'{"ok":false}', b'{"ok":false}'
_SECRET_HEADER = SECRET_HEADER.lower().encode()


class WebhookEndpoint:
    """``POST /webhooks/telegram/{secret}`` and ``POST /webhooks/bale/{secret}`` as a plain ASGI app.

    Telegram sends the secret in the path and in the secret-token header, and both must match; Bale never
    sends the header, so its path secret authenticates (a header, if one comes, must be right). The app's
    middleware is around it as around every route; FastAPI's per-request machinery is skipped (it cost
    more CPU than validating and queueing the update)."""

    def __init__(self, runtime: Any, channel: str, expected: str) -> None:
        self.runtime, self.channel, self.expected = runtime, channel, expected

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        status, body = await self.answer(scope, receive)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    async def answer(self, scope: dict, receive: Any) -> tuple[int, bytes]:
        """The status and body of the webhook's answer."""
        channel = self.channel
        door = self.runtime.doors.get(channel)
        header = next((v.decode("latin-1") for k, v in scope["headers"] if k == _SECRET_HEADER), None)
        ok = door is not None and _same(scope["path_params"].get("secret"), self.expected)
        if channel == "telegram" or header is not None:
            ok = ok and _same(header, self.expected)
        if not ok:
            log.warning("%s webhook: refused (bad secret)", channel)
            return 401, _REFUSED
        raw_body = await _body(receive)
        try:
            if raw_body is None:
                raise ValueError("disconnected")
            raw = json.loads(raw_body)
            if not isinstance(raw, dict):
                raise ValueError("not an object")
            accepted = await accept_update(self.runtime, door, raw)
        except (ValueError, ValidationError, RecursionError) as exc:  # RecursionError: JSON nested too deep
            log.warning("%s webhook: unreadable update (%s)", channel, type(exc).__name__)
            return 400, _UNREADABLE
        if accepted is False:
            log.info("%s webhook: duplicate update %s", channel, raw.get("update_id"))
        return 200, _OK


async def _body(receive: Any) -> bytes | None:
    """The whole request body, or None when the client went away."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def webhook_routes(runtime: Any, settings: Settings) -> list[Route]:
    """The two webhook routes, each with its channel's secret."""
    return [Route(f"/webhooks/{channel}/{{secret}}", WebhookEndpoint(runtime, channel, expected), methods=["POST"])
            for channel, expected in (("telegram", settings.telegram_webhook_secret),
                                      ("bale", settings.bale_webhook_secret))]


def doors(settings: Settings, engine: Engine, limiter: Limiter, cfg: ChannelSettings | None = None) -> list[MessengerDoor]:
    """A door for each messenger with a token in the settings."""
    out = []
    if settings.telegram_bot_token:
        out.append(MessengerDoor(Channel.TELEGRAM, settings.telegram_bot_token, settings.telegram_api_base,
                                 engine, limiter, cfg))
    if settings.bale_bot_token:
        out.append(MessengerDoor(Channel.BALE, settings.bale_bot_token, settings.bale_api_base, engine, limiter, cfg))
    return out


def install(app: FastAPI, settings: Settings) -> None:
    """Register the messenger webhooks and doors (only for messengers with a token)."""
    if not (settings.telegram_bot_token or settings.bale_bot_token):
        return
    runtime = runtime_of(app)
    for door in doors(settings, app.state.engine, runtime.limiter, runtime.cfg):
        runtime.add(door)
        if not (settings.telegram_webhook_secret if door.channel == "telegram" else settings.bale_webhook_secret):
            door.receives = False  # updates can still come by ``tamin-bot worker --poll``, which has its own workers
            log.warning("%s has a token but no webhook secret: its webhook refuses every update", door.channel)
    app.router.routes[0:0] = webhook_routes(runtime, settings)
