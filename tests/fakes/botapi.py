"""A fake Bot API (Telegram and Bale): ``/bot<token>/<method>``, recording every call."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

from tests.fakes.http import FakeServer

SENDS = ("sendmessage", "senddocument", "sendphoto", "editmessagetext", "editmessagereplymarkup")


class FakeBotAPI(FakeServer):
    """Answers like the Bot API. ``throttle(n, retry_after)`` answers the next n sends with 429;
    ``hold()`` makes sends wait (recorded in ``.held``) until ``release()``."""

    def __init__(self) -> None:
        self.ids = itertools.count(1000)
        self.throttle_next, self.retry_after = 0, 1
        self._go = threading.Event()
        self._go.set()
        self.held: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []
        self._new_update = threading.Condition()
        super().__init__()

    def throttle(self, n: int, retry_after: int = 1) -> None:
        """Answer the next ``n`` sends with 429 Too Many Requests."""
        self.throttle_next, self.retry_after = n, retry_after

    def hold(self) -> None:
        """Make every send wait (without answering) until ``release``."""
        self._go.clear()

    def release(self) -> None:
        self._go.set()

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates."""
        with self._new_update:
            self.updates.append(update)
            self._new_update.notify_all()

    def handle(self, path: str, p: dict[str, Any]) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if len(parts) != 2 or not parts[0].startswith("bot"):
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        token, method = parts[0][3:], parts[1]
        m = method.lower()
        for name, value in list(p.items()):  # aiogram uploads as document=attach://<part>
            if isinstance(value, str) and value.startswith("attach://") and value[9:] in p:
                p[name] = p.pop(value[9:])
        if m in SENDS and not self._go.is_set():
            with self.lock:
                self.held.append({"token": token, "method": method, "params": p})
            self._go.wait(30)
            return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        if m == "getupdates":
            return 200, {"ok": True, "result": self._get_updates(p)}
        throttled = m.startswith("send") and self.throttle_next > 0
        self.record(token=token, method=method, params=p, status=429 if throttled else 200)
        if throttled:
            self.throttle_next -= 1
            return 429, {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {self.retry_after}",
                         "parameters": {"retry_after": self.retry_after}}
        if m == "getme":
            return 200, {"ok": True, "result": {"id": 4242, "is_bot": True, "first_name": "Tamin", "username": "tamin_bot"}}
        if m in SENDS:
            chat = str(p.get("chat_id"))
            msg: dict[str, Any] = {"message_id": next(self.ids), "date": int(time.time()),
                                   "chat": {"id": int(chat) if chat.lstrip("-").isdigit() else chat, "type": "private"},
                                   "from": {"id": 4242, "is_bot": True, "first_name": "Tamin"}}
            if "text" in p:
                msg["text"] = p["text"]
            if m == "senddocument":
                msg["document"] = {"file_id": "doc", "file_unique_id": "doc", "file_name": "certificate.pdf"}
                if p.get("caption"):
                    msg["caption"] = p["caption"]
            return 200, {"ok": True, "result": msg}
        if m in ("answercallbackquery", "setwebhook", "deletewebhook", "setmycommands", "deletemessage"):
            return 200, {"ok": True, "result": True}
        return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: method {method} not emulated"}

    def _get_updates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(p.get("offset") or 0)
        deadline = time.time() + min(float(p.get("timeout") or 0), 2.0)
        with self._new_update:
            while True:
                out = [u for u in self.updates if u["update_id"] >= offset]
                if out or time.time() >= deadline:
                    return out
                self._new_update.wait(max(deadline - time.time(), 0.01))

    def sent_to(self, chat_id: int | str, token: str | None = None) -> list[dict[str, Any]]:
        """Messages sent to ``chat_id`` (by the bot with ``token``), oldest first."""
        with self.lock:
            return [c for c in self.calls if c["method"].lower() in SENDS and c["status"] == 200
                    and str(c["params"].get("chat_id")) == str(chat_id)
                    and (token is None or c["token"] == token)]
