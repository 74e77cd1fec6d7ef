"""Fast stand-ins for the benchmark: the Bot API's sendMessage and Kavenegar's sms/send on aiohttp.

The test fakes in tests/fakes (http.server, one thread per connection) answer ~700 requests a second,
below what the pipeline can do; these speak the same subset and count what they received.

    python bench/notify_fakes.py --port 0    # prints its URL, then serves until killed
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections import Counter

from aiohttp import web

received: Counter = Counter()
bot_times: list[float] = []
by_localid: dict[str, int] = {}
ids = itertools.count(1000)


async def bot_api(request: web.Request) -> web.Response:
    """``/bot<token>/sendMessage``."""
    body = await request.json()
    received[f"tg:{body['chat_id']}"] += 1
    bot_times.append(time.time())
    return web.json_response({"ok": True, "result": {"message_id": next(ids), "date": int(time.time()),
                                                     "chat": {"id": body["chat_id"], "type": "private"}}})


async def kavenegar(request: web.Request) -> web.Response:
    """``/v1/<key>/sms/send.json`` and ``sms/statuslocalmessageid.json``."""
    form = await request.post()
    method = request.match_info["method"]
    ok = {"status": 200, "message": "تایید شد"}
    if method == "send.json":
        mid = next(ids)
        received[f"sms:{form['receptor']}"] += 1
        if form.get("localid"):
            by_localid[str(form["localid"])] = mid
        return web.json_response({"return": ok, "entries": [{"messageid": mid, "receptor": form["receptor"],
                                                             "status": 1, "cost": 120}]})
    if method == "statuslocalmessageid.json":
        out = [{"messageid": by_localid.get(lid, 0), "localid": lid, "status": 10 if lid in by_localid else 100}
               for lid in str(form.get("localid", "")).split(",")]
        return web.json_response({"return": ok, "entries": out})
    if method == "status.json":
        return web.json_response({"return": ok, "entries": [{"messageid": int(m), "status": 10}
                                                            for m in str(form.get("messageid", "")).split(",")]})
    return web.json_response({"return": {"status": 404, "message": "not emulated"}, "entries": None})


async def stats(request: web.Request) -> web.Response:
    """What was received: per recipient, and the Bot API send times."""
    return web.json_response({"received": dict(received), "bot_times": bot_times})


def app() -> web.Application:
    a = web.Application()
    a.router.add_post("/bot{token}/sendMessage", bot_api)
    a.router.add_post("/v1/{key}/sms/{method}", kavenegar)
    a.router.add_get("/_stats", stats)
    return a


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    print(f"http://127.0.0.1:{args.port}", flush=True)
    web.run_app(app(), host="127.0.0.1", port=args.port, print=None, access_log=None)
