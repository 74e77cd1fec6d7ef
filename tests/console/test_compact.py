"""Console transcripts at the price of a session: the recorder keeps catalog keys, fields and button ids in one
capped Redis string per conversation, and the console renders from them exactly what the person was sent."""

from __future__ import annotations

import json
import time
import uuid
from types import SimpleNamespace

import pytest

from bot.console import inbox
from bot.console.recorder import Recorder
from bot.engine.messages import Channel, Inbound
from bot.engine.store import MemoryStore, RedisStore
from tests.support.services import redis_db

REDIS = redis_db(11)
BOUND = 600  # bytes of Redis per conversation, session and console together (issue 19)
SCRIPTS = {
    Channel.WEB: [("سلام", None), ("وضعیت مستمری", None), ("0016383230", None), ("09120000101", None)],
    Channel.TELEGRAM: [("/start", None), (None, "svc:pension_status"), ("لغو", None), ("منو", None),
                       ("یه چیزی که معلوم نیست چیه", None), (None, "cmd:menu")],
    Channel.SMS: [("سلام", None), ("مستمری", None), ("لغو", None)],
}


@pytest.fixture
async def bot(tmp_path, request):
    """The engine with the console's recorder, on the memory store or on Redis."""
    from bot.app import build_engine
    from bot.engine.hooks import MultiHooks
    from bot.settings import Settings
    from bot.storage import Database

    kind = getattr(request, "param", "redis")
    if kind == "redis":
        request.getfixturevalue("redis_available")
    prefix = f"t-cmp-{uuid.uuid4().hex[:8]}:"
    store = RedisStore.from_url(REDIS, prefix=prefix) if kind == "redis" else MemoryStore()
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/console.db")
    await db.migrate()
    hooks = MultiHooks()
    engine = build_engine(Settings(tamin_backend_url=None, redis_url=None, kavenegar_api_key=None,
                                   telegram_bot_token=None, bale_bot_token=None), store=store, hooks=hooks)
    app = SimpleNamespace(state=SimpleNamespace(db=db, engine=engine, senders={}))
    rec = Recorder(app, store)
    hooks.add(rec)
    yield SimpleNamespace(engine=engine, rec=rec, store=store, db=db, prefix=prefix, kind=kind)
    if kind == "redis":
        keys = [k async for k in store.redis.scan_iter(match=f"{prefix}*", count=500)]
        if keys:
            await store.redis.delete(*keys)
    await store.close()
    await db.dispose()


async def _talk(bot, channel: Channel, user: str, script) -> list[dict]:
    """Hold the conversation; every message the person was sent, as the console lists a bot's line."""
    sent: list[dict] = []
    for text, choice in script:
        for m in await bot.engine.handle(Inbound(channel, user, text=text, choice=choice)):
            sent.append({"text": m.text, "choices": [[c.id, c.title] for c in m.choices]})
    return sent


def _shown(turns: list[dict]) -> list[dict]:
    return [{"text": t["text"], "choices": t.get("choices", [])} for t in turns if t["who"] == "bot"]


@pytest.mark.parametrize("bot", ["memory", "redis"], indirect=True)
async def test_the_console_shows_the_texts_and_buttons_the_person_got(bot):
    for channel, script in SCRIPTS.items():
        user = f"p-{uuid.uuid4().hex[:6]}"
        sent = await _talk(bot, channel, user, script)
        inb = Inbound(channel, user, text="کارشناس")
        await bot.rec.handoff(inb, "asked")
        h = next(h for h in await inbox.queue(bot.db) if h.key == inb.key)
        _, conv = await inbox.get(bot.db, h.id)
        shown = _shown(conv.turns)
        assert len(shown) >= 2, channel
        assert shown == sent[-len(shown):], channel  # the newest turns, word for word, buttons and all
        assert all("0016383230" not in t["text"] and "09120000101" not in t["text"] for t in conv.turns)
        if bot.kind == "redis":  # what Redis holds is the keys and ids, not the texts and their titles
            raw = (await bot.store.redis.get(f"{bot.prefix}cv:{{{inb.key}}}")).decode()
            assert all(s["text"] not in raw for s in shown if len(s["text"]) > 30)
            typed = {text for text, _ in script if text}
            assert not [title for s in shown for _, title in s["choices"] if title in raw and title not in typed]


async def test_a_conversation_with_its_transcript_stays_within_600_bytes_however_long(bot):
    script = [("سلام", None), ("وضعیت مستمری", None), ("0016383230", None)] + [("09120000101", None)] * 27
    sizes = {}
    for n, (text, choice) in enumerate(script, 1):
        await bot.engine.handle(Inbound(Channel.WEB, "long", text=text, choice=choice))
        if n in (3, 10, 30):
            keys = [k async for k in bot.store.redis.scan_iter(match=f"{bot.prefix}*{{web:long}}", count=500)]
            sizes[n] = sum([await bot.store.redis.memory_usage(k) or 0 for k in keys])
    assert all(size <= BOUND for size in sizes.values()), sizes
    turns = await bot.rec.transcript("web:long")
    assert turns[-1]["who"] == "bot" and turns[-2]["text"] == "\u2066۰۹۱۲***۱۰۱\u2069"


async def test_turns_an_older_version_kept_are_still_shown_and_its_marks_taken_over(bot):
    key = "telegram:9001"
    r, p = bot.store.redis, bot.prefix
    old = [{"at": time.time() - 60, "who": "bot", "text": "پیام پیشین", "choices": [["yes", "بله"]]},
           {"at": time.time() - 60, "who": "person", "text": "[yes]", "pick": "yes"}]
    await r.rpush(f"{p}cb:{{{key}}}", *(json.dumps(e, ensure_ascii=False) for e in old))
    await r.hset(f"{p}cm:{{{key}}}", mapping={"f": "pension_status", "s": "national_code", "t": "1", "c": "telegram",
                                             "h": "1"})
    rec = await bot.rec.buffer.record(key, "telegram", None, None, time.time(), time.time() - 1800)
    assert rec.held and rec.left is not None and (rec.left.flow, rec.left.step) == ("pension_status", "national_code")
    assert not await r.exists(f"{p}cm:{{{key}}}")
    await _talk(bot, Channel.TELEGRAM, "9001", [("سلام", None)])
    turns = await bot.rec.transcript(key)
    assert [t["text"] for t in turns[:2]] == ["پیام پیشین", "[بله]"]
    assert turns[-2]["text"] == "سلام" and turns[-1]["choices"]
