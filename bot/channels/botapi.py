"""Bot API calls on the hot path (sendMessage, answerCallbackQuery): one JSON body, aiogram's pooled session.

aiogram builds a pydantic method object, posts it as multipart form data and validates the answer
into a ``Message``; a turn needs none of that. Here the body is serialized once, posted as JSON on
aiogram's own aiohttp session (its connection pool, its timeout), and a good answer is only checked
for ``"ok": true``. Any other answer goes through aiogram's ``check_response``, so a 429 is still a
``TelegramRetryAfter`` (with ``retry_after``) and a refused chat a ``TelegramForbiddenError``.
"""

from __future__ import annotations

import json
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiohttp import ClientError

JSON = {"Content-Type": "application/json"}
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
    """Posts pre-serialized JSON calls for one bot through aiogram's session."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.session = bot.session
        self._urls: dict[str, str] = {}

    def _url(self, method: str) -> str:
        url = self._urls.get(method)
        if url is None:
            url = self._urls[method] = self.session.api.api_url(token=self.bot.token, method=method)
        return url

    async def call(self, method: str, params: dict[str, Any]) -> None:
        """Call ``method``; raise aiogram's exception for anything but a good answer."""
        body = json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode()
        http = await self.session.create_session()
        try:
            async with http.post(self._url(method), data=body, headers=JSON, timeout=self.session.timeout) as resp:
                status, raw = resp.status, await resp.read()
        except TimeoutError as exc:
            raise TelegramNetworkError(method=_METHODS[method](**params), message="Request timeout error") from exc
        except ClientError as exc:
            raise TelegramNetworkError(method=_METHODS[method](**params),
                                       message=f"{type(exc).__name__}: {exc}") from exc
        if status == 200 and _ok(raw):
            return
        self.session.check_response(self.bot, _METHODS[method](**params), status, raw.decode("utf-8", "replace"))

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
