"""Bot API calls on the hot path (sendMessage, answerCallbackQuery): one JSON body on a keep-alive connection.

aiogram builds a pydantic method object, posts it as multipart form data and validates the answer
into a ``Message``; a turn needs none of that. Here the body is serialized once and posted as JSON on
``basics.wire`` (keep-alive HTTP/1.1 connections to the bot's API server, aiogram's deadline), and a good
answer is only checked for ``"ok": true``. Any other answer goes through aiogram's ``check_response``, so a
429 is still a ``TelegramRetryAfter`` (with ``retry_after``) and a refused chat a ``TelegramForbiddenError``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import AnswerCallbackQuery, SendMessage

from basics.wire import Pool, WireError, WireTimeout

_METHODS = {"sendMessage": SendMessage, "answerCallbackQuery": AnswerCallbackQuery}


def markup(op: dict[str, Any]) -> dict[str, Any] | None:
    """A rendered op's keyboard as Bot API JSON (contact request, inline buttons, or none)."""
    if op.get("contact"):
        return {"keyboard": [[{"text": op["contact"], "request_contact": True}]],
                "one_time_keyboard": True, "resize_keyboard": True}
    if op.get("inline"):
        return {"inline_keyboard": [[{"text": b["text"], "url": b["url"]} if "url" in b
                                     else {"text": b["text"], "callback_data": b["data"]} for b in row]
                                    for row in op["inline"]]}
    return None


class FastApi:
    """Posts pre-serialized JSON calls for one bot on keep-alive connections to its API server."""

    def __init__(self, bot: Bot, connections: int = 100) -> None:
        self.bot = bot
        self.session = bot.session
        self.connections = connections
        self._pool: Pool | None = None
        self._paths: dict[str, str] = {}

    def _path(self, method: str) -> tuple[Pool, str]:
        path = self._paths.get(method)
        if path is None:
            url = urlsplit(self.session.api.api_url(token=self.bot.token, method=method))
            if self._pool is None:
                timeout = float(self.session.timeout)
                self._pool = Pool(f"{url.scheme}://{url.netloc}", self.connections, timeout, min(timeout, 5.0))
            path = self._paths[method] = url.path + (f"?{url.query}" if url.query else "")
        assert self._pool is not None
        return self._pool, path

    async def call(self, method: str, params: dict[str, Any]) -> None:
        """Call ``method``; raise aiogram's exception for anything but a good answer."""
        body = json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode()
        pool, path = self._path(method)
        try:
            status, raw = await pool.post(path, body)
        except WireTimeout as exc:
            raise TelegramNetworkError(method=_METHODS[method](**params), message="Request timeout error") from exc
        except WireError as exc:
            raise TelegramNetworkError(method=_METHODS[method](**params), message=f"WireError: {exc}") from exc
        if status == 200 and _ok(raw):
            return
        self.session.check_response(self.bot, _METHODS[method](**params), status, raw.decode("utf-8", "replace"))

    async def aclose(self) -> None:
        """Close the idle connections."""
        if self._pool is not None:
            await self._pool.aclose()
            self._pool = None
            self._paths.clear()

    async def send_message(self, chat: int | str, text: str, reply_markup: dict[str, Any] | None) -> None:
        """sendMessage with plain text (no parse_mode: Bale reads none)."""
        params: dict[str, Any] = {"chat_id": chat, "text": text}
        if reply_markup is not None:
            params["reply_markup"] = reply_markup
        await self.call("sendMessage", params)

    async def answer_callback(self, callback_id: str) -> None:
        """answerCallbackQuery, so the pressed button stops spinning."""
        await self.call("answerCallbackQuery", {"callback_query_id": callback_id})


def _ok(raw: bytes) -> bool:
    try:
        return json.loads(raw).get("ok") is True
    except (ValueError, AttributeError):
        return False
