"""Listens to the engine: keeps short transcripts, queues handoffs, and counts what is measured."""

from __future__ import annotations

import logging
import re
import time

from sqlalchemy import select

from bot.console.models import Conversation, Event, Handoff
from bot.engine.fmt import mask_code
from bot.engine.hooks import Hooks
from bot.engine.messages import Inbound, Outbound
from bot.storage import Database

log = logging.getLogger("tamin.console.recorder")

MAX_ENTRIES = 40  # about twenty exchanges
MAX_TEXT = 1200
ABANDON_AFTER = 30 * 60  # a service untouched this long counts as left at its step
OPEN = ("waiting", "taken")
_LONG_DIGITS = re.compile(r"[0-9۰-۹٠-٩]{5,}")
_TO_ASCII = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def mask_digits(text: str) -> str:
    """Long digit runs (national codes, mobiles, one-time codes) with their middle hidden."""
    return _LONG_DIGITS.sub(lambda m: "\u2066" + mask_code(m.group(0).translate(_TO_ASCII)) + "\u2069", text)


def entry(who: str, text: str, **extra) -> dict:
    """One line of a transcript."""
    return {"at": round(time.time(), 1), "who": who, "text": text[:MAX_TEXT], **extra}


def bot_entry(msg: Outbound) -> dict:
    """What the bot said, with its buttons' titles and links."""
    extra: dict = {}
    if msg.choices:
        extra["choices"] = [[c.id, c.title] for c in msg.choices]
    links = [[link.title, link.url] for link in msg.links]
    if msg.document and not links:
        links = [[msg.document.filename, msg.document.url]]
    if links:
        extra["links"] = links
    return entry("bot", msg.text, **extra)


def person_text(inbound: Inbound, previous: list[dict]) -> str:
    """What the person sent, as an agent should read it (a pressed button shows its title)."""
    if inbound.text:
        return mask_digits(inbound.text)
    if inbound.choice:
        for item in reversed(previous):
            for cid, title in item.get("choices", []):
                if cid == inbound.choice:
                    return f"[{title}]"
        return f"[{inbound.choice[:40]}]"
    if inbound.contact is not None:
        return "[📱 " + mask_code(inbound.contact.phone) + "]"
    return ""


def add_entries(turns: list[dict], *new: dict) -> list[dict]:
    """The transcript with ``new`` appended, capped to the last entries."""
    return [*turns, *new][-MAX_ENTRIES:]


def _leaves_agent(inbound: Inbound) -> bool:
    from bot.engine.understand import command_of
    from bot.nlu.normalize import normalize

    return command_of(normalize(inbound.text or ""), inbound.choice) in ("menu", "start", "cancel")


class Recorder(Hooks):
    """The console's engine hooks; every write is small and never breaks a conversation."""

    def __init__(self, app, store) -> None:
        self.app = app
        self.store = store

    @property
    def db(self) -> Database:
        return self.app.state.db

    async def turn(self, inbound: Inbound, out: list[Outbound], flow: str | None) -> None:
        step = None
        if flow:
            try:
                session = await self.store.load(inbound.key)
                step = session.flow.awaiting if session.flow else None
            except Exception:
                step = None
        now = time.time()
        async with self.db.session() as s:
            conv = await s.get(Conversation, inbound.key)
            if conv is None:
                conv = Conversation(key=inbound.key, channel=inbound.channel.value, user=inbound.user[:160], turns=[],
                                    updated_at=now)
                s.add(conv)
            elif conv.flow and now - conv.updated_at > ABANDON_AFTER:
                s.add(Event(at=conv.updated_at, kind="ended", channel=conv.channel, flow=conv.flow,
                            outcome="abandoned", step=conv.step))
            said = person_text(inbound, conv.turns or [])
            new = ([entry("person", said)] if said else []) + [bot_entry(m) for m in out]
            if _leaves_agent(inbound):
                # «منو» or «لغو» ends a human's hold in the engine: the agent's screen must say so too
                held = await s.scalar(select(Handoff).where(Handoff.key == inbound.key, Handoff.status == "taken"))
                if held is not None:
                    held.status, held.closed_at = "returned", now
                    new.append(entry("system", "left"))
            conv.turns = add_entries(list(conv.turns or []), *new)
            conv.flow, conv.step, conv.updated_at = flow, step, now

    async def flow_started(self, inbound: Inbound, flow: str) -> None:
        async with self.db.session() as s:
            s.add(Event(at=time.time(), kind="started", channel=inbound.channel.value, flow=flow))

    async def flow_ended(self, inbound: Inbound, flow: str, outcome: str, step: str | None) -> None:
        async with self.db.session() as s:
            s.add(Event(at=time.time(), kind="ended", channel=inbound.channel.value, flow=flow, outcome=outcome[:16],
                        step=(step or None) and step[:64]))
            conv = await s.get(Conversation, inbound.key)
            if conv is not None:
                conv.flow = conv.step = None

    async def handoff(self, inbound: Inbound, reason: str) -> None:
        flow = None
        try:
            session = await self.store.load(inbound.key)
            flow = session.flow.name if session.flow else (session.suspended.name if session.suspended else None)
        except Exception:
            pass
        now = time.time()
        async with self.db.session() as s:
            s.add(Event(at=now, kind="handoff", channel=inbound.channel.value, flow=flow, reason=reason[:32]))
            existing = await s.scalar(select(Handoff).where(Handoff.key == inbound.key, Handoff.status.in_(OPEN)))
            if existing is not None:
                existing.unread += 1
                return
            s.add(Handoff(key=inbound.key, channel=inbound.channel.value, user=inbound.user[:160], reason=reason[:32],
                          flow=flow, status="waiting", created_at=now, taken_by_name="", take_reason="", unread=0))
        log.info("handoff queued channel=%s reason=%s", inbound.channel.value, reason)

    async def to_agent(self, inbound: Inbound) -> None:
        async with self.db.session() as s:
            h = await s.scalar(select(Handoff).where(Handoff.key == inbound.key, Handoff.status.in_(OPEN)))
            if h is not None:
                h.unread += 1
