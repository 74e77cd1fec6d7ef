"""``POST /events`` over real HTTP: signed events in, bad signatures and replays out; the poller's cursor."""

from __future__ import annotations

import json
import time
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from bot.notify.intake import sign
from bot.notify.poller import EventPoller
from tests.notify.conftest import SECRET, drain, settings_for
from tests.support.servers import ServerThread

EVENT = {"id": "EV-100", "type": "debt_raised",
         "payload": {"workshop": "1012345678", "id": "D77", "amount": 5000000, "period": "1405-08",
                     "recipients": [{"national_code": "0158165667", "mobile": "09120000113"}]}}


@pytest.fixture
def events_url(bot_api, kavenegar, redis9, database):
    """A small app serving the notifications' routes, on its own thread and loop."""
    from bot.notify.http import router
    from bot.notify.runtime import Notify
    from bot.storage import Database

    settings = settings_for(bot_api, kavenegar, redis9)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        db = Database(database.url)
        app.state.notify = Notify.from_settings(settings, db)
        await app.state.notify.prepare()
        yield
        await app.state.notify.aclose()
        await db.dispose()

    app = FastAPI(lifespan=lifespan)
    app.state.settings = settings
    app.state.events_secret = settings.events_hmac_secret
    app.include_router(router)
    with ServerThread(app) as server:
        yield server.url


def post(url: str, body: dict, *, ts: int | None = None, secret: str = SECRET) -> httpx.Response:
    raw = json.dumps(body).encode()
    stamp = str(ts if ts is not None else int(time.time()))
    return httpx.post(f"{url}/events", content=raw, headers={
        "Content-Type": "application/json", "X-Tamin-Timestamp": stamp,
        "X-Tamin-Signature": "sha256=" + sign(secret, stamp, raw)})


async def test_signed_events_are_taken_once_bad_signatures_and_replays_refused(events_url, make_notify, kavenegar):
    assert post(events_url, EVENT, secret="wrong").status_code == 401
    assert post(events_url, EVENT, ts=int(time.time()) - 600).json() == {"error": "stale"}
    unsigned = httpx.post(f"{events_url}/events", json=EVENT)
    assert unsigned.status_code == 401

    ok = post(events_url, EVENT)
    assert ok.status_code == 202 and ok.json()["notices"] == 1
    replay = post(events_url, EVENT)
    assert replay.status_code == 409 and replay.json()["error"] == "replay"

    notify = make_notify()
    await drain(notify)
    assert len(kavenegar.messages()) == 1


async def test_the_poller_reads_the_simulators_feed_from_its_cursor(make_notify, kavenegar):
    from integrations.tamin.client import TaminClient
    from integrations.tamin.simulator import create_app

    sim = create_app(public_base="http://sim")
    transport = httpx.ASGITransport(app=sim)
    client = TaminClient("http://sim", transport=transport)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as http:
        await http.post("/_sim/events", json={"type": "article38_certificate_issued",
                                              "payload": {"contract": "1404-3817", "date": "1405-09-03"}})
        notify = make_notify()
        await notify.prepare()
        poller = EventPoller(client, notify.intake, notify.ledger, name="test")
        assert await poller.poll_once() == 1
        assert await poller.poll_once() == 0
        await http.post("/_sim/events", json={"type": "debt_raised", "payload": {
            "workshop": "1012345678", "amount": 9000000, "period": "1405-08", "deadline": "1405-09-30"}})
        assert await poller.poll_once() == 1
    await drain(notify)
    receptors = sorted(c["params"]["receptor"] for c in kavenegar.messages())
    # the contractor and the hiring employer of the contract, then the debtor workshop's employer
    assert receptors == ["09120000113", "09120000114", "09120000116"]
    assert await notify.ledger.cursor("test") == "2"
    await client.aclose()
