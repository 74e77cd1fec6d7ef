"""Listens to the engine: keeps short transcripts, queues handoffs, and counts what is measured."""

from __future__ import annotations

import asyncio
import logging
import time

from sqlalchemy import insert, select

from bot.console.buffer import HEAD_ROOM, MAX_ENTRIES, Left, buffer_for
from bot.console.compact import Renderer, dumps, links_of, mask_digits
from bot.console.models import Conversation, Event, Handoff
from bot.engine.catalog import variant_for
from bot.engine.fmt import mask_code
from bot.engine.hooks import Hooks
from bot.engine.messages import Inbound, Outbound
from bot.storage import Database

log = logging.getLogger("tamin.console.recorder")

MAX_TEXT = 1200
FLUSH_EVERY = 1.0  # seconds a service event may wait before its batched write (lost if the process dies)
ABANDON_AFTER = 30 * 60  # a service untouched this long counts as left at its step
OPEN = ("waiting", "taken")
__all__ = ["MAX_ENTRIES", "Recorder", "bot_entry", "entry", "mask_digits", "merge", "resolve"]


def entry(who: str, text: str, **extra) -> dict:
    """One line of a transcript."""
    return {"at": round(time.time(), 1), "who": who, "text": text[:MAX_TEXT], **extra}


def bot_entry(msg: Outbound) -> dict:
    """What the bot said, with its buttons' titles and links."""
    extra: dict = {}
    if msg.choices:
        extra["choices"] = [[c.id, c.title] for c in msg.choices]
    links = links_of(msg)
    if links:
        extra["links"] = links
    return entry("bot", msg.text, **extra)


def person_text(inbound: Inbound, previous: list[dict]) -> str:
    """What the person sent, as an agent should read it (a pressed button shows its title)."""
    if inbound.text:
        return mask_digits(inbound.text)
    if inbound.choice:
        return _title_of(inbound.choice, previous)
    if inbound.contact is not None:
        return "[📱 " + mask_code(inbound.contact.phone) + "]"
    return ""


def _title_of(choice: str, previous: list[dict]) -> str:
    for item in reversed(previous):
        for cid, title in item.get("choices", []):
            if cid == choice:
                return f"[{title}]"
    return f"[{choice[:40]}]"


def person_entry(inbound: Inbound) -> dict | None:
    """The person's line as buffered: a pressed button keeps its id until the transcript is read."""
    if inbound.choice and not inbound.text:
        return entry("person", f"[{inbound.choice[:40]}]", pick=inbound.choice[:64])
    said = person_text(inbound, [])
    return entry("person", said) if said else None


def resolve(turns: list[dict], before: list[dict] | None = None) -> list[dict]:
    """Buffered entries as an agent reads them: each pressed button named by the title it was offered with."""
    done = list(before or [])
    out: list[dict] = []
    for item in turns:
        if "pick" in item:
            item = dict(item)
            item["text"] = _title_of(item.pop("pick"), done)
        done.append(item)
        out.append(item)
    return out


def add_entries(turns: list[dict], *new: dict) -> list[dict]:
    """The transcript with ``new`` appended, capped to the last entries."""
    return [*turns, *new][-MAX_ENTRIES:]


def _leaves_agent(inbound: Inbound) -> bool:
    from bot.engine.understand import command_of
    from bot.nlu.normalize import normalize

    return command_of(normalize(inbound.text or ""), inbound.choice) in ("menu", "start", "cancel")


class Recorder(Hooks):
    """The console's engine hooks. A turn writes only to the transcript buffer (Redis or memory); the
    database sees a conversation when it is handed to a human, and while a human holds it."""

    TICK = 30.0  # seconds between sweeps of services left untouched (and re-reading the open handoffs)

    def __init__(self, app, store) -> None:
        self.app = app
        self.store = store
        self.buffer = buffer_for(store)
        self.render = Renderer(lambda: getattr(getattr(app.state, "engine", None), "flows", None) or {})
        self._next_tick = 0.0
        self._events: list[dict] = []  # service events (their columns) waiting for the next batched write
        self._flusher: asyncio.Task | None = None
        self._ticker: asyncio.Task | None = None
        self._riding: dict[int, asyncio.Future] = {}  # turns whose write rides on their session's save

    async def saving(self, inbound: Inbound, out: list[Outbound], flow: str | None) -> None:
        """Inside the person's lock, before the save: the turn's line rides on the session's save and
        release where the store can carry it (one round trip a turn, as with the console off)."""
        ride = getattr(self.buffer, "ride", None)
        if ride is None:
            return
        now = time.time()
        line = self.render.turn_line(now, inbound, out, variant_for(inbound.channel.value),
                                     self.buffer.max_bytes - HEAD_ROOM)
        fut = ride(inbound.key, line, flow, now, now - ABANDON_AFTER)
        if fut is not None:
            turn = id(inbound)
            self._riding[turn] = fut
            fut.add_done_callback(lambda f: f.exception() is not None and self._riding.pop(turn, None))

    @property
    def db(self) -> Database:
        return self.app.state.db

    async def turn(self, inbound: Inbound, out: list[Outbound], flow: str | None) -> None:
        now = time.time()
        if now >= self._next_tick:  # the sweep runs beside the turns, never inside one
            self._next_tick = now + self.TICK
            if self._ticker is None or self._ticker.done():
                self._ticker = asyncio.get_running_loop().create_task(self.tick())
        riding = self._riding.pop(id(inbound), None)
        if riding is not None and riding.done() and riding.exception() is None:
            rec = self.buffer.recorded(inbound.key, inbound.channel.value, riding.result())
        else:  # not carried by the save (memory, Cluster, redis-py), or that write failed
            line = self.render.turn_line(now, inbound, out, variant_for(inbound.channel.value),
                                         self.buffer.max_bytes - HEAD_ROOM)
            rec = await self.buffer.record(inbound.key, inbound.channel.value, line, flow, now,
                                           now - ABANDON_AFTER)
        if rec.left is not None:
            await self._abandoned([rec.left])
        if rec.held:  # the database rows of a held conversation keep the rendered entries, whole
            said = person_entry(inbound)
            await self._held_turn(inbound, ([said] if said else []) + [bot_entry(m) for m in out], now)

    async def transcript(self, key: str) -> list[dict]:
        """The buffered turns rendered as the person saw them, each pressed button named by its title."""
        items = await self.buffer.read(key)
        return resolve(self.render.entries(items, variant_for(key.split(":", 1)[0])))

    async def _held_turn(self, inbound: Inbound, new: list[dict], now: float) -> None:
        """A human has (or awaits) this conversation: its transcript in the database follows each turn."""
        left = False
        async with self.db.session() as s:
            held = await s.scalar(select(Handoff).where(Handoff.key == inbound.key, Handoff.status.in_(OPEN))
                                  .order_by(Handoff.id.desc()).limit(1))
            if held is not None:
                conv = await self._conversation(s, inbound, now)
                new = resolve(new, conv.turns or [])
                if held.status == "taken" and _leaves_agent(inbound):
                    # «منو» or «لغو» ends a human's hold in the engine: the agent's screen must say so too
                    held.status, held.closed_at = "returned", now
                    new.append(entry("system", "left"))
                    left = True
                conv.turns = add_entries(list(conv.turns or []), *new)
                conv.updated_at = now
        if held is None or left:
            await self.buffer.set_held(inbound.key, False)
        if left:
            await self.note(inbound.key, new[-1])

    @staticmethod
    async def _conversation(s, inbound: Inbound, now: float) -> Conversation:
        conv = await s.get(Conversation, inbound.key)
        if conv is None:
            conv = Conversation(key=inbound.key, channel=inbound.channel.value, user=inbound.user[:160], turns=[],
                                updated_at=now)
            s.add(conv)
        return conv

    async def _abandoned(self, left: list[Left]) -> None:
        async with self.db.session() as s:
            for item in left:
                s.add(Event(at=item.at, kind="ended", channel=item.channel, flow=item.flow, outcome="abandoned",
                            step=(item.step or None) and item.step[:64]))

    async def sweep(self) -> None:
        """Count services left untouched for half an hour as ended «abandoned» at their step."""
        try:
            left = await self.buffer.claim_left(time.time() - ABANDON_AFTER)
            if left:
                await self._abandoned(left)
        except Exception:
            log.exception("console sweep failed")

    async def tick(self) -> None:
        """Sweep, and mark the conversations the database says are handed over (should the buffer have
        lost the mark: Redis flushed, a process restarted)."""
        await self.sweep()
        try:
            async with self.db.session() as s:
                keys = list(await s.scalars(select(Handoff.key).where(Handoff.status.in_(OPEN)).distinct()))
            if keys:
                await self.buffer.add_held(keys)
        except Exception:
            log.exception("console: reading the open handoffs failed")

    async def note(self, key: str, *entries: dict) -> None:
        """Lines written outside a turn (an agent's reply, a notice), for the buffered transcript."""
        try:
            await self.buffer.note(key, dumps([int(time.time()), *entries]))
        except Exception:
            log.warning("console buffer unavailable for a note")

    async def set_held(self, key: str, held: bool) -> None:
        """A handoff of this conversation opened or closed."""
        try:
            await self.buffer.set_held(key, held)
        except Exception:
            log.warning("console buffer unavailable: the held mark is restored by the next sweep")

    async def flow_started(self, inbound: Inbound, flow: str) -> None:
        self._queue(at=time.time(), kind="started", channel=inbound.channel.value, flow=flow)

    async def flow_ended(self, inbound: Inbound, flow: str, outcome: str, step: str | None) -> None:
        self._queue(at=time.time(), kind="ended", channel=inbound.channel.value, flow=flow, outcome=outcome[:16],
                    step=(step or None) and step[:64])

    def _queue(self, **event) -> None:
        """Keep a service event for the next batched write (at most a second away): no commit per turn, and
        no ORM object per turn either (they are made at the write)."""
        self._events.append({"flow": None, "outcome": None, "step": None, "reason": None, **event})
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        await asyncio.sleep(FLUSH_EVERY)
        await self.flush()

    async def flush(self) -> None:
        """Write the service events kept so far, in one transaction."""
        events, self._events = self._events, []
        if not events:
            return
        try:
            async with self.db.session() as s:
                await s.execute(insert(Event), events)  # one executemany, no ORM unit of work
        except Exception:
            log.exception("console: %d service events could not be written", len(events))

    async def handoff(self, inbound: Inbound, reason: str) -> None:
        flow = None
        try:
            session = await self.store.load(inbound.key)
            flow = session.flow.name if session.flow else (session.suspended.name if session.suspended else None)
        except Exception:
            pass
        try:
            buffered = await self.transcript(inbound.key)
        except Exception:
            log.warning("console buffer unavailable: a handoff without its earlier turns")
            buffered = []
        now = time.time()
        async with self.db.session() as s:
            s.add(Event(at=now, kind="handoff", channel=inbound.channel.value, flow=flow, reason=reason[:32]))
            existing = await s.scalar(select(Handoff).where(Handoff.key == inbound.key, Handoff.status.in_(OPEN)))
            if existing is not None:
                existing.unread += 1
            else:
                s.add(Handoff(key=inbound.key, channel=inbound.channel.value, user=inbound.user[:160],
                              reason=reason[:32], flow=flow, status="waiting", created_at=now, taken_by_name="",
                              take_reason="", unread=0))
                conv = await self._conversation(s, inbound, now)
                conv.turns = merge(conv.turns or [], buffered)
                conv.flow = conv.step = None  # the service step lives in the buffer now
                conv.updated_at = now
        await self.set_held(inbound.key, True)
        if existing is None:
            log.info("handoff queued channel=%s reason=%s", inbound.channel.value, reason)

    async def to_agent(self, inbound: Inbound) -> None:
        async with self.db.session() as s:
            h = await s.scalar(select(Handoff).where(Handoff.key == inbound.key, Handoff.status.in_(OPEN)))
            if h is not None:
                h.unread += 1


def merge(kept: list[dict], buffered: list[dict]) -> list[dict]:
    """An earlier handoff's transcript followed by the buffer's newer entries, capped."""
    if not buffered:
        return list(kept)[-MAX_ENTRIES:]
    first = buffered[0].get("at", 0)
    return add_entries([e for e in kept if e.get("at", 0) < first], *buffered)
