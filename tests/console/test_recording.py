"""The console's recorder keeps turns off the database: a buffer per conversation (Redis or memory) that is
copied to the database only when the conversation is handed to a human."""

from __future__ import annotations

import time
import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import event, select

from bot.console import inbox
from bot.console.models import Event, Handoff
from bot.console.recorder import ABANDON_AFTER, Recorder
from bot.engine.messages import Channel, Choice, Inbound, Outbound
from bot.engine.session import FlowState, Session
from bot.engine.store import MemoryStore, RedisStore
from bot.storage import Database
from tests.support.services import redis_db

REDIS = redis_db(11)


@pytest.fixture
async def db(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/console.db")
    await database.migrate()
    database.writes = []

    def count(conn, cursor, statement, *args) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            database.writes.append(statement.split("(")[0][:60])

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    yield database
    await database.dispose()


async def _redis_store(prefix: str) -> RedisStore:
    return RedisStore.from_url(REDIS, prefix=prefix)


@pytest.fixture(params=["memory", "redis"])
async def stores(request, redis_available):
    """A factory of session stores; with Redis, every call is another worker on the same Redis."""
    made: list = []
    prefix = f"t-rec-{uuid.uuid4().hex[:8]}:"

    async def make():
        store = MemoryStore() if request.param == "memory" else await _redis_store(prefix)
        made.append(store)
        return store

    make.kind = request.param
    yield make
    if request.param == "redis":
        keys = [k async for k in made[0].redis.scan_iter(match=f"{prefix}*", count=500)]
        if keys:
            await made[0].redis.delete(*keys)
    for store in made:
        await store.close()


def _app(db: Database) -> SimpleNamespace:
    return SimpleNamespace(state=SimpleNamespace(db=db, senders={}))


async def _conversation(rec: Recorder, store, key_user: str, n: int) -> Inbound:
    person = Inbound(Channel.TELEGRAM, key_user, text="کد ملی من ۰۰۹۳۳۳۷۴۲۶ است")
    await store.save(person.key, Session(flow=FlowState("pension_status", awaiting="national_code")))
    for i in range(n):
        await rec.turn(person, [Outbound(f"پاسخ {i}", [Choice("yes", "بله")])], "pension_status")
    await rec.turn(Inbound(Channel.TELEGRAM, key_user, choice="yes"), [Outbound("باشه")], "pension_status")
    return person


async def test_turns_without_a_handoff_write_nothing_to_the_database(db, stores):
    store = await stores()
    rec = Recorder(_app(db), store)
    await rec.tick()  # the periodic read of open handoffs, out of the way
    db.writes.clear()
    await _conversation(rec, store, "7001", 25)
    await rec.turn(Inbound(Channel.TELEGRAM, "7001", text="ممنون"), [Outbound("خواهش می‌کنم")], None)
    assert db.writes == []
    turns = await rec.transcript("telegram:7001")
    assert turns[-1]["text"] == "خواهش می‌کنم" and turns[-2]["text"] == "ممنون"
    assert all("0093337426" not in t["text"] and "۰۰۹۳۳۳۷۴۲۶" not in t["text"] for t in turns)


async def test_a_handed_off_conversation_shows_the_turns_before_the_handoff(db, stores):
    store = await stores()
    rec = Recorder(_app(db), store)
    person = await _conversation(rec, store, "7002", 1)
    await rec.handoff(person, "asked")
    [h] = await inbox.queue(db)
    _, conv = await inbox.get(db, h.id)
    texts = [t["text"] for t in conv.turns]
    assert texts[:2] == ["کد ملی من \u2066۰۰۹۳***۴۲۶\u2069 است", "پاسخ 0"]
    assert texts[-2:] == ["[بله]", "باشه"]  # a pressed button reads as its title
    assert len(texts) == 4
    # while the handoff is open, each turn reaches the database too, even through another worker
    other = Recorder(_app(db), await stores()) if stores.kind == "redis" else rec
    await other.turn(Inbound(Channel.TELEGRAM, "7002", text="سلام، کسی هست؟"), [], None)
    _, conv = await inbox.get(db, h.id)
    assert conv.turns[-1]["text"] == "سلام، کسی هست؟"


async def test_leaving_a_held_conversation_returns_it_and_closing_stops_the_writes(db, stores):
    store = await stores()
    rec = Recorder(_app(db), store)
    person = await _conversation(rec, store, "7003", 1)
    await rec.handoff(person, "asked")
    async with db.session() as s:
        h = await s.scalar(select(Handoff))
        h.status, h.taken_by = "taken", 1
    await rec.turn(Inbound(Channel.TELEGRAM, "7003", text="منو"), [Outbound("منو")], None)
    async with db.session() as s:
        h = await s.scalar(select(Handoff))
    assert h.status == "returned"
    _, conv = await inbox.get(db, h.id)
    assert [t["text"] for t in conv.turns[-3:]] == ["منو", "منو", "left"]
    db.writes.clear()
    await rec.turn(Inbound(Channel.TELEGRAM, "7003", text="سلام"), [Outbound("سلام")], None)
    assert db.writes == []
    # a handoff closed elsewhere (the mark left behind) costs one read, then the mark is dropped
    await rec.set_held("telegram:7003", True)
    await rec.turn(Inbound(Channel.TELEGRAM, "7003", text="سلام"), [Outbound("سلام")], None)
    await rec.turn(Inbound(Channel.TELEGRAM, "7003", text="سلام"), [Outbound("سلام")], None)
    assert db.writes == []
    assert not (await rec.buffer.record("telegram:7003", "telegram", None, None, time.time(), 0)).held


async def test_a_service_left_half_an_hour_counts_as_abandoned_at_its_step_once(db, stores, monkeypatch):
    store = await stores()
    rec = Recorder(_app(db), store)
    rec._next_tick = float("inf")  # sweeps only when asked below
    await _conversation(rec, store, "7004", 1)  # comes back later
    await _conversation(rec, store, "7005", 1)  # never comes back
    later = time.time() + ABANDON_AFTER + 60
    monkeypatch.setattr(time, "time", lambda: later)
    await rec.turn(Inbound(Channel.TELEGRAM, "7004", text="سلام"), [Outbound("سلام")], None)
    await rec.sweep()
    await rec.sweep()
    await rec.turn(Inbound(Channel.TELEGRAM, "7005", text="سلام"), [Outbound("سلام")], None)
    if stores.kind == "redis":  # another worker sweeping finds nothing left to count
        await Recorder(_app(db), await stores()).sweep()
    async with db.session() as s:
        rows = list(await s.scalars(select(Event).where(Event.outcome == "abandoned")))
    assert sorted((e.flow, e.step, e.channel) for e in rows) == [("pension_status", "national_code", "telegram")] * 2
    assert all(e.at < later - ABANDON_AFTER for e in rows)
