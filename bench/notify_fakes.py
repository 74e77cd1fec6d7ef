"""Cheap stand-ins for the benchmark: the Bot API's sendMessage and Kavenegar's SMS methods on a raw asyncio
protocol (HTTP/1.1 keep-alive, no framework), so a run measures the workers, not the fakes.

Speaks the subset the workers use, with the answers of tests/fakes: ``/bot<token>/sendMessage`` (JSON),
``/v1/<key>/sms/send.json``, ``sms/sendarray.json`` (JSON arrays, ``localmessageids``),
``sms/statuslocalmessageid.json`` and ``sms/status.json`` (forms); ``GET /_stats`` gives what was received.
``--no-sendarray`` answers sendarray as an unknown method (404), as ../shared/acceptance/fakes.py does.

    python bench/notify_fakes.py --port 0    # prints its URL, then serves until killed
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import time
from collections import Counter
from urllib.parse import parse_qsl

received: Counter = Counter()
bot_times: list[float] = []
by_localid: dict[str, int] = {}
calls: Counter = Counter()
ids = itertools.count(1000)
ARRAY = True
OK = {"status": 200, "message": "تایید شد"}


def bot_api(body: bytes) -> dict:
    """``sendMessage``."""
    msg = json.loads(body)
    chat = msg["chat_id"]
    received[f"tg:{chat}"] += 1
    bot_times.append(time.time())
    return {"ok": True, "result": {"message_id": next(ids), "date": int(time.time()),
                                   "chat": {"id": chat, "type": "private"}}}


def kavenegar(method: str, body: bytes) -> dict:
    """Kavenegar's ``sms/<method>.json``."""
    form = dict(parse_qsl(body.decode(), keep_blank_values=True))
    if method == "send.json":
        mid = next(ids)
        received[f"sms:{form['receptor']}"] += 1
        if form.get("localid"):
            by_localid[form["localid"]] = mid
        return {"return": OK, "entries": [{"messageid": mid, "receptor": form["receptor"], "status": 1,
                                           "cost": 120}]}
    if method == "sendarray.json" and ARRAY:
        rec, texts, senders = (json.loads(form[f]) for f in ("receptor", "message", "sender"))
        lids = json.loads(form["localmessageids"]) if form.get("localmessageids") else None
        if len(texts) != len(rec) or len(senders) != len(rec) or (lids is not None and len(lids) != len(rec)):
            return {"return": {"status": 419, "message": "array lengths differ"}, "entries": None}
        out = []
        for k, r in enumerate(rec):
            mid = next(ids)
            received[f"sms:{r}"] += 1
            if lids is not None:
                by_localid[str(lids[k])] = mid
            out.append({"messageid": mid, "receptor": r, "status": 1, "cost": 120})
        return {"return": OK, "entries": out}
    if method == "statuslocalmessageid.json":
        out = [{"messageid": by_localid.get(lid, 0), "localid": lid, "status": 10 if lid in by_localid else 100}
               for lid in form.get("localid", "").split(",")]
        return {"return": OK, "entries": out}
    if method == "status.json":
        return {"return": OK, "entries": [{"messageid": int(m), "status": 10}
                                          for m in form.get("messageid", "").split(",") if m]}
    return {"return": {"status": 404, "message": "not emulated"}, "entries": None}


def answer(method: str, path: str, body: bytes) -> dict:
    """The JSON answer to one request."""
    if path.startswith("/bot") and path.endswith("/sendMessage"):
        calls["sendMessage"] += 1
        return bot_api(body)
    if path.startswith("/v1/"):
        name = path.rsplit("/", 1)[-1]
        calls[name] += 1
        return kavenegar(name, body)
    if path == "/_stats":
        return {"received": dict(received), "bot_times": bot_times, "calls": dict(calls)}
    return {"ok": False, "error_code": 404, "description": "Not Found"}


class Http(asyncio.Protocol):
    """HTTP/1.1 with Content-Length bodies and keep-alive: what aiohttp and httpx send."""

    def __init__(self) -> None:
        self.buf = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buf[:end].decode("latin-1").split("\r\n")
            length = 0
            for line in head[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if len(self.buf) < end + 4 + length:
                return
            body = self.buf[end + 4:end + 4 + length]
            self.buf = self.buf[end + 4 + length:]
            method, path, _ = head[0].split(" ", 2)
            raw = json.dumps(answer(method, path.split("?", 1)[0], body), ensure_ascii=False).encode()
            assert self.transport is not None
            self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                                 + str(len(raw)).encode() + b"\r\n\r\n" + raw)


async def serve(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(Http, "127.0.0.1", port)
    print(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--no-sendarray", action="store_true", help="answer sendarray as an unknown method")
    args = parser.parse_args()
    ARRAY = not args.no_sendarray
    asyncio.run(serve(args.port))
