"""The handoff inbox: take a conversation from the bot, answer through the person's own channel, give it back."""

from __future__ import annotations

import logging
import time

from sqlalchemy import delete, func, select

from bot.console.models import Conversation, Handoff, PendingReply
from bot.console.recorder import OPEN, add_entries, entry
from bot.engine.catalog import t
from bot.engine.messages import Channel, Choice, Outbound
from bot.storage import Database

log = logging.getLogger("tamin.console.inbox")


class Unavailable(Exception):
    """The conversation is not in a state for this action (taken by another agent, closed)."""


class DeliveryFailed(Exception):
    """The person's channel did not accept the message."""


def visible(h: Handoff, who) -> bool:
    """The rule: an agent sees the handoffs waiting in the queue and the ones they took; a supervisor sees all."""
    return bool(who.supervisor or h.status == "waiting" or h.taken_by == who.id)


def held_by(h: Handoff, who) -> bool:
    """Whether ``who`` holds the conversation now (only then is its transcript theirs to read)."""
    return h.status == "taken" and h.taken_by == who.id


async def queue(db: Database, who=None) -> list[Handoff]:
    """Open handoffs ``who`` may see (all of them without ``who``), the longest-waiting first."""
    async with db.session() as s:
        stmt = select(Handoff).where(Handoff.status.in_(OPEN))
        if who is not None and not who.supervisor:
            stmt = stmt.where((Handoff.status == "waiting") | (Handoff.taken_by == who.id))
        rows = await s.scalars(stmt.order_by(Handoff.status.desc(), Handoff.created_at).limit(200))
        return list(rows)


async def stats(db: Database) -> dict:
    """Queue length, the longest and mean wait of those waiting, and how many agents hold one."""
    now = time.time()
    async with db.session() as s:
        waiting = list(await s.scalars(select(Handoff.created_at).where(Handoff.status == "waiting")))
        taken = await s.scalar(select(func.count()).select_from(Handoff).where(Handoff.status == "taken"))
        day = now - 24 * 3600
        done = list((await s.execute(select(Handoff.created_at, Handoff.taken_at)
                                     .where(Handoff.taken_at.is_not(None), Handoff.taken_at >= day))).all())
    waits = [now - c for c in waiting]
    answered = [tk - c for c, tk in done]
    return {
        "waiting": len(waits), "taken": int(taken or 0),
        "longest": max(waits) if waits else 0.0, "mean": sum(waits) / len(waits) if waits else 0.0,
        "answered_24h": len(answered), "mean_answer_24h": sum(answered) / len(answered) if answered else 0.0,
    }


async def get(db: Database, handoff_id: int) -> tuple[Handoff, Conversation | None]:
    """A handoff and its conversation's transcript."""
    async with db.session() as s:
        h = await s.get(Handoff, handoff_id)
        if h is None:
            raise Unavailable("no such conversation")
        conv = await s.get(Conversation, h.key)
        return h, conv


async def _set_handoff(engine, key: str, value: bool) -> None:
    store = engine.deps.store
    async with store.lock(key):
        session = await store.load(key)
        session.handoff = value
        if value:
            session.choices = []  # the bot's last buttons mean nothing while a human answers
        await store.save(key, session)


async def take(app, handoff_id: int, who, reason: str) -> Handoff:
    """Hold the conversation: the bot stops answering the person and forwards them to the agent."""
    db, engine = app.state.db, app.state.engine
    async with db.session() as s:
        h = await s.get(Handoff, handoff_id, with_for_update=not db.is_sqlite)
        if h is None or h.status not in OPEN or (h.status == "taken" and h.taken_by != who.id):
            raise Unavailable("taken or closed")
        h.status, h.taken_by, h.taken_by_name, h.take_reason = "taken", who.id, who.display_name, reason[:300]
        h.taken_at = h.taken_at or time.time()
        key, channel, user = h.key, h.channel, h.user
    await _set_handoff(engine, key, True)
    await _mark(app, key, True)
    await _deliver(app, channel, user, Outbound(t("console.reply.taken", agent=who.display_name)), key, "system")
    return h


async def reply(app, handoff_id: int, who, text: str) -> None:
    """Send the agent's answer through the person's own channel and keep it in the transcript."""
    db = app.state.db
    h, _ = await get(db, handoff_id)
    if h.status != "taken" or h.taken_by != who.id:
        raise Unavailable("not yours")
    msg = Outbound(t("console.reply.message", text=text.strip()))
    await _deliver(app, h.channel, h.user, msg, h.key, "agent", shown=text.strip(), agent=who.display_name)
    async with db.session() as s:
        row = await s.get(Handoff, handoff_id)
        row.unread = 0


async def release(app, handoff_id: int, who, close: bool) -> None:
    """Give the conversation back to the bot, or close it; either way the bot answers again."""
    db, engine = app.state.db, app.state.engine
    async with db.session() as s:
        h = await s.get(Handoff, handoff_id)
        if h is None or h.status not in OPEN:
            raise Unavailable("closed")
        if h.status == "taken" and h.taken_by != who.id and not who.supervisor:
            raise Unavailable("not yours")
        h.status, h.closed_at = ("closed" if close else "returned"), time.time()
        key, channel, user = h.key, h.channel, h.user
    await _set_handoff(engine, key, False)
    await _mark(app, key, False)
    note = t("console.reply.closed" if close else "console.reply.returned")
    await _deliver(app, channel, user, Outbound(note, [Choice("cmd:menu", t("common.menu"))]), key, "system")


async def _mark(app, key: str, held: bool) -> None:
    """Tell the recorder whether the conversation's turns go to the database (a human holds it)."""
    recorder = getattr(app.state, "console_recorder", None)
    if recorder is not None:
        await recorder.set_held(key, held)


async def _deliver(app, channel: str, user: str, msg: Outbound, key: str, who_label: str, shown: str | None = None,
                   **extra) -> None:
    """Send one message through the person's channel, then append it to their transcript."""
    senders = getattr(app.state, "senders", None) or {}
    sender = senders.get(channel)
    db = app.state.db
    try:
        if sender is not None:
            await sender.send(user, [msg])
        elif channel == Channel.WEB.value:
            async with db.session() as s:
                s.add(PendingReply(user=user, message=msg.as_json(), created_at=time.time()))
        elif channel == Channel.SMS.value:
            await app.state.engine.deps.sms.send_text(user, msg.text)
        else:
            raise DeliveryFailed(f"no sender for {channel}")
    except DeliveryFailed:
        raise
    except Exception as exc:
        log.warning("delivery to a %s user failed: %s", channel, type(exc).__name__)
        raise DeliveryFailed(str(exc)) from exc
    line = entry(who_label, shown or msg.text, **extra)
    async with db.session() as s:
        conv = await s.get(Conversation, key)
        if conv is not None:
            conv.turns = add_entries(list(conv.turns or []), line)
            conv.updated_at = time.time()
    recorder = getattr(app.state, "console_recorder", None)
    if recorder is not None:  # the buffer stays whole, for a later handoff of the same conversation
        await recorder.note(key, line)


async def pending(db: Database, user: str) -> list[dict]:
    """Agent replies waiting for a web-chat user; handed over once."""
    async with db.session() as s:
        rows = list(await s.scalars(select(PendingReply).where(PendingReply.user == user).order_by(PendingReply.id)))
        if rows:
            await s.execute(delete(PendingReply).where(PendingReply.id.in_([r.id for r in rows])))
        return [r.message for r in rows]


class PendingReplies:
    """The agents' replies waiting for web-chat people, as ``app.state.pending_replies`` for the web chat.

    ``user_key`` is the web channel's engine user id (``Inbound.user``, the ``Handoff.user`` of a web
    conversation; a ``web:`` prefix is accepted too). The web chat decides who may ask for it.
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    async def take(self, user_key: str) -> list[dict]:
        """The replies waiting for ``user_key`` (``Outbound.as_json()`` shapes), oldest first; each handed out once."""
        user = user_key.removeprefix(f"{Channel.WEB.value}:")
        if not user or len(user) > 160:
            return []
        return await pending(self.db, user)

    async def put(self, user_key: str, message: dict) -> None:
        """Keep ``message`` (an ``Outbound.as_json()`` shape: a notice) for ``user_key``'s next poll."""
        user = user_key.removeprefix(f"{Channel.WEB.value}:")
        async with self.db.session() as s:
            s.add(PendingReply(user=user[:160], message=message, created_at=time.time()))
